//! Rules produced by `synthlint media`, which reads media files rather than
//! source code. They are kept out of [`crate::rules::all`] (the rules a
//! `check` runs), so they never appear in a source scan's SARIF or need
//! source fixtures; they are part of the catalogue ([`crate::rules::catalogue`])
//! for `rules`, `explain`, the generated docs and the SARIF of the media
//! command. They are tested by `tests/media.rs` on files the tests generate.

pub mod label_malformed;
pub mod label_missing;
pub mod label_wrong_carrier;
pub mod unreadable;

use crate::rules::RuleMeta;

pub const LABEL_MISSING: &str = "LBL101";
pub const LABEL_MALFORMED: &str = "LBL102";
pub const LABEL_WRONG_CARRIER: &str = "LBL103";
pub const UNREADABLE: &str = "LBL104";

/// The media rules, in code order.
pub fn all() -> Vec<&'static RuleMeta> {
    vec![
        &label_missing::META,
        &label_malformed::META,
        &label_wrong_carrier::META,
        &unreadable::META,
    ]
}
