//! WFDB signal formats: how digital samples are packed into bytes.
//!
//! The byte layouts follow PhysioNet's `signal(5)` manual page. Every decoder works on the whole
//! sample stream of one signal file (all signals of the file interleaved frame by frame), so a
//! packed block may hold samples of different signals, exactly as WFDB writes them.

use crate::error::{Error, Result};

/// A WFDB signal storage format (the number after the file name in a signal line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalFormat {
    /// 8: 8-bit first differences; each sample is the previous one plus a signed byte, starting
    /// from the signal's initial value.
    Diff8,
    /// 16: 16-bit two's complement, least significant byte first.
    Int16,
    /// 24: 24-bit two's complement, least significant byte first.
    Int24,
    /// 32: 32-bit two's complement, least significant byte first.
    Int32,
    /// 61: 16-bit two's complement, most significant byte first.
    Int16BigEndian,
    /// 80: 8-bit offset binary (stored byte minus 128).
    Offset8,
    /// 160: 16-bit offset binary (stored value minus 32768), least significant byte first.
    Offset16,
    /// 212: two 12-bit two's complement samples in three bytes; the middle byte holds the high
    /// nibbles (first sample's in its low four bits).
    Packed212,
    /// 310: three 10-bit samples in two little-endian 16-bit words: bits 1–10 of each word hold the
    /// first two samples, the top five bits of the words hold the third (low half in the first).
    Packed310,
    /// 311: three 10-bit samples in one little-endian 32-bit word at bits 0–9, 10–19 and 20–29.
    Packed311,
    /// 508: FLAC-compressed, 8 bits per sample (see [`super::flac`]).
    Flac8,
    /// 516: FLAC-compressed, 16 bits per sample (see [`super::flac`]).
    Flac16,
    /// 524: FLAC-compressed, 24 bits per sample (see [`super::flac`]).
    Flac24,
}

impl SignalFormat {
    /// The format for a header's format number.
    pub fn from_code(code: u32) -> Result<Self> {
        Ok(match code {
            8 => Self::Diff8,
            16 => Self::Int16,
            24 => Self::Int24,
            32 => Self::Int32,
            61 => Self::Int16BigEndian,
            80 => Self::Offset8,
            160 => Self::Offset16,
            212 => Self::Packed212,
            310 => Self::Packed310,
            311 => Self::Packed311,
            508 => Self::Flac8,
            516 => Self::Flac16,
            524 => Self::Flac24,
            format => return Err(Error::UnsupportedFormat { format }),
        })
    }

    /// The format number written in headers.
    pub fn code(self) -> u32 {
        match self {
            Self::Diff8 => 8,
            Self::Int16 => 16,
            Self::Int24 => 24,
            Self::Int32 => 32,
            Self::Int16BigEndian => 61,
            Self::Offset8 => 80,
            Self::Offset16 => 160,
            Self::Packed212 => 212,
            Self::Packed310 => 310,
            Self::Packed311 => 311,
            Self::Flac8 => 508,
            Self::Flac16 => 516,
            Self::Flac24 => 524,
        }
    }

    /// Whether samples are FLAC-compressed (formats 508, 516, 524): such files are decoded as a
    /// whole by [`super::flac::decode_flac`], not by [`decode`].
    pub fn is_flac(self) -> bool {
        matches!(self, Self::Flac8 | Self::Flac16 | Self::Flac24)
    }

    /// Bits per sample: the default ADC resolution when the header omits it or gives 0.
    pub fn bits(self) -> u32 {
        match self {
            Self::Diff8 | Self::Packed212 => 12,
            Self::Offset8 | Self::Flac8 => 8,
            Self::Int16 | Self::Int16BigEndian | Self::Offset16 | Self::Flac16 => 16,
            Self::Int24 | Self::Flac24 => 24,
            Self::Int32 => 32,
            Self::Packed310 | Self::Packed311 => 10,
        }
    }

    /// The digital value that marks an invalid (missing) sample, if the format reserves one:
    /// the most negative value it can store.
    pub fn invalid_value(self) -> Option<i32> {
        match self {
            Self::Diff8 => None,
            Self::Offset8 | Self::Flac8 => Some(-128),
            Self::Int16 | Self::Int16BigEndian | Self::Offset16 | Self::Flac16 => Some(-32768),
            Self::Int24 | Self::Flac24 => Some(-(1 << 23)),
            Self::Int32 => Some(i32::MIN),
            Self::Packed212 => Some(-2048),
            Self::Packed310 | Self::Packed311 => Some(-512),
        }
    }

    /// The range of digital values the format can store.
    pub fn range(self) -> (i32, i32) {
        match self {
            Self::Diff8 => (i32::MIN, i32::MAX),
            Self::Offset8 | Self::Flac8 => (-128, 127),
            Self::Int16 | Self::Int16BigEndian | Self::Offset16 | Self::Flac16 => (-32768, 32767),
            Self::Int24 | Self::Flac24 => (-(1 << 23), (1 << 23) - 1),
            Self::Int32 => (i32::MIN, i32::MAX),
            Self::Packed212 => (-2048, 2047),
            Self::Packed310 | Self::Packed311 => (-512, 511),
        }
    }

    /// Bytes needed to store `n` samples (whole packing blocks). For the FLAC formats, whose
    /// compressed size depends on the data, this is the size of the uncompressed samples.
    pub fn bytes_for(self, n: u64) -> u64 {
        match self {
            Self::Diff8 | Self::Offset8 | Self::Flac8 => n,
            Self::Int16 | Self::Int16BigEndian | Self::Offset16 | Self::Flac16 => n.saturating_mul(2),
            Self::Int24 | Self::Flac24 => n.saturating_mul(3),
            Self::Int32 => n.saturating_mul(4),
            Self::Packed212 => n.saturating_mul(3).div_ceil(2),
            Self::Packed310 | Self::Packed311 => n.div_ceil(3).saturating_mul(4),
        }
    }

    /// Whole samples that `bytes` bytes hold (for the FLAC formats: uncompressed bytes).
    pub fn samples_in(self, bytes: u64) -> u64 {
        match self {
            Self::Diff8 | Self::Offset8 | Self::Flac8 => bytes,
            Self::Int16 | Self::Int16BigEndian | Self::Offset16 | Self::Flac16 => bytes / 2,
            Self::Int24 | Self::Flac24 => bytes / 3,
            Self::Int32 => bytes / 4,
            Self::Packed212 => bytes / 3 * 2 + u64::from(bytes % 3 == 2),
            Self::Packed310 | Self::Packed311 => bytes / 4 * 3,
        }
    }
}

fn sign_extend(value: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((value << shift) as i32) >> shift
}

/// Decodes the first `n` samples of a byte stream. For [`SignalFormat::Diff8`] the values are the
/// raw signed differences; the caller accumulates them per signal. `bytes` must hold at least
/// `format.bytes_for(n)` bytes, except that a trailing partial 212 triple may be two bytes. The
/// FLAC formats are an error here: [`super::flac::decode_flac`] decodes them.
pub fn decode(format: SignalFormat, bytes: &[u8], n: usize) -> Result<Vec<i32>> {
    if format.is_flac() {
        return Err(Error::UnsupportedFormat { format: format.code() });
    }
    if (format.samples_in(bytes.len() as u64) as usize) < n {
        return Err(Error::InvalidParameter {
            name: "n",
            message: format!("{} bytes of format {} hold fewer than {n} samples", bytes.len(), format.code()),
        });
    }
    let mut out = Vec::with_capacity(n);
    match format {
        SignalFormat::Diff8 => out.extend(bytes[..n].iter().map(|&b| i32::from(b as i8))),
        SignalFormat::Offset8 => out.extend(bytes[..n].iter().map(|&b| i32::from(b) - 128)),
        SignalFormat::Int16 => {
            out.extend(bytes.chunks_exact(2).take(n).map(|c| i32::from(i16::from_le_bytes([c[0], c[1]]))))
        }
        SignalFormat::Int16BigEndian => {
            out.extend(bytes.chunks_exact(2).take(n).map(|c| i32::from(i16::from_be_bytes([c[0], c[1]]))))
        }
        SignalFormat::Offset16 => {
            out.extend(bytes.chunks_exact(2).take(n).map(|c| i32::from(u16::from_le_bytes([c[0], c[1]])) - 32768))
        }
        SignalFormat::Int24 => out.extend(
            bytes
                .chunks_exact(3)
                .take(n)
                .map(|c| sign_extend(u32::from(c[0]) | u32::from(c[1]) << 8 | u32::from(c[2]) << 16, 24)),
        ),
        SignalFormat::Int32 => {
            out.extend(bytes.chunks_exact(4).take(n).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        }
        SignalFormat::Packed212 => {
            let mut chunks = bytes.chunks(3);
            while out.len() < n {
                let Some(c) = chunks.next() else { break };
                out.push(sign_extend(u32::from(c[0]) | (u32::from(c[1]) & 0x0f) << 8, 12));
                if out.len() < n {
                    out.push(sign_extend(u32::from(c[2]) | (u32::from(c[1]) >> 4) << 8, 12));
                }
            }
        }
        SignalFormat::Packed310 => {
            for c in bytes.chunks_exact(4) {
                let w0 = u32::from(u16::from_le_bytes([c[0], c[1]]));
                let w1 = u32::from(u16::from_le_bytes([c[2], c[3]]));
                let third = (w0 >> 11) & 0x1f | ((w1 >> 11) & 0x1f) << 5;
                for v in [(w0 >> 1) & 0x3ff, (w1 >> 1) & 0x3ff, third] {
                    if out.len() < n {
                        out.push(sign_extend(v, 10));
                    }
                }
                if out.len() == n {
                    break;
                }
            }
        }
        SignalFormat::Packed311 => {
            for c in bytes.chunks_exact(4) {
                let w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                for v in [w & 0x3ff, (w >> 10) & 0x3ff, (w >> 20) & 0x3ff] {
                    if out.len() < n {
                        out.push(sign_extend(v, 10));
                    }
                }
                if out.len() == n {
                    break;
                }
            }
        }
        // Rejected above.
        SignalFormat::Flac8 | SignalFormat::Flac16 | SignalFormat::Flac24 => {}
    }
    Ok(out)
}

/// Encodes samples into bytes. Values outside [`SignalFormat::range`] are an error; for
/// [`SignalFormat::Diff8`] the values are the signed differences (each in -128..=127). Writing
/// the FLAC formats is not supported (an [`Error::UnsupportedFormat`]).
pub fn encode(format: SignalFormat, samples: &[i32]) -> Result<Vec<u8>> {
    if format.is_flac() {
        return Err(Error::UnsupportedFormat { format: format.code() });
    }
    let (lo, hi) = if format == SignalFormat::Diff8 { (-128, 127) } else { format.range() };
    if let Some(index) = samples.iter().position(|v| *v < lo || *v > hi) {
        return Err(Error::InvalidParameter {
            name: "samples",
            message: format!("sample {index} = {} does not fit format {}", samples[index], format.code()),
        });
    }
    let mut out = Vec::with_capacity(format.bytes_for(samples.len() as u64) as usize);
    match format {
        SignalFormat::Diff8 => out.extend(samples.iter().map(|&v| v as i8 as u8)),
        SignalFormat::Offset8 => out.extend(samples.iter().map(|&v| (v + 128) as u8)),
        SignalFormat::Int16 => samples.iter().for_each(|&v| out.extend((v as i16).to_le_bytes())),
        SignalFormat::Int16BigEndian => samples.iter().for_each(|&v| out.extend((v as i16).to_be_bytes())),
        SignalFormat::Offset16 => samples.iter().for_each(|&v| out.extend(((v + 32768) as u16).to_le_bytes())),
        SignalFormat::Int24 => samples.iter().for_each(|&v| out.extend(&v.to_le_bytes()[..3])),
        SignalFormat::Int32 => samples.iter().for_each(|&v| out.extend(v.to_le_bytes())),
        SignalFormat::Packed212 => {
            for pair in samples.chunks(2) {
                let a = pair[0] as u32 & 0xfff;
                let b = pair.get(1).map_or(0, |&v| v as u32 & 0xfff);
                out.push(a as u8);
                out.push(((a >> 8) | (b >> 8) << 4) as u8);
                if pair.len() == 2 {
                    out.push(b as u8);
                }
            }
        }
        SignalFormat::Packed310 => {
            for t in samples.chunks(3) {
                let s = |i: usize| t.get(i).map_or(0, |&v| v as u32 & 0x3ff);
                let w0 = (s(0) << 1) | (s(2) & 0x1f) << 11;
                let w1 = (s(1) << 1) | (s(2) >> 5) << 11;
                out.extend((w0 as u16).to_le_bytes());
                out.extend((w1 as u16).to_le_bytes());
            }
        }
        SignalFormat::Packed311 => {
            for t in samples.chunks(3) {
                let s = |i: usize| t.get(i).map_or(0, |&v| v as u32 & 0x3ff);
                out.extend((s(0) | s(1) << 10 | s(2) << 20).to_le_bytes());
            }
        }
        // Rejected above.
        SignalFormat::Flac8 | SignalFormat::Flac16 | SignalFormat::Flac24 => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_212_matches_the_signal_5_layout() {
        // signal(5): 0x0123 and 0x0456 are stored as 0x23, 0x41, 0x56.
        assert_eq!(encode(SignalFormat::Packed212, &[0x123, 0x456]).unwrap(), vec![0x23, 0x41, 0x56]);
        assert_eq!(decode(SignalFormat::Packed212, &[0x23, 0x41, 0x56], 2).unwrap(), vec![0x123, 0x456]);
        assert_eq!(decode(SignalFormat::Packed212, &[0xff, 0x0f, 0x00], 2).unwrap(), vec![-1, 0]);
    }

    #[test]
    fn format_310_and_311_place_bits_as_documented() {
        // 311: samples 1, 2, 3 -> word 1 | 2 << 10 | 3 << 20.
        let w: u32 = 1 | 2 << 10 | 3 << 20;
        assert_eq!(encode(SignalFormat::Packed311, &[1, 2, 3]).unwrap(), w.to_le_bytes().to_vec());
        // 310: -1 in every slot sets bits 1..=15 of both words.
        assert_eq!(encode(SignalFormat::Packed310, &[-1, -1, -1]).unwrap(), vec![0xfe, 0xff, 0xfe, 0xff]);
        assert_eq!(decode(SignalFormat::Packed310, &[0xfe, 0xff, 0xfe, 0xff], 3).unwrap(), vec![-1, -1, -1]);
    }

    #[test]
    fn short_input_is_an_error() {
        assert!(decode(SignalFormat::Int16, &[1, 2, 3], 2).is_err());
        assert!(encode(SignalFormat::Packed212, &[2048]).is_err());
    }
}
