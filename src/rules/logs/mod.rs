pub mod durations;
pub mod input_not_recorded;
pub mod record_without_requester;
pub mod records;
pub mod retention_too_short;
