//! Labels in the MEDS label schema: `subject_id` int64, `prediction_time` timestamp[us],
//! `boolean_value` bool, `integer_value` int64, `float_value` float32, `categorical_value` string.
//!
//! All columns but `subject_id` are written as nullable, as es-aces and the `meds` package's
//! `LabelSchema.align` write them; a task without an index timestamp has null prediction times.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::schema::SUBJECT_ID;
use crate::write::atomic_write;
use crate::{Error, Result};

/// Column `prediction_time`.
pub const PREDICTION_TIME: &str = "prediction_time";
/// Column `boolean_value`.
pub const BOOLEAN_VALUE: &str = "boolean_value";
/// Column `integer_value`.
pub const INTEGER_VALUE: &str = "integer_value";
/// Column `float_value`.
pub const FLOAT_VALUE: &str = "float_value";
/// Column `categorical_value`.
pub const CATEGORICAL_VALUE: &str = "categorical_value";

const ROWS_PER_BATCH: usize = 1 << 20;

/// The Arrow schema of a MEDS label file as mlhc writes it.
pub fn label_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(SUBJECT_ID, DataType::Int64, false),
        Field::new(PREDICTION_TIME, DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new(BOOLEAN_VALUE, DataType::Boolean, true),
        Field::new(INTEGER_VALUE, DataType::Int64, true),
        Field::new(FLOAT_VALUE, DataType::Float32, true),
        Field::new(CATEGORICAL_VALUE, DataType::Utf8, true),
    ]))
}

/// Label rows in columnar form. Every column has [`Labels::len`] entries, except that an optional value
/// column may be left empty to mean "null in every row".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    /// The subject of each row.
    pub subject_id: Vec<i64>,
    /// The prediction time (µs since the epoch), `None` when unknown.
    pub prediction_time: Vec<Option<i64>>,
    /// Boolean labels (empty = all null).
    pub boolean_value: Vec<Option<bool>>,
    /// Integer labels (empty = all null).
    pub integer_value: Vec<Option<i64>>,
    /// Float labels (empty = all null).
    pub float_value: Vec<Option<f32>>,
    /// Categorical labels (empty = all null).
    pub categorical_value: Vec<Option<String>>,
}

impl Labels {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.subject_id.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.subject_id.is_empty()
    }

    /// Appends the rows of `other` (columns that are empty in both stay empty).
    pub fn append(&mut self, mut other: Labels) {
        let (n, m) = (self.len(), other.len());
        fn join<T: Clone>(a: &mut Vec<Option<T>>, b: &mut Vec<Option<T>>, n: usize, m: usize) {
            if a.is_empty() && b.is_empty() {
                return;
            }
            a.resize(n, None);
            b.resize(m, None);
            a.append(b);
        }
        self.subject_id.append(&mut other.subject_id);
        self.prediction_time.resize(n, None);
        other.prediction_time.resize(m, None);
        self.prediction_time.append(&mut other.prediction_time);
        join(&mut self.boolean_value, &mut other.boolean_value, n, m);
        join(&mut self.integer_value, &mut other.integer_value, n, m);
        join(&mut self.float_value, &mut other.float_value, n, m);
        join(&mut self.categorical_value, &mut other.categorical_value, n, m);
    }

    fn check(&self) -> Result<()> {
        let n = self.len();
        let ok = |len: usize| len == n || len == 0;
        if self.prediction_time.len() != n
            || !ok(self.boolean_value.len())
            || !ok(self.integer_value.len())
            || !ok(self.float_value.len())
            || !ok(self.categorical_value.len())
        {
            return Err(Error::InvalidArgument {
                name: "labels".into(),
                message: format!("columns have different lengths ({n} subject ids)"),
            });
        }
        Ok(())
    }
}

fn batch(schema: &SchemaRef, labels: &Labels, lo: usize, hi: usize, path: &Path) -> Result<RecordBatch> {
    let n = hi - lo;
    let subject: ArrayRef = Arc::new(arrow_array::Int64Array::from(labels.subject_id[lo..hi].to_vec()));
    let mut time = TimestampMicrosecondBuilder::with_capacity(n);
    time.extend(labels.prediction_time[lo..hi].iter().copied());
    let mut b = BooleanBuilder::with_capacity(n);
    let mut i = Int64Builder::with_capacity(n);
    let mut f = Float32Builder::with_capacity(n);
    let mut c = StringBuilder::new();
    for r in lo..hi {
        b.append_option(labels.boolean_value.get(r).copied().flatten());
        i.append_option(labels.integer_value.get(r).copied().flatten());
        f.append_option(labels.float_value.get(r).copied().flatten());
        c.append_option(labels.categorical_value.get(r).and_then(|v| v.as_deref()));
    }
    RecordBatch::try_new(
        schema.clone(),
        vec![
            subject,
            Arc::new(time.finish()),
            Arc::new(b.finish()),
            Arc::new(i.finish()),
            Arc::new(f.finish()),
            Arc::new(c.finish()),
        ],
    )
    .map_err(|e| Error::parquet(path, e))
}

/// Writes labels to a Parquet file in the MEDS label schema (temporary file, then rename).
pub fn write_labels(path: &Path, labels: &Labels) -> Result<()> {
    labels.check()?;
    let schema = label_schema();
    atomic_write(path, |file| {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROWS_PER_BATCH))
            .build();
        let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| Error::parquet(path, e))?;
        let n = labels.len();
        for k in 0..n.div_ceil(ROWS_PER_BATCH) {
            let lo = k * ROWS_PER_BATCH;
            let hi = (lo + ROWS_PER_BATCH).min(n);
            w.write(&batch(&schema, labels, lo, hi, path)?).map_err(|e| Error::parquet(path, e))?;
        }
        w.close().map_err(|e| Error::parquet(path, e))?;
        Ok(())
    })
}

/// Reads a MEDS label file. Optional columns may be absent; `prediction_time` may be a timestamp of
/// any unit (converted to µs), `float_value` float32 or float64.
pub fn read_labels(path: &Path) -> Result<Labels> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()).map_err(|e| Error::parquet(path, e))?;
    let mut out = Labels::default();
    let type_err = |column: &str, found: &DataType, expected: &str| Error::ColumnType {
        path: path.to_path_buf(),
        column: column.into(),
        found: found.to_string(),
        expected: expected.into(),
    };
    for batch in reader {
        let batch = batch.map_err(|e| Error::parquet(path, e))?;
        let n = batch.num_rows();
        let start = out.len();
        let sid = batch
            .column_by_name(SUBJECT_ID)
            .ok_or_else(|| Error::MissingColumn { path: path.to_path_buf(), column: SUBJECT_ID.into() })?;
        let sid = sid.as_primitive_opt::<Int64Type>().ok_or_else(|| type_err(SUBJECT_ID, sid.data_type(), "int64"))?;
        for k in 0..n {
            if sid.is_null(k) {
                return Err(Error::NullValue { path: path.to_path_buf(), row: start + k, column: SUBJECT_ID.into() });
            }
            out.subject_id.push(sid.value(k));
        }
        match batch.column_by_name(PREDICTION_TIME) {
            None => out.prediction_time.extend(std::iter::repeat_n(None, n)),
            Some(col) => match col.data_type() {
                DataType::Null => out.prediction_time.extend(std::iter::repeat_n(None, n)),
                DataType::Timestamp(_, _) => out.prediction_time.extend(timestamps_us(col)),
                t => return Err(type_err(PREDICTION_TIME, t, "timestamp[us]")),
            },
        }
        fn fill<T>(v: &mut Vec<Option<T>>, start: usize, items: impl Iterator<Item = Option<T>>) {
            v.resize_with(start, || None);
            v.extend(items);
        }
        if let Some(col) = batch.column_by_name(BOOLEAN_VALUE).filter(|c| c.data_type() != &DataType::Null) {
            let a = col.as_boolean_opt().ok_or_else(|| type_err(BOOLEAN_VALUE, col.data_type(), "bool"))?;
            fill(&mut out.boolean_value, start, a.iter());
        }
        if let Some(col) = batch.column_by_name(INTEGER_VALUE).filter(|c| c.data_type() != &DataType::Null) {
            let a =
                col.as_primitive_opt::<Int64Type>().ok_or_else(|| type_err(INTEGER_VALUE, col.data_type(), "int64"))?;
            fill(&mut out.integer_value, start, a.iter());
        }
        if let Some(col) = batch.column_by_name(FLOAT_VALUE).filter(|c| c.data_type() != &DataType::Null) {
            if let Some(a) = col.as_primitive_opt::<Float32Type>() {
                fill(&mut out.float_value, start, a.iter());
            } else if let Some(a) = col.as_primitive_opt::<Float64Type>() {
                fill(&mut out.float_value, start, a.iter().map(|v| v.map(|v| v as f32)));
            } else {
                return Err(type_err(FLOAT_VALUE, col.data_type(), "float32"));
            }
        }
        if let Some(col) = batch.column_by_name(CATEGORICAL_VALUE).filter(|c| c.data_type() != &DataType::Null) {
            let items: Vec<Option<String>> = match col.data_type() {
                DataType::Utf8 => col.as_string::<i32>().iter().map(|v| v.map(str::to_string)).collect(),
                DataType::LargeUtf8 => col.as_string::<i64>().iter().map(|v| v.map(str::to_string)).collect(),
                t => return Err(type_err(CATEGORICAL_VALUE, t, "string")),
            };
            fill(&mut out.categorical_value, start, items.into_iter());
        }
    }
    // Columns seen in only some batches are padded to full length; an all-null column is stored empty,
    // as in a freshly built `Labels`.
    let n = out.len();
    fn normalize<T>(v: &mut Vec<Option<T>>, n: usize) {
        if v.iter().all(Option::is_none) {
            v.clear();
        } else {
            v.resize_with(n, || None);
        }
    }
    normalize(&mut out.boolean_value, n);
    normalize(&mut out.integer_value, n);
    normalize(&mut out.float_value, n);
    normalize(&mut out.categorical_value, n);
    Ok(out)
}

fn timestamps_us(col: &ArrayRef) -> Vec<Option<i64>> {
    use arrow_array::types::{TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType};
    match col.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            col.as_primitive::<TimestampSecondType>().iter().map(|v| v.map(|v| v * 1_000_000)).collect()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            col.as_primitive::<TimestampMillisecondType>().iter().map(|v| v.map(|v| v * 1000)).collect()
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            col.as_primitive::<TimestampNanosecondType>().iter().map(|v| v.map(|v| v.div_euclid(1000))).collect()
        }
        _ => col.as_primitive::<TimestampMicrosecondType>().iter().collect(),
    }
}

/// Column of predicted probabilities in MEDS-DEV's prediction schema.
pub const PREDICTED_BOOLEAN_PROBABILITY: &str = "predicted_boolean_probability";
/// Column of thresholded predictions in MEDS-DEV's prediction schema.
pub const PREDICTED_BOOLEAN_VALUE: &str = "predicted_boolean_value";

/// Writes predictions in MEDS-DEV's prediction schema: the label columns of `labels` (subject_id,
/// prediction_time, boolean_value) plus `predicted_boolean_probability` and `predicted_boolean_value`
/// (probability ≥ `threshold`).
pub fn write_predictions(path: &Path, labels: &Labels, probabilities: &[f64], threshold: f64) -> Result<()> {
    labels.check()?;
    if probabilities.len() != labels.len() {
        return Err(Error::InvalidArgument {
            name: "predictions".into(),
            message: format!("{} probabilities for {} label rows", probabilities.len(), labels.len()),
        });
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new(SUBJECT_ID, DataType::Int64, false),
        Field::new(PREDICTION_TIME, DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new(BOOLEAN_VALUE, DataType::Boolean, true),
        Field::new(PREDICTED_BOOLEAN_VALUE, DataType::Boolean, false),
        Field::new(PREDICTED_BOOLEAN_PROBABILITY, DataType::Float64, false),
    ]));
    let n = labels.len();
    let mut time = TimestampMicrosecondBuilder::with_capacity(n);
    time.extend(labels.prediction_time.iter().copied());
    let mut truth = BooleanBuilder::with_capacity(n);
    for r in 0..n {
        truth.append_option(labels.boolean_value.get(r).copied().flatten());
    }
    let predicted = arrow_array::BooleanArray::from(probabilities.iter().map(|&p| p >= threshold).collect::<Vec<_>>());
    let columns: Vec<ArrayRef> = vec![
        Arc::new(arrow_array::Int64Array::from(labels.subject_id.clone())),
        Arc::new(time.finish()),
        Arc::new(truth.finish()),
        Arc::new(predicted),
        Arc::new(arrow_array::Float64Array::from(probabilities.to_vec())),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::parquet(path, e))?;
    atomic_write(path, |file| {
        let mut w = ArrowWriter::try_new(file, schema, None).map_err(|e| Error::parquet(path, e))?;
        w.write(&batch).map_err(|e| Error::parquet(path, e))?;
        w.close().map_err(|e| Error::parquet(path, e))?;
        Ok(())
    })
}

/// Reads a prediction file in MEDS-DEV's prediction schema: the label columns (as [`read_labels`]) and
/// `predicted_boolean_probability` (float32 or float64, no nulls, each in [0, 1]).
pub fn read_predictions(path: &Path) -> Result<(Labels, Vec<f64>)> {
    let labels = read_labels(path)?;
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()).map_err(|e| Error::parquet(path, e))?;
    let mut probs: Vec<f64> = Vec::with_capacity(labels.len());
    for batch in reader {
        let batch = batch.map_err(|e| Error::parquet(path, e))?;
        let col = batch.column_by_name(PREDICTED_BOOLEAN_PROBABILITY).ok_or_else(|| Error::MissingColumn {
            path: path.to_path_buf(),
            column: PREDICTED_BOOLEAN_PROBABILITY.into(),
        })?;
        let values: Vec<Option<f64>> = if let Some(a) = col.as_primitive_opt::<Float64Type>() {
            a.iter().collect()
        } else if let Some(a) = col.as_primitive_opt::<Float32Type>() {
            a.iter().map(|v| v.map(f64::from)).collect()
        } else {
            return Err(Error::ColumnType {
                path: path.to_path_buf(),
                column: PREDICTED_BOOLEAN_PROBABILITY.into(),
                found: col.data_type().to_string(),
                expected: "float64".into(),
            });
        };
        for v in values {
            let row = probs.len();
            match v {
                None => {
                    return Err(Error::NullValue {
                        path: path.to_path_buf(),
                        row,
                        column: PREDICTED_BOOLEAN_PROBABILITY.into(),
                    })
                }
                Some(p) if !(0.0..=1.0).contains(&p) => {
                    return Err(Error::InvalidArgument {
                        name: PREDICTED_BOOLEAN_PROBABILITY.into(),
                        message: format!("{}: row {row}: {p} is not a probability in [0, 1]", path.display()),
                    })
                }
                Some(p) => probs.push(p),
            }
        }
    }
    Ok((labels, probs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_nulls_and_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.parquet");
        let labels = Labels {
            subject_id: vec![1, 1, 2],
            prediction_time: vec![Some(10), None, Some(-5)],
            boolean_value: vec![Some(true), None, Some(false)],
            ..Labels::default()
        };
        write_labels(&path, &labels).unwrap();
        assert_eq!(read_labels(&path).unwrap(), labels);
        write_labels(&path, &Labels::default()).unwrap();
        assert!(read_labels(&path).unwrap().is_empty());
    }

    #[test]
    fn predictions_round_trip_and_bad_probabilities_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        let labels = Labels {
            subject_id: vec![1, 2],
            prediction_time: vec![Some(10), Some(20)],
            boolean_value: vec![Some(true), Some(false)],
            ..Labels::default()
        };
        write_predictions(&path, &labels, &[0.75, 0.25], 0.5).unwrap();
        let (l, p) = read_predictions(&path).unwrap();
        assert_eq!((l, p), (labels.clone(), vec![0.75, 0.25]));
        write_predictions(&path, &labels, &[0.75, 1.5], 0.5).unwrap();
        let e = read_predictions(&path).unwrap_err().to_string();
        assert!(e.ends_with("row 1: 1.5 is not a probability in [0, 1]"), "{e}");
        write_labels(&path, &labels).unwrap();
        let e = read_predictions(&path).unwrap_err().to_string();
        assert!(e.contains("predicted_boolean_probability"), "{e}");
    }
}
