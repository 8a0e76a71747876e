//! The MEDS v0.4 schema: column names, canonical codes, Arrow schemas and `dataset.json`.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

/// The MEDS version mlhc reads and writes.
pub const MEDS_VERSION: &str = "0.4.0";
/// Column `subject_id` (int64).
pub const SUBJECT_ID: &str = "subject_id";
/// Column `time` (timestamp[us], null for static events).
pub const TIME: &str = "time";
/// Column `code` (string).
pub const CODE: &str = "code";
/// Column `numeric_value` (float32, nullable).
pub const NUMERIC_VALUE: &str = "numeric_value";
/// Column `text_value` (large_string, nullable).
pub const TEXT_VALUE: &str = "text_value";
/// The canonical birth code.
pub const BIRTH_CODE: &str = "MEDS_BIRTH";
/// The canonical death code.
pub const DEATH_CODE: &str = "MEDS_DEATH";
/// The split name for training subjects.
pub const TRAIN_SPLIT: &str = "train";
/// The split name for tuning (validation) subjects.
pub const TUNING_SPLIT: &str = "tuning";
/// The split name for held-out (test) subjects.
pub const HELD_OUT_SPLIT: &str = "held_out";

/// The Arrow schema of MEDS data shards as mlhc writes them.
pub fn data_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(SUBJECT_ID, DataType::Int64, false),
        Field::new(TIME, DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new(CODE, DataType::Utf8, false),
        Field::new(NUMERIC_VALUE, DataType::Float32, true),
        Field::new(TEXT_VALUE, DataType::LargeUtf8, true),
    ]))
}

/// The Arrow schema of `metadata/codes.parquet`.
pub fn codes_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(CODE, DataType::Utf8, false),
        Field::new("description", DataType::Utf8, true),
        Field::new("parent_codes", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
    ]))
}

/// The Arrow schema of `metadata/subject_splits.parquet`.
pub fn splits_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(SUBJECT_ID, DataType::Int64, false),
        Field::new("split", DataType::Utf8, false),
    ]))
}

/// `metadata/dataset.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetMetadata {
    /// The dataset's name.
    #[serde(default)]
    pub dataset_name: Option<String>,
    /// The dataset's version.
    #[serde(default)]
    pub dataset_version: Option<String>,
    /// The ETL that produced it.
    #[serde(default)]
    pub etl_name: Option<String>,
    /// The ETL's version.
    #[serde(default)]
    pub etl_version: Option<String>,
    /// The MEDS version.
    #[serde(default)]
    pub meds_version: Option<String>,
    /// When it was created (mlhc leaves this out so that outputs are reproducible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Fields mlhc does not interpret, kept as they are.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// One row of `metadata/codes.parquet`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeInfo {
    /// The code.
    pub code: String,
    /// Its human-readable description, if known.
    pub description: Option<String>,
    /// Codes in external ontologies this code maps to (e.g. `ICD10CM/I50.9`).
    pub parent_codes: Vec<String>,
}
