//! Risk-model reports: one self-contained HTML file (inline SVG: ROC and precision–recall curves with
//! bootstrap bands, calibration, subgroup forest plot, top features) and a model card in JSON that
//! covers the TRIPOD+AI items a tool can fill (data provenance with SHA-256 content hashes, outcome
//! definition, predictors, sample size, validation, performance with CIs, subgroups, limitations).
//!
//! The crate renders; it does not read or write files.
//!
//! ```
//! use mlhc_report::{render_html, sha256_hex, ReportInput};
//!
//! let input = ReportInput { title: "demo".into(), ..ReportInput::default() };
//! let html = render_html(&input);
//! assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<title>demo</title>"));
//! assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
//! ```

mod sha256;
pub mod survival;
pub mod svg;

use std::fmt::Write;

use mlhc_eval::curves::BandPoint;
use mlhc_eval::{Estimate, Evaluation, SubgroupReport};
use serde::Serialize;

pub use sha256::sha256_hex;
use svg::{bars, esc, forest, unit_chart, ForestRow, Series};

/// A file the model was built from, with its content hash.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FileHash {
    /// Path relative to the dataset root.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the content.
    pub sha256: String,
}

/// The data source.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DatasetInfo {
    /// Name (from `dataset.json`).
    pub name: String,
    /// Where it was read from.
    pub location: String,
    /// Licence and attribution.
    pub licence: String,
    /// Subjects in the dataset.
    pub subjects: u64,
    /// Events in the dataset.
    pub events: u64,
    /// Content hashes of every file read.
    pub files: Vec<FileHash>,
}

/// The prediction task (outcome definition).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TaskInfo {
    /// Name.
    pub name: String,
    /// The task configuration (ACES YAML) as run.
    pub config: String,
    /// SHA-256 of the configuration.
    pub config_sha256: String,
    /// Label rows.
    pub rows: usize,
    /// Subjects with a label.
    pub subjects: usize,
    /// Positive labels.
    pub positives: usize,
}

/// One model's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSection {
    /// Name, e.g. "Logistic regression (L2)".
    pub name: String,
    /// Hyperparameters and how they were chosen.
    pub hyperparameters: serde_json::Value,
    /// Metrics with CIs on the evaluated predictions.
    pub evaluation: Evaluation,
    /// ROC curve with its bootstrap band.
    pub roc: Vec<BandPoint>,
    /// Precision–recall curve (recall, precision).
    pub pr: Vec<(f64, f64)>,
    /// The largest-magnitude features and their weights.
    pub top_features: Vec<(String, f64)>,
    /// Subgroup metrics and fairness gaps, one entry per attribute (sex, age band, …).
    pub subgroups: Vec<SubgroupSection>,
}

/// Subgroup results for one attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupSection {
    /// The attribute, e.g. "sex" or "age band".
    pub attribute: String,
    /// Per-group metrics and gaps.
    pub report: SubgroupReport,
}

/// Size of one part of the data (training, test).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SplitInfo {
    /// Name, e.g. "train" or "test".
    pub name: String,
    /// Label rows.
    pub rows: usize,
    /// Subjects.
    pub subjects: usize,
    /// Positive labels.
    pub positives: usize,
}

/// Everything a report shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportInput {
    /// Title.
    pub title: String,
    /// The mlhc version that produced it.
    pub software: String,
    /// Seed of every stochastic step.
    pub seed: u64,
    /// Data source.
    pub dataset: DatasetInfo,
    /// Outcome definition.
    pub task: TaskInfo,
    /// Predictor generation (tabularization settings, number of features).
    pub predictors: serde_json::Value,
    /// How performance was estimated.
    pub validation: String,
    /// Sizes of the parts the validation used (empty for cross-validation over all rows).
    pub splits: Vec<SplitInfo>,
    /// Models.
    pub models: Vec<ModelSection>,
    /// Warnings to show prominently (e.g. small samples).
    pub warnings: Vec<String>,
    /// Known limitations.
    pub limitations: Vec<String>,
}

fn fmt_est(e: &Estimate) -> String {
    match (e.value, e.ci_low, e.ci_high) {
        (Some(v), Some(lo), Some(hi)) => format!("{v:.3} ({lo:.3}–{hi:.3})"),
        (Some(v), _, _) => format!("{v:.3} (no CI)"),
        _ => "undefined".into(),
    }
}

const COLORS: [&str; 4] = ["#c0392b", "#2471a3", "#1e8449", "#7d3c98"];

/// Renders the self-contained HTML report (no external resources).
pub fn render_html(r: &ReportInput) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{}</title><style>
body{{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}}
h1{{font-size:1.6em}} h2{{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}}
table{{border-collapse:collapse;margin:.6em 0}} td,th{{border:1px solid #ddd;padding:.25em .6em;text-align:right;font-size:.9em}}
th{{background:#f4f4f4}} td:first-child,th:first-child{{text-align:left}}
.warn{{background:#fff4e5;border-left:4px solid #e67e22;padding:.6em 1em;margin:1em 0}}
.plots{{display:flex;flex-wrap:wrap;gap:1em}} .plot{{border:1px solid #eee}} pre{{background:#f7f7f7;padding:.6em;overflow:auto;font-size:.8em}} code{{word-break:break-all}}
</style></head><body><h1>{}</h1>"#,
        esc(&r.title),
        esc(&r.title)
    );
    for w in &r.warnings {
        let _ = write!(h, r#"<div class="warn"><strong>Warning:</strong> {}</div>"#, esc(w));
    }
    let _ = write!(
        h,
        "<h2>Data and task</h2><table><tr><th>dataset</th><td>{}</td></tr><tr><th>licence</th><td>{}</td></tr>\
<tr><th>subjects / events</th><td>{} / {}</td></tr><tr><th>task</th><td>{}</td></tr>\
<tr><th>label rows / subjects / positives</th><td>{} / {} / {}</td></tr><tr><th>validation</th><td>{}</td></tr>\
<tr><th>seed</th><td>{}</td></tr><tr><th>software</th><td>{}</td></tr>",
        esc(&r.dataset.name),
        esc(&r.dataset.licence),
        r.dataset.subjects,
        r.dataset.events,
        esc(&r.task.name),
        r.task.rows,
        r.task.subjects,
        r.task.positives,
        esc(&r.validation),
        r.seed,
        esc(&r.software)
    );
    for sp in &r.splits {
        let _ = write!(
            h,
            "<tr><th>{} rows / subjects / positives</th><td>{} / {} / {}</td></tr>",
            esc(&sp.name),
            sp.rows,
            sp.subjects,
            sp.positives
        );
    }
    h.push_str("</table>");
    // Metrics table, one column per model.
    h.push_str("<h2>Performance (95% subject-level bootstrap CIs)</h2><table><tr><th>metric</th>");
    for m in &r.models {
        let _ = write!(h, "<th>{}</th>", esc(&m.name));
    }
    h.push_str("</tr>");
    type Get = fn(&Evaluation) -> &Estimate;
    let rows: [(&str, Get); 7] = [
        ("AUROC", |e| &e.auroc),
        ("AUPRC (average precision)", |e| &e.auprc),
        ("Brier score", |e| &e.brier),
        ("log loss", |e| &e.log_loss),
        ("ECE", |e| &e.ece),
        ("calibration slope", |e| &e.calibration_slope),
        ("calibration intercept", |e| &e.calibration_intercept),
    ];
    for (name, get) in rows {
        let _ = write!(h, "<tr><td>{name}</td>");
        for m in &r.models {
            let _ = write!(h, "<td>{}</td>", fmt_est(get(&m.evaluation)));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");

    // Curves.
    h.push_str(r#"<h2>Discrimination and calibration</h2><div class="plots">"#);
    let roc: Vec<Series<'_>> = r
        .models
        .iter()
        .enumerate()
        .map(|(k, m)| Series {
            label: &m.name,
            color: COLORS[k % COLORS.len()],
            points: m.roc.iter().map(|b| (b.fpr, b.tpr)).collect(),
            band: m.roc.iter().map(|b| (b.fpr, b.low, b.high)).collect(),
            markers: false,
        })
        .collect();
    h.push_str(&unit_chart("roc", "ROC curve (95% band)", "false-positive rate", "true-positive rate", true, &roc));
    let pr: Vec<Series<'_>> = r
        .models
        .iter()
        .enumerate()
        .map(|(k, m)| Series {
            label: &m.name,
            color: COLORS[k % COLORS.len()],
            points: m.pr.clone(),
            band: Vec::new(),
            markers: false,
        })
        .collect();
    h.push_str(&unit_chart("pr", "Precision–recall curve", "recall", "precision", false, &pr));
    let cal: Vec<Series<'_>> = r
        .models
        .iter()
        .enumerate()
        .map(|(k, m)| Series {
            label: &m.name,
            color: COLORS[k % COLORS.len()],
            points: m.evaluation.calibration.iter().map(|b| (b.mean_predicted, b.fraction_positive)).collect(),
            band: Vec::new(),
            markers: true,
        })
        .collect();
    h.push_str(&unit_chart(
        "calibration",
        "Calibration (10 bins)",
        "mean predicted risk",
        "observed share",
        true,
        &cal,
    ));
    h.push_str("</div>");

    for m in &r.models {
        let _ = write!(h, "<h2>{}</h2>", esc(&m.name));
        let _ = write!(h, "<p>Hyperparameters: <code>{}</code></p>", esc(&m.hyperparameters.to_string()));
        h.push_str("<table><tr><th>threshold</th><th>sensitivity</th><th>specificity</th><th>PPV</th><th>NPV</th><th>alerts / 100</th><th>net benefit</th></tr>");
        for t in &m.evaluation.thresholds {
            let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
            let _ = write!(
                h,
                "<tr><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td></tr>",
                t.row.threshold,
                fmt_est(&t.sensitivity_ci),
                fmt_est(&t.specificity_ci),
                f(t.row.ppv),
                f(t.row.npv),
                t.row.alerts_per_100,
                fmt_est(&t.net_benefit_ci)
            );
        }
        h.push_str("</table>");
        for (k, sec) in m.subgroups.iter().enumerate() {
            let s = &sec.report;
            let _ = write!(h, "<h3>Subgroups by {} (threshold {:.2})</h3>", esc(&sec.attribute), s.threshold);
            let rows: Vec<ForestRow> = s
                .groups
                .iter()
                .filter_map(|g| match (g.auroc.value, g.auroc.ci_low, g.auroc.ci_high) {
                    (Some(v), Some(lo), Some(hi)) => {
                        Some(ForestRow { label: format!("{} (n={})", g.group, g.n_rows), value: v, low: lo, high: hi })
                    }
                    _ => None,
                })
                .collect();
            h.push_str(&forest(
                &format!("forest-{}-{k}", esc(&m.name)),
                &format!("AUROC by {} (95% CI)", sec.attribute),
                &rows,
                0.0,
                1.0,
                Some(0.5),
            ));
            h.push_str("<table><tr><th>group</th><th>rows</th><th>positives</th><th>AUROC</th><th>selection rate</th><th>TPR</th><th>FPR</th></tr>");
            for g in &s.groups {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&g.group),
                    g.n_rows,
                    g.n_positive,
                    fmt_est(&g.auroc),
                    fmt_est(&g.selection_rate),
                    fmt_est(&g.tpr),
                    fmt_est(&g.fpr)
                );
            }
            let _ = write!(
                h,
                "</table><p>Demographic-parity difference {}; equalized-odds difference {}.</p>",
                fmt_est(&s.demographic_parity_difference),
                fmt_est(&s.equalized_odds_difference)
            );
        }
        if !m.top_features.is_empty() {
            h.push_str("<h3>Top features</h3>");
            h.push_str(&bars(&format!("features-{}", esc(&m.name)), "largest weights", &m.top_features));
        }
    }
    if !r.limitations.is_empty() {
        h.push_str("<h2>Limitations</h2><ul>");
        for l in &r.limitations {
            let _ = write!(h, "<li>{}</li>", esc(l));
        }
        h.push_str("</ul>");
    }
    let _ = write!(h, "<h2>Task configuration</h2><pre>{}</pre>", esc(&r.task.config));
    h.push_str("</body></html>\n");
    h
}

/// The model card: a JSON document keyed by TRIPOD+AI item, filled from the report input.
pub fn model_card(r: &ReportInput) -> serde_json::Value {
    let models: Vec<serde_json::Value> = r
        .models
        .iter()
        .map(|m| {
            serde_json::json!({
                "name": m.name,
                "hyperparameters": m.hyperparameters,
                "performance": {
                    "n_rows": m.evaluation.n_rows,
                    "n_subjects": m.evaluation.n_subjects,
                    "n_positive": m.evaluation.n_positive,
                    "auroc": m.evaluation.auroc,
                    "auprc": m.evaluation.auprc,
                    "brier": m.evaluation.brier,
                    "log_loss": m.evaluation.log_loss,
                    "ece": m.evaluation.ece,
                    "calibration_slope": m.evaluation.calibration_slope,
                    "calibration_intercept": m.evaluation.calibration_intercept,
                    "calibration_curve": m.evaluation.calibration,
                    "thresholds": m.evaluation.thresholds,
                    "bootstrap": {"replicates": m.evaluation.params.n_boot, "seed": m.evaluation.params.seed, "level": m.evaluation.params.level, "resampling": "subjects"},
                },
                "subgroups": m.subgroups,
                "top_features": m.top_features.iter().map(|(n, w)| serde_json::json!({"feature": n, "weight": w})).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "model_card_version": 1,
        "title": r.title,
        "software": r.software,
        "seed": r.seed,
        "tripod_ai": {
            "source_of_data": r.dataset,
            "outcome": {"definition": "ACES task configuration", "name": r.task.name, "config": r.task.config, "config_sha256": r.task.config_sha256},
            "participants": {"label_rows": r.task.rows, "subjects": r.task.subjects, "positives": r.task.positives},
            "predictors": r.predictors,
            "sample_size": {"label_rows": r.task.rows, "events_positive": r.task.positives},
            "missing_data": "a feature absent from a subject's window is 'not observed' (absent in the sparse matrix), never imputed as 0",
            "analysis": {"validation": r.validation, "splits": r.splits},
            "model_performance": models,
            "limitations": r.limitations,
            "warnings": r.warnings,
        }
    })
}
