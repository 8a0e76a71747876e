//! Deterministic subject splits: each subject's split is a function of its id and a seed only, so it
//! does not change when other subjects are added or removed, nor with the order of the input.

use mlhc_core::Rng;

use crate::schema::{HELD_OUT_SPLIT, TRAIN_SPLIT, TUNING_SPLIT};
use crate::{Error, Result};

/// A MEDS split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    /// `train`: model fitting.
    Train,
    /// `tuning`: hyperparameter choice and early stopping.
    Tuning,
    /// `held_out`: final evaluation.
    HeldOut,
}

impl Split {
    /// All splits, in MEDS order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Tuning, Split::HeldOut];

    /// The MEDS name (`train`, `tuning`, `held_out`).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => TRAIN_SPLIT,
            Split::Tuning => TUNING_SPLIT,
            Split::HeldOut => HELD_OUT_SPLIT,
        }
    }
}

/// The share of subjects in each split. By default, train 0.8, tuning 0.1, held_out 0.1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitFractions {
    train: f64,
    tuning: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        Self { train: 0.8, tuning: 0.1 }
    }
}

impl SplitFractions {
    /// Fractions that must be non-negative and sum to 1 (within 1e-9).
    pub fn new(train: f64, tuning: f64, held_out: f64) -> Result<Self> {
        let ok = [train, tuning, held_out].iter().all(|f| f.is_finite() && *f >= 0.0)
            && (train + tuning + held_out - 1.0).abs() < 1e-9;
        if !ok {
            return Err(Error::InvalidArgument {
                name: "split".into(),
                message: format!("fractions {train}/{tuning}/{held_out} must be non-negative and sum to 1"),
            });
        }
        Ok(Self { train, tuning })
    }

    /// The split of `subject_id` under `seed`: a uniform draw from the subject's own random stream,
    /// compared with the cumulative fractions.
    pub fn assign(&self, subject_id: i64, seed: u64) -> Split {
        let u = Rng::for_stream(seed, subject_id as u64).uniform();
        if u < self.train {
            Split::Train
        } else if u < self.train + self.tuning {
            Split::Tuning
        } else {
            Split::HeldOut
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_stable_and_near_the_fractions() {
        let f = SplitFractions::default();
        let n = 20_000;
        let train = (0..n).filter(|&s| f.assign(s, 7) == Split::Train).count();
        // Binomial(20000, 0.8): sd ≈ 57, so ±400 is a 7-sigma band.
        assert!((train as i64 - 16_000).abs() < 400, "{train}");
        assert_eq!(f.assign(12345, 7), f.assign(12345, 7));
        assert!(SplitFractions::new(0.5, 0.5, 0.1).is_err());
        let all_train = SplitFractions::new(1.0, 0.0, 0.0).expect("valid");
        assert!((0..100).all(|s| all_train.assign(s, 1) == Split::Train));
    }
}
