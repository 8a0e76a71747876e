//! Elgendi's two event-related moving averages (PLoS ONE 2013).

use super::{argmax_abs, bandpass, flat_floor, moving_average_sq, presence};
use crate::error::Result;

pub(super) fn detect(x: &[f64], fs: f64, presence_ratio: f64) -> Result<Vec<usize>> {
    let filtered = bandpass(x, fs, 8.0, 20.0, 3)?;
    let bp = filtered.as_slice();
    let n = x.len();
    let w1 = ((0.097 * fs).round() as usize).max(1);
    let w2 = ((0.611 * fs).round() as usize).max(1);
    let (ma_qrs, energy) = moving_average_sq(bp, w1);
    let alpha = 0.08 * energy / n as f64;
    let present = presence(&ma_qrs, fs, presence_ratio, flat_floor(x));
    let refractory = (0.25 * fs).round() as usize;
    // The 611 ms beat average is only ever read in order, so it runs alongside the scan.
    let mut ma_beat = RunningMean::new(bp, w2);
    let mut beats: Vec<usize> = Vec::new();
    let mut peaks: Vec<f64> = Vec::new();
    // Beats before this index of `peaks` are forgotten (after a pause longer than `reset`).
    let mut recent_start = 0usize;
    let reset = (RESET_SECONDS * fs).round() as usize;
    let mut i = 0;
    while i < n {
        if ma_qrs[i] <= ma_beat.at(i) + alpha {
            i += 1;
            continue;
        }
        let start = i;
        let mut top = 0.0f64;
        let mut top_at = start;
        while i < n && ma_qrs[i] > ma_beat.at(i) + alpha {
            if ma_qrs[i] > top {
                top = ma_qrs[i];
                top_at = i;
            }
            i += 1;
        }
        if i - start < w1 || !present.at(top_at) {
            continue;
        }
        let r = argmax_abs(bp, start, i);
        // Elgendi's thresholds are relative to the beat average, which between sparse beats is
        // the noise level: with slow rates and strong noise, 97 ms noise excursions pass them.
        // Their peak energy is a small fraction of a QRS complex's, so a block much weaker than
        // the recent beats is skipped.
        if beats.last().is_some_and(|&last| r - last > reset) {
            // A long pause: the recent beats no longer describe the signal's amplitude.
            recent_start = peaks.len();
        }
        let reference = median_of_last(&peaks[recent_start..], HISTORY);
        if reference.is_some_and(|m| top < MIN_PEAK_FRACTION * m) {
            continue;
        }
        match (beats.last(), peaks.last_mut()) {
            (Some(&last), Some(last_peak)) if r - last < refractory => {
                // Two blocks within the refractory period belong to one beat: keep the stronger.
                if top > *last_peak {
                    *last_peak = top;
                    if let Some(b) = beats.last_mut() {
                        *b = r;
                    }
                }
            }
            _ => {
                beats.push(r);
                peaks.push(top);
            }
        }
    }
    Ok(beats)
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

/// Centered mean of `x²` over `w` samples (shrinking at the ends), for non-decreasing indices.
struct RunningMean<'a> {
    x: &'a [f64],
    before: usize,
    after: usize,
    /// Sum over x[lo..hi].
    sum: f64,
    lo: usize,
    hi: usize,
}

impl<'a> RunningMean<'a> {
    fn new(x: &'a [f64], w: usize) -> Self {
        let before = w / 2;
        RunningMean { x, before, after: w.max(1) - 1 - before, sum: 0.0, lo: 0, hi: 0 }
    }

    /// The mean of the window around `i`; `i` must not decrease between calls.
    fn at(&mut self, i: usize) -> f64 {
        let want_hi = (i + self.after + 1).min(self.x.len());
        let want_lo = i.saturating_sub(self.before);
        while self.hi < want_hi {
            self.sum += self.x[self.hi] * self.x[self.hi];
            self.hi += 1;
        }
        while self.lo < want_lo {
            self.sum -= self.x[self.lo] * self.x[self.lo];
            self.lo += 1;
        }
        self.sum / (self.hi - self.lo) as f64
    }
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
