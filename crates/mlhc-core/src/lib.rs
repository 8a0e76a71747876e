//! The shared vocabulary of mlhc: domain newtypes, a validity bitmap, a seeded random number
//! generator, sparse design matrices and the errors they raise.
//!
//! Every other mlhc crate builds on these types, so they stay small and free of I/O.
//!
//! ```
//! use mlhc_core::{Bitmap, Rng, Timestamp};
//!
//! // A seeded generator reproduces its stream bit for bit.
//! let mut a = Rng::seed_from_u64(7);
//! let mut b = Rng::seed_from_u64(7);
//! assert_eq!(a.next_u64(), b.next_u64());
//!
//! // Missingness is a validity bitmap, never a sentinel value.
//! let mut valid = Bitmap::new_unset(3);
//! valid.set(1, true);
//! assert_eq!(valid.count_set(), 1);
//!
//! // Timestamps are microseconds since the Unix epoch.
//! let t = Timestamp::parse("2180-03-23 11:51:00").unwrap();
//! assert_eq!(t.to_string(), "2180-03-23T11:51:00");
//! ```

mod bitmap;
mod error;
mod rng;
mod sparse;
mod time;

pub use bitmap::Bitmap;
pub use error::{Error, Result};
pub use rng::Rng;
pub use sparse::{CscMatrix, CsrMatrix};
pub use time::{Timestamp, MICROS_PER_DAY, MICROS_PER_SECOND};

/// A subject (patient) identifier, as in the MEDS `subject_id` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubjectId(pub i64);

impl std::fmt::Display for SubjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An index into a code vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodeId(pub u32);

impl CodeId {
    /// The index as a `usize`, for slicing.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
