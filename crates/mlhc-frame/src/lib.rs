//! Named-column tables for mlhc: CSV, CSV.gz and Parquet input, numeric and string columns, one-hot encoding.
