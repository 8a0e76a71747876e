//! `mlhc signal info|detect|score|hrv|plot|to-meds`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use mlhc_signal::filter::{butterworth, filtfilt, Band, Resampler};
use mlhc_signal::hrv::{frequency_domain, poincare, time_domain, RrCleaning, RrSeries};
use mlhc_signal::qrs::{Method, QrsDetector};
use mlhc_signal::quality::{window_quality, WindowQuality};
use mlhc_signal::score::score_annotations;
use mlhc_signal::wfdb::{
    read_annotations, read_physical, sibling_path, write_annotations, AnnCode, Annotation, Header, Record,
};
use serde::Serialize;

use crate::ui;

/// Subcommands of `mlhc signal`.
#[derive(Debug, clap::Subcommand)]
pub enum SignalCommand {
    /// Print a WFDB record's header with the WFDB defaults applied.
    #[command(after_help = "A record is named by its path without extension (RECORD.hea is read).\n\n\
Example:\n  mlhc signal info testdata/physio/100 --json")]
    Info {
        /// The record (path without extension).
        record: PathBuf,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Detect QRS complexes in one channel and write them as a WFDB annotation file RECORD.EXT.
    #[command(after_help = "Methods: elgendi (two moving averages, Elgendi 2013; the default) and \
pantompkins (Pan & Tompkins 1985 with search-back). Invalid samples hold the last valid value. \
Beats are written as normal beats (N) with chan set to the channel. Multi-segment records are read \
concatenated (gaps as held values).\n\n\
Example:\n  mlhc signal detect testdata/physio/100 --channel 0 --method pantompkins --annotator pt --json")]
    Detect {
        /// The record (path without extension).
        record: PathBuf,
        /// The channel (signal number) to analyse. By default, 0.
        #[arg(long, default_value_t = 0)]
        channel: usize,
        /// The detector: elgendi or pantompkins. By default, elgendi.
        #[arg(long, default_value = "elgendi")]
        method: String,
        /// The annotator (file extension) to write. By default, mlhc.
        #[arg(long, default_value = "mlhc")]
        annotator: String,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compare a test annotator with a reference beat by beat (like bxb / compare_annotations).
    #[command(after_help = "Only beat labels count (N L R a V F J A S E j / Q B ? e n f r); a test beat \
matches a reference beat within the window (inclusive), closest first. Prints sensitivity, ppv, f1, tp, fp, fn.\n\n\
Example:\n  mlhc signal score testdata/physio/100 --ref atr --test qrs --window-ms 150 --json")]
    Score {
        /// The record (path without extension); its header gives the sampling rate.
        record: PathBuf,
        /// The reference annotator (file extension).
        #[arg(long = "ref")]
        reference: String,
        /// The test annotator (file extension).
        #[arg(long)]
        test: String,
        /// The match window in milliseconds. By default, 150.
        #[arg(long, default_value_t = 150.0)]
        window_ms: f64,
        /// Score beats from this time on, in seconds. By default, 0 (the whole record).
        #[arg(long, default_value_t = 0.0)]
        start: f64,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Heart-rate variability from an annotator's beats (NN intervals between normal beats).
    #[command(after_help = "NN intervals join consecutive normal (N) beats; unless --no-clean, intervals \
outside 300-2000 ms or changing more than 20% from the last kept one are removed. Prints SDNN, RMSSD, pNN50, \
SD1/SD2 and Lomb-Scargle LF/HF (null for recordings under a minute).\n\n\
Example:\n  mlhc signal hrv testdata/physio/100 --annotator atr --json")]
    Hrv {
        /// The record (path without extension).
        record: PathBuf,
        /// The annotator (file extension) holding the beats. By default, atr.
        #[arg(long, default_value = "atr")]
        annotator: String,
        /// Use every beat label as normal (for ectopic-labelled files, keep all intervals).
        #[arg(long)]
        all_beats: bool,
        /// Keep every interval (no artefact rejection).
        #[arg(long)]
        no_clean: bool,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Draw a window of one channel as SVG, with test detections and reference labels.
    #[command(after_help = "A multi-segment record is drawn from its concatenated segments, one value per frame \
(null segments and absent signals as gaps).\n\n\
Example:\n  mlhc signal plot testdata/physio/100 --start 60 --seconds 10 --ref atr --test qrs -o 100.svg")]
    Plot(Box<PlotArgs>),
    /// Turn beats into MEDS events: heart rate per minute and SDNN/RMSSD per five minutes.
    #[command(after_help = "Codes: ECG//HR (beats per minute), ECG//HRV//SDNN and ECG//HRV//RMSSD (ms), each \
timed at the end of its window, from cleaned NN intervals (as `mlhc signal hrv`).\n\n\
Example:\n  mlhc signal to-meds testdata/physio/100 --annotator atr --subject-id 100 \
--start-time '2024-01-01 08:00:00' -o signal-meds")]
    ToMeds(Box<ToMedsArgs>),
    /// Resample every signal of a record (single or multi-segment) and write a format-16 record.
    #[command(after_help = "Polyphase windowed-sinc resampling by the rational factor fs_out/fs_in (taken \
to 1/1000 Hz), with the filter SciPy's resample_poly uses (Kaiser window, beta 5). Multi-segment records are \
concatenated (null segments and absent signals as invalid samples); signals with several samples per frame \
are averaged per frame first. Invalid samples stay invalid. The output keeps each signal's gain, baseline 0.\n\n\
Example:\n  mlhc signal resample testdata/physio/100 --fs 250 --to 3600 -o 100_250hz")]
    Resample(Box<ResampleArgs>),
    /// Signal-quality indices per window of one ECG channel: template matching (tSQI) and kurtosis (kSQI).
    #[command(after_help = "The channel is high-passed (zero-phase Butterworth, order 5, 0.5 Hz). tSQI: the \
beats of each window cut over one median RR interval around the R peak, mean Pearson correlation with their \
average (Orphanidou et al. 2015; acceptable from 0.66). kSQI: Fisher kurtosis of the window's samples as \
NeuroKit2's ecg_quality zhao2018 computes it (above 5 rated optimal). Beats come from --annotator, or from \
the detector (--method) when it is not given. Multi-segment records are read whole.\n\n\
Example:\n  mlhc signal quality testdata/physio/100 --annotator atr --window-s 10 --json")]
    Quality(Box<QualityArgs>),
}

/// Options of `mlhc signal quality`.
#[derive(Debug, clap::Args)]
pub struct QualityArgs {
    /// The record (path without extension).
    record: PathBuf,
    /// The channel (signal number) to assess. By default, 0.
    #[arg(long, default_value_t = 0)]
    channel: usize,
    /// Take the beats from this annotator (file extension) instead of detecting them.
    #[arg(long)]
    annotator: Option<String>,
    /// The detector when no annotator is given: elgendi or pantompkins. By default, elgendi.
    #[arg(long, default_value = "elgendi")]
    method: String,
    /// Window length in seconds. By default, 10.
    #[arg(long, default_value_t = 10.0)]
    window_s: f64,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct QualityOut {
    record: String,
    channel: usize,
    fs: f64,
    beats_from: String,
    window_s: f64,
    n_windows: usize,
    n_acceptable: usize,
    windows: Vec<WindowQuality>,
}

fn quality(a: QualityArgs) -> anyhow::Result<ExitCode> {
    let rec =
        read_physical(&a.record, 0, None).with_context(|| format!("cannot read record {}", a.record.display()))?;
    if a.channel >= rec.signals.len() {
        bail!("channel {} does not exist: the record has {} signals", a.channel, rec.signals.len());
    }
    if !(a.window_s.is_finite() && a.window_s > 0.0) {
        bail!("--window-s must be a positive number of seconds, got {}", a.window_s);
    }
    let x = rec.signals[a.channel].held();
    let sos = butterworth(5, Band::HighPass(0.5), rec.fs).context("cannot design the 0.5 Hz high-pass")?;
    let clean = filtfilt(&sos, &x).context("cannot filter the channel")?;
    let (beats, beats_from) = match &a.annotator {
        Some(ext) => {
            let mut b: Vec<usize> = read_ann(&a.record, ext)?
                .iter()
                .filter(|x| x.code.is_beat() && x.sample >= 0)
                .map(|x| x.sample as usize)
                .collect();
            b.sort_unstable();
            (b, format!("annotator {ext}"))
        }
        None => {
            let Some(m) = Method::from_name(&a.method) else {
                bail!("unknown method {:?} (expected elgendi or pantompkins)", a.method);
            };
            let b = QrsDetector::new(m)
                .detect(&x, rec.fs)
                .with_context(|| format!("cannot detect QRS complexes in channel {}", a.channel))?;
            (b, format!("detector {}", m.name()))
        }
    };
    let window = ((a.window_s * rec.fs).round() as usize).max(1);
    let windows = window_quality(&clean, &beats, window).context("cannot compute signal quality")?;
    let out = QualityOut {
        record: record_name(&a.record),
        channel: a.channel,
        fs: rec.fs,
        beats_from,
        window_s: a.window_s,
        n_windows: windows.len(),
        n_acceptable: windows.iter().filter(|w| w.acceptable).count(),
        windows,
    };
    if a.json {
        ui::print_json(&out)?;
    } else {
        println!(
            "{} channel {}: {} of {} windows of {} s acceptable (tSQI >= 0.66; beats from {})",
            out.record, out.channel, out.n_acceptable, out.n_windows, out.window_s, out.beats_from
        );
        let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        for w in &out.windows {
            let span = format!("{:.1}-{:.1} s", w.start as f64 / out.fs, w.end as f64 / out.fs);
            println!("  {span:>17}  beats {:>3}  tSQI {:>6}  kSQI {:>7}", w.n_beats, f(w.tsqi), f(w.ksqi));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Options of `mlhc signal resample`.
#[derive(Debug, clap::Args)]
pub struct ResampleArgs {
    /// The record (path without extension).
    record: PathBuf,
    /// The output sampling rate in Hz.
    #[arg(long)]
    fs: f64,
    /// First frame to read. By default, 0.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Frame to stop before. By default, the end of the record.
    #[arg(long)]
    to: Option<u64>,
    /// The output record (path without extension; writes OUTPUT.hea and OUTPUT.dat).
    #[arg(short, long)]
    output: PathBuf,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct ResampleOut {
    record: String,
    output: String,
    fs_in: f64,
    fs_out: f64,
    up: usize,
    down: usize,
    n_in: usize,
    n_out: usize,
    signals: Vec<String>,
}

fn resample(a: ResampleArgs) -> anyhow::Result<ExitCode> {
    let rec =
        read_physical(&a.record, a.from, a.to).with_context(|| format!("cannot read record {}", a.record.display()))?;
    let (up, down) = Resampler::between(rec.fs, a.fs).context("cannot resample")?.factors();
    let out = rec.resample(a.fs).context("cannot resample")?;
    out.write_format16(&a.output).with_context(|| format!("cannot write record {}", a.output.display()))?;
    let o = ResampleOut {
        record: record_name(&a.record),
        output: a.output.display().to_string(),
        fs_in: rec.fs,
        fs_out: a.fs,
        up,
        down,
        n_in: rec.len(),
        n_out: out.len(),
        signals: out.names.clone(),
    };
    if a.json {
        ui::print_json(&o)?;
    } else {
        println!(
            "{} ({} frames at {} Hz) -> {} ({} frames at {} Hz, factor {up}/{down})",
            o.record, o.n_in, o.fs_in, o.output, o.n_out, o.fs_out
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Options of `mlhc signal plot` (boxed in the enum to keep it small).
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// The record (path without extension).
    record: PathBuf,
    /// The channel to draw. By default, 0.
    #[arg(long, default_value_t = 0)]
    channel: usize,
    /// Start of the window in seconds. By default, 0.
    #[arg(long, default_value_t = 0.0)]
    start: f64,
    /// Length of the window in seconds. By default, 10.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Reference annotator to label along the top, if any.
    #[arg(long = "ref")]
    reference: Option<String>,
    /// Test annotator whose beats are marked on the trace, if any.
    #[arg(long)]
    test: Option<String>,
    /// The SVG file to write.
    #[arg(short, long)]
    output: PathBuf,
}

/// Options of `mlhc signal to-meds`.
#[derive(Debug, clap::Args)]
pub struct ToMedsArgs {
    /// The record (path without extension).
    record: PathBuf,
    /// The annotator (file extension) holding the beats. By default, atr.
    #[arg(long, default_value = "atr")]
    annotator: String,
    /// The MEDS subject_id of the patient.
    #[arg(long)]
    subject_id: i64,
    /// Wall-clock time of sample 0 (YYYY-MM-DD HH:MM:SS). By default, the header's base date and time.
    #[arg(long)]
    start_time: Option<String>,
    /// Heart-rate window in seconds. By default, 60.
    #[arg(long, default_value_t = 60.0)]
    hr_window: f64,
    /// HRV (SDNN, RMSSD) window in seconds. By default, 300.
    #[arg(long, default_value_t = 300.0)]
    hrv_window: f64,
    /// The split the subject belongs to. By default, train.
    #[arg(long, default_value = "train")]
    split: String,
    /// The MEDS dataset folder to create.
    #[arg(short, long)]
    output: PathBuf,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// `info --json` output: the header with defaults applied.
#[derive(Serialize)]
struct InfoOut {
    record: String,
    fs: f64,
    n_samples: Option<u64>,
    signals: Vec<SignalOut>,
    /// Segment names and lengths of a multi-segment record (`~` for a gap); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    segments: Option<Vec<SegmentOut>>,
}

#[derive(Serialize)]
struct SegmentOut {
    name: String,
    n_samples: u64,
}

#[derive(Serialize)]
struct SignalOut {
    name: String,
    file: String,
    fmt: u32,
    samples_per_frame: u32,
    skew: u32,
    byte_offset: u64,
    gain: f64,
    baseline: i32,
    units: String,
    adc_res: u32,
    adc_zero: i32,
    init_value: i32,
    checksum: Option<i32>,
}

#[derive(Serialize)]
struct DetectOut {
    record: String,
    annotator: String,
    path: String,
    method: &'static str,
    channel: usize,
    fs: f64,
    n_samples: usize,
    n_beats: usize,
    read_ms: f64,
    detect_ms: f64,
    samples_per_second: f64,
}

#[derive(Serialize)]
struct HrvOut {
    record: String,
    annotator: String,
    beats: usize,
    intervals: usize,
    removed: usize,
    mean_nn_ms: f64,
    sdnn_ms: f64,
    rmssd_ms: f64,
    pnn50: f64,
    sd1_ms: Option<f64>,
    sd2_ms: Option<f64>,
    lf_ms2: Option<f64>,
    hf_ms2: Option<f64>,
    lf_hf: Option<f64>,
}

/// Wall-clock start of a record from its header (`DD/MM/YYYY` and `HH:MM:SS[.s]`).
fn header_start(h: &Header) -> Option<mlhc_core::Timestamp> {
    let (date, time) = (h.base_date.as_deref()?, h.base_time.as_deref()?);
    let d: Vec<&str> = date.split('/').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    let secs: f64 = t[2].parse().ok()?;
    let base = mlhc_core::Timestamp::from_ymd_hms(
        d[2].parse().ok()?,
        d[1].parse().ok()?,
        d[0].parse().ok()?,
        t[0].parse().ok()?,
        t[1].parse().ok()?,
        0,
    )?;
    Some(mlhc_core::Timestamp(base.0 + (secs * 1e6).round() as i64))
}

fn to_meds(a: ToMedsArgs) -> anyhow::Result<ExitCode> {
    use mlhc_meds::{CodeInfo, DatasetMetadata, DatasetWriter, Event, ShardBuilder};
    let h = read_header(&a.record)?;
    let start = match &a.start_time {
        Some(t) => mlhc_core::Timestamp::parse(t).with_context(|| format!("invalid --start-time {t:?}"))?,
        None => header_start(&h).with_context(|| {
            format!("{} has no base date and time in its header; give --start-time", a.record.display())
        })?,
    };
    let anns = read_ann(&a.record, &a.annotator)?;
    let beats: Vec<&Annotation> = anns.iter().filter(|x| x.code.is_beat()).collect();
    let samples: Vec<i64> = beats.iter().map(|x| x.sample).collect();
    let normal: Vec<bool> = beats.iter().map(|x| x.code == AnnCode::NORMAL).collect();
    let rr = RrSeries::from_normal_beats(&samples, &normal, h.fs).context("cannot form RR intervals")?;
    let (rr, _) = RrCleaning::default().apply(&rr);
    let w = mlhc_signal::hrv::windowed(&rr, a.hr_window, a.hrv_window).context("cannot summarise windows")?;
    let mut builder = ShardBuilder::new(format!("{}/0", a.split));
    let series = [("ECG//HR", &w.heart_rate_bpm), ("ECG//HRV//SDNN", &w.sdnn_ms), ("ECG//HRV//RMSSD", &w.rmssd_ms)];
    let mut counts = serde_json::Map::new();
    for (code, values) in series {
        for v in values.iter() {
            builder.push(Event {
                subject_id: a.subject_id,
                time: Some(start.0 + (v.end_s * 1e6).round() as i64),
                code,
                numeric_value: Some(v.value as f32),
                text_value: None,
            });
        }
        counts.insert(code.to_string(), values.len().into());
    }
    let (shard, vocab, _) = builder.finish(false);
    let writer = DatasetWriter::create(&a.output).with_context(|| format!("cannot create {}", a.output.display()))?;
    writer.write_shard(&format!("{}/0", a.split), &shard, &vocab).context("cannot write the shard")?;
    writer.write_splits(&[(a.subject_id, a.split.clone())])?;
    let describe = [
        ("ECG//HR", "mean heart rate over the window, beats per minute"),
        ("ECG//HRV//SDNN", "SDNN of NN intervals over the window, ms"),
        ("ECG//HRV//RMSSD", "RMSSD of NN intervals over the window, ms"),
    ];
    let codes: Vec<CodeInfo> = describe
        .iter()
        .map(|(c, d)| CodeInfo { code: c.to_string(), description: Some(d.to_string()), ..CodeInfo::default() })
        .collect();
    writer.write_codes(&codes)?;
    writer.write_metadata(&DatasetMetadata {
        dataset_name: Some(format!("signal {}", record_name(&a.record))),
        dataset_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        etl_name: Some("mlhc signal to-meds".to_string()),
        etl_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        meds_version: Some("0.4".to_string()),
        ..DatasetMetadata::default()
    })?;
    let summary = serde_json::json!({ "record": record_name(&a.record), "subject_id": a.subject_id, "events": counts,
                                      "output": a.output.display().to_string() });
    if a.json {
        ui::print_json(&summary)?;
    } else {
        println!("{} -> {}", record_name(&a.record), a.output.display());
        for (code, n) in &counts {
            println!("  {code}: {n} events");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn record_name(record: &Path) -> String {
    record.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

fn read_header(record: &Path) -> anyhow::Result<Header> {
    let path = mlhc_signal::wfdb::header_path(record);
    Header::read(&path).with_context(|| format!("cannot read header {}", path.display()))
}

fn read_ann(record: &Path, ext: &str) -> anyhow::Result<Vec<Annotation>> {
    let path = sibling_path(record, ext);
    read_annotations(&path).with_context(|| format!("cannot read annotations {}", path.display()))
}

/// Runs `mlhc signal …`.
pub fn run(cmd: SignalCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SignalCommand::Info { record, json } => {
            let h = read_header(&record)?;
            let out = InfoOut {
                record: h.name.clone(),
                fs: h.fs,
                n_samples: h.n_samples,
                signals: h
                    .signals
                    .iter()
                    .map(|s| SignalOut {
                        name: s.description.clone(),
                        file: s.file_name.clone(),
                        fmt: s.format.code(),
                        samples_per_frame: s.samples_per_frame,
                        skew: s.skew,
                        byte_offset: s.byte_offset,
                        gain: s.gain,
                        baseline: s.baseline,
                        units: s.units.clone(),
                        adc_res: s.adc_res,
                        adc_zero: s.adc_zero,
                        init_value: s.init_value,
                        checksum: s.checksum,
                    })
                    .collect(),
                segments: h.segments.as_ref().map(|segs| {
                    segs.iter().map(|g| SegmentOut { name: g.name.clone(), n_samples: g.n_samples }).collect()
                }),
            };
            if json {
                ui::print_json(&out)?;
            } else {
                println!(
                    "record {}: {} Hz, {} frames",
                    out.record,
                    out.fs,
                    out.n_samples.map_or("?".into(), |n| n.to_string())
                );
                if let Some(seg) = &h.segments {
                    println!("multi-segment record with {} segments", seg.len());
                }
                for (i, s) in out.signals.iter().enumerate() {
                    println!(
                        "  {i}: {:<12} {} fmt {} x{} gain {} {} baseline {} adc {} bits",
                        s.name, s.file, s.fmt, s.samples_per_frame, s.gain, s.units, s.baseline, s.adc_res
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SignalCommand::Detect { record, channel, method, annotator, json } => {
            let Some(m) = Method::from_name(&method) else {
                bail!("unknown method {method:?} (expected elgendi or pantompkins)");
            };
            let t0 = Instant::now();
            let read_err = || format!("cannot read record {}", record.display());
            let (x, spf, fs) = if read_header(&record)?.segments.is_some() {
                // Multi-segment: the concatenated record, one value per frame.
                let rec = read_physical(&record, 0, None).with_context(read_err)?;
                if channel >= rec.signals.len() {
                    bail!("channel {channel} does not exist: the record has {} signals", rec.signals.len());
                }
                (rec.signals[channel].held(), 1, rec.fs)
            } else {
                let rec = Record::read(&record).with_context(read_err)?;
                if channel >= rec.digital.len() {
                    bail!("channel {channel} does not exist: the record has {} signals", rec.digital.len());
                }
                let spf = rec.header.signals[channel].samples_per_frame as usize;
                (rec.physical(channel).into_held(), spf, rec.signal_fs(channel))
            };
            let read_ms = t0.elapsed().as_secs_f64() * 1e3;
            let n_samples = x.len();
            let t1 = Instant::now();
            let beats = QrsDetector::new(m)
                .detect_owned(x, fs)
                .with_context(|| format!("cannot detect QRS complexes in channel {channel}"))?;
            let detect_s = t1.elapsed().as_secs_f64();
            let anns: Vec<Annotation> = beats
                .iter()
                .map(|&b| Annotation {
                    chan: channel.min(255) as u8,
                    ..Annotation::new((b / spf) as i64, AnnCode::NORMAL)
                })
                .collect();
            let path = sibling_path(&record, &annotator);
            write_annotations(&path, &anns).with_context(|| format!("cannot write {}", path.display()))?;
            let out = DetectOut {
                record: record_name(&record),
                annotator,
                path: path.display().to_string(),
                method: m.name(),
                channel,
                fs,
                n_samples,
                n_beats: anns.len(),
                read_ms,
                detect_ms: detect_s * 1e3,
                samples_per_second: n_samples as f64 / detect_s.max(1e-9),
            };
            if json {
                ui::print_json(&out)?;
            } else {
                println!(
                    "{} beats in channel {channel} ({}), written to {}; detection {:.1} ms ({:.0} samples/s)",
                    out.n_beats, out.method, out.path, out.detect_ms, out.samples_per_second
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SignalCommand::Score { record, reference, test, window_ms, start, json } => {
            let h = read_header(&record)?;
            let r = read_ann(&record, &reference)?;
            let t = read_ann(&record, &test)?;
            let s = score_annotations(&r, &t, h.fs, window_ms, start).context("cannot score")?;
            if json {
                ui::print_json(&s)?;
            } else {
                let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{:.4}", v));
                println!(
                    "{test} vs {reference}: Se {} PPV {} F1 {} (tp {}, fp {}, fn {})",
                    pct(s.sensitivity),
                    pct(s.ppv),
                    pct(s.f1),
                    s.tp,
                    s.fp,
                    s.fn_
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SignalCommand::Plot(a) => {
            if !(a.start.is_finite() && a.start >= 0.0 && a.seconds.is_finite() && a.seconds > 0.0) {
                bail!(
                    "--start {} and --seconds {} must be a non-negative start and a positive length",
                    a.start,
                    a.seconds
                );
            }
            let read_err = || format!("cannot read record {}", a.record.display());
            // (values, samples per frame, sampling rate, name, units)
            let (signal, spf, fs, name, units) = if read_header(&a.record)?.segments.is_some() {
                // Multi-segment: the concatenated record, one value per frame.
                let rec = read_physical(&a.record, 0, None).with_context(read_err)?;
                if a.channel >= rec.signals.len() {
                    bail!("channel {} does not exist: the record has {} signals", a.channel, rec.signals.len());
                }
                let values = rec.signals[a.channel].values.clone();
                (values, 1, rec.fs, rec.names[a.channel].clone(), rec.units[a.channel].clone())
            } else {
                let rec = Record::read(&a.record).with_context(read_err)?;
                if a.channel >= rec.digital.len() {
                    bail!("channel {} does not exist: the record has {} signals", a.channel, rec.digital.len());
                }
                let spec = &rec.header.signals[a.channel];
                let (name, units) = (spec.description.clone(), spec.units.clone());
                let spf = i64::from(spec.samples_per_frame);
                (rec.physical(a.channel).values, spf, rec.signal_fs(a.channel), name, units)
            };
            let to_signal = |anns: Vec<Annotation>| -> Vec<(i64, String)> {
                anns.into_iter().map(|x| (x.sample * spf, x.code.symbol().unwrap_or("?").to_string())).collect()
            };
            let reference = match &a.reference {
                Some(ext) => to_signal(read_ann(&a.record, ext)?),
                None => Vec::new(),
            };
            let detections: Vec<i64> = match &a.test {
                Some(ext) => to_signal(read_ann(&a.record, ext)?).into_iter().map(|(s, _)| s).collect(),
                None => Vec::new(),
            };
            let title = format!("{} {name} {:.1}-{:.1} s", record_name(&a.record), a.start, a.start + a.seconds);
            let svg = mlhc_signal::plot::svg(&mlhc_signal::plot::PlotWindow {
                signal: &signal,
                fs,
                start: (a.start * fs).round() as usize,
                len: (a.seconds * fs).round() as usize,
                detections: &detections,
                reference: &reference,
                title: &title,
                units: &units,
            })
            .context("cannot draw the window")?;
            std::fs::write(&a.output, svg).with_context(|| format!("cannot write {}", a.output.display()))?;
            eprintln!("wrote {}", a.output.display());
            Ok(ExitCode::SUCCESS)
        }
        SignalCommand::ToMeds(a) => to_meds(*a),
        SignalCommand::Resample(a) => resample(*a),
        SignalCommand::Quality(a) => quality(*a),
        SignalCommand::Hrv { record, annotator, all_beats, no_clean, json } => {
            let h = read_header(&record)?;
            let anns = read_ann(&record, &annotator)?;
            let beats: Vec<&Annotation> = anns.iter().filter(|a| a.code.is_beat()).collect();
            let samples: Vec<i64> = beats.iter().map(|a| a.sample).collect();
            let normal: Vec<bool> = beats.iter().map(|a| all_beats || a.code == AnnCode::NORMAL).collect();
            let rr = RrSeries::from_normal_beats(&samples, &normal, h.fs).context("cannot form RR intervals")?;
            let (rr, removed) = if no_clean { (rr, 0) } else { RrCleaning::default().apply(&rr) };
            let td = time_domain(&rr).context("cannot compute HRV")?;
            let pc = poincare(&rr).ok();
            let fd = frequency_domain(&rr).ok();
            let out = HrvOut {
                record: record_name(&record),
                annotator,
                beats: beats.len(),
                intervals: rr.len(),
                removed,
                mean_nn_ms: td.mean_nn_ms,
                sdnn_ms: td.sdnn_ms,
                rmssd_ms: td.rmssd_ms,
                pnn50: td.pnn50,
                sd1_ms: pc.map(|p| p.sd1_ms),
                sd2_ms: pc.map(|p| p.sd2_ms),
                lf_ms2: fd.map(|f| f.lf_ms2),
                hf_ms2: fd.map(|f| f.hf_ms2),
                lf_hf: fd.map(|f| f.lf_hf),
            };
            if json {
                ui::print_json(&out)?;
            } else {
                println!(
                    "{} NN intervals ({} removed): mean {:.1} ms, SDNN {:.2} ms, RMSSD {:.2} ms, pNN50 {:.2}%",
                    out.intervals, out.removed, out.mean_nn_ms, out.sdnn_ms, out.rmssd_ms, out.pnn50
                );
                if let (Some(a), Some(b)) = (out.sd1_ms, out.sd2_ms) {
                    println!("Poincaré SD1 {a:.2} ms, SD2 {b:.2} ms");
                }
                if let (Some(lf), Some(hf), Some(r)) = (out.lf_ms2, out.hf_ms2, out.lf_hf) {
                    println!("Lomb-Scargle LF {lf:.1} ms², HF {hf:.1} ms², LF/HF {r:.3}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
