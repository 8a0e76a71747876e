//! One module per subcommand.

pub mod causal;
pub mod cohort;
pub mod etl;
pub mod meds;
pub mod nlp;
pub mod predict;
pub mod quickstart;
pub mod report;
pub mod run;
pub mod signal;
pub mod surv;
pub mod synth;
pub mod tabularize;
pub mod train;
