//! Estimators built on outcome regressions: standardization (S-learner), T- and X-learners, AIPW and
//! the DR-learner.

use mlhc_learn::cv::subject_folds;

use crate::data::CausalData;
use crate::estimate::weighting::clip_all;
use crate::estimate::{CausalParams, Estimand, Point};
use crate::nuisance::{fit_outcome, fit_propensity, fit_propensity_from, Fitted};
use crate::{Error, Result};
use rayon::prelude::*;

/// The rows of each arm.
fn arms(data: &CausalData) -> (Vec<usize>, Vec<usize>) {
    (0..data.n()).partition(|&i| !data.treatment[i])
}

/// Mean of `v` over all rows (ATE) or the treated rows (ATT).
fn average(data: &CausalData, v: &[f64], estimand: Estimand) -> f64 {
    match estimand {
        Estimand::Ate => v.iter().sum::<f64>() / v.len() as f64,
        Estimand::Att => {
            let (s, c) =
                v.iter().zip(&data.treatment).filter(|(_, &t)| t).fold((0.0, 0.0), |(s, c), (v, _)| (s + v, c + 1.0));
            s / c
        }
    }
}

/// Per-arm outcome models fitted on `train` rows and predicted on every row of `data`.
fn arm_predictions(data: &CausalData, params: &CausalParams, train: &CausalData) -> Result<[Vec<f64>; 2]> {
    let (c, t) = arms(train);
    let p = data.x.n_cols;
    let mut out: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for (k, rows) in [c, t].into_iter().enumerate() {
        if rows.is_empty() {
            return Err(Error::Degenerate {
                message: "an outcome model's training rows hold no row of one arm".into(),
            });
        }
        let sub = train.select(&rows);
        let m = fit_outcome(&params.outcome, &sub.x.values, p, &sub.outcome, &data.x.names)?;
        out[k] = m.predict(&data.x.values, p);
    }
    Ok(out)
}

pub(crate) fn standardization(data: &CausalData, params: &CausalParams) -> Result<Point> {
    let p = data.x.n_cols + 1;
    let (xt, names) = data.with_treatment_column(None);
    let m = fit_outcome(&params.outcome, &xt, p, &data.outcome, &names)?;
    let m1 = m.predict(&data.with_treatment_column(Some(1.0)).0, p);
    let m0 = m.predict(&data.with_treatment_column(Some(0.0)).0, p);
    let diff: Vec<f64> = m1.iter().zip(&m0).map(|(a, b)| a - b).collect();
    Ok(Point { value: average(data, &diff, params.estimand), ..Point::default() })
}

pub(crate) fn t_learner(data: &CausalData, params: &CausalParams) -> Result<Point> {
    let [m0, m1] = arm_predictions(data, params, data)?;
    let cate: Vec<f64> = m1.iter().zip(&m0).map(|(a, b)| a - b).collect();
    Ok(Point { value: average(data, &cate, params.estimand), cate: Some(cate), ..Point::default() })
}

pub(crate) fn x_learner(data: &CausalData, params: &CausalParams) -> Result<Point> {
    let [m0, m1] = arm_predictions(data, params, data)?;
    let (c, t) = arms(data);
    let p = data.x.n_cols;
    let (xv, names) = (&data.x.values, &data.x.names);
    // Imputed effects: treated Y − m₀(x), controls m₁(x) − Y.
    let d1: Vec<f64> = t.iter().map(|&i| data.outcome[i] - m0[i]).collect();
    let d0: Vec<f64> = c.iter().map(|&i| m1[i] - data.outcome[i]).collect();
    let tau1 = fit_outcome(&params.outcome, &data.select(&t).x.values, p, &d1, names)?.predict(xv, p);
    let tau0 = fit_outcome(&params.outcome, &data.select(&c).x.values, p, &d0, names)?.predict(xv, p);
    let mut e = fit_propensity(&params.propensity, xv, p, &data.t_f64(), names)?.predict(xv, p);
    clip_all(&mut e, params.clip);
    let cate: Vec<f64> = (0..data.n()).map(|i| e[i] * tau0[i] + (1.0 - e[i]) * tau1[i]).collect();
    Ok(Point {
        value: average(data, &cate, params.estimand),
        cate: Some(cate),
        propensity: Some(e),
        ..Point::default()
    })
}

/// One cross-fitting fold: its test rows, the propensity model fitted on the other folds, and its
/// predictions on the test rows (propensity and, with `outcomes`, the per-arm outcome models).
struct FoldFit {
    test: Vec<usize>,
    model: Fitted,
    e: Vec<f64>,
    arms: Option<[Vec<f64>; 2]>,
}

/// Fits every fold: fold 0 from scratch, then the other folds in parallel, their logistic propensity
/// models warm-started from fold 0's coefficients, so the result does not depend on the thread count.
fn fit_folds(data: &CausalData, params: &CausalParams, seed: u64, outcomes: bool) -> Result<Vec<FoldFit>> {
    let ids: Vec<i64> = (0..data.n() as i64).collect();
    let folds = subject_folds(&ids, params.folds, seed)?;
    let p = data.x.n_cols;
    let fit = |f: usize, init: Option<&Fitted>| -> Result<FoldFit> {
        let (train, test) = mlhc_learn::cv::fold_rows(&folds, f);
        let tr = data.select(&train);
        drop(train);
        let n1 = tr.n_treated();
        if n1 == 0 || n1 == tr.n() {
            return Err(Error::Degenerate {
                message: format!("cross-fitting fold {f}: the training rows hold one arm only"),
            });
        }
        let te = data.select(&test);
        let model = fit_propensity_from(&params.propensity, &tr.x.values, p, &tr.t_f64(), &data.x.names, init)?;
        let e = model.predict(&te.x.values, p);
        let arms = if outcomes { Some(arm_predictions(&te, params, &tr)?) } else { None };
        Ok(FoldFit { test, model, e, arms })
    };
    let first = fit(0, None)?;
    let rest = (1..params.folds).into_par_iter().map(|f| fit(f, Some(&first.model))).collect::<Result<Vec<_>>>()?;
    let mut all = Vec::with_capacity(params.folds);
    all.push(first);
    all.extend(rest);
    Ok(all)
}

/// Cross-fitted nuisances `(e, m₀, m₁)`: each row's predictions come from models fitted without its fold.
pub(crate) fn cross_fit(data: &CausalData, params: &CausalParams, seed: u64) -> Result<[Vec<f64>; 3]> {
    let n = data.n();
    let (mut e, mut m0, mut m1) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for fold in fit_folds(data, params, seed, true)? {
        let [a0, a1] = fold.arms.expect("outcome models were fitted");
        for (k, &i) in fold.test.iter().enumerate() {
            e[i] = fold.e[k];
            m0[i] = a0[k];
            m1[i] = a1[k];
        }
    }
    clip_all(&mut e, params.clip);
    Ok([e, m0, m1])
}

/// Cross-fitted propensities (unclipped): each row's comes from a model fitted without its fold (the
/// same folds as [`cross_fit`] for the same seed).
pub(crate) fn cross_fit_propensity(data: &CausalData, params: &CausalParams, seed: u64) -> Result<Vec<f64>> {
    let mut e = vec![0.0; data.n()];
    for fold in fit_folds(data, params, seed, false)? {
        for (k, &i) in fold.test.iter().enumerate() {
            e[i] = fold.e[k];
        }
    }
    Ok(e)
}

/// AIPW (and, with `cate`, the DR-learner's CATE stage) from cross-fitted nuisances.
pub(crate) fn aipw(data: &CausalData, params: &CausalParams, seed: u64, cate: bool) -> Result<Point> {
    let [e, m0, m1] = cross_fit(data, params, seed)?;
    let n = data.n();
    let y = &data.outcome;
    let t = &data.treatment;
    let psi: Vec<f64> =
        (0..n)
            .map(|i| {
                if t[i] {
                    m1[i] - m0[i] + (y[i] - m1[i]) / e[i]
                } else {
                    m1[i] - m0[i] - (y[i] - m0[i]) / (1.0 - e[i])
                }
            })
            .collect();
    let (value, phi) = match params.estimand {
        Estimand::Ate => {
            let v = psi.iter().sum::<f64>() / n as f64;
            (v, psi.iter().map(|p| p - v).collect::<Vec<f64>>())
        }
        Estimand::Att => {
            let p1 = data.n_treated() as f64 / n as f64;
            let num: Vec<f64> =
                (0..n).map(|i| if t[i] { y[i] - m0[i] } else { -e[i] * (y[i] - m0[i]) / (1.0 - e[i]) }).collect();
            let v = num.iter().sum::<f64>() / n as f64 / p1;
            (v, (0..n).map(|i| (num[i] - if t[i] { v } else { 0.0 }) / p1).collect())
        }
    };
    let cate = if cate {
        let p = data.x.n_cols;
        Some(fit_outcome(&params.outcome, &data.x.values, p, &psi, &data.x.names)?.predict(&data.x.values, p))
    } else {
        None
    };
    Ok(Point { value, influence: Some(phi), cate, propensity: Some(e), ..Point::default() })
}

/// The cross-fitted AIPW scores `ψᵢ` of the ATE (their mean is the AIPW estimate).
pub(crate) fn aipw_scores(data: &CausalData, params: &CausalParams, seed: u64) -> Result<Vec<f64>> {
    let [e, m0, m1] = cross_fit(data, params, seed)?;
    Ok((0..data.n())
        .map(|i| {
            let y = data.outcome[i];
            if data.treatment[i] {
                m1[i] - m0[i] + (y - m1[i]) / e[i]
            } else {
                m1[i] - m0[i] - (y - m0[i]) / (1.0 - e[i])
            }
        })
        .collect())
}
