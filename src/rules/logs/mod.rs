pub mod durations;
pub mod retention_too_short;
