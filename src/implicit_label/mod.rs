//! Labels of AI-generated content: the GB 45438-2025 implicit label (its
//! JSON value, checked in [`aigc`]) and where media files carry it.

pub mod aigc;
pub mod media;
pub mod xmp;
