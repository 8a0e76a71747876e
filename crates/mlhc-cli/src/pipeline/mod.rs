//! The risk-stratification pipeline: task → features → models → evaluation → report.
//!
//! Every stage is a library call; this module only wires them together and writes their outputs.
//! [`config`] reads the same pipeline from a YAML file (`mlhc run`).

pub mod attributes;
pub mod config;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use mlhc_cohort::{extract, ExtractOptions, TaskConfig};
use mlhc_core::CsrMatrix;
use mlhc_eval::curves::{pr_curve, roc_band};
use mlhc_eval::{evaluate, subgroups, EvalParams};
use mlhc_learn::cv::{fold_rows, out_of_fold, select_c, select_rows, subject_folds};
use mlhc_learn::gbdt::{GbdtModel, GbdtParams, Node};
use mlhc_learn::logistic::{fit, LogisticModel, LogisticParams, Penalty};
use mlhc_learn::persist::{FeatureTransform, Model, ModelFile};
use mlhc_meds::Dataset;
use mlhc_report::{
    model_card, render_html, sha256_hex, DatasetInfo, FileHash, ModelSection, ReportInput, SplitInfo, SubgroupSection,
    TaskInfo,
};
use mlhc_tab::{tabularize, write_features, PredictionRow, TabParams};

use attributes::{row_groups, Attribute};

/// Below this many positive labels the report carries a small-sample warning.
const SMALL_SAMPLE_POSITIVES: usize = 20;

/// How performance is estimated.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// `folds`-fold subject-grouped cross-validation over every labelled subject (nested for the
    /// penalty): every row is predicted by models that never saw its subject.
    SubjectFolds {
        /// Outer folds (capped at the number of subjects).
        folds: usize,
    },
    /// Train on the subjects of the MEDS `train` and `tuning` splits, test on `held_out`.
    HeldOut,
    /// Temporal validation: train on label rows with prediction time before `cutoff`; test on rows at
    /// or after it of subjects with no training row, so that no subject is in both parts. Rows at or
    /// after the cutoff of subjects who also have training rows are left out and counted.
    Temporal {
        /// µs since the epoch.
        cutoff: i64,
    },
}

/// Which models to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Models {
    /// L2 logistic regression with C chosen from this grid by subject-grouped CV; `None` to skip.
    pub logistic_cs: Option<Vec<f64>>,
    /// Gradient-boosted trees with these settings; `None` to skip.
    pub gbdt: Option<GbdtParams>,
}

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
    /// Seed for folds, models and bootstrap.
    pub seed: u64,
    /// How performance is estimated.
    pub validation: Validation,
    /// The models.
    pub models: Models,
    /// Tabularization settings.
    pub tab: TabParams,
    /// Bootstrap replicates.
    pub n_boot: usize,
    /// Subgroup attributes.
    pub subgroups: Vec<Attribute>,
}

/// What the pipeline produced.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// The HTML report.
    pub report: PathBuf,
    /// The model card.
    pub model_card: PathBuf,
}

/// The path, size and SHA-256 of every Parquet and JSON file under `root`, in sorted order.
pub fn hash_dataset(root: &Path) -> anyhow::Result<Vec<FileHash>> {
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

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|_| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The rows a validation design trains and tests on.
enum Design {
    /// Subject-grouped folds over all rows: `fold_of[i]` is row `i`'s fold.
    Folds { fold_of: Vec<usize>, k: usize },
    /// One training part and one test part; `excluded` rows are in neither.
    Holdout { train: Vec<usize>, test: Vec<usize>, excluded: usize },
}

fn make_design(p: &Pipeline, rows: &[PredictionRow], split_of_row: &[&str], sid: &[i64]) -> anyhow::Result<Design> {
    let design = match &p.validation {
        Validation::SubjectFolds { folds } => {
            let n_subjects = sid.iter().collect::<HashSet<_>>().len();
            let k = (*folds).min(n_subjects);
            if k < 2 {
                bail!("cross-validation needs at least 2 labelled subjects, found {n_subjects}");
            }
            Design::Folds { fold_of: subject_folds(sid, k, p.seed)?, k }
        }
        Validation::HeldOut => {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..rows.len()).partition(|&i| split_of_row[i] == "held_out");
            let excluded = train.iter().filter(|&&i| !matches!(split_of_row[i], "train" | "tuning")).count();
            let train: Vec<usize> =
                train.into_iter().filter(|&i| matches!(split_of_row[i], "train" | "tuning")).collect();
            Design::Holdout { train, test, excluded }
        }
        Validation::Temporal { cutoff } => {
            let train: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].prediction_time < *cutoff).collect();
            let train_subjects: HashSet<i64> = train.iter().map(|&i| sid[i]).collect();
            let (test, excluded): (Vec<usize>, Vec<usize>) = (0..rows.len())
                .filter(|&i| rows[i].prediction_time >= *cutoff)
                .partition(|&i| !train_subjects.contains(&sid[i]));
            Design::Holdout { train, test, excluded: excluded.len() }
        }
    };
    if let Design::Holdout { train, test, .. } = &design {
        if train.is_empty() || test.is_empty() {
            bail!(
                "{:?} validation leaves {} training and {} test rows; both must be non-empty",
                p.validation,
                train.len(),
                test.len()
            );
        }
    }
    Ok(design)
}

fn split_info(name: &str, rows: &[usize], y: &[f64], sid: &[i64]) -> SplitInfo {
    SplitInfo {
        name: name.into(),
        rows: rows.len(),
        subjects: rows.iter().map(|&i| sid[i]).collect::<HashSet<_>>().len(),
        positives: rows.iter().filter(|&&i| y[i] == 1.0).count(),
    }
}

/// One model's predictions on the evaluated rows and its final fit.
struct Fitted {
    name: &'static str,
    slug: &'static str,
    hyperparameters: serde_json::Value,
    predictions: Vec<f64>,
    file: ModelFile,
    top_features: Vec<(String, f64)>,
}

fn pick(v: &[f64], rows: &[usize]) -> Vec<f64> {
    rows.iter().map(|&i| v[i]).collect()
}

/// The training data every model sees.
struct TrainingData<'a> {
    design: &'a Design,
    y: &'a [f64],
    sid: &'a [i64],
    names: &'a [String],
    metadata: &'a serde_json::Value,
}

fn fit_logistic(cs: &[f64], seed: u64, x: &CsrMatrix, d: &TrainingData<'_>) -> anyhow::Result<Fitted> {
    let TrainingData { design, y, sid, names, metadata } = *d;
    // A gradient tolerance of 1e-5 (standardized units) moves predicted probabilities by far less than
    // their bootstrap uncertainty, and keeps the ~150 fits of nested CV fast.
    let params = LogisticParams { penalty: Penalty::L2, tol: 1e-5, ..LogisticParams::default() };
    let (predictions, model, hyper): (Vec<f64>, LogisticModel, serde_json::Value) = match design {
        Design::Folds { k, .. } => {
            let (oof, fold_fits) = out_of_fold(x, y, sid, &params, cs, *k, seed)?;
            let grid = select_c(x, y, sid, &params, cs, *k, seed)?;
            let model = fit(x, y, &LogisticParams { lambda: 1.0 / (grid.best_c * y.len() as f64), ..params.clone() })?;
            let hyper = serde_json::json!({
                "penalty": "l2", "C_grid": cs, "C_per_fold": fold_fits.iter().map(|f| f.grid.best_c).collect::<Vec<_>>(),
                "C_final": grid.best_c, "standardize": true,
            });
            (oof, model, hyper)
        }
        Design::Holdout { train, test, .. } => {
            let xtr = select_rows(x, train);
            let ytr = pick(y, train);
            let str_: Vec<i64> = train.iter().map(|&i| sid[i]).collect();
            let k = str_.iter().collect::<HashSet<_>>().len().min(5);
            let grid = select_c(&xtr, &ytr, &str_, &params, cs, k, seed)?;
            let model =
                fit(&xtr, &ytr, &LogisticParams { lambda: 1.0 / (grid.best_c * ytr.len() as f64), ..params.clone() })?;
            let hyper = serde_json::json!({
                "penalty": "l2", "C_grid": cs, "C_final": grid.best_c, "C_selection": format!("{k}-fold subject-grouped CV on the training part"), "standardize": true,
            });
            (model.predict_proba(&select_rows(x, test)), model, hyper)
        }
    };
    // Weights per standard deviation of the (transformed) feature, so that features on different scales
    // compare.
    let sd = match design {
        Design::Folds { .. } => x.column_std(),
        Design::Holdout { train, .. } => select_rows(x, train).column_std(),
    };
    let mut top: Vec<(String, f64)> = model
        .coef
        .iter()
        .zip(&sd)
        .enumerate()
        .filter(|(_, (&c, _))| c != 0.0)
        .map(|(j, (&c, &s))| (names[j].clone(), c * s))
        .collect();
    top.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    top.truncate(20);
    let file = ModelFile::new(Model::Logistic(model), names.to_vec(), FeatureTransform::SignedLog1p, metadata.clone());
    Ok(Fitted {
        name: "Logistic regression (L2)",
        slug: "logistic",
        hyperparameters: hyper,
        predictions,
        file,
        top_features: top,
    })
}

fn fit_gbdt(params: &GbdtParams, x_raw: &CsrMatrix, d: &TrainingData<'_>) -> anyhow::Result<Fitted> {
    let TrainingData { design, y, names, metadata, .. } = *d;
    // Trees see the raw features: they are invariant to monotone transforms.
    let (predictions, model): (Vec<f64>, GbdtModel) = match design {
        Design::Folds { fold_of, k } => {
            let mut oof = vec![f64::NAN; y.len()];
            for f in 0..*k {
                let (train, test) = fold_rows(fold_of, f);
                let m = mlhc_learn::gbdt::fit(&select_rows(x_raw, &train), &pick(y, &train), params)?;
                for (&i, prob) in test.iter().zip(m.predict(&select_rows(x_raw, &test))) {
                    oof[i] = prob;
                }
            }
            (oof, mlhc_learn::gbdt::fit(x_raw, y, params)?)
        }
        Design::Holdout { train, test, .. } => {
            let m = mlhc_learn::gbdt::fit(&select_rows(x_raw, train), &pick(y, train), params)?;
            (m.predict(&select_rows(x_raw, test)), m)
        }
    };
    let mut gain = vec![0.0f64; names.len()];
    for tree in &model.trees {
        for node in &tree.nodes {
            if let Node::Split { feature, gain: g, .. } = node {
                gain[*feature as usize] += g;
            }
        }
    }
    let mut top: Vec<(String, f64)> =
        gain.iter().enumerate().filter(|(_, &g)| g > 0.0).map(|(j, &g)| (names[j].clone(), g)).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(20);
    let file = ModelFile::new(Model::Gbdt(model), names.to_vec(), FeatureTransform::Identity, metadata.clone());
    Ok(Fitted {
        name: "Gradient-boosted trees",
        slug: "gbdt",
        hyperparameters: serde_json::to_value(params)?,
        predictions,
        file,
        top_features: top,
    })
}

fn fmt_auroc(e: &mlhc_eval::Evaluation) -> String {
    e.auroc.value.map_or("undefined".into(), |v| {
        format!("{v:.3} (95% CI {:.3}–{:.3})", e.auroc.ci_low.unwrap_or(f64::NAN), e.auroc.ci_high.unwrap_or(f64::NAN))
    })
}

/// Runs the pipeline, writing into `p.out`: `labels.parquet`, `features/`, `predictions.csv`,
/// `predictions_<model>.parquet` (MEDS-DEV prediction schema), `model_<model>.json`, `report.html` and
/// `model_card.json`. `log` receives one line per stage.
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
    let n_subjects = rows.iter().map(|r| r.subject_id).collect::<HashSet<_>>().len();
    log(&format!("task {}: {} label rows, {n_subjects} subjects, {positives} positives", p.task_name, rows.len()));
    if positives == 0 || positives == rows.len() {
        bail!("task {} has only one class ({} rows, {positives} positives); nothing to learn", p.task_name, rows.len());
    }

    // Features.
    let tab = tabularize(&ds, &rows, &p.tab)?;
    write_features(&p.out.join("features"), &tab)?;
    log(&format!(
        "features: {} columns from {} codes, {} stored entries",
        tab.summary.features, tab.summary.included_codes, tab.summary.nnz
    ));
    let mut x_raw = CsrMatrix::new(tab.space.n_features());
    let mut all_rows: Vec<PredictionRow> = Vec::new();
    let mut split_of_row: Vec<&str> = Vec::new();
    for s in &tab.splits {
        x_raw.append(&s.matrix);
        all_rows.extend(s.rows.iter().copied());
        split_of_row.extend(std::iter::repeat_n(s.split.as_str(), s.rows.len()));
    }
    // Counts, sums and sums of squares are heavy-tailed: a linear model sees sign(v)·ln(1 + |v|), so
    // that one extreme value in a held-out subject cannot produce an extreme logit. Zeros stay stored
    // zeros and absent entries stay absent.
    let x = FeatureTransform::SignedLog1p.apply(&x_raw);
    let y: Vec<f64> = all_rows.iter().map(|r| r.label.unwrap_or(0.0)).collect();
    let sid: Vec<i64> = all_rows.iter().map(|r| r.subject_id).collect();

    let design = make_design(p, &all_rows, &split_of_row, &sid)?;
    let (eval_rows, train_rows, splits, validation): (Vec<usize>, Vec<usize>, Vec<SplitInfo>, String) = match &design
    {
        Design::Folds { k, .. } => (
            (0..y.len()).collect(),
            (0..y.len()).collect(),
            Vec::new(),
            format!(
                "{k}-fold subject-grouped cross-validation over all labelled subjects (penalty chosen inside each fold); metrics on out-of-fold predictions; 95% CIs from {} subject-level bootstrap replicates",
                p.n_boot
            ),
        ),
        Design::Holdout { train, test, excluded } => {
            let how = match &p.validation {
                Validation::Temporal { cutoff } => format!(
                    "temporal validation: trained on label rows before {}, tested on later rows of subjects with no training row ({excluded} later rows of training subjects left out)",
                    mlhc_core::Timestamp(*cutoff)
                ),
                _ => format!(
                    "held-out validation: trained on the MEDS train and tuning splits, tested on held_out ({excluded} rows of subjects in no split left out)"
                ),
            };
            (
                test.clone(),
                train.clone(),
                vec![split_info("train", train, &y, &sid), split_info("test", test, &y, &sid)],
                format!("{how}; 95% CIs from {} subject-level bootstrap replicates", p.n_boot),
            )
        }
    };
    log(&format!("validation: {validation}"));
    let ye = pick(&y, &eval_rows);
    let se: Vec<i64> = eval_rows.iter().map(|&i| sid[i]).collect();
    let eval_subject_rows: Vec<PredictionRow> = eval_rows.iter().map(|&i| all_rows[i]).collect();
    let all_groups = row_groups(&ds, &eval_subject_rows, &p.subgroups)?;
    // An attribute that no evaluated row has (e.g. race in a dataset without race codes) would be one
    // "unknown" group: it is named in the log and left out of the report.
    let mut attributes = Vec::new();
    let mut groups = Vec::new();
    for (attr, g) in p.subgroups.iter().zip(all_groups) {
        if g.iter().all(|v| v == "unknown") {
            log(&format!("subgroups: no evaluated row has attribute {:?}; left out", attr.name()));
        } else {
            attributes.push(attr);
            groups.push(g);
        }
    }
    // Flag rows whose risk is above the training prevalence.
    let threshold = train_rows.iter().filter(|&&i| y[i] == 1.0).count() as f64 / train_rows.len() as f64;

    let metadata = serde_json::json!({"feature_space": tab.space, "task": p.task_name});
    let data = TrainingData { design: &design, y: &y, sid: &sid, names: &tab.space.names, metadata: &metadata };
    let mut fitted = Vec::new();
    if let Some(cs) = &p.models.logistic_cs {
        fitted.push(fit_logistic(cs, p.seed, &x, &data)?);
    }
    if let Some(g) = &p.models.gbdt {
        fitted.push(fit_gbdt(g, &x_raw, &data)?);
    }
    let eval_params = EvalParams { n_boot: p.n_boot, seed: p.seed, ..EvalParams::default() };
    let mut sections = Vec::new();
    let mut labels_eval = mlhc_meds::labels::Labels::default();
    for r in &eval_subject_rows {
        labels_eval.subject_id.push(r.subject_id);
        labels_eval.prediction_time.push(Some(r.prediction_time));
        labels_eval.boolean_value.push(r.label.map(|l| l == 1.0));
    }
    for f in &fitted {
        let pe = if f.predictions.len() == y.len() { pick(&f.predictions, &eval_rows) } else { f.predictions.clone() };
        let evaluation = evaluate(&ye, &pe, &se, &eval_params)?;
        log(&format!("{}: AUROC {}", f.name, fmt_auroc(&evaluation)));
        let mut subgroup_sections = Vec::new();
        for (attr, g) in attributes.iter().zip(&groups) {
            let mut report = subgroups(&ye, &pe, &se, g, threshold, &eval_params)?;
            attr.sort_groups(&mut report);
            subgroup_sections.push(SubgroupSection { attribute: attr.name().to_string(), report });
        }
        mlhc_meds::labels::write_predictions(
            &p.out.join(format!("predictions_{}.parquet", f.slug)),
            &labels_eval,
            &pe,
            threshold,
        )?;
        f.file.save(&p.out.join(format!("model_{}.json", f.slug)))?;
        sections.push((
            pe.clone(),
            ModelSection {
                name: f.name.into(),
                hyperparameters: f.hyperparameters.clone(),
                roc: roc_band(&ye, &pe, &se, 51, p.n_boot.min(500), p.seed, 0.95),
                pr: pr_curve(&ye, &pe),
                evaluation,
                top_features: f.top_features.clone(),
                subgroups: subgroup_sections,
            },
        ));
    }

    // Predictions of every model side by side.
    let mut csv = String::from("subject_id,prediction_time,label");
    for f in &fitted {
        csv.push_str(&format!(",probability_{}", f.slug));
    }
    csv.push('\n');
    for (k, r) in eval_subject_rows.iter().enumerate() {
        csv.push_str(&format!(
            "{},{},{}",
            r.subject_id,
            mlhc_core::Timestamp(r.prediction_time),
            r.label.unwrap_or(f64::NAN)
        ));
        for (pe, _) in &sections {
            csv.push_str(&format!(",{:.6}", pe[k]));
        }
        csv.push('\n');
    }
    atomic_write(&p.out.join("predictions.csv"), csv.as_bytes())?;

    let mut warnings = Vec::new();
    let eval_positives = ye.iter().filter(|&&v| v == 1.0).count();
    if eval_positives < SMALL_SAMPLE_POSITIVES {
        warnings.push(format!(
            "only {eval_positives} positive labels evaluated (fewer than {SMALL_SAMPLE_POSITIVES}): every metric is very uncertain; read this report as a demonstration of the pipeline, not as evidence about the model"
        ));
    }
    let eval_subjects = se.iter().collect::<HashSet<_>>().len();
    if eval_subjects < 200 {
        warnings.push(format!(
            "{eval_subjects} subjects evaluated: intervals are wide and subgroup results unstable; use `mlhc quickstart --synthetic N` or a full dataset for meaningful estimates"
        ));
    }
    let mut limitations = Vec::new();
    if p.models.gbdt.is_some() {
        limitations
            .push("Boosted-tree hyperparameters are fixed, not tuned; feature importance is total split gain.".into());
    }
    let names: Vec<&str> = attributes.iter().map(|a| a.name()).collect();
    limitations.push(format!(
        "Subgroups by {}; a row whose subject lacks the attribute's code is in group \"unknown\".",
        if names.is_empty() { "no attribute".to_string() } else { names.join(", ") }
    ));
    limitations.push(match &p.validation {
        Validation::SubjectFolds { .. } => {
            "Internal validation only (cross-validation on one dataset); no external or temporal validation.".into()
        }
        Validation::HeldOut => {
            "Internal validation on a held-out split of the same dataset; no external validation.".into()
        }
        Validation::Temporal { .. } => "Temporal validation within one dataset; no external validation.".into(),
    });
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
            subjects: n_subjects,
            positives,
        },
        predictors: serde_json::json!({
            "tabularization": tab.space.params, "features": tab.summary.features, "included_codes": tab.summary.included_codes,
            "transform": "logistic regression: sign(v)·ln(1+|v|) on every stored value, then internal standardization; trees: raw values",
            "events_after_prediction_time": "never read",
        }),
        validation,
        splits,
        models: sections.into_iter().map(|(_, s)| s).collect(),
        warnings,
        limitations,
    };
    let report_path = p.out.join("report.html");
    atomic_write(&report_path, render_html(&report).as_bytes())?;
    let card_path = p.out.join("model_card.json");
    atomic_write(&card_path, serde_json::to_string_pretty(&model_card(&report))?.as_bytes())?;
    Ok(Outputs { report: report_path, model_card: card_path })
}
