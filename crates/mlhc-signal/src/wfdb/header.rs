//! WFDB header (`.hea`) files: the record line, signal lines and segment lines of PhysioNet's
//! `header(5)` specification, with the specification's defaults applied.

use std::fmt::Write as _;

use serde::Serialize;

use super::format::SignalFormat;
use crate::error::{Error, Result};

/// The sampling frequency a header implies when it gives none (WFDB's `DEFFREQ`).
pub const DEFAULT_FS: f64 = 250.0;
/// The gain (ADC units per physical unit) used when a header gives none or 0 (WFDB's `DEFGAIN`).
pub const DEFAULT_GAIN: f64 = 200.0;
/// Upper bound on signals per record and segments per multi-segment record; a header claiming
/// more is rejected before anything is allocated for it.
pub const MAX_SIGNALS: usize = 1 << 16;
/// Upper bound on samples per frame of one signal.
pub const MAX_SAMPLES_PER_FRAME: u32 = 1 << 16;

/// One signal line of a header, with defaults applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalSpec {
    /// The signal file name, relative to the header's folder (`-` means standard input).
    pub file_name: String,
    /// The storage format.
    #[serde(serialize_with = "ser_format")]
    pub format: SignalFormat,
    /// Samples of this signal per frame. By default, 1.
    pub samples_per_frame: u32,
    /// Frames by which this signal's samples are delayed in the file. By default, 0.
    pub skew: u32,
    /// Bytes before the first sample in the file. By default, 0.
    pub byte_offset: u64,
    /// ADC units per physical unit. By default (missing or 0), 200.
    pub gain: f64,
    /// The digital value that corresponds to physical zero. By default, `adc_zero`.
    pub baseline: i32,
    /// Physical units. By default, `mV`.
    pub units: String,
    /// ADC resolution in bits. By default (missing or 0), the format's sample width.
    pub adc_res: u32,
    /// The digital value at the middle of the ADC range. By default, 0.
    pub adc_zero: i32,
    /// The first sample's value. By default, `adc_zero`.
    pub init_value: i32,
    /// The 16-bit sum of all samples, when the header gives one.
    pub checksum: Option<i32>,
    /// The block size for special files. By default, 0.
    pub block_size: u32,
    /// The signal description (name). By default, empty.
    pub description: String,
}

fn ser_format<S: serde::Serializer>(f: &SignalFormat, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u32(f.code())
}

/// One segment line of a multi-segment header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentSpec {
    /// The segment's record name; `~` marks a null segment (a gap).
    pub name: String,
    /// The segment's length in frames.
    pub n_samples: u64,
}

/// A parsed header file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// The record name.
    pub name: String,
    /// Number of signals.
    pub n_signals: usize,
    /// Frames per second. By default, 250.
    pub fs: f64,
    /// Counter frequency (ticks per second). By default, `fs`.
    pub counter_freq: f64,
    /// Counter value of sample 0. By default, 0.
    pub base_counter: f64,
    /// Number of frames, when the header gives it (missing or 0 in some headers).
    pub n_samples: Option<u64>,
    /// Time of day of sample 0 as written (`HH:MM:SS[.sss]`), if given.
    pub base_time: Option<String>,
    /// Date of sample 0 as written (`DD/MM/YYYY`), if given.
    pub base_date: Option<String>,
    /// The signal lines (empty for a multi-segment header).
    pub signals: Vec<SignalSpec>,
    /// The segment lines of a multi-segment header (`None` for a single-segment record).
    pub segments: Option<Vec<SegmentSpec>>,
    /// Comment lines without their leading `#`.
    pub comments: Vec<String>,
}

fn herr(line: usize, message: String) -> Error {
    Error::Header { line, message }
}

fn parse_num<T: std::str::FromStr>(tok: &str, what: &str, line: usize) -> Result<T> {
    tok.parse::<T>().map_err(|_| herr(line, format!("invalid {what} {tok:?}")))
}

fn parse_positive_f64(tok: &str, what: &str, line: usize) -> Result<f64> {
    let v: f64 = parse_num(tok, what, line)?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(herr(line, format!("{what} must be positive and finite, got {tok:?}")))
    }
}

/// Splits the first `n` whitespace-separated tokens from `s` and returns them with the rest.
fn tokens(s: &str, n: usize) -> (Vec<&str>, &str) {
    let mut out = Vec::with_capacity(n);
    let mut rest = s.trim_start();
    while out.len() < n && !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    (out, rest.trim_end())
}

impl Header {
    /// Parses header text. Blank lines and `#` comment lines may appear anywhere.
    pub fn parse(text: &str) -> Result<Self> {
        let mut comments = Vec::new();
        let mut lines = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let t = raw.trim();
            if let Some(c) = t.strip_prefix('#') {
                comments.push(c.trim().to_string());
            } else if !t.is_empty() {
                lines.push((i + 1, t));
            }
        }
        let mut it = lines.into_iter();
        let (ln, record_line) = it.next().ok_or_else(|| herr(1, "no record line".to_string()))?;
        let (mut header, n_seg) = parse_record_line(record_line, ln)?;
        header.comments = comments;
        if let Some(n_seg) = n_seg {
            let mut segments = Vec::new();
            for _ in 0..n_seg {
                let (ln, line) = it
                    .next()
                    .ok_or_else(|| herr(ln, format!("header promises {n_seg} segments, found {}", segments.len())))?;
                let (tok, _) = tokens(line, 2);
                if tok.len() < 2 {
                    return Err(herr(ln, format!("segment line needs a name and a length: {line:?}")));
                }
                segments.push(SegmentSpec {
                    name: tok[0].to_string(),
                    n_samples: parse_num(tok[1], "segment length", ln)?,
                });
            }
            header.segments = Some(segments);
        } else {
            for _ in 0..header.n_signals {
                let (sl, line) = it.next().ok_or_else(|| {
                    herr(ln, format!("header promises {} signals, found {}", header.n_signals, header.signals.len()))
                })?;
                header.signals.push(parse_signal_line(line, sl)?);
            }
        }
        if let Some((ln, line)) = it.next() {
            return Err(herr(ln, format!("unexpected line after the signal lines: {line:?}")));
        }
        Ok(header)
    }

    /// Reads and parses a header file.
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(crate::error::io_err(path))?;
        Self::parse(&String::from_utf8_lossy(&bytes))
    }

    /// Writes the header in WFDB syntax (every field explicit, so it parses back to `self`).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let name = match &self.segments {
            Some(seg) => format!("{}/{}", self.name, seg.len()),
            None => self.name.clone(),
        };
        let _ = write!(s, "{name} {} {}", self.n_signals, self.fs);
        if self.counter_freq != self.fs || self.base_counter != 0.0 {
            let _ = write!(s, "/{}", self.counter_freq);
            if self.base_counter != 0.0 {
                let _ = write!(s, "({})", self.base_counter);
            }
        }
        let _ = write!(s, " {}", self.n_samples.unwrap_or(0));
        if let Some(t) = &self.base_time {
            let _ = write!(s, " {t}");
            if let Some(d) = &self.base_date {
                let _ = write!(s, " {d}");
            }
        }
        s.push('\n');
        for seg in self.segments.iter().flatten() {
            let _ = writeln!(s, "{} {}", seg.name, seg.n_samples);
        }
        for sig in &self.signals {
            let _ = write!(s, "{} {}", sig.file_name, sig.format.code());
            if sig.samples_per_frame != 1 {
                let _ = write!(s, "x{}", sig.samples_per_frame);
            }
            if sig.skew != 0 {
                let _ = write!(s, ":{}", sig.skew);
            }
            if sig.byte_offset != 0 {
                let _ = write!(s, "+{}", sig.byte_offset);
            }
            let _ = write!(
                s,
                " {}({})/{} {} {} {}",
                sig.gain, sig.baseline, sig.units, sig.adc_res, sig.adc_zero, sig.init_value
            );
            // A missing checksum can only stay missing when nothing follows it.
            if sig.checksum.is_some() || sig.block_size != 0 || !sig.description.is_empty() {
                let _ = write!(s, " {} {}", sig.checksum.unwrap_or(0), sig.block_size);
            }
            if !sig.description.is_empty() {
                let _ = write!(s, " {}", sig.description);
            }
            s.push('\n');
        }
        for c in &self.comments {
            let _ = writeln!(s, "# {c}");
        }
        s
    }
}

fn parse_record_line(line: &str, ln: usize) -> Result<(Header, Option<usize>)> {
    let (tok, _) = tokens(line, 6);
    let (name, n_seg) = match tok[0].split_once('/') {
        Some((name, n)) => {
            let n: usize = parse_num(n, "segment count", ln)?;
            if n == 0 || n > MAX_SIGNALS {
                return Err(herr(ln, format!("segment count {n} out of range 1..={MAX_SIGNALS}")));
            }
            (name, Some(n))
        }
        None => (tok[0], None),
    };
    if name.is_empty() {
        return Err(herr(ln, "empty record name".to_string()));
    }
    let n_signals: usize = match tok.get(1) {
        Some(t) => parse_num(t, "signal count", ln)?,
        None => return Err(herr(ln, "record line lacks the number of signals".to_string())),
    };
    if n_signals > MAX_SIGNALS {
        return Err(herr(ln, format!("signal count {n_signals} exceeds {MAX_SIGNALS}")));
    }
    let (mut fs, mut counter_freq, mut base_counter) = (DEFAULT_FS, None, 0.0);
    if let Some(t) = tok.get(2) {
        let (f, rest) = match t.split_once('/') {
            Some((f, rest)) => (f, Some(rest)),
            None => (*t, None),
        };
        fs = parse_positive_f64(f, "sampling frequency", ln)?;
        if let Some(rest) = rest {
            let (cf, bc) = match rest.split_once('(') {
                Some((cf, bc)) => {
                    let bc = bc.strip_suffix(')').ok_or_else(|| herr(ln, format!("unclosed base counter in {t:?}")))?;
                    (cf, Some(bc))
                }
                None => (rest, None),
            };
            counter_freq = Some(parse_positive_f64(cf, "counter frequency", ln)?);
            if let Some(bc) = bc {
                base_counter = parse_num::<f64>(bc, "base counter", ln)?;
                if !base_counter.is_finite() {
                    return Err(herr(ln, format!("base counter {bc:?} is not finite")));
                }
            }
        }
    }
    let n_samples = match tok.get(3) {
        Some(t) => Some(parse_num::<u64>(t, "number of samples", ln)?).filter(|n| *n > 0),
        None => None,
    };
    let header = Header {
        name: name.to_string(),
        n_signals,
        fs,
        counter_freq: counter_freq.unwrap_or(fs),
        base_counter,
        n_samples,
        base_time: tok.get(4).map(|s| s.to_string()),
        base_date: tok.get(5).map(|s| s.to_string()),
        signals: Vec::new(),
        segments: None,
        comments: Vec::new(),
    };
    Ok((header, n_seg))
}

fn parse_signal_line(line: &str, ln: usize) -> Result<SignalSpec> {
    let (tok, description) = tokens(line, 8);
    if tok.len() < 2 {
        return Err(herr(ln, format!("signal line needs a file name and a format: {line:?}")));
    }
    let file_name = tok[0].to_string();
    // format[xspf][:skew][+offset]
    let spec = tok[1];
    let end = spec.find(|c: char| !c.is_ascii_digit()).unwrap_or(spec.len());
    let format = SignalFormat::from_code(parse_num(&spec[..end], "format", ln)?)
        .map_err(|_| herr(ln, format!("unsupported signal format {:?}", &spec[..end])))?;
    let (mut samples_per_frame, mut skew, mut byte_offset) = (1u32, 0u32, 0u64);
    let mut rest = &spec[end..];
    while let Some(marker) = rest.chars().next() {
        let body = &rest[marker.len_utf8()..];
        let n_end = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
        let num = &body[..n_end];
        match marker {
            'x' => samples_per_frame = parse_num(num, "samples per frame", ln)?,
            ':' => skew = parse_num(num, "skew", ln)?,
            '+' => byte_offset = parse_num(num, "byte offset", ln)?,
            _ => return Err(herr(ln, format!("invalid format field {spec:?}"))),
        }
        rest = &body[n_end..];
    }
    if samples_per_frame == 0 || samples_per_frame > MAX_SAMPLES_PER_FRAME {
        return Err(herr(
            ln,
            format!("samples per frame {samples_per_frame} out of range 1..={MAX_SAMPLES_PER_FRAME}"),
        ));
    }
    // gain[(baseline)][/units]
    let (mut gain, mut baseline, mut units) = (0.0f64, None, "mV".to_string());
    if let Some(g) = tok.get(2) {
        let (g, u) = match g.split_once('/') {
            Some((g, u)) => (g, Some(u)),
            None => (*g, None),
        };
        let g = match g.split_once('(') {
            Some((g, b)) => {
                let b = b.strip_suffix(')').ok_or_else(|| herr(ln, format!("unclosed baseline in {:?}", tok[2])))?;
                baseline = Some(parse_num::<i32>(b, "baseline", ln)?);
                g
            }
            None => g,
        };
        gain = parse_num(g, "gain", ln)?;
        if !gain.is_finite() || gain < 0.0 {
            return Err(herr(ln, format!("gain must be finite and non-negative, got {g:?}")));
        }
        if let Some(u) = u {
            units = u.to_string();
        }
    }
    if gain == 0.0 {
        gain = DEFAULT_GAIN;
    }
    let adc_res: u32 = match tok.get(3) {
        Some(t) => parse_num(t, "ADC resolution", ln)?,
        None => 0,
    };
    let adc_res = if adc_res == 0 { format.bits() } else { adc_res };
    let adc_zero: i32 = match tok.get(4) {
        Some(t) => parse_num(t, "ADC zero", ln)?,
        None => 0,
    };
    let init_value = match tok.get(5) {
        Some(t) => parse_num(t, "initial value", ln)?,
        None => adc_zero,
    };
    let checksum = tok.get(6).map(|t| parse_num::<i32>(t, "checksum", ln)).transpose()?;
    let block_size = match tok.get(7) {
        Some(t) => parse_num(t, "block size", ln)?,
        None => 0,
    };
    Ok(SignalSpec {
        file_name,
        format,
        samples_per_frame,
        skew,
        byte_offset,
        gain,
        baseline: baseline.unwrap_or(adc_zero),
        units,
        adc_res,
        adc_zero,
        init_value,
        checksum,
        block_size,
        description: description.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_100_header_with_blank_and_comment_lines() {
        let h = Header::parse(
            "# unnecessary comment\n100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n\n\
             100.dat 212 200 11 1024 1011 20052 0 V5\n# 69 M 1085 1629 x1\n",
        )
        .unwrap();
        assert_eq!((h.name.as_str(), h.n_signals, h.fs, h.n_samples), ("100", 2, 360.0, Some(650000)));
        let s = &h.signals[1];
        assert_eq!(
            (s.format, s.gain, s.baseline, s.adc_res, s.adc_zero),
            (SignalFormat::Packed212, 200.0, 1024, 11, 1024)
        );
        assert_eq!(
            (s.init_value, s.checksum, s.description.as_str(), s.units.as_str()),
            (1011, Some(20052), "V5", "mV")
        );
        assert_eq!(h.comments, vec!["unnecessary comment", "69 M 1085 1629 x1"]);
    }

    #[test]
    fn baseline_units_counter_frequency_and_spaces_in_descriptions() {
        let h = Header::parse(
            "12726 1 250/24000(7) 825000 15:08:24 01/02/2003\n12726.dat 16x4:3+12 64.02(4)/mmHg 16 0 4004 -26056 0 ABP wave\n",
        )
        .unwrap();
        assert_eq!((h.counter_freq, h.base_counter), (24000.0, 7.0));
        assert_eq!((h.base_time.as_deref(), h.base_date.as_deref()), (Some("15:08:24"), Some("01/02/2003")));
        let s = &h.signals[0];
        assert_eq!((s.samples_per_frame, s.skew, s.byte_offset), (4, 3, 12));
        assert_eq!((s.gain, s.baseline, s.units.as_str(), s.description.as_str()), (64.02, 4, "mmHg", "ABP wave"));
    }

    #[test]
    fn defaults_follow_header_5() {
        let h = Header::parse("r 1\nr.dat 311\n").unwrap();
        assert_eq!((h.fs, h.counter_freq, h.n_samples), (250.0, 250.0, None));
        let s = &h.signals[0];
        assert_eq!((s.gain, s.baseline, s.adc_res, s.adc_zero, s.init_value), (200.0, 0, 10, 0, 0));
        assert_eq!((s.units.as_str(), s.checksum, s.block_size, s.description.as_str()), ("mV", None, 0, ""));
        // adc_res 0 means "the default"; gain 0 means uncalibrated, read with the default gain.
        let h = Header::parse("v 1 250 75000\nv.dat 212 0/NU 0 0 -26 -9286 0 II\n").unwrap();
        assert_eq!((h.signals[0].adc_res, h.signals[0].gain, h.signals[0].units.as_str()), (12, 200.0, "NU"));
    }

    #[test]
    fn multi_segment_header() {
        let h = Header::parse("multi/3 2 360 45000\nlayout 0\nseg1 20000\n~ 5000\n").unwrap();
        let seg = h.segments.as_ref().unwrap();
        assert_eq!(seg.len(), 3);
        assert_eq!((seg[2].name.as_str(), seg[2].n_samples), ("~", 5000));
        assert!(h.signals.is_empty());
    }

    #[test]
    fn hostile_headers_are_errors() {
        for (text, want) in [
            ("", "no record line"),
            ("r 1x\n", "invalid signal count"),
            ("r 100000\n", "exceeds"),
            ("r 2 360\nr.dat 16\n", "promises 2 signals"),
            ("r 1 -5\nr.dat 16\n", "positive"),
            ("r 1 nan\nr.dat 16\n", "positive"),
            ("r 1\nr.dat 999\n", "unsupported signal format"),
            ("r 1\nr.dat 16x0\n", "samples per frame"),
            ("r 1\nr.dat 16 1(2\n", "unclosed baseline"),
            ("r/0 1\n", "segment count"),
            ("r 1\nr.dat 16\nextra line\n", "unexpected line"),
            // Found by cargo fuzz (wfdb_header): a multi-byte character after the format number
            // used to panic slicing inside it.
            ("r 1\nr.dat 16\u{e9}\n", "invalid format field"),
            ("r 1\nr.dat 16x2\u{e9}3\n", "invalid format field"),
        ] {
            let err = Header::parse(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn text_round_trips() {
        let text = "r/2 1 500/1000(3) 12 10:00:00\nlayout 0\ns1 12\n";
        let h = Header::parse(text).unwrap();
        assert_eq!(Header::parse(&h.to_text()).unwrap(), h);
        let h =
            Header::parse("r 2 360 650000\nr.dat 212x2:1+5 200(3)/uV 11 1024 995 -22131 0 MLII\nr.dat 212\n").unwrap();
        assert_eq!(Header::parse(&h.to_text()).unwrap(), h);
    }
}
