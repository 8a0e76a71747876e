//! Real PhysioNet records from testdata/physio (wfdb-python sample-data, MIT licence; records from
//! PhysioNet databases). Reference numbers are those wfdb-python 4.3.0 reports:
//! `wfdb.rdsamp("100")`, `wfdb.rdann("100", "atr")`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlhc_signal::wfdb::{read_annotations, Header, Record, SignalFormat};

fn physio(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/physio").join(name)
}

#[test]
fn mit_bih_100_signals() {
    let rec = Record::read(&physio("100")).unwrap();
    assert_eq!(rec.n_samples(), 650_000);
    assert_eq!(rec.digital.len(), 2);
    assert_eq!((rec.digital[0][0], rec.digital[1][0]), (995, 1011));
    let p0 = rec.physical(0);
    let p1 = rec.physical(1);
    assert_eq!((p0.values[0], p1.values[0]), (-0.145, -0.065));
    assert_eq!(p0.valid.count_set(), 650_000);
    // The header's checksums (-22131, 20052) hold for the samples read.
    for i in 0..2 {
        assert_eq!(Some(rec.checksum(i)), rec.header.signals[i].checksum);
    }
}

#[test]
fn mit_bih_100_annotations() {
    let atr = read_annotations(&physio("100.atr")).unwrap();
    assert_eq!(atr.len(), 2274);
    assert_eq!(atr.iter().filter(|a| a.code.is_beat()).count(), 2273);
    assert_eq!((atr[0].sample, atr[0].code.symbol(), atr[0].aux.as_slice()), (18, Some("+"), &b"(N\0"[..]));
    assert_eq!((atr[1].sample, atr[1].code.symbol()), (77, Some("N")));
    let count = |s: &str| atr.iter().filter(|a| a.code.symbol() == Some(s)).count();
    assert_eq!((count("N"), count("A"), count("V")), (2239, 33, 1));
    // 100.qrs opens with a note at sample 0 naming the detector (wfdb-python drops such notes).
    let qrs = read_annotations(&physio("100.qrs")).unwrap();
    assert_eq!((qrs.len(), qrs.iter().filter(|a| a.code.is_beat()).count()), (2274, 2273));
    assert_eq!((qrs[0].sample, qrs[0].code.symbol()), (0, Some("\"")));
}

#[test]
fn other_annotators() {
    assert_eq!(
        read_annotations(&physio("1003.atr")).unwrap().iter().filter(|a| a.code.symbol() == Some("N")).count(),
        957
    );
    assert_eq!(read_annotations(&physio("12726.wqrs")).unwrap().len(), 3653);
}

#[test]
fn format_80_and_16_records() {
    let rec = Record::read(&physio("3000003_0003")).unwrap();
    assert_eq!(rec.header.signals[0].format, SignalFormat::Offset8);
    assert_eq!(rec.n_samples(), 1028);
    for i in 0..2 {
        assert_eq!(Some(rec.checksum(i)), rec.header.signals[i].checksum);
        assert_eq!(rec.digital[i][0], rec.header.signals[i].init_value);
    }
    let rec = Record::read(&physio("test01_00s")).unwrap();
    assert_eq!((rec.n_samples(), rec.digital.len()), (4000, 4));
    for i in 0..4 {
        assert_eq!(Some(rec.checksum(i)), rec.header.signals[i].checksum);
        assert_eq!(rec.digital[i][0], rec.header.signals[i].init_value);
    }
}

#[test]
fn headers_of_every_sample_record_parse() {
    let h = Header::read(&physio("1003.hea")).unwrap();
    assert_eq!((h.signals[1].gain, h.signals[1].baseline, h.signals[1].units.as_str()), (12.08, -1307, "mmHg"));
    assert_eq!(h.signals[4].description, "Resp. Imp.");
    let h = Header::read(&physio("12726.hea")).unwrap();
    assert_eq!((h.fs, h.counter_freq, h.base_time.as_deref()), (250.0, 24000.0, Some("15:08:24")));
    let h = Header::read(&physio("p10143.hea")).unwrap();
    assert_eq!(h.signals[0].format, SignalFormat::Int16BigEndian);
    let h = Header::read(&physio("s0010_re.hea")).unwrap();
    assert_eq!((h.signals.len(), h.signals[14].file_name.as_str()), (15, "s0010_re.xyz"));
    let h = Header::read(&physio("v102s.hea")).unwrap();
    assert_eq!((h.signals[2].units.as_str(), h.signals[2].adc_res), ("NU", 12));
}

/// `wrann_fields.ann` was written by wfdb-python 4.3.0:
/// `wfdb.wrann("fields", "ann", [10, 500, 5000, 70000], symbol=["N", "V", "+", "A"],
/// subtype=[0, 3, 0, -2], chan=[0, 1, 1, 2], num=[0, 0, 5, 5], aux_note=["", "x", "(AFIB", ""])`.
/// mlhc reads every field and writes the same bytes back.
#[test]
fn annotation_fields_match_wfdb_python_byte_for_byte() {
    use mlhc_signal::wfdb::annotation::{encode_annotations, parse_annotations};
    let bytes = std::fs::read(physio("wrann_fields.ann")).unwrap();
    let anns = parse_annotations(&bytes).unwrap();
    let got: Vec<_> = anns
        .iter()
        .map(|a| {
            (a.sample, a.code.symbol().unwrap(), a.subtype, a.chan, a.num, String::from_utf8(a.aux.clone()).unwrap())
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (10, "N", 0, 0, 0, String::new()),
            (500, "V", 3, 1, 0, "x".to_string()),
            (5000, "+", 0, 1, 5, "(AFIB".to_string()),
            (70000, "A", -2, 2, 5, String::new()),
        ]
    );
    assert_eq!(encode_annotations(&anns).unwrap(), bytes);
}
