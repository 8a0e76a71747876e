//! Trains gradient-boosted trees on an npz CSR matrix and writes test-set probabilities, for
//! `bench/gbdt/bench.sh` (which compares them with LightGBM and XGBoost on the same files).
//!
//! Usage: `gbdt_bench DIR NUM_TREES NUM_LEAVES THREADS` where DIR holds `x_train.npz`, `x_test.npz`
//! (scipy CSR; absent entries are missing) and `y.npz` (`y_train`, `y_test` as float64). Prints one
//! JSON line with the fit time and writes `DIR/pred_mlhc.npy` (float64).

use std::path::Path;
use std::time::Instant;

use mlhc_core::CsrMatrix;
use mlhc_learn::gbdt::{fit, GbdtParams};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The arrays of an uncompressed `.npz` (as `bench/gbdt/gen.py` writes it) as raw little-endian
/// bytes with their dtype. Kept here rather than using mlhc-tab so the benchmark only depends on the
/// crate it measures.
fn read_npz(path: &Path) -> BoxResult<Vec<(String, String, Vec<u8>)>> {
    let b = std::fs::read(path)?;
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 30 <= b.len() && u32_at(pos) == 0x0403_4b50 {
        if u16_at(pos + 8) != 0 {
            return Err(format!("{}: compressed entries are not supported", path.display()).into());
        }
        let (size, name_len, extra_len) = (u32_at(pos + 18), u16_at(pos + 26), u16_at(pos + 28));
        let name = String::from_utf8_lossy(&b[pos + 30..pos + 30 + name_len]).trim_end_matches(".npy").to_string();
        let data = &b[pos + 30 + name_len + extra_len..][..size];
        let header_len = u16::from_le_bytes([data[8], data[9]]) as usize;
        let header = String::from_utf8_lossy(&data[10..10 + header_len]).to_string();
        let dtype = header.split('\'').nth(3).unwrap_or("").to_string();
        out.push((name, dtype, data[10 + header_len..].to_vec()));
        pos += 30 + name_len + extra_len + size;
    }
    Ok(out)
}

fn array<'a>(arrays: &'a [(String, String, Vec<u8>)], name: &str, dtype: &str) -> BoxResult<&'a [u8]> {
    arrays
        .iter()
        .find(|(n, d, _)| n == name && d == dtype)
        .map(|(_, _, v)| v.as_slice())
        .ok_or_else(|| format!("no {dtype} array {name}").into())
}

fn read_csr(path: &Path) -> BoxResult<CsrMatrix> {
    let a = read_npz(path)?;
    let i64s =
        |v: &[u8]| v.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect::<Vec<_>>();
    let shape = i64s(array(&a, "shape", "<i8")?);
    let indptr = i64s(array(&a, "indptr", "<i8")?).into_iter().map(|p| p as u64).collect();
    let indices = array(&a, "indices", "<i4")?
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
        .collect();
    let data =
        array(&a, "data", "<f4")?.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4]))).collect();
    Ok(CsrMatrix::from_parts(shape[1] as usize, indptr, indices, data)?)
}

/// Writes a float64 vector as a `.npy` file.
fn write_npy(path: &Path, v: &[f64]) -> BoxResult<()> {
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}", v.len());
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut buf = b"\x93NUMPY\x01\x00".to_vec();
    buf.extend_from_slice(&(header.len() as u16).to_le_bytes());
    buf.extend_from_slice(header.as_bytes());
    v.iter().for_each(|x| buf.extend_from_slice(&x.to_le_bytes()));
    Ok(std::fs::write(path, buf)?)
}

/// CPU seconds (user + system, all threads) of this process so far, from `/proc/self/stat` (Linux;
/// 0 elsewhere). Reported next to wall time because the benchmark machine is shared, and wall time
/// there measures the neighbours as much as the code.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Numeric fields after the parenthesized command name (the state letter drops out), so utime and
    // stime, fields 14 and 15 (1-based), are at 10 and 11,
    // in clock ticks of 1/100 s on Linux.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    f.get(10).zip(f.get(11)).map(|(u, s)| (u + s) / 100.0).unwrap_or(0.0)
}

fn main() -> BoxResult<()> {
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
    let y_train: Vec<f64> = array(&labels, "y_train", "<f8")?
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect();
    let (start, cpu0) = (Instant::now(), cpu_seconds());
    let model = fit(&x_train, &y_train, &params)?;
    let fit_s = start.elapsed().as_secs_f64();
    let fit_cpu_s = cpu_seconds() - cpu0;
    let start = Instant::now();
    let p = model.predict(&x_test);
    let predict_s = start.elapsed().as_secs_f64();
    write_npy(&dir.join("pred_mlhc.npy"), &p)?;
    let leaves: usize = model.trees.iter().map(|t| t.n_leaves()).sum();
    println!(
        "{{\"fit_s\": {fit_s:.3}, \"fit_cpu_s\": {fit_cpu_s:.2}, \"predict_s\": {predict_s:.3}, \"trees\": {}, \"leaves\": {leaves}}}",
        model.trees.len()
    );
    Ok(())
}
