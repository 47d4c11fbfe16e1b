pub mod input_moderation_missing;
pub mod output_moderation_missing;
pub mod safety_checker_disabled;
pub mod sites;
