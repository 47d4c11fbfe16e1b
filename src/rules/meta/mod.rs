pub mod bare_suppression;
pub mod unused_suppression;
