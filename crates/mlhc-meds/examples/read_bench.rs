//! Reads a whole MEDS dataset into memory with `Dataset::open(..).load(..)` and prints one JSON line:
//! events, subjects, shards, distinct codes, the sum of numeric values (to check against other readers)
//! and the seconds the read took. Used by `bench/meds_read`.
//!
//! ```text
//! cargo run --release -p mlhc-meds --example read_bench -- DATASET_DIR
//! ```

use std::time::Instant;

use mlhc_meds::{Dataset, ReadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: read_bench DATASET_DIR")?;
    let start = Instant::now();
    let loaded = Dataset::open(&dir)?.load(&ReadOptions::default())?;
    let seconds = start.elapsed().as_secs_f64();
    let mut events = 0usize;
    let mut subjects = 0usize;
    let mut numeric_sum = 0f64;
    let mut numeric_count = 0usize;
    for shard in &loaded.shards {
        events += shard.n_events();
        subjects += shard.n_subjects();
        let valid = shard.numeric_valid();
        for (k, &v) in shard.numeric_values().iter().enumerate() {
            if valid.get(k) {
                numeric_sum += v as f64;
                numeric_count += 1;
            }
        }
    }
    println!(
        "{{\"events\": {events}, \"subjects\": {subjects}, \"shards\": {}, \"codes\": {}, \"numeric_count\": {numeric_count}, \"numeric_sum\": {numeric_sum}, \"seconds\": {seconds}}}",
        loaded.shards.len(),
        loaded.vocab.len()
    );
    Ok(())
}
