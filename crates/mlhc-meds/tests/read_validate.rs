//! Reading and validating MEDS datasets: the accepted input variants, and one corrupt fixture per failure
//! mode with its exact error or violation.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, Float32Array, Float64Array, Int32Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
};
use mlhc_meds::validate::{validate, ValidateOptions, ViolationKind};
use mlhc_meds::{CodeInfo, Dataset, DatasetMetadata, DatasetWriter, Error, ReadOptions};
use parquet::arrow::ArrowWriter;

fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn arr<A: arrow_array::Array + 'static>(a: A) -> ArrayRef {
    Arc::new(a)
}

/// A shard with subjects 1 (static row + two timed rows) and 2 (one timed row).
fn good_columns() -> Vec<(&'static str, ArrayRef)> {
    vec![
        ("subject_id", arr(Int64Array::from(vec![1, 1, 1, 2]))),
        ("time", arr(TimestampMicrosecondArray::from(vec![None, Some(1_000_000), Some(2_000_000), Some(5)]))),
        ("code", arr(StringArray::from(vec!["GENDER//F", "LAB//HR", "LAB//HR", "MEDS_DEATH"]))),
        ("numeric_value", arr(Float32Array::from(vec![None, Some(80.0), Some(92.5), None]))),
    ]
}

/// Writes a complete valid dataset with one shard (`data/train/0.parquet`) built from `columns`.
fn dataset(dir: &Path, columns: Vec<(&str, ArrayRef)>) {
    let w = DatasetWriter::create(dir).unwrap();
    write_parquet(&dir.join("data/train/0.parquet"), columns);
    let codes = ["GENDER//F", "LAB//HR", "MEDS_DEATH"]
        .iter()
        .map(|c| CodeInfo { code: c.to_string(), ..Default::default() })
        .collect::<Vec<_>>();
    w.write_codes(&codes).unwrap();
    w.write_splits(&[(1, "train".into()), (2, "train".into())]).unwrap();
    w.write_metadata(&DatasetMetadata {
        dataset_name: Some("t".into()),
        dataset_version: Some("1".into()),
        etl_name: Some("test".into()),
        etl_version: Some("1".into()),
        meds_version: Some("0.4.0".into()),
        ..Default::default()
    })
    .unwrap();
}

fn kinds(dir: &Path) -> Vec<(ViolationKind, Option<usize>, Option<i64>)> {
    let r = validate(dir, &ValidateOptions::default()).unwrap();
    r.violations.iter().map(|v| (v.kind, v.row, v.subject_id)).collect()
}

#[test]
fn bundled_mimic_demo_reads_and_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mimic-iv-demo-meds");
    let loaded = Dataset::open(&root).unwrap().load(&ReadOptions::default()).unwrap();
    let events: usize = loaded.shards.iter().map(|s| s.n_events()).sum();
    let subjects: usize = loaded.shards.iter().map(|s| s.n_subjects()).sum();
    // testdata/mimic-iv-demo-meds/README.txt: 100 subjects, 916,166 events.
    assert_eq!((subjects, events), (100, 916_166));
    let report = validate(&root, &ValidateOptions::default()).unwrap();
    assert!(report.is_valid(), "{:?}", report.violations);
    assert_eq!(report.events, 916_166);
}

#[test]
fn valid_dataset_round_trips_through_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    dataset(dir.path(), good_columns());
    assert_eq!(kinds(dir.path()), vec![]);
    let loaded = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap();
    let s = &loaded.shards[0];
    assert_eq!(s.subject_ids(), &[1, 2]);
    assert_eq!(s.subject(0).numeric(2), Some(92.5));
    assert_eq!(s.subject(0).time(0), None);

    // Written back by mlhc and read again: the same events.
    let out = tempfile::tempdir().unwrap();
    let w = DatasetWriter::create(out.path()).unwrap();
    w.write_shard("train/0", s, &loaded.vocab).unwrap();
    let again = Dataset::open(out.path()).unwrap().load(&ReadOptions::default()).unwrap();
    let a = &again.shards[0];
    assert_eq!(a.times(), s.times());
    assert_eq!(a.numeric_valid(), s.numeric_valid());
    let codes = |l: &mlhc_meds::LoadedDataset, sh: &mlhc_meds::Shard| -> Vec<String> {
        sh.codes().iter().map(|&c| l.vocab.code(mlhc_core::CodeId(c)).to_string()).collect()
    };
    assert_eq!(codes(&again, a), codes(&loaded, s));
}

#[test]
fn accepts_other_time_units_float64_values_and_string_variants() {
    let dir = tempfile::tempdir().unwrap();
    let mut dict = StringDictionaryBuilder::<Int32Type>::new();
    for c in ["A", "B", "A"] {
        dict.append_value(c);
    }
    write_parquet(
        &dir.path().join("data/0.parquet"),
        vec![
            ("subject_id", arr(Int32Array::from(vec![7, 7, 7]))),
            ("time", arr(TimestampNanosecondArray::from(vec![Some(1_500), Some(-1_500), None]))),
            ("code", arr(dict.finish())),
            ("numeric_value", arr(Float64Array::from(vec![Some(0.1), None, Some(3.0)]))),
            ("text_value", arr(LargeStringArray::from(vec![None, Some("pos"), None]))),
            ("table", arr(StringArray::from(vec!["x", "y", "z"]))),
        ],
    );
    write_parquet(
        &dir.path().join("data/1.parquet"),
        vec![
            ("subject_id", arr(Int64Array::from(vec![8]))),
            ("time", arr(TimestampSecondArray::from(vec![Some(2)]))),
            ("code", arr(LargeStringArray::from(vec!["A"]))),
            ("numeric_value", arr(Float32Array::from(vec![Some(1.0)]))),
        ],
    );
    write_parquet(
        &dir.path().join("data/2.parquet"),
        vec![
            ("subject_id", arr(Int64Array::from(vec![9]))),
            ("time", arr(TimestampMillisecondArray::from(vec![Some(-3)]))),
            ("code", arr(StringArray::from(vec!["C"]))),
            ("numeric_value", arr(Float32Array::from(vec![None::<f32>]))),
        ],
    );
    let ds = Dataset::open(dir.path()).unwrap();
    let l = ds.load(&ReadOptions { text: true, extra_columns: true }).unwrap();
    let s0 = &l.shards[0];
    // 1,500 ns = 1 µs; -1,500 ns floors to -2 µs.
    assert_eq!(s0.times()[..2], [1, -2]);
    assert_eq!(s0.time(2), None);
    assert_eq!(s0.numeric(0), Some(0.1f64 as f32));
    assert_eq!(s0.numeric(1), None);
    assert_eq!(s0.text(1), Some("pos"));
    assert_eq!(s0.extra_columns()[0].0, "table");
    assert_eq!(l.shards[1].times(), &[2_000_000]);
    assert_eq!(l.shards[2].times(), &[-3_000]);
    // One vocabulary across shards: "A" has the same id in shards 0 and 1.
    assert_eq!(l.shards[0].codes()[0], l.shards[1].codes()[0]);
    assert_eq!(l.vocab.len(), 3);
}

#[test]
fn null_subject_id_is_an_error_with_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut cols = good_columns();
    cols[0].1 = arr(Int64Array::from(vec![Some(1), Some(1), None, Some(2)]));
    dataset(dir.path(), cols);
    let err = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NullValue { row: 2, ref column, .. } if column == "subject_id"), "{err}");
    assert!(err.to_string().ends_with("data/train/0.parquet: row 2: subject_id is null"), "{err}");
    assert_eq!(kinds(dir.path()), vec![(ViolationKind::NullValue, Some(2), None)]);
}

#[test]
fn null_code_is_an_error_with_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut cols = good_columns();
    cols[2].1 = arr(StringArray::from(vec![Some("GENDER//F"), None, Some("LAB//HR"), Some("MEDS_DEATH")]));
    dataset(dir.path(), cols);
    let err = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap_err();
    assert!(err.to_string().ends_with("data/train/0.parquet: row 1: code is null"), "{err}");
    let k = kinds(dir.path());
    assert!(k.contains(&(ViolationKind::NullValue, Some(1), None)), "{k:?}");
}

#[test]
fn non_contiguous_subject_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut cols = good_columns();
    cols[0].1 = arr(Int64Array::from(vec![1, 1, 2, 1]));
    dataset(dir.path(), cols);
    let err = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::SubjectNotContiguous { row: 3, subject_id: 1, .. }), "{err}");
    assert!(kinds(dir.path()).contains(&(ViolationKind::SubjectNotContiguous, Some(3), Some(1))));
}

#[test]
fn unsorted_times_and_late_static_rows_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut cols = good_columns();
    cols[1].1 = arr(TimestampMicrosecondArray::from(vec![None, Some(2_000_000), Some(1_000_000), Some(5)]));
    dataset(dir.path(), cols);
    assert_eq!(kinds(dir.path()), vec![(ViolationKind::Unsorted, Some(2), Some(1))]);

    let dir = tempfile::tempdir().unwrap();
    let mut cols = good_columns();
    cols[1].1 = arr(TimestampMicrosecondArray::from(vec![Some(1_000_000), None, Some(2_000_000), Some(5)]));
    dataset(dir.path(), cols);
    let r = validate(dir.path(), &ValidateOptions::default()).unwrap();
    assert_eq!(r.violations[0].message, "static (null-time) row after a timed row");
    assert_eq!((r.violations[0].row, r.violations[0].subject_id), (Some(1), Some(1)));
}

#[test]
fn subject_in_two_shards_and_split_problems_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    dataset(dir.path(), good_columns());
    write_parquet(
        &dir.path().join("data/tuning/0.parquet"),
        vec![
            ("subject_id", arr(Int64Array::from(vec![2, 3]))),
            ("time", arr(TimestampMicrosecondArray::from(vec![Some(9), Some(9)]))),
            ("code", arr(StringArray::from(vec!["LAB//HR", "LAB//NEW"]))),
            ("numeric_value", arr(Float32Array::from(vec![None::<f32>, None]))),
        ],
    );
    let mut k = kinds(dir.path());
    k.sort_by_key(|x| x.0);
    assert_eq!(
        k,
        vec![
            (ViolationKind::SubjectInSeveralShards, Some(0), Some(2)),
            (ViolationKind::SubjectWithoutSplit, Some(1), Some(3)),
            // Subject 2 is in the train split but also has rows in data/tuning/.
            (ViolationKind::SplitMismatch, Some(0), Some(2)),
            (ViolationKind::CodeNotInMetadata, Some(1), Some(3)),
        ]
    );
}

#[test]
fn split_folder_disagreeing_with_split_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    dataset(dir.path(), good_columns());
    DatasetWriter::create(dir.path()).err(); // refuses: the dataset exists
    mlhc_meds::write::write_splits(
        &dir.path().join("metadata/subject_splits.parquet"),
        &[(1, "train".into()), (2, "held_out".into()), (4, "custom".into())],
    )
    .unwrap();
    let r = validate(dir.path(), &ValidateOptions::default()).unwrap();
    let mut k: Vec<_> = r.violations.iter().map(|v| (v.kind, v.subject_id)).collect();
    k.sort();
    assert_eq!(
        k,
        vec![
            (ViolationKind::SplitMismatch, Some(2)),
            (ViolationKind::NonStandardSplit, Some(4)),
            (ViolationKind::SplitSubjectWithoutData, Some(4)),
        ]
    );
    // Only the mismatch is an error; the other two are warnings.
    assert_eq!(r.n_errors(), 1);
}

#[test]
fn wrong_types_and_missing_columns_are_schema_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut cols = good_columns();
    cols[2].1 = arr(Int64Array::from(vec![1, 2, 3, 4]));
    dataset(dir.path(), cols);
    let err = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap_err();
    assert!(err.to_string().ends_with("column \"code\" has type Int64, expected string"), "{err}");
    let r = validate(dir.path(), &ValidateOptions::default()).unwrap();
    assert_eq!(r.violations[0].message, "column \"code\" has type Int64, MEDS requires string");

    let dir = tempfile::tempdir().unwrap();
    let mut cols = good_columns();
    cols.remove(1);
    dataset(dir.path(), cols);
    let err = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap_err();
    assert!(err.to_string().ends_with("missing column \"time\""), "{err}");
    assert_eq!(kinds(dir.path()), vec![(ViolationKind::Schema, None, None)]);
}

#[test]
fn garbage_and_truncated_files_are_parquet_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    dataset(dir.path(), good_columns());
    let path = dir.path().join("data/train/0.parquet");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Parquet { .. }), "{err}");
    std::fs::write(&path, b"not parquet at all").unwrap();
    let err = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Parquet { .. }), "{err}");
    assert_eq!(kinds(dir.path())[0].0, ViolationKind::Schema);
}

#[test]
fn missing_metadata_is_reported_and_a_folder_without_data_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("data/0.parquet"), good_columns());
    let r = validate(dir.path(), &ValidateOptions::default()).unwrap();
    let msgs: Vec<&str> = r.violations.iter().map(|v| v.message.as_str()).collect();
    assert_eq!(msgs, ["missing subject_splits.parquet", "missing codes.parquet", "missing dataset.json"]);

    let empty = tempfile::tempdir().unwrap();
    let err = validate(empty.path(), &ValidateOptions::default()).unwrap_err();
    assert!(err.to_string().ends_with("not a MEDS dataset: no data/ directory"), "{err}");
}
