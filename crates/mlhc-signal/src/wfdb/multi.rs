//! Reading any WFDB record, single or multi-segment, as physical signals over a sample range.
//!
//! A multi-segment record is the concatenation of its segments in header order. With a fixed
//! layout every segment holds the same signals as the first; with a variable layout the first
//! segment is a layout header of length 0 naming the record's signals, and each later segment
//! holds some of them, matched by name. Null segments (`~`) and signals a segment lacks read as
//! invalid samples (NaN), as wfdb-python's `rdrecord` returns them in `p_signal`. Each segment's
//! samples are converted with that segment's own gain and baseline.

use std::path::Path;

use mlhc_core::Bitmap;

use super::format::SignalFormat;
use super::header::{Header, SignalSpec};
use super::record::{header_path, PhysicalSignal, Record};
use crate::error::{Error, Result};
use crate::filter::Resampler;

/// Physical signals of a record over a range of frames.
#[derive(Debug, Clone, PartialEq)]
pub struct PhysicalRecord {
    /// The record's (master) header.
    pub header: Header,
    /// The frame rate in Hz.
    pub fs: f64,
    /// First frame read (0-based, counted from the record's start).
    pub from: u64,
    /// Signal names (descriptions), in the record's (or layout's) order.
    pub names: Vec<String>,
    /// Physical units per signal.
    pub units: Vec<String>,
    /// ADC gain per signal (digital units per physical unit) of the record's (or layout's)
    /// signal line, used when the signals are written again.
    pub gains: Vec<f64>,
    /// One signal per name, one value per frame.
    pub signals: Vec<PhysicalSignal>,
}

impl PhysicalRecord {
    /// Number of frames read.
    pub fn len(&self) -> usize {
        self.signals.first().map_or(0, |s| s.values.len())
    }

    /// Whether no frame was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every signal resampled to `fs_out` Hz by [`Resampler::between`] (SciPy's `resample_poly`
    /// filter). Invalid samples are held at the last valid value before filtering; an output
    /// sample is invalid where the input sample nearest in time is.
    pub fn resample(&self, fs_out: f64) -> Result<PhysicalRecord> {
        let r = Resampler::between(self.fs, fs_out)?;
        let (up, down) = r.factors();
        let signals = self
            .signals
            .iter()
            .map(|s| {
                let values = r.apply(&s.held())?;
                let n_in = s.values.len();
                let mut valid = Bitmap::new_set(values.len());
                let mut out = values;
                for (j, v) in out.iter_mut().enumerate() {
                    let k = ((j * down + up / 2) / up).min(n_in.saturating_sub(1));
                    if n_in > 0 && !s.valid.get(k) {
                        valid.set(j, false);
                        *v = f64::NAN;
                    }
                }
                Ok(PhysicalSignal { values: out, valid })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut header = self.header.clone();
        header.fs = fs_out;
        header.counter_freq = fs_out;
        Ok(PhysicalRecord {
            header,
            fs: fs_out,
            from: (self.from * up as u64) / down as u64,
            names: self.names.clone(),
            units: self.units.clone(),
            gains: self.gains.clone(),
            signals,
        })
    }

    /// Writes the signals as a single-segment format-16 record `RECORD.hea` + `RECORD.dat` with
    /// each signal's gain and baseline 0; values beyond the 16-bit range are clipped and invalid
    /// samples are written as WFDB's invalid value (−32768).
    pub fn write_format16(&self, record: &Path) -> Result<()> {
        let name = record.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let file = format!("{name}.dat");
        let signals = self
            .names
            .iter()
            .zip(&self.units)
            .zip(&self.gains)
            .map(|((desc, units), &gain)| SignalSpec {
                file_name: file.clone(),
                format: SignalFormat::Int16,
                samples_per_frame: 1,
                skew: 0,
                byte_offset: 0,
                gain,
                baseline: 0,
                units: units.clone(),
                adc_res: 16,
                adc_zero: 0,
                init_value: 0,
                checksum: None,
                block_size: 0,
                description: desc.clone(),
            })
            .collect();
        let digital = self
            .signals
            .iter()
            .zip(&self.gains)
            .map(|(s, &gain)| {
                s.values
                    .iter()
                    .enumerate()
                    .map(
                        |(k, v)| {
                            if s.valid.get(k) {
                                (v * gain).round().clamp(-32767.0, 32767.0) as i32
                            } else {
                                -32768
                            }
                        },
                    )
                    .collect()
            })
            .collect();
        let header = Header {
            name,
            n_signals: self.names.len(),
            fs: self.fs,
            counter_freq: self.fs,
            base_counter: 0.0,
            n_samples: Some(self.len() as u64),
            base_time: None,
            base_date: None,
            signals,
            segments: None,
            comments: vec![],
        };
        Record { header, digital }.write(record)
    }
}

/// The most values (frames × signals) one read of a multi-segment record returns: 2 GiB of
/// `f64`. A master header may claim any length (null segments have no file to check it against),
/// so longer ranges are refused rather than allocated; read them in parts with `from` and `to`.
pub const MAX_MULTI_SEGMENT_VALUES: u64 = 1 << 28;

fn range_err(message: String) -> Error {
    Error::InvalidParameter { name: "range", message }
}

/// Frames `from..to` of the record named by its path without extension (`to` defaults to the
/// record's end). Only segments overlapping the range are read, so a long multi-segment record
/// whose later segments are absent can still be read from its start.
///
/// A signal with several samples per frame gives the mean of its valid samples in each frame
/// (invalid where none is valid), as `rdrecord`'s default `smooth_frames=True` gives one value per
/// frame.
pub fn read_physical(record: &Path, from: u64, to: Option<u64>) -> Result<PhysicalRecord> {
    let header = Header::read(&header_path(record))?;
    let dir = record.parent().unwrap_or(Path::new(""));
    match header.segments.clone() {
        None => single(header, dir, from, to),
        Some(segments) => multi(header, &segments, dir, from, to),
    }
}

/// Signal `i` of `rec` with one value per frame: the digital samples of a frame summed and
/// divided by their number, truncated toward zero (as `rdrecord`'s `smooth_frames` stores the mean
/// in the digital integer type), then converted; like `rdrecord`, the mean is invalid only when it
/// equals the format's invalid value (an invalid sample otherwise enters the mean as a number).
fn smoothed(rec: &Record, i: usize) -> PhysicalSignal {
    let spec = &rec.header.signals[i];
    let spf = spec.samples_per_frame as usize;
    if spf <= 1 {
        return rec.physical(i);
    }
    let invalid = spec.format.invalid_value();
    let d = &rec.digital[i];
    let n = d.len() / spf;
    let mut valid = Bitmap::new_unset(n);
    let values = (0..n)
        .map(|t| {
            let sum: i64 = d[t * spf..(t + 1) * spf].iter().map(|&v| i64::from(v)).sum();
            let mean = sum / spf as i64;
            if invalid.is_some_and(|x| i64::from(x) == mean) {
                return f64::NAN;
            }
            valid.set(t, true);
            (mean as f64 - f64::from(spec.baseline)) / spec.gain
        })
        .collect();
    PhysicalSignal { values, valid }
}

/// A variable layout's header: its signal lines name no file (`~`) and may give format 0, which
/// stores nothing; they are parsed as format 16 since only names, gains and units are used.
fn read_layout(path: &Path) -> Result<Header> {
    let text = std::fs::read_to_string(path).map_err(crate::error::io_err(path))?;
    let mut seen_record_line = false;
    let fixed: Vec<String> = text
        .lines()
        .map(|line| {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with('#') {
                return line.to_string();
            }
            if !seen_record_line {
                seen_record_line = true;
                return line.to_string();
            }
            let mut tok: Vec<&str> = line.split_whitespace().collect();
            if tok.len() >= 2 && tok[0] == "~" && tok[1] == "0" {
                tok[1] = "16";
                return tok.join(" ");
            }
            line.to_string()
        })
        .collect();
    Header::parse(&fixed.join("\n"))
}

fn check_range(from: u64, to: Option<u64>, total: u64) -> Result<u64> {
    let to = to.unwrap_or(total);
    if from > to || to > total {
        return Err(range_err(format!("frames {from}..{to} outside the record's 0..{total}")));
    }
    Ok(to)
}

fn single(header: Header, dir: &Path, from: u64, to: Option<u64>) -> Result<PhysicalRecord> {
    let rec = Record::read_with_header(header, dir)?;
    let to = check_range(from, to, rec.n_samples() as u64)?;
    let (a, b) = (from as usize, to as usize);
    let signals = (0..rec.digital.len())
        .map(|i| {
            let p = smoothed(&rec, i);
            let mut valid = Bitmap::new_set(b - a);
            for k in a..b {
                if !p.valid.get(k) {
                    valid.set(k - a, false);
                }
            }
            PhysicalSignal { values: p.values[a..b].to_vec(), valid }
        })
        .collect();
    Ok(PhysicalRecord {
        fs: rec.header.fs,
        from,
        names: rec.header.signals.iter().map(|s| s.description.clone()).collect(),
        units: rec.header.signals.iter().map(|s| s.units.clone()).collect(),
        gains: rec.header.signals.iter().map(|s| s.gain).collect(),
        signals,
        header: rec.header,
    })
}

fn multi(
    header: Header,
    segments: &[super::header::SegmentSpec],
    dir: &Path,
    from: u64,
    to: Option<u64>,
) -> Result<PhysicalRecord> {
    let total: u64 = segments.iter().fold(0u64, |acc, s| acc.saturating_add(s.n_samples));
    let to = check_range(from, to, total)?;
    let read_segment = |name: &str| Header::read(&header_path(&dir.join(name)));
    // The record's signals: the layout segment's (variable layout) or the first segment's.
    let first = segments.iter().find(|s| s.name != "~").ok_or_else(|| range_err("no segment has a record".into()))?;
    let layout = if first.n_samples == 0 {
        read_layout(&header_path(&dir.join(&first.name)))?
    } else {
        read_segment(&first.name)?
    };
    let names: Vec<String> = layout.signals.iter().map(|s| s.description.clone()).collect();
    let units: Vec<String> = layout.signals.iter().map(|s| s.units.clone()).collect();
    let gains: Vec<f64> = layout.signals.iter().map(|s| s.gain).collect();
    let n_values = (to - from).saturating_mul(names.len() as u64);
    if n_values > MAX_MULTI_SEGMENT_VALUES {
        return Err(range_err(format!(
            "frames {from}..{to} of {} signals exceed {MAX_MULTI_SEGMENT_VALUES} values; read a shorter range",
            names.len()
        )));
    }
    let n = (to - from) as usize;
    let mut values = vec![vec![f64::NAN; n]; names.len()];
    let mut valid = vec![Bitmap::new_unset(n); names.len()];
    let mut start = 0u64;
    for seg in segments {
        let end = start.saturating_add(seg.n_samples);
        let (a, b) = (start.max(from), end.min(to));
        start = end;
        if a >= b || seg.name == "~" {
            continue;
        }
        let seg_header = read_segment(&seg.name)?;
        let rec = Record::read_with_header(seg_header, dir)?;
        if rec.n_samples() as u64 != seg.n_samples {
            return Err(range_err(format!(
                "segment {} has {} frames, the master header says {}",
                seg.name,
                rec.n_samples(),
                seg.n_samples
            )));
        }
        for (c, name) in names.iter().enumerate() {
            let Some(j) = rec.header.signals.iter().position(|s| &s.description == name) else {
                continue;
            };
            let p = smoothed(&rec, j);
            let off = (a - (end - seg.n_samples)) as usize;
            for k in 0..(b - a) as usize {
                let out = (a - from) as usize + k;
                if p.valid.get(off + k) {
                    values[c][out] = p.values[off + k];
                    valid[c].set(out, true);
                }
            }
        }
    }
    let signals = values.into_iter().zip(valid).map(|(values, valid)| PhysicalSignal { values, valid }).collect();
    Ok(PhysicalRecord { fs: header.fs, from, names, units, gains, signals, header })
}
