//! Histogram gradient-boosted decision trees on sparse features with learned missing directions
//! (LightGBM's algorithm: quantile bins, leaf-wise growth, histogram subtraction; XGBoost's
//! sparsity-aware default directions).
//!
//! Round `m` fits a tree to the Newton step of the loss `L` at the current raw scores `F`: with
//! `gᵢ = ∂L/∂F` and `hᵢ = ∂²L/∂F²`, a leaf holding rows `I` gets the value `−η Σ_I g / (Σ_I h + λ)`
//! and a split is scored by `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)`. An entry absent from a sparse
//! row is *not observed*: it takes the split's default direction, which each split learns by trying
//! the absent rows on both sides. An explicit 0 is a value like any other. Defaults match LightGBM 4.x
//! (`num_leaves=31`, `learning_rate=0.1`, `min_data_in_leaf=20`, `max_bin=255`); results are the same
//! for any number of threads.
//!
//! ```
//! use mlhc_core::CsrMatrix;
//! use mlhc_learn::gbdt::{fit, GbdtParams};
//!
//! // Positive iff feature 0 exceeds 50.
//! let mut x = CsrMatrix::new(1);
//! let mut y = Vec::new();
//! for i in 0..100 {
//!     x.push_row(&[(0, i as f32)]);
//!     y.push(if i > 50 { 1.0 } else { 0.0 });
//! }
//! let model = fit(&x, &y, &GbdtParams { num_trees: 20, ..Default::default() }).unwrap();
//! let p = model.predict(&x);
//! assert!(p[10] < 0.2 && p[90] > 0.8);
//! ```

mod binning;
mod boost;
mod histogram;
mod params;
mod split;
mod tree;

use mlhc_core::CsrMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use binning::BinMapper;
pub use boost::{fit, fit_with_validation, Validation};
pub use params::{GbdtParams, Objective};
pub use tree::{Node, Tree};

/// A fitted gradient-boosted tree ensemble: raw score `F(x) = init_score + Σ_trees tree(x)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtModel {
    /// The loss it was fitted on.
    pub objective: Objective,
    /// Columns of the training matrix.
    pub n_features: usize,
    /// The starting raw score (log-odds of the mean label, or the mean).
    pub init_score: f64,
    /// The trees, in boosting order (truncated at the best round after early stopping).
    pub trees: Vec<Tree>,
    /// The validation loss after each round run (empty without a validation set).
    pub valid_losses: Vec<f64>,
}

impl GbdtModel {
    /// Raw scores `F(x)` (log-odds for [`Objective::Binary`]). Columns of `x` beyond `n_features`
    /// are ignored and missing columns count as absent.
    pub fn predict_raw(&self, x: &CsrMatrix) -> Vec<f64> {
        let nf = self.n_features;
        (0..x.n_rows())
            .into_par_iter()
            .with_min_len(1024)
            .map_init(
                // A dense row buffer; `stamp[j] == i + 1` marks feature j as present in row i, so the
                // buffer needs no clearing between rows.
                || (vec![0.0f32; nf], vec![0usize; nf]),
                |(vals, stamp), i| {
                    let (idx, v) = x.row(i);
                    for (&j, &v) in idx.iter().zip(v) {
                        if (j as usize) < nf {
                            vals[j as usize] = v;
                            stamp[j as usize] = i + 1;
                        }
                    }
                    let get = |j: usize| (stamp[j] == i + 1).then(|| vals[j]);
                    self.init_score + self.trees.iter().map(|t| t.predict_with(get)).sum::<f64>()
                },
            )
            .collect()
    }

    /// Predictions: probabilities `σ(F)` for [`Objective::Binary`], `F` for
    /// [`Objective::Regression`].
    pub fn predict(&self, x: &CsrMatrix) -> Vec<f64> {
        let raw = self.predict_raw(x);
        match self.objective {
            Objective::Binary => raw.into_iter().map(|f| 1.0 / (1.0 + (-f).exp())).collect(),
            Objective::Regression => raw,
        }
    }
}
