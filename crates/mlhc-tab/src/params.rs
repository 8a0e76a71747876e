//! Tabularization settings: windows, aggregations, code inclusion and window anchoring.

use std::fmt;

use mlhc_core::{MICROS_PER_DAY, MICROS_PER_SECOND};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A look-back window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Window {
    /// The events in `(end − d, end]` for a duration `d` in microseconds.
    Duration(i64),
    /// All events at or before the window end (`full` in MEDS-Tab).
    Full,
}

impl Window {
    /// Parses `full` or a number followed by a unit: `s`, `m` (minutes), `h`, `d`, `w` (e.g. `1d`,
    /// `12h`, `365d`), as in MEDS-Tab's `window_sizes`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: &str| Error::BadWindow { value: text.to_string(), reason: reason.to_string() };
        let t = text.trim();
        if t == "full" {
            return Ok(Self::Full);
        }
        let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| bad("missing unit (s, m, h, d, w)"))?;
        let (num, unit) = t.split_at(split);
        let n: i64 = num.parse().map_err(|_| bad("expected a whole number before the unit"))?;
        let unit_us = match unit {
            "s" => MICROS_PER_SECOND,
            "m" | "min" => 60 * MICROS_PER_SECOND,
            "h" => 3600 * MICROS_PER_SECOND,
            "d" => MICROS_PER_DAY,
            "w" => 7 * MICROS_PER_DAY,
            _ => return Err(bad("unknown unit; use s, m, h, d or w")),
        };
        if n <= 0 {
            return Err(bad("must be positive"));
        }
        n.checked_mul(unit_us).map(Self::Duration).ok_or_else(|| bad("too long"))
    }
}

impl fmt::Display for Window {
    /// The MEDS-Tab name: `full`, or the duration in the largest whole unit (`7d`, `12h`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Full => write!(f, "full"),
            Self::Duration(us) => {
                for (unit, size) in
                    [("d", MICROS_PER_DAY), ("h", 3600 * MICROS_PER_SECOND), ("m", 60 * MICROS_PER_SECOND)]
                {
                    if us % size == 0 {
                        return write!(f, "{}{unit}", us / size);
                    }
                }
                write!(f, "{}s", us / MICROS_PER_SECOND)
            }
        }
    }
}

/// Where each window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    /// Windows end at the prediction time: `(t_pred − w, t_pred]`. The default.
    #[default]
    PredictionTime,
    /// Windows end at the subject's last event at or before the prediction time:
    /// `(t_last − w, t_last]`, as MEDS-Tab 0.2.0 computes them. Only timed events of included
    /// (feature) codes count as the last event — MEDS-Tab drops the other codes before it computes
    /// windows — and a window is empty when the subject has no such event at or before the
    /// prediction time.
    LastEvent,
}

/// A feature aggregation, named as in MEDS-Tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Aggregation {
    /// `static/present`: 1 when the subject has a static (null-time) event with the code.
    StaticPresent,
    /// `static/first`: the numeric value of the subject's first static event with the code that has one.
    StaticFirst,
    /// `code/count`: the number of events with the code in the window.
    CodeCount,
    /// `value/count`: the number of those events with a numeric value.
    ValueCount,
    /// `value/sum`: the sum of their numeric values.
    ValueSum,
    /// `value/sum_sqd`: the sum of their squared numeric values.
    ValueSumSqd,
    /// `value/min`: the smallest numeric value.
    ValueMin,
    /// `value/max`: the largest numeric value.
    ValueMax,
}

impl Aggregation {
    /// Every aggregation, in feature order.
    pub const ALL: [Aggregation; 8] = [
        Self::StaticPresent,
        Self::StaticFirst,
        Self::CodeCount,
        Self::ValueCount,
        Self::ValueSum,
        Self::ValueSumSqd,
        Self::ValueMin,
        Self::ValueMax,
    ];

    /// The MEDS-Tab name, e.g. `code/count`.
    pub fn name(self) -> &'static str {
        match self {
            Self::StaticPresent => "static/present",
            Self::StaticFirst => "static/first",
            Self::CodeCount => "code/count",
            Self::ValueCount => "value/count",
            Self::ValueSum => "value/sum",
            Self::ValueSumSqd => "value/sum_sqd",
            Self::ValueMin => "value/min",
            Self::ValueMax => "value/max",
        }
    }

    /// Parses a MEDS-Tab aggregation name.
    pub fn parse(text: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|a| a.name() == text).ok_or_else(|| Error::BadAggregation {
            value: text.to_string(),
            expected: Self::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", "),
        })
    }

    /// Whether this aggregation is over static events (no window).
    pub fn is_static(self) -> bool {
        matches!(self, Self::StaticPresent | Self::StaticFirst)
    }

    /// Whether this aggregation needs numeric values.
    pub fn needs_value(self) -> bool {
        !matches!(self, Self::StaticPresent | Self::CodeCount)
    }
}

/// Tabularization settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabParams {
    /// Look-back windows. By default `1d, 7d, 30d, 365d, full` (MEDS-Tab's default).
    pub windows: Vec<Window>,
    /// Aggregations. By default all eight.
    pub aggregations: Vec<Aggregation>,
    /// A code becomes features only when it occurs at least this many times in the train split.
    /// By default 10, as in MEDS-Tab.
    pub min_code_inclusion_count: u64,
    /// Where windows end. By default at the prediction time.
    pub anchor: Anchor,
}

impl TabParams {
    /// The enabled `value/*` aggregations, in the order their columns appear in each window block.
    pub fn value_aggregations(&self) -> Vec<Aggregation> {
        Aggregation::ALL
            .into_iter()
            .filter(|a| a.needs_value() && !a.is_static() && self.aggregations.contains(a))
            .collect()
    }
}

impl Default for TabParams {
    fn default() -> Self {
        Self {
            windows: ["1d", "7d", "30d", "365d", "full"]
                .iter()
                .map(|w| Window::parse(w).expect("default windows parse"))
                .collect(),
            aggregations: Aggregation::ALL.to_vec(),
            min_code_inclusion_count: 10,
            anchor: Anchor::PredictionTime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_print_like_meds_tab() {
        for w in ["1d", "7d", "30d", "365d", "full", "12h", "90m", "2w"] {
            let parsed = Window::parse(w).unwrap();
            let expect = if w == "2w" { "14d".to_string() } else { w.to_string() };
            assert_eq!(parsed.to_string(), expect);
        }
        assert_eq!(Window::parse("1d").unwrap(), Window::Duration(MICROS_PER_DAY));
        for bad in ["", "d", "0d", "-1d", "1y", "1.5d"] {
            assert!(Window::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Window::parse("1y").unwrap_err().to_string(),
            "invalid window \"1y\": unknown unit; use s, m, h, d or w"
        );
    }

    #[test]
    fn aggregation_names_round_trip() {
        for a in Aggregation::ALL {
            assert_eq!(Aggregation::parse(a.name()).unwrap(), a);
        }
        assert!(Aggregation::parse("value/mean").is_err());
    }
}
