//! Quantile binning of features: each feature's observed values are cut into at most `max_bins`
//! bins of about equal count, and absent entries get one more bin of their own (the missing bin).

use mlhc_core::{CscMatrix, CsrMatrix};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Observed values per feature used to place the cuts at most. Like LightGBM's
/// `bin_construct_sample_cnt` (200 000), this bounds the sort while keeping quantiles accurate.
const BIN_SAMPLE: usize = 200_000;

/// The cuts of one feature: bin `b` holds the observed values `v` with `upper[b−1] < v ≤ upper[b]`;
/// the last upper bound is `f32::MAX`, so every finite value has a bin (and the bound serializes as a number, which +∞ would not). The missing bin is `upper.len()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinMapper {
    /// Upper bounds of the observed-value bins, increasing.
    pub upper: Vec<f32>,
}

impl BinMapper {
    /// Places at most `max_bins` cuts at the count quantiles of `values` (finite, any order); a feature
    /// with at most `max_bins` distinct values gets one bin per value.
    pub fn from_values(mut values: Vec<f32>, max_bins: usize) -> Self {
        if values.is_empty() {
            return Self { upper: Vec::new() };
        }
        if values.len() > BIN_SAMPLE {
            // A deterministic stride sample; the caller's order is the row order.
            let stride = values.len().div_ceil(BIN_SAMPLE);
            values = values.into_iter().step_by(stride).collect();
        }
        values.sort_by(f32::total_cmp);
        let mut distinct: Vec<(f32, usize)> = Vec::new();
        for v in values {
            match distinct.last_mut() {
                Some((last, count)) if *last == v => *count += 1,
                _ => distinct.push((v, 1)),
            }
        }
        let total: usize = distinct.iter().map(|&(_, c)| c).sum();
        let mut upper = Vec::with_capacity(max_bins.min(distinct.len()));
        let mut cumulative = 0usize;
        for i in 0..distinct.len() - 1 {
            cumulative += distinct[i].1;
            let cut_here = distinct.len() <= max_bins
                || (upper.len() + 1 < max_bins && cumulative * max_bins >= (upper.len() + 1) * total);
            if cut_here {
                upper.push(midpoint(distinct[i].0, distinct[i + 1].0));
            }
        }
        upper.push(f32::MAX);
        Self { upper }
    }

    /// Observed-value bins (the missing bin is this index).
    pub fn n_bins(&self) -> usize {
        self.upper.len()
    }

    /// The bin of an observed finite value: the first `b` with `v ≤ upper[b]`.
    pub fn bin(&self, v: f32) -> u8 {
        // At most 255 observed bins, so the index fits in u8 (the missing bin may be 255).
        self.upper.partition_point(|&u| u < v) as u8
    }
}

/// A point `m` with `a ≤ m < b` for `a < b`, so that `a` goes left and `b` goes right.
fn midpoint(a: f32, b: f32) -> f32 {
    let m = ((f64::from(a) + f64::from(b)) / 2.0) as f32;
    if m >= b {
        a
    } else {
        m
    }
}

/// A feature matrix as bin indices, stored by column and by row; absent entries hold their feature's
/// missing bin.
#[derive(Debug, Clone)]
pub struct BinnedMatrix {
    /// Rows.
    pub n_rows: usize,
    /// `bins[j][i]`: the bin of feature `j` in row `i` (partitions and predictions read one feature).
    pub bins: Vec<Vec<u8>>,
    /// `by_row[i * n_features + j]`: the same bins row by row. Histograms read every feature of a row,
    /// and a leaf's rows are scattered: one contiguous run per row keeps that read to a cache line or
    /// two instead of one line per feature.
    pub by_row: Vec<u8>,
}

/// Computes one [`BinMapper`] per column of `x` from its present entries.
pub fn fit_mappers(x: &CscMatrix, max_bins: usize) -> Vec<BinMapper> {
    (0..x.n_cols()).into_par_iter().map(|j| BinMapper::from_values(x.col(j).1.to_vec(), max_bins)).collect()
}

/// Bins the first `mappers.len()` columns of `x` (extra columns are ignored).
pub fn bin_matrix(x: &CsrMatrix, mappers: &[BinMapper]) -> BinnedMatrix {
    let n = x.n_rows();
    let mut bins: Vec<Vec<u8>> = mappers.iter().map(|m| vec![m.n_bins() as u8; n]).collect();
    for (i, (w, next)) in x.indptr().iter().zip(&x.indptr()[1..]).enumerate() {
        let (lo, hi) = (*w as usize, *next as usize);
        let (idx, vals) = (&x.indices()[lo..hi], &x.data()[lo..hi]);
        for (&j, &v) in idx.iter().zip(vals) {
            if let Some(m) = mappers.get(j as usize) {
                bins[j as usize][i] = m.bin(v);
            }
        }
    }
    let p = bins.len();
    let mut by_row = vec![0u8; n * p];
    for (j, col) in bins.iter().enumerate() {
        for (i, &b) in col.iter().enumerate() {
            by_row[i * p + j] = b;
        }
    }
    BinnedMatrix { n_rows: n, bins, by_row }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let m = BinMapper::from_values(vec![3.0, 1.0, 2.0, 1.0, 0.0], 255);
        assert_eq!(m.upper, vec![0.5, 1.5, 2.5, f32::MAX]);
        assert_eq!(m.bin(0.0), 0);
        assert_eq!(m.bin(1.5), 1);
        assert_eq!(m.bin(1.6), 2);
        assert_eq!(m.bin(100.0), 3);
    }

    #[test]
    fn quantile_bins_have_about_equal_counts() {
        let values: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let m = BinMapper::from_values(values.clone(), 10);
        assert_eq!(m.n_bins(), 10);
        let mut counts = [0usize; 10];
        for v in values {
            counts[m.bin(v) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (99..=101).contains(&c)), "{counts:?}");
    }
}
