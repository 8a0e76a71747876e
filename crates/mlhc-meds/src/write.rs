//! Writing MEDS datasets: data shards, `codes.parquet`, `subject_splits.parquet`, `dataset.json`.
//!
//! Every file is written to a temporary name beside its target and renamed into place, so an
//! interrupted run never leaves a half-written file under its final name.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    Float32Builder, LargeStringBuilder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::SchemaRef;
use mlhc_core::CodeId;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::schema::{codes_schema, data_schema, splits_schema, CodeInfo, DatasetMetadata};
use crate::{Error, Result, Shard, Vocabulary};

/// Rows per Parquet row group and per Arrow batch when writing shards.
const ROWS_PER_BATCH: usize = 1 << 20;

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes a file through `write` to a temporary path, then renames it into place.
pub(crate) fn atomic_write(path: &Path, write: impl FnOnce(File) -> Result<()>) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let tmp = tmp_path(path);
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    if let Err(e) = write(file) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROWS_PER_BATCH))
        .build()
}

fn write_batches(path: &Path, schema: SchemaRef, batches: impl Iterator<Item = Result<RecordBatch>>) -> Result<()> {
    atomic_write(path, |file| {
        let mut w = ArrowWriter::try_new(file, schema, Some(props())).map_err(|e| Error::parquet(path, e))?;
        for batch in batches {
            w.write(&batch?).map_err(|e| Error::parquet(path, e))?;
        }
        w.close().map_err(|e| Error::parquet(path, e))?;
        Ok(())
    })
}

/// Writes one shard as a MEDS data file (schema [`data_schema`]), codes resolved through `vocab`.
pub fn write_shard(path: &Path, shard: &Shard, vocab: &Vocabulary) -> Result<()> {
    let n = shard.n_events();
    // Row → subject id, expanded from the offsets.
    let mut subject_of_row = Vec::with_capacity(n);
    for (i, &sid) in shard.subject_ids.iter().enumerate() {
        subject_of_row.extend(std::iter::repeat_n(sid, shard.offsets[i + 1] - shard.offsets[i]));
    }
    let schema = data_schema();
    let batches = (0..n.div_ceil(ROWS_PER_BATCH).max(1)).map(|b| {
        let lo = b * ROWS_PER_BATCH;
        let hi = ((b + 1) * ROWS_PER_BATCH).min(n);
        let subject: ArrayRef = Arc::new(Int64Array::from(subject_of_row[lo..hi].to_vec()));
        let mut time = TimestampMicrosecondBuilder::with_capacity(hi - lo);
        let mut code = StringBuilder::with_capacity(hi - lo, (hi - lo) * 16);
        let mut numeric = Float32Builder::with_capacity(hi - lo);
        let mut text = LargeStringBuilder::new();
        for r in lo..hi {
            time.append_option(shard.time(r).map(|t| t.0));
            code.append_value(vocab.code(CodeId(shard.code[r])));
            numeric.append_option(shard.numeric(r));
            text.append_option(shard.text(r));
        }
        RecordBatch::try_new(
            schema.clone(),
            vec![
                subject,
                Arc::new(time.finish()),
                Arc::new(code.finish()),
                Arc::new(numeric.finish()),
                Arc::new(text.finish()),
            ],
        )
        .map_err(|e| Error::parquet(path, e))
    });
    write_batches(path, schema.clone(), batches)
}

/// Writes `metadata/codes.parquet` rows.
pub fn write_codes(path: &Path, codes: &[CodeInfo]) -> Result<()> {
    let mut code = StringBuilder::new();
    let mut description = StringBuilder::new();
    let mut parents = ListBuilder::new(StringBuilder::new());
    for c in codes {
        code.append_value(&c.code);
        description.append_option(c.description.as_deref());
        for p in &c.parent_codes {
            parents.values().append_value(p);
        }
        parents.append(true);
    }
    let schema = codes_schema();
    // The list field of the builder must carry the schema's item field (name and nullability).
    let parents = parents.finish();
    let item_field = match schema.field(2).data_type() {
        arrow_schema::DataType::List(f) => f.clone(),
        _ => unreachable!("codes_schema's parent_codes is a list"),
    };
    let (_, offsets, values, nulls) = parents.into_parts();
    let parents =
        arrow_array::ListArray::try_new(item_field, offsets, values, nulls).map_err(|e| Error::parquet(path, e))?;
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(code.finish()), Arc::new(description.finish()), Arc::new(parents)],
    )
    .map_err(|e| Error::parquet(path, e))?;
    write_batches(path, schema, std::iter::once(Ok(batch)))
}

/// Writes `metadata/subject_splits.parquet` rows.
pub fn write_splits(path: &Path, rows: &[(i64, String)]) -> Result<()> {
    let sid = Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>());
    let split = StringArray::from(rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>());
    let schema = splits_schema();
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(sid), Arc::new(split)])
        .map_err(|e| Error::parquet(path, e))?;
    write_batches(path, schema, std::iter::once(Ok(batch)))
}

/// Writes `metadata/dataset.json` (pretty-printed, keys in a fixed order).
pub fn write_dataset_json(path: &Path, metadata: &DatasetMetadata) -> Result<()> {
    let text = serde_json::to_string_pretty(metadata)
        .map_err(|e| Error::Metadata { path: path.to_path_buf(), message: e.to_string() })?;
    atomic_write(path, |mut f| {
        f.write_all(text.as_bytes()).and_then(|_| f.write_all(b"\n")).map_err(|e| Error::io(path, e))
    })
}

/// Writes the pieces of a MEDS dataset under one root directory.
#[derive(Debug, Clone)]
pub struct DatasetWriter {
    root: PathBuf,
}

impl DatasetWriter {
    /// A writer for the dataset at `root` (created if absent). Refuses a root whose `data/` already
    /// holds Parquet files, so that a new dataset never mixes with an old one.
    pub fn create(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        let data = root.join("data");
        if data.is_dir() {
            let mut existing = Vec::new();
            crate::read::Dataset::open(&root).map(|d| existing.extend(d.shard_files().iter().cloned())).ok();
            if !existing.is_empty() {
                return Err(Error::InvalidArgument {
                    name: "output directory".into(),
                    message: format!(
                        "{} already holds a MEDS dataset ({} shards); choose an empty directory",
                        root.display(),
                        existing.len()
                    ),
                });
            }
        }
        std::fs::create_dir_all(root.join("metadata")).map_err(|e| Error::io(root.join("metadata"), e))?;
        std::fs::create_dir_all(&data).map_err(|e| Error::io(&data, e))?;
        Ok(Self { root })
    }

    /// The dataset root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes the shard `name` (e.g. `train/0`) to `data/<name>.parquet`.
    pub fn write_shard(&self, name: &str, shard: &Shard, vocab: &Vocabulary) -> Result<PathBuf> {
        let path = self.root.join("data").join(format!("{name}.parquet"));
        write_shard(&path, shard, vocab)?;
        Ok(path)
    }

    /// Writes `metadata/codes.parquet`.
    pub fn write_codes(&self, codes: &[CodeInfo]) -> Result<()> {
        write_codes(&self.root.join("metadata/codes.parquet"), codes)
    }

    /// Writes `metadata/subject_splits.parquet`.
    pub fn write_splits(&self, rows: &[(i64, String)]) -> Result<()> {
        write_splits(&self.root.join("metadata/subject_splits.parquet"), rows)
    }

    /// Writes `metadata/dataset.json`.
    pub fn write_metadata(&self, metadata: &DatasetMetadata) -> Result<()> {
        write_dataset_json(&self.root.join("metadata/dataset.json"), metadata)
    }
}
