//! Evaluation for mlhc: discrimination (AUROC, average precision), probability accuracy (Brier, log
//! loss), calibration (curve, ECE, slope and intercept), decisions (threshold tables, net benefit) and
//! subgroup fairness gaps — every metric with a 95% interval from a seeded subject-level bootstrap, so
//! that several predictions per patient do not make intervals too narrow.
//!
//! Point metrics match scikit-learn (`roc_auc_score`, `average_precision_score`, `brier_score_loss`,
//! `log_loss`, `calibration_curve`) and fairlearn (`demographic_parity_difference`,
//! `equalized_odds_difference`). Degenerate inputs are defined: a metric that needs both classes is
//! `None` when one is missing.
//!
//! ```
//! use mlhc_eval::{evaluate, metrics::roc_auc, EvalParams};
//!
//! let y = [0.0, 0.0, 1.0, 1.0, 0.0, 1.0];
//! let p = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9];
//! // 8 of the 9 positive–negative pairs are ordered correctly.
//! assert!((roc_auc(&y, &p).unwrap() - 8.0 / 9.0).abs() < 1e-12);
//! let e = evaluate(&y, &p, &[1, 2, 3, 4, 5, 6], &EvalParams { n_boot: 200, ..Default::default() }).unwrap();
//! assert_eq!(e.auroc.value, roc_auc(&y, &p));
//! assert!(e.auroc.ci_low.unwrap() <= e.auroc.value.unwrap());
//! assert_eq!(roc_auc(&[1.0, 1.0], &[0.2, 0.3]), None); // one class: undefined, not a crash
//! ```

mod bootstrap;
pub mod curves;
mod error;
mod evaluate;
mod fairness;
pub mod metrics;

pub use bootstrap::Estimate;
pub use error::{Error, Result};
pub use evaluate::{evaluate, EvalParams, Evaluation, ThresholdEstimate};
pub use fairness::{subgroups, SubgroupMetrics, SubgroupReport};
