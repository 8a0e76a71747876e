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
/// Rows are read by row ([`BinnedMatrix::by_row`]), in at most `2 × threads` contiguous chunks, one
/// rayon task each with its own accumulators; the chunks' sums are then added in chunk order. The
/// result is therefore a function of the rows and the thread count alone, not of scheduling.
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
    let p = x.bins.len();
    let features: Vec<usize> = (0..p).filter(|&j| active[j]).collect();
    let mut offsets = Vec::with_capacity(features.len());
    let mut size = 0;
    for &j in &features {
        offsets.push(size);
        size += n_bins[j];
    }
    let all_active = features.len() == p;
    // Below a few thousand rows a second task costs more than it saves.
    let chunk = rows.len().div_ceil(2 * rayon::current_num_threads().max(1)).max(4096);
    // Gradient, hessian and count of a bin sit side by side (the count as an f64, exact below 2⁵³), so
    // one update touches one place.
    let partials: Vec<Vec<[f64; 3]>> = rows
        .par_chunks(chunk.max(1))
        .map(|rs| {
            let mut acc = vec![[0.0f64; 3]; size];
            for &r in rs {
                let r = r as usize;
                let [g, h] = gh[r];
                let row = &x.by_row[r * p..(r + 1) * p];
                // No branch on the missing bin: whether an entry is absent is unpredictable, and its
                // slot is overwritten below anyway.
                let mut add = |k: usize| {
                    let a = &mut acc[k];
                    a[0] += g;
                    a[1] += h;
                    a[2] += 1.0;
                };
                if all_active {
                    for (&b, &off) in row.iter().zip(&offsets) {
                        add(off + b as usize);
                    }
                } else {
                    for (&j, &off) in features.iter().zip(&offsets) {
                        add(off + row[j] as usize);
                    }
                }
            }
            acc
        })
        .collect();
    let mut parts = partials.into_iter();
    let mut acc = parts.next().unwrap_or_else(|| vec![[0.0; 3]; size]);
    for a in parts {
        for (t, x) in acc.iter_mut().zip(&a) {
            t[0] += x[0];
            t[1] += x[1];
            t[2] += x[2];
        }
    }
    let mut out: Histograms = vec![Vec::new(); p];
    for (&j, &off) in features.iter().zip(&offsets) {
        let missing = n_bins[j] - 1;
        let mut hist: Vec<Sums> =
            (off..off + n_bins[j]).map(|k| Sums { g: acc[k][0], h: acc[k][1], n: acc[k][2] as u32 }).collect();
        let observed = hist[..missing].iter().fold(Sums::default(), |a, &b| a.add(b));
        hist[missing] = total.sub(observed);
        out[j] = hist;
    }
    out
}

/// The sibling's histograms, `parent − child` (LightGBM's subtraction trick: only the smaller child is
/// built from its rows).
pub fn subtract(parent: &Histograms, child: &Histograms) -> Histograms {
    parent.par_iter().zip(child.par_iter()).map(|(p, c)| p.iter().zip(c).map(|(&a, &b)| a.sub(b)).collect()).collect()
}
