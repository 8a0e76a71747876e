//! ETL of raw EHR tables into MEDS.
pub mod expr;
