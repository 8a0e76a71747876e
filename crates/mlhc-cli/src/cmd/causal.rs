//! `mlhc causal …`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use mlhc_causal::balance::{love_plot_svg, overlap, smd_table, Overlap};
use mlhc_causal::estimate::subgroup_effects;
use mlhc_causal::meds::{from_sparse, JoinAccount, JoinPolicy, KeyedValues};
use mlhc_causal::refute::{refute, Refuter};
use mlhc_causal::report::{build_report, render_html, CausalReport, ReportParams};
use mlhc_causal::sensitivity::{epsilon_bounds, evalue_difference, EValues};
use mlhc_causal::{
    estimate, CausalData, CausalParams, Estimand, Estimate, Estimator, Formula, IpwForm, MatchingDistance,
    MatchingParams, OutcomeModel, PropensityFitting, PropensityModel, RowAccount,
};
use mlhc_frame::{Column, Frame};
use mlhc_learn::gbdt::GbdtParams;
use mlhc_meds::labels::read_labels;
use serde::Serialize;

use crate::ui;

/// Subcommands of `mlhc causal`.
#[derive(Debug, clap::Subcommand)]
pub enum CausalCommand {
    /// Estimate the effect of a binary treatment on an outcome (ATE or ATT) with a CI.
    #[command(after_help = "\
Defaults: propensity = L2-penalized logistic regression on standardized covariates (lambda 1e-4);
outcome models = gradient-boosted trees (mlhc-learn) fitted per treatment arm (--outcome-model linear
for least squares); 5-fold cross-fitting (AIPW, DR-learner, IPW; --in-sample-propensity fits IPW's propensity on
all rows as in Hernán & Robins ch. 12); propensities clipped to [0.01, 0.99];
CIs from the influence function for IPW/AIPW/DR-learner, Welch for naive, Abadie-Imbens (2006)
for matching with replacement (--matches M), a seeded bootstrap (--bootstrap, refitting every
model) otherwise.

Examples:
  mlhc causal estimate testdata/causal/nhefs/NHEFS.csv --treatment qsmk --outcome wt82_71 \\
    --drop-missing-outcome --estimator ipw --in-sample-propensity --propensity-lambda 0 --json --covariates \\
    'sex + race + age + I(age^2) + C(education) + smokeintensity + I(smokeintensity^2) + smokeyrs + I(smokeyrs^2) + C(exercise) + C(active) + wt71 + I(wt71^2)'
  mlhc causal estimate data.csv --treatment t --outcome y --estimator drlearner --cate-out cate.csv

MEDS input: instead of DATA/--treatment/--outcome, give --features (an `mlhc tabularize`
folder) and two MEDS label files with the same prediction times (e.g. two ACES tasks with
one trigger and one index time):
  mlhc synth --subjects 300 --seed 1 meds/
  P=testdata/meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml
  mlhc cohort --config testdata/causal/meds/icu_during_stay.yaml --predicates $P meds/ \\
    -o t.parquet
  mlhc cohort --config testdata/meds-dev-tasks/tasks/readmission/general_hospital/30d.yaml \\
    --predicates $P meds/ -o y.parquet
  mlhc tabularize meds/ --labels y.parquet -o features/ --windows full --min-code-count 5000
  mlhc causal estimate --features features/ --treatment-labels t.parquet \\
    --outcome-labels y.parquet --inner-join --estimator aipw --json
Rows join on (subject_id, prediction_time); a row missing from any input is an error that
counts them, unless --inner-join drops them (counted in the JSON's \"join\"). --split keeps
one split's feature rows. An absent count feature is 0; an absent value aggregate is 0 plus
an indicator column; constant and duplicate columns are dropped. With --cate-out the rows
are keyed by subject_id and prediction_time.")]
    Estimate(EstimateArgs),
    /// Covariate balance (standardized mean differences) before/after weighting or matching, and overlap.
    #[command(after_help = "\
Examples:
  mlhc causal balance testdata/causal/nhefs/NHEFS.csv --treatment qsmk --outcome wt82_71 \\
    --drop-missing-outcome --covariates 'sex + race + age + I(age^2) + wt71' --json
  mlhc causal balance data.csv --treatment t --outcome y --method matching --caliper 0.2 --svg love.svg")]
    Balance(BalanceArgs),
    /// Sensitivity to unmeasured confounding: E-values and IPW bounds for propensities off by a relative ε.
    #[command(after_help = "\
Examples:
  mlhc causal sensitivity testdata/causal/nhefs/NHEFS.csv --treatment qsmk --outcome wt82_71 \\
    --drop-missing-outcome --covariates 'sex + race + age + I(age^2) + wt71' --epsilon 0.1,0.2 --json")]
    Sensitivity(SensitivityArgs),
    /// Refutation tests that refit every model: placebo treatment, random common cause, data subset.
    #[command(after_help = "\
Examples:
  mlhc causal refute testdata/causal/nhefs/NHEFS.csv --treatment qsmk --outcome wt82_71 \\
    --drop-missing-outcome --covariates 'sex + race + age + I(age^2) + wt71' --estimator aipw \\
    --outcome-model linear --json")]
    Refute(RefuteArgs),
    /// Average effects within the levels of a column (AIPW scores), with CIs.
    #[command(after_help = "\
Examples:
  mlhc causal subgroups testdata/causal/nhefs/NHEFS.csv --treatment qsmk --outcome wt82_71 \\
    --drop-missing-outcome --covariates 'sex + race + age + I(age^2) + wt71' --by sex \\
    --outcome-model linear --json")]
    Subgroups(SubgroupArgs),
    /// An HTML report (estimates with CIs per estimator, love plot, overlap histogram, sensitivity) and
    /// its data as JSON: OUT/causal_report.html and OUT/causal_report.json.
    #[command(after_help = "\
The HTML is self-contained (inline SVG). Estimators that fail are listed with their error. Balance and
overlap use the IPW fit (propensity model as in estimate); sensitivity is for the IP-weighted ATE.

Examples:
  mlhc causal report testdata/causal/nhefs/NHEFS.csv --treatment qsmk --outcome wt82_71 \\
    --drop-missing-outcome --covariates 'sex + race + age + I(age^2) + wt71 + smokeintensity' \\
    --outcome-model linear --out nhefs_report
  mlhc causal report --features features/ --treatment-labels t.parquet --outcome-labels y.parquet \\
    --inner-join --estimators naive,ipw,aipw --out report/")]
    Report(ReportArgs),
}

/// Arguments of `mlhc causal report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The output folder (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Estimators to report, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "naive,standardization,ipw,aipw,drlearner,matching"
    )]
    estimators: Vec<EstimatorArg>,
    /// Cross-fitting folds (AIPW, DR-learner, IPW).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// IPW: fit the propensity on all rows and predict in sample (Hernán & Robins ch. 12) instead of
    /// cross-fitting it over --folds.
    #[arg(long)]
    in_sample_propensity: bool,
    /// The outcome models.
    #[arg(long, value_enum, default_value = "gbdt")]
    outcome_model: OutcomeArg,
    /// Bootstrap replicates for estimators without an analytic standard error.
    #[arg(long, default_value_t = 200)]
    bootstrap: usize,
    /// Relative propensity errors ε for the sensitivity bounds, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.05,0.1,0.2,0.5")]
    epsilon: Vec<f64>,
}

/// Estimand names on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EstimandArg {
    /// Average treatment effect.
    Ate,
    /// Average treatment effect on the treated.
    Att,
}

/// Estimator names on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EstimatorArg {
    /// Difference of arm means.
    Naive,
    /// Standardization / g-formula (S-learner).
    Standardization,
    /// Inverse probability weighting.
    Ipw,
    /// Augmented IPW with cross-fitting.
    Aipw,
    /// T-learner.
    Tlearner,
    /// X-learner.
    Xlearner,
    /// DR-learner.
    Drlearner,
    /// Nearest-neighbour propensity matching.
    Matching,
}

/// Propensity model kinds.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PropensityArg {
    /// Logistic regression (ridge --propensity-lambda on standardized covariates).
    Logistic,
    /// Gradient-boosted trees.
    Gbdt,
}

/// Outcome model kinds.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum OutcomeArg {
    /// Gradient-boosted regression trees.
    Gbdt,
    /// Least squares.
    Linear,
}

/// IPW forms.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum IpwArg {
    /// Self-normalized weighted means.
    Hajek,
    /// Horvitz–Thompson.
    Ht,
}

/// Arguments shared by every `mlhc causal` command.
///
/// The input is either a table (DATA with --treatment and --outcome columns) or a causal task from MEDS:
/// --features (an `mlhc tabularize` output folder) with --treatment-labels and --outcome-labels (MEDS
/// label parquet files), joined on (subject_id, prediction_time).
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// The table (.csv, .csv.gz, .tsv, .parquet), one row per subject.
    #[arg(required_unless_present = "features")]
    pub data: Option<PathBuf>,
    /// The binary treatment column (0/1 or true/false).
    #[arg(long, required_unless_present = "features", conflicts_with = "features")]
    pub treatment: Option<String>,
    /// The outcome column (numeric).
    #[arg(long, required_unless_present = "features", conflicts_with = "features")]
    pub outcome: Option<String>,
    /// Covariates as a formula right-hand side, e.g. 'age + I(age^2) + C(education) + sex'
    /// [default: every other column; text columns one-hot encoded].
    #[arg(long, conflicts_with = "features")]
    pub covariates: Option<String>,
    /// MEDS input: an `mlhc tabularize` output folder whose rows are the covariates (absent counts are
    /// 0; an absent value aggregate is 0 plus a `…/absent/…` indicator column; constant and duplicate
    /// columns are dropped and counted). Keep the feature space small for the sample size
    /// (tabularize --windows, --min-code-count).
    #[arg(long, conflicts_with = "data", requires_all = ["treatment_labels", "outcome_labels"])]
    pub features: Option<PathBuf>,
    /// MEDS input: the treatment as a MEDS label file (boolean_value, or an integer/float 0/1).
    #[arg(long, requires = "features")]
    pub treatment_labels: Option<PathBuf>,
    /// MEDS input: the outcome as a MEDS label file (boolean_value as 0/1, or integer/float value).
    #[arg(long, requires = "features")]
    pub outcome_labels: Option<PathBuf>,
    /// MEDS input: use the feature rows of this split only [default: every split].
    #[arg(long, requires = "features")]
    pub split: Option<String>,
    /// MEDS input: drop (and count) rows whose (subject_id, prediction_time) is not in the features and
    /// both label files, instead of failing.
    #[arg(long, requires = "features")]
    pub inner_join: bool,
    /// Drop rows with a missing outcome (and count them) instead of failing.
    #[arg(long)]
    pub drop_missing_outcome: bool,
    /// The estimand.
    #[arg(long, value_enum, default_value = "ate")]
    pub estimand: EstimandArg,
    /// The propensity model.
    #[arg(long, value_enum, default_value = "logistic")]
    pub propensity: PropensityArg,
    /// Ridge penalty of the logistic propensity model on standardized covariates (0 = maximum likelihood).
    #[arg(long, default_value_t = 1e-4)]
    pub propensity_lambda: f64,
    /// Clip propensities to [clip, 1 - clip].
    #[arg(long, default_value_t = 0.01)]
    pub clip: f64,
    /// Drop rows whose propensity is outside [trim, 1 - trim] before estimating (the effect in the
    /// overlap population) [default: no trimming].
    #[arg(long)]
    pub trim: Option<f64>,
    /// Seed of folds, bootstrap draws and tree fits.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

/// Estimator options shared by `estimate`, `refute` and `subgroups`.
#[derive(Debug, clap::Args)]
pub struct EstimatorOpts {
    /// The estimator.
    #[arg(long, value_enum, default_value = "aipw")]
    estimator: EstimatorArg,
    /// Cross-fitting folds (AIPW, DR-learner, IPW).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// IPW: fit the propensity on all rows and predict in sample (Hernán & Robins ch. 12) instead of
    /// cross-fitting it over --folds.
    #[arg(long)]
    in_sample_propensity: bool,
    /// The outcome models.
    #[arg(long, value_enum, default_value = "gbdt")]
    outcome_model: OutcomeArg,
    /// The IPW form.
    #[arg(long, value_enum, default_value = "hajek")]
    ipw: IpwArg,
    /// Bootstrap replicates for estimators without an analytic standard error.
    #[arg(long, default_value_t = 200)]
    bootstrap: usize,
    /// Matching caliper in standard deviations of the logit propensity [default: none].
    #[arg(long)]
    caliper: Option<f64>,
    /// Match without replacement (greedy, ATT only).
    #[arg(long)]
    without_replacement: bool,
    /// Matches per unit (with replacement; the counterfactual is their mean outcome).
    #[arg(long, default_value_t = 1)]
    matches: usize,
    /// The matching distance.
    #[arg(long, value_enum, default_value = "propensity")]
    distance: DistanceArg,
}

/// Matching distances on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DistanceArg {
    /// Logit of the propensity score.
    Propensity,
    /// Mahalanobis distance on the covariates (within the caliper on the propensity, if one is given).
    Mahalanobis,
}

fn distance(d: DistanceArg) -> MatchingDistance {
    match d {
        DistanceArg::Propensity => MatchingDistance::PropensityLogit,
        DistanceArg::Mahalanobis => MatchingDistance::Mahalanobis,
    }
}

/// Arguments of `mlhc causal estimate`.
#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    opts: EstimatorOpts,
    /// Write per-row CATE predictions (T-, X-, DR-learner) to this CSV: row (0-based table row), cate.
    #[arg(long)]
    cate_out: Option<PathBuf>,
}

/// Refuters on the command line.
#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum RefuterArg {
    /// Randomly permuted treatment (the effect should vanish).
    Placebo,
    /// An added random covariate (the estimate should not move).
    RandomCommonCause,
    /// A random subset of the rows (the estimate should stay within its interval).
    Subset,
}

/// Arguments of `mlhc causal refute`.
#[derive(Debug, clap::Args)]
pub struct RefuteArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    opts: EstimatorOpts,
    /// Refuters to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "placebo,random-common-cause,subset")]
    refuters: Vec<RefuterArg>,
    /// Share of rows kept by the subset refuter.
    #[arg(long, default_value_t = 0.8)]
    subset_fraction: f64,
}

/// Arguments of `mlhc causal subgroups`.
#[derive(Debug, clap::Args)]
pub struct SubgroupArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The column whose levels define the subgroups (MEDS input: a feature column, e.g.
    /// `GENDER//F/static/present`).
    #[arg(long)]
    by: String,
    /// Cross-fitting folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// The outcome models.
    #[arg(long, value_enum, default_value = "gbdt")]
    outcome_model: OutcomeArg,
}

/// Weightings compared by `mlhc causal balance`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BalanceMethod {
    /// Inverse probability weights.
    Ipw,
    /// Nearest-neighbour propensity matching (match counts as weights).
    Matching,
}

/// Arguments of `mlhc causal balance`.
#[derive(Debug, clap::Args)]
pub struct BalanceArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// How the arms are balanced.
    #[arg(long, value_enum, default_value = "ipw")]
    method: BalanceMethod,
    /// Matching caliper in standard deviations of the logit propensity [default: none].
    #[arg(long)]
    caliper: Option<f64>,
    /// Match without replacement (greedy; ATT).
    #[arg(long)]
    without_replacement: bool,
    /// The matching distance.
    #[arg(long, value_enum, default_value = "propensity")]
    distance: DistanceArg,
    /// Also write a love plot (absolute SMDs before/after) to this SVG file.
    #[arg(long)]
    svg: Option<PathBuf>,
}

/// Arguments of `mlhc causal sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Relative propensity errors ε for the IPW bounds, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.05,0.1,0.2,0.5")]
    epsilon: Vec<f64>,
}

/// Runs `mlhc causal …`.
pub fn run(cmd: CausalCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CausalCommand::Estimate(a) => run_estimate(a),
        CausalCommand::Balance(a) => run_balance(a),
        CausalCommand::Sensitivity(a) => run_sensitivity(a),
        CausalCommand::Refute(a) => run_refute(a),
        CausalCommand::Subgroups(a) => run_subgroups(a),
        CausalCommand::Report(a) => run_report(a),
    }
}

/// The input rows behind a [`CausalData`]: table rows, or MEDS keys with the join's counts.
struct Loaded {
    data: CausalData,
    rows: RowAccount,
    /// (subject_id, prediction_time) of each row, for MEDS input.
    keys: Option<Vec<(i64, i64)>>,
    join: Option<JoinAccount>,
}

fn load(c: &CommonArgs) -> anyhow::Result<Loaded> {
    if let Some(dir) = &c.features {
        return load_meds(c, dir);
    }
    let (Some(path), Some(treatment), Some(outcome)) = (&c.data, &c.treatment, &c.outcome) else {
        bail!("give DATA with --treatment and --outcome, or --features with --treatment-labels and --outcome-labels");
    };
    let frame = Frame::read(path).with_context(|| format!("reading {}", path.display()))?;
    let formula = c.covariates.as_deref().map(Formula::parse).transpose()?;
    let (data, rows) = CausalData::from_frame(&frame, treatment, outcome, formula.as_ref(), c.drop_missing_outcome)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(Loaded { data, rows, keys: None, join: None })
}

/// Row `i` of a label value column; a column the file lacks reads as an empty vector (all null).
fn at<T: Copy>(v: &[Option<T>], i: usize) -> Option<T> {
    v.get(i).copied().flatten()
}

fn keyed_labels(path: &Path, what: &str) -> anyhow::Result<KeyedValues> {
    let l = read_labels(path).with_context(|| format!("reading the {what} labels {}", path.display()))?;
    let mut prediction_time = Vec::with_capacity(l.len());
    let mut value = Vec::with_capacity(l.len());
    for i in 0..l.len() {
        let t =
            at(&l.prediction_time, i).with_context(|| format!("{}: row {i} has no prediction_time", path.display()))?;
        prediction_time.push(t);
        let v = match (at(&l.boolean_value, i), at(&l.integer_value, i), at(&l.float_value, i)) {
            (Some(b), _, _) => Some(if b { 1.0 } else { 0.0 }),
            (None, Some(v), _) => Some(v as f64),
            (None, None, Some(v)) => Some(f64::from(v)),
            (None, None, None) => None,
        };
        value.push(v);
    }
    Ok(KeyedValues { subject_id: l.subject_id, prediction_time, value })
}

fn load_meds(c: &CommonArgs, dir: &Path) -> anyhow::Result<Loaded> {
    let (Some(tl), Some(yl)) = (&c.treatment_labels, &c.outcome_labels) else {
        bail!("--features needs --treatment-labels and --outcome-labels");
    };
    let tab = mlhc_tab::read_features(dir).with_context(|| format!("reading the features {}", dir.display()))?;
    let mut splits = tab.splits.iter().filter(|s| c.split.as_deref().is_none_or(|name| s.split == name));
    let Some(first) = splits.next() else {
        let have: Vec<&str> = tab.splits.iter().map(|s| s.split.as_str()).collect();
        bail!("{} has no split {:?}; it has {}", dir.display(), c.split.as_deref().unwrap_or(""), have.join(", "));
    };
    let mut matrix = first.matrix.clone();
    let mut keys: Vec<(i64, i64)> = first.rows.iter().map(|r| (r.subject_id, r.prediction_time)).collect();
    for s in splits {
        matrix.append(&s.matrix);
        keys.extend(s.rows.iter().map(|r| (r.subject_id, r.prediction_time)));
    }
    // Labels of feature rows in splits that were not selected are left out (and counted), not unjoined.
    let other: std::collections::HashSet<(i64, i64)> = tab
        .splits
        .iter()
        .filter(|s| c.split.as_deref().is_some_and(|name| s.split != name))
        .flat_map(|s| s.rows.iter().map(|r| (r.subject_id, r.prediction_time)))
        .collect();
    let mut left_out = 0;
    let mut select = |v: KeyedValues| {
        let keep: Vec<usize> =
            (0..v.subject_id.len()).filter(|&i| !other.contains(&(v.subject_id[i], v.prediction_time[i]))).collect();
        left_out += v.subject_id.len() - keep.len();
        KeyedValues {
            subject_id: keep.iter().map(|&i| v.subject_id[i]).collect(),
            prediction_time: keep.iter().map(|&i| v.prediction_time[i]).collect(),
            value: keep.iter().map(|&i| v.value[i]).collect(),
        }
    };
    let treatment = select(keyed_labels(tl, "treatment")?);
    let outcome = select(keyed_labels(yl, "outcome")?);
    let policy = if c.inner_join { JoinPolicy::Inner } else { JoinPolicy::Strict };
    let task = from_sparse(&matrix, &tab.space.names, &keys, &treatment, &outcome, policy, c.drop_missing_outcome)
        .with_context(|| {
            format!(
                "joining {} with {} and {} on (subject_id, prediction_time)",
                dir.display(),
                tl.display(),
                yl.display()
            )
        })?;
    let rows = RowAccount { kept: task.feature_rows, dropped_missing_outcome: task.account.dropped_missing_outcome };
    let join = JoinAccount { labels_in_other_splits: left_out, ..task.account };
    Ok(Loaded { data: task.data, rows, keys: Some(task.keys), join: Some(join) })
}

fn base_params(c: &CommonArgs) -> CausalParams {
    CausalParams {
        estimand: match c.estimand {
            EstimandArg::Ate => Estimand::Ate,
            EstimandArg::Att => Estimand::Att,
        },
        propensity: match c.propensity {
            PropensityArg::Logistic => PropensityModel::Logistic { lambda: c.propensity_lambda },
            PropensityArg::Gbdt => PropensityModel::Gbdt(GbdtParams {
                num_trees: 100,
                learning_rate: 0.05,
                num_leaves: 15,
                seed: c.seed,
                ..GbdtParams::default()
            }),
        },
        clip: c.clip,
        trim: c.trim,
        seed: c.seed,
        // Balance, overlap and sensitivity diagnose the propensity model fitted on all rows.
        ipw_propensity: PropensityFitting::InSample,
        ..CausalParams::default()
    }
}

#[derive(Serialize)]
struct EstimateJson {
    estimate: f64,
    se: f64,
    ci_low: f64,
    ci_high: f64,
    estimand: &'static str,
    estimator: &'static str,
    n: usize,
    n_treated: usize,
    n_dropped: usize,
    /// MEDS input only: how the features and labels joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    join: Option<JoinAccount>,
}

fn print_join(j: &JoinAccount) {
    println!(
        "joined {} of {} feature rows; dropped {} without a treatment label, {} without an outcome label; {} treatment \
         and {} outcome labels had no feature row; {} indicator columns, {} constant and {} duplicate columns dropped",
        j.joined,
        j.feature_rows,
        j.features_without_treatment,
        j.features_without_outcome,
        j.treatment_without_features,
        j.outcome_without_features,
        j.indicator_columns,
        j.constant_columns_dropped,
        j.duplicate_columns_dropped
    );
}

fn atomic_write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|_| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn estimator_kind(e: EstimatorArg) -> Estimator {
    match e {
        EstimatorArg::Naive => Estimator::Naive,
        EstimatorArg::Standardization => Estimator::Standardization,
        EstimatorArg::Ipw => Estimator::Ipw,
        EstimatorArg::Aipw => Estimator::Aipw,
        EstimatorArg::Tlearner => Estimator::TLearner,
        EstimatorArg::Xlearner => Estimator::XLearner,
        EstimatorArg::Drlearner => Estimator::DrLearner,
        EstimatorArg::Matching => Estimator::Matching,
    }
}

fn estimator_params(c: &CommonArgs, o: &EstimatorOpts) -> CausalParams {
    CausalParams {
        estimator: estimator_kind(o.estimator),
        folds: o.folds,
        outcome: outcome_model(o.outcome_model, c.seed),
        ipw: match o.ipw {
            IpwArg::Hajek => IpwForm::Hajek,
            IpwArg::Ht => IpwForm::HorvitzThompson,
        },
        bootstrap: o.bootstrap,
        ipw_propensity: if o.in_sample_propensity {
            PropensityFitting::InSample
        } else {
            PropensityFitting::CrossFitted
        },
        matching: MatchingParams {
            distance: distance(o.distance),
            with_replacement: !o.without_replacement,
            caliper: o.caliper,
            matches: o.matches,
        },
        ..base_params(c)
    }
}

fn outcome_model(kind: OutcomeArg, seed: u64) -> OutcomeModel {
    match kind {
        OutcomeArg::Gbdt => match OutcomeModel::default_gbdt() {
            OutcomeModel::Gbdt(p) => OutcomeModel::Gbdt(GbdtParams { seed, ..p }),
            other => other,
        },
        OutcomeArg::Linear => OutcomeModel::Linear { lambda: 0.0 },
    }
}

fn run_estimate(a: EstimateArgs) -> anyhow::Result<ExitCode> {
    let params = estimator_params(&a.common, &a.opts);
    let estimator = params.estimator;
    if a.cate_out.is_some() && !matches!(estimator, Estimator::TLearner | Estimator::XLearner | Estimator::DrLearner) {
        bail!(
            "--cate-out needs an estimator that predicts per-row effects (tlearner, xlearner, drlearner), not {}",
            estimator.name()
        );
    }
    let Loaded { data, rows, keys, join } = load(&a.common)?;
    let est: Estimate = estimate(&data, &params).context("estimating the effect")?;
    if let Some(path) = &a.cate_out {
        let cate = est.cate.as_ref().context("the estimator gave no per-row effects")?;
        let mut s = String::new();
        match &keys {
            Some(keys) => {
                s += "subject_id,prediction_time,cate\n";
                for ((sid, time), c) in keys.iter().zip(cate) {
                    s += &format!("{sid},{},{c}\n", mlhc_core::Timestamp(*time));
                }
            }
            None => {
                s += "row,cate\n";
                for (row, c) in rows.kept.iter().zip(cate) {
                    s += &format!("{row},{c}\n");
                }
            }
        }
        atomic_write(path, s.as_bytes())?;
    }
    let out = EstimateJson {
        estimate: est.estimate,
        se: est.se,
        ci_low: est.ci_low,
        ci_high: est.ci_high,
        estimand: est.estimand.name(),
        estimator: est.estimator.name(),
        n: est.n,
        n_treated: est.n_treated,
        n_dropped: rows.dropped_missing_outcome,
        join,
    };
    if a.common.json {
        ui::print_json(&out)?;
    } else {
        if let Some(j) = &out.join {
            print_join(j);
        }
        println!(
            "{} {}: {:.4} (se {:.4}, 95% CI {:.4} to {:.4}); {} rows, {} treated, {} dropped for a missing outcome",
            out.estimator,
            out.estimand,
            out.estimate,
            out.se,
            out.ci_low,
            out.ci_high,
            out.n,
            out.n_treated,
            out.n_dropped
        );
        if est.n_trimmed > 0 {
            let t = params.trim.unwrap_or(0.0);
            println!("{} rows trimmed for a propensity outside [{t}, {}]", est.n_trimmed, 1.0 - t);
        }
        if est.n_unmatched > 0 {
            println!("{} units had no match within the caliper", est.n_unmatched);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct CovariateBalance {
    name: String,
    mean_treated: f64,
    mean_control: f64,
    smd_before: f64,
    mean_treated_after: f64,
    mean_control_after: f64,
    smd_after: f64,
}

#[derive(Serialize)]
struct BalanceJson {
    n: usize,
    n_treated: usize,
    n_dropped: usize,
    method: &'static str,
    n_unmatched: usize,
    max_abs_smd_before: f64,
    max_abs_smd_after: f64,
    covariates: Vec<CovariateBalance>,
    overlap: Overlap,
}

fn run_balance(a: BalanceArgs) -> anyhow::Result<ExitCode> {
    if a.common.trim.is_some() {
        bail!("--trim applies to estimate and refute only");
    }
    let Loaded { data, rows, .. } = load(&a.common)?;
    let (estimator, method) = match a.method {
        BalanceMethod::Ipw => (Estimator::Ipw, "ipw"),
        BalanceMethod::Matching => (Estimator::Matching, "matching"),
    };
    let params = CausalParams {
        estimator,
        matching: MatchingParams {
            distance: distance(a.distance),
            with_replacement: !a.without_replacement,
            caliper: a.caliper,
            matches: 1,
        },
        ..base_params(&a.common)
    };
    params.validate()?;
    // One point estimate is enough for the weights; the bootstrap is not needed.
    let est =
        estimate(&data, &CausalParams { bootstrap: 2, ..params.clone() }).context("fitting the propensity model")?;
    let weights = est.weights.as_deref().context("the estimator gave no weights")?;
    let before = smd_table(&data.x, &data.treatment, None);
    let after = smd_table(&data.x, &data.treatment, Some(weights));
    let raw_e = mlhc_causal::estimate::propensity_scores(&data, &params)?;
    if let Some(path) = &a.svg {
        let label = if method == "ipw" { "IP-weighted" } else { "matched" };
        atomic_write(path, love_plot_svg(&before, &after, label).as_bytes())?;
    }
    let max_abs = |v: &[mlhc_causal::balance::Smd]| v.iter().map(|s| s.smd.abs()).fold(0.0, f64::max);
    let out = BalanceJson {
        n: data.n(),
        n_treated: data.n_treated(),
        n_dropped: rows.dropped_missing_outcome,
        method,
        n_unmatched: est.n_unmatched,
        max_abs_smd_before: max_abs(&before),
        max_abs_smd_after: max_abs(&after),
        covariates: before
            .iter()
            .zip(&after)
            .map(|(b, a)| CovariateBalance {
                name: b.name.clone(),
                mean_treated: b.mean_treated,
                mean_control: b.mean_control,
                smd_before: b.smd,
                mean_treated_after: a.mean_treated,
                mean_control_after: a.mean_control,
                smd_after: a.smd,
            })
            .collect(),
        overlap: overlap(&raw_e, &data.treatment, params.clip, 10),
    };
    if a.common.json {
        ui::print_json(&out)?;
    } else {
        println!("{:<32} {:>10} {:>10}", "covariate", "SMD before", format!("SMD {method}"));
        for c in &out.covariates {
            println!("{:<32} {:>10.4} {:>10.4}", c.name, c.smd_before, c.smd_after);
        }
        let o = &out.overlap;
        println!(
            "propensity: treated {:.4}–{:.4}, control {:.4}–{:.4}; AUC {:.4}; ATE weights {:.3}–{:.3} (stabilized {:.3}–{:.3})",
            o.treated.min, o.treated.max, o.control.min, o.control.max, o.auc, o.weight_range.0, o.weight_range.1,
            o.stabilized_weight_range.0, o.stabilized_weight_range.1
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Bound {
    epsilon: f64,
    low: f64,
    high: f64,
}

#[derive(Serialize)]
struct SensitivityJson {
    estimate: f64,
    ci_low: f64,
    ci_high: f64,
    estimator: &'static str,
    estimand: &'static str,
    outcome_sd: f64,
    evalue: EValues,
    epsilon_bounds: Vec<Bound>,
}

fn run_sensitivity(a: SensitivityArgs) -> anyhow::Result<ExitCode> {
    if a.common.trim.is_some() {
        bail!("--trim applies to estimate and refute only");
    }
    let Loaded { data, .. } = load(&a.common)?;
    let params = CausalParams { estimator: Estimator::Ipw, estimand: Estimand::Ate, ..base_params(&a.common) };
    if matches!(a.common.estimand, EstimandArg::Att) {
        bail!("sensitivity bounds are defined for the ATE only (drop --estimand att)");
    }
    let est = estimate(&data, &params).context("estimating the IP-weighted effect")?;
    let n = data.n() as f64;
    let mean = data.outcome.iter().sum::<f64>() / n;
    let sd = (data.outcome.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let e = est.propensity.as_deref().context("no propensities")?;
    let bounds = a
        .epsilon
        .iter()
        .map(|&eps| {
            let (low, high) = epsilon_bounds(e, &data.treatment, &data.outcome, eps, params.clip)?;
            Ok(Bound { epsilon: eps, low, high })
        })
        .collect::<mlhc_causal::Result<Vec<Bound>>>()?;
    let out = SensitivityJson {
        estimate: est.estimate,
        ci_low: est.ci_low,
        ci_high: est.ci_high,
        estimator: "ipw",
        estimand: "ate",
        outcome_sd: sd,
        evalue: evalue_difference(est.estimate, est.ci_low, est.ci_high, sd),
        epsilon_bounds: bounds,
    };
    if a.common.json {
        ui::print_json(&out)?;
    } else {
        println!(
            "ipw ate {:.4} (95% CI {:.4} to {:.4}); E-value {:.3} (CI {:.3})",
            out.estimate, out.ci_low, out.ci_high, out.evalue.point, out.evalue.ci
        );
        for b in &out.epsilon_bounds {
            println!("epsilon {:<6} bounds {:.4} to {:.4}", b.epsilon, b.low, b.high);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_refute(a: RefuteArgs) -> anyhow::Result<ExitCode> {
    let Loaded { data, .. } = load(&a.common)?;
    let params = estimator_params(&a.common, &a.opts);
    let original = estimate(&data, &params).context("estimating the effect")?;
    let mut out = Vec::new();
    for (k, r) in a.refuters.iter().enumerate() {
        let refuter = match r {
            RefuterArg::Placebo => Refuter::PlaceboTreatment,
            RefuterArg::RandomCommonCause => Refuter::RandomCommonCause,
            RefuterArg::Subset => Refuter::Subset { fraction: a.subset_fraction },
        };
        let seed = a.common.seed.wrapping_add(k as u64 + 1);
        out.push(refute(&data, &params, &original, refuter, seed).context("refuting")?);
    }
    if a.common.json {
        ui::print_json(&out)?;
    } else {
        println!(
            "{} {}: {:.4} (95% CI {:.4} to {:.4})",
            original.estimator.name(),
            original.estimand.name(),
            original.estimate,
            original.ci_low,
            original.ci_high
        );
        for r in &out {
            println!(
                "{:<28} new estimate {:.4} (95% CI {:.4} to {:.4}), expected {:.4}: {}",
                format!("{:?}", r.refuter),
                r.new_estimate,
                r.new_ci.0,
                r.new_ci.1,
                r.expected,
                if r.passed { "passed" } else { "FAILED" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_subgroups(a: SubgroupArgs) -> anyhow::Result<ExitCode> {
    if a.common.trim.is_some() {
        bail!("--trim applies to estimate and refute only");
    }
    let Loaded { data, rows, .. } = load(&a.common)?;
    let labels: Vec<String> = match &a.common.data {
        Some(path) => {
            let frame = Frame::read(path).with_context(|| format!("reading {}", path.display()))?;
            match frame.column(&a.by)? {
                Column::Numeric(v) => {
                    rows.kept.iter().map(|&r| v.get(r).map_or_else(|| "NA".to_string(), |x| x.to_string())).collect()
                }
                Column::Text(v) => {
                    rows.kept.iter().map(|&r| v[r].clone().unwrap_or_else(|| "NA".to_string())).collect()
                }
            }
        }
        // MEDS input: the groups are the values of one covariate column (e.g. GENDER//F/static/present).
        None => {
            let Some(j) = data.x.names.iter().position(|n| n == &a.by) else {
                bail!(
                    "--by {:?} is not a covariate column of the features (constant and duplicate columns are dropped)",
                    a.by
                );
            };
            (0..data.n()).map(|i| data.x.row(i)[j].to_string()).collect()
        }
    };
    let params = CausalParams {
        estimator: Estimator::Aipw,
        folds: a.folds,
        outcome: outcome_model(a.outcome_model, a.common.seed),
        ..base_params(&a.common)
    };
    if matches!(a.common.estimand, EstimandArg::Att) {
        bail!("subgroup effects are average effects (ATE) within each subgroup (drop --estimand att)");
    }
    let groups = subgroup_effects(&data, &params, &labels).context("estimating subgroup effects")?;
    if a.common.json {
        ui::print_json(&groups)?;
    } else {
        for g in &groups {
            println!(
                "{}={:<12} n {:>6} treated {:>6}: {:.4} (95% CI {:.4} to {:.4})",
                a.by, g.group, g.n, g.n_treated, g.estimate, g.ci_low, g.ci_high
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct ReportJson<'a> {
    #[serde(flatten)]
    report: &'a CausalReport,
    n_dropped: usize,
    /// MEDS input only: how the features and labels joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    join: Option<JoinAccount>,
}

fn run_report(a: ReportArgs) -> anyhow::Result<ExitCode> {
    if a.common.trim.is_some() {
        bail!("--trim applies to estimate and refute only");
    }
    let Loaded { data, rows, join, .. } = load(&a.common)?;
    let title = match (&a.common.data, &a.common.features) {
        (Some(path), _) => format!(
            "{} on {} ({})",
            a.common.treatment.as_deref().unwrap_or(""),
            a.common.outcome.as_deref().unwrap_or(""),
            path.display()
        ),
        (None, Some(dir)) => format!(
            "{} on {} (features {})",
            a.common.treatment_labels.as_deref().map(|p| p.display().to_string()).unwrap_or_default(),
            a.common.outcome_labels.as_deref().map(|p| p.display().to_string()).unwrap_or_default(),
            dir.display()
        ),
        (None, None) => String::new(),
    };
    let params = ReportParams {
        base: CausalParams {
            folds: a.folds,
            outcome: outcome_model(a.outcome_model, a.common.seed),
            bootstrap: a.bootstrap,
            ..base_params(&a.common)
        },
        estimators: a.estimators.iter().map(|&e| estimator_kind(e)).collect(),
        epsilons: a.epsilon.clone(),
        ..ReportParams::default()
    };
    let mut report = build_report(&data, &params, &title).context("building the causal report")?;
    if rows.dropped_missing_outcome > 0 {
        report.notes.push(format!("{} rows dropped for a missing outcome.", rows.dropped_missing_outcome));
    }
    if let Some(j) = &join {
        report.notes.push(format!(
            "MEDS input: {} of {} feature rows joined with both labels on (subject_id, prediction_time); {} feature \
             rows without a treatment label and {} without an outcome label, {} treatment and {} outcome labels \
             without a feature row{}; {} covariate columns ({} indicators for unobserved values; {} constant and {} \
             duplicate columns dropped).",
            j.joined,
            j.feature_rows,
            j.features_without_treatment,
            j.features_without_outcome,
            j.treatment_without_features,
            j.outcome_without_features,
            if j.labels_in_other_splits > 0 {
                format!("; {} label rows of other splits left out", j.labels_in_other_splits)
            } else {
                String::new()
            },
            data.x.n_cols,
            j.indicator_columns,
            j.constant_columns_dropped,
            j.duplicate_columns_dropped
        ));
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let html = a.out.join("causal_report.html");
    atomic_write(&html, render_html(&report).as_bytes())?;
    let json = a.out.join("causal_report.json");
    let out = ReportJson { report: &report, n_dropped: rows.dropped_missing_outcome, join };
    atomic_write(&json, serde_json::to_string_pretty(&out)?.as_bytes())?;
    if a.common.json {
        ui::print_json(&serde_json::json!({"html": html, "json": json}))?;
    } else {
        for e in &report.estimates {
            println!("{:<16} {:.4} (95% CI {:.4} to {:.4})", e.estimator, e.estimate, e.ci_low, e.ci_high);
        }
        for f in &report.failed {
            println!("{:<16} failed: {}", f.estimator, f.error);
        }
        println!("report: {}", html.display());
    }
    Ok(ExitCode::SUCCESS)
}
