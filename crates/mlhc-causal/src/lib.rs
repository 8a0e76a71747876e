//! Causal inference from observational data: propensity models, inverse probability weighting,
//! augmented IPW with cross-fitting, standardization, meta-learners (T, X, DR), propensity matching,
//! balance and overlap diagnostics, and sensitivity analysis.
//!
//! The input is a table ([`mlhc_frame::Frame`]) with a binary treatment, an outcome and covariates
//! chosen by a patsy / R-style [formula] (`age + I(age^2) + C(education)`), gathered into
//! [`CausalData`] — or a causal task from MEDS: `mlhc tabularize` features joined with a treatment
//! label and an outcome label on `(subject_id, prediction_time)` ([`meds`] describes how such a task
//! is extracted, how rows that do not join are counted, and how absent features become covariates).
//! [`estimate()`] runs one [`Estimator`] for an [`Estimand`] (ATE or ATT) and gives the
//! point estimate with a standard error and a 95% interval. Propensity models are logistic regression
//! (this crate's dense [`glm`]) or boosted trees (mlhc-learn); outcome models are linear or boosted
//! trees, fitted per treatment arm.
//!
//! Around the estimators: [`balance`] (standardized mean differences before/after weighting or
//! matching, a love-plot SVG, overlap and propensity-calibration diagnostics), [`sensitivity`]
//! (E-values, bounds on the IP-weighted ATE when propensities are off by a relative ε), [`refute`]
//! (placebo treatment, random common cause, data subset — each refitting every model), subgroup
//! effects from cross-fitted doubly robust scores ([`estimate::subgroup_effects`]) and [`sim`]
//! (simulated studies with known effects).
//!
//! The estimators follow Hernán & Robins, *Causal Inference: What If* (IPW, standardization), and
//! EconML / DoWhy / causallib for AIPW, the meta-learners and matching. Golden tests reproduce the
//! book's NHEFS numbers (IP-weighted effect of quitting smoking on weight gain, 3.4 kg) and the LaLonde
//! NSW benchmark.
//!
//! ```
//! use mlhc_causal::{estimate, CausalData, CausalParams, Estimator, Formula};
//! use mlhc_frame::Frame;
//!
//! // A randomized toy trial: the treated gain 2 more than the controls.
//! let mut csv = String::from("t,y,age\n");
//! for i in 0..40 {
//!     let t = i % 2;
//!     csv += &format!("{t},{},{}\n", 2 * t + i % 5, 30 + i % 7);
//! }
//! let frame = Frame::from_csv_reader(csv.as_bytes(), b',', "toy.csv").unwrap();
//! let formula = Formula::parse("age + I(age^2)").unwrap();
//! let (data, _) = CausalData::from_frame(&frame, "t", "y", Some(&formula), false).unwrap();
//! assert_eq!(data.x.names, vec!["age", "I(age^2)"]);
//! let params = CausalParams { estimator: Estimator::Naive, ..CausalParams::default() };
//! let est = estimate(&data, &params).unwrap();
//! assert!((est.estimate - 2.0).abs() < 1e-12);
//! assert!(est.ci_low < 2.0 && 2.0 < est.ci_high);
//! ```

pub mod balance;
pub mod data;
mod error;
pub mod estimate;
pub mod formula;
pub mod glm;
pub mod meds;
pub mod nuisance;
pub mod refute;
pub mod report;
pub mod sensitivity;
pub mod sim;

pub use data::{CausalData, RowAccount};
pub use error::{Error, Result};
pub use estimate::{
    estimate, CausalParams, Estimand, Estimate, Estimator, Inference, IpwForm, MatchingDistance, MatchingParams,
    PropensityFitting,
};
pub use formula::Formula;
pub use nuisance::{OutcomeModel, PropensityModel};
