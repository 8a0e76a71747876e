//! `mlhc etl`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use mlhc_meds::etl::{run_etl, EtlConfig, EtlOptions, EtlStep, SplitFractions, TableStatus};

use crate::ui;

/// Arguments of `mlhc etl`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  mlhc etl --config mimic-iv --dataset-version 2.2 testdata/mimic-iv-demo-2.2 out/mimic-iv-meds
  mlhc etl --config mimic-iii --split 0.7,0.15,0.15 --seed 3 testdata/mimic-iii-demo-1.4 out/m3
  mlhc etl --config my_tables.yaml --json raw/ out/

Every input row is accounted for, per event block: rows read = written + duplicates + rejected +
no time + no code. The report is also written to OUT_DIR/etl_report.json, and rejected rows (with
table, row, event and reason) to OUT_DIR/etl_rejects.csv.")]
pub struct Args {
    /// The ETL configuration: a YAML file or a shipped name (`mimic-iv`, `mimic-iii`).
    #[arg(long)]
    pub config: String,
    /// Split fractions train,tuning,held_out (summing to 1) [default: 0.8,0.1,0.1].
    #[arg(long, value_delimiter = ',')]
    pub split: Option<Vec<f64>>,
    /// Seed of the subject split (a hash of subject id and seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// About this many subjects per shard file (shards are subject-hash buckets) [default: the
    /// config's etl.n_subjects_per_shard, else 50000].
    #[arg(long)]
    pub subjects_per_shard: Option<usize>,
    /// The dataset version written to dataset.json [default: the config's etl.dataset_version, else
    /// unknown].
    #[arg(long)]
    pub dataset_version: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The folder of raw tables (`<table>.csv`, `.csv.gz` or `.parquet`).
    pub raw_dir: PathBuf,
    /// The output MEDS dataset folder (must not already hold a dataset).
    pub out_dir: PathBuf,
}

/// Runs `mlhc etl`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = EtlConfig::load(&args.config).with_context(|| format!("loading ETL config {}", args.config))?;
    let split = match args.split.as_deref() {
        None => SplitFractions::default(),
        Some(&[train, tuning, held_out]) => SplitFractions::new(train, tuning, held_out)?,
        Some(f) => anyhow::bail!("--split takes three fractions train,tuning,held_out, got {}", f.len()),
    };
    let options = EtlOptions {
        split,
        seed: args.seed,
        n_subjects_per_shard: args.subjects_per_shard,
        dataset_version: args.dataset_version.clone(),
    };
    anyhow::ensure!(args.raw_dir.is_dir(), "raw folder {} does not exist", args.raw_dir.display());
    let bar = ui::progress(config.tables.len() as u64, "tables");
    let start = Instant::now();
    let report = run_etl(&config, &args.raw_dir, &args.out_dir, &options, &|step| {
        if let EtlStep::Table(_) = step {
            bar.inc(1);
        }
    })
    .with_context(|| format!("converting {} into {}", args.raw_dir.display(), args.out_dir.display()))?;
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    if args.json {
        ui::print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<26} {:>9} {:<22} {:>9} {:>6} {:>8} {:>9} {:>8}",
        "table", "rows", "event", "written", "dup", "rejected", "no_time", "no_code"
    );
    for t in &report.tables {
        if t.status == TableStatus::Missing {
            println!("{:<26} {:>9} (missing: skipped)", t.table, "-");
            continue;
        }
        for (k, e) in t.events.iter().enumerate() {
            let (name, rows) = if k == 0 { (t.table.as_str(), t.rows_read.to_string()) } else { ("", String::new()) };
            let mark = if e.balances(t.rows_read) { "" } else { "  UNBALANCED" };
            println!(
                "{name:<26} {rows:>9} {:<22} {:>9} {:>6} {:>8} {:>9} {:>8}{mark}",
                e.event, e.written, e.duplicates, e.rejected, e.no_time, e.no_code
            );
        }
    }
    for n in &report.notes {
        println!("note: {n}");
    }
    let splits: Vec<String> = report.subjects_per_split.iter().map(|s| format!("{} {}", s.split, s.subjects)).collect();
    println!(
        "wrote {} events, {} subjects ({}), {} codes, {} shards to {} in {:.2} s; {} rows rejected (see etl_rejects.csv)",
        report.events,
        report.subjects,
        splits.join(", "),
        report.codes,
        report.shards.len(),
        args.out_dir.display(),
        seconds,
        report.rejected
    );
    anyhow::ensure!(report.balances(), "the reconciliation does not balance (a bug in mlhc etl)");
    Ok(ExitCode::SUCCESS)
}
