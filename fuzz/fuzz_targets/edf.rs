//! EDF, EDF+ and BDF files: header and data records, annotations, physical values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlhc_signal::edf::Edf;

fuzz_target!(|data: &[u8]| {
    if let Ok(edf) = Edf::parse(data) {
        for i in 0..edf.signals.len() {
            let _ = edf.fs(i);
            let _ = edf.physical(i);
        }
    }
});
