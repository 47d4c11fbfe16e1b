//! MP3: the ID3v2 tag is read with the `id3` crate (which also keeps what
//! it read of a damaged tag). After the tag the file must continue with an
//! MPEG audio frame header; audio frames themselves are not decoded.

use std::io::{Read, Seek, SeekFrom};

use id3::{Content, Frame, Tag};

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
    let tag = read_tag(&mut *source);
    frames(&tag.frames, "an ID3v2", "mp3", true, &mut out);
    if let Some(e) = tag.damage {
        out.damaged(format!("its ID3v2 tag cannot be read completely ({e})."));
        return out;
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

/// Most frames of one tag read; the rest is reported as damage.
const MAX_FRAMES: usize = 65_536;

/// The frames of an ID3v2 tag, every one of them, in file order.
pub struct TagFrames {
    pub frames: Vec<Frame>,
    /// Why reading stopped early, if it did.
    pub damage: Option<String>,
}

/// Read the ID3v2 tag at the start of `source` frame by frame. The `id3`
/// crate decodes each frame, but its `Tag` keeps one frame per id and
/// description (a second `TXXX:AIGC` replaced the first, so a malformed
/// first label went unchecked) and finds that one with a scan of the
/// frames so far (quadratic: 0.9 MB of frames took 21 s). So the frames
/// are split here and each is decoded as a tag of its own.
pub fn read_tag<R: Read>(source: &mut R) -> TagFrames {
    let mut out = TagFrames {
        frames: Vec::new(),
        damage: None,
    };
    let mut head = [0u8; 10];
    if source.read_exact(&mut head).is_err() || &head[..3] != b"ID3" {
        out.damage = Some("no ID3v2 header".into());
        return out;
    }
    let (major, flags) = (head[3], head[5]);
    if !(2..=4).contains(&major) || head[6..10].iter().any(|b| b & 0x80 != 0) {
        out.damage = Some(format!("unsupported ID3v2.{major} header"));
        return out;
    }
    let size = syncsafe(&head[6..10]) as usize;
    let mut body = Vec::with_capacity(size.min(1 << 20));
    let _ = source.take(size as u64).read_to_end(&mut body);
    if body.len() < size {
        out.damage = Some("the tag is truncated".into());
    }
    // Up to v2.3 unsynchronisation applies to the whole tag; undo it once
    // (v2.4 marks it per frame, and the crate undoes it there).
    if major < 4 && flags & 0x80 != 0 {
        body = resync(&body);
    }
    let mut at = 0;
    if flags & 0x40 != 0 && major >= 3 {
        let Some(ext) = body.get(..4) else {
            out.damage = Some("the extended header is truncated".into());
            return out;
        };
        at = if major == 3 {
            4 + u32::from_be_bytes([ext[0], ext[1], ext[2], ext[3]]) as usize
        } else {
            syncsafe(ext) as usize
        };
    }
    let (id_len, header_len) = if major == 2 { (3, 6) } else { (4, 10) };
    while let Some(header) = body.get(at..at + header_len) {
        if header[0] == 0 {
            break; // padding
        }
        if out.frames.len() >= MAX_FRAMES {
            out.damage = Some(format!("more than {MAX_FRAMES} frames"));
            break;
        }
        let len = match major {
            2 => u32::from_be_bytes([0, header[3], header[4], header[5]]) as usize,
            3 => u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize,
            _ => syncsafe(&header[4..8]) as usize,
        };
        let end = at + header_len + len;
        let Some(frame) = body.get(at..end) else {
            out.damage = Some(format!(
                "the frame `{}` runs past the end of the tag",
                String::from_utf8_lossy(&header[..id_len])
            ));
            break;
        };
        // The frame as a tag of its own: same version, no extended header
        // or footer, unsynchronisation already undone up to v2.3.
        let mut one = Vec::with_capacity(10 + frame.len());
        one.extend_from_slice(b"ID3");
        one.extend_from_slice(&[major, 0, if major == 4 { flags & 0x80 } else { 0 }]);
        one.extend_from_slice(&to_syncsafe(frame.len() as u32));
        one.extend_from_slice(frame);
        match Tag::read_from2(std::io::Cursor::new(one)) {
            Ok(tag) => out.frames.extend(tag.frames().cloned()),
            Err(e) => {
                if out.damage.is_none() {
                    out.damage = Some(e.to_string());
                }
            }
        }
        at = end;
    }
    out
}

fn syncsafe(b: &[u8]) -> u32 {
    b.iter()
        .fold(0u32, |acc, &x| (acc << 7) | u32::from(x & 0x7F))
}

fn to_syncsafe(n: u32) -> [u8; 4] {
    [
        ((n >> 21) & 0x7F) as u8,
        ((n >> 14) & 0x7F) as u8,
        ((n >> 7) & 0x7F) as u8,
        (n & 0x7F) as u8,
    ]
}

/// Undo unsynchronisation: every `FF 00` becomes `FF`.
fn resync(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut prev = 0u8;
    for &x in b {
        if !(prev == 0xFF && x == 0) {
            out.push(x);
        }
        prev = x;
    }
    out
}

/// Labels in the frames of an ID3v2 tag. `TXXX` frames whose description
/// mentions AIGC are the carrier when `accepted` (MP3); everything else that
/// looks like a label is a wrong carrier. `carrier` prefixes the ids.
pub fn frames(frames: &[Frame], what: &str, carrier: &str, accepted: bool, out: &mut Scan) {
    for frame in frames {
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
