//! Converting one raw table into events: resolve the config's expressions against the table's
//! columns once, then stream the rows, evaluating every event block on each row.

use std::borrow::Cow;
use std::collections::HashMap;

use csv::StringRecord;
use mlhc_core::{Bitmap, Timestamp};
use rayon::prelude::*;

use super::config::{EventConfig, TableConfig};
use super::expr::{parse_float, Expr, Row, Slot, Value};
use super::join::{JoinTable, KEY_SEP};
use super::report::{EventReport, Reject};
use super::spill::Sink;
use super::table::TableReader;
use crate::{Error, Result, TextColumn};

/// The events of one table, columnar, in row order.
#[derive(Debug, Default)]
pub(crate) struct EventBuf {
    pub subject: Vec<i64>,
    pub time: Vec<i64>,
    pub time_valid: Bitmap,
    pub code: Vec<u32>,
    pub numeric: Vec<f32>,
    pub numeric_valid: Bitmap,
    pub text: TextColumn,
    /// The event block that produced each event.
    pub block: Vec<u16>,
    /// The one-based row that produced each event.
    pub row: Vec<u64>,
}

/// The events of a batch of rows, with the batch's own code vocabulary.
#[derive(Debug)]
pub(crate) struct Batch {
    pub rows_read: u64,
    pub events: EventBuf,
    /// The batch's own code vocabulary; `events.code` indexes it.
    pub codes: Vec<String>,
    /// The description of each code with the row it came from, when the config gives one.
    pub descriptions: Vec<Option<(u64, String)>>,
    /// The parent code of each code (from a `_self` metadata block) with the row it came from.
    pub parents: Vec<Option<(u64, String)>>,
    /// Per event block; `written` holds the events produced before duplicates are collapsed.
    pub counts: Vec<EventReport>,
    pub rejects: Vec<Reject>,
}

/// The counts of one converted table (its events went to the [`Sink`]).
#[derive(Debug)]
pub(crate) struct TableOutput {
    /// The file read.
    pub file: String,
    pub rows_read: u64,
    /// Per event block; `written` holds the events produced before duplicates are collapsed.
    pub counts: Vec<EventReport>,
    /// The first [`MAX_LISTED_REJECTS`] rejects.
    pub rejects: Vec<Reject>,
    /// Rejects beyond those listed.
    pub unlisted_rejects: u64,
}

/// The most rejects listed per table in the rejects file; all are counted.
pub(crate) const MAX_LISTED_REJECTS: usize = 100_000;

/// A table's expressions resolved against its file's columns.
struct Compiled {
    subject_idx: usize,
    /// Computed columns needed by join keys, then the rest; each with its index in `cols`.
    pre_join: Vec<(usize, Expr)>,
    post_join: Vec<(usize, Expr)>,
    n_cols: usize,
    /// Per join: where each part of its key comes from.
    join_keys: Vec<Vec<Slot>>,
    events: Vec<EventConfig>,
    /// Per event, the parent-code expression of its `_self` metadata block, if any.
    parents: Vec<Option<Expr>>,
}

fn compile(cfg: &TableConfig, reader: &TableReader) -> Result<Compiled> {
    let path = reader.path();
    let headers = reader.headers();
    let raw: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h.as_str(), i)).collect();
    let missing = |column: &str| Error::MissingColumn { path: path.to_path_buf(), column: column.to_string() };
    let subject_idx = *raw.get(cfg.subject_id_col.as_str()).ok_or_else(|| missing(&cfg.subject_id_col))?;
    // Name resolution, highest priority first: computed columns declared earlier, raw columns, joined
    // columns (a joined column whose name is also a raw column is reachable as `name_right`, as in
    // polars).
    let joined_slot = |name: &str| {
        cfg.joins.iter().enumerate().find_map(|(j, jc)| {
            jc.cols
                .iter()
                .position(|(c, _)| c == name || (raw.contains_key(c.as_str()) && format!("{c}_right") == name))
                .map(|col| Slot::Joined { join: j, col })
        })
    };
    let key_cols: Vec<&str> = cfg.joins.iter().flat_map(|j| j.left_on.iter().map(String::as_str)).collect();
    let is_pre = |i: usize| key_cols.contains(&cfg.cols[i].name.as_str());
    let mut pre_join = Vec::new();
    let mut post_join = Vec::new();
    for (i, c) in cfg.cols.iter().enumerate() {
        let mut e = c.expr.clone();
        let pre = is_pre(i);
        e.resolve(&mut |name| {
            if let Some(k) = cfg.cols[..i].iter().position(|d| d.name == name) {
                // A column feeding a join key is computed before the join, so it can only read
                // raw columns and other such columns.
                return (!pre || is_pre(k)).then_some(Slot::Computed(k));
            }
            if let Some(&r) = raw.get(name) {
                return Some(Slot::Raw(r));
            }
            if pre {
                None
            } else {
                joined_slot(name)
            }
        })
        .map_err(|col| missing(&col))?;
        if pre {
            pre_join.push((i, e));
        } else {
            post_join.push((i, e));
        }
    }
    let mut join_keys = Vec::new();
    for jc in &cfg.joins {
        let mut slots = Vec::new();
        for k in &jc.left_on {
            let slot = match cfg.cols.iter().position(|c| &c.name == k) {
                Some(i) => Slot::Computed(i),
                None => Slot::Raw(*raw.get(k.as_str()).ok_or_else(|| missing(k))?),
            };
            slots.push(slot);
        }
        join_keys.push(slots);
    }
    let mut events = cfg.events.clone();
    let mut parents = Vec::with_capacity(events.len());
    for ev in &mut events {
        // A `_self` metadata block is evaluated on the event's own rows, like `description:`.
        let mut parent = None;
        for src in ev.metadata.iter().filter(|m| m.table == "_self") {
            if ev.description.is_none() {
                ev.description.clone_from(&src.description);
            }
            if parent.is_none() {
                parent.clone_from(&src.parent_codes);
            }
        }
        let exprs = [
            Some(&mut ev.code),
            ev.time.as_mut(),
            ev.numeric_value.as_mut(),
            ev.text_value.as_mut(),
            ev.description.as_mut(),
            parent.as_mut(),
        ];
        for e in exprs.into_iter().flatten() {
            e.resolve(&mut |name| {
                cfg.cols
                    .iter()
                    .position(|c| c.name == name)
                    .map(Slot::Computed)
                    .or_else(|| raw.get(name).map(|&r| Slot::Raw(r)))
                    .or_else(|| joined_slot(name))
            })
            .map_err(|col| missing(&col))?;
        }
        parents.push(parent);
    }
    Ok(Compiled { subject_idx, pre_join, post_join, n_cols: cfg.cols.len(), join_keys, events, parents })
}

/// The values of one row as the expressions see them.
struct RowCtx<'a> {
    record: &'a StringRecord,
    computed: &'a [std::result::Result<Value<'static>, String>],
    matched: &'a [Option<u32>],
    joins: &'a [&'a JoinTable],
}

impl Row for RowCtx<'_> {
    fn get(&self, slot: Slot) -> std::result::Result<Value<'_>, String> {
        match slot {
            Slot::Raw(i) => Ok(self.record.get(i).map_or(Value::Null, |s| Value::Str(Cow::Borrowed(s)))),
            Slot::Computed(i) => match self.computed.get(i) {
                Some(Ok(Value::Str(s))) => Ok(Value::Str(Cow::Borrowed(s.as_ref()))),
                Some(Ok(v)) => Ok(v.clone()),
                Some(Err(e)) => Err(e.clone()),
                None => Err(format!("computed column {i} is not available here")),
            },
            Slot::Joined { join, col } => Ok(self.matched[join]
                .and_then(|slot| self.joins[join].value(slot, col))
                .map_or(Value::Null, |s| Value::Str(Cow::Borrowed(s)))),
            Slot::Unresolved => Err("unresolved column".into()),
        }
    }
}

/// Rows per batch of the conversion pipeline: large enough to amortise the hand-off, small enough
/// that a batch of text stays in cache-friendly sizes.
const BATCH_ROWS: usize = 8192;

/// Converts one table (number `table` in the config) into `sink`. `joins[j]` is the loaded
/// right-hand table of `cfg.joins[j]`.
///
/// One thread reads and parses the file (CSV parsing and gzip inflation are sequential by nature)
/// and hands batches of rows to rayon workers, which evaluate the event blocks and spill the events;
/// counts and rejects are combined in row order, so the report does not depend on scheduling.
pub(crate) fn convert_table(
    cfg: &TableConfig,
    table: u16,
    mut reader: TableReader,
    joins: &[&JoinTable],
    sink: &Sink,
) -> Result<TableOutput> {
    let c = compile(cfg, &reader)?;
    let path = reader.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, u64, Vec<StringRecord>, usize)>(4);
    let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<StringRecord>>();
    let (read, parts) = std::thread::scope(|scope| {
        let producer = scope.spawn(move || -> Result<u64> {
            let mut rows = 0u64;
            for seq in 0.. {
                // Reuse the records of converted batches: no allocation per row in the steady state.
                let mut batch = free_rx.try_recv().unwrap_or_default();
                let mut n = 0;
                while n < BATCH_ROWS {
                    if batch.len() == n {
                        batch.push(StringRecord::new());
                    }
                    if !reader.read_row(&mut batch[n])? {
                        break;
                    }
                    n += 1;
                }
                if n == 0 || tx.send((seq, rows, batch, n)).is_err() {
                    break;
                }
                rows += n as u64;
                if n < BATCH_ROWS {
                    break;
                }
            }
            Ok(rows)
        });
        let parts: Result<Vec<(usize, Batch)>> = rx
            .into_iter()
            .par_bridge()
            .map(|(seq, first, records, n)| {
                let mut batch = convert_rows(cfg, &c, &records[..n], first, joins);
                // The producer may have finished; then the records are simply dropped.
                let _ = free_tx.send(records);
                sink.accept(table, &batch)?;
                batch.events = EventBuf::default();
                Ok((seq, batch))
            })
            .collect();
        let read = producer.join().unwrap_or_else(|_| {
            Err(Error::Table { path: path.clone(), row: 0, message: "the table reader thread panicked".into() })
        });
        (read, parts)
    });
    read?;
    let mut parts = parts?;
    parts.sort_unstable_by_key(|p| p.0);
    let mut out = TableOutput {
        file: path.display().to_string(),
        rows_read: 0,
        counts: empty_counts(&c),
        rejects: Vec::new(),
        unlisted_rejects: 0,
    };
    for (_, part) in parts {
        out.rows_read += part.rows_read;
        for (a, b) in out.counts.iter_mut().zip(part.counts) {
            a.written += b.written;
            a.rejected += b.rejected;
            a.no_time += b.no_time;
            a.no_code += b.no_code;
        }
        // A config that does not fit a table could reject every one of millions of rows; listing
        // them all would exhaust memory, and the first ones already show what is wrong.
        let room = MAX_LISTED_REJECTS.saturating_sub(out.rejects.len());
        out.unlisted_rejects += part.rejects.len().saturating_sub(room) as u64;
        out.rejects.extend(part.rejects.into_iter().take(room));
    }
    Ok(out)
}

fn empty_counts(c: &Compiled) -> Vec<EventReport> {
    c.events.iter().map(|e| EventReport { event: e.name.clone(), ..EventReport::default() }).collect()
}

/// Converts a batch of rows whose first has the one-based number `first + 1`.
fn convert_rows(cfg: &TableConfig, c: &Compiled, rows: &[StringRecord], first: u64, joins: &[&JoinTable]) -> Batch {
    let n_blocks = c.events.len();
    let mut out = Batch {
        rows_read: 0,
        events: EventBuf { text: TextColumn::new(), ..EventBuf::default() },
        codes: Vec::new(),
        descriptions: Vec::new(),
        parents: Vec::new(),
        counts: empty_counts(c),
        rejects: Vec::new(),
    };
    let mut vocab: HashMap<Box<str>, u32> = HashMap::new();
    let mut computed: Vec<std::result::Result<Value<'static>, String>> = Vec::with_capacity(c.n_cols);
    let mut matched: Vec<Option<u32>> = vec![None; joins.len()];
    let mut key = String::new();
    let mut code = String::new();
    let mut text = String::new();
    // Placeholder for computed columns not yet evaluated in this row.
    let pending = || Err::<Value<'static>, String>("column used before it is computed".into());
    for (k, record) in rows.iter().enumerate() {
        out.rows_read += 1;
        let row = first + k as u64 + 1;
        let reject = |out: &mut Batch, b: usize, reason: String| {
            out.counts[b].rejected += 1;
            out.rejects.push(Reject { table: cfg.name.clone(), row, event: c.events[b].name.clone(), reason });
        };
        let sid_text = record.get(c.subject_idx).unwrap_or("");
        let Ok(subject) = trim(sid_text).parse::<i64>() else {
            for b in 0..n_blocks {
                reject(
                    &mut out,
                    b,
                    format!("subject id {sid_text:?} in column {} is not an integer", cfg.subject_id_col),
                );
            }
            continue;
        };
        computed.clear();
        computed.resize_with(c.n_cols, pending);
        for (i, e) in &c.pre_join {
            let ctx = RowCtx { record, computed: &computed, matched: &matched, joins };
            let v = e.eval(&ctx).map(Value::into_owned);
            computed[*i] = v;
        }
        for (j, slots) in c.join_keys.iter().enumerate() {
            let ctx = RowCtx { record, computed: &computed, matched: &matched, joins };
            key.clear();
            let mut complete = true;
            for (n, &slot) in slots.iter().enumerate() {
                if n > 0 {
                    key.push(KEY_SEP);
                }
                match ctx.get(slot) {
                    // A null or failed key part never matches, as in SQL and polars joins.
                    Ok(Value::Null) | Err(_) => complete = false,
                    Ok(Value::Str(x)) if x.is_empty() => complete = false,
                    Ok(v) => v.write_to(&mut key),
                }
            }
            let found = if complete { joins[j].find(&key) } else { None };
            matched[j] = found;
        }
        for (i, e) in &c.post_join {
            let ctx = RowCtx { record, computed: &computed, matched: &matched, joins };
            let v = e.eval(&ctx).map(Value::into_owned);
            computed[*i] = v;
        }
        let ctx = RowCtx { record, computed: &computed, matched: &matched, joins };
        for (b, ev) in c.events.iter().enumerate() {
            // Time first, then code, numeric and text value: the first that fails decides the outcome.
            let time = match &ev.time {
                None => None,
                Some(e) => match e.eval(&ctx) {
                    Ok(Value::Null) => {
                        out.counts[b].no_time += 1;
                        continue;
                    }
                    Ok(Value::Time(t)) => Some(t),
                    Ok(Value::Str(s)) => match Timestamp::parse(&s) {
                        Ok(t) => Some(t.0),
                        Err(_) => {
                            reject(
                                &mut out,
                                b,
                                format!("time {s:?} is not a datetime (give a format: $col::\"%Y-%m-%d\")"),
                            );
                            continue;
                        }
                    },
                    Ok(other) => {
                        reject(&mut out, b, format!("time {other:?} is not a datetime"));
                        continue;
                    }
                    Err(reason) => {
                        reject(&mut out, b, reason);
                        continue;
                    }
                },
            };
            code.clear();
            match ev.code.eval_text(&ctx, &mut code) {
                Ok(true) if !code.is_empty() => {}
                Ok(_) => {
                    out.counts[b].no_code += 1;
                    continue;
                }
                Err(reason) => {
                    reject(&mut out, b, reason);
                    continue;
                }
            }
            let numeric = match &ev.numeric_value {
                None => None,
                Some(e) => match e.eval(&ctx) {
                    Ok(v) => match to_f32(&v) {
                        Ok(x) => x,
                        Err(reason) => {
                            reject(&mut out, b, reason);
                            continue;
                        }
                    },
                    Err(reason) => {
                        reject(&mut out, b, reason);
                        continue;
                    }
                },
            };
            text.clear();
            let has_text = match &ev.text_value {
                None => false,
                Some(e) => match e.eval_text(&ctx, &mut text) {
                    Ok(t) => t,
                    Err(reason) => {
                        reject(&mut out, b, reason);
                        continue;
                    }
                },
            };
            let id = match vocab.get(code.as_str()) {
                Some(&id) => id as usize,
                None => {
                    let id = out.codes.len();
                    vocab.insert(code.as_str().into(), id as u32);
                    out.codes.push(code.clone());
                    out.descriptions.push(None);
                    out.parents.push(None);
                    id
                }
            };
            // Code metadata is taken from the first row of the code that gives it, so it is evaluated
            // once per code in the common case, not once per row.
            let fill = |slot: &mut Option<(u64, String)>, expr: Option<&Expr>| {
                if let (None, Some(e)) = (&slot, expr) {
                    let mut s = String::new();
                    if matches!(e.eval_text(&ctx, &mut s), Ok(true)) {
                        *slot = Some((row, s));
                    }
                }
            };
            fill(&mut out.descriptions[id], ev.description.as_ref());
            fill(&mut out.parents[id], c.parents[b].as_ref());
            let id = id as u32;
            let e = &mut out.events;
            e.subject.push(subject);
            e.time.push(time.unwrap_or(0));
            e.time_valid.push(time.is_some());
            e.code.push(id);
            e.numeric.push(numeric.unwrap_or(0.0));
            e.numeric_valid.push(numeric.is_some());
            e.text.push(has_text.then_some(text.as_str()));
            e.block.push(b as u16);
            e.row.push(row);
            out.counts[b].written += 1;
        }
    }
    out
}

/// `s` without surrounding whitespace; skips the general trim in the common case of none.
fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_whitespace() || l.is_ascii_whitespace() => s.trim(),
        _ => s,
    }
}

/// A numeric value as float32: null and empty text are `None`; text that is not a finite number, or
/// a number outside the float32 range, is an error.
fn to_f32(v: &Value<'_>) -> std::result::Result<Option<f32>, String> {
    let x = match v {
        Value::Null => return Ok(None),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Time(_) => return Err("numeric_value is a datetime".into()),
        Value::Str(s) => {
            let t = trim(s);
            if t.is_empty() {
                return Ok(None);
            }
            parse_float(t).ok_or_else(|| format!("unparseable number {s:?} in numeric_value"))?
        }
    };
    let f = x as f32;
    if f.is_finite() {
        Ok(Some(f))
    } else {
        Err(format!("number {x} is outside the float32 range"))
    }
}
