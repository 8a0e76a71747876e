//! Reading MEDS datasets: directory layout, metadata files and data shards into [`Shard`]s.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::schema::{CodeInfo, DatasetMetadata, CODE, NUMERIC_VALUE, SUBJECT_ID, TEXT_VALUE, TIME};
use crate::shard::{Shard, TextColumn};
use crate::{Error, Result, Vocabulary};

/// What to read from each shard besides the four core columns.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Read `text_value` when present. By default, not read.
    pub text: bool,
    /// Keep extra (non-MEDS) columns as Arrow arrays. By default, dropped.
    pub extra_columns: bool,
}

/// One data shard file of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardFile {
    /// The path under `data/` without `.parquet`, e.g. `train/0`.
    pub name: String,
    /// The file.
    pub path: PathBuf,
}

impl ShardFile {
    /// The split named by the shard's first directory (`train/0` → `train`), if it is nested.
    pub fn split_prefix(&self) -> Option<&str> {
        self.name.split_once('/').map(|(s, _)| s)
    }
}

/// A MEDS dataset directory, opened but not yet read.
#[derive(Debug, Clone)]
pub struct Dataset {
    root: PathBuf,
    shards: Vec<ShardFile>,
}

/// A whole dataset in memory: every shard on one shared vocabulary.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// The shards, in [`Dataset::shard_files`] order.
    pub shards: Vec<Shard>,
    /// The vocabulary every shard's code ids point into.
    pub vocab: Vocabulary,
}

fn list_parquet(dir: &Path, prefix: &str, out: &mut Vec<ShardFile>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            list_parquet(&path, &format!("{prefix}{name}/"), out)?;
        } else if let Some(stem) = name.strip_suffix(".parquet") {
            out.push(ShardFile { name: format!("{prefix}{stem}"), path });
        }
    }
    Ok(())
}

impl Dataset {
    /// Opens the dataset at `root`: lists `data/**/*.parquet` in sorted order.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        let data = root.join("data");
        if !data.is_dir() {
            return Err(Error::NotADataset { path: root, reason: "no data/ directory".into() });
        }
        let mut shards = Vec::new();
        list_parquet(&data, "", &mut shards)?;
        if shards.is_empty() {
            return Err(Error::NotADataset { path: root, reason: "no .parquet files under data/".into() });
        }
        Ok(Self { root, shards })
    }

    /// The dataset's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The data shard files, sorted by name.
    pub fn shard_files(&self) -> &[ShardFile] {
        &self.shards
    }

    /// Reads `metadata/dataset.json`, `None` when absent.
    pub fn metadata(&self) -> Result<Option<DatasetMetadata>> {
        let path = self.root.join("metadata/dataset.json");
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        serde_json::from_str(&text).map(Some).map_err(|e| Error::Metadata { path, message: e.to_string() })
    }

    /// Reads `metadata/codes.parquet`, `None` when absent.
    pub fn codes(&self) -> Result<Option<Vec<CodeInfo>>> {
        let path = self.root.join("metadata/codes.parquet");
        if !path.exists() {
            return Ok(None);
        }
        read_codes(&path).map(Some)
    }

    /// Reads `metadata/subject_splits.parquet` as (subject_id, split) rows, `None` when absent.
    pub fn subject_splits(&self) -> Result<Option<Vec<(i64, String)>>> {
        let path = self.root.join("metadata/subject_splits.parquet");
        if !path.exists() {
            return Ok(None);
        }
        read_splits(&path).map(Some)
    }

    /// Reads shard `i` with its own vocabulary.
    pub fn read_shard(&self, i: usize, opts: &ReadOptions) -> Result<(Shard, Vocabulary)> {
        let f = &self.shards[i];
        read_shard_file(&f.path, &f.name, opts)
    }

    /// Reads every shard in parallel onto one shared vocabulary.
    pub fn load(&self, opts: &ReadOptions) -> Result<LoadedDataset> {
        let vocab = Mutex::new(Vocabulary::new());
        let shards = self
            .shards
            .par_iter()
            .map(|f| {
                let (mut shard, local) = read_shard_file(&f.path, &f.name, opts)?;
                let map = vocab.lock().expect("vocabulary lock is never poisoned").merge(&local);
                shard.remap_codes(&map);
                Ok(shard)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(LoadedDataset { shards, vocab: vocab.into_inner().expect("vocabulary lock is never poisoned") })
    }

    /// Runs `f` on every shard, in parallel, holding at most one shard per worker thread in memory.
    /// Each shard comes with its own vocabulary. Results are returned in shard order.
    pub fn map_shards<R, F>(&self, opts: &ReadOptions, f: F) -> Result<Vec<R>>
    where
        R: Send,
        F: Fn(&ShardFile, &Shard, &Vocabulary) -> Result<R> + Sync,
    {
        self.try_map_shards(opts, f)
    }

    /// [`Dataset::map_shards`] for callers with their own error type (one that a read error converts
    /// into).
    pub fn try_map_shards<R, E, F>(&self, opts: &ReadOptions, f: F) -> std::result::Result<Vec<R>, E>
    where
        R: Send,
        E: From<Error> + Send,
        F: Fn(&ShardFile, &Shard, &Vocabulary) -> std::result::Result<R, E> + Sync,
    {
        self.shards
            .par_iter()
            .map(|file| {
                let (shard, vocab) = read_shard_file(&file.path, &file.name, opts)?;
                f(file, &shard, &vocab)
            })
            .collect()
    }
}

fn open_parquet(path: &Path, hint: Option<&Schema>) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut options = ArrowReaderOptions::new();
    if let Some(schema) = hint {
        options = options.with_schema(Arc::new(schema.clone()));
    }
    ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).map_err(|e| Error::parquet(path, e))
}

fn type_error(path: &Path, column: &str, found: &DataType, expected: &str) -> Error {
    Error::ColumnType {
        path: path.to_path_buf(),
        column: column.into(),
        found: found.to_string(),
        expected: expected.into(),
    }
}

fn is_string(dt: &DataType) -> bool {
    matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Reads one data shard file into a [`Shard`] with its own [`Vocabulary`].
///
/// Accepts what MEDS writers produce: `subject_id` as any integer type, `time` as a timestamp in
/// s/ms/µs/ns (converted to µs) or a date, `code` as string, large string, string view or dictionary,
/// `numeric_value` as float32 or float64 (float64 rounded to float32, the MEDS type) or integer, and an
/// optional `text_value` string column. A null `subject_id` or `code`, or a subject whose rows are not
/// contiguous, is an error naming the file and row.
pub fn read_shard_file(path: &Path, name: &str, opts: &ReadOptions) -> Result<(Shard, Vocabulary)> {
    read_shard_impl(path, name, opts, false).map(|(s, v, _)| (s, v))
}

/// Reads a shard for validation: null subject ids or codes and non-contiguous subjects are returned as
/// problems instead of stopping the read (a null code reads as the empty string). Schema problems are
/// still errors.
pub(crate) fn read_shard_lenient(path: &Path, name: &str) -> Result<(Shard, Vocabulary, Vec<Error>)> {
    read_shard_impl(path, name, &ReadOptions::default(), true)
}

fn read_shard_impl(
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    lenient: bool,
) -> Result<(Shard, Vocabulary, Vec<Error>)> {
    let probe = open_parquet(path, None)?;
    let schema = probe.schema().clone();
    let find = |col: &str| -> Result<usize> {
        schema.index_of(col).map_err(|_| Error::MissingColumn { path: path.to_path_buf(), column: col.into() })
    };
    let i_subject = find(SUBJECT_ID)?;
    let i_time = find(TIME)?;
    let i_code = find(CODE)?;
    let i_numeric = schema.index_of(NUMERIC_VALUE).ok();
    let i_text = schema.index_of(TEXT_VALUE).ok().filter(|_| opts.text);
    let subject_type = schema.field(i_subject).data_type();
    if !subject_type.is_integer() {
        return Err(type_error(path, SUBJECT_ID, subject_type, "int64"));
    }
    let time_type = schema.field(i_time).data_type();
    if !matches!(time_type, DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64) {
        return Err(type_error(path, TIME, time_type, "timestamp[us]"));
    }
    let code_type = schema.field(i_code).data_type();
    let code_ok = is_string(code_type) || matches!(code_type, DataType::Dictionary(_, v) if is_string(v));
    if !code_ok {
        return Err(type_error(path, CODE, code_type, "string"));
    }
    if let Some(i) = i_numeric {
        let t = schema.field(i).data_type();
        if !(t.is_floating() || t.is_integer() || *t == DataType::Null) {
            return Err(type_error(path, NUMERIC_VALUE, t, "float32"));
        }
    }
    if let Some(i) = i_text {
        let t = schema.field(i).data_type();
        if !(is_string(t) || *t == DataType::Null) {
            return Err(type_error(path, TEXT_VALUE, t, "large_string"));
        }
    }
    // Read plain string codes as dictionaries: Parquet stores them dictionary-encoded, so this maps each
    // distinct code once per row group instead of hashing every row.
    let hint = match code_type {
        DataType::Utf8 | DataType::LargeUtf8 => {
            let fields: Vec<Field> = schema
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    if i == i_code {
                        f.as_ref().clone().with_data_type(DataType::Dictionary(
                            Box::new(DataType::Int32),
                            Box::new(code_type.clone()),
                        ))
                    } else {
                        f.as_ref().clone()
                    }
                })
                .collect();
            Some(Schema::new_with_metadata(fields, schema.metadata().clone()))
        }
        _ => None,
    };
    let builder = match hint.as_ref().map(|h| open_parquet(path, Some(h))) {
        Some(Ok(b)) => b,
        _ => probe,
    };
    let core: HashSet<usize> = [Some(i_subject), Some(i_time), Some(i_code), i_numeric].into_iter().flatten().collect();
    let extra_idx: Vec<usize> = if opts.extra_columns {
        (0..schema.fields().len()).filter(|i| !core.contains(i) && schema.field(*i).name() != TEXT_VALUE).collect()
    } else {
        Vec::new()
    };
    let mut leaves: Vec<usize> = core.iter().copied().chain(i_text).chain(extra_idx.iter().copied()).collect();
    leaves.sort_unstable();
    let mask = ProjectionMask::roots(builder.parquet_schema(), leaves);
    let reader = builder.with_projection(mask).with_batch_size(65_536).build().map_err(|e| Error::parquet(path, e))?;

    let mut acc = Accumulator::new(path, name, i_text.is_some());
    if lenient {
        acc.problems = Some(Vec::new());
    }
    let mut extras: Vec<(String, Vec<ArrayRef>)> =
        extra_idx.iter().map(|&i| (schema.field(i).name().clone(), Vec::new())).collect();
    for batch in reader {
        let batch = batch.map_err(|e| Error::parquet(path, e))?;
        acc.push_batch(&batch)?;
        for (name, arrays) in &mut extras {
            if let Some(col) = batch.column_by_name(name) {
                arrays.push(col.clone());
            }
        }
    }
    let mut kept = Vec::with_capacity(extras.len());
    for (name, arrays) in extras {
        let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
        let joined = if refs.is_empty() {
            arrow_array::new_empty_array(
                schema.field_with_name(&name).map_err(|e| Error::parquet(path, e))?.data_type(),
            )
        } else {
            arrow_select::concat::concat(&refs).map_err(|e| Error::parquet(path, e))?
        };
        kept.push((name, joined));
    }
    let (mut shard, vocab, problems) = acc.finish();
    shard.extra = kept;
    Ok((shard, vocab, problems))
}

struct Accumulator<'p> {
    path: &'p Path,
    shard: Shard,
    vocab: Vocabulary,
    text: Option<TextColumn>,
    seen: HashSet<i64>,
    row: usize,
    /// `None`: strict, the first problem is the error. `Some`: lenient (validation), problems are
    /// collected and reading goes on.
    problems: Option<Vec<Error>>,
}

impl<'p> Accumulator<'p> {
    fn new(path: &'p Path, name: &str, text: bool) -> Self {
        let shard = Shard { name: name.to_string(), ..Shard::default() };
        Self {
            path,
            shard,
            vocab: Vocabulary::new(),
            text: text.then(TextColumn::new),
            seen: HashSet::new(),
            row: 0,
            problems: None,
        }
    }

    /// Fails in strict mode; records the problem and goes on in lenient mode.
    fn report(&mut self, err: Error) -> Result<()> {
        match self.problems.as_mut() {
            None => Err(err),
            Some(p) => {
                p.push(err);
                Ok(())
            }
        }
    }

    fn null(&self, offset: usize, column: &str) -> Error {
        Error::NullValue { path: self.path.to_path_buf(), row: self.row + offset, column: column.into() }
    }

    fn push_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let n = batch.num_rows();
        let col = |name: &str| batch.column_by_name(name);
        let subject = col(SUBJECT_ID).expect("projected column");
        let subject = arrow_cast_i64(subject, self.path)?;
        if subject.null_count() > 0 {
            for k in (0..n).filter(|&k| subject.is_null(k)) {
                self.report(self.null(k, SUBJECT_ID))?;
            }
        }
        for (k, &sid) in subject.values().iter().enumerate() {
            // A null subject id (lenient mode only; it was reported above) stays with the previous
            // subject, so that it does not cause further, spurious violations.
            let sid = match self.shard.subject_ids.last() {
                Some(&last) if subject.is_null(k) => last,
                _ => sid,
            };
            if self.shard.subject_ids.last() != Some(&sid) {
                if !self.seen.insert(sid) {
                    self.report(Error::SubjectNotContiguous {
                        path: self.path.to_path_buf(),
                        row: self.row + k,
                        subject_id: sid,
                    })?;
                }
                self.shard.subject_ids.push(sid);
                self.shard.offsets.push(self.row + k);
            }
        }
        self.push_time(col(TIME).expect("projected column"))?;
        self.push_codes(col(CODE).expect("projected column"))?;
        match col(NUMERIC_VALUE) {
            Some(v) => self.push_numeric(v)?,
            None => {
                self.shard.numeric.extend(std::iter::repeat_n(0.0, n));
                self.shard.numeric_valid.extend_constant(n, false);
            }
        }
        if let Some(text) = self.text.as_mut() {
            let arr = col(TEXT_VALUE).expect("projected column");
            push_strings(arr, |v| text.push(v));
        }
        self.row += n;
        Ok(())
    }

    fn push_time(&mut self, arr: &ArrayRef) -> Result<()> {
        // MEDS's own unit needs no conversion: copy values and validity in bulk. Every read of an mlhc- or
        // MEDS-Extract-written dataset takes this path; the general one below costs about a quarter of
        // the whole read (an `Option` per row and a dynamic `is_valid` call per row).
        if let DataType::Timestamp(TimeUnit::Microsecond, _) = arr.data_type() {
            let a = arr.as_primitive::<TimestampMicrosecondType>();
            let start = self.shard.time.len();
            self.shard.time.extend_from_slice(a.values());
            match a.nulls() {
                None => self.shard.time_valid.extend_constant(a.len(), true),
                Some(nulls) => {
                    for (k, valid) in nulls.iter().enumerate() {
                        self.shard.time_valid.push(valid);
                        if !valid {
                            // Arrow leaves null slots unspecified; static rows read as 0, as on the general path.
                            self.shard.time[start + k] = 0;
                        }
                    }
                }
            }
            return Ok(());
        }
        let values = timestamps_us(arr, self.path, TIME, self.row)?;
        for v in values {
            self.shard.time.push(v.unwrap_or(0));
            self.shard.time_valid.push(v.is_some());
        }
        Ok(())
    }

    fn push_codes(&mut self, arr: &ArrayRef) -> Result<()> {
        if arr.null_count() > 0 {
            for k in (0..arr.len()).filter(|&k| arr.is_null(k)) {
                self.report(self.null(k, CODE))?;
            }
        }
        match arr.data_type() {
            DataType::Dictionary(key, _) if **key == DataType::Int32 => {
                let dict = arr.as_dictionary::<Int32Type>();
                let mut map = Vec::with_capacity(dict.values().len());
                let vocab = &mut self.vocab;
                push_strings(dict.values(), |v| map.push(vocab.intern(v.unwrap_or("")).0));
                for &k in dict.keys().values() {
                    self.shard.code.push(map[k as usize]);
                }
            }
            DataType::Dictionary(_, _) => {
                let cast = arrow_select_cast_to_string(arr, self.path)?;
                return self.push_codes(&cast);
            }
            _ => {
                let vocab = &mut self.vocab;
                let code = &mut self.shard.code;
                push_strings(arr, |v| code.push(vocab.intern(v.unwrap_or("")).0));
            }
        }
        Ok(())
    }

    fn push_numeric(&mut self, arr: &ArrayRef) -> Result<()> {
        let n = arr.len();
        match arr.data_type() {
            DataType::Float32 => self.shard.numeric.extend_from_slice(arr.as_primitive::<Float32Type>().values()),
            // MEDS stores float32; float64 input is rounded to the nearest float32.
            DataType::Float64 => {
                self.shard.numeric.extend(arr.as_primitive::<Float64Type>().values().iter().map(|&v| v as f32))
            }
            DataType::Null => self.shard.numeric.extend(std::iter::repeat_n(0.0, n)),
            _ => {
                let as_i64 = arrow_cast_i64(arr, self.path)?;
                self.shard.numeric.extend(as_i64.values().iter().map(|&v| v as f32));
            }
        }
        match arr.logical_nulls() {
            None => self.shard.numeric_valid.extend_constant(n, true),
            Some(nulls) => {
                for k in 0..n {
                    self.shard.numeric_valid.push(nulls.is_valid(k));
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> (Shard, Vocabulary, Vec<Error>) {
        self.shard.offsets.push(self.row);
        self.shard.text = self.text;
        (self.shard, self.vocab, self.problems.unwrap_or_default())
    }
}

/// A timestamp or date column as microseconds since the epoch (`None` where null). `first_row` is the
/// file row of `arr[0]`, for error messages.
pub(crate) fn timestamps_us(arr: &ArrayRef, path: &Path, column: &str, first_row: usize) -> Result<Vec<Option<i64>>> {
    let n = arr.len();
    let (values, scale): (Vec<i64>, i64) = match arr.data_type() {
        DataType::Timestamp(unit, _) => {
            let values = arr.to_data().buffers()[0].typed_data::<i64>()[arr.offset()..arr.offset() + n].to_vec();
            let scale = match unit {
                TimeUnit::Second => 1_000_000,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1,
                TimeUnit::Nanosecond => -1_000,
            };
            (values, scale)
        }
        DataType::Date32 => {
            let a = arr.as_primitive::<arrow_array::types::Date32Type>();
            (a.values().iter().map(|&d| d as i64).collect(), mlhc_core::MICROS_PER_DAY)
        }
        DataType::Date64 => (arr.as_primitive::<arrow_array::types::Date64Type>().values().to_vec(), 1_000),
        other => return Err(type_error(path, column, other, "timestamp[us]")),
    };
    values
        .into_iter()
        .enumerate()
        .map(|(k, v)| {
            if !arr.is_valid(k) {
                Ok(None)
            } else if scale > 0 {
                v.checked_mul(scale).map(Some).ok_or_else(|| Error::Table {
                    path: path.to_path_buf(),
                    row: first_row + k,
                    message: format!("{column} {v} overflows microseconds"),
                })
            } else {
                Ok(Some(v.div_euclid(-scale)))
            }
        })
        .collect()
}

pub(crate) fn push_strings(arr: &dyn Array, mut f: impl FnMut(Option<&str>)) {
    match arr.data_type() {
        DataType::Utf8 => arr.as_string::<i32>().iter().for_each(&mut f),
        DataType::LargeUtf8 => arr.as_string::<i64>().iter().for_each(&mut f),
        DataType::Utf8View => arr.as_string_view().iter().for_each(&mut f),
        _ => (0..arr.len()).for_each(|_| f(None)),
    }
}

pub(crate) fn arrow_cast_i64(arr: &ArrayRef, path: &Path) -> Result<arrow_array::Int64Array> {
    use arrow_array::types::*;
    let n = arr.len();
    let nulls = arr.logical_nulls();
    let values: Vec<i64> = match arr.data_type() {
        DataType::Int64 => return Ok(arr.as_primitive::<Int64Type>().clone()),
        DataType::Int32 => arr.as_primitive::<Int32Type>().values().iter().map(|&v| v as i64).collect(),
        DataType::Int16 => arr.as_primitive::<Int16Type>().values().iter().map(|&v| v as i64).collect(),
        DataType::Int8 => arr.as_primitive::<Int8Type>().values().iter().map(|&v| v as i64).collect(),
        DataType::UInt32 => arr.as_primitive::<UInt32Type>().values().iter().map(|&v| v as i64).collect(),
        DataType::UInt16 => arr.as_primitive::<UInt16Type>().values().iter().map(|&v| v as i64).collect(),
        DataType::UInt8 => arr.as_primitive::<UInt8Type>().values().iter().map(|&v| v as i64).collect(),
        DataType::UInt64 => {
            let a = arr.as_primitive::<UInt64Type>();
            let mut out = Vec::with_capacity(n);
            for (k, &v) in a.values().iter().enumerate() {
                let valid = nulls.as_ref().is_none_or(|m| m.is_valid(k));
                out.push(if valid {
                    i64::try_from(v).map_err(|_| Error::Table {
                        path: path.to_path_buf(),
                        row: k,
                        message: format!("value {v} does not fit in int64"),
                    })?
                } else {
                    0
                });
            }
            out
        }
        other => return Err(type_error(path, SUBJECT_ID, other, "int64")),
    };
    Ok(arrow_array::Int64Array::new(values.into(), nulls))
}

fn arrow_select_cast_to_string(arr: &ArrayRef, path: &Path) -> Result<ArrayRef> {
    // A dictionary with non-int32 keys: expand it through `take` on its values.
    let (keys, values): (Vec<u32>, ArrayRef) = match arr.data_type() {
        DataType::Dictionary(k, _) => {
            use arrow_array::types::*;
            macro_rules! keys {
                ($t:ty) => {{
                    let d = arr.as_dictionary::<$t>();
                    (d.keys().values().iter().map(|&x| x as u32).collect(), d.values().clone())
                }};
            }
            match **k {
                DataType::Int8 => keys!(Int8Type),
                DataType::Int16 => keys!(Int16Type),
                DataType::Int64 => keys!(Int64Type),
                DataType::UInt8 => keys!(UInt8Type),
                DataType::UInt16 => keys!(UInt16Type),
                DataType::UInt32 => keys!(UInt32Type),
                DataType::UInt64 => keys!(UInt64Type),
                _ => return Err(type_error(path, CODE, arr.data_type(), "string")),
            }
        }
        other => return Err(type_error(path, CODE, other, "string")),
    };
    let idx = arrow_array::UInt32Array::from(keys);
    arrow_select::take::take(values.as_ref(), &idx, None).map_err(|e| Error::parquet(path, e))
}

fn read_batches(path: &Path) -> Result<Vec<RecordBatch>> {
    let reader = open_parquet(path, None)?.build().map_err(|e| Error::parquet(path, e))?;
    reader.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| Error::parquet(path, e))
}

/// Reads a `codes.parquet` file.
pub fn read_codes(path: &Path) -> Result<Vec<CodeInfo>> {
    let mut out = Vec::new();
    for batch in read_batches(path)? {
        let code = batch
            .column_by_name(CODE)
            .ok_or_else(|| Error::MissingColumn { path: path.to_path_buf(), column: CODE.into() })?;
        let mut codes = Vec::with_capacity(batch.num_rows());
        push_strings(code.as_ref(), |v| codes.push(v.map(str::to_string)));
        let mut descriptions = vec![None; batch.num_rows()];
        if let Some(d) = batch.column_by_name("description") {
            let mut k = 0;
            push_strings(d.as_ref(), |v| {
                descriptions[k] = v.map(str::to_string);
                k += 1;
            });
        }
        let parents: Vec<Vec<String>> = match batch.column_by_name("parent_codes") {
            Some(p) if matches!(p.data_type(), DataType::List(_)) => {
                let list = p.as_list::<i32>();
                (0..list.len())
                    .map(|k| {
                        let mut v = Vec::new();
                        if list.is_valid(k) {
                            push_strings(list.value(k).as_ref(), |s| v.extend(s.map(str::to_string)));
                        }
                        v
                    })
                    .collect()
            }
            Some(p) if matches!(p.data_type(), DataType::LargeList(_)) => {
                let list = p.as_list::<i64>();
                (0..list.len())
                    .map(|k| {
                        let mut v = Vec::new();
                        if list.is_valid(k) {
                            push_strings(list.value(k).as_ref(), |s| v.extend(s.map(str::to_string)));
                        }
                        v
                    })
                    .collect()
            }
            _ => vec![Vec::new(); batch.num_rows()],
        };
        for (k, ((code, description), parent_codes)) in codes.into_iter().zip(descriptions).zip(parents).enumerate() {
            let code = code.ok_or_else(|| Error::NullValue {
                path: path.to_path_buf(),
                row: out.len() + k,
                column: CODE.into(),
            })?;
            out.push(CodeInfo { code, description, parent_codes });
        }
    }
    Ok(out)
}

/// Reads a `subject_splits.parquet` file as (subject_id, split) rows.
pub fn read_splits(path: &Path) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for batch in read_batches(path)? {
        let sid = batch
            .column_by_name(SUBJECT_ID)
            .ok_or_else(|| Error::MissingColumn { path: path.to_path_buf(), column: SUBJECT_ID.into() })?;
        let sid = arrow_cast_i64(sid, path)?;
        let split = batch
            .column_by_name("split")
            .ok_or_else(|| Error::MissingColumn { path: path.to_path_buf(), column: "split".into() })?;
        let mut splits = Vec::with_capacity(batch.num_rows());
        push_strings(split.as_ref(), |v| splits.push(v.map(str::to_string)));
        for (k, split) in splits.into_iter().enumerate() {
            let row = out.len();
            if sid.is_null(k) {
                return Err(Error::NullValue { path: path.to_path_buf(), row, column: SUBJECT_ID.into() });
            }
            let split =
                split.ok_or_else(|| Error::NullValue { path: path.to_path_buf(), row, column: "split".into() })?;
            out.push((sid.value(k), split));
        }
    }
    Ok(out)
}
