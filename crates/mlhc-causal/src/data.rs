//! The input of every estimator: covariates, a binary treatment and an outcome, one row per subject.

use mlhc_frame::{Design, Frame};

use crate::formula::Formula;
use crate::{Error, Result};

/// Covariates `X`, binary treatment `T` and outcome `Y`, one row per subject.
#[derive(Debug, Clone, PartialEq)]
pub struct CausalData {
    /// The covariate design matrix (no intercept column).
    pub x: Design,
    /// The treatment of each row.
    pub treatment: Vec<bool>,
    /// The outcome of each row (finite).
    pub outcome: Vec<f64>,
}

/// What [`CausalData::from_frame`] did with the table's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowAccount {
    /// The table's rows that were kept, in order (0-based data rows).
    pub kept: Vec<usize>,
    /// Rows dropped for a missing outcome.
    pub dropped_missing_outcome: usize,
}

impl CausalData {
    /// Checks lengths, finiteness and that both arms have at least one row.
    pub fn new(x: Design, treatment: Vec<bool>, outcome: Vec<f64>) -> Result<CausalData> {
        let n = x.n_rows;
        if treatment.len() != n {
            return Err(Error::ShapeMismatch { what: "treatment", expected: n, got: treatment.len() });
        }
        if outcome.len() != n {
            return Err(Error::ShapeMismatch { what: "outcome", expected: n, got: outcome.len() });
        }
        if x.values.len() != n * x.n_cols || x.names.len() != x.n_cols {
            return Err(Error::ShapeMismatch { what: "design values", expected: n * x.n_cols, got: x.values.len() });
        }
        if x.n_cols == 0 {
            return Err(Error::Degenerate { message: "the covariates give no design column".into() });
        }
        if let Some(row) = outcome.iter().position(|y| !y.is_finite()) {
            return Err(Error::NonFinite { what: "outcome".into(), row, value: outcome[row] });
        }
        if let Some(k) = x.values.iter().position(|v| !v.is_finite()) {
            let (row, col) = (k / x.n_cols, k % x.n_cols);
            return Err(Error::NonFinite { what: x.names[col].clone(), row, value: x.values[k] });
        }
        let n1 = treatment.iter().filter(|&&t| t).count();
        if n1 == 0 || n1 == n {
            return Err(Error::Degenerate { message: format!("the treatment must vary: {n1} treated of {n} rows") });
        }
        Ok(CausalData { x, treatment, outcome })
    }

    /// Reads treatment, outcome and covariates from a table.
    ///
    /// `covariates` defaults to every column except the treatment and the outcome. A missing outcome
    /// is [`Error::MissingOutcome`] naming the row unless `drop_missing_outcome`, when such rows are
    /// dropped and counted. The treatment must be 0/1 (or true/false) everywhere; a missing covariate
    /// is [`Error::MissingCovariate`] naming the column and the table row.
    pub fn from_frame(
        frame: &Frame,
        treatment: &str,
        outcome: &str,
        covariates: Option<&Formula>,
        drop_missing_outcome: bool,
    ) -> Result<(CausalData, RowAccount)> {
        if let Some(f) = covariates {
            if let Some(c) = f.columns().into_iter().find(|c| c == treatment || c == outcome) {
                return Err(Error::InvalidParam {
                    name: "covariates",
                    message: format!("the formula uses {c:?}, the treatment or outcome column"),
                });
            }
        }
        let y = frame.numeric(outcome)?;
        let mut kept = Vec::with_capacity(y.len());
        for (row, v) in y.iter().enumerate() {
            match v {
                Some(_) => kept.push(row),
                None if drop_missing_outcome => {}
                None => return Err(Error::MissingOutcome { column: outcome.to_string(), row }),
            }
        }
        let dropped = y.len() - kept.len();
        let t = frame.boolean(treatment).map_err(|e| match e {
            mlhc_frame::Error::NotBoolean { row, value, .. } => {
                Error::BadTreatment { column: treatment.to_string(), row, value }
            }
            e => e.into(),
        })?;
        let mut tr = Vec::with_capacity(kept.len());
        for &row in &kept {
            match t[row] {
                Some(b) => tr.push(b),
                None => {
                    return Err(Error::BadTreatment { column: treatment.to_string(), row, value: "missing".into() })
                }
            }
        }
        let sub = frame.select_rows(&kept);
        let default;
        let formula = match covariates {
            Some(f) => f,
            None => {
                default = Formula::all_columns(frame, &[treatment, outcome]);
                &default
            }
        };
        let x = formula.design(&sub).map_err(|e| match e {
            Error::MissingCovariate { column, row } => Error::MissingCovariate { column, row: kept[row] },
            Error::NonFinite { what, row, value } => Error::NonFinite { what, row: kept[row], value },
            e => e,
        })?;
        let yv: Vec<f64> = kept.iter().map(|&r| y.get(r).unwrap_or(f64::NAN)).collect();
        let data = CausalData::new(x, tr, yv).map_err(|e| match e {
            Error::NonFinite { what, row, value } => Error::NonFinite { what, row: kept[row], value },
            e => e,
        })?;
        Ok((data, RowAccount { kept, dropped_missing_outcome: dropped }))
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.treatment.len()
    }

    /// Number of treated rows.
    pub fn n_treated(&self) -> usize {
        self.treatment.iter().filter(|&&t| t).count()
    }

    /// The treatment as 0/1 numbers.
    pub fn t_f64(&self) -> Vec<f64> {
        self.treatment.iter().map(|&t| if t { 1.0 } else { 0.0 }).collect()
    }

    /// The rows `rows` (repeats allowed), as new data (not re-validated).
    pub fn select(&self, rows: &[usize]) -> CausalData {
        let p = self.x.n_cols;
        let mut values = Vec::with_capacity(rows.len() * p);
        for &r in rows {
            values.extend_from_slice(self.x.row(r));
        }
        CausalData {
            x: Design { names: self.x.names.clone(), n_rows: rows.len(), n_cols: p, values },
            treatment: rows.iter().map(|&r| self.treatment[r]).collect(),
            outcome: rows.iter().map(|&r| self.outcome[r]).collect(),
        }
    }

    /// The covariates with the treatment appended as a last column named `names_t`.
    pub(crate) fn with_treatment_column(&self, value: Option<f64>) -> (Vec<f64>, Vec<String>) {
        let p = self.x.n_cols;
        let mut out = Vec::with_capacity(self.n() * (p + 1));
        for i in 0..self.n() {
            out.extend_from_slice(self.x.row(i));
            out.push(value.unwrap_or(if self.treatment[i] { 1.0 } else { 0.0 }));
        }
        let mut names = self.x.names.clone();
        names.push("(treatment)".into());
        (out, names)
    }
}
