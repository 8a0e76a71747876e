//! A causal report: estimates with CIs from several estimators, balance before/after IP weighting,
//! propensity overlap and sensitivity to unmeasured confounding, as data ([`CausalReport`], which
//! serializes to JSON) and as one self-contained HTML page with inline SVG plots ([`render_html`]).
//!
//! ```
//! use mlhc_causal::report::{build_report, render_html, ReportParams};
//! use mlhc_causal::{CausalData, CausalParams, Estimator, OutcomeModel};
//! use mlhc_frame::Design;
//!
//! // Confounded by x: the treated have larger x, and y rises with x; the true effect is 1.
//! let n = 200;
//! let x: Vec<f64> = (0..n).map(|i| (i % 20) as f64 / 10.0).collect();
//! let t: Vec<bool> = (0..n).map(|i| (i * 7919 % 100) as f64 / 100.0 < 0.2 + 0.3 * x[i]).collect();
//! let y: Vec<f64> = (0..n).map(|i| 2.0 * x[i] + if t[i] { 1.0 } else { 0.0 }).collect();
//! let design = Design { names: vec!["x".into()], n_rows: n, n_cols: 1, values: x };
//! let data = CausalData::new(design, t, y).unwrap();
//! let params = ReportParams {
//!     base: CausalParams { outcome: OutcomeModel::Linear { lambda: 0.0 }, ..CausalParams::default() },
//!     estimators: vec![Estimator::Naive, Estimator::Standardization],
//!     ..ReportParams::default()
//! };
//! let report = build_report(&data, &params, "toy").unwrap();
//! assert!((report.estimates[1].estimate - 1.0).abs() < 1e-9);
//! let html = render_html(&report);
//! assert!(html.contains("id=\"forest\"") && html.contains("id=\"love\""));
//! ```

use std::fmt::Write;

use serde::Serialize;

use crate::balance::{love_plot_svg, overlap, smd_table, Overlap, Smd};
use crate::estimate::propensity_scores;
use crate::sensitivity::{epsilon_bounds, evalue_difference, EValues};
use crate::{estimate, CausalData, CausalParams, Estimand, Estimator, Inference, Result};

/// What goes into a report.
#[derive(Debug, Clone)]
pub struct ReportParams {
    /// Models, clipping, folds and seed shared by every estimator (its `estimator` is ignored).
    pub base: CausalParams,
    /// The estimators reported, in order.
    pub estimators: Vec<Estimator>,
    /// Relative propensity errors ε for the sensitivity bounds.
    pub epsilons: Vec<f64>,
    /// Bins of the propensity histogram.
    pub bins: usize,
}

impl Default for ReportParams {
    fn default() -> Self {
        ReportParams {
            base: CausalParams::default(),
            estimators: vec![
                Estimator::Naive,
                Estimator::Standardization,
                Estimator::Ipw,
                Estimator::Aipw,
                Estimator::DrLearner,
                Estimator::Matching,
            ],
            epsilons: vec![0.05, 0.1, 0.2, 0.5],
            bins: 20,
        }
    }
}

/// One estimator's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateRow {
    /// The estimator's name.
    pub estimator: &'static str,
    /// The estimand's name.
    pub estimand: &'static str,
    /// The point estimate.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower end of the 95% interval.
    pub ci_low: f64,
    /// Upper end of the 95% interval.
    pub ci_high: f64,
    /// Rows used.
    pub n: usize,
    /// How the interval was obtained.
    pub inference: String,
}

/// An estimator that failed, with the reason (the report shows it instead of leaving it out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedEstimator {
    /// The estimator's name.
    pub estimator: &'static str,
    /// The error.
    pub error: String,
}

/// Bounds on the IP-weighted ATE when every propensity may be off by a relative ε.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpsilonBound {
    /// The relative error.
    pub epsilon: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The sensitivity section: the IP-weighted ATE, its E-values and the ε bounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// The IP-weighted ATE.
    pub estimate: f64,
    /// Lower end of its 95% interval.
    pub ci_low: f64,
    /// Upper end of its 95% interval.
    pub ci_high: f64,
    /// Standard deviation of the outcome (the scale of the E-value's standardized difference).
    pub outcome_sd: f64,
    /// E-values of the estimate and of the interval's end nearest the null.
    pub evalue: EValues,
    /// Bounds per ε.
    pub bounds: Vec<EpsilonBound>,
}

/// Everything the report shows; serializes to the JSON written beside the HTML.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CausalReport {
    /// Title (the input's description).
    pub title: String,
    /// Rows.
    pub n: usize,
    /// Treated rows.
    pub n_treated: usize,
    /// The estimand of the estimates.
    pub estimand: &'static str,
    /// Lines about the input shown under the title (e.g. how MEDS labels joined); empty from
    /// [`build_report`], for the caller to fill.
    pub notes: Vec<String>,
    /// Estimates per estimator.
    pub estimates: Vec<EstimateRow>,
    /// Estimators that failed.
    pub failed: Vec<FailedEstimator>,
    /// Standardized mean differences before weighting.
    pub balance_before: Vec<Smd>,
    /// Standardized mean differences after IP weighting (for the report's estimand).
    pub balance_after: Vec<Smd>,
    /// Propensity overlap of the unclipped in-sample propensities.
    pub overlap: Overlap,
    /// Sensitivity to unmeasured confounding.
    pub sensitivity: Sensitivity,
}

/// Runs every estimator of `params` and the diagnostics. An estimator that fails is recorded in
/// [`CausalReport::failed`]; the IPW fit behind the balance and sensitivity sections must succeed.
pub fn build_report(data: &CausalData, params: &ReportParams, title: &str) -> Result<CausalReport> {
    params.base.validate()?;
    let mut estimates = Vec::new();
    let mut failed = Vec::new();
    for &e in &params.estimators {
        match estimate(data, &CausalParams { estimator: e, ..params.base.clone() }) {
            Ok(est) => estimates.push(EstimateRow {
                estimator: e.name(),
                estimand: est.estimand.name(),
                estimate: est.estimate,
                se: est.se,
                ci_low: est.ci_low,
                ci_high: est.ci_high,
                n: est.n,
                inference: match est.inference {
                    Inference::Welch => "welch".into(),
                    Inference::InfluenceFunction => "influence function".into(),
                    Inference::AbadieImbens => "Abadie–Imbens".into(),
                    Inference::Bootstrap { replicates } => format!("bootstrap ({replicates} replicates)"),
                },
            }),
            Err(err) => failed.push(FailedEstimator { estimator: e.name(), error: err.to_string() }),
        }
    }
    let ipw = estimate(data, &CausalParams { estimator: Estimator::Ipw, trim: None, ..params.base.clone() })?;
    let weights = ipw.weights.as_deref().unwrap_or(&[]);
    let balance_before = smd_table(&data.x, &data.treatment, None);
    let balance_after = smd_table(&data.x, &data.treatment, Some(weights));
    let raw = propensity_scores(data, &params.base)?;
    let ov = overlap(&raw, &data.treatment, params.base.clip, params.bins);
    // Sensitivity of the IP-weighted ATE.
    let ate = if params.base.estimand == Estimand::Ate {
        ipw
    } else {
        let p = CausalParams { estimator: Estimator::Ipw, estimand: Estimand::Ate, trim: None, ..params.base.clone() };
        estimate(data, &p)?
    };
    let n = data.n() as f64;
    let mean = data.outcome.iter().sum::<f64>() / n;
    let sd = (data.outcome.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let e = ate.propensity.as_deref().unwrap_or(&raw);
    let bounds = params
        .epsilons
        .iter()
        .map(|&eps| {
            let (low, high) = epsilon_bounds(e, &data.treatment, &data.outcome, eps, params.base.clip)?;
            Ok(EpsilonBound { epsilon: eps, low, high })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CausalReport {
        title: title.to_string(),
        n: data.n(),
        n_treated: data.n_treated(),
        estimand: params.base.estimand.name(),
        notes: Vec::new(),
        estimates,
        failed,
        balance_before,
        balance_after,
        overlap: ov,
        sensitivity: Sensitivity {
            estimate: ate.estimate,
            ci_low: ate.ci_low,
            ci_high: ate.ci_high,
            outcome_sd: sd,
            evalue: evalue_difference(ate.estimate, ate.ci_low, ate.ci_high, sd),
            bounds,
        },
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A scale from `[lo, hi]` (widened when empty) onto `[a, b]` pixels.
fn scale(lo: f64, hi: f64, a: f64, b: f64) -> impl Fn(f64) -> f64 {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, hi + 1.0) };
    move |v| a + (v - lo) / (hi - lo) * (b - a)
}

/// A forest plot: one row per estimator, the point estimate and its 95% interval, a line at zero.
pub fn forest_svg(rows: &[EstimateRow]) -> String {
    let (left, top, row_h, plot_w) = (150.0, 30.0, 24.0, 380.0);
    let bottom = top + rows.len().max(1) as f64 * row_h;
    let lo = rows.iter().map(|r| r.ci_low).chain([0.0]).filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
    let hi = rows.iter().map(|r| r.ci_high).chain([0.0]).filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    let pad = (hi - lo).max(1e-12) * 0.05;
    let x = scale(lo - pad, hi + pad, left, left + plot_w);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        left + plot_w + 30.0,
        bottom + 40.0
    );
    let _ = writeln!(s, "<text x=\"{left}\" y=\"16\" font-size=\"13\">Estimates with 95% intervals</text>");
    let _ = writeln!(
        s,
        "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{bottom}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
        x(0.0)
    );
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\" stroke=\"#000\"/>",
        left + plot_w
    );
    for k in 0..=4 {
        let v = lo - pad + (hi - lo + 2.0 * pad) * k as f64 / 4.0;
        let _ = writeln!(s, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.3}</text>", x(v), bottom + 14.0);
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * row_h;
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 4.0,
            esc(r.estimator)
        );
        if r.ci_low.is_finite() && r.ci_high.is_finite() {
            let _ = writeln!(
                s,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#2471a3\" stroke-width=\"2\"/>",
                x(r.ci_low),
                x(r.ci_high)
            );
        }
        if r.estimate.is_finite() {
            let _ = writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"#1b4f72\"><title>{}: {} ({} to {})</title></rect>",
                x(r.estimate) - 4.0,
                y - 4.0,
                esc(r.estimator),
                num(r.estimate),
                num(r.ci_low),
                num(r.ci_high)
            );
        }
    }
    s += "</svg>\n";
    s
}

/// Propensity histograms per arm: treated bars above the axis, control bars below (mirrored).
pub fn overlap_svg(o: &Overlap) -> String {
    let (left, top, plot_w, half) = (50.0, 30.0, 480.0, 110.0);
    let axis = top + half;
    let max = o.histogram.iter().map(|b| b.treated.max(b.control)).max().unwrap_or(0).max(1) as f64;
    let x = scale(0.0, 1.0, left, left + plot_w);
    let h = |c: usize| c as f64 / max * half;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        left + plot_w + 110.0,
        axis + half + 40.0
    );
    let _ = writeln!(s, "<text x=\"{left}\" y=\"16\" font-size=\"13\">Propensity score by arm</text>");
    for b in &o.histogram {
        let (x0, x1) = (x(b.lo), x(b.hi));
        let w = (x1 - x0 - 1.0).max(0.5);
        let _ = writeln!(
            s,
            "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#c0392b\"><title>treated {}</title></rect>",
            axis - h(b.treated),
            h(b.treated),
            b.treated
        );
        let _ = writeln!(
            s,
            "<rect x=\"{x0:.1}\" y=\"{axis:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#2471a3\"><title>control {}</title></rect>",
            h(b.control),
            b.control
        );
    }
    let _ =
        writeln!(s, "<line x1=\"{left}\" y1=\"{axis}\" x2=\"{:.1}\" y2=\"{axis}\" stroke=\"#000\"/>", left + plot_w);
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        let _ =
            writeln!(s, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.2}</text>", x(v), axis + half + 14.0);
    }
    let lx = left + plot_w + 10.0;
    let _ = writeln!(
        s,
        "<rect x=\"{lx}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#c0392b\"/><text x=\"{:.1}\" y=\"{:.1}\">treated ({})</text>",
        top + 10.0,
        lx + 14.0,
        top + 19.0,
        o.treated.n
    );
    let _ = writeln!(
        s,
        "<rect x=\"{lx}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#2471a3\"/><text x=\"{:.1}\" y=\"{:.1}\">control ({})</text>",
        axis + 10.0,
        lx + 14.0,
        axis + 19.0,
        o.control.n
    );
    s += "</svg>\n";
    s
}

/// The sensitivity plot: the IPW bounds as a band against ε, with the point estimate at ε = 0.
pub fn sensitivity_svg(sens: &Sensitivity) -> String {
    let (left, top, plot_w, plot_h) = (60.0, 30.0, 420.0, 200.0);
    let bottom = top + plot_h;
    let emax = sens.bounds.iter().map(|b| b.epsilon).fold(0.0f64, f64::max).max(1e-9);
    let lo = sens
        .bounds
        .iter()
        .map(|b| b.low)
        .chain([sens.estimate, 0.0])
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = sens
        .bounds
        .iter()
        .map(|b| b.high)
        .chain([sens.estimate, 0.0])
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let x = scale(0.0, emax, left, left + plot_w);
    let y = scale(lo, hi, bottom, top);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        left + plot_w + 30.0,
        bottom + 40.0
    );
    let _ = writeln!(
        s,
        "<text x=\"{left}\" y=\"16\" font-size=\"13\">IPW ATE bounds for propensities off by a relative ε</text>"
    );
    let mut pts: Vec<(f64, f64, f64)> = vec![(0.0, sens.estimate, sens.estimate)];
    pts.extend(
        sens.bounds.iter().filter(|b| b.low.is_finite() && b.high.is_finite()).map(|b| (b.epsilon, b.low, b.high)),
    );
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut poly: Vec<String> = pts.iter().map(|p| format!("{:.1},{:.1}", x(p.0), y(p.2))).collect();
    poly.extend(pts.iter().rev().map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1))));
    let _ = writeln!(s, "<polygon points=\"{}\" fill=\"#aed6f1\" stroke=\"#2471a3\"/>", poly.join(" "));
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
        y(0.0),
        left + plot_w
    );
    for p in &pts {
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1b4f72\"><title>ε {}: {:.4} to {:.4}</title></circle>",
            x(p.0),
            y((p.1 + p.2) / 2.0),
            p.0,
            p.1,
            p.2
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\" stroke=\"#000\"/>",
        left + plot_w
    );
    let _ = writeln!(s, "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"#000\"/>");
    for k in 0..=4 {
        let e = emax * k as f64 / 4.0;
        let _ = writeln!(s, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{e:.2}</text>", x(e), bottom + 14.0);
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let _ = writeln!(s, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.3}</text>", left - 4.0, y(v) + 4.0);
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">ε</text>",
        left + plot_w / 2.0,
        bottom + 30.0
    );
    s += "</svg>\n";
    s
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "—".into()
    }
}

/// Renders the report as one self-contained HTML page (inline CSS and SVG, no external resources).
/// The plots are in `<div>`s with ids `forest`, `love`, `overlap` and `sensitivity`.
pub fn render_html(r: &CausalReport) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Causal report: {0}</title><style>
body{{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}}
h1{{font-size:1.6em}} h2{{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}}
table{{border-collapse:collapse;margin:.6em 0}} td,th{{border:1px solid #ddd;padding:.25em .6em;text-align:right;font-size:.9em}}
th{{background:#f4f4f4}} td:first-child,th:first-child{{text-align:left}}
.warn{{background:#fff4e5;border-left:4px solid #e67e22;padding:.6em 1em;margin:1em 0}} .plot{{border:1px solid #eee;display:inline-block}}
</style></head><body><h1>Causal report: {0}</h1>
<p>{1} rows, {2} treated, {3} controls; estimand {4}.</p>"#,
        esc(&r.title),
        r.n,
        r.n_treated,
        r.n - r.n_treated,
        r.estimand.to_uppercase()
    );
    for note in &r.notes {
        let _ = write!(h, "<p>{}</p>", esc(note));
    }
    h += "<h2>Estimates</h2><table><tr><th>estimator</th><th>estimate</th><th>se</th><th>95% CI</th><th>n</th><th>interval</th></tr>";
    for e in &r.estimates {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td></tr>",
            esc(e.estimator),
            num(e.estimate),
            num(e.se),
            num(e.ci_low),
            num(e.ci_high),
            e.n,
            esc(&e.inference)
        );
    }
    h += "</table>";
    for f in &r.failed {
        let _ = write!(h, "<div class=\"warn\"><strong>{}</strong> failed: {}</div>", esc(f.estimator), esc(&f.error));
    }
    let _ = write!(h, "<div class=\"plot\" id=\"forest\">{}</div>", forest_svg(&r.estimates));

    let max_abs = |v: &[Smd]| v.iter().map(|s| s.smd.abs()).fold(0.0, f64::max);
    let after = max_abs(&r.balance_after);
    if after > 0.1 {
        let n_over = r.balance_after.iter().filter(|s| s.smd.abs() > 0.1).count();
        let _ = write!(
            h,
            "<div class=\"warn\"><strong>Imbalance:</strong> {n_over} covariates keep an absolute standardized mean \
             difference above 0.1 after IP weighting (largest {}); the propensity model may be misspecified or \
             overlap poor.</div>",
            num(after)
        );
    }
    let _ = write!(
        h,
        "<h2>Balance</h2><p>Largest absolute standardized mean difference: {} before, {} after IP weighting \
         (0.1 is the usual threshold).</p><div class=\"plot\" id=\"love\">{}</div>",
        num(max_abs(&r.balance_before)),
        num(after),
        love_plot_svg(&r.balance_before, &r.balance_after, "IP-weighted")
    );

    let o = &r.overlap;
    let _ = write!(
        h,
        "<h2>Overlap</h2><table><tr><th>arm</th><th>n</th><th>min</th><th>5%</th><th>median</th><th>95%</th><th>max</th></tr>\
         <tr><td>treated</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\
         <tr><td>control</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>\
         <p>Propensity AUC {}; calibration error {}; {} below and {} above the clipping bounds; ATE weights {} to {} \
         (stabilized {} to {}); effective sample sizes {:.1} treated, {:.1} control.</p><div class=\"plot\" id=\"overlap\">{}</div>",
        o.treated.n,
        num(o.treated.min),
        num(o.treated.q05),
        num(o.treated.median),
        num(o.treated.q95),
        num(o.treated.max),
        o.control.n,
        num(o.control.min),
        num(o.control.q05),
        num(o.control.median),
        num(o.control.q95),
        num(o.control.max),
        num(o.auc),
        num(o.calibration_error),
        o.n_below_clip,
        o.n_above_clip,
        num(o.weight_range.0),
        num(o.weight_range.1),
        num(o.stabilized_weight_range.0),
        num(o.stabilized_weight_range.1),
        o.ess_treated,
        o.ess_control,
        overlap_svg(o)
    );

    let s = &r.sensitivity;
    let _ = write!(
        h,
        "<h2>Sensitivity</h2><p>IP-weighted ATE {} (95% CI {} to {}). E-value {} (interval {}): an unmeasured \
         confounder associated with treatment and outcome by this risk ratio each could explain the estimate away.</p>\
         <table><tr><th>ε</th><th>lower bound</th><th>upper bound</th></tr>",
        num(s.estimate),
        num(s.ci_low),
        num(s.ci_high),
        num(s.evalue.point),
        num(s.evalue.ci)
    );
    for b in &s.bounds {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", b.epsilon, num(b.low), num(b.high));
    }
    let _ = writeln!(h, "</table><div class=\"plot\" id=\"sensitivity\">{}</div></body></html>", sensitivity_svg(s));
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::{ArmSummary, HistogramBin};

    fn row(name: &'static str, est: f64, lo: f64, hi: f64) -> EstimateRow {
        EstimateRow {
            estimator: name,
            estimand: "ate",
            estimate: est,
            se: 0.1,
            ci_low: lo,
            ci_high: hi,
            n: 10,
            inference: "welch".into(),
        }
    }

    #[test]
    fn plots_draw_one_mark_per_row_and_skip_non_finite_intervals() {
        let svg = forest_svg(&[row("a<b", 1.0, 0.5, 1.5), row("c", 2.0, f64::NEG_INFINITY, f64::INFINITY)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<rect").count(), 2);
        // Only the finite interval is drawn (plus the zero line and the axis).
        assert_eq!(svg.matches("stroke-width=\"2\"").count(), 1);
        assert!(svg.contains(">a&lt;b</text>") && !svg.contains("NaN") && !svg.contains("inf"));

        let arm = |n| ArmSummary { n, min: 0.1, q05: 0.1, median: 0.5, q95: 0.9, max: 0.9 };
        let o = Overlap {
            treated: arm(3),
            control: arm(4),
            n_below_clip: 0,
            n_above_clip: 0,
            histogram: vec![
                HistogramBin { lo: 0.0, hi: 0.5, treated: 1, control: 4 },
                HistogramBin { lo: 0.5, hi: 1.0, treated: 2, control: 0 },
            ],
            auc: 0.7,
            calibration: Vec::new(),
            calibration_error: 0.0,
            weight_range: (1.0, 2.0),
            stabilized_weight_range: (0.5, 1.5),
            ess_treated: 3.0,
            ess_control: 4.0,
        };
        let svg = overlap_svg(&o);
        // Two bars per bin and two legend swatches; the tallest bar (control, 4) spans the half height.
        assert_eq!(svg.matches("<rect").count(), 6);
        assert!(svg.contains("height=\"110.0\" fill=\"#2471a3\"><title>control 4</title>"));
        let sens = Sensitivity {
            estimate: 1.0,
            ci_low: 0.5,
            ci_high: 1.5,
            outcome_sd: 1.0,
            evalue: evalue_difference(1.0, 0.5, 1.5, 1.0),
            bounds: vec![EpsilonBound { epsilon: 0.1, low: 0.8, high: 1.2 }],
        };
        let svg = sensitivity_svg(&sens);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<polygon"));
    }
}
