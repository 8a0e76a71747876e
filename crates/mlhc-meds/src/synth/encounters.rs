//! One subject's record: hospital admissions, ED visits, ICU stays, labs, vitals, diagnoses,
//! medications and death.
//!
//! The risk model is documented in the module docs of [`crate::synth`].

use mlhc_core::{Rng, MICROS_PER_DAY};

use crate::synth::codes::{Catalog, Family, Route, ADMISSIONS, DISCHARGES};
use crate::synth::labs::{self, Measurement};
use crate::synth::population::{data_end, round_to, Person, HOUR, LAB_LACTATE, MINUTE};

/// The time of static events in a [`Row`]; sorts before every real time.
pub(crate) const STATIC: i64 = i64::MIN;

/// One event of a subject before it is appended to a shard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// Microseconds since the epoch, [`STATIC`] for static events.
    pub time: i64,
    pub code: u32,
    /// The numeric value, if `has_value`.
    pub value: f32,
    pub has_value: bool,
}

/// Buffers reused across the subjects of a shard, so that generating a subject allocates nothing once
/// the buffers have grown.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub rows: Vec<Row>,
    chronic: Vec<u32>,
    diagnoses: Vec<u32>,
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn draw(rng: &mut Rng, family: &Family) -> u32 {
    family.ids[rng.weighted_index(&family.cumulative)]
}

struct Writer<'a> {
    rng: Rng,
    codes: &'a Catalog,
    person: Person,
    rows: &'a mut Vec<Row>,
}

impl Writer<'_> {
    #[inline]
    fn event(&mut self, time: i64, code: u32) {
        self.rows.push(Row { time, code, value: 0.0, has_value: false });
    }

    #[inline]
    fn measure(&mut self, time: i64, code: u32, m: &Measurement, severity: f64, offset: f32) {
        let value = m.draw(&mut self.rng, severity, offset as f64);
        self.rows.push(Row { time, code, value, has_value: true });
    }

    /// Draws each lab of `panel` at `time`, each with probability `p`. `first` is the panel's first index
    /// in [`Person::lab_offsets`].
    fn panel(&mut self, time: i64, panel: &[Measurement], ids: &[u32], first: usize, severity: f64, p: f64) {
        for (k, (m, &id)) in panel.iter().zip(ids).enumerate() {
            if self.rng.bernoulli(p) {
                let offset = self.person.lab_offsets[first + k];
                self.measure(time, id, m, severity, offset);
            }
        }
    }
}

/// The course of one admission, for the severity trajectory.
#[derive(Debug, Clone, Copy)]
struct Course {
    admit: i64,
    discharge: i64,
    acute: f64,
    death: Option<i64>,
}

impl Course {
    /// Acute severity at time `t`: worsening over the 48 hours before an in-hospital death, slowly
    /// recovering otherwise.
    fn severity_at(&self, t: i64) -> f64 {
        match self.death {
            Some(d) => self.acute + 2.0 * (1.0 - (d - t) as f64 / (48 * HOUR) as f64).max(0.0),
            None => self.acute - 0.4 * (t - self.admit) as f64 / (self.discharge - self.admit).max(1) as f64,
        }
    }
}

/// Appends the subject `subject_id`'s events, in generation order (not yet sorted by time), to
/// `scratch.rows`, and returns the subject's latent severity.
pub(crate) fn generate_subject(codes: &Catalog, seed: u64, subject_id: i64, scratch: &mut Scratch) -> f64 {
    let mut rng = Rng::for_stream(seed, subject_id as u64);
    let person = Person::draw(&mut rng, codes);
    let s = person.severity;
    let Scratch { rows, chronic, diagnoses } = scratch;
    let mut w = Writer { rng, codes, person, rows };
    w.event(STATIC, codes.gender[usize::from(!w.person.female)]);
    w.event(STATIC, w.person.race);
    w.event(w.person.birth, codes.birth);

    // Chronic comorbidities accumulate with burden and age; they are coded again at every admission.
    let age0 = w.person.age_at(w.person.first_admission);
    let n_chronic = (1 + w.rng.poisson(1.5 + 0.8 * s.max(0.0) + 0.04 * (age0 - 40.0).max(0.0))).min(12);
    chronic.clear();
    for _ in 0..n_chronic {
        let c = draw(&mut w.rng, &codes.chronic);
        if !chronic.contains(&c) {
            chronic.push(c);
        }
    }

    let end = data_end();
    let n_admissions = (1 + w.rng.poisson(0.9 * (0.5 * s).exp())).min(40);
    let mut t = w.person.first_admission;
    let mut last_discharge = None;
    for _ in 0..n_admissions {
        if t >= end {
            break;
        }
        let course = admission(&mut w, t, chronic, diagnoses);
        if course.death.is_some() {
            return s;
        }
        last_discharge = Some(course.discharge);
        let gap = (w.rng.exponential(1.0) * 300.0 * (-0.6 * s).exp() * MICROS_PER_DAY as f64) as i64;
        t = round_to(course.discharge + MICROS_PER_DAY + gap, MINUTE);
    }
    if let Some(last) = last_discharge {
        let age = w.person.age_at(last);
        if w.rng.bernoulli(logistic(-3.0 + 0.9 * s + 0.045 * (age - 65.0))) {
            // Deaths outside the hospital are known to the day only (as MIMIC-IV's `dod`).
            let after = (w.rng.exponential(1.0) * 2.0 * 365.0 * MICROS_PER_DAY as f64) as i64;
            let day = round_to(last + after, MICROS_PER_DAY) + MICROS_PER_DAY;
            if day < end {
                w.event(day, codes.death);
            }
        }
    }
    s
}

/// Writes one admission starting at `admit` and returns its course.
fn admission(w: &mut Writer<'_>, admit: i64, chronic: &[u32], diagnoses: &mut Vec<u32>) -> Course {
    let codes = w.codes;
    let k = w.rng.weighted_index(&codes.admission.cumulative);
    let route = ADMISSIONS[k].3;
    let elective = if route == Route::Elective { 0.5 } else { 0.0 };
    let acute = 0.8 * w.person.severity + 0.6 * w.rng.normal() - elective;
    let age = w.person.age_at(admit);

    if route == Route::Emergency {
        let wait = HOUR + (w.rng.uniform() * 7.0 * HOUR as f64) as i64;
        w.event(round_to(admit - wait, MINUTE), codes.ed_registration);
        w.event(admit, codes.ed_out);
    }
    w.event(admit, codes.admission.ids[k]);

    let los_days = (3.2 * (0.3 * acute + 0.6 * w.rng.normal()).exp()).clamp(0.25, 60.0);
    let mut discharge = round_to(admit + (los_days * MICROS_PER_DAY as f64) as i64, MINUTE);
    let icu = if w.rng.bernoulli(logistic(-1.3 + 1.1 * acute)) {
        let start = round_to(admit + HOUR + (w.rng.uniform() * (discharge - admit) as f64 * 0.3) as i64, MINUTE);
        let days = (2.0 * (0.3 * acute + 0.6 * w.rng.normal()).exp()).clamp(0.4, 30.0);
        let end = round_to(start + (days * MICROS_PER_DAY as f64) as i64, MINUTE);
        // A patient leaves the ICU for a ward before going home.
        discharge = discharge.max(end + 6 * HOUR);
        Some((w.rng.weighted_index(&codes.icu_admission.cumulative), start, end))
    } else {
        None
    };
    let p_death = logistic(-4.4 + 1.5 * acute + 0.04 * (age - 65.0) + if icu.is_some() { 0.3 } else { 0.0 });
    let death = w.rng.bernoulli(p_death).then(|| {
        let (from, to) = icu.map_or((admit, discharge), |(_, start, end)| (start, end));
        round_to(from + ((0.3 + 0.7 * w.rng.uniform()) * (to - from) as f64) as i64, MINUTE)
    });
    let icu = icu.map(|(unit, start, end)| (unit, start, death.map_or(end, |d| d.min(end))));
    if let Some(d) = death {
        discharge = d;
    }
    let course = Course { admit, discharge, acute, death };

    if let Some((unit, start, end)) = icu {
        w.event(start, codes.icu_admission.ids[unit]);
        w.event(end, codes.icu_discharge[unit]);
        vitals(w, &course, start, end);
    }
    labs(w, &course, icu.map(|(_, start, end)| (start, end)));
    medications(w, &course, icu.map(|(_, start, end)| (start, end)));

    // Diagnoses are coded at discharge, as MIMIC-IV's `diagnoses_icd` is timed by `dischtime`.
    diagnoses.clear();
    for &c in chronic {
        if w.rng.bernoulli(0.8) {
            diagnoses.push(c);
        }
    }
    let n_acute = 1 + w.rng.poisson(1.5 + 0.8 * acute.max(0.0));
    let n_critical = w.rng.poisson((-1.3 + 1.2 * acute).exp().min(8.0));
    for (family, n) in [(&codes.acute, n_acute), (&codes.critical, n_critical)] {
        for _ in 0..n {
            let c = draw(&mut w.rng, family);
            if !diagnoses.contains(&c) {
                diagnoses.push(c);
            }
        }
    }
    for &c in diagnoses.iter() {
        w.event(discharge, c);
    }
    match death {
        Some(d) => {
            w.event(d, codes.death);
            w.event(d, codes.discharge_died);
        }
        None => {
            let sick = logistic(1.2 * acute + 0.05 * (age - 65.0));
            let mut cumulative = [0.0; DISCHARGES.len()];
            let mut acc = 0.0;
            for (c, (_, mild, severe)) in cumulative.iter_mut().zip(DISCHARGES) {
                acc += mild + (severe - mild) * sick;
                *c = acc;
            }
            let loc = w.rng.weighted_index(&cumulative);
            w.event(discharge, codes.discharge[loc]);
        }
    }
    course
}

/// Hourly vitals (each charted with probability 0.96) and 4-hourly temperature through an ICU stay.
fn vitals(w: &mut Writer<'_>, course: &Course, start: i64, end: i64) {
    let codes = w.codes;
    let mut t = round_to(start, HOUR) + HOUR;
    let mut hour = 0u32;
    while t < end {
        let severity = course.severity_at(t);
        for (m, &id) in labs::VITALS.iter().zip(&codes.vitals) {
            if w.rng.bernoulli(0.96) {
                w.measure(t, id, m, severity, 0.0);
            }
        }
        if hour % 4 == 0 {
            w.measure(t, codes.temperature, &labs::TEMPERATURE, severity, 0.0);
        }
        t += HOUR;
        hour += 1;
    }
}

/// An admission panel, morning panels every hospital day, and evening chemistry and lactate in the ICU.
fn labs(w: &mut Writer<'_>, course: &Course, icu: Option<(i64, i64)>) {
    let codes = w.codes;
    let in_icu = |t: i64| icu.is_some_and(|(s, e)| (s..e).contains(&t));
    let bmp_at = |w: &mut Writer<'_>, t: i64, p: f64| {
        let sev = course.severity_at(t);
        w.panel(t, &labs::BMP, &codes.bmp, 0, sev, p);
    };
    let first = round_to(course.admit + 20 * MINUTE + (w.rng.uniform() * 2.5 * HOUR as f64) as i64, MINUTE);
    if first < course.discharge {
        let sev = course.severity_at(first);
        bmp_at(w, first, 0.97);
        w.panel(first, &labs::CBC, &codes.cbc, labs::BMP.len(), sev, 0.95);
        if sev > 0.5 || w.rng.bernoulli(0.25) {
            lactate(w, first, sev);
        }
    }
    let mut day = round_to(course.admit, MICROS_PER_DAY) + MICROS_PER_DAY;
    while day < course.discharge {
        let morning = day + 4 * HOUR + round_to((w.rng.uniform() * 3.0 * HOUR as f64) as i64, MINUTE);
        if morning < course.discharge {
            let sev = course.severity_at(morning);
            bmp_at(w, morning, 0.93);
            w.panel(morning, &labs::CBC, &codes.cbc, labs::BMP.len(), sev, 0.9);
            w.panel(morning, &labs::EXTRA, &codes.extra, labs::BMP.len() + labs::CBC.len(), sev, 0.6);
            if (in_icu(morning) && w.rng.bernoulli(0.7)) || (sev > 1.0 && w.rng.bernoulli(0.4)) {
                lactate(w, morning, sev);
            }
        }
        let evening = day + 16 * HOUR + round_to((w.rng.uniform() * 3.0 * HOUR as f64) as i64, MINUTE);
        if evening < course.discharge && in_icu(evening) {
            bmp_at(w, evening, 0.5);
            if w.rng.bernoulli(0.8) {
                lactate(w, evening, course.severity_at(evening));
            }
        }
        day += MICROS_PER_DAY;
    }
}

fn lactate(w: &mut Writer<'_>, t: i64, severity: f64) {
    let offset = w.person.lab_offsets[LAB_LACTATE];
    w.measure(t, w.codes.lactate, &labs::LACTATE, severity, offset);
}

/// Ward medications started in the first hours; antibiotics, vasopressors and sedation in the ICU, the
/// likelier the sicker.
fn medications(w: &mut Writer<'_>, course: &Course, icu: Option<(i64, i64)>) {
    let codes = w.codes;
    let n = w.rng.poisson(3.0 + course.acute.max(0.0));
    for _ in 0..n {
        let t = round_to(course.admit + HOUR + (w.rng.uniform() * 11.0 * HOUR as f64) as i64, MINUTE);
        let id = draw(&mut w.rng, &codes.ward_meds);
        if t < course.discharge {
            w.event(t, id);
        }
    }
    if let Some((start, end)) = icu {
        let p = logistic(-1.5 + 1.2 * course.acute);
        for &id in &codes.critical_meds {
            if w.rng.bernoulli(p) {
                let t = round_to(start + (w.rng.uniform() * (end - start).min(12 * HOUR) as f64) as i64, MINUTE);
                w.event(t, id);
            }
        }
    }
}
