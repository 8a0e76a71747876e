//! Named-column tables for mlhc: the input of survival, causal and other table-driven commands.
//!
//! A [`Frame`] holds columns by name, each either numeric ([`Column::Numeric`]) or text
//! ([`Column::Text`]), with missing cells as `None` — never NaN or 0 standing in for "not measured".
//! Numeric cells are stored compactly ([`Numbers`]: the values, plus validity flags only when some cell
//! is missing).
//! [`Frame::read`] loads CSV (optionally gzip-compressed), TSV and Parquet by file extension;
//! [`Frame::design`] turns named columns into a dense design matrix, one-hot encoding text columns.
//!
//! CSV typing follows what pandas users expect: a column is numeric when every non-missing cell parses
//! as a number, and a cell is missing when it is one of pandas' default NA strings (`""`, `NA`, `NaN`,
//! `null`, `None`, `N/A`, …). A leading unnamed index column (as written by `DataFrame.to_csv`) is kept
//! under the name `""` like any other column.
//!
//! ```
//! use mlhc_frame::Frame;
//!
//! let csv = "week,arrest,race\n20,1,black\n17,0,other\n52,0,black\n";
//! let frame = Frame::from_csv_reader(csv.as_bytes(), b',', "rossi.csv").unwrap();
//! assert_eq!(frame.n_rows(), 3);
//! assert_eq!(frame.boolean("arrest").unwrap(), vec![Some(true), Some(false), Some(false)]);
//!
//! // Text columns are one-hot encoded; the first level in sorted order ("black") is the reference.
//! let design = frame.design(&["week", "race"]).unwrap();
//! assert_eq!(design.names, vec!["week", "race[T.other]"]);
//! assert_eq!(design.row(1), &[17.0, 1.0]);
//! ```

mod design;
mod numbers;
mod read;

use std::collections::HashMap;

pub use design::Design;
pub use numbers::Numbers;

/// Errors from reading or using a table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's extension names no supported format.
    #[error("{path}: unsupported table format (expected .csv, .csv.gz, .tsv, .tsv.gz or .parquet)")]
    UnsupportedFormat {
        /// The file.
        path: String,
    },
    /// A CSV/TSV record could not be parsed.
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: String,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What went wrong.
        message: String,
    },
    /// A Parquet file could not be decoded.
    #[error("{path}: {message}")]
    Parquet {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Two columns have the same name.
    #[error("{path}: duplicate column name {name:?}")]
    DuplicateColumn {
        /// The file.
        path: String,
        /// The repeated name.
        name: String,
    },
    /// A column name is not in the table.
    #[error("no column {name:?} (columns: {available})")]
    MissingColumn {
        /// The name asked for.
        name: String,
        /// The table's columns, comma-separated.
        available: String,
    },
    /// A numeric column was required but the column holds text.
    #[error("column {name:?} is not numeric (first non-numeric value {example:?})")]
    NotNumeric {
        /// The column.
        name: String,
        /// A value that is not a number.
        example: String,
    },
    /// A boolean column holds a value that is neither 0/1 nor true/false.
    #[error("column {name:?}, row {row}: {value:?} is not a boolean (expected 0/1 or true/false)")]
    NotBoolean {
        /// The column.
        name: String,
        /// 0-based data row.
        row: usize,
        /// The offending value.
        value: String,
    },
    /// A design-matrix column has a missing cell.
    #[error("column {column:?}, row {row}: missing value")]
    MissingValue {
        /// The column.
        column: String,
        /// 0-based data row.
        row: usize,
    },
    /// A numeric cell is NaN or infinite where a finite number is needed.
    #[error("column {column:?}, row {row}: value {value} is not finite")]
    NotFinite {
        /// The column.
        column: String,
        /// 0-based data row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// The dense design matrix would hold more than [`MAX_DESIGN_CELLS`] cells, almost always because
    /// a text column with nearly one value per row (an identifier, free text) was one-hot encoded.
    #[error(
        "the design matrix would be {rows} rows × {cols} columns, over the {} cells a dense design may hold; \
         column {widest:?} alone adds {widest_cols} columns (one-hot encoding of its text values): leave \
         identifiers and free text out of the covariates",
        MAX_DESIGN_CELLS
    )]
    DesignTooLarge {
        /// Rows of the design.
        rows: usize,
        /// Columns of the design.
        cols: usize,
        /// The column contributing the most design columns.
        widest: String,
        /// How many design columns it contributes.
        widest_cols: usize,
    },
}

/// The most cells a dense design matrix may hold (2³⁰, 8 GiB of `f64`): wider problems belong to the
/// sparse paths (MEDS tabularized features).
pub const MAX_DESIGN_CELLS: usize = 1 << 30;

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// One column of a [`Frame`]; `None` is a missing cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers (CSV cells that all parse as numbers; Parquet integers, floats and booleans as 0/1).
    Numeric(Numbers),
    /// Text (any other column; Parquet timestamps and dates as ISO-8601 text).
    Text(Vec<Option<String>>),
}

impl Column {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether cell `row` is missing.
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Column::Numeric(v) => !v.is_valid(row),
            Column::Text(v) => v[row].is_none(),
        }
    }

    fn select(&self, rows: &[usize]) -> Column {
        match self {
            Column::Numeric(v) => Column::Numeric(v.select(rows)),
            Column::Text(v) => Column::Text(rows.iter().map(|&r| v[r].clone()).collect()),
        }
    }
}

/// A table of equally long named columns, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    names: Vec<String>,
    columns: Vec<Column>,
    index: HashMap<String, usize>,
    n_rows: usize,
}

impl Frame {
    /// Builds a frame from named columns.
    ///
    /// # Panics
    /// When the columns differ in length or two names repeat (a programming error, not bad input:
    /// readers check both and return errors).
    pub fn from_columns(columns: Vec<(String, Column)>) -> Frame {
        let n_rows = columns.first().map_or(0, |(_, c)| c.len());
        let mut index = HashMap::with_capacity(columns.len());
        let mut names = Vec::with_capacity(columns.len());
        let mut cols = Vec::with_capacity(columns.len());
        for (i, (name, col)) in columns.into_iter().enumerate() {
            assert_eq!(col.len(), n_rows, "column {name:?} has {} rows, expected {n_rows}", col.len());
            assert!(index.insert(name.clone(), i).is_none(), "duplicate column {name:?}");
            names.push(name);
            cols.push(col);
        }
        Frame { names, columns: cols, index, n_rows }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Column names in file order.
    pub fn names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// Whether the frame has a column of this name.
    pub fn has_column(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The column of this name.
    pub fn column(&self, name: &str) -> Result<&Column> {
        match self.index.get(name) {
            Some(&i) => Ok(&self.columns[i]),
            None => Err(Error::MissingColumn { name: name.to_string(), available: self.names.join(", ") }),
        }
    }

    /// The cells of a numeric column.
    pub fn numeric(&self, name: &str) -> Result<&Numbers> {
        match self.column(name)? {
            Column::Numeric(v) => Ok(v),
            Column::Text(v) => Err(Error::NotNumeric {
                name: name.to_string(),
                example: v.iter().flatten().next().cloned().unwrap_or_default(),
            }),
        }
    }

    /// A column read as booleans: numeric 0/1, or text `true`/`false`, `t`/`f`, `yes`/`no`, `1`/`0`
    /// (any case). Missing cells stay `None`; any other value is [`Error::NotBoolean`].
    pub fn boolean(&self, name: &str) -> Result<Vec<Option<bool>>> {
        let bad = |row: usize, value: String| Error::NotBoolean { name: name.to_string(), row, value };
        match self.column(name)? {
            Column::Numeric(v) => v
                .iter()
                .enumerate()
                .map(|(row, x)| match x {
                    None => Ok(None),
                    Some(1.0) => Ok(Some(true)),
                    Some(0.0) => Ok(Some(false)),
                    Some(x) => Err(bad(row, x.to_string())),
                })
                .collect(),
            Column::Text(v) => v
                .iter()
                .enumerate()
                .map(|(row, s)| match s.as_deref() {
                    None => Ok(None),
                    Some(s) => match s.trim().to_ascii_lowercase().as_str() {
                        "true" | "t" | "yes" | "y" | "1" => Ok(Some(true)),
                        "false" | "f" | "no" | "n" | "0" => Ok(Some(false)),
                        _ => Err(bad(row, s.to_string())),
                    },
                })
                .collect(),
        }
    }

    /// Rows (0-based, ascending) where every named column is present.
    pub fn complete_rows(&self, names: &[&str]) -> Result<Vec<usize>> {
        let cols = names.iter().map(|n| self.column(n)).collect::<Result<Vec<_>>>()?;
        let mut complete = vec![true; self.n_rows];
        for c in cols {
            match c {
                Column::Numeric(v) => {
                    // A column without missing cells leaves every row as it is.
                    if !v.all_valid() {
                        complete.iter_mut().enumerate().for_each(|(row, k)| *k &= v.is_valid(row));
                    }
                }
                Column::Text(v) => complete.iter_mut().zip(v).for_each(|(k, x)| *k &= x.is_some()),
            }
        }
        Ok(complete.iter().enumerate().filter(|(_, &k)| k).map(|(r, _)| r).collect())
    }

    /// A new frame holding these rows, in this order.
    ///
    /// # Panics
    /// When a row index is out of range.
    pub fn select_rows(&self, rows: &[usize]) -> Frame {
        Frame {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.select(rows)).collect(),
            index: self.index.clone(),
            n_rows: rows.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        Frame::from_csv_reader("a,b,c\n1,x,true\nNA,y,False\n3,,1\n".as_bytes(), b',', "t.csv").unwrap()
    }

    #[test]
    fn columns_and_missing_cells() {
        let f = frame();
        assert_eq!(f.names(), vec!["a", "b", "c"]);
        assert_eq!(f.numeric("a").unwrap(), &Numbers::from(vec![Some(1.0), None, Some(3.0)]));
        assert_eq!(f.column("b").unwrap(), &Column::Text(vec![Some("x".into()), Some("y".into()), None]));
        assert_eq!(f.boolean("c").unwrap(), vec![Some(true), Some(false), Some(true)]);
        assert_eq!(f.complete_rows(&["a", "b"]).unwrap(), vec![0]);
        let g = f.select_rows(&[2, 0]);
        assert_eq!(g.numeric("a").unwrap(), &Numbers::from(vec![Some(3.0), Some(1.0)]));
    }

    #[test]
    fn complete_rows_and_select_rows_over_numbers() {
        let f = Frame::from_csv_reader("a,b,c\n1,2,x\n,3,y\n4,NA,\n5,6,z\n".as_bytes(), b',', "t.csv").unwrap();
        assert!(f.numeric("a").unwrap().is_valid(0) && !f.numeric("a").unwrap().is_valid(1));
        assert!(f.column("b").unwrap().is_missing(2));
        assert_eq!(f.complete_rows(&[]).unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(f.complete_rows(&["a"]).unwrap(), vec![0, 2, 3]);
        assert_eq!(f.complete_rows(&["a", "b", "c"]).unwrap(), vec![0, 3]);
        let g = f.select_rows(&[3, 1, 1, 0]);
        assert_eq!(g.n_rows(), 4);
        assert_eq!(g.numeric("a").unwrap(), &Numbers::from(vec![Some(5.0), None, None, Some(1.0)]));
        assert_eq!(g.numeric("b").unwrap(), &Numbers::from(vec![Some(6.0), Some(3.0), Some(3.0), Some(2.0)]));
        // Selecting only complete rows leaves a column without validity flags.
        let h = f.select_rows(&f.complete_rows(&["a", "b"]).unwrap());
        assert_eq!(h.numeric("a").unwrap().as_complete(), Some(&[1.0, 5.0][..]));
        assert_eq!(
            h.boolean("a").unwrap_err().to_string(),
            "column \"a\", row 1: \"5\" is not a boolean (expected 0/1 or true/false)"
        );
    }

    #[test]
    fn errors_name_the_column_and_row() {
        let f = frame();
        let e = f.column("zz").unwrap_err().to_string();
        assert_eq!(e, "no column \"zz\" (columns: a, b, c)");
        let e = f.numeric("b").unwrap_err().to_string();
        assert_eq!(e, "column \"b\" is not numeric (first non-numeric value \"x\")");
        let e = f.boolean("b").unwrap_err().to_string();
        assert_eq!(e, "column \"b\", row 0: \"x\" is not a boolean (expected 0/1 or true/false)");
        let g = Frame::from_csv_reader("e\n0\n2\n".as_bytes(), b',', "t.csv").unwrap();
        assert_eq!(
            g.boolean("e").unwrap_err().to_string(),
            "column \"e\", row 1: \"2\" is not a boolean (expected 0/1 or true/false)"
        );
    }
}
