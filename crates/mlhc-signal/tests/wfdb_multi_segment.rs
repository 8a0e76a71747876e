//! Multi-segment WFDB records read as wfdb-python 4.3.0's `rdrecord` reads them.
//!
//! Golden values: `wfdb.rdrecord(...).p_signal` from wfdb 4.3.0 (numpy 1.26.4) on the records in
//! `testdata/physio/multi-segment` (copied from MIT-LCP/wfdb-python `sample-data/multi-segment`,
//! commit 6850ad1a): NaN counts per channel, `np.nansum` per channel and single samples.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlhc_signal::wfdb::read_physical;

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio/multi-segment").join(rel)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn nan_count(r: &mlhc_signal::wfdb::PhysicalRecord) -> Vec<usize> {
    r.signals.iter().map(|s| s.values.iter().filter(|v| v.is_nan()).count()).collect()
}

fn nansum(r: &mlhc_signal::wfdb::PhysicalRecord) -> Vec<f64> {
    r.signals.iter().map(|s| s.values.iter().filter(|v| !v.is_nan()).sum()).collect()
}

#[test]
fn fixed_layout_041s() {
    // wfdb.rdrecord('041s/041s'): shape (2000, 7), no NaN.
    let r = read_physical(&path("041s/041s"), 0, None).unwrap();
    assert_eq!(r.names, ["III", "I", "V", "ABP", "PAP", "PLETH", "RESP"]);
    assert_eq!(r.len(), 2000);
    assert_eq!(r.fs, 125.0);
    assert_eq!(nan_count(&r), vec![0; 7]);
    let sums = [32.4345, -1.2235, 0.053, 112125.2, 41174.55, -360.896, -505.3];
    for (got, want) in nansum(&r).iter().zip(sums) {
        assert!(close(*got, want), "{got} vs {want}");
    }
    let rows: [(usize, [f64; 7]); 4] = [
        (0, [0.083, -0.021, 0.069, 67.9, 28.825, -0.4205, 0.2005]),
        (999, [-0.053, -0.0125, 0.047, 44.55, 12.825, -0.4265, -0.4325]),
        (1000, [-0.0505, -0.0375, 0.0445, 44.25, 12.7125, -0.42, -0.4305]),
        (1999, [-0.016, 0.058, 0.001, 46.15, 19.6875, -0.1425, -0.563]),
    ];
    for (i, row) in rows {
        for (c, want) in row.iter().enumerate() {
            assert!(close(r.signals[c].values[i], *want), "row {i} channel {c}");
        }
    }
}

#[test]
fn variable_layout_with_gap_p000878() {
    // wfdb.rdrecord('p000878/p000878-2137-10-26-16-57', sampto=7500): a 3750-frame null segment,
    // a PLETH-only segment, then II + PLETH (in that order); V and ABP never present.
    let r = read_physical(&path("p000878/p000878-2137-10-26-16-57"), 0, Some(7500)).unwrap();
    assert_eq!(r.names, ["PLETH", "II", "V", "ABP"]);
    assert_eq!(r.len(), 7500);
    assert_eq!(nan_count(&r), vec![3946, 5887, 7500, 7500]);
    let s = nansum(&r);
    assert!(close(s[0], 1801.9176470588527) && close(s[1], 810.157480314956), "{s:?}");
    let p = &r.signals[0].values;
    assert!(p[3749].is_nan() && p[3750].is_nan());
    assert!(close(p[5749], 0.5176470588235295) && close(p[5750], 0.5176470588235295));
    assert!(close(p[7499], 0.7450980392156863));
    assert!(r.signals[1].values[5750].is_nan());
    assert_eq!(r.signals[0].valid.count_set(), 7500 - 3946);

    // sampfrom=5000, sampto=6000 spans the segment boundary at 5750.
    let r = read_physical(&path("p000878/p000878-2137-10-26-16-57"), 5000, Some(6000)).unwrap();
    assert_eq!(nan_count(&r), vec![138, 853, 1000, 1000]);
    let s = nansum(&r);
    assert!(close(s[0], 440.75686274509604) && close(s[1], 40.38582677165351), "{s:?}");
}

#[test]
fn absent_segments_and_bad_ranges_are_errors() {
    // Segment 3269321_0003 is not in testdata: reading into it fails instead of inventing data.
    assert!(read_physical(&path("p000878/p000878-2137-10-26-16-57"), 0, Some(7501)).is_err());
    assert!(read_physical(&path("041s/041s"), 10, Some(5)).is_err());
    assert!(read_physical(&path("041s/041s"), 0, Some(2001)).is_err());
    // A hostile master header claiming a huge null segment is refused before any allocation.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.hea"), "m/2 1 250 18446744073709551615\n~ 18446744073709551614\ns1 1\n").unwrap();
    std::fs::write(dir.path().join("s1.hea"), "s1 1 250 1\ns1.dat 16\n").unwrap();
    std::fs::write(dir.path().join("s1.dat"), [0u8, 0]).unwrap();
    assert!(read_physical(&dir.path().join("m"), 0, None).is_err());
    let tail = read_physical(&dir.path().join("m"), 18446744073709551614, None).unwrap();
    assert_eq!(tail.signals[0].values, vec![0.0]);
}

#[test]
fn single_segment_records_read_the_same_way() {
    let r = read_physical(&path("../100"), 0, Some(2)).unwrap();
    assert_eq!(r.names, ["MLII", "V5"]);
    assert!(close(r.signals[0].values[0], -0.145) && close(r.signals[1].values[0], -0.065));
}

#[test]
fn resampled_record_written_and_read_back() {
    let r = read_physical(&path("p000878/p000878-2137-10-26-16-57"), 3000, Some(7500)).unwrap();
    let up = r.resample(250.0).unwrap();
    assert_eq!(up.len(), 9000);
    assert_eq!(up.fs, 250.0);
    // The null segment (input frames 3000..3750) stays invalid; V and ABP stay all invalid.
    assert!(up.signals[0].values[..1500].iter().all(|v| v.is_nan()));
    assert_eq!(up.signals[2].valid.count_set(), 0);
    let dir = tempfile::tempdir().unwrap();
    up.write_format16(&dir.path().join("out")).unwrap();
    let back = read_physical(&dir.path().join("out"), 0, None).unwrap();
    assert_eq!(back.names, ["PLETH", "II", "V", "ABP"]);
    assert_eq!(back.len(), 9000);
    for (a, b) in back.signals.iter().zip(&up.signals) {
        assert_eq!(a.valid, b.valid);
        for (x, y) in a.values.iter().zip(&b.values) {
            assert!(x.is_nan() && y.is_nan() || (x - y).abs() <= 0.5 / 127.0 + 1e-12, "{x} vs {y}");
        }
    }
    // Every even output sample of a 2x upsampling falls on input sample j/2 and shares its validity.
    for c in 0..4 {
        for k in 0..r.len() {
            assert_eq!(up.signals[c].valid.get(2 * k), r.signals[c].valid.get(k), "signal {c} sample {k}");
        }
    }
}
