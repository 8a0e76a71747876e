//! Physiological signals for mlhc: WFDB and EDF readers, filters, QRS detection, beat scoring, HRV.

pub mod error;
pub mod wfdb;

pub use error::{Error, Result};
