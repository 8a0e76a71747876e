//! The feature space: which codes become which columns, decided on the train split only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::params::{Aggregation, TabParams};

/// How often a code occurs in the train split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeStats {
    /// Timed events with the code.
    pub events: u64,
    /// Timed events with the code and a numeric value.
    pub values: u64,
    /// Static (null-time) events with the code.
    pub static_events: u64,
    /// Static events with the code and a numeric value.
    pub static_values: u64,
}

impl CodeStats {
    pub(crate) fn add(&mut self, other: &CodeStats) {
        self.events += other.events;
        self.values += other.values;
        self.static_events += other.static_events;
        self.static_values += other.static_values;
    }
}

/// The columns of one code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureCode {
    /// The code.
    pub code: String,
    /// Column of `static/present`, when the code has static events.
    pub static_present: Option<u32>,
    /// Column of `static/first`, when the code has static events with values.
    pub static_first: Option<u32>,
    /// First column of the windowed block, when the code has timed events.
    pub dynamic_base: Option<u32>,
    /// Whether the windowed block has the `value/*` aggregations (the code has timed numeric values).
    pub has_values: bool,
}

/// The feature columns: for every included code (sorted), its static columns, then per window its
/// `code/count` and `value/*` columns. Column names follow MEDS-Tab: `{code}/static/present`,
/// `{code}/static/first`, `{code}/code/count/{window}`, `{code}/value/{agg}/{window}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpace {
    /// The settings the space was built with.
    pub params: TabParams,
    /// The included codes, sorted.
    pub codes: Vec<FeatureCode>,
    /// Column names, in column order.
    pub names: Vec<String>,
}

impl FeatureSpace {
    /// Builds the space from train-split code statistics: a code is included when its events (timed
    /// and static together) number at least `params.min_code_inclusion_count`.
    pub fn from_stats(stats: &BTreeMap<String, CodeStats>, params: &TabParams) -> Self {
        let has = |a: Aggregation| params.aggregations.contains(&a);
        let value_aggs = params.value_aggregations();
        let mut codes = Vec::new();
        let mut names = Vec::new();
        for (code, s) in stats {
            if s.events + s.static_events < params.min_code_inclusion_count {
                continue;
            }
            let mut fc = FeatureCode {
                code: code.clone(),
                static_present: None,
                static_first: None,
                dynamic_base: None,
                has_values: false,
            };
            if s.static_events > 0 && has(Aggregation::StaticPresent) {
                fc.static_present = Some(names.len() as u32);
                names.push(format!("{code}/static/present"));
            }
            if s.static_values > 0 && has(Aggregation::StaticFirst) {
                fc.static_first = Some(names.len() as u32);
                names.push(format!("{code}/static/first"));
            }
            fc.has_values = s.values > 0 && !value_aggs.is_empty();
            let count = has(Aggregation::CodeCount);
            if s.events > 0 && (count || fc.has_values) {
                fc.dynamic_base = Some(names.len() as u32);
                for w in &params.windows {
                    if count {
                        names.push(format!("{code}/code/count/{w}"));
                    }
                    if fc.has_values {
                        for a in &value_aggs {
                            names.push(format!("{code}/{}/{w}", a.name()));
                        }
                    }
                }
            }
            if fc.static_present.is_some() || fc.static_first.is_some() || fc.dynamic_base.is_some() {
                codes.push(fc);
            }
        }
        Self { params: params.clone(), codes, names }
    }

    /// The number of columns.
    pub fn n_features(&self) -> usize {
        self.names.len()
    }
}
