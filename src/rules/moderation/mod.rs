pub mod input_moderation_missing;
pub mod moderation_hit_unrecorded;
pub mod output_moderation_missing;
pub mod safety_checker_disabled;
pub mod sites;
