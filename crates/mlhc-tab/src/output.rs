//! The on-disk feature format, written by `mlhc tabularize` and read by the learners.
//!
//! ```text
//! OUT/feature_space.json      {"format": "mlhc-features", "version": 1, "params", "names", "summary"}
//! OUT/<split>/features.npz    the CSR matrix, as scipy.sparse.save_npz writes it (float32 values)
//! OUT/<split>/rows.npz        subject_id (int64), prediction_time (int64, µs since the epoch),
//!                             label (float64; NaN where has_label is false), has_label (bool)
//! ```
//!
//! In `features.npz` an absent entry means "not observed in the window"; an observed zero is stored.
//! From Python: `scipy.sparse.load_npz("OUT/train/features.npz")`, `numpy.load("OUT/train/rows.npz")`,
//! `json.load(open("OUT/feature_space.json"))["names"]`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::npz::{read_csr, read_npz, write_csr, write_npz, NpyArray};
use crate::space::FeatureSpace;
use crate::tabularize::{PredictionRow, SplitFeatures, TabSummary, Tabularized};
use crate::{Error, Result, TabParams};

/// The format name in `feature_space.json`.
pub const FORMAT: &str = "mlhc-features";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct SpaceFile {
    format: String,
    version: u32,
    params: TabParams,
    names: Vec<String>,
    splits: Vec<String>,
    summary: Option<TabSummary>,
    space: FeatureSpace,
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::File { path: path.to_path_buf(), message: e.to_string() }
}

/// Writes a tabularization to `dir` in the format above.
pub fn write_features(dir: &Path, t: &Tabularized) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
    for s in &t.splits {
        let sub = dir.join(&s.split);
        write_csr(&sub.join("features.npz"), &s.matrix)?;
        write_npz(
            &sub.join("rows.npz"),
            &[
                ("subject_id", NpyArray::I64(s.rows.iter().map(|r| r.subject_id).collect())),
                ("prediction_time", NpyArray::I64(s.rows.iter().map(|r| r.prediction_time).collect())),
                ("label", NpyArray::F64(s.rows.iter().map(|r| r.label.unwrap_or(f64::NAN)).collect())),
                ("has_label", NpyArray::Bool(s.rows.iter().map(|r| r.label.is_some()).collect())),
            ],
        )?;
    }
    let file = SpaceFile {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        params: t.space.params.clone(),
        names: t.space.names.clone(),
        splits: t.splits.iter().map(|s| s.split.clone()).collect(),
        summary: Some(t.summary.clone()),
        space: t.space.clone(),
    };
    let path = dir.join("feature_space.json");
    let text = serde_json::to_string_pretty(&file).map_err(|e| file_err(&path, e))?;
    let tmp = dir.join("feature_space.json.tmp");
    std::fs::write(&tmp, text).map_err(|e| file_err(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| file_err(&path, e))
}

/// Reads a tabularization written by [`write_features`]. A file from a newer format version, or a
/// matrix whose width disagrees with the feature names, is an error.
pub fn read_features(dir: &Path) -> Result<Tabularized> {
    let path = dir.join("feature_space.json");
    let text = std::fs::read_to_string(&path).map_err(|e| file_err(&path, e))?;
    let file: SpaceFile = serde_json::from_str(&text).map_err(|e| file_err(&path, e))?;
    if file.format != FORMAT {
        return Err(file_err(&path, format!("format is {:?}, expected {FORMAT:?}", file.format)));
    }
    if file.version > FORMAT_VERSION {
        return Err(file_err(
            &path,
            format!("format version {} is newer than this mlhc reads ({FORMAT_VERSION}); upgrade mlhc", file.version),
        ));
    }
    let mut splits = Vec::new();
    for split in &file.splits {
        let fpath = dir.join(split).join("features.npz");
        let matrix = read_csr(&fpath)?;
        if matrix.n_cols() != file.names.len() {
            return Err(file_err(
                &fpath,
                format!("{} columns but {} feature names", matrix.n_cols(), file.names.len()),
            ));
        }
        let rpath = dir.join(split).join("rows.npz");
        let arrays = read_npz(&rpath)?;
        let get = |n: &str| arrays.iter().find(|(k, _)| k == n).map(|(_, a)| a);
        let (
            Some(NpyArray::I64(sid)),
            Some(NpyArray::I64(time)),
            Some(NpyArray::F64(label)),
            Some(NpyArray::Bool(has)),
        ) = (get("subject_id"), get("prediction_time"), get("label"), get("has_label"))
        else {
            return Err(file_err(
                &rpath,
                "expected arrays subject_id, prediction_time (int64), label (float64), has_label (bool)",
            ));
        };
        let n = matrix.n_rows();
        if [sid.len(), time.len(), label.len(), has.len()].iter().any(|&l| l != n) {
            return Err(file_err(&rpath, format!("row arrays do not all have the matrix's {n} rows")));
        }
        let rows = (0..n)
            .map(|i| PredictionRow { subject_id: sid[i], prediction_time: time[i], label: has[i].then_some(label[i]) })
            .collect();
        splits.push(SplitFeatures { split: split.clone(), rows, matrix });
    }
    Ok(Tabularized { space: file.space, splits, summary: file.summary.unwrap_or_default() })
}
