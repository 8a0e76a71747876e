//! Survival analysis: Kaplan–Meier, Nelson–Aalen, log-rank tests, restricted mean survival time, the
//! Cox proportional-hazards model (Efron/Breslow ties, strata, weights, robust and cluster-robust
//! standard errors, ridge penalty, Breslow baseline, streamed survival curves), parametric AFT models
//! (Weibull, log-normal, log-logistic), and prediction metrics (Harrell's and Uno's C, IPCW Brier
//! score and its integral, cumulative/dynamic AUC) with hold-out evaluation, and random survival
//! forests with log-rank splitting.
//!
//! Every estimator takes plain slices — durations, event flags and, for regression, a dense
//! row-major design — and returns a fitted value type; [`table`] turns an `mlhc-frame` table into
//! those slices, and the `mlhc surv` commands read the files. Results match lifelines 0.30.3, R's
//! `survival` and scikit-survival 0.23.1 on the datasets in `testdata/survival/`: each module's
//! documentation states its estimand and the reference it matches.
//!
//! On EHR data in MEDS, [`meds`] defines a survival task: [`extract_labels`] writes one label per
//! subject in the MEDS label schema — `prediction_time` at the first index-code event,
//! `boolean_value` = event observed, `float_value` = days to the first event-code event after the
//! index, or to censoring at the subject's last event or the horizon (subjects without an index
//! event, or with the event at or before it, are counted and get no row). `mlhc tabularize` computes
//! features at those prediction times, and [`join_features`] joins them back on `(subject_id,
//! prediction_time)`, counting every row that does not join, and selects dense covariate columns
//! from the sparse matrix (stored in at least `min_nonzero` rows, not constant, not duplicated, at
//! most `max_columns`). From the command line: `mlhc surv labels MEDS_DIR --index-code
//! 'HOSPITAL_DISCHARGE//*' --event-code MEDS_DEATH --horizon 365 -o L.parquet`, `mlhc tabularize
//! MEDS_DIR --labels L.parquet -o FEATURES`, `mlhc surv cox --features FEATURES --labels L.parquet
//! --split train --penalizer 0.1`.
//!
//! Wide sparse designs (thousands of feature columns) fit with [`coxnet`]: elastic-net Cox by
//! coordinate descent on a column-major sparse matrix (glmnet's algorithm, Breslow ties, exact zeros,
//! warm-started penalty paths), golden against scikit-survival's `CoxnetSurvivalAnalysis`.
//!
//! The small dense linear algebra (a Cholesky factor, solve and inverse of the p×p information
//! matrix) is written here: p is small, and three short routines do not justify a linear-algebra
//! dependency on a 2-core build machine. The normal and chi-square tails for p-values are written
//! here for the same reason.
//!
//! ```
//! use mlhc_surv::{KaplanMeier, CoxData, CoxParams};
//!
//! let durations = [5.0, 8.0, 3.0, 9.0, 4.0, 6.0, 10.0, 2.0];
//! let events = [true, false, true, true, true, false, false, true];
//! let km = KaplanMeier::fit(&durations, &events, 0.05).unwrap();
//! assert_eq!(km.survival_at(3.0), 0.75); // two events among 8, then 7 at risk
//!
//! let x = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
//! let names = vec!["treated".to_string()];
//! let cox = CoxParams::default().fit(&CoxData::new(&x, &names, &durations, &events)).unwrap();
//! assert!(cox.log_likelihood >= cox.null_log_likelihood);
//! ```

// Index loops mirror the matrix formulas they implement (zᵢⱼ, Iᵢⱼ); iterator chains would obscure them.
#![allow(clippy::needless_range_loop)]

pub mod aft;
pub mod concordance;
pub mod cox;
pub mod coxnet;
mod data;
mod error;
pub mod evaluate;
pub mod km;
mod linalg;
pub mod logrank;
pub mod meds;
pub mod metrics;
pub mod nelson_aalen;
pub mod rmst;
pub mod rsf;
mod special;
pub mod table;

pub use aft::{AftCoefficient, AftFamily, AftModel, AftParams};
pub use concordance::{harrell_c, uno_c, Concordance};
pub use cox::{
    BaselineHazard, CoefficientSummary, CoxData, CoxModel, CoxParams, PhTest, Schoenfeld, SurvivalCurves, Ties,
    TimeTransform,
};
pub use coxnet::{SparseCoxData, SparseCoxModel, SparseCoxParams};
pub use error::{Error, Result};
pub use evaluate::{holdout, random_split, EvalSpec, Evaluation, Model};
pub use km::{KaplanMeier, KmPoint, KmRow, Median};
pub use logrank::{logrank_test, LogRank};
pub use meds::{
    extract_labels, join_features, join_features_sparse, CodePattern, ColumnSelection, JoinAccount, JoinedFeatures,
    LabelSummary, LabelTask, SparseJoinedFeatures, SurvivalLabels,
};
pub use metrics::{brier_scores, cumulative_dynamic_auc, BrierScores, DynamicAuc};
pub use nelson_aalen::{NaRow, NelsonAalen};
pub use rmst::{restricted_mean, Rmst};
pub use rsf::{RandomSurvivalForest, RsfParams};
pub use special::{chi2_sf, normal_quantile, normal_sf};
pub use table::{labels, Labels, Roles, SurvivalTable};
