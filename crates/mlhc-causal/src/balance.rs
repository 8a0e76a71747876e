//! Covariate balance (standardized mean differences) and overlap (positivity) diagnostics.

use mlhc_frame::Design;
use serde::Serialize;

use crate::estimate::quantile;

/// The balance of one covariate between the arms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Smd {
    /// The covariate (design column) name.
    pub name: String,
    /// Its (weighted) mean among the treated.
    pub mean_treated: f64,
    /// Its (weighted) mean among the controls.
    pub mean_control: f64,
    /// `(mean_treated − mean_control) / sqrt((s₁² + s₀²) / 2)` with the arms' *unweighted* variances,
    /// so that values before and after weighting share one scale (as cobalt and Austin 2009 do); 0
    /// for a column constant in both arms.
    pub smd: f64,
}

/// Standardized mean differences of every design column, optionally weighted (IPW or matching weights).
pub fn smd_table(x: &Design, treatment: &[bool], weights: Option<&[f64]>) -> Vec<Smd> {
    let n = x.n_rows;
    (0..x.n_cols)
        .map(|j| {
            let mut s = [[0.0f64; 3]; 2]; // per arm: Σw, Σw·x, and unweighted (count, Σx, Σx²) below
            let mut u = [[0.0f64; 3]; 2];
            for i in 0..n {
                let v = x.values[i * x.n_cols + j];
                let k = treatment[i] as usize;
                let w = weights.map_or(1.0, |w| w[i]);
                s[k][0] += w;
                s[k][1] += w * v;
                u[k][0] += 1.0;
                u[k][1] += v;
                u[k][2] += v * v;
            }
            let var = |k: usize| {
                let m = u[k][1] / u[k][0];
                if u[k][0] > 1.0 {
                    ((u[k][2] - u[k][0] * m * m) / (u[k][0] - 1.0)).max(0.0)
                } else {
                    0.0
                }
            };
            let (m1, m0) = (s[1][1] / s[1][0], s[0][1] / s[0][0]);
            let sd = ((var(1) + var(0)) / 2.0).sqrt();
            let smd = if sd > 0.0 { (m1 - m0) / sd } else { 0.0 };
            Smd { name: x.names[j].clone(), mean_treated: m1, mean_control: m0, smd }
        })
        .collect()
}

/// Quantiles of one arm's propensities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSummary {
    /// Rows in the arm.
    pub n: usize,
    /// Smallest propensity.
    pub min: f64,
    /// 5% quantile.
    pub q05: f64,
    /// Median.
    pub median: f64,
    /// 95% quantile.
    pub q95: f64,
    /// Largest propensity.
    pub max: f64,
}

/// One bin of the propensity histogram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramBin {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Treated rows in `[lo, hi)` (the last bin includes 1).
    pub treated: usize,
    /// Control rows in the bin.
    pub control: usize,
}

/// One bin of the propensity model's calibration table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Rows in the bin.
    pub n: usize,
    /// Mean predicted propensity.
    pub mean_predicted: f64,
    /// Observed share of treated rows.
    pub observed: f64,
}

/// Overlap (positivity) diagnostics of fitted propensities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    /// The treated arm's propensities.
    pub treated: ArmSummary,
    /// The control arm's propensities.
    pub control: ArmSummary,
    /// Rows with a propensity below `clip` (before clipping).
    pub n_below_clip: usize,
    /// Rows with a propensity above `1 − clip` (before clipping).
    pub n_above_clip: usize,
    /// Equal-width bins over [0, 1].
    pub histogram: Vec<HistogramBin>,
    /// The propensity model's AUC for telling the arms apart (0.5: indistinguishable arms; near 1:
    /// little overlap).
    pub auc: f64,
    /// Calibration of the propensities: rows sorted by propensity, cut into (up to) 10 equal-count
    /// bins.
    pub calibration: Vec<CalibrationBin>,
    /// Expected calibration error: the row-weighted mean of `|observed − mean_predicted|` over the bins.
    pub calibration_error: f64,
    /// Range of the ATE weights `1/e`, `1/(1 − e)` (after clipping).
    pub weight_range: (f64, f64),
    /// Range of the stabilized ATE weights.
    pub stabilized_weight_range: (f64, f64),
    /// Kish effective sample size `(Σw)²/Σw²` of the treated under the ATE weights.
    pub ess_treated: f64,
    /// Kish effective sample size of the controls under the ATE weights.
    pub ess_control: f64,
}

fn summary(mut v: Vec<f64>) -> ArmSummary {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return ArmSummary { n: 0, min: f64::NAN, q05: f64::NAN, median: f64::NAN, q95: f64::NAN, max: f64::NAN };
    }
    ArmSummary {
        n: v.len(),
        min: v[0],
        q05: quantile(&v, 0.05),
        median: quantile(&v, 0.5),
        q95: quantile(&v, 0.95),
        max: v[v.len() - 1],
    }
}

/// The area under the ROC curve of `score` for `label` (Mann–Whitney, ties counted one half).
pub fn auc(score: &[f64], label: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += (i..=j).filter(|&k| label[idx[k]]).count() as f64 * mid;
        i = j + 1;
    }
    let n1 = label.iter().filter(|&&l| l).count() as f64;
    let n0 = label.len() as f64 - n1;
    (rank_sum - n1 * (n1 + 1.0) / 2.0) / (n1 * n0)
}

/// Overlap diagnostics of raw (unclipped) propensities `e`, with `bins` histogram bins.
pub fn overlap(e: &[f64], treatment: &[bool], clip: f64, bins: usize) -> Overlap {
    let bins = bins.max(1);
    let arm = |a: bool| e.iter().zip(treatment).filter(|(_, &t)| t == a).map(|(&v, _)| v).collect::<Vec<f64>>();
    let mut histogram: Vec<HistogramBin> = (0..bins)
        .map(|b| HistogramBin { lo: b as f64 / bins as f64, hi: (b + 1) as f64 / bins as f64, treated: 0, control: 0 })
        .collect();
    for (&v, &t) in e.iter().zip(treatment) {
        let b = ((v * bins as f64) as usize).min(bins - 1);
        if t {
            histogram[b].treated += 1;
        } else {
            histogram[b].control += 1;
        }
    }
    let clipped: Vec<f64> = e.iter().map(|v| v.clamp(clip, 1.0 - clip)).collect();
    let range = |w: &[f64]| w.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let w = crate::estimate::ipw_weights(&clipped, treatment, crate::Estimand::Ate, false);
    let sw = crate::estimate::ipw_weights(&clipped, treatment, crate::Estimand::Ate, true);
    let ess = |a: bool| {
        let (s, s2) =
            w.iter().zip(treatment).filter(|(_, &t)| t == a).fold((0.0, 0.0), |(s, s2), (&v, _)| (s + v, s2 + v * v));
        s * s / s2
    };
    let mut order: Vec<usize> = (0..e.len()).collect();
    order.sort_by(|&a, &b| e[a].total_cmp(&e[b]));
    let n_bins = 10.min(e.len()).max(1);
    let calibration: Vec<CalibrationBin> = (0..n_bins)
        .map(|b| {
            let rows = &order[b * e.len() / n_bins..(b + 1) * e.len() / n_bins];
            let n = rows.len().max(1) as f64;
            CalibrationBin {
                n: rows.len(),
                mean_predicted: rows.iter().map(|&i| e[i]).sum::<f64>() / n,
                observed: rows.iter().filter(|&&i| treatment[i]).count() as f64 / n,
            }
        })
        .collect();
    let calibration_error = calibration.iter().map(|c| c.n as f64 * (c.observed - c.mean_predicted).abs()).sum::<f64>()
        / e.len().max(1) as f64;
    Overlap {
        calibration,
        calibration_error,
        treated: summary(arm(true)),
        control: summary(arm(false)),
        n_below_clip: e.iter().filter(|&&v| v < clip).count(),
        n_above_clip: e.iter().filter(|&&v| v > 1.0 - clip).count(),
        histogram,
        auc: auc(e, treatment),
        weight_range: range(&w),
        stabilized_weight_range: range(&sw),
        ess_treated: ess(true),
        ess_control: ess(false),
    }
}

/// A love plot: one row per covariate with its absolute SMD before (open circle) and after (filled
/// circle) balancing, dashed lines at 0.1, as a self-contained SVG document.
pub fn love_plot_svg(before: &[Smd], after: &[Smd], after_label: &str) -> String {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }
    let rows = before.len().max(1);
    let (left, top, row_h, plot_w) = (220.0, 40.0, 18.0, 360.0);
    let height = top + rows as f64 * row_h + 50.0;
    let width = left + plot_w + 40.0;
    let max = before.iter().chain(after).map(|s| s.smd.abs()).fold(0.1f64, f64::max) * 1.1;
    let x = |v: f64| left + v.abs() / max * plot_w;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\" font-size=\"11\">\n"
    );
    out += &format!("<text x=\"{left}\" y=\"20\" font-size=\"13\">Absolute standardized mean differences</text>\n");
    let bottom = top + rows as f64 * row_h;
    out += &format!(
        "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{bottom}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n",
        x(0.1)
    );
    out +=
        &format!("<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\" stroke=\"#000\"/>\n", left + plot_w);
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        out += &format!("<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.2}</text>\n", x(v), bottom + 14.0);
    }
    for (i, b) in before.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * row_h;
        out += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            left - 8.0,
            y + 4.0,
            esc(&b.name)
        );
        out += &format!("<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"none\" stroke=\"#c0392b\"/>\n", x(b.smd));
        if let Some(a) = after.get(i) {
            out += &format!("<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#2471a3\"/>\n", x(a.smd));
        }
    }
    out += &format!(
        "<circle cx=\"{left}\" cy=\"{0:.1}\" r=\"4\" fill=\"none\" stroke=\"#c0392b\"/><text x=\"{1:.1}\" y=\"{2:.1}\">unadjusted</text>\n",
        bottom + 32.0,
        left + 8.0,
        bottom + 36.0
    );
    out += &format!(
        "<circle cx=\"{0:.1}\" cy=\"{1:.1}\" r=\"4\" fill=\"#2471a3\"/><text x=\"{2:.1}\" y=\"{3:.1}\">{4}</text>\n",
        left + 110.0,
        bottom + 32.0,
        left + 118.0,
        bottom + 36.0,
        esc(after_label)
    );
    out += "</svg>\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smd_of_a_shifted_column_and_auc() {
        let x = Design { names: vec!["a".into()], n_rows: 4, n_cols: 1, values: vec![1.0, 3.0, 2.0, 4.0] };
        let t = [false, false, true, true];
        let s = smd_table(&x, &t, None);
        // means 3 and 2; variances 2 and 2.
        assert!((s[0].smd - 1.0 / 2f64.sqrt()).abs() < 1e-12);
        let w = smd_table(&x, &t, Some(&[0.0, 1.0, 1.0, 0.0]));
        assert_eq!(w[0].smd, -1.0 / 2f64.sqrt());
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), 0.75);
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), 0.5);
        let svg = love_plot_svg(&s, &w, "weighted <IPW>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.contains(">a</text>") && svg.contains("weighted &lt;IPW&gt;"));
    }
}
