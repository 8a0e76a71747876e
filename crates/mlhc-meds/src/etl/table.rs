//! Reading raw tables row by row: `<name>.csv`, `<name>.csv.gz` or `<name>.parquet` under the raw folder.
//!
//! Every row arrives as a [`csv::StringRecord`] of text cells, whatever the file type, so the ETL's
//! expressions see one representation; an empty cell is null (MIMIC writes nulls as empty fields, and
//! Parquet nulls are written as empty cells here). Rows stream: memory does not grow with the file.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use csv::StringRecord;
use mlhc_core::Timestamp;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::{Error, Result};

/// The file formats a raw table may have, tried in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated text with a header row.
    Csv,
    /// Gzip-compressed CSV.
    CsvGz,
    /// Apache Parquet.
    Parquet,
}

impl TableFormat {
    const ALL: [(TableFormat, &'static str); 3] =
        [(TableFormat::Csv, "csv"), (TableFormat::CsvGz, "csv.gz"), (TableFormat::Parquet, "parquet")];
}

/// Finds the file of table `name` (a path relative to `raw_dir` without extension, such as
/// `hosp/labevents`), or `None` when there is none.
pub fn find_table(raw_dir: &Path, name: &str) -> Option<(PathBuf, TableFormat)> {
    TableFormat::ALL.iter().find_map(|(fmt, ext)| {
        let p = raw_dir.join(format!("{name}.{ext}"));
        p.is_file().then_some((p, *fmt))
    })
}

enum Inner {
    Csv(csv::Reader<Box<dyn Read + Send>>),
    Parquet { reader: ParquetRecordBatchReader, batch: Option<RecordBatch>, next: usize },
}

/// A raw table opened for reading, row by row.
pub struct TableReader {
    path: PathBuf,
    headers: Vec<String>,
    inner: Inner,
    rows: usize,
}

impl std::fmt::Debug for TableReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableReader").field("path", &self.path).field("rows", &self.rows).finish()
    }
}

impl TableReader {
    /// Opens `path` as a table of format `format` and reads its header.
    pub fn open(path: &Path, format: TableFormat) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let inner = match format {
            TableFormat::Csv | TableFormat::CsvGz => {
                let raw: Box<dyn Read + Send> = if format == TableFormat::CsvGz {
                    Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file)))
                } else {
                    Box::new(file)
                };
                let reader = csv::ReaderBuilder::new().has_headers(true).buffer_capacity(1 << 18).from_reader(raw);
                Inner::Csv(reader)
            }
            TableFormat::Parquet => {
                let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| Error::parquet(path, e))?
                    .with_batch_size(8192);
                let reader = builder.build().map_err(|e| Error::parquet(path, e))?;
                Inner::Parquet { reader, batch: None, next: 0 }
            }
        };
        let mut t = Self { path: path.to_path_buf(), headers: Vec::new(), inner, rows: 0 };
        t.headers = match &mut t.inner {
            Inner::Csv(r) => {
                let h = r.headers().map_err(|e| csv_error(path, 0, e))?;
                h.iter().map(str::to_string).collect()
            }
            Inner::Parquet { reader, .. } => {
                let schema = arrow_array::RecordBatchReader::schema(reader);
                for f in schema.fields() {
                    check_type(path, f.name(), f.data_type())?;
                }
                schema.fields().iter().map(|f| f.name().clone()).collect()
            }
        };
        Ok(t)
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The number of data rows read so far (the one-based number of the last row returned).
    pub fn rows_read(&self) -> usize {
        self.rows
    }

    /// Reads the next row into `record`; `Ok(false)` at the end of the table. A row with the wrong
    /// number of fields, invalid UTF-8 or a truncated or corrupt file is an error naming the row.
    pub fn read_row(&mut self, record: &mut StringRecord) -> Result<bool> {
        let row = self.rows + 1;
        let more = match &mut self.inner {
            Inner::Csv(r) => r.read_record(record).map_err(|e| csv_error(&self.path, row, e))?,
            Inner::Parquet { reader, batch, next } => loop {
                if let Some(b) = batch.as_ref() {
                    if *next < b.num_rows() {
                        record.clear();
                        for col in b.columns() {
                            push_cell(record, col.as_ref(), *next);
                        }
                        *next += 1;
                        break true;
                    }
                }
                match reader.next() {
                    None => break false,
                    Some(Ok(b)) => {
                        *batch = Some(b);
                        *next = 0;
                    }
                    Some(Err(e)) => return Err(Error::Table { path: self.path.clone(), row, message: e.to_string() }),
                }
            },
        };
        if more {
            self.rows = row;
        }
        Ok(more)
    }
}

fn csv_error(path: &Path, row: usize, e: csv::Error) -> Error {
    let message = match e.kind() {
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            format!("file is truncated or corrupt ({io})")
        }
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidInput => {
            format!("file is corrupt ({io})")
        }
        csv::ErrorKind::Io(io) => format!("read failed: {io}"),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields, but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not valid UTF-8", err.field() + 1),
        _ => e.to_string(),
    };
    Error::Table { path: path.to_path_buf(), row, message }
}

fn check_type(path: &Path, column: &str, t: &DataType) -> Result<()> {
    use DataType::*;
    match t {
        Utf8
        | LargeUtf8
        | Utf8View
        | Boolean
        | Int8
        | Int16
        | Int32
        | Int64
        | UInt8
        | UInt16
        | UInt32
        | UInt64
        | Float32
        | Float64
        | Date32
        | Timestamp(_, _)
        | Null => Ok(()),
        other => Err(Error::ColumnType {
            path: path.to_path_buf(),
            column: column.to_string(),
            found: other.to_string(),
            expected: "text, integer, float, boolean, date32 or timestamp".into(),
        }),
    }
}

/// Appends the text form of `col[i]` to `record` (empty when null). Timestamps are written as
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, the form of MIMIC's CSV files, so the same config reads both.
fn push_cell(record: &mut StringRecord, col: &dyn Array, i: usize) {
    if col.is_null(i) {
        record.push_field("");
        return;
    }
    let mut buf = String::new();
    let text: &str = match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(i),
        DataType::LargeUtf8 => col.as_string::<i64>().value(i),
        DataType::Utf8View => col.as_string_view().value(i),
        DataType::Boolean => {
            if col.as_boolean().value(i) {
                "true"
            } else {
                "false"
            }
        }
        DataType::Int8 => fmt(&mut buf, col.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => fmt(&mut buf, col.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => fmt(&mut buf, col.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => fmt(&mut buf, col.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => fmt(&mut buf, col.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => fmt(&mut buf, col.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => fmt(&mut buf, col.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => fmt(&mut buf, col.as_primitive::<UInt64Type>().value(i)),
        DataType::Float32 => fmt(&mut buf, col.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => fmt(&mut buf, col.as_primitive::<Float64Type>().value(i)),
        DataType::Date32 => {
            let days = col.as_primitive::<arrow_array::types::Date32Type>().value(i);
            let (y, m, d) = Timestamp(i64::from(days) * mlhc_core::MICROS_PER_DAY).ymd();
            fmt(&mut buf, format_args!("{y:04}-{m:02}-{d:02}"))
        }
        DataType::Timestamp(unit, _) => {
            let raw = timestamp_value(col, i);
            let micros = match unit {
                TimeUnit::Second => raw.saturating_mul(1_000_000),
                TimeUnit::Millisecond => raw.saturating_mul(1_000),
                TimeUnit::Microsecond => raw,
                TimeUnit::Nanosecond => raw.div_euclid(1_000),
            };
            // Timestamp's display uses 'T'; MIMIC's text form uses a space.
            buf = Timestamp(micros).to_string().replacen('T', " ", 1);
            buf.as_str()
        }
        _ => "",
    };
    record.push_field(text);
}

fn fmt(buf: &mut String, v: impl std::fmt::Display) -> &str {
    use std::fmt::Write;
    buf.clear();
    let _ = write!(buf, "{v}");
    buf.as_str()
}

fn timestamp_value(col: &dyn Array, i: usize) -> i64 {
    use arrow_array::types::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
    };
    match col.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => col.as_primitive::<TimestampSecondType>().value(i),
        DataType::Timestamp(TimeUnit::Millisecond, _) => col.as_primitive::<TimestampMillisecondType>().value(i),
        DataType::Timestamp(TimeUnit::Microsecond, _) => col.as_primitive::<TimestampMicrosecondType>().value(i),
        _ => col.as_primitive::<TimestampNanosecondType>().value(i),
    }
}
