//! Predicate definitions: plain (code, value range, other columns) and derived (`and(...)`, `or(...)`).

use regex::Regex;
use serde_norway::Value;

use super::{entries, kind_of, Src};
use crate::Result;

/// How a plain predicate matches an event's code.
#[derive(Debug, Clone)]
pub enum CodeMatch {
    /// The code equals this string (`code: LAB//HR`).
    Exact(String),
    /// The code is one of these strings (`code: {any: [A, B]}`).
    Any(Vec<String>),
    /// The regex matches somewhere in the code (`code: {regex: ...}`; a search, not a full match, as
    /// polars `str.contains`).
    Regex(Regex),
    /// `code: null`. In es-aces 0.7.3 this matches no event (the comparison with null is null, counted
    /// as zero); see [`CodeNull`](crate::CodeNull) for the alternative reading.
    Null,
}

/// One end of a value range, compared in float32 as ACES does on a MEDS `numeric_value` column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueBound {
    /// The threshold.
    pub value: f32,
    /// Whether an event exactly at the threshold matches. By default (ACES), not inclusive.
    pub inclusive: bool,
}

/// A value another column must equal for a plain predicate to match (`text_value: foo`).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue {
    /// A string.
    Text(String),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// A predicate evaluated on single events, counted per (subject, timestamp).
#[derive(Debug, Clone)]
pub struct PlainPredicate {
    /// The code criterion.
    pub code: CodeMatch,
    /// The lower bound on `numeric_value`; events without a value never match a bounded predicate.
    pub min: Option<ValueBound>,
    /// The upper bound on `numeric_value`.
    pub max: Option<ValueBound>,
    /// Other columns that must equal a value (`text_value` or a non-MEDS column).
    pub other_columns: Vec<(String, ColumnValue)>,
    /// Whether this is a patient demographic (from `patient_demographics`, or `static: true`).
    pub is_static: bool,
}

/// How a derived predicate combines its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logic {
    /// 1 at a timestamp where every input is positive, else 0.
    And,
    /// 1 at a timestamp where some input is positive, else 0.
    Or,
}

/// A predicate combining other predicates' per-timestamp counts.
#[derive(Debug, Clone)]
pub struct DerivedPredicate {
    /// `and` or `or`.
    pub logic: Logic,
    /// The input columns.
    pub inputs: Vec<usize>,
    pub(crate) input_names: Vec<String>,
}

/// What a predicate is.
#[derive(Debug, Clone)]
pub enum PredicateKind {
    /// Matches single events.
    Plain(PlainPredicate),
    /// Combines other predicates.
    Derived(DerivedPredicate),
}

fn number(src: &Src<'_>, key: &str, v: &Value) -> Result<Option<f64>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_f64().map(Some).ok_or_else(|| src.err(key, "expected a number")),
        other => Err(src.err(key, format!("expected a number or null, found {}", kind_of(other)))),
    }
}

fn boolean(src: &Src<'_>, key: &str, v: &Value) -> Result<bool> {
    match v {
        // ACES leaves an unset inclusivity as None, which is falsy: exclusive.
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        other => Err(src.err(key, format!("expected true or false, found {}", kind_of(other)))),
    }
}

const PLACEHOLDER: &str = "???";

fn unfilled(src: &Src<'_>, key: &str) -> crate::Error {
    src.err(key, "is the placeholder ??? (fill it with a predicates file: --predicates)")
}

fn code(src: &Src<'_>, key: &str, v: &Value) -> Result<CodeMatch> {
    match v {
        Value::Null => Ok(CodeMatch::Null),
        Value::String(s) if s == PLACEHOLDER => Err(unfilled(src, key)),
        Value::String(s) => Ok(CodeMatch::Exact(s.clone())),
        Value::Mapping(m) => {
            let items = entries(src, key, m)?;
            if items.len() != 1 {
                return Err(src.err(key, "expected exactly one of `regex` or `any`"));
            }
            let (k, v) = &items[0];
            match (k.as_str(), v) {
                ("regex", Value::String(r)) if !r.is_empty() => Regex::new(r)
                    .map(CodeMatch::Regex)
                    .map_err(|e| src.err(format!("{key}.regex"), format!("invalid regex: {e}"))),
                ("regex", _) => Err(src.err(format!("{key}.regex"), "expected a non-empty string")),
                ("any", Value::Sequence(items)) if !items.is_empty() => items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s.clone()),
                        other => {
                            Err(src.err(format!("{key}.any"), format!("expected strings, found {}", kind_of(other))))
                        }
                    })
                    .collect::<Result<Vec<_>>>()
                    .map(CodeMatch::Any),
                ("any", _) => Err(src.err(format!("{key}.any"), "expected a non-empty list of codes")),
                (other, _) => Err(src.err(format!("{key}.{other}"), "unrecognized key (expected `regex` or `any`)")),
            }
        }
        other => Err(src.err(
            key,
            format!("expected a code, `{{regex: ...}}`, `{{any: [...]}}` or null, found {}", kind_of(other)),
        )),
    }
}

fn column_value(src: &Src<'_>, key: &str, v: &Value) -> Result<ColumnValue> {
    match v {
        Value::String(s) if s == PLACEHOLDER => Err(unfilled(src, key)),
        Value::String(s) => Ok(ColumnValue::Text(s.clone())),
        Value::Bool(b) => Ok(ColumnValue::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(ColumnValue::Int(i)),
            None => n.as_f64().map(ColumnValue::Float).ok_or_else(|| src.err(key, "expected a number")),
        },
        other => Err(src.err(key, format!("expected a string, number or boolean, found {}", kind_of(other)))),
    }
}

/// Parses a derived predicate's `expr`, as ACES: `and(a, b, ...)` or `or(a, b, ...)`, at least two
/// comma-separated names, no nesting (nest by naming intermediate predicates).
fn expr(src: &Src<'_>, key: &str, v: &Value) -> Result<DerivedPredicate> {
    let Value::String(text) = v else {
        return Err(src.err(key, format!("expected `and(...)` or `or(...)`, found {}", kind_of(v))));
    };
    let (logic, inner) = if let Some(inner) = text.strip_prefix("and(").and_then(|t| t.strip_suffix(')')) {
        (Logic::And, inner)
    } else if let Some(inner) = text.strip_prefix("or(").and_then(|t| t.strip_suffix(')')) {
        (Logic::Or, inner)
    } else {
        return Err(src.err(key, format!("{text:?} must start with `and(` or `or(` and end with `)`")));
    };
    let input_names: Vec<String> = inner.split(',').map(|s| s.trim().to_string()).collect();
    if input_names.len() < 2 {
        return Err(src.err(key, format!("{text:?} needs at least two comma-separated input predicates")));
    }
    Ok(DerivedPredicate { logic, inputs: Vec::new(), input_names })
}

/// Parses one predicate definition at `key` (`predicates.<name>` or `patient_demographics.<name>`).
pub(crate) fn parse(src: &Src<'_>, key: &str, v: &Value, demographic: bool) -> Result<PredicateKind> {
    let m = match v {
        Value::Mapping(m) => m,
        Value::String(s) if s == PLACEHOLDER => return Err(unfilled(src, key)),
        other => {
            return Err(src.err(key, format!("expected a mapping with `code` or `expr`, found {}", kind_of(other))))
        }
    };
    let items = entries(src, key, m)?;
    if let Some((_, e)) = items.iter().find(|(k, _)| k == "expr") {
        if demographic {
            return Err(src.err(format!("{key}.expr"), "a patient demographic must be a plain predicate"));
        }
        if let Some((k, _)) = items.iter().find(|(k, _)| k != "expr") {
            return Err(src.err(format!("{key}.{k}"), "unrecognized key for a derived predicate (only `expr`)"));
        }
        return expr(src, &format!("{key}.expr"), e).map(PredicateKind::Derived);
    }
    let mut code_match = None;
    let (mut min, mut max, mut min_inc, mut max_inc) = (None, None, false, false);
    let mut is_static = demographic;
    let mut other_columns = Vec::new();
    for (k, v) in &items {
        let sub = format!("{key}.{k}");
        match k.as_str() {
            "code" => code_match = Some(code(src, &sub, v)?),
            "value_min" => min = number(src, &sub, v)?,
            "value_max" => max = number(src, &sub, v)?,
            "value_min_inclusive" => min_inc = boolean(src, &sub, v)?,
            "value_max_inclusive" => max_inc = boolean(src, &sub, v)?,
            "static" => is_static = boolean(src, &sub, v)? || demographic,
            _ if demographic => {
                return Err(src.err(sub, "unrecognized key for a patient demographic"));
            }
            _ => other_columns.push((k.clone(), column_value(src, &sub, v)?)),
        }
    }
    let code_match =
        code_match.ok_or_else(|| src.err(format!("{key}.code"), "missing (or use `expr` for a derived predicate)"))?;
    // ACES compares a float32 `numeric_value` column with the threshold cast to float32.
    let bound = |v: Option<f64>, inclusive: bool| v.map(|v| ValueBound { value: v as f32, inclusive });
    Ok(PredicateKind::Plain(PlainPredicate {
        code: code_match,
        min: bound(min, min_inc),
        max: bound(max, max_inc),
        other_columns,
        is_static,
    }))
}
