//! Windows, boundaries, constraints and labels checked against a naive reference: for random event
//! streams and random two-window tasks, every label row equals a brute-force evaluation of ACES's
//! semantics (linear scans over per-timestamp counts instead of prefix sums and binary searches).

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use mlhc_cohort::{extract_shard, ExtractOptions, TaskConfig};
use mlhc_core::Rng;
use mlhc_meds::{Event, ShardBuilder};

const H: i64 = 3_600_000_000;

/// Per-timestamp counts of one subject: (time, a, b_in_range, trigger).
type Row = (i64, i64, i64, i64);

fn sum(rows: &[Row], lo: i64, lo_inc: bool, hi: i64, hi_inc: bool, col: impl Fn(&Row) -> i64) -> i64 {
    rows.iter().filter(|r| (r.0 > lo || (lo_inc && r.0 == lo)) && (r.0 < hi || (hi_inc && r.0 == hi))).map(col).sum()
}

#[derive(Debug, Clone, Copy)]
enum First {
    /// `start: trigger, end: start + size` (or `start: end - size, end: trigger` when negative).
    Offset(i64),
    /// `start: trigger, end: start -> b`.
    Forward,
    /// `start: end <- b, end: trigger`.
    Backward,
}

#[derive(Debug, Clone, Copy)]
struct Task {
    first: First,
    incl: (bool, bool),
    has_a: (Option<i64>, Option<i64>),
    second_size: i64,
    incl2: (bool, bool),
}

impl Task {
    fn yaml(&self) -> String {
        let b = |x: bool| if x { "true" } else { "false" };
        let bound = |v: Option<i64>| v.map_or("None".to_string(), |v| v.to_string());
        let (start, end) = match self.first {
            First::Offset(s) if s > 0 => ("trigger".to_string(), format!("start + {}h", s / H)),
            First::Offset(s) => (format!("end - {}h", -s / H), "trigger".to_string()),
            First::Forward => ("trigger".into(), "start -> b".into()),
            First::Backward => ("end <- b".into(), "trigger".into()),
        };
        format!(
            "predicates:\n  t: {{code: T}}\n  a: {{code: A}}\n  b: {{code: B, value_min: 5, value_min_inclusive: true}}\n  ab:\n    expr: or(a, b)\ntrigger: t\nwindows:\n  w1:\n    start: {start}\n    end: {end}\n    start_inclusive: {}\n    end_inclusive: {}\n    index_timestamp: end\n    has:\n      a: ({}, {})\n  w2:\n    start: w1.end\n    end: start + {}h\n    start_inclusive: {}\n    end_inclusive: {}\n    label: ab\n",
            b(self.incl.0),
            b(self.incl.1),
            bound(self.has_a.0),
            bound(self.has_a.1),
            self.second_size / H,
            b(self.incl2.0),
            b(self.incl2.1),
        )
    }

    /// The naive evaluation of one trigger at `t`: `Some((prediction_time, label))` when valid.
    fn naive(&self, rows: &[Row], t: i64) -> Option<(i64, bool)> {
        let (li, ri) = self.incl;
        let (start, end) = match self.first {
            First::Offset(s) => (t.min(t + s), t.max(t + s)),
            First::Forward => {
                // First b at/after t when the end is inclusive, strictly after otherwise.
                let tb = rows.iter().find(|r| r.2 > 0 && (r.0 > t || (ri && r.0 == t)))?.0;
                (t, tb)
            }
            First::Backward => {
                let tb = rows.iter().rev().find(|r| r.2 > 0 && (r.0 < t || (li && r.0 == t)))?.0;
                (tb, t)
            }
        };
        let a = sum(rows, start, li, end, ri, |r| r.1);
        if self.has_a.0.is_some_and(|m| a < m) || self.has_a.1.is_some_and(|m| a > m) {
            return None;
        }
        // index_timestamp: end of w1 as ACES reports it: for a backward offset, the anchor side.
        let index = match self.first {
            First::Offset(s) if s < 0 => t + s,
            _ => end,
        };
        // w2 starts at w1's end node: for a root-end window (`start: end - X` / `end <- b`) w1.end is the
        // trigger itself.
        let w1_end = match self.first {
            First::Offset(s) if s > 0 => t + s,
            First::Forward => end,
            _ => t,
        };
        let ab =
            sum(rows, w1_end, self.incl2.0, w1_end + self.second_size, self.incl2.1, |r| (r.1 > 0 || r.2 > 0) as i64);
        Some((index, ab > 0))
    }
}

#[test]
fn random_tasks_match_naive_reference() {
    let mut rng = Rng::seed_from_u64(20260501);
    let (mut rows_seen, mut positives) = (0, 0);
    for case in 0..60 {
        let first = match rng.below(3) {
            0 => First::Offset((rng.below(30) as i64 + 1) * H * if rng.bernoulli(0.5) { 1 } else { -1 }),
            1 => First::Forward,
            _ => First::Backward,
        };
        let bound = |rng: &mut Rng| if rng.bernoulli(0.5) { Some(rng.below(3) as i64) } else { None };
        let mut has_a = (bound(&mut rng), bound(&mut rng));
        if has_a.0.is_none() && has_a.1.is_none() {
            has_a.0 = Some(0);
        }
        if let (Some(lo), Some(hi)) = has_a {
            has_a = (Some(lo.min(hi)), Some(lo.max(hi)));
        }
        let task = Task {
            first,
            incl: (rng.bernoulli(0.5), rng.bernoulli(0.5)),
            has_a,
            second_size: (rng.below(40) as i64 + 1) * H,
            incl2: (rng.bernoulli(0.5), rng.bernoulli(0.5)),
        };
        let config = TaskConfig::from_yaml_str(&task.yaml(), None).unwrap();

        // Random subjects: events on an hourly grid so that boundaries often coincide.
        let mut b = ShardBuilder::new("train/0");
        let mut per_subject: Vec<Vec<(i64, &str, Option<f32>)>> = Vec::new();
        for s in 0..20i64 {
            let mut evs = Vec::new();
            for _ in 0..rng.below(25) {
                let t = rng.below(60) as i64 * H;
                let (code, v) = match rng.below(4) {
                    0 => ("T", None),
                    1 => ("A", None),
                    2 => ("B", Some(rng.below(10) as f32)),
                    _ => ("X", None),
                };
                b.push(Event { subject_id: s, time: Some(t), code, numeric_value: v, text_value: None });
                evs.push((t, code, v));
            }
            per_subject.push(evs);
        }
        let (shard, vocab, _) = b.finish(false);
        let labels = extract_shard(&shard, &vocab, &config, &ExtractOptions::default()).unwrap();
        let got: Vec<(i64, i64, bool)> = (0..labels.len())
            .map(|i| (labels.subject_id[i], labels.prediction_time[i].unwrap(), labels.boolean_value[i].unwrap()))
            .collect();

        let mut want = Vec::new();
        for (s, evs) in per_subject.iter().enumerate() {
            let mut times: Vec<i64> = evs.iter().map(|e| e.0).collect();
            times.sort_unstable();
            times.dedup();
            let rows: Vec<Row> = times
                .iter()
                .map(|&t| {
                    let at = evs.iter().filter(|e| e.0 == t);
                    let a = at.clone().filter(|e| e.1 == "A").count() as i64;
                    let bb = at.clone().filter(|e| e.1 == "B" && e.2.is_some_and(|v| v >= 5.0)).count() as i64;
                    let tr = at.filter(|e| e.1 == "T").count() as i64;
                    (t, a, bb, tr)
                })
                .collect();
            for r in rows.iter().filter(|r| r.3 > 0) {
                if let Some((index, label)) = task.naive(&rows, r.0) {
                    want.push((s as i64, index, label));
                }
            }
        }
        assert_eq!(got, want, "case {case}: {task:?}\n{}", task.yaml());
        rows_seen += got.len();
        positives += got.iter().filter(|r| r.2).count();
    }
    // The cases are not vacuous: many triggers pass, with both labels.
    assert!(rows_seen > 500 && positives > 100 && positives < rows_seen, "{rows_seen} rows, {positives} positives");
}
