//! EDF, EDF+ and BDF files (Kemp et al. 1992; Kemp & Olivan 2003; BioSemi's 24-bit variant):
//! a fixed-width ASCII header, then data records holding each signal's samples in turn.
//! EDF+ annotations ("EDF Annotations" signals of time-stamped annotation lists) are decoded;
//! the time-keeping entry that opens each record gives the record's start.

use std::path::Path;

use crate::error::{io_err, Error, Result};

/// One signal's header fields.
#[derive(Debug, Clone, PartialEq)]
pub struct EdfSignal {
    /// The label (`EDF Annotations` for annotation channels).
    pub label: String,
    /// Transducer type.
    pub transducer: String,
    /// Physical dimension (units).
    pub dimension: String,
    /// Physical value of `digital_min`.
    pub physical_min: f64,
    /// Physical value of `digital_max`.
    pub physical_max: f64,
    /// Smallest digital value.
    pub digital_min: i32,
    /// Largest digital value.
    pub digital_max: i32,
    /// Prefiltering text.
    pub prefilter: String,
    /// Samples per data record.
    pub samples_per_record: usize,
}

impl EdfSignal {
    /// Whether this is an EDF+/BDF+ annotation channel.
    pub fn is_annotation(&self) -> bool {
        self.label == "EDF Annotations" || self.label == "BDF Annotations"
    }
}

/// An annotation from an EDF+ annotation channel.
#[derive(Debug, Clone, PartialEq)]
pub struct EdfAnnotation {
    /// Seconds from the file's start (the first record's time-keeping entry is subtracted).
    pub onset_s: f64,
    /// Duration in seconds, when given.
    pub duration_s: Option<f64>,
    /// The annotation text.
    pub text: String,
}

/// A whole EDF/EDF+/BDF file in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Edf {
    /// Whether samples are 24-bit (BDF) rather than 16-bit (EDF).
    pub bdf: bool,
    /// The patient identification field.
    pub patient: String,
    /// The recording identification field.
    pub recording: String,
    /// Start date as written (`dd.mm.yy`).
    pub start_date: String,
    /// Start time as written (`hh.mm.ss`).
    pub start_time: String,
    /// Sub-second start offset from the first record's time-keeping annotation (EDF+), seconds.
    pub start_offset_s: f64,
    /// The reserved field (`EDF+C`, `EDF+D`, `24BIT`, …).
    pub reserved: String,
    /// Number of data records.
    pub n_records: usize,
    /// Duration of one data record in seconds.
    pub record_duration_s: f64,
    /// Signal headers, annotation channels included.
    pub signals: Vec<EdfSignal>,
    /// Digital samples of each signal (empty for annotation channels).
    pub digital: Vec<Vec<i32>>,
    /// EDF+ annotations, in file order, without the time-keeping entries.
    pub annotations: Vec<EdfAnnotation>,
}

fn eerr(message: String) -> Error {
    Error::Edf { message }
}

fn field(bytes: &[u8], at: &mut usize, len: usize, what: &str) -> Result<String> {
    let end = *at + len;
    let b = bytes.get(*at..end).ok_or_else(|| eerr(format!("file ends inside the header field {what}")))?;
    *at = end;
    Ok(String::from_utf8_lossy(b).trim().to_string())
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.trim().parse::<T>().map_err(|_| eerr(format!("invalid {what} {s:?}")))
}

impl Edf {
    /// Reads a file.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(io_err(path))?;
        Self::parse(&bytes)
    }

    /// Parses a whole file.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 256 {
            return Err(eerr(format!("{} bytes cannot hold the 256-byte header", bytes.len())));
        }
        let bdf = bytes[0] == 0xff;
        let mut at = 8;
        let patient = field(bytes, &mut at, 80, "patient")?;
        let recording = field(bytes, &mut at, 80, "recording")?;
        let start_date = field(bytes, &mut at, 8, "start date")?;
        let start_time = field(bytes, &mut at, 8, "start time")?;
        let header_bytes: usize = num(&field(bytes, &mut at, 8, "header size")?, "header size")?;
        let reserved = field(bytes, &mut at, 44, "reserved")?;
        let n_records: i64 = num(&field(bytes, &mut at, 8, "record count")?, "record count")?;
        let record_duration_s: f64 = num(&field(bytes, &mut at, 8, "record duration")?, "record duration")?;
        let ns: usize = num(&field(bytes, &mut at, 4, "signal count")?, "signal count")?;
        if header_bytes != 256 * (ns + 1) {
            return Err(eerr(format!("header size {header_bytes} does not match {ns} signals")));
        }
        if bytes.len() < header_bytes {
            return Err(eerr(format!("file of {} bytes ends inside its {header_bytes}-byte header", bytes.len())));
        }
        if !(record_duration_s.is_finite() && record_duration_s >= 0.0) {
            return Err(eerr(format!("invalid record duration {record_duration_s}")));
        }
        let mut cols: Vec<Vec<String>> = Vec::with_capacity(10);
        for (len, what) in [
            (16, "label"),
            (80, "transducer"),
            (8, "dimension"),
            (8, "physical minimum"),
            (8, "physical maximum"),
            (8, "digital minimum"),
            (8, "digital maximum"),
            (80, "prefilter"),
            (8, "samples per record"),
            (32, "reserved"),
        ] {
            cols.push((0..ns).map(|_| field(bytes, &mut at, len, what)).collect::<Result<_>>()?);
        }
        let signals = (0..ns)
            .map(|i| {
                Ok(EdfSignal {
                    label: cols[0][i].clone(),
                    transducer: cols[1][i].clone(),
                    dimension: cols[2][i].clone(),
                    physical_min: num(&cols[3][i], "physical minimum")?,
                    physical_max: num(&cols[4][i], "physical maximum")?,
                    digital_min: num(&cols[5][i], "digital minimum")?,
                    digital_max: num(&cols[6][i], "digital maximum")?,
                    prefilter: cols[7][i].clone(),
                    samples_per_record: num(&cols[8][i], "samples per record")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some(s) = signals.iter().find(|s| !s.is_annotation() && s.digital_min >= s.digital_max) {
            return Err(eerr(format!(
                "signal {:?} has digital minimum {} not below maximum {}",
                s.label, s.digital_min, s.digital_max
            )));
        }
        let width = if bdf { 3 } else { 2 };
        let record_bytes: usize = signals
            .iter()
            .map(|s| s.samples_per_record)
            .try_fold(0usize, |a, b| a.checked_add(b))
            .and_then(|n| n.checked_mul(width))
            .ok_or_else(|| eerr("record size overflows".to_string()))?;
        let data = &bytes[header_bytes..];
        // -1 means "unknown": take every whole record present.
        let n_records = if n_records < 0 { data.len() / record_bytes.max(1) } else { n_records as usize };
        let needed = n_records.checked_mul(record_bytes).ok_or_else(|| eerr("data size overflows".to_string()))?;
        if data.len() < needed {
            return Err(eerr(format!("{} data bytes, the header needs {needed}", data.len())));
        }
        let mut digital: Vec<Vec<i32>> = signals
            .iter()
            .map(|s| if s.is_annotation() { Vec::new() } else { Vec::with_capacity(s.samples_per_record * n_records) })
            .collect();
        let mut annotations = Vec::new();
        let mut start_offset_s = 0.0;
        let mut pos = 0;
        for r in 0..n_records {
            let mut first_tal_of_record = true;
            for (s, sig) in signals.iter().enumerate() {
                let chunk = &data[pos..pos + sig.samples_per_record * width];
                pos += chunk.len();
                if sig.is_annotation() {
                    for (onset, duration, texts) in parse_tals(chunk)? {
                        if first_tal_of_record && texts.first().is_some_and(|t| t.is_empty()) {
                            if r == 0 {
                                start_offset_s = onset;
                            }
                            first_tal_of_record = false;
                            for t in texts.into_iter().skip(1).filter(|t| !t.is_empty()) {
                                annotations.push(EdfAnnotation { onset_s: onset, duration_s: duration, text: t });
                            }
                            continue;
                        }
                        for t in texts.into_iter().filter(|t| !t.is_empty()) {
                            annotations.push(EdfAnnotation { onset_s: onset, duration_s: duration, text: t });
                        }
                    }
                } else if bdf {
                    digital[s].extend(chunk.chunks_exact(3).map(|c| {
                        let v = u32::from(c[0]) | u32::from(c[1]) << 8 | u32::from(c[2]) << 16;
                        ((v << 8) as i32) >> 8
                    }));
                } else {
                    digital[s].extend(chunk.chunks_exact(2).map(|c| i32::from(i16::from_le_bytes([c[0], c[1]]))));
                }
            }
        }
        for a in &mut annotations {
            a.onset_s -= start_offset_s;
        }
        Ok(Edf {
            bdf,
            patient,
            recording,
            start_date,
            start_time,
            start_offset_s,
            reserved,
            n_records,
            record_duration_s,
            signals,
            digital,
            annotations,
        })
    }

    /// Sampling rate of signal `i`: samples per record over the record duration.
    ///
    /// # Panics
    /// If `i` is not a signal index.
    pub fn fs(&self, i: usize) -> f64 {
        self.signals[i].samples_per_record as f64 / self.record_duration_s
    }

    /// Signal `i` in physical units (the linear map of the digital range onto the physical range).
    ///
    /// # Panics
    /// If `i` is not a signal index.
    pub fn physical(&self, i: usize) -> Vec<f64> {
        let s = &self.signals[i];
        let scale = (s.physical_max - s.physical_min) / f64::from(s.digital_max - s.digital_min);
        self.digital[i].iter().map(|&d| (f64::from(d) - f64::from(s.digital_min)) * scale + s.physical_min).collect()
    }
}

/// One time-stamped annotation list: onset, duration, texts.
type Tal = (f64, Option<f64>, Vec<String>);

/// Time-stamped annotation lists: `+onset[\x15duration]\x14text\x14text…\x14\x00`, zero-padded.
fn parse_tals(chunk: &[u8]) -> Result<Vec<Tal>> {
    let mut out = Vec::new();
    for tal in chunk.split(|b| *b == 0).filter(|t| !t.is_empty()) {
        let mut parts = tal.split(|b| *b == 0x14);
        let time = parts.next().unwrap_or_default();
        let (onset, duration) = match time.iter().position(|b| *b == 0x15) {
            Some(k) => (&time[..k], Some(&time[k + 1..])),
            None => (time, None),
        };
        let onset: f64 = num(&String::from_utf8_lossy(onset), "annotation onset")?;
        let duration = duration.map(|d| num::<f64>(&String::from_utf8_lossy(d), "annotation duration")).transpose()?;
        let mut texts: Vec<String> = parts.map(|p| String::from_utf8_lossy(p).into_owned()).collect();
        // The list ends with \x14, which leaves one empty trailing piece.
        if texts.last().is_some_and(|t| t.is_empty()) && texts.len() > 1 {
            texts.pop();
        }
        out.push((onset, duration, texts));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_inconsistent_headers_are_errors() {
        assert!(Edf::parse(&[b'0'; 100]).unwrap_err().to_string().contains("256-byte header"));
        let mut h = vec![b' '; 256];
        h[..8].copy_from_slice(b"0       ");
        h[184..192].copy_from_slice(b"512     ");
        h[236..244].copy_from_slice(b"1       ");
        h[244..252].copy_from_slice(b"1       ");
        h[252..256].copy_from_slice(b"5   ");
        assert!(Edf::parse(&h).unwrap_err().to_string().contains("does not match 5 signals"));
    }
}
