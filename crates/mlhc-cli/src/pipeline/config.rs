//! The pipeline configuration file read by `mlhc run`: raw YAML → a validated [`Pipeline`].
//!
//! ```yaml
//! dataset: ../testdata/mimic-iv-demo-meds        # a MEDS folder
//! task:
//!   name: readmission 30d
//!   config: tasks/readmission/general_hospital/30d.yaml   # ACES task
//!   predicates: datasets/MIMIC-IV/predicates.yaml         # optional
//! output: runs/readmission                        # by default, ./mlhc-run
//! seed: 0
//! bootstrap: 1000
//! validation: {kind: cross-validation, folds: 5}  # or held-out, or temporal with a cutoff
//! tabularize: {windows: [1d, 7d, 30d, 365d, full], min_code_count: 10}
//! models:
//!   logistic: {c: [0.001, 0.01, 0.1, 0.25, 0.5, 1]}
//!   gbdt: {num_trees: 50, learning_rate: 0.1, num_leaves: 15}
//! subgroups:
//!   - {name: sex, code_prefix: "GENDER//"}
//!   - {name: age, age_bands: [50, 65, 80]}
//! ```
//!
//! Relative paths are resolved against the folder holding the configuration file, so a configuration
//! runs the same from any current directory.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use mlhc_learn::gbdt::GbdtParams;
use mlhc_tab::{Aggregation, Anchor, TabParams, Window};
use serde::Deserialize;

use super::attributes::Attribute;
use super::{Models, Pipeline, Validation};

/// The C grid used when a configuration names none: log-spaced over four orders of magnitude and
/// containing the course's problem-set grid {0.1, 0.25, 0.5, 1}.
pub const DEFAULT_CS: [f64; 6] = [0.001, 0.01, 0.1, 0.25, 0.5, 1.0];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    dataset: PathBuf,
    #[serde(default)]
    licence: Option<String>,
    task: RawTask,
    #[serde(default)]
    output: Option<PathBuf>,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    bootstrap: Option<usize>,
    #[serde(default)]
    validation: Option<RawValidation>,
    #[serde(default)]
    tabularize: Option<RawTab>,
    #[serde(default)]
    models: Option<RawModels>,
    #[serde(default)]
    subgroups: Option<Vec<RawAttribute>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    #[serde(default)]
    name: Option<String>,
    config: PathBuf,
    #[serde(default)]
    predicates: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidation {
    kind: String,
    #[serde(default)]
    folds: Option<usize>,
    #[serde(default)]
    cutoff: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTab {
    #[serde(default)]
    windows: Option<Vec<String>>,
    #[serde(default)]
    aggregations: Option<Vec<String>>,
    #[serde(default)]
    min_code_count: Option<u64>,
    #[serde(default)]
    anchor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModels {
    #[serde(default)]
    logistic: Option<RawLogistic>,
    #[serde(default)]
    gbdt: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogistic {
    #[serde(default)]
    c: Option<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttribute {
    name: String,
    #[serde(default)]
    code_prefix: Option<String>,
    #[serde(default)]
    age_bands: Option<Vec<f64>>,
}

/// The boosted-tree settings used when a configuration names none: fixed small-data settings.
pub fn default_gbdt(seed: u64) -> GbdtParams {
    GbdtParams {
        num_trees: 50,
        learning_rate: 0.1,
        num_leaves: 15,
        min_data_in_leaf: 10,
        // Tens of thousands of sparse columns and a few hundred rows: sampling a third of the columns per
        // tree regularizes and keeps the quickstart under a minute.
        feature_fraction: 0.3,
        bagging_fraction: 0.8,
        seed,
        ..GbdtParams::default()
    }
}

/// The subgroup attributes used when a configuration names none: recorded sex, race (where the dataset
/// codes it as `RACE//…`, as MIMIC-style ETLs and `mlhc synth` do) and age at prediction. An attribute no
/// evaluated row has is left out of the report.
pub fn default_attributes() -> Vec<Attribute> {
    vec![
        Attribute::CodePrefix { name: "sex".into(), prefix: "GENDER//".into() },
        Attribute::CodePrefix { name: "race".into(), prefix: "RACE//".into() },
        Attribute::AgeBand { name: "age".into(), edges: vec![50.0, 65.0, 80.0] },
    ]
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Reads and validates a pipeline configuration file. `output` overrides the file's `output`.
pub fn load(path: &Path, output: Option<PathBuf>) -> anyhow::Result<Pipeline> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let raw: RawConfig =
        serde_norway::from_str(&text).with_context(|| format!("{}: invalid configuration", path.display()))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    validate(raw, &base, output).with_context(|| format!("{}: invalid configuration", path.display()))
}

fn validate(raw: RawConfig, base: &Path, output: Option<PathBuf>) -> anyhow::Result<Pipeline> {
    let task_path = resolve(base, &raw.task.config);
    let task_yaml =
        std::fs::read_to_string(&task_path).with_context(|| format!("task: cannot read {}", task_path.display()))?;
    let predicates_yaml = match &raw.task.predicates {
        None => None,
        Some(p) => {
            let p = resolve(base, p);
            Some(std::fs::read_to_string(&p).with_context(|| format!("task: cannot read {}", p.display()))?)
        }
    };
    let task_name =
        raw.task.name.clone().unwrap_or_else(|| {
            task_path.file_stem().map_or_else(|| "task".into(), |s| s.to_string_lossy().into_owned())
        });
    let validation = match raw.validation {
        None => Validation::SubjectFolds { folds: 5 },
        Some(v) => {
            let reject = |field: &str, value: bool| -> anyhow::Result<()> {
                if value {
                    bail!("validation: `{field}` does not apply to kind `{}`", v.kind);
                }
                Ok(())
            };
            match v.kind.as_str() {
                "cross-validation" => {
                    reject("cutoff", v.cutoff.is_some())?;
                    let folds = v.folds.unwrap_or(5);
                    if folds < 2 {
                        bail!("validation: folds must be at least 2, got {folds}");
                    }
                    Validation::SubjectFolds { folds }
                }
                "held-out" => {
                    reject("cutoff", v.cutoff.is_some())?;
                    reject("folds", v.folds.is_some())?;
                    Validation::HeldOut
                }
                "temporal" => {
                    reject("folds", v.folds.is_some())?;
                    let Some(c) = v.cutoff.as_deref() else {
                        bail!("validation: kind `temporal` needs a `cutoff` date (e.g. 2150-01-01)");
                    };
                    let cutoff = mlhc_core::Timestamp::parse(c).with_context(|| format!("validation: cutoff {c:?}"))?;
                    Validation::Temporal { cutoff: cutoff.0 }
                }
                other => bail!("validation: unknown kind {other:?} (expected cross-validation, held-out or temporal)"),
            }
        }
    };
    let mut tab = TabParams::default();
    if let Some(t) = raw.tabularize {
        if let Some(w) = t.windows {
            tab.windows =
                w.iter().map(|w| Window::parse(w)).collect::<Result<_, _>>().context("tabularize: windows")?;
        }
        if let Some(a) = t.aggregations {
            tab.aggregations = a
                .iter()
                .map(|a| Aggregation::parse(a))
                .collect::<Result<_, _>>()
                .context("tabularize: aggregations")?;
        }
        if let Some(m) = t.min_code_count {
            tab.min_code_inclusion_count = m;
        }
        if let Some(a) = t.anchor {
            tab.anchor = match a.as_str() {
                "prediction-time" => Anchor::PredictionTime,
                "last-event" => Anchor::LastEvent,
                other => bail!("tabularize: unknown anchor {other:?} (expected prediction-time or last-event)"),
            };
        }
    }
    let models = match raw.models {
        None => Models { logistic_cs: Some(DEFAULT_CS.to_vec()), gbdt: Some(default_gbdt(raw.seed)) },
        Some(m) => {
            let logistic_cs = m.logistic.map(|l| l.c.unwrap_or_else(|| DEFAULT_CS.to_vec()));
            if let Some(cs) = &logistic_cs {
                if cs.is_empty() || cs.iter().any(|c| !(c.is_finite() && *c > 0.0)) {
                    bail!("models.logistic.c: every C must be positive and finite, got {cs:?}");
                }
            }
            let gbdt = match m.gbdt {
                None => None,
                Some(v) => {
                    // Unnamed settings keep the pipeline's small-data defaults, not LightGBM's.
                    let mut base = serde_json::to_value(default_gbdt(raw.seed))?;
                    let serde_json::Value::Object(over) = v else {
                        bail!("models.gbdt: expected a mapping of settings");
                    };
                    if let serde_json::Value::Object(b) = &mut base {
                        for (k, val) in over {
                            if !b.contains_key(&k) {
                                bail!(
                                    "models.gbdt: unknown setting {k:?} (known: {})",
                                    b.keys().cloned().collect::<Vec<_>>().join(", ")
                                );
                            }
                            b.insert(k, val);
                        }
                    }
                    Some(serde_json::from_value::<GbdtParams>(base).context("models.gbdt")?)
                }
            };
            if logistic_cs.is_none() && gbdt.is_none() {
                bail!("models: name at least one of `logistic` and `gbdt`");
            }
            Models { logistic_cs, gbdt }
        }
    };
    let subgroups = match raw.subgroups {
        None => default_attributes(),
        Some(list) => list
            .into_iter()
            .map(|a| match (a.code_prefix, a.age_bands) {
                (Some(prefix), None) if !prefix.is_empty() => Ok(Attribute::CodePrefix { name: a.name, prefix }),
                (None, Some(edges)) => {
                    if edges.is_empty()
                        || edges.windows(2).any(|w| w[0] >= w[1])
                        || edges.iter().any(|e| !e.is_finite())
                    {
                        bail!("subgroups.{}: age_bands must be increasing finite ages, got {edges:?}", a.name);
                    }
                    Ok(Attribute::AgeBand { name: a.name, edges })
                }
                _ => bail!("subgroups.{}: give exactly one of a non-empty `code_prefix` or `age_bands`", a.name),
            })
            .collect::<anyhow::Result<_>>()?,
    };
    Ok(Pipeline {
        dataset: resolve(base, &raw.dataset),
        licence: raw.licence.unwrap_or_else(|| "not stated in the pipeline configuration".into()),
        task_name,
        task_yaml,
        predicates_yaml,
        out: output.unwrap_or_else(|| raw.output.map_or_else(|| PathBuf::from("mlhc-run"), |o| resolve(base, &o))),
        seed: raw.seed,
        validation,
        models,
        tab,
        n_boot: raw.bootstrap.unwrap_or(1000),
        subgroups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn full_configuration_validates() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "task.yaml", "predicates: {}\n");
        let cfg = write(
            dir.path(),
            "p.yaml",
            "dataset: meds\ntask: {config: task.yaml}\nseed: 3\nbootstrap: 50\n\
validation: {kind: temporal, cutoff: 2150-01-01}\ntabularize: {windows: [7d, full], min_code_count: 2}\n\
models: {logistic: {c: [0.1, 1]}, gbdt: {num_trees: 5}}\nsubgroups: [{name: race, code_prefix: RACE//}, {name: age, age_bands: [40, 60]}]\n",
        );
        let p = load(&cfg, None).unwrap();
        assert_eq!(p.dataset, dir.path().join("meds"));
        assert_eq!(p.out, PathBuf::from("mlhc-run"));
        assert_eq!(p.task_name, "task");
        assert_eq!(p.validation, Validation::Temporal { cutoff: mlhc_core::Timestamp::parse("2150-01-01").unwrap().0 });
        assert_eq!(p.tab.windows.len(), 2);
        assert_eq!(p.tab.min_code_inclusion_count, 2);
        assert_eq!(p.models.logistic_cs, Some(vec![0.1, 1.0]));
        let g = p.models.gbdt.unwrap();
        assert_eq!((g.num_trees, g.num_leaves, g.seed), (5, 15, 3));
        assert_eq!(p.subgroups[0], Attribute::CodePrefix { name: "race".into(), prefix: "RACE//".into() });
        assert_eq!(p.n_boot, 50);
    }

    #[test]
    fn mistakes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "task.yaml", "predicates: {}\n");
        let err = |body: &str| {
            let cfg = write(dir.path(), "p.yaml", &format!("dataset: meds\ntask: {{config: task.yaml}}\n{body}"));
            format!("{:#}", load(&cfg, None).unwrap_err())
        };
        assert!(err("validation: {kind: temporal}\n").contains("kind `temporal` needs a `cutoff`"));
        assert!(err("validation: {kind: kfold}\n").contains("unknown kind \"kfold\""));
        assert!(err("validation: {kind: held-out, folds: 3}\n").contains("`folds` does not apply"));
        assert!(err("models: {gbdt: {trees: 5}}\n").contains("unknown setting \"trees\""));
        assert!(err("models: {logistic: {c: [0]}}\n").contains("every C must be positive"));
        assert!(err("subgroups: [{name: age, age_bands: [60, 40]}]\n").contains("increasing"));
        assert!(err("colour: red\n").contains("unknown field `colour`"));
        let cfg = write(dir.path(), "q.yaml", "dataset: meds\ntask: {config: missing.yaml}\n");
        assert!(format!("{:#}", load(&cfg, None).unwrap_err()).contains("cannot read"));
    }
}
