//! Spilling events to disk between conversion and shard writing, so that memory is bounded by the
//! batches in flight while tables are read, and by the shards in flight while shards are written —
//! never by the dataset (MIMIC-IV has about 300 million chart events).
//!
//! Each event goes to one of [`N_BUCKETS`] bucket files of its subject's split, chosen by a hash of the
//! subject id, so all events of a subject land in one bucket. A shard is then a set of buckets of one
//! split, read back, de-duplicated and written on its own.
//!
//! Record layout (little-endian): subject i64, time i64 (`i64::MIN` = static), code u32 (dataset
//! vocabulary id), numeric value f32 bits, flags u8 (1 = numeric value, 2 = text value), table u16,
//! block u16, row u64, then, with a text value, its length u32 and UTF-8 bytes. The (table, row, block)
//! triple restores the insertion order, which parallel writers do not preserve in the files.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::convert::Batch;
use super::split::{Split, SplitFractions};
use crate::{Error, Result, TextColumn, Vocabulary};

/// Bucket files per split; the most shards a split can have.
pub(crate) const N_BUCKETS: usize = 64;

/// A code's description candidate: the (table, row) it was first seen at, so that the first in config
/// and row order wins whatever the scheduling.
type Description = Option<((u16, u64), String)>;

struct Codes {
    vocab: Vocabulary,
    descriptions: Vec<Description>,
    parents: Vec<Description>,
}

/// Receives converted batches from any thread and appends their events to bucket files.
pub(crate) struct Sink {
    dir: PathBuf,
    split: SplitFractions,
    seed: u64,
    files: Vec<Mutex<Option<BufWriter<File>>>>,
    codes: Mutex<Codes>,
    subjects: Mutex<HashSet<i64>>,
}

fn bucket_hash(subject: i64, seed: u64) -> usize {
    // SplitMix64 finaliser: a cheap, well-mixed hash, independent of the split draw.
    let mut z = (subject as u64) ^ seed.rotate_left(32) ^ 0x5851_F42D_4C95_7F2D;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) % N_BUCKETS as u64) as usize
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock means another conversion thread panicked; its data are still consistent for
    // the appends done here, and the panic itself is reported by rayon.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Sink {
    /// A sink writing into the new directory `dir`.
    pub fn new(dir: &Path, split: SplitFractions, seed: u64) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            split,
            seed,
            files: (0..Split::ALL.len() * N_BUCKETS).map(|_| Mutex::new(None)).collect(),
            codes: Mutex::new(Codes { vocab: Vocabulary::new(), descriptions: Vec::new(), parents: Vec::new() }),
            subjects: Mutex::new(HashSet::new()),
        })
    }

    fn path(dir: &Path, file: usize) -> PathBuf {
        dir.join(format!("{file}.bin"))
    }

    /// The bucket file of `subject`: its split's block of files, then a hash bucket.
    fn file_of(&self, subject: i64) -> usize {
        let split = self.split.assign(subject, self.seed) as usize;
        split * N_BUCKETS + bucket_hash(subject, self.seed)
    }

    /// Appends the events of a batch of table number `table`.
    pub fn accept(&self, table: u16, batch: &Batch) -> Result<()> {
        let map: Vec<u32> = {
            let mut codes = lock(&self.codes);
            let Codes { vocab, descriptions, parents } = &mut *codes;
            let keep_first = |slot: &mut Description, found: &Option<(u64, String)>| {
                if let Some((row, d)) = found {
                    let at = (table, *row);
                    if slot.as_ref().is_none_or(|(old, _)| at < *old) {
                        *slot = Some((at, d.clone()));
                    }
                }
            };
            batch
                .codes
                .iter()
                .enumerate()
                .map(|(k, code)| {
                    let id = vocab.intern(code).0 as usize;
                    if descriptions.len() <= id {
                        descriptions.resize(id + 1, None);
                        parents.resize(id + 1, None);
                    }
                    keep_first(&mut descriptions[id], &batch.descriptions[k]);
                    keep_first(&mut parents[id], &batch.parents[k]);
                    id as u32
                })
                .collect()
        };
        let e = &batch.events;
        let mut distinct: Vec<i64> = e.subject.clone();
        distinct.sort_unstable();
        distinct.dedup();
        lock(&self.subjects).extend(distinct);

        let mut out: Vec<Vec<u8>> = vec![Vec::new(); self.files.len()];
        for i in 0..e.subject.len() {
            let buf = &mut out[self.file_of(e.subject[i])];
            buf.extend_from_slice(&e.subject[i].to_le_bytes());
            let time = if e.time_valid.get(i) { e.time[i] } else { i64::MIN };
            buf.extend_from_slice(&time.to_le_bytes());
            buf.extend_from_slice(&map[e.code[i] as usize].to_le_bytes());
            buf.extend_from_slice(&e.numeric[i].to_bits().to_le_bytes());
            let text = e.text.get(i);
            buf.push(u8::from(e.numeric_valid.get(i)) | (u8::from(text.is_some()) << 1));
            buf.extend_from_slice(&table.to_le_bytes());
            buf.extend_from_slice(&e.block[i].to_le_bytes());
            buf.extend_from_slice(&e.row[i].to_le_bytes());
            if let Some(t) = text {
                buf.extend_from_slice(&(t.len() as u32).to_le_bytes());
                buf.extend_from_slice(t.as_bytes());
            }
        }
        for (f, bytes) in out.iter().enumerate() {
            if bytes.is_empty() {
                continue;
            }
            let path = Self::path(&self.dir, f);
            let mut slot = lock(&self.files[f]);
            if slot.is_none() {
                let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
                *slot = Some(BufWriter::with_capacity(1 << 16, file));
            }
            if let Some(w) = slot.as_mut() {
                w.write_all(bytes).map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(())
    }

    /// Flushes and closes the bucket files.
    pub fn finish(self) -> Result<Spilled> {
        let mut present = vec![false; self.files.len()];
        for (f, slot) in self.files.into_iter().enumerate() {
            if let Some(w) = slot.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
                let path = Self::path(&self.dir, f);
                w.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
                present[f] = true;
            }
        }
        let codes = self.codes.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut subjects: Vec<i64> =
            self.subjects.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).into_iter().collect();
        subjects.sort_unstable();
        Ok(Spilled {
            dir: self.dir,
            present,
            vocab: codes.vocab,
            descriptions: codes.descriptions.into_iter().map(|d| d.map(|(_, s)| s)).collect(),
            parents: codes.parents.into_iter().map(|d| d.map(|(_, s)| s)).collect(),
            subjects,
        })
    }
}

/// The spilled events of a run, with the dataset vocabulary and the sorted subject ids.
pub(crate) struct Spilled {
    dir: PathBuf,
    present: Vec<bool>,
    pub vocab: Vocabulary,
    /// Per code id, its description if any.
    pub descriptions: Vec<Option<String>>,
    /// Per code id, its parent code from a `_self` metadata block, if any.
    pub parents: Vec<Option<String>>,
    pub subjects: Vec<i64>,
}

/// Events read back from bucket files, columnar.
#[derive(Default)]
pub(crate) struct SpilledEvents {
    pub subject: Vec<i64>,
    /// `i64::MIN` for static events.
    pub time: Vec<i64>,
    pub code: Vec<u32>,
    /// f32 bits; meaningful when `flags & 1`.
    pub numeric: Vec<u32>,
    pub flags: Vec<u8>,
    pub table: Vec<u16>,
    pub block: Vec<u16>,
    pub row: Vec<u64>,
    pub text: TextColumn,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(s)
    }
}

impl Spilled {
    /// The bucket files of `split` that exist, as indices for [`Spilled::read`].
    pub fn buckets(&self, split: Split) -> Vec<usize> {
        let base = split as usize * N_BUCKETS;
        (base..base + N_BUCKETS).filter(|&f| self.present[f]).collect()
    }

    /// Reads the events of the bucket files `files`.
    pub fn read(&self, files: &[usize]) -> Result<SpilledEvents> {
        let mut ev = SpilledEvents { text: TextColumn::new(), ..SpilledEvents::default() };
        for &f in files {
            let path = Sink::path(&self.dir, f);
            let mut bytes = Vec::new();
            File::open(&path).and_then(|mut h| h.read_to_end(&mut bytes)).map_err(|e| Error::io(&path, e))?;
            let corrupt = || Error::Table { path: path.clone(), row: 0, message: "spill file is truncated".into() };
            let mut cur = Cursor { bytes: &bytes, at: 0 };
            while cur.at < bytes.len() {
                let mut fixed = [0u8; 37];
                fixed.copy_from_slice(cur.take(37).ok_or_else(corrupt)?);
                let le8 = |r: std::ops::Range<usize>| {
                    let mut a = [0u8; 8];
                    a[..r.len()].copy_from_slice(&fixed[r]);
                    u64::from_le_bytes(a)
                };
                ev.subject.push(le8(0..8) as i64);
                ev.time.push(le8(8..16) as i64);
                ev.code.push(le8(16..20) as u32);
                ev.numeric.push(le8(20..24) as u32);
                let flags = fixed[24];
                ev.flags.push(flags);
                ev.table.push(le8(25..27) as u16);
                ev.block.push(le8(27..29) as u16);
                ev.row.push(le8(29..37));
                if flags & 2 != 0 {
                    let mut len = [0u8; 4];
                    len.copy_from_slice(cur.take(4).ok_or_else(corrupt)?);
                    let s = cur.take(u32::from_le_bytes(len) as usize).ok_or_else(corrupt)?;
                    ev.text.push(Some(std::str::from_utf8(s).map_err(|_| corrupt())?));
                } else {
                    ev.text.push(None);
                }
            }
        }
        Ok(ev)
    }

    /// Removes the spill directory.
    pub fn remove(&self) {
        // Best effort: a leftover spill directory is harmless and named as such.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
