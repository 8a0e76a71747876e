//! The code catalogue of the synthetic EHR: every code the generator can emit, with its description and
//! parent codes, interned once into the vocabulary that every shard shares.
//!
//! Codes follow the MIMIC-IV MEDS conventions (`HOSPITAL_ADMISSION//<type>//<location>`,
//! `DIAGNOSIS//ICD//10//<code without dot>`, `LAB//<itemid>//<unit>`), so task configs written for
//! MIMIC-IV (e.g. the MEDS-DEV predicates) select the same kinds of events here.

use crate::schema::{CodeInfo, BIRTH_CODE, DEATH_CODE};
use crate::synth::labs;
use crate::{Error, Result, Vocabulary};

/// (name, weight) of the `RACE//…` codes, roughly in MIMIC-IV's proportions.
pub(crate) const RACES: [(&str, f64); 6] = [
    ("WHITE", 0.64),
    ("BLACK/AFRICAN AMERICAN", 0.14),
    ("HISPANIC/LATINO", 0.06),
    ("ASIAN", 0.04),
    ("OTHER", 0.05),
    ("UNKNOWN", 0.07),
];

/// How a patient reaches the hospital: drives the ED events, elective admissions are planned and milder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// Through the emergency department: `ED_REGISTRATION` and `ED_OUT` precede the admission.
    Emergency,
    /// Urgent or direct, not through this hospital's ED.
    Direct,
    /// Planned in advance; lower acute severity.
    Elective,
}

/// MIMIC-IV `admission_type`, `admission_location`, weight and route.
pub(crate) const ADMISSIONS: [(&str, &str, f64, Route); 9] = [
    ("EW EMER.", "EMERGENCY ROOM", 0.40, Route::Emergency),
    ("EU OBSERVATION", "EMERGENCY ROOM", 0.10, Route::Emergency),
    ("OBSERVATION ADMIT", "EMERGENCY ROOM", 0.08, Route::Emergency),
    ("EW EMER.", "WALK-IN/SELF REFERRAL", 0.03, Route::Emergency),
    ("URGENT", "TRANSFER FROM HOSPITAL", 0.08, Route::Direct),
    ("DIRECT EMER.", "PHYSICIAN REFERRAL", 0.05, Route::Direct),
    ("DIRECT OBSERVATION", "CLINIC REFERRAL", 0.04, Route::Direct),
    ("ELECTIVE", "PHYSICIAN REFERRAL", 0.12, Route::Elective),
    ("SURGICAL SAME DAY ADMISSION", "PHYSICIAN REFERRAL", 0.10, Route::Elective),
];

/// MIMIC-IV `discharge_location` of survivors, with weights for a mild and a severe admission (the
/// draw interpolates between them).
pub(crate) const DISCHARGES: [(&str, f64, f64); 7] = [
    ("HOME", 0.55, 0.15),
    ("HOME HEALTH CARE", 0.25, 0.25),
    ("SKILLED NURSING FACILITY", 0.10, 0.30),
    ("REHAB", 0.04, 0.10),
    ("CHRONIC/LONG TERM ACUTE CARE", 0.01, 0.10),
    ("HOSPICE", 0.00, 0.08),
    ("AGAINST ADVICE", 0.05, 0.02),
];

/// The discharge location of in-hospital deaths.
pub(crate) const DIED: &str = "DIED";

/// MIMIC-IV ICU care units (`first_careunit`), with weights.
pub(crate) const ICU_UNITS: [(&str, f64); 6] = [
    ("Medical Intensive Care Unit (MICU)", 0.28),
    ("Medical/Surgical Intensive Care Unit (MICU/SICU)", 0.20),
    ("Cardiac Vascular Intensive Care Unit (CVICU)", 0.17),
    ("Surgical Intensive Care Unit (SICU)", 0.15),
    ("Coronary Care Unit (CCU)", 0.11),
    ("Trauma SICU (TSICU)", 0.09),
];

/// Ward medications: (name, weight).
pub(crate) const WARD_MEDS: [(&str, f64); 24] = [
    ("Heparin", 8.0),
    ("Acetaminophen", 8.0),
    ("Sodium Chloride 0.9%  Flush", 7.0),
    ("Docusate Sodium", 5.0),
    ("Senna", 5.0),
    ("Ondansetron", 5.0),
    ("Pantoprazole", 5.0),
    ("Metoprolol Tartrate", 4.0),
    ("Atorvastatin", 4.0),
    ("Aspirin", 4.0),
    ("Furosemide", 3.0),
    ("Insulin", 4.0),
    ("Potassium Chloride", 4.0),
    ("Magnesium Sulfate", 3.0),
    ("OxyCODONE (Immediate Release)", 3.0),
    ("Lorazepam", 2.0),
    ("Amlodipine", 2.0),
    ("Lisinopril", 2.0),
    ("Enoxaparin Sodium", 2.0),
    ("Polyethylene Glycol", 3.0),
    ("Tamsulosin", 1.0),
    ("Levothyroxine Sodium", 2.0),
    ("Gabapentin", 2.0),
    ("HYDROmorphone (Dilaudid)", 2.0),
];

/// Medications of critical illness: broad-spectrum antibiotics, vasopressors, sedation.
pub(crate) const CRITICAL_MEDS: [&str; 8] = [
    "Vancomycin",
    "Piperacillin-Tazobactam",
    "CefePIME",
    "Norepinephrine",
    "Vasopressin",
    "Propofol",
    "Fentanyl Citrate",
    "Midazolam",
];

/// How a diagnosis relates to severity; from the `kind` column of the vendored ICD-10-CM table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DxKind {
    /// A chronic comorbidity, carried by the subject across admissions.
    Chronic,
    /// An acute problem of one admission.
    Acute,
    /// Critical illness (sepsis, shock, respiratory failure): drawn more often the sicker the admission.
    Critical,
}

/// Common ICD-10-CM codes (see the file header for its source and licence).
const ICD10CM_COMMON: &str = include_str!("icd10cm_common.tsv");

/// Code ids of one family of diagnoses, with cumulative weights for drawing from it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Family {
    pub ids: Vec<u32>,
    pub cumulative: Vec<f64>,
}

impl Family {
    fn push(&mut self, id: u32, weight: f64) {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        self.ids.push(id);
        self.cumulative.push(total + weight);
    }

    fn from_weights(ids: Vec<u32>, weights: impl IntoIterator<Item = f64>) -> Self {
        let mut acc = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Self { ids, cumulative }
    }
}

/// Every code's id in the shared vocabulary, grouped as the generator uses them.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    pub vocab: Vocabulary,
    pub infos: Vec<CodeInfo>,
    pub birth: u32,
    pub death: u32,
    /// `GENDER//F`, `GENDER//M`.
    pub gender: [u32; 2],
    pub race: Family,
    pub admission: Family,
    pub ed_registration: u32,
    pub ed_out: u32,
    /// Survivors' discharge codes, in [`DISCHARGES`] order.
    pub discharge: Vec<u32>,
    pub discharge_died: u32,
    pub icu_admission: Family,
    /// In [`ICU_UNITS`] order.
    pub icu_discharge: Vec<u32>,
    pub bmp: Vec<u32>,
    pub cbc: Vec<u32>,
    pub extra: Vec<u32>,
    pub lactate: u32,
    pub vitals: Vec<u32>,
    pub temperature: u32,
    pub chronic: Family,
    pub acute: Family,
    pub critical: Family,
    pub ward_meds: Family,
    pub critical_meds: Vec<u32>,
}

struct Adder {
    vocab: Vocabulary,
    infos: Vec<CodeInfo>,
}

impl Adder {
    fn add(&mut self, code: String, description: String, parents: Vec<String>) -> u32 {
        let id = self.vocab.intern(&code).0;
        if id as usize == self.infos.len() {
            self.infos.push(CodeInfo { code, description: Some(description), parent_codes: parents });
        }
        id
    }
}

impl Catalog {
    /// Builds the catalogue; fails only if the vendored ICD-10-CM table is malformed.
    pub fn new() -> Result<Self> {
        let mut a = Adder { vocab: Vocabulary::new(), infos: Vec::new() };
        let birth = a.add(BIRTH_CODE.into(), "Birth".into(), vec![]);
        let death = a.add(DEATH_CODE.into(), "Death".into(), vec![]);
        let gender = [
            a.add("GENDER//F".into(), "Gender: female".into(), vec![]),
            a.add("GENDER//M".into(), "Gender: male".into(), vec![]),
        ];
        let race_ids = RACES.iter().map(|(r, _)| a.add(format!("RACE//{r}"), format!("Race: {r}"), vec![])).collect();
        let race = Family::from_weights(race_ids, RACES.iter().map(|r| r.1));
        let admission_ids = ADMISSIONS
            .iter()
            .map(|(t, l, _, _)| {
                a.add(format!("HOSPITAL_ADMISSION//{t}//{l}"), format!("Hospital admission ({t}) from {l}"), vec![])
            })
            .collect();
        let admission = Family::from_weights(admission_ids, ADMISSIONS.iter().map(|x| x.2));
        let ed_registration = a.add("ED_REGISTRATION".into(), "Emergency department registration".into(), vec![]);
        let ed_out = a.add("ED_OUT".into(), "Emergency department exit".into(), vec![]);
        let discharge = DISCHARGES
            .iter()
            .map(|(l, _, _)| a.add(format!("HOSPITAL_DISCHARGE//{l}"), format!("Hospital discharge to {l}"), vec![]))
            .collect();
        let discharge_died = a.add(format!("HOSPITAL_DISCHARGE//{DIED}"), "Hospital discharge: died".into(), vec![]);
        let icu_ids = ICU_UNITS
            .iter()
            .map(|(u, _)| a.add(format!("ICU_ADMISSION//{u}"), format!("ICU admission to {u}"), vec![]))
            .collect();
        let icu_admission = Family::from_weights(icu_ids, ICU_UNITS.iter().map(|u| u.1));
        let icu_discharge = ICU_UNITS
            .iter()
            .map(|(u, _)| a.add(format!("ICU_DISCHARGE//{u}"), format!("ICU discharge from {u}"), vec![]))
            .collect();
        let mut lab = |m: &labs::Measurement| {
            a.add(
                m.code(),
                format!("{} ({})", m.label, m.unit),
                m.loinc.map(|l| vec![l.to_string()]).unwrap_or_default(),
            )
        };
        let bmp = labs::BMP.iter().map(&mut lab).collect();
        let cbc = labs::CBC.iter().map(&mut lab).collect();
        let extra = labs::EXTRA.iter().map(&mut lab).collect();
        let lactate = lab(&labs::LACTATE);
        let vitals = labs::VITALS.iter().map(&mut lab).collect();
        let temperature = lab(&labs::TEMPERATURE);

        let (mut chronic, mut acute, mut critical) = (Family::default(), Family::default(), Family::default());
        let table_error = |line: usize, message: String| Error::Metadata {
            path: "crates/mlhc-meds/src/synth/icd10cm_common.tsv".into(),
            message: format!("line {line}: {message}"),
        };
        for (i, line) in ICD10CM_COMMON.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut fields = line.splitn(4, '\t');
            let (Some(code), Some(weight), Some(kind), Some(description)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(table_error(i + 1, format!("expected 4 tab-separated fields in {line:?}")));
            };
            let weight: f64 = weight.parse().map_err(|_| table_error(i + 1, format!("bad weight {weight:?}")))?;
            let kind = match kind {
                "C" => DxKind::Chronic,
                "A" => DxKind::Acute,
                "X" => DxKind::Critical,
                other => return Err(table_error(i + 1, format!("bad kind {other:?}"))),
            };
            let id = a.add(
                format!("DIAGNOSIS//ICD//10//{}", code.replace('.', "")),
                description.to_string(),
                vec![format!("ICD10CM/{code}")],
            );
            match kind {
                DxKind::Chronic => chronic.push(id, weight),
                DxKind::Acute => acute.push(id, weight),
                DxKind::Critical => critical.push(id, weight),
            }
        }
        if chronic.ids.is_empty() || acute.ids.is_empty() || critical.ids.is_empty() {
            return Err(table_error(0, "every kind (C, A, X) needs at least one code".into()));
        }
        let med = |a: &mut Adder, name: &str| {
            a.add(format!("MEDICATION//START//{name}"), format!("Medication started: {name}"), vec![])
        };
        let ward_ids = WARD_MEDS.iter().map(|(n, _)| med(&mut a, n)).collect();
        let ward_meds = Family::from_weights(ward_ids, WARD_MEDS.iter().map(|m| m.1));
        let critical_meds = CRITICAL_MEDS.iter().map(|n| med(&mut a, n)).collect();
        Ok(Self {
            vocab: a.vocab,
            infos: a.infos,
            birth,
            death,
            gender,
            race,
            admission,
            ed_registration,
            ed_out,
            discharge,
            discharge_died,
            icu_admission,
            icu_discharge,
            bmp,
            cbc,
            extra,
            lactate,
            vitals,
            temperature,
            chronic,
            acute,
            critical,
            ward_meds,
            critical_meds,
        })
    }
}
