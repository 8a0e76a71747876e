//! Acceptance test of the shipped `mimic-iv` ETL config: convert the raw MIMIC-IV demo tables
//! (testdata/mimic-iv-demo-2.2) and compare with the MEDS form of the same demo made by the official
//! ETL (testdata/mimic-iv-demo-meds: PhysioNet "MIMIC-IV demo data in MEDS" v0.0.1, MIMIC_IV_MEDS
//! conventions, see its README.txt).
//!
//! Events are compared as multisets of (subject, time, code, numeric value) per code family. The
//! reference has no text_value column, so text values are not compared.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use mlhc_meds::etl::{run_etl, EtlConfig, EtlOptions, EtlReport, TableStatus};
use mlhc_meds::{Dataset, ReadOptions};

type Key = (i64, Option<i64>, String, Option<u32>);

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(name)
}

/// Events per code family (the code up to the first `//`), as a multiset.
fn families(root: &Path) -> HashMap<String, HashMap<Key, u64>> {
    let loaded = Dataset::open(root).expect("dataset opens").load(&ReadOptions::default()).expect("dataset loads");
    let mut out: HashMap<String, HashMap<Key, u64>> = HashMap::new();
    for shard in &loaded.shards {
        for subject in shard.subjects() {
            for k in 0..subject.len() {
                let code = loaded.vocab.code(subject.code(k)).to_string();
                let family = code.split("//").next().unwrap_or_default().to_string();
                // LAB in the reference also holds chartevents (itemids ≥ 100000), absent from the raw demo.
                if family == "LAB"
                    && code.split("//").nth(1).and_then(|i| i.parse::<u64>().ok()).is_none_or(|i| i >= 100_000)
                {
                    continue;
                }
                let key = (subject.id().0, subject.time(k).map(|t| t.0), code, subject.numeric(k).map(f32::to_bits));
                *out.entry(family).or_default().entry(key).or_default() += 1;
            }
        }
    }
    out
}

fn run_demo(out: &Path) -> EtlReport {
    let config = EtlConfig::load("mimic-iv").expect("shipped config parses");
    run_etl(&config, &testdata("mimic-iv-demo-2.2"), out, &EtlOptions::default(), &|_| {}).expect("ETL runs")
}

/// The acceptance families, with the number of reference events that mlhc collapses as exact
/// duplicates. The official ETL kept extra columns (`hadm_id` for procedures, `priority` for labs)
/// and collapsed only rows equal in those too; mlhc writes the MEDS columns only and collapses rows
/// equal in (subject, time, code, numeric value, text value):
/// - PROCEDURE: 4 ICD procedures of subject 10019003 are recorded under two admissions
///   (25508812/26529390 and 26703331/26529390) on the same chartdate, so each appears twice.
/// - LAB: 11 lab results repeat in the same specimen at the same time with the same value (and text),
///   differing only in `priority` (e.g. subject 10014354, 2150-08-22 10:05, itemids 50934 and 50947).
const FAMILIES: [(&str, u64); 16] = [
    ("MEDS_BIRTH", 0),
    ("MEDS_DEATH", 0),
    ("GENDER", 0),
    ("HOSPITAL_ADMISSION", 0),
    ("HOSPITAL_DISCHARGE", 0),
    ("ICU_ADMISSION", 0),
    ("ICU_DISCHARGE", 0),
    ("ED_REGISTRATION", 0),
    ("ED_OUT", 0),
    ("DIAGNOSIS", 0),
    ("PROCEDURE", 4),
    ("DRG", 0),
    ("HCPCS", 0),
    ("TRANSFER_TO", 0),
    ("LAB", 11),
    ("SUBJECT_FLUID_OUTPUT", 0),
];

#[test]
fn mimic_iv_demo_matches_the_official_meds_release() {
    let out = tempfile::tempdir().expect("tempdir");
    let report = run_demo(out.path());
    let ours = families(out.path());
    let reference = families(&testdata("mimic-iv-demo-meds"));
    for (family, collapsed) in FAMILIES {
        let empty = HashMap::new();
        let (o, r) = (ours.get(family).unwrap_or(&empty), reference.get(family).unwrap_or(&empty));
        let (n_ours, n_ref): (u64, u64) = (o.values().sum(), r.values().sum());
        assert!(n_ref > 0, "{family}: reference has no events");
        assert!(n_ours.abs_diff(n_ref) * 100 <= n_ref, "{family}: {n_ours} events vs {n_ref} in the reference");
        // Same distinct events, and every difference in multiplicity is a duplicate mlhc collapsed.
        let keys = |m: &HashMap<Key, u64>| m.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(keys(o), keys(r), "{family}: distinct events differ");
        let ours_only: u64 = o.iter().map(|(k, n)| n.saturating_sub(r.get(k).copied().unwrap_or(0))).sum();
        let ref_only: u64 = r.iter().map(|(k, n)| n.saturating_sub(o.get(k).copied().unwrap_or(0))).sum();
        assert_eq!((ours_only, ref_only), (0, collapsed), "{family}: multiset difference");
        assert!(o.values().all(|&n| n == 1), "{family}: mlhc left a duplicate");
    }
    // Reference counts (testdata/mimic-iv-demo-meds, polars 1.x: group by code family).
    let count = |f: &str| ours[f].values().sum::<u64>();
    assert_eq!((count("GENDER"), count("MEDS_DEATH"), count("LAB"), count("DIAGNOSIS")), (100, 31, 107_538, 4506));
    assert!(report.balances());
    assert_eq!(report.rejected, 0);
}

#[test]
fn mimic_iv_demo_report_and_metadata() {
    let out = tempfile::tempdir().expect("tempdir");
    let report = run_demo(out.path());
    let missing: Vec<&str> =
        report.tables.iter().filter(|t| t.status == TableStatus::Missing).map(|t| t.table.as_str()).collect();
    assert_eq!(missing, ["hosp/emar", "hosp/omr", "hosp/pharmacy", "icu/chartevents", "icu/inputevents"]);
    let labs = report.tables.iter().find(|t| t.table == "hosp/labevents").expect("labevents reported");
    assert_eq!(labs.rows_read, 107_727);
    assert_eq!((labs.events[0].written, labs.events[0].duplicates), (107_538, 189));
    let adm = report.tables.iter().find(|t| t.table == "hosp/admissions").expect("admissions reported");
    // 94 admissions did not pass through the ED; one ED visit is recorded on two admissions.
    assert_eq!((adm.events[0].written, adm.events[0].duplicates, adm.events[0].no_time), (181, 1, 93));
    // 231 patients + 912 admissions + 4506 diagnoses + 454 DRG + 58 HCPCS + 107538 labs + 718 procedures
    // + 1190 transfers + 280 ICU stays + 2872 procedure events + 9362 outputs.
    assert_eq!((report.subjects, report.events), (100, 128_121));

    // The ICD dictionaries (3 MB) are not vendored, so their `_metadata` blocks are skipped.
    let skipped = "hosp/diagnoses_icd.diagnosis._metadata.hosp/d_icd_diagnoses: skipped (dictionary table not found)";
    assert!(report.notes.iter().any(|n| n == skipped), "{:?}", report.notes);
    assert!(!out.path().join(".mlhc-etl-spill").exists(), "the spill folder is removed");

    // Every MEDS invariant holds (mlhc meds validate).
    let validation = mlhc_meds::validate::validate(out.path(), &Default::default()).expect("validates");
    assert!(validation.is_valid(), "{:?}", validation.violations);
    assert_eq!(validation.violations.len(), 0, "{:?}", validation.violations);

    let ds = Dataset::open(out.path()).expect("opens");
    let meta = ds.metadata().expect("reads").expect("has dataset.json");
    assert_eq!(meta.created_at, None);
    assert_eq!(meta.dataset_name.as_deref(), Some("MIMIC-IV"));
    assert_eq!(meta.dataset_version.as_deref(), Some("unknown"));
    let splits = ds.subject_splits().expect("reads").expect("has splits");
    assert_eq!(splits.len(), 100);
    let codes = ds.codes().expect("reads").expect("has codes");
    let creatinine = codes.iter().find(|c| c.code == "LAB//50912//mg/dL").expect("creatinine code");
    assert_eq!(creatinine.description.as_deref(), Some("Creatinine (Blood, Chemistry)"));
    let rejects = std::fs::read_to_string(out.path().join("etl_rejects.csv")).expect("rejects file");
    assert_eq!(rejects, "table,row,event,reason\n");
    assert!(out.path().join("etl_report.json").is_file());

    // Same inputs and seed → identical split and data files.
    let again = tempfile::tempdir().expect("tempdir");
    run_demo(again.path());
    for f in ["metadata/subject_splits.parquet", "metadata/codes.parquet", "data/train/0.parquet", "etl_report.json"] {
        let a = std::fs::read(out.path().join(f)).expect("first run file");
        let b = std::fs::read(again.path().join(f)).expect("second run file");
        assert!(a == b, "{f} differs between runs");
    }
}
