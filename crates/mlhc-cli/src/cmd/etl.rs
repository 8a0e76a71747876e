//! `mlhc etl`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mlhc etl`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ETL configuration: a YAML file or a shipped name (`mimic-iv`, `mimic-iii`).
    #[arg(long)]
    pub config: String,
    /// The folder of raw tables.
    pub raw_dir: PathBuf,
    /// The output MEDS dataset folder.
    pub out_dir: PathBuf,
}

/// Runs `mlhc etl`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("mlhc etl is not available in this build")
}
