use std::collections::HashMap;

use mlhc_core::CodeId;

/// A code vocabulary: each distinct code string gets a dense [`CodeId`].
///
/// Shards store `u32` ids into one vocabulary instead of strings, so predicates and featurizers compare
/// integers, and each code string is stored once.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    codes: Vec<String>,
    index: HashMap<String, u32>,
}

impl Vocabulary {
    /// An empty vocabulary.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `code`, adding it if new.
    pub fn intern(&mut self, code: &str) -> CodeId {
        if let Some(&id) = self.index.get(code) {
            return CodeId(id);
        }
        let id = u32::try_from(self.codes.len()).expect("fewer than 2^32 distinct codes");
        self.codes.push(code.to_string());
        self.index.insert(code.to_string(), id);
        CodeId(id)
    }

    /// The id of `code`, if present.
    pub fn get(&self, code: &str) -> Option<CodeId> {
        self.index.get(code).map(|&id| CodeId(id))
    }

    /// The code string of `id`. Panics on an id from another vocabulary that is out of range.
    pub fn code(&self, id: CodeId) -> &str {
        &self.codes[id.index()]
    }

    /// The number of codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// All codes in id order.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// Interns every code of `other` and returns the map from `other`'s ids to ids in `self`.
    pub fn merge(&mut self, other: &Vocabulary) -> Vec<u32> {
        other.codes.iter().map(|c| self.intern(c).0).collect()
    }
}
