//! The survival section of a report: Kaplan–Meier curves by group with their pointwise intervals,
//! and calibration at a horizon (mean predicted survival against Kaplan–Meier survival per risk
//! group), as an HTML fragment with inline SVG. The caller computes the curves and the groups; this
//! module only draws.
//!
//! ```
//! use mlhc_report::survival::{render_section, KmCurve, SurvivalSection};
//!
//! let curve = KmCurve {
//!     label: "all".into(),
//!     n: 4,
//!     n_events: 2,
//!     times: vec![1.0, 3.0],
//!     survival: vec![0.75, 0.5],
//!     ci_low: vec![0.2, 0.1],
//!     ci_high: vec![0.96, 0.85],
//!     median: Some(3.0),
//! };
//! let s = SurvivalSection { curves: vec![curve], ..SurvivalSection::default() };
//! let html = render_section(&s);
//! assert_eq!(html.matches("<svg").count(), 1);
//! assert!(html.contains(r#"class="km-curve""#));
//! ```

use std::fmt::Write;

use crate::svg::esc;

const W: f64 = 420.0;
const H: f64 = 300.0;
const L: f64 = 50.0;
const B: f64 = 40.0;
const T: f64 = 20.0;
const R: f64 = 15.0;
const COLORS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/// One Kaplan–Meier curve: the survival drops to `survival[k]` at `times[k]` (ascending), starting
/// from 1 at time 0; `ci_low`/`ci_high` are the pointwise interval after each time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KmCurve {
    /// Legend label (the group).
    pub label: String,
    /// Subjects.
    pub n: usize,
    /// Events.
    pub n_events: usize,
    /// Distinct observed times, ascending.
    pub times: Vec<f64>,
    /// `S(t)` after each time.
    pub survival: Vec<f64>,
    /// Lower end of the interval after each time.
    pub ci_low: Vec<f64>,
    /// Upper end of the interval after each time.
    pub ci_high: Vec<f64>,
    /// Median survival, `None` when not reached.
    pub median: Option<f64>,
}

/// One risk group of the calibration plot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CalibrationBin {
    /// Subjects in the group.
    pub n: usize,
    /// Mean predicted survival at the horizon.
    pub predicted: f64,
    /// Kaplan–Meier survival at the horizon in the group.
    pub observed: f64,
    /// Lower end of its interval.
    pub observed_low: f64,
    /// Upper end of its interval.
    pub observed_high: f64,
}

/// Everything the section shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurvivalSection {
    /// Heading.
    pub title: String,
    /// The time axis label, with its unit.
    pub time_label: String,
    /// Kaplan–Meier curves (one per group).
    pub curves: Vec<KmCurve>,
    /// The calibration horizon, if calibration is shown.
    pub horizon: Option<f64>,
    /// Calibration groups (empty: no calibration plot).
    pub calibration: Vec<CalibrationBin>,
    /// Free-text notes (data, model, caveats), shown as a list.
    pub notes: Vec<String>,
}

/// Maps data coordinates (x in `[0, x_max]`, y in `[0, 1]`) onto the plot box.
struct Frame {
    x_max: f64,
}

impl Frame {
    fn x(&self, x: f64) -> f64 {
        L + (x / self.x_max).clamp(0.0, 1.0) * (W - L - R)
    }
    fn y(&self, y: f64) -> f64 {
        H - B - y.clamp(0.0, 1.0) * (H - B - T)
    }
}

/// A round tick step giving about five ticks on `[0, max]`.
fn tick_step(max: f64) -> f64 {
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|&s| s >= raw).unwrap_or(10.0 * mag)
}

/// A tick label with as many decimals as the step needs.
fn fmt_tick(v: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    format!("{v:.decimals$}")
}

fn open_svg(out: &mut String, id: &str, title: &str, legend_rows: usize) {
    let height = H + 16.0 * legend_rows as f64;
    let _ = write!(
        out,
        r##"<svg id="{}" class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" aria-label="{}"><title>{}</title>"##,
        esc(id),
        esc(title),
        esc(title)
    );
}

fn axes(out: &mut String, f: &Frame, x_step: f64, y_step: f64, y_max: f64, x_label: &str, y_label: &str) {
    let _ = write!(
        out,
        r##"<rect x="{L}" y="{T}" width="{}" height="{}" fill="#fff" stroke="#999"/>"##,
        W - L - R,
        H - B - T
    );
    let mut v = 0.0;
    while v <= f.x_max * (1.0 + 1e-9) {
        let x = f.x(v);
        let _ = write!(
            out,
            r##"<line x1="{x:.2}" y1="{T}" x2="{x:.2}" y2="{}" stroke="#eee"/><text x="{x:.2}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            H - B,
            H - B + 14.0,
            fmt_tick(v, x_step)
        );
        v += x_step;
    }
    let mut v = 0.0;
    while v <= y_max * (1.0 + 1e-9) {
        let y = f.y(v / y_max);
        let _ = write!(
            out,
            r##"<line x1="{L}" y1="{y:.2}" x2="{}" y2="{y:.2}" stroke="#eee"/><text x="{}" y="{:.2}" font-size="10" text-anchor="end">{v:.1}</text>"##,
            W - R,
            L - 4.0,
            y + 3.0
        );
        v += y_step;
    }
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text><text x="14" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>"##,
        (L + W - R) / 2.0,
        H - 8.0,
        esc(x_label),
        (T + H - B) / 2.0,
        (T + H - B) / 2.0,
        esc(y_label)
    );
}

fn legend(out: &mut String, k: usize, color: &str, label: &str) {
    let ly = H + 10.0 + 16.0 * k as f64;
    let _ = write!(
        out,
        r##"<rect x="{L}" y="{}" width="10" height="10" fill="{color}"/><text x="{}" y="{ly}" font-size="11">{}</text>"##,
        ly - 9.0,
        L + 14.0,
        esc(label)
    );
}

/// Kaplan–Meier step curves with shaded pointwise intervals, one colour per curve. Every curve with
/// at least one time is drawn as a `<polyline class="km-curve">` with a `<polygon class="km-band">`.
pub fn km_chart(id: &str, title: &str, time_label: &str, curves: &[KmCurve]) -> String {
    let t_max = curves.iter().filter_map(|c| c.times.last().copied()).fold(0.0f64, f64::max);
    let f = Frame { x_max: if t_max > 0.0 { t_max } else { 1.0 } };
    let mut out = String::new();
    open_svg(&mut out, id, title, curves.len());
    axes(&mut out, &f, tick_step(f.x_max), 0.2, 1.0, time_label, "survival S(t)");
    for (k, c) in curves.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        // Step function: (0, 1), then at each time a vertical drop.
        let mut line = vec![(0.0, 1.0)];
        let mut lo = vec![(0.0, 1.0)];
        let mut hi = vec![(0.0, 1.0)];
        for i in 0..c.times.len() {
            let t = c.times[i];
            let (prev, prev_lo, prev_hi) = (line[line.len() - 1].1, lo[lo.len() - 1].1, hi[hi.len() - 1].1);
            line.extend([(t, prev), (t, c.survival[i])]);
            let (l, h) = (c.ci_low[i], c.ci_high[i]);
            // Intervals are undefined (NaN) where no one is left at risk; hold the last finite value.
            let l = if l.is_finite() { l } else { prev_lo };
            let h = if h.is_finite() { h } else { prev_hi };
            lo.extend([(t, prev_lo), (t, l)]);
            hi.extend([(t, prev_hi), (t, h)]);
        }
        if c.times.is_empty() {
            legend(&mut out, k, color, &format!("{} (no times)", c.label));
            continue;
        }
        let mut band: Vec<String> = lo.iter().map(|&(x, y)| format!("{:.2},{:.2}", f.x(x), f.y(y))).collect();
        band.extend(hi.iter().rev().map(|&(x, y)| format!("{:.2},{:.2}", f.x(x), f.y(y))));
        let _ = write!(
            out,
            r##"<polygon class="km-band" points="{}" fill="{color}" fill-opacity="0.15" stroke="none"/>"##,
            band.join(" ")
        );
        let pts: Vec<String> = line.iter().map(|&(x, y)| format!("{:.2},{:.2}", f.x(x), f.y(y))).collect();
        let _ = write!(
            out,
            r##"<polyline class="km-curve" points="{}" fill="none" stroke="{color}" stroke-width="2"/>"##,
            pts.join(" ")
        );
        let median = c.median.map_or("not reached".to_string(), |m| format!("{m}"));
        legend(&mut out, k, color, &format!("{} (n {}, events {}, median {median})", c.label, c.n, c.n_events));
    }
    out.push_str("</svg>");
    out
}

/// Calibration at `horizon`: one `<circle class="cal-point">` per risk group at (mean predicted,
/// Kaplan–Meier observed) with a vertical interval, and the diagonal of perfect calibration.
pub fn calibration_chart(id: &str, title: &str, horizon: f64, bins: &[CalibrationBin]) -> String {
    let f = Frame { x_max: 1.0 };
    let mut out = String::new();
    open_svg(&mut out, id, title, 1);
    axes(&mut out, &f, 0.2, 0.2, 1.0, &format!("predicted S({horizon})"), &format!("Kaplan–Meier S({horizon})"));
    let _ = write!(
        out,
        r##"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}" stroke="#bbb" stroke-dasharray="4 3"/>"##,
        f.x(0.0),
        f.y(0.0),
        f.x(1.0),
        f.y(1.0)
    );
    let color = COLORS[0];
    for b in bins {
        let (x, y) = (f.x(b.predicted), f.y(b.observed));
        if b.observed_low.is_finite() && b.observed_high.is_finite() {
            let _ = write!(
                out,
                r##"<line class="cal-interval" x1="{x:.2}" y1="{:.2}" x2="{x:.2}" y2="{:.2}" stroke="{color}"/>"##,
                f.y(b.observed_low),
                f.y(b.observed_high)
            );
        }
        let _ = write!(
            out,
            r##"<circle class="cal-point" cx="{x:.2}" cy="{y:.2}" r="3.5" fill="{color}"><title>n {}: predicted {:.3}, observed {:.3}</title></circle>"##,
            b.n, b.predicted, b.observed
        );
    }
    legend(&mut out, 0, color, &format!("{} risk groups (95% KM intervals)", bins.len()));
    out.push_str("</svg>");
    out
}

/// The section as an HTML fragment (`<section class="survival">…</section>`): the Kaplan–Meier chart
/// with a table of groups, and, when there are calibration groups and a horizon, the calibration
/// chart with its table.
pub fn render_section(s: &SurvivalSection) -> String {
    let mut out = String::from(r#"<section class="survival">"#);
    if !s.title.is_empty() {
        let _ = write!(out, "<h2>{}</h2>", esc(&s.title));
    }
    let time_label = if s.time_label.is_empty() { "time" } else { s.time_label.as_str() };
    out.push_str(&km_chart("km", "Kaplan–Meier survival with 95% pointwise intervals", time_label, &s.curves));
    out.push_str("<table><tr><th>group</th><th>n</th><th>events</th><th>median</th></tr>");
    for c in &s.curves {
        let median = c.median.map_or("not reached".to_string(), |m| format!("{m}"));
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.label),
            c.n,
            c.n_events,
            esc(&median)
        );
    }
    out.push_str("</table>");
    if let (Some(h), false) = (s.horizon, s.calibration.is_empty()) {
        let _ = write!(out, "<h3>Calibration at {}</h3>", esc(&h.to_string()));
        out.push_str(&calibration_chart("calibration", &format!("Calibration at t = {h}"), h, &s.calibration));
        out.push_str(
            "<table><tr><th>risk group</th><th>n</th><th>predicted</th><th>observed (KM)</th><th>95% interval</th></tr>",
        );
        for (k, b) in s.calibration.iter().enumerate() {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4} – {:.4}</td></tr>",
                k + 1,
                b.n,
                b.predicted,
                b.observed,
                b.observed_low,
                b.observed_high
            );
        }
        out.push_str("</table>");
    }
    if !s.notes.is_empty() {
        out.push_str("<ul class=\"notes\">");
        for n in &s.notes {
            let _ = write!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
    out
}

/// A self-contained HTML page holding only the survival section.
pub fn render_page(s: &SurvivalSection) -> String {
    let title = if s.title.is_empty() { "Survival report" } else { s.title.as_str() };
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{}</title><style>
body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
svg.plot{{display:block;margin:1em 0}}
</style></head><body>{}</body></html>
"#,
        esc(title),
        render_section(s)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(label: &str, times: &[f64], surv: &[f64]) -> KmCurve {
        KmCurve {
            label: label.into(),
            n: times.len(),
            n_events: times.len(),
            times: times.to_vec(),
            survival: surv.to_vec(),
            ci_low: surv.iter().map(|s| s * 0.8).collect(),
            ci_high: surv.iter().map(|s| (s * 1.1).min(1.0)).collect(),
            median: None,
        }
    }

    #[test]
    fn every_curve_band_and_calibration_point_is_drawn() {
        let s = SurvivalSection {
            title: "t <&>".into(),
            time_label: "days".into(),
            curves: vec![curve("a", &[1.0, 2.0, 4.0], &[0.9, 0.7, 0.4]), curve("b", &[3.0], &[0.5])],
            horizon: Some(3.0),
            calibration: (0..10)
                .map(|k| CalibrationBin {
                    n: 5,
                    predicted: k as f64 / 10.0,
                    observed: k as f64 / 10.0 + 0.05,
                    observed_low: f64::NAN,
                    observed_high: 0.9,
                })
                .collect(),
            notes: vec!["note".into()],
        };
        let html = render_page(&s);
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<title>t &lt;&amp;&gt;</title>"));
        assert_eq!(html.matches("<svg").count(), 2);
        assert_eq!(html.matches(r#"class="km-curve""#).count(), 2);
        assert_eq!(html.matches(r#"class="km-band""#).count(), 2);
        assert_eq!(html.matches(r#"class="cal-point""#).count(), 10);
        // A NaN interval end is not drawn.
        assert_eq!(html.matches(r#"class="cal-interval""#).count(), 0);
        // Curve "a": start, then two points per time; the last point is (4, 0.4) at the right edge.
        let a = html.split(r#"<polyline class="km-curve" points=""#).nth(1).unwrap();
        let pts: Vec<&str> = a.split('"').next().unwrap().split(' ').collect();
        assert_eq!(pts.len(), 7);
        assert_eq!(pts[0], format!("{L:.2},{:.2}", T));
        assert_eq!(pts[6], format!("{:.2},{:.2}", W - R, H - B - 0.4 * (H - B - T)));
        // No calibration without a horizon.
        let s = SurvivalSection { horizon: None, ..s };
        assert_eq!(render_section(&s).matches("<svg").count(), 1);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(52.0), 20.0);
        assert_eq!(tick_step(1825.0), 500.0);
        assert_eq!(tick_step(1.0), 0.2);
        assert_eq!(
            (fmt_tick(40.0, 20.0), fmt_tick(1.0, 0.2), fmt_tick(0.4, 0.2)),
            ("40".into(), "1.0".into(), "0.4".into())
        );
    }
}
