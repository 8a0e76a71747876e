//! `mlhc causal …`.

use std::process::ExitCode;

/// Subcommands of `mlhc causal`.
#[derive(Debug, clap::Subcommand)]
pub enum CausalCommand {}

/// Runs `mlhc causal …`.
pub fn run(cmd: CausalCommand) -> anyhow::Result<ExitCode> {
    match cmd {}
}
