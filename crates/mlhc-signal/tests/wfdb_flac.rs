//! FLAC-compressed WFDB records (formats 508, 516, 524) from testdata/physio/flac (wfdb-python
//! sample-data, MIT licence). Golden numbers: wfdb-python 4.3.0 with soundfile 0.14.0,
//! `wfdb.rdrecord(path, physical=False, smooth_frames=False)`, printed by
//! bench/signals/flac_golden.py (digital sample count, sum, first and last five samples).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlhc_signal::wfdb::format::{decode, SignalFormat};
use mlhc_signal::wfdb::{read_physical, Record};
use mlhc_signal::Error;

fn flac(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio/flac").join(name)
}

/// (count, sum, first five, last five) of one signal's digital samples.
fn summary(d: &[i32]) -> (usize, i64, Vec<i32>, Vec<i32>) {
    (d.len(), d.iter().map(|&v| i64::from(v)).sum(), d[..5].to_vec(), d[d.len() - 5..].to_vec())
}

#[test]
fn formats_508_516_524_match_wfdb_python() {
    let rec = Record::read(&flac("flacformats")).unwrap();
    let formats: Vec<_> = rec.header.signals.iter().map(|s| s.format).collect();
    assert_eq!(formats, [SignalFormat::Flac8, SignalFormat::Flac16, SignalFormat::Flac24]);
    assert_eq!(rec.n_samples(), 499);
    assert_eq!(summary(&rec.digital[0]), (499, -484, vec![-127, -113, -99, -85, -71], vec![-96, -82, -68, -54, -40]));
    assert_eq!(
        summary(&rec.digital[1]),
        (499, -750, vec![-32766, -32242, -31718, -31194, -30670], vec![29485, 30009, 30533, 31057, 31581])
    );
    assert_eq!(
        summary(&rec.digital[2]),
        (
            499,
            -103_341_551,
            vec![-8388605, -8322801, -8256997, -8191193, -8125389],
            vec![7341356, 7407160, 7472964, 7538768, 7604572]
        )
    );
    // The checksums written by the WFDB library that compressed the files hold.
    for i in 0..3 {
        assert_eq!(Some(rec.checksum(i)), rec.header.signals[i].checksum, "signal {i}");
    }
    // wfdb-python's physical values: -0.635, -163.83, -41943.025 (gain 200, baseline 0).
    let first: Vec<f64> = (0..3).map(|i| rec.physical(i).values[0]).collect();
    assert_eq!(first, [-127.0 / 200.0, -32766.0 / 200.0, -8388605.0 / 200.0]);
}

#[test]
fn format_516_equals_the_uncompressed_format_16_file() {
    // binformats.d1 (format 16) and flacformats.d1 (format 516) hold the same 499 samples.
    let raw = decode(SignalFormat::Int16, &std::fs::read(flac("binformats.d1")).unwrap(), 499).unwrap();
    let rec = Record::read(&flac("flacformats")).unwrap();
    assert_eq!(rec.digital[1], raw);
}

#[test]
fn several_files_and_samples_per_frame_match_wfdb_python() {
    // mixedsignals: three files; 516x4 (3 ECG), 516x2 (ABP, Pleth), 516 (Resp); 14,400 frames.
    let rec = Record::read(&flac("mixedsignals")).unwrap();
    assert_eq!(rec.n_samples(), 14_400);
    let ecg_start = vec![-32768; 5];
    let expected = [
        (57_600, 429_875_084, ecg_start.clone(), vec![8188, 8191, 8193, 8191, 8189]),
        (57_600, 429_870_396, ecg_start.clone(), vec![8185, 8188, 8190, 8189, 8187]),
        (57_600, 429_872_885, ecg_start.clone(), vec![8188, 8190, 8192, 8191, 8188]),
        (28_800, 66_830_531, ecg_start, vec![2532, 2546, 2555, 2560, 2561]),
        (28_800, 58_297_530, vec![0; 5], vec![2703, 2842, 2981, 3080, 3162]),
        (14_400, 19_171_907, vec![0; 5], vec![1137, 1121, 1118, 1125, 1144]),
    ];
    for (i, e) in expected.into_iter().enumerate() {
        assert_eq!(summary(&rec.digital[i]), e, "signal {i}");
        // The header writes checksums as unsigned 16-bit numbers (ABP: 49347 = -16189).
        assert_eq!(Some(rec.checksum(i) as u16), rec.header.signals[i].checksum.map(|c| c as u16), "signal {i}");
    }
    // -32768 marks invalid samples in format 516, as wfdb-python's NaN does.
    let ii = rec.physical(0);
    assert!(!ii.valid.get(0) && ii.values[0].is_nan());
    // The physical reader (used by the CLI) reads FLAC records too; Resp's first value as
    // wfdb-python gives it: (0 - 2) / 4093.
    let phys = read_physical(&flac("mixedsignals"), 0, None).unwrap();
    assert_eq!(phys.signals[5].values[0], -2.0 / 4093.0);
}

#[test]
fn constant_subframes_decode_to_5_6_million_frames() {
    // flac_3_constant: 3 signals of 5,600,000 constant samples (25, 50, 75) in 20 kB.
    let rec = Record::read(&flac("flac_3_constant")).unwrap();
    assert_eq!(rec.n_samples(), 5_600_000);
    for (i, v) in [25, 50, 75].into_iter().enumerate() {
        assert!(rec.digital[i].iter().all(|&d| d == v), "signal {i}");
        assert_eq!(Some(rec.checksum(i)), rec.header.signals[i].checksum, "signal {i}");
    }
}

fn copy_record(dir: &std::path::Path, header: &str, files: &[(&str, &str)]) -> PathBuf {
    std::fs::write(dir.join("r.hea"), header).unwrap();
    for (from, to) in files {
        std::fs::copy(flac(from), dir.join(to)).unwrap();
    }
    dir.join("r")
}

#[test]
fn malformed_flac_records_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Header promises more frames than the stream holds.
    let r = copy_record(d, "r 1 200 500\nr.d0 508 200 8 0 -127 -484 0 x\n", &[("flacformats.d0", "r.d0")]);
    let err = Record::read(&r).unwrap_err();
    assert!(matches!(err, Error::Flac { .. }), "{err}");
    assert!(err.to_string().ends_with("the stream holds 499 frames, the header needs 500"), "{err}");
    // A 16-bit stream declared as format 508.
    let r = copy_record(d, "r 1 200 499\nr.d1 508 200 8 0 0 0 0 x\n", &[("flacformats.d1", "r.d1")]);
    let err = Record::read(&r).unwrap_err().to_string();
    assert!(err.ends_with("the stream has 16 bits per sample, format 508 allows at most 8"), "{err}");
    // Two signals declared in a one-channel stream.
    let r = copy_record(
        d,
        "r 2 200 499\nr.d0 508 200 8 0 0 0 0 a\nr.d0 508 200 8 0 0 0 0 b\n",
        &[("flacformats.d0", "r.d0")],
    );
    let err = Record::read(&r).unwrap_err().to_string();
    assert!(err.ends_with("the stream has 1 channels, the header 2 signals"), "{err}");
    // Nine signals in one file: more than FLAC's eight channels.
    let lines: String = (0..9).map(|i| format!("r.d0 516 200 16 0 0 0 0 s{i}\n")).collect();
    let r = copy_record(d, &format!("r 9 200 499\n{lines}"), &[("flacformats.d1", "r.d0")]);
    let err = Record::read(&r).unwrap_err().to_string();
    assert!(err.ends_with("a FLAC signal file holds 1 to 8 signals, the header puts 9 in it"), "{err}");
    // Different samples per frame in one FLAC file.
    let r = copy_record(d, "r 2 200 10\nr.d0 516x2 200 16 0 0 0 0 a\nr.d0 516 200 16 0 0 0 0 b\n", &[]);
    let err = Record::read(&r).unwrap_err().to_string();
    assert_eq!(err, "signal file r.d0: signals of a FLAC file need equal samples per frame, found 2 and 1");
    // A truncated stream.
    let bytes = std::fs::read(flac("flacformats.d2")).unwrap();
    std::fs::write(d.join("r.d2"), &bytes[..bytes.len() / 2]).unwrap();
    let r = copy_record(d, "r 1 200 499\nr.d2 524 200 24 0 0 0 0 x\n", &[]);
    let err = Record::read(&r).unwrap_err();
    assert!(matches!(err, Error::Flac { .. }), "{err}");
    // A byte offset skips FLAC samples: +3 drops the first three frames.
    let r = copy_record(d, "r 1 200 496\nr.d0 508+3 200 8 0 0 0 0 x\n", &[("flacformats.d0", "r.d0")]);
    let rec = Record::read(&r).unwrap();
    assert_eq!(rec.digital[0][..2], [-85, -71]);
    // Without a length in the header, the whole stream is read.
    let r = copy_record(d, "r 1 200\nr.d0 508 200 8 0 0 0 0 x\n", &[("flacformats.d0", "r.d0")]);
    assert_eq!(Record::read(&r).unwrap().n_samples(), 499);
    // Writing FLAC is not supported.
    let err = rec.write(&d.join("w")).unwrap_err();
    assert!(matches!(err, Error::UnsupportedFormat { format: 508 }), "{err}");
}
