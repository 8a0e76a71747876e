//! Laboratory tests and ICU vital signs: which are measured, their units and how their values move with
//! the acute severity of an admission.

use mlhc_core::Rng;

/// How a measurement's value is distributed around its healthy centre.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scale {
    /// `centre + shift·severity + sd·N(0,1)`: for quantities that move additively (sodium, heart rate).
    Normal {
        /// The healthy mean.
        centre: f64,
        /// Change of the mean per unit of severity (negative: falls when sicker).
        shift: f64,
        /// Noise standard deviation.
        sd: f64,
    },
    /// `centre · exp(shift·severity + sd·N(0,1))`: for positive, right-skewed quantities (creatinine,
    /// lactate, WBC) whose abnormal values are multiples of the normal.
    LogNormal {
        /// The healthy median.
        centre: f64,
        /// Change of the log-median per unit of severity.
        shift: f64,
        /// Noise standard deviation on the log scale.
        sd: f64,
    },
}

/// One measured quantity, coded as MIMIC-IV MEDS does: `LAB//<itemid>//<unit>`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measurement {
    /// The MIMIC-IV `itemid` (`d_labitems` for labs below 100000, `d_items` for ICU charting).
    pub itemid: u32,
    /// The unit as MIMIC-IV writes it (`valueuom`).
    pub unit: &'static str,
    /// The MIMIC-IV label, used as the code's description.
    pub label: &'static str,
    /// The LOINC code of the lab (parent code in codes.parquet), where MIMIC-IV maps one.
    pub loinc: Option<&'static str>,
    pub scale: Scale,
    /// Physiological bounds the value is clipped to.
    pub min: f64,
    pub max: f64,
    /// Decimal places the analyser reports.
    pub decimals: i32,
}

impl Measurement {
    /// The MEDS code.
    pub fn code(&self) -> String {
        format!("LAB//{}//{}", self.itemid, self.unit)
    }

    /// A value for an admission with acute severity `severity` (standard normal in the population),
    /// `offset` being the subject's own deviation in units of the noise (a stable personal baseline).
    #[inline]
    pub fn draw(&self, rng: &mut Rng, severity: f64, offset: f64) -> f32 {
        let v = match self.scale {
            Scale::Normal { centre, shift, sd } => centre + shift * severity + sd * (offset + rng.normal()),
            Scale::LogNormal { centre, shift, sd } => centre * (shift * severity + sd * (offset + rng.normal())).exp(),
        };
        let p = 10f64.powi(self.decimals);
        ((v.clamp(self.min, self.max) * p).round() / p) as f32
    }
}

const fn normal(centre: f64, shift: f64, sd: f64) -> Scale {
    Scale::Normal { centre, shift, sd }
}

const fn lognormal(centre: f64, shift: f64, sd: f64) -> Scale {
    Scale::LogNormal { centre, shift, sd }
}

#[allow(clippy::too_many_arguments)]
const fn m(
    itemid: u32,
    unit: &'static str,
    label: &'static str,
    loinc: Option<&'static str>,
    scale: Scale,
    min: f64,
    max: f64,
    decimals: i32,
) -> Measurement {
    Measurement { itemid, unit, label, loinc, scale, min, max, decimals }
}

/// Basic metabolic panel, drawn every hospital morning. Centres are adult reference midpoints; the
/// severity shifts give the direction of change in critical illness (acute kidney injury, acidosis,
/// stress hyperglycaemia).
pub(crate) const BMP: [Measurement; 7] = [
    m(50983, "mEq/L", "Sodium", Some("LOINC/2951-2"), normal(139.0, -1.2, 3.0), 110.0, 170.0, 0),
    m(50971, "mEq/L", "Potassium", Some("LOINC/2823-3"), normal(4.2, 0.15, 0.45), 2.0, 8.0, 1),
    m(50902, "mEq/L", "Chloride", Some("LOINC/2075-0"), normal(103.0, 0.5, 4.0), 75.0, 130.0, 0),
    m(50882, "mEq/L", "Bicarbonate", Some("LOINC/1963-8"), normal(25.0, -1.6, 3.0), 5.0, 45.0, 0),
    m(51006, "mg/dL", "Urea Nitrogen", Some("LOINC/3094-0"), lognormal(17.0, 0.3, 0.35), 2.0, 200.0, 0),
    m(50912, "mg/dL", "Creatinine", Some("LOINC/2160-0"), lognormal(0.95, 0.28, 0.3), 0.2, 15.0, 1),
    m(50931, "mg/dL", "Glucose", Some("LOINC/2345-7"), lognormal(115.0, 0.1, 0.25), 30.0, 900.0, 0),
];

/// Complete blood count, drawn with the morning panel.
pub(crate) const CBC: [Measurement; 4] = [
    m(51301, "K/uL", "White Blood Cells", Some("LOINC/804-5"), lognormal(8.0, 0.22, 0.3), 0.1, 80.0, 1),
    m(51222, "g/dL", "Hemoglobin", Some("LOINC/718-7"), normal(12.0, -0.7, 1.4), 4.0, 19.0, 1),
    m(51221, "%", "Hematocrit", Some("LOINC/4544-3"), normal(36.0, -2.0, 4.0), 12.0, 58.0, 1),
    m(51265, "K/uL", "Platelet Count", Some("LOINC/777-3"), lognormal(230.0, -0.15, 0.3), 5.0, 900.0, 0),
];

/// Drawn on most mornings with the metabolic panel.
pub(crate) const EXTRA: [Measurement; 2] = [
    m(50960, "mg/dL", "Magnesium", Some("LOINC/19123-9"), normal(2.0, 0.0, 0.25), 0.8, 4.5, 1),
    m(50970, "mg/dL", "Phosphate", Some("LOINC/2777-1"), lognormal(3.4, 0.12, 0.22), 0.8, 12.0, 1),
];

/// Lactate, drawn in the ICU and for severe admissions: the strongest single marker of shock.
pub(crate) const LACTATE: Measurement =
    m(50813, "mmol/L", "Lactate", Some("LOINC/32693-4"), lognormal(1.3, 0.4, 0.35), 0.3, 25.0, 1);

/// ICU vital signs charted hourly (MIMIC-IV `chartevents` itemids), then temperature every 4 hours.
pub(crate) const VITALS: [Measurement; 6] = [
    m(220045, "bpm", "Heart Rate", None, normal(84.0, 8.0, 11.0), 25.0, 220.0, 0),
    m(220179, "mmHg", "Non Invasive Blood Pressure systolic", None, normal(122.0, -9.0, 15.0), 50.0, 230.0, 0),
    m(220180, "mmHg", "Non Invasive Blood Pressure diastolic", None, normal(65.0, -5.0, 10.0), 20.0, 140.0, 0),
    m(220181, "mmHg", "Non Invasive Blood Pressure mean", None, normal(80.0, -6.0, 10.0), 30.0, 160.0, 0),
    m(220210, "insp/min", "Respiratory Rate", None, normal(18.0, 2.6, 3.5), 4.0, 60.0, 0),
    m(220277, "%", "O2 saturation pulseoxymetry", None, normal(97.0, -1.3, 1.6), 60.0, 100.0, 0),
];

/// Body temperature, charted every 4 hours in the ICU.
pub(crate) const TEMPERATURE: Measurement =
    m(223761, "°F", "Temperature Fahrenheit", None, normal(98.4, 0.45, 0.7), 91.0, 107.0, 1);

/// Every measurement, in code-catalogue order.
#[cfg(test)]
fn all() -> impl Iterator<Item = &'static Measurement> {
    BMP.iter()
        .chain(CBC.iter())
        .chain(EXTRA.iter())
        .chain(std::iter::once(&LACTATE))
        .chain(VITALS.iter())
        .chain(std::iter::once(&TEMPERATURE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_in_bounds_and_move_with_severity() {
        let mut rng = Rng::seed_from_u64(5);
        let mean = |rng: &mut Rng, m: &Measurement, s: f64| {
            (0..4000).map(|_| m.draw(rng, s, 0.0) as f64).sum::<f64>() / 4000.0
        };
        let cr = &BMP[5];
        assert!(mean(&mut rng, cr, 2.0) > 1.4 * mean(&mut rng, cr, 0.0));
        assert!(mean(&mut rng, &BMP[3], 2.0) < mean(&mut rng, &BMP[3], 0.0) - 2.0);
        for m in all() {
            for s in [-3.0, 0.0, 4.0] {
                let v = m.draw(&mut rng, s, 2.0) as f64;
                assert!((m.min..=m.max).contains(&v), "{} {v}", m.label);
            }
        }
    }
}
