//! The dftly constructs of the official MIMIC-IV MEDS-Extract config (MIMIC_IV_MEDS 0.2
//! `event_configs.yaml`), run end to end on small made-up tables: computed columns, an aggregated join
//! (`{deathtime: min}`), a composite-key lookup join whose key includes a computed constant, a
//! conditional, lenient datetime casts under `coalesce`, `::year`, `??`, static events, a Parquet
//! input table, and a lookup key held by two rows.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use mlhc_meds::etl::{run_etl, EtlConfig, EtlOptions};
use mlhc_meds::{Dataset, ReadOptions};
use parquet::arrow::ArrowWriter;

/// The blocks below are copied from the official config (hosp/patients, hosp/pharmacy), with table
/// names shortened.
const CONFIG: &str = r#"
patients:
  _table:
    cols:
      year_of_birth: "($anchor_year - $anchor_age)::str"
    join:
      admissions:
        key: subject_id
        cols: { deathtime: min }
  gender:
    code: 'f"GENDER//{$gender}"'
    time: null
  dob:
    code: MEDS_BIRTH # This is the MEDS official code for birth.
    time: "$year_of_birth::year"
  death:
    code: MEDS_DEATH
    time: coalesce($deathtime::?"%Y-%m-%d %H:%M:%S", $dod::?"%Y-%m-%d")

pharmacy:
  _table:
    cols:
      drug_type: "'MAIN'"
      ndc_clean: "'UNK' if ($ndc ?? '0') == '0' else $ndc"
    join:
      prescriptions:
        left_on: [pharmacy_id, drug_type]
        right_on: [pharmacy_id, drug_type]
        cols: [ndc]
  medication_start:
    code: f"MEDICATION//START//{$medication ?? 'UNK'}//{$ndc_clean}"
    time: coalesce($starttime::?"%Y-%m-%d %H:%M:%S", $starttime::?"%Y-%m-%d")
    poe_id: $poe_id
    _metadata:
      _self:
        parent_codes: 'f"NDC/{$ndc}" if ($ndc ?? "0") != "0"'
"#;

fn write_tables(dir: &Path) {
    let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write fixture");
    w(
        "patients.csv",
        "subject_id,gender,anchor_age,anchor_year,dod\n1,F,50,2150,\n2,M,30,2140,2145-06-01\n3,,40,2160,\n",
    );
    w(
        "admissions.csv",
        "subject_id,hadm_id,admittime,deathtime\n1,10,2150-01-01 10:00:00,\n\
         2,20,2144-01-01 10:00:00,2145-05-30 08:00:00\n2,21,2145-05-20 10:00:00,2145-05-30 07:00:00\n",
    );
    w(
        "pharmacy.csv",
        "subject_id,pharmacy_id,starttime,medication,poe_id\n1,100,2150-01-02 08:00:00,Heparin,\n\
         1,101,2150-01-02,Insulin,\n3,102,2160-02-02 09:00:00,,\n",
    );
    // prescriptions as Parquet, with an integer key column; (101, MAIN) is held by two rows.
    let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("pharmacy_id", Arc::new(Int64Array::from(vec![100, 100, 101, 101])) as ArrayRef),
        ("drug_type", col(vec!["MAIN", "BASE", "MAIN", "MAIN"])),
        ("ndc", col(vec!["111", "0", "0", "222"])),
    ])
    .expect("batch");
    let file = std::fs::File::create(dir.join("prescriptions.parquet")).expect("create parquet");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

#[test]
fn official_config_constructs_run_end_to_end() {
    let raw = tempfile::tempdir().expect("tempdir");
    write_tables(raw.path());
    let out = tempfile::tempdir().expect("tempdir");
    let config = EtlConfig::from_yaml(CONFIG, Path::new("official-excerpt.yaml")).expect("config parses");
    let report = run_etl(&config, raw.path(), out.path(), &EtlOptions::default(), &|_| {}).expect("runs");
    assert!(report.balances());
    assert_eq!(report.rejected, 0);

    let loaded = Dataset::open(out.path()).expect("opens").load(&ReadOptions::default()).expect("loads");
    let mut events: Vec<(i64, String, String)> = Vec::new();
    for shard in &loaded.shards {
        for s in shard.subjects() {
            for k in 0..s.len() {
                let t = s.time(k).map_or("static".to_string(), |t| t.to_string());
                events.push((s.id().0, t, loaded.vocab.code(s.code(k)).to_string()));
            }
        }
    }
    events.sort();
    let e = |s: i64, t: &str, c: &str| (s, t.to_string(), c.to_string());
    assert_eq!(
        events,
        [
            e(1, "2100-01-01T00:00:00", "MEDS_BIRTH"),
            // ndc 111 via (100, MAIN); the BASE row's '0' is not joined.
            e(1, "2150-01-02T00:00:00", "MEDICATION//START//Insulin//UNK"),
            e(1, "2150-01-02T08:00:00", "MEDICATION//START//Heparin//111"),
            e(1, "static", "GENDER//F"),
            e(2, "2110-01-01T00:00:00", "MEDS_BIRTH"),
            // The earliest in-hospital death time wins over the date-only dod.
            e(2, "2145-05-30T07:00:00", "MEDS_DEATH"),
            e(2, "static", "GENDER//M"),
            e(3, "2120-01-01T00:00:00", "MEDS_BIRTH"),
            // A null medication becomes UNK; an unmatched join leaves ndc null, hence UNK.
            e(3, "2160-02-02T09:00:00", "MEDICATION//START//UNK//UNK"),
        ]
    );
    let patients = &report.tables[0];
    // Subject 3's gender is null: f"GENDER//{$gender}" is null, so no event (no `??` here).
    assert_eq!((patients.events[0].written, patients.events[0].no_code), (2, 1));
    assert_eq!((patients.events[2].written, patients.events[2].no_time), (1, 2));
    assert!(report
        .notes
        .iter()
        .any(|n| n
            == "join prescriptions on pharmacy_id, drug_type: 1 rows repeat a key; the first row per key was used"));
    // The `_self` metadata block gives NDC parents where the joined ndc is not the '0' sentinel.
    let codes = Dataset::open(out.path()).expect("opens").codes().expect("reads").expect("present");
    let parents: Vec<(&str, Vec<&str>)> = codes
        .iter()
        .filter(|c| c.code.starts_with("MEDICATION"))
        .map(|c| (c.code.as_str(), c.parent_codes.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        parents,
        [
            ("MEDICATION//START//Heparin//111", vec!["NDC/111"]),
            ("MEDICATION//START//Insulin//UNK", vec![]),
            ("MEDICATION//START//UNK//UNK", vec![]),
        ]
    );
}

/// A `_metadata` block of the official config (hosp/diagnoses_icd → hosp/d_icd_diagnoses), with its
/// ICD dot-normalisation program for parent codes.
#[test]
fn metadata_blocks_fill_descriptions_and_parent_codes() {
    let raw = tempfile::tempdir().expect("tempdir");
    let w = |name: &str, text: &str| std::fs::write(raw.path().join(name), text).expect("write fixture");
    w(
        "dx.csv",
        "subject_id,icd_version,icd_code,time\n1,10,I509,2150-01-01\n1,9,E8497,2150-01-01\n2,9,042,2150-01-02\n",
    );
    w(
        "d_icd.csv",
        "icd_code,icd_version,long_title\nI509,10,\"Heart failure, unspecified\"\nE8497,9,Accidents occurring in residential institution\n\
         042,9,Human immunodeficiency virus [HIV] disease\nZ999,10,Unused code\n",
    );
    let config = r#"
dx:
  diagnosis:
    code: 'f"DIAGNOSIS//ICD//{$icd_version}//{$icd_code}"'
    time: '$time::"%Y-%m-%d"'
    _metadata:
      d_icd:
        icd_version: $icd_version
        icd_code: $icd_code
        description: $long_title
        parent_codes: >-
          f"ICD{$icd_version}CM/{$icd_code[0:4]}.{$icd_code[4:]}"
          if $icd_version == "9" and $icd_code[0:1] == "E" and len_chars($icd_code) > 4
          else f"ICD{$icd_version}CM/{$icd_code}"
          if $icd_version == "9" and $icd_code[0:1] == "E"
          else f"ICD{$icd_version}CM/{$icd_code[0:3]}.{$icd_code[3:]}"
          if len_chars($icd_code) > 3
          else f"ICD{$icd_version}CM/{$icd_code}"
      d_missing:
        icd_code: $icd_code
        description: $x
"#;
    let config = EtlConfig::from_yaml(config, Path::new("metadata.yaml")).expect("config parses");
    let out = tempfile::tempdir().expect("tempdir");
    let report = run_etl(&config, raw.path(), out.path(), &EtlOptions::default(), &|_| {}).expect("runs");
    let codes = Dataset::open(out.path()).expect("opens").codes().expect("reads").expect("present");
    let rows: Vec<(&str, Option<&str>, Vec<&str>)> = codes
        .iter()
        .map(|c| (c.code.as_str(), c.description.as_deref(), c.parent_codes.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        rows,
        [
            ("DIAGNOSIS//ICD//10//I509", Some("Heart failure, unspecified"), vec!["ICD10CM/I50.9"]),
            ("DIAGNOSIS//ICD//9//042", Some("Human immunodeficiency virus [HIV] disease"), vec!["ICD9CM/042"]),
            ("DIAGNOSIS//ICD//9//E8497", Some("Accidents occurring in residential institution"), vec!["ICD9CM/E849.7"]),
        ]
    );
    assert!(report.notes.contains(&"dx.diagnosis._metadata.d_icd: metadata for 3 codes".to_string()));
    assert!(report.notes.contains(&"dx.diagnosis._metadata.d_missing: skipped (partial match: the code's column icd_version is not a key of the block)".to_string()));
}

/// Parquet tables with typed columns: timestamps arrive as MIMIC-style text, numbers as their text.
#[test]
fn parquet_tables_with_timestamps_and_numbers() {
    use arrow_array::{Float64Array, TimestampMicrosecondArray};
    let raw = tempfile::tempdir().expect("tempdir");
    let t0 = 1_700_000_000_000_000i64; // 2023-11-14T22:13:20
    let batch = RecordBatch::try_from_iter([
        ("subject_id", Arc::new(Int64Array::from(vec![7, 7, 8])) as ArrayRef),
        (
            "charttime",
            Arc::new(TimestampMicrosecondArray::from(vec![Some(t0), Some(t0 + 1_500_000), None])) as ArrayRef,
        ),
        ("heart_rate", Arc::new(Float64Array::from(vec![Some(72.5), None, Some(80.0)])) as ArrayRef),
    ])
    .expect("batch");
    let file = std::fs::File::create(raw.path().join("vitals.parquet")).expect("create parquet");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    let config = "vitals:\n  hr:\n    code: HR\n    time: $charttime\n    numeric_value: $heart_rate\n";
    let config = EtlConfig::from_yaml(config, Path::new("vitals.yaml")).expect("config parses");
    let out = tempfile::tempdir().expect("tempdir");
    let report = run_etl(&config, raw.path(), out.path(), &EtlOptions::default(), &|_| {}).expect("runs");
    assert_eq!((report.events, report.tables[0].events[0].no_time), (2, 1));
    let loaded = Dataset::open(out.path()).expect("opens").load(&ReadOptions::default()).expect("loads");
    let s = loaded.shards[0].subject(0);
    assert_eq!((s.id().0, s.time(0).map(|t| t.0), s.numeric(0)), (7, Some(t0), Some(72.5)));
    assert_eq!((s.time(1).map(|t| t.0), s.numeric(1)), (Some(t0 + 1_500_000), None));
}
