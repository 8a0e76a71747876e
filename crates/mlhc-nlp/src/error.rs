//! The error type of mlhc-nlp.

/// Errors raised while reading rule files, lexicons and evaluation sets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NlpError {
    /// A line of a tab-separated file (NegEx triggers, lexicon, test set) could not be parsed.
    #[error("{source_name}: line {line}: {message}")]
    Line {
        /// The file or stream the line came from.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// A JSON rule file or lexicon is malformed or has an unexpected shape.
    #[error("{source_name}: {message}")]
    Json {
        /// The file or stream the JSON came from.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// A rule uses a value outside its vocabulary (an unknown direction, an empty literal).
    #[error("{source_name}: rule {index}: {message}")]
    Rule {
        /// The file or stream the rule came from.
        source_name: String,
        /// 0-based index of the rule in its file.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// Bytes that are not valid UTF-8 where text was required.
    #[error("{source_name}: invalid UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// The file or stream.
        source_name: String,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Reading a compressed or embedded resource failed.
    #[error("{source_name}: {message}")]
    Resource {
        /// The resource.
        source_name: String,
        /// What failed.
        message: String,
    },
}

/// Result alias of mlhc-nlp.
pub type Result<T> = std::result::Result<T, NlpError>;

/// Decodes `bytes` as UTF-8, naming `source_name` and the byte offset on failure.
pub fn utf8<'a>(bytes: &'a [u8], source_name: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes)
        .map_err(|e| NlpError::InvalidUtf8 { source_name: source_name.to_string(), offset: e.valid_up_to() })
}
