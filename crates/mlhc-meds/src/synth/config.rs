//! Configuration of the generator, and its validation into a shard plan.

use crate::schema::{HELD_OUT_SPLIT, TRAIN_SPLIT, TUNING_SPLIT};
use crate::{Error, Result};

/// By default, shards hold at most this many subjects (about 3 million events).
pub const DEFAULT_SUBJECTS_PER_SHARD: usize = 10_000;

/// How the subjects of each split are cut into shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharding {
    /// Each split is cut into shards of at most this many subjects (the last shard of a split may hold
    /// fewer), as MEDS-Extract's `n_subjects_per_shard` does.
    SubjectsPerShard(usize),
    /// About this many shards in total: subjects per shard is `ceil(subjects / shards)`, then as
    /// [`Sharding::SubjectsPerShard`]; each split rounds its own shard count up, so the total can exceed
    /// the request by at most two.
    Shards(usize),
}

/// The three MEDS splits, in the proportions 80 / 10 / 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    /// For training models (80% of subjects).
    Train,
    /// For tuning hyperparameters (10%).
    Tuning,
    /// For the final evaluation (10%).
    HeldOut,
}

impl Split {
    /// Every split, in the order their shards are written.
    pub const ALL: [Split; 3] = [Split::Train, Split::Tuning, Split::HeldOut];

    /// The MEDS name of the split (`train`, `tuning`, `held_out`).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => TRAIN_SPLIT,
            Split::Tuning => TUNING_SPLIT,
            Split::HeldOut => HELD_OUT_SPLIT,
        }
    }
}

/// What to generate. Build it with [`SynthConfig::new`] and adjust the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// The number of subjects (patients); at least 1.
    pub subjects: usize,
    /// The seed: the same seed and subject count give byte-identical datasets. By default, 0.
    pub seed: u64,
    /// How subjects are cut into shards. By default, [`DEFAULT_SUBJECTS_PER_SHARD`] subjects per shard.
    pub sharding: Sharding,
}

impl SynthConfig {
    /// `subjects` subjects with seed 0 and the default sharding.
    pub fn new(subjects: usize) -> Self {
        Self { subjects, seed: 0, sharding: Sharding::SubjectsPerShard(DEFAULT_SUBJECTS_PER_SHARD) }
    }

    /// The same configuration with another seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same configuration with another sharding.
    pub fn with_sharding(mut self, sharding: Sharding) -> Self {
        self.sharding = sharding;
        self
    }

    /// Checks the ranges and lays out the splits and shards.
    pub(crate) fn plan(&self) -> Result<Plan> {
        let n = self.subjects;
        if n == 0 {
            return Err(invalid("subjects", "must be at least 1, got 0".into()));
        }
        // Subject ids are 10_000_000 + index, and positions use 128-bit products, so any count that fits
        // comfortably in an i64 id works; this bound only rejects absurd requests early.
        if n > 1 << 40 {
            return Err(invalid("subjects", format!("must be at most 2^40, got {n}")));
        }
        let per_shard = match self.sharding {
            Sharding::SubjectsPerShard(0) => {
                return Err(invalid("subjects per shard", "must be at least 1, got 0".into()))
            }
            Sharding::Shards(0) => return Err(invalid("shards", "must be at least 1, got 0".into())),
            Sharding::SubjectsPerShard(m) => m,
            Sharding::Shards(k) => n.div_ceil(k),
        };
        let n_train = (n * 8).div_ceil(10).min(n);
        let n_tuning = (n - n_train).div_ceil(2);
        let sizes = [n_train, n_tuning, n - n_train - n_tuning];
        let mut shards = Vec::new();
        let mut start = 0usize;
        for (split, size) in Split::ALL.into_iter().zip(sizes) {
            for (k, lo) in (0..size).step_by(per_shard).enumerate() {
                let hi = (lo + per_shard).min(size);
                shards.push(ShardSpec {
                    name: format!("{}/{k}", split.name()),
                    split,
                    positions: (start + lo, start + hi),
                });
            }
            start += size;
        }
        Ok(Plan {
            seed: self.seed,
            permutation: Permutation::new(n as u64, self.seed),
            split_ends: [sizes[0], sizes[0] + sizes[1], n],
            shards,
        })
    }
}

fn invalid(name: &str, message: String) -> Error {
    Error::InvalidArgument { name: name.into(), message }
}

/// One shard of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardSpec {
    /// The shard's name under `data/`, e.g. `train/0`.
    pub name: String,
    /// The split its subjects belong to.
    pub split: Split,
    /// The half-open range of shuffled positions (see [`Permutation`]) whose subjects it holds.
    pub(crate) positions: (usize, usize),
}

impl ShardSpec {
    /// The number of subjects in the shard.
    pub fn n_subjects(&self) -> usize {
        self.positions.1 - self.positions.0
    }
}

/// A validated configuration: the seed, the subject shuffle and the shards.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub seed: u64,
    pub permutation: Permutation,
    /// Positions `0..split_ends[0]` are train, then tuning up to `split_ends[1]`, then held out.
    pub split_ends: [usize; 3],
    pub shards: Vec<ShardSpec>,
}

impl Plan {
    /// The split of the subject with index `k`.
    pub fn split_of(&self, k: u64) -> Split {
        let p = self.permutation.position(k) as usize;
        if p < self.split_ends[0] {
            Split::Train
        } else if p < self.split_ends[1] {
            Split::Tuning
        } else {
            Split::HeldOut
        }
    }
}

/// A seeded bijection between subject indices `0..n` and shuffled positions `0..n`:
/// `position = (a·k + b) mod n` with `gcd(a, n) = 1`.
///
/// Splits and shards take contiguous ranges of positions, so each split is a pseudo-random subset of
/// subjects, yet any shard's subjects can be listed in O(shard) time and memory, with no shuffled array of
/// the whole population, and the split of any subject is known in O(1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Permutation {
    n: u64,
    a: u64,
    a_inv: u64,
    b: u64,
}

fn gcd(mut x: u64, mut y: u64) -> u64 {
    while y != 0 {
        (x, y) = (y, x % y);
    }
    x
}

/// The inverse of `a` modulo `n` (extended Euclid); `gcd(a, n)` must be 1.
fn mod_inverse(a: u64, n: u64) -> u64 {
    if n == 1 {
        return 0;
    }
    let (mut r0, mut r1) = (n as i128, a as i128);
    let (mut t0, mut t1) = (0i128, 1i128);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (t0, t1) = (t1, t0 - q * t1);
    }
    t0.rem_euclid(n as i128) as u64
}

impl Permutation {
    pub fn new(n: u64, seed: u64) -> Self {
        let mut rng = mlhc_core::Rng::for_stream(seed, u64::MAX);
        // A multiplier near n·φ⁻¹ spreads consecutive indices well; the random offset makes it seed-specific.
        let mut a = ((n as f64 * 0.618_033_988_75) as u64 + rng.below(n.max(2) / 2 + 1)) % n.max(1);
        while n > 1 && (a == 0 || gcd(a, n) != 1) {
            a = (a + 1) % n;
        }
        let a = a.max(1);
        let b = rng.below(n.max(1));
        Self { n, a, a_inv: mod_inverse(a % n.max(1), n), b }
    }

    /// The shuffled position of subject index `k`.
    pub fn position(&self, k: u64) -> u64 {
        ((self.a as u128 * k as u128 + self.b as u128) % self.n as u128) as u64
    }

    /// The subject index at shuffled position `p`.
    pub fn index(&self, p: u64) -> u64 {
        let shifted = (p + self.n - self.b % self.n) % self.n;
        ((self.a_inv as u128 * shifted as u128) % self.n as u128) as u64
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_a_bijection() {
        for n in [1u64, 2, 3, 10, 97, 1000, 1024] {
            let p = Permutation::new(n, 7);
            let mut seen = vec![false; n as usize];
            for k in 0..n {
                let pos = p.position(k);
                assert!(!seen[pos as usize], "n {n}: position {pos} twice");
                seen[pos as usize] = true;
                assert_eq!(p.index(pos), k, "n {n}");
            }
        }
    }

    #[test]
    fn plan_splits_80_10_10_and_caps_shards() {
        let plan = SynthConfig::new(1000).with_sharding(Sharding::SubjectsPerShard(300)).plan().unwrap();
        assert_eq!(plan.split_ends, [800, 900, 1000]);
        let names: Vec<(&str, usize)> = plan.shards.iter().map(|s| (s.name.as_str(), s.n_subjects())).collect();
        assert_eq!(
            names,
            [("train/0", 300), ("train/1", 300), ("train/2", 200), ("tuning/0", 100), ("held_out/0", 100)]
        );
        let plan = SynthConfig::new(1000).with_sharding(Sharding::Shards(4)).plan().unwrap();
        assert_eq!(plan.shards.len(), 6);
        let err = SynthConfig::new(0).plan().unwrap_err();
        assert_eq!(err.to_string(), "invalid subjects: must be at least 1, got 0");
    }
}
