//! Hyperparameters of gradient-boosted trees, with LightGBM's defaults.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The loss that boosting minimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Objective {
    /// Binary log loss `−[y log p + (1 − y) log(1 − p)]` with `p = σ(F)`; labels are 0 or 1.
    /// Gradient `p − y`, hessian `p (1 − p)` (LightGBM `objective="binary"`).
    Binary,
    /// Squared error `(F − y)² / 2`; gradient `F − y`, hessian 1 (LightGBM `objective="regression"`).
    Regression,
}

/// Settings of a gradient-boosted tree fit. Defaults follow LightGBM 4.x.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtParams {
    /// The loss. By default [`Objective::Binary`].
    pub objective: Objective,
    /// Boosting rounds (trees) at most. By default 100.
    pub num_trees: usize,
    /// Shrinkage η applied to every leaf value, in (0, 1]. By default 0.1.
    pub learning_rate: f64,
    /// Leaves per tree at most, ≥ 2; trees grow best-first (the leaf with the largest gain splits next).
    /// By default 31.
    pub num_leaves: usize,
    /// Depth at most (the root has depth 0); `None` for no limit. By default `None`.
    pub max_depth: Option<usize>,
    /// Training rows in a leaf at least, ≥ 1. By default 20.
    pub min_data_in_leaf: usize,
    /// Sum of hessians in a leaf at least, ≥ 0. By default 1e-3.
    pub min_sum_hessian: f64,
    /// L2 penalty λ ≥ 0 on leaf values: a leaf's value is `−η G / (H + λ)` and a split's gain is
    /// `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)`. By default 0.
    pub lambda_l2: f64,
    /// Quantile bins per feature at most, in [2, 255], computed on the observed (present) values; absent
    /// entries get one extra bin of their own. By default 255.
    pub max_bins: usize,
    /// Share of rows drawn (without replacement, a Bernoulli draw per row) for each tree, in (0, 1].
    /// By default 1 (no bagging).
    pub bagging_fraction: f64,
    /// Share of features drawn for each tree, in (0, 1]. By default 1.
    pub feature_fraction: f64,
    /// Seed of the bagging and feature draws. By default 0.
    pub seed: u64,
    /// Stop when the validation loss has not improved for this many rounds, and keep the trees up to
    /// the best round; `None` (or no validation set) to run all rounds. By default `None`.
    pub early_stopping_rounds: Option<usize>,
    /// Worker threads; 0 for rayon's global pool. Results do not depend on it. By default 0.
    pub n_threads: usize,
}

impl Default for GbdtParams {
    fn default() -> Self {
        Self {
            objective: Objective::Binary,
            num_trees: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: None,
            min_data_in_leaf: 20,
            min_sum_hessian: 1e-3,
            lambda_l2: 0.0,
            max_bins: 255,
            bagging_fraction: 1.0,
            feature_fraction: 1.0,
            seed: 0,
            early_stopping_rounds: None,
            n_threads: 0,
        }
    }
}

fn invalid(name: &'static str, message: String) -> Error {
    Error::InvalidParam { name, message }
}

impl GbdtParams {
    /// Checks every range documented on the fields.
    pub fn validate(&self) -> Result<()> {
        if self.num_trees == 0 {
            return Err(invalid("num_trees", "must be at least 1, got 0".into()));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err(invalid("learning_rate", format!("must be in (0, 1], got {}", self.learning_rate)));
        }
        if self.num_leaves < 2 {
            return Err(invalid("num_leaves", format!("must be at least 2, got {}", self.num_leaves)));
        }
        if self.max_depth == Some(0) {
            return Err(invalid("max_depth", "must be at least 1 (or None), got 0".into()));
        }
        if self.min_data_in_leaf == 0 {
            return Err(invalid("min_data_in_leaf", "must be at least 1, got 0".into()));
        }
        if !(self.min_sum_hessian >= 0.0 && self.min_sum_hessian.is_finite()) {
            return Err(invalid("min_sum_hessian", format!("must be finite and ≥ 0, got {}", self.min_sum_hessian)));
        }
        if !(self.lambda_l2 >= 0.0 && self.lambda_l2.is_finite()) {
            return Err(invalid("lambda_l2", format!("must be finite and ≥ 0, got {}", self.lambda_l2)));
        }
        if !(2..=255).contains(&self.max_bins) {
            return Err(invalid("max_bins", format!("must be in [2, 255], got {}", self.max_bins)));
        }
        if !(self.bagging_fraction > 0.0 && self.bagging_fraction <= 1.0) {
            return Err(invalid("bagging_fraction", format!("must be in (0, 1], got {}", self.bagging_fraction)));
        }
        if !(self.feature_fraction > 0.0 && self.feature_fraction <= 1.0) {
            return Err(invalid("feature_fraction", format!("must be in (0, 1], got {}", self.feature_fraction)));
        }
        if self.early_stopping_rounds == Some(0) {
            return Err(invalid("early_stopping_rounds", "must be at least 1 (or None), got 0".into()));
        }
        Ok(())
    }
}
