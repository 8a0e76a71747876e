//! Synthetic EHR generation.
