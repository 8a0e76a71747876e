//! Running an ETL: load join tables, convert the configured tables in parallel, split subjects, collapse
//! exact duplicates, and write the MEDS dataset with its reconciliation report.

use std::path::Path;

use rayon::prelude::*;

use super::config::EtlConfig;
use super::convert::{convert_table, TableOutput, MAX_LISTED_REJECTS};
use super::join::{JoinSpec, JoinTable};
use super::metadata::apply_metadata;
use super::report::{EtlReport, SplitCount, TableReport, TableStatus};
use super::spill::{Sink, Spilled, SpilledEvents, N_BUCKETS};
use super::split::{Split, SplitFractions};
use super::table::{find_table, TableReader};
use crate::schema::{CodeInfo, DatasetMetadata, MEDS_VERSION};
use crate::{DatasetWriter, Result, ShardBuilder};

/// The temporary folder, inside the output folder, that holds spilled events during a run.
const SPILL_DIR: &str = ".mlhc-etl-spill";

/// Subjects per shard when neither the options nor the config say.
pub const DEFAULT_SUBJECTS_PER_SHARD: usize = 50_000;

/// How to run an ETL.
#[derive(Debug, Clone, Default)]
pub struct EtlOptions {
    /// The split fractions. By default, train 0.8, tuning 0.1, held_out 0.1.
    pub split: SplitFractions,
    /// The seed of the split. By default, 0.
    pub seed: u64,
    /// About this many subjects per shard (a split of n subjects gets ceil(n / this) shards, up to
    /// 64, each a set of subject-hash buckets). By default, the config's `etl.n_subjects_per_shard`,
    /// else 50,000.
    pub n_subjects_per_shard: Option<usize>,
    /// The dataset version for `dataset.json`. By default, the config's `etl.dataset_version`, else
    /// `unknown` (MEDS requires the field).
    pub dataset_version: Option<String>,
}

/// A step of a run, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtlStep<'a> {
    /// A table was converted (or found missing).
    Table(&'a str),
    /// A shard was written.
    Shard(&'a str),
}

/// Runs `config` on the tables under `raw_dir` and writes a MEDS dataset to `out_dir` (which must not
/// already hold one), plus `etl_report.json` and `etl_rejects.csv`. `progress` is called after each
/// step, from any thread.
///
/// Memory stays bounded: converted events are spilled to bucket files under `out_dir` (removed at
/// the end) and read back one shard at a time per worker; the spill takes about 37 bytes per event
/// plus text values on disk.
pub fn run_etl(
    config: &EtlConfig,
    raw_dir: &Path,
    out_dir: &Path,
    options: &EtlOptions,
    progress: &(dyn Fn(EtlStep<'_>) + Sync),
) -> Result<EtlReport> {
    let writer = DatasetWriter::create(out_dir)?;
    let per_shard =
        options.n_subjects_per_shard.or(config.n_subjects_per_shard).unwrap_or(DEFAULT_SUBJECTS_PER_SHARD).max(1);
    let mut notes = config.notes.clone();

    // Locate tables; a missing table is reported and skipped.
    let located: Vec<_> = config.tables.iter().map(|t| (t, find_table(raw_dir, &t.name))).collect();

    // Load each distinct join table once, in parallel.
    let mut specs: Vec<JoinSpec> = Vec::new();
    for (t, found) in &located {
        if found.is_some() {
            for j in &t.joins {
                let s = JoinSpec::of(j);
                if !specs.contains(&s) {
                    specs.push(s);
                }
            }
        }
    }
    let loaded: Vec<JoinTable> = specs.par_iter().map(|s| JoinTable::load(raw_dir, s)).collect::<Result<_>>()?;
    for (s, j) in specs.iter().zip(&loaded) {
        if j.duplicate_keys > 0 {
            notes.push(format!(
                "join {} on {}: {} rows repeat a key; the first row per key was used",
                s.table,
                s.right_on.join(", "),
                j.duplicate_keys
            ));
        }
    }

    // Phase 1: convert tables in parallel into the spill; counts come back in config order.
    let spill_dir = out_dir.join(SPILL_DIR);
    let sink = Sink::new(&spill_dir, options.split, options.seed)?;
    let converted: Result<Vec<Option<TableOutput>>> = located
        .par_iter()
        .enumerate()
        .map(|(t, (cfg, found))| {
            let out = match found {
                None => None,
                Some((path, format)) => {
                    let reader = TableReader::open(path, *format)?;
                    let joins: Vec<&JoinTable> = cfg
                        .joins
                        .iter()
                        .map(|j| &loaded[specs.iter().position(|s| *s == JoinSpec::of(j)).unwrap_or(0)])
                        .collect();
                    Some(convert_table(cfg, t as u16, reader, &joins, &sink)?)
                }
            };
            progress(EtlStep::Table(&cfg.name));
            Ok(out)
        })
        .collect();
    drop(loaded);
    let spilled = sink.finish();
    let (outputs, spilled) = match (converted, spilled) {
        (Ok(o), Ok(s)) => (o, s),
        (Err(e), _) | (_, Err(e)) => {
            let _ = std::fs::remove_dir_all(&spill_dir);
            return Err(e);
        }
    };
    let result = write_dataset(config, raw_dir, &writer, &spilled, outputs, per_shard, options, progress, notes);
    spilled.remove();
    let report = result?;
    report.write(out_dir)?;
    Ok(report)
}

/// Phase 2: splits and shards from the spilled events, then metadata and the report.
#[allow(clippy::too_many_arguments)]
fn write_dataset(
    config: &EtlConfig,
    raw_dir: &Path,
    writer: &DatasetWriter,
    spilled: &Spilled,
    outputs: Vec<Option<TableOutput>>,
    per_shard: usize,
    options: &EtlOptions,
    progress: &(dyn Fn(EtlStep<'_>) + Sync),
    mut notes: Vec<String>,
) -> Result<EtlReport> {
    // A split with n subjects gets ceil(n / per_shard) shards (at most N_BUCKETS); shard j of a split
    // holds the bucket files b with b % shards == j, so shard sizes are close to, not exactly,
    // per_shard subjects.
    let mut split_rows = Vec::with_capacity(spilled.subjects.len());
    let mut per_split = Vec::new();
    let mut shards: Vec<(String, Vec<usize>)> = Vec::new();
    for split in Split::ALL {
        let n = spilled.subjects.iter().filter(|&&s| options.split.assign(s, options.seed) == split).count();
        per_split.push(SplitCount { split: split.name().to_string(), subjects: n as u64 });
        if n == 0 {
            continue;
        }
        let k = n.div_ceil(per_shard).clamp(1, N_BUCKETS);
        let buckets = spilled.buckets(split);
        for j in 0..k {
            let mine: Vec<usize> = buckets.iter().copied().filter(|b| (b % N_BUCKETS) % k == j).collect();
            if !mine.is_empty() {
                shards.push((
                    format!("{}/{}", split.name(), shards.iter().filter(|s| s.0.starts_with(split.name())).count()),
                    mine,
                ));
            }
        }
    }
    for &s in &spilled.subjects {
        split_rows.push((s, options.split.assign(s, options.seed).name().to_string()));
    }

    // Per shard, in parallel: read its buckets, collapse exact duplicates (attributing each to its
    // table and block), and write the survivors in insertion order.
    let n_blocks: Vec<usize> = outputs.iter().map(|o| o.as_ref().map_or(0, |o| o.counts.len())).collect();
    let dup_counts: Vec<Vec<Vec<u64>>> = shards
        .par_iter()
        .map(|(name, files)| {
            let events = spilled.read(files)?;
            let (dups, survivors) = collapse_duplicates(&events, &n_blocks);
            let mut builder = ShardBuilder::new(name.clone());
            let mut local: Vec<u32> = vec![u32::MAX; spilled.vocab.len()];
            for i in survivors {
                let g = events.code[i] as usize;
                if local[g] == u32::MAX {
                    local[g] = builder.intern(&spilled.vocab.codes()[g]);
                }
                let time = events.time[i];
                builder.push_id(
                    events.subject[i],
                    (time != i64::MIN).then_some(time),
                    local[g],
                    (events.flags[i] & 1 != 0).then(|| f32::from_bits(events.numeric[i])),
                    events.text.get(i),
                );
            }
            // Duplicates were removed above, so this collapses nothing more.
            let (shard, shard_vocab, _) = builder.finish(true);
            writer.write_shard(name, &shard, &shard_vocab)?;
            progress(EtlStep::Shard(name));
            Ok(dups)
        })
        .collect::<Result<_>>()?;
    // Metadata: descriptions from `description:` keys, then from `_metadata` dictionaries.
    let vocab = &spilled.vocab;
    let mut descriptions = spilled.descriptions.clone();
    descriptions.resize(vocab.len(), None);
    let mut parents: Vec<Vec<String>> =
        (0..vocab.len()).map(|i| spilled.parents.get(i).cloned().flatten().into_iter().collect()).collect();
    let converted: Vec<bool> = outputs.iter().map(Option::is_some).collect();
    apply_metadata(config, &converted, raw_dir, vocab, &mut descriptions, &mut parents, &mut notes)?;
    let mut codes: Vec<CodeInfo> = vocab
        .codes()
        .iter()
        .zip(descriptions)
        .zip(parents)
        .map(|((c, d), p)| CodeInfo { code: c.clone(), description: d, parent_codes: p })
        .collect();
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    writer.write_codes(&codes)?;
    writer.write_splits(&split_rows)?;
    writer.write_metadata(&DatasetMetadata {
        dataset_name: config.dataset_name.clone(),
        dataset_version: Some(
            options
                .dataset_version
                .clone()
                .or_else(|| config.dataset_version.clone())
                .unwrap_or_else(|| "unknown".into()),
        ),
        etl_name: Some("mlhc etl".into()),
        etl_version: Some(env!("CARGO_PKG_VERSION").into()),
        meds_version: Some(MEDS_VERSION.into()),
        created_at: None,
        other: serde_json::Map::new(),
    })?;

    // Reconciliation.
    let mut tables = Vec::new();
    let mut rejects = Vec::new();
    let mut events_total = 0u64;
    for (t, (cfg, out)) in config.tables.iter().zip(outputs).enumerate() {
        match out {
            None => tables.push(TableReport {
                table: cfg.name.clone(),
                status: TableStatus::Missing,
                file: None,
                rows_read: 0,
                events: Vec::new(),
            }),
            Some(o) => {
                let mut events = o.counts;
                for (b, ev) in events.iter_mut().enumerate() {
                    let d: u64 = dup_counts.iter().map(|s| s[t][b]).sum();
                    ev.duplicates = d;
                    ev.written -= d;
                    events_total += ev.written;
                }
                rejects.extend(o.rejects);
                if o.unlisted_rejects > 0 {
                    notes.push(format!(
                        "{}: {} more rejected rows are counted but not listed in etl_rejects.csv (it lists the first {})",
                        cfg.name, o.unlisted_rejects, MAX_LISTED_REJECTS
                    ));
                }
                tables.push(TableReport {
                    table: cfg.name.clone(),
                    status: TableStatus::Converted,
                    file: Some(o.file),
                    rows_read: o.rows_read,
                    events,
                });
            }
        }
    }
    let rejected = tables.iter().flat_map(|t| &t.events).map(|e| e.rejected).sum();
    let report = EtlReport {
        dataset_name: config.dataset_name.clone(),
        subjects: spilled.subjects.len() as u64,
        events: events_total,
        codes: vocab.len() as u64,
        shards: shards.into_iter().map(|s| s.0).collect(),
        subjects_per_split: per_split,
        tables,
        rejected,
        notes,
        rejects,
    };
    Ok(report)
}

/// Sorts one shard's events by content and finds exact duplicates. Returns the duplicate count per
/// (table, block) and the surviving event indices in insertion order (table order, then row order,
/// then block order), so that `ShardBuilder`'s stable sort keeps config order among events at the
/// same time.
/// Where an event came from: (table, row, block), which is also its insertion order.
type Origin = (u16, u64, u16);

/// The sort key of an event: subject, time (`i64::MIN` = static), code and numeric value packed,
/// origin, index.
type SortKey = (i64, i64, u64, Origin, u32);

fn collapse_duplicates(e: &SpilledEvents, n_blocks: &[usize]) -> (Vec<Vec<u64>>, Vec<usize>) {
    let mut dups: Vec<Vec<u64>> = n_blocks.iter().map(|&n| vec![0; n]).collect();
    // A packed key of the fixed-width fields, computed once per event: (subject, time with static
    // first, code and numeric value), then the insertion order; text values are compared only within
    // runs of equal keys.
    let mut keyed: Vec<SortKey> = (0..e.subject.len())
        .map(|i| {
            let numeric = if e.flags[i] & 1 != 0 { (1u64 << 32) | u64::from(e.numeric[i]) } else { 0 };
            let code = u64::from(e.code[i]);
            (e.subject[i], e.time[i], (code << 33) | numeric, (e.table[i], e.row[i], e.block[i]), i as u32)
        })
        .collect();
    keyed.sort_unstable();
    let mut survivors: Vec<(Origin, usize)> = Vec::with_capacity(keyed.len());
    let mut run_start = 0;
    for k in 0..keyed.len() {
        let r = &keyed[k];
        let p = &keyed[k.saturating_sub(1)];
        if k > 0 && (p.0, p.1, p.2) != (r.0, r.1, r.2) {
            run_start = survivors.len();
        }
        // Within a run of equal keys, the earliest inserted event with the same text is kept.
        let t = e.text.get(r.4 as usize);
        if survivors[run_start..].iter().any(|s| e.text.get(s.1) == t) {
            dups[r.3 .0 as usize][r.3 .2 as usize] += 1;
            continue;
        }
        survivors.push((r.3, r.4 as usize));
    }
    survivors.sort_unstable();
    (dups, survivors.into_iter().map(|s| s.1).collect())
}
