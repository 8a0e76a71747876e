//! `mlhc report`: evaluate prediction files and write the HTML report and model card.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use mlhc_eval::curves::{pr_curve, roc_band};
use mlhc_eval::{evaluate, subgroups, EvalParams};
use mlhc_report::{
    model_card, render_html, sha256_hex, DatasetInfo, ModelSection, ReportInput, SubgroupSection, TaskInfo,
};
use mlhc_tab::PredictionRow;

use crate::pipeline::attributes::{row_groups, Attribute};
use crate::pipeline::config::default_attributes;

/// Arguments of `mlhc report`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each PREDICTIONS file is one model's predictions in MEDS-DEV's prediction schema (subject_id,
prediction_time, boolean_value, predicted_boolean_probability), as written by `mlhc predict` and
`mlhc run` (predictions_<model>.parquet) or by any other tool. Every metric gets a 95% CI from a
subject-level bootstrap. With --dataset, rows are split into subgroups (by default sex from GENDER//
codes, race from RACE// codes and age bands 50/65/80 from MEDS_BIRTH, read at or before each
prediction time; an attribute no row has is left out) and
the dataset's files are hashed into the model card.

Examples:
  mlhc report runs/demo/predictions_logistic.parquet runs/demo/predictions_gbdt.parquet \\
      --dataset testdata/mimic-iv-demo-meds --out runs/demo-report
  mlhc report preds.parquet --name 'site B' --subgroup race=RACE// --age-bands 40,60 --dataset MEDS_DIR")]
pub struct Args {
    /// Prediction files (Parquet, MEDS-DEV prediction schema), one per model.
    #[arg(required = true)]
    pub predictions: Vec<PathBuf>,
    /// Model names, comma-separated, one per file. By default, the file names without extension.
    #[arg(long, value_delimiter = ',')]
    pub name: Vec<String>,
    /// The MEDS dataset the predictions are for: enables subgroups and data provenance.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// A subgroup attribute NAME=CODE_PREFIX (repeatable), e.g. `race=RACE//`. Replaces the default
    /// sex attribute.
    #[arg(long, value_name = "NAME=PREFIX")]
    pub subgroup: Vec<String>,
    /// Age band edges in years, comma-separated (from MEDS_BIRTH). By default 50,65,80 when no
    /// --subgroup is given.
    #[arg(long, value_delimiter = ',')]
    pub age_bands: Vec<f64>,
    /// The task configuration (ACES YAML) that defined the labels, shown and hashed in the report.
    #[arg(long)]
    pub task_config: Option<PathBuf>,
    /// Decision threshold for subgroup rates. By default, the prevalence of the first file's labels.
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Output folder for report.html and model_card.json.
    #[arg(long, default_value = "mlhc-report")]
    pub out: PathBuf,
    /// Bootstrap replicates.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Report title.
    #[arg(long)]
    pub title: Option<String>,
}

fn attributes(args: &Args) -> anyhow::Result<Vec<Attribute>> {
    if args.subgroup.is_empty() && args.age_bands.is_empty() {
        return Ok(default_attributes());
    }
    let mut out = Vec::new();
    for s in &args.subgroup {
        let Some((name, prefix)) = s.split_once('=').filter(|(n, p)| !n.is_empty() && !p.is_empty()) else {
            bail!("--subgroup {s:?}: expected NAME=CODE_PREFIX, e.g. sex=GENDER//");
        };
        out.push(Attribute::CodePrefix { name: name.into(), prefix: prefix.into() });
    }
    if !args.age_bands.is_empty() {
        let e = &args.age_bands;
        if e.iter().any(|x| !x.is_finite()) || e.windows(2).any(|w| w[0] >= w[1]) {
            bail!("--age-bands must be increasing finite ages, got {e:?}");
        }
        out.push(Attribute::AgeBand { name: "age".into(), edges: e.clone() });
    }
    Ok(out)
}

/// Runs `mlhc report`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.name.is_empty() && args.name.len() != args.predictions.len() {
        bail!("--name gives {} names for {} prediction files", args.name.len(), args.predictions.len());
    }
    let attrs = if args.dataset.is_some() { attributes(&args)? } else { Vec::new() };
    let ds = match &args.dataset {
        Some(d) => Some(mlhc_meds::Dataset::open(d).with_context(|| format!("cannot open {}", d.display()))?),
        None => None,
    };
    let eval_params = EvalParams { n_boot: args.bootstrap, seed: args.seed, ..EvalParams::default() };
    let mut models = Vec::new();
    let mut first: Option<(usize, usize, usize)> = None;
    let mut threshold = args.threshold;
    for (k, path) in args.predictions.iter().enumerate() {
        let (labels, p) = mlhc_meds::labels::read_predictions(path)
            .with_context(|| format!("cannot read predictions {}", path.display()))?;
        let mut y = Vec::with_capacity(p.len());
        let mut rows = Vec::with_capacity(p.len());
        for i in 0..labels.len() {
            let (Some(t), Some(b)) = (labels.prediction_time[i], labels.boolean_value.get(i).copied().flatten()) else {
                bail!("{}: row {i} lacks a prediction_time or a boolean_value label", path.display());
            };
            y.push(if b { 1.0 } else { 0.0 });
            rows.push(PredictionRow { subject_id: labels.subject_id[i], prediction_time: t, label: None });
        }
        let sid = labels.subject_id.clone();
        let positives = y.iter().filter(|&&v| v == 1.0).count();
        if first.is_none() {
            first = Some((y.len(), sid.iter().collect::<HashSet<_>>().len(), positives));
        }
        let t = *threshold.get_or_insert(positives as f64 / y.len().max(1) as f64);
        let evaluation = evaluate(&y, &p, &sid, &eval_params).with_context(|| path.display().to_string())?;
        let mut sections = Vec::new();
        if let Some(ds) = &ds {
            let groups = row_groups(ds, &rows, &attrs)?;
            for (a, g) in attrs.iter().zip(&groups) {
                if g.iter().all(|v| v == "unknown") {
                    eprintln!("subgroups: no row has attribute {:?}; left out", a.name());
                    continue;
                }
                let mut report = subgroups(&y, &p, &sid, g, t, &eval_params)?;
                a.sort_groups(&mut report);
                sections.push(SubgroupSection { attribute: a.name().to_string(), report });
            }
        }
        let name = args.name.get(k).cloned().unwrap_or_else(|| {
            path.file_stem().map_or_else(|| format!("model {}", k + 1), |s| s.to_string_lossy().into_owned())
        });
        eprintln!(
            "{name}: {} rows, AUROC {}",
            y.len(),
            evaluation.auroc.value.map_or("undefined".into(), |v| format!("{v:.3}"))
        );
        models.push(ModelSection {
            name,
            hyperparameters: serde_json::json!({
                "predictions": path.display().to_string(),
                "sha256": sha256_hex(&std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?),
            }),
            roc: roc_band(&y, &p, &sid, 51, args.bootstrap.min(500), args.seed, 0.95),
            pr: pr_curve(&y, &p),
            evaluation,
            top_features: Vec::new(),
            subgroups: sections,
        });
    }
    let (rows, subjects, positives) = first.unwrap_or_default();
    let task_config = match &args.task_config {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        None => String::new(),
    };
    let dataset = match &args.dataset {
        None => DatasetInfo { name: "not given (--dataset)".into(), ..DatasetInfo::default() },
        Some(d) => {
            let s = mlhc_meds::inspect::inspect(d, 0)?;
            DatasetInfo {
                name: s.dataset_name.clone().unwrap_or_else(|| d.display().to_string()),
                location: d.display().to_string(),
                licence: "not stated".into(),
                subjects: s.subjects,
                events: s.events,
                files: crate::pipeline::hash_dataset(d)?,
            }
        }
    };
    let mut warnings = Vec::new();
    if positives < 20 {
        warnings.push(format!(
            "only {positives} positive labels: every metric is very uncertain; read this report as a demonstration, not as evidence about the model"
        ));
    }
    let report = ReportInput {
        title: args.title.clone().unwrap_or_else(|| "mlhc evaluation report".into()),
        software: format!("mlhc {}", env!("CARGO_PKG_VERSION")),
        seed: args.seed,
        dataset,
        task: TaskInfo {
            name: args.task_config.as_ref().map_or_else(|| "not given (--task-config)".into(), |p| p.display().to_string()),
            config_sha256: sha256_hex(task_config.as_bytes()),
            config: task_config,
            rows,
            subjects,
            positives,
        },
        predictors: serde_json::json!("not known to `mlhc report`: predictions were made elsewhere"),
        validation: format!(
            "predictions evaluated as given (how they were produced is outside this report); 95% CIs from {} subject-level bootstrap replicates",
            args.bootstrap
        ),
        splits: Vec::new(),
        models,
        warnings,
        limitations: vec![
            "The report evaluates predictions only; model development, features and validation design are not documented here.".into(),
        ],
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let report_path = args.out.join("report.html");
    crate::pipeline::atomic_write(&report_path, render_html(&report).as_bytes())?;
    crate::pipeline::atomic_write(
        &args.out.join("model_card.json"),
        serde_json::to_string_pretty(&model_card(&report))?.as_bytes(),
    )?;
    println!("report: {}", report_path.display());
    Ok(ExitCode::SUCCESS)
}
