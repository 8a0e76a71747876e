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
/// `active[j]`. `gh[i] = [gᵢ, hᵢ]`; `n_bins[j]` counts feature `j`'s bins including the missing bin.
///
/// Features are processed in groups, one group per rayon task, so that each pass over the rows reads
/// `gh` once for several features (on a million rows `gh` is 16 MB, and reading it once per feature
/// made the build memory-bound). Every feature's sums still run over `rows` in order, so neither the
/// grouping nor the scheduling changes the result.
///
/// The missing bin's sums are then replaced by `total − Σ observed bins` (LightGBM's most-frequent-bin
/// trick), so they are exactly consistent with the leaf's totals.
pub fn build(
    x: &BinnedMatrix,
    rows: &[u32],
    gh: &[[f64; 2]],
    active: &[bool],
    n_bins: &[usize],
    total: Sums,
) -> Histograms {
    let features: Vec<usize> = (0..x.bins.len()).filter(|&j| active[j]).collect();
    // Two groups per thread balance the load; the size only affects speed.
    let group = features.len().div_ceil(2 * rayon::current_num_threads().max(1)).clamp(1, 16);
    let built: Vec<Vec<(usize, Vec<Sums>)>> =
        features.par_chunks(group).map(|fs| build_group(x, rows, gh, fs, n_bins, total)).collect();
    let mut out: Histograms = vec![Vec::new(); x.bins.len()];
    for (j, h) in built.into_iter().flatten() {
        out[j] = h;
    }
    out
}

fn build_group(
    x: &BinnedMatrix,
    rows: &[u32],
    gh: &[[f64; 2]],
    features: &[usize],
    n_bins: &[usize],
    total: Sums,
) -> Vec<(usize, Vec<Sums>)> {
    // (column, missing bin, offset of the feature's bins in the flat accumulators)
    let mut layout: Vec<(&[u8], u8, usize)> = Vec::with_capacity(features.len());
    let mut size = 0;
    for &j in features {
        // At most 255 observed bins, so the missing bin index fits in u8.
        layout.push((x.bins[j].as_slice(), (n_bins[j] - 1) as u8, size));
        size += n_bins[j];
    }
    let mut acc = vec![[0.0f64; 2]; size];
    let mut cnt = vec![0u32; size];
    for &r in rows {
        let r = r as usize;
        let [g, h] = gh[r];
        for &(col, _, off) in &layout {
            // No branch on the missing bin: whether an entry is absent is unpredictable, and its slot
            // is overwritten below anyway.
            let k = off + col[r] as usize;
            acc[k][0] += g;
            acc[k][1] += h;
            cnt[k] += 1;
        }
    }
    features
        .iter()
        .zip(&layout)
        .map(|(&j, &(_, missing, off))| {
            let missing = missing as usize;
            let mut hist: Vec<Sums> =
                (off..off + n_bins[j]).map(|k| Sums { g: acc[k][0], h: acc[k][1], n: cnt[k] }).collect();
            let observed = hist[..missing].iter().fold(Sums::default(), |a, &b| a.add(b));
            hist[missing] = total.sub(observed);
            (j, hist)
        })
        .collect()
}

/// The sibling's histograms, `parent − child` (LightGBM's subtraction trick: only the smaller child is
/// built from its rows).
pub fn subtract(parent: &Histograms, child: &Histograms) -> Histograms {
    parent.par_iter().zip(child.par_iter()).map(|(p, c)| p.iter().zip(c).map(|(&a, &b)| a.sub(b)).collect()).collect()
}
