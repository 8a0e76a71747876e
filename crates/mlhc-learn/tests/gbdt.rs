//! Gradient-boosted trees through the public API: accuracy on seeded synthetic problems, missing-not-
//! at-random features, determinism, a hand-computed stump, early stopping and bad input.

use mlhc_core::{CsrMatrix, Rng};
use mlhc_learn::gbdt::{fit, fit_with_validation, GbdtModel, GbdtParams, Node, Objective, Validation};
use mlhc_learn::Error;

/// AUROC as the Mann–Whitney probability that a positive outranks a negative (ties count ½).
fn auroc(score: &[f64], y: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let mut rank = vec![0.0; score.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        for k in i..=j {
            rank[order[k]] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    let n_pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    let sum_pos: f64 = rank.iter().zip(y).filter(|(_, &v)| v == 1.0).map(|(r, _)| r).sum();
    (sum_pos - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// Four features: x0 and x1 enter the log-odds non-linearly, x2 is noise with explicit zeros, and x3
/// is missing not at random: observed for 20% of positives and 80% of negatives, its value noise.
fn synthetic(n: usize, seed: u64) -> (CsrMatrix, Vec<f64>) {
    let mut rng = Rng::seed_from_u64(seed);
    let mut x = CsrMatrix::new(4);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let (a, b) = (rng.normal(), rng.normal());
        let logit = 2.0 * a - 1.5 * (b * b - 1.0);
        let label = rng.bernoulli(1.0 / (1.0 + (-logit).exp()));
        let mut row = vec![(0, a as f32), (1, b as f32)];
        row.push((2, if rng.bernoulli(0.3) { 0.0 } else { rng.normal() as f32 }));
        if rng.bernoulli(if label { 0.2 } else { 0.8 }) {
            row.push((3, rng.normal() as f32));
        }
        x.push_row(&row);
        y.push(if label { 1.0 } else { 0.0 });
    }
    (x, y)
}

#[test]
fn trees_beat_chance_on_held_out_data() {
    let (x, y) = synthetic(4000, 1);
    let (xt, yt) = synthetic(2000, 2);
    let model = fit(&x, &y, &GbdtParams { num_trees: 60, ..Default::default() }).expect("fit");
    let auc = auroc(&model.predict(&xt), &yt);
    // The Bayes AUROC of this problem is about 0.9; a linear model cannot use x1 or x3's absences.
    assert!(auc > 0.85, "held-out AUROC {auc}");
}

#[test]
fn absent_entries_carry_signal_through_the_default_direction() {
    let (x, y) = synthetic(4000, 3);
    let (xt, yt) = synthetic(2000, 4);
    // Keep only x3: its values are noise, so the one usable signal is whether it is observed.
    let only = |m: &CsrMatrix| {
        let mut out = CsrMatrix::new(4);
        for i in 0..m.n_rows() {
            let (idx, v) = m.row(i);
            let row: Vec<(u32, f32)> = idx.iter().zip(v).filter(|(&j, _)| j == 3).map(|(&j, &v)| (j, v)).collect();
            out.push_row(&row);
        }
        out
    };
    let model = fit(&only(&x), &y, &GbdtParams { num_trees: 20, num_leaves: 4, ..Default::default() }).expect("fit");
    // The first split separates absent from present rows; its values carry no signal.
    match &model.trees[0].nodes[0] {
        Node::Split { feature, .. } => assert_eq!(*feature, 3),
        Node::Leaf { .. } => panic!("the first tree did not split"),
    }
    // Absent rows are 80% positive, present rows 20%: the absent side is the high-score side.
    let p = model.predict(&only(&xt));
    let mean = |present: bool| {
        let v: Vec<f64> = (0..xt.n_rows()).filter(|&i| xt.get(i, 3).is_some() == present).map(|i| p[i]).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(false) > 0.7 && mean(true) < 0.3, "absent {} present {}", mean(false), mean(true));
    // An indicator with P(obs | y=1) = 0.2 and P(obs | y=0) = 0.8 has AUROC 0.5 + (0.8 − 0.2)/2 = 0.8.
    let auc = auroc(&p, &yt);
    assert!((auc - 0.8).abs() < 0.03, "AUROC {auc}");
}

#[test]
fn same_seed_same_model_and_seeds_differ_with_bagging() {
    let (x, y) = synthetic(2000, 5);
    let params =
        GbdtParams { num_trees: 15, bagging_fraction: 0.7, feature_fraction: 0.75, seed: 11, ..Default::default() };
    let json = |p: &GbdtParams| serde_json::to_string(&fit(&x, &y, p).expect("fit")).expect("serialize");
    let a = json(&params);
    assert_eq!(a, json(&params));
    assert_eq!(a, json(&GbdtParams { n_threads: 1, ..params.clone() }));
    assert_eq!(a, json(&GbdtParams { n_threads: 2, ..params.clone() }));
    assert_ne!(a, json(&GbdtParams { seed: 12, ..params.clone() }));
    let back: GbdtModel = serde_json::from_str(&a).expect("deserialize");
    assert_eq!(back.predict_raw(&x), fit(&x, &y, &params).expect("fit").predict_raw(&x));
}

#[test]
fn regression_recovers_a_step_function() {
    let step = |v: f64| {
        if v < 3.0 {
            1.0
        } else if v < 7.0 {
            5.0
        } else {
            -2.0
        }
    };
    let mut rng = Rng::seed_from_u64(6);
    let mut x = CsrMatrix::new(1);
    let mut y = Vec::new();
    for _ in 0..2000 {
        let v = rng.uniform_range(0.0, 10.0);
        x.push_row(&[(0, v as f32)]);
        y.push(step(v));
    }
    let params = GbdtParams { objective: Objective::Regression, num_trees: 100, ..Default::default() };
    let model = fit(&x, &y, &params).expect("fit");
    let mut xt = CsrMatrix::new(1);
    let points = [0.5, 2.5, 3.5, 5.0, 6.5, 7.5, 9.5];
    for &v in &points {
        xt.push_row(&[(0, v as f32)]);
    }
    // The residual shrinks by (1 − η) per round, 0.9¹⁰⁰ ≈ 3e−5 of the step heights.
    for (p, &v) in model.predict(&xt).iter().zip(&points) {
        assert!((p - step(v)).abs() < 1e-2, "f({v}) = {p}, want {}", step(v));
    }
}

#[test]
fn stump_matches_a_hand_computation() {
    // x = 1..6 with labels 0,0,0,1,1,1, plus two rows with x absent and label 1.
    let mut x = CsrMatrix::new(1);
    for v in 1..=6 {
        x.push_row(&[(0, v as f32)]);
    }
    x.push_row(&[]);
    x.push_row(&[]);
    let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let params = GbdtParams {
        num_trees: 1,
        max_depth: Some(1),
        min_data_in_leaf: 1,
        lambda_l2: 1.0,
        learning_rate: 0.1,
        ..Default::default()
    };
    let model = fit(&x, &y, &params).expect("fit");
    // Start at the log-odds of 5/8; then every row has p = 5/8, g = p − y, h = p(1 − p) = 15/64.
    assert!((model.init_score - (5.0f64 / 3.0).ln()).abs() < 1e-12);
    let h = 15.0 / 64.0;
    // Best split: x ≤ 3.5 left (three rows, g = 5/8 each), absent rows right with x ≥ 4 (g = −3/8).
    let (gl, hl) = (3.0 * 5.0 / 8.0, 3.0 * h);
    let (gr, hr) = (5.0 * -3.0 / 8.0, 5.0 * h);
    let nodes = &model.trees[0].nodes;
    let Node::Split { feature, threshold, default_left, left, right, gain, count, .. } = &nodes[0] else {
        panic!("root is a leaf")
    };
    assert_eq!((*feature, *threshold, *default_left, *count), (0, 3.5, false, 8));
    let want_gain = gl * gl / (hl + 1.0) + gr * gr / (hr + 1.0) - (gl + gr) * (gl + gr) / (hl + hr + 1.0);
    assert!((gain - want_gain).abs() < 1e-12, "gain {gain} want {want_gain}");
    let value = |k: u32| match nodes[k as usize] {
        Node::Leaf { value, .. } => value,
        Node::Split { .. } => panic!("depth 1 stump has a split below the root"),
    };
    assert!((value(*left) - -0.1 * gl / (hl + 1.0)).abs() < 1e-12);
    assert!((value(*right) - -0.1 * gr / (hr + 1.0)).abs() < 1e-12);
}

#[test]
fn early_stopping_stops_on_noise() {
    let mut rng = Rng::seed_from_u64(7);
    let mut draw = |n: usize| {
        let mut x = CsrMatrix::new(3);
        let mut y = Vec::new();
        for _ in 0..n {
            x.push_row(&[(0, rng.normal() as f32), (1, rng.normal() as f32), (2, rng.normal() as f32)]);
            y.push(if rng.bernoulli(0.5) { 1.0 } else { 0.0 });
        }
        (x, y)
    };
    let (x, y) = draw(1000);
    let (xv, yv) = draw(1000);
    let params = GbdtParams { num_trees: 300, early_stopping_rounds: Some(5), ..Default::default() };
    let model = fit_with_validation(&x, &y, Some(Validation { x: &xv, y: &yv }), &params).expect("fit");
    assert!(model.trees.len() < 50, "kept {} trees", model.trees.len());
    // It ran exactly `patience` rounds past the best one, and the best is the minimum loss.
    assert_eq!(model.valid_losses.len(), model.trees.len() + 5);
    let best = model.valid_losses.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(model.valid_losses[model.trees.len() - 1], best);
}

#[test]
fn bad_input_and_params_are_errors() {
    let (x, y) = synthetic(100, 8);
    let bad = |p: GbdtParams| match fit(&x, &y, &p) {
        Err(Error::InvalidParam { name, .. }) => name,
        other => panic!("expected InvalidParam, got {other:?}"),
    };
    assert_eq!(bad(GbdtParams { num_leaves: 1, ..Default::default() }), "num_leaves");
    assert_eq!(bad(GbdtParams { learning_rate: 0.0, ..Default::default() }), "learning_rate");
    assert_eq!(bad(GbdtParams { max_bins: 256, ..Default::default() }), "max_bins");
    assert_eq!(bad(GbdtParams { bagging_fraction: 1.5, ..Default::default() }), "bagging_fraction");
    assert_eq!(bad(GbdtParams { lambda_l2: f64::NAN, ..Default::default() }), "lambda_l2");

    let mut xn = CsrMatrix::new(2);
    xn.push_row(&[(0, 1.0)]);
    xn.push_row(&[(1, f32::NAN)]);
    assert!(matches!(fit(&xn, &[0.0, 1.0], &GbdtParams::default()), Err(Error::NonFinite { row: 1, column: 1, .. })));
    let mut xi = CsrMatrix::new(1);
    xi.push_row(&[(0, 1.0)]);
    xi.push_row(&[(0, 2.0)]);
    assert!(matches!(
        fit(&xi, &[0.0, f64::NAN], &GbdtParams { objective: Objective::Regression, ..Default::default() }),
        Err(Error::NonFiniteLabel { row: 1, .. })
    ));
    assert!(matches!(fit(&xi, &[1.0, 1.0], &GbdtParams::default()), Err(Error::OneClass { rows: 2, class: 1 })));
    assert!(matches!(fit(&xi, &[1.0], &GbdtParams::default()), Err(Error::ShapeMismatch { rows: 2, labels: 1 })));
    assert!(matches!(fit(&xi, &[0.0, 2.0], &GbdtParams::default()), Err(Error::BadLabel { row: 1, .. })));
}
