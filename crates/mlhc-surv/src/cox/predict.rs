//! Predicted survival curves `S(t | x) = exp(−H₀ₛ(t) · exp((x − x̄)'β))` on a time grid, streamed in
//! chunks of rows so that memory is bounded by the chunk, not by the number of subjects.

use rayon::prelude::*;

use super::CoxModel;
use crate::data::check_len;
use crate::error::{Error, Result};

/// An iterator over chunks of predicted survival curves; each item is `rows × grid` values, row-major.
#[derive(Debug)]
pub struct SurvivalCurves<'a> {
    model: &'a CoxModel,
    x: &'a [f64],
    /// Per row, the index of its stratum's baseline.
    stratum_of: Vec<usize>,
    /// Per stratum, `H₀` on the grid.
    h0: Vec<Vec<f64>>,
    grid_len: usize,
    chunk_rows: usize,
    next_row: usize,
}

impl CoxModel {
    /// Survival curves on `grid` for the rows of `x` (row-major, one column per coefficient),
    /// `chunk_rows` rows per item. `strata` gives each row's stratum label and is required exactly
    /// when the model was fitted with more than one stratum.
    pub fn survival_curves<'a>(
        &'a self,
        x: &'a [f64],
        strata: Option<&[usize]>,
        grid: &[f64],
        chunk_rows: usize,
    ) -> Result<SurvivalCurves<'a>> {
        let p = self.coefficients.len();
        if chunk_rows == 0 {
            return Err(Error::InvalidParam { name: "chunk_rows", message: "0 rows per chunk".into() });
        }
        if p == 0 || x.len() % p != 0 {
            return Err(Error::InvalidParam {
                name: "x",
                message: format!("{} values are not whole rows of {p} covariates", x.len()),
            });
        }
        let n = x.len() / p;
        for (row, &t) in grid.iter().enumerate() {
            if !t.is_finite() {
                return Err(Error::InvalidParam { name: "grid", message: format!("time {row} is {t}") });
            }
        }
        let stratum_of = match strata {
            None if self.baseline.len() == 1 => vec![0; n],
            None => {
                return Err(Error::InvalidParam {
                    name: "strata",
                    message: format!("the model has {} strata; give each row's stratum", self.baseline.len()),
                })
            }
            Some(s) => {
                check_len("strata", s.len(), n)?;
                s.iter()
                    .map(|label| {
                        self.baseline.iter().position(|b| b.stratum == *label).ok_or_else(|| Error::InvalidParam {
                            name: "strata",
                            message: format!("stratum {label} was not in the fitted data"),
                        })
                    })
                    .collect::<Result<_>>()?
            }
        };
        let h0 = self.baseline.iter().map(|b| grid.iter().map(|&t| b.at(t)).collect()).collect();
        Ok(SurvivalCurves { model: self, x, stratum_of, h0, grid_len: grid.len(), chunk_rows, next_row: 0 })
    }
}

impl Iterator for SurvivalCurves<'_> {
    type Item = Vec<f64>;

    fn next(&mut self) -> Option<Vec<f64>> {
        let p = self.model.coefficients.len();
        let n = self.stratum_of.len();
        if self.next_row >= n {
            return None;
        }
        let end = (self.next_row + self.chunk_rows).min(n);
        let g = self.grid_len;
        let mut out = vec![0.0; (end - self.next_row) * g];
        let start = self.next_row;
        out.par_chunks_mut(g.max(1)).enumerate().for_each(|(r, curve)| {
            let i = start + r;
            let risk = self.model.linear_predictor(&self.x[i * p..(i + 1) * p]).exp();
            for (s, h) in curve.iter_mut().zip(&self.h0[self.stratum_of[i]]) {
                *s = (-h * risk).exp();
            }
        });
        self.next_row = end;
        Some(out)
    }
}
