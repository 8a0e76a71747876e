//! QRS detection on MIT-BIH record 100 (lead MLII) scored against the cardiologists' 100.atr
//! beat labels with a 150 ms match window over the whole record.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlhc_signal::qrs::{Method, QrsDetector};
use mlhc_signal::score::score_annotations;
use mlhc_signal::wfdb::{read_annotations, AnnCode, Annotation, Record};

fn physio(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio").join(name)
}

#[test]
fn both_detectors_reach_995_on_record_100() {
    let rec = Record::read(&physio("100")).unwrap();
    let x = rec.physical(0).values;
    let atr = read_annotations(&physio("100.atr")).unwrap();
    for method in [Method::PanTompkins, Method::TwoAverages] {
        let beats = QrsDetector::new(method).detect(&x, rec.header.fs).unwrap();
        let test: Vec<Annotation> = beats.iter().map(|&b| Annotation::new(b as i64, AnnCode::NORMAL)).collect();
        let s = score_annotations(&atr, &test, rec.header.fs, 150.0, 0.0).unwrap();
        assert!(s.sensitivity.unwrap() >= 0.995 && s.ppv.unwrap() >= 0.995, "{method:?}: {s:?}");
        // Measured: every one of the 2,273 beats found, no false detection, for both methods.
        assert_eq!((s.tp, s.fp, s.fn_), (2273, 0, 0), "{method:?}");
    }
}
