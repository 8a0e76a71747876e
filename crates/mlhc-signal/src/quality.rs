//! ECG signal-quality indices per window.
//!
//! Two indices are computed for each window of a (cleaned) ECG:
//!
//! - **tSQI**, template matching after Orphanidou et al. (2015), the definition behind NeuroKit2's
//!   `ecg_quality(method="templatematch")`: the beats whose R peak lies in the window are cut out
//!   over one median RR interval centred on the peak (`r − m/2 ..= r + m/2` samples, `m` the median
//!   RR of the window's beats, halved by integer division); the template is their sample-wise mean
//!   and tSQI is the mean Pearson correlation of each beat with the template. Orphanidou et al.
//!   call a 10 s window acceptable from 0.66. Beats whose epoch leaves the signal are skipped;
//!   fewer than two usable beats give no tSQI. (NeuroKit2 builds one template for the whole
//!   signal and cuts beats with its own segmentation; the per-window template here is the paper's.)
//! - **kSQI**, kurtosis as in NeuroKit2's `_ecg_quality_kSQI` for Zhao & Zhang (2018):
//!   `scipy.stats.kurtosis(x, fisher=True)` of the window's samples, the biased moment ratio
//!   `m4 / m2² − 3`. NeuroKit2 rates a signal with kSQI above 5 as optimal.
//!
//! References: Orphanidou C. et al., "Signal-quality indices for the electrocardiogram and
//! photoplethysmogram", IEEE J Biomed Health Inform 19(3), 2015; Zhao Z. & Zhang Y., "SQI quality
//! evaluation mechanism of single-lead ECG signal based on simple heuristic fusion and fuzzy
//! comprehensive evaluation", Front Physiol 9:727, 2018.

use serde::Serialize;

use crate::error::{Error, Result};

/// Orphanidou et al.'s acceptance threshold on the mean template correlation.
pub const TSQI_ACCEPTABLE: f64 = 0.66;
/// NeuroKit2's threshold above which kSQI (Fisher) rates a signal optimal.
pub const KSQI_OPTIMAL: f64 = 5.0;

/// The quality indices of one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowQuality {
    /// First sample of the window.
    pub start: usize,
    /// One past the last sample of the window.
    pub end: usize,
    /// Beats with their R peak in the window.
    pub n_beats: usize,
    /// Beats whose epoch entered the template.
    pub n_used: usize,
    /// Mean correlation of the beats with the window's template (`None` with fewer than two
    /// usable beats or a flat template).
    pub tsqi: Option<f64>,
    /// Fisher kurtosis of the window's samples (`None` for a constant window).
    pub ksqi: Option<f64>,
    /// Whether `tsqi ≥ 0.66` ([`TSQI_ACCEPTABLE`]).
    pub acceptable: bool,
}

/// Fisher kurtosis `m4 / m2² − 3` with biased central moments (`None` when `m2` is 0 or fewer
/// than one value is given).
pub fn kurtosis(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for v in x {
        let d = v - mean;
        let d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
    }
    m2 /= n;
    m4 /= n;
    if m2 == 0.0 {
        return None;
    }
    Some(m4 / (m2 * m2) - 3.0)
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa == 0.0 || sbb == 0.0 {
        return None;
    }
    Some(sab / (saa * sbb).sqrt())
}

/// Template-matching correlation of `beats` (sample indices of R peaks, ascending) in `x`: the
/// tSQI definition above applied to all of them; also returns how many beats were used.
pub fn template_correlation(x: &[f64], beats: &[usize]) -> (Option<f64>, usize) {
    if beats.len() < 2 {
        return (None, 0);
    }
    let mut rr: Vec<usize> = beats.windows(2).map(|w| w[1].saturating_sub(w[0])).collect();
    rr.sort_unstable();
    let m = if rr.len() % 2 == 1 { rr[rr.len() / 2] } else { (rr[rr.len() / 2 - 1] + rr[rr.len() / 2]) / 2 };
    let half = m / 2;
    if half == 0 {
        return (None, 0);
    }
    let len = 2 * half + 1;
    let epochs: Vec<&[f64]> =
        beats.iter().filter(|&&r| r >= half && r + half < x.len()).map(|&r| &x[r - half..=r + half]).collect();
    if epochs.len() < 2 {
        return (None, epochs.len());
    }
    let mut template = vec![0.0; len];
    for e in &epochs {
        for (t, v) in template.iter_mut().zip(e.iter()) {
            *t += v;
        }
    }
    for t in &mut template {
        *t /= epochs.len() as f64;
    }
    let mut sum = 0.0;
    for e in &epochs {
        match pearson(e, &template) {
            Some(c) => sum += c,
            None => return (None, epochs.len()),
        }
    }
    (Some(sum / epochs.len() as f64), epochs.len())
}

/// Quality indices of consecutive windows of `window` samples over `x` (the last window may be
/// shorter), given the R peaks `beats` (sample indices, ascending).
pub fn window_quality(x: &[f64], beats: &[usize], window: usize) -> Result<Vec<WindowQuality>> {
    if window == 0 {
        return Err(Error::InvalidParameter { name: "window", message: "must be at least one sample".into() });
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    if beats.windows(2).any(|w| w[1] < w[0]) {
        return Err(Error::InvalidParameter { name: "beats", message: "must be in ascending order".into() });
    }
    let mut out = Vec::with_capacity(x.len().div_ceil(window));
    let mut start = 0;
    while start < x.len() {
        let end = (start + window).min(x.len());
        let lo = beats.partition_point(|&b| b < start);
        let hi = beats.partition_point(|&b| b < end);
        let (tsqi, n_used) = template_correlation(x, &beats[lo..hi]);
        out.push(WindowQuality {
            start,
            end,
            n_beats: hi - lo,
            n_used,
            tsqi,
            ksqi: kurtosis(&x[start..end]),
            acceptable: tsqi.is_some_and(|t| t >= TSQI_ACCEPTABLE),
        });
        start = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kurtosis_of_known_samples() {
        // SciPy 1.13.1: scipy.stats.kurtosis([1, 2, 3, 4, 10]) = -0.21199999999999974.
        let k = kurtosis(&[1.0, 2.0, 3.0, 4.0, 10.0]).unwrap();
        assert!((k - -0.21199999999999974).abs() < 1e-12, "{k}");
        assert_eq!(kurtosis(&[2.0; 5]), None);
        assert_eq!(kurtosis(&[]), None);
    }

    #[test]
    fn identical_beats_correlate_perfectly_and_flat_lines_give_none() {
        let mut x = vec![0.0; 1000];
        let beats: Vec<usize> = (1..9).map(|k| k * 100).collect();
        for &b in &beats {
            for (j, v) in [0.2, 1.0, 0.3, -0.2].iter().enumerate() {
                x[b - 1 + j] = *v;
            }
        }
        let q = window_quality(&x, &beats, 500).unwrap();
        assert_eq!(q.len(), 2);
        assert!((q[0].tsqi.unwrap() - 1.0).abs() < 1e-12);
        assert!(q[0].acceptable);
        let flat = window_quality(&[1.0; 300], &[], 100).unwrap();
        assert!(flat.iter().all(|w| w.tsqi.is_none() && w.ksqi.is_none() && !w.acceptable));
        assert!(window_quality(&x, &[5, 3], 10).is_err());
        assert!(window_quality(&x, &beats, 0).is_err());
    }
}
