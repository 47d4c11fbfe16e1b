//! Frontends. The only place that touches tree-sitter (and, later, syn).
//! Each turns one file's text into owned `FileFacts`.

pub mod ffmpeg;
pub mod python;

use crate::facts::{FileFacts, Language};
use crate::finding::Notification;
use crate::walk::SourcePath;

/// `passthrough`: methods that return their receiver (from the catalogue).
pub fn extract(
    file: &SourcePath,
    text: &str,
    passthrough: &[String],
) -> (FileFacts, Vec<Notification>) {
    match file.language {
        Language::Python => python::extract(&file.rel, text, passthrough),
    }
}
