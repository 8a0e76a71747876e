//! Pan & Tompkins (1985), with zero-phase filters so the fiducial marks need no delay correction.

use super::{argmax_abs, bandpass_in_place, flat_floor, moving_average_of, presence};
use crate::error::Result;

/// A local maximum of the integrated signal with the matching band-passed amplitude.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    at: usize,
    integrated: f64,
    filtered: f64,
    slope: f64,
}

struct Levels {
    signal: f64,
    noise: f64,
}

impl Levels {
    fn threshold(&self) -> f64 {
        self.noise + 0.25 * (self.signal - self.noise)
    }
}

/// Detects beats in `x`, which is overwritten with its band-passed signal.
pub(super) fn detect(mut x: Vec<f64>, fs: f64, presence_ratio: f64) -> Result<Vec<usize>> {
    let n = x.len();
    // Learning phase: the first two seconds set the initial signal and noise levels. A constant
    // lead-in (a record that starts with invalid samples, held at the first valid value) is
    // skipped: learning from it would set the thresholds near zero.
    let learn = ((2.0 * fs) as usize).clamp(1, n.max(1));
    let lead_in = x.iter().position(|&v| v != x[0]).map_or(0, |i| i - 1).min(n - learn);
    let floor = flat_floor(bandpass_in_place(&mut x, fs, 5.0, 15.0, 2)?.largest) / 64.0;
    let bp = x.as_slice();
    // Five-point derivative, centered: (2x[n+2] + x[n+1] − x[n−1] − 2x[n−2]) / 8, in units per sample.
    let deriv = |i: usize| {
        if i >= 2 && i + 2 < n {
            (2.0 * bp[i + 2] + bp[i + 1] - bp[i - 1] - 2.0 * bp[i - 2]) / 8.0
        } else {
            0.0
        }
    };
    let w = ((0.150 * fs).round() as usize).max(1);
    let mwi = moving_average_of(n, w, |i| deriv(i).powi(2));
    let present = presence(&mwi, fs, presence_ratio, floor);
    let half_qrs = (0.075 * fs).round() as usize;
    let refractory = (0.2 * fs).round() as usize;
    let t_wave_window = (0.36 * fs).round() as usize;

    // Candidates: local maxima of the integrated signal that clear the presence gate.
    let mut cands = Vec::new();
    for i in 1..n.saturating_sub(1) {
        if present.at(i) && mwi[i] > mwi[i - 1] && mwi[i] >= mwi[i + 1] {
            let lo = i.saturating_sub(half_qrs);
            let hi = i + half_qrs + 1;
            let f = bp[argmax_abs(bp, lo, hi)].abs();
            let s = (lo..hi.min(n)).map(|k| deriv(k).abs()).fold(0.0, f64::max);
            cands.push(Candidate { at: i, integrated: mwi[i], filtered: f, slope: s });
        }
    }
    let (mut li, mut lf) = learn_levels(&mwi, bp, lead_in, lead_in + learn);
    // No beat for this long (search-back included) relearns the levels from the last two
    // seconds, so a drop in amplitude cannot silence the detector for good.
    let relearn_gap = (RELEARN_SECONDS * fs).round() as usize;
    let mut relearned_at = 0usize;

    let mut beats: Vec<Candidate> = Vec::new();
    let mut rr_recent: Vec<f64> = Vec::with_capacity(8);
    let mut rr_regular: Vec<f64> = Vec::with_capacity(8);
    let mut rr_avg2 = fs; // one second until eight intervals are known
    let mut pending: Vec<Candidate> = Vec::new(); // noise peaks since the last beat, for search-back

    let accept = |c: Candidate,
                  beats: &mut Vec<Candidate>,
                  rr_recent: &mut Vec<f64>,
                  rr_regular: &mut Vec<f64>,
                  rr_avg2: &mut f64| {
        if let Some(last) = beats.last() {
            let rr = (c.at - last.at) as f64;
            push8(rr_recent, rr);
            if rr > 0.92 * *rr_avg2 && rr < 1.16 * *rr_avg2 {
                push8(rr_regular, rr);
            }
            if rr_regular.len() == 8 {
                *rr_avg2 = rr_regular.iter().sum::<f64>() / 8.0;
            } else if rr_recent.len() == 8 {
                *rr_avg2 = rr_recent.iter().sum::<f64>() / 8.0;
            }
        }
        beats.push(c);
    };

    for c in cands {
        // Search-back: no beat for 166% of the average RR interval.
        if let Some(last) = beats.last().copied() {
            if (c.at - last.at) as f64 > 1.66 * rr_avg2 {
                let (t_i, t_f) = (0.5 * li.threshold(), 0.5 * lf.threshold());
                let best = pending
                    .iter()
                    .filter(|p| p.at >= last.at + refractory && p.integrated > t_i && p.filtered > t_f)
                    .max_by(|a, b| a.integrated.total_cmp(&b.integrated))
                    .copied();
                if let Some(b) = best {
                    li.signal = 0.25 * b.integrated + 0.75 * li.signal;
                    lf.signal = 0.25 * b.filtered + 0.75 * lf.signal;
                    accept(b, &mut beats, &mut rr_recent, &mut rr_regular, &mut rr_avg2);
                    pending.retain(|p| p.at > b.at);
                }
            }
        }
        if let Some(last) = beats.last() {
            if c.at - last.at.max(relearned_at) > relearn_gap {
                (li, lf) = learn_levels(&mwi, bp, (c.at + 1).saturating_sub(learn), c.at + 1);
                relearned_at = c.at;
                pending.clear();
            }
        }
        let last = beats.last().copied();
        if let Some(l) = last {
            if c.at - l.at < refractory {
                continue;
            }
        }
        let is_qrs = c.integrated > li.threshold() && c.filtered > lf.threshold();
        // T-wave rejection: a peak soon after a beat with less than half its slope.
        let t_wave = match last {
            Some(l) => c.at - l.at < t_wave_window && c.slope < 0.5 * l.slope,
            None => false,
        };
        if is_qrs && !t_wave {
            li.signal = 0.125 * c.integrated + 0.875 * li.signal;
            lf.signal = 0.125 * c.filtered + 0.875 * lf.signal;
            accept(c, &mut beats, &mut rr_recent, &mut rr_regular, &mut rr_avg2);
            pending.clear();
        } else {
            li.noise = 0.125 * c.integrated + 0.875 * li.noise;
            lf.noise = 0.125 * c.filtered + 0.875 * lf.noise;
            pending.push(c);
            // Search-back never looks further than a few RR intervals, which bounds the work.
            if pending.len() > 64 {
                pending.remove(0);
            }
        }
    }
    // Each beat's R peak is the largest filtered amplitude within 75 ms of its integrated peak. Two
    // integrated peaks a refractory period apart can still reach into one complex (the second
    // one's window catching the first's tail, steep enough to pass the T-wave test): R peaks
    // closer than the refractory period are one beat, kept at the larger amplitude.
    let mut out: Vec<usize> = Vec::with_capacity(beats.len());
    for b in &beats {
        let r = argmax_abs(bp, b.at.saturating_sub(half_qrs), b.at + half_qrs + 1);
        match out.last_mut() {
            Some(last) if r < *last + refractory => {
                if bp[r].abs() > bp[*last].abs() {
                    *last = r;
                }
            }
            _ => out.push(r),
        }
    }
    Ok(out)
}

/// Seconds without a beat after which the signal and noise levels are learned again.
const RELEARN_SECONDS: f64 = 3.0;

/// Pan & Tompkins' learning phase over `lo..hi` (non-empty): signal levels at a third of the
/// largest integrated and filtered values, noise levels at half their means.
fn learn_levels(mwi: &[f64], bp: &[f64], lo: usize, hi: usize) -> (Levels, Levels) {
    let len = (hi - lo) as f64;
    let max_i = mwi[lo..hi].iter().copied().fold(0.0, f64::max);
    let mean_i = mwi[lo..hi].iter().sum::<f64>() / len;
    let max_f = bp[lo..hi].iter().map(|v| v.abs()).fold(0.0, f64::max);
    let mean_f = bp[lo..hi].iter().map(|v| v.abs()).sum::<f64>() / len;
    (Levels { signal: max_i / 3.0, noise: mean_i / 2.0 }, Levels { signal: max_f / 3.0, noise: mean_f / 2.0 })
}

fn push8(v: &mut Vec<f64>, x: f64) {
    if v.len() == 8 {
        v.remove(0);
    }
    v.push(x);
}
