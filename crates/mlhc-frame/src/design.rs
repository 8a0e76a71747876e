//! Dense design matrices from named columns.

use rayon::prelude::*;

use crate::{Column, Error, Frame, Result};

/// A dense, row-major design matrix with one name per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Column names: a numeric column keeps its name; a text column `c` becomes one dummy per
    /// non-reference level, named `c[T.level]` (patsy's naming).
    pub names: Vec<String>,
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// Values, row-major: `values[i * n_cols + j]`.
    pub values: Vec<f64>,
}

impl Design {
    /// Row `i`.
    ///
    /// # Panics
    /// When `i >= n_rows`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// Column `j`, copied out.
    ///
    /// # Panics
    /// When `j >= n_cols`.
    pub fn column_values(&self, j: usize) -> Vec<f64> {
        assert!(j < self.n_cols, "column {j} out of range for {} columns", self.n_cols);
        (0..self.n_rows).map(|i| self.values[i * self.n_cols + j]).collect()
    }
}

impl Frame {
    /// The design matrix of the named columns, in the order given.
    ///
    /// Numeric columns enter as they are and must be finite ([`Error::NotFinite`]). Text columns are
    /// one-hot encoded over their distinct values in sorted (byte) order, the first level being the
    /// reference and dropped, as R's treatment contrasts and patsy do; a text column with one level
    /// contributes no columns. Any missing cell is [`Error::MissingValue`] naming column and row: select
    /// complete rows first ([`Frame::complete_rows`]) when dropping them is intended.
    pub fn design(&self, names: &[&str]) -> Result<Design> {
        enum Part<'a> {
            /// A numeric column's numbers, every cell present.
            Num(&'a [f64]),
            Dummies(&'a [Option<String>], Vec<&'a str>),
        }
        // Each column is checked on its own (in parallel); the first error in column order is reported.
        let mut columns = Vec::with_capacity(names.len());
        let mut unknown = None;
        for &name in names {
            match self.column(name) {
                Ok(c) => columns.push((name, c)),
                Err(e) => {
                    unknown = Some(e);
                    break;
                }
            }
        }
        let parts = columns
            .par_iter()
            .map(|&(name, column)| match column {
                Column::Numeric(v) => match v.as_complete() {
                    Some(values) => match values.iter().position(|x| !x.is_finite()) {
                        None => Ok(Part::Num(values)),
                        Some(row) => Err(Error::NotFinite { column: name.to_string(), row, value: values[row] }),
                    },
                    // Some cell is missing: report the first missing or non-finite cell, whichever comes first.
                    None => {
                        let row = v
                            .iter()
                            .position(|x| !x.is_some_and(f64::is_finite))
                            .expect("a column that is not complete has a missing cell");
                        match v.get(row) {
                            None => Err(Error::MissingValue { column: name.to_string(), row }),
                            Some(value) => Err(Error::NotFinite { column: name.to_string(), row, value }),
                        }
                    }
                },
                Column::Text(v) => {
                    let mut levels = Vec::new();
                    for (row, s) in v.iter().enumerate() {
                        match s {
                            None => return Err(Error::MissingValue { column: name.to_string(), row }),
                            Some(s) => levels.push(s.as_str()),
                        }
                    }
                    levels.sort_unstable();
                    levels.dedup();
                    Ok(Part::Dummies(v, levels.into_iter().skip(1).collect()))
                }
            })
            .collect::<Vec<Result<Part<'_>>>>()
            .into_iter()
            .collect::<Result<Vec<Part<'_>>>>()?;
        if let Some(e) = unknown {
            return Err(e);
        }
        let mut out_names = Vec::new();
        for (&(name, _), part) in columns.iter().zip(&parts) {
            match part {
                Part::Num(_) => out_names.push(name.to_string()),
                Part::Dummies(_, kept) => out_names.extend(kept.iter().map(|l| format!("{name}[T.{l}]"))),
            }
        }
        let n_cols = out_names.len();
        let n_rows = self.n_rows();
        if n_rows.checked_mul(n_cols).is_none_or(|cells| cells > crate::MAX_DESIGN_CELLS) {
            let widths = parts.iter().map(|part| match part {
                Part::Num(_) => 1,
                Part::Dummies(_, kept) => kept.len(),
            });
            let (widest, widest_cols) = columns
                .iter()
                .zip(widths)
                .max_by_key(|&(_, w)| w)
                .map_or((String::new(), 0), |(&(name, _), w)| (name.to_string(), w));
            return Err(Error::DesignTooLarge { rows: n_rows, cols: n_cols, widest, widest_cols });
        }
        let mut values = vec![0.0; n_rows * n_cols];
        // Row blocks of about 256 KiB are filled column by column while they sit in cache.
        if let Some(block_rows) = 32_768_usize.checked_div(n_cols).map(|r| r.max(1)) {
            values.par_chunks_mut(block_rows * n_cols).enumerate().for_each(|(b, block)| {
                let rows = b * block_rows..b * block_rows + block.len() / n_cols;
                let mut offset = 0;
                for part in &parts {
                    match part {
                        Part::Num(v) => {
                            for (out, &x) in block[offset..].iter_mut().step_by(n_cols).zip(&v[rows.clone()]) {
                                *out = x;
                            }
                            offset += 1;
                        }
                        Part::Dummies(v, kept) => {
                            for (i, s) in v[rows.clone()].iter().enumerate() {
                                if let Some(k) = s.as_deref().and_then(|s| kept.binary_search(&s).ok()) {
                                    block[i * n_cols + offset + k] = 1.0;
                                }
                            }
                            offset += kept.len();
                        }
                    }
                }
            });
        }
        Ok(Design { names: out_names, n_rows, n_cols, values })
    }
}

#[cfg(test)]
mod tests {
    use crate::Frame;

    #[test]
    fn one_hot_with_sorted_reference_level() {
        let f = Frame::from_csv_reader("x,g\n1,b\n2,c\n3,a\n4,b\n".as_bytes(), b',', "t.csv").unwrap();
        let d = f.design(&["g", "x"]).unwrap();
        assert_eq!(d.names, vec!["g[T.b]", "g[T.c]", "x"]);
        assert_eq!(d.values, vec![1., 0., 1., 0., 1., 2., 0., 0., 3., 1., 0., 4.]);
        assert_eq!(d.column_values(2), vec![1., 2., 3., 4.]);
    }

    #[test]
    fn a_design_too_large_to_hold_names_its_widest_column() {
        // 40,000 rows whose text column has one value per row: 40,000 × 40,000 cells.
        let mut csv = String::from("x,id\n");
        for i in 0..40_000 {
            csv.push_str(&format!("{i},p{i}\n"));
        }
        let f = Frame::from_csv_reader(csv.as_bytes(), b',', "t.csv").unwrap();
        let e = f.design(&["x", "id"]).unwrap_err();
        assert!(
            matches!(&e, crate::Error::DesignTooLarge { rows: 40_000, cols: 40_000, widest, widest_cols: 39_999 } if widest == "id"),
            "{e}"
        );
        assert!(e.to_string().contains("column \"id\" alone adds 39999 columns"), "{e}");
        assert_eq!(f.design(&["x"]).unwrap().n_cols, 1);
    }

    #[test]
    fn missing_and_non_finite_cells_are_errors() {
        let f = Frame::from_csv_reader("x,g,y\n1,b,inf\n,c,1\n".as_bytes(), b',', "t.csv").unwrap();
        assert_eq!(f.design(&["x"]).unwrap_err().to_string(), "column \"x\", row 1: missing value");
        assert_eq!(f.design(&["y"]).unwrap_err().to_string(), "column \"y\", row 0: value inf is not finite");
        let g = f.select_rows(&f.complete_rows(&["x"]).unwrap());
        assert_eq!(g.design(&["x", "g"]).unwrap().names, vec!["x"]);
    }

    #[test]
    fn the_first_missing_or_non_finite_cell_is_reported() {
        let f = Frame::from_csv_reader("a,b,c\n1,1,1\ninf,NA,2\nNA,-inf,3\n".as_bytes(), b',', "t.csv").unwrap();
        assert_eq!(f.design(&["c", "a"]).unwrap_err().to_string(), "column \"a\", row 1: value inf is not finite");
        assert_eq!(f.design(&["c", "b"]).unwrap_err().to_string(), "column \"b\", row 1: missing value");
        // Columns are checked in the order given.
        assert_eq!(f.design(&["b", "a"]).unwrap_err().to_string(), "column \"b\", row 1: missing value");
        let d = f.design(&["c", "c"]).unwrap();
        assert_eq!(d.values, vec![1., 1., 2., 2., 3., 3.]);
    }

    #[test]
    fn complete_numeric_columns_are_copied_across_row_blocks() {
        // More rows than one 32768-value block holds for two columns.
        let n = 40_000;
        let cells: String = (0..n).map(|i| format!("{i},{}\n", i % 3)).collect();
        let f = Frame::from_csv_reader(format!("x,y\n{cells}").as_bytes(), b',', "t.csv").unwrap();
        let d = f.design(&["x", "y"]).unwrap();
        assert_eq!((d.n_rows, d.n_cols), (n, 2));
        assert_eq!(d.column_values(0), (0..n).map(|i| i as f64).collect::<Vec<_>>());
        assert_eq!(d.row(n - 1), &[(n - 1) as f64, ((n - 1) % 3) as f64]);
    }
}
