//! Times the QRS detectors on one channel of a WFDB record, inside one process.
//!
//! ```text
//! cargo run --release -p mlhc-signal --example qrs_speed -- RECORD [RUNS] [CHANNEL] [METHOD]
//! ```
//!
//! Reads the record once, then runs each detector (or only METHOD) `RUNS` times (default 15) on a
//! fresh copy of the channel and prints the median and fastest time and samples per second.

use std::time::Instant;

use mlhc_signal::qrs::{Method, QrsDetector};
use mlhc_signal::wfdb::Record;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(record) = args.next() else {
        return Err("usage: qrs_speed RECORD [RUNS] [CHANNEL] [METHOD]".into());
    };
    let runs: usize = args.next().map_or(Ok(15), |s| s.parse())?;
    let channel: usize = args.next().map_or(Ok(0), |s| s.parse())?;
    let methods = match args.next() {
        None => vec![Method::TwoAverages, Method::PanTompkins],
        Some(name) => vec![Method::from_name(&name).ok_or(format!("unknown method {name:?}"))?],
    };
    let rec = Record::read(std::path::Path::new(&record))?;
    if channel >= rec.digital.len() {
        return Err(format!("channel {channel} does not exist: the record has {} signals", rec.digital.len()).into());
    }
    let x = rec.physical(channel).into_held();
    let fs = rec.signal_fs(channel);
    for method in methods {
        let detector = QrsDetector::new(method);
        let mut times = Vec::with_capacity(runs);
        let mut beats = 0;
        for _ in 0..runs.max(1) {
            let copy = x.clone();
            let t = Instant::now();
            beats = detector.detect_owned(copy, fs)?.len();
            times.push(t.elapsed().as_secs_f64());
        }
        let first = times[0];
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "{:12} {} beats  median {:.3} ms  fastest {:.3} ms  first {:.3} ms  {:.1} M samples/s (median)",
            method.name(),
            beats,
            median * 1e3,
            times[0] * 1e3,
            first * 1e3,
            x.len() as f64 / median / 1e6
        );
    }
    Ok(())
}
