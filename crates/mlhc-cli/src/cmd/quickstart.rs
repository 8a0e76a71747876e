//! `mlhc quickstart`: the whole risk pipeline on the bundled MIMIC-IV demo, offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use mlhc_tab::TabParams;

use crate::pipeline::config::{default_attributes, default_gbdt, DEFAULT_CS};
use crate::pipeline::{run, Models, Pipeline, Validation};

/// The bundled MIMIC-IV demo in MEDS form (ODbL v1.0; Johnson A, et al., PhysioNet 2023,
/// doi:10.13026/dp1f-ex47), embedded so that the quickstart works from any directory.
const DEMO_FILES: [(&str, &[u8]); 6] = [
    ("data/train/0.parquet", include_bytes!("../../../../testdata/mimic-iv-demo-meds/data/train/0.parquet")),
    ("data/tuning/0.parquet", include_bytes!("../../../../testdata/mimic-iv-demo-meds/data/tuning/0.parquet")),
    ("data/held_out/0.parquet", include_bytes!("../../../../testdata/mimic-iv-demo-meds/data/held_out/0.parquet")),
    ("metadata/codes.parquet", include_bytes!("../../../../testdata/mimic-iv-demo-meds/metadata/codes.parquet")),
    (
        "metadata/subject_splits.parquet",
        include_bytes!("../../../../testdata/mimic-iv-demo-meds/metadata/subject_splits.parquet"),
    ),
    ("metadata/dataset.json", include_bytes!("../../../../testdata/mimic-iv-demo-meds/metadata/dataset.json")),
];
const DEMO_LICENCE: &str = "MIMIC-IV Clinical Database Demo v2.2, Open Database License v1.0; Johnson A, et al., PhysioNet 2023, doi:10.13026/dp1f-ex47";
/// MEDS-DEV 0.0.14 task `readmission/general_hospital/30d` (MIT) and its MIMIC-IV predicates.
const TASK_NAME: &str = "readmission/general_hospital/30d (MEDS-DEV)";
const TASK_YAML: &str = include_str!("../../../../testdata/meds-dev-tasks/tasks/readmission/general_hospital/30d.yaml");
const PREDICATES_YAML: &str = include_str!("../../../../testdata/meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml");

/// Arguments of `mlhc quickstart`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Runs task -> features -> model -> evaluation -> report on the bundled MIMIC-IV demo (100 patients,
MEDS form, embedded in the binary): MEDS-DEV's 30-day hospital readmission task, MEDS-Tab-style
features, L2 logistic regression with C chosen by nested subject-grouped 5-fold CV, out-of-fold
metrics with subject-level bootstrap CIs, and a self-contained HTML report plus a model card.

Examples:
  mlhc quickstart                       writes ./mlhc-quickstart/report.html
  mlhc quickstart --synthetic 5000      the same on a 5,000-patient synthetic cohort")]
pub struct Args {
    /// Output folder.
    #[arg(long, default_value = "mlhc-quickstart")]
    pub out: PathBuf,
    /// Run on a synthetic cohort of this many patients (`mlhc synth`) instead of the demo.
    #[arg(long, value_name = "N")]
    pub synthetic: Option<usize>,
    /// Seed for the synthetic data, the folds and the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Bootstrap replicates for the confidence intervals.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
}

fn write_demo(dir: &Path) -> anyhow::Result<()> {
    for (rel, bytes) in DEMO_FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Runs `mlhc quickstart`.
pub fn run_quickstart(args: Args) -> anyhow::Result<ExitCode> {
    let start = std::time::Instant::now();
    let (dataset, licence) = match args.synthetic {
        None => {
            let dir = args.out.join("mimic-iv-demo-meds");
            if dir.exists() {
                std::fs::remove_dir_all(&dir).with_context(|| format!("cannot replace {}", dir.display()))?;
            }
            write_demo(&dir)?;
            (dir, DEMO_LICENCE.to_string())
        }
        Some(n) => {
            let dir = args.out.join(format!("synthetic-{n}-seed-{}", args.seed));
            if dir.exists() {
                std::fs::remove_dir_all(&dir).with_context(|| format!("cannot replace {}", dir.display()))?;
            }
            let synth = mlhc_meds::synth::Synth::new(&mlhc_meds::synth::SynthConfig::new(n).with_seed(args.seed))?;
            let s = synth.write(&dir, &|_, _| {})?;
            eprintln!("synthetic cohort: {} subjects, {} events", s.subjects, s.events);
            (dir, format!("synthetic (mlhc synth, seed {}), no licence restrictions", args.seed))
        }
    };
    let pipeline = Pipeline {
        dataset,
        licence,
        task_name: TASK_NAME.into(),
        task_yaml: TASK_YAML.into(),
        predicates_yaml: Some(PREDICATES_YAML.into()),
        out: args.out.clone(),
        seed: args.seed,
        validation: Validation::SubjectFolds { folds: 5 },
        // With tens of thousands of features and a few hundred rows, strong penalties must be on the
        // C grid; the boosted trees use fixed small-data settings.
        models: Models { logistic_cs: Some(DEFAULT_CS.to_vec()), gbdt: Some(default_gbdt(args.seed)) },
        tab: TabParams::default(),
        n_boot: args.bootstrap,
        subgroups: default_attributes(),
    };
    let out = run(&pipeline, &mut |line| eprintln!("{line}"))?;
    eprintln!("done in {:.1}s; model card: {}", start.elapsed().as_secs_f64(), out.model_card.display());
    println!("report: {}", out.report.display());
    Ok(ExitCode::SUCCESS)
}
