//! Heart-rate variability from beat times: RR-interval cleaning, time-domain statistics
//! (Task Force of the ESC/NASPE, Circulation 1996), Poincaré SD1/SD2, and LF/HF power from a
//! Lomb–Scargle periodogram of the unevenly sampled RR series.
//!
//! Definitions follow NeuroKit2's `hrv_time` and `hrv_nonlinear`: SDNN and SD1/SD2 use the
//! sample standard deviation (n − 1); pNN50 divides by the number of intervals. Only differences
//! between intervals that are adjacent in the recording enter RMSSD, pNN50 and the Poincaré plot,
//! so a rejected interval never creates a spurious jump.

use serde::Serialize;

use crate::error::{Error, Result};

/// RR intervals with the time each one ends.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RrSeries {
    /// Time of the beat that ends each interval, in seconds from the start of the record.
    pub time_s: Vec<f64>,
    /// Interval lengths in milliseconds.
    pub rr_ms: Vec<f64>,
    /// Whether each interval directly follows the previous one (no interval removed between).
    pub follows_previous: Vec<bool>,
}

impl RrSeries {
    /// Intervals between consecutive beats at sample positions `beats` (sorted) at `fs` Hz.
    pub fn from_beats(beats: &[i64], fs: f64) -> Result<Self> {
        if !(fs.is_finite() && fs > 0.0) {
            return Err(Error::InvalidParameter { name: "fs", message: format!("{fs} is not a positive frequency") });
        }
        if let Some(i) = beats.windows(2).position(|w| w[1] <= w[0]) {
            return Err(Error::InvalidParameter {
                name: "beats",
                message: format!("beat {} is not after the previous", i + 1),
            });
        }
        let n = beats.len().saturating_sub(1);
        let mut s = RrSeries {
            time_s: Vec::with_capacity(n),
            rr_ms: Vec::with_capacity(n),
            follows_previous: Vec::with_capacity(n),
        };
        for (k, w) in beats.windows(2).enumerate() {
            s.time_s.push(w[1] as f64 / fs);
            s.rr_ms.push((w[1] - w[0]) as f64 / fs * 1000.0);
            s.follows_previous.push(k > 0);
        }
        Ok(s)
    }

    /// NN intervals: intervals between consecutive beats (sorted sample positions) that are both
    /// normal (`normal[i]` for beat `i`); an interval next to a dropped one does not
    /// `follows_previous`.
    pub fn from_normal_beats(beats: &[i64], normal: &[bool], fs: f64) -> Result<Self> {
        if beats.len() != normal.len() {
            return Err(Error::InvalidParameter {
                name: "normal",
                message: format!("{} flags for {} beats", normal.len(), beats.len()),
            });
        }
        let all = Self::from_beats(beats, fs)?;
        let mut out = RrSeries::default();
        let mut prev_kept = false;
        for i in 0..all.len() {
            if normal[i] && normal[i + 1] {
                out.time_s.push(all.time_s[i]);
                out.rr_ms.push(all.rr_ms[i]);
                out.follows_previous.push(prev_kept);
                prev_kept = true;
            } else {
                prev_kept = false;
            }
        }
        Ok(out)
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.rr_ms.len()
    }

    /// Whether there are no intervals.
    pub fn is_empty(&self) -> bool {
        self.rr_ms.is_empty()
    }

    /// Successive differences between adjacent intervals, in ms.
    fn successive_differences(&self) -> Vec<f64> {
        (1..self.len()).filter(|&i| self.follows_previous[i]).map(|i| self.rr_ms[i] - self.rr_ms[i - 1]).collect()
    }
}

/// Artefact and ectopic-beat rejection for RR intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RrCleaning {
    /// Shortest plausible interval in ms. By default, 300 (200 bpm).
    pub min_ms: f64,
    /// Longest plausible interval in ms. By default, 2000 (30 bpm).
    pub max_ms: f64,
    /// Largest relative change from the last accepted interval (Malik et al. 1989). By default, 0.2.
    pub max_relative_change: f64,
}

impl Default for RrCleaning {
    fn default() -> Self {
        RrCleaning { min_ms: 300.0, max_ms: 2000.0, max_relative_change: 0.2 }
    }
}

impl RrCleaning {
    /// Keeps intervals inside `[min_ms, max_ms]` that differ from the last accepted interval by
    /// at most `max_relative_change`; returns the kept series and the number removed. An interval
    /// after a removed one no longer `follows_previous`.
    pub fn apply(&self, rr: &RrSeries) -> (RrSeries, usize) {
        let mut out = RrSeries::default();
        let mut last: Option<f64> = None;
        let mut prev_kept = false;
        for i in 0..rr.len() {
            let v = rr.rr_ms[i];
            let plausible = v >= self.min_ms && v <= self.max_ms;
            let steady = last.is_none_or(|l| (v - l).abs() <= self.max_relative_change * l);
            if plausible && steady {
                out.time_s.push(rr.time_s[i]);
                out.rr_ms.push(v);
                out.follows_previous.push(prev_kept && rr.follows_previous[i]);
                last = Some(v);
                prev_kept = true;
            } else {
                prev_kept = false;
            }
        }
        let removed = rr.len() - out.len();
        (out, removed)
    }
}

fn sample_sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Time-domain HRV.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeDomain {
    /// Number of intervals.
    pub n_intervals: usize,
    /// Mean interval, ms.
    pub mean_nn_ms: f64,
    /// Standard deviation of intervals (n − 1), ms.
    pub sdnn_ms: f64,
    /// Root mean square of successive differences, ms.
    pub rmssd_ms: f64,
    /// Percentage of successive differences above 50 ms, over the number of intervals.
    pub pnn50: f64,
}

/// Computes time-domain HRV; needs at least three intervals.
pub fn time_domain(rr: &RrSeries) -> Result<TimeDomain> {
    let n = rr.len();
    if n < 3 {
        return Err(Error::TooFew { what: "time-domain HRV", needed: 3, got: n });
    }
    let d = rr.successive_differences();
    if d.is_empty() {
        return Err(Error::TooFew { what: "successive differences", needed: 1, got: 0 });
    }
    let rmssd = (d.iter().map(|x| x * x).sum::<f64>() / d.len() as f64).sqrt();
    let nn50 = d.iter().filter(|x| x.abs() > 50.0).count();
    Ok(TimeDomain {
        n_intervals: n,
        mean_nn_ms: rr.rr_ms.iter().sum::<f64>() / n as f64,
        sdnn_ms: sample_sd(&rr.rr_ms),
        rmssd_ms: rmssd,
        pnn50: 100.0 * nn50 as f64 / n as f64,
    })
}

/// Poincaré plot descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Poincare {
    /// Spread across the identity line: SD of (RRₙ₊₁ − RRₙ)/√2, ms.
    pub sd1_ms: f64,
    /// Spread along the identity line: SD of (RRₙ₊₁ + RRₙ)/√2, ms.
    pub sd2_ms: f64,
}

/// Computes SD1 and SD2 over pairs of adjacent intervals; needs at least three pairs.
pub fn poincare(rr: &RrSeries) -> Result<Poincare> {
    let pairs: Vec<(f64, f64)> =
        (1..rr.len()).filter(|&i| rr.follows_previous[i]).map(|i| (rr.rr_ms[i - 1], rr.rr_ms[i])).collect();
    if pairs.len() < 3 {
        return Err(Error::TooFew { what: "Poincaré plot", needed: 3, got: pairs.len() });
    }
    let r2 = std::f64::consts::SQRT_2;
    let across: Vec<f64> = pairs.iter().map(|(a, b)| (b - a) / r2).collect();
    let along: Vec<f64> = pairs.iter().map(|(a, b)| (b + a) / r2).collect();
    Ok(Poincare { sd1_ms: sample_sd(&across), sd2_ms: sample_sd(&along) })
}

/// The classic Lomb–Scargle periodogram (Lomb 1976; Scargle 1982) of `y` at times `t` (seconds)
/// for each frequency in `freqs` (Hz), after subtracting the mean of `y`:
/// `P(f) = ½ [ (Σ yᵢ cos ω(tᵢ−τ))² / Σ cos² ω(tᵢ−τ) + (Σ yᵢ sin ω(tᵢ−τ))² / Σ sin² ω(tᵢ−τ) ]`
/// with `tan 2ωτ = Σ sin 2ωtᵢ / Σ cos 2ωtᵢ`. This is astropy's `LombScargle(t, y,
/// fit_mean=False, center_data=True, normalization="psd").power(freqs)`.
pub fn lomb_scargle(t: &[f64], y: &[f64], freqs: &[f64]) -> Result<Vec<f64>> {
    if t.len() != y.len() {
        return Err(Error::InvalidParameter {
            name: "y",
            message: format!("{} values for {} times", y.len(), t.len()),
        });
    }
    if let Some(index) = t.iter().chain(y).chain(freqs).position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
    let yc: Vec<f64> = y.iter().map(|v| v - mean).collect();
    Ok(freqs
        .iter()
        .map(|&f| {
            let w = 2.0 * std::f64::consts::PI * f;
            let (s2, c2) =
                t.iter().fold((0.0, 0.0), |(s, c), &ti| (s + (2.0 * w * ti).sin(), c + (2.0 * w * ti).cos()));
            let tau = s2.atan2(c2) / (2.0 * w);
            let (mut yc_c, mut yc_s, mut cc, mut ss) = (0.0, 0.0, 0.0, 0.0);
            for (&ti, &v) in t.iter().zip(&yc) {
                let (s, c) = (w * (ti - tau)).sin_cos();
                yc_c += v * c;
                yc_s += v * s;
                cc += c * c;
                ss += s * s;
            }
            let a = if cc > 0.0 { yc_c * yc_c / cc } else { 0.0 };
            let b = if ss > 0.0 { yc_s * yc_s / ss } else { 0.0 };
            0.5 * (a + b)
        })
        .collect())
}

/// Frequency-domain HRV.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FrequencyDomain {
    /// Power in 0.04–0.15 Hz, ms².
    pub lf_ms2: f64,
    /// Power in 0.15–0.4 Hz, ms².
    pub hf_ms2: f64,
    /// `lf_ms2 / hf_ms2`.
    pub lf_hf: f64,
}

/// LF and HF power from the Lomb–Scargle periodogram of the RR series on a 0.001 Hz grid from
/// 0.0033 to 0.4 Hz, scaled to a one-sided density (`2·T·P(f)/N` ms²/Hz, T the span) so that it
/// integrates to the variance; band powers are rectangle-rule sums. Needs at least 60 seconds.
pub fn frequency_domain(rr: &RrSeries) -> Result<FrequencyDomain> {
    let n = rr.len();
    let span = match (rr.time_s.first(), rr.time_s.last()) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    };
    if n < 10 || span < 60.0 {
        return Err(Error::TooFew { what: "frequency-domain HRV (intervals over 60 s)", needed: 10, got: n });
    }
    let df = 0.001;
    let freqs: Vec<f64> = (0..).map(|k| 0.0033 + df * k as f64).take_while(|f| *f <= 0.4).collect();
    let p = lomb_scargle(&rr.time_s, &rr.rr_ms, &freqs)?;
    let scale = 2.0 * span / n as f64 * df;
    let band = |lo: f64, hi: f64| {
        freqs.iter().zip(&p).filter(|(f, _)| **f >= lo && **f < hi).map(|(_, v)| v * scale).sum::<f64>()
    };
    let lf = band(0.04, 0.15);
    let hf = band(0.15, 0.4);
    Ok(FrequencyDomain { lf_ms2: lf, hf_ms2: hf, lf_hf: lf / hf })
}

/// One value of a windowed summary: the window's end (seconds from the record start) and value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WindowValue {
    /// End of the window, seconds from the start of the record.
    pub end_s: f64,
    /// The value.
    pub value: f64,
}

/// Windowed heart rate and HRV over consecutive windows of a recording.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct WindowedHrv {
    /// Mean heart rate (60000 / mean NN interval, beats per minute) per `hr_window_s` window.
    pub heart_rate_bpm: Vec<WindowValue>,
    /// SDNN (ms) per `hrv_window_s` window.
    pub sdnn_ms: Vec<WindowValue>,
    /// RMSSD (ms) per `hrv_window_s` window.
    pub rmssd_ms: Vec<WindowValue>,
}

/// Summarises `rr` over consecutive windows starting at 0 s: heart rate per `hr_window_s` (from at
/// least two intervals ending in the window) and SDNN/RMSSD per `hrv_window_s` (from at least
/// three). Windows with too few intervals are skipped, not filled.
pub fn windowed(rr: &RrSeries, hr_window_s: f64, hrv_window_s: f64) -> Result<WindowedHrv> {
    for (name, w) in [("hr_window_s", hr_window_s), ("hrv_window_s", hrv_window_s)] {
        if !(w.is_finite() && w > 0.0) {
            return Err(Error::InvalidParameter { name, message: format!("{w} is not a positive duration") });
        }
    }
    let mut out = WindowedHrv::default();
    let by_window = |w: f64| {
        let mut groups: Vec<(f64, RrSeries)> = Vec::new();
        for i in 0..rr.len() {
            let end = ((rr.time_s[i] / w).floor() + 1.0) * w;
            if groups.last().is_none_or(|g| g.0 != end) {
                groups.push((end, RrSeries::default()));
            }
            if let Some((_, g)) = groups.last_mut() {
                g.time_s.push(rr.time_s[i]);
                g.rr_ms.push(rr.rr_ms[i]);
                g.follows_previous.push(g.rr_ms.len() > 1 && rr.follows_previous[i]);
            }
        }
        groups
    };
    for (end_s, g) in by_window(hr_window_s) {
        if g.len() >= 2 {
            let mean = g.rr_ms.iter().sum::<f64>() / g.len() as f64;
            out.heart_rate_bpm.push(WindowValue { end_s, value: 60_000.0 / mean });
        }
    }
    for (end_s, g) in by_window(hrv_window_s) {
        if let Ok(t) = time_domain(&g) {
            out.sdnn_ms.push(WindowValue { end_s, value: t.sdnn_ms });
            out.rmssd_ms.push(WindowValue { end_s, value: t.rmssd_ms });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_summarise_their_own_intervals() {
        // 75 bpm for two minutes, then 60 bpm.
        let mut beats = vec![0i64];
        while *beats.last().unwrap() < 120_000 {
            beats.push(beats.last().unwrap() + 800);
        }
        while *beats.last().unwrap() < 300_000 {
            beats.push(beats.last().unwrap() + 1000);
        }
        let w = windowed(&RrSeries::from_beats(&beats, 1000.0).unwrap(), 60.0, 300.0).unwrap();
        let hr: Vec<(f64, f64)> =
            w.heart_rate_bpm.iter().map(|v| (v.end_s, (v.value * 100.0).round() / 100.0)).collect();
        assert_eq!(hr[0], (60.0, 75.0));
        assert_eq!(hr[1], (120.0, 75.0));
        assert_eq!(hr[3], (240.0, 60.0));
        assert_eq!(w.sdnn_ms.len(), 1);
        assert_eq!(w.rmssd_ms[0].end_s, 300.0);
    }

    #[test]
    fn cleaning_drops_ectopic_intervals_and_breaks_adjacency() {
        let rr = RrSeries::from_beats(&[0, 360, 720, 900, 1440, 1800, 2160], 360.0).unwrap();
        assert_eq!(rr.rr_ms, vec![1000.0, 1000.0, 500.0, 1500.0, 1000.0, 1000.0]);
        let (c, removed) = RrCleaning::default().apply(&rr);
        assert_eq!(removed, 2);
        assert_eq!(c.rr_ms, vec![1000.0; 4]);
        assert_eq!(c.follows_previous, vec![false, true, false, true]);
        let t = time_domain(&c).unwrap();
        assert_eq!((t.sdnn_ms, t.rmssd_ms, t.pnn50), (0.0, 0.0, 0.0));
    }

    #[test]
    fn sinusoidal_rr_puts_power_in_the_right_band() {
        // RR oscillating at 0.25 Hz (respiratory sinus arrhythmia) with 50 ms amplitude.
        let mut beats = vec![0i64];
        let mut t = 0.0;
        while t < 300.0 {
            let rr = 0.8 + 0.05 * (2.0 * std::f64::consts::PI * 0.25 * t).sin();
            t += rr;
            beats.push((t * 1000.0).round() as i64);
        }
        let f = frequency_domain(&RrSeries::from_beats(&beats, 1000.0).unwrap()).unwrap();
        assert!(f.hf_ms2 > 50.0 * f.lf_ms2, "{f:?}");
        // A sinusoid of amplitude 50 ms has variance 1250 ms².
        assert!((f.hf_ms2 - 1250.0).abs() < 0.1 * 1250.0, "{f:?}");
    }

    #[test]
    fn lomb_scargle_matches_astropy() {
        // astropy 6.1.7: k = arange(50); t = cumsum(0.8 + 0.1 sin(0.7 k)); y = 800 + 100 sin(0.7 k) + (k % 3)·10;
        // LombScargle(t, y, fit_mean=False, center_data=True, normalization="psd").power([0.05, 0.1, 0.25, 0.4]).
        let mut t = Vec::new();
        let mut acc = 0.0;
        for k in 0..50 {
            acc += 0.8 + 0.1 * (0.7 * k as f64).sin();
            t.push(acc);
        }
        let y: Vec<f64> = (0..50).map(|k| 800.0 + 100.0 * (0.7 * k as f64).sin() + ((k % 3) * 10) as f64).collect();
        let p = lomb_scargle(&t, &y, &[0.05, 0.1, 0.25, 0.4]).unwrap();
        for (got, want) in p.iter().zip([1982.3086861734266, 6431.149427168709, 239.14829126899812, 597.1704406317753])
        {
            assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
        }
    }

    #[test]
    fn too_few_intervals() {
        let rr = RrSeries::from_beats(&[0, 300, 600], 360.0).unwrap();
        assert!(matches!(time_domain(&rr), Err(Error::TooFew { .. })));
        assert!(RrSeries::from_beats(&[5, 5], 360.0).is_err());
    }
}
