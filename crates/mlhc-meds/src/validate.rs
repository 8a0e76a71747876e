//! `validate`: checks every MEDS invariant of a dataset and reports each violation.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use arrow_schema::{DataType, TimeUnit};
use rayon::prelude::*;
use serde::Serialize;

use crate::read::{read_shard_lenient, Dataset, ShardFile};
use crate::schema::{CODE, NUMERIC_VALUE, SUBJECT_ID, TEXT_VALUE, TIME};
use crate::{Error, Result};

/// The kinds of problem [`validate`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ViolationKind {
    /// A data file is unreadable, lacks a column or has a column of the wrong type.
    Schema,
    /// A `subject_id` or `code` is null.
    NullValue,
    /// A subject's rows are not contiguous within its shard.
    SubjectNotContiguous,
    /// A subject's rows are not sorted by time with static (null-time) rows first.
    Unsorted,
    /// A subject has rows in more than one shard.
    SubjectInSeveralShards,
    /// A subject with data has no row in `subject_splits.parquet`.
    SubjectWithoutSplit,
    /// A subject is in a `data/<split>/` folder that disagrees with its split.
    SplitMismatch,
    /// A subject appears twice in `subject_splits.parquet`.
    DuplicateSplitRow,
    /// A split name other than `train`, `tuning` or `held_out` (a warning: MEDS allows custom splits).
    NonStandardSplit,
    /// A subject in `subject_splits.parquet` has no data (a warning).
    SplitSubjectWithoutData,
    /// A code in the data is missing from `codes.parquet`.
    CodeNotInMetadata,
    /// A metadata file is missing or malformed.
    Metadata,
}

impl ViolationKind {
    /// Whether this kind makes the dataset invalid (the others are warnings).
    pub fn is_error(self) -> bool {
        !matches!(self, Self::NonStandardSplit | Self::SplitSubjectWithoutData)
    }
}

/// One violation, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// What is wrong.
    pub kind: ViolationKind,
    /// The file at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The zero-based row within the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// The subject concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<i64>,
    /// A one-line explanation.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = if self.kind.is_error() { "error" } else { "warning" };
        write!(f, "{sev}")?;
        if let Some(file) = &self.file {
            write!(f, ": {}", file.display())?;
        }
        if let Some(row) = self.row {
            write!(f, ": row {row}")?;
        }
        if let Some(s) = self.subject_id {
            write!(f, ": subject {s}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The result of [`validate`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidationReport {
    /// Data shards checked.
    pub shards: usize,
    /// Subjects found in the data.
    pub subjects: usize,
    /// Events (rows) checked.
    pub events: usize,
    /// Violations of each kind (complete counts).
    pub counts: BTreeMap<ViolationKind, usize>,
    /// The violations, at most `max_reported` of each kind.
    pub violations: Vec<Violation>,
}

impl ValidationReport {
    /// Whether no error-level violation was found.
    pub fn is_valid(&self) -> bool {
        self.counts.iter().all(|(k, &n)| n == 0 || !k.is_error())
    }

    /// The number of error-level violations.
    pub fn n_errors(&self) -> usize {
        self.counts.iter().filter(|(k, _)| k.is_error()).map(|(_, n)| n).sum()
    }
}

/// How much [`validate`] reports.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Violations listed per kind (all are counted). By default, 50.
    pub max_reported: usize,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        Self { max_reported: 50 }
    }
}

struct Collector {
    max: usize,
    report: ValidationReport,
}

impl Collector {
    fn add(&mut self, v: Violation) {
        let n = self.report.counts.entry(v.kind).or_insert(0);
        *n += 1;
        if *n <= self.max {
            self.report.violations.push(v);
        }
    }
}

fn v(
    kind: ViolationKind,
    file: Option<&Path>,
    row: Option<usize>,
    subject_id: Option<i64>,
    message: String,
) -> Violation {
    Violation { kind, file: file.map(Path::to_path_buf), row, subject_id, message }
}

/// What one shard contributes to the dataset-level checks.
struct ShardSummary {
    file: ShardFile,
    violations: Vec<Violation>,
    /// (subject, first row) in shard order.
    subjects: Vec<(i64, usize)>,
    /// (code, first row, subject) for each distinct code.
    codes: Vec<(String, usize, i64)>,
    events: usize,
    /// Whether the file could not be read, so its subjects are unknown.
    unreadable: bool,
}

fn is_string(dt: &DataType) -> bool {
    matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Checks the column types of a data file against the MEDS v0.4 data schema.
fn check_schema(path: &Path, out: &mut Vec<Violation>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::parquet(path, e))?;
    let schema = builder.schema();
    let mut expect =
        |col: &str, ok: &dyn Fn(&DataType) -> bool, want: &str, required: bool| match schema.field_with_name(col) {
            Ok(f) if !ok(f.data_type()) => out.push(v(
                ViolationKind::Schema,
                Some(path),
                None,
                None,
                format!("column {col:?} has type {}, MEDS requires {want}", f.data_type()),
            )),
            Ok(_) => {}
            Err(_) if required => {
                out.push(v(ViolationKind::Schema, Some(path), None, None, format!("missing column {col:?}")))
            }
            Err(_) => {}
        };
    expect(SUBJECT_ID, &|t| *t == DataType::Int64, "int64", true);
    expect(TIME, &|t| *t == DataType::Timestamp(TimeUnit::Microsecond, None), "timestamp[us]", true);
    expect(CODE, &is_string, "string", true);
    expect(NUMERIC_VALUE, &|t| *t == DataType::Float32, "float32", true);
    expect(TEXT_VALUE, &is_string, "large_string", false);
    Ok(())
}

fn check_shard(file: &ShardFile) -> ShardSummary {
    let path = file.path.as_path();
    let mut violations = Vec::new();
    let mut summary = ShardSummary {
        file: file.clone(),
        violations: Vec::new(),
        subjects: Vec::new(),
        codes: Vec::new(),
        events: 0,
        unreadable: false,
    };
    if let Err(e) = check_schema(path, &mut violations) {
        violations.push(v(ViolationKind::Schema, Some(path), None, None, e.to_string()));
        summary.violations = violations;
        summary.unreadable = true;
        return summary;
    }
    let (shard, vocab, problems) = match read_shard_lenient(path, &file.name) {
        Ok(x) => x,
        Err(e) => {
            // Already reported by check_schema when it is a column problem.
            if violations.is_empty() {
                violations.push(v(ViolationKind::Schema, Some(path), None, None, e.to_string()));
            }
            summary.violations = violations;
            summary.unreadable = true;
            return summary;
        }
    };
    for p in problems {
        violations.push(match p {
            Error::NullValue { row, column, .. } => {
                v(ViolationKind::NullValue, Some(path), Some(row), None, format!("{column} is null"))
            }
            Error::SubjectNotContiguous { row, subject_id, .. } => v(
                ViolationKind::SubjectNotContiguous,
                Some(path),
                Some(row),
                Some(subject_id),
                "rows of the subject reappear after other subjects".into(),
            ),
            other => v(ViolationKind::Schema, Some(path), None, None, other.to_string()),
        });
    }
    summary.events = shard.n_events();
    let mut first_seen: HashMap<u32, (usize, i64)> = HashMap::new();
    for subject in shard.subjects() {
        let sid = subject.id().0;
        let rows = subject.rows();
        summary.subjects.push((sid, rows.start));
        let valid = shard.time_valid();
        let mut last: Option<i64> = None;
        for r in rows {
            first_seen.entry(shard.codes()[r]).or_insert((r, sid));
            match (valid.get(r), last) {
                (false, Some(_)) => {
                    violations.push(v(
                        ViolationKind::Unsorted,
                        Some(path),
                        Some(r),
                        Some(sid),
                        "static (null-time) row after a timed row".into(),
                    ));
                    break;
                }
                (true, Some(prev)) if shard.times()[r] < prev => {
                    violations.push(v(
                        ViolationKind::Unsorted,
                        Some(path),
                        Some(r),
                        Some(sid),
                        format!(
                            "time {} is before the previous row's {}",
                            mlhc_core::Timestamp(shard.times()[r]),
                            mlhc_core::Timestamp(prev)
                        ),
                    ));
                    break;
                }
                (true, _) => last = Some(shard.times()[r]),
                (false, None) => {}
            }
        }
    }
    let mut codes: Vec<(String, usize, i64)> = first_seen
        .into_iter()
        .map(|(id, (row, sid))| (vocab.code(mlhc_core::CodeId(id)).to_string(), row, sid))
        .collect();
    codes.sort();
    summary.codes = codes;
    summary.violations = violations;
    summary
}

/// Checks every MEDS invariant of the dataset at `root`: the data schema and types, non-null subject
/// ids and codes, each subject's rows contiguous in one shard and sorted by time with static rows first,
/// no subject in two shards, the splits covering the subjects (and agreeing with `data/<split>/`
/// folders), every code listed in `codes.parquet`, and a well-formed `dataset.json`.
///
/// Returns `Err` only when `root` is not a MEDS dataset at all; every other problem is a [`Violation`].
pub fn validate(root: &Path, opts: &ValidateOptions) -> Result<ValidationReport> {
    let ds = Dataset::open(root)?;
    let mut c = Collector { max: opts.max_reported, report: ValidationReport::default() };
    c.report.shards = ds.shard_files().len();

    let summaries: Vec<ShardSummary> = ds.shard_files().par_iter().map(check_shard).collect();

    // Subject → shard, across shards.
    let mut shard_of: HashMap<i64, usize> = HashMap::new();
    for (i, s) in summaries.iter().enumerate() {
        c.report.events += s.events;
        for &(sid, row) in &s.subjects {
            match shard_of.get(&sid) {
                Some(&j) if j != i => c.add(v(
                    ViolationKind::SubjectInSeveralShards,
                    Some(&s.file.path),
                    Some(row),
                    Some(sid),
                    format!("subject also has rows in {}", summaries[j].file.path.display()),
                )),
                Some(_) => {}
                None => {
                    shard_of.insert(sid, i);
                }
            }
        }
    }
    c.report.subjects = shard_of.len();
    for s in &summaries {
        for violation in &s.violations {
            c.add(violation.clone());
        }
    }

    check_splits(&ds, &summaries, &shard_of, &mut c);
    check_codes(&ds, &summaries, &mut c);
    check_dataset_json(&ds, &mut c);
    Ok(c.report)
}

const STANDARD_SPLITS: [&str; 3] = ["train", "tuning", "held_out"];

fn check_splits(ds: &Dataset, summaries: &[ShardSummary], shard_of: &HashMap<i64, usize>, c: &mut Collector) {
    let path = ds.root().join("metadata/subject_splits.parquet");
    let rows = match ds.subject_splits() {
        Ok(Some(rows)) => rows,
        Ok(None) => {
            c.add(v(ViolationKind::Metadata, Some(&path), None, None, "missing subject_splits.parquet".into()));
            return;
        }
        Err(e) => {
            c.add(v(ViolationKind::Metadata, Some(&path), None, None, e.to_string()));
            return;
        }
    };
    let mut split_of: HashMap<i64, &str> = HashMap::with_capacity(rows.len());
    let mut nonstandard: HashSet<&str> = HashSet::new();
    // With an unreadable shard the subjects it holds are unknown, so "no data" would be a guess.
    let all_read = summaries.iter().all(|s| !s.unreadable);
    for (row, (sid, split)) in rows.iter().enumerate() {
        if split_of.insert(*sid, split).is_some() {
            c.add(v(
                ViolationKind::DuplicateSplitRow,
                Some(&path),
                Some(row),
                Some(*sid),
                "subject listed twice".into(),
            ));
        }
        if !STANDARD_SPLITS.contains(&split.as_str()) && nonstandard.insert(split) {
            c.add(v(
                ViolationKind::NonStandardSplit,
                Some(&path),
                Some(row),
                Some(*sid),
                format!("split {split:?} is not one of train, tuning, held_out"),
            ));
        }
        if all_read && !shard_of.contains_key(sid) {
            c.add(v(
                ViolationKind::SplitSubjectWithoutData,
                Some(&path),
                Some(row),
                Some(*sid),
                "subject has no rows in data/".into(),
            ));
        }
    }
    for s in summaries {
        let folder = s.file.split_prefix();
        for &(sid, row) in &s.subjects {
            match (split_of.get(&sid), folder) {
                (None, _) => c.add(v(
                    ViolationKind::SubjectWithoutSplit,
                    Some(&s.file.path),
                    Some(row),
                    Some(sid),
                    "subject is not in subject_splits.parquet".into(),
                )),
                (Some(split), Some(folder)) if STANDARD_SPLITS.contains(&folder) && *split != folder => c.add(v(
                    ViolationKind::SplitMismatch,
                    Some(&s.file.path),
                    Some(row),
                    Some(sid),
                    format!("subject's split is {split:?} but its shard is in data/{folder}/"),
                )),
                _ => {}
            }
        }
    }
}

fn check_codes(ds: &Dataset, summaries: &[ShardSummary], c: &mut Collector) {
    let path = ds.root().join("metadata/codes.parquet");
    let listed: HashSet<String> = match ds.codes() {
        Ok(Some(codes)) => codes.into_iter().map(|c| c.code).collect(),
        Ok(None) => {
            c.add(v(ViolationKind::Metadata, Some(&path), None, None, "missing codes.parquet".into()));
            return;
        }
        Err(e) => {
            c.add(v(ViolationKind::Metadata, Some(&path), None, None, e.to_string()));
            return;
        }
    };
    let mut reported: HashSet<&str> = HashSet::new();
    for s in summaries {
        for (code, row, sid) in &s.codes {
            if !listed.contains(code) && reported.insert(code) {
                c.add(v(
                    ViolationKind::CodeNotInMetadata,
                    Some(&s.file.path),
                    Some(*row),
                    Some(*sid),
                    format!("code {code:?} is not in codes.parquet"),
                ));
            }
        }
    }
}

fn check_dataset_json(ds: &Dataset, c: &mut Collector) {
    let path = ds.root().join("metadata/dataset.json");
    match ds.metadata() {
        Ok(Some(m)) => {
            let required = [
                ("dataset_name", &m.dataset_name),
                ("dataset_version", &m.dataset_version),
                ("etl_name", &m.etl_name),
                ("etl_version", &m.etl_version),
                ("meds_version", &m.meds_version),
            ];
            for (key, value) in required {
                if value.is_none() {
                    c.add(v(ViolationKind::Metadata, Some(&path), None, None, format!("missing field {key:?}")));
                }
            }
        }
        Ok(None) => c.add(v(ViolationKind::Metadata, Some(&path), None, None, "missing dataset.json".into())),
        Err(e) => c.add(v(ViolationKind::Metadata, Some(&path), None, None, e.to_string())),
    }
}
