//! `mlhc tabularize`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use mlhc_tab::{tabularize, write_features, Aggregation, Anchor, PredictionRow, TabParams, Window};

use crate::ui;

/// Arguments of `mlhc tabularize`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Features follow MEDS-Tab's names: {code}/static/present, {code}/static/first,
{code}/code/count/{window}, {code}/value/{count,sum,sum_sqd,min,max}/{window}. Only events at or
before each prediction time are read. Codes are kept when they occur at least --min-code-count times
in the train split.

Output (loadable from Python with scipy.sparse.load_npz and numpy.load):
  OUT/feature_space.json  OUT/<split>/features.npz  OUT/<split>/rows.npz

Example:
  mlhc cohort --config task.yaml testdata/mimic-iv-demo-meds -o labels.parquet
  mlhc tabularize testdata/mimic-iv-demo-meds --labels labels.parquet -o features/")]
pub struct Args {
    /// The MEDS dataset folder.
    pub meds_dir: PathBuf,
    /// Labels in the MEDS label schema: a Parquet file or a folder of them.
    #[arg(long)]
    pub labels: PathBuf,
    /// The output folder.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Look-back windows, comma-separated (`full` or a number with s, m, h, d or w).
    #[arg(long, value_delimiter = ',', default_value = "1d,7d,30d,365d,full")]
    pub windows: Vec<String>,
    /// Aggregations, comma-separated. By default all: static/present, static/first, code/count,
    /// value/count, value/sum, value/sum_sqd, value/min, value/max.
    #[arg(long, value_delimiter = ',')]
    pub aggs: Vec<String>,
    /// Keep a code when it occurs at least this many times in the train split.
    #[arg(long, default_value_t = 10)]
    pub min_code_count: u64,
    /// Where windows end: at the prediction time (`prediction-time`), or at the subject's last event
    /// of an included code at or before it (`last-event`, MEDS-Tab 0.2.0's behaviour).
    #[arg(long, value_enum, default_value_t = AnchorArg::PredictionTime)]
    pub anchor: AnchorArg,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--anchor` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AnchorArg {
    /// Windows end at the prediction time.
    PredictionTime,
    /// Windows end at the last event of an included code at or before the prediction time.
    LastEvent,
}

/// Runs `mlhc tabularize`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let windows = args.windows.iter().map(|w| Window::parse(w)).collect::<Result<Vec<_>, _>>()?;
    let aggregations = if args.aggs.is_empty() {
        Aggregation::ALL.to_vec()
    } else {
        args.aggs.iter().map(|a| Aggregation::parse(a)).collect::<Result<Vec<_>, _>>()?
    };
    let params = TabParams {
        windows,
        aggregations,
        min_code_inclusion_count: args.min_code_count,
        anchor: match args.anchor {
            AnchorArg::PredictionTime => Anchor::PredictionTime,
            AnchorArg::LastEvent => Anchor::LastEvent,
        },
    };
    let labels = mlhc_meds::labels::read_labels(&args.labels)
        .with_context(|| format!("cannot read labels {}", args.labels.display()))?;
    let mut rows = Vec::with_capacity(labels.len());
    for i in 0..labels.len() {
        let Some(prediction_time) = labels.prediction_time[i] else {
            bail!("{}: label row {i} (subject {}) has no prediction_time", args.labels.display(), labels.subject_id[i]);
        };
        let label = labels
            .boolean_value
            .get(i)
            .copied()
            .flatten()
            .map(|b| b as u8 as f64)
            .or_else(|| labels.integer_value.get(i).copied().flatten().map(|v| v as f64))
            .or_else(|| labels.float_value.get(i).copied().flatten().map(f64::from));
        rows.push(PredictionRow { subject_id: labels.subject_id[i], prediction_time, label });
    }
    let ds = mlhc_meds::Dataset::open(&args.meds_dir)?;
    let spinner = ui::spinner("tabularizing");
    let start = std::time::Instant::now();
    let t =
        tabularize(&ds, &rows, &params).with_context(|| format!("cannot tabularize {}", args.meds_dir.display()))?;
    write_features(&args.output, &t).with_context(|| format!("cannot write {}", args.output.display()))?;
    spinner.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    if args.json {
        let splits: Vec<_> = t
            .splits
            .iter()
            .map(|s| serde_json::json!({"split": s.split, "rows": s.matrix.n_rows(), "nnz": s.matrix.nnz()}))
            .collect();
        ui::print_json(&serde_json::json!({
            "summary": t.summary, "splits": splits, "output": args.output, "seconds": seconds
        }))?;
    } else {
        let s = &t.summary;
        println!(
            "{} rows, {} features from {} of {} train codes, {} stored entries ({:.2}s)",
            s.rows, s.features, s.included_codes, s.train_codes, s.nnz, seconds
        );
        for sp in &t.splits {
            println!("  {:<10} {:>8} rows {:>10} entries", sp.split, sp.matrix.n_rows(), sp.matrix.nnz());
        }
        if s.rows_without_subject > 0 {
            println!(
                "  note: {} label rows name subjects with no events (their rows are empty)",
                s.rows_without_subject
            );
        }
        if s.inclusion_used_all_subjects {
            println!("  note: no train split found; code inclusion counted every subject");
        }
        println!("wrote {}", args.output.display());
    }
    Ok(ExitCode::SUCCESS)
}
