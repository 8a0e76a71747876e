//! `mlhc train` and `mlhc evaluate`: the model and evaluation stages on `mlhc tabularize` output.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use mlhc_eval::{evaluate, EvalParams};
use mlhc_learn::cv::select_c;
use mlhc_learn::logistic::{fit, LogisticParams, Penalty};
use mlhc_learn::persist::{FeatureTransform, Model, ModelFile};
use mlhc_tab::{read_features, SplitFeatures};

use crate::ui;

/// `--penalty` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PenaltyArg {
    /// Ridge.
    L2,
    /// Lasso.
    L1,
    /// Elastic net (see --l1-ratio).
    Elasticnet,
}

/// `--transform` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TransformArg {
    /// sign(v)·ln(1+|v|) on every stored value.
    SignedLog1p,
    /// Values as they are.
    None,
}

/// Arguments of `mlhc train`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Fits penalized logistic regression (glmnet's algorithm, intercept unpenalized, features standardized
internally) on the train split of `mlhc tabularize` output. C follows scikit-learn: lambda = 1/(C n).
With several --c values, C is chosen by subject-grouped cross-validation on the train split.

Example:
  mlhc train features/ -o model.json --c 0.1,0.25,0.5,1")]
pub struct TrainArgs {
    /// The features folder written by `mlhc tabularize`.
    pub features: PathBuf,
    /// The model file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// The penalty.
    #[arg(long, value_enum, default_value_t = PenaltyArg::L2)]
    pub penalty: PenaltyArg,
    /// Inverse penalty strength(s), comma-separated; several values are chosen among by CV.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub c: Vec<f64>,
    /// The L1 share of the elastic-net penalty.
    #[arg(long, default_value_t = 0.5)]
    pub l1_ratio: f64,
    /// The split to train on.
    #[arg(long, default_value = "train")]
    pub split: String,
    /// Folds for choosing C.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the folds.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Feature transform before the model.
    #[arg(long, value_enum, default_value_t = TransformArg::SignedLog1p)]
    pub transform: TransformArg,
    /// Convergence tolerance on the optimality conditions.
    #[arg(long, default_value_t = 1e-7)]
    pub tol: f64,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

fn labelled(s: &SplitFeatures) -> anyhow::Result<(Vec<f64>, Vec<i64>)> {
    let mut y = Vec::with_capacity(s.rows.len());
    for (i, r) in s.rows.iter().enumerate() {
        match r.label {
            Some(v) => y.push(v),
            None => bail!("split {}: row {i} (subject {}) has no label", s.split, r.subject_id),
        }
    }
    Ok((y, s.rows.iter().map(|r| r.subject_id).collect()))
}

/// Runs `mlhc train`.
pub fn train(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let t = read_features(&args.features)?;
    let Some(split) = t.splits.iter().find(|s| s.split == args.split) else {
        bail!(
            "{}: no split {:?} (have {:?})",
            args.features.display(),
            args.split,
            t.splits.iter().map(|s| &s.split).collect::<Vec<_>>()
        );
    };
    let (y, subjects) = labelled(split)?;
    let transform = match args.transform {
        TransformArg::SignedLog1p => FeatureTransform::SignedLog1p,
        TransformArg::None => FeatureTransform::Identity,
    };
    let x = transform.apply(&split.matrix);
    let penalty = match args.penalty {
        PenaltyArg::L2 => Penalty::L2,
        PenaltyArg::L1 => Penalty::L1,
        PenaltyArg::Elasticnet => Penalty::ElasticNet { l1_ratio: args.l1_ratio },
    };
    let params = LogisticParams { penalty, tol: args.tol, ..LogisticParams::default() };
    let start = std::time::Instant::now();
    let (c, grid) = if args.c.len() > 1 {
        let g = select_c(&x, &y, &subjects, &params, &args.c, args.folds, args.seed)?;
        (g.best_c, Some(g))
    } else {
        (args.c[0], None)
    };
    let model = fit(&x, &y, &LogisticParams { lambda: 1.0 / (c * y.len() as f64), ..params })?;
    let seconds = start.elapsed().as_secs_f64();
    let nonzero = model.coef.iter().filter(|&&b| b != 0.0).count();
    let file = ModelFile::new(
        Model::Logistic(model),
        t.space.names.clone(),
        transform,
        serde_json::json!({"feature_space": t.space, "selected_c": c, "grid": grid, "trained_on": args.split}),
    );
    file.save(&args.output)?;
    if args.json {
        ui::print_json(&serde_json::json!({
            "rows": y.len(), "features": x.n_cols(), "c": c, "nonzero_coefficients": nonzero,
            "seconds": seconds, "output": args.output, "grid": grid,
        }))?;
    } else {
        println!(
            "trained on {} rows × {} features (C = {c}, {nonzero} non-zero coefficients) in {seconds:.2}s; wrote {}",
            y.len(),
            x.n_cols(),
            args.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `mlhc evaluate`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  mlhc evaluate model.json features/ --split held_out --json")]
pub struct EvaluateArgs {
    /// The model file.
    pub model: PathBuf,
    /// The features folder written by `mlhc tabularize` (with the model's feature space).
    pub features: PathBuf,
    /// The split to evaluate.
    #[arg(long, default_value = "held_out")]
    pub split: String,
    /// Bootstrap replicates for the CIs.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mlhc evaluate`.
pub fn evaluate_cmd(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let model = ModelFile::load(&args.model)?;
    let t = read_features(&args.features)?;
    if t.space.names != model.feature_names {
        bail!(
            "{}: its features differ from the model's; rebuild them with `mlhc predict` or the model's feature space",
            args.features.display()
        );
    }
    let Some(split) = t.splits.iter().find(|s| s.split == args.split) else {
        bail!("{}: no split {:?}", args.features.display(), args.split);
    };
    let (y, subjects) = labelled(split)?;
    let p = model.predict_proba(&split.matrix)?;
    let e =
        evaluate(&y, &p, &subjects, &EvalParams { n_boot: args.bootstrap, seed: args.seed, ..EvalParams::default() })
            .context("evaluation")?;
    if args.json {
        ui::print_json(&e)?;
    } else {
        let f = |x: &mlhc_eval::Estimate| match (x.value, x.ci_low, x.ci_high) {
            (Some(v), Some(l), Some(h)) => format!("{v:.3} (95% CI {l:.3}–{h:.3})"),
            (Some(v), _, _) => format!("{v:.3}"),
            _ => "undefined".into(),
        };
        println!("{} rows, {} subjects, {} positives ({})", e.n_rows, e.n_subjects, e.n_positive, args.split);
        println!("AUROC        {}", f(&e.auroc));
        println!("AUPRC        {}", f(&e.auprc));
        println!("Brier        {}", f(&e.brier));
        println!("log loss     {}", f(&e.log_loss));
        println!("ECE          {}", f(&e.ece));
        println!("cal. slope   {}", f(&e.calibration_slope));
    }
    Ok(ExitCode::SUCCESS)
}
