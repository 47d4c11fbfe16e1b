//! JPEG: segments are split with `img-parts`; XMP comes from the `APP1`
//! segment with the Adobe XMP signature, EXIF from the `APP1` segment with
//! the `Exif` signature (parsed with `kamadak-exif`).

use img_parts::jpeg::{Jpeg, markers};

use super::{Found, Scan, exif};
use crate::implicit_label::aigc;

const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENSION_SIGNATURE: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const EXIF_SIGNATURE: &[u8] = b"Exif\0\0";

pub fn scan(bytes: &[u8]) -> Scan {
    let mut out = Scan::default();
    let jpeg = match Jpeg::from_bytes(img_parts::Bytes::copy_from_slice(bytes)) {
        Ok(j) => j,
        Err(e) => {
            out.damaged(format!(
                "its segments cannot be read ({e}; truncated or corrupt)."
            ));
            return out;
        }
    };
    // img-parts keeps everything after the first SOS header as that
    // segment's entropy-coded data; the image is complete when an EOI marker
    // appears in it (scan data never contains FF D9; trailers after EOI,
    // such as an appended motion-photo video, are allowed).
    match jpeg.segments().iter().find(|s| s.has_entropy()) {
        Some(sos) => {
            let entropy_len = sos.len_with_entropy() - sos.len();
            let entropy = &bytes[bytes.len().saturating_sub(entropy_len)..];
            if !entropy.windows(2).any(|w| w == [0xFF, markers::EOI]) {
                out.damaged("it ends before the EOI marker (truncated).");
            }
        }
        None => out.damaged("it has no image data (no SOS segment; truncated or corrupt)."),
    }
    for segment in jpeg.segments() {
        let marker = segment.marker();
        let contents = segment.contents();
        match marker {
            markers::APP1 if contents.starts_with(XMP_SIGNATURE) => super::scan_xmp(
                &contents[XMP_SIGNATURE.len()..],
                "the APP1 XMP segment",
                "jpeg-xmp",
                true,
                &mut out,
            ),
            markers::APP1 if contents.starts_with(EXIF_SIGNATURE) => {
                for field in exif::texts(contents, &mut out) {
                    if !aigc::looks_like_label(None, &field.text) {
                        continue;
                    }
                    // Annex B of the image guide puts the wrapped label in
                    // UserComment; other EXIF text fields are not read.
                    let (carrier, accepted) = if field.is_user_comment {
                        ("jpeg-exif-usercomment", true)
                    } else {
                        ("jpeg-exif-other", false)
                    };
                    out.found.push(Found::new(
                        carrier,
                        format!("the APP1 EXIF segment, EXIF {}", field.tag),
                        accepted,
                        None,
                        field.text,
                    ));
                }
            }
            markers::APP1 if contents.starts_with(XMP_EXTENSION_SIGNATURE) => {
                // Extended XMP continues a main packet that is too large for
                // one segment; labels are small and belong in the main one.
                if let Some(text) = super::embedded_label(contents) {
                    out.found.push(Found::new(
                        "jpeg-xmp-extension",
                        "an extended-XMP APP1 segment",
                        false,
                        None,
                        text,
                    ));
                }
            }
            markers::COM => {
                let text = super::lossy_text(contents);
                if aigc::looks_like_label(None, &text) {
                    out.found.push(Found::new(
                        "jpeg-comment",
                        "a COM (comment) segment",
                        false,
                        None,
                        text,
                    ));
                }
            }
            m if (markers::APP0..=markers::APP15).contains(&m) => {
                if let Some(text) = super::embedded_label(contents) {
                    out.found.push(Found::new(
                        "jpeg-app-other",
                        format!("an APP{} segment", m - markers::APP0),
                        false,
                        None,
                        text,
                    ));
                }
            }
            _ => {}
        }
    }
    out
}
