//! `mlhc cohort`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use mlhc_cohort::{extract_with_progress, summarize, CodeNull, ExtractOptions, TaskConfig};
use mlhc_meds::Dataset;
use serde::Serialize;

use crate::ui;

/// Arguments of `mlhc cohort`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  mlhc cohort --config inhospital_mortality.yaml testdata/aces-meds-sample -o labels.parquet
  mlhc cohort --config tasks/mortality/in_icu/first_24h.yaml \\
      --predicates datasets/MIMIC-IV/predicates.yaml testdata/mimic-iv-demo-meds -o icu.parquet --json")]
pub struct Args {
    /// The task configuration (ACES YAML: predicates, patient_demographics, trigger, windows).
    #[arg(long)]
    pub config: PathBuf,
    /// A predicates file whose entries replace the task's (fills MEDS-DEV's `???` placeholders).
    #[arg(long)]
    pub predicates: Option<PathBuf>,
    /// Read `code: null` in a plain predicate as "any code" instead of es-aces 0.7.3's "no code".
    #[arg(long)]
    pub code_null_matches_any: bool,
    /// The MEDS dataset folder (holding data/).
    pub meds_dir: PathBuf,
    /// The label file to write (MEDS label schema, Parquet).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Print a machine-readable summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    task: String,
    output: String,
    rows: usize,
    subjects: usize,
    positives: usize,
    seconds: f64,
}

/// Runs `mlhc cohort`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let config = TaskConfig::load(&args.config, args.predicates.as_deref())
        .with_context(|| format!("invalid task {}", args.config.display()))?;
    let dataset = Dataset::open(&args.meds_dir).with_context(|| format!("cannot open {}", args.meds_dir.display()))?;
    let code_null = if args.code_null_matches_any { CodeNull::MatchAny } else { CodeNull::MatchNothing };
    let bar = ui::progress(dataset.shard_files().len() as u64, "cohort");
    let labels = extract_with_progress(&dataset, &config, &ExtractOptions { code_null }, &|_| bar.inc(1))
        .with_context(|| format!("cannot extract labels from {}", args.meds_dir.display()))?;
    bar.finish_and_clear();
    mlhc_meds::labels::write_labels(&args.output, &labels)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let s = summarize(&labels);
    let task = args.config.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let report = Report {
        task,
        output: args.output.display().to_string(),
        rows: s.rows,
        subjects: s.subjects,
        positives: s.positives,
        seconds: start.elapsed().as_secs_f64(),
    };
    if args.json {
        ui::print_json(&report)?;
    } else {
        println!(
            "{}: {} rows, {} subjects, {} positives -> {} ({:.2} s)",
            report.task, report.rows, report.subjects, report.positives, report.output, report.seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}
