//! One module per subcommand.

pub mod cohort;
pub mod etl;
pub mod meds;
pub mod predict;
pub mod quickstart;
pub mod synth;
pub mod tabularize;
pub mod train;
