//! Corrupt-input fixtures of `mlhc etl` (testdata/etl-bad, see its README.txt): each failure mode gives
//! either a rejects entry (the run goes on and the reconciliation still balances) or an error naming
//! the file, row and column at fault. Never a panic.

use std::path::{Path, PathBuf};

use mlhc_meds::etl::{run_etl, EtlConfig, EtlOptions, EtlReport, Reject};
use mlhc_meds::Error;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/etl-bad").join(name)
}

fn run(name: &str) -> mlhc_meds::Result<EtlReport> {
    let config = EtlConfig::load(&fixture("config.yaml").display().to_string())?;
    let out = tempfile::tempdir().expect("tempdir");
    run_etl(&config, &fixture(name), out.path(), &EtlOptions::default(), &|_| {})
}

fn reject(table: &str, row: u64, event: &str, reason: &str) -> Reject {
    Reject { table: table.into(), row, event: event.into(), reason: reason.into() }
}

#[test]
fn bad_date_is_a_rejects_entry() {
    let report = run("bad_date").expect("runs");
    assert_eq!(
        report.rejects,
        [reject(
            "admissions",
            2,
            "admission",
            "bad time \"2150-13-45 10:00:00\" in column admittime: expected format %Y-%m-%d %H:%M:%S"
        )]
    );
    assert_eq!((report.events, report.tables[0].events[0].rejected), (2, 1));
    assert!(report.balances());
}

#[test]
fn unparseable_number_is_a_rejects_entry() {
    let report = run("bad_number").expect("runs");
    assert_eq!(report.rejects, [reject("labs", 3, "lab", "unparseable number \"12..5\" in numeric_value")]);
    // The empty value of row 2 is a null value, not a reject.
    assert_eq!(report.events, 2);
    assert!(report.balances());
}

#[test]
fn bad_subject_id_is_a_rejects_entry() {
    let report = run("bad_subject").expect("runs");
    assert_eq!(report.rejects, [reject("labs", 2, "lab", "subject id \"x12\" in column subject_id is not an integer")]);
    assert!(report.balances());
}

#[test]
fn missing_column_names_file_and_column() {
    match run("missing_column") {
        Err(Error::MissingColumn { path, column }) => {
            assert_eq!(column, "admittime");
            assert!(path.ends_with("missing_column/admissions.csv"), "{}", path.display());
        }
        other => panic!("expected a missing-column error, got {other:?}"),
    }
}

#[test]
fn ragged_row_names_file_and_row() {
    match run("ragged") {
        Err(Error::Table { path, row, message }) => {
            assert!(path.ends_with("ragged/labs.csv"), "{}", path.display());
            assert_eq!((row, message.as_str()), (2, "has 5 fields, but the header has 4"));
        }
        other => panic!("expected a table error, got {other:?}"),
    }
}

#[test]
fn truncated_gzip_names_file_and_row() {
    match run("truncated_gzip") {
        Err(Error::Table { path, row, message }) => {
            assert!(path.ends_with("truncated_gzip/labs.csv.gz"), "{}", path.display());
            // The decoder fails when the CSV reader refills its buffer, while reading row 1158.
            assert_eq!((row, message.as_str()), (1158, "file is truncated or corrupt (incomplete deflate stream)"));
        }
        other => panic!("expected a table error, got {other:?}"),
    }
}

#[test]
fn config_errors_name_the_key() {
    let err = EtlConfig::from_yaml("t:\n  e:\n    code: f\"X//{$a\"\n    time: null\n", Path::new("c.yaml"))
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert_eq!(
        err,
        Err("c.yaml: t.e.code: unclosed '{' or string in format string at offset 0 in \"f\\\"X//{$a\\\"\"".into())
    );
    let err = EtlConfig::load("no-such-config").map(|_| ()).map_err(|e| e.to_string());
    assert_eq!(
        err,
        Err("invalid config: \"no-such-config\" is neither a shipped config (mimic-iv, mimic-iii) nor a file".into())
    );
}

#[test]
fn a_config_that_rejects_every_row_lists_the_first_rejects_and_counts_all() {
    // The date-only format does not fit labevents' charttime, so all 107,727 rows are rejected.
    let config = "hosp/labevents:\n  lab:\n    code: f\"LAB//{$itemid}\"\n    time: '$charttime::\"%Y-%m-%d\"'\n";
    let config = EtlConfig::from_yaml(config, Path::new("wrong.yaml")).expect("config parses");
    let raw = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mimic-iv-demo-2.2");
    let out = tempfile::tempdir().expect("tempdir");
    let report = run_etl(&config, &raw, out.path(), &EtlOptions::default(), &|_| {}).expect("runs");
    assert_eq!((report.rejected, report.rejects.len(), report.events), (107_727, 100_000, 0));
    assert!(report.balances());
    assert_eq!(
        report.rejects[0],
        reject(
            "hosp/labevents",
            1,
            "lab",
            "bad time \"2148-08-16 00:00:00\" in column charttime: expected format %Y-%m-%d"
        )
    );
    assert!(report.notes.contains(
        &"hosp/labevents: 7727 more rejected rows are counted but not listed in etl_rejects.csv (it lists the first 100000)"
            .to_string()
    ));
    let listed = std::fs::read_to_string(out.path().join("etl_rejects.csv")).expect("rejects file").lines().count();
    assert_eq!(listed, 100_001);
}
