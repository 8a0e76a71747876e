//! Robustness: empty and huge notes, arbitrary text, corrupt rule files and lexicons never panic.
#![allow(clippy::unwrap_used)]

use mlhc_nlp::context::rules::{parse_context_rules_json, parse_negex_triggers};
use mlhc_nlp::context::Category;
use mlhc_nlp::lexicon::{parse_lexicon_json, parse_lexicon_tsv, Lexicon, LexiconEntry};
use mlhc_nlp::pipeline::{default_context, default_sectionizer, Pipeline, MEDSPACY_CONTEXT_RULES, NEGEX_TRIGGERS};
use mlhc_nlp::section::parse_section_rules_json;
use mlhc_nlp::sentence::split_sentences;
use mlhc_nlp::token::tokenize;
use proptest::prelude::*;

fn small_pipeline() -> Pipeline {
    let entries = ["pneumonia", "chest pain", "fever", "cough", "heart failure", "diabetes"]
        .iter()
        .map(|t| LexiconEntry { term: t.to_string(), code: t.to_uppercase(), label: "PROBLEM".into() })
        .collect();
    Pipeline::new(Lexicon::new(entries).unwrap(), default_context().unwrap(), Some(default_sectionizer().unwrap()))
}

#[test]
fn empty_blank_and_punctuation_only_texts() {
    let nlp = small_pipeline();
    for text in ["", " ", "\n\n\n", "....", "[[[[", "]]]]", "**NAME[", ":\n:\n", "\u{feff}"] {
        let a = nlp.annotate(text);
        assert!(a.targets.is_empty(), "{text:?}");
    }
    assert!(nlp.annotate("").sentences.is_empty());
}

#[test]
fn a_megabyte_note_is_annotated_with_every_target_found() {
    let nlp = small_pipeline();
    let block = "HPI: Patient denies chest pain. History of heart failure [**2020-1-1**]. Possible pneumonia.\n";
    let text = block.repeat(1_048_576 / block.len() + 1);
    assert!(text.len() > 1_000_000);
    let a = nlp.annotate(&text);
    let n = text.len() / block.len();
    assert_eq!(a.targets.len(), 3 * n);
    assert_eq!(a.targets.iter().filter(|t| t.negated).count(), n);
    assert_eq!(a.targets.iter().filter(|t| t.historical).count(), n);
    assert_eq!(a.targets.iter().filter(|t| t.possible).count(), n);
    // One long line without sentence punctuation: the scope is the whole line, and nothing breaks.
    let line = "no fever ".repeat(100_000);
    let a = nlp.annotate(&line);
    assert_eq!(a.targets.len(), 100_000);
    assert!(a.targets.iter().all(|t| t.negated));
}

#[test]
fn the_icd10cm_lexicon() {
    let entries = mlhc_nlp::icd10cm::icd10cm_entries().unwrap();
    let lex = Lexicon::new(entries).unwrap();
    // FY2026 tabular list: 46,635 <diag> nodes; descriptions, includes/inclusion notes and variants.
    assert_eq!(lex.n_terms(), 66_052);
    let text = "Essential hypertension and type 2 diabetes mellitus without complications";
    let lower = text.to_lowercase();
    let toks = tokenize(text);
    let codes: Vec<String> = lex
        .find(&lower, &toks)
        .iter()
        .flat_map(|m| m.entries.iter().map(|&e| lex.entries()[e as usize].code.clone()))
        .collect();
    assert_eq!(codes, ["I10", "E11.9"]);
}

#[test]
fn approximate_matching_on_empty_and_long_texts() {
    let params = mlhc_nlp::approximate::ApproximateParams::default();
    let nlp = small_pipeline().with_approximate(&params).unwrap();
    for text in ["", " ", "....", "ab", "\u{feff}", "é\u{301}ü"] {
        assert!(nlp.annotate(text).targets.is_empty(), "{text:?}");
    }
    // 200 KB on one line: spans are at most five tokens, so the work stays linear.
    let block = "Denies chest pains, has coughs and fevers. ";
    let text = block.repeat(200_000 / block.len());
    let a = nlp.annotate(&text);
    let n = text.len() / block.len();
    assert_eq!(a.targets.len(), 3 * n);
    assert!(a.targets.iter().all(|t| t.similarity.is_some_and(|s| s >= 0.7) && t.end <= text.len()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::default() })]

    #[test]
    fn approximate_matching_never_panics(text in "(\\PC|[ \\n.:\\[\\]*']){0,200}") {
        let nlp = small_pipeline()
            .with_approximate(&mlhc_nlp::approximate::ApproximateParams {
                similarity: mlhc_nlp::approximate::Similarity::Dice,
                threshold: 0.5,
                ..Default::default()
            })
            .unwrap();
        for t in nlp.annotate(&text).targets {
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end) && t.start < t.end);
        }
    }

    #[test]
    fn tokens_and_sentences_are_well_formed(text in "(\\PC|[ \\n.:\\[\\]*']){0,200}") {
        let toks = tokenize(&text);
        let mut last = 0;
        for t in &toks {
            prop_assert!(t.start >= last && t.end > t.start && t.end <= text.len());
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            prop_assert!(!text[t.start..t.end].chars().any(char::is_whitespace));
            last = t.end;
        }
        let sents = split_sentences(&text, &toks);
        let mut next = 0;
        for s in &sents {
            prop_assert_eq!(s.tokens.start, next);
            prop_assert!(s.tokens.end > s.tokens.start);
            next = s.tokens.end;
        }
        prop_assert_eq!(next, toks.len());
    }

    #[test]
    fn annotate_never_panics_and_offsets_are_char_boundaries(text in "(\\PC|no |fever|chest pain|[ \\n.:,])*") {
        let a = small_pipeline().annotate(&text);
        for t in &a.targets {
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            prop_assert_eq!(&text[t.start..t.end], t.text.as_str());
        }
    }

    #[test]
    fn rule_file_parsers_never_panic(cut in 0usize..4000, junk in "\\PC{0,20}") {
        // Truncated and spliced versions of real rule files: errors, never panics.
        let json = MEDSPACY_CONTEXT_RULES;
        let mut cut_at = cut.min(json.len());
        while !json.is_char_boundary(cut_at) { cut_at -= 1; }
        let spliced = format!("{}{junk}{}", &json[..cut_at], &json[cut_at..]);
        let _ = parse_context_rules_json(&spliced, "fuzz");
        let _ = parse_section_rules_json(&spliced, "fuzz");
        let _ = parse_lexicon_json(&spliced, "P", "fuzz");
        let mut c2 = cut.min(NEGEX_TRIGGERS.len());
        while !NEGEX_TRIGGERS.is_char_boundary(c2) { c2 -= 1; }
        let spliced = format!("{}{junk}{}", &NEGEX_TRIGGERS[..c2], &NEGEX_TRIGGERS[c2..]);
        if let Ok(rules) = parse_negex_triggers(&spliced, Category::Negated, "fuzz") {
            prop_assert!(rules.iter().all(|r| !r.pattern.is_empty()));
        }
        let _ = parse_lexicon_tsv(&spliced, "P", "fuzz");
    }
}
