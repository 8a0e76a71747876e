//! `mlhc surv km|logrank|cox|aft|rsf|evaluate`: survival analysis on CSV, CSV.gz, TSV or Parquet tables.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use mlhc_frame::Frame;
use mlhc_surv::{
    holdout, logrank_test, random_split, AftFamily, AftParams, CoxData, CoxParams, EvalSpec, KaplanMeier, Model, Roles,
    SparseCoxData, SparseCoxParams, SurvivalTable, Ties, TimeTransform,
};
use serde_json::json;

use crate::ui;

/// Subcommands of `mlhc surv`.
#[derive(Debug, clap::Subcommand)]
pub enum SurvCommand {
    /// Survival labels from a MEDS dataset: per subject, the first index-code event is the prediction
    /// time; the first event-code event after it (within the horizon) is the event; otherwise the
    /// subject is censored at its last event or at the horizon. Writes the MEDS label schema with
    /// float_value = days to event or censoring and boolean_value = event observed.
    #[command(after_help = "A code ending in * is a prefix. Subjects without an index event, or with the event \
at or before the index, get no row (both are counted). Uses subject_id, time and code (text values are not read). Feed the labels to \
`mlhc tabularize DATA --labels L.parquet -o FEATURES`, then `mlhc surv cox --features FEATURES --labels \
L.parquet`.\n\nExample:\n  mlhc surv labels MEDS_DIR --index-code 'HOSPITAL_ADMISSION//*' --event-code \
MEDS_DEATH --horizon 365 -o surv_labels.parquet --json")]
    Labels {
        /// The MEDS dataset directory.
        data: PathBuf,
        /// The index code (prediction time = its first timed occurrence); `PREFIX*` matches a prefix.
        #[arg(long)]
        index_code: String,
        /// The event code; `PREFIX*` matches a prefix.
        #[arg(long)]
        event_code: String,
        /// Administrative censoring, in days after the index. By default, none (censoring at the
        /// subject's last event).
        #[arg(long)]
        horizon: Option<f64>,
        /// The label Parquet file to write.
        #[arg(short, long)]
        out: PathBuf,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// A self-contained HTML survival report: Kaplan-Meier curves by group with 95% bands and, with
    /// --horizon, calibration of a Cox model at the horizon (predicted vs Kaplan-Meier survival by
    /// risk decile).
    #[command(after_help = "The Cox model for calibration uses --covariates (by default every numeric column \
not used otherwise) and is fitted and assessed on the same rows (apparent calibration).\n\nExample:\n  mlhc surv \
report testdata/survival/rossi.csv --duration week --event arrest --group fin --horizon 52 --out report_dir")]
    Report {
        #[command(flatten)]
        input: Input,
        /// A column whose values define the Kaplan-Meier groups. By default, one curve.
        #[arg(long)]
        group: Option<String>,
        /// Comma-separated covariate columns for the calibration model. By default, every numeric
        /// column not used otherwise.
        #[arg(long, value_delimiter = ',')]
        covariates: Option<Vec<String>>,
        /// Time at which to assess calibration. By default, no calibration plot.
        #[arg(long)]
        horizon: Option<f64>,
        /// Risk groups for calibration. By default, 10 (deciles).
        #[arg(long, default_value_t = 10)]
        bins: usize,
        /// The output directory (created); the report is DIR/survival_report.html.
        #[arg(long)]
        out: PathBuf,
    },
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
--covariates are one-hot encoded with the first sorted level as reference.\n\nOn EHR data, give --features (an \
`mlhc tabularize` output) and --labels (survival labels from `mlhc surv labels`) instead of DATA, --duration and \
--event: rows join on (subject_id, prediction_time), rows that do not join are an error (or, with \
--drop-unjoined, dropped and counted), and sparse columns become dense covariates when stored in at least \
--min-nonzero rows (constant and duplicate columns dropped; at most --max-columns, since a dense fit costs \
O(n p^2) per step).\n\nWide designs: with --features and --penalizer > 0, when more than --max-columns columns \
are stored in at least --min-nonzero rows (counted before duplicates are dropped), the fit switches to elastic-net \
Cox by coordinate descent on the sparse matrix (glmnet's algorithm; scikit-survival's CoxnetSurvivalAnalysis \
with alpha = --penalizer, l1_ratio = --l1-ratio on sd-standardized columns): Breslow ties unless --ties is given, \
no standard errors, and the JSON lists only the non-zero coefficients, with \"solver\": \"coordinate_descent\", \
n_columns and n_nonzero. Without --penalizer a wide design is an error.\n\nExamples:\n  mlhc surv cox \
testdata/survival/rossi.csv --duration week --event arrest --json\n  mlhc surv cox --features FEATURES \
--labels surv_labels.parquet --split train --min-nonzero 20 --penalizer 0.01 --json\n  mlhc surv cox --features \
FEATURES --labels surv_labels.parquet --min-nonzero 5 --max-columns 200 --penalizer 0.05 --l1-ratio 1 --json")]
    Cox {
        #[command(flatten)]
        input: FlexInput,
        /// Comma-separated covariate columns. By default, every numeric column not used otherwise.
        #[arg(long, value_delimiter = ',')]
        covariates: Option<Vec<String>>,
        /// A column whose values define strata (each with its own baseline hazard). By default, none.
        #[arg(long)]
        strata: Option<String>,
        /// Ties handling. By default, efron (breslow for the wide coordinate-descent fit, as scikit-survival's
        /// Coxnet).
        #[arg(long, value_enum)]
        ties: Option<TiesArg>,
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
estimated on the training rows and every time must lie inside the test follow-up.\n\nWith --features and \
--labels (see `mlhc surv cox --help`), the rows of --test-split (held_out) are the test set and the other used \
splits train; column selection counts stored entries over all joined rows (features only, never labels).\n\n\
Example:\n  mlhc surv \
evaluate testdata/survival/support2_cc.csv.gz --duration d.time --event death --covariates \
age,sex,num.co,diabetes,dementia,ca,meanbp,hrt,resp,temp,wblc,sod,crea --split-column split --model cox \
--brier-grid 30:1800:30 --auc-times 365,730,1095 --json")]
    Evaluate {
        #[command(flatten)]
        input: FlexInput,
        /// Comma-separated covariate columns. By default, every numeric column not used otherwise.
        #[arg(long, value_delimiter = ',')]
        covariates: Option<Vec<String>>,
        /// The model. By default, cox (Efron ties).
        #[arg(long, value_enum, default_value_t = ModelArg::Cox)]
        model: ModelArg,
        /// A column holding "train" or "test" per row. By default, a seeded random split.
        #[arg(long)]
        split_column: Option<String>,
        /// Cox only: penalty strength λ, as in `mlhc surv cox --penalizer` (needed when feature columns are
        /// collinear, e.g. complementary one-hot codes). By default, 0.
        #[arg(long, default_value_t = 0.0)]
        penalizer: f64,
        /// Cox only: the L1 share of the penalty, in [0, 1]. By default, 0 (ridge).
        #[arg(long, default_value_t = 0.0)]
        l1_ratio: f64,
        /// With --features: the feature split whose rows are the test set (the other used splits train).
        /// By default, held_out.
        #[arg(long, default_value = "held_out", requires = "features")]
        test_split: String,
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

/// A table with its duration and event columns, or tabularized MEDS features with survival labels.
#[derive(Debug, clap::Args)]
pub struct FlexInput {
    /// The table: .csv, .csv.gz, .tsv, .tsv.gz or .parquet (or --features with --labels).
    #[arg(required_unless_present = "features", conflicts_with = "features")]
    data: Option<PathBuf>,
    /// The column of times to event or censoring.
    #[arg(long, required_unless_present = "features", conflicts_with = "features")]
    duration: Option<String>,
    /// The column of event indicators: 0/1 or true/false.
    #[arg(long, required_unless_present = "features", conflicts_with = "features")]
    event: Option<String>,
    /// Drop rows with a missing value in any used column (their number is reported). By default, a
    /// missing value is an error naming its column and row.
    #[arg(long)]
    dropna: bool,
    /// An `mlhc tabularize` output directory: its rows are the subjects, its columns the covariates.
    #[arg(long, requires = "labels")]
    features: Option<PathBuf>,
    /// Survival labels in the MEDS label schema (float_value = days, boolean_value = event), e.g. from
    /// `mlhc surv labels`.
    #[arg(long, requires = "features")]
    labels: Option<PathBuf>,
    /// Comma-separated feature splits to use (cox: the fitted rows). By default, every split.
    #[arg(long, value_delimiter = ',', requires = "features")]
    split: Vec<String>,
    /// Keep feature columns stored (nonzero) in at least this many joined rows. By default, 10.
    #[arg(long, default_value_t = 10, requires = "features")]
    min_nonzero: usize,
    /// The most feature columns for a dense fit; beyond it, cox with --penalizer fits sparse by coordinate
    /// descent, and otherwise it is an error. By default, 200.
    #[arg(long, default_value_t = 200, requires = "features")]
    max_columns: usize,
    /// Drop (and count) feature rows without a label and labels without a feature row. By default,
    /// any such row is an error.
    #[arg(long, requires = "features")]
    drop_unjoined: bool,
}

impl FlexInput {
    /// The plain-table input, when no features were given.
    fn table(&self) -> Option<Input> {
        match (&self.data, &self.duration, &self.event) {
            (Some(data), Some(duration), Some(event)) => Some(Input {
                data: data.clone(),
                duration: duration.clone(),
                event: event.clone(),
                dropna: self.dropna,
            }),
            _ => None,
        }
    }

    /// Reads and joins the features and labels (when --features was given).
    fn joined(&self) -> anyhow::Result<Option<mlhc_surv::JoinedFeatures>> {
        match self.read_features()? {
            Some((tab, surv)) => self.join_dense(&tab, &surv).map(Some),
            None => Ok(None),
        }
    }

    /// Reads the features and labels (when --features was given).
    fn read_features(&self) -> anyhow::Result<Option<(mlhc_tab::Tabularized, mlhc_surv::SurvivalLabels)>> {
        let (Some(features), Some(labels)) = (&self.features, &self.labels) else {
            return Ok(None);
        };
        let tab = mlhc_tab::read_features(features)
            .with_context(|| format!("cannot read features from {}", features.display()))?;
        let meds =
            mlhc_meds::labels::read_labels(labels).with_context(|| format!("cannot read {}", labels.display()))?;
        let surv =
            mlhc_surv::SurvivalLabels::from_meds(&meds).with_context(|| format!("cannot use {}", labels.display()))?;
        Ok(Some((tab, surv)))
    }

    /// The join with its columns kept sparse (no column limit).
    fn join_sparse(
        &self,
        tab: &mlhc_tab::Tabularized,
        surv: &mlhc_surv::SurvivalLabels,
    ) -> anyhow::Result<mlhc_surv::SparseJoinedFeatures> {
        let (features, labels) = (self.features.as_deref().unwrap_or(Path::new("")), self.labels.as_deref());
        mlhc_surv::join_features_sparse(tab, surv, &self.split, self.min_nonzero, self.drop_unjoined).with_context(
            || format!("cannot join {} with {}", features.display(), labels.unwrap_or(Path::new("")).display()),
        )
    }

    /// The join with dense covariate columns (at most --max-columns).
    fn join_dense(
        &self,
        tab: &mlhc_tab::Tabularized,
        surv: &mlhc_surv::SurvivalLabels,
    ) -> anyhow::Result<mlhc_surv::JoinedFeatures> {
        let (features, labels) = (self.features.as_deref().unwrap_or(Path::new("")), self.labels.as_deref());
        let labels = labels.unwrap_or(Path::new(""));
        let selection = mlhc_surv::ColumnSelection { min_nonzero: self.min_nonzero, max_columns: self.max_columns };
        mlhc_surv::join_features(tab, surv, &self.split, &selection, self.drop_unjoined)
            .with_context(|| format!("cannot join {} with {}", features.display(), labels.display()))
    }
}

/// `--ties`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TiesArg {
    /// Efron's approximation.
    Efron,
    /// Breslow's approximation.
    Breslow,
}

impl From<TiesArg> for Ties {
    fn from(t: TiesArg) -> Self {
        match t {
            TiesArg::Efron => Ties::Efron,
            TiesArg::Breslow => Ties::Breslow,
        }
    }
}

/// Runs `mlhc surv …`.
pub fn run(cmd: SurvCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SurvCommand::Km { input, group, at, alpha, rmst, json } => km(&input, group, &at, alpha, rmst, json),
        SurvCommand::Labels { data, index_code, event_code, horizon, out, json } => {
            let ds = mlhc_meds::Dataset::open(&data).with_context(|| format!("cannot open {}", data.display()))?;
            let task = mlhc_surv::LabelTask {
                index: mlhc_surv::CodePattern::parse(&index_code),
                event: mlhc_surv::CodePattern::parse(&event_code),
                horizon_days: horizon,
            };
            let (labels, summary) = mlhc_surv::extract_labels(&ds, &task)
                .with_context(|| format!("cannot extract survival labels from {}", data.display()))?;
            if labels.is_empty() {
                bail!(
                    "no labels: {} of {} subjects have no {index_code:?} event and {} had {event_code:?} at or before it",
                    summary.no_index,
                    summary.subjects,
                    summary.prior_event
                );
            }
            mlhc_meds::labels::write_labels(&out, &labels)
                .with_context(|| format!("cannot write {}", out.display()))?;
            if json {
                ui::print_json(&json!({"out": out, "summary": summary}))?;
            } else {
                println!(
                    "{} labels ({} events, {} censored at the horizon, {} at the last event) written to {}; of {} \
subjects {} have no index event and {} had the event before it",
                    summary.labels,
                    summary.events,
                    summary.censored_at_horizon,
                    summary.censored_at_last_event,
                    out.display(),
                    summary.subjects,
                    summary.no_index,
                    summary.prior_event
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SurvCommand::Report { input, group, covariates, horizon, bins, out } => {
            report(&input, group, covariates, horizon, bins, &out)
        }
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
            penalizer,
            l1_ratio,
            test_split,
            test_fraction,
            seed,
            brier_grid,
            auc_times,
            uno_tau,
            bootstrap,
            json,
        } => {
            let (t, join) = match input.joined()? {
                Some(j) => {
                    if covariates.is_some() || split_column.is_some() {
                        bail!("--covariates and --split-column apply to a table; with --features every selected column is a covariate and --test-split names the test rows");
                    }
                    let mut t = j.table;
                    // The split of each row as the group: "test" for --test-split, "train" otherwise.
                    let codes: Vec<usize> = j.splits.iter().map(|s| usize::from(s == &test_split)).collect();
                    if !codes.contains(&1) {
                        bail!("no joined rows in the test split {test_split:?}");
                    }
                    t.group = Some(mlhc_surv::Labels { codes, levels: vec!["train".into(), "test".into()] });
                    (t, Some(j.account))
                }
                None => {
                    let input =
                        input.table().context("DATA, --duration and --event are required without --features")?;
                    let mut roles = Roles { covariates, ..roles(&input) };
                    if let Some(c) = &split_column {
                        roles.group = Some(c.clone());
                    }
                    (load(&input.data, &roles)?, None)
                }
            };
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
            if (penalizer != 0.0 || l1_ratio != 0.0) && !matches!(model, ModelArg::Cox) {
                bail!("--penalizer and --l1-ratio apply to --model cox only");
            }
            let model = match model {
                ModelArg::Cox => Model::Cox(CoxParams { penalizer, l1_ratio, ..CoxParams::default() }),
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
                let mut v = serde_json::to_value(&e)?;
                if let (Some(obj), Some(join)) = (v.as_object_mut(), &join) {
                    obj.insert("join".into(), serde_json::to_value(join)?);
                    obj.insert("covariates".into(), json!(t.names));
                }
                ui::print_json(&v)?;
            } else {
                if let Some(join) = &join {
                    print_join(join);
                }
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
            let read = input.read_features()?;
            let mut joined = None;
            if let Some((tab, surv)) = &read {
                // A wide design with a penalty: sparse coordinate descent instead of the dense fit.
                let sparse = if penalizer > 0.0 { Some(input.join_sparse(tab, surv)?) } else { None };
                match sparse {
                    Some(sj) if sj.names.len() > input.max_columns => {
                        if covariates.is_some()
                            || strata.is_some()
                            || weights.is_some()
                            || cluster.is_some()
                            || entry.is_some()
                            || robust
                            || predict_times.is_some()
                            || ph_test.is_some()
                        {
                            bail!("the wide (coordinate-descent) Cox fit of more than --max-columns feature columns takes no --covariates, --strata, --weights, --cluster, --entry, --robust, --predict-times or --ph-test");
                        }
                        let ties = ties.map_or(Ties::Breslow, Ties::from);
                        let params = SparseCoxParams { penalizer, l1_ratio, ties, ..SparseCoxParams::default() };
                        return cox_sparse(&sj, &params, json);
                    }
                    _ => joined = Some(input.join_dense(tab, surv)?),
                }
            }
            if joined.is_some()
                && (covariates.is_some()
                    || strata.is_some()
                    || weights.is_some()
                    || cluster.is_some()
                    || entry.is_some())
            {
                bail!("--covariates, --strata, --weights, --cluster and --entry name table columns; with --features every selected feature column is a covariate");
            }
            let base = input.table().map_or_else(Roles::default, |i| roles(&i));
            let roles = Roles { covariates, strata, weights, cluster, entry, ..base };
            let ties = ties.map_or(Ties::Efron, Ties::from);
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
            let (t, join) = match joined {
                Some(j) => {
                    if predict.as_ref().is_some_and(|p| p.data.is_some()) {
                        bail!(
                            "--predict-data applies to a table; with --features, predictions are for the joined rows"
                        );
                    }
                    (j.table, Some(j.account))
                }
                None => {
                    let input =
                        input.table().context("DATA, --duration and --event are required without --features")?;
                    (load(&input.data, &roles)?, None)
                }
            };
            cox(t, join.as_ref(), &roles, &params, predict.as_ref(), ph_test, json)
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
    // Only the columns some role uses are read (a Parquet file decodes just those); by default every
    // numeric column is a covariate, so every numeric column is read too.
    let mut used: Vec<&str> = vec![&roles.duration, &roles.event];
    used.extend(
        [&roles.group, &roles.strata, &roles.weights, &roles.cluster, &roles.entry]
            .into_iter()
            .flatten()
            .map(String::as_str),
    );
    let covariates: Option<Vec<&str>> = roles.covariates.as_ref().map(|c| c.iter().map(String::as_str).collect());
    let cannot_read = || format!("cannot read {}", path.display());
    let cannot_use = || format!("cannot use {}", path.display());
    // Numeric covariates of a Parquet file go straight into the design matrix, without a column copy.
    if let Some((frame, design)) =
        Frame::read_with_design(path, &used, covariates.as_deref()).with_context(cannot_read)?
    {
        if let Some(t) = SurvivalTable::from_frame_and_design(&frame, design, roles).with_context(cannot_use)? {
            return Ok(t);
        }
    }
    let frame = match &covariates {
        Some(c) => Frame::read_columns(path, &[used, c.clone()].concat()),
        None => Frame::read_columns_and_numeric(path, &used),
    }
    .with_context(cannot_read)?;
    SurvivalTable::from_frame(&frame, roles).with_context(cannot_use)
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

#[allow(clippy::too_many_arguments)]
fn cox(
    mut t: SurvivalTable,
    join: Option<&mlhc_surv::JoinAccount>,
    roles: &Roles,
    params: &CoxParams,
    predict: Option<&Predict>,
    ph_test: Option<TimeTransform>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    if t.names.is_empty() {
        if join.is_some() {
            bail!("no feature columns selected: lower --min-nonzero");
        }
        bail!("no covariates: name them with --covariates or give the table numeric columns besides the duration and event");
    }
    // Without predictions or a proportional-hazards test the covariates are not needed after the
    // fit, which then rearranges them in place instead of copying them.
    let hand_over = (predict.is_none() && ph_test.is_none()).then(|| std::mem::take(&mut t.x));
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
    let model = match hand_over {
        Some(x) => params.fit_owned(&data, x),
        None => params.fit(&data),
    }
    .context("cannot fit the Cox model")?;
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
    if let Some(join) = join {
        out["join"] = serde_json::to_value(join)?;
    }
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
        if let Some(join) = join {
            print_join(join);
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

/// `mlhc surv report`: Kaplan–Meier curves by group and, at a horizon, Cox calibration by risk group.
fn report(
    input: &Input,
    group: Option<String>,
    covariates: Option<Vec<String>>,
    horizon: Option<f64>,
    bins: usize,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    use mlhc_report::survival::{KmCurve, SurvivalSection};
    let default_cov = covariates.is_none();
    let roles = Roles {
        group: group.clone(),
        covariates: if horizon.is_some() { covariates } else { Some(Vec::new()) },
        ..roles(input)
    };
    let t = load(&input.data, &roles)?;
    let (codes, levels) = match &t.group {
        Some(g) => (g.codes.clone(), g.levels.clone()),
        None => (vec![0; t.n_rows()], vec!["all".to_string()]),
    };
    let mut curves = Vec::new();
    for (code, level) in levels.iter().enumerate() {
        let rows: Vec<usize> = (0..t.n_rows()).filter(|&i| codes[i] == code).collect();
        let d: Vec<f64> = rows.iter().map(|&i| t.durations[i]).collect();
        let e: Vec<bool> = rows.iter().map(|&i| t.events[i]).collect();
        let fit = KaplanMeier::fit(&d, &e, 0.05).with_context(|| format!("group {level}"))?;
        let label = match &group {
            Some(g) => format!("{g} = {level}"),
            None => "all".to_string(),
        };
        curves.push(KmCurve {
            label,
            n: fit.n,
            n_events: fit.n_events,
            times: fit.table.iter().map(|r| r.time).collect(),
            survival: fit.table.iter().map(|r| r.survival).collect(),
            ci_low: fit.table.iter().map(|r| r.ci_low).collect(),
            ci_high: fit.table.iter().map(|r| r.ci_high).collect(),
            median: fit.median().median,
        });
    }
    let mut notes = vec![format!("{} rows from {}", t.n_rows(), input.data.display())];
    if t.n_dropped > 0 {
        notes.push(format!("{} rows with missing values dropped", t.n_dropped));
    }
    let mut calibration = Vec::new();
    if let Some(h) = horizon {
        if t.names.is_empty() {
            bail!("--horizon needs covariates for the Cox model: name them with --covariates");
        }
        let model = CoxParams::default()
            .fit(&CoxData::new(&t.x, &t.names, &t.durations, &t.events))
            .context("cannot fit the Cox model for calibration")?;
        let predicted: Vec<f64> =
            model.survival_curves(&t.x, None, &[h], 65_536).context("cannot predict")?.flatten().collect();
        calibration = calibration_bins(&predicted, &t.durations, &t.events, h, bins)?;
        let last = t.durations.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if last < h {
            notes.push(format!(
                "follow-up ends at {last}, before the horizon {h}: observed values are the last Kaplan–Meier values"
            ));
        }
        notes.push(format!(
            "calibration: Cox model (Efron ties) on {}{}, fitted and assessed on the same rows",
            t.names.join(", "),
            if default_cov { " (every numeric column but the duration, event and group)" } else { "" }
        ));
    }
    let section = SurvivalSection {
        title: format!("Survival: {}", input.data.display()),
        time_label: format!("time ({})", input.duration),
        curves,
        horizon,
        calibration,
        notes,
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let path = out.join("survival_report.html");
    let html = mlhc_report::survival::render_page(&section);
    let tmp = out.join("survival_report.html.tmp");
    std::fs::write(&tmp, html).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Rows sorted by predicted S(horizon) (highest risk first) in `bins` near-equal groups; per group the
/// size, mean predicted survival, and Kaplan–Meier survival at the horizon with its 95% interval.
fn calibration_bins(
    predicted: &[f64],
    durations: &[f64],
    events: &[bool],
    horizon: f64,
    bins: usize,
) -> anyhow::Result<Vec<mlhc_report::survival::CalibrationBin>> {
    let n = predicted.len();
    if bins == 0 || bins > n {
        bail!("--bins {bins}: expected 1 to {n} (the number of rows)");
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| predicted[a].total_cmp(&predicted[b]));
    let mut out = Vec::with_capacity(bins);
    for b in 0..bins {
        let rows = &order[b * n / bins..(b + 1) * n / bins];
        let d: Vec<f64> = rows.iter().map(|&i| durations[i]).collect();
        let e: Vec<bool> = rows.iter().map(|&i| events[i]).collect();
        let km = KaplanMeier::fit(&d, &e, 0.05).with_context(|| format!("risk group {}", b + 1))?;
        let p = km.at(horizon);
        let mean = rows.iter().map(|&i| predicted[i]).sum::<f64>() / rows.len() as f64;
        out.push(mlhc_report::survival::CalibrationBin {
            n: rows.len(),
            predicted: mean,
            observed: p.survival,
            observed_low: p.ci_low,
            observed_high: p.ci_high,
        });
    }
    Ok(out)
}

/// Prints the join's bookkeeping (text mode).
/// The wide fit: elastic-net Cox by coordinate descent on the sparse joined features.
fn cox_sparse(
    j: &mlhc_surv::SparseJoinedFeatures,
    params: &SparseCoxParams,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let x = mlhc_core::CscMatrix::from_csr(&j.x);
    let data = SparseCoxData { x: &x, durations: &j.durations, events: &j.events, strata: None };
    let model = params.fit(&data).context("cannot fit the sparse Cox model")?;
    // Harrell's C of the linear predictor on the fitted rows.
    let mut risk = vec![0.0; j.x.n_rows()];
    for (i, r) in risk.iter_mut().enumerate() {
        let (idx, val) = j.x.row(i);
        *r = idx.iter().zip(val).map(|(&c, &v)| f64::from(v) * model.coef[c as usize]).sum();
    }
    let concordance = mlhc_surv::harrell_c(&j.durations, &j.events, &risk).ok().map(|c| c.c_index);
    let nonzero: Vec<usize> = (0..model.coef.len()).filter(|&c| model.coef[c] != 0.0).collect();
    if as_json {
        let coefficients: Vec<_> =
            nonzero.iter().map(|&c| json!({"name": j.names[c], "coef": model.coef[c]})).collect();
        let out = json!({
            "coefficients": coefficients,
            "concordance": concordance,
            "log_likelihood": model.log_likelihood,
            "n": model.n,
            "n_events": model.n_events,
            "ties": format!("{:?}", params.ties).to_lowercase(),
            "solver": "coordinate_descent",
            "penalizer": params.penalizer,
            "l1_ratio": params.l1_ratio,
            "n_columns": model.coef.len(),
            "n_nonzero": nonzero.len(),
            "iterations": model.iterations,
            "join": serde_json::to_value(&j.account)?,
        });
        ui::print_json(&out)?;
    } else {
        println!(
            "sparse Cox (coordinate descent, {:?} ties): n = {}, events = {}, log-likelihood = {:.6}, C = {}",
            params.ties,
            model.n,
            model.n_events,
            model.log_likelihood,
            concordance.map_or("-".to_string(), |c| format!("{c:.6}"))
        );
        println!("{} of {} coefficients non-zero:", nonzero.len(), model.coef.len());
        for &c in &nonzero {
            println!("  {:<48} {:>12.6}", j.names[c], model.coef[c]);
        }
        print_join(&j.account);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_join(j: &mlhc_surv::JoinAccount) {
    println!(
        "join: {} of {} feature rows and {} labels joined; {} feature rows without a label, {} labels without a \
feature row, {} labels in unused splits",
        j.joined,
        j.feature_rows,
        j.label_rows,
        j.features_without_label,
        j.labels_without_features,
        j.labels_in_other_splits
    );
    println!(
        "columns: {} kept of {} ({} stored in too few rows, {} constant, {} duplicate)",
        j.columns_kept, j.columns_total, j.columns_rare, j.columns_constant, j.columns_duplicate
    );
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
