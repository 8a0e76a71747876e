//! The per-subject kernel: every window of every prediction time in one pass over the subject's events.
//!
//! For each window, the events inside it form a range `[lo, hi)` of the subject's time-sorted events.
//! Prediction times are visited in increasing order, so both ends only move forward: events are added
//! when `hi` passes them and removed when `lo` passes them. Counts and sums are updated incrementally;
//! minima and maxima use monotonic queues, so each event enters and leaves each window once.

use std::collections::VecDeque;

use mlhc_core::Bitmap;

use crate::params::{Aggregation, Anchor, Window};
use crate::space::FeatureSpace;

/// One subject's events as the kernel sees them: times (µs), validity, feature-code index per event
/// (`None` for codes outside the feature space) and numeric values with validity.
pub(crate) struct SubjectView<'a> {
    pub times: &'a [i64],
    pub time_valid: &'a Bitmap,
    pub feature_code: &'a [Option<u32>],
    pub values: &'a [f32],
    pub value_valid: &'a Bitmap,
    /// Offset of this subject's first event in the bitmaps.
    pub offset: usize,
}

impl SubjectView<'_> {
    fn timed(&self, k: usize) -> bool {
        self.time_valid.get(self.offset + k)
    }

    /// The event's value when it has a finite one. Non-finite values count as not measured.
    fn value(&self, k: usize) -> Option<f32> {
        if self.value_valid.get(self.offset + k) && self.values[k].is_finite() {
            Some(self.values[k])
        } else {
            None
        }
    }
}

/// Why a subject cannot be tabularized.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnsortedAt(pub usize);

#[derive(Default, Clone)]
struct CodeState {
    count: u32,
    vcount: u32,
    /// Values in the window that are not zero: when none is left, the sums are exactly 0.
    nonzero: u32,
    sum: f64,
    sumsq: f64,
    min: VecDeque<(u32, f32)>,
    max: VecDeque<(u32, f32)>,
    /// Running extremes for the full window, which never removes events.
    run_min: f32,
    run_max: f32,
}

/// Reusable buffers across subjects.
pub(crate) struct Scratch {
    local_of: Vec<u32>,
}

impl Scratch {
    pub fn new(n_codes: usize) -> Self {
        Self { local_of: vec![u32::MAX; n_codes] }
    }
}

/// Computes one sparse row per prediction time. `pred_times` must be sorted; rows come back in the
/// same order.
pub(crate) fn subject_rows(
    view: &SubjectView<'_>,
    space: &FeatureSpace,
    pred_times: &[i64],
    scratch: &mut Scratch,
) -> Result<Vec<Vec<(u32, f32)>>, UnsortedAt> {
    let n = view.times.len();
    // Static rows lead; timed rows follow in non-decreasing time.
    let s0 = (0..n).take_while(|&k| !view.timed(k)).count();
    for k in s0..n {
        if !view.timed(k) || (k > s0 && view.times[k] < view.times[k - 1]) {
            return Err(UnsortedAt(k));
        }
    }
    let times = &view.times[s0..n];

    // Local code indices in feature order, so rows come out with increasing columns.
    let mut touched: Vec<u32> = Vec::new();
    for fc in view.feature_code.iter().flatten() {
        if scratch.local_of[*fc as usize] == u32::MAX {
            scratch.local_of[*fc as usize] = 0;
            touched.push(*fc);
        }
    }
    touched.sort_unstable();
    for (l, &fc) in touched.iter().enumerate() {
        scratch.local_of[fc as usize] = l as u32;
    }
    let local = |k: usize| view.feature_code[k].map(|fc| scratch.local_of[fc as usize] as usize);

    let mut present = vec![false; touched.len()];
    let mut first: Vec<Option<f32>> = vec![None; touched.len()];
    for k in 0..s0 {
        if let Some(l) = local(k) {
            present[l] = true;
            if first[l].is_none() {
                first[l] = view.value(k);
            }
        }
    }

    let params = &space.params;
    let has = |a: Aggregation| params.aggregations.contains(&a);
    let value_aggs = params.value_aggregations();
    let with_count = has(Aggregation::CodeCount);
    let track_extremes = has(Aggregation::ValueMin) || has(Aggregation::ValueMax);
    let n_windows = params.windows.len();
    let mut states: Vec<Vec<CodeState>> = vec![vec![CodeState::default(); touched.len()]; n_windows];
    let mut bounds = vec![(0usize, 0usize); n_windows]; // [lo, hi) into `times`

    let mut rows = Vec::with_capacity(pred_times.len());
    let mut hi_pred = 0usize;
    // The last-event anchor: the time of the last timed event at or before the prediction time
    // whose code is a feature code. Events of excluded (rare) codes never anchor a window, as in
    // MEDS-Tab, which drops them before it computes windows.
    let mut last_feature_event: Option<i64> = None;
    for &t in pred_times {
        while hi_pred < times.len() && times[hi_pred] <= t {
            if view.feature_code[s0 + hi_pred].is_some() {
                last_feature_event = Some(times[hi_pred]);
            }
            hi_pred += 1;
        }
        let end = match params.anchor {
            Anchor::PredictionTime => Some(t),
            Anchor::LastEvent => last_feature_event,
        };
        for (w, window) in params.windows.iter().enumerate() {
            let (target_lo, target_hi) = match end {
                None => (0, 0),
                Some(e) => {
                    let lo = match *window {
                        Window::Full => 0,
                        Window::Duration(d) => {
                            let start = e.saturating_sub(d);
                            let mut lo = bounds[w].0;
                            while lo < hi_pred && times[lo] <= start {
                                lo += 1;
                            }
                            lo
                        }
                    };
                    (lo, hi_pred)
                }
            };
            // Without an anchor event (last-event anchor, nothing at or before the prediction time)
            // nothing has been added yet, so the window is empty; bounds only ever move forward.
            let (target_lo, target_hi) = (target_lo.max(bounds[w].0), target_hi.max(bounds[w].1));
            let st = &mut states[w];
            let full = *window == Window::Full;
            for k in bounds[w].1..target_hi {
                let Some(l) = local(s0 + k) else { continue };
                let s = &mut st[l];
                s.count += 1;
                if let Some(v) = view.value(s0 + k) {
                    if s.vcount == 0 {
                        s.run_min = v;
                        s.run_max = v;
                    }
                    s.vcount += 1;
                    s.nonzero += u32::from(v != 0.0);
                    s.sum += v as f64;
                    s.sumsq += v as f64 * v as f64;
                    if full {
                        s.run_min = s.run_min.min(v);
                        s.run_max = s.run_max.max(v);
                    } else if track_extremes {
                        while s.min.back().is_some_and(|&(_, b)| b >= v) {
                            s.min.pop_back();
                        }
                        s.min.push_back((k as u32, v));
                        while s.max.back().is_some_and(|&(_, b)| b <= v) {
                            s.max.pop_back();
                        }
                        s.max.push_back((k as u32, v));
                    }
                }
            }
            for k in bounds[w].0..target_lo {
                let Some(l) = local(s0 + k) else { continue };
                let s = &mut st[l];
                s.count -= 1;
                if let Some(v) = view.value(s0 + k) {
                    s.vcount -= 1;
                    s.nonzero -= u32::from(v != 0.0);
                    if s.nonzero == 0 {
                        // Empty, or only zeros left: exactly 0, with no rounding residue from
                        // add-then-subtract (which once gave a sum of squares of -2.2e-16).
                        s.sum = 0.0;
                        s.sumsq = 0.0;
                    } else {
                        s.sum -= v as f64;
                        s.sumsq -= v as f64 * v as f64;
                    }
                    if s.min.front().is_some_and(|&(i, _)| i as usize == k) {
                        s.min.pop_front();
                    }
                    if s.max.front().is_some_and(|&(i, _)| i as usize == k) {
                        s.max.pop_front();
                    }
                }
            }
            bounds[w] = (target_lo, target_hi);
        }

        let mut row = Vec::new();
        for (l, &fc) in touched.iter().enumerate() {
            let code = &space.codes[fc as usize];
            if present[l] {
                if let Some(c) = code.static_present {
                    row.push((c, 1.0));
                }
            }
            if let (Some(c), Some(v)) = (code.static_first, first[l]) {
                row.push((c, v));
            }
            let Some(base) = code.dynamic_base else { continue };
            let stride = with_count as u32 + if code.has_values { value_aggs.len() as u32 } else { 0 };
            for (w, window) in params.windows.iter().enumerate() {
                let s = &states[w][l];
                if s.count == 0 || end.is_none() {
                    continue;
                }
                let mut col = base + w as u32 * stride;
                if with_count {
                    row.push((col, s.count as f32));
                    col += 1;
                }
                if !code.has_values || s.vcount == 0 {
                    continue;
                }
                let full = *window == Window::Full;
                for a in &value_aggs {
                    let v = match a {
                        Aggregation::ValueCount => s.vcount as f32,
                        Aggregation::ValueSum => s.sum as f32,
                        // Residue from sliding can never make a sum of squares negative.
                        Aggregation::ValueSumSqd => s.sumsq.max(0.0) as f32,
                        Aggregation::ValueMin if full => s.run_min,
                        Aggregation::ValueMax if full => s.run_max,
                        Aggregation::ValueMin => s.min.front().map_or(f32::NAN, |x| x.1),
                        Aggregation::ValueMax => s.max.front().map_or(f32::NAN, |x| x.1),
                        _ => unreachable!("only value aggregations are listed"),
                    };
                    row.push((col, v));
                    col += 1;
                }
            }
        }
        // Rows live until the whole shard is assembled: no growth slack.
        row.shrink_to_fit();
        rows.push(row);
    }
    for &fc in &touched {
        scratch.local_of[fc as usize] = u32::MAX;
    }
    Ok(rows)
}
