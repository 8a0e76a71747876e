//! Hostile and random input: parsers return errors, never panic, and never allocate from a
//! header's claims before the data is there (proptest on stable; the coverage-guided cargo-fuzz
//! targets in the repository's `fuzz/` folder need nightly, see bench/signals/README.md).
//!
//! A longer fuzzing session: `MLHC_FUZZ_CASES=200000 cargo test --release -p mlhc-signal --test
//! hostile_input` (by default 2,000 cases per in-memory parser and 150 per test that writes files).

#![allow(clippy::unwrap_used)]

use mlhc_signal::wfdb::annotation::{encode_annotations, parse_annotations};
use mlhc_signal::wfdb::format::{decode, encode};
use mlhc_signal::wfdb::{AnnCode, Annotation, Header, Record, SignalFormat, SignalSpec};
use proptest::prelude::*;

const FORMATS: [SignalFormat; 10] = [
    SignalFormat::Diff8,
    SignalFormat::Int16,
    SignalFormat::Int24,
    SignalFormat::Int32,
    SignalFormat::Int16BigEndian,
    SignalFormat::Offset8,
    SignalFormat::Offset16,
    SignalFormat::Packed212,
    SignalFormat::Packed310,
    SignalFormat::Packed311,
];

/// Cases per property: `MLHC_FUZZ_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("MLHC_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Header-like text built from tokens that exercise every field parser.
fn header_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("r".to_string()),
        Just("r/3".to_string()),
        Just("r.dat".to_string()),
        Just("~".to_string()),
        Just("#".to_string()),
        Just("\n".to_string()),
        Just("212x4:3+9".to_string()),
        Just("16x".to_string()),
        Just("200(3)/mV".to_string()),
        Just("(".to_string()),
        Just("/".to_string()),
        Just("360/1000(5)".to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<u32>().prop_map(|v| v.to_string()),
        "[ -~]{0,6}",
    ];
    proptest::collection::vec(token, 0..30).prop_map(|t| t.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2000), rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::default() })]

    #[test]
    fn header_parser_never_panics(text in header_text()) {
        let _ = Header::parse(&text);
    }

    #[test]
    fn header_parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Header::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn annotation_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(anns) = parse_annotations(&bytes) {
            // Whatever parses has monotone times unless a SKIP went backwards, and re-encodes when monotone.
            if anns.windows(2).all(|w| w[0].sample <= w[1].sample) && anns.iter().all(|a| a.sample >= 0 && a.code.0 <= 49) {
                let _ = encode_annotations(&anns);
            }
        }
    }

    #[test]
    fn edf_parser_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 0..1200), ns in 0usize..4, spr in 0usize..9) {
        // Mostly well-formed headers with random bodies, so the parser gets past the first checks.
        if bytes.len() >= 256 {
            let put = |b: &mut Vec<u8>, at: usize, s: String| b[at..at + s.len()].copy_from_slice(s.as_bytes());
            put(&mut bytes, 184, format!("{:<8}", 256 * (ns + 1)));
            put(&mut bytes, 236, format!("{:<8}", 2));
            put(&mut bytes, 244, format!("{:<8}", 1));
            put(&mut bytes, 252, format!("{:<4}", ns));
            for i in 0..ns {
                let at = 256 + ns * 216 + 8 * i;
                if bytes.len() >= at + 8 {
                    put(&mut bytes, at, format!("{:<8}", spr));
                }
            }
        }
        let _ = mlhc_signal::edf::Edf::parse(&bytes);
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64), f in 0usize..10, n in 0usize..64) {
        let _ = decode(FORMATS[f], &bytes, n);
    }

    #[test]
    fn samples_round_trip_through_every_format(f in 0usize..10, raw in proptest::collection::vec(any::<i32>(), 0..50)) {
        let format = FORMATS[f];
        let (lo, hi) = if format == SignalFormat::Diff8 { (-128, 127) } else { format.range() };
        let span = i64::from(hi) - i64::from(lo) + 1;
        let v: Vec<i32> = raw.iter().map(|x| (i64::from(lo) + (i64::from(*x) - i64::from(i32::MIN)) % span) as i32).collect();
        let bytes = encode(format, &v).unwrap();
        prop_assert_eq!(decode(format, &bytes, v.len()).unwrap(), v);
    }

    #[test]
    fn annotations_round_trip(
        gaps in proptest::collection::vec(0i64..5000, 1..40),
        codes in proptest::collection::vec(1u8..50, 40),
        chans in proptest::collection::vec(0u8..4, 40),
        nums in proptest::collection::vec(-2i8..3, 40),
        subs in proptest::collection::vec(-3i8..4, 40),
        aux in proptest::collection::vec("[a-zA-Z(]{0,7}", 40),
    ) {
        let mut t = 0;
        let anns: Vec<Annotation> = gaps.iter().enumerate().map(|(i, g)| {
            t += g;
            Annotation { sample: t, code: AnnCode(codes[i]), subtype: subs[i], chan: chans[i], num: nums[i], aux: aux[i].clone().into_bytes() }
        }).collect();
        prop_assert_eq!(parse_annotations(&encode_annotations(&anns).unwrap()).unwrap(), anns);
    }

}

proptest! {
    // File-system cases are slower; fewer of them.
    #![proptest_config(ProptestConfig { cases: cases(150), rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::default() })]

    #[test]
    fn records_round_trip(
        n_frames in 1usize..40,
        layout in proptest::collection::vec((0usize..10, 1u32..4, 0u32..3, 0usize..2), 1..4),
        offset in 0u64..9,
        seed in any::<u64>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = mlhc_core::Rng::seed_from_u64(seed);
        let mut signals = Vec::new();
        let mut digital = Vec::new();
        for (i, &(f, spf, skew, file)) in layout.iter().enumerate() {
            // Signals sharing a file share its format and byte offset.
            let format = if file == 0 { FORMATS[layout[0].0] } else { FORMATS[f] };
            let format = if format == SignalFormat::Diff8 { SignalFormat::Int16 } else { format };
            let fname = if file == 0 { "a.dat" } else { "b.dat" };
            let first_in_file = layout[..i].iter().all(|l| l.3 != file);
            let format = if first_in_file { format } else { signals.iter().find(|s: &&SignalSpec| s.file_name == fname).unwrap().format };
            let (lo, hi) = format.range();
            let (lo, hi) = (i64::from(lo.max(-5000)), i64::from(hi.min(5000)));
            digital.push((0..n_frames * spf as usize).map(|_| (lo + rng.below((hi - lo) as u64) as i64) as i32).collect::<Vec<_>>());
            signals.push(SignalSpec {
                file_name: fname.to_string(), format, samples_per_frame: spf, skew,
                byte_offset: if first_in_file { offset } else { signals.iter().find(|s: &&SignalSpec| s.file_name == fname).unwrap().byte_offset },
                gain: 100.0, baseline: 0, units: "mV".into(), adc_res: format.bits(), adc_zero: 0, init_value: 0,
                checksum: None, block_size: 0, description: format!("s{i}"),
            });
        }
        let header = Header {
            name: "r".into(), n_signals: signals.len(), fs: 250.0, counter_freq: 250.0, base_counter: 0.0,
            n_samples: Some(n_frames as u64), base_time: None, base_date: None, signals, segments: None, comments: vec![],
        };
        let rec = Record { header, digital };
        rec.write(&dir.path().join("r")).unwrap();
        let back = Record::read(&dir.path().join("r")).unwrap();
        prop_assert_eq!(back.digital, rec.digital);
    }

    #[test]
    fn random_headers_with_random_data_never_panic(text in header_text(), data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.hea"), &text).unwrap();
        std::fs::write(dir.path().join("r.dat"), &data).unwrap();
        let _ = Record::read(&dir.path().join("r"));
    }
}

#[test]
fn a_header_claiming_huge_sizes_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        ("r 1 250 4000000000000\nr.dat 212x65536\n", "signal file holds"),
        ("r 65536 250 10\n", "promises 65536 signals"),
        ("r 1 250 10\nr.dat 16x70000\n", "samples per frame"),
        ("r 1 250 10\nr.dat 16+18446744073709551615\n", "signal file holds"),
        ("r 2 250 10\nr.dat 16\nr.dat 212\n", "format 212, the file has 16"),
    ] {
        std::fs::write(dir.path().join("r.hea"), text).unwrap();
        std::fs::write(dir.path().join("r.dat"), [0u8; 64]).unwrap();
        let err = Record::read(&dir.path().join("r")).unwrap_err().to_string();
        assert!(err.contains(want), "{text:?}: {err}");
    }
}
