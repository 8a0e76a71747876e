//! `mlhc run`: the risk pipeline from a YAML configuration on any MEDS dataset.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::pipeline::{config, run as run_pipeline};

/// Arguments of `mlhc run`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The configuration names a MEDS dataset, an ACES task, the validation design (cross-validation,
held-out split or temporal), tabularization settings, models and subgroup attributes; relative
paths are resolved against the configuration file's folder. Every key but `dataset` and
`task.config` has a default (the quickstart's settings). A full example with comments:
pipelines/mimic-iv-demo-readmission.yaml.

  dataset: ../testdata/mimic-iv-demo-meds
  task: {name: readmission 30d, config: ../testdata/meds-dev-tasks/tasks/readmission/general_hospital/30d.yaml,
         predicates: ../testdata/meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml}
  validation: {kind: temporal, cutoff: 2150-01-01}   # or {kind: cross-validation, folds: 5}, {kind: held-out}
  models: {logistic: {c: [0.01, 0.1, 1]}, gbdt: {num_trees: 100}}
  subgroups: [{name: sex, code_prefix: GENDER//}, {name: age, age_bands: [50, 65, 80]}]

Writes labels.parquet, features/, predictions.csv, predictions_<model>.parquet (MEDS-DEV schema),
model_<model>.json (for `mlhc predict`), report.html and model_card.json; prints `report: <path>` last.

Example:
  mlhc run pipelines/mimic-iv-demo-readmission.yaml --out runs/demo")]
pub struct Args {
    /// The pipeline configuration (YAML).
    pub config: PathBuf,
    /// Output folder; overrides the configuration's `output`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `mlhc run`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = std::time::Instant::now();
    let pipeline = config::load(&args.config, args.out)?;
    let out = run_pipeline(&pipeline, &mut |line| eprintln!("{line}"))?;
    eprintln!("done in {:.1}s; model card: {}", start.elapsed().as_secs_f64(), out.model_card.display());
    println!("report: {}", out.report.display());
    Ok(ExitCode::SUCCESS)
}
