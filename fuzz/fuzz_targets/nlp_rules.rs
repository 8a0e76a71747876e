//! mlhc-nlp's rule-file and lexicon parsers: arbitrary bytes as a ConText JSON file, a NegEx trigger
//! file, a section-rule JSON file, a lexicon (JSON and TSV) and UMLS / SNOMED CT release files. Parsing never panics; whatever parses is
//! compiled and run over a fixed note, which must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlhc_nlp::context::rules::{parse_context_rules_json, parse_negex_triggers};
use mlhc_nlp::context::{Category, ConText};
use mlhc_nlp::lexicon::{parse_lexicon_json, parse_lexicon_tsv, Lexicon, LexiconEntry};
use mlhc_nlp::pipeline::{default_context, Pipeline};
use mlhc_nlp::section::{parse_section_rules_json, HeaderPosition, Sectionizer};

const NOTE: &str = "HISTORY OF PRESENT ILLNESS: No fever, no no more chest pain once the infection is resolved.\n\
Family History: mother with diabetes. Possible pneumonia; ruled out MI.\nPLAN: follow up.";

fn small_lexicon() -> Lexicon {
    let entries = ["pneumonia", "chest pain", "fever", "diabetes", "infection", "mi"]
        .iter()
        .map(|t| LexiconEntry { term: t.to_string(), code: t.to_uppercase(), label: "PROBLEM".into() })
        .collect();
    Lexicon::new(entries).expect("a fixed lexicon")
}

fuzz_target!(|data: &[u8]| {
    // Release files are read as bytes, line by line (invalid UTF-8 is an error naming the line).
    let sty = mlhc_nlp::vocab::parse_umls_mrsty(data, "MRSTY.RRF").ok();
    let options = mlhc_nlp::vocab::UmlsOptions::default();
    let _ = mlhc_nlp::vocab::parse_umls_mrconso(data, "MRCONSO.RRF", sty.as_ref(), &options, "PROBLEM");
    let _ = mlhc_nlp::vocab::parse_snomed_descriptions(data, "sct2_Description.txt", "PROBLEM");
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(rules) = parse_context_rules_json(text, "fuzz") {
        let _ = Pipeline::new(small_lexicon(), ConText::new(rules), None).annotate(NOTE);
    }
    if let Ok(rules) = parse_negex_triggers(text, Category::Negated, "fuzz") {
        let _ = Pipeline::new(small_lexicon(), ConText::new(rules), None).annotate(NOTE);
    }
    if let Ok(rules) = parse_section_rules_json(text, "fuzz") {
        let sectionizer = Sectionizer::new(rules, HeaderPosition::Anywhere);
        if let Ok(context) = default_context() {
            let _ = Pipeline::new(small_lexicon(), context, Some(sectionizer)).annotate(NOTE);
        }
    }
    for entries in [parse_lexicon_json(text, "PROBLEM", "fuzz"), parse_lexicon_tsv(text, "PROBLEM", "fuzz")] {
        if let Ok(entries) = entries {
            if let (Ok(lexicon), Ok(context)) = (Lexicon::new(entries), default_context()) {
                let _ = Pipeline::new(lexicon, context, None).annotate(NOTE);
            }
        }
    }
});
