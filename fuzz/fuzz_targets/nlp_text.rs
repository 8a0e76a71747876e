//! mlhc-nlp on arbitrary note text: the annotation pipeline (sentences, sections, exact and approximate
//! concept matching, ConText) and de-identification never panic, and every span they report lies on
//! character boundaries of the input.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mlhc_nlp::approximate::ApproximateParams;
use mlhc_nlp::deid::{AgePolicy, Deidentifier};
use mlhc_nlp::lexicon::{Lexicon, LexiconEntry};
use mlhc_nlp::pipeline::{default_context, default_sectionizer, Pipeline};

fn pipeline() -> &'static Pipeline {
    static P: OnceLock<Pipeline> = OnceLock::new();
    P.get_or_init(|| {
        let entries = ["pneumonia", "chest pain", "fever", "heart failure", "diabetes mellitus", "cough"]
            .iter()
            .map(|t| LexiconEntry { term: t.to_string(), code: t.to_uppercase(), label: "PROBLEM".into() })
            .collect();
        let lexicon = Lexicon::new(entries).expect("a fixed lexicon");
        let context = default_context().expect("embedded rules parse");
        let sections = default_sectionizer().expect("embedded rules parse");
        Pipeline::new(lexicon, context, Some(sections))
            .with_approximate(&ApproximateParams::default())
            .expect("default parameters are valid")
    })
}

fn deid() -> &'static Deidentifier {
    static D: OnceLock<Deidentifier> = OnceLock::new();
    D.get_or_init(|| Deidentifier::new(AgePolicy::Over89))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let a = pipeline().annotate(&text);
    for t in &a.targets {
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end), "{t:?}");
        assert_eq!(&text[t.start..t.end], t.text.as_str());
    }
    let deid = deid();
    for span in deid.find(&text) {
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{span:?}");
    }
    let _ = deid.mask(&text);
    let _ = deid.surrogate(&text);
});
