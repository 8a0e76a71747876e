//! The risk-stratification pipeline: task → features → models → evaluation → report.
//!
//! Every stage is a library call; this module only wires them together and writes their outputs.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use mlhc_cohort::{extract, ExtractOptions, TaskConfig};
use mlhc_eval::curves::{pr_curve, roc_band};
use mlhc_eval::{evaluate, subgroups, EvalParams};
use mlhc_learn::cv::{fold_rows, out_of_fold, select_c, select_rows, subject_folds};
use mlhc_learn::gbdt::{GbdtParams, Node};
use mlhc_learn::logistic::{fit, LogisticParams, Penalty};
use mlhc_learn::persist::{FeatureTransform, Model, ModelFile};
use mlhc_meds::{Dataset, ReadOptions};
use mlhc_report::{model_card, render_html, sha256_hex, DatasetInfo, FileHash, ModelSection, ReportInput, TaskInfo};
use mlhc_tab::{tabularize, write_features, PredictionRow, TabParams};

/// Below this many positive labels the report carries a small-sample warning.
const SMALL_SAMPLE_POSITIVES: usize = 20;

/// What to run.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The MEDS dataset.
    pub dataset: PathBuf,
    /// Licence and attribution of the dataset, for the report.
    pub licence: String,
    /// Task name.
    pub task_name: String,
    /// Task configuration (ACES YAML).
    pub task_yaml: String,
    /// Predicates filling `???` entries, if any.
    pub predicates_yaml: Option<String>,
    /// Output folder.
    pub out: PathBuf,
    /// Seed for folds and bootstrap.
    pub seed: u64,
    /// Outer cross-validation folds.
    pub folds: usize,
    /// The C grid for L2 logistic regression.
    pub cs: Vec<f64>,
    /// Tabularization settings.
    pub tab: TabParams,
    /// Bootstrap replicates.
    pub n_boot: usize,
}

/// What the pipeline produced.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// The HTML report.
    pub report: PathBuf,
    /// The model card.
    pub model_card: PathBuf,
}

fn hash_dataset(root: &Path) -> anyhow::Result<Vec<FileHash>> {
    let mut files = Vec::new();
    fn walk(dir: &Path, root: &Path, out: &mut Vec<FileHash>) -> anyhow::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(&p, root, out)?;
            } else if p.extension().is_some_and(|x| x == "parquet" || x == "json") {
                let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
                let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                out.push(FileHash { path: rel, bytes: bytes.len() as u64, sha256: sha256_hex(&bytes) });
            }
        }
        Ok(())
    }
    walk(root, root, &mut files)?;
    Ok(files)
}

/// Each subject's sex from its static `GENDER//…` event, for subgroup analysis.
fn sex_of_subjects(ds: &Dataset) -> anyhow::Result<HashMap<i64, String>> {
    let per_shard = ds.map_shards(&ReadOptions::default(), |_, shard, vocab| {
        let mut out = Vec::new();
        for s in shard.subjects() {
            for k in 0..s.len() {
                if let Some(g) = vocab.code(s.code(k)).strip_prefix("GENDER//") {
                    out.push((s.id().0, g.to_string()));
                    break;
                }
            }
        }
        Ok(out)
    })?;
    Ok(per_shard.into_iter().flatten().collect())
}

fn atomic_write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|_| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Runs the pipeline, writing into `p.out`: `labels.parquet`, `features/`, `predictions.csv`,
/// `model.json`, `report.html` and `model_card.json`. `log` receives one line per stage.
pub fn run(p: &Pipeline, log: &mut dyn FnMut(&str)) -> anyhow::Result<Outputs> {
    std::fs::create_dir_all(&p.out).with_context(|| format!("cannot create {}", p.out.display()))?;
    let ds = Dataset::open(&p.dataset)?;
    let summary = mlhc_meds::inspect::inspect(&p.dataset, 0)?;

    // Task → labels.
    let task = TaskConfig::from_yaml_str(&p.task_yaml, p.predicates_yaml.as_deref())
        .with_context(|| format!("task {}", p.task_name))?;
    let labels = extract(&ds, &task, &ExtractOptions::default()).with_context(|| format!("task {}", p.task_name))?;
    mlhc_meds::labels::write_labels(&p.out.join("labels.parquet"), &labels)?;
    let mut rows = Vec::with_capacity(labels.len());
    for i in 0..labels.len() {
        let (Some(t), Some(b)) = (labels.prediction_time[i], labels.boolean_value.get(i).copied().flatten()) else {
            bail!("task {}: label row {i} lacks a prediction time or a boolean label", p.task_name);
        };
        rows.push(PredictionRow { subject_id: labels.subject_id[i], prediction_time: t, label: Some(b as u8 as f64) });
    }
    let positives = rows.iter().filter(|r| r.label == Some(1.0)).count();
    let mut subjects: Vec<i64> = rows.iter().map(|r| r.subject_id).collect();
    subjects.sort_unstable();
    subjects.dedup();
    log(&format!(
        "task {}: {} label rows, {} subjects, {} positives",
        p.task_name,
        rows.len(),
        subjects.len(),
        positives
    ));
    if positives == 0 || positives == rows.len() {
        bail!(
            "task {} has only one class ({} rows, {} positives); nothing to learn",
            p.task_name,
            rows.len(),
            positives
        );
    }

    // Features.
    let tab = tabularize(&ds, &rows, &p.tab)?;
    write_features(&p.out.join("features"), &tab)?;
    log(&format!(
        "features: {} columns from {} codes, {} stored entries",
        tab.summary.features, tab.summary.included_codes, tab.summary.nnz
    ));
    // Every labelled subject takes part in cross-validation, whatever its MEDS split.
    let mut x = mlhc_core::CsrMatrix::new(tab.space.n_features());
    let mut all_rows: Vec<PredictionRow> = Vec::new();
    for s in &tab.splits {
        x.append(&s.matrix);
        all_rows.extend(s.rows.iter().copied());
    }
    // Counts, sums and sums of squares are heavy-tailed: a linear model sees sign(v)·ln(1 + |v|), so
    // that one extreme value in a held-out subject cannot produce an extreme logit. Zeros stay stored
    // zeros and absent entries stay absent.
    let x_raw = x;
    let x = FeatureTransform::SignedLog1p.apply(&x_raw);
    let y: Vec<f64> = all_rows.iter().map(|r| r.label.unwrap_or(0.0)).collect();
    let sid: Vec<i64> = all_rows.iter().map(|r| r.subject_id).collect();

    // Model: L2 logistic regression, C chosen by nested subject-grouped CV.
    // A gradient tolerance of 1e-5 (standardized units) moves predicted probabilities by far less than
    // their bootstrap uncertainty, and keeps the ~150 fits of nested CV fast.
    let params = LogisticParams { penalty: Penalty::L2, tol: 1e-5, ..LogisticParams::default() };
    let folds = p.folds.min(subjects.len());
    let (oof, fold_fits) = out_of_fold(&x, &y, &sid, &params, &p.cs, folds, p.seed)?;
    log(&format!("model: L2 logistic regression, {folds}-fold subject-grouped nested CV over C in {:?}", p.cs));
    let grid = select_c(&x, &y, &sid, &params, &p.cs, folds, p.seed)?;
    let final_model = fit(&x, &y, &LogisticParams { lambda: 1.0 / (grid.best_c * y.len() as f64), ..params.clone() })?;

    // Evaluation of the out-of-fold predictions.
    let eval_params = EvalParams { n_boot: p.n_boot, seed: p.seed, ..EvalParams::default() };
    let evaluation = evaluate(&y, &oof, &sid, &eval_params)?;
    let roc = roc_band(&y, &oof, &sid, 51, p.n_boot.min(500), p.seed, 0.95);
    let pr = pr_curve(&y, &oof);
    // Boosted trees on the raw features (trees are invariant to monotone transforms), out of fold with
    // the same subject folds; small-data settings are fixed, not tuned.
    let gbdt_params = GbdtParams {
        num_trees: 50,
        learning_rate: 0.1,
        num_leaves: 15,
        min_data_in_leaf: 10,
        // Tens of thousands of sparse columns and a few hundred rows: sampling a third of the columns per
        // tree regularizes and keeps the quickstart under a minute.
        feature_fraction: 0.3,
        bagging_fraction: 0.8,
        seed: p.seed,
        ..GbdtParams::default()
    };
    let fold_of = subject_folds(&sid, folds, p.seed)?;
    let mut oof_gbdt = vec![f64::NAN; y.len()];
    for f in 0..folds {
        let (train, test) = fold_rows(&fold_of, f);
        let ytr: Vec<f64> = train.iter().map(|&i| y[i]).collect();
        let m = mlhc_learn::gbdt::fit(&select_rows(&x_raw, &train), &ytr, &gbdt_params)?;
        for (&i, prob) in test.iter().zip(m.predict(&select_rows(&x_raw, &test))) {
            oof_gbdt[i] = prob;
        }
    }
    let gbdt_final = mlhc_learn::gbdt::fit(&x_raw, &y, &gbdt_params)?;
    let gbdt_eval = evaluate(&y, &oof_gbdt, &sid, &eval_params)?;
    log(&format!(
        "boosted trees: out-of-fold AUROC {}",
        gbdt_eval.auroc.value.map_or("undefined".into(), |v| format!(
            "{v:.3} (95% CI {:.3}–{:.3})",
            gbdt_eval.auroc.ci_low.unwrap_or(f64::NAN),
            gbdt_eval.auroc.ci_high.unwrap_or(f64::NAN)
        ))
    ));
    let mut gain = vec![0.0f64; tab.space.n_features()];
    for tree in &gbdt_final.trees {
        for node in &tree.nodes {
            if let Node::Split { feature, gain: g, .. } = node {
                gain[*feature as usize] += g;
            }
        }
    }
    let mut gbdt_top: Vec<(String, f64)> =
        gain.iter().enumerate().filter(|(_, &g)| g > 0.0).map(|(j, &g)| (tab.space.names[j].clone(), g)).collect();
    gbdt_top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    gbdt_top.truncate(20);
    let sex = sex_of_subjects(&ds)?;
    let groups: Vec<String> = sid.iter().map(|s| sex.get(s).cloned().unwrap_or_else(|| "unknown".into())).collect();
    let threshold = positives as f64 / y.len() as f64;
    let sub = subgroups(&y, &oof, &sid, &groups, threshold, &eval_params)?;
    let gbdt_sub = subgroups(&y, &oof_gbdt, &sid, &groups, threshold, &eval_params)?;
    let gbdt_section = ModelSection {
        name: "Gradient-boosted trees".into(),
        hyperparameters: serde_json::to_value(&gbdt_params)?,
        roc: roc_band(&y, &oof_gbdt, &sid, 51, p.n_boot.min(500), p.seed, 0.95),
        pr: pr_curve(&y, &oof_gbdt),
        evaluation: gbdt_eval,
        top_features: gbdt_top,
        subgroups: Some(gbdt_sub),
    };
    log(&format!(
        "logistic regression: out-of-fold AUROC {}",
        evaluation.auroc.value.map_or("undefined".into(), |v| format!(
            "{v:.3} (95% CI {:.3}–{:.3})",
            evaluation.auroc.ci_low.unwrap_or(f64::NAN),
            evaluation.auroc.ci_high.unwrap_or(f64::NAN)
        ))
    ));

    // Outputs: predictions, model, report, card.
    let mut csv = String::from("subject_id,prediction_time,label,probability,probability_gbdt\n");
    for ((r, pr), pg) in all_rows.iter().zip(&oof).zip(&oof_gbdt) {
        csv.push_str(&format!(
            "{},{},{},{pr:.6},{pg:.6}\n",
            r.subject_id,
            mlhc_core::Timestamp(r.prediction_time),
            r.label.unwrap_or(f64::NAN)
        ));
    }
    atomic_write(&p.out.join("predictions.csv"), csv.as_bytes())?;
    let model_file = ModelFile::new(
        Model::Logistic(final_model.clone()),
        tab.space.names.clone(),
        FeatureTransform::SignedLog1p,
        serde_json::json!({"feature_space": tab.space, "selected_c": grid.best_c, "task": p.task_name}),
    );
    model_file.save(&p.out.join("model.json"))?;

    // Weights per standard deviation of the (transformed) feature, so that features on different scales
    // compare.
    let sd = x.column_std();
    let mut top: Vec<(String, f64)> = final_model
        .coef
        .iter()
        .zip(&sd)
        .enumerate()
        .filter(|(_, (&c, _))| c != 0.0)
        .map(|(j, (&c, &s))| (tab.space.names[j].clone(), c * s))
        .collect();
    top.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    top.truncate(20);

    let mut warnings = Vec::new();
    if positives < SMALL_SAMPLE_POSITIVES {
        warnings.push(format!(
            "only {positives} positive labels (fewer than {SMALL_SAMPLE_POSITIVES}): every metric is very uncertain; read this report as a demonstration of the pipeline, not as evidence about the model"
        ));
    }
    if subjects.len() < 200 {
        warnings.push(format!(
            "{} subjects: intervals are wide and subgroup results unstable; use `--synthetic N` or a full dataset for meaningful estimates",
            subjects.len()
        ));
    }
    let report = ReportInput {
        title: format!("mlhc risk model: {} on {}", p.task_name, summary.dataset_name.clone().unwrap_or_default()),
        software: format!("mlhc {}", env!("CARGO_PKG_VERSION")),
        seed: p.seed,
        dataset: DatasetInfo {
            name: summary.dataset_name.clone().unwrap_or_else(|| p.dataset.display().to_string()),
            location: p.dataset.display().to_string(),
            licence: p.licence.clone(),
            subjects: summary.subjects,
            events: summary.events,
            files: hash_dataset(&p.dataset)?,
        },
        task: TaskInfo {
            name: p.task_name.clone(),
            config: p.task_yaml.clone(),
            config_sha256: sha256_hex(p.task_yaml.as_bytes()),
            rows: rows.len(),
            subjects: subjects.len(),
            positives,
        },
        predictors: serde_json::json!({
            "tabularization": tab.space.params, "features": tab.summary.features, "included_codes": tab.summary.included_codes,
            "transform": "sign(v)·ln(1+|v|) on every stored value, then internal standardization",
            "events_after_prediction_time": "never read",
        }),
        validation: format!(
            "{folds}-fold subject-grouped nested cross-validation over all labelled subjects (C chosen inside each fold); metrics on out-of-fold predictions; 95% CIs from {} subject-level bootstrap replicates",
            p.n_boot
        ),
        models: vec![ModelSection {
            name: "Logistic regression (L2)".into(),
            hyperparameters: serde_json::json!({
                "penalty": "l2", "C_grid": p.cs, "C_per_fold": fold_fits.iter().map(|f| f.grid.best_c).collect::<Vec<_>>(),
                "C_final": grid.best_c, "standardize": true,
            }),
            evaluation,
            roc,
            pr,
            top_features: top,
            subgroups: Some(sub),
        }, gbdt_section],
        warnings,
        limitations: vec![
            "Boosted-tree hyperparameters are fixed small-data settings, not tuned; feature importance is total split gain.".into(),
            "Subgroups are by recorded sex only; other attributes need a static code per subject.".into(),
            "Internal validation only (cross-validation on one dataset); no external or temporal validation.".into(),
        ],
    };
    let report_path = p.out.join("report.html");
    atomic_write(&report_path, render_html(&report).as_bytes())?;
    let card_path = p.out.join("model_card.json");
    atomic_write(&card_path, serde_json::to_string_pretty(&model_card(&report))?.as_bytes())?;
    Ok(Outputs { report: report_path, model_card: card_path })
}
