//! Newton–Raphson on the partial likelihood.
//!
//! Rows are sorted by stratum, then by descending time, so each risk set is a prefix of its stratum
//! and the risk-set sums S0 = Σ rₖ, S1 = Σ rₖ zₖ (rₖ = wₖ exp(ηₖ)) are running sums. The information
//! matrix `Σ_terms [S2/den − S1 S1'/den²]` is computed without running p×p sums: the S2 part equals
//! `Σₖ rₖ aₖ zₖ zₖ'`, where aₖ adds up `1/den` over the terms whose risk set holds k, a weighted Gram
//! matrix computed in parallel over rows. The S1 S1' part of a block of d tied events expands, over
//! its Efron terms `S1 − (j/d)·S1_D`, into three symmetric products of S1 and S1_D with scalar sums,
//! so a block costs O(p²) whatever its number of ties. On large data the first Newton step, from
//! β = 0, takes the Gram matrix from a systematic sample of rows; every later step, the convergence
//! test and the covariance use the exact one.
//!
//! The covariate rows themselves need not move. When the blocks with events are few (times in whole
//! days give a few thousand), the n × p matrix stays in input order ([`Layout::Input`]): one pass
//! computes every row's η and adds `rₖ zₖ` into a table row per segment (the rows a block with events
//! adds to the risk set), and the running sums are taken over that table. Otherwise the rows are
//! permuted into sorted order in place ([`Layout::Sorted`]).

use rayon::prelude::*;

use super::{robust, BaselineHazard, CoxData, CoxModel, CoxParams, Ties};
use crate::concordance::harrell_c;
use crate::data::{check_len, check_survival, check_weights, encode_labels};
use crate::error::{Error, Result};
use crate::linalg::Cholesky;

/// A run of rows with the same stratum and time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Block {
    pub start: usize,
    pub end: usize,
}

/// The data sorted, centred and scaled for fitting.
pub(super) struct Prepared {
    pub n: usize,
    pub p: usize,
    /// Standardized covariates, row-major: in sorted order, or in input order with `input`.
    pub z: Vec<f64>,
    pub w: Vec<f64>,
    pub event: Vec<bool>,
    pub time: Vec<f64>,
    /// Sorted position -> input row.
    pub order: Vec<usize>,
    pub blocks: Vec<Block>,
    /// Per stratum, the range of block indices, and the stratum label.
    pub strata: Vec<(std::ops::Range<usize>, usize)>,
    /// The blocks with events, stratum by stratum, each with the first sorted row it adds to the risk
    /// set (the rows after the previous block with events: blocks without events only add rows).
    pub segments: Vec<(usize, usize)>,
    /// Per stratum, its range of `segments`.
    pub stratum_segments: Vec<std::ops::Range<usize>>,
    /// Set when the covariate rows stay in input order ([`Layout::Input`]).
    pub input: Option<InputRows>,
    /// Start–stop data: entry times in sorted order, and per stratum its sorted positions by
    /// descending entry (the order in which rows leave the risk set as time runs backwards).
    pub entry: Option<Vec<f64>>,
    pub leave_order: Vec<Vec<usize>>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    /// The largest |z| of each column.
    pub zmax: Vec<f64>,
    /// `Σ_events wₖ zₖ`, the part of the score that does not depend on β.
    pub event_z: Vec<f64>,
}

impl Prepared {
    /// The standardized covariates of the k-th row in sorted order.
    pub(super) fn row(&self, k: usize) -> &[f64] {
        let i = if self.input.is_some() { self.order[k] } else { k };
        &self.z[i * self.p..(i + 1) * self.p]
    }
}

/// Log-likelihood, score and information at one β (standardized units).
pub(super) struct Eval {
    pub ll: f64,
    pub grad: Vec<f64>,
    pub info: Vec<f64>,
    /// The β evaluated at and its linear predictor, in the order the rows are kept (sorted, or in
    /// input order with [`Layout::Input`]; see [`sorted_eta`]).
    pub beta: Vec<f64>,
    pub eta: Vec<f64>,
    /// The largest of `eta`.
    pub eta_max: f64,
    /// Without the information, or with an estimated one: the pass it came from, to add the
    /// (exact) information later.
    pub pass: Option<Pass>,
}

const ROWS_PER_TASK: usize = 8192;

/// Where the standardized covariate rows are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// The fit always chooses; the tests fit both ways.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) enum Layout {
    /// In input order when the per-chunk segment tables of [`Layout::Input`] are small (at most a
    /// few thousand blocks with events, as with times in whole days), else sorted.
    Auto,
    /// Moved into sorted order: a risk set's rows are a contiguous run.
    Sorted,
    /// Left in input order (no n × p permutation): each pass scatters the rows into per-segment sums.
    /// Not for start–stop data.
    Input,
}

/// With [`Layout::Input`], per input row: its block, its segment ([`NO_SEGMENT`] for rows after
/// the last block with events of their stratum, at risk at no event time), weight and event.
pub(super) struct InputRows {
    pub block: Vec<u32>,
    pub segment: Vec<u32>,
    pub w: Vec<f64>,
    pub event: Vec<bool>,
    /// The rows are split into this many equal chunks, each with its own segment table (a count
    /// that depends on the data only, so the sums do not depend on the thread count).
    pub chunks: usize,
}

pub(super) const NO_SEGMENT: u32 = u32::MAX;

/// Bytes of segment tables [`Layout::Auto`] allows for the chunks of [`Layout::Input`].
const INPUT_TABLES_BYTES: usize = 32 << 20;

/// Chunks of [`Layout::Input`] at most.
const INPUT_CHUNKS: usize = 4;

/// Sorts and standardizes `data` for fitting. With `owned`, the covariate matrix is that buffer
/// (`data.x` is not read) and is rearranged in place rather than copied.
#[cfg(test)]
pub(super) fn prepare(data: &CoxData<'_>, owned: Option<Vec<f64>>) -> Result<Prepared> {
    prepare_as(data, owned, Layout::Auto)
}

/// [`prepare`] with the rows kept as `layout` says.
pub(super) fn prepare_as(data: &CoxData<'_>, owned: Option<Vec<f64>>, layout: Layout) -> Result<Prepared> {
    check_survival(data.durations, data.events)?;
    let n = data.durations.len();
    let p = data.names.len();
    let x: &[f64] = owned.as_deref().unwrap_or(data.x);
    check_len("covariate matrix", x.len(), n * p)?;
    check_weights(data.weights, n)?;
    if let Some(s) = data.strata {
        check_len("strata", s.len(), n)?;
    }
    if let Some(c) = data.clusters {
        check_len("clusters", c.len(), n)?;
    }
    if let Some(entries) = data.entries {
        check_len("entries", entries.len(), n)?;
        for (row, (&e, &d)) in entries.iter().zip(data.durations).enumerate() {
            if !e.is_finite() || e >= d {
                return Err(Error::InvalidParam {
                    name: "entries",
                    message: format!("row {row}: entry time {e} is not a finite time before its duration {d}"),
                });
            }
        }
    }
    if !data.events.iter().any(|&e| e) {
        return Err(Error::NoEvents { rows: n });
    }
    // The columns' moments (parallel, bound by memory) and the order and blocks (mostly serial) at once.
    let (moments, sorted) = rayon::join(
        || moments(x, n, p),
        || {
            let (stratum_codes, stratum_levels) = match data.strata {
                Some(s) => encode_labels(s),
                None => (vec![0; n], vec![0]),
            };
            let order = sort_order(&stratum_codes, stratum_levels.len(), data.durations);
            // The rows' values in sorted order (gathered in parallel).
            let w: Vec<f64> = order.par_iter().map(|&i| data.weights.map_or(1.0, |w| w[i])).collect();
            let event: Vec<bool> = order.par_iter().map(|&i| data.events[i]).collect();
            let time: Vec<f64> = order.par_iter().map(|&i| data.durations[i]).collect();
            let code: Vec<usize> = if stratum_levels.len() > 1 {
                order.par_iter().map(|&i| stratum_codes[i]).collect()
            } else {
                vec![0; n]
            };
            let mut blocks = Vec::new();
            let mut strata = Vec::new();
            let mut i = 0;
            while i < n {
                let s = code[i];
                let first_block = blocks.len();
                while i < n && code[i] == s {
                    let mut j = i;
                    while j < n && code[j] == s && time[j] == time[i] {
                        j += 1;
                    }
                    blocks.push(Block { start: i, end: j });
                    i = j;
                }
                strata.push((first_block..blocks.len(), stratum_levels[s]));
            }
            // The blocks with events and, for each, the first row it adds to the risk set: the rows after the
            // previous block with events (blocks without events only add rows).
            let mut segments = Vec::new();
            let mut stratum_segments = Vec::with_capacity(strata.len());
            for (range, _) in &strata {
                let first = segments.len();
                let mut from = blocks[range.start].start;
                for b in range.clone() {
                    let Block { start, end } = blocks[b];
                    if event[start..end].iter().any(|&e| e) {
                        segments.push((b, from));
                        from = end;
                    }
                }
                stratum_segments.push(first..segments.len());
            }
            (order, w, event, time, blocks, strata, segments, stratum_segments)
        },
    );
    let (order, w, event, time, blocks, strata, segments, stratum_segments) = sorted;
    let (mean, scale) = moments.map_err(|(row, j)| Error::NonFiniteCovariate {
        covariate: data.names[j].clone(),
        row,
        value: x[row * p + j],
    })?;
    if let Some(j) = scale.iter().position(|&s| s == 0.0) {
        return Err(Error::ConstantCovariate { covariate: data.names[j].clone(), value: x[j] });
    }
    let table_bytes = segments.len() * (2 * p + 4) * std::mem::size_of::<f64>();
    let fits_u32 = u32::try_from(n).is_ok_and(|n| n < NO_SEGMENT);
    let by_input = data.entries.is_none()
        && p > 0
        && fits_u32
        && match layout {
            Layout::Auto => 2 * table_bytes <= INPUT_TABLES_BYTES,
            Layout::Sorted => false,
            Layout::Input => true,
        };
    // The weight and event of the k-th row as kept.
    let kept = |k: usize| -> (f64, bool) {
        if by_input {
            (data.weights.map_or(1.0, |w| w[k]), data.events[k])
        } else {
            (w[k], event[k])
        }
    };
    // Standardizes one chunk of kept rows (the first is row `first`), each from `source(k, row)`,
    // and returns its columns' largest |z| and its events' Σ wₖ zₖ.
    let inverse: Vec<f64> = scale.iter().map(|s| 1.0 / s).collect();
    let standardize = |first: usize, chunk: &mut [f64], source: &dyn Fn(usize, &mut [f64])| {
        let mut zmax = vec![0.0; p];
        let mut event_z = vec![0.0; p];
        for (r, out) in chunk.chunks_mut(p.max(1)).enumerate() {
            let k = first + r;
            source(k, out);
            let (wk, ek) = kept(k);
            for ((o, m), v) in out.iter_mut().zip(&mean).zip(&inverse) {
                *o = (*o - m) * v;
            }
            zmax.iter_mut().zip(out.iter()).for_each(|(a, o)| *a = o.abs().max(*a));
            if ek {
                event_z.iter_mut().zip(out.iter()).for_each(|(a, o)| *a += wk * o);
            }
        }
        (zmax, event_z)
    };
    // The rows' blocks and segments in input order, built while the rows are standardized.
    let input_rows = || {
        by_input.then(|| {
            let mut block = vec![0; n];
            let mut segment = vec![NO_SEGMENT; n];
            for (b, &Block { start, end }) in blocks.iter().enumerate() {
                for &i in &order[start..end] {
                    block[i] = b as u32;
                }
            }
            for (s, &(b, from)) in segments.iter().enumerate() {
                for &i in &order[from..blocks[b].end] {
                    segment[i] = s as u32;
                }
            }
            let chunks = (INPUT_TABLES_BYTES / table_bytes.max(1)).clamp(1, INPUT_CHUNKS).min(n.div_ceil(1024).max(1));
            InputRows {
                block,
                segment,
                w: data.weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec),
                event: data.events.to_vec(),
                chunks,
            }
        })
    };
    let width = p.max(1);
    type ChunkStats = (Vec<f64>, Vec<f64>);
    let standardized = || -> (Vec<f64>, Vec<ChunkStats>) {
        match owned {
            // Rows move along the permutation's cycles (unless they stay in input order), then are
            // standardized in parallel: no second n × p buffer (fresh memory costs more in page faults
            // than the moves).
            Some(mut z) => {
                if !by_input {
                    permute_rows(&mut z, p, &order);
                }
                let parts = z
                    .par_chunks_mut(width * ROWS_PER_TASK)
                    .enumerate()
                    .map(|(c, chunk)| standardize(c * ROWS_PER_TASK, chunk, &|_, _| {}))
                    .collect();
                (z, parts)
            }
            // No matrix handed over: the rows are `data.x`'s.
            None => {
                let mut z = vec![0.0; n * p];
                let parts = z
                    .par_chunks_mut(width * ROWS_PER_TASK)
                    .enumerate()
                    .map(|(c, chunk)| {
                        let source = |k: usize, out: &mut [f64]| {
                            let i = if by_input { k } else { order[k] };
                            out.copy_from_slice(&data.x[i * p..(i + 1) * p]);
                        };
                        standardize(c * ROWS_PER_TASK, chunk, &source)
                    })
                    .collect();
                (z, parts)
            }
        }
    };
    let ((z, parts), input) = rayon::join(standardized, input_rows);
    // Chunk results in chunk order, so the sums do not depend on the thread count.
    let mut zmax = vec![0.0; p];
    let mut event_z = vec![0.0; p];
    for (m, e) in parts {
        zmax.iter_mut().zip(m).for_each(|(a, b)| *a = b.max(*a));
        event_z.iter_mut().zip(e).for_each(|(a, b)| *a += b);
    }
    let entry: Option<Vec<f64>> = data.entries.map(|e| order.iter().map(|&i| e[i]).collect());
    let leave_order = match &entry {
        Some(entry) => strata
            .iter()
            .map(|(range, _)| {
                let rows = blocks[range.start].start..blocks[range.end - 1].end;
                let mut pos: Vec<usize> = rows.collect();
                pos.sort_by(|&a, &b| entry[b].total_cmp(&entry[a]));
                pos
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Prepared {
        n,
        p,
        z,
        w,
        event,
        time,
        order,
        blocks,
        strata,
        segments,
        stratum_segments,
        input,
        entry,
        leave_order,
        mean,
        scale,
        zmax,
        event_z,
    })
}

/// The rows by stratum, then by descending time (in `f64::total_cmp`'s order), ties in input order:
/// a stable least-significant-digit radix sort on the times' bits, one pass per byte that is not the
/// same in every time (times in whole days differ in three bytes), then one by stratum.
fn sort_order(stratum_codes: &[usize], strata: usize, durations: &[f64]) -> Vec<usize> {
    // Ascending keys for descending times: the bit pattern that sorts like `total_cmp`, complemented.
    let key = |t: f64| {
        let bits = t.to_bits();
        !(if bits >> 63 == 1 { !bits } else { bits | 1 << 63 })
    };
    let n = durations.len();
    let (all_or, all_and) = durations.iter().fold((0u64, u64::MAX), |(o, a), &t| (o | key(t), a & key(t)));
    // Bits outside the span where keys differ are the same in every key. When that span and the row
    // index fit in 64 bits together (times in whole days: about 22 bits), each row is one packed
    // integer, sorted on the span alone, 11 bits per pass.
    let varying = all_or ^ all_and;
    let index_bits = u64::BITS - (n.saturating_sub(1) as u64).leading_zeros();
    let (low, width) = match varying {
        0 => (0, 0),
        v => (v.trailing_zeros(), u64::BITS - v.leading_zeros() - v.trailing_zeros()),
    };
    if strata <= 1 && width > 0 && width + index_bits <= u64::BITS {
        let span = u64::MAX >> (u64::BITS - width);
        let mut rows: Vec<u64> =
            durations.iter().enumerate().map(|(i, &t)| (((key(t) >> low) & span) << index_bits) | i as u64).collect();
        let mut scratch = vec![0u64; n];
        let mut shift = index_bits;
        while shift < index_bits + width {
            let bits = (index_bits + width - shift).min(11);
            let digit = u64::MAX >> (u64::BITS - bits);
            radix_pass(&mut rows, &mut scratch, |&v| ((v >> shift) & digit) as usize, 1 << bits);
            shift += bits;
        }
        let index = u64::MAX.checked_shr(u64::BITS - index_bits).unwrap_or(0);
        return rows.into_iter().map(|v| (v & index) as usize).collect();
    }
    let mut rows: Vec<(u64, usize)> = durations.iter().enumerate().map(|(i, &t)| (key(t), i)).collect();
    let mut scratch = vec![(0u64, 0usize); rows.len()];
    for byte in 0..8 {
        let shift = 8 * byte;
        // A byte that is the same in every key leaves the order as it is.
        if (all_or >> shift) & 0xff != (all_and >> shift) & 0xff {
            radix_pass(&mut rows, &mut scratch, |&(k, _)| ((k >> shift) & 0xff) as usize, 256);
        }
    }
    if strata > 1 {
        radix_pass(&mut rows, &mut scratch, |&(_, i)| stratum_codes[i], strata);
    }
    rows.into_iter().map(|(_, i)| i).collect()
}

/// One stable counting-sort pass of `rows` by `digit` (below `buckets`), through `scratch`.
fn radix_pass<T: Copy>(rows: &mut Vec<T>, scratch: &mut Vec<T>, digit: impl Fn(&T) -> usize, buckets: usize) {
    let mut start = vec![0usize; buckets + 1];
    for r in rows.iter() {
        start[digit(r) + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    for r in rows.iter() {
        let d = digit(r);
        scratch[start[d]] = *r;
        start[d] += 1;
    }
    std::mem::swap(rows, scratch);
}

/// Rearranges the rows of the row-major `n × p` matrix `x` so that row `k` becomes the former row
/// `order[k]` (`order` a permutation of `0..n`), following the permutation's cycles with one row of
/// scratch.
fn permute_rows(x: &mut [f64], p: usize, order: &[usize]) {
    if p == 0 {
        return;
    }
    let mut placed = vec![false; order.len()];
    let mut first = vec![0.0; p];
    for start in 0..order.len() {
        if placed[start] {
            continue;
        }
        first.copy_from_slice(&x[start * p..(start + 1) * p]);
        let mut k = start;
        loop {
            placed[k] = true;
            let from = order[k];
            if from == start {
                x[k * p..(k + 1) * p].copy_from_slice(&first);
                break;
            }
            x.copy_within(from * p..(from + 1) * p, k * p);
            k = from;
        }
    }
}

/// Rows whose moments are taken in two passes while they stay in the cache, before they are merged
/// into the running moments of [`moments`].
const MOMENT_ROWS: usize = 1024;

/// Count, means and sums of squared deviations from the means of some rows.
struct Moments {
    n: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl Moments {
    /// Adds the rows summarized by `b` (Chan, Golub and LeVeque's pairwise update).
    fn merge(&mut self, b: &Moments) {
        if b.n == 0.0 {
            return;
        }
        let n = self.n + b.n;
        let (wa, wb) = (self.n * b.n / n, b.n / n);
        for ((m, s), (mb, sb)) in self.mean.iter_mut().zip(self.m2.iter_mut()).zip(b.mean.iter().zip(&b.m2)) {
            let d = mb - *m;
            *m += d * wb;
            *s += sb + d * d * wa;
        }
        self.n = n;
    }
}

/// Column means and population standard deviations of the row-major `n × p` matrix `x`, or the
/// (row, column) of the first non-finite value.
///
/// One pass over `x`: each block of [`MOMENT_ROWS`] rows gets its means and squared deviations in
/// two passes while it is in the cache, and blocks are merged pairwise-exactly, in parallel over row
/// chunks merged in chunk order, so the result does not depend on the thread count. The values are
/// taken relative to the first block's means, so a column far from zero keeps the digits of its
/// spread (as with two passes over the whole matrix).
fn moments(x: &[f64], n: usize, p: usize) -> std::result::Result<(Vec<f64>, Vec<f64>), (usize, usize)> {
    if p == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let empty = || Moments { n: 0.0, mean: vec![0.0; p], m2: vec![0.0; p] };
    let first = &x[..x.len().min(p * MOMENT_ROWS)];
    let mut origin = vec![0.0; p];
    for row in first.chunks_exact(p) {
        origin.iter_mut().zip(row).for_each(|(o, v)| *o += v);
    }
    let rows = (first.len() / p).max(1) as f64;
    origin.iter_mut().for_each(|o| *o = if o.is_finite() { *o / rows } else { 0.0 });
    let parts: Vec<std::result::Result<Moments, (usize, usize)>> = x
        .par_chunks(p * ROWS_PER_TASK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut total = empty();
            let mut block = empty();
            for (b, rows) in chunk.chunks(p * MOMENT_ROWS).enumerate() {
                let count = rows.len() / p;
                block.mean.fill(0.0);
                for row in rows.chunks_exact(p) {
                    block.mean.iter_mut().zip(row).zip(&origin).for_each(|((a, v), o)| *a += v - o);
                }
                // A non-finite value makes its column's sum non-finite: only then look for it (a sum can
                // also overflow, which is not an error here).
                if block.mean.iter().any(|a| !a.is_finite()) {
                    if let Some(at) = rows.iter().position(|v| !v.is_finite()) {
                        return Err((c * ROWS_PER_TASK + b * MOMENT_ROWS + at / p, at % p));
                    }
                }
                block.mean.iter_mut().for_each(|m| *m /= count as f64);
                block.m2.fill(0.0);
                for row in rows.chunks_exact(p) {
                    block.m2.iter_mut().zip(row).zip(block.mean.iter().zip(&origin)).for_each(|((a, v), (m, o))| {
                        let d = (v - o) - m;
                        *a += d * d;
                    });
                }
                block.n = count as f64;
                total.merge(&block);
            }
            Ok(total)
        })
        .collect();
    let mut total = empty();
    for part in parts {
        total.merge(&part?);
    }
    let mean = total.mean.iter().zip(&origin).map(|(m, o)| o + m).collect();
    let sd = total.m2.iter().map(|s| (s / n as f64).sqrt()).collect();
    Ok((mean, sd))
}

/// Partial sums of [`dot`].
const DOT_LANES: usize = 8;

/// `z'β` of one row, in [`DOT_LANES`] partial sums (lane k adds the products of columns k, k + 8, …,
/// in order) added pairwise at the end: independent sums the CPU runs side by side (one running sum
/// would wait on each addition in turn), in an order fixed by the code alone, so the result is the
/// same bits on every machine.
#[inline(always)]
fn dot(row: &[f64], beta: &[f64]) -> f64 {
    let mut lanes = [0.0; DOT_LANES];
    let (row_body, row_tail) = row.split_at(row.len() - row.len() % DOT_LANES);
    for (r, b) in row_body.chunks_exact(DOT_LANES).zip(beta.chunks_exact(DOT_LANES)) {
        for k in 0..DOT_LANES {
            lanes[k] += r[k] * b[k];
        }
    }
    for (k, (r, b)) in row_tail.iter().zip(&beta[row_body.len().min(beta.len())..]).enumerate() {
        lanes[k] += r * b;
    }
    let [a, b, c, d, e, f, g, h] = lanes;
    ((a + e) + (b + f)) + ((c + g) + (d + h))
}

/// Linear predictor `z'β` for every sorted row, in parallel.
pub(super) fn linear_predictor(prep: &Prepared, beta: &[f64]) -> Vec<f64> {
    let p = prep.p;
    let mut eta = vec![0.0; prep.n];
    if p == 0 {
        return eta;
    }
    eta.par_chunks_mut(ROWS_PER_TASK).zip(prep.z.par_chunks(p * ROWS_PER_TASK)).for_each(|(out, rows)| {
        for (e, row) in out.iter_mut().zip(rows.chunks_exact(p)) {
            *e = dot(row, beta);
        }
    });
    match prep.input {
        Some(_) => prep.order.par_iter().map(|&i| eta[i]).collect(),
        None => eta,
    }
}

/// The sums of one block with events over its terms. Term j (of `nt`) has denominator
/// `den_j = S0 − f_j·S0_D` and covariate sum `S1 − f_j·S1_D` (Efron: nt = d, f_j = j/d, weight `wt` =
/// mean event weight; Breslow: one term, f = 0, weight = total event weight), so every sum over terms
/// the likelihood, score, information and residuals need is a combination of S1, S1_D and these scalars.
pub(super) struct BlockSums<'a> {
    /// Risk-set covariate sum S1 (everyone with time ≥ the block's time).
    pub s1: &'a [f64],
    /// The block's events' covariate sum S1_D.
    pub s1d: &'a [f64],
    /// `Σ wt·ln den_j`.
    pub log_den: f64,
    /// `Σ wt/den_j`, `Σ wt·f_j/den_j`.
    pub a0: f64,
    pub a1: f64,
    /// `Σ wt/den_j²`, `Σ wt·f_j/den_j²`, `Σ wt·f_j²/den_j²`.
    pub c0: f64,
    pub c1: f64,
    pub c2: f64,
    /// `Σ 1/den_j`, `Σ f_j/den_j` (unweighted) and the number of terms.
    pub e0: f64,
    pub e1: f64,
    pub nt: f64,
}

/// Events in a group of blocks from which [`walk_terms`] takes the blocks' term sums in parallel.
const PARALLEL_TERMS: usize = 16_384;

/// A block's sums over its terms (the scalars of [`BlockSums`]), from the risk set's Σ r (`s0`), its
/// events' Σ r (`s0d`) and Σ w (`wd`), and its number of events `d`.
#[derive(Clone, Copy)]
struct TermSums {
    log_den: f64,
    a0: f64,
    a1: f64,
    c0: f64,
    c1: f64,
    c2: f64,
    e0: f64,
    e1: f64,
    nt: f64,
}

fn term_sums(s0: f64, s0d: f64, wd: f64, d: usize, ties: Ties) -> TermSums {
    let mut sums = TermSums { log_den: 0.0, a0: 0.0, a1: 0.0, c0: 0.0, c1: 0.0, c2: 0.0, e0: 0.0, e1: 0.0, nt: 0.0 };
    let (nt, wt) = match ties {
        Ties::Breslow => (1, wd),
        Ties::Efron => (d, wd / d as f64),
    };
    // Σ ln den_j as the logarithm of a product, one ln per block rather than per term (see
    // [`LogProduct`]).
    let mut log = LogProduct::new();
    for j in 0..nt {
        let f = if nt == 1 { 0.0 } else { j as f64 / nt as f64 };
        let den = s0 - f * s0d;
        let inv = 1.0 / den;
        log.add(den);
        sums.a0 += wt * inv;
        sums.a1 += wt * f * inv;
        sums.c0 += wt * inv * inv;
        sums.c1 += wt * f * inv * inv;
        sums.c2 += wt * f * f * inv * inv;
        sums.e0 += inv;
        sums.e1 += f * inv;
    }
    sums.log_den = wt * log.ln();
    sums.nt = nt as f64;
    sums
}

/// `Σ ln xᵢ` of positive numbers as `ln Π xᵢ`: the product is kept between 2⁻⁵⁰⁰ and 2⁵⁰⁰ by taking
/// its power of two out (exactly) into a separate exponent, and a factor outside 2^±400 (or not
/// positive) adds its own logarithm, so the product never overflows or underflows.
struct LogProduct {
    product: f64,
    exponent: i64,
    logs: f64,
}

impl LogProduct {
    /// 2⁴⁰⁰ and 2⁵⁰⁰.
    const SAFE: f64 = f64::from_bits((1023 + 400) << 52);
    const KEEP: f64 = f64::from_bits((1023 + 500) << 52);

    fn new() -> Self {
        Self { product: 1.0, exponent: 0, logs: 0.0 }
    }

    fn add(&mut self, x: f64) {
        if !(1.0 / Self::SAFE..=Self::SAFE).contains(&x) {
            self.logs += x.ln();
            return;
        }
        self.product *= x;
        if !(1.0 / Self::KEEP..=Self::KEEP).contains(&self.product) {
            // A normal number between 2^-900 and 2^900: its binary exponent, and the number scaled
            // by that power of two into [1, 2) (exact).
            let e = ((self.product.to_bits() >> 52) & 0x7ff) as i64 - 1023;
            self.product *= f64::from_bits(((1023 - e) as u64) << 52);
            self.exponent += e;
        }
    }

    fn ln(&self) -> f64 {
        self.product.ln() + self.exponent as f64 * std::f64::consts::LN_2 + self.logs
    }
}

/// Per segment (see [`Prepared::segments`]): Σ r·z over its rows and over its block's events, Σ r
/// over both, and its events' total weight and count.
pub(super) struct SegmentSums {
    inc: Vec<f64>,
    evs: Vec<f64>,
    s0: Vec<f64>,
    s0d: Vec<f64>,
    wd: Vec<f64>,
    d: Vec<usize>,
}

impl SegmentSums {
    fn zeros(segments: usize, p: usize) -> Self {
        Self {
            inc: vec![0.0; segments * p],
            evs: vec![0.0; segments * p],
            s0: vec![0.0; segments],
            s0d: vec![0.0; segments],
            wd: vec![0.0; segments],
            d: vec![0; segments],
        }
    }

    fn add(&mut self, other: &Self) {
        let add = |a: &mut [f64], b: &[f64]| a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        add(&mut self.inc, &other.inc);
        add(&mut self.evs, &other.evs);
        add(&mut self.s0, &other.s0);
        add(&mut self.s0d, &other.s0d);
        add(&mut self.wd, &other.wd);
        self.d.iter_mut().zip(&other.d).for_each(|(a, b)| *a += b);
    }
}

/// Where [`walk_terms`] finds each segment's sums.
#[derive(Clone, Copy)]
pub(super) enum Risks<'a> {
    /// Computed from the rows: `wₖ exp(ηₖ − c)` in sorted order.
    Rows(&'a [f64]),
    /// Already summed (from [`scatter_sums`]).
    Summed(&'a SegmentSums),
}

/// Walks the risk sets of stratum `stratum` block by block (descending time), calling
/// `visit(block, sums)` for each block that holds events. With entry times, rows leave the risk set
/// once the time reaches their entry (only with [`Risks::Rows`]).
pub(super) fn walk_terms(
    prep: &Prepared,
    stratum: usize,
    risks: Risks<'_>,
    ties: Ties,
    mut visit: impl FnMut(usize, &BlockSums<'_>),
) {
    let p = prep.p;
    let range = prep.stratum_segments[stratum].clone();
    let segments = &prep.segments[range.clone()];
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut leaving = prep.leave_order.get(stratum).map(|v| v.iter().peekable());
    // Per block with events: Σ r·z over its segment and over its events, then the scalars
    // (Σ r over the segment, Σ r and Σ w over the events, the number of events). Computed in parallel
    // for a group of blocks at a time, then added up in time order.
    const GROUP: usize = 1024;
    let mut inc = vec![0.0; GROUP * p.max(1)];
    let mut evs = vec![0.0; GROUP * p.max(1)];
    for (group_index, group) in segments.chunks(GROUP).enumerate() {
        let first = range.start + group_index * GROUP;
        let scalars: Vec<(f64, f64, f64, usize)> = match risks {
            Risks::Rows(r) => group
                .par_iter()
                .zip(inc.par_chunks_mut(p.max(1)))
                .zip(evs.par_chunks_mut(p.max(1)))
                .with_min_len(8)
                .map(|((&(b, from), inc), evs)| {
                    let Block { start, end } = prep.blocks[b];
                    inc.iter_mut().for_each(|v| *v = 0.0);
                    evs.iter_mut().for_each(|v| *v = 0.0);
                    let (mut s0, mut s0d, mut wd, mut d) = (0.0, 0.0, 0.0, 0usize);
                    for k in from..end {
                        let zk = prep.row(k);
                        let rk = r[k];
                        s0 += rk;
                        inc.iter_mut().zip(zk).for_each(|(a, z)| *a += rk * z);
                        if k >= start && prep.event[k] {
                            s0d += rk;
                            wd += prep.w[k];
                            d += 1;
                            evs.iter_mut().zip(zk).for_each(|(a, z)| *a += rk * z);
                        }
                    }
                    (s0, s0d, wd, d)
                })
                .collect(),
            Risks::Summed(t) => (first..first + group.len()).map(|s| (t.s0[s], t.s0d[s], t.wd[s], t.d[s])).collect(),
        };
        // Σ r over each block's risk set (the same sums, in the same order, as the walk below), then
        // the blocks' sums over their terms in parallel (one ln per tied event with Efron's method).
        let mut s0_at = Vec::with_capacity(group.len());
        let mut s0_walk = s0;
        let mut leaving_walk = leaving.clone();
        for (&(b, _), &(seg_s0, ..)) in group.iter().zip(&scalars) {
            s0_walk += seg_s0;
            if let (Some(entry), Some(leaving), Risks::Rows(r)) = (&prep.entry, leaving_walk.as_mut(), risks) {
                let t = prep.time[prep.blocks[b].start];
                while let Some(&&k) = leaving.peek() {
                    if entry[k] < t {
                        break;
                    }
                    s0_walk -= r[k];
                    leaving.next();
                }
            }
            s0_at.push(s0_walk);
        }
        let terms_of = |(&(_, s0d, wd, d), &s0): (&(f64, f64, f64, usize), &f64)| term_sums(s0, s0d, wd, d, ties);
        let events: usize = scalars.iter().map(|s| s.3).sum();
        let block_terms: Vec<TermSums> = if events >= PARALLEL_TERMS {
            scalars.par_iter().zip(&s0_at).with_min_len(64).map(terms_of).collect()
        } else {
            scalars.iter().zip(&s0_at).map(terms_of).collect()
        };
        for (g, (&(b, _), &(seg_s0, ..))) in group.iter().zip(&scalars).enumerate() {
            let Block { start, .. } = prep.blocks[b];
            let (seg_s1, s1d) = match risks {
                Risks::Rows(_) => (&inc[g * p..(g + 1) * p], &evs[g * p..(g + 1) * p]),
                Risks::Summed(t) => {
                    let s = first + g;
                    (&t.inc[s * p..(s + 1) * p], &t.evs[s * p..(s + 1) * p])
                }
            };
            s0 += seg_s0;
            s1.iter_mut().zip(seg_s1).for_each(|(a, v)| *a += v);
            if let (Some(entry), Some(leaving), Risks::Rows(r)) = (&prep.entry, leaving.as_mut(), risks) {
                let t = prep.time[start];
                while let Some(&&k) = leaving.peek() {
                    if entry[k] < t {
                        break;
                    }
                    let zk = prep.row(k);
                    s0 -= r[k];
                    for (acc, z) in s1.iter_mut().zip(zk) {
                        *acc -= r[k] * z;
                    }
                    leaving.next();
                }
            }
            debug_assert_eq!(s0.to_bits(), s0_at[g].to_bits());
            let t = block_terms[g];
            let sums = BlockSums {
                s1: &s1,
                s1d,
                log_den: t.log_den,
                a0: t.a0,
                a1: t.a1,
                c0: t.c0,
                c1: t.c1,
                c2: t.c2,
                e0: t.e0,
                e1: t.e1,
                nt: t.nt,
            };
            visit(b, &sums);
        }
    }
}

/// With the rows in input order: `z'β` per input row, and every segment's sums with
/// `r = w exp(η − c)`, from one pass over the rows. Each of `rows.chunks` chunks of rows scatters
/// into its own table; the tables are added in chunk order.
fn scatter_sums(prep: &Prepared, rows: &InputRows, beta: &[f64], c: f64) -> (Vec<f64>, SegmentSums) {
    let p = prep.p;
    let segments = prep.segments.len();
    let per_chunk = prep.n.div_ceil(rows.chunks).max(1);
    let mut eta = vec![0.0; prep.n];
    let parts: Vec<SegmentSums> = eta
        .par_chunks_mut(per_chunk)
        .zip(prep.z.par_chunks(p * per_chunk))
        .enumerate()
        .map(|(ci, (eta, z))| {
            let first = ci * per_chunk;
            pulp::Arch::new().dispatch(ScatterChunk { rows, beta, c, segments, p, first, eta, z })
        })
        .collect();
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_else(|| SegmentSums::zeros(segments, p));
    for part in parts {
        total.add(&part);
    }
    // The segment's sums over all its rows: the other rows' plus the events'.
    total.inc.par_chunks_mut(p * 1024).zip(total.evs.par_chunks(p * 1024)).for_each(|(a, b)| {
        a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
    });
    total.s0.iter_mut().zip(&total.s0d).for_each(|(a, b)| *a += b);
    (eta, total)
}

/// One chunk of [`scatter_sums`] (its first row `first`), for dispatch to the CPU's vector
/// instructions (the products and sums are the same, in the same order, on every machine).
struct ScatterChunk<'a> {
    rows: &'a InputRows,
    beta: &'a [f64],
    c: f64,
    segments: usize,
    p: usize,
    first: usize,
    eta: &'a mut [f64],
    z: &'a [f64],
}

impl pulp::WithSimd for ScatterChunk<'_> {
    type Output = SegmentSums;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> SegmentSums {
        let Self { rows, beta, c, segments, p, first, eta, z } = self;
        let mut t = SegmentSums::zeros(segments, p);
        let prefetch = Prefetch::new();
        for (r, (e, zi)) in eta.iter_mut().zip(z.chunks_exact(p)).enumerate() {
            let i = first + r;
            let ahead = (r + SCATTER_AHEAD) * p;
            if ahead < z.len() {
                prefetch.lines(&z[ahead..(ahead + p).min(z.len())]);
                let k = i + SCATTER_AHEAD;
                let s = rows.segment[k];
                if s != NO_SEGMENT {
                    let s = s as usize;
                    let table = if rows.event[k] { &t.evs } else { &t.inc };
                    prefetch.lines(&table[s * p..(s + 1) * p]);
                }
            }
            *e = dot(zi, beta);
            let s = rows.segment[i];
            if s == NO_SEGMENT {
                continue;
            }
            let s = s as usize;
            let ri = rows.w[i] * (*e - c).exp();
            // Events and the other rows go to separate sums (added when the tables are merged), so
            // that each row updates one row of a table.
            if rows.event[i] {
                t.s0d[s] += ri;
                t.wd[s] += rows.w[i];
                t.d[s] += 1;
                t.evs[s * p..(s + 1) * p].iter_mut().zip(zi).for_each(|(a, z)| *a += ri * z);
            } else {
                t.s0[s] += ri;
                t.inc[s * p..(s + 1) * p].iter_mut().zip(zi).for_each(|(a, z)| *a += ri * z);
            }
        }
        t
    }
}

/// How far below the shift `c` the largest η may fall before the pass is redone with `c` = that
/// largest η: every r stays at most 1, and the largest at least e⁻⁶⁴.
const SHIFT_SLACK: f64 = 64.0;

/// Rows ahead of the one being summed in [`scatter_sums`] whose covariates and table row are asked
/// for (the tables are larger than the core's own cache, and the rows fall on them at random).
const SCATTER_AHEAD: usize = 8;

/// Evaluates the log partial likelihood (and, with `full`, the score and information) at `beta`.
#[cfg(test)]
pub(super) fn evaluate(prep: &Prepared, beta: &[f64], ties: Ties, full: bool) -> Eval {
    evaluate_near(prep, beta, ties, full, None)
}

/// What a pass over the rows at one β leaves for the sums over the risk sets: the shift c of η and,
/// with sorted rows, `rₖ = wₖ exp(ηₖ − c)` per sorted row; with rows in input order, the per-segment
/// sums.
pub(super) struct Pass {
    c: f64,
    /// The largest η.
    largest: f64,
    r: Vec<f64>,
    summed: Option<SegmentSums>,
}

/// A linear predictor in the order `prep` keeps its rows, in sorted order.
pub(super) fn sorted_eta(prep: &Prepared, eta: Vec<f64>) -> Vec<f64> {
    match prep.input {
        Some(_) => prep.order.par_iter().map(|&i| eta[i]).collect(),
        None => eta,
    }
}

/// [`evaluate`], given an earlier evaluation `near` (for the shift of η, see [`pass`]).
pub(super) fn evaluate_near(prep: &Prepared, beta: &[f64], ties: Ties, full: bool, near: Option<&Eval>) -> Eval {
    let (eta, pass) = pass(prep, beta, near);
    terms(prep, eta, pass, beta, ties, full, 1)
}

/// `e` with the information added, at the same β: from the pass `e` kept, without reading the rows
/// again when they are in input order.
pub(super) fn with_information(prep: &Prepared, e: Eval, ties: Ties) -> Eval {
    with_information_every(prep, e, ties, 1)
}

/// [`with_information`], the sum over rows estimated from every `every`-th row (see [`terms`]).
fn with_information_every(prep: &Prepared, e: Eval, ties: Ties, every: usize) -> Eval {
    match e.pass {
        Some(pass) => terms(prep, e.eta, pass, &e.beta, ties, true, every),
        None => e,
    }
}

/// The pass over the rows at `beta`: η in the order the rows are kept, and what [`terms`] needs.
fn pass(prep: &Prepared, beta: &[f64], near: Option<&Eval>) -> (Vec<f64>, Pass) {
    let p = prep.p;
    // Shifting η by a constant c leaves the partial likelihood unchanged and keeps exp() finite.
    // Sorted rows: c is the largest η. Rows in input order are read once, so c must be known before
    // the pass: an upper bound from an earlier evaluation (or from |z| ≤ zmax), redone with the exact
    // largest η when the bound was far above it.
    match &prep.input {
        None => {
            let eta = linear_predictor(prep, beta);
            let c = largest(&eta);
            let r = eta.par_iter().zip(&prep.w).map(|(e, w)| w * (e - c).exp()).collect();
            (eta, Pass { c, largest: c, r, summed: None })
        }
        Some(rows) => {
            let bound = |from: &[f64]| -> f64 {
                beta.iter().zip(from).zip(&prep.zmax).map(|((b, f), m)| (b - f).abs() * m).sum()
            };
            let mut c = match near {
                Some(e) => e.eta_max + bound(&e.beta),
                None => bound(&vec![0.0; p]),
            };
            let (mut eta_in, mut summed) = scatter_sums(prep, rows, beta, c);
            let largest = largest(&eta_in);
            // (Also when the bound is not a number.)
            let close_enough = c - largest <= SHIFT_SLACK;
            if !close_enough {
                c = largest;
                (eta_in, summed) = scatter_sums(prep, rows, beta, c);
            }
            (eta_in, Pass { c, largest, r: Vec::new(), summed: Some(summed) })
        }
    }
}

/// The largest of `values` (NaNs passed over; −∞ for none), over parts in parallel.
fn largest(values: &[f64]) -> f64 {
    values
        .par_chunks(ROWS_PER_TASK)
        .map(|part| part.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .reduce(|| f64::NEG_INFINITY, f64::max)
}

/// The likelihood, score and (with `full`) information from a pass at `beta`.
///
/// With `every` > 1 the information's O(n·p²) sum over rows, `Σₖ qₖ zₖ zₖ'`, is estimated from every
/// `every`-th row (weights scaled by `every`), and the pass is kept for the exact information later.
fn terms(prep: &Prepared, eta: Vec<f64>, pass: Pass, beta: &[f64], ties: Ties, full: bool, every: usize) -> Eval {
    let p = prep.p;
    let c = pass.c;
    let eta_max = pass.largest;
    let risks = match &pass.summed {
        None => Risks::Rows(&pass.r),
        Some(t) => Risks::Summed(t),
    };
    // Σ over events of w·(η − c), with the weights and events in the order of `eta` (summed over
    // fixed parts, in parallel, and the parts' sums added in order).
    let (w, event) = match &prep.input {
        Some(input) => (&input.w, &input.event),
        None => (&prep.w, &prep.event),
    };
    let mut ll: f64 = eta
        .par_chunks(ROWS_PER_TASK)
        .zip(w.par_chunks(ROWS_PER_TASK))
        .zip(event.par_chunks(ROWS_PER_TASK))
        .map(|((eta, w), event)| {
            eta.iter().zip(w).zip(event).filter(|(_, &e)| e).map(|((eta, w), _)| w * (eta - c)).sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    let mut grad = prep.event_z.clone();
    let mut rank_one = vec![0.0; p * p];
    // The S1 S1' part as a Gram matrix of up to two rows per block with events, gathered in batches.
    let mut rows: Vec<f64> = Vec::new();
    let flush = |rows: &mut Vec<f64>, rank_one: &mut Vec<f64>| {
        if !rows.is_empty() {
            let ones = vec![1.0; rows.len() / p];
            rank_one.iter_mut().zip(weighted_gram(rows, &ones, p)).for_each(|(a, v)| *a += v);
            rows.clear();
        }
    };
    // Per block: Σ wt/den over its terms (applies to everyone at risk) and Σ wt·f/den (removed
    // again for the block's own events).
    let mut alpha = vec![0.0; prep.blocks.len()];
    let mut own = vec![0.0; prep.blocks.len()];
    for stratum in 0..prep.strata.len() {
        walk_terms(prep, stratum, risks, ties, |b, t| {
            ll -= t.log_den;
            // Σ_j wt·(S1 − f_j S1_D)/den_j
            for j in 0..p {
                grad[j] -= t.s1[j] * t.a0 - t.s1d[j] * t.a1;
            }
            alpha[b] += t.a0;
            own[b] += t.a1;
            if full && p > 0 {
                // Σ_j wt/den_j²·(S1 − f_j S1_D)(S1 − f_j S1_D)' = c0·uu' − c1·(uv' + vu') + c2·vv' with
                // u = S1, v = S1_D, written as xx' + yy' by factoring [[c0, −c1], [−c1, c2]] (positive
                // semi-definite by Cauchy–Schwarz): x = √c0·u − (c1/√c0)·v, y = √(c2 − c1²/c0)·v.
                let a = t.c0.sqrt();
                let b = -t.c1 / a;
                rows.extend(t.s1.iter().zip(t.s1d).map(|(u, v)| a * u + b * v));
                let d2 = t.c2 - b * b;
                if d2 > 0.0 {
                    let d = d2.sqrt();
                    rows.extend(t.s1d.iter().map(|v| d * v));
                }
                if rows.len() >= RANK_ONE_BATCH * p {
                    flush(&mut rows, &mut rank_one);
                }
            }
        });
    }
    flush(&mut rows, &mut rank_one);
    if !full {
        return Eval { ll, grad, info: Vec::new(), beta: beta.to_vec(), eta, eta_max, pass: Some(pass) };
    }
    // aₖ: Σ alpha over the blocks at or after k's block in its stratum (times ≤ tₖ), less those at or
    // before its entry time. qₖ = rₖ·aₖ (less `own` for the block's events), in the rows' kept order.
    let mut acc = vec![0.0; prep.blocks.len()];
    for (range, _) in &prep.strata {
        let mut sum = 0.0;
        for b in range.clone().rev() {
            sum += alpha[b];
            acc[b] = sum;
        }
    }
    let q: Vec<f64> = match &prep.input {
        Some(input) => eta
            .par_iter()
            .enumerate()
            .step_by(every)
            .map(|(i, e)| {
                let b = input.block[i] as usize;
                let a = acc[b] - if input.event[i] { own[b] } else { 0.0 };
                input.w[i] * (e - c).exp() * a
            })
            .collect(),
        None => {
            let mut q = vec![0.0; prep.n];
            for (range, _) in &prep.strata {
                let before = Cumulative::new(prep, range.clone(), |b| alpha[b]);
                for b in range.clone() {
                    let Block { start, end } = prep.blocks[b];
                    for k in start..end {
                        let entered = prep.entry.as_ref().map_or(0.0, |e| before.at(e[k]));
                        q[k] = pass.r[k] * (acc[b] - entered - if prep.event[k] { own[b] } else { 0.0 });
                    }
                }
            }
            if every > 1 {
                q.into_iter().step_by(every).collect()
            } else {
                q
            }
        }
    };
    let mut info = if every > 1 {
        let scaled: Vec<f64> = q.iter().map(|v| v * every as f64).collect();
        weighted_gram_every(&prep.z, &scaled, p, every)
    } else {
        weighted_gram(&prep.z, &q, p)
    };
    for i in 0..p {
        for j in i..p {
            info[i * p + j] -= rank_one[i * p + j];
            info[j * p + i] = info[i * p + j];
        }
    }
    let pass = (every > 1).then_some(pass);
    Eval { ll, grad, info, beta: beta.to_vec(), eta, eta_max, pass }
}

/// A per-block quantity summed over a stratum's blocks with time ≤ u, for any u (a step function
/// of the block times, ascending).
pub(super) struct Cumulative {
    times: Vec<f64>,
    sums: Vec<f64>,
}

impl Cumulative {
    pub(super) fn new(prep: &Prepared, blocks: std::ops::Range<usize>, value: impl Fn(usize) -> f64) -> Self {
        let (mut times, mut sums) = (Vec::new(), Vec::new());
        let mut acc = 0.0;
        for b in blocks.rev() {
            acc += value(b);
            times.push(prep.time[prep.blocks[b].start]);
            sums.push(acc);
        }
        Self { times, sums }
    }

    /// The sum over blocks with time ≤ u.
    pub(super) fn at(&self, u: f64) -> f64 {
        let k = self.times.partition_point(|&t| t <= u);
        k.checked_sub(1).map_or(0.0, |k| self.sums[k])
    }
}

/// `Σₖ qₖ zₖ zₖ'` (upper triangle filled), in parallel over row chunks whose partial matrices are
/// added in chunk order (so the result does not depend on the thread count).
fn weighted_gram(z: &[f64], q: &[f64], p: usize) -> Vec<f64> {
    weighted_gram_every(z, q, p, 1)
}

/// [`weighted_gram`] over every `every`-th row of `z` (rows 0, `every`, 2·`every`, …), `q` holding
/// one weight per row taken.
fn weighted_gram_every(z: &[f64], q: &[f64], p: usize, every: usize) -> Vec<f64> {
    if p == 0 {
        return Vec::new();
    }
    let parts: Vec<Vec<f64>> = z
        .par_chunks(p * ROWS_PER_TASK * every)
        .zip(q.par_chunks(ROWS_PER_TASK))
        .map(|(zc, qc)| gram_chunk(zc, qc, p, every))
        .collect();
    let mut total = vec![0.0; p * p];
    for part in parts {
        total.iter_mut().zip(part).for_each(|(t, v)| *t += v);
    }
    total
}

/// Whether every `every`-th row of the standardized rows `z` (rows 0, `every`, …) stands for all the
/// rows in each column: the sample's mean of zⱼ², which is 1 over all rows, is within
/// [`SAMPLE_SPREAD`] of 1. A rare binary covariate whose few ones the sample misses (or takes
/// too many of) fails this.
fn sample_covers_columns(z: &[f64], p: usize, every: usize) -> bool {
    if p == 0 {
        return true;
    }
    let (rows, sums) = z
        .par_chunks(p * ROWS_PER_TASK * every)
        .map(|chunk| {
            let mut sums = vec![0.0; p];
            let mut rows = 0usize;
            for row in chunk.chunks_exact(p).step_by(every) {
                sums.iter_mut().zip(row).for_each(|(s, v)| *s += v * v);
                rows += 1;
            }
            (rows, sums)
        })
        .reduce(
            || (0, vec![0.0; p]),
            |(n, mut a), (m, b)| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                (n + m, a)
            },
        );
    rows > 0 && sums.iter().all(|s| (s / rows as f64 - 1.0).abs() <= SAMPLE_SPREAD)
}

/// How far a sample's mean of a standardized column's squares may be from 1 (see
/// [`sample_covers_columns`]). For a binary covariate of prevalence π that mean's standard error
/// over m rows is about 1/√(π·m): 9% for π = 10⁻³ in a sample of 2¹⁷ rows, so such a column
/// passes unless its sample is about three standard errors off.
const SAMPLE_SPREAD: f64 = 0.25;

/// Rows of the S1 S1' part gathered before their Gram matrix is added (a few MB at p = 50).
const RANK_ONE_BATCH: usize = 2 * ROWS_PER_TASK;

/// Side of the register tile of [`gram_chunk`].
const TILE: usize = 4;
/// Rows per panel of [`gram_chunk`] (two padded copies of a panel stay in the L1/L2 cache).
const PANEL: usize = 64;

/// `Σₖ qₖ zₖ zₖ'` over one chunk of rows, upper triangle of a `p × p` matrix. A panel of rows is
/// copied into two zero-padded buffers (`qₖ zₖ` and `zₖ`, width a multiple of [`TILE`]); the upper
/// triangle is accumulated over the panel in registers, `TILE` rows by `2·TILE` columns at a time
/// (eight independent vector sums, enough to keep both adders busy) and `TILE × TILE` where one
/// tile is left at the end of a row of tiles.
///
/// The kernel is compiled for the widest vector instructions the CPU offers (AVX2 where present,
/// detected at run time) and dispatched there. It has no fused multiply-adds and no reordered sums:
/// every entry is the same products added in row order, whatever the width or the tile shape, so the
/// result is bit-identical on every machine.
fn gram_chunk(z: &[f64], q: &[f64], p: usize, every: usize) -> Vec<f64> {
    pulp::Arch::new().dispatch(GramChunk { z, q, p, every })
}

/// [`gram_chunk`]'s arguments, for dispatch to the CPU's vector instructions.
struct GramChunk<'a> {
    z: &'a [f64],
    q: &'a [f64],
    p: usize,
    every: usize,
}

impl pulp::WithSimd for GramChunk<'_> {
    type Output = Vec<f64>;

    // Inlined into pulp's per-instruction-set entry points, so the loops below are vectorized for
    // each of them.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<f64> {
        gram_chunk_kernel(self.z, self.q, self.p, self.every)
    }
}

/// Adds `Σ_rows a[ib..ib + TILE] ⊗ b[jb..jb + W]` over a panel's padded rows into `acc` (row stride
/// `ps`), the sum for each entry running over the rows in order.
#[inline(always)]
fn gram_tile<const W: usize>(weighted: &[f64], padded: &[f64], ps: usize, ib: usize, jb: usize, acc: &mut [f64]) {
    let mut t = [[0.0_f64; W]; TILE];
    for (wr, zr) in weighted.chunks_exact(ps).zip(padded.chunks_exact(ps)) {
        let a: [f64; TILE] = wr[ib..ib + TILE].try_into().unwrap_or([0.0; TILE]);
        let b: [f64; W] = zr[jb..jb + W].try_into().unwrap_or([0.0; W]);
        for x in 0..TILE {
            for y in 0..W {
                t[x][y] += a[x] * b[y];
            }
        }
    }
    for (x, tx) in t.iter().enumerate() {
        acc[(ib + x) * ps + jb..(ib + x) * ps + jb + W].iter_mut().zip(tx).for_each(|(o, v)| *o += v);
    }
}

/// A hint to the CPU to start loading memory that is read soon (without waiting for it), where the
/// CPU takes such hints (x86-64); nothing elsewhere.
#[derive(Clone, Copy)]
struct Prefetch {
    #[cfg(target_arch = "x86_64")]
    sse: Option<pulp::core_arch::x86::Sse>,
}

impl Prefetch {
    fn new() -> Self {
        Self {
            #[cfg(target_arch = "x86_64")]
            sse: pulp::core_arch::x86::Sse::try_new(),
        }
    }

    /// Asks for the cache lines of `values`.
    #[inline(always)]
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn lines(self, values: &[f64]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(sse) = self.sse {
            // (One request per 64-byte line.)
            for line in values.chunks(8) {
                sse._mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T1 }>(line.as_ptr().cast());
            }
        }
    }
}

#[inline(always)]
fn gram_chunk_kernel(z: &[f64], q: &[f64], p: usize, every: usize) -> Vec<f64> {
    let ps = p.div_ceil(TILE) * TILE;
    let mut acc = vec![0.0; ps * ps];
    let mut weighted = vec![0.0; PANEL * ps];
    let mut padded = vec![0.0; PANEL * ps];
    let prefetch = Prefetch::new();
    let span = p * PANEL * every;
    // The next panel's rows are asked for a few at a time while the current one is summed: the
    // CPU's own prefetcher stops when a panel's reads stop, and each panel's copy would wait on
    // memory.
    let row_tiles = ps / TILE;
    let ahead_rows = PANEL.div_ceil(row_tiles.max(1));
    for (k, (zp, qp)) in z.chunks(span).zip(q.chunks(PANEL)).enumerate() {
        let next = z.get((k + 1) * span..).map_or(&[][..], |rest| &rest[..span.min(rest.len())]);
        let rows = qp.len();
        let taken = zp.chunks_exact(p).step_by(every);
        for (((row, &qk), wr), pr) in taken.zip(qp).zip(weighted.chunks_exact_mut(ps)).zip(padded.chunks_exact_mut(ps))
        {
            wr[..p].iter_mut().zip(row).for_each(|(w, v)| *w = qk * v);
            pr[..p].copy_from_slice(row);
        }
        let (weighted, padded) = (&weighted[..rows * ps], &padded[..rows * ps]);
        for ib in (0..ps).step_by(TILE) {
            for t in (ib / TILE * ahead_rows..(ib / TILE + 1) * ahead_rows).take_while(|t| t * every * p < next.len()) {
                let at = t * every * p;
                prefetch.lines(&next[at..(at + p).min(next.len())]);
            }
            let mut jb = ib;
            while jb + 2 * TILE <= ps {
                gram_tile::<{ 2 * TILE }>(weighted, padded, ps, ib, jb, &mut acc);
                jb += 2 * TILE;
            }
            if jb < ps {
                gram_tile::<TILE>(weighted, padded, ps, ib, jb, &mut acc);
            }
        }
    }
    let mut out = vec![0.0; p * p];
    for i in 0..p {
        out[i * p + i..(i + 1) * p].copy_from_slice(&acc[i * ps + i..i * ps + p]);
    }
    out
}

/// Values of the covariate matrix from which it is freed on a thread of its own (16 MB).
const RELEASE_BESIDE: usize = 1 << 21;

/// A Newton step whose largest relative coordinate change `|Δβⱼ|/(1 + |βⱼ|)` is below this keeps the
/// information matrix for the next step.
const REUSE_INFORMATION_BELOW: f64 = 3e-3;

/// A standardized coefficient beyond this (a hazard ratio above e¹⁵ per standard deviation) is taken
/// as diverging when the iterations run out.
const DIVERGED: f64 = 15.0;

/// When the information matrix becomes singular during the iterations, a standardized coefficient
/// beyond this (a hazard ratio above e⁵ ≈ 150 per standard deviation) means the information vanished
/// because the coefficient is running off to infinity, not because covariates are collinear.
const DIVERGING_AT_SINGULAR: f64 = 5.0;

/// Rows per row taken for the information of the first Newton step: from twice this many rows on,
/// that step's O(n·p²) sum is estimated from every k-th row (k = n / this, at most
/// [`FIRST_STEP_EVERY`]).
const FIRST_STEP_ROWS: usize = 1 << 17;
/// The largest k of [`FIRST_STEP_ROWS`].
const FIRST_STEP_EVERY: usize = 8;
/// After a sampled first step, a step whose largest relative coordinate change is above this is
/// followed by another information from the same sample: so far from the maximum, the step's own
/// size (the error of Newton's quadratic model) outweighs the sample's error in the information.
const SAMPLED_INFORMATION_ABOVE: f64 = 0.1;

pub(super) fn fit(params: &CoxParams, data: &CoxData<'_>, owned: Option<Vec<f64>>) -> Result<CoxModel> {
    fit_as(params, data, owned, Layout::Auto, None)
}

/// [`fit`] with the covariate rows kept as `layout` says, and the first Newton step's information
/// from every `first_every`-th row (1: all rows; by default set by n, see [`FIRST_STEP_ROWS`]).
pub(super) fn fit_as(
    params: &CoxParams,
    data: &CoxData<'_>,
    owned: Option<Vec<f64>>,
    layout: Layout,
    first_every: Option<usize>,
) -> Result<CoxModel> {
    if params.max_iter == 0 {
        return Err(Error::InvalidParam { name: "max_iter", message: "0 iterations".into() });
    }
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(Error::InvalidParam { name: "alpha", message: format!("{} is not in (0, 1)", params.alpha) });
    }
    if !(params.penalizer >= 0.0 && params.penalizer.is_finite()) {
        return Err(Error::InvalidParam {
            name: "penalizer",
            message: format!("{} is not a finite value >= 0", params.penalizer),
        });
    }
    if !(0.0..=1.0).contains(&params.l1_ratio) {
        return Err(Error::InvalidParam { name: "l1_ratio", message: format!("{} is not in [0, 1]", params.l1_ratio) });
    }
    let mut prep = prepare_as(data, owned, layout)?;
    let p = prep.p;
    let names = data.names;
    // The penalty n·λ·(r·Σ|βⱼ sdⱼ| + (1−r)/2·Σ(βⱼ sdⱼ)²) in the standardized units of the fit, whose
    // coordinates are βⱼ·sdⱼ(population): the sample sd is c = √(n/(n−1)) times the population sd.
    let n = prep.n as f64;
    let c = if prep.n > 1 { (n / (n - 1.0)).sqrt() } else { 1.0 };
    let ridge = params.penalizer * (1.0 - params.l1_ratio) * n * c * c;
    let lasso = params.penalizer * params.l1_ratio * n * c;
    if lasso > 0.0 && (params.robust || data.clusters.is_some()) {
        return Err(Error::InvalidParam {
            name: "robust",
            message: "robust standard errors of an L1-penalized fit are not provided".into(),
        });
    }
    // With `full`, the information too (an O(n·p²) pass; the likelihood and score are O(n·p)).
    let penalize = |mut e: Eval, full: bool| {
        if ridge > 0.0 {
            for j in 0..p {
                e.ll -= 0.5 * ridge * e.beta[j] * e.beta[j];
                e.grad[j] -= ridge * e.beta[j];
                if full {
                    e.info[j * p + j] += ridge;
                }
            }
        }
        e
    };
    let evaluate = |beta: &[f64], full: bool, near: Option<&Eval>| {
        penalize(evaluate_near(&prep, beta, params.ties, full, near), full)
    };
    // The information at the evaluation's own β (where it holds a reused one, or none).
    let refresh = |e: Eval| match e.pass {
        Some(_) => penalize(with_information(&prep, e, params.ties), true),
        None => evaluate(&e.beta, true, Some(&e)),
    };
    let diverging = |beta: &[f64], limit: f64| -> Option<Error> {
        let (j, b) = beta.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
        (b.abs() > limit).then(|| Error::Separation { covariate: names[j].clone(), coefficient: b / prep.scale[j] })
    };
    let mut beta = vec![0.0; p];
    // The first Newton step, from β = 0, only needs a direction: on large data its information is
    // estimated from a systematic sample of rows (a subsampled Newton step). So is the next one's
    // when the first step was large and the sample stands for every column (see
    // [`SAMPLED_INFORMATION_ABOVE`], [`sample_covers_columns`]). A sampled information counts as
    // not fresh, like a reused one: the steps after, the convergence test and the covariance use
    // the exact information, and a sample that gives a singular matrix is replaced by the exact one.
    let every = match first_every {
        Some(k) => k.max(1),
        None => (prep.n / FIRST_STEP_ROWS).clamp(1, FIRST_STEP_EVERY),
    };
    let sampled = every > 1 && lasso == 0.0;
    let mut e = if sampled {
        let e = evaluate_near(&prep, &beta, params.ties, false, None);
        penalize(with_information_every(&prep, e, params.ties, every), true)
    } else {
        evaluate(&beta, true, None)
    };
    let null_ll = e.ll;
    let mut iterations = 0;
    let mut last_change = f64::NAN;
    let cov_std = if lasso > 0.0 {
        let evaluate_near = |b: &[f64], near: &Eval| evaluate(b, true, Some(near));
        let (b, last, its) = elastic_net(&evaluate_near, e, lasso, params.max_iter)?;
        beta = b;
        e = last;
        iterations = its;
        active_covariance(&e.info, &beta)
    } else {
        // After a small step the information barely changes, so the next step reuses it (its error
        // shrinks by about the step's size each time) instead of recomputing the O(n·p²) sum; a large
        // step, convergence and the covariance always use the information at the current β.
        let mut fresh = !sampled;
        // Whether the sample's rows stand for every column (checked once, when first needed).
        let mut covered = None;
        let chol = loop {
            let chol = match Cholesky::factor(&e.info, p) {
                Ok(c) => c,
                Err(_) if !fresh => {
                    e = refresh(e);
                    fresh = true;
                    continue;
                }
                Err(bad) => {
                    return Err(diverging(&beta, DIVERGING_AT_SINGULAR)
                        .unwrap_or_else(|| Error::Collinear { covariate: names[bad.column].clone() }))
                }
            };
            let delta = chol.solve(&e.grad);
            let small_step = delta.iter().zip(&beta).all(|(d, b)| d.abs() <= 1e-10 * (1.0 + b.abs()));
            if small_step || p == 0 {
                if fresh {
                    break chol;
                }
                e = refresh(e);
                fresh = true;
                continue;
            }
            if iterations == params.max_iter {
                return Err(
                    diverging(&beta, DIVERGED).unwrap_or(Error::NoConvergence { iterations, change: last_change })
                );
            }
            iterations += 1;
            let size = delta.iter().zip(&beta).map(|(d, b)| d.abs() / (1.0 + b.abs())).fold(0.0, f64::max);
            let full = size > REUSE_INFORMATION_BELOW;
            // Far from the maximum, the next information is estimated from the sample again, when the
            // sample represents every covariate.
            let sample = sampled
                && size > SAMPLED_INFORMATION_ABOVE
                && *covered.get_or_insert_with(|| sample_covers_columns(&prep.z, p, every));
            // Step halving: never accept a step that lowers the likelihood.
            let mut step = 1.0;
            let mut next;
            let mut candidate;
            loop {
                candidate = beta.iter().zip(&delta).map(|(b, d)| b + step * d).collect::<Vec<_>>();
                next = evaluate(&candidate, full && !sample, Some(&e));
                if next.ll >= e.ll - 1e-12 * e.ll.abs() || step < 1e-6 {
                    break;
                }
                step /= 2.0;
            }
            let change = next.ll - e.ll;
            last_change = change;
            beta = candidate;
            if sample {
                next = penalize(with_information_every(&prep, next, params.ties, every), true);
            } else if !full {
                next.info = std::mem::take(&mut e.info);
            }
            e = next;
            fresh = full && !sample;
            if change.abs() <= 1e-13 * e.ll.abs().max(1.0) {
                if !fresh {
                    e = refresh(e);
                    fresh = true;
                }
                // The likelihood no longer moves. If the Newton step is still large, the maximum is at
                // infinity along that coefficient (monotone likelihood), as R's coxph warns.
                if let Ok(c) = Cholesky::factor(&e.info, p) {
                    let delta = c.solve(&e.grad);
                    let worst = delta
                        .iter()
                        .zip(&beta)
                        .enumerate()
                        .map(|(j, (d, b))| (j, d.abs() / (1.0 + b.abs())))
                        .max_by(|a, b| a.1.total_cmp(&b.1));
                    if let Some((j, ratio)) = worst {
                        if ratio > 1e-4 {
                            return Err(Error::Separation {
                                covariate: names[j].clone(),
                                coefficient: beta[j] / prep.scale[j],
                            });
                        }
                    }
                    break c;
                }
            }
        };
        if ridge == 0.0 {
            if let Some(err) = diverging(&beta, DIVERGED) {
                return Err(err);
            }
        }
        if params.robust || data.clusters.is_some() {
            robust::sandwich(&prep, &beta, params.ties, &chol.inverse(), data.clusters)
        } else {
            chol.inverse()
        }
    };
    let ridge_penalty = 0.5 * ridge * beta.iter().map(|b| b * b).sum::<f64>();
    let penalty = ridge_penalty + lasso * beta.iter().map(|b| b.abs()).sum::<f64>();
    let coefficients: Vec<f64> = beta.iter().zip(&prep.scale).map(|(b, s)| b / s).collect();
    let mut covariance = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            covariance[i * p + j] = cov_std[i * p + j] / (prep.scale[i] * prep.scale[j]);
        }
    }
    // The last evaluation's linear predictor, when it was at the final β.
    let eta_sorted =
        if e.beta == beta { sorted_eta(&prep, std::mem::take(&mut e.eta)) } else { linear_predictor(&prep, &beta) };
    // The covariate rows are no longer needed: a large matrix is handed back to the system (which
    // takes a while) on its own thread, beside the concordance and the baseline.
    let rows = std::mem::take(&mut prep.z);
    // (When no thread can be started, the matrix is freed here, as the closure is dropped.)
    let release =
        (rows.len() >= RELEASE_BESIDE).then(|| std::thread::Builder::new().spawn(move || drop(rows)).ok()).flatten();
    // (Harrell's C runs in parallel parts; the baseline is a serial sweep beside it.)
    let (concordance, baseline) = rayon::join(
        || prep.entry.is_none().then(|| stratified_concordance(&prep, &eta_sorted)).transpose(),
        || baseline_hazard(&prep, &eta_sorted),
    );
    // (A thread that panicked while freeing memory has nothing left to report.)
    let _ = release.map(std::thread::JoinHandle::join);
    let concordance = concordance?;
    Ok(CoxModel {
        names: names.to_vec(),
        coefficients,
        covariance,
        robust: params.robust || data.clusters.is_some(),
        ties: params.ties,
        // `e.ll` has the ridge term subtracted (the L1 term never enters it).
        log_likelihood: e.ll + ridge_penalty,
        penalty,
        null_log_likelihood: null_ll,
        concordance,
        start_stop: prep.entry.is_some(),
        n: prep.n,
        n_events: data.events.iter().filter(|&&e| e).count(),
        iterations,
        means: prep.mean.clone(),
        baseline,
        alpha: params.alpha,
    })
}

/// Proximal Newton for `max ℓ(β) − ridge/2·‖β‖² − lasso·‖β‖₁` (ridge already inside `evaluate`): each
/// step minimizes the quadratic model of −ℓ plus the L1 term exactly by cyclic coordinate descent
/// (soft-thresholding gives exact zeros), then halves the step until the penalized objective does not
/// increase, starting from the evaluation `start`. Returns β, the evaluation at β and the iterations
/// taken.
fn elastic_net(
    evaluate: &impl Fn(&[f64], &Eval) -> Eval,
    start: Eval,
    lasso: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, Eval, usize)> {
    let objective = |e: &Eval, beta: &[f64]| -e.ll + lasso * beta.iter().map(|b| b.abs()).sum::<f64>();
    let p = start.beta.len();
    let mut beta = start.beta.clone();
    let mut e = start;
    let mut f = objective(&e, &beta);
    let mut last_change = f64::NAN;
    for iteration in 1..=max_iter {
        // Coordinate descent on q(u) = −g'(u−β) + ½(u−β)'I(u−β) + lasso·‖u‖₁.
        let mut u = beta.clone();
        for _ in 0..10_000 {
            let mut change: f64 = 0.0;
            for j in 0..p {
                let h = e.info[j * p + j];
                let mut rest = e.grad[j];
                for k in 0..p {
                    if k != j {
                        rest -= e.info[j * p + k] * (u[k] - beta[k]);
                    }
                }
                let target = h * beta[j] + rest;
                let new = target.signum() * (target.abs() - lasso).max(0.0) / h;
                change = change.max((new - u[j]).abs());
                u[j] = new;
            }
            if change <= 1e-14 {
                break;
            }
        }
        let mut step = 1.0;
        let (next_beta, next, next_f) = loop {
            let cand: Vec<f64> = beta.iter().zip(&u).map(|(b, v)| b + step * (v - b)).collect();
            let ce = evaluate(&cand, &e);
            let cf = objective(&ce, &cand);
            if cf <= f + 1e-12 * f.abs() || step < 1e-8 {
                break (cand, ce, cf);
            }
            step /= 2.0;
        };
        let moved = next_beta.iter().zip(&beta).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        beta = next_beta;
        e = next;
        let df = f - next_f;
        last_change = -df;
        f = next_f;
        if moved <= 1e-11 || df.abs() <= 1e-15 * f.abs().max(1.0) {
            return Ok((beta, e, iteration));
        }
    }
    Err(Error::NoConvergence { iterations: max_iter, change: last_change })
}

/// The inverse penalized information over the non-zero coefficients; NaN for the zero ones (no standard
/// error at a kink of the L1 penalty).
fn active_covariance(info: &[f64], beta: &[f64]) -> Vec<f64> {
    let p = beta.len();
    let active: Vec<usize> = (0..p).filter(|&j| beta[j] != 0.0).collect();
    let m = active.len();
    let mut cov = vec![f64::NAN; p * p];
    let sub: Vec<f64> = active.iter().flat_map(|&i| active.iter().map(move |&j| info[i * p + j])).collect();
    if let Ok(ch) = Cholesky::factor(&sub, m) {
        let inv = ch.inverse();
        for (a, &i) in active.iter().enumerate() {
            for (b, &j) in active.iter().enumerate() {
                cov[i * p + j] = inv[a * m + b];
            }
        }
    }
    cov
}

/// Harrell's C with pairs formed within strata only, counts pooled over strata (lifelines'
/// `concordance_index_` for a stratified fit; the plain index without strata).
fn stratified_concordance(prep: &Prepared, eta: &[f64]) -> Result<f64> {
    let (mut num, mut pairs) = (0.0, 0.0);
    for (range, _) in &prep.strata {
        let rows = prep.blocks[range.start].start..prep.blocks[range.end - 1].end;
        let c = harrell_c(&prep.time[rows.clone()], &prep.event[rows.clone()], &eta[rows])?;
        num += c.concordant + 0.5 * c.tied_risk;
        pairs += c.comparable;
    }
    Ok(if pairs > 0.0 { num / pairs } else { 0.5 })
}

/// Breslow's estimator per stratum: `ΔH₀(t) = Σ_{events at t} wₖ / Σ_{at risk} wₖ exp(ηₖ)`, with η
/// centred at the covariate means.
fn baseline_hazard(prep: &Prepared, eta: &[f64]) -> Vec<BaselineHazard> {
    prep.strata
        .iter()
        .enumerate()
        .map(|(stratum, (range, label))| {
            let mut s0 = 0.0;
            let mut steps = Vec::new();
            let mut leaving = prep.leave_order.get(stratum).map(|v| v.iter().peekable());
            for b in range.clone() {
                let Block { start, end } = prep.blocks[b];
                let mut wd = 0.0;
                for k in start..end {
                    s0 += prep.w[k] * eta[k].exp();
                    if prep.event[k] {
                        wd += prep.w[k];
                    }
                }
                if let (Some(entry), Some(leaving)) = (&prep.entry, leaving.as_mut()) {
                    while let Some(&&k) = leaving.peek() {
                        if entry[k] < prep.time[start] {
                            break;
                        }
                        s0 -= prep.w[k] * eta[k].exp();
                        leaving.next();
                    }
                }
                if wd > 0.0 {
                    steps.push((prep.time[start], wd / s0));
                }
            }
            steps.reverse();
            let mut h = 0.0;
            let (times, cumulative_hazard) = steps
                .into_iter()
                .map(|(t, dh)| {
                    h += dh;
                    (t, h)
                })
                .unzip();
            BaselineHazard { stratum: *label, times, cumulative_hazard }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const LAYOUTS: [Layout; 2] = [Layout::Sorted, Layout::Input];

    fn toy() -> (Vec<f64>, Vec<String>, Vec<f64>, Vec<bool>) {
        let mut rng = mlhc_core::Rng::seed_from_u64(3);
        let n = 60;
        let mut x = Vec::new();
        let mut t = Vec::new();
        let mut e = Vec::new();
        for _ in 0..n {
            let a = rng.normal();
            let b = f64::from(u8::from(rng.bernoulli(0.4)));
            x.extend([a, b]);
            // Integer times so that ties are common.
            t.push((rng.exponential((0.5 * a - 0.7 * b).exp()) * 5.0).ceil());
            e.push(rng.bernoulli(0.75));
        }
        (x, vec!["a".into(), "b".into()], t, e)
    }

    /// Covariates, names, integer times with ties, events, weights and two strata.
    struct TiedStrata {
        x: Vec<f64>,
        names: Vec<String>,
        t: Vec<f64>,
        e: Vec<bool>,
        w: Vec<f64>,
        strata: Vec<usize>,
    }

    impl TiedStrata {
        fn new(n: usize, p: usize, seed: u64) -> Self {
            let mut rng = mlhc_core::Rng::seed_from_u64(seed);
            let x: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
            let t: Vec<f64> =
                (0..n).map(|i| (rng.exponential((0.5 * x[i * p] - 0.3 * x[i * p + 1]).exp()) * 50.0).ceil()).collect();
            let e: Vec<bool> = (0..n).map(|_| rng.bernoulli(0.7)).collect();
            let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64 / 2.0).collect();
            let strata: Vec<usize> = (0..n).map(|i| i % 2).collect();
            let names: Vec<String> = (0..p).map(|j| format!("x{j}")).collect();
            Self { x, names, t, e, w, strata }
        }

        fn data(&self) -> CoxData<'_> {
            let mut data = CoxData::new(&self.x, &self.names, &self.t, &self.e);
            data.weights = Some(&self.w);
            data.strata = Some(&self.strata);
            data
        }
    }

    fn close(u: f64, v: f64) -> bool {
        (u - v).abs() <= 1e-9 * (1.0 + u.abs()) || (u.is_nan() && v.is_nan())
    }

    #[test]
    fn both_layouts_fit_the_same_model() -> TestResult {
        let problem = TiedStrata::new(5000, 3, 11);
        let data = problem.data();
        // A few hundred blocks with events: the automatic choice keeps the input order.
        assert!(prepare(&data, None)?.input.is_some());
        for params in [
            CoxParams::default(),
            CoxParams { ties: Ties::Breslow, robust: true, ..CoxParams::default() },
            CoxParams { penalizer: 0.01, ..CoxParams::default() },
            CoxParams { penalizer: 0.01, l1_ratio: 0.5, ..CoxParams::default() },
        ] {
            let a = fit_as(&params, &data, None, Layout::Sorted, None)?;
            let b = fit_as(&params, &data, None, Layout::Input, None)?;
            let same = |u: &[f64], v: &[f64]| u.len() == v.len() && u.iter().zip(v).all(|(u, v)| close(*u, *v));
            assert!(same(&a.coefficients, &b.coefficients), "{params:?}: {:?} vs {:?}", a.coefficients, b.coefficients);
            assert!(same(&a.covariance, &b.covariance), "{params:?}");
            assert!(close(a.log_likelihood, b.log_likelihood), "{params:?}");
            assert!(close(a.null_log_likelihood, b.null_log_likelihood), "{params:?}");
            assert_eq!(a.concordance, b.concordance, "{params:?}");
            for (ha, hb) in a.baseline.iter().zip(&b.baseline) {
                assert_eq!(ha.times, hb.times);
                assert!(same(&ha.cumulative_hazard, &hb.cumulative_hazard), "{params:?}");
            }
            // The owned matrix is standardized in place, in the same layout.
            let mut owned_data = data;
            owned_data.x = &[];
            let c = fit_as(&params, &owned_data, Some(problem.x.clone()), Layout::Input, None)?;
            assert_eq!(c.coefficients, b.coefficients);
            assert_eq!(c.covariance, b.covariance);
        }
        Ok(())
    }

    #[test]
    fn a_first_step_from_sampled_rows_reaches_the_same_model() -> TestResult {
        // The last covariate is 1 in a few rows that a sample of every third row never takes.
        let mut problem = TiedStrata::new(3000, 4, 5);
        for i in 0..3000 {
            problem.x[i * 4 + 3] = f64::from(u8::from(i % 3 == 1 && i % 40 < 8));
        }
        let data = problem.data();
        let mut changed = 0;
        for layout in LAYOUTS {
            for params in [
                CoxParams::default(),
                CoxParams { ties: Ties::Breslow, robust: true, ..CoxParams::default() },
                CoxParams { penalizer: 0.01, ..CoxParams::default() },
            ] {
                let exact = fit_as(&params, &data, None, layout, Some(1))?;
                for every in [2, 3, 7] {
                    let sampled = fit_as(&params, &data, None, layout, Some(every))?;
                    let at = format!("{layout:?}, {params:?}, every {every}");
                    // (The sample changes the path.)
                    changed += usize::from(sampled.coefficients != exact.coefficients);
                    // Either fit stops once the likelihood no longer moves in floating point, on its own
                    // path: the coefficients agree far within their standard errors, not to the bit.
                    let p = exact.coefficients.len();
                    for j in 0..p {
                        let se = exact.covariance[j * p + j].sqrt();
                        let off = (exact.coefficients[j] - sampled.coefficients[j]).abs() / se;
                        assert!(off <= 1e-6, "{at}: coefficient {j} moved {off:e} standard errors");
                    }
                    for (u, v) in exact.covariance.iter().zip(&sampled.covariance) {
                        assert!((u - v).abs() <= 1e-6 * u.abs(), "{at}: covariance {u} vs {v}");
                    }
                    assert!(close(exact.log_likelihood, sampled.log_likelihood), "{at}");
                    assert_eq!(exact.null_log_likelihood, sampled.null_log_likelihood, "{at}");
                }
            }
        }
        assert!(changed > 0);
        Ok(())
    }

    #[test]
    fn a_sample_that_misses_a_rare_covariate_does_not_cover_it() {
        // Column 0 is ±1 (every z² is 1); column 1 standardizes a covariate that is 1 in 2 rows of 30,
        // rows 1 and 16 (mod 30): both ≡ 1 (mod 3) and (mod 5), one odd and one even.
        let n = 3000;
        let ones = |i: usize| i % 30 == 1 || i % 30 == 16;
        let prevalence: f64 = 2.0 / 30.0;
        let sd = (prevalence * (1.0 - prevalence)).sqrt();
        let z: Vec<f64> = (0..n)
            .flat_map(|i| [if i % 2 == 0 { 1.0 } else { -1.0 }, (f64::from(u8::from(ones(i))) - prevalence) / sd])
            .collect();
        // All rows, and the even rows (which hold half the ones).
        assert!(sample_covers_columns(&z, 2, 1));
        assert!(sample_covers_columns(&z, 2, 2));
        // Every 3rd or 5th row from row 0 takes none of them.
        assert!(!sample_covers_columns(&z, 2, 3));
        assert!(!sample_covers_columns(&z, 2, 5));
        // Column 0 alone is covered by any sample.
        let first: Vec<f64> = z.iter().step_by(2).copied().collect();
        assert!([1, 2, 3, 5, 7].iter().all(|&k| sample_covers_columns(&first, 1, k)));
    }

    #[test]
    fn information_added_later_is_the_information_of_a_full_evaluation() -> TestResult {
        let problem = TiedStrata::new(3000, 3, 13);
        let data = problem.data();
        let beta = [0.4, -0.2, 0.1];
        for layout in LAYOUTS {
            let prep = prepare_as(&data, None, layout)?;
            let start = evaluate(&prep, &[0.0; 3], Ties::Efron, false);
            for ties in [Ties::Efron, Ties::Breslow] {
                let full = evaluate_near(&prep, &beta, ties, true, Some(&start));
                let partial = evaluate_near(&prep, &beta, ties, false, Some(&start));
                assert!(partial.info.is_empty() && partial.pass.is_some());
                let later = with_information(&prep, partial, ties);
                assert_eq!(later.ll, full.ll, "{layout:?} {ties:?}");
                assert_eq!(later.grad, full.grad, "{layout:?} {ties:?}");
                assert_eq!(later.info, full.info, "{layout:?} {ties:?}");
                assert!(later.pass.is_none());
            }
        }
        Ok(())
    }

    #[test]
    fn a_loose_shift_is_replaced_by_the_largest_linear_predictor() -> TestResult {
        // One outlier per column, in different rows: the bound Σ|βⱼ|·max|zⱼ| is about three times the
        // largest η, so exp(η − bound) would underflow the risk sets and overflow 1/den².
        let mut problem = TiedStrata::new(5000, 3, 12);
        problem.x[0] = 1e4;
        problem.x[3 + 1] = -1e4;
        problem.x[6 + 2] = 1e4;
        let data = problem.data();
        let sorted = prepare_as(&data, None, Layout::Sorted)?;
        let input = prepare_as(&data, None, Layout::Input)?;
        let beta = [3.0, -3.0, 3.0];
        let bound: f64 = beta.iter().zip(&input.zmax).map(|(b, m): (&f64, &f64)| b.abs() * m).sum();
        let a = evaluate(&sorted, &beta, Ties::Efron, true);
        assert!(bound - a.eta_max > 400.0, "bound {bound}, largest η {}", a.eta_max);
        let from_zero = evaluate(&input, &beta, Ties::Efron, true);
        let near =
            evaluate_near(&input, &beta, Ties::Efron, true, Some(&evaluate(&input, &[0.0; 3], Ties::Efron, false)));
        for b in [&from_zero, &near] {
            assert!(close(a.ll, b.ll), "{} vs {}", a.ll, b.ll);
            assert!(a.grad.iter().zip(&b.grad).all(|(u, v)| close(*u, *v)), "{:?} vs {:?}", a.grad, b.grad);
            // Entries of the information cancel down to 1e-7 of the largest: compared on its scale.
            let scale = a.info.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
            assert!(
                a.info.iter().zip(&b.info).all(|(u, v)| (u - v).abs() <= 1e-12 * scale),
                "{:?} vs {:?}",
                a.info,
                b.info
            );
            assert_eq!(a.eta, sorted_eta(&input, b.eta.clone()));
        }
        Ok(())
    }

    #[test]
    fn the_radix_order_is_the_comparison_order() {
        let mut rng = mlhc_core::Rng::seed_from_u64(21);
        let specials = [0.0, -0.0, 1.0, -1.0, f64::MIN_POSITIVE, 5e-324, -5e-324, 1e300, -1e300, 3650.0];
        // (Times in whole or half days without the specials take the packed keys.)
        let cases = [
            (0, 1, true, true),
            (1, 1, false, true),
            (500, 1, true, true),
            (2000, 3, true, true),
            (2000, 4, false, true),
            (3000, 1, true, false),
            (70_000, 1, true, false),
        ];
        for (case, (n, strata, whole, special)) in cases.into_iter().enumerate() {
            let times: Vec<f64> = (0..n)
                .map(|i| match i % 7 {
                    0 if special => specials[i % specials.len()],
                    0 if case == 5 => 0.5 + (rng.uniform() * 10.0).ceil(),
                    _ if whole => (rng.uniform() * 100.0).ceil(),
                    _ => rng.normal() * 10.0,
                })
                .collect();
            let codes: Vec<usize> = (0..n).map(|i| (i * 7 + i / 3) % strata).collect();
            let mut want: Vec<usize> = (0..n).collect();
            want.sort_by(|&a, &b| codes[a].cmp(&codes[b]).then(times[b].total_cmp(&times[a])).then(a.cmp(&b)));
            assert_eq!(sort_order(&codes, strata, &times), want, "n {n}, strata {strata}");
        }
    }

    #[test]
    fn rows_permute_in_place_along_cycles() {
        let x: Vec<f64> = (0..18).map(f64::from).collect();
        for order in [vec![0, 1, 2, 3, 4, 5], vec![5, 4, 3, 2, 1, 0], vec![2, 0, 1, 5, 3, 4], vec![1, 0, 3, 2, 4, 5]] {
            let mut y = x.clone();
            permute_rows(&mut y, 3, &order);
            let expected: Vec<f64> = order.iter().flat_map(|&i| x[i * 3..i * 3 + 3].to_vec()).collect();
            assert_eq!(y, expected, "order {order:?}");
        }
    }

    #[test]
    fn an_owned_matrix_fits_exactly_as_a_borrowed_one() {
        let (x, names, t, e) = toy();
        let strata: Vec<usize> = (0..t.len()).map(|i| i % 3).collect();
        let weights: Vec<f64> = (0..t.len()).map(|i| 1.0 + (i % 4) as f64 / 2.0).collect();
        for ties in [Ties::Efron, Ties::Breslow] {
            let params = CoxParams { ties, ..CoxParams::default() };
            let mut data = CoxData::new(&x, &names, &t, &e);
            data.strata = Some(&strata);
            data.weights = Some(&weights);
            let borrowed = params.fit(&data).unwrap();
            data.x = &[];
            let owned = params.fit_owned(&data, x.clone()).unwrap();
            assert_eq!(owned.coefficients, borrowed.coefficients);
            assert_eq!(owned.covariance, borrowed.covariance);
            assert_eq!(owned.log_likelihood, borrowed.log_likelihood);
            assert_eq!(owned.concordance, borrowed.concordance);
            assert_eq!(owned.means, borrowed.means);
        }
        let data = CoxData::new(&x, &names, &t, &e);
        assert!(CoxParams::default().fit_owned(&data, x.clone()).is_err());
    }

    #[test]
    fn score_and_information_match_finite_differences() -> TestResult {
        let (x, names, t, e) = toy();
        let weights: Vec<f64> = (0..t.len()).map(|i| 1.0 + (i % 3) as f64).collect();
        let strata: Vec<usize> = (0..t.len()).map(|i| i % 2).collect();
        let mut data = CoxData::new(&x, &names, &t, &e);
        data.weights = Some(&weights);
        data.strata = Some(&strata);
        for layout in LAYOUTS {
            let prep = prepare_as(&data, None, layout)?;
            for ties in [Ties::Efron, Ties::Breslow] {
                let beta = [0.3, -0.2];
                let e0 = evaluate(&prep, &beta, ties, true);
                let h = 1e-6;
                for j in 0..2 {
                    let mut bp = beta;
                    bp[j] += h;
                    let mut bm = beta;
                    bm[j] -= h;
                    let (ep, em) = (evaluate(&prep, &bp, ties, true), evaluate(&prep, &bm, ties, true));
                    let g = (ep.ll - em.ll) / (2.0 * h);
                    assert!(
                        (g - e0.grad[j]).abs() < 1e-6 * (1.0 + g.abs()),
                        "{ties:?} grad {j}: {g} vs {}",
                        e0.grad[j]
                    );
                    for i in 0..2 {
                        let hij = -(ep.grad[i] - em.grad[i]) / (2.0 * h);
                        assert!((hij - e0.info[i * 2 + j]).abs() < 1e-5 * (1.0 + hij.abs()), "{ties:?} info {i}{j}");
                    }
                }
            }
        }
        Ok(())
    }

    #[test]
    fn many_event_times_match_the_direct_likelihood() -> TestResult {
        // More blocks with events than one parallel group holds, in two strata, with weights.
        let mut rng = mlhc_core::Rng::seed_from_u64(5);
        let n = 3000;
        let x: Vec<f64> = (0..2 * n).map(|_| rng.normal()).collect();
        let t: Vec<f64> =
            (0..n).map(|i| rng.exponential((0.3 * x[2 * i] - 0.2 * x[2 * i + 1]).exp()).max(1e-9)).collect();
        let e: Vec<bool> = (0..n).map(|_| rng.bernoulli(0.8)).collect();
        let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 4) as f64 / 2.0).collect();
        let strata: Vec<usize> = (0..n).map(|i| i % 2).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let mut data = CoxData::new(&x, &names, &t, &e);
        data.weights = Some(&w);
        data.strata = Some(&strata);
        for layout in LAYOUTS {
            let prep = prepare_as(&data, None, layout)?;
            let beta = [0.25, -0.1];
            let eta: Vec<f64> =
                (0..n).map(|i| (0..2).map(|j| beta[j] * (x[2 * i + j] - prep.mean[j]) / prep.scale[j]).sum()).collect();
            let mut direct = 0.0;
            for i in (0..n).filter(|&i| e[i]) {
                let s0: f64 =
                    (0..n).filter(|&k| strata[k] == strata[i] && t[k] >= t[i]).map(|k| w[k] * eta[k].exp()).sum();
                direct += w[i] * (eta[i] - s0.ln());
            }
            let ev = evaluate(&prep, &beta, Ties::Breslow, true);
            assert!((ev.ll - direct).abs() < 1e-9 * direct.abs(), "{} vs {direct}", ev.ll);
            let h = 1e-6;
            for j in 0..2 {
                let (mut bp, mut bm) = (beta, beta);
                bp[j] += h;
                bm[j] -= h;
                let (ep, em) = (evaluate(&prep, &bp, Ties::Breslow, true), evaluate(&prep, &bm, Ties::Breslow, true));
                let g = (ep.ll - em.ll) / (2.0 * h);
                assert!((g - ev.grad[j]).abs() < 1e-5 * (1.0 + g.abs()), "grad {j}: {g} vs {}", ev.grad[j]);
                for i in 0..2 {
                    let hij = -(ep.grad[i] - em.grad[i]) / (2.0 * h);
                    assert!((hij - ev.info[i * 2 + j]).abs() < 1e-5 * (1.0 + hij.abs()), "info {i}{j}");
                }
            }
        }
        Ok(())
    }

    #[test]
    fn information_over_several_batches_matches_finite_differences() -> TestResult {
        // More blocks with events than one batch of the S1 S1' rows holds, with tied pairs (Efron's two
        // rows per block) and two strata.
        let mut rng = mlhc_core::Rng::seed_from_u64(9);
        let n = 2 * RANK_ONE_BATCH + 500;
        let x: Vec<f64> = (0..2 * n).map(|_| rng.normal()).collect();
        let t: Vec<f64> =
            (0..n).map(|i| (rng.exponential((0.4 * x[2 * i]).exp()) * 1e4).ceil() + (i % 2) as f64).collect();
        let e: Vec<bool> = (0..n).map(|_| rng.bernoulli(0.9)).collect();
        let strata: Vec<usize> = (0..n).map(|i| i % 2).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let mut data = CoxData::new(&x, &names, &t, &e);
        data.strata = Some(&strata);
        for layout in LAYOUTS {
            let prep = prepare_as(&data, None, layout)?;
            let beta = [0.3, 0.1];
            for ties in [Ties::Efron, Ties::Breslow] {
                let ev = evaluate(&prep, &beta, ties, true);
                let h = 1e-6;
                for j in 0..2 {
                    let (mut bp, mut bm) = (beta, beta);
                    bp[j] += h;
                    bm[j] -= h;
                    let (ep, em) = (evaluate(&prep, &bp, ties, false), evaluate(&prep, &bm, ties, false));
                    for i in 0..2 {
                        let hij = -(ep.grad[i] - em.grad[i]) / (2.0 * h);
                        assert!(
                            (hij - ev.info[i * 2 + j]).abs() < 1e-5 * hij.abs(),
                            "{ties:?} info {i}{j}: {hij} vs {}",
                            ev.info[i * 2 + j]
                        );
                    }
                }
            }
        }
        Ok(())
    }

    #[test]
    fn the_first_non_finite_covariate_is_named() {
        let (n, p) = (ROWS_PER_TASK + 10, 2);
        let mut x: Vec<f64> = (0..n * p).map(|i| (i % 7) as f64).collect();
        let t: Vec<f64> = (0..n).map(|i| (i % 13) as f64 + 1.0).collect();
        let e: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
        let names: Vec<String> = vec!["a".into(), "b".into()];
        // In the second chunk of rows: an infinity in "a" after a NaN in "b" (row-major order).
        x[(ROWS_PER_TASK + 5) * p] = f64::INFINITY;
        x[(ROWS_PER_TASK + 3) * p + 1] = f64::NAN;
        let err = CoxParams::default().fit(&CoxData::new(&x, &names, &t, &e)).unwrap_err();
        assert!(
            matches!(&err, Error::NonFiniteCovariate { covariate, row, .. } if covariate == "b" && *row == ROWS_PER_TASK + 3),
            "{err}"
        );
        x[(ROWS_PER_TASK + 3) * p + 1] = 1.0;
        let err = CoxParams::default().fit(&CoxData::new(&x, &names, &t, &e)).unwrap_err();
        assert!(
            matches!(&err, Error::NonFiniteCovariate { covariate, row, value } if covariate == "a" && *row == ROWS_PER_TASK + 5 && value.is_infinite()),
            "{err}"
        );
        // In a later block of the first chunk.
        x[(3 * MOMENT_ROWS + 7) * p] = f64::NAN;
        let err = CoxParams::default().fit(&CoxData::new(&x, &names, &t, &e)).unwrap_err();
        assert!(
            matches!(&err, Error::NonFiniteCovariate { covariate, row, .. } if covariate == "a" && *row == 3 * MOMENT_ROWS + 7),
            "{err}"
        );
    }

    #[test]
    fn the_log_of_a_product_is_the_sum_of_logs() {
        let mut rng = mlhc_core::Rng::seed_from_u64(3);
        // Factors near one, spread over 2^±100 (the product leaves 2^±500 again and again), and
        // often beyond 2^±400 (added as logarithms).
        for spread in [1.0, 100.0, 500.0] {
            let mut log = LogProduct::new();
            let mut want = 0.0;
            let mut scale = 0.0_f64;
            for _ in 0..10_000 {
                let x = (rng.normal() * spread).clamp(-1000.0, 1000.0).exp2();
                log.add(x);
                want += x.ln();
                scale += x.ln().abs();
            }
            assert!((log.ln() - want).abs() <= 1e-13 * scale.max(1.0), "spread {spread}: {} vs {want}", log.ln());
        }
        let mut log = LogProduct::new();
        log.add(2.0);
        log.add(0.0);
        assert_eq!(log.ln(), f64::NEG_INFINITY);
        log.add(-1.0);
        assert!(log.ln().is_nan());
    }

    #[test]
    fn dot_adds_every_product() {
        // Widths around the number of partial sums; small integers, which every order adds exactly.
        for p in 0..=3 * DOT_LANES + 3 {
            let row: Vec<f64> = (0..p).map(|j| j as f64 - 3.0).collect();
            let beta: Vec<f64> = (0..p).map(|j| 2.0 * j as f64 + 1.0).collect();
            let plain: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            assert_eq!(dot(&row, &beta), plain, "p = {p}");
        }
    }

    #[test]
    fn one_pass_moments_match_two_passes() -> TestResult {
        // Several chunks and blocks and a short last block; one column far from zero (where sums of
        // squares about zero would keep no digit of its variance) and one constant column.
        let (n, p) = (2 * ROWS_PER_TASK + 3 * MOMENT_ROWS + 17, 4);
        let mut rng = mlhc_core::Rng::seed_from_u64(5);
        let x: Vec<f64> = (0..n * p)
            .map(|i| match i % p {
                0 => rng.normal(),
                1 => 1e9 + rng.normal(),
                2 => (i / p % 5) as f64,
                _ => 7.0,
            })
            .collect();
        let (mean, sd) = moments(&x, n, p).map_err(|at| format!("non-finite at {at:?}"))?;
        for j in 0..p {
            let m = x.iter().skip(j).step_by(p).sum::<f64>() / n as f64;
            let s = (x.iter().skip(j).step_by(p).map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt();
            assert!((mean[j] - m).abs() <= 1e-13 * m.abs().max(1.0), "column {j}: mean {} vs {m}", mean[j]);
            assert!((sd[j] - s).abs() <= 1e-11 * s.max(1e-300), "column {j}: sd {} vs {s}", sd[j]);
        }
        assert_eq!(sd[3], 0.0);
        Ok(())
    }

    #[test]
    fn tiled_gram_matches_the_plain_sum() {
        let mut rng = mlhc_core::Rng::seed_from_u64(11);
        // Widths around the tile size and row counts around the panel and chunk sizes.
        for (n, p) in [(1, 1), (3, 5), (70, 4), (130, 9), (65, 13), (40, 50), (ROWS_PER_TASK + 3, 6)] {
            let z: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
            let q: Vec<f64> = (0..n).map(|_| rng.exponential(1.0)).collect();
            let g = weighted_gram(&z, &q, p);
            for i in 0..p {
                for j in 0..p {
                    let want: f64 = if j < i { 0.0 } else { (0..n).map(|k| q[k] * z[k * p + i] * z[k * p + j]).sum() };
                    assert!((g[i * p + j] - want).abs() <= 1e-12 * (1.0 + want.abs()), "n {n} p {p} ({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn score_vanishes_at_the_fit() -> TestResult {
        let (x, names, t, e) = toy();
        let data = CoxData::new(&x, &names, &t, &e);
        let m = CoxParams::default().fit(&data).unwrap();
        for layout in LAYOUTS {
            let prep = prepare_as(&data, None, layout)?;
            let beta: Vec<f64> = m.coefficients.iter().zip(&prep.scale).map(|(b, s)| b * s).collect();
            let ev = evaluate(&prep, &beta, Ties::Efron, false);
            assert!(ev.grad.iter().all(|g| g.abs() < 1e-9), "{:?}", ev.grad);
            assert!((ev.ll - m.log_likelihood).abs() < 1e-12);
            assert!(m.log_likelihood > m.null_log_likelihood);
            // The covariance is the inverse information at the final β (never a reused one).
            let Ok(chol) = Cholesky::factor(&evaluate(&prep, &beta, Ties::Efron, true).info, 2) else {
                return Err("the information at the fit is not positive definite".into());
            };
            let inv = chol.inverse();
            for i in 0..2 {
                for j in 0..2 {
                    let want = inv[i * 2 + j] / (prep.scale[i] * prep.scale[j]);
                    assert!((m.covariance[i * 2 + j] - want).abs() < 1e-9 * want.abs().max(1e-3), "{i}{j}");
                }
            }
        }
        Ok(())
    }
}
