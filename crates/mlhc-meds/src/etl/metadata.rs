//! Code metadata from dictionary tables (`_metadata` blocks): descriptions and parent codes for
//! `codes.parquet`.
//!
//! Each dictionary row renders a code with the event's own code expression, its columns bound to the
//! block's key expressions over the dictionary row; when the dataset has that code, the row's
//! `description` (first row wins) and `parent_codes` (all distinct values) are attached. A block that
//! cannot be applied (a missing dictionary, a missing column, a partial match) is skipped with a note
//! rather than failing the run: metadata is descriptive, the events are already written. `_self`
//! blocks are evaluated during conversion instead, on the event's own rows.

use std::borrow::Cow;
use std::path::Path;

use csv::StringRecord;
use rayon::prelude::*;

use super::config::{EtlConfig, EventConfig, MetadataSource};
use super::expr::{Expr, Row, Slot, Value};
use super::table::{find_table, TableReader};
use crate::{Result, Vocabulary};

/// A dictionary row with the values of the code's columns.
struct MetaRow<'a> {
    record: &'a StringRecord,
    keys: &'a [Value<'static>],
}

impl Row for MetaRow<'_> {
    fn get(&self, slot: Slot) -> std::result::Result<Value<'_>, String> {
        match slot {
            Slot::Raw(i) => Ok(self.record.get(i).map_or(Value::Null, |s| Value::Str(Cow::Borrowed(s)))),
            Slot::Computed(k) => match self.keys.get(k) {
                Some(Value::Str(s)) => Ok(Value::Str(Cow::Borrowed(s.as_ref()))),
                Some(v) => Ok(v.clone()),
                None => Err("no such key".into()),
            },
            _ => Err("dictionary rows have no joined columns".into()),
        }
    }
}

/// Applies every `_metadata` block of the converted tables (`converted[t]` for `config.tables[t]`).
pub(crate) fn apply_metadata(
    config: &EtlConfig,
    converted: &[bool],
    raw_dir: &Path,
    vocab: &Vocabulary,
    descriptions: &mut [Option<String>],
    parents: &mut [Vec<String>],
    notes: &mut Vec<String>,
) -> Result<()> {
    // Dictionaries are read in parallel; their findings are applied in config order, so the first
    // description in config order wins whatever the scheduling.
    let blocks: Vec<(String, &EventConfig, &MetadataSource)> = config
        .tables
        .iter()
        .zip(converted)
        .filter(|(_, c)| **c)
        .flat_map(|(t, _)| {
            t.events.iter().flat_map(move |ev| {
                // `_self` blocks are evaluated during conversion, on the event's own rows.
                ev.metadata
                    .iter()
                    .filter(|src| src.table != "_self")
                    .map(move |src| (format!("{}.{}._metadata.{}", t.name, ev.name, src.table), ev, src))
            })
        })
        .collect();
    let found: Vec<Result<std::result::Result<Vec<Found>, String>>> =
        blocks.par_iter().map(|(_, ev, src)| read_one(ev, src, raw_dir, vocab)).collect();
    for ((at, _, _), f) in blocks.iter().zip(found) {
        match f? {
            Err(why) => notes.push(format!("{at}: skipped ({why})")),
            Ok(rows) => {
                let mut touched = std::collections::HashSet::new();
                for (id, desc, parent) in rows {
                    if let Some(d) = desc {
                        if descriptions[id].is_none() {
                            descriptions[id] = Some(d);
                            touched.insert(id);
                        }
                    }
                    if let Some(p) = parent {
                        if !parents[id].contains(&p) {
                            parents[id].push(p);
                            touched.insert(id);
                        }
                    }
                }
                notes.push(format!("{at}: metadata for {} codes", touched.len()));
            }
        }
    }
    Ok(())
}

/// A dictionary row's findings: code id, description, parent code.
type Found = (usize, Option<String>, Option<String>);

/// Reads one block's dictionary; `Ok(Err(why))` when the block cannot be applied.
fn read_one(
    ev: &EventConfig,
    src: &MetadataSource,
    raw_dir: &Path,
    vocab: &Vocabulary,
) -> Result<std::result::Result<Vec<Found>, String>> {
    let mut code = ev.code.clone();
    let key_of = |name: &str| src.keys.iter().position(|(k, _)| k == name).map(Slot::Computed);
    if let Err(col) = code.resolve(&mut |name| key_of(name)) {
        return Ok(Err(format!("partial match: the code's column {col} is not a key of the block")));
    }
    let Some((path, format)) = find_table(raw_dir, &src.table) else {
        return Ok(Err("dictionary table not found".into()));
    };
    let mut reader = TableReader::open(&path, format)?;
    let headers: Vec<String> = reader.headers().to_vec();
    let mut resolve = |e: &Expr| -> std::result::Result<Expr, String> {
        let mut e = e.clone();
        e.resolve(&mut |name| headers.iter().position(|h| h == name).map(Slot::Raw))
            .map_err(|col| format!("dictionary column {col} not found"))?;
        Ok(e)
    };
    let resolved = (|| -> std::result::Result<_, String> {
        let keys: Vec<Expr> = src.keys.iter().map(|(_, e)| resolve(e)).collect::<std::result::Result<_, _>>()?;
        let description = src.description.as_ref().map(&mut resolve).transpose()?;
        let parent = src.parent_codes.as_ref().map(&mut resolve).transpose()?;
        Ok((keys, description, parent))
    })();
    let (keys, description, parent) = match resolved {
        Ok(r) => r,
        Err(why) => return Ok(Err(why)),
    };
    let mut record = StringRecord::new();
    let mut values: Vec<Value<'static>> = Vec::with_capacity(keys.len());
    let mut text = String::new();
    let mut found = Vec::new();
    while reader.read_row(&mut record)? {
        values.clear();
        let no_keys = MetaRow { record: &record, keys: &[] };
        for k in &keys {
            values.push(k.eval(&no_keys).map(Value::into_owned).unwrap_or(Value::Null));
        }
        let row = MetaRow { record: &record, keys: &values };
        text.clear();
        if !matches!(code.eval_text(&row, &mut text), Ok(true)) {
            continue;
        }
        let Some(id) = vocab.get(&text) else { continue };
        let eval = |e: &Option<Expr>| {
            let mut s = String::new();
            e.as_ref().and_then(|e| matches!(e.eval_text(&row, &mut s), Ok(true)).then_some(s))
        };
        found.push((id.index(), eval(&description), eval(&parent)));
    }
    Ok(Ok(found))
}
