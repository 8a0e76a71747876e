//! mlhc vs medspaCy 1.3.1 (spaCy 3.7.5) with the same rules: medspaCy's English `context_rules.json`
//! and `section_patterns.json`, targets from `testdata/clinical-nlp/medspacy_targets.tsv`.
//!
//! The expected outputs in `testdata/clinical-nlp/medspacy_expected.json` were computed by
//! `bench/nlp/medspacy_reference.py` (spaCy blank English + sentencizer, `medspacy_target_matcher`,
//! `medspacy_context`; the sectionizer alone on the synthetic discharge summary).
#![allow(clippy::unwrap_used)]

use mlhc_nlp::lexicon::{parse_lexicon_tsv, Lexicon};
use mlhc_nlp::pipeline::{default_context, default_sectionizer, Doc, Pipeline};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/clinical-nlp/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}")).unwrap()
}

/// A target as compared: start, end, text, and its modifiers as (category, trigger start, trigger text).
type Compared = (usize, usize, String, Vec<(String, usize, String)>);

/// One line per target: `text [start,end) CATEGORY "trigger"@start,…`.
fn describe(targets: &[Compared]) -> String {
    targets
        .iter()
        .map(|(s, e, text, mods)| {
            let m: Vec<String> = mods.iter().map(|(c, ms, t)| format!("{c} {t:?}@{ms}")).collect();
            format!("  {text} [{s},{e}) {}", if m.is_empty() { "-".to_string() } else { m.join(", ") })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn context_matches_medspacy_on_the_sentence_set() {
    let expected: Value = serde_json::from_str(&read("medspacy_expected.json")).unwrap();
    assert_eq!(expected["medspacy"], "1.3.1");
    let entries = parse_lexicon_tsv(&read("medspacy_targets.tsv"), "PROBLEM", "medspacy_targets.tsv").unwrap();
    let nlp = Pipeline::new(Lexicon::new(entries).unwrap(), default_context().unwrap(), None);
    let mut snapshot = String::new();
    let mut differences = Vec::new();
    for s in expected["sentences"].as_array().unwrap() {
        let text = s["text"].as_str().unwrap();
        let a = nlp.annotate(text);
        let mut ours: Vec<Compared> = a
            .targets
            .iter()
            .map(|t| {
                let mut m: Vec<(String, usize, String)> =
                    t.modifiers.iter().map(|m| (m.category.name().to_string(), m.start, m.text.clone())).collect();
                m.sort_by(|x, y| (x.1, &x.0).cmp(&(y.1, &y.0)));
                (t.start, t.end, t.text.clone(), m)
            })
            .collect();
        ours.sort();
        let theirs: Vec<Compared> = s["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let m: Vec<(String, usize, String)> = t["modifiers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| {
                        (
                            m["category"].as_str().unwrap().to_string(),
                            m["start"].as_u64().unwrap() as usize,
                            m["text"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                (
                    t["start"].as_u64().unwrap() as usize,
                    t["end"].as_u64().unwrap() as usize,
                    t["text"].as_str().unwrap().to_string(),
                    m,
                )
            })
            .collect();
        snapshot.push_str(&format!("{text}\n{}\n", describe(&ours)));
        if ours != theirs {
            differences.push(format!("{text}\n mlhc:\n{}\n medspaCy:\n{}", describe(&ours), describe(&theirs)));
        }
    }
    // Every target span and every modifier (category, trigger offsets) agrees with medspaCy.
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    insta::assert_snapshot!("medspacy_sentences", snapshot);
}

#[test]
fn sections_match_medspacy_on_the_synthetic_discharge_summary() {
    let expected: Value = serde_json::from_str(&read("medspacy_expected.json")).unwrap();
    let note = read("example_discharge_summary_SYNTHETIC.txt");
    let doc = Doc::new(&note);
    let ours: Vec<(String, usize)> = default_sectionizer()
        .unwrap()
        .sections(&note, &doc.lower, &doc.tokens)
        .into_iter()
        .map(|s| (s.category, s.header_start))
        .collect();
    let theirs: Vec<(String, usize)> = expected["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["category"].as_str().unwrap().to_string(), s["header_start"].as_u64().unwrap() as usize))
        .collect();
    assert_eq!(theirs.len(), 12);
    assert_eq!(ours, theirs);
}

/// medspaCy 1.3.1 sets assertion attributes from the section a target is in, by default
/// (`Sectionizer(span_attrs="default")` applies `DEFAULT_ATTRS` of
/// `medspacy/section_detection/sectionizer.py` to `doc.ents`). Expected flags computed by
/// `bench/nlp/medspacy_section_attributes.py` (`medspacy.load()` + `medspacy_sectionizer`):
///
/// ```text
/// 'Diabetes' 22 past_medical_history  negated False historical True  family False hypothetical False
/// 'stroke' 61 family_history          negated False historical False family True  hypothetical False
/// 'Penicillin' 81 allergy             negated False historical False family False hypothetical True
/// 'Smoking' 110 social_history        negated False historical False family False hypothetical False
/// 'fever' 150 social_history          negated False historical False family False hypothetical True
/// 'pneumonia' 173 observation_and_plan negated True historical False family False hypothetical False
/// ```
///
/// `social_history` is not in the mapping (only `sexual_and_social_history` is), `Patient
/// Instructions:` is not a header in medspaCy's rules (so `fever` stays in social history and is
/// hypothetical through the ConText trigger `if`), and `stroke` is family twice over (the section and
/// the ConText trigger `mother`).
#[test]
fn section_attributes_match_medspacy() {
    let text =
        "Past Medical History:\nDiabetes.\n\nFamily History:\nMother with stroke.\n\nAllergies:\nPenicillin.\n\n\
Social History:\nSmoking.\n\nPatient Instructions:\nCall if fever.\n\nAssessment:\nNo pneumonia.\n";
    let terms = "stroke\tI63.9\ndiabetes\tE11.9\npneumonia\tJ18.9\npenicillin\tZ88.0\nsmoking\tF17.2\nfever\tR50.9\n";
    let lexicon = Lexicon::new(parse_lexicon_tsv(terms, "PROBLEM", "terms").unwrap()).unwrap();
    let nlp = Pipeline::new(lexicon.clone(), default_context().unwrap(), Some(default_sectionizer().unwrap()));
    let got: Vec<(String, usize, String, [bool; 4])> = nlp
        .annotate(text)
        .targets
        .into_iter()
        .map(|t| (t.text, t.start, t.section.unwrap(), [t.negated, t.historical, t.family, t.hypothetical]))
        .collect();
    let want = [
        ("Diabetes", 22, "past_medical_history", [false, true, false, false]),
        ("stroke", 61, "family_history", [false, false, true, false]),
        ("Penicillin", 81, "allergy", [false, false, false, true]),
        ("Smoking", 110, "social_history", [false, false, false, false]),
        ("fever", 150, "social_history", [false, false, false, true]),
        ("pneumonia", 173, "observation_and_plan", [true, false, false, false]),
    ];
    let want: Vec<(String, usize, String, [bool; 4])> =
        want.iter().map(|(t, s, sec, f)| (t.to_string(), *s, sec.to_string(), *f)).collect();
    assert_eq!(got, want);

    // The flags a section set are listed; with the mapping off only ConText decides.
    let a = nlp.annotate(text);
    assert_eq!(a.targets[0].section_flags, [mlhc_nlp::context::Category::Historical]);
    assert!(a.targets[4].section_flags.is_empty() && a.targets[4].modifiers.len() == 1);
    let off = Pipeline::new(lexicon, default_context().unwrap(), Some(default_sectionizer().unwrap()))
        .with_section_attributes(Vec::new());
    let flags: Vec<[bool; 4]> =
        off.annotate(text).targets.iter().map(|t| [t.negated, t.historical, t.family, t.hypothetical]).collect();
    assert_eq!(flags[0], [false; 4]);
    assert_eq!(flags[1], [false, false, true, false]);
    assert_eq!(flags[2], [false; 4]);
    assert_eq!(flags[4], [false, false, false, true]);
}
