//! Checks shared by every estimator: matching lengths, valid durations, weights and covariates.

use crate::error::{Error, Result};

/// Checks that `durations` are finite and non-negative and that `events` has one flag per duration.
pub fn check_survival(durations: &[f64], events: &[bool]) -> Result<()> {
    if durations.is_empty() {
        return Err(Error::Empty);
    }
    check_len("events", events.len(), durations.len())?;
    for (row, &value) in durations.iter().enumerate() {
        if !value.is_finite() || value < 0.0 {
            return Err(Error::BadDuration { row, value });
        }
    }
    Ok(())
}

/// Checks optional per-row weights: one per row, finite and strictly positive.
pub fn check_weights(weights: Option<&[f64]>, n: usize) -> Result<()> {
    if let Some(w) = weights {
        check_len("weights", w.len(), n)?;
        for (row, &value) in w.iter().enumerate() {
            if !value.is_finite() || value <= 0.0 {
                return Err(Error::BadWeight { row, value });
            }
        }
    }
    Ok(())
}

/// Checks that a per-row input has one value per row.
pub fn check_len(what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch { what, got, expected })
    }
}

/// Maps arbitrary integer labels to dense codes `0..k` in sorted label order; returns the codes and the
/// sorted distinct labels.
pub fn encode_labels(labels: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut levels = labels.to_vec();
    levels.sort_unstable();
    levels.dedup();
    let codes =
        labels.iter().map(|l| levels.binary_search(l).expect("every label is one of its own sorted levels")).collect();
    (codes, levels)
}

/// Row indices sorted by ascending duration (ties in input order).
pub fn order_by_time(durations: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..durations.len()).collect();
    order.sort_by(|&a, &b| durations[a].total_cmp(&durations[b]));
    order
}
