//! `mlhc surv km|logrank|cox|aft|rsf|evaluate`: survival analysis on CSV, CSV.gz, TSV or Parquet tables.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use mlhc_frame::Frame;
use mlhc_surv::{
    holdout, logrank_test, random_split, AftFamily, AftParams, CoxData, CoxParams, EvalSpec, KaplanMeier, Model, Roles,
    SurvivalTable, Ties, TimeTransform,
};
use serde_json::json;

use crate::ui;

/// Subcommands of `mlhc surv`.
#[derive(Debug, clap::Subcommand)]
pub enum SurvCommand {
    /// Kaplan–Meier survival per group: S(t) with log(−log) 95% intervals at given times (and the
    /// Nelson–Aalen cumulative hazard), and the median with its interval.
    #[command(after_help = "Example:\n  mlhc surv km testdata/survival/waltons_dataset.csv --duration T --event E \
--group group --at 20,40,60 --json")]
    Km {
        #[command(flatten)]
        input: Input,
        /// A column whose values define the groups (numeric or text). By default, one curve.
        #[arg(long)]
        group: Option<String>,
        /// Comma-separated times at which to report S(t). By default, every distinct event time.
        #[arg(long, value_delimiter = ',')]
        at: Vec<f64>,
        /// Interval miscoverage. By default, 0.05 (95% intervals).
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Also report the restricted mean survival time up to this horizon (with its standard error).
        /// By default, none.
        #[arg(long)]
        rmst: Option<f64>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Log-rank test of equal survival across groups (two or more), optionally stratified.
    #[command(
        after_help = "Example:\n  mlhc surv logrank testdata/survival/waltons_dataset.csv --duration T --event E \
--group group --json"
    )]
    Logrank {
        #[command(flatten)]
        input: Input,
        /// The column whose values define the groups.
        #[arg(long)]
        group: String,
        /// A column whose values define strata (risk sets are formed within each). By default, none.
        #[arg(long)]
        strata: Option<String>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cox proportional-hazards regression (lifelines' CoxPHFitter and R's coxph estimates).
    #[command(after_help = "Without --covariates every other numeric column is a covariate; text columns named in \
--covariates are one-hot encoded with the first sorted level as reference.\n\nExample:\n  mlhc surv cox \
testdata/survival/rossi.csv --duration week --event arrest --json")]
    Cox {
        #[command(flatten)]
        input: Input,
        /// Comma-separated covariate columns. By default, every numeric column not used otherwise.
        #[arg(long, value_delimiter = ',')]
        covariates: Option<Vec<String>>,
        /// A column whose values define strata (each with its own baseline hazard). By default, none.
        #[arg(long)]
        strata: Option<String>,
        /// Ties handling. By default, efron.
        #[arg(long, value_enum, default_value_t = TiesArg::Efron)]
        ties: TiesArg,
        /// A column of case weights (> 0). By default, all 1.
        #[arg(long)]
        weights: Option<String>,
        /// A column of cluster ids: standard errors become cluster-robust. By default, none.
        #[arg(long)]
        cluster: Option<String>,
        /// A column of entry (start) times for start-stop data: each row is at risk on (entry, duration].
        /// By default, every row is at risk from 0.
        #[arg(long)]
        entry: Option<String>,
        /// Robust (sandwich) standard errors, each row its own cluster. By default, off.
        #[arg(long)]
        robust: bool,
        /// Penalty strength λ: maximizes ℓ(β) − n·λ·(r·Σ|β·sd| + (1 − r)/2·Σ(β·sd)²), sd the sample
        /// standard deviation (r = 0: lifelines' penalizer; r > 0: scikit-survival's
        /// CoxnetSurvivalAnalysis alpha on standardized covariates, with exact zeros). By default, 0.
        #[arg(long, default_value_t = 0.0)]
        penalizer: f64,
        /// The L1 share r of the penalty, in [0, 1]. By default, 0 (ridge).
        #[arg(long, default_value_t = 0.0)]
        l1_ratio: f64,
        /// Interval miscoverage. By default, 0.05 (95% intervals).
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Write each row's predicted survival S(t | x) at these times (start:stop:step or t1,t2,…) to
        /// --predict-out, one CSV line per fitted row. By default, no predictions.
        #[arg(long, requires = "predict_out")]
        predict_times: Option<String>,
        /// The CSV file for --predict-times (written to a temporary file, then renamed into place).
        #[arg(long, requires = "predict_times")]
        predict_out: Option<PathBuf>,
        /// Predict for the rows of this table instead of the fitted ones (same covariate columns; text
        /// covariates must have the same levels). Rows with missing covariates are an error. By default,
        /// the fitted table.
        #[arg(long, requires = "predict_times")]
        predict_data: Option<PathBuf>,
        /// Also test proportional hazards per covariate (scaled Schoenfeld residuals against transformed
        /// time, lifelines' proportional_hazard_test). By default, no test.
        #[arg(long, value_enum)]
        ph_test: Option<TransformArg>,
        /// Rows per predicted chunk; memory for predictions is bounded by chunk × times. By default, 65536.
        #[arg(long, default_value_t = 65_536)]
        chunk_rows: usize,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Parametric accelerated-failure-time regression (lifelines' WeibullAFTFitter, LogNormalAFTFitter,
    /// LogLogisticAFTFitter estimates).
    #[command(after_help = "Durations must be > 0. Parameters are named as lifelines names them: the location \
block (lambda_ / mu_ / alpha_) with its Intercept, then the shape intercept (rho_ = log(1/sigma), \
sigma_ = log sigma, beta_ = log(1/sigma)).\n\nExample:\n  mlhc surv aft testdata/survival/rossi.csv \
--duration week --event arrest --family weibull --json")]
    Aft {
        #[command(flatten)]
        input: Input,
        /// Comma-separated covariate columns. By default, every numeric column not used otherwise.
        #[arg(long, value_delimiter = ',')]
        covariates: Option<Vec<String>>,
        /// The distribution of the survival time. By default, weibull.
        #[arg(long, value_enum, default_value_t = FamilyArg::Weibull)]
        family: FamilyArg,
        /// Interval miscoverage. By default, 0.05 (95% intervals).
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Random survival forest (log-rank splits): fits on the table and writes each row's risk score
    /// (the forest's summed cumulative hazard; higher = earlier event) for the table or --predict-data.
    #[command(after_help = "For a hold-out evaluation of the forest use `mlhc surv evaluate --model rsf`.\n\n\
Example:\n  mlhc surv rsf testdata/survival/rossi.csv --duration week --event arrest --trees 200 \
--risk-out risk.csv --json")]
    Rsf {
        #[command(flatten)]
        input: Input,
        /// Comma-separated covariate columns. By default, every numeric column not used otherwise.
        #[arg(long, value_delimiter = ',')]
        covariates: Option<Vec<String>>,
        /// Trees. By default, 100.
        #[arg(long, default_value_t = 100)]
        trees: usize,
        /// Minimum samples per leaf. By default, 3.
        #[arg(long, default_value_t = 3)]
        min_samples_leaf: usize,
        /// Features tried per split. By default, the square root of the number of covariates.
        #[arg(long)]
        max_features: Option<usize>,
        /// Seed (tree t draws from stream t, so results do not depend on the thread count). By default, 0.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Score the rows of this table instead of the fitted ones (same covariates and text levels).
        #[arg(long)]
        predict_data: Option<PathBuf>,
        /// Write `row,risk` lines here (a temporary file renamed into place). By default, no file.
        #[arg(long)]
        risk_out: Option<PathBuf>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Hold-out evaluation: fit on the training rows, then Harrell's C, Uno's C, Brier scores with the
    /// integrated Brier score (IPCW), and the cumulative/dynamic AUC on the test rows.
    #[command(after_help = "The split is a column of train/test values (--split-column) or a seeded random \
split (--test-fraction, --seed). Metric conventions follow scikit-survival 0.23: the censoring distribution is \
estimated on the training rows and every time must lie inside the test follow-up.\n\nExample:\n  mlhc surv \
evaluate testdata/survival/support2_cc.csv.gz --duration d.time --event death --covariates \
age,sex,num.co,diabetes,dementia,ca,meanbp,hrt,resp,temp,wblc,sod,crea --split-column split --model cox \
--brier-grid 30:1800:30 --auc-times 365,730,1095 --json")]
    Evaluate {
        #[command(flatten)]
        input: Input,
        /// Comma-separated covariate columns. By default, every numeric column not used otherwise.
        #[arg(long, value_delimiter = ',')]
        covariates: Option<Vec<String>>,
        /// The model. By default, cox (Efron ties).
        #[arg(long, value_enum, default_value_t = ModelArg::Cox)]
        model: ModelArg,
        /// A column holding "train" or "test" per row. By default, a seeded random split.
        #[arg(long)]
        split_column: Option<String>,
        /// Share of rows in the test set of the random split. By default, 0.3.
        #[arg(long, default_value_t = 0.3)]
        test_fraction: f64,
        /// Seed of the random split and of the bootstrap. By default, 0.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Brier-score times as start:stop:step (inclusive) or a comma-separated list. By default, none.
        #[arg(long)]
        brier_grid: Option<String>,
        /// Comma-separated times for the cumulative/dynamic AUC. By default, none.
        #[arg(long, value_delimiter = ',')]
        auc_times: Vec<f64>,
        /// Bootstrap resamples of the test rows for 95% percentile intervals of Harrell's and Uno's C.
        /// By default, 0 (no intervals).
        #[arg(long, default_value_t = 0)]
        bootstrap: usize,
        /// Uno's C counts events before this time only (needed when every training subject still at
        /// risk is censored at the last time). By default, no truncation.
        #[arg(long)]
        uno_tau: Option<f64>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `--model`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModelArg {
    /// Cox proportional hazards (Efron ties).
    Cox,
    /// Weibull AFT.
    Weibull,
    /// Log-normal AFT.
    LogNormal,
    /// Log-logistic AFT.
    LogLogistic,
    /// Random survival forest (100 trees, log-rank splits, at least 15 samples per leaf, seeded by --seed).
    Rsf,
}

/// `--ph-test`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TransformArg {
    /// g(t) = t.
    Identity,
    /// g(t) = log t.
    Log,
    /// g(t) = 1 − Kaplan–Meier S(t).
    Km,
}

/// `--family`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FamilyArg {
    /// Weibull: S(t) = exp(-(t/lambda)^rho).
    Weibull,
    /// Log-normal: log T normal.
    LogNormal,
    /// Log-logistic: S(t) = 1 / (1 + (t/alpha)^beta).
    LogLogistic,
}

/// The table and its duration and event columns.
#[derive(Debug, clap::Args)]
pub struct Input {
    /// The table: .csv, .csv.gz, .tsv, .tsv.gz or .parquet.
    data: PathBuf,
    /// The column of times to event or censoring.
    #[arg(long)]
    duration: String,
    /// The column of event indicators: 0/1 or true/false.
    #[arg(long)]
    event: String,
    /// Drop rows with a missing value in any used column (their number is reported). By default, a
    /// missing value is an error naming its column and row.
    #[arg(long)]
    dropna: bool,
}

/// `--ties`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TiesArg {
    /// Efron's approximation.
    Efron,
    /// Breslow's approximation.
    Breslow,
}

/// Runs `mlhc surv …`.
pub fn run(cmd: SurvCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SurvCommand::Km { input, group, at, alpha, rmst, json } => km(&input, group, &at, alpha, rmst, json),
        SurvCommand::Logrank { input, group, strata, json } => logrank(&input, group, strata, json),
        SurvCommand::Aft { input, covariates, family, alpha, json } => {
            let roles = Roles { covariates, ..roles(&input) };
            let family = match family {
                FamilyArg::Weibull => AftFamily::Weibull,
                FamilyArg::LogNormal => AftFamily::LogNormal,
                FamilyArg::LogLogistic => AftFamily::LogLogistic,
            };
            aft(&input.data, &roles, &AftParams { family, alpha, ..AftParams::default() }, json)
        }
        SurvCommand::Rsf {
            input,
            covariates,
            trees,
            min_samples_leaf,
            max_features,
            seed,
            predict_data,
            risk_out,
            json,
        } => {
            let roles = Roles { covariates, ..roles(&input) };
            let t = load(&input.data, &roles)?;
            let p = t.names.len();
            let params = mlhc_surv::RsfParams {
                n_trees: trees,
                min_samples_leaf,
                max_features,
                seed,
                ..mlhc_surv::RsfParams::default()
            };
            let forest = params.fit(&t.x, p, &t.durations, &t.events).context("cannot grow the forest")?;
            let train_risk = forest.predict_risk(&t.x)?;
            let train_c = mlhc_surv::harrell_c(&t.durations, &t.events, &train_risk)?.c_index;
            let risk = match &predict_data {
                None => train_risk,
                Some(path) => {
                    let frame = Frame::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                    let cols: Vec<&str> = match &roles.covariates {
                        Some(c) => c.iter().map(String::as_str).collect(),
                        None => t.names.iter().map(String::as_str).collect(),
                    };
                    let design = frame.design(&cols).with_context(|| format!("cannot use {}", path.display()))?;
                    if design.names != t.names {
                        bail!(
                            "{} gives covariates [{}] but the forest has [{}] (text levels must match)",
                            path.display(),
                            design.names.join(", "),
                            t.names.join(", ")
                        );
                    }
                    forest.predict_risk(&design.values)?
                }
            };
            if let Some(out) = &risk_out {
                write_rows(out, "risk", &risk).with_context(|| format!("cannot write {}", out.display()))?;
            }
            let summary = json!({
                "n": t.n_rows(),
                "n_events": t.events.iter().filter(|&&e| e).count(),
                "n_dropped": t.n_dropped,
                "covariates": t.names,
                "trees": trees,
                "train_concordance": train_c,
                "n_scored": risk.len(),
            });
            if json {
                ui::print_json(&summary)?;
            } else {
                println!(
                    "random survival forest: {} trees on {} rows ({} events); training Harrell's C {:.6}; {} rows scored",
                    trees,
                    t.n_rows(),
                    summary["n_events"],
                    train_c,
                    risk.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SurvCommand::Evaluate {
            input,
            covariates,
            model,
            split_column,
            test_fraction,
            seed,
            brier_grid,
            auc_times,
            uno_tau,
            bootstrap,
            json,
        } => {
            let mut roles = Roles { covariates, ..roles(&input) };
            if let Some(c) = &split_column {
                roles.group = Some(c.clone());
            }
            let t = load(&input.data, &roles)?;
            let is_test = match &t.group {
                Some(labels) => {
                    let col = split_column.as_deref().unwrap_or_default();
                    for level in &labels.levels {
                        if level != "train" && level != "test" {
                            bail!("split column {col:?} holds {level:?}; expected train or test");
                        }
                    }
                    labels.codes.iter().map(|&c| labels.levels[c] == "test").collect()
                }
                None => random_split(t.n_rows(), test_fraction, seed)?,
            };
            let brier_times = match &brier_grid {
                Some(g) => parse_grid(g).with_context(|| format!("--brier-grid {g}"))?,
                None => Vec::new(),
            };
            let model = match model {
                ModelArg::Cox => Model::Cox(CoxParams::default()),
                ModelArg::Weibull => Model::Aft(AftParams::default()),
                ModelArg::LogNormal => Model::Aft(AftParams { family: AftFamily::LogNormal, ..AftParams::default() }),
                ModelArg::Rsf => {
                    Model::Rsf(mlhc_surv::RsfParams { min_samples_leaf: 15, seed, ..mlhc_surv::RsfParams::default() })
                }
                ModelArg::LogLogistic => {
                    Model::Aft(AftParams { family: AftFamily::LogLogistic, ..AftParams::default() })
                }
            };
            let spec = EvalSpec { brier_times, auc_times, uno_tau, bootstrap, seed, ..EvalSpec::default() };
            let e = holdout(&t, &is_test, &model, &spec).context("cannot evaluate")?;
            if json {
                ui::print_json(&e)?;
            } else {
                println!("train {} rows, test {} rows", e.n_train, e.n_test);
                let ci = |c: Option<[f64; 2]>| c.map_or(String::new(), |[a, b]| format!(" (95% CI {a:.4} .. {b:.4})"));
                println!("Harrell's C  {:.6}{}", e.harrell_c, ci(e.harrell_c_ci));
                println!("Uno's C      {:.6}{}", e.uno_c, ci(e.uno_c_ci));
                if let Some(b) = &e.brier {
                    println!(
                        "IBS          {:.6} (times {} .. {})",
                        b.integrated,
                        b.times[0],
                        b.times[b.times.len() - 1]
                    );
                }
                if let Some(a) = &e.auc {
                    for (t, v) in a.times.iter().zip(&a.auc) {
                        println!("AUC({t})     {v:.6}");
                    }
                    println!("mean AUC     {:.6}", a.mean_auc);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SurvCommand::Cox {
            input,
            covariates,
            strata,
            ties,
            weights,
            cluster,
            entry,
            robust,
            penalizer,
            l1_ratio,
            alpha,
            predict_times,
            predict_out,
            predict_data,
            ph_test,
            chunk_rows,
            json,
        } => {
            let roles = Roles { covariates, strata, weights, cluster, entry, ..roles(&input) };
            let ties = match ties {
                TiesArg::Efron => Ties::Efron,
                TiesArg::Breslow => Ties::Breslow,
            };
            let params = CoxParams { ties, robust, alpha, penalizer, l1_ratio, ..CoxParams::default() };
            let predict = match (predict_times, predict_out) {
                (Some(times), Some(out)) => {
                    let grid = parse_grid(&times).with_context(|| format!("--predict-times {times}"))?;
                    Some(Predict { grid, out, chunk_rows, data: predict_data })
                }
                _ => None,
            };
            let ph_test = ph_test.map(|t| match t {
                TransformArg::Identity => TimeTransform::Identity,
                TransformArg::Log => TimeTransform::Log,
                TransformArg::Km => TimeTransform::KaplanMeier,
            });
            cox(&input.data, &roles, &params, predict.as_ref(), ph_test, json)
        }
    }
}

fn roles(input: &Input) -> Roles {
    Roles {
        duration: input.duration.clone(),
        event: input.event.clone(),
        covariates: Some(Vec::new()),
        drop_incomplete: input.dropna,
        ..Roles::default()
    }
}

fn load(path: &Path, roles: &Roles) -> anyhow::Result<SurvivalTable> {
    let frame = Frame::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    SurvivalTable::from_frame(&frame, roles).with_context(|| format!("cannot use {}", path.display()))
}

/// A JSON number, or null for an infinite or undefined value.
fn num(v: f64) -> serde_json::Value {
    if v.is_finite() {
        json!(v)
    } else {
        serde_json::Value::Null
    }
}

fn km(
    input: &Input,
    group: Option<String>,
    at: &[f64],
    alpha: f64,
    rmst: Option<f64>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let roles = Roles { group, ..roles(input) };
    let t = load(&input.data, &roles)?;
    let (codes, levels) = match &t.group {
        Some(g) => (g.codes.clone(), g.levels.iter().map(|l| json!(l)).collect()),
        None => (vec![0; t.n_rows()], vec![serde_json::Value::Null]),
    };
    let mut groups = Vec::new();
    for (code, level) in levels.into_iter().enumerate() {
        let rows: Vec<usize> = (0..t.n_rows()).filter(|&i| codes[i] == code).collect();
        let d: Vec<f64> = rows.iter().map(|&i| t.durations[i]).collect();
        let e: Vec<bool> = rows.iter().map(|&i| t.events[i]).collect();
        let fit = KaplanMeier::fit(&d, &e, alpha).with_context(|| format!("group {level}"))?;
        let na = mlhc_surv::NelsonAalen::fit(&d, &e, alpha).with_context(|| format!("group {level}"))?;
        let times: Vec<f64> = if at.is_empty() {
            fit.table.iter().filter(|r| r.events > 0).map(|r| r.time).collect()
        } else {
            at.to_vec()
        };
        let points: Vec<_> = times
            .iter()
            .map(|&time| {
                let p = fit.at(time);
json!({"time": time, "survival": p.survival, "ci_low": p.ci_low, "ci_high": p.ci_high, "at_risk": p.at_risk,
                       "cumulative_hazard": na.cumulative_hazard_at(time)})
            })
            .collect();
        let m = fit.median();
        let rmst = match rmst {
            Some(tau) => {
                let r = mlhc_surv::restricted_mean(&fit, tau).context("--rmst")?;
                json!({"tau": r.tau, "estimate": r.estimate, "se": r.variance.sqrt()})
            }
            None => serde_json::Value::Null,
        };
        groups.push(json!({
            "rmst": rmst,
            "group": level,
            "n": fit.n,
            "n_events": fit.n_events,
            "median": m.median,
            "median_ci_low": m.ci_low,
            "median_ci_high": m.ci_high,
            "at": points,
        }));
    }
    let out = json!({"alpha": alpha, "n_dropped": t.n_dropped, "groups": groups});
    if as_json {
        ui::print_json(&out)?;
    } else {
        for g in &groups {
            let name = g["group"].as_str().unwrap_or("all");
            let show = |v: &serde_json::Value| v.as_f64().map_or("not reached".to_string(), |x| format!("{x}"));
            println!(
                "{name}: n {} events {} median {} ({:.0}% CI {} .. {})",
                g["n"],
                g["n_events"],
                show(&g["median"]),
                100.0 * (1.0 - alpha),
                show(&g["median_ci_low"]),
                show(&g["median_ci_high"])
            );
            if let Some(r) = g["rmst"].as_object() {
                println!(
                    "  RMST up to {}: {:.6} (se {:.6})",
                    r["tau"],
                    r["estimate"].as_f64().unwrap_or(f64::NAN),
                    r["se"].as_f64().unwrap_or(f64::NAN)
                );
            }
            println!("  {:>10} {:>9} {:>9} {:>9} {:>8}", "time", "S(t)", "low", "high", "at risk");
            for p in g["at"].as_array().into_iter().flatten() {
                println!(
                    "  {:>10} {:>9.6} {:>9.6} {:>9.6} {:>8}",
                    p["time"].as_f64().unwrap_or(f64::NAN),
                    p["survival"].as_f64().unwrap_or(f64::NAN),
                    p["ci_low"].as_f64().unwrap_or(f64::NAN),
                    p["ci_high"].as_f64().unwrap_or(f64::NAN),
                    p["at_risk"]
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn logrank(input: &Input, group: String, strata: Option<String>, as_json: bool) -> anyhow::Result<ExitCode> {
    let roles = Roles { group: Some(group), strata, ..roles(input) };
    let t = load(&input.data, &roles)?;
    let g = t.group.as_ref().context("the group column is resolved")?;
    let s = t.strata.as_ref().map(|s| s.codes.as_slice());
    let lr = logrank_test(&t.durations, &t.events, &g.codes, s).context("log-rank test")?;
    let groups: Vec<_> = lr
        .groups
        .iter()
        .enumerate()
        .map(|(k, &code)| json!({"group": g.levels[code], "observed": lr.observed[k], "expected": lr.expected[k]}))
        .collect();
    let out = json!({
        "statistic": lr.statistic,
        "df": lr.df,
        "p": lr.p_value,
        "n": t.n_rows(),
        "n_dropped": t.n_dropped,
        "groups": groups,
    });
    if as_json {
        ui::print_json(&out)?;
    } else {
        println!("log-rank chi2 {:.6} on {} df, p = {:.4e}", lr.statistic, lr.df, lr.p_value);
        for row in &groups {
            println!(
                "  {:<20} observed {:>8} expected {:>10.3}",
                row["group"].as_str().unwrap_or(""),
                row["observed"],
                row["expected"].as_f64().unwrap_or(f64::NAN)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where and on which grid to write predicted survival curves.
struct Predict {
    grid: Vec<f64>,
    out: PathBuf,
    chunk_rows: usize,
    data: Option<PathBuf>,
}

/// Streams `S(t | x)` for every row of `x`, chunk by chunk, to a CSV written beside `out` and renamed
/// into place.
fn write_curves(
    model: &mlhc_surv::CoxModel,
    x: &[f64],
    strata: Option<&[usize]>,
    predict: &Predict,
) -> anyhow::Result<()> {
    use std::io::Write;
    let curves = model.survival_curves(x, strata, &predict.grid, predict.chunk_rows).context("cannot predict")?;
    let mut tmp = predict.out.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let header: Vec<String> = predict.grid.iter().map(|t| format!("S({t})")).collect();
    writeln!(w, "row,{}", header.join(","))?;
    let g = predict.grid.len();
    let mut row = 0usize;
    for chunk in curves {
        for curve in chunk.chunks(g.max(1)) {
            write!(w, "{row}")?;
            for s in curve {
                write!(w, ",{s}")?;
            }
            writeln!(w)?;
            row += 1;
        }
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, &predict.out).with_context(|| format!("cannot rename {} into place", tmp.display()))?;
    Ok(())
}

fn cox(
    path: &Path,
    roles: &Roles,
    params: &CoxParams,
    predict: Option<&Predict>,
    ph_test: Option<TimeTransform>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let t = load(path, roles)?;
    if t.names.is_empty() {
        bail!("no covariates: name them with --covariates or give the table numeric columns besides the duration and event");
    }
    let data = CoxData {
        x: &t.x,
        names: &t.names,
        durations: &t.durations,
        events: &t.events,
        strata: t.strata.as_ref().map(|s| s.codes.as_slice()),
        weights: t.weights.as_deref(),
        clusters: t.clusters.as_ref().map(|c| c.codes.as_slice()),
        entries: t.entries.as_deref(),
    };
    let model = params.fit(&data).context("cannot fit the Cox model")?;
    if let Some(predict) = predict {
        match &predict.data {
            None => write_curves(&model, &t.x, data.strata, predict),
            Some(path) => {
                // Only the covariates (and strata) matter for prediction.
                let frame = Frame::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                let refs: Vec<&str> = roles.covariates.iter().flatten().map(String::as_str).collect();
                let cols: Vec<&str> =
                    if roles.covariates.is_some() { refs } else { model.names.iter().map(String::as_str).collect() };
                let design = frame.design(&cols).with_context(|| format!("cannot use {}", path.display()))?;
                if design.names != model.names {
                    bail!(
                        "{} gives covariates [{}] but the model has [{}] (text levels must match)",
                        path.display(),
                        design.names.join(", "),
                        model.names.join(", ")
                    );
                }
                let strata_codes = match (&roles.strata, &t.strata) {
                    (Some(col), Some(fitted)) => {
                        let new =
                            mlhc_surv::labels(&frame, col).with_context(|| format!("cannot use {}", path.display()))?;
                        let codes = new
                            .codes
                            .iter()
                            .map(|&c| {
                                let level = &new.levels[c];
                                fitted.levels.iter().position(|l| l == level).with_context(|| {
                                    format!("stratum {level:?} in {} was not in the fitted data", path.display())
                                })
                            })
                            .collect::<anyhow::Result<Vec<usize>>>()?;
                        Some(codes)
                    }
                    _ => None,
                };
                write_curves(&model, &design.values, strata_codes.as_deref(), predict)
            }
        }
        .with_context(|| format!("cannot write {}", predict.out.display()))?;
    }
    let coefficients: Vec<_> = model
        .summary()
        .into_iter()
        .map(|c| {
            json!({"name": c.name, "coef": c.coef, "se": c.se, "z": num(c.z), "p": num(c.p),
                   "ci_low": c.ci_low, "ci_high": c.ci_high})
        })
        .collect();
    let ph = match ph_test {
        Some(transform) => Some(
            model
                .proportional_hazards_test(&t.x, &t.durations, &t.events, data.strata, transform)
                .context("proportional-hazards test")?,
        ),
        None => None,
    };
    let mut out = json!({
        "coefficients": coefficients,
        "concordance": model.concordance,
        "log_likelihood": model.log_likelihood,
        "log_likelihood_null": model.null_log_likelihood,
        "n": model.n,
        "n_events": model.n_events,
        "n_dropped": t.n_dropped,
        "ties": format!("{:?}", model.ties).to_lowercase(),
        "robust": model.robust,
        "penalizer": params.penalizer,
        "l1_ratio": params.l1_ratio,
        "strata": t.strata.as_ref().map(|s| s.levels.clone()),
        "iterations": model.iterations,
    });
    if let Some(ph) = &ph {
        let rows: Vec<_> = (0..ph.names.len())
            .map(|j| json!({"name": ph.names[j], "statistic": ph.statistic[j], "p": ph.p_value[j]}))
            .collect();
        out["ph_test"] = json!({"transform": format!("{:?}", ph.transform).to_lowercase(), "tests": rows});
    }
    if as_json {
        ui::print_json(&out)?;
    } else {
        println!(
            "Cox PH ({} ties{}): n {} events {} log-likelihood {:.6} concordance {}",
            out["ties"].as_str().unwrap_or(""),
            if model.robust { ", robust SEs" } else { "" },
            model.n,
            model.n_events,
            model.log_likelihood,
            model.concordance.map_or("-".to_string(), |c| format!("{c:.6}"))
        );
        let level = 100.0 * (1.0 - params.alpha);
        println!(
            "  {:<24} {:>10} {:>10} {:>10} {:>8} {:>10} {:>10}",
            "covariate",
            "coef",
            "exp(coef)",
            "se",
            "p",
            format!("{level:.0}% low"),
            "high"
        );
        for c in model.summary() {
            println!(
                "  {:<24} {:>10.6} {:>10.6} {:>10.6} {:>8.4} {:>10.6} {:>10.6}",
                c.name,
                c.coef,
                c.coef.exp(),
                c.se,
                c.p,
                c.ci_low,
                c.ci_high
            );
        }
        if t.n_dropped > 0 {
            println!("  ({} rows with missing values dropped)", t.n_dropped);
        }
        if let Some(ph) = &ph {
            println!("proportional-hazards test ({:?} time), chi2 on 1 df:", ph.transform);
            for j in 0..ph.names.len() {
                println!("  {:<24} {:>10.4} p {:.4}", ph.names[j], ph.statistic[j], ph.p_value[j]);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn aft(path: &Path, roles: &Roles, params: &AftParams, as_json: bool) -> anyhow::Result<ExitCode> {
    let t = load(path, roles)?;
    let model = params.fit(&t.x, &t.names, &t.durations, &t.events).context("cannot fit the AFT model")?;
    let rows = model.summary();
    let coefficients: Vec<_> = rows
        .iter()
        .map(|c| {
            json!({"param": c.param, "name": c.name, "coef": c.coef, "se": c.se, "z": num(c.z), "p": num(c.p),
                   "ci_low": c.ci_low, "ci_high": c.ci_high})
        })
        .collect();
    let out = json!({
        "family": format!("{:?}", model.family).to_lowercase(),
        "coefficients": coefficients,
        "log_likelihood": model.log_likelihood,
        "concordance": model.concordance,
        "n": model.n,
        "n_events": model.n_events,
        "n_dropped": t.n_dropped,
        "iterations": model.iterations,
    });
    if as_json {
        ui::print_json(&out)?;
    } else {
        println!(
            "{} AFT: n {} events {} log-likelihood {:.6} concordance {:.6}",
            out["family"].as_str().unwrap_or(""),
            model.n,
            model.n_events,
            model.log_likelihood,
            model.concordance
        );
        println!("  {:<8} {:<24} {:>10} {:>10} {:>8}", "param", "covariate", "coef", "se", "p");
        for c in &rows {
            println!("  {:<8} {:<24} {:>10.6} {:>10.6} {:>8.4}", c.param, c.name, c.coef, c.se, c.p);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `start:stop:step` (stop included when it falls on the grid) or `t1,t2,…`.
fn parse_grid(text: &str) -> anyhow::Result<Vec<f64>> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() == 3 {
        let v: Vec<f64> = parts.iter().map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>()?;
        let (start, stop, step) = (v[0], v[1], v[2]);
        if step.is_nan() || step <= 0.0 || stop.is_nan() || stop < start {
            bail!("expected start <= stop and step > 0");
        }
        let n = ((stop - start) / step + 1e-9).floor() as usize;
        return Ok((0..=n).map(|k| start + step * k as f64).collect());
    }
    Ok(text.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>()?)
}

/// Writes `row,<name>` lines to a temporary file beside `out`, then renames it into place.
fn write_rows(out: &Path, name: &str, values: &[f64]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut tmp = out.to_path_buf().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
    );
    writeln!(w, "row,{name}")?;
    for (i, v) in values.iter().enumerate() {
        writeln!(w, "{i},{v}")?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot rename {} into place", tmp.display()))?;
    Ok(())
}
