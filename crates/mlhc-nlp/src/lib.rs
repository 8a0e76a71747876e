//! Clinical NLP for mlhc: sentences, sections, concept matching, ConText assertions, de-identification.
//!
//! A rule-based pipeline in the spirit of medspaCy, with no licensed vocabulary and no model:
//! - [`token`]: tokens with byte offsets into the original text (every span mlhc reports is a byte
//!   range of the input);
//! - [`sentence`]: sentence splitting for clinical text (headers, lists, de-identification tags);
//! - [`section`]: sections from medspaCy's `section_patterns.json` rules;
//! - [`lexicon`]: target matching over large lexicons with Aho–Corasick, case- and
//!   whitespace-normalized, and optionally approximate ([`approximate`]: character 3-gram similarity
//!   with QuickUMLS-style thresholds); [`icd10cm`] builds the default open lexicon from ICD-10-CM;
//! - [`context`]: ConText (negation, possible, historical, hypothetical, family) from medspaCy's
//!   `context_rules.json` or NegEx/ConText trigger files;
//! - [`pipeline`]: all of the above on one text; [`negex`]: evaluation in the NegEx test-set format;
//! - [`deid`]: rule-based de-identification (masking) and PhysioNet-format evaluation;
//! - [`features`]: TF-IDF (scikit-learn's definition) and concept co-occurrence with lift;
//! - [`vocab`]: lexicons from a user's own UMLS (`MRCONSO.RRF`, `MRSTY.RRF`) or SNOMED CT (RF2
//!   descriptions) release.
//!
//! Targets also take assertions from their section, as medspaCy 1.3.1's sectionizer does by default
//! ([`pipeline::MEDSPACY_SECTION_ATTRIBUTES`]: past medical history is historical, family history is
//! family, allergy is hypothetical, ...).
//!
//! No Rust crate implements ConText/NegEx, medspaCy's rule formats or a clinical sentence splitter,
//! so those are written here; phrase matching uses the `aho-corasick` crate (over interned token ids)
//! and de-identification the `regex` crate.
//!
//! Text is `&str`: callers decode bytes first ([`error::utf8`] reports the offset of invalid UTF-8;
//! the `mlhc nlp` command decodes lossily with a warning).
//!
//! ```
//! use mlhc_nlp::lexicon::{Lexicon, LexiconEntry};
//! use mlhc_nlp::pipeline::{default_context, default_sectionizer, Pipeline};
//!
//! let lexicon = Lexicon::new(vec![
//!     LexiconEntry { term: "pneumonia".into(), code: "J18.9".into(), label: "PROBLEM".into() },
//!     LexiconEntry { term: "stroke".into(), code: "I63.9".into(), label: "PROBLEM".into() },
//! ])?;
//! let nlp = Pipeline::new(lexicon, default_context()?, Some(default_sectionizer()?));
//! let a = nlp.annotate("Family History:\nMother with stroke.\n\nImpression: no evidence of pneumonia.");
//! assert_eq!(a.targets.len(), 2);
//! assert!(a.targets[0].family && !a.targets[0].negated);
//! assert_eq!(a.targets[0].section_flags, [mlhc_nlp::context::Category::Family]);
//! assert_eq!(a.targets[0].section.as_deref(), Some("family_history"));
//! assert!(a.targets[1].negated);
//! assert_eq!(&"Family History:\nMother with stroke."[a.targets[0].start..a.targets[0].end], "stroke");
//! # Ok::<(), mlhc_nlp::error::NlpError>(())
//! ```

pub mod approximate;
pub mod context;
pub mod deid;
pub mod error;
pub mod features;
pub mod icd10cm;
pub mod lexicon;
pub mod negex;
pub mod pipeline;
pub mod section;
pub mod sentence;
pub mod token;
pub mod vocab;

pub use error::{NlpError, Result};
