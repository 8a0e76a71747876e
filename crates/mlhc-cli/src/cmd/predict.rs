//! `mlhc predict`: apply a saved model to new data with exactly the training features.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use mlhc_learn::persist::ModelFile;
use mlhc_tab::{tabularize_with_space, FeatureSpace, PredictionRow};

use crate::ui;

/// Arguments of `mlhc predict`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The model file (e.g. model_logistic.json or model_gbdt.json from `mlhc quickstart` or `mlhc run`) carries its feature vocabulary and
tabularization settings, so features are rebuilt exactly as in training: codes the training data did
not select are ignored, and training columns absent from the new data stay empty. Use it for external
(another site) or temporal (a later period) validation.

Output: Parquet in MEDS-DEV's prediction schema (subject_id, prediction_time, boolean_value,
predicted_boolean_value, predicted_boolean_probability).

Example:
  mlhc predict mlhc-quickstart/model_logistic.json OTHER_MEDS_DIR --labels labels.parquet -o preds.parquet")]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// The MEDS dataset to score.
    pub meds_dir: PathBuf,
    /// Prediction times (and labels, if known) in the MEDS label schema.
    #[arg(long)]
    pub labels: PathBuf,
    /// The output Parquet file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Probability at or above which `predicted_boolean_value` is true.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mlhc predict`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = ModelFile::load(&args.model)?;
    let space: FeatureSpace = serde_json::from_value(model.metadata["feature_space"].clone())
        .with_context(|| format!("{}: the model file has no mlhc feature space", args.model.display()))?;
    if space.names != model.feature_names {
        bail!("{}: feature space and model feature names disagree", args.model.display());
    }
    let labels = mlhc_meds::labels::read_labels(&args.labels)
        .with_context(|| format!("cannot read labels {}", args.labels.display()))?;
    let mut rows = Vec::with_capacity(labels.len());
    for i in 0..labels.len() {
        let Some(t) = labels.prediction_time[i] else {
            bail!("{}: label row {i} (subject {}) has no prediction_time", args.labels.display(), labels.subject_id[i]);
        };
        rows.push(PredictionRow { subject_id: labels.subject_id[i], prediction_time: t, label: None });
    }
    let ds = mlhc_meds::Dataset::open(&args.meds_dir)?;
    let t = tabularize_with_space(&ds, &rows, &space)?;
    // Rows come back grouped by split; map them to the input order.
    let mut probability = vec![f64::NAN; rows.len()];
    let mut by_key: std::collections::HashMap<(i64, i64), Vec<usize>> = std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_key.entry((r.subject_id, r.prediction_time)).or_default().push(i);
    }
    for s in &t.splits {
        let p = model.predict_proba(&s.matrix)?;
        for (r, prob) in s.rows.iter().zip(p) {
            let slot = by_key.get_mut(&(r.subject_id, r.prediction_time)).and_then(|v| v.pop());
            if let Some(i) = slot {
                probability[i] = prob;
            }
        }
    }
    if let Some(i) = probability.iter().position(|p| p.is_nan()) {
        bail!("internal error: label row {i} was not scored");
    }
    mlhc_meds::labels::write_predictions(&args.output, &labels, &probability, args.threshold)?;
    let flagged = probability.iter().filter(|&&p| p >= args.threshold).count();
    if args.json {
        ui::print_json(&serde_json::json!({
            "rows": rows.len(), "flagged": flagged, "threshold": args.threshold,
            "rows_without_subject": t.summary.rows_without_subject, "output": args.output,
        }))?;
    } else {
        println!(
            "{} rows scored ({} at or above {}), {} without events; wrote {}",
            rows.len(),
            flagged,
            args.threshold,
            t.summary.rows_without_subject,
            args.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
