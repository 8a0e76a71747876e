//! Every cell of the tabularized matrix against a brute-force recomputation, on seeded random event
//! streams; and a leakage test: events after the prediction time never change a feature.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::collections::BTreeMap;
use std::path::Path;

use mlhc_core::Rng;
use mlhc_meds::{Dataset, DatasetWriter, Event, ShardBuilder};
use mlhc_tab::{tabularize, Aggregation, Anchor, PredictionRow, TabParams, Window};

const HOUR: i64 = 3_600_000_000;
const CODES: [&str; 5] = ["A", "B", "LAB//1", "LAB//2", "S"];

#[derive(Clone, Debug)]
struct Ev {
    subject: i64,
    time: Option<i64>,
    code: &'static str,
    value: Option<f32>,
}

fn random_events(rng: &mut Rng, subjects: i64) -> Vec<Ev> {
    let mut out = Vec::new();
    for s in 1..=subjects {
        if rng.bernoulli(0.7) {
            out.push(Ev { subject: s, time: None, code: "S", value: rng.bernoulli(0.5).then(|| rng.below(5) as f32) });
        }
        let n = rng.below(40);
        for _ in 0..n {
            // Coarse times so that ties (same time, several events) are common.
            let time = Some(rng.below(24 * 20) as i64 * HOUR / 2);
            let code = CODES[rng.below(4) as usize];
            let value = match rng.below(4) {
                0 => None,
                1 => Some(0.0),
                _ => Some((rng.normal() * 10.0) as f32),
            };
            out.push(Ev { subject: s, time, code, value });
        }
    }
    out
}

fn write(dir: &Path, events: &[Ev], subjects: i64) {
    let w = DatasetWriter::create(dir).unwrap();
    let mut b = ShardBuilder::new("train/0");
    for e in events {
        b.push(Event { subject_id: e.subject, time: e.time, code: e.code, numeric_value: e.value, text_value: None });
    }
    let (shard, vocab, _) = b.finish(false);
    w.write_shard("train/0", &shard, &vocab).unwrap();
    w.write_splits(&(1..=subjects).map(|s| (s, "train".to_string())).collect::<Vec<_>>()).unwrap();
}

/// The expected cells of one row, by feature name.
fn brute_force(events: &[Ev], row: &PredictionRow, params: &TabParams, names: &[String]) -> BTreeMap<String, f64> {
    let mine: Vec<&Ev> = events.iter().filter(|e| e.subject == row.subject_id).collect();
    let mut out = BTreeMap::new();
    let mut put = |name: String, v: f64| {
        if names.contains(&name) {
            out.insert(name, v);
        }
    };
    for code in CODES {
        let statics: Vec<&&Ev> = mine.iter().filter(|e| e.time.is_none() && e.code == code).collect();
        if !statics.is_empty() {
            put(format!("{code}/static/present"), 1.0);
        }
        if let Some(v) = statics.iter().find_map(|e| e.value) {
            put(format!("{code}/static/first"), v as f64);
        }
    }
    let t = row.prediction_time;
    let end = match params.anchor {
        Anchor::PredictionTime => Some(t),
        // The last timed event of an included code (one that has features).
        Anchor::LastEvent => mine
            .iter()
            .filter(|e| names.iter().any(|n| n.starts_with(&format!("{}/", e.code))))
            .filter_map(|e| e.time)
            .filter(|&x| x <= t)
            .max(),
    };
    let Some(end) = end else { return out };
    for w in &params.windows {
        for code in CODES {
            let inside: Vec<&&Ev> = mine
                .iter()
                .filter(|e| e.code == code)
                .filter(|e| match (e.time, *w) {
                    (None, _) => false,
                    (Some(x), Window::Full) => x <= end,
                    (Some(x), Window::Duration(d)) => x <= end && x > end - d,
                })
                .collect();
            if inside.is_empty() {
                continue;
            }
            put(format!("{code}/code/count/{w}"), inside.len() as f64);
            let vals: Vec<f64> = inside.iter().filter_map(|e| e.value).map(|v| v as f64).collect();
            if vals.is_empty() {
                continue;
            }
            put(format!("{code}/value/count/{w}"), vals.len() as f64);
            put(format!("{code}/value/sum/{w}"), vals.iter().sum());
            put(format!("{code}/value/sum_sqd/{w}"), vals.iter().map(|v| v * v).sum());
            put(format!("{code}/value/min/{w}"), vals.iter().cloned().fold(f64::INFINITY, f64::min));
            put(format!("{code}/value/max/{w}"), vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
        }
    }
    out
}

fn random_rows(rng: &mut Rng, subjects: i64) -> Vec<PredictionRow> {
    let mut rows = Vec::new();
    for s in 1..=subjects + 1 {
        // Subject `subjects + 1` has no events at all.
        for _ in 0..rng.below(6) {
            let t = rng.below(24 * 22) as i64 * HOUR / 2 - 24 * HOUR;
            rows.push(PredictionRow { subject_id: s, prediction_time: t, label: Some(rng.below(2) as f64) });
        }
    }
    // Input order is not time order: the output must follow the input.
    rng.shuffle(&mut rows);
    rows
}

#[test]
fn every_cell_matches_brute_force_for_random_streams() {
    for seed in 0..12u64 {
        let mut rng = Rng::seed_from_u64(seed);
        let subjects = 6;
        let events = random_events(&mut rng, subjects);
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &events, subjects);
        let rows = random_rows(&mut rng, subjects);
        let windows: Vec<Window> = ["1h", "12h", "1d", "3d", "full"]
            .iter()
            .filter(|_| rng.bernoulli(0.7))
            .map(|w| Window::parse(w).unwrap())
            .collect();
        let anchor = if seed % 2 == 0 { Anchor::PredictionTime } else { Anchor::LastEvent };
        let params = TabParams { windows, anchor, min_code_inclusion_count: 1, ..TabParams::default() };
        let out = tabularize(&Dataset::open(dir.path()).unwrap(), &rows, &params).unwrap();
        assert_eq!(out.splits.len(), 1 + usize::from(rows.iter().any(|r| r.subject_id == subjects + 1)));
        let train = out.splits.iter().find(|s| s.split == "train").unwrap();
        let mut checked = 0;
        for (i, row) in train.rows.iter().enumerate() {
            let expect = brute_force(&events, row, &params, &out.space.names);
            let (cols, vals) = train.matrix.row(i);
            let got: BTreeMap<String, f64> =
                cols.iter().zip(vals).map(|(&c, &v)| (out.space.names[c as usize].clone(), v as f64)).collect();
            assert_eq!(got.keys().collect::<Vec<_>>(), expect.keys().collect::<Vec<_>>(), "seed {seed} row {row:?}");
            for (name, e) in &expect {
                let g = got[name];
                // Sums are accumulated in f64 and stored as f32.
                let tol = 1e-6 * e.abs().max(1.0);
                assert!((g - (*e as f32) as f64).abs() <= tol, "seed {seed} {name}: got {g}, expected {e}");
                checked += 1;
            }
        }
        assert!(checked > 0, "seed {seed} checked no cell");
        // Rows follow the input order.
        let train_input: Vec<&PredictionRow> = rows.iter().filter(|r| r.subject_id <= subjects).collect();
        assert_eq!(train.rows.iter().collect::<Vec<_>>(), train_input);
    }
}

#[test]
fn events_after_the_prediction_time_never_change_a_feature() {
    for (seed, anchor) in [(100u64, Anchor::PredictionTime), (101, Anchor::LastEvent)] {
        let mut rng = Rng::seed_from_u64(seed);
        let subjects = 8;
        let events = random_events(&mut rng, subjects);
        let rows = random_rows(&mut rng, subjects);
        let params = TabParams { anchor, min_code_inclusion_count: 1, ..TabParams::default() };

        // The same history plus, for every subject, events after its latest prediction time, copying the
        // subject's own codes and value presence so that the feature space is unchanged.
        let mut later = events.clone();
        for s in 1..=subjects {
            let last = rows.iter().filter(|r| r.subject_id == s).map(|r| r.prediction_time).max();
            let Some(last) = last else { continue };
            for e in events.iter().filter(|e| e.subject == s && e.time.is_some()) {
                later.push(Ev {
                    time: Some(last + 1 + rng.below(100) as i64 * HOUR),
                    value: e.value.map(|v| v + 1.0),
                    ..e.clone()
                });
            }
        }
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(a.path(), &events, subjects);
        write(b.path(), &later, subjects);
        let fa = tabularize(&Dataset::open(a.path()).unwrap(), &rows, &params).unwrap();
        let fb = tabularize(&Dataset::open(b.path()).unwrap(), &rows, &params).unwrap();
        assert_eq!(fa.space.names, fb.space.names);
        assert!(fa.summary.nnz > 0);
        for (x, y) in fa.splits.iter().zip(&fb.splits) {
            assert_eq!(x.matrix, y.matrix, "seed {seed}: a later event changed a feature");
        }
    }
}

#[test]
fn code_inclusion_counts_the_train_split_only() {
    let dir = tempfile::tempdir().unwrap();
    let w = DatasetWriter::create(dir.path()).unwrap();
    // "RARE" occurs 3 times in train and 50 times in held_out: excluded with min count 5.
    let mut b = ShardBuilder::new("train/0");
    for k in 0..6 {
        b.push(Event { subject_id: 1, time: Some(k * HOUR), code: "COMMON", numeric_value: None, text_value: None });
    }
    for k in 0..3 {
        b.push(Event { subject_id: 1, time: Some(k * HOUR), code: "RARE", numeric_value: Some(1.0), text_value: None });
    }
    let (s, v, _) = b.finish(false);
    w.write_shard("train/0", &s, &v).unwrap();
    let mut b = ShardBuilder::new("held_out/0");
    for k in 0..50 {
        b.push(Event { subject_id: 2, time: Some(k * HOUR), code: "RARE", numeric_value: Some(1.0), text_value: None });
    }
    let (s, v, _) = b.finish(false);
    w.write_shard("held_out/0", &s, &v).unwrap();
    w.write_splits(&[(1, "train".into()), (2, "held_out".into())]).unwrap();
    let params = TabParams {
        min_code_inclusion_count: 5,
        windows: vec![Window::Full],
        aggregations: vec![Aggregation::CodeCount],
        ..TabParams::default()
    };
    let rows = [
        PredictionRow { subject_id: 1, prediction_time: 10 * HOUR, label: None },
        PredictionRow { subject_id: 2, prediction_time: 100 * HOUR, label: None },
    ];
    let out = tabularize(&Dataset::open(dir.path()).unwrap(), &rows, &params).unwrap();
    assert_eq!(out.space.names, ["COMMON/code/count/full"]);
    let splits: Vec<&str> = out.splits.iter().map(|s| s.split.as_str()).collect();
    assert_eq!(splits, ["held_out", "train"]);
    assert_eq!(out.splits[0].matrix.nnz(), 0);
    assert_eq!(out.splits[1].matrix.get(0, 0), Some(6.0));
}

#[test]
fn features_round_trip_through_the_on_disk_format() {
    let mut rng = Rng::seed_from_u64(7);
    let events = random_events(&mut rng, 5);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events, 5);
    let rows = random_rows(&mut rng, 5);
    let params = TabParams { min_code_inclusion_count: 1, ..TabParams::default() };
    let t = tabularize(&Dataset::open(dir.path()).unwrap(), &rows, &params).unwrap();
    let out = tempfile::tempdir().unwrap();
    mlhc_tab::write_features(out.path(), &t).unwrap();
    let back = mlhc_tab::read_features(out.path()).unwrap();
    assert_eq!(back.space, t.space);
    assert_eq!(back.splits, t.splits);
    assert_eq!(back.summary, t.summary);

    // A newer format version is refused with a clear message.
    let p = out.path().join("feature_space.json");
    let text = std::fs::read_to_string(&p).unwrap().replace("\"version\": 1", "\"version\": 99");
    std::fs::write(&p, text).unwrap();
    let err = mlhc_tab::read_features(out.path()).unwrap_err().to_string();
    assert!(err.ends_with("format version 99 is newer than this mlhc reads (1); upgrade mlhc"), "{err}");
}

#[test]
fn sliding_sums_are_exactly_zero_when_only_zeros_remain() {
    // Values added to and later removed from a sliding window must leave no rounding residue: with
    // only observed zeros left in the window, value/sum and value/sum_sqd are exactly 0 (a negative
    // sum of squares such as -4.4e-16 was seen on the MIMIC-IV demo before this was fixed).
    let dir = tempfile::tempdir().unwrap();
    let mut events = Vec::new();
    let values = [1.54f32, 2.79, 0.2, 2.52, 0.2, 0.0];
    for (i, v) in values.iter().enumerate() {
        events.push(Ev { subject: 1, time: Some(i as i64 * 2 * HOUR), code: "LAB//1", value: Some(*v) });
    }
    write(dir.path(), &events, 1);
    let last = (values.len() as i64 - 1) * 2 * HOUR;
    // Every prediction time, so the window slides over every event before the last one.
    let rows: Vec<PredictionRow> = (0..values.len() as i64)
        .map(|i| PredictionRow { subject_id: 1, prediction_time: i * 2 * HOUR, label: None })
        .collect();
    let params =
        TabParams { windows: vec![Window::parse("1h").unwrap()], min_code_inclusion_count: 1, ..TabParams::default() };
    let out = tabularize(&Dataset::open(dir.path()).unwrap(), &rows, &params).unwrap();
    let train = &out.splits[0];
    let col = |n: &str| out.space.names.iter().position(|x| x == n).unwrap() as usize;
    let i = train.rows.iter().position(|r| r.prediction_time == last).unwrap();
    assert_eq!(train.matrix.get(i, col("LAB//1/value/count/1h")), Some(1.0));
    assert_eq!(train.matrix.get(i, col("LAB//1/value/sum/1h")), Some(0.0));
    assert_eq!(train.matrix.get(i, col("LAB//1/value/sum_sqd/1h")), Some(0.0));
    assert_eq!(train.matrix.get(i, col("LAB//1/value/min/1h")), Some(0.0));
}

#[test]
fn the_last_event_anchor_ignores_events_of_excluded_codes() {
    // MEDS-Tab drops codes below the inclusion count before it computes windows, so a later event of
    // an excluded code does not move the window end (seen on the MIMIC-IV demo, where rare
    // MEDICATION//START codes moved the 1d window past the labs before them).
    let dir = tempfile::tempdir().unwrap();
    let events = vec![
        Ev { subject: 1, time: Some(0), code: "A", value: Some(1.0) },
        Ev { subject: 1, time: Some(HOUR), code: "A", value: Some(2.0) },
        Ev { subject: 1, time: Some(30 * HOUR), code: "B", value: None },
    ];
    write(dir.path(), &events, 1);
    let rows = [PredictionRow { subject_id: 1, prediction_time: 31 * HOUR, label: None }];
    let params = TabParams {
        windows: vec![Window::parse("1d").unwrap()],
        min_code_inclusion_count: 2,
        anchor: Anchor::LastEvent,
        ..TabParams::default()
    };
    let out = tabularize(&Dataset::open(dir.path()).unwrap(), &rows, &params).unwrap();
    assert!(!out.space.names.iter().any(|n| n.starts_with("B/")), "B occurs once and is excluded");
    let col = |n: &str| out.space.names.iter().position(|x| x == n).unwrap();
    let m = &out.splits[0].matrix;
    // Window (1h − 1d, 1h], anchored at the last A event, not at B's 30h.
    assert_eq!(m.get(0, col("A/code/count/1d")), Some(2.0));
    assert_eq!(m.get(0, col("A/value/max/1d")), Some(2.0));
}

#[test]
fn a_saved_feature_space_rebuilds_the_same_matrix_and_ignores_new_codes() {
    let mut rng = Rng::seed_from_u64(11);
    let events = random_events(&mut rng, 6);
    let rows = random_rows(&mut rng, 6);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events, 6);
    let params = TabParams { min_code_inclusion_count: 3, ..TabParams::default() };
    let t = tabularize(&Dataset::open(dir.path()).unwrap(), &rows, &params).unwrap();
    let again = mlhc_tab::tabularize_with_space(&Dataset::open(dir.path()).unwrap(), &rows, &t.space).unwrap();
    assert_eq!(again.splits, t.splits);

    // Another "site": the same events plus a code the training space never saw.
    let mut other = events.clone();
    other.push(Ev { subject: 1, time: Some(0), code: "NEW//CODE", value: Some(5.0) });
    let dir2 = tempfile::tempdir().unwrap();
    write(dir2.path(), &other, 6);
    let t2 = mlhc_tab::tabularize_with_space(&Dataset::open(dir2.path()).unwrap(), &rows, &t.space).unwrap();
    assert_eq!(t2.space.names, t.space.names);
    assert_eq!(
        t2.splits.iter().map(|s| s.matrix.n_cols()).collect::<Vec<_>>(),
        vec![t.space.names.len(); t2.splits.len()]
    );
}
