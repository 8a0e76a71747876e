//! `mlhc signal …`.

use std::process::ExitCode;

/// Subcommands of `mlhc signal`.
#[derive(Debug, clap::Subcommand)]
pub enum SignalCommand {}

/// Runs `mlhc signal …`.
pub fn run(cmd: SignalCommand) -> anyhow::Result<ExitCode> {
    match cmd {}
}
