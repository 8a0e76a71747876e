//! MIT annotation files: parsing never panics; what parses can be encoded again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlhc_signal::wfdb::annotation::{encode_annotations, parse_annotations};

fuzz_target!(|data: &[u8]| {
    if let Ok(anns) = parse_annotations(data) {
        let _ = encode_annotations(&anns);
    }
});
