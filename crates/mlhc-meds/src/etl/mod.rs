//! ETL of raw EHR tables (CSV, CSV.gz, Parquet) into MEDS, driven by MEDS-Extract-style event configs.
//!
//! [`EtlConfig`] reads and validates a config ([`config`]), [`run_etl`] converts the tables under a
//! raw folder into a complete MEDS dataset and returns an [`EtlReport`] whose counts reconcile every
//! input row ([`report`]). Shipped configs: `mimic-iv` and `mimic-iii` ([`BUILTIN_CONFIGS`]).
//!
//! ```
//! use mlhc_meds::etl::{run_etl, EtlConfig, EtlOptions};
//!
//! let raw = tempfile::tempdir().unwrap();
//! std::fs::write(raw.path().join("patients.csv"), "subject_id,sex,born\n1,F,1990-05-01\n2,M,\n").unwrap();
//! let yaml = r#"
//! patients:
//!   sex:
//!     code: f"SEX//{$sex}"
//!     time: null
//!   birth:
//!     code: MEDS_BIRTH
//!     time: '$born::"%Y-%m-%d"'
//! "#;
//! let config = EtlConfig::from_yaml(yaml, std::path::Path::new("inline.yaml")).unwrap();
//! let out = tempfile::tempdir().unwrap();
//! let report = run_etl(&config, raw.path(), out.path(), &EtlOptions::default(), &|_| {}).unwrap();
//! assert_eq!((report.subjects, report.events), (2, 3));
//! assert_eq!(report.tables[0].events[1].no_time, 1); // subject 2 has no birth date
//! assert!(report.balances());
//! ```

pub mod config;
mod convert;
pub mod expr;
mod join;
mod metadata;
pub mod report;
mod run;
mod spill;
pub mod split;
pub mod table;

pub use config::{builtin_config, EtlConfig, BUILTIN_CONFIGS};
pub use report::{EtlReport, EventReport, Reject, SplitCount, TableReport, TableStatus};
pub use run::{run_etl, EtlOptions, EtlStep, DEFAULT_SUBJECTS_PER_SHARD};
pub use split::{Split, SplitFractions};
