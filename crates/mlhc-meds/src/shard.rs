//! The in-memory columnar form of one MEDS shard.

use std::ops::Range;

use arrow_array::ArrayRef;
use mlhc_core::{Bitmap, CodeId, SubjectId, Timestamp};

use crate::Vocabulary;

/// A nullable string column: `offsets[i]..offsets[i + 1]` is row `i`'s bytes in `data`.
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    offsets: Vec<usize>,
    data: String,
    valid: Bitmap,
}

impl TextColumn {
    /// An empty column.
    pub fn new() -> Self {
        Self { offsets: vec![0], data: String::new(), valid: Bitmap::default() }
    }

    /// Appends one row.
    pub fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.data.push_str(v);
        }
        self.offsets.push(self.data.len());
        self.valid.push(value.is_some());
    }

    /// Row `i`, or `None` when null.
    pub fn get(&self, i: usize) -> Option<&str> {
        if self.valid.get(i) {
            Some(&self.data[self.offsets[i]..self.offsets[i + 1]])
        } else {
            None
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.valid.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.valid.is_empty()
    }

    /// The number of non-null rows.
    pub fn count_valid(&self) -> usize {
        self.valid.count_set()
    }
}

/// One MEDS shard in columnar form: events of contiguous subjects, each subject's events in the order
/// they were stored (sorted by time with static rows first in a valid dataset).
///
/// Codes are [`CodeId`]s into the dataset's [`Vocabulary`]; missing times (static events) and missing
/// numeric values are marked in validity bitmaps.
#[derive(Debug, Clone, Default)]
pub struct Shard {
    pub(crate) name: String,
    pub(crate) subject_ids: Vec<i64>,
    pub(crate) offsets: Vec<usize>,
    pub(crate) time: Vec<i64>,
    pub(crate) time_valid: Bitmap,
    pub(crate) code: Vec<u32>,
    pub(crate) numeric: Vec<f32>,
    pub(crate) numeric_valid: Bitmap,
    pub(crate) text: Option<TextColumn>,
    pub(crate) extra: Vec<(String, ArrayRef)>,
}

/// The events of one subject within a shard: a borrowed view, no copies.
#[derive(Debug, Clone, Copy)]
pub struct SubjectEvents<'a> {
    shard: &'a Shard,
    index: usize,
    range: (usize, usize),
}

impl Shard {
    /// The shard's name: its path under `data/` without the `.parquet` extension (e.g. `train/0`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of subjects.
    pub fn n_subjects(&self) -> usize {
        self.subject_ids.len()
    }

    /// The number of events (rows).
    pub fn n_events(&self) -> usize {
        self.code.len()
    }

    /// Subject ids, in shard order.
    pub fn subject_ids(&self) -> &[i64] {
        &self.subject_ids
    }

    /// Subject offsets: subject `i`'s events are rows `offsets[i]..offsets[i + 1]`.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Event times in microseconds; meaningful only where [`Shard::time_valid`] is set.
    pub fn times(&self) -> &[i64] {
        &self.time
    }

    /// Which events have a time (unset = static event).
    pub fn time_valid(&self) -> &Bitmap {
        &self.time_valid
    }

    /// Code ids into the dataset vocabulary.
    pub fn codes(&self) -> &[u32] {
        &self.code
    }

    /// Numeric values; meaningful only where [`Shard::numeric_valid`] is set.
    pub fn numeric_values(&self) -> &[f32] {
        &self.numeric
    }

    /// Which events have a numeric value.
    pub fn numeric_valid(&self) -> &Bitmap {
        &self.numeric_valid
    }

    /// The `text_value` column, when the shard has one.
    pub fn text_values(&self) -> Option<&TextColumn> {
        self.text.as_ref()
    }

    /// Extra (non-MEDS) columns kept at read time, as Arrow arrays aligned with the events.
    pub fn extra_columns(&self) -> &[(String, ArrayRef)] {
        &self.extra
    }

    /// The time of event `row`, `None` for a static event.
    pub fn time(&self, row: usize) -> Option<Timestamp> {
        self.time_valid.get(row).then(|| Timestamp(self.time[row]))
    }

    /// The numeric value of event `row`, if any.
    pub fn numeric(&self, row: usize) -> Option<f32> {
        self.numeric_valid.get(row).then(|| self.numeric[row])
    }

    /// The text value of event `row`, if any.
    pub fn text(&self, row: usize) -> Option<&str> {
        self.text.as_ref().and_then(|t| t.get(row))
    }

    /// The events of subject number `i` (in shard order).
    pub fn subject(&self, i: usize) -> SubjectEvents<'_> {
        SubjectEvents { shard: self, index: i, range: (self.offsets[i], self.offsets[i + 1]) }
    }

    /// Iterates over the subjects of the shard, in order, without copying.
    pub fn subjects(&self) -> impl ExactSizeIterator<Item = SubjectEvents<'_>> + '_ {
        (0..self.n_subjects()).map(move |i| self.subject(i))
    }

    /// Replaces every code id by `map[id]` (used to move a shard onto another vocabulary).
    pub(crate) fn remap_codes(&mut self, map: &[u32]) {
        for c in &mut self.code {
            *c = map[*c as usize];
        }
    }

    /// The approximate heap size of the shard in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.subject_ids.len() * 8
            + self.offsets.len() * 8
            + self.time.len() * 8
            + self.code.len() * 4
            + self.numeric.len() * 4
            + self.time_valid.len() / 4
            + self.text.as_ref().map_or(0, |t| t.data.len() + t.offsets.len() * 8)
    }
}

impl<'a> SubjectEvents<'a> {
    /// The subject.
    pub fn id(&self) -> SubjectId {
        SubjectId(self.shard.subject_ids[self.index])
    }

    /// The number of events.
    pub fn len(&self) -> usize {
        self.range.1 - self.range.0
    }

    /// Whether the subject has no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows of this subject within the shard.
    pub fn rows(&self) -> Range<usize> {
        self.range.0..self.range.1
    }

    /// The subject's event times (µs), aligned with [`SubjectEvents::codes`]; see [`Shard::time_valid`].
    pub fn times(&self) -> &'a [i64] {
        &self.shard.time[self.range.0..self.range.1]
    }

    /// The subject's code ids.
    pub fn codes(&self) -> &'a [u32] {
        &self.shard.code[self.range.0..self.range.1]
    }

    /// The subject's numeric values; see [`SubjectEvents::numeric`].
    pub fn numeric_values(&self) -> &'a [f32] {
        &self.shard.numeric[self.range.0..self.range.1]
    }

    /// The time of the subject's `k`-th event, `None` when static.
    pub fn time(&self, k: usize) -> Option<Timestamp> {
        self.shard.time(self.range.0 + k)
    }

    /// The code of the subject's `k`-th event.
    pub fn code(&self, k: usize) -> CodeId {
        CodeId(self.shard.code[self.range.0 + k])
    }

    /// The numeric value of the subject's `k`-th event.
    pub fn numeric(&self, k: usize) -> Option<f32> {
        self.shard.numeric(self.range.0 + k)
    }

    /// The text value of the subject's `k`-th event.
    pub fn text(&self, k: usize) -> Option<&'a str> {
        self.shard.text(self.range.0 + k)
    }
}

/// One event to add to a [`ShardBuilder`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event<'a> {
    /// The subject.
    pub subject_id: i64,
    /// Microseconds since the epoch; `None` for a static event.
    pub time: Option<i64>,
    /// The code.
    pub code: &'a str,
    /// The numeric value, if any.
    pub numeric_value: Option<f32>,
    /// The text value, if any.
    pub text_value: Option<&'a str>,
}

/// Builds a [`Shard`] from events in any order.
///
/// [`ShardBuilder::finish`] sorts events by subject, then static events first, then time; the sort is
/// stable, so events at the same time keep their insertion order and the output is deterministic.
#[derive(Debug, Default)]
pub struct ShardBuilder {
    name: String,
    vocab: Vocabulary,
    subject: Vec<i64>,
    time: Vec<i64>,
    time_valid: Bitmap,
    code: Vec<u32>,
    numeric: Vec<f32>,
    numeric_valid: Bitmap,
    text: TextColumn,
    has_text: bool,
}

impl ShardBuilder {
    /// An empty builder for the shard `name` (e.g. `train/0`).
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), text: TextColumn::new(), ..Self::default() }
    }

    /// The number of events added so far.
    pub fn len(&self) -> usize {
        self.code.len()
    }

    /// Whether no event has been added.
    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }

    /// Adds one event.
    pub fn push(&mut self, e: Event<'_>) {
        let id = self.vocab.intern(e.code).0;
        self.push_id(e.subject_id, e.time, id, e.numeric_value, e.text_value);
    }

    /// Adds one event whose code is already interned in this builder's vocabulary
    /// (see [`ShardBuilder::intern`]); avoids a hash lookup per event in hot loops.
    pub fn push_id(&mut self, subject_id: i64, time: Option<i64>, code: u32, numeric: Option<f32>, text: Option<&str>) {
        self.subject.push(subject_id);
        self.time.push(time.unwrap_or(0));
        self.time_valid.push(time.is_some());
        self.code.push(code);
        self.numeric.push(numeric.unwrap_or(0.0));
        self.numeric_valid.push(numeric.is_some());
        self.has_text |= text.is_some();
        self.text.push(text);
    }

    /// Interns `code` in the builder's vocabulary and returns its id, for [`ShardBuilder::push_id`].
    pub fn intern(&mut self, code: &str) -> u32 {
        self.vocab.intern(code).0
    }

    /// Sorts the events and returns the shard with its own vocabulary. With `dedup`, exact duplicate
    /// events (same subject, time, code, numeric and text value) are collapsed to one; the number
    /// collapsed is returned.
    pub fn finish(self, dedup: bool) -> (Shard, Vocabulary, usize) {
        let n = self.code.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        let key = |i: u32| {
            let i = i as usize;
            (self.subject[i], self.time_valid.get(i), self.time[i])
        };
        // Stable: equal keys keep insertion order.
        order.sort_by_key(|&i| key(i));
        let same = |a: usize, b: usize| {
            self.subject[a] == self.subject[b]
                && self.time_valid.get(a) == self.time_valid.get(b)
                && (!self.time_valid.get(a) || self.time[a] == self.time[b])
                && self.code[a] == self.code[b]
                && self.numeric_valid.get(a) == self.numeric_valid.get(b)
                && (!self.numeric_valid.get(a) || self.numeric[a].to_bits() == self.numeric[b].to_bits())
                && self.text.get(a) == self.text.get(b)
        };
        let mut shard = Shard { name: self.name.clone(), ..Shard::default() };
        let mut text = TextColumn::new();
        let mut collapsed = 0usize;
        let mut group_start = 0usize;
        for (k, &i) in order.iter().enumerate() {
            let i = i as usize;
            if dedup {
                // Duplicates share the sort key, so they sit in the same run of equal keys; compare
                // against every kept event of the run (runs are short: one timestamp of one subject).
                if k > 0 && key(order[k - 1]) != key(i as u32) {
                    group_start = k;
                }
                if order[group_start..k].iter().any(|&j| same(j as usize, i)) {
                    collapsed += 1;
                    continue;
                }
            }
            let sid = self.subject[i];
            if shard.subject_ids.last() != Some(&sid) {
                shard.subject_ids.push(sid);
                shard.offsets.push(shard.code.len());
            }
            shard.time.push(self.time[i]);
            shard.time_valid.push(self.time_valid.get(i));
            shard.code.push(self.code[i]);
            shard.numeric.push(self.numeric[i]);
            shard.numeric_valid.push(self.numeric_valid.get(i));
            text.push(self.text.get(i));
        }
        shard.offsets.push(shard.code.len());
        if self.has_text {
            shard.text = Some(text);
        }
        (shard, self.vocab, collapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(subject_id: i64, time: Option<i64>, code: &str, v: Option<f32>) -> Event<'_> {
        Event { subject_id, time, code, numeric_value: v, text_value: None }
    }

    #[test]
    fn finish_sorts_static_first_and_groups_subjects() {
        let mut b = ShardBuilder::new("train/0");
        b.push(ev(2, Some(10), "B", None));
        b.push(ev(1, Some(5), "A", Some(1.0)));
        b.push(ev(2, None, "S", None));
        b.push(ev(1, Some(1), "C", None));
        let (s, vocab, dup) = b.finish(false);
        assert_eq!(dup, 0);
        assert_eq!(s.subject_ids(), &[1, 2]);
        assert_eq!(s.offsets(), &[0, 2, 4]);
        let codes: Vec<&str> = s.codes().iter().map(|&c| vocab.code(CodeId(c))).collect();
        assert_eq!(codes, ["C", "A", "S", "B"]);
        assert_eq!(s.time(2), None);
        assert_eq!(s.subject(0).numeric(1), Some(1.0));
    }

    #[test]
    fn dedup_collapses_only_exact_duplicates() {
        let mut b = ShardBuilder::new("x");
        b.push(ev(1, Some(5), "A", Some(1.0)));
        b.push(ev(1, Some(5), "B", Some(1.0)));
        b.push(ev(1, Some(5), "A", Some(1.0)));
        b.push(ev(1, Some(5), "A", Some(2.0)));
        b.push(ev(1, Some(5), "A", None));
        let (s, _, dup) = b.finish(true);
        assert_eq!(dup, 1);
        assert_eq!(s.n_events(), 4);
    }
}
