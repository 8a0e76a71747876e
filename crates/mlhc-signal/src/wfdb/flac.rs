//! FLAC-compressed signal files: WFDB formats 508, 516 and 524.
//!
//! A FLAC signal file is one FLAC stream holding every signal of the file, one FLAC channel per
//! signal in header order (so at most 8 signals, FLAC's channel limit), with 8, 16 or 24 bits per
//! sample for formats 508, 516 and 524. All signals of the file share one number of samples per
//! frame `k`: FLAC sample `t·k + i` of channel `j` is sample `i` of frame `t` of signal `j`. The
//! byte offset of a FLAC signal line counts FLAC samples to skip, not bytes. This is the layout
//! PhysioNet's WFDB library writes and wfdb-python's `rdrecord` reads; the stream is decoded by
//! the pure-Rust [`claxon`] decoder.

use super::format::SignalFormat;
use crate::error::{Error, Result};

/// The most channels a FLAC stream can hold.
pub const MAX_FLAC_CHANNELS: usize = 8;

/// Where to decode a FLAC signal file and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlacLayout {
    /// The file's format: [`SignalFormat::Flac8`], [`SignalFormat::Flac16`] or
    /// [`SignalFormat::Flac24`].
    pub format: SignalFormat,
    /// Signals stored in the file (FLAC channels), 1 to [`MAX_FLAC_CHANNELS`].
    pub n_signals: usize,
    /// Samples per frame, the same for every signal of the file.
    pub samples_per_frame: u32,
    /// FLAC samples to skip at the start of the stream (the signal line's byte offset).
    pub skip: u64,
    /// Stop after this many WFDB frames; `None` decodes the whole stream.
    pub max_frames: Option<u64>,
}

/// Samples reserved before decoding at most (4 MB of `i32`).
const MAX_RESERVE: u64 = 1 << 20;

fn flac_err(message: String) -> Error {
    Error::Flac { message }
}

/// Decodes a FLAC signal file into the sample stream an uncompressed signal file of the same
/// layout would hold: frame by frame, within a frame each signal's `samples_per_frame` samples in
/// header order. Only whole WFDB frames are returned.
///
/// Errors: a format other than 508/516/524, more than [`MAX_FLAC_CHANNELS`] signals, a stream that
/// is not FLAC, has another number of channels than signals, or more bits per sample than the
/// format allows, and any FLAC decoding error.
pub fn decode_flac(bytes: &[u8], layout: FlacLayout) -> Result<Vec<i32>> {
    let FlacLayout { format, n_signals, samples_per_frame, skip, max_frames } = layout;
    if !format.is_flac() {
        return Err(flac_err(format!("format {} is not a FLAC format", format.code())));
    }
    if n_signals == 0 || n_signals > MAX_FLAC_CHANNELS {
        return Err(flac_err(format!(
            "a FLAC signal file holds 1 to {MAX_FLAC_CHANNELS} signals, the header puts {n_signals} in it"
        )));
    }
    if samples_per_frame == 0 {
        return Err(flac_err("samples per frame must be at least 1".to_string()));
    }
    if bytes.len() < 4 || &bytes[..4] != b"fLaC" {
        return Err(flac_err("the signal file does not start with the FLAC signature \"fLaC\"".to_string()));
    }
    let mut reader = claxon::FlacReader::new(bytes).map_err(|e| flac_err(format!("stream header: {e}")))?;
    let info = reader.streaminfo();
    if info.channels as usize != n_signals {
        return Err(flac_err(format!("the stream has {} channels, the header {n_signals} signals", info.channels)));
    }
    if info.bits_per_sample > format.bits() {
        return Err(flac_err(format!(
            "the stream has {} bits per sample, format {} allows at most {}",
            info.bits_per_sample,
            format.code(),
            format.bits()
        )));
    }
    let spf = samples_per_frame as usize;
    let frame_len = spf * n_signals;
    // FLAC samples wanted after the skipped ones; the stream may hold fewer.
    let wanted = max_frames.map(|f| f.saturating_mul(u64::from(samples_per_frame)));
    // The stream's own sample count is a claim, not data: reserve at most 4 MB up front and let
    // the buffer grow with what actually decodes.
    let claimed = wanted.into_iter().chain(info.samples).min().unwrap_or(0);
    let capacity = claimed.saturating_mul(n_signals as u64).min(MAX_RESERVE) as usize;
    let mut out: Vec<i32> = Vec::with_capacity(capacity);
    let mut to_skip = skip;
    let mut taken: u64 = 0;
    let mut blocks = reader.blocks();
    let mut buffer = Vec::new();
    // One WFDB frame being assembled: `spf` FLAC samples of every channel.
    let mut frame = vec![0i32; frame_len];
    let mut in_frame = 0usize;
    'blocks: while wanted.is_none_or(|w| taken < w) {
        let block = match blocks.read_next_or_eof(buffer) {
            Ok(Some(block)) => block,
            Ok(None) => break,
            Err(e) => return Err(flac_err(format!("frame after {} samples: {e}", skip - to_skip + taken))),
        };
        if block.channels() as usize != n_signals {
            return Err(flac_err(format!("a FLAC frame has {} channels, expected {n_signals}", block.channels())));
        }
        let len = u64::from(block.duration());
        let start = to_skip.min(len);
        to_skip -= start;
        for t in start as usize..len as usize {
            if wanted.is_some_and(|w| taken >= w) {
                break 'blocks;
            }
            for j in 0..n_signals {
                frame[j * spf + in_frame] = block.sample(j as u32, t as u32);
            }
            in_frame += 1;
            taken += 1;
            if in_frame == spf {
                out.extend_from_slice(&frame);
                in_frame = 0;
            }
        }
        buffer = block.into_buffer();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(format: SignalFormat, n_signals: usize) -> FlacLayout {
        FlacLayout { format, n_signals, samples_per_frame: 1, skip: 0, max_frames: None }
    }

    #[test]
    fn nine_signals_are_an_error() {
        let err = decode_flac(b"fLaC", layout(SignalFormat::Flac16, 9)).unwrap_err();
        assert_eq!(err.to_string(), "flac: a FLAC signal file holds 1 to 8 signals, the header puts 9 in it");
    }

    #[test]
    fn a_file_that_is_not_flac_is_an_error() {
        let err = decode_flac(b"RIFF0000", layout(SignalFormat::Flac8, 1)).unwrap_err();
        assert_eq!(err.to_string(), "flac: the signal file does not start with the FLAC signature \"fLaC\"");
        let err = decode_flac(b"fLaC\x00", layout(SignalFormat::Flac8, 1)).unwrap_err();
        assert!(err.to_string().starts_with("flac: stream header:"), "{err}");
        let err = decode_flac(b"fLaC", layout(SignalFormat::Int16, 1)).unwrap_err();
        assert_eq!(err.to_string(), "flac: format 16 is not a FLAC format");
    }
}
