//! ETL of raw EHR tables into MEDS.
