//! MP3: the ID3v2 tag is read with the `id3` crate (which also keeps what
//! it read of a damaged tag). After the tag the file must continue with an
//! MPEG audio frame header; audio frames themselves are not decoded.

use std::io::{Read, Seek, SeekFrom};

use id3::{Content, Tag};

use super::{Found, Scan};
use crate::implicit_label::aigc;

/// How far past the tag to look for the first audio frame (encoders may
/// pad with zeros).
const SYNC_SEARCH: u64 = 64 * 1024;

pub fn scan<R: Read + Seek>(source: &mut R, len: u64) -> Scan {
    let mut out = Scan::default();
    let mut head = [0u8; 10];
    let n = read_at(source, 0, &mut head);
    let head = &head[..n];
    if !head.starts_with(b"ID3") {
        if !is_frame_header(head) {
            out.damaged("it starts with neither an ID3 tag nor an MPEG audio frame.");
        }
        return out;
    }
    if source.seek(SeekFrom::Start(0)).is_err() {
        out.damaged("it cannot be read.");
        return out;
    }
    match Tag::read_from2(&mut *source) {
        Ok(tag) => frames(&tag, "an ID3v2", "mp3", true, &mut out),
        Err(e) => {
            if let Some(tag) = &e.partial_tag {
                frames(tag, "an ID3v2", "mp3", true, &mut out);
            }
            out.damaged(format!("its ID3v2 tag cannot be read completely ({e})."));
            return out;
        }
    }
    // Tag size: 10-byte header + syncsafe body size (+ 10-byte footer).
    if n == 10 {
        let size = head[6..10]
            .iter()
            .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7F));
        let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
        let end = 10 + size + footer;
        if end > len {
            out.damaged("its ID3v2 tag runs past the end of the file (truncated).");
        } else if !audio_follows(source, end, len) {
            out.damaged(
                "no MPEG audio frame follows the ID3v2 tag (truncated, or not an MP3 file).",
            );
        }
    }
    out
}

fn read_at<R: Read + Seek>(source: &mut R, at: u64, buf: &mut [u8]) -> usize {
    if source.seek(SeekFrom::Start(at)).is_err() {
        return 0;
    }
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => filled += k,
        }
    }
    filled
}

fn audio_follows<R: Read + Seek>(source: &mut R, at: u64, len: u64) -> bool {
    let want = SYNC_SEARCH.min(len - at) as usize;
    let mut buf = vec![0u8; want];
    let n = read_at(source, at, &mut buf);
    let buf = &buf[..n];
    match buf.iter().position(|&b| b != 0) {
        Some(start) => is_frame_header(&buf[start..]),
        None => false,
    }
}

/// Whether `b` starts with a plausible MPEG audio frame header: 11 sync
/// bits, a defined version and layer, a bitrate index other than 15 and a
/// defined sample rate.
pub fn is_frame_header(b: &[u8]) -> bool {
    b.len() >= 4
        && b[0] == 0xFF
        && b[1] & 0xE0 == 0xE0
        && (b[1] >> 3) & 0x03 != 0x01
        && (b[1] >> 1) & 0x03 != 0x00
        && b[2] >> 4 != 0x0F
        && (b[2] >> 2) & 0x03 != 0x03
}

/// Labels in the frames of an ID3v2 tag. `TXXX` frames whose description
/// mentions AIGC are the carrier when `accepted` (MP3); everything else that
/// looks like a label is a wrong carrier. `carrier` prefixes the ids.
pub fn frames(tag: &Tag, what: &str, carrier: &str, accepted: bool, out: &mut Scan) {
    for frame in tag.frames() {
        let id = frame.id();
        match frame.content() {
            Content::ExtendedText(t) => {
                if t.description.to_ascii_lowercase().contains("aigc") {
                    out.found.push(Found::new(
                        &format!("{carrier}-txxx"),
                        format!("{what} TXXX frame `{}`", t.description),
                        accepted,
                        Some(&t.description),
                        t.value.clone(),
                    ));
                } else if aigc::looks_like_label(None, &t.value) {
                    out.found.push(Found::new(
                        &format!("{carrier}-txxx-other"),
                        format!("{what} TXXX frame `{}`", t.description),
                        false,
                        Some(&t.description),
                        t.value.clone(),
                    ));
                }
            }
            Content::Comment(c) if aigc::looks_like_label(Some(&c.description), &c.text) => {
                out.found.push(Found::new(
                    &format!("{carrier}-comment"),
                    format!("{what} COMM (comment) frame"),
                    false,
                    Some(&c.description),
                    c.text.clone(),
                ));
            }
            Content::Text(s) if aigc::looks_like_label(None, s) => {
                out.found.push(Found::new(
                    &format!("{carrier}-text"),
                    format!("{what} {id} frame"),
                    false,
                    None,
                    s.clone(),
                ));
            }
            Content::Private(p) => {
                let text = super::lossy_text(&p.private_data);
                if aigc::looks_like_label(Some(&p.owner_identifier), &text) {
                    out.found.push(Found::new(
                        &format!("{carrier}-private"),
                        format!("{what} PRIV frame `{}`", p.owner_identifier),
                        false,
                        Some(&p.owner_identifier),
                        text,
                    ));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_headers() {
        assert!(is_frame_header(&[0xFF, 0xFB, 0x90, 0x64]));
        assert!(is_frame_header(&[0xFF, 0xF3, 0x40, 0xC4]));
        assert!(!is_frame_header(&[0xFF, 0xFB, 0xF0, 0x64]), "bad bitrate");
        assert!(
            !is_frame_header(&[0xFF, 0xFB, 0x9C, 0x64]),
            "bad sample rate"
        );
        assert!(
            !is_frame_header(&[0xFF, 0xF9, 0x90, 0x64]),
            "reserved layer"
        );
        assert!(
            !is_frame_header(&[0xFF, 0xEB, 0x90, 0x64]),
            "reserved version"
        );
        assert!(!is_frame_header(&[0xFF, 0xFB]));
        assert!(!is_frame_header(b"RIFF"));
    }
}
