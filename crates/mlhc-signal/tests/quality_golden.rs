//! Signal-quality indices on MIT-BIH record 100 (first 60 s of MLII, 10 s windows) against
//! `bench/signals/quality_golden.py` (numpy 1.26.4, scipy 1.13.1, wfdb 4.3.0): the signal
//! high-passed by `sosfiltfilt(butter(5, 0.5, "highpass", fs=360, output="sos"))`, beats from
//! `100.atr`; kSQI = `scipy.stats.kurtosis(window, fisher=True)` (NeuroKit2 0.2.12's kSQI), tSQI
//! the per-window template correlation of Orphanidou et al. (2015) computed with `np.corrcoef`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlhc_signal::filter::{butterworth, filtfilt, Band};
use mlhc_signal::quality::window_quality;
use mlhc_signal::wfdb::{read_annotations, read_physical};

#[test]
fn record_100_matches_numpy_and_scipy() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio");
    let n = 60 * 360;
    let rec = read_physical(&dir.join("100"), 0, Some(n as u64)).unwrap();
    let sos = butterworth(5, Band::HighPass(0.5), 360.0).unwrap();
    let clean = filtfilt(&sos, &rec.signals[0].values).unwrap();
    let beats: Vec<usize> = read_annotations(&dir.join("100.atr"))
        .unwrap()
        .iter()
        .filter(|a| a.code.is_beat() && (a.sample as usize) < n)
        .map(|a| a.sample as usize)
        .collect();
    let q = window_quality(&clean, &beats, 3600).unwrap();
    let want: [(usize, usize, usize, f64, f64); 6] = [
        (0, 13, 12, 0.9835249075992394, 29.70958221739044),
        (3600, 12, 12, 0.9889384024331761, 31.165621977768666),
        (7200, 12, 12, 0.985830104651813, 30.93239510560789),
        (10800, 12, 12, 0.9872205276211924, 31.24571604266643),
        (14400, 13, 13, 0.9857874718324914, 28.480865326756188),
        (18000, 12, 12, 0.9895286906452272, 30.63041662903705),
    ];
    assert_eq!(q.len(), want.len());
    for (w, (start, n_beats, n_used, tsqi, ksqi)) in q.iter().zip(want) {
        assert_eq!((w.start, w.n_beats, w.n_used), (start, n_beats, n_used));
        assert!((w.tsqi.unwrap() - tsqi).abs() < 1e-9, "tSQI at {start}: {:?} vs {tsqi}", w.tsqi);
        assert!((w.ksqi.unwrap() - ksqi).abs() < 1e-7, "kSQI at {start}: {:?} vs {ksqi}", w.ksqi);
        assert!(w.acceptable);
    }
}

#[test]
fn noise_scores_below_the_acceptance_threshold() {
    // Seeded white noise with beats placed at 75 bpm: epochs do not resemble each other.
    let mut rng = mlhc_core::Rng::seed_from_u64(7);
    let x: Vec<f64> = (0..3600).map(|_| rng.uniform() - 0.5).collect();
    let beats: Vec<usize> = (1..12).map(|k| k * 288).collect();
    let q = window_quality(&x, &beats, 3600).unwrap();
    assert!(q[0].tsqi.unwrap() < 0.66 && !q[0].acceptable, "{:?}", q[0]);
    assert!(q[0].ksqi.unwrap() < 5.0);
}
