//! The shipped `mimic-iii` config on the MIMIC-III demo core tables (testdata/mimic-iii-demo-1.4).
//!
//! Expected counts were computed independently with polars 1.x on the same files: events per block
//! are the distinct (subject_id, time, code[, text]) rows with a non-null time, e.g. PROCEDURES_ICD
//! joined to ADMISSIONS.dischtime on hadm_id has 486 distinct (subject, dischtime, icd9_code) of 506
//! rows; PRESCRIPTIONS has 8,956 distinct starts and 7,844 distinct stops (one enddate is null).

use std::path::Path;

use mlhc_meds::etl::{run_etl, EtlConfig, EtlOptions, SplitFractions};
use mlhc_meds::{Dataset, ReadOptions};

#[test]
fn mimic_iii_demo_converts_and_reconciles() {
    let raw = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mimic-iii-demo-1.4");
    let out = tempfile::tempdir().expect("tempdir");
    let config = EtlConfig::load("mimic-iii").expect("shipped config parses");
    let options = EtlOptions {
        split: SplitFractions::new(0.6, 0.2, 0.2).expect("valid"),
        seed: 3,
        n_subjects_per_shard: Some(40),
        dataset_version: None,
    };
    let report = run_etl(&config, &raw, out.path(), &options, &|_| {}).expect("ETL runs");
    assert!(report.balances());
    assert_eq!(report.rejected, 0);
    let written = |table: &str| -> Vec<(String, u64, u64)> {
        let t = report.tables.iter().find(|t| t.table == table).expect("table reported");
        t.events.iter().map(|e| (e.event.clone(), e.written, e.duplicates)).collect()
    };
    let ev = |name: &str, w: u64, d: u64| (name.to_string(), w, d);
    assert_eq!(written("PATIENTS"), [ev("gender", 100, 0), ev("dob", 100, 0), ev("death", 100, 0)]);
    assert_eq!(
        written("ADMISSIONS"),
        [ev("ed_registration", 92, 0), ev("ed_out", 92, 0), ev("admission", 129, 0), ev("discharge", 129, 0)]
    );
    assert_eq!(written("DIAGNOSES_ICD"), [ev("diagnosis", 1761, 0)]);
    assert_eq!(written("PROCEDURES_ICD"), [ev("procedure", 486, 20)]);
    assert_eq!(written("PRESCRIPTIONS"), [ev("medication_start", 8956, 1442), ev("medication_stop", 7844, 2553)]);
    assert_eq!((report.subjects, report.events), (100, 19_789));

    // A split of n subjects gets ceil(n / 40) shards, each a set of subject-hash buckets, so sizes are
    // near 40, not exact: train 60 → 38 + 22.
    let ds = Dataset::open(out.path()).expect("opens");
    let loaded = ds.load(&ReadOptions { text: true, ..ReadOptions::default() }).expect("loads");
    let mut sizes: Vec<(String, usize)> =
        loaded.shards.iter().map(|s| (s.name().to_string(), s.n_subjects())).collect();
    sizes.sort();
    let expected = [("held_out/0", 23), ("train/0", 38), ("train/1", 22), ("tuning/0", 17)];
    assert_eq!(sizes, expected.map(|(n, k)| (n.to_string(), k)));
    assert!(!out.path().join(".mlhc-etl-spill").exists(), "the spill folder is removed");
    let meta = ds.metadata().expect("reads").expect("present");
    assert_eq!((meta.dataset_name.as_deref(), meta.dataset_version.as_deref()), (Some("MIMIC-III"), Some("1.4")));
    let mut ids: Vec<i64> = loaded.shards.iter().flat_map(|s| s.subject_ids().to_vec()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 100);
    let splits = ds.subject_splits().expect("reads").expect("present");
    assert_eq!(splits.len(), 100);
    // Subject 10006: ICD-9 diagnosis 99591 (sepsis) at the discharge of admission 142345.
    let s = loaded.shards.iter().flat_map(|s| s.subjects()).find(|s| s.id().0 == 10006).expect("subject 10006");
    let has = (0..s.len()).any(|k| {
        loaded.vocab.code(s.code(k)) == "DIAGNOSIS//ICD//9//99591"
            && s.time(k).map(|t| t.to_string()).as_deref() == Some("2164-11-01T17:15:00")
    });
    assert!(has);
}
