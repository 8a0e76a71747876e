//! Reading and writing WFDB records: the header plus its signal files.

use std::io::Read;
use std::path::{Path, PathBuf};

use mlhc_core::Bitmap;

use super::flac::{decode_flac, FlacLayout};
use super::format::{decode, encode, SignalFormat};
use super::header::{Header, SignalSpec};
use crate::error::{io_err, Error, Result};

/// A single-segment WFDB record in memory: the header and every signal's digital samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The parsed header.
    pub header: Header,
    /// Digital samples of each signal (`n_samples × samples_per_frame` values each), as stored.
    pub digital: Vec<Vec<i32>>,
}

/// A signal in physical units.
#[derive(Debug, Clone, PartialEq)]
pub struct PhysicalSignal {
    /// `(digital − baseline) / gain`; NaN where `valid` is unset.
    pub values: Vec<f64>,
    /// Which samples hold a measurement (unset where the file stores the format's invalid value).
    pub valid: Bitmap,
}

impl PhysicalSignal {
    /// The values with every invalid sample replaced by the last valid one before it (leading
    /// invalid samples by the first valid one; a signal with no valid sample becomes zeros), for
    /// algorithms that need finite input. The validity bitmap says which values were held.
    pub fn held(&self) -> Vec<f64> {
        let first = (0..self.values.len()).find(|&i| self.valid.get(i)).map_or(0.0, |i| self.values[i]);
        let mut last = first;
        (0..self.values.len())
            .map(|i| {
                if self.valid.get(i) {
                    last = self.values[i];
                }
                last
            })
            .collect()
    }

    /// [`PhysicalSignal::held`] in the signal's own buffer, for a caller that no longer needs the
    /// NaNs: no second signal-length buffer.
    pub fn into_held(self) -> Vec<f64> {
        let PhysicalSignal { mut values, valid } = self;
        let first = (0..values.len()).find(|&i| valid.get(i)).map_or(0.0, |i| values[i]);
        let mut last = first;
        for (i, v) in values.iter_mut().enumerate() {
            if valid.get(i) {
                last = *v;
            } else {
                *v = last;
            }
        }
        values
    }
}

/// Signals stored in one file, in header order.
struct Group {
    file: String,
    format: SignalFormat,
    byte_offset: u64,
    members: Vec<usize>,
}

fn groups(header: &Header) -> Result<Vec<Group>> {
    let mut out: Vec<Group> = Vec::new();
    for (i, s) in header.signals.iter().enumerate() {
        match out.iter_mut().find(|g| g.file == s.file_name) {
            Some(g) => {
                if g.format != s.format {
                    return Err(Error::SignalGroup {
                        file: s.file_name.clone(),
                        message: format!("signal {i} has format {}, the file has {}", s.format.code(), g.format.code()),
                    });
                }
                g.members.push(i);
            }
            None => out.push(Group {
                file: s.file_name.clone(),
                format: s.format,
                byte_offset: s.byte_offset,
                members: vec![i],
            }),
        }
    }
    Ok(out)
}

/// Reads the packed samples of an uncompressed signal file: the sample stream and the number of
/// whole frames in it (at most the header's frames plus `max_skew`). Errors when the file holds
/// fewer frames than the header gives, before reading it.
fn read_packed_group(
    g: &Group,
    frame_len: u64,
    max_skew: u64,
    path: &Path,
    n_samples: &mut Option<u64>,
) -> Result<(Vec<i32>, u64)> {
    let file = std::fs::File::open(path).map_err(io_err(path))?;
    let len = file.metadata().map_err(io_err(path))?.len();
    let available = len.saturating_sub(g.byte_offset);
    let frames_in_file = g.format.samples_in(available) / frame_len;
    let n_frames = *n_samples.get_or_insert(frames_in_file);
    if frames_in_file < n_frames {
        return Err(Error::TruncatedSignal {
            path: path.to_path_buf(),
            available,
            needed: g.format.bytes_for(n_frames.saturating_mul(frame_len)),
        });
    }
    let frames_read = (n_frames + max_skew).min(frames_in_file);
    let n_read = frames_read * frame_len;
    let mut bytes = Vec::new();
    let mut reader = std::io::BufReader::new(file);
    std::io::copy(&mut (&mut reader).take(g.byte_offset), &mut std::io::sink()).map_err(io_err(path))?;
    reader.take(g.format.bytes_for(n_read)).read_to_end(&mut bytes).map_err(io_err(path))?;
    Ok((decode(g.format, &bytes, n_read as usize)?, frames_read))
}

/// Decodes a FLAC signal file (formats 508, 516, 524): the sample stream in frame order and the
/// number of whole frames decoded (at most `max_frames`).
fn read_flac_group(g: &Group, specs: &[&SignalSpec], path: &Path, max_frames: Option<u64>) -> Result<(Vec<i32>, u64)> {
    let spf = specs[0].samples_per_frame;
    if let Some(s) = specs.iter().find(|s| s.samples_per_frame != spf) {
        return Err(Error::SignalGroup {
            file: g.file.clone(),
            message: format!(
                "signals of a FLAC file need equal samples per frame, found {spf} and {}",
                s.samples_per_frame
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    let layout = FlacLayout {
        format: g.format,
        n_signals: specs.len(),
        samples_per_frame: spf,
        skip: g.byte_offset,
        max_frames,
    };
    let stream = decode_flac(&bytes, layout).map_err(|e| match e {
        Error::Flac { message } => Error::Flac { message: format!("{}: {message}", path.display()) },
        other => other,
    })?;
    let frames = (stream.len() / (specs.len() * spf as usize)) as u64;
    Ok((stream, frames))
}

/// The header path of a record named by its path without extension (`data/100` → `data/100.hea`).
pub fn header_path(record: &Path) -> PathBuf {
    let mut p = record.as_os_str().to_owned();
    p.push(".hea");
    PathBuf::from(p)
}

/// The path of a record's file with extension `ext` (`data/100`, `atr` → `data/100.atr`).
pub fn sibling_path(record: &Path, ext: &str) -> PathBuf {
    let mut p = record.as_os_str().to_owned();
    p.push(".");
    p.push(ext);
    PathBuf::from(p)
}

impl Record {
    /// Reads the record named by its path without extension (WFDB convention).
    pub fn read(record: &Path) -> Result<Self> {
        let header = Header::read(&header_path(record))?;
        let dir = record.parent().unwrap_or(Path::new(""));
        Self::read_with_header(header, dir)
    }

    /// Reads the signal files of `header` from `dir`.
    pub fn read_with_header(header: Header, dir: &Path) -> Result<Self> {
        if header.segments.is_some() {
            return Err(Error::InvalidParameter {
                name: "record",
                message: format!("{} is a multi-segment record; read its segments one by one", header.name),
            });
        }
        let mut digital = vec![Vec::new(); header.signals.len()];
        let mut n_samples = header.n_samples;
        for g in groups(&header)? {
            let specs: Vec<_> = g.members.iter().map(|&i| &header.signals[i]).collect();
            let frame_len: u64 = specs.iter().map(|s| u64::from(s.samples_per_frame)).sum();
            let max_skew = specs.iter().map(|s| u64::from(s.skew)).max().unwrap_or(0);
            let path = dir.join(&g.file);
            let (stream, frames_read) = if g.format.is_flac() {
                read_flac_group(&g, &specs, &path, n_samples.map(|n| n.saturating_add(max_skew)))?
            } else {
                read_packed_group(&g, frame_len, max_skew, &path, &mut n_samples)?
            };
            let n_frames = *n_samples.get_or_insert(frames_read);
            if frames_read < n_frames && g.format.is_flac() {
                return Err(Error::Flac {
                    message: format!(
                        "{}: the stream holds {frames_read} frames, the header needs {n_frames}",
                        path.display()
                    ),
                });
            }
            if frames_read < n_frames {
                return Err(Error::TruncatedSignal {
                    path,
                    available: g.format.bytes_for(frames_read.saturating_mul(frame_len)),
                    needed: g.format.bytes_for(n_frames.saturating_mul(frame_len)),
                });
            }
            // Skewed signals need up to `max_skew` frames beyond the last; WFDB treats frames past
            // the end of the file as invalid samples.
            let frames_read = frames_read.min(n_frames + max_skew);
            let mut offset = 0usize;
            for (&i, s) in g.members.iter().zip(&specs) {
                let spf = s.samples_per_frame as usize;
                let fl = frame_len as usize;
                let fill = g.format.invalid_value().unwrap_or(0);
                let mut v = Vec::with_capacity(n_frames as usize * spf);
                for t in 0..n_frames as usize {
                    let frame = t + s.skew as usize;
                    if frame < frames_read as usize {
                        let at = frame * fl + offset;
                        v.extend_from_slice(&stream[at..at + spf]);
                    } else {
                        v.extend(std::iter::repeat_n(fill, spf));
                    }
                }
                if g.format == SignalFormat::Diff8 {
                    let mut acc = s.init_value;
                    for x in &mut v {
                        acc = acc.wrapping_add(*x);
                        *x = acc;
                    }
                }
                digital[i] = v;
                offset += spf;
            }
        }
        let mut header = header;
        header.n_samples = n_samples.or(Some(0));
        Ok(Record { header, digital })
    }

    /// The number of frames.
    pub fn n_samples(&self) -> usize {
        self.header.n_samples.unwrap_or(0) as usize
    }

    /// Signal `i` in physical units.
    ///
    /// # Panics
    /// If `i` is not a signal index.
    pub fn physical(&self, i: usize) -> PhysicalSignal {
        let spec = &self.header.signals[i];
        let invalid = spec.format.invalid_value();
        let base = f64::from(spec.baseline);
        let mut valid = Bitmap::new_set(self.digital[i].len());
        let values = self.digital[i]
            .iter()
            .enumerate()
            .map(|(k, &d)| {
                if Some(d) == invalid {
                    valid.set(k, false);
                    f64::NAN
                } else {
                    (f64::from(d) - base) / spec.gain
                }
            })
            .collect();
        PhysicalSignal { values, valid }
    }

    /// The sampling rate of signal `i`: the frame rate times its samples per frame.
    ///
    /// # Panics
    /// If `i` is not a signal index.
    pub fn signal_fs(&self, i: usize) -> f64 {
        self.header.fs * f64::from(self.header.signals[i].samples_per_frame)
    }

    /// The 16-bit checksum of signal `i` as WFDB computes it (the wrapping sum of its samples).
    ///
    /// # Panics
    /// If `i` is not a signal index.
    pub fn checksum(&self, i: usize) -> i32 {
        i32::from(self.digital[i].iter().fold(0i16, |acc, &d| acc.wrapping_add(d as i16)))
    }

    /// Writes the header (`RECORD.hea`) and signal files into the header's folder, with checksums,
    /// initial values and the record length taken from the samples.
    pub fn write(&self, record: &Path) -> Result<()> {
        let dir = record.parent().unwrap_or(Path::new(""));
        let mut header = self.header.clone();
        let n_frames = self.n_samples();
        if self.digital.len() != header.signals.len() {
            return Err(Error::InvalidParameter {
                name: "digital",
                message: format!("{} signals for a header with {}", self.digital.len(), header.signals.len()),
            });
        }
        for (i, (s, d)) in header.signals.iter().zip(&self.digital).enumerate() {
            if d.len() != n_frames * s.samples_per_frame as usize {
                return Err(Error::InvalidParameter {
                    name: "digital",
                    message: format!(
                        "signal {i} has {} samples, expected {}",
                        d.len(),
                        n_frames * s.samples_per_frame as usize
                    ),
                });
            }
        }
        for (i, s) in header.signals.iter_mut().enumerate() {
            s.checksum = Some(self.checksum(i));
            if let Some(&first) = self.digital[i].first() {
                s.init_value = first;
            }
        }
        for g in groups(&header)? {
            let specs: Vec<_> = g.members.iter().map(|&i| &header.signals[i]).collect();
            let frame_len: usize = specs.iter().map(|s| s.samples_per_frame as usize).sum();
            let max_skew = specs.iter().map(|s| s.skew as usize).max().unwrap_or(0);
            let fill = if g.format == SignalFormat::Diff8 { 0 } else { g.format.invalid_value().unwrap_or(0) };
            let mut stream = vec![fill; (n_frames + max_skew) * frame_len];
            let mut offset = 0;
            for (&i, s) in g.members.iter().zip(&specs) {
                let spf = s.samples_per_frame as usize;
                let mut prev = s.init_value;
                for t in 0..n_frames {
                    let at = (t + s.skew as usize) * frame_len + offset;
                    for j in 0..spf {
                        let v = self.digital[i][t * spf + j];
                        stream[at + j] = if g.format == SignalFormat::Diff8 {
                            let d = v.wrapping_sub(prev);
                            prev = v;
                            d
                        } else {
                            v
                        };
                    }
                }
                offset += spf;
            }
            let mut bytes = vec![0u8; g.byte_offset as usize];
            bytes.extend(encode(g.format, &stream)?);
            let path = dir.join(&g.file);
            std::fs::write(&path, bytes).map_err(io_err(&path))?;
        }
        let hp = header_path(record);
        std::fs::write(&hp, header.to_text()).map_err(io_err(&hp))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(file: &str, format: SignalFormat, spf: u32, skew: u32) -> SignalSpec {
        SignalSpec {
            file_name: file.to_string(),
            format,
            samples_per_frame: spf,
            skew,
            byte_offset: 0,
            gain: 100.0,
            baseline: 5,
            units: "mV".to_string(),
            adc_res: format.bits(),
            adc_zero: 0,
            init_value: 0,
            checksum: None,
            block_size: 0,
            description: "x".to_string(),
        }
    }

    #[test]
    fn multi_frequency_skewed_record_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = spec("r.dat", SignalFormat::Packed212, 2, 0);
        a.byte_offset = 7;
        let b = spec("r.dat", SignalFormat::Packed212, 1, 2);
        let c = spec("r2.dat", SignalFormat::Packed310, 3, 0);
        let header = Header {
            name: "r".into(),
            n_signals: 3,
            fs: 100.0,
            counter_freq: 100.0,
            base_counter: 0.0,
            n_samples: Some(5),
            base_time: None,
            base_date: None,
            signals: vec![a, b, c],
            segments: None,
            comments: vec![],
        };
        let digital =
            vec![(0..10).map(|v| v * 100 - 400).collect(), vec![1, -2, 3, -4, 5], (0..15).map(|v| v - 7).collect()];
        let rec = Record { header, digital };
        rec.write(&dir.path().join("r")).unwrap();
        let back = Record::read(&dir.path().join("r")).unwrap();
        assert_eq!(back.digital, rec.digital);
        assert_eq!(back.header.signals[1].checksum, Some(3));
        let p = back.physical(1);
        assert_eq!(p.values[0], (1.0 - 5.0) / 100.0);
    }

    #[test]
    fn short_file_is_an_error_not_a_huge_allocation() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.hea"), "r 1 250 18446744073709551615\nr.dat 16\n").unwrap();
        std::fs::write(dir.path().join("r.dat"), [0u8; 10]).unwrap();
        let err = Record::read(&dir.path().join("r")).unwrap_err();
        assert!(matches!(err, Error::TruncatedSignal { available: 10, .. }), "{err}");
    }

    #[test]
    fn invalid_samples_are_flagged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.hea"), "r 1 250\nr.dat 16 10\n").unwrap();
        std::fs::write(dir.path().join("r.dat"), [0x00, 0x80, 20, 0]).unwrap();
        let rec = Record::read(&dir.path().join("r")).unwrap();
        assert_eq!(rec.n_samples(), 2);
        let p = rec.physical(0);
        assert!(!p.valid.get(0) && p.valid.get(1));
        assert_eq!(p.values[1], 2.0);
        assert_eq!(p.held(), vec![2.0, 2.0]);
        assert_eq!(p.clone().into_held(), p.held());
    }
}
