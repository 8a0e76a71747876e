//! `mlhc meds validate|inspect`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Subcommands of `mlhc meds`.
#[derive(Debug, clap::Subcommand)]
pub enum MedsCommand {
    /// Summarise a MEDS dataset.
    Inspect {
        /// The dataset folder.
        dir: PathBuf,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `mlhc meds …`.
pub fn run(cmd: MedsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MedsCommand::Inspect { dir, json: _ } => {
            let ds = mlhc_meds::Dataset::open(&dir)?;
            let loaded = ds.load(&mlhc_meds::ReadOptions::default())?;
            let events: usize = loaded.shards.iter().map(|s| s.n_events()).sum();
            println!("{events} events");
            Ok(ExitCode::SUCCESS)
        }
    }
}
