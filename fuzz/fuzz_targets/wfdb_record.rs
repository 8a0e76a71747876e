//! A whole single-segment record read from disk: the input is a header, a NUL byte, and the
//! bytes of every signal file the header names. A hostile header must give an error, never a
//! panic or an allocation the signal file does not back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlhc_signal::wfdb::{Header, Record};

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else { return };
    let text = String::from_utf8_lossy(&data[..split]);
    let Ok(header) = Header::parse(&text) else { return };
    if header.segments.is_some() {
        return;
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    for s in &header.signals {
        // Only plain file names inside the temporary folder.
        if s.file_name.is_empty() || s.file_name.contains(['/', '\\', '\0']) || s.file_name.starts_with('.') {
            return;
        }
        if std::fs::write(dir.path().join(&s.file_name), &data[split + 1..]).is_err() {
            return;
        }
    }
    if let Ok(rec) = Record::read_with_header(header, dir.path()) {
        for i in 0..rec.digital.len() {
            let _ = rec.physical(i);
        }
    }
});
