//! HRV of MIT-BIH record 100 from its reference beat labels, against NeuroKit2.
//!
//! Reference: NeuroKit2 0.2.12 (numpy 1.26.4, wfdb 4.3.0), with `peaks` the samples of the 2,273
//! beat labels of `wfdb.rdann("100", "atr")`:
//! `nk.hrv_time(peaks, sampling_rate=360)` → MeanNN 794.593603286385, SDNN 48.84614637822633,
//! RMSSD 63.23178826544665, pNN50 9.991197183098592;
//! `nk.hrv_nonlinear(peaks, sampling_rate=360)` → SD1 44.721462716708764, SD2 52.639817040075144.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlhc_signal::hrv::{poincare, time_domain, RrSeries};
use mlhc_signal::wfdb::read_annotations;

#[test]
fn record_100_matches_neurokit2() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio/100.atr");
    let beats: Vec<i64> =
        read_annotations(&path).unwrap().iter().filter(|a| a.code.is_beat()).map(|a| a.sample).collect();
    assert_eq!(beats.len(), 2273);
    let rr = RrSeries::from_beats(&beats, 360.0).unwrap();
    let t = time_domain(&rr).unwrap();
    let p = poincare(&rr).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    assert!(close(t.mean_nn_ms, 794.593603286385), "{t:?}");
    assert!(close(t.sdnn_ms, 48.84614637822633), "{t:?}");
    assert!(close(t.rmssd_ms, 63.23178826544665), "{t:?}");
    assert!(close(t.pnn50, 9.991197183098592), "{t:?}");
    assert!(close(p.sd1_ms, 44.721462716708764), "{p:?}");
    assert!(close(p.sd2_ms, 52.639817040075144), "{p:?}");
}
