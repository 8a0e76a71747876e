//! The `mlhc nlp` commands, run as a user would.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn mlhc(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlhc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mlhc binary runs");
    // A command that fails before reading its input closes the pipe: that is for the caller to assert.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn testdata(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/clinical-nlp").join(name).display().to_string()
}

#[test]
fn evaluate_json_has_the_stable_keys_and_dev_set_scores() {
    let out = mlhc(&["nlp", "evaluate", "--negex", &testdata("annotations-dev.tsv"), "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["accuracy", "f1", "fn", "fp", "precision", "recall", "tn", "tp"]);
    // mlhc's default negation rules on the NegEx dev set (crates/mlhc-nlp/tests/negex_dev.rs).
    assert_eq!(
        (v["tp"].as_u64(), v["fp"].as_u64(), v["fn"].as_u64(), v["tn"].as_u64()),
        (Some(259), Some(12), Some(2), Some(921))
    );
    assert!(v["f1"].as_f64().unwrap() >= 0.96);

    // With the NegEx trigger file alone mlhc matches Java GenNegEx 1.2 (one row differs, line 903).
    let out = mlhc(
        &[
            "nlp",
            "evaluate",
            "--negex",
            &testdata("annotations-dev.tsv"),
            "--rules",
            &testdata("negex_triggers.txt"),
            "--json",
        ],
        b"",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["tp"].as_u64(), v["fp"].as_u64(), v["fn"].as_u64()), (Some(248), Some(13), Some(13)));
}

#[test]
fn evaluate_reports_a_bad_label_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.tsv");
    std::fs::write(&p, "1\tfever\tNo fever.\tNegated\n2\tcough\tCough.\tMaybe\n").unwrap();
    let out = mlhc(&["nlp", "evaluate", "--negex", p.to_str().unwrap(), "--json"], b"");
    assert_eq!(out.status.code(), Some(2)); // mlhc's exit code for errors
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.tsv: line 2: label must be Affirmed or Negated, found \"maybe\""), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn annotate_stdin_json_gives_offsets_sections_and_modifiers() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "term\tcode\tlabel\npneumonia\tJ18.9\tPROBLEM\nbreast cancer\tC50.919\tPROBLEM\n").unwrap();
    let text = "Family History:\nMother with breast cancer.\n\nImpression: no evidence of pneumonia.";
    let out = mlhc(&["nlp", "annotate", "-", "--json", "--lexicon", lex.to_str().unwrap()], text.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = v["targets"].as_array().unwrap();
    assert_eq!(t.len(), 2);
    let (s, e) = (t[0]["start"].as_u64().unwrap() as usize, t[0]["end"].as_u64().unwrap() as usize);
    assert_eq!(&text[s..e], "breast cancer");
    assert_eq!(t[0]["family"], true);
    assert_eq!(t[0]["section"], "family_history");
    assert_eq!(t[1]["negated"], true);
    assert_eq!(t[1]["codes"][0], "J18.9");
    assert_eq!(t[1]["modifiers"][0]["text"], "no evidence of");
    assert_eq!(v["sentences"].as_array().unwrap().len(), 3);
}

#[test]
fn annotate_handles_empty_input_and_invalid_utf8_with_a_warning() {
    let out = mlhc(&["nlp", "annotate", "-", "--json"], b"");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["targets"].as_array().unwrap().len(), 0);

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("note.txt");
    std::fs::write(&p, b"Fever \xff\xfe and no cough.\n").unwrap();
    let out = mlhc(&["nlp", "annotate", p.to_str().unwrap(), "--json"], b"");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid UTF-8 at byte 6; decoded lossily"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = v["targets"].as_array().unwrap();
    assert_eq!(t.iter().map(|t| t["text"].as_str().unwrap()).collect::<Vec<_>>(), ["Fever", "cough"]);
    assert_eq!(t[1]["negated"], true);
}

#[test]
fn annotate_folder_prints_one_json_line_per_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Denies chest pain.").unwrap();
    std::fs::write(dir.path().join("b.txt"), "History of hypertension.").unwrap();
    std::fs::write(dir.path().join("skip.csv"), "x").unwrap();
    let out = mlhc(&["nlp", "annotate", dir.path().to_str().unwrap(), "--json", "--threads", "2"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["file"].as_str().unwrap().ends_with("a.txt"));
    assert_eq!(lines[0]["targets"][0]["text"], "chest pain");
    assert_eq!(lines[0]["targets"][0]["negated"], true);
    assert_eq!(lines[1]["targets"][0]["codes"][0], "I10");
    assert_eq!(lines[1]["targets"][0]["historical"], true);
}

#[test]
fn deid_masks_phi_from_stdin() {
    let out =
        mlhc(&["nlp", "deid", "-"], b"Dr. Linda Chen saw her on 03/12/2098; call 555-867-5309. She is 93 years old.\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Dr. [**Name**] saw her on [**Date**]; call [**Phone**]. She is [**Age**] years old.\n"
    );
    let out = mlhc(&["nlp", "deid", "-", "--surrogate"], b"Dr. Linda Chen saw her on 03/12/2098.\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Dr. Alex Morgan saw her on 01/01/2000.\n");
}

#[test]
fn to_meds_turns_notes_into_concept_events_with_assertions() {
    use mlhc_meds::{Dataset, DatasetWriter, Event, ReadOptions, ShardBuilder};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("notes");
    let mut b = ShardBuilder::new("train/0");
    let note = |subject_id, time, text| Event {
        subject_id,
        time: Some(time),
        code: "NOTE",
        numeric_value: None,
        text_value: Some(text),
    };
    b.push(note(1, 1_000_000, "No evidence of pneumonia. History of hypertension."));
    b.push(Event { subject_id: 1, time: Some(2_000_000), code: "LAB//K", numeric_value: Some(4.1), text_value: None });
    b.push(note(2, 3_000_000, "Mother with diabetes."));
    let (shard, vocab, _) = b.finish(false);
    let w = DatasetWriter::create(&src).unwrap();
    w.write_shard("train/0", &shard, &vocab).unwrap();
    w.write_splits(&[(1, "train".to_string()), (2, "train".to_string())]).unwrap();

    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "pneumonia\tJ18.9\nhypertension\tI10\ndiabetes\tE11.9\n").unwrap();
    let out = dir.path().join("out");
    let res = mlhc(
        &["nlp", "to-meds", src.to_str().unwrap(), out.to_str().unwrap(), "--lexicon", lex.to_str().unwrap(), "--json"],
        b"",
    );
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let v: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!((v["notes"].as_u64(), v["events"].as_u64()), (Some(2), Some(3)));

    let ds = Dataset::open(&out).unwrap();
    let (s, vocab) = ds.read_shard(0, &ReadOptions::default()).unwrap();
    let rows: Vec<(i64, i64, String)> = s
        .subjects()
        .flat_map(|subj| {
            let id = subj.id().0;
            subj.rows().map(move |r| (id, r)).collect::<Vec<_>>()
        })
        .map(|(id, r)| (id, s.time(r).unwrap().0, vocab.codes()[s.codes()[r] as usize].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (1, 1_000_000, "NOTE//ICD10CM//J18.9//NEGATED".to_string()),
            (1, 1_000_000, "NOTE//ICD10CM//I10//HISTORICAL".to_string()),
            (2, 3_000_000, "NOTE//ICD10CM//E11.9//FAMILY".to_string()),
        ]
    );
    assert_eq!(ds.subject_splits().unwrap().unwrap().len(), 2);
}

#[test]
fn annotate_html_view_marks_targets_triggers_and_sections() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "pneumonia\tJ18.9\nfever\tR50.9\n").unwrap();
    let html = dir.path().join("note.html");
    let text = "Allergies: none\nNo evidence of pneumonia & <fever>.";
    let out = mlhc(
        &["nlp", "annotate", "-", "--lexicon", lex.to_str().unwrap(), "--html", html.to_str().unwrap()],
        text.as_bytes(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    // The allergy section makes its targets hypothetical, as medspaCy 1.3.1's sectionizer does.
    assert!(page.contains("<span class=\"neg\" title=\"J18.9 | NEGATED+HYPOTHETICAL | section: allergy | NEGATED_EXISTENCE (No evidence of)\">pneumonia</span>"), "{page}");
    assert!(page.contains("<span class=\"trig\""));
    assert!(page.contains("<span class=\"sec\" title=\"section: allergy\">Allergies:</span>"));
    assert!(page.contains(" &amp; &lt;<span class=\"neg\""), "{page}");
    assert!(!dir.path().join("note.html.tmp").exists());
}

#[test]
fn annotate_approximate_matches_misspellings_and_plurals() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "diabetes mellitus\tE11\npressure ulcer\tL89\npneumonia\tJ18.9\n").unwrap();
    let text = b"Diabetis mellitus. No pressure ulcers. Pneumonia.";
    let run = |extra: &[&str]| {
        let mut args = vec!["nlp", "annotate", "-", "--lexicon", lex.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let out = mlhc(&args, text);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["text"].as_str().unwrap().to_string(),
                    t["negated"].as_bool().unwrap(),
                    t.get("similarity").and_then(serde_json::Value::as_f64),
                )
            })
            .collect::<Vec<_>>()
    };
    // Exact matching only: the plural and the misspelling are missed; no similarity is reported.
    assert_eq!(run(&[]), [("Pneumonia".to_string(), false, None)]);
    // Jaccard 0.7 (default): `pressure ulcers` is 12/13 of `pressure ulcer`; `diabetis mellitus` is
    // 12/18 of `diabetes mellitus` (hand-counted 3-grams, see mlhc-nlp's approximate tests).
    assert_eq!(
        run(&["--approximate"]),
        [("pressure ulcers".to_string(), true, Some(12.0 / 13.0)), ("Pneumonia".to_string(), false, Some(1.0))]
    );
    let dice = run(&["--approximate", "--similarity", "dice", "--threshold", "0.8"]);
    assert_eq!(dice.len(), 3);
    assert_eq!(dice[0], ("Diabetis mellitus".to_string(), false, Some(0.8)));
    assert_eq!(dice[1], ("pressure ulcers".to_string(), true, Some(0.96)));
    let bad = mlhc(&["nlp", "annotate", "-", "--approximate", "--similarity", "edit"], text);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown measure"));
}

#[test]
fn annotate_section_attributes_follow_medspacy_and_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "diabetes\tE11.9\n").unwrap();
    let text = b"Past Medical History:\nDiabetes.\n";
    let flags = |extra: &[&str]| {
        let mut args = vec!["nlp", "annotate", "-", "--lexicon", lex.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let out = mlhc(&args, text);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let t = &v["targets"][0];
        (t["historical"].as_bool().unwrap(), t.get("section_flags").cloned())
    };
    assert_eq!(flags(&[]), (true, Some(serde_json::json!(["HISTORICAL"]))));
    assert_eq!(flags(&["--no-section-attributes"]), (false, None));
}

#[test]
fn to_meds_from_plain_note_files_with_an_index() {
    use mlhc_meds::{Dataset, ReadOptions};
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("a.txt"), "No evidence of pneumonia.").unwrap();
    std::fs::write(notes.join("b.txt"), "Past Medical History:\nHypertension.").unwrap();
    std::fs::write(notes.join("c.txt"), "Mother with diabetes.").unwrap();
    let index = dir.path().join("index.csv");
    std::fs::write(&index, "subject_id,file,time\n2,c.txt,\n1,a.txt,2130-01-02\n1,b.txt,\"2130-01-01 08:30:00\"\n")
        .unwrap();
    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "pneumonia\tJ18.9\nhypertension\tI10\ndiabetes\tE11.9\n").unwrap();
    let out = dir.path().join("out");
    let args = [
        "nlp",
        "to-meds",
        notes.to_str().unwrap(),
        out.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
        "--lexicon",
        lex.to_str().unwrap(),
        "--json",
    ];
    let res = mlhc(&args, b"");
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let v: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!((v["notes"].as_u64(), v["events"].as_u64(), v["codes"].as_u64()), (Some(3), Some(3), Some(3)));
    let ds = Dataset::open(&out).unwrap();
    let (s, vocab) = ds.read_shard(0, &ReadOptions::default()).unwrap();
    let rows: Vec<(i64, Option<i64>, String)> = s
        .subjects()
        .flat_map(|subj| {
            let id = subj.id().0;
            subj.rows().map(move |r| (id, r)).collect::<Vec<_>>()
        })
        .map(|(id, r)| (id, s.time(r).map(|t| t.0), vocab.codes()[s.codes()[r] as usize].clone()))
        .collect();
    // 2130-01-01 is day 160·365 + 39 leap days (1972..2128 but not 2100) = 58,439 since 1970-01-01;
    // times in microseconds, sorted within a subject.
    let day = 58_439i64 * 86_400_000_000;
    assert_eq!(
        rows,
        [
            (1, Some(day + 30_600_000_000), "NOTE//ICD10CM//I10//HISTORICAL".to_string()),
            (1, Some(day + 86_400_000_000), "NOTE//ICD10CM//J18.9//NEGATED".to_string()),
            (2, None, "NOTE//ICD10CM//E11.9//FAMILY".to_string()),
        ]
    );
    // A bad time names its line.
    std::fs::write(&index, "file,subject_id,time\na.txt,1,yesterday\n").unwrap();
    let out2 = dir.path().join("out2");
    let mut bad_args = args;
    bad_args[3] = out2.to_str().unwrap();
    let res = mlhc(&bad_args, b"");
    assert!(!res.status.success());
    assert!(String::from_utf8_lossy(&res.stderr).contains("line 2: bad time \"yesterday\""));
}

#[test]
fn tfidf_json_matches_scikit_learn() {
    // scikit-learn 1.5.2: TfidfVectorizer().fit_transform(docs), the four notes below; same values as
    // mlhc-nlp's features tests.
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("1.txt", "Chest pain, no fever."),
        ("2.txt", "Fever; cough, fever."),
        ("3.txt", "Chest X-ray clear"),
        ("4.txt", "no cough"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = mlhc(&["nlp", "tfidf", dir.path().to_str().unwrap(), "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["documents"], 4);
    // `X-ray` is `x` `-` `ray`: one-letter tokens are dropped, as by scikit-learn's token_pattern.
    assert_eq!(v["vocabulary"], serde_json::json!(["chest", "clear", "cough", "fever", "no", "pain", "ray"]));
    let close = |a: &serde_json::Value, b: f64| assert!((a.as_f64().unwrap() - b).abs() < 1e-11, "{a} {b}");
    close(&v["idf"][0], 1.510825623766);
    close(&v["idf"][1], 1.916290731874);
    let r = &v["rows"];
    assert_eq!(r[0]["file"], "1.txt");
    close(&r[0]["features"]["pain"], 0.590819080602);
    close(&r[0]["features"]["chest"], 0.465808549369);
    close(&r[1]["features"]["fever"], 0.894427191);
    close(&r[2]["features"]["clear"], 0.617614370976);
    close(&r[3]["features"]["no"], std::f64::consts::FRAC_1_SQRT_2);
    assert_eq!(r[3]["features"].as_object().unwrap().len(), 2);

    // Over concepts: note 1 holds fever//NEGATED only, note 2 fever//AFFIRMED (twice) and cough.
    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "fever\tR50.9\ncough\tR05\n").unwrap();
    let out = mlhc(
        &["nlp", "tfidf", dir.path().to_str().unwrap(), "--concepts", "--lexicon", lex.to_str().unwrap(), "--json"],
        b"",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["vocabulary"],
        serde_json::json!(["R05//AFFIRMED", "R05//NEGATED", "R50.9//AFFIRMED", "R50.9//NEGATED"])
    );
    assert_eq!(v["rows"][0]["features"], serde_json::json!({ "R50.9//NEGATED": 1.0 }));
}

#[test]
fn lift_json_counts_affirmed_concepts_per_note() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    for (name, text) in [
        ("1.txt", "CHF with edema. Edema."),
        ("2.txt", "chf and edema"),
        ("3.txt", "Edema."),
        ("4.txt", "COPD. No chf."),
    ] {
        std::fs::write(notes.join(name), text).unwrap();
    }
    let lex = dir.path().join("lex.tsv");
    std::fs::write(&lex, "chf\tI50.9\nedema\tR60.9\ncopd\tJ44.9\n").unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["nlp", "lift", notes.to_str().unwrap(), "--lexicon", lex.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let out = mlhc(&args, b"");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    // Affirmed: I50.9 in notes 1-2 (negated in 4), R60.9 in 1-3: lift = 2·4 / (2·3) = 4/3.
    let v = run(&[]);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(
        (v[0]["a"].as_str(), v[0]["b"].as_str(), v[0]["both"].as_u64()),
        (Some("I50.9"), Some("R60.9"), Some(2))
    );
    assert!((v[0]["lift"].as_f64().unwrap() - 4.0 / 3.0).abs() < 1e-15);
    // With assertions, note 4 pairs J44.9//AFFIRMED with I50.9//NEGATED: lift = 1·4 / (1·1) = 4.
    let v = run(&["--with-assertion"]);
    assert_eq!((v[0]["a"].as_str(), v[0]["b"].as_str()), (Some("I50.9//NEGATED"), Some("J44.9//AFFIRMED")));
    assert_eq!(v[0]["lift"].as_f64(), Some(4.0));
    assert!(run(&["--min-both", "3"]).as_array().unwrap().is_empty());
}

#[test]
fn lookup_returns_every_term_within_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("lex.tsv");
    std::fs::write(
        &lex,
        "pressure ulcer\tL89\tPROBLEM\npressure ulcer of hip\tL89.2\tPROBLEM\npneumonia\tJ18.9\tPROBLEM\n",
    )
    .unwrap();
    // Hand-counted 3-grams: `pressure ulcers` (13) vs `pressure ulcer` (12): 12 shared, Dice 24/25;
    // vs `pressure ulcer of hip` (19): 12 shared, Dice 24/32 = 0.75, exactly at the threshold.
    let out = mlhc(
        &[
            "nlp",
            "lookup",
            "-",
            "--lexicon",
            lex.to_str().unwrap(),
            "--similarity",
            "dice",
            "--threshold",
            "0.75",
            "--json",
        ],
        b"Pressure  ULCERS\n\npnuemonia\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "blank lines are skipped");
    assert_eq!(lines[0]["phrase"], "Pressure  ULCERS");
    let hits = lines[0]["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!((hits[0]["term"].as_str(), hits[0]["codes"][0].as_str()), (Some("pressure ulcer"), Some("L89")));
    assert!((hits[0]["similarity"].as_f64().unwrap() - 24.0 / 25.0).abs() < 1e-12);
    assert_eq!(hits[1]["term"], "pressure ulcer of hip");
    assert!((hits[1]["similarity"].as_f64().unwrap() - 0.75).abs() < 1e-12);
    // `pnuemonia` vs `pneumonia`: 3 of 7 3-grams shared, Dice 6/14 < 0.75.
    assert!(lines[1]["hits"].as_array().unwrap().is_empty());
    let bad = mlhc(&["nlp", "lookup", "x", "--lexicon", lex.to_str().unwrap(), "--similarity", "levenshtein"], b"");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--similarity"));
}

#[test]
fn umls_and_snomed_release_files_are_lexicons() {
    let dir = tempfile::tempdir().unwrap();
    // Rows in the MRCONSO.RRF / MRSTY.RRF and RF2 description layouts (made-up AUIs and ids).
    std::fs::write(
        dir.path().join("MRCONSO.RRF"),
        "C0018802|ENG|S|L0018803|PF|S0047241|N|A0066370||||SNOMEDCT_US|SY|84114007|cardiac failure|9|N||\n\
         C0018802|FRE|P|L0018804|PF|S0047242|Y|A0066372||||MSHFRE|MH|D006333|insuffisance cardiaque|3|N||\n\
         C0015967|ENG|P|L0015967|PF|S0041231|Y|A0069871||||MSH|MH|D005334|Fever|0|N||\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("MRSTY.RRF"),
        "C0018802|T047|B2.2.1.2.1|Disease or Syndrome|AT32679370|256|\nC0015967|T184|A2.2.2|Sign or Symptom|AT17581238|256|\n",
    )
    .unwrap();
    let rf2 = dir.path().join("sct2_Description_Snapshot-en_INT_20250101.txt");
    std::fs::write(
        &rf2,
        "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\n\
         1\t20020131\t1\t900000000000207008\t271807003\ten\t900000000000003001\tEruption of skin (disorder)\t900000000000448009\n\
         2\t20020131\t1\t900000000000207008\t271807003\ten\t900000000000013009\tRash\t900000000000448009\n",
    )
    .unwrap();
    let mrconso = dir.path().join("MRCONSO.RRF");
    let out = mlhc(
        &["nlp", "annotate", "-", "--json", "--lexicon", mrconso.to_str().unwrap(), "--lexicon", rf2.to_str().unwrap()],
        b"No cardiac failure. Mother had fever and a rash.",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String, String, bool, bool)> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["text"].as_str().unwrap().to_string(),
                t["codes"][0].as_str().unwrap().to_string(),
                t["label"].as_str().unwrap().to_string(),
                t["negated"].as_bool().unwrap(),
                t["family"].as_bool().unwrap(),
            )
        })
        .collect();
    let want = [
        ("cardiac failure", "C0018802", "Disease or Syndrome", true, false),
        ("fever", "C0015967", "Sign or Symptom", false, true),
        ("rash", "271807003", "disorder", false, true),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3, g.4), w);
    }
    // Source and semantic-type filters (QuickUMLS's accepted_semtypes).
    let codes = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["nlp", "annotate", "-", "--json", "--lexicon", mrconso.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = mlhc(&args, b"No cardiac failure. Mother had fever.");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["targets"].as_array().unwrap().iter().map(|t| t["codes"][0].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(codes(&["--umls-sources", "MSH"]), ["C0015967"]);
    assert_eq!(codes(&["--umls-semtypes", "T047,T191"]), ["C0018802"]);
    assert!(codes(&["--umls-sources", "MSH", "--umls-semtypes", "T047"]).is_empty());
    let stray = mlhc(&["nlp", "annotate", "-", "--umls-sources", "MSH"], b"");
    assert!(!stray.status.success());
    assert!(String::from_utf8_lossy(&stray.stderr).contains("apply to a UMLS MRCONSO.RRF"));
    // A malformed release file is an error naming the file and line.
    std::fs::write(&mrconso, "C1|ENG|x\n").unwrap();
    // (No standard input: mlhc stops at the lexicon, before reading it.)
    let bad = mlhc(&["nlp", "annotate", "-", "--lexicon", mrconso.to_str().unwrap()], b"");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("MRCONSO.RRF: line 1"), "{err}");
}
