//! Estimators for mlhc.
//!
//! Penalized logistic regression on sparse [`CsrMatrix`](mlhc_core::CsrMatrix) features (glmnet's
//! algorithm; matches scikit-learn on the same standardized problem with `λ = 1/(C·n)`), and
//! histogram gradient-boosted trees with learned missing directions ([`gbdt`], LightGBM's algorithm).
//!
//! ```
//! use mlhc_core::CsrMatrix;
//! use mlhc_learn::logistic::{fit, LogisticParams, Penalty};
//!
//! // One informative feature: larger values, more positives.
//! let mut x = CsrMatrix::new(1);
//! let mut y = Vec::new();
//! for i in 0..40 {
//!     x.push_row(&[(0, i as f32)]);
//!     y.push(if (i * 7) % 40 < i { 1.0 } else { 0.0 });
//! }
//! let model = fit(&x, &y, &LogisticParams { penalty: Penalty::L2, lambda: 0.01, ..Default::default() }).unwrap();
//! assert!(model.coef[0] > 0.0);
//! let p = model.predict_proba(&x);
//! assert!(p[39] > p[0]);
//! ```

pub mod cv;
mod error;
pub mod gbdt;
pub mod logistic;
pub mod persist;

pub use error::{Error, Result};
