#![no_main]
//! The media-label readers (PNG, JPEG, WebP, MP3, WAV, MP4, XMP) and the
//! GB 45438 label validator on any bytes; the first byte picks the format.
//! `media::scan` turns a reader's panic into damage; here it must not occur
//! at all (libfuzzer-sys aborts on any panic, caught or not).
//! Needs the `media` feature: the readers are on main, not on every branch.

use synthlint::labels::{aigc, media, xmp};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&k, bytes)) = data.split_first() else {
        return;
    };
    let kind = media::MediaKind::ALL[k as usize % media::MediaKind::ALL.len()];
    let scanned = media::scan_bytes(kind, bytes);
    assert!(
        scanned
            .damage
            .iter()
            .all(|d| !d.contains("failed on this file")),
        "{:?}",
        scanned.damage
    );
    let _ = media::assess("f", kind, scanned);
    let _ = media::embedded_label(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = aigc::check_text(None, text);
        let _ = xmp::parse(text);
    }
});
