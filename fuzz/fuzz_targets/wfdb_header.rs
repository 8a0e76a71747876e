//! WFDB header text: parsing never panics, and a parsed header can be written back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlhc_signal::wfdb::Header;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(header) = Header::parse(&text) {
        let _ = header.to_text();
    }
});
