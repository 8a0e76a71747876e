//! Synthetic EHR generation: a realistic MEDS dataset of any size with known risk structure.
//!
//! Subjects have demographics (static `GENDER//F|M` and `RACE//…`, `MEDS_BIRTH` decades before their
//! first admission), hospital admissions (with ED visits for emergencies) and discharges, ICU stays with
//! hourly vitals, lab panels with MIMIC-IV itemids and units, ICD-10-CM diagnoses with real codes,
//! medications, and deaths. A latent severity per subject drives admissions, labs, vitals, diagnoses and
//! the hazard of death, so that mortality and readmission tasks have real signal;
//! [`Synth::latent_severity`] returns the latent value of any subject.
//!
//! # Risk model
//!
//! The structure that tests and benchmarks rely on (`s` is the subject's latent severity, standard
//! normal across subjects):
//! - each admission has an acute severity `a = 0.8·s + 0.6·N(0,1)` (minus 0.5 when elective), so `a` is
//!   about standard normal;
//! - P(ICU) = logistic(−1.3 + 1.1·a);
//!   P(in-hospital death) = logistic(−4.4 + 1.5·a + 0.04·(age − 65) + 0.3·ICU);
//! - labs and vitals move with `a` (creatinine, urea, lactate, WBC, potassium, heart rate, respiratory
//!   rate and temperature up; bicarbonate, sodium, haemoglobin, platelets, blood pressure and SpO2
//!   down), and with a ramp of +2 over the 48 hours before an in-hospital death, so the last day before
//!   death is visibly worse;
//! - critical-illness diagnoses and medications become likelier with `a`;
//! - admissions number `1 + Poisson(0.9·e^{0.5·s})` and are `Exp(mean 300 d · e^{−0.6·s})` apart, so
//!   sicker subjects are readmitted sooner (30-day readmission has signal);
//! - survivors of their last admission die later with probability logistic(−3 + 0.9·s + 0.045·(age − 65)).
//!
//! Every subject is generated from its own random stream, `Rng::for_stream(seed, subject_id)`, so the
//! output depends only on the seed, the number of subjects and the sharding, never on thread scheduling:
//! the same configuration writes byte-identical files.
//!
//! ```
//! use mlhc_meds::synth::{Synth, SynthConfig};
//! use mlhc_meds::{Dataset, ReadOptions};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let synth = Synth::new(&SynthConfig::new(50).with_seed(7)).unwrap();
//! let summary = synth.write(dir.path(), &|_, _| {}).unwrap();
//! assert_eq!(summary.subjects, 50);
//!
//! let loaded = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap();
//! let events: usize = loaded.shards.iter().map(|s| s.n_events()).sum();
//! assert_eq!(events, summary.events);
//! ```

mod codes;
mod config;
mod encounters;
mod labs;
mod population;
mod write;

use mlhc_core::{Bitmap, Rng};

pub use config::{ShardSpec, Sharding, Split, SynthConfig, DEFAULT_SUBJECTS_PER_SHARD};
pub use write::SynthSummary;

use crate::schema::{CodeInfo, DatasetMetadata, MEDS_VERSION};
use crate::{Result, Shard, Vocabulary};
use codes::Catalog;
use config::Plan;
use encounters::{Scratch, STATIC};
use population::{Person, SUBJECT_ID_BASE};

/// The value of `dataset_name` in the generated `dataset.json`.
pub const DATASET_NAME: &str = "mlhc-synthetic-ehr";

/// A validated generator: the shard plan and the code catalogue.
#[derive(Debug, Clone)]
pub struct Synth {
    plan: Plan,
    catalog: Catalog,
    subjects: usize,
}

impl Synth {
    /// Validates `config` (at least one subject, positive shard sizes) and prepares the catalogue.
    pub fn new(config: &SynthConfig) -> Result<Self> {
        Ok(Self { plan: config.plan()?, catalog: Catalog::new()?, subjects: config.subjects })
    }

    /// The shards that [`Synth::write`] writes, in order: train, tuning, then held-out shards.
    pub fn shards(&self) -> &[ShardSpec] {
        &self.plan.shards
    }

    /// The vocabulary every generated shard's code ids point into.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.catalog.vocab
    }

    /// Every code the generator can emit, with its description and parent codes (the rows of
    /// `codes.parquet`).
    pub fn codes(&self) -> &[CodeInfo] {
        &self.catalog.infos
    }

    /// The number of subjects.
    pub fn n_subjects(&self) -> usize {
        self.subjects
    }

    /// The `dataset.json` contents: fixed name and versions, no creation time, so that reruns are
    /// byte-identical. The seed and subject count are recorded as extra fields.
    pub fn metadata(&self) -> DatasetMetadata {
        let mut other = serde_json::Map::new();
        other.insert("synth_seed".into(), self.plan.seed.into());
        other.insert("synth_subjects".into(), (self.subjects as u64).into());
        DatasetMetadata {
            dataset_name: Some(DATASET_NAME.into()),
            dataset_version: Some(format!("seed-{}", self.plan.seed)),
            etl_name: Some("mlhc synth".into()),
            etl_version: Some(env!("CARGO_PKG_VERSION").into()),
            meds_version: Some(MEDS_VERSION.into()),
            created_at: None,
            other,
        }
    }

    /// Every subject's split, sorted by subject id (the rows of `subject_splits.parquet`).
    pub fn subject_splits(&self) -> Vec<(i64, Split)> {
        (0..self.subjects as u64).map(|k| (SUBJECT_ID_BASE + k as i64, self.plan.split_of(k))).collect()
    }

    /// The latent severity (standard normal across subjects) of `subject_id`, `None` when the dataset
    /// has no such subject. Higher means more admissions, worse labs and vitals and a higher risk of
    /// death.
    pub fn latent_severity(&self, subject_id: i64) -> Option<f64> {
        let k = subject_id.checked_sub(SUBJECT_ID_BASE)?;
        if k < 0 || k as usize >= self.subjects {
            return None;
        }
        let mut rng = Rng::for_stream(self.plan.seed, subject_id as u64);
        Some(Person::draw(&mut rng, &self.catalog).severity)
    }

    /// Generates shard `i` of [`Synth::shards`] in memory: its subjects sorted by id, each subject's
    /// events contiguous, static events first, then sorted by time (events at the same time in the order
    /// they were generated). Panics when `i` is out of range.
    pub fn generate_shard(&self, i: usize) -> Shard {
        let spec = &self.plan.shards[i];
        let mut ids: Vec<i64> = (spec.positions.0..spec.positions.1)
            .map(|p| SUBJECT_ID_BASE + self.plan.permutation.index(p as u64) as i64)
            .collect();
        ids.sort_unstable();
        // About 370 events per subject on average; reserving avoids repeated regrowth of big columns.
        let guess = ids.len() * 400;
        let mut shard = Shard {
            name: spec.name.clone(),
            subject_ids: Vec::with_capacity(ids.len()),
            offsets: Vec::with_capacity(ids.len() + 1),
            time: Vec::with_capacity(guess),
            time_valid: Bitmap::default(),
            code: Vec::with_capacity(guess),
            numeric: Vec::with_capacity(guess),
            numeric_valid: Bitmap::default(),
            text: None,
            extra: Vec::new(),
        };
        let mut scratch = Scratch::default();
        for &sid in &ids {
            scratch.rows.clear();
            encounters::generate_subject(&self.catalog, self.plan.seed, sid, &mut scratch);
            // Stable: same-time events keep their generation order (e.g. a lab panel's order), which
            // keeps the output deterministic.
            scratch.rows.sort_by_key(|r| r.time);
            shard.subject_ids.push(sid);
            shard.offsets.push(shard.code.len());
            for r in &scratch.rows {
                let timed = r.time != STATIC;
                shard.time.push(if timed { r.time } else { 0 });
                shard.time_valid.push(timed);
                shard.code.push(r.code);
                shard.numeric.push(r.value);
                shard.numeric_valid.push(r.has_value);
            }
        }
        shard.offsets.push(shard.code.len());
        shard
    }
}
