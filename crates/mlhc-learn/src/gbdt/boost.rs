//! The boosting loop: Newton steps of trees on the loss, with bagging, feature draws and early stopping.

use mlhc_core::{CscMatrix, CsrMatrix, Rng};
use rayon::prelude::*;

use super::binning::{bin_matrix, fit_mappers, BinnedMatrix};
use super::params::{GbdtParams, Objective};
use super::split::SplitRules;
use super::tree::{GrowContext, Tree};
use super::GbdtModel;
use crate::error::{Error, Result};

/// A validation set for early stopping.
#[derive(Debug, Clone, Copy)]
pub struct Validation<'a> {
    /// Features, same columns as the training matrix.
    pub x: &'a CsrMatrix,
    /// Labels.
    pub y: &'a [f64],
}

/// Fits gradient-boosted trees on `x` (absent entries are "not observed") and labels `y` (0/1 for
/// [`Objective::Binary`], any finite value for [`Objective::Regression`]).
pub fn fit(x: &CsrMatrix, y: &[f64], params: &GbdtParams) -> Result<GbdtModel> {
    fit_with_validation(x, y, None, params)
}

/// [`fit`], tracking the validation loss each round; with `params.early_stopping_rounds` set, stops
/// after that many rounds without a strictly lower loss and keeps the trees up to the best round.
pub fn fit_with_validation(
    x: &CsrMatrix,
    y: &[f64],
    valid: Option<Validation<'_>>,
    params: &GbdtParams,
) -> Result<GbdtModel> {
    params.validate()?;
    check_data(x, y, params.objective)?;
    if let Some(v) = valid {
        check_data(v.x, v.y, params.objective)?;
    }
    if params.n_threads == 0 {
        return Ok(fit_inner(x, y, valid, params));
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(params.n_threads).build().map_err(|e| {
        Error::InvalidParam { name: "n_threads", message: format!("cannot start {} threads: {e}", params.n_threads) }
    })?;
    Ok(pool.install(|| fit_inner(x, y, valid, params)))
}

fn check_data(x: &CsrMatrix, y: &[f64], objective: Objective) -> Result<()> {
    if x.n_rows() != y.len() {
        return Err(Error::ShapeMismatch { rows: x.n_rows(), labels: y.len() });
    }
    for i in 0..x.n_rows() {
        let (idx, vals) = x.row(i);
        if let Some((&j, &v)) = idx.iter().zip(vals).find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite { row: i, column: j as usize, value: v });
        }
    }
    if let Some((row, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NonFiniteLabel { row, value });
    }
    if objective == Objective::Binary {
        if let Some((row, &value)) = y.iter().enumerate().find(|(_, &v)| v != 0.0 && v != 1.0) {
            return Err(Error::BadLabel { row, value });
        }
        let positives = y.iter().filter(|&&v| v == 1.0).count();
        if positives == 0 || positives == y.len() {
            return Err(Error::OneClass { rows: y.len(), class: u8::from(positives > 0) });
        }
    } else if y.is_empty() {
        return Err(Error::ShapeMismatch { rows: 0, labels: 0 });
    }
    Ok(())
}

/// The loss-minimizing constant: log-odds of the mean label, or the mean (LightGBM's
/// `boost_from_average`).
fn init_score(y: &[f64], objective: Objective) -> f64 {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    match objective {
        Objective::Binary => (mean / (1.0 - mean)).ln(),
        Objective::Regression => mean,
    }
}

fn sigmoid(f: f64) -> f64 {
    1.0 / (1.0 + (-f).exp())
}

/// Mean loss at raw scores `f`: log loss `log(1 + e^F) − yF` or squared error `(F − y)²`.
fn mean_loss(f: &[f64], y: &[f64], objective: Objective) -> f64 {
    let total: f64 = match objective {
        // log(1 + e^F) written to avoid overflow for large |F|.
        Objective::Binary => f.iter().zip(y).map(|(&f, &y)| f.max(0.0) + (-f.abs()).exp().ln_1p() - y * f).sum(),
        Objective::Regression => f.iter().zip(y).map(|(&f, &y)| (f - y) * (f - y)).sum(),
    };
    total / y.len() as f64
}

fn add_tree(tree: &Tree, x: &BinnedMatrix, missing_bin: &[usize], scores: &mut [f64]) {
    scores
        .par_iter_mut()
        .enumerate()
        .with_min_len(4096)
        .for_each(|(i, s)| *s += tree.predict_binned(x, missing_bin, i));
}

fn fit_inner(x: &CsrMatrix, y: &[f64], valid: Option<Validation<'_>>, params: &GbdtParams) -> GbdtModel {
    let n = x.n_rows();
    let objective = params.objective;
    let mappers = fit_mappers(&CscMatrix::from_csr(x), params.max_bins);
    let binned = bin_matrix(x, &mappers);
    let n_bins: Vec<usize> = mappers.iter().map(|m| m.n_bins() + 1).collect();
    let missing_bin: Vec<usize> = mappers.iter().map(|m| m.n_bins()).collect();
    let upper: Vec<&[f32]> = mappers.iter().map(|m| m.upper.as_slice()).collect();
    let n_features = mappers.len();
    let valid_binned = valid.map(|v| (bin_matrix(v.x, &mappers), v.y));

    let base = init_score(y, objective);
    let mut scores = vec![base; n];
    let mut valid_scores = valid_binned.as_ref().map(|(vx, _)| vec![base; vx.n_rows]);
    let rules = SplitRules {
        lambda_l2: params.lambda_l2,
        min_data_in_leaf: params.min_data_in_leaf.min(u32::MAX as usize) as u32,
        min_sum_hessian: params.min_sum_hessian,
    };
    let mut gh = vec![[0.0f64; 2]; n];
    let mut trees = Vec::new();
    let mut valid_losses = Vec::new();
    let (mut best_loss, mut best_round) = (f64::INFINITY, 0usize);
    let n_drawn = ((params.feature_fraction * n_features as f64).round() as usize).clamp(1, n_features.max(1));

    for round in 0..params.num_trees {
        gh.par_iter_mut().zip(scores.par_iter()).zip(y.par_iter()).with_min_len(4096).for_each(|((gh, &f), &y)| {
            *gh = match objective {
                Objective::Binary => {
                    let p = sigmoid(f);
                    [p - y, p * (1.0 - p)]
                }
                Objective::Regression => [f - y, 1.0],
            };
        });
        // One stream per round, so a round's draws do not depend on how many numbers earlier rounds used.
        let mut rng = Rng::for_stream(params.seed, round as u64);
        let mut rows: Vec<u32> = if params.bagging_fraction < 1.0 {
            (0..n as u32).filter(|_| rng.bernoulli(params.bagging_fraction)).collect()
        } else {
            (0..n as u32).collect()
        };
        let mut active = vec![true; n_features];
        if n_drawn < n_features {
            let mut order: Vec<usize> = (0..n_features).collect();
            rng.shuffle(&mut order);
            active.iter_mut().for_each(|a| *a = false);
            order[..n_drawn].iter().for_each(|&j| active[j] = true);
        }
        let ctx = GrowContext {
            x: &binned,
            gh: &gh,
            n_bins: &n_bins,
            upper: &upper,
            active: &active,
            rules,
            num_leaves: params.num_leaves,
            max_depth: params.max_depth,
            learning_rate: params.learning_rate,
        };
        let (tree, leaf_ranges) = ctx.grow(&mut rows);
        if rows.len() == n {
            // Every row was grown on: its leaf is known from the partition, no tree walk needed.
            for (value, range) in leaf_ranges {
                rows[range].iter().for_each(|&r| scores[r as usize] += value);
            }
        } else {
            add_tree(&tree, &binned, &missing_bin, &mut scores);
        }
        if let (Some((vx, vy)), Some(vs)) = (&valid_binned, &mut valid_scores) {
            add_tree(&tree, vx, &missing_bin, vs);
            let loss = mean_loss(vs, vy, objective);
            valid_losses.push(loss);
            if loss < best_loss {
                (best_loss, best_round) = (loss, round);
            }
        }
        trees.push(tree);
        if let Some(patience) = params.early_stopping_rounds {
            if valid_scores.is_some() && round >= best_round + patience {
                trees.truncate(best_round + 1);
                break;
            }
        }
    }
    GbdtModel { objective, n_features, init_score: base, trees, valid_losses }
}
