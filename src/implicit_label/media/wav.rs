//! WAV: the RIFF chunk tree is parsed with `img-parts` (checked sizes,
//! bounded list depth). The label is a top-level chunk with the id `AIGC`.
//! `LIST/INFO` sub-chunks (the AVI carrier) and ID3 chunks are wrong
//! carriers for WAV.

use std::io::Cursor;

use img_parts::riff::{RiffChunk, RiffContent};

use super::{Found, Scan};
use crate::implicit_label::aigc;

pub fn scan(bytes: &[u8]) -> Scan {
    let mut out = Scan::default();
    let riff = match RiffChunk::from_bytes(img_parts::Bytes::copy_from_slice(bytes)) {
        Ok(r) => r,
        Err(e) => {
            out.damaged(format!(
                "its RIFF chunks cannot be read ({e}; truncated, or sizes never filled in by a streaming writer)."
            ));
            return out;
        }
    };
    let Some((Some(kind), chunks)) = riff.content().list() else {
        out.damaged("it is not a RIFF WAVE file.");
        return out;
    };
    if &kind != b"WAVE" {
        out.damaged("it is not a RIFF WAVE file.");
        return out;
    }
    let mut has_fmt = false;
    let mut has_data = false;
    for chunk in chunks {
        let id = chunk.id();
        has_fmt |= &id == b"fmt ";
        has_data |= &id == b"data";
        match chunk.content() {
            RiffContent::Data(data) => top_level(&id, data, &mut out),
            RiffContent::List { kind, subchunks } => {
                // Walk nested lists with a stack; img-parts already bounds
                // their depth.
                let name = kind.map(|k| super::fourcc(&k)).unwrap_or_default();
                let mut stack: Vec<(String, &RiffChunk)> = subchunks
                    .iter()
                    .rev()
                    .map(|c| (format!("LIST/{name}"), c))
                    .collect();
                while let Some((path, c)) = stack.pop() {
                    match c.content() {
                        RiffContent::Data(data) => nested(&path, &c.id(), data, &mut out),
                        RiffContent::List { kind, subchunks } => {
                            let inner = kind.map(|k| super::fourcc(&k)).unwrap_or_default();
                            stack.extend(
                                subchunks
                                    .iter()
                                    .rev()
                                    .map(|s| (format!("{path}/LIST/{inner}"), s)),
                            );
                        }
                    }
                }
            }
        }
    }
    if !has_fmt || !has_data {
        out.damaged("it lacks the `fmt ` or `data` chunk every WAVE file has.");
    }
    out
}

fn top_level(id: &[u8; 4], data: &[u8], out: &mut Scan) {
    let name = super::fourcc(id);
    if id.eq_ignore_ascii_case(b"AIGC") {
        out.found.push(Found::new(
            "wav-chunk",
            format!("the RIFF chunk `{name}`"),
            true,
            Some(&name),
            super::lossy_text(data),
        ));
        return;
    }
    match id {
        b"data" | b"fmt " | b"fact" | b"cue " | b"smpl" | b"inst" => {}
        b"id3 " | b"ID3 " => {
            let tag = super::mp3::read_tag(&mut Cursor::new(data));
            super::mp3::frames(&tag.frames, "the ID3 chunk,", "wav-id3", false, out);
        }
        _ => {
            if let Some(text) = super::embedded_label(data) {
                out.found.push(Found::new(
                    "wav-chunk-other",
                    format!("the RIFF chunk `{name}`"),
                    false,
                    Some(&name),
                    text,
                ));
            }
        }
    }
}

fn nested(path: &str, id: &[u8; 4], data: &[u8], out: &mut Scan) {
    let name = super::fourcc(id);
    let text = super::lossy_text(data);
    if id.eq_ignore_ascii_case(b"AIGC") || aigc::looks_like_label(None, &text) {
        out.found.push(Found::new(
            "wav-list",
            format!("the sub-chunk `{name}` of {path}"),
            false,
            Some(&name),
            text,
        ));
    }
}
