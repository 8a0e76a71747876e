//! `mlhc surv …`.

use std::process::ExitCode;

/// Subcommands of `mlhc surv`.
#[derive(Debug, clap::Subcommand)]
pub enum SurvCommand {}

/// Runs `mlhc surv …`.
pub fn run(cmd: SurvCommand) -> anyhow::Result<ExitCode> {
    match cmd {}
}
