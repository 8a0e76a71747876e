//! Gradient histograms: per feature and bin, the sums of gradients, hessians and rows of a leaf.

use rayon::prelude::*;

use super::binning::BinnedMatrix;

/// Sums over the rows of one bin (or one node).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    /// Σ gradients G.
    pub g: f64,
    /// Σ hessians H.
    pub h: f64,
    /// Rows.
    pub n: u32,
}

impl Sums {
    /// `self + other`.
    pub fn add(self, o: Sums) -> Sums {
        Sums { g: self.g + o.g, h: self.h + o.h, n: self.n + o.n }
    }

    /// `self − other`.
    pub fn sub(self, o: Sums) -> Sums {
        Sums { g: self.g - o.g, h: self.h - o.h, n: self.n - o.n }
    }
}

/// One leaf's histograms: `hist[j][b]` are the sums of feature `j`'s bin `b` (the last bin is the
/// missing bin); features not drawn for the tree have an empty histogram.
pub type Histograms = Vec<Vec<Sums>>;

/// Builds the histograms of the rows `rows` (whose sums are `total`) for the features where
/// `active[j]`, one feature per rayon task. Each feature's sums run over `rows` in order, so the result
/// does not depend on scheduling. `gh[i] = [gᵢ, hᵢ]`; `n_bins[j]` counts feature `j`'s bins including
/// the missing bin.
///
/// The missing bin is not accumulated but set to `total − Σ observed bins` (LightGBM's most-frequent-bin
/// trick): on sparse features it is the most frequent bin, and adding into one slot row after row
/// serializes on the store-to-load latency.
pub fn build(
    x: &BinnedMatrix,
    rows: &[u32],
    gh: &[[f64; 2]],
    active: &[bool],
    n_bins: &[usize],
    total: Sums,
) -> Histograms {
    (0..x.bins.len())
        .into_par_iter()
        .map(|j| {
            if !active[j] {
                return Vec::new();
            }
            let col = &x.bins[j];
            let missing = n_bins[j] - 1;
            let mut acc = vec![[0.0f64; 2]; n_bins[j]];
            let mut cnt = vec![0u32; n_bins[j]];
            let mut add = |r: usize, b: usize| {
                let [g, h] = gh[r];
                acc[b][0] += g;
                acc[b][1] += h;
                cnt[b] += 1;
            };
            if rows.len() == col.len() {
                // All rows, in order: skip the indirection.
                col.iter().enumerate().filter(|&(_, &b)| b as usize != missing).for_each(|(r, &b)| add(r, b as usize));
            } else {
                for &r in rows {
                    let b = col[r as usize] as usize;
                    if b != missing {
                        add(r as usize, b);
                    }
                }
            }
            let mut out: Vec<Sums> = acc.iter().zip(&cnt).map(|(&[g, h], &n)| Sums { g, h, n }).collect();
            let observed = out[..missing].iter().fold(Sums::default(), |a, &b| a.add(b));
            out[missing] = total.sub(observed);
            out
        })
        .collect()
}

/// The sibling's histograms, `parent − child` (LightGBM's subtraction trick: only the smaller child is
/// built from its rows).
pub fn subtract(parent: &Histograms, child: &Histograms) -> Histograms {
    parent.par_iter().zip(child.par_iter()).map(|(p, c)| p.iter().zip(c).map(|(&a, &b)| a.sub(b)).collect()).collect()
}
