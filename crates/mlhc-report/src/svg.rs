//! Small inline-SVG charts: line charts with optional bands, and horizontal interval (forest) and bar
//! charts. Coordinates are data units mapped onto a fixed plot box.

use std::fmt::Write;

const W: f64 = 360.0;
const H: f64 = 300.0;
const L: f64 = 50.0; // left margin
const B: f64 = 40.0; // bottom margin
const T: f64 = 20.0; // top margin
const R: f64 = 15.0; // right margin

fn x_of(x: f64) -> f64 {
    L + x.clamp(0.0, 1.0) * (W - L - R)
}

fn y_of(y: f64) -> f64 {
    H - B - y.clamp(0.0, 1.0) * (H - B - T)
}

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn axes(out: &mut String, x_label: &str, y_label: &str) {
    let _ = write!(
        out,
        r##"<rect x="{L}" y="{T}" width="{}" height="{}" fill="#fff" stroke="#999"/>"##,
        W - L - R,
        H - B - T
    );
    for k in 0..=5 {
        let v = k as f64 / 5.0;
        let (x, y) = (x_of(v), y_of(v));
        let _ = write!(
            out,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#eee"/><line x1="{L}" y1="{y}" x2="{}" y2="{y}" stroke="#eee"/><text x="{x}" y="{}" font-size="10" text-anchor="middle">{v:.1}</text><text x="{}" y="{}" font-size="10" text-anchor="end">{v:.1}</text>"##,
            T,
            H - B,
            W - R,
            H - B + 14.0,
            L - 4.0,
            y + 3.0
        );
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

/// A series to draw on a unit-square chart.
pub struct Series<'a> {
    /// Legend label.
    pub label: &'a str,
    /// CSS colour.
    pub color: &'a str,
    /// Points in data units ([0, 1] on both axes).
    pub points: Vec<(f64, f64)>,
    /// Optional band: (x, low, high).
    pub band: Vec<(f64, f64, f64)>,
    /// Draw points as markers instead of a line.
    pub markers: bool,
}

/// A unit-square chart (ROC, PR, calibration) with an optional diagonal reference line.
pub fn unit_chart(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    diagonal: bool,
    series: &[Series<'_>],
) -> String {
    // Legends go below the plot, one line per series, so long model names never cover the data.
    let height = H + 16.0 * series.len() as f64;
    let mut out = format!(
        r##"<svg id="{}" class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" aria-label="{}"><title>{}</title>"##,
        esc(id),
        esc(title),
        esc(title)
    );
    axes(&mut out, x_label, y_label);
    if diagonal {
        let _ = write!(
            out,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#bbb" stroke-dasharray="4 3"/>"##,
            x_of(0.0),
            y_of(0.0),
            x_of(1.0),
            y_of(1.0)
        );
    }
    for (k, s) in series.iter().enumerate() {
        if !s.band.is_empty() {
            let mut pts: Vec<String> =
                s.band.iter().map(|&(x, lo, _)| format!("{:.2},{:.2}", x_of(x), y_of(lo))).collect();
            pts.extend(s.band.iter().rev().map(|&(x, _, hi)| format!("{:.2},{:.2}", x_of(x), y_of(hi))));
            let _ = write!(
                out,
                r##"<polygon class="band" points="{}" fill="{}" fill-opacity="0.18" stroke="none"/>"##,
                pts.join(" "),
                s.color
            );
        }
        if s.markers {
            for &(x, y) in &s.points {
                let _ =
                    write!(out, r##"<circle cx="{:.2}" cy="{:.2}" r="3.5" fill="{}"/>"##, x_of(x), y_of(y), s.color);
            }
        } else if !s.points.is_empty() {
            let pts: Vec<String> = s.points.iter().map(|&(x, y)| format!("{:.2},{:.2}", x_of(x), y_of(y))).collect();
            let _ = write!(
                out,
                r##"<polyline class="curve" points="{}" fill="none" stroke="{}" stroke-width="2"/>"##,
                pts.join(" "),
                s.color
            );
        }
        let ly = H + 10.0 + 16.0 * k as f64;
        let _ = write!(
            out,
            r##"<rect x="{L}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{ly}" font-size="11">{}</text>"##,
            ly - 9.0,
            s.color,
            L + 14.0,
            esc(s.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// One row of a forest plot.
pub struct ForestRow {
    /// Label.
    pub label: String,
    /// Point estimate.
    pub value: f64,
    /// Interval.
    pub low: f64,
    /// Interval.
    pub high: f64,
}

/// A horizontal interval chart on [`lo`, `hi`], with a reference line at `reference`.
pub fn forest(id: &str, title: &str, rows: &[ForestRow], lo: f64, hi: f64, reference: Option<f64>) -> String {
    let row_h = 26.0;
    let height = T + B + row_h * rows.len().max(1) as f64;
    let left = 130.0;
    let width = 420.0;
    let x = |v: f64| left + ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * (width - left - R);
    let mut out = format!(
        r##"<svg id="{}" class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}"><title>{}</title>"##,
        esc(id),
        esc(title),
        esc(title)
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let _ = write!(
            out,
            r##"<line x1="{0:.2}" y1="{T}" x2="{0:.2}" y2="{1}" stroke="#eee"/><text x="{0:.2}" y="{2}" font-size="10" text-anchor="middle">{v:.2}</text>"##,
            x(v),
            height - B,
            height - B + 14.0
        );
    }
    if let Some(r) = reference {
        let _ = write!(
            out,
            r##"<line x1="{0:.2}" y1="{T}" x2="{0:.2}" y2="{1}" stroke="#999" stroke-dasharray="4 3"/>"##,
            x(r),
            height - B
        );
    }
    for (k, r) in rows.iter().enumerate() {
        let y = T + row_h * (k as f64 + 0.5);
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text><line class="interval" x1="{:.2}" y1="{y}" x2="{:.2}" y2="{y}" stroke="#335" stroke-width="2"/><rect x="{:.2}" y="{}" width="8" height="8" fill="#335"/>"##,
            left - 8.0,
            y + 4.0,
            esc(&r.label),
            x(r.low),
            x(r.high),
            x(r.value) - 4.0,
            y - 4.0
        );
    }
    out.push_str("</svg>");
    out
}

/// A horizontal bar chart of signed values (e.g. coefficients), bars from 0.
pub fn bars(id: &str, title: &str, rows: &[(String, f64)]) -> String {
    let row_h = 18.0;
    let height = T + 10.0 + row_h * rows.len().max(1) as f64;
    let width = 640.0;
    let left = 330.0;
    let max = rows.iter().map(|r| r.1.abs()).fold(1e-12, f64::max);
    let mid = left + (width - left - R) / 2.0;
    let scale = (width - left - R) / 2.0 / max;
    let mut out = format!(
        r##"<svg id="{}" class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}"><title>{}</title><line x1="{mid}" y1="{T}" x2="{mid}" y2="{}" stroke="#999"/>"##,
        esc(id),
        esc(title),
        esc(title),
        height - 10.0
    );
    for (k, (label, v)) in rows.iter().enumerate() {
        let y = T + row_h * k as f64;
        let (x0, w) = if *v >= 0.0 { (mid, v * scale) } else { (mid + v * scale, -v * scale) };
        let color = if *v >= 0.0 { "#b33" } else { "#36b" };
        let short: String = label.chars().take(48).collect();
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text><rect class="bar" x="{x0:.2}" y="{}" width="{:.2}" height="{}" fill="{color}"><title>{}: {v:.4}</title></rect>"##,
            left - 6.0,
            y + 11.0,
            esc(&short),
            y + 2.0,
            w.max(0.5),
            row_h - 4.0,
            esc(label)
        );
    }
    out.push_str("</svg>");
    out
}
