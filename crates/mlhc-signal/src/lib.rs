//! Physiological signals for mlhc: WFDB and EDF readers, filters, QRS detection, beat scoring, HRV.

pub mod edf;
pub mod error;
pub mod filter;
pub mod hrv;
pub mod qrs;
pub mod score;
pub mod synth;
pub mod wfdb;

pub use error::{Error, Result};
