//! Who the subjects are: demographics, birth, the latent severity and the personal lab baselines.

use mlhc_core::{Rng, Timestamp, MICROS_PER_DAY};

use crate::synth::codes::Catalog;
#[cfg(doc)]
use crate::synth::labs;

/// Subject ids are this base plus the subject index, so they look like MIMIC-IV's eight-digit ids.
pub(crate) const SUBJECT_ID_BASE: i64 = 10_000_000;

/// Microseconds in one hour and one minute.
pub(crate) const HOUR: i64 = 3_600_000_000;
pub(crate) const MINUTE: i64 = 60_000_000;
/// The mean Gregorian year in microseconds.
pub(crate) const YEAR: i64 = 365 * MICROS_PER_DAY + MICROS_PER_DAY / 4;

/// First admissions fall between 2012-01-01 and 2022-01-01; nothing is recorded after 2025-01-01.
pub(crate) fn first_admission_window() -> (i64, i64) {
    (ymd(2012, 1, 1), ymd(2022, 1, 1))
}

/// The end of the recorded data.
pub(crate) fn data_end() -> i64 {
    ymd(2025, 1, 1)
}

fn ymd(y: i64, m: u32, d: u32) -> i64 {
    Timestamp::from_ymd(y, m, d).expect("a valid calendar date").0
}

/// Indices into [`Person::lab_offsets`]: the labs in [`labs::BMP`], [`labs::CBC`], [`labs::EXTRA`] order,
/// then lactate.
pub(crate) const LAB_CREATININE: usize = 5;
pub(crate) const LAB_HEMOGLOBIN: usize = 8;
pub(crate) const LAB_HEMATOCRIT: usize = 9;
pub(crate) const LAB_LACTATE: usize = 13;

/// The latent traits of one subject, drawn first from the subject's own random stream so that they can
/// be recomputed from `(seed, subject_id)` alone (see [`crate::synth::Synth::latent_severity`]).
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub female: bool,
    pub race: u32,
    /// Chronic illness burden, standard normal across the population. It raises the number of
    /// admissions, shortens the time to readmission and, through each admission's acute severity, moves
    /// labs and vitals and raises the hazard of death.
    pub severity: f64,
    pub birth: i64,
    pub first_admission: i64,
    /// Personal deviations of each lab from the population centre, in units of its noise: a patient's
    /// creatinine runs high at every admission, not only in one draw.
    pub lab_offsets: [f32; 16],
}

impl Person {
    /// Draws a person; consumes a fixed prefix of `rng`.
    pub fn draw(rng: &mut Rng, codes: &Catalog) -> Self {
        let female = rng.bernoulli(0.52);
        let race = codes.race.ids[rng.weighted_index(&codes.race.cumulative)];
        let severity = rng.normal();
        // Adult inpatients: age at first admission centred on the early sixties, as in MIMIC-IV.
        let age = rng.normal_with(61.0, 17.0).clamp(18.0, 91.0);
        let (lo, hi) = first_admission_window();
        let first_admission = round_to(lo + (rng.uniform() * (hi - lo) as f64) as i64, MINUTE);
        let birth = round_to(
            first_admission - (age * YEAR as f64) as i64 - rng.below(MICROS_PER_DAY as u64) as i64,
            MICROS_PER_DAY,
        );
        let mut lab_offsets = [0f32; 16];
        for o in &mut lab_offsets {
            *o = (0.5 * rng.normal()) as f32;
        }
        if female {
            // Women run lower haemoglobin, haematocrit and creatinine (sex-specific reference ranges).
            lab_offsets[LAB_HEMOGLOBIN] -= 0.8;
            lab_offsets[LAB_HEMATOCRIT] -= 0.8;
            lab_offsets[LAB_CREATININE] -= 0.6;
        }
        Self { female, race, severity, birth, first_admission, lab_offsets }
    }

    /// Age in years at time `t`.
    pub fn age_at(&self, t: i64) -> f64 {
        (t - self.birth) as f64 / YEAR as f64
    }
}

/// `t` rounded down to a multiple of `unit` (toward negative infinity, so pre-1970 births round too).
pub(crate) fn round_to(t: i64, unit: i64) -> i64 {
    t.div_euclid(unit) * unit
}
