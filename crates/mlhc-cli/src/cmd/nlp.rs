//! `mlhc nlp …`.

use std::process::ExitCode;

/// Subcommands of `mlhc nlp`.
#[derive(Debug, clap::Subcommand)]
pub enum NlpCommand {}

/// Runs `mlhc nlp …`.
pub fn run(cmd: NlpCommand) -> anyhow::Result<ExitCode> {
    match cmd {}
}
