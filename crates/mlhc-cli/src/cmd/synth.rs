//! `mlhc synth`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use mlhc_meds::synth::{Sharding, Synth, SynthConfig, DEFAULT_SUBJECTS_PER_SHARD};
use serde::Serialize;

use crate::ui;

/// Arguments of `mlhc synth`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  mlhc synth --subjects 1000 --seed 1 out/synth-1k
  mlhc synth --subjects 60000 --seed 7 --shards 8 --json out/synth-20m")]
pub struct Args {
    /// Number of subjects (about 370 events each on average).
    #[arg(long)]
    pub subjects: usize,
    /// Random seed; the same seed and options write byte-identical files.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// About this many shards in total (subjects per shard = ceil(subjects / shards), per split).
    #[arg(long, conflicts_with = "subjects_per_shard")]
    pub shards: Option<usize>,
    /// At most this many subjects per shard file [default: 10000].
    #[arg(long)]
    pub subjects_per_shard: Option<usize>,
    /// Print a machine-readable summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// The output MEDS dataset folder (must not already hold a dataset).
    pub out_dir: PathBuf,
}

#[derive(Debug, Serialize)]
struct Summary {
    out_dir: String,
    subjects: usize,
    events: usize,
    shards: usize,
    seed: u64,
    seconds: f64,
    events_per_second: f64,
}

/// Runs `mlhc synth`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let sharding = match (args.shards, args.subjects_per_shard) {
        (Some(k), _) => Sharding::Shards(k),
        (None, Some(m)) => Sharding::SubjectsPerShard(m),
        (None, None) => Sharding::SubjectsPerShard(DEFAULT_SUBJECTS_PER_SHARD),
    };
    let config = SynthConfig::new(args.subjects).with_seed(args.seed).with_sharding(sharding);
    let synth = Synth::new(&config)?;
    let bar = ui::progress(synth.shards().len() as u64, "synth");
    let start = Instant::now();
    let summary = synth
        .write(&args.out_dir, &|_, _| bar.inc(1))
        .with_context(|| format!("writing synthetic dataset to {}", args.out_dir.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let out = Summary {
        out_dir: args.out_dir.display().to_string(),
        subjects: summary.subjects,
        events: summary.events,
        shards: summary.shards,
        seed: args.seed,
        seconds,
        events_per_second: summary.events as f64 / seconds.max(1e-9),
    };
    if args.json {
        ui::print_json(&out)?;
    } else {
        println!(
            "wrote {} events of {} subjects in {} shards to {} ({:.2} s, {:.2} M events/s)",
            out.events,
            out.subjects,
            out.shards,
            out.out_dir,
            out.seconds,
            out.events_per_second / 1e6
        );
    }
    Ok(ExitCode::SUCCESS)
}
