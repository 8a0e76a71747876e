//! One regression tree: leaf-wise (best-first) growth on histograms, and prediction.

use serde::{Deserialize, Serialize};

use super::binning::BinnedMatrix;
use super::histogram::{self, Histograms, Sums};
use super::split::{best_split, SplitInfo, SplitRules};

/// A node of a [`Tree`]. Children and the root are indices into [`Tree::nodes`]; the root is node 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// An internal node: a present value `v` of `feature` goes left iff `v ≤ threshold`; an absent
    /// entry goes left iff `default_left`.
    Split {
        /// The feature (column).
        feature: u32,
        /// The threshold value (the upper bound of bin `bin`).
        threshold: f32,
        /// The last training bin that goes left.
        bin: u8,
        /// Where absent entries go.
        default_left: bool,
        /// Left child.
        left: u32,
        /// Right child.
        right: u32,
        /// Gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` of the split.
        gain: f64,
        /// Training rows reaching the node (its cover, for TreeSHAP).
        count: u32,
        /// Σ hessians of those rows.
        sum_hessian: f64,
    },
    /// A leaf with its value (learning rate included).
    Leaf {
        /// The leaf value `−η G/(H + λ)`.
        value: f64,
        /// Training rows reaching the leaf.
        count: u32,
        /// Σ hessians of those rows.
        sum_hessian: f64,
    },
}

/// A regression tree; its output is added to the raw score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// The nodes; node 0 is the root.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The leaf value for a row given as `value(feature) -> Option<f32>` (`None` when absent).
    pub fn predict_with(&self, value: impl Fn(usize) -> Option<f32>) -> f64 {
        let mut k = 0usize;
        loop {
            match &self.nodes[k] {
                Node::Leaf { value, .. } => return *value,
                Node::Split { feature, threshold, default_left, left, right, .. } => {
                    let go_left = match value(*feature as usize) {
                        Some(v) => v <= *threshold,
                        None => *default_left,
                    };
                    k = if go_left { *left } else { *right } as usize;
                }
            }
        }
    }

    /// The leaf value for row `i` of binned data (the same leaf as [`Tree::predict_with`] on the raw
    /// values, because a value's bin is `≤ bin` iff the value is `≤` that bin's upper bound).
    pub fn predict_binned(&self, x: &BinnedMatrix, missing_bin: &[usize], i: usize) -> f64 {
        let mut k = 0usize;
        loop {
            match &self.nodes[k] {
                Node::Leaf { value, .. } => return *value,
                Node::Split { feature, bin, default_left, left, right, .. } => {
                    let f = *feature as usize;
                    let b = x.bins[f][i] as usize;
                    let go_left = if b == missing_bin[f] { *default_left } else { b <= *bin as usize };
                    k = if go_left { *left } else { *right } as usize;
                }
            }
        }
    }

    /// Leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| matches!(n, Node::Leaf { .. })).count()
    }
}

/// What growing a tree needs besides the rows.
pub(crate) struct GrowContext<'a> {
    pub x: &'a BinnedMatrix,
    /// `[gᵢ, hᵢ]` per row.
    pub gh: &'a [[f64; 2]],
    /// Bins per feature including the missing bin.
    pub n_bins: &'a [usize],
    /// Upper bounds per feature, to turn bin thresholds into values.
    pub upper: &'a [&'a [f32]],
    /// Features drawn for this tree.
    pub active: &'a [bool],
    pub rules: SplitRules,
    pub num_leaves: usize,
    pub max_depth: Option<usize>,
    pub learning_rate: f64,
}

struct Leaf {
    node: usize,
    start: usize,
    len: usize,
    depth: usize,
    sums: Sums,
    hist: Histograms,
    best: Option<SplitInfo>,
}

impl GrowContext<'_> {
    fn may_split(&self, depth: usize, sums: Sums) -> bool {
        self.max_depth.is_none_or(|d| depth < d) && sums.n >= 2 * self.rules.min_data_in_leaf
    }

    fn leaf(&self, node: usize, start: usize, len: usize, depth: usize, sums: Sums, hist: Histograms) -> Leaf {
        let best = if self.may_split(depth, sums) { best_split(&hist, sums, &self.rules) } else { None };
        Leaf { node, start, len, depth, sums, hist, best }
    }

    fn leaf_value(&self, s: Sums) -> f64 {
        -self.learning_rate * s.g / (s.h + self.rules.lambda_l2)
    }

    /// Grows one tree on `rows` (sorted row indices; reordered in place), best-first: the leaf whose
    /// best split has the largest gain splits next (ties: the earliest leaf), until `num_leaves`
    /// leaves or no split with positive gain remains. Also returns each leaf's value with its range in
    /// `rows`, so the caller can update the scores of the rows it grew on without walking the tree.
    pub fn grow(&self, rows: &mut [u32]) -> (Tree, Vec<(f64, std::ops::Range<usize>)>) {
        let mut total = Sums::default();
        for &r in rows.iter() {
            let [g, h] = self.gh[r as usize];
            total = total.add(Sums { g, h, n: 1 });
        }
        let hist = histogram::build(self.x, rows, self.gh, self.active, self.n_bins, total);
        let mut nodes = vec![Node::Leaf { value: 0.0, count: total.n, sum_hessian: total.h }];
        let mut leaves = vec![self.leaf(0, 0, rows.len(), 0, total, hist)];
        let mut scratch: Vec<u32> = Vec::new();
        while leaves.len() < self.num_leaves {
            let mut pick: Option<(usize, f64)> = None;
            for (k, l) in leaves.iter().enumerate() {
                if let Some(s) = l.best {
                    if pick.is_none_or(|(_, g)| s.gain > g) {
                        pick = Some((k, s.gain));
                    }
                }
            }
            let Some((k, _)) = pick else { break };
            let leaf = leaves.swap_remove(k);
            let s = leaf.best.expect("picked leaves have a split");
            // Stable partition keeps each child's rows sorted, so column reads stay sequential.
            let range = &mut rows[leaf.start..leaf.start + leaf.len];
            let col = &self.x.bins[s.feature];
            let missing = self.n_bins[s.feature] - 1;
            scratch.clear();
            let mut n_left = 0;
            for i in 0..range.len() {
                let r = range[i];
                let b = col[r as usize] as usize;
                let left = if b == missing { s.default_left } else { b <= s.bin as usize };
                if left {
                    range[n_left] = r;
                    n_left += 1;
                } else {
                    scratch.push(r);
                }
            }
            range[n_left..].copy_from_slice(&scratch);
            debug_assert_eq!(n_left as u32, s.left.n);

            let (l_id, r_id) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::Leaf { value: 0.0, count: s.left.n, sum_hessian: s.left.h });
            nodes.push(Node::Leaf { value: 0.0, count: s.right.n, sum_hessian: s.right.h });
            nodes[leaf.node] = Node::Split {
                feature: s.feature as u32,
                threshold: self.upper[s.feature][s.bin as usize],
                bin: s.bin,
                default_left: s.default_left,
                left: l_id as u32,
                right: r_id as u32,
                gain: s.gain,
                count: leaf.sums.n,
                sum_hessian: leaf.sums.h,
            };
            let (l_start, r_start) = (leaf.start, leaf.start + n_left);
            let (l_len, r_len) = (n_left, leaf.len - n_left);
            let depth = leaf.depth + 1;
            // Only the smaller child is built from its rows; the other is the parent minus it.
            let (l_hist, r_hist) = if l_len <= r_len {
                let small = histogram::build(
                    self.x,
                    &rows[l_start..l_start + l_len],
                    self.gh,
                    self.active,
                    self.n_bins,
                    s.left,
                );
                let big = histogram::subtract(&leaf.hist, &small);
                (small, big)
            } else {
                let small = histogram::build(
                    self.x,
                    &rows[r_start..r_start + r_len],
                    self.gh,
                    self.active,
                    self.n_bins,
                    s.right,
                );
                let big = histogram::subtract(&leaf.hist, &small);
                (big, small)
            };
            // The last leaf moved into slot k; putting the children back at k and at the end keeps
            // the leaf order a function of the split history alone.
            let left_leaf = self.leaf(l_id, l_start, l_len, depth, s.left, l_hist);
            let right_leaf = self.leaf(r_id, r_start, r_len, depth, s.right, r_hist);
            leaves.push(left_leaf);
            let last = leaves.len() - 1;
            leaves.swap(k, last);
            leaves.push(right_leaf);
        }
        let mut ranges = Vec::with_capacity(leaves.len());
        for l in &leaves {
            let value = self.leaf_value(l.sums);
            nodes[l.node] = Node::Leaf { value, count: l.sums.n, sum_hessian: l.sums.h };
            ranges.push((value, l.start..l.start + l.len));
        }
        (Tree { nodes }, ranges)
    }
}
