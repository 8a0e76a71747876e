//! `mlhc synth`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mlhc synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of subjects.
    #[arg(long)]
    pub subjects: usize,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The output MEDS dataset folder.
    pub out_dir: PathBuf,
}

/// Runs `mlhc synth`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("mlhc synth is not available in this build")
}
