//! Times the phases of a Cox fit from a table file: reading, resolving the design, fitting (Efron
//! ties), repeated `REPEATS` times, and prints the coefficients' checksum.
//!
//! `cargo run --release -p mlhc-surv --example cox_phases -- DATA DURATION EVENT [REPEATS]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use mlhc_frame::Frame;
use mlhc_surv::{CoxData, CoxParams, Roles, SurvivalTable};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeats: usize = args.get(4).map_or(1, |r| r.parse().unwrap());
    for _ in 0..repeats {
        let t0 = Instant::now();
        let frame = Frame::read(Path::new(&args[1])).unwrap();
        let t1 = Instant::now();
        let roles = Roles { duration: args[2].clone(), event: args[3].clone(), ..Roles::default() };
        let t = SurvivalTable::from_frame(&frame, &roles).unwrap();
        drop(frame);
        let t2 = Instant::now();
        let data = CoxData::new(&t.x, &t.names, &t.durations, &t.events);
        let m = CoxParams::default().fit(&data).unwrap();
        let t3 = Instant::now();
        println!(
            "read {:.3} s, design {:.3} s, fit {:.3} s ({} iterations), sum(coef) {:.12}",
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            (t3 - t2).as_secs_f64(),
            m.iterations,
            m.coefficients.iter().sum::<f64>()
        );
    }
}
