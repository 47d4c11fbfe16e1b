//! WebP: RIFF chunks are split with `img-parts`; the `XMP ` chunk holds the
//! XMP packet. EXIF (`EXIF` chunk, parsed with `kamadak-exif`) is not a
//! carrier for WebP.

use img_parts::webp::WebP;

use super::{Found, Scan, exif};
use crate::implicit_label::aigc;

pub fn scan(bytes: &[u8]) -> Scan {
    let mut out = Scan::default();
    let webp = match WebP::from_bytes(img_parts::Bytes::copy_from_slice(bytes)) {
        Ok(w) => w,
        Err(e) => {
            out.damaged(format!(
                "its RIFF chunks cannot be read ({e}; truncated or corrupt)."
            ));
            return out;
        }
    };
    for chunk in webp.chunks() {
        let id = chunk.id();
        let Some(data) = chunk.content().data() else {
            continue;
        };
        match &id {
            b"XMP " => super::scan_xmp(data, "the `XMP ` chunk", "webp-xmp", true, &mut out),
            b"EXIF" => {
                for field in exif::texts(data, &mut out) {
                    if aigc::looks_like_label(None, &field.text) {
                        out.found.push(Found::new(
                            "webp-exif",
                            format!("the EXIF chunk, EXIF {}", field.tag),
                            false,
                            None,
                            field.text,
                        ));
                    }
                }
            }
            b"VP8 " | b"VP8L" | b"VP8X" | b"ALPH" | b"ANIM" | b"ANMF" | b"ICCP" => {}
            _ => {
                let text = super::lossy_text(data);
                let named = id.eq_ignore_ascii_case(b"AIGC");
                if named || aigc::looks_like_label(None, &text) {
                    out.found.push(Found::new(
                        "webp-chunk",
                        format!("a `{}` chunk", super::fourcc(&id)),
                        false,
                        Some(&super::fourcc(&id)),
                        text,
                    ));
                }
            }
        }
    }
    out
}
