//! Trains gradient-boosted trees on an npz CSR matrix and writes test-set probabilities, for
//! `bench/gbdt/bench.sh` (which compares them with LightGBM and XGBoost on the same files).
//!
//! Usage: `gbdt_bench DIR NUM_TREES NUM_LEAVES THREADS` where DIR holds `x_train.npz`, `x_test.npz`
//! (scipy CSR; absent entries are missing) and `y.npz` (`y_train`, `y_test` as float64). Prints one
//! JSON line with the fit time and writes `DIR/pred_mlhc.npz` (`p`, float64).

use std::path::Path;
use std::time::Instant;

use mlhc_learn::gbdt::{fit, GbdtParams};
use mlhc_tab::npz::{read_csr, read_npz, write_npz, NpyArray};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: gbdt_bench DIR NUM_TREES NUM_LEAVES THREADS".into());
    }
    let dir = Path::new(&args[1]);
    let params = GbdtParams {
        num_trees: args[2].parse()?,
        num_leaves: args[3].parse()?,
        n_threads: args[4].parse()?,
        ..Default::default()
    };
    let x_train = read_csr(&dir.join("x_train.npz"))?;
    let x_test = read_csr(&dir.join("x_test.npz"))?;
    let labels = read_npz(&dir.join("y.npz"))?;
    let y_train = labels
        .iter()
        .find_map(|(k, a)| match a {
            NpyArray::F64(v) if k == "y_train" => Some(v.clone()),
            _ => None,
        })
        .ok_or("y.npz has no float64 y_train")?;
    let start = Instant::now();
    let model = fit(&x_train, &y_train, &params)?;
    let fit_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let p = model.predict(&x_test);
    let predict_s = start.elapsed().as_secs_f64();
    write_npz(&dir.join("pred_mlhc.npz"), &[("p", NpyArray::F64(p))])?;
    let leaves: usize = model.trees.iter().map(|t| t.n_leaves()).sum();
    println!(
        "{{\"fit_s\": {fit_s:.3}, \"predict_s\": {predict_s:.3}, \"trees\": {}, \"leaves\": {leaves}}}",
        model.trees.len()
    );
    Ok(())
}
