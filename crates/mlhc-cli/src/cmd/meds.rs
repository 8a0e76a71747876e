//! `mlhc meds validate|inspect`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mlhc_meds::inspect::{inspect, DatasetSummary};
use mlhc_meds::validate::{validate, ValidateOptions, ValidationReport};

use crate::ui;

/// Subcommands of `mlhc meds`.
#[derive(Debug, clap::Subcommand)]
pub enum MedsCommand {
    /// Summarise a MEDS dataset: subjects, events, codes, time range, splits, top codes.
    #[command(after_help = "Example:\n  mlhc meds inspect testdata/mimic-iv-demo-meds --top 10")]
    Inspect {
        /// The dataset folder (holding data/ and metadata/).
        dir: PathBuf,
        /// How many of the most frequent codes to list. By default, 20.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check every MEDS invariant; exits 1 when the dataset is invalid.
    #[command(after_help = "Checks: schema and types; non-null subject_id and code; each subject's rows \
contiguous in one shard, sorted by time with static rows first; no subject in two shards; \
subject_splits.parquet covers the subjects and agrees with data/<split>/ folders; every code in \
codes.parquet; dataset.json well formed.\n\nExample:\n  mlhc meds validate testdata/mimic-iv-demo-meds --json")]
    Validate {
        /// The dataset folder.
        dir: PathBuf,
        /// Violations listed per kind (all are counted). By default, 50.
        #[arg(long, default_value_t = 50)]
        max_reported: usize,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `mlhc meds …`.
pub fn run(cmd: MedsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MedsCommand::Inspect { dir, top, json } => {
            let summary = inspect(&dir, top).with_context(|| format!("cannot inspect {}", dir.display()))?;
            if json {
                ui::print_json(&summary)?;
            } else {
                print_summary(&summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        MedsCommand::Validate { dir, max_reported, json } => {
            let report = validate(&dir, &ValidateOptions { max_reported })
                .with_context(|| format!("cannot validate {}", dir.display()))?;
            if json {
                ui::print_json(&serde_json::json!({ "valid": report.is_valid(), "report": report }))?;
            } else {
                print_report(&dir, &report);
            }
            Ok(if report.is_valid() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

fn print_summary(s: &DatasetSummary) {
    let name = s.dataset_name.as_deref().unwrap_or("(unnamed)");
    println!("dataset        {name}");
    println!("shards         {}", s.shards);
    println!("subjects       {}", s.subjects);
    println!("events         {} ({} static)", s.events, s.static_events);
    println!("codes          {}", s.codes);
    println!("time range     {} .. {}", s.time_min.as_deref().unwrap_or("-"), s.time_max.as_deref().unwrap_or("-"));
    println!("numeric value  {:.1}% of events", 100.0 * s.numeric_share);
    println!("text value     {:.1}% of events", 100.0 * s.text_share);
    if let Some(q) = &s.events_per_subject {
        println!(
            "events/subject min {} | p5 {:.0} | p25 {:.0} | median {:.0} | p75 {:.0} | p95 {:.0} | max {} | mean {:.1}",
            q.min, q.p05, q.p25, q.median, q.p75, q.p95, q.max, q.mean
        );
    }
    println!("\nsplit          subjects     events");
    for (split, t) in &s.splits {
        println!("{split:<14} {:>8} {:>10}", t.subjects, t.events);
    }
    println!("\ntop codes      events   share  code");
    for c in &s.top_codes {
        let desc = c.description.as_deref().map(|d| format!("  ({d})")).unwrap_or_default();
        println!("{:>21} {:>6.2}%  {}{desc}", c.events, 100.0 * c.share, c.code);
    }
}

fn print_report(dir: &std::path::Path, r: &ValidationReport) {
    for v in &r.violations {
        println!("{v}");
    }
    let listed: usize = r.violations.len();
    let total: usize = r.counts.values().sum();
    if listed < total {
        println!("… {} more violations not listed (see --max-reported)", total - listed);
    }
    for (kind, n) in &r.counts {
        println!("{n:>8}  {kind:?}");
    }
    let verdict = if r.is_valid() { "valid" } else { "INVALID" };
    println!(
        "{}: {verdict} MEDS ({} shards, {} subjects, {} events, {} errors, {} warnings)",
        dir.display(),
        r.shards,
        r.subjects,
        r.events,
        r.n_errors(),
        total - r.n_errors()
    );
}
