//! PNG: chunks are read with the `png` crate's streaming decoder, which
//! checks the signature, chunk order and CRCs and parses `tEXt`, `zTXt`,
//! `iTXt` and `eXIf` without decoding pixels (image data is skipped).

use std::io::Read;

use png::{Decoded, StreamingDecoder, chunk};

use super::{Found, Scan, exif};
use crate::implicit_label::aigc;

/// Keyword of the iTXt chunk that holds an XMP packet.
pub const XMP_KEYWORD: &str = "XML:com.adobe.xmp";
/// Most text decompressed from one file's zTXt/iTXt chunks (deflate
/// streams), all chunks together: a cap per chunk alone let a 17 MB file
/// of small compressed chunks cost 16 GB of inflation.
const TEXT_LIMIT: usize = 16 * 1024 * 1024;

pub fn scan<R: Read>(source: &mut R) -> Scan {
    let mut out = Scan::default();
    let mut decoder = StreamingDecoder::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut ended = false;
    let mut failed = false;
    'read: loop {
        let n = match source.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                out.damaged(format!("it cannot be read ({e})."));
                failed = true;
                break;
            }
        };
        let mut pos = 0;
        let mut stalls = 0;
        while pos < n {
            match decoder.update(&buf[pos..n], None) {
                Ok((consumed, event)) => {
                    pos += consumed;
                    stalls = if consumed == 0 { stalls + 1 } else { 0 };
                    match event {
                        Decoded::ChunkComplete(chunk::IEND) => {
                            ended = true;
                            break 'read;
                        }
                        Decoded::BadAncillaryChunk(kind) => out.damaged(format!(
                            "the {} chunk is corrupt (bad checksum or content) and readers skip it.",
                            super::fourcc(&kind.0)
                        )),
                        _ => {}
                    }
                    // The decoder returns without consuming only to report an
                    // event; a run of them means it cannot go on.
                    if stalls > 8 {
                        out.damaged("the chunk stream cannot be followed.");
                        failed = true;
                        break 'read;
                    }
                }
                Err(e) => {
                    out.damaged(format!("{e}."));
                    failed = true;
                    break 'read;
                }
            }
        }
    }
    if !ended && !failed {
        out.damaged("it ends before the IEND chunk (truncated).");
    }
    if let Some(info) = decoder.info() {
        for t in &info.uncompressed_latin1_text {
            text_chunk("tEXt", &t.keyword, Ok(t.text.clone()), &mut out);
        }
        // Chunks that may hold a label first, then the others, while the
        // budget lasts.
        let mut left = TEXT_LIMIT;
        let mut skipped = 0;
        for labelish in [true, false] {
            for t in &info.compressed_latin1_text {
                if may_hold_label(&t.keyword) != labelish {
                    continue;
                }
                if left == 0 {
                    skipped += 1;
                    continue;
                }
                let mut t = t.clone();
                let text = t
                    .decompress_text_with_limit(left)
                    .map_err(|e| e.to_string())
                    .and_then(|()| t.get_text().map_err(|e| e.to_string()));
                left = left.saturating_sub(text.as_ref().map_or(left, String::len));
                text_chunk("zTXt", &t.keyword, text, &mut out);
            }
            for t in &info.utf8_text {
                if may_hold_label(&t.keyword) != labelish {
                    continue;
                }
                if t.compressed && left == 0 {
                    skipped += 1;
                    continue;
                }
                let mut t = t.clone();
                let text = t
                    .decompress_text_with_limit(left.max(1))
                    .map_err(|e| e.to_string())
                    .and_then(|()| t.get_text().map_err(|e| e.to_string()));
                if t.compressed {
                    left = left.saturating_sub(text.as_ref().map_or(left, String::len));
                }
                text_chunk("iTXt", &t.keyword, text, &mut out);
            }
        }
        if skipped > 0 {
            out.damaged(format!(
                "its compressed text chunks hold more than {} MiB in all; {skipped} of them were not read.",
                TEXT_LIMIT >> 20
            ));
        }
        if let Some(raw) = &info.exif_metadata {
            for field in exif::texts(raw, &mut out) {
                if aigc::looks_like_label(None, &field.text) {
                    out.found.push(Found::new(
                        "png-exif",
                        format!("the eXIf chunk, EXIF {}", field.tag),
                        false,
                        None,
                        field.text,
                    ));
                }
            }
        }
    }
    out
}

/// Whether a text chunk's keyword names a label carrier (or one in the wrong place).
fn may_hold_label(keyword: &str) -> bool {
    keyword == XMP_KEYWORD || keyword.to_ascii_lowercase().contains("aigc")
}

fn text_chunk(kind: &str, keyword: &str, text: Result<String, String>, out: &mut Scan) {
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            if keyword.to_ascii_lowercase().contains("aigc") || keyword == XMP_KEYWORD {
                out.damaged(format!(
                    "the {kind} chunk `{keyword}` cannot be decompressed ({e})."
                ));
            }
            return;
        }
    };
    if keyword == XMP_KEYWORD {
        super::scan_xmp(
            text.as_bytes(),
            &format!("{kind} chunk `{XMP_KEYWORD}`"),
            "png-xmp",
            true,
            out,
        );
    } else if keyword.to_ascii_lowercase().contains("aigc") {
        out.found.push(Found::new(
            "png-text",
            format!("{kind} chunk `{keyword}`"),
            true,
            Some(keyword),
            text,
        ));
    } else if aigc::looks_like_label(Some(keyword), &text) {
        out.found.push(Found::new(
            "png-text-other",
            format!("{kind} chunk `{keyword}`"),
            false,
            Some(keyword),
            text,
        ));
    }
}
