//! Physiological signals for mlhc: WFDB and EDF readers, filters, QRS detection, beat scoring, HRV.
