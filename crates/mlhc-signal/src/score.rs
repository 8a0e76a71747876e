//! Beat-by-beat comparison of a test annotator against a reference, as PhysioNet's `bxb` and
//! wfdb-python's `compare_annotations` do: each reference beat is matched to at most one test beat
//! within the match window, preferring the closest, and a test beat that is closer to the next
//! reference beat is left to that one.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::wfdb::Annotation;

/// The outcome of a beat-by-beat comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BeatScore {
    /// Sensitivity `tp / (tp + fn)`; `None` without reference beats.
    pub sensitivity: Option<f64>,
    /// Positive predictivity `tp / (tp + fp)`; `None` without test beats.
    pub ppv: Option<f64>,
    /// `2·tp / (2·tp + fp + fn)`; `None` when both sides are empty.
    pub f1: Option<f64>,
    /// Reference beats matched by a test beat.
    pub tp: usize,
    /// Test beats matching no reference beat.
    pub fp: usize,
    /// Reference beats matched by no test beat.
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl BeatScore {
    fn from_counts(tp: usize, fp: usize, fn_: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { None } else { Some(a as f64 / b as f64) };
        BeatScore {
            sensitivity: ratio(tp, tp + fn_),
            ppv: ratio(tp, tp + fp),
            f1: ratio(2 * tp, 2 * tp + fp + fn_),
            tp,
            fp,
            fn_,
        }
    }

    /// Pools per-record counts into gross totals (sums of tp, fp, fn).
    pub fn gross(scores: &[BeatScore]) -> Self {
        let (tp, fp, fn_) = scores.iter().fold((0, 0, 0), |(a, b, c), s| (a + s.tp, b + s.fp, c + s.fn_));
        Self::from_counts(tp, fp, fn_)
    }
}

/// Matches sorted sample positions within `window` samples (inclusive) in linear time.
pub fn match_beats(reference: &[i64], test: &[i64], window: i64) -> Result<BeatScore> {
    for (name, v) in [("reference", reference), ("test", test)] {
        if let Some(i) = v.windows(2).position(|w| w[1] < w[0]) {
            return Err(Error::InvalidParameter {
                name: "beats",
                message: format!("{name} beats are not sorted at {}", i + 1),
            });
        }
    }
    if window < 0 {
        return Err(Error::InvalidParameter { name: "window", message: format!("{window} is negative") });
    }
    let mut tp = 0;
    let mut j = 0; // first test beat still available
    for (i, &r) in reference.iter().enumerate() {
        while j < test.len() && test[j] < r - window {
            j += 1;
        }
        // The closest available test beat within the window (the earlier one on ties).
        let mut best: Option<usize> = None;
        let mut k = j;
        while k < test.len() && test[k] <= r + window {
            if best.is_none_or(|b| (test[k] - r).abs() < (test[b] - r).abs()) {
                best = Some(k);
            }
            k += 1;
        }
        let Some(mut c) = best else { continue };
        if let Some(&next) = reference.get(i + 1) {
            if (test[c] - next).abs() < (test[c] - r).abs() {
                // Leave the contested beat to the next reference beat; take the closest earlier one.
                match (j..c).rev().find(|&k| (test[k] - r).abs() <= window) {
                    Some(k) => c = k,
                    None => continue,
                }
            }
        }
        tp += 1;
        j = c + 1;
    }
    Ok(BeatScore::from_counts(tp, test.len() - tp, reference.len() - tp))
}

/// Scores beat annotations (non-beat labels ignored) from `start_seconds` on, with a match
/// window of `window_ms` milliseconds at sampling rate `fs`.
pub fn score_annotations(
    reference: &[Annotation],
    test: &[Annotation],
    fs: f64,
    window_ms: f64,
    start_seconds: f64,
) -> Result<BeatScore> {
    if !(fs.is_finite() && fs > 0.0) {
        return Err(Error::InvalidParameter { name: "fs", message: format!("{fs} is not a positive frequency") });
    }
    if !(window_ms.is_finite() && window_ms >= 0.0) {
        return Err(Error::InvalidParameter { name: "window_ms", message: format!("{window_ms} is not a duration") });
    }
    if !(start_seconds.is_finite() && start_seconds >= 0.0) {
        return Err(Error::InvalidParameter { name: "start", message: format!("{start_seconds} is not a time") });
    }
    let start = (start_seconds * fs).round() as i64;
    let beats = |a: &[Annotation]| -> Vec<i64> {
        let mut v: Vec<i64> = a.iter().filter(|a| a.code.is_beat() && a.sample >= start).map(|a| a.sample).collect();
        v.sort_unstable();
        v
    };
    let window = (window_ms * fs / 1000.0).round() as i64;
    match_beats(&beats(reference), &beats(test), window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn contested_beats_go_to_the_closer_reference() {
        // Scenario D of wfdb-python's Comparitor: refs 0, 7, 13, 17; tests 0, 2, 11, 17.
        let s = match_beats(&[0, 7, 13, 17], &[0, 2, 11, 17], 3).unwrap();
        assert_eq!((s.tp, s.fp, s.fn_), (3, 1, 1));
        let s = match_beats(&[10, 20], &[16], 6).unwrap();
        assert_eq!((s.tp, s.fp, s.fn_), (1, 0, 1));
        let s = match_beats(&[], &[], 6).unwrap();
        assert_eq!((s.sensitivity, s.ppv, s.f1), (None, None, None));
    }

    /// Maximum matching by brute force over small inputs, for comparison on well-separated beats.
    fn max_matching(r: &[i64], t: &[i64], w: i64) -> usize {
        fn go(r: &[i64], t: &[i64], used: &mut Vec<bool>, w: i64) -> usize {
            let Some((&first, rest)) = r.split_first() else { return 0 };
            let mut best = go(rest, t, used, w);
            for k in 0..t.len() {
                if !used[k] && (t[k] - first).abs() <= w {
                    used[k] = true;
                    best = best.max(1 + go(rest, t, used, w));
                    used[k] = false;
                }
            }
            best
        }
        go(r, t, &mut vec![false; t.len()], w)
    }

    proptest! {
        #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::default() })]
        #[test]
        fn optimal_when_beats_are_further_apart_than_two_windows(
            gaps in proptest::collection::vec(25i64..60, 1..8),
            jitter in proptest::collection::vec(-14i64..15, 8),
            drop in proptest::collection::vec(any::<bool>(), 8),
        ) {
            let mut r = vec![0i64];
            for g in &gaps { let last = *r.last().unwrap(); r.push(last + g); }
            let t: Vec<i64> = r.iter().zip(&jitter).zip(&drop).filter(|(_, d)| !**d).map(|((a, j), _)| a + j).collect();
            let s = match_beats(&r, &t, 10).unwrap();
            prop_assert_eq!(s.tp, max_matching(&r, &t, 10));
            prop_assert_eq!(s.tp + s.fn_, r.len());
            prop_assert_eq!(s.tp + s.fp, t.len());
        }
    }
}
