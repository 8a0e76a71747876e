//! One module per subcommand.

pub mod etl;
pub mod meds;
pub mod synth;
