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
