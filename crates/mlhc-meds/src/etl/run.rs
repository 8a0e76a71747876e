//! Running an ETL: load join tables, convert the configured tables in parallel, split subjects, collapse
//! exact duplicates, and write the MEDS dataset with its reconciliation report.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;

use super::config::EtlConfig;
use super::convert::{convert_table, TableOutput};
use super::join::{JoinSpec, JoinTable};
use super::report::{EtlReport, TableReport, TableStatus};
use super::split::{Split, SplitFractions};
use super::table::{find_table, TableReader};
use crate::schema::{CodeInfo, DatasetMetadata, MEDS_VERSION};
use crate::{DatasetWriter, Result, ShardBuilder, Vocabulary};

/// Subjects per shard when neither the options nor the config say.
pub const DEFAULT_SUBJECTS_PER_SHARD: usize = 50_000;

/// How to run an ETL.
#[derive(Debug, Clone, Default)]
pub struct EtlOptions {
    /// The split fractions. By default, train 0.8, tuning 0.1, held_out 0.1.
    pub split: SplitFractions,
    /// The seed of the split. By default, 0.
    pub seed: u64,
    /// Subjects per shard. By default, the config's `etl.n_subjects_per_shard`, else 50,000.
    pub n_subjects_per_shard: Option<usize>,
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
/// The events of all tables are held in memory (columnar, about 40 bytes per event plus text values)
/// until the shards are written.
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

    // Convert tables in parallel; results come back in config order.
    let outputs: Vec<Option<TableOutput>> = located
        .par_iter()
        .map(|(t, found)| {
            let out = match found {
                None => None,
                Some((path, format)) => {
                    let reader = TableReader::open(path, *format)?;
                    let joins: Vec<&JoinTable> = t
                        .joins
                        .iter()
                        .map(|j| &loaded[specs.iter().position(|s| *s == JoinSpec::of(j)).unwrap_or(0)])
                        .collect();
                    Some(convert_table(t, reader, &joins)?)
                }
            };
            progress(EtlStep::Table(&t.name));
            Ok(out)
        })
        .collect::<Result<_>>()?;
    drop(loaded);

    // One vocabulary for the dataset; per-table code ids map into it.
    let mut vocab = Vocabulary::new();
    let mut descriptions: Vec<Option<String>> = Vec::new();
    let mut remaps: Vec<Vec<u32>> = Vec::new();
    for out in outputs.iter() {
        let mut map = Vec::new();
        if let Some(o) = out {
            for (code, desc) in o.codes.iter().zip(&o.descriptions) {
                let id = vocab.intern(code).0;
                if descriptions.len() <= id as usize {
                    descriptions.resize(id as usize + 1, None);
                }
                if descriptions[id as usize].is_none() {
                    descriptions[id as usize].clone_from(desc);
                }
                map.push(id);
            }
        }
        remaps.push(map);
    }

    // Subjects → split → shard. Shards hold consecutive subject ids of one split.
    let mut subjects: HashSet<i64> = HashSet::new();
    for o in outputs.iter().flatten() {
        let mut last = None;
        for &s in &o.events.subject {
            if last != Some(s) {
                subjects.insert(s);
                last = Some(s);
            }
        }
    }
    let mut subjects: Vec<i64> = subjects.into_iter().collect();
    subjects.sort_unstable();
    let mut shard_names = Vec::new();
    let mut shard_of: HashMap<i64, u32> = HashMap::with_capacity(subjects.len());
    let mut split_rows = Vec::with_capacity(subjects.len());
    let mut per_split = Vec::new();
    for split in Split::ALL {
        let members: Vec<i64> =
            subjects.iter().copied().filter(|&s| options.split.assign(s, options.seed) == split).collect();
        per_split.push((split.name().to_string(), members.len() as u64));
        for (k, chunk) in members.chunks(per_shard).enumerate() {
            let idx = shard_names.len() as u32;
            shard_names.push(format!("{}/{k}", split.name()));
            for &s in chunk {
                shard_of.insert(s, idx);
            }
        }
    }
    for &s in &subjects {
        split_rows.push((s, options.split.assign(s, options.seed).name().to_string()));
    }

    // Bucket event references by shard: (table, event index).
    let mut buckets: Vec<Vec<(u32, u32)>> = vec![Vec::new(); shard_names.len()];
    for (t, o) in outputs.iter().enumerate() {
        if let Some(o) = o {
            for (i, s) in o.events.subject.iter().enumerate() {
                if let Some(&b) = shard_of.get(s) {
                    buckets[b as usize].push((t as u32, i as u32));
                }
            }
        }
    }

    // Per shard, in parallel: find exact duplicates (attributing each to its table and block), then
    // build and write the shard from the survivors in insertion order.
    let n_blocks: Vec<usize> = outputs.iter().map(|o| o.as_ref().map_or(0, |o| o.counts.len())).collect();
    let dup_counts: Vec<Vec<Vec<u64>>> = buckets
        .into_par_iter()
        .enumerate()
        .map(|(k, refs)| {
            let name = &shard_names[k];
            let (dups, survivors) = collapse_duplicates(refs, &outputs, &remaps, &n_blocks);
            let mut builder = ShardBuilder::new(name.clone());
            let mut local: Vec<u32> = vec![u32::MAX; vocab.len()];
            for (t, i) in survivors {
                let (Some(o), i) = (&outputs[t as usize], i as usize) else { continue };
                let e = &o.events;
                let g = remaps[t as usize][e.code[i] as usize] as usize;
                if local[g] == u32::MAX {
                    local[g] = builder.intern(&vocab.codes()[g]);
                }
                builder.push_id(
                    e.subject[i],
                    e.time_valid.get(i).then_some(e.time[i]),
                    local[g],
                    e.numeric_valid.get(i).then_some(e.numeric[i]),
                    e.text.get(i),
                );
            }
            // Duplicates were removed above, so this collapses nothing more.
            let (shard, shard_vocab, _) = builder.finish(true);
            writer.write_shard(name, &shard, &shard_vocab)?;
            progress(EtlStep::Shard(name));
            Ok(dups)
        })
        .collect::<Result<_>>()?;

    // Metadata.
    let mut codes: Vec<CodeInfo> = vocab
        .codes()
        .iter()
        .zip(descriptions.iter().chain(std::iter::repeat(&None)))
        .map(|(c, d)| CodeInfo { code: c.clone(), description: d.clone(), parent_codes: Vec::new() })
        .collect();
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    writer.write_codes(&codes)?;
    writer.write_splits(&split_rows)?;
    writer.write_metadata(&DatasetMetadata {
        dataset_name: config.dataset_name.clone(),
        dataset_version: config.dataset_version.clone(),
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
    for (t, ((cfg, found), out)) in located.iter().zip(outputs).enumerate() {
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
                tables.push(TableReport {
                    table: cfg.name.clone(),
                    status: TableStatus::Converted,
                    file: found.as_ref().map(|(p, _)| p.display().to_string()),
                    rows_read: o.rows_read,
                    events,
                });
            }
        }
    }
    let report = EtlReport {
        dataset_name: config.dataset_name.clone(),
        subjects: subjects.len() as u64,
        events: events_total,
        codes: vocab.len() as u64,
        shards: shard_names,
        subjects_per_split: per_split,
        tables,
        rejected: rejects.len() as u64,
        notes,
        rejects,
    };
    report.write(out_dir)?;
    Ok(report)
}

/// Sorts one shard's event references by content and finds exact duplicates. Returns the duplicate
/// count per (table, block) and the surviving references in insertion order (table order, then row
/// order), so that `ShardBuilder`'s stable sort keeps config order among events at the same time.
#[allow(clippy::type_complexity)]
fn collapse_duplicates(
    refs: Vec<(u32, u32)>,
    outputs: &[Option<TableOutput>],
    remaps: &[Vec<u32>],
    n_blocks: &[usize],
) -> (Vec<Vec<u64>>, Vec<(u32, u32)>) {
    let mut dups: Vec<Vec<u64>> = n_blocks.iter().map(|&n| vec![0; n]).collect();
    let events = |t: u32| -> &super::convert::EventBuf {
        &outputs[t as usize].as_ref().expect("references point at converted tables").events
    };
    // A packed key of the fixed-width fields, computed once per event: (subject, time with static
    // first, code and numeric value); text values are compared only within runs of equal keys.
    let mut keyed: Vec<(i64, i64, u64, u32, u32)> = refs
        .into_iter()
        .map(|(t, i)| {
            let (e, k) = (events(t), i as usize);
            let time = if e.time_valid.get(k) { e.time[k] } else { i64::MIN };
            let numeric = if e.numeric_valid.get(k) { (1u64 << 32) | u64::from(e.numeric[k].to_bits()) } else { 0 };
            let code = u64::from(remaps[t as usize][e.code[k] as usize]);
            (e.subject[k], time, (code << 33) | numeric, t, i)
        })
        .collect();
    keyed.sort_unstable();
    let text = |r: &(i64, i64, u64, u32, u32)| events(r.3).text.get(r.4 as usize);
    let mut survivors = Vec::with_capacity(keyed.len());
    let mut run_start = 0;
    for k in 0..keyed.len() {
        let r = &keyed[k];
        let p = &keyed[k.saturating_sub(1)];
        if k > 0 && (p.0, p.1, p.2) != (r.0, r.1, r.2) {
            run_start = survivors.len();
        }
        // Within a run of equal keys, the earliest inserted event with the same text is kept.
        let t = text(r);
        if survivors[run_start..].iter().any(|s: &(i64, i64, u64, u32, u32)| text(s) == t) {
            let block = events(r.3).block[r.4 as usize] as usize;
            dups[r.3 as usize][block] += 1;
            continue;
        }
        survivors.push(*r);
    }
    let mut order: Vec<(u32, u32)> = survivors.into_iter().map(|r| (r.3, r.4)).collect();
    order.sort_unstable();
    (dups, order)
}
