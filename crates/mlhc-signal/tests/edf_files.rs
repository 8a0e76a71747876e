//! EDF+, and BDF files from pyedflib 0.1.42 (testdata/physio/edf), against the values pyedflib's
//! `EdfReader` reports for them (testdata/physio/edf/REFERENCE.txt).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlhc_signal::edf::Edf;

fn edf(name: &str) -> Edf {
    Edf::read(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio/edf").join(name)).unwrap()
}

fn assert_first(values: &[f64], want: &[f64]) {
    for (g, w) in values.iter().zip(want) {
        // REFERENCE.txt prints six decimals.
        assert!((g - w).abs() < 1e-6, "{g} vs {w}");
    }
}

#[test]
fn edf_plus_with_sub_second_start_and_annotations() {
    let f = edf("test_subsecond.edf");
    let data: Vec<usize> = (0..f.signals.len()).filter(|&i| !f.signals[i].is_annotation()).collect();
    assert_eq!(data.len(), 1);
    let s = &f.signals[data[0]];
    assert_eq!(
        (s.label.as_str(), s.dimension.as_str(), s.physical_min, s.physical_max),
        ("Fp1", "uV", 8711.0, -8711.0)
    );
    assert_eq!(
        (f.fs(data[0]), f.digital[data[0]].len(), f.n_records as f64 * f.record_duration_s),
        (128.0, 89344, 698.0)
    );
    assert_first(&f.physical(data[0]), &[6.247303, 7.576516, 10.234943, 9.9691, 6.778988]);
    // The first record's time-keeping annotation is +0.3945312 s; pyedflib keeps it as 3,945,312
    // units of 100 ns and prints the start as 04:05:56.039453. Onsets are relative to it.
    assert_eq!(f.start_offset_s, 0.3945312);
    let a: Vec<(f64, &str)> = f.annotations.iter().take(3).map(|a| (a.onset_s, a.text.as_str())).collect();
    let want = [(1.9512, "XLSpike"), (3.4922, "Clip Note"), (290.502, "XLEvent")];
    for ((go, gt), (wo, wt)) in a.iter().zip(want) {
        assert!((go - wo).abs() < 1e-4 && *gt == wt, "{a:?}");
    }
    assert_eq!(f.annotations.len(), 4);
    assert!(f.annotations.iter().all(|a| a.duration_s.is_none()));
}

#[test]
fn utf8_annotation_text() {
    let f = edf("test_utf8.edf");
    assert_eq!(f.annotations.len(), 5);
    assert_eq!(f.annotations[2].text, "中文测试八个字");
    assert!((f.annotations[2].onset_s - 119.6055).abs() < 1e-4);
}

#[test]
fn bdf_24_bit_signals_at_different_rates() {
    let f = edf("test_generator.bdf");
    assert!(f.bdf);
    let want = [
        ("sine 5Hz", 1000.0, 30000),
        ("square 13Hz", 800.0, 24000),
        ("ramp 7Hz", 500.0, 15000),
        ("pink noise", 975.0, 29250),
        ("white noise", 999.0, 29970),
    ];
    for (i, (label, fs, n)) in want.into_iter().enumerate() {
        assert_eq!((f.signals[i].label.as_str(), f.fs(i), f.digital[i].len()), (label, fs, n));
        assert_eq!((f.signals[i].digital_min, f.signals[i].digital_max), (-8388608, 8388607));
    }
    assert_first(&f.physical(0), &[31.410636, 62.790338, 94.10817, 125.333019, 156.434128]);
    assert!(f.annotations.is_empty());
}
