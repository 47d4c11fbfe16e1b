//! MP4 / QuickTime: boxes are read with `mp4-atom`.
//!
//! The file is walked box by box (headers via `mp4_atom::Header`, skipping
//! `mdat` and anything else without reading it), only `moov` (and an XMP
//! `uuid` box) is loaded. `meta` boxes are decoded with `mp4_atom::Meta`,
//! which models Apple's key-based metadata (`hdlr` `mdta`, `keys`, `ilst`
//! items indexed by key): that is the carrier ffmpeg writes with
//! `-movflags use_metadata_tags`. iTunes-style tags (`©cmt`, freeform `----`
//! items) are not modelled by the crate, so a small bounded walk over the
//! `ilst` boxes reads their `data` payloads, only to report labels stored
//! there as wrong carriers.

use std::io::{Read, Seek, SeekFrom};

use mp4_atom::{Buf, Decode, FourCC, Header, Ilst, IlstDataValue, Keys, Meta, ReadFrom};

use super::{Found, MAX_METADATA, Scan};
use crate::implicit_label::aigc;

/// `uuid` of an XMP box (ISO/IEC 16684-1 / Adobe XMP spec part 3).
const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];
/// Deepest box nesting looked into below `moov`.
const MAX_NESTING: usize = 8;

pub fn scan<R: Read + Seek>(source: &mut R, len: u64) -> Scan {
    let mut out = Scan::default();
    let mut moov_seen = false;
    let mut pos = 0u64;
    if source.seek(SeekFrom::Start(0)).is_err() {
        out.damaged("it cannot be read.");
        return out;
    }
    while pos < len {
        let header = match <Option<Header>>::read_from(source) {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                out.damaged(format!(
                    "a box header at byte {pos} cannot be read ({e}; truncated or corrupt)."
                ));
                break;
            }
        };
        let body_start = match source.stream_position() {
            Ok(p) => p,
            Err(e) => {
                out.damaged(format!("it cannot be read ({e})."));
                break;
            }
        };
        let size = match header.size {
            Some(s) => s as u64,
            None => len - body_start,
        };
        let name = super::fourcc(header.kind.as_ref());
        let Some(end) = body_start.checked_add(size).filter(|&e| e <= len) else {
            out.damaged(format!(
                "it ends inside the `{name}` box at byte {pos} (truncated)."
            ));
            break;
        };
        let wanted = header.kind == FourCC::new(b"moov") || header.kind == FourCC::new(b"uuid");
        if wanted {
            if size > MAX_METADATA {
                out.damaged(format!(
                    "its `{name}` box has {size} bytes, more than the {MAX_METADATA} this command reads."
                ));
            } else {
                let mut body = Vec::with_capacity(size as usize);
                match source.by_ref().take(size).read_to_end(&mut body) {
                    Ok(_) if body.len() as u64 == size => {
                        if header.kind == FourCC::new(b"moov") {
                            moov_seen = true;
                            moov(&body, &mut out);
                        } else if body.starts_with(&XMP_UUID) {
                            super::scan_xmp(
                                &body[16..],
                                "the XMP `uuid` box",
                                "mp4-xmp",
                                false,
                                &mut out,
                            );
                        }
                    }
                    Ok(_) => {
                        out.damaged(format!("it ends inside the `{name}` box (truncated)."));
                        break;
                    }
                    Err(e) => {
                        out.damaged(format!("it cannot be read ({e})."));
                        break;
                    }
                }
            }
        }
        if source.seek(SeekFrom::Start(end)).is_err() {
            out.damaged("it cannot be read.");
            break;
        }
        pos = end;
    }
    if !moov_seen && out.damage.is_empty() {
        out.damaged("it has no `moov` box (an unfinished recording, or not an MP4 file).");
    }
    out
}

/// A child box inside a parent's body.
struct Child<'a> {
    kind: FourCC,
    /// Header and body.
    full: &'a [u8],
    body: &'a [u8],
}

/// The boxes in `data`, using mp4-atom's header decoding. Fewer than 8
/// trailing bytes (QuickTime's zero terminator in `udta`) are ignored.
fn children(data: &[u8]) -> Result<Vec<Child<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 8 {
        let start = rest;
        let mut cursor = rest;
        let header = Header::decode(&mut cursor).map_err(|e| e.to_string())?;
        let header_len = start.len() - cursor.remaining();
        let size = header.size.unwrap_or(cursor.remaining());
        if size > cursor.remaining() {
            return Err(format!(
                "the `{}` box runs past its parent",
                super::fourcc(header.kind.as_ref())
            ));
        }
        out.push(Child {
            kind: header.kind,
            full: &start[..header_len + size],
            body: &start[header_len..header_len + size],
        });
        rest = &start[header_len + size..];
    }
    Ok(out)
}

fn moov(body: &[u8], out: &mut Scan) {
    let boxes = match children(body) {
        Ok(b) => b,
        Err(e) => {
            out.damaged(format!("its `moov` box cannot be read ({e})."));
            return;
        }
    };
    for b in boxes {
        match b.kind.as_ref() {
            b"udta" => udta(b.body, "moov/udta", true, 1, out),
            b"meta" => meta(b.full, "moov/meta", true, out),
            b"trak" => {
                if let Ok(parts) = children(b.body) {
                    for p in parts.iter().filter(|p| p.kind.as_ref() == b"udta") {
                        udta(p.body, "moov/trak/udta", false, 2, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn udta(body: &[u8], path: &str, accepted: bool, depth: usize, out: &mut Scan) {
    if depth > MAX_NESTING {
        return;
    }
    let boxes = match children(body) {
        Ok(b) => b,
        Err(e) => {
            if super::embedded_label(body).is_some() {
                out.damaged(format!("its `{path}` box cannot be read ({e})."));
            }
            return;
        }
    };
    for b in boxes {
        let name = super::fourcc(b.kind.as_ref());
        match b.kind.as_ref() {
            b"meta" => meta(b.full, &format!("{path}/meta"), accepted, out),
            b"XMP_" => super::scan_xmp(b.body, &format!("{path}/XMP_"), "mp4-xmp", false, out),
            _ => {
                if let Some(text) = super::embedded_label(b.body) {
                    out.found.push(Found::new(
                        "mp4-udta",
                        format!("the user-data box `{name}` in {path}"),
                        false,
                        Some(&name),
                        text,
                    ));
                }
            }
        }
    }
}

/// A `meta` box: `mdta` keys are the carrier (when `accepted`); iTunes
/// tags are looked at for labels in the wrong place.
fn meta(full: &[u8], path: &str, accepted: bool, out: &mut Scan) {
    let decoded = match Meta::decode(&mut &full[..]) {
        Ok(m) => m,
        Err(e) => {
            if super::embedded_label(full).is_some() {
                out.damaged(format!("its `{path}` box cannot be decoded ({e})."));
            }
            return;
        }
    };
    if decoded.hdlr.handler == FourCC::new(b"mdta") {
        let keys = decoded.get::<Keys>();
        let Some(ilst) = decoded.get::<Ilst>() else {
            return;
        };
        for (index, data) in &ilst.mdta {
            let key = keys
                .and_then(|k| k.entries.get((*index as usize).wrapping_sub(1)))
                .map(|e| e.key_value.as_str());
            let text = value_text(&data.value);
            let Some(key) = key else {
                if aigc::looks_like_label(None, &text) {
                    out.damaged(format!(
                        "an item in {path}/ilst refers to key {index}, which the keys box does not define."
                    ));
                }
                continue;
            };
            if key.to_ascii_lowercase().contains("aigc") {
                out.found.push(Found::new(
                    "mp4-mdta",
                    format!("the key `{key}` in {path} (keys + ilst)"),
                    accepted,
                    Some(key),
                    text,
                ));
            } else if aigc::looks_like_label(None, &text) {
                out.found.push(Found::new(
                    "mp4-mdta-other",
                    format!("the key `{key}` in {path} (keys + ilst)"),
                    false,
                    Some(key),
                    text,
                ));
            }
        }
    } else {
        itunes_tags(full, path, out);
    }
}

fn value_text(v: &IlstDataValue) -> String {
    match v {
        IlstDataValue::Utf8(s) | IlstDataValue::Utf16(s) => s.clone(),
        IlstDataValue::Reserved(b) | IlstDataValue::Unknown(_, b) => super::lossy_text(b),
        IlstDataValue::BeSignedInt(n) => n.to_string(),
        IlstDataValue::BeUnsignedInt(n) => n.to_string(),
        IlstDataValue::BeFloat32(n) => n.to_string(),
        IlstDataValue::BeFloat64(n) => n.to_string(),
        IlstDataValue::Jpeg(_) | IlstDataValue::Png(_) | IlstDataValue::Bmp(_) => String::new(),
    }
}

/// iTunes-style `ilst` items (`©cmt`, `desc`, freeform `----`) of a
/// non-`mdta` `meta` box: report those that hold a label.
fn itunes_tags(full: &[u8], path: &str, out: &mut Scan) {
    let Ok(top) = children(full) else { return };
    let Some(meta) = top.first() else { return };
    // ISO `meta` is a full box (4 bytes of version and flags before its
    // children); QuickTime's is not. Same test as mp4-atom's.
    let body = if meta.body.len() >= 8 && &meta.body[4..8] == b"hdlr" {
        meta.body
    } else if meta.body.len() >= 4 {
        &meta.body[4..]
    } else {
        return;
    };
    let Ok(parts) = children(body) else { return };
    for ilst in parts.iter().filter(|p| p.kind.as_ref() == b"ilst") {
        let Ok(items) = children(ilst.body) else {
            continue;
        };
        for item in items {
            let Ok(inner) = children(item.body) else {
                continue;
            };
            let mut name = super::fourcc(item.kind.as_ref());
            let mut text = String::new();
            for part in &inner {
                match part.kind.as_ref() {
                    // type (4) + locale (4), then the value.
                    b"data" if part.body.len() >= 8 => text = super::lossy_text(&part.body[8..]),
                    b"name" if part.body.len() >= 4 => {
                        name = format!("----:{}", super::lossy_text(&part.body[4..]))
                    }
                    _ => {}
                }
            }
            if name.to_ascii_lowercase().contains("aigc") || aigc::looks_like_label(None, &text) {
                out.found.push(Found::new(
                    "mp4-itunes",
                    format!("the iTunes tag `{name}` in {path}"),
                    false,
                    Some(&name),
                    text,
                ));
            }
        }
    }
}
