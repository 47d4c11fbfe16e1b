//! Reporters: render a `ScanResult`. Output is deterministic: sorted input,
//! no hash-map iteration, repo-relative paths only.

pub mod escape;
pub mod fingerprint;
pub mod github;
pub mod inventory;
pub mod json;
pub mod media;
pub mod redact;
pub mod sarif;
pub mod text;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
}

pub struct ReportOptions {
    pub color: bool,
    /// Leave suppressed findings out (GitHub shows them as open otherwise).
    pub omit_suppressed: bool,
}
