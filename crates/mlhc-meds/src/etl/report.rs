//! The reconciliation report of an ETL run (`OUT/etl_report.json`) and its rejects file
//! (`OUT/etl_rejects.csv`).
//!
//! Counting is per event block: every row of a table is offered to each of its event blocks, and for
//! each block exactly one of these happens, so for every block
//!
//! `rows_read = written + duplicates + rejected + no_time + no_code`
//!
//! - `written`: the event is in the dataset;
//! - `duplicates`: the event was an exact duplicate (subject, time, code, numeric and text value) of an
//!   event already kept, and was collapsed; the first in config order and row order is kept;
//! - `rejected`: the row could not be read for this block (unparseable subject id, time or number, a
//!   failed strict cast); each is one line of the rejects file (table, row, event, reason);
//! - `no_time` / `no_code`: the block's time or code is null for this row, which the config intends
//!   (e.g. `ED_REGISTRATION` for admissions that did not pass through the ED); counted, not listed.
//!
//! A row thus yields between zero and as many events as its table has blocks.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::write::atomic_write;
use crate::{Error, Result};

/// Whether a configured table was converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    /// The table was found and read.
    Converted,
    /// No `<name>.csv`, `<name>.csv.gz` or `<name>.parquet` exists under the raw folder; skipped.
    Missing,
}

/// The counts of one event block. See the module docs for the equation they satisfy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventReport {
    /// The block's name.
    pub event: String,
    /// Events written.
    pub written: u64,
    /// Exact duplicate events collapsed.
    pub duplicates: u64,
    /// Rows rejected for this block (listed in the rejects file).
    pub rejected: u64,
    /// Rows whose time is null (no event, by design of the config).
    pub no_time: u64,
    /// Rows whose code is null (no event, by design of the config).
    pub no_code: u64,
}

impl EventReport {
    /// Whether `rows_read = written + duplicates + rejected + no_time + no_code`.
    pub fn balances(&self, rows_read: u64) -> bool {
        rows_read == self.written + self.duplicates + self.rejected + self.no_time + self.no_code
    }
}

/// The outcome of one configured table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableReport {
    /// The table's name in the config.
    pub table: String,
    /// Converted or missing.
    pub status: TableStatus,
    /// The file read, if any.
    pub file: Option<String>,
    /// Data rows read.
    pub rows_read: u64,
    /// Per event block.
    pub events: Vec<EventReport>,
}

impl TableReport {
    /// Events written from this table.
    pub fn written(&self) -> u64 {
        self.events.iter().map(|e| e.written).sum()
    }
}

/// One rejected (row, event block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// The table.
    pub table: String,
    /// The one-based data row (header excluded).
    pub row: u64,
    /// The event block.
    pub event: String,
    /// Why, with the offending value.
    pub reason: String,
}

/// The number of subjects in one split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitCount {
    /// The split's MEDS name.
    pub split: String,
    /// Its subjects.
    pub subjects: u64,
}

/// The report of an ETL run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtlReport {
    /// The dataset name written to `dataset.json`.
    pub dataset_name: Option<String>,
    /// Subjects written.
    pub subjects: u64,
    /// Events written.
    pub events: u64,
    /// Distinct codes.
    pub codes: u64,
    /// Shards written, as `split/n`.
    pub shards: Vec<String>,
    /// Subjects per split, in the order train, tuning, held_out.
    pub subjects_per_split: Vec<SplitCount>,
    /// Per configured table, in config order.
    pub tables: Vec<TableReport>,
    /// Rows rejected, in total (the rejects file lists the first 100,000 of each table).
    pub rejected: u64,
    /// Notes: parts of the config that had no effect, lookup keys held by several rows.
    pub notes: Vec<String>,
    /// The rejected rows listed (written to `etl_rejects.csv`, not to the JSON report).
    #[serde(skip)]
    pub rejects: Vec<Reject>,
}

impl EtlReport {
    /// Whether every event block of every table balances (see the module docs).
    pub fn balances(&self) -> bool {
        self.tables.iter().all(|t| t.events.iter().all(|e| e.balances(t.rows_read)))
    }

    /// Writes `etl_report.json` and `etl_rejects.csv` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let json = dir.join("etl_report.json");
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Metadata { path: json.clone(), message: e.to_string() })?;
        atomic_write(&json, |mut f| {
            f.write_all(text.as_bytes()).and_then(|_| f.write_all(b"\n")).map_err(|e| Error::io(&json, e))
        })?;
        let csv_path = dir.join("etl_rejects.csv");
        atomic_write(&csv_path, |f| {
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(f));
            let err = |e: csv::Error| Error::Table { path: csv_path.clone(), row: 0, message: e.to_string() };
            w.write_record(["table", "row", "event", "reason"]).map_err(err)?;
            for r in &self.rejects {
                w.write_record([r.table.as_str(), &r.row.to_string(), &r.event, &r.reason]).map_err(err)?;
            }
            w.flush().map_err(|e| Error::io(&csv_path, e))
        })
    }
}
