//! Lookup and aggregated joins: the right-hand table of a `_table.join`, loaded once into a hash map
//! from key to one row of the joined columns.

use std::collections::HashMap;
use std::path::Path;

use csv::StringRecord;

use super::config::{Aggregation, JoinConfig};
use super::table::{find_table, TableReader};
use crate::{Error, Result};

/// Separates the parts of a composite key; a control character that does not occur in MIMIC text.
pub(crate) const KEY_SEP: char = '\u{1f}';

/// What a join needs from its right-hand table. Joins with equal specs share one loaded table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct JoinSpec {
    pub table: String,
    pub right_on: Vec<String>,
    pub cols: Vec<(String, Aggregation)>,
}

impl JoinSpec {
    pub fn of(j: &JoinConfig) -> Self {
        Self { table: j.table.clone(), right_on: j.right_on.clone(), cols: j.cols.clone() }
    }
}

/// A loaded right-hand table: key → the joined columns of one (possibly aggregated) row.
#[derive(Debug)]
pub(crate) struct JoinTable {
    n_cols: usize,
    map: HashMap<Box<str>, u32>,
    values: Vec<Option<Box<str>>>,
    /// Rows read from the file.
    pub rows: u64,
    /// Keys held by more than one row in a plain lookup (the first row is used).
    pub duplicate_keys: u64,
}

impl JoinTable {
    /// Loads `spec` from `raw_dir`.
    pub fn load(raw_dir: &Path, spec: &JoinSpec) -> Result<Self> {
        let aggs: Vec<Aggregation> = spec.cols.iter().map(|c| c.1).collect();
        let (path, format) = find_table(raw_dir, &spec.table).ok_or_else(|| Error::Table {
            path: raw_dir.join(&spec.table),
            row: 0,
            message: "join table not found (looked for .csv, .csv.gz and .parquet)".into(),
        })?;
        let mut reader = TableReader::open(&path, format)?;
        let index = |name: &str| {
            reader
                .headers()
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| Error::MissingColumn { path: path.clone(), column: name.to_string() })
        };
        let key_idx: Vec<usize> = spec.right_on.iter().map(|c| index(c)).collect::<Result<_>>()?;
        let col_idx: Vec<usize> = spec.cols.iter().map(|(c, _)| index(c)).collect::<Result<_>>()?;
        let n_cols = col_idx.len();
        let mut t = JoinTable { n_cols, map: HashMap::new(), values: Vec::new(), rows: 0, duplicate_keys: 0 };
        let mut record = StringRecord::new();
        let mut key = String::new();
        while reader.read_row(&mut record)? {
            t.rows += 1;
            if !build_key(key_idx.iter().map(|&i| record.get(i)), &mut key) {
                continue;
            }
            let slot = match t.map.get(key.as_str()) {
                Some(&s) => {
                    if aggs.iter().all(|a| *a == Aggregation::Lookup) {
                        t.duplicate_keys += 1;
                        continue;
                    }
                    s as usize
                }
                None => {
                    let s = t.map.len();
                    t.map.insert(key.as_str().into(), s as u32);
                    t.values.extend(std::iter::repeat_n(None, n_cols));
                    s
                }
            };
            for (c, (&i, agg)) in col_idx.iter().zip(&aggs).enumerate() {
                let v = record.get(i).filter(|s| !s.is_empty());
                let cell = &mut t.values[slot * n_cols + c];
                let replace = match (agg, cell.as_deref(), v) {
                    (_, _, None) => false,
                    (_, None, Some(_)) => true,
                    (Aggregation::Min, Some(old), Some(new)) => new < old,
                    (Aggregation::Max, Some(old), Some(new)) => new > old,
                    (Aggregation::Last, Some(_), Some(_)) => true,
                    (Aggregation::Lookup | Aggregation::First, Some(_), Some(_)) => false,
                };
                if replace {
                    *cell = v.map(Into::into);
                }
            }
        }
        Ok(t)
    }

    /// The row slot of `key`, if any row has it.
    pub fn find(&self, key: &str) -> Option<u32> {
        self.map.get(key).copied()
    }

    /// Joined column `col` of row slot `slot`.
    pub fn value(&self, slot: u32, col: usize) -> Option<&str> {
        self.values.get(slot as usize * self.n_cols + col).and_then(|v| v.as_deref())
    }
}

/// Writes the composite key of `parts` into `out`; `false` when a part is null (a null key never
/// matches, as in SQL and polars joins).
pub(crate) fn build_key<'a>(parts: impl Iterator<Item = Option<&'a str>>, out: &mut String) -> bool {
    out.clear();
    for (n, p) in parts.enumerate() {
        match p {
            Some(s) if !s.is_empty() => {
                if n > 0 {
                    out.push(KEY_SEP);
                }
                out.push_str(s);
            }
            _ => return false,
        }
    }
    true
}
