//! PhysioNet WFDB records: headers, signal files and annotation files.

pub mod annotation;
pub mod flac;
pub mod format;
pub mod header;
pub mod multi;
pub mod record;

pub use annotation::{read_annotations, write_annotations, AnnCode, Annotation};
pub use format::SignalFormat;
pub use header::{Header, SegmentSpec, SignalSpec};
pub use multi::{read_physical, PhysicalRecord};
pub use record::{header_path, sibling_path, PhysicalSignal, Record};
