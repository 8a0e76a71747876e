//! Fits the sparse elastic-net Cox on a problem written by `bench/survival/gen_sparse.py` and prints
//! the wall time of the fit and the coefficients as JSON (for `bench/survival/bench_sparse.sh`).
//!
//! `cargo run --release -p mlhc-surv --example coxnet_bench -- DIR PENALIZER L1_RATIO [COLUMNS]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use mlhc_core::{CscMatrix, CsrMatrix};
use mlhc_surv::{SparseCoxData, SparseCoxParams};

fn read(dir: &str, name: &str) -> Vec<u8> {
    std::fs::read(format!("{dir}/{name}")).expect("input file")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, penalizer, l1_ratio) = (&args[1], args[2].parse().unwrap(), args[3].parse().unwrap());
    let start = Instant::now();
    let time: Vec<f64> =
        read(dir, "time.f64").chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect();
    let event: Vec<bool> = read(dir, "event.u8").iter().map(|&b| b == 1).collect();
    let indptr: Vec<u64> =
        read(dir, "indptr.u64").chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().unwrap())).collect();
    let indices: Vec<u32> =
        read(dir, "indices.u32").chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().unwrap())).collect();
    let data: Vec<f32> =
        read(dir, "data.f32").chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    let p: usize = std::fs::read_to_string(format!("{dir}/p.txt")).unwrap().trim().parse().unwrap();
    let mut m = CsrMatrix::from_parts(p, indptr, indices, data).unwrap();
    if let Some(cols) = args.get(4) {
        // Keep the first `cols` columns only.
        let cols: u32 = cols.parse().unwrap();
        let mut sub = CsrMatrix::new(cols as usize);
        for i in 0..m.n_rows() {
            let (idx, val) = m.row(i);
            let e: Vec<(u32, f32)> = idx.iter().zip(val).filter(|(&j, _)| j < cols).map(|(&j, &v)| (j, v)).collect();
            sub.push_row(&e);
        }
        m = sub;
    }
    let read_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let x = CscMatrix::from_csr(&m);
    let fit = SparseCoxParams { penalizer, l1_ratio, ..SparseCoxParams::default() }
        .fit(&SparseCoxData { x: &x, durations: &time, events: &event, strata: None })
        .unwrap();
    let fit_s = start.elapsed().as_secs_f64();
    let coef: Vec<String> = fit.coef.iter().map(|c| format!("{c:e}")).collect();
    println!(
        "{{\"read_s\": {read_s}, \"fit_s\": {fit_s}, \"iterations\": {}, \"n_nonzero\": {}, \"coef\": [{}]}}",
        fit.iterations,
        fit.n_nonzero(),
        coef.join(",")
    );
}
