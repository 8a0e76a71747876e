//! Elgendi's two event-related moving averages (PLoS ONE 2013).

use super::{bandpass_in_place, block_verdict, flat_floor, presence_block, two_means};
use crate::error::Result;
use crate::filter::InPlace;

/// Detects beats in `x`, which is overwritten with its band-passed signal.
pub(super) fn detect(mut x: Vec<f64>, fs: f64, presence_ratio: f64) -> Result<Vec<usize>> {
    let n = x.len();
    let InPlace { largest, energy } = bandpass_in_place(&mut x, fs, 8.0, 20.0, 3)?;
    let floor = flat_floor(largest);
    let bp = x.as_slice();
    let w1 = ((0.097 * fs).round() as usize).max(1);
    let w2 = ((0.611 * fs).round() as usize).max(1);
    let alpha = 0.08 * energy / n as f64;
    let refractory = (0.25 * fs).round() as usize;
    let reset = (RESET_SECONDS * fs).round() as usize;
    // The two averages are computed a presence block at a time into buffers that are reused, so the
    // detector holds no signal-length buffer beyond the band-passed signal itself.
    let block = presence_block(fs);
    let n_blocks = (n / block).max(1);
    let (mut qrs, mut beat, mut prefix, mut scratch) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut present: Vec<bool> = Vec::with_capacity(n_blocks);
    let mut beats = Beats { w1, refractory, reset, list: Vec::new(), peaks: Vec::new(), recent_start: 0 };
    // The block of samples above the threshold being read, if any.
    let mut open: Option<Open> = None;
    for b in 0..n_blocks {
        let lo = b * block;
        let hi = if b + 1 == n_blocks { n } else { lo + block };
        two_means(bp, lo, hi, (w1, w2), &mut prefix, &mut qrs, &mut beat);
        present.push(block_verdict(&qrs, presence_ratio, floor, &mut scratch));
        let mut k = 0;
        while k < qrs.len() {
            let Some(o) = open.as_mut() else {
                // Outside a block: skip to the next sample above the threshold, eight at a time
                // while none of them is.
                while let (Some(q), Some(b)) = (qrs.get(k..k + 8), beat.get(k..k + 8)) {
                    if q.iter().zip(b).fold(false, |any, (q, b)| any | (*q > b + alpha)) {
                        break;
                    }
                    k += 8;
                }
                while k < qrs.len() && qrs[k] <= beat[k] + alpha {
                    k += 1;
                }
                if k < qrs.len() {
                    open = Some(Open { start: lo + k, top: 0.0, top_at: lo + k, r: lo + k, r_abs: f64::NEG_INFINITY });
                }
                continue;
            };
            // Inside a block: find where it ends in this stretch (eight samples at a time while all
            // of them are above), then its largest QRS average and largest amplitude there. The
            // first of equal maxima wins, here and against the block's earlier stretches.
            let from = k;
            while let (Some(q), Some(b)) = (qrs.get(k..k + 8), beat.get(k..k + 8)) {
                if !q.iter().zip(b).fold(true, |all, (q, b)| all & (*q > b + alpha)) {
                    break;
                }
                k += 8;
            }
            while k < qrs.len() && qrs[k] > beat[k] + alpha {
                k += 1;
            }
            let (top, top_at) = first_max(&qrs[from..k], |v| v);
            if top > o.top {
                (o.top, o.top_at) = (top, lo + from + top_at);
            }
            let (r_abs, r) = first_max(&bp[lo + from..lo + k], f64::abs);
            if r_abs > o.r_abs {
                (o.r_abs, o.r) = (r_abs, lo + from + r);
            }
            if k < qrs.len() {
                let closed = *o;
                open = None;
                beats.close(&closed, lo + k, |i| present[(i / block).min(present.len() - 1)]);
            }
        }
    }
    if let Some(o) = open {
        beats.close(&o, n, |i| present[(i / block).min(present.len() - 1)]);
    }
    Ok(beats.list)
}

/// The largest `f(v)` over `v` (negative infinity for none) and the index of its first occurrence:
/// the maximum in eight interleaved running maxima, then its place.
fn first_max(v: &[f64], f: impl Fn(f64) -> f64 + Copy) -> (f64, usize) {
    let mut acc = [f64::NEG_INFINITY; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a = a.max(f(*x));
        }
    }
    let m = acc.iter().copied().chain(rest.iter().map(|x| f(*x))).fold(f64::NEG_INFINITY, f64::max);
    (m, v.iter().position(|x| f(*x) == m).unwrap_or(0))
}

/// A block of samples whose QRS average exceeds the beat average plus the offset.
#[derive(Debug, Clone, Copy)]
struct Open {
    start: usize,
    /// Largest QRS average in the block, and where.
    top: f64,
    top_at: usize,
    /// Largest absolute band-passed amplitude in the block (the R peak), and where.
    r: usize,
    r_abs: f64,
}

/// The beats accepted so far, with the rules that accept a block as a beat.
struct Beats {
    w1: usize,
    refractory: usize,
    reset: usize,
    list: Vec<usize>,
    /// Peak QRS average of each beat in `list`.
    peaks: Vec<f64>,
    /// Beats before this index of `peaks` are forgotten (after a pause longer than `reset`).
    recent_start: usize,
}

impl Beats {
    /// Judges the block `o` that ended at `end` (exclusive).
    fn close(&mut self, o: &Open, end: usize, present: impl Fn(usize) -> bool) {
        if end - o.start < self.w1 || !present(o.top_at) {
            return;
        }
        let r = o.r;
        // Elgendi's thresholds are relative to the beat average, which between sparse beats is
        // the noise level: with slow rates and strong noise, 97 ms noise excursions pass them.
        // Their peak energy is a small fraction of a QRS complex's, so a block much weaker than
        // the recent beats is skipped.
        if self.list.last().is_some_and(|&last| r - last > self.reset) {
            // A long pause: the recent beats no longer describe the signal's amplitude.
            self.recent_start = self.peaks.len();
        }
        let reference = median_of_last(&self.peaks[self.recent_start..], HISTORY);
        if reference.is_some_and(|m| o.top < MIN_PEAK_FRACTION * m) {
            return;
        }
        match (self.list.last_mut(), self.peaks.last_mut()) {
            (Some(last), Some(last_peak)) if r - *last < self.refractory => {
                // Two blocks within the refractory period belong to one beat: keep the stronger.
                if o.top > *last_peak {
                    *last_peak = o.top;
                    *last = r;
                }
            }
            _ => {
                self.list.push(r);
                self.peaks.push(o.top);
            }
        }
    }
}

/// Accepted beats whose peak QRS energy sets the reference for the next block.
const HISTORY: usize = 8;
/// A block whose peak 97 ms energy is under this fraction of the median peak of the last
/// [`HISTORY`] beats is noise (an energy ratio of 0.08 is an amplitude ratio of about 0.28).
const MIN_PEAK_FRACTION: f64 = 0.08;
/// A gap between beats longer than this (seconds) forgets the recent peaks, so a drop in
/// amplitude (lead change, gain change) cannot silence the detector for good.
const RESET_SECONDS: f64 = 3.0;

/// The median of the last `k` values of `v`; `None` when `v` is empty.
fn median_of_last(v: &[f64], k: usize) -> Option<f64> {
    let tail = &v[v.len().saturating_sub(k)..];
    if tail.is_empty() {
        return None;
    }
    let mut buf = [0.0f64; HISTORY];
    let buf = &mut buf[..tail.len().min(HISTORY)];
    buf.copy_from_slice(&tail[tail.len() - buf.len()..]);
    buf.sort_by(f64::total_cmp);
    let m = buf.len() / 2;
    Some(if buf.len() % 2 == 1 { buf[m] } else { 0.5 * (buf[m - 1] + buf[m]) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_last_uses_the_tail_only() {
        assert_eq!(median_of_last(&[], 8), None);
        assert_eq!(median_of_last(&[3.0], 8), Some(3.0));
        assert_eq!(median_of_last(&[100.0, 1.0, 4.0, 2.0], 3), Some(2.0));
        assert_eq!(median_of_last(&[1.0, 4.0, 2.0, 8.0], 8), Some(3.0));
        let v: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(median_of_last(&v, HISTORY), Some(15.5));
    }
}
