//! WFDB annotation files in the MIT format (PhysioNet's `annot(5)`/`wfdbcal` conventions).
//!
//! Each annotation is a little-endian 16-bit word: the top 6 bits are the annotation code, the
//! low 10 bits the time since the previous annotation. Codes 59–63 are pseudo-annotations:
//! `SKIP` (59) precedes an annotation whose interval needs 32 bits (two 16-bit words, high word
//! first); `NUM` (60), `SUB` (61), `CHN` (62) and `AUX` (63) follow the annotation they modify.
//! `num` and `chan` carry over from the previous annotation when not written; `subtype` and `aux`
//! default to 0 and empty. A zero word ends the file.

use std::path::Path;

use crate::error::{io_err, Error, Result};

const SKIP: u16 = 59;
const NUM: u16 = 60;
const SUB: u16 = 61;
const CHN: u16 = 62;
const AUX: u16 = 63;

/// An annotation code (0–49; WFDB's `anntyp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnnCode(pub u8);

/// The standard WFDB code table (`ecgcodes.h`): code → mnemonic symbol; `None` for unassigned codes.
const SYMBOLS: [Option<&str>; 42] = [
    None,
    Some("N"),
    Some("L"),
    Some("R"),
    Some("a"),
    Some("V"),
    Some("F"),
    Some("J"),
    Some("A"),
    Some("S"),
    Some("E"),
    Some("j"),
    Some("/"),
    Some("Q"),
    Some("~"),
    None,
    Some("|"),
    None,
    Some("s"),
    Some("T"),
    Some("*"),
    Some("D"),
    Some("\""),
    Some("="),
    Some("p"),
    Some("B"),
    Some("^"),
    Some("t"),
    Some("+"),
    Some("u"),
    Some("?"),
    Some("!"),
    Some("["),
    Some("]"),
    Some("e"),
    Some("n"),
    Some("@"),
    Some("x"),
    Some("f"),
    Some("("),
    Some(")"),
    Some("r"),
];

impl AnnCode {
    /// Normal beat (`N`).
    pub const NORMAL: AnnCode = AnnCode(1);
    /// Rhythm change (`+`).
    pub const RHYTHM: AnnCode = AnnCode(28);
    /// Comment (`"`), which carries its text in `aux`.
    pub const NOTE: AnnCode = AnnCode(22);

    /// The mnemonic symbol of a standard code (`N`, `V`, `+`, …).
    pub fn symbol(self) -> Option<&'static str> {
        SYMBOLS.get(usize::from(self.0)).copied().flatten()
    }

    /// The code of a standard mnemonic symbol.
    pub fn from_symbol(symbol: &str) -> Option<AnnCode> {
        SYMBOLS.iter().position(|s| *s == Some(symbol)).map(|i| AnnCode(i as u8))
    }

    /// Whether the code labels a beat (WFDB's `isqrs`: N L R a V F J A S E j / Q B ? e n f r).
    pub fn is_beat(self) -> bool {
        matches!(self.0, 1..=13 | 25 | 30 | 34 | 35 | 38 | 41)
    }
}

/// One annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Sample number (frame index) from the start of the record.
    pub sample: i64,
    /// The annotation code.
    pub code: AnnCode,
    /// Subtype (WFDB `subtyp`, a signed byte). By default, 0.
    pub subtype: i8,
    /// Signal number (WFDB `chan`, an unsigned byte). By default, the previous annotation's.
    pub chan: u8,
    /// Annotator number (WFDB `num`, a signed byte). By default, the previous annotation's.
    pub num: i8,
    /// Auxiliary bytes (text for rhythm labels and notes, at most 255 bytes). By default, empty.
    pub aux: Vec<u8>,
}

impl Annotation {
    /// An annotation with default subtype, chan, num and no aux.
    pub fn new(sample: i64, code: AnnCode) -> Self {
        Annotation { sample, code, subtype: 0, chan: 0, num: 0, aux: Vec::new() }
    }
}

fn aerr(offset: usize, message: String) -> Error {
    Error::Annotation { offset, message }
}

/// Parses an MIT-format annotation file.
///
/// Annotations whose code is 0 with a non-zero interval (WFDB's `NOTQRS` placeholders) are kept.
/// A missing end-of-file word is accepted; a truncated `SKIP` or `AUX` payload is an error.
pub fn parse_annotations(bytes: &[u8]) -> Result<Vec<Annotation>> {
    let mut out: Vec<Annotation> = Vec::new();
    let word = |i: usize| -> Option<u16> { bytes.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]])) };
    let mut i = 0usize;
    let mut time: i64 = 0;
    let (mut chan, mut num) = (0u8, 0i8);
    let mut pending_skip: i64 = 0;
    while let Some(w) = word(i) {
        let code = w >> 10;
        let data = w & 0x3ff;
        match code {
            0 if data == 0 => break,
            SKIP => {
                let (Some(hi), Some(lo)) = (word(i + 2), word(i + 4)) else {
                    return Err(aerr(i, "SKIP without its 32-bit interval".to_string()));
                };
                pending_skip += i64::from((u32::from(hi) << 16 | u32::from(lo)) as i32);
                i += 6;
                continue;
            }
            NUM | SUB | CHN | AUX => {
                let Some(last) = out.last_mut() else {
                    return Err(aerr(i, format!("modifier code {code} before any annotation")));
                };
                match code {
                    NUM => {
                        num = data as u8 as i8;
                        last.num = num;
                    }
                    SUB => last.subtype = data as u8 as i8,
                    CHN => {
                        chan = data as u8;
                        last.chan = chan;
                    }
                    _ => {
                        let len = usize::from(data & 0xff);
                        let text = bytes.get(i + 2..i + 2 + len).ok_or_else(|| {
                            aerr(i, format!("aux string of {len} bytes runs past the end of the file"))
                        })?;
                        last.aux = text.to_vec();
                        i += len.div_ceil(2) * 2;
                    }
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        time = time
            .checked_add(pending_skip + i64::from(data))
            .ok_or_else(|| aerr(i, "annotation time overflows".to_string()))?;
        pending_skip = 0;
        out.push(Annotation { sample: time, code: AnnCode(code as u8), subtype: 0, chan, num, aux: Vec::new() });
        i += 2;
    }
    Ok(out)
}

/// Reads an annotation file (`RECORD.EXT`).
pub fn read_annotations(path: &Path) -> Result<Vec<Annotation>> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    parse_annotations(&bytes)
}

/// Encodes annotations in the MIT format. Samples must be non-decreasing and non-negative, codes
/// 1–49 (or 0 with a positive interval), aux at most 255 bytes.
pub fn encode_annotations(anns: &[Annotation]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(anns.len() * 2 + 2);
    let put = |out: &mut Vec<u8>, code: u16, data: u16| out.extend((code << 10 | (data & 0x3ff)).to_le_bytes());
    let (mut prev, mut chan, mut num) = (0i64, 0u8, 0i8);
    for (index, a) in anns.iter().enumerate() {
        let werr = |message: String| Error::AnnotationWrite { index, message };
        if a.code.0 > 49 {
            return Err(werr(format!("code {} is reserved for pseudo-annotations", a.code.0)));
        }
        let delta = a.sample - prev;
        if a.sample < 0 || delta < 0 {
            return Err(werr(format!("sample {} is negative or before the previous {prev}", a.sample)));
        }
        if a.aux.len() > 255 {
            return Err(werr(format!("aux has {} bytes, at most 255 fit", a.aux.len())));
        }
        if a.code.0 == 0 && delta == 0 {
            return Err(werr("code 0 at the previous annotation's time would read as end of file".to_string()));
        }
        if delta > 1023 {
            let d = i32::try_from(delta).map_err(|_| werr(format!("interval {delta} exceeds 32 bits")))? as u32;
            put(&mut out, SKIP, 0);
            out.extend(((d >> 16) as u16).to_le_bytes());
            out.extend((d as u16).to_le_bytes());
            put(&mut out, u16::from(a.code.0), 0);
        } else {
            put(&mut out, u16::from(a.code.0), delta as u16);
        }
        prev = a.sample;
        if a.subtype != 0 {
            put(&mut out, SUB, u16::from(a.subtype as u8));
        }
        if a.chan != chan {
            chan = a.chan;
            put(&mut out, CHN, u16::from(chan));
        }
        if a.num != num {
            num = a.num;
            put(&mut out, NUM, u16::from(num as u8));
        }
        if !a.aux.is_empty() {
            put(&mut out, AUX, a.aux.len() as u16);
            out.extend(&a.aux);
            if a.aux.len() % 2 == 1 {
                out.push(0);
            }
        }
    }
    out.extend([0, 0]);
    Ok(out)
}

/// Writes annotations to `path` in the MIT format.
pub fn write_annotations(path: &Path, anns: &[Annotation]) -> Result<()> {
    let bytes = encode_annotations(anns)?;
    std::fs::write(path, bytes).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_and_beats() {
        assert_eq!(AnnCode::from_symbol("V"), Some(AnnCode(5)));
        assert_eq!(AnnCode(28).symbol(), Some("+"));
        assert!(AnnCode(1).is_beat() && AnnCode(30).is_beat() && !AnnCode(28).is_beat() && !AnnCode(14).is_beat());
    }

    #[test]
    fn all_fields_round_trip() {
        let mut anns = vec![
            Annotation::new(0, AnnCode::RHYTHM),
            Annotation::new(5, AnnCode::NORMAL),
            Annotation::new(100_000, AnnCode(5)),
            Annotation::new(100_000, AnnCode(1)),
            Annotation::new(2_000_000_000, AnnCode(8)),
        ];
        anns[0].aux = b"(N".to_vec();
        anns[1].subtype = -3;
        anns[1].chan = 1;
        anns[2].num = -7;
        anns[2].chan = 1;
        anns[3].aux = b"odd".to_vec();
        anns[3].chan = 1;
        anns[4].num = -7;
        anns[4].chan = 1;
        let bytes = encode_annotations(&anns).unwrap();
        assert_eq!(parse_annotations(&bytes).unwrap(), anns);
    }

    #[test]
    fn bad_bytes_are_errors() {
        // SKIP with one word of its interval.
        let e = parse_annotations(&[0, 59 << 2, 1, 0]).unwrap_err().to_string();
        assert!(e.contains("SKIP"), "{e}");
        // AUX claiming 9 bytes with 2 present.
        let e = parse_annotations(&[5, 1 << 2, 9, 63 << 2, b'a', b'b']).unwrap_err().to_string();
        assert!(e.contains("aux string of 9 bytes"), "{e}");
        // A modifier before any annotation.
        let e = parse_annotations(&[3, 61 << 2]).unwrap_err().to_string();
        assert!(e.contains("before any annotation"), "{e}");
        let e = encode_annotations(&[Annotation::new(5, AnnCode(1)), Annotation::new(4, AnnCode(1))]).unwrap_err();
        assert!(e.to_string().contains("before the previous"), "{e}");
    }
}
