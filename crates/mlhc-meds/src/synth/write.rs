//! Writing a generated dataset: shards in parallel, then the metadata files.

use std::path::Path;

use rayon::prelude::*;

use crate::synth::{ShardSpec, Synth};
use crate::{DatasetWriter, Result};

/// What [`Synth::write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthSummary {
    /// The number of subjects.
    pub subjects: usize,
    /// The number of events (rows) over all shards.
    pub events: usize,
    /// The number of shard files.
    pub shards: usize,
}

impl Synth {
    /// Writes the whole dataset under `root` (which must not already hold a MEDS dataset): every shard
    /// (generated and written in parallel, one shard in memory per worker thread), then
    /// `metadata/codes.parquet`, `metadata/subject_splits.parquet` and `metadata/dataset.json`.
    /// `on_shard` is called after each shard is written, with the shard and its event count.
    pub fn write(&self, root: &Path, on_shard: &(dyn Fn(&ShardSpec, usize) + Sync)) -> Result<SynthSummary> {
        let writer = DatasetWriter::create(root)?;
        let events = (0..self.shards().len())
            .into_par_iter()
            .map(|i| {
                let shard = self.generate_shard(i);
                writer.write_shard(&self.shards()[i].name, &shard, self.vocabulary())?;
                on_shard(&self.shards()[i], shard.n_events());
                Ok(shard.n_events())
            })
            .collect::<Result<Vec<usize>>>()?;
        writer.write_codes(self.codes())?;
        let splits: Vec<(i64, String)> =
            self.subject_splits().into_iter().map(|(sid, split)| (sid, split.name().to_string())).collect();
        writer.write_splits(&splits)?;
        writer.write_metadata(&self.metadata())?;
        Ok(SynthSummary { subjects: self.n_subjects(), events: events.iter().sum(), shards: events.len() })
    }
}
