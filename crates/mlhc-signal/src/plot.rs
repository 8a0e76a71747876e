//! An SVG picture of a signal window with detected and reference beats.

use std::fmt::Write as _;

use crate::error::{Error, Result};

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotWindow<'a> {
    /// The whole signal (physical units); only the window is drawn.
    pub signal: &'a [f64],
    /// Sampling rate, Hz.
    pub fs: f64,
    /// First sample of the window.
    pub start: usize,
    /// Number of samples in the window.
    pub len: usize,
    /// Detected beats (sample indices), drawn as red ticks on the trace.
    pub detections: &'a [i64],
    /// Reference labels (sample index, symbol), drawn along the top.
    pub reference: &'a [(i64, String)],
    /// Title text.
    pub title: &'a str,
    /// Units of the signal, for the axis label.
    pub units: &'a str,
}

const W: f64 = 1200.0;
const H: f64 = 320.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 40.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders the window as a self-contained SVG document. The trace keeps each pixel column's
/// minimum and maximum, so QRS spikes survive any zoom and the output size is bounded by the width.
pub fn svg(p: &PlotWindow) -> Result<String> {
    if p.len == 0 || p.start >= p.signal.len() {
        return Err(Error::InvalidParameter {
            name: "window",
            message: format!("start {} and length {} select nothing from {} samples", p.start, p.len, p.signal.len()),
        });
    }
    if !(p.fs.is_finite() && p.fs > 0.0) {
        return Err(Error::InvalidParameter { name: "fs", message: format!("{} is not a positive frequency", p.fs) });
    }
    let end = (p.start + p.len).min(p.signal.len());
    let win = &p.signal[p.start..end];
    let finite = win.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (lo.min(0.0) - 1.0, hi.max(0.0) + 1.0) };
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let n = win.len() as f64;
    let x_of = |i: f64| LEFT + pw * (i / n.max(1.0));
    let y_of = |v: f64| TOP + ph * (1.0 - (v - lo) / (hi - lo));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{LEFT}" y="18" font-size="14">{}</text>"#, esc(p.title));
    // Time grid every second (or every 0.2 s for short windows).
    let dur = n / p.fs;
    let step = if dur <= 3.0 {
        0.2
    } else if dur <= 30.0 {
        1.0
    } else {
        10.0
    };
    let t0 = p.start as f64 / p.fs;
    let mut t = (t0 / step).ceil() * step;
    while t <= t0 + dur {
        let x = x_of((t - t0) * p.fs);
        let _ = writeln!(s, r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#eee"/>"##, H - BOTTOM);
        let _ = writeln!(s, r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{t:.1}</text>"#, H - BOTTOM + 14.0);
        t += step;
    }
    let _ = writeln!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">time (s)</text>"#, LEFT + pw / 2.0, H - 6.0);
    let _ = writeln!(
        s,
        r#"<text x="14" y="{:.1}" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"#,
        TOP + ph / 2.0,
        TOP + ph / 2.0,
        esc(p.units)
    );
    for v in [lo, hi] {
        let _ = writeln!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{v:.2}</text>"#, LEFT - 4.0, y_of(v) + 4.0);
    }
    // The trace: per pixel column, first, min, max and last values in time order.
    let cols = pw as usize;
    let mut pts = String::new();
    for c in 0..cols {
        let a = (c as f64 * n / cols as f64) as usize;
        let b = (((c + 1) as f64 * n / cols as f64) as usize).max(a + 1).min(win.len());
        if a >= b {
            continue;
        }
        let seg = &win[a..b];
        let (mut imin, mut imax) = (0, 0);
        for (k, v) in seg.iter().enumerate() {
            if v < &seg[imin] {
                imin = k;
            }
            if v > &seg[imax] {
                imax = k;
            }
        }
        let mut ks = [0, imin.min(imax), imin.max(imax), seg.len() - 1];
        ks.sort_unstable();
        for k in ks {
            if seg[k].is_finite() {
                let _ = write!(pts, "{:.1},{:.1} ", x_of((a + k) as f64), y_of(seg[k]));
            }
        }
    }
    let _ = writeln!(s, r##"<polyline fill="none" stroke="#1f4e9c" stroke-width="1" points="{}"/>"##, pts.trim_end());
    let in_win = |b: i64| b >= p.start as i64 && b < end as i64;
    for &b in p.detections.iter().filter(|b| in_win(**b)) {
        let i = (b as usize - p.start) as f64;
        let v = win[b as usize - p.start];
        let y = if v.is_finite() { y_of(v) } else { TOP };
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#d62728" stroke-width="2"/>"##,
            x_of(i),
            y - 12.0,
            y - 4.0
        );
    }
    for (b, label) in p.reference.iter().filter(|(b, _)| in_win(*b)) {
        let x = x_of((*b as usize - p.start) as f64);
        let _ = writeln!(
            s,
            r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#2ca02c">{}</text>"##,
            TOP - 6.0,
            esc(label)
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="18" text-anchor="end"><tspan fill="#d62728">| detected</tspan>  <tspan fill="#2ca02c">N reference</tspan></text>"##,
        W - RIGHT
    );
    s.push_str("</svg>\n");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_trace_marks_and_labels() {
        let x: Vec<f64> = (0..3600).map(|i| if i % 360 == 100 { 1.0 } else { 0.0 }).collect();
        let refs = vec![(100, "N".to_string()), (460, "V".to_string())];
        let svg = svg(&PlotWindow {
            signal: &x,
            fs: 360.0,
            start: 0,
            len: 720,
            detections: &[101, 461, 5000],
            reference: &refs,
            title: "r <1>",
            units: "mV",
        })
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches(r##"stroke="#d62728" stroke-width="2""##).count(), 2);
        assert!(svg.contains(">V</text>") && svg.contains("r &lt;1&gt;"));
        assert!(svg.len() < 100_000);
        assert!(super::svg(&PlotWindow {
            start: 4000,
            ..PlotWindow {
                signal: &x,
                fs: 360.0,
                start: 0,
                len: 10,
                detections: &[],
                reference: &[],
                title: "",
                units: ""
            }
        })
        .is_err());
    }
}
