//! Reading tables from CSV, TSV (optionally gzip-compressed) and Parquet files.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::{Column, Design, Error, Frame, Numbers, Result};

/// pandas' default NA strings (`pandas.read_csv(na_values=None)`): a cell equal to one of these is
/// missing.
const NA_STRINGS: &[&str] = &[
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
    "NULL", "NaN", "None", "n/a", "nan", "null",
];

fn is_na(cell: &str) -> bool {
    NA_STRINGS.contains(&cell)
}

fn parse_number(cell: &str) -> Option<f64> {
    let t = cell.trim();
    // Rust's parser accepts "inf"/"infinity" like pandas does; "NaN" never reaches here (it is NA).
    t.parse::<f64>().ok()
}

enum Format {
    Delimited { delimiter: u8, gzip: bool },
    Parquet,
}

fn format_of(path: &Path) -> Result<Format> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let f = if name.ends_with(".csv") {
        Format::Delimited { delimiter: b',', gzip: false }
    } else if name.ends_with(".csv.gz") {
        Format::Delimited { delimiter: b',', gzip: true }
    } else if name.ends_with(".tsv") || name.ends_with(".tab") {
        Format::Delimited { delimiter: b'\t', gzip: false }
    } else if name.ends_with(".tsv.gz") {
        Format::Delimited { delimiter: b'\t', gzip: true }
    } else if name.ends_with(".parquet") {
        Format::Parquet
    } else {
        return Err(Error::UnsupportedFormat { path: path.display().to_string() });
    };
    Ok(f)
}

impl Frame {
    /// Reads a table, choosing the format by extension: `.csv`, `.csv.gz`, `.tsv`, `.tsv.gz` or
    /// `.parquet`.
    pub fn read(path: &Path) -> Result<Frame> {
        let shown = path.display().to_string();
        let io = |source| Error::Io { path: shown.clone(), source };
        match format_of(path)? {
            Format::Parquet => read_parquet(path, None),
            Format::Delimited { delimiter, gzip } => {
                let file = File::open(path).map_err(io)?;
                if gzip {
                    Frame::from_csv_reader(flate2::read::MultiGzDecoder::new(file), delimiter, &shown)
                } else {
                    Frame::from_csv_reader(file, delimiter, &shown)
                }
            }
        }
    }

    /// Reads only the named columns of a table (kept in the file's order; a name may repeat), like
    /// [`Frame::read`] otherwise. A name the file lacks is [`Error::MissingColumn`], listing the
    /// file's columns. A Parquet file decodes only those columns, so a wide file costs what its used
    /// columns cost and a misspelt name is reported before any data is read; delimited text is parsed
    /// whole, then narrowed.
    ///
    /// ```
    /// use mlhc_frame::Frame;
    ///
    /// let dir = std::env::temp_dir().join("mlhc-frame-read-columns-doc");
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("t.csv");
    /// std::fs::write(&path, "week,arrest,race\n20,1,black\n").unwrap();
    /// let frame = Frame::read_columns(&path, &["arrest", "week"]).unwrap();
    /// assert_eq!(frame.names(), vec!["week", "arrest"]);
    /// let err = Frame::read_columns(&path, &["weeks"]).unwrap_err().to_string();
    /// assert_eq!(err, "no column \"weeks\" (columns: week, arrest, race)");
    /// ```
    pub fn read_columns(path: &Path, names: &[&str]) -> Result<Frame> {
        let pick = Pick { names, numeric: false };
        match format_of(path)? {
            Format::Parquet => read_parquet(path, Some(pick)),
            Format::Delimited { .. } => Frame::read(path)?.narrow(pick),
        }
    }

    /// Reads the named columns and every numeric column, like [`Frame::read_columns`]: the columns a
    /// command needs when every numeric column is a candidate covariate. A Parquet file's text
    /// (string, timestamp, date) columns outside `names` are not decoded, and columns of unsupported
    /// types outside `names` are skipped.
    pub fn read_columns_and_numeric(path: &Path, names: &[&str]) -> Result<Frame> {
        let pick = Pick { names, numeric: true };
        match format_of(path)? {
            Format::Parquet => read_parquet(path, Some(pick)),
            Format::Delimited { .. } => Frame::read(path)?.narrow(pick),
        }
    }

    /// Reads the columns `names` into a frame and the covariate columns straight into a dense
    /// row-major [`Design`]: the named `covariates` in that order, or by default every other numeric
    /// column except an unnamed (`""`) one. The covariates are decoded batch by batch into their place
    /// in the matrix, so no column copy of them is ever held: reading a tall numeric table this way
    /// takes about half the memory of [`Frame::read_columns`] followed by [`Frame::design`], whose
    /// result it equals.
    ///
    /// `None` when that shortcut does not apply: the file is not Parquet, or a covariate is missing
    /// from the file, not numeric, or has a missing or non-finite cell. Reading the frame and calling
    /// [`Frame::design`] then gives the design or the error naming the cell.
    pub fn read_with_design(
        path: &Path,
        names: &[&str],
        covariates: Option<&[&str]>,
    ) -> Result<Option<(Frame, Design)>> {
        if !matches!(format_of(path)?, Format::Parquet) {
            return Ok(None);
        }
        let frame = read_parquet(path, Some(Pick { names, numeric: false }))?;
        Ok(read_parquet_design(path, names, covariates)?.map(|design| (frame, design)))
    }

    /// The picked columns, in this frame's order; an unknown name is [`Error::MissingColumn`].
    fn narrow(self, pick: Pick<'_>) -> Result<Frame> {
        if let Some(name) = pick.names.iter().find(|n| !self.has_column(n)) {
            return Err(Error::MissingColumn { name: name.to_string(), available: self.names.join(", ") });
        }
        let kept = self
            .names
            .into_iter()
            .zip(self.columns)
            .filter(|(name, column)| {
                pick.names.contains(&name.as_str()) || (pick.numeric && matches!(column, Column::Numeric(_)))
            })
            .collect();
        Ok(Frame::from_columns(kept))
    }

    /// Reads delimited text with a header row. `source` names the input in errors.
    ///
    /// The input is held in memory once and parsed twice: first to decide each column's type, then to
    /// fill typed columns, so a text column keeps every cell exactly as written.
    pub fn from_csv_reader<R: Read>(mut reader: R, delimiter: u8, source: &str) -> Result<Frame> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(|e| Error::Io { path: source.to_string(), source: e })?;
        let csv_error = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line());
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("expected {expected_len} fields, found {len}")
                }
                csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
                _ => e.to_string(),
            };
            Error::Csv { path: source.to_string(), line, message }
        };
        // The header is read as an ordinary record so that R's `write.csv` layout (a header one field
        // shorter than the rows, which start with an unnamed row name) can be recognised, as pandas does:
        // the extra first column is kept under the name "".
        let builder = || {
            let mut b = csv::ReaderBuilder::new();
            b.delimiter(delimiter).has_headers(false).flexible(true);
            b
        };
        let mut rdr = builder().from_reader(std::io::Cursor::new(bytes.as_slice()));
        let mut record = csv::StringRecord::new();
        if !rdr.read_record(&mut record).map_err(csv_error)? {
            return Err(Error::Csv { path: source.to_string(), line: 1, message: "no header row".into() });
        }
        let mut names: Vec<String> = record.iter().map(str::to_string).collect();
        let data_start = rdr.position().clone();
        if rdr.read_record(&mut record).map_err(csv_error)? && record.len() == names.len() + 1 {
            names.insert(0, String::new());
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(Error::DuplicateColumn { path: source.to_string(), name: n.clone() });
            }
        }
        let width = names.len();
        let check_width = |record: &csv::StringRecord| -> Result<()> {
            if record.len() != width {
                return Err(Error::Csv {
                    path: source.to_string(),
                    line: record.position().map_or(0, |p| p.line()),
                    message: format!("expected {width} fields, found {}", record.len()),
                });
            }
            Ok(())
        };
        // Pass 1: a column is numeric while every non-missing cell parses as a number.
        let mut numeric = vec![true; width];
        let mut n_rows = 0usize;
        rdr.seek(data_start.clone()).map_err(csv_error)?;
        while rdr.read_record(&mut record).map_err(csv_error)? {
            check_width(&record)?;
            for (j, cell) in record.iter().enumerate() {
                if numeric[j] && !is_na(cell) && parse_number(cell).is_none() {
                    numeric[j] = false;
                }
            }
            n_rows += 1;
        }
        // Pass 2: fill typed columns.
        let mut columns: Vec<Column> = numeric
            .iter()
            .map(|&num| {
                if num {
                    Column::Numeric(Numbers::with_capacity(n_rows))
                } else {
                    Column::Text(Vec::with_capacity(n_rows))
                }
            })
            .collect();
        rdr.seek(data_start).map_err(csv_error)?;
        while rdr.read_record(&mut record).map_err(csv_error)? {
            for (cell, col) in record.iter().zip(columns.iter_mut()) {
                let na = is_na(cell);
                match col {
                    Column::Numeric(v) => v.push(if na { None } else { parse_number(cell) }),
                    Column::Text(v) => v.push(if na { None } else { Some(cell.to_string()) }),
                }
            }
        }
        Ok(Frame::from_columns(names.into_iter().zip(columns).collect()))
    }
}

/// Rows decoded per batch: large batches keep the per-batch overhead small on tall tables.
const PARQUET_BATCH_ROWS: usize = 65_536;

/// Reads a Parquet file, decoding its columns in parallel (each from its own file handle, sharing the
/// footer metadata read once) straight into the frame's column vectors.
/// Which columns a read keeps: the named ones, and with `numeric` every numeric one too.
#[derive(Clone, Copy)]
struct Pick<'a> {
    names: &'a [&'a str],
    numeric: bool,
}

/// A Parquet file's footer, read once, shared by readers of single columns (each with its own file
/// handle, so columns decode in parallel).
struct ParquetFile<'a> {
    path: &'a Path,
    shown: String,
    metadata: ArrowReaderMetadata,
    n_rows: usize,
}

impl<'a> ParquetFile<'a> {
    fn open(path: &'a Path) -> Result<Self> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| Error::Io { path: shown.clone(), source })?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
            .map_err(|e| Error::Parquet { path: shown.clone(), message: e.to_string() })?;
        let n_rows = usize::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0);
        Ok(Self { path, shown, metadata, n_rows })
    }

    /// An error about this file.
    fn error(&self, e: &dyn std::fmt::Display) -> Error {
        Error::Parquet { path: self.shown.clone(), message: e.to_string() }
    }

    /// A reader of column `i` alone, `batch_rows` rows at a time.
    fn column(&self, i: usize, batch_rows: usize) -> Result<ParquetRecordBatchReader> {
        let file = File::open(self.path).map_err(|source| Error::Io { path: self.shown.clone(), source })?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone());
        let mask = ProjectionMask::roots(builder.parquet_schema(), [i]);
        builder.with_projection(mask).with_batch_size(batch_rows).build().map_err(|e| self.error(&e))
    }
}

fn read_parquet(path: &Path, only: Option<Pick<'_>>) -> Result<Frame> {
    let file = ParquetFile::open(path)?;
    let perr = |e: &dyn std::fmt::Display| file.error(e);
    let shown = &file.shown;
    let schema = file.metadata.schema().clone();
    let n_rows = file.n_rows;
    let all: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut seen = std::collections::HashSet::with_capacity(all.len());
    if let Some(name) = all.iter().find(|n| !seen.insert(**n)) {
        return Err(Error::DuplicateColumn { path: shown.clone(), name: name.to_string() });
    }
    if let Some(name) = only.into_iter().flat_map(|p| p.names).find(|n| !seen.contains(*n)) {
        return Err(Error::MissingColumn { name: name.to_string(), available: all.join(", ") });
    }
    // The selected columns (all by default), in file order.
    let mut selected: Vec<usize> = Vec::with_capacity(all.len());
    let mut names: Vec<String> = Vec::with_capacity(all.len());
    for (i, field) in schema.fields().iter().enumerate() {
        let t = field.data_type();
        if only.is_some_and(|p| !(p.names.contains(&field.name().as_str()) || (p.numeric && is_numeric_type(t)))) {
            continue;
        }
        if !is_numeric_type(t) && !is_text_type(t) {
            return Err(perr(&format!("column {:?} has unsupported type {t}", field.name())));
        }
        selected.push(i);
        names.push(field.name().clone());
    }
    let columns = selected
        .into_par_iter()
        .map(|i| {
            let reader = file.column(i, PARQUET_BATCH_ROWS)?;
            let mut col = if is_numeric_type(schema.field(i).data_type()) {
                Column::Numeric(Numbers::with_capacity(n_rows))
            } else {
                Column::Text(Vec::with_capacity(n_rows))
            };
            for batch in reader {
                let batch = batch.map_err(|e| perr(&e))?;
                let array = batch.column(0);
                match &mut col {
                    Column::Numeric(v) => push_numeric(v, array),
                    Column::Text(v) => push_text(v, array),
                }
            }
            Ok(col)
        })
        .collect::<Result<Vec<Column>>>()?;
    if let Some((name, col)) = names.iter().zip(&columns).find(|(_, c)| c.len() != n_rows) {
        return Err(perr(&format!("column {name:?} has {} rows, the file {n_rows}", col.len())));
    }
    Ok(Frame::from_columns(names.into_iter().zip(columns).collect()))
}

/// Rows per batch decoded into the dense design: a batch of every covariate stays in the cache while
/// it is transposed into rows.
const DESIGN_BATCH_ROWS: usize = 8192;

/// [`Frame::read_with_design`]'s matrix: every covariate column read by its own reader, the readers
/// advanced together (in parallel) one batch at a time and each batch transposed into its rows.
fn read_parquet_design(path: &Path, names: &[&str], covariates: Option<&[&str]>) -> Result<Option<Design>> {
    let file = ParquetFile::open(path)?;
    let perr = |e: &dyn std::fmt::Display| file.error(e);
    let schema = file.metadata.schema().clone();
    let n_rows = file.n_rows;
    let numeric = |i: usize| is_numeric_type(schema.field(i).data_type());
    let fields: Vec<usize> = match covariates {
        Some(list) => {
            let mut fields = Vec::with_capacity(list.len());
            for name in list {
                match schema.fields().iter().position(|f| f.name() == name) {
                    Some(i) if numeric(i) => fields.push(i),
                    _ => return Ok(None),
                }
            }
            fields
        }
        None => (0..schema.fields().len())
            .filter(|&i| {
                let name = schema.field(i).name().as_str();
                numeric(i) && !name.is_empty() && !names.contains(&name)
            })
            .collect(),
    };
    let p = fields.len();
    let mut readers = fields.iter().map(|&i| file.column(i, DESIGN_BATCH_ROWS)).collect::<Result<Vec<_>>>()?;
    let mut values = vec![0.0; n_rows * p];
    let mut done = 0;
    while p > 0 && done < n_rows {
        let batch = readers
            .par_iter_mut()
            .map(|reader| match reader.next() {
                Some(Ok(batch)) => Ok(Some(batch.column(0).clone())),
                Some(Err(e)) => Err(perr(&e)),
                None => Ok(None),
            })
            .collect::<Result<Vec<Option<ArrayRef>>>>()?;
        let Some(arrays) = batch.into_iter().collect::<Option<Vec<ArrayRef>>>() else {
            return Err(perr(&format!("covariate columns end before the file's {n_rows} rows")));
        };
        let Some(columns) = arrays.par_iter().map(finite_values).collect::<Option<Vec<_>>>() else {
            return Ok(None);
        };
        let rows = columns[0].len();
        if rows == 0 || rows > n_rows - done || columns.iter().any(|c| c.len() != rows) {
            return Err(perr(&format!("covariate columns disagree on their rows near row {done}")));
        }
        values[done * p..(done + rows) * p].par_chunks_mut(1024 * p).enumerate().for_each(|(c, block)| {
            for (j, column) in columns.iter().enumerate() {
                for (row, v) in block.chunks_exact_mut(p).zip(&column[c * 1024..]) {
                    row[j] = *v;
                }
            }
        });
        done += rows;
    }
    let names = fields.iter().map(|&i| schema.field(i).name().clone()).collect();
    Ok(Some(Design { names, n_rows, n_cols: p, values }))
}

/// A numeric array's values as numbers, or `None` when one is missing or not finite.
fn finite_values(a: &ArrayRef) -> Option<std::borrow::Cow<'_, [f64]>> {
    if a.null_count() > 0 {
        return None;
    }
    let values = match a.as_primitive_opt::<Float64Type>() {
        Some(f) => std::borrow::Cow::Borrowed(f.values().as_ref()),
        None => {
            let mut numbers = Numbers::with_capacity(a.len());
            push_numeric(&mut numbers, a);
            std::borrow::Cow::Owned(numbers.values().to_vec())
        }
    };
    values.iter().all(|v| v.is_finite()).then_some(values)
}

fn is_numeric_type(t: &DataType) -> bool {
    use DataType::*;
    matches!(t, Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float16 | Float32 | Float64 | Boolean)
}

/// Text columns: strings, and timestamps and dates, which are kept as ISO-8601 text so that they are
/// never mistaken for numeric covariates (MEDS label files carry a `prediction_time` timestamp).
fn is_text_type(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => true,
        DataType::Dictionary(_, v) => matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
        _ => false,
    }
}

/// Appends a batch of a numeric column. A batch without nulls converts its values straight into the
/// column's number store, with no per-cell validity work; validity flags appear only with a null.
fn push_numeric(out: &mut Numbers, a: &ArrayRef) {
    macro_rules! convert {
        ($a:expr, $f:expr) => {{
            let a = $a;
            if a.null_count() == 0 {
                out.extend_present(a.values().iter().map($f))
            } else {
                out.extend(a.iter().map(|x| x.map(|x| $f(&x))))
            }
        }};
    }
    macro_rules! prim {
        ($t:ty) => {
            convert!(a.as_primitive::<$t>(), |&x| x as f64)
        };
    }
    match a.data_type() {
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float16 => convert!(a.as_primitive::<Float16Type>(), |&x| f64::from(x)),
        DataType::Float32 => convert!(a.as_primitive::<Float32Type>(), |&x| f64::from(x)),
        DataType::Float64 => prim!(Float64Type),
        DataType::Boolean => {
            let a = a.as_boolean();
            let one = |b: bool| if b { 1.0 } else { 0.0 };
            if a.null_count() == 0 {
                out.extend_present(a.values().iter().map(one))
            } else {
                out.extend(a.iter().map(|x| x.map(one)))
            }
        }
        // The schema check admits only the types above; a batch cannot change its schema.
        other => unreachable!("numeric column of type {other}"),
    }
}

fn push_text(out: &mut Vec<Option<String>>, a: &ArrayRef) {
    match a.data_type() {
        DataType::Utf8 => out.extend(a.as_string::<i32>().iter().map(|s| s.map(str::to_string))),
        DataType::LargeUtf8 => out.extend(a.as_string::<i64>().iter().map(|s| s.map(str::to_string))),
        DataType::Utf8View => out.extend(a.as_string_view().iter().map(|s| s.map(str::to_string))),
        DataType::Timestamp(unit, _) => {
            use arrow_array::types::{
                TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
            };
            use arrow_schema::TimeUnit;
            let us: Vec<Option<i64>> = match unit {
                TimeUnit::Second => a
                    .as_primitive::<TimestampSecondType>()
                    .iter()
                    .map(|v| v.map(|v| v.saturating_mul(1_000_000)))
                    .collect(),
                TimeUnit::Millisecond => a
                    .as_primitive::<TimestampMillisecondType>()
                    .iter()
                    .map(|v| v.map(|v| v.saturating_mul(1000)))
                    .collect(),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().iter().collect(),
                TimeUnit::Nanosecond => {
                    a.as_primitive::<TimestampNanosecondType>().iter().map(|v| v.map(|v| v.div_euclid(1000))).collect()
                }
            };
            out.extend(us.into_iter().map(|v| v.map(|v| mlhc_core::Timestamp(v).to_string())));
        }
        DataType::Date32 => out.extend(
            a.as_primitive::<arrow_array::types::Date32Type>()
                .iter()
                .map(|d| d.map(|d| mlhc_core::Timestamp(i64::from(d) * 86_400_000_000).to_string())),
        ),
        DataType::Date64 => out.extend(
            a.as_primitive::<arrow_array::types::Date64Type>()
                .iter()
                .map(|d| d.map(|d| mlhc_core::Timestamp(d.saturating_mul(1000)).to_string())),
        ),
        DataType::Dictionary(_, _) => {
            let dict = a.as_any_dictionary();
            let mut values = Vec::new();
            push_text(&mut values, dict.values());
            let keys = dict.normalized_keys();
            for (i, k) in keys.iter().enumerate() {
                out.push(if a.is_null(i) { None } else { values.get(*k).cloned().flatten() });
            }
        }
        other => unreachable!("text column of type {other}"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{BooleanArray, DictionaryArray, Float32Array, Int64Array, RecordBatch, StringArray};

    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    /// Writes `batch` to the Parquet file `path`.
    fn write_parquet(path: &Path, batch: RecordBatch) -> TestResult {
        let mut w = parquet::arrow::ArrowWriter::try_new(File::create(path)?, batch.schema(), None)?;
        w.write(&batch)?;
        w.close()?;
        Ok(())
    }

    #[test]
    fn csv_types_and_na_strings() {
        let f = Frame::from_csv_reader(
            "\"\",x,y,z\n\"1\",1e3,NA,a\n\"2\",-inf,None,\n\"3\",2,n/a,c\n".as_bytes(),
            b',',
            "t.csv",
        )
        .unwrap();
        assert_eq!(f.names(), vec!["", "x", "y", "z"]);
        assert_eq!(f.numeric("").unwrap(), &Numbers::from(vec![Some(1.0), Some(2.0), Some(3.0)]));
        assert_eq!(f.numeric("x").unwrap(), &Numbers::from(vec![Some(1000.0), Some(f64::NEG_INFINITY), Some(2.0)]));
        // An all-missing column is numeric with no values.
        assert_eq!(f.numeric("y").unwrap(), &Numbers::from(vec![None, None, None]));
        assert_eq!(f.column("z").unwrap(), &Column::Text(vec![Some("a".into()), None, Some("c".into())]));
    }

    #[test]
    fn r_row_names_become_an_unnamed_first_column() {
        // R's write.csv (and SUPPORT2 as distributed): the header lacks the row-name column.
        let f = Frame::from_csv_reader("age,sex\n1, 62.8,male\n2,60.3,female\n".as_bytes(), b',', "s.csv").unwrap();
        assert_eq!(f.names(), vec!["", "age", "sex"]);
        assert_eq!(f.numeric("age").unwrap(), &Numbers::from(vec![Some(62.8), Some(60.3)]));
        assert_eq!(f.numeric("").unwrap(), &Numbers::from(vec![Some(1.0), Some(2.0)]));
    }

    #[test]
    fn csv_errors_name_file_and_line() {
        let e = Frame::from_csv_reader("a,b\n1,2\n3\n".as_bytes(), b',', "bad.csv").unwrap_err();
        assert_eq!(e.to_string(), "bad.csv, line 3: expected 2 fields, found 1");
        let e = Frame::from_csv_reader("a,a\n1,2\n".as_bytes(), b',', "dup.csv").unwrap_err();
        assert_eq!(e.to_string(), "dup.csv: duplicate column name \"a\"");
        let e = Frame::read(Path::new("x.xlsx")).unwrap_err();
        assert!(e.to_string().starts_with("x.xlsx: unsupported table format"), "{e}");
    }

    #[test]
    fn gzip_tsv_and_parquet_files() -> TestResult {
        let dir = tempfile::tempdir()?;
        let gz = dir.path().join("t.tsv.gz");
        {
            use std::io::Write;
            let mut w = flate2::write::GzEncoder::new(File::create(&gz)?, flate2::Compression::fast());
            w.write_all(b"t\tg\n1.5\tb\n2\ta\n")?;
            w.finish()?;
        }
        let f = Frame::read(&gz)?;
        assert_eq!(f.numeric("t")?, &Numbers::from(vec![Some(1.5), Some(2.0)]));

        let pq = dir.path().join("t.parquet");
        let dict: DictionaryArray<Int32Type> = vec![Some("u"), None, Some("v")].into_iter().collect();
        let batch = RecordBatch::try_from_iter(vec![
            ("i", Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef),
            ("f", Arc::new(Float32Array::from(vec![0.5, 1.5, 2.5])) as ArrayRef),
            ("b", Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec![Some("x"), Some("y"), None])) as ArrayRef),
            ("d", Arc::new(dict) as ArrayRef),
            (
                "t",
                Arc::new(arrow_array::TimestampMicrosecondArray::from(vec![Some(0), None, Some(86_400_000_000)]))
                    as ArrayRef,
            ),
        ])?;
        write_parquet(&pq, batch)?;
        let f = Frame::read(&pq)?;
        assert_eq!(f.numeric("i")?, &Numbers::from(vec![Some(1.0), None, Some(3.0)]));
        assert_eq!(f.numeric("f")?, &Numbers::from(vec![Some(0.5), Some(1.5), Some(2.5)]));
        assert_eq!(f.boolean("b")?, vec![Some(true), Some(false), Some(true)]);
        assert_eq!(f.column("s")?, &Column::Text(vec![Some("x".into()), Some("y".into()), None]));
        assert_eq!(f.column("d")?, &Column::Text(vec![Some("u".into()), None, Some("v".into())]));
        // Timestamps are text, never numeric covariates.
        let t = f.column("t")?;
        assert_eq!(
            t,
            &Column::Text(vec![
                Some(mlhc_core::Timestamp(0).to_string()),
                None,
                Some(mlhc_core::Timestamp(86_400_000_000).to_string())
            ])
        );
        assert!(f.numeric("t").is_err());

        // Only the named columns, in file order; a misspelt name lists the file's columns.
        let g = Frame::read_columns(&pq, &["s", "i", "s"])?;
        assert_eq!(g.names(), vec!["i", "s"]);
        assert_eq!(g.column("s")?, f.column("s")?);
        assert_eq!(g.numeric("i")?, f.numeric("i")?);
        assert_eq!(
            Frame::read_columns(&pq, &["i", "x"]).unwrap_err().to_string(),
            "no column \"x\" (columns: i, f, b, s, d, t)"
        );
        let g = Frame::read_columns(&gz, &["g"])?;
        assert_eq!(g.names(), vec!["g"]);
        assert!(Frame::read_columns(&gz, &["x"]).is_err());
        Ok(())
    }

    #[test]
    fn named_and_numeric_columns_and_undecoded_others() -> TestResult {
        let dir = tempfile::tempdir()?;
        let pq = dir.path().join("t.parquet");
        let list = arrow_array::ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)]), None]);
        let batch = RecordBatch::try_from_iter(vec![
            ("note", Arc::new(StringArray::from(vec![Some("a"), None])) as ArrayRef),
            ("x", Arc::new(Float32Array::from(vec![0.5, 1.5])) as ArrayRef),
            ("site", Arc::new(StringArray::from(vec![Some("u"), Some("v")])) as ArrayRef),
            ("nested", Arc::new(list) as ArrayRef),
            ("n", Arc::new(Int64Array::from(vec![Some(3), None])) as ArrayRef),
        ])?;
        write_parquet(&pq, batch)?;
        // Columns outside the selection are not decoded: an unsupported type there is no error.
        assert!(Frame::read(&pq).unwrap_err().to_string().contains("column \"nested\" has unsupported type"));
        let x = Frame::read_columns(&pq, &["x"])?;
        assert_eq!(x.numeric("x")?, &Numbers::from(vec![Some(0.5), Some(1.5)]));
        assert!(Frame::read_columns(&pq, &["nested"]).is_err());
        let f = Frame::read_columns_and_numeric(&pq, &["site"])?;
        assert_eq!(f.names(), vec!["x", "site", "n"]);
        assert_eq!(f.numeric("n")?, &Numbers::from(vec![Some(3.0), None]));
        assert_eq!(Frame::read_columns_and_numeric(&pq, &[])?.names(), vec!["x", "n"]);
        assert!(Frame::read_columns_and_numeric(&pq, &["nope"])
            .unwrap_err()
            .to_string()
            .contains("no column \"nope\""));

        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "note,x,site,n\na,0.5,u,3\n,1.5,v,NA\n")?;
        let g = Frame::read_columns_and_numeric(&csv, &["site"])?;
        assert_eq!(g.names(), vec!["x", "site", "n"]);
        assert_eq!(g.numeric("n")?, f.numeric("n")?);
        Ok(())
    }

    #[test]
    fn parquet_batches_fill_numbers_with_validity_only_after_a_null() -> TestResult {
        let mut out = Numbers::with_capacity(8);
        push_numeric(&mut out, &(Arc::new(Float32Array::from(vec![0.5, 1.5])) as ArrayRef));
        push_numeric(&mut out, &(Arc::new(BooleanArray::from(vec![true, false])) as ArrayRef));
        assert!(out.all_valid(), "no null yet: no validity flags");
        push_numeric(&mut out, &(Arc::new(Int64Array::from(vec![Some(7), None, Some(9)])) as ArrayRef));
        push_numeric(&mut out, &(Arc::new(BooleanArray::from(vec![Some(true), None])) as ArrayRef));
        push_numeric(&mut out, &(Arc::new(Float32Array::from(vec![2.5])) as ArrayRef));
        let expected =
            vec![Some(0.5), Some(1.5), Some(1.0), Some(0.0), Some(7.0), None, Some(9.0), Some(1.0), None, Some(2.5)];
        assert_eq!(out, Numbers::from(expected));
        assert_eq!(out.null_count(), 2);
        Ok(())
    }

    #[test]
    fn parquet_null_only_in_a_later_batch() -> TestResult {
        // More rows than one decoded batch, so the only null of "late" arrives in the second batch.
        let n = PARQUET_BATCH_ROWS + 10;
        let late: Vec<Option<i64>> = (0..n).map(|i| (i != n - 3).then_some(i as i64)).collect();
        let mid: Vec<Option<f64>> = (0..n).map(|i| (i % 1000 != 500).then_some(i as f64 / 2.0)).collect();
        let full: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let batch = RecordBatch::try_from_iter(vec![
            ("late", Arc::new(Int64Array::from(late.clone())) as ArrayRef),
            ("mid", Arc::new(arrow_array::Float64Array::from(mid.clone())) as ArrayRef),
            ("full", Arc::new(arrow_array::Float64Array::from(full.clone())) as ArrayRef),
        ])?;
        let dir = tempfile::tempdir()?;
        let pq = dir.path().join("late.parquet");
        write_parquet(&pq, batch)?;
        let f = Frame::read(&pq)?;
        let late_col = f.numeric("late")?;
        assert_eq!(late_col, &late.iter().map(|x| x.map(|x| x as f64)).collect::<Numbers>());
        assert_eq!((late_col.null_count(), late_col.get(n - 3), late_col.get(n - 1)), (1, None, Some((n - 1) as f64)));
        assert_eq!(f.numeric("mid")?, &Numbers::from(mid));
        assert_eq!(f.numeric("mid")?.null_count(), n.div_ceil(1000));
        assert_eq!(f.numeric("full")?.as_complete(), Some(&full[..]));
        assert_eq!(f.complete_rows(&["late", "full"])?.len(), n - 1);
        let e = f.design(&["full", "late"]).unwrap_err().to_string();
        assert_eq!(e, format!("column \"late\", row {}: missing value", n - 3));
        Ok(())
    }

    #[test]
    fn parquet_covariates_decode_straight_into_the_design() -> TestResult {
        // Several design batches with a short last one, and every numeric type the design converts.
        let n = 2 * DESIGN_BATCH_ROWS + 1500;
        let column = |f: fn(usize) -> f64| -> Vec<f64> { (0..n).map(f).collect() };
        let (age, dose) = (column(|i| 20.0 + (i % 70) as f64), column(|i| (i * 37 % 101) as f64 / 4.0));
        let count: Vec<i32> = (0..n).map(|i| (i % 9) as i32 - 4).collect();
        let flag: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
        let mut gap: Vec<Option<f64>> = dose.iter().copied().map(Some).collect();
        gap[n - 2] = None;
        let mut wild = dose.clone();
        wild[DESIGN_BATCH_ROWS + 3] = f64::INFINITY;
        let batch = RecordBatch::try_from_iter(vec![
            ("", Arc::new(Int64Array::from((0..n as i64).collect::<Vec<_>>())) as ArrayRef),
            ("t", Arc::new(arrow_array::Float64Array::from(age.clone())) as ArrayRef),
            ("age", Arc::new(arrow_array::Float64Array::from(age.clone())) as ArrayRef),
            ("site", Arc::new(StringArray::from(vec!["a"; n])) as ArrayRef),
            ("count", Arc::new(arrow_array::Int32Array::from(count)) as ArrayRef),
            ("flag", Arc::new(arrow_array::BooleanArray::from(flag)) as ArrayRef),
            ("dose", Arc::new(arrow_array::Float64Array::from(dose)) as ArrayRef),
            ("gap", Arc::new(arrow_array::Float64Array::from(gap)) as ArrayRef),
            ("wild", Arc::new(arrow_array::Float64Array::from(wild)) as ArrayRef),
        ])?;
        let dir = tempfile::tempdir()?;
        let pq = dir.path().join("design.parquet");
        // The same rows in row groups of 5,000, which end batches early.
        let grouped = dir.path().join("grouped.parquet");
        let props =
            parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(5000)).build();
        let mut w = parquet::arrow::ArrowWriter::try_new(File::create(&grouped)?, batch.schema(), Some(props))?;
        w.write(&batch)?;
        w.close()?;
        write_parquet(&pq, batch)?;
        let whole = Frame::read(&pq)?;
        let named = ["dose", "flag", "count", "age"];
        let footer = ArrowReaderMetadata::load(&File::open(&grouped)?, ArrowReaderOptions::default())?;
        assert_eq!(footer.metadata().num_row_groups(), n.div_ceil(5000));
        let (_, design) = Frame::read_with_design(&grouped, &["t"], Some(&named))?.ok_or("the design was not read")?;
        assert_eq!(design, whole.design(&named)?);
        let (frame, design) =
            Frame::read_with_design(&pq, &["t", "site"], Some(&named))?.ok_or("the design was not read")?;
        assert_eq!(frame.names(), vec!["t", "site"]);
        assert_eq!(design, whole.design(&named)?);
        // By default every other numeric column but the unnamed index, in file order; "gap" and
        // "wild" (a missing and an infinite cell) leave the design to Frame::design.
        assert!(Frame::read_with_design(&pq, &["t"], None)?.is_none());
        let (_, design) =
            Frame::read_with_design(&pq, &["t", "gap", "wild"], None)?.ok_or("the design was not read")?;
        assert_eq!(design, whole.design(&["age", "count", "flag", "dose"])?);
        for covariates in [&["age", "gap"][..], &["wild"], &["site"], &["agee"]] {
            assert!(Frame::read_with_design(&pq, &["t"], Some(covariates))?.is_none(), "{covariates:?}");
        }
        // A misspelt role column is the frame's error; delimited text has no shortcut.
        assert!(matches!(Frame::read_with_design(&pq, &["tt"], None), Err(Error::MissingColumn { .. })));
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "t,age\n1,2\n")?;
        assert!(Frame::read_with_design(&csv, &["t"], None)?.is_none());
        Ok(())
    }
}
