//! MEDS v0.4 datasets for mlhc: the schema, Parquet reading and writing, the columnar shard store,
//! validation, inspection, ETL from raw tables and a synthetic EHR generator.
//!
//! Only this crate knows the Parquet/Arrow layout of MEDS; everything above it sees [`Shard`]s of
//! subject offsets, microsecond times, [`CodeId`](mlhc_core::CodeId)s into one [`Vocabulary`] and
//! float32 values with validity bitmaps.
//!
//! ```
//! use mlhc_meds::{Dataset, DatasetWriter, Event, ReadOptions, ShardBuilder};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut b = ShardBuilder::new("train/0");
//! b.push(Event { subject_id: 1, time: None, code: "GENDER//F", numeric_value: None, text_value: None });
//! b.push(Event { subject_id: 1, time: Some(0), code: "LAB//HR", numeric_value: Some(72.0), text_value: None });
//! let (shard, vocab, _) = b.finish(false);
//! DatasetWriter::create(dir.path()).unwrap().write_shard("train/0", &shard, &vocab).unwrap();
//!
//! let loaded = Dataset::open(dir.path()).unwrap().load(&ReadOptions::default()).unwrap();
//! let subject = loaded.shards[0].subject(0);
//! assert_eq!(subject.id().0, 1);
//! assert_eq!(loaded.vocab.code(subject.code(1)), "LAB//HR");
//! assert_eq!(subject.numeric(1), Some(72.0));
//! assert_eq!(subject.time(0), None); // static
//! ```

mod error;
pub mod etl;
pub mod inspect;
pub mod labels;
pub mod read;
pub mod schema;
mod shard;
pub mod synth;
pub mod validate;
mod vocab;
pub mod write;

pub use error::{Error, Result};
pub use etl::{run_etl, EtlConfig, EtlOptions, EtlReport};
pub use read::{Dataset, LoadedDataset, ReadOptions, ShardFile};
pub use schema::{CodeInfo, DatasetMetadata};
pub use shard::{Event, Shard, ShardBuilder, SubjectEvents, TextColumn};
pub use vocab::Vocabulary;
pub use write::DatasetWriter;
