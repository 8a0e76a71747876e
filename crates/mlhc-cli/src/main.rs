//! `mlhc`: machine learning for health care from the command line.
//!
//! A thin shell over the mlhc library crates: it parses arguments, shows progress, prints results and
//! turns errors into one clear line and a non-zero exit code.

mod cmd;
mod pipeline;
mod ui;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Machine learning for health care: MEDS data, tasks, features, models, evaluation.
#[derive(Debug, Parser)]
#[command(name = "mlhc", version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "\
Examples:
  mlhc quickstart                                     task -> features -> model -> report on the bundled demo
  mlhc run pipelines/mimic-iv-demo-readmission.yaml   the same pipeline from a configuration file
  mlhc meds inspect testdata/mimic-iv-demo-meds       summarise a MEDS dataset
  mlhc meds validate testdata/mimic-iv-demo-meds      check every MEDS invariant
  mlhc etl --config mimic-iv RAW_DIR OUT_DIR          convert raw MIMIC-IV tables to MEDS
  mlhc synth --subjects 10000 --seed 1 OUT_DIR        generate a synthetic MEDS dataset
  mlhc cohort --config TASK.yaml MEDS_DIR -o labels.parquet   extract task labels (ACES configs)
  mlhc surv cox testdata/survival/rossi.csv --duration week --event arrest --json   Cox model
  mlhc signal detect testdata/physio/100 --json       QRS detection on MIT-BIH record 100
  mlhc nlp annotate note.txt --json                   concepts with assertions and sections
  mlhc causal estimate testdata/causal/nhefs/NHEFS.csv --treatment qsmk --outcome wt82_71 \\
      --covariates 'sex + age + I(age^2) + wt71' --drop-missing-outcome --json   an effect with a CI";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole risk pipeline on the bundled MIMIC-IV demo and write an HTML report.
    Quickstart(cmd::quickstart::Args),
    /// Run the risk pipeline from a YAML configuration on any MEDS dataset.
    Run(cmd::run::Args),
    /// Evaluate prediction files (MEDS-DEV schema) and write an HTML report and a model card.
    Report(cmd::report::Args),
    /// Inspect and validate MEDS datasets.
    #[command(subcommand)]
    Meds(cmd::meds::MedsCommand),
    /// Convert raw EHR tables (CSV, CSV.gz, Parquet) into a MEDS dataset.
    Etl(cmd::etl::Args),
    /// Generate a synthetic MEDS dataset with known risk structure.
    Synth(cmd::synth::Args),
    /// Extract labels for a prediction task (ACES config) from a MEDS dataset.
    Cohort(cmd::cohort::Args),
    /// Fit penalized logistic regression on `mlhc tabularize` output and save the model.
    Train(cmd::train::TrainArgs),
    /// Evaluate a saved model on a split of `mlhc tabularize` output, with bootstrap CIs.
    Evaluate(cmd::train::EvaluateArgs),
    /// Score new data with a saved model, rebuilding exactly its training features.
    Predict(cmd::predict::Args),
    /// Turn each subject's history at each prediction time into sparse features (MEDS-Tab semantics).
    Tabularize(cmd::tabularize::Args),
    /// Survival analysis: Kaplan-Meier, log-rank, Cox, AFT, random survival forests, metrics.
    #[command(subcommand)]
    Surv(cmd::surv::SurvCommand),
    /// Physiological signals: WFDB/EDF records, QRS detection, beat scoring, HRV.
    #[command(subcommand)]
    Signal(cmd::signal::SignalCommand),
    /// Clinical NLP: sentences, sections, concepts, ConText assertions, de-identification.
    #[command(subcommand)]
    Nlp(cmd::nlp::NlpCommand),
    /// Causal inference: treatment effects with propensity and outcome models, balance, sensitivity.
    #[command(subcommand)]
    Causal(cmd::causal::CausalCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Quickstart(a) => cmd::quickstart::run_quickstart(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Meds(c) => cmd::meds::run(c),
        Command::Etl(a) => cmd::etl::run(a),
        Command::Synth(a) => cmd::synth::run(a),
        Command::Cohort(a) => cmd::cohort::run(a),
        Command::Tabularize(a) => cmd::tabularize::run(a),
        Command::Predict(a) => cmd::predict::run(a),
        Command::Train(a) => cmd::train::train(a),
        Command::Evaluate(a) => cmd::train::evaluate_cmd(a),
        Command::Surv(c) => cmd::surv::run(c),
        Command::Signal(c) => cmd::signal::run(c),
        Command::Nlp(c) => cmd::nlp::run(c),
        Command::Causal(c) => cmd::causal::run(c),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            ui::print_error(&err);
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks over every subcommand (conflicting or duplicate flags, bad
    /// defaults), which otherwise only fire when that subcommand is first parsed.
    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
