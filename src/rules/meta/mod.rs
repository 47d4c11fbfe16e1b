pub mod bare_suppression;
pub mod suppression_without_reason;
pub mod unused_suppression;
