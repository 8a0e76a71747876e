//! Versioned model files: a fitted model with the feature names and preprocessing it expects.
//!
//! A model file is JSON: `{"format": "mlhc-model", "version": 1, "software", "model": {"kind", ...},
//! "feature_names", "transform", "metadata"}`. `metadata` carries whatever the producer needs to rebuild
//! the features (mlhc stores the tabularization feature space there). Files are written to a temporary
//! name and renamed into place.

use std::path::Path;

use mlhc_core::CsrMatrix;
use serde::{Deserialize, Serialize};

use crate::logistic::LogisticModel;
use crate::{Error, Result};

/// The format name of model files.
pub const MODEL_FORMAT: &str = "mlhc-model";
/// The newest model-file version this build reads and the one it writes.
pub const MODEL_VERSION: u32 = 1;

/// A transform applied to every stored feature value before the model sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureTransform {
    /// Values as they are.
    #[default]
    Identity,
    /// `sign(v) · ln(1 + |v|)`: tames heavy-tailed counts and sums for linear models. Zero maps to zero
    /// and absent entries stay absent.
    SignedLog1p,
}

impl FeatureTransform {
    /// Applies the transform to every stored value of `x`.
    pub fn apply(self, x: &CsrMatrix) -> CsrMatrix {
        match self {
            Self::Identity => x.clone(),
            Self::SignedLog1p => x.map_values(|v| v.signum() * v.abs().ln_1p()),
        }
    }
}

/// A fitted model of any kind mlhc can save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Model {
    /// Penalized logistic regression.
    Logistic(LogisticModel),
    /// Gradient-boosted trees (binary objective: probabilities; regression: raw scores).
    Gbdt(crate::gbdt::GbdtModel),
}

impl Model {
    /// Predicted probabilities of class 1 for (already transformed) features.
    pub fn predict_proba(&self, x: &CsrMatrix) -> Vec<f64> {
        match self {
            Self::Logistic(m) => m.predict_proba(x),
            Self::Gbdt(m) => m.predict(x),
        }
    }
}

/// A model with everything needed to apply it to new data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// The file version.
    pub version: u32,
    /// The software that wrote it (e.g. `mlhc 0.1.0`).
    pub software: String,
    /// The model.
    pub model: Model,
    /// Feature names, in column order.
    pub feature_names: Vec<String>,
    /// The transform applied to features before the model.
    pub transform: FeatureTransform,
    /// Producer-specific data (e.g. the tabularization feature space).
    pub metadata: serde_json::Value,
}

impl ModelFile {
    /// A model file of the current version.
    pub fn new(
        model: Model,
        feature_names: Vec<String>,
        transform: FeatureTransform,
        metadata: serde_json::Value,
    ) -> Self {
        Self {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            software: format!("mlhc {}", env!("CARGO_PKG_VERSION")),
            model,
            feature_names,
            transform,
            metadata,
        }
    }

    /// Probabilities for raw (untransformed) features with this model's columns.
    pub fn predict_proba(&self, x: &CsrMatrix) -> Result<Vec<f64>> {
        if x.n_cols() != self.feature_names.len() {
            return Err(Error::FeatureMismatch { expected: self.feature_names.len(), found: x.n_cols() });
        }
        Ok(self.model.predict_proba(&self.transform.apply(x)))
    }

    /// Writes the file (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let err = |e: String| Error::ModelFile { path: path.display().to_string(), message: e };
        let text = serde_json::to_string(self).map_err(|e| err(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
    }

    /// Reads a model file. A file from a newer mlhc, of another format, or corrupt, is an error that says
    /// which.
    pub fn load(path: &Path) -> Result<Self> {
        let err = |e: String| Error::ModelFile { path: path.display().to_string(), message: e };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let head: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| err(format!("corrupt model file (not JSON): {e}")))?;
        if head.get("format").and_then(|f| f.as_str()) != Some(MODEL_FORMAT) {
            return Err(err(format!(
                "not an mlhc model file (format is {})",
                head.get("format").unwrap_or(&serde_json::Value::Null)
            )));
        }
        match head.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v > MODEL_VERSION as u64 => {
                return Err(err(format!(
                    "model file version {v} was written by a newer mlhc; this build reads up to version {MODEL_VERSION}"
                )))
            }
            Some(_) => {}
            None => return Err(err("corrupt model file: no version".into())),
        }
        let file: Self = serde_json::from_value(head).map_err(|e| err(format!("corrupt model file: {e}")))?;
        let n_weights = match &file.model {
            Model::Logistic(m) => m.coef.len(),
            Model::Gbdt(m) => {
                // Children must point forward inside the tree (trees are stored parent before child), so
                // that prediction on a loaded file always terminates and never indexes out of range.
                for (t, tree) in m.trees.iter().enumerate() {
                    for (i, node) in tree.nodes.iter().enumerate() {
                        if let crate::gbdt::Node::Split { feature, left, right, .. } = node {
                            let ok = |c: u32| (c as usize) > i && (c as usize) < tree.nodes.len();
                            if *feature as usize >= m.n_features || !ok(*left) || !ok(*right) {
                                return Err(err(format!("corrupt model file: tree {t} node {i} is out of range")));
                            }
                        }
                    }
                    if tree.nodes.is_empty() {
                        return Err(err(format!("corrupt model file: tree {t} has no nodes")));
                    }
                }
                m.n_features
            }
        };
        if n_weights != file.feature_names.len() {
            return Err(err(format!(
                "corrupt model file: the model has {n_weights} features but the file names {}",
                file.feature_names.len()
            )));
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logistic::{fit, LogisticParams};

    #[test]
    fn round_trip_and_version_and_corruption_errors() {
        let mut x = CsrMatrix::new(2);
        let mut y = Vec::new();
        for i in 0..30 {
            x.push_row(&[(0, i as f32), (1, (i % 3) as f32)]);
            y.push(if (i * 7) % 30 < i { 1.0 } else { 0.0 });
        }
        let m = fit(&x, &y, &LogisticParams::default()).expect("fits");
        let file = ModelFile::new(
            Model::Logistic(m),
            vec!["a".into(), "b".into()],
            FeatureTransform::SignedLog1p,
            serde_json::json!({"k": 1}),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("model.json");
        file.save(&p).expect("saves");
        let back = ModelFile::load(&p).expect("loads");
        assert_eq!(back, file);
        assert_eq!(back.predict_proba(&x).expect("predicts"), file.predict_proba(&x).expect("predicts"));
        assert!(matches!(
            back.predict_proba(&CsrMatrix::new(3)),
            Err(Error::FeatureMismatch { expected: 2, found: 3 })
        ));

        let text = std::fs::read_to_string(&p).expect("reads").replace("\"version\":1", "\"version\":7");
        std::fs::write(&p, text).expect("writes");
        let e = ModelFile::load(&p).expect_err("newer").to_string();
        assert!(
            e.ends_with("model file version 7 was written by a newer mlhc; this build reads up to version 1"),
            "{e}"
        );
        std::fs::write(&p, "{\"format\": \"mlhc-model\", \"ver").expect("writes");
        assert!(ModelFile::load(&p).expect_err("corrupt").to_string().contains("corrupt model file (not JSON)"));
    }

    #[test]
    fn boosted_trees_round_trip_and_corrupt_trees_are_rejected() {
        let mut x = CsrMatrix::new(2);
        let mut y = Vec::new();
        for i in 0..60 {
            x.push_row(&[(0, i as f32), (1, (i % 3) as f32)]);
            y.push(if i % 4 == 0 || i > 40 { 1.0 } else { 0.0 });
        }
        let params = crate::gbdt::GbdtParams { num_trees: 5, min_data_in_leaf: 3, ..Default::default() };
        let m = crate::gbdt::fit(&x, &y, &params).expect("fits");
        let file = ModelFile::new(
            Model::Gbdt(m),
            vec!["a".into(), "b".into()],
            FeatureTransform::Identity,
            serde_json::Value::Null,
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("trees.json");
        file.save(&p).expect("saves");
        let back = ModelFile::load(&p).expect("loads");
        assert_eq!(back.predict_proba(&x).expect("predicts"), file.predict_proba(&x).expect("predicts"));
        // A child index pointing outside its tree would loop or index out of range at prediction time.
        let text = std::fs::read_to_string(&p).expect("reads");
        assert!(text.contains("\"left\":1,"), "{text}");
        std::fs::write(&p, text.replacen("\"left\":1,", "\"left\":0,", 1)).expect("writes");
        let e = ModelFile::load(&p).expect_err("corrupt").to_string();
        assert!(e.contains("corrupt model file: tree 0 node 0 is out of range"), "{e}");
    }
}
