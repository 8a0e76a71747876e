//! mlhc's labels equal es-aces 0.7.3's, row for row, on every conformance task.
//!
//! Expected labels: `testdata/aces-expected/*.csv`, written by `bench/cohort/compare_aces.sh
//! --write-fixtures` from es-aces 0.7.3 (PyPI `es-aces==0.7.3`, `aces-cli data.standard=meds
//! data.path=<dataset>/data config_path=<task> [predicates_path=<file>]`); provenance in
//! `testdata/aces-expected/README.md`. Rows are compared as sorted multisets of
//! (subject_id, prediction_time, boolean_value).

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::{Path, PathBuf};

use mlhc_cohort::{extract_shard, ExtractOptions, TaskConfig};
use mlhc_meds::labels::Labels;
use mlhc_meds::{Dataset, ReadOptions, Shard, Vocabulary};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

type Row = (i64, Option<i64>, Option<bool>);

fn rows(labels: &Labels) -> Vec<Row> {
    let mut out: Vec<Row> = (0..labels.len())
        .map(|i| (labels.subject_id[i], labels.prediction_time[i], labels.boolean_value.get(i).copied().flatten()))
        .collect();
    out.sort();
    out
}

fn expected(name: &str) -> Vec<Row> {
    let path = testdata().join("aces-expected").join(format!("{}.csv", name.replace('/', "__")));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("subject_id,prediction_time_us,boolean_value"));
    let mut out: Vec<Row> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let opt = |s: &str| (!s.is_empty()).then(|| s.parse::<i64>().unwrap());
            (f[0].parse().unwrap(), opt(f[1]), opt(f[2]).map(|v| v != 0))
        })
        .collect();
    out.sort();
    out
}

fn load(dataset: &str) -> Vec<(Shard, Vocabulary)> {
    let ds = Dataset::open(testdata().join(dataset)).unwrap();
    let opts = ReadOptions { text: false, extra_columns: true };
    (0..ds.shard_files().len()).map(|i| ds.read_shard(i, &opts).unwrap()).collect()
}

fn check(shards: &[(Shard, Vocabulary)], name: &str, task: &str, predicates: Option<&str>) {
    let config = TaskConfig::load(&testdata().join(task), predicates.map(|p| testdata().join(p)).as_deref()).unwrap();
    let mut labels = Labels::default();
    for (shard, vocab) in shards {
        labels.append(extract_shard(shard, vocab, &config, &ExtractOptions::default()).unwrap());
    }
    let (got, want) = (rows(&labels), expected(name));
    assert_eq!(got.len(), want.len(), "{name}: row count");
    assert!(got == want, "{name}: labels differ from es-aces 0.7.3");
}

#[test]
fn aces_sample_configs_and_own_configs_on_aces_sample_data() {
    let shards = load("aces-meds-sample");
    for task in [
        "abnormal_lab",
        "imminent_mortality",
        "inhospital_mortality",
        "intervention_weaning",
        "long_term_recurrence",
        "readmission_risk",
    ] {
        check(&shards, &format!("aces/{task}"), &format!("aces-sample-configs/{task}.yaml"), None);
    }
    for task in ["value_ranges", "record_bounds", "demographics", "event_windows", "no_event_leaf", "chained_refs"] {
        check(&shards, &format!("own/{task}"), &format!("cohort-configs/{task}.yaml"), None);
    }
}

#[test]
fn random_configs_on_aces_sample_data() {
    // Configs from bench/cohort/random_configs.py (seed 2) that es-aces labels non-empty.
    let shards = load("aces-meds-sample");
    let dir = testdata().join("cohort-configs/random");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".yaml").map(str::to_string))
        .collect();
    names.sort();
    assert_eq!(names.len(), 16);
    for name in names {
        check(&shards, &format!("own/{name}"), &format!("cohort-configs/random/{name}.yaml"), None);
    }
}

#[test]
fn meds_dev_tasks_and_own_configs_on_mimic_iv_demo() {
    let shards = load("mimic-iv-demo-meds");
    let preds = Some("meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml");
    for (name, task) in [
        ("mortality_in_icu_first_24h", "mortality/in_icu/first_24h"),
        ("readmission_general_hospital_30d", "readmission/general_hospital/30d"),
        ("elevated_creatinine_first_24h", "abnormal_lab/blood_chemistry/elevated_creatinine/first_24h"),
        ("hyponatremia_first_24h", "abnormal_lab/blood_chemistry/hyponatremia/first_24h"),
        ("metabolic_acidosis_first_24h", "abnormal_lab/blood_chemistry/metabolic_acidosis/first_24h"),
        ("anemia_first_24h", "abnormal_lab/cbc/anemia/first_24h"),
        ("leukocytosis_first_24h", "abnormal_lab/cbc/leukocytosis/first_24h"),
        ("thrombocytopenia_first_24h", "abnormal_lab/cbc/thrombocytopenia/first_24h"),
        ("hypotension_first_24h", "abnormal_lab/vital/hypotension/first_24h"),
    ] {
        check(&shards, &format!("meds-dev/{name}"), &format!("meds-dev-tasks/tasks/{task}.yaml"), preds);
    }
    check(&shards, "own/mimic_labs", "cohort-configs/mimic_labs.yaml", None);
}

#[test]
fn code_null_match_any_gives_positives_on_meds_dev_abnormal_labs() {
    // With `code: null` read as "any code", and(hemoglobin, range) is "a hemoglobin value < 13": the
    // task is no longer all-negative, and the input window's "no prior low hemoglobin" now excludes
    // some admissions, so the rows are a subset of es-aces's.
    let shards = load("mimic-iv-demo-meds");
    let config = TaskConfig::load(
        &testdata().join("meds-dev-tasks/tasks/abnormal_lab/cbc/anemia/first_24h.yaml"),
        Some(&testdata().join("meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml")),
    )
    .unwrap();
    let options = ExtractOptions { code_null: mlhc_cohort::CodeNull::MatchAny };
    let mut labels = Labels::default();
    for (shard, vocab) in &shards {
        labels.append(extract_shard(shard, vocab, &config, &options).unwrap());
    }
    let s = mlhc_cohort::summarize(&labels);
    assert!(s.positives > 0, "{s:?}");
    let es_aces: Vec<(i64, Option<i64>)> = expected("meds-dev/anemia_first_24h").iter().map(|r| (r.0, r.1)).collect();
    assert!(s.rows < es_aces.len());
    assert!(rows(&labels).iter().all(|r| es_aces.contains(&(r.0, r.1))));
}
