//! Subject-grouped cross-validation: fold assignment, out-of-fold predictions and penalty selection.
//!
//! Folds are assigned to subjects, never to rows, so that no subject's rows are on both sides of a
//! split (several predictions per patient would otherwise leak).

use std::collections::BTreeMap;

use mlhc_core::{CsrMatrix, Rng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::logistic::{fit, fit_path, LogisticModel, LogisticParams};
use crate::{Error, Result};

/// Assigns each row a fold in `0..k` by its subject: subjects (sorted) are shuffled with `seed` and dealt
/// round-robin, so fold sizes differ by at most one subject.
pub fn subject_folds(subjects: &[i64], k: usize, seed: u64) -> Result<Vec<usize>> {
    let mut ids: Vec<i64> = subjects.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if k < 2 || k > ids.len() {
        return Err(Error::InvalidParam {
            name: "folds",
            message: format!("{k} folds need between 2 and the number of subjects ({})", ids.len()),
        });
    }
    Rng::seed_from_u64(seed).shuffle(&mut ids);
    let fold_of: BTreeMap<i64, usize> = ids.iter().enumerate().map(|(i, &s)| (s, i % k)).collect();
    Ok(subjects.iter().map(|s| fold_of[s]).collect())
}

/// The (training, held-out) rows of fold `f` for a fold assignment from [`subject_folds`].
pub fn fold_rows(folds: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
    (0..folds.len()).partition(|&i| folds[i] != f)
}

/// The rows of `x` selected by `rows`, as a new matrix.
pub fn select_rows(x: &CsrMatrix, rows: &[usize]) -> CsrMatrix {
    let mut out = CsrMatrix::new(x.n_cols());
    let mut buf = Vec::new();
    for &i in rows {
        let (c, v) = x.row(i);
        buf.clear();
        buf.extend(c.iter().copied().zip(v.iter().copied()));
        out.push_row(&buf);
    }
    out
}

/// Penalty selection by inner cross-validation over scikit-learn-style `C` values; each fit uses
/// `λ = 1/(C · n)` with `n` its own number of training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridResult {
    /// The C values tried.
    pub cs: Vec<f64>,
    /// Mean inner-fold log loss per C.
    pub mean_log_loss: Vec<f64>,
    /// The C chosen (lowest mean log loss; the smaller C, i.e. more penalty, on ties).
    pub best_c: f64,
}

fn lambda_for(c: f64, n: usize) -> f64 {
    1.0 / (c * n as f64)
}

fn mean_log_loss(y: &[f64], p: &[f64]) -> f64 {
    y.iter()
        .zip(p)
        .map(|(&y, &p)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / y.len().max(1) as f64
}

/// Chooses C from `cs` by `k`-fold subject-grouped cross-validation on (x, y), scoring the mean
/// held-out log loss. Folds in which the training part has one class are skipped.
pub fn select_c(
    x: &CsrMatrix,
    y: &[f64],
    subjects: &[i64],
    params: &LogisticParams,
    cs: &[f64],
    k: usize,
    seed: u64,
) -> Result<GridResult> {
    if let Some(&c) = cs.iter().find(|&&c| !(c.is_finite() && c > 0.0)) {
        return Err(Error::InvalidParam { name: "C", message: format!("{c} must be positive") });
    }
    let folds = subject_folds(subjects, k, seed)?;
    // Per fold, one regularization path over the Cs in increasing order (λ decreasing), each fit
    // warm-started from the previous one.
    let mut order: Vec<usize> = (0..cs.len()).collect();
    order.sort_by(|&a, &b| cs[a].total_cmp(&cs[b]));
    let mut total = vec![0.0; cs.len()];
    let mut count = vec![0usize; cs.len()];
    for f in 0..k {
        let (train, test) = fold_rows(&folds, f);
        let ytr: Vec<f64> = train.iter().map(|&i| y[i]).collect();
        let lambdas: Vec<f64> = order.iter().map(|&c| lambda_for(cs[c], train.len())).collect();
        let models = match fit_path(&select_rows(x, &train), &ytr, params, &lambdas) {
            Ok(m) => m,
            Err(Error::OneClass { .. }) => continue,
            Err(e) => return Err(e),
        };
        let xt = select_rows(x, &test);
        let yt: Vec<f64> = test.iter().map(|&i| y[i]).collect();
        for (&c, model) in order.iter().zip(&models) {
            total[c] += mean_log_loss(&yt, &model.predict_proba(&xt)) * yt.len() as f64;
            count[c] += yt.len();
        }
    }
    let losses: Vec<f64> =
        total.iter().zip(&count).map(|(&t, &n)| if n > 0 { t / n as f64 } else { f64::INFINITY }).collect();
    let mut best: Option<usize> = None;
    for (i, l) in losses.iter().enumerate() {
        let better = match best {
            None => true,
            Some(b) => *l < losses[b] || (*l == losses[b] && cs[i] < cs[b]),
        };
        if better {
            best = Some(i);
        }
    }
    let best = best.ok_or(Error::InvalidParam { name: "C", message: "at least one value is needed".into() })?;
    Ok(GridResult { cs: cs.to_vec(), mean_log_loss: losses, best_c: cs[best] })
}

/// Out-of-fold predictions of one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldFit {
    /// The fold.
    pub fold: usize,
    /// The C chosen inside the fold.
    pub grid: GridResult,
    /// The model fitted on the other folds.
    pub model: LogisticModel,
}

/// One outer fold's (row, out-of-fold probability) pairs and its fit.
type FoldOutput = (Vec<(usize, f64)>, FoldFit);

/// Nested cross-validation: for each of `k` subject-grouped outer folds, C is chosen by inner
/// `k − 1`-fold CV (at most 5) on the training subjects and the model refitted there; every row gets a
/// prediction from a model that never saw its subject. Returns the out-of-fold probabilities and each
/// fold's fit.
pub fn out_of_fold(
    x: &CsrMatrix,
    y: &[f64],
    subjects: &[i64],
    params: &LogisticParams,
    cs: &[f64],
    k: usize,
    seed: u64,
) -> Result<(Vec<f64>, Vec<FoldFit>)> {
    let folds = subject_folds(subjects, k, seed)?;
    // Outer folds are independent: they run in parallel, each with its own seed, so the result does not
    // depend on scheduling.
    let per_fold: Vec<Result<FoldOutput>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let (train, test) = fold_rows(&folds, f);
            let xtr = select_rows(x, &train);
            let ytr: Vec<f64> = train.iter().map(|&i| y[i]).collect();
            let str_: Vec<i64> = train.iter().map(|&i| subjects[i]).collect();
            let inner_k = (k - 1).clamp(2, 5);
            let grid = select_c(&xtr, &ytr, &str_, params, cs, inner_k, seed.wrapping_add(f as u64 + 1))?;
            let model =
                fit(&xtr, &ytr, &LogisticParams { lambda: lambda_for(grid.best_c, train.len()), ..params.clone() })?;
            let preds = test.iter().copied().zip(model.predict_proba(&select_rows(x, &test))).collect();
            Ok((preds, FoldFit { fold: f, grid, model }))
        })
        .collect();
    let mut oof = vec![f64::NAN; y.len()];
    let mut fits = Vec::with_capacity(k);
    for r in per_fold {
        let (preds, fold_fit) = r?;
        for (i, p) in preds {
            oof[i] = p;
        }
        fits.push(fold_fit);
    }
    Ok((oof, fits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_never_split_a_subject_and_are_balanced() {
        let subjects: Vec<i64> = (0..100).map(|i| i / 3).collect(); // 34 subjects, ~3 rows each
        let folds = subject_folds(&subjects, 5, 1).expect("valid folds");
        for (i, s) in subjects.iter().enumerate() {
            for (j, t) in subjects.iter().enumerate() {
                if s == t {
                    assert_eq!(folds[i], folds[j]);
                }
            }
        }
        let mut per_fold = [
            std::collections::BTreeSet::new(),
            Default::default(),
            Default::default(),
            Default::default(),
            Default::default(),
        ];
        for (i, &f) in folds.iter().enumerate() {
            per_fold[f].insert(subjects[i]);
        }
        let sizes: Vec<usize> = per_fold.iter().map(|s| s.len()).collect();
        assert!(sizes.iter().max().expect("5 folds") - sizes.iter().min().expect("5 folds") <= 1, "{sizes:?}");
        assert_eq!(subject_folds(&subjects, 5, 1).expect("valid folds"), folds, "seeded");
        assert!(subject_folds(&subjects, 1, 1).is_err());
    }
}
