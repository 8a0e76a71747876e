//! `mlhc signal`, run as a user would, on MIT-BIH record 100 (testdata/physio).

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn mlhc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().expect("the mlhc binary runs")
}

fn physio(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio").join(p)
}

fn ok_json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Copies record 100 (header, signal, reference annotations) into `dir`; returns the record path.
fn record_100_in(dir: &Path) -> String {
    for ext in ["hea", "dat", "atr"] {
        std::fs::copy(physio(&format!("100.{ext}")), dir.join(format!("100.{ext}"))).unwrap();
    }
    dir.join("100").to_str().unwrap().to_string()
}

#[test]
fn info_prints_the_header_with_defaults() {
    let v = ok_json(&mlhc(&["signal", "info", physio("100").to_str().unwrap(), "--json"]));
    let sig = |name: &str, init: i64, checksum: i64| {
        json!({"name": name, "file": "100.dat", "fmt": 212, "samples_per_frame": 1, "skew": 0, "byte_offset": 0,
               "gain": 200.0, "baseline": 1024, "units": "mV", "adc_res": 11, "adc_zero": 1024,
               "init_value": init, "checksum": checksum})
    };
    assert_eq!(
        v,
        json!({"record": "100", "fs": 360.0, "n_samples": 650000, "signals": [sig("MLII", 995, -22131), sig("V5", 1011, 20052)]})
    );
    // v102s gives adc_res 0, which header(5) reads as the format's default (12 bits for 212).
    let v = ok_json(&mlhc(&["signal", "info", physio("v102s").to_str().unwrap(), "--json"]));
    assert_eq!((v["signals"][2]["units"].as_str(), v["signals"][2]["adc_res"].as_u64()), (Some("NU"), Some(12)));
}

#[test]
fn detect_then_score_against_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let rec = record_100_in(dir.path());
    for (method, ext) in [("elgendi", "mlhc"), ("pantompkins", "pt")] {
        let args = if ext == "mlhc" {
            vec!["signal", "detect", &rec, "--method", method, "--json"]
        } else {
            vec!["signal", "detect", &rec, "--method", method, "--annotator", ext, "--json"]
        };
        let v = ok_json(&mlhc(&args));
        assert_eq!(
            (v["n_beats"].as_u64(), v["method"].as_str(), v["n_samples"].as_u64()),
            (Some(2273), Some(method), Some(650000))
        );
        assert!(dir.path().join(format!("100.{ext}")).exists());
        let s = ok_json(&mlhc(&["signal", "score", &rec, "--ref", "atr", "--test", ext, "--json"]));
        assert_eq!(s, json!({"sensitivity": 1.0, "ppv": 1.0, "f1": 1.0, "tp": 2273, "fp": 0, "fn": 0}));
    }
    // Scoring from 5 minutes on, as bxb does by default: 1,902 reference beats remain.
    let s = ok_json(&mlhc(&["signal", "score", &rec, "--ref", "atr", "--test", "pt", "--start", "300", "--json"]));
    assert_eq!((s["tp"].as_u64(), s["fn"].as_u64()), (Some(1902), Some(0)));
}

#[test]
fn score_counts_misses_with_a_narrow_window() {
    // 100.qrs (gqrs) against 100.atr: every beat within 150 ms; with a 1 ms window most miss.
    let rec = physio("100");
    let wide = ok_json(&mlhc(&["signal", "score", rec.to_str().unwrap(), "--ref", "atr", "--test", "qrs", "--json"]));
    assert_eq!((wide["tp"].as_u64(), wide["fp"].as_u64(), wide["fn"].as_u64()), (Some(2273), Some(0), Some(0)));
    let narrow = ok_json(&mlhc(&[
        "signal",
        "score",
        rec.to_str().unwrap(),
        "--ref",
        "atr",
        "--test",
        "qrs",
        "--window-ms",
        "1",
        "--json",
    ]));
    let tp = narrow["tp"].as_u64().unwrap();
    assert!(tp < 2273);
    assert_eq!(narrow["fp"].as_u64().unwrap() + tp, 2273);
}

#[test]
fn hrv_from_reference_beats() {
    let v = ok_json(&mlhc(&["signal", "hrv", physio("100").to_str().unwrap(), "--all-beats", "--no-clean", "--json"]));
    // The same intervals as NeuroKit2 0.2.12 hrv_time on the 2,273 beats (see mlhc-signal tests/hrv_golden.rs).
    assert_eq!((v["intervals"].as_u64(), v["removed"].as_u64()), (Some(2272), Some(0)));
    assert!((v["sdnn_ms"].as_f64().unwrap() - 48.84614637822633).abs() < 1e-9);
    assert!((v["rmssd_ms"].as_f64().unwrap() - 63.23178826544665).abs() < 1e-9);
    assert!(v["lf_hf"].as_f64().unwrap() > 0.0);
}

#[test]
fn plot_writes_an_svg_window() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("w.svg");
    let rec = physio("100");
    let out = mlhc(&[
        "signal",
        "plot",
        rec.to_str().unwrap(),
        "--start",
        "60",
        "--seconds",
        "5",
        "--ref",
        "atr",
        "--test",
        "qrs",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("100 MLII 60.0-65.0 s"));
    // 100.atr has 6 beats between 60 and 65 s, and 100.qrs marks the same 6.
    assert_eq!(text.matches(r##"fill="#2ca02c">N</text>"##).count(), 6);
    assert_eq!(text.matches(r##"stroke="#d62728" stroke-width="2""##).count(), 6);
}

#[test]
fn to_meds_writes_heart_rate_events() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("meds");
    let v = ok_json(&mlhc(&[
        "signal",
        "to-meds",
        physio("100").to_str().unwrap(),
        "--subject-id",
        "100",
        "--start-time",
        "2024-01-01 08:00:00",
        "-o",
        out_dir.to_str().unwrap(),
        "--json",
    ]));
    // 30:05 min: 31 one-minute heart-rate windows (the last partial), 7 five-minute HRV windows.
    assert_eq!(v["events"], json!({"ECG//HR": 31, "ECG//HRV//SDNN": 7, "ECG//HRV//RMSSD": 7}));
    let report = mlhc(&["meds", "validate", out_dir.to_str().unwrap(), "--json"]);
    let r = ok_json(&report);
    assert_eq!(r["valid"], json!(true), "{r}");
    // Without --start-time the header must carry a base date and time; record 100's does not.
    let out = mlhc(&["signal", "to-meds", physio("100").to_str().unwrap(), "--subject-id", "1", "-o", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --start-time"));
}

#[test]
fn bad_input_is_a_one_line_error() {
    let out = mlhc(&["signal", "info", "/nonexistent/rec", "--json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read header /nonexistent/rec.hea"));
    let dir = tempfile::tempdir().unwrap();
    let rec = record_100_in(dir.path());
    let out = mlhc(&["signal", "detect", &rec, "--method", "magic"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown method \"magic\""));
    let out = mlhc(&["signal", "detect", &rec, "--channel", "7"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("channel 7 does not exist"));
}

#[test]
fn resample_writes_a_record_and_reads_multi_segment_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r250");
    let rec = physio("100");
    let v = ok_json(&mlhc(&[
        "signal",
        "resample",
        rec.to_str().unwrap(),
        "--fs",
        "250",
        "--to",
        "3600",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!((v["up"].as_u64(), v["down"].as_u64(), v["n_out"].as_u64()), (Some(25), Some(36), Some(2500)));
    // The written record is a plain WFDB record the other commands read.
    let info = ok_json(&mlhc(&["signal", "info", out.to_str().unwrap(), "--json"]));
    assert_eq!((info["fs"].as_f64(), info["n_samples"].as_u64()), (Some(250.0), Some(2500)));
    let multi = physio("multi-segment/041s/041s");
    let out2 = dir.path().join("m");
    let v = ok_json(&mlhc(&[
        "signal",
        "resample",
        multi.to_str().unwrap(),
        "--fs",
        "250",
        "-o",
        out2.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!((v["n_in"].as_u64(), v["n_out"].as_u64()), (Some(2000), Some(4000)));
    assert_eq!(v["signals"][3], "ABP");
}

#[test]
fn quality_per_window_from_reference_beats() {
    let v = ok_json(&mlhc(&[
        "signal",
        "quality",
        physio("100").to_str().unwrap(),
        "--annotator",
        "atr",
        "--window-s",
        "10",
        "--json",
    ]));
    // 650,000 samples in 3,600-sample windows: 180 full windows and one of 1,000 samples.
    assert_eq!(v["n_windows"], 181);
    assert_eq!(v["n_acceptable"], 181);
    let w0 = &v["windows"][0];
    assert_eq!((w0["start"].as_u64(), w0["end"].as_u64(), w0["n_beats"].as_u64()), (Some(0), Some(3600), Some(13)));
    // Whole-record filtering differs from the 60 s golden test only near its end; the first
    // window agrees with it (tests/quality_golden.rs in mlhc-signal) to 1e-6.
    assert!((w0["tsqi"].as_f64().unwrap() - 0.9835249075992394).abs() < 1e-6, "{w0}");
    assert!((w0["ksqi"].as_f64().unwrap() - 29.70958221739044).abs() < 1e-4, "{w0}");
    let bad = mlhc(&["signal", "quality", physio("100").to_str().unwrap(), "--window-s", "0"]);
    assert!(!bad.status.success());
}

#[test]
fn detect_reads_a_multi_segment_record() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["041s.hea", "041s01.hea", "041s01.dat", "041s02.hea", "041s02.dat"] {
        std::fs::copy(physio(&format!("multi-segment/041s/{f}")), dir.path().join(f)).unwrap();
    }
    let rec = dir.path().join("041s");
    let v = ok_json(&mlhc(&["signal", "detect", rec.to_str().unwrap(), "--json"]));
    assert_eq!((v["n_samples"].as_u64(), v["fs"].as_f64()), (Some(2000), Some(125.0)));
    // 16 s of lead III at about 94 bpm.
    assert_eq!(v["n_beats"], 25);
    assert!(dir.path().join("041s.mlhc").exists());
    let info = ok_json(&mlhc(&["signal", "info", rec.to_str().unwrap(), "--json"]));
    assert_eq!(info["segments"], json!([{"name": "041s01", "n_samples": 1000}, {"name": "041s02", "n_samples": 1000}]));
}

#[test]
fn hrv_to_meds_and_plot_read_a_multi_segment_record() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["041s.hea", "041s01.hea", "041s01.dat", "041s02.hea", "041s02.dat"] {
        std::fs::copy(physio(&format!("multi-segment/041s/{f}")), dir.path().join(f)).unwrap();
    }
    let rec = dir.path().join("041s");
    let rec = rec.to_str().unwrap();
    let v = ok_json(&mlhc(&["signal", "detect", rec, "--json"]));
    assert_eq!(v["n_beats"], 25);
    // 25 beats over both segments (samples 49 to 1933, as wfdb-python's rdann reads 041s.mlhc):
    // 24 NN intervals averaging (1933 - 49) / 24 samples at 125 Hz = 628 ms.
    let h = ok_json(&mlhc(&["signal", "hrv", rec, "--annotator", "mlhc", "--json"]));
    assert_eq!((h["beats"].as_u64(), h["intervals"].as_u64(), h["removed"].as_u64()), (Some(25), Some(24), Some(0)));
    assert!((h["mean_nn_ms"].as_f64().unwrap() - 628.0).abs() < 1e-9, "{h}");
    // The master header's base time (8:26:04 26/10/1994) dates the events: one heart-rate window.
    let out_dir = dir.path().join("meds");
    let m = ok_json(&mlhc(&[
        "signal",
        "to-meds",
        rec,
        "--annotator",
        "mlhc",
        "--subject-id",
        "41",
        "-o",
        out_dir.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(m["events"]["ECG//HR"], 1, "{m}");
    assert_eq!(ok_json(&mlhc(&["meds", "validate", out_dir.to_str().unwrap(), "--json"]))["valid"], json!(true));
    // The plot spans the segment boundary at 8 s, with every detection in the window marked.
    let svg = dir.path().join("w.svg");
    let out =
        mlhc(&["signal", "plot", rec, "--start", "6", "--seconds", "4", "--test", "mlhc", "-o", svg.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("041s III 6.0-10.0 s"), "{text}");
    // Detections at 6.02, 6.66, 7.28, 7.90, 8.52, 9.14 and 9.77 s.
    assert_eq!(text.matches(r##"stroke="#d62728" stroke-width="2""##).count(), 7);
}

#[test]
fn detect_reads_a_flac_compressed_record() {
    // mixedsignals: FLAC format 516, lead II at 4 samples per 62.47 Hz frame (249.89 Hz), invalid
    // for its first 4.1 s; 230 s in all.
    let dir = tempfile::tempdir().unwrap();
    for f in ["mixedsignals.hea", "mixedsignals_e.dat", "mixedsignals_p.dat", "mixedsignals_r.dat"] {
        std::fs::copy(physio(&format!("flac/{f}")), dir.path().join(f)).unwrap();
    }
    let rec = dir.path().join("mixedsignals");
    let rec = rec.to_str().unwrap();
    let info = ok_json(&mlhc(&["signal", "info", rec, "--json"]));
    assert_eq!(
        (info["signals"][0]["fmt"].as_u64(), info["signals"][0]["samples_per_frame"].as_u64()),
        (Some(516), Some(4))
    );
    let v = ok_json(&mlhc(&["signal", "detect", rec, "--json"]));
    assert_eq!((v["n_samples"].as_u64(), v["fs"].as_f64()), (Some(57_600), Some(249.89)));
    // wfdb 4.3.0 `processing.xqrs_detect` on rdrecord(..., smooth_frames=False).e_p_signal[0]
    // (NaN as 0) finds 391 beats, and each is within 150 ms of one of these 391.
    assert_eq!(v["n_beats"], 391);
    let p = ok_json(&mlhc(&["signal", "detect", rec, "--method", "pantompkins", "--annotator", "pt", "--json"]));
    let s = ok_json(&mlhc(&["signal", "score", rec, "--ref", "mlhc", "--test", "pt", "--json"]));
    assert_eq!((p["n_beats"].as_u64(), s["tp"].as_u64(), s["fn"].as_u64()), (Some(392), Some(391), Some(0)), "{s}");
}
