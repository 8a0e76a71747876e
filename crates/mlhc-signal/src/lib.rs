//! Physiological signals for mlhc: WFDB and EDF readers, filters, QRS detection, beat scoring, HRV.
//!
//! - [`wfdb`]: PhysioNet records — header files with the `header(5)` defaults applied (single and
//!   multi-segment, several samples per frame, skew, byte offsets), signal formats 8, 16, 24, 32,
//!   61, 80, 160, 212, 310 and 311 read and written, the FLAC-compressed formats 508, 516 and 524
//!   read (decoded by the pure-Rust `claxon` crate), and MIT annotation files with `subtype`,
//!   `chan`, `num` and `aux` (written byte-for-byte as wfdb-python's `wrann` writes them).
//!   Digital samples are kept; [`wfdb::Record::physical`] gives physical units with a validity
//!   bitmap for the format's invalid-sample marker. [`wfdb::read_physical`] reads any record,
//!   multi-segment ones concatenated as wfdb-python's `rdrecord` does (layouts, null segments).
//! - [`edf`]: EDF, EDF+ (annotation channels) and BDF files.
//! - [`filter`]: Butterworth band/high/low-pass in second-order sections and a notch, run forward
//!   or forward-backward exactly as SciPy's `sosfiltfilt` does; median baseline removal;
//!   polyphase resampling as SciPy's `resample_poly`.
//! - [`qrs`]: Pan–Tompkins (1985, with search-back) and Elgendi's two moving averages (2013), both
//!   linear-time, both returning no beats on flat lines and noise.
//! - [`quality`]: signal-quality indices per window (template-matching tSQI after Orphanidou et
//!   al. 2015, kurtosis kSQI as NeuroKit2 computes it).
//! - [`score`]: beat-by-beat comparison like PhysioNet's `bxb` (sensitivity, PPV, F1).
//! - [`hrv`]: RR cleaning, SDNN, RMSSD, pNN50, Poincaré SD1/SD2 (NeuroKit2's definitions), and
//!   Lomb–Scargle LF/HF.
//! - [`plot`]: an SVG of a signal window with detected and reference beats.
//! - [`synth`]: synthetic ECG with known beats.
//!
//! The WFDB header, signal, record and annotation parsers and the EDF reader are fuzzed with
//! cargo-fuzz (targets in the repository's `fuzz/` folder; how to run them and what was run:
//! bench/signals/README.md): bad input is an [`Error`], never a panic.
//!
//! The readers and the filter design are written here rather than taken from crates: no Rust
//! crate reads WFDB's packed formats and annotation files, and the filter crates available neither
//! design Butterworth sections nor reproduce SciPy's zero-phase padding and initial conditions,
//! which the golden tests need.
//!
//! ```
//! use mlhc_core::Rng;
//! use mlhc_signal::qrs::{Method, QrsDetector};
//! use mlhc_signal::score::match_beats;
//! use mlhc_signal::synth::SynthEcg;
//!
//! // Two minutes of synthetic ECG at 90 bpm with noise and baseline wander.
//! let ecg = SynthEcg { seconds: 120.0, bpm: 90.0, noise_sd: 0.05, wander_mv: 0.4, ..SynthEcg::default() };
//! let (x, truth) = ecg.generate(&mut Rng::seed_from_u64(1)).unwrap();
//! let found = QrsDetector::new(Method::PanTompkins).detect(&x, ecg.fs).unwrap();
//! let to_i64 = |v: &[usize]| v.iter().map(|&b| b as i64).collect::<Vec<_>>();
//! // A 150 ms match window at 360 Hz is 54 samples.
//! let score = match_beats(&to_i64(&truth), &to_i64(&found), 54).unwrap();
//! assert_eq!((score.fp, score.fn_), (0, 0));
//! ```

pub mod edf;
pub mod error;
pub mod filter;
pub mod hrv;
pub mod plot;
pub mod qrs;
pub mod quality;
pub mod score;
pub mod synth;
pub mod wfdb;

pub use error::{Error, Result};
