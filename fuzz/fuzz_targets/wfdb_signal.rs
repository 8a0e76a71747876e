//! Signal decoders: the first byte picks the format (and, for FLAC, the next two the number of
//! signals and samples per frame); the rest is the signal file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlhc_signal::wfdb::flac::{decode_flac, FlacLayout};
use mlhc_signal::wfdb::format::{decode, encode, SignalFormat};

const CODES: [u32; 13] = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(format) = SignalFormat::from_code(CODES[pick as usize % CODES.len()]) else { return };
    if format.is_flac() {
        let (n_signals, spf, bytes) = match rest {
            [a, b, bytes @ ..] => (usize::from(a % 10), u32::from(b % 4), bytes),
            _ => return,
        };
        let layout = FlacLayout { format, n_signals, samples_per_frame: spf, skip: 0, max_frames: None };
        if let Ok(stream) = decode_flac(bytes, layout) {
            assert_eq!(stream.len() % (n_signals * spf as usize), 0);
        }
        return;
    }
    let n = format.samples_in(rest.len() as u64) as usize;
    let samples = decode(format, rest, n).expect("samples_in bytes hold that many samples");
    assert_eq!(samples.len(), n);
    if format != SignalFormat::Diff8 {
        // Every decoded value can be encoded again, and decodes to itself.
        let bytes = encode(format, &samples).expect("decoded values fit the format");
        assert_eq!(decode(format, &bytes, n).expect("re-encoded bytes decode"), samples);
    }
});
