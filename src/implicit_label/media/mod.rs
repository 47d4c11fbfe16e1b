//! Where media files carry the GB 45438 implicit label, and whether it is
//! there, in the right place and well-formed.
//!
//! Each format module reads its container with a maintained crate and
//! returns what it found ([`Scan`]): every field that holds a label or looks
//! like one, marked as being in an accepted carrier (per
//! `shared/regulations.md` §5.4) or not, plus any damage to the file.
//! [`inspect`] then validates the values with [`crate::implicit_label::aigc`] and
//! turns the result into findings of the media rules (LBL101-LBL104).
//!
//! | format | accepted carriers |
//! |---|---|
//! | PNG  | XMP (`iTXt` `XML:com.adobe.xmp`) property `TC260:AIGC`; text chunk (`tEXt`/`zTXt`/`iTXt`) keyword `AIGC` |
//! | JPEG | `APP1` XMP property `TC260:AIGC`; EXIF `UserComment` holding `{"AIGC": {...}}` |
//! | WebP | `XMP ` chunk property `TC260:AIGC` |
//! | MP3  | ID3v2 `TXXX` frame with description `AIGC` |
//! | WAV  | top-level RIFF chunk `AIGC` |
//! | MP4  | `mdta` key `AIGC` in `moov/udta/meta` (or `moov/meta`), value in `ilst` |
//!
//! Everything else that looks like a label (a PNG `Comment` chunk holding
//! the JSON, EXIF in a PNG, an MP4 `©cmt` tag, `LIST/INFO` in a WAV, XMP in
//! an MP4, ...) is a wrong carrier: readers that follow the carrier guides
//! never look there.

pub mod exif;
pub mod jpeg;
pub mod mp3;
pub mod mp4;
pub mod png;
pub mod wav;
pub mod webp;

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::panic::AssertUnwindSafe;
use std::path::Path;

use serde::Serialize;

use crate::implicit_label::aigc;

/// Largest file read whole into memory (JPEG, WebP, WAV); larger files are
/// reported as unreadable rather than loaded. PNG, MP3 and MP4 are streamed.
pub const MAX_IN_MEMORY: u64 = 512 * 1024 * 1024;
/// Largest single metadata structure read (an MP4 `moov` box).
pub const MAX_METADATA: u64 = 256 * 1024 * 1024;

/// The media formats the `media` command reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Png,
    Jpeg,
    Webp,
    Mp3,
    Wav,
    Mp4,
}

impl MediaKind {
    pub const ALL: [MediaKind; 6] = [
        MediaKind::Png,
        MediaKind::Jpeg,
        MediaKind::Webp,
        MediaKind::Mp3,
        MediaKind::Wav,
        MediaKind::Mp4,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Png => "png",
            MediaKind::Jpeg => "jpeg",
            MediaKind::Webp => "webp",
            MediaKind::Mp3 => "mp3",
            MediaKind::Wav => "wav",
            MediaKind::Mp4 => "mp4",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MediaKind::Png => "PNG",
            MediaKind::Jpeg => "JPEG",
            MediaKind::Webp => "WebP",
            MediaKind::Mp3 => "MP3",
            MediaKind::Wav => "WAV",
            MediaKind::Mp4 => "MP4",
        }
    }

    /// File name extensions (lower case) of the format.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaKind::Png => &["png"],
            MediaKind::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            MediaKind::Webp => &["webp"],
            MediaKind::Mp3 => &["mp3"],
            MediaKind::Wav => &["wav", "wave"],
            // QuickTime and M4A/M4V share the box structure and the carrier.
            MediaKind::Mp4 => &["mp4", "m4v", "m4a", "mov"],
        }
    }

    pub fn from_extension(path: &Path) -> Option<MediaKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        MediaKind::ALL
            .into_iter()
            .find(|k| k.extensions().contains(&ext.as_str()))
    }

    /// The format the first bytes announce. Weak signatures count only when
    /// the extension (`hint`) names the same format: an MP3 without an ID3
    /// tag (a bare frame header) and a QuickTime file that starts with a box
    /// other than `ftyp`.
    pub fn sniff(head: &[u8], hint: Option<MediaKind>) -> Option<MediaKind> {
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(MediaKind::Png);
        }
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(MediaKind::Jpeg);
        }
        if head.len() >= 12 && &head[..4] == b"RIFF" {
            match &head[8..12] {
                b"WEBP" => return Some(MediaKind::Webp),
                b"WAVE" => return Some(MediaKind::Wav),
                _ => {}
            }
        }
        if head.len() >= 8 && &head[4..8] == b"ftyp" {
            return Some(MediaKind::Mp4);
        }
        if head.starts_with(b"ID3") {
            return Some(MediaKind::Mp3);
        }
        match hint {
            Some(MediaKind::Mp3) if mp3::is_frame_header(head) => Some(MediaKind::Mp3),
            Some(MediaKind::Mp4)
                if head.len() >= 8
                    && matches!(&head[4..8], b"moov" | b"mdat" | b"free" | b"skip" | b"wide") =>
            {
                Some(MediaKind::Mp4)
            }
            _ => None,
        }
    }

    /// Where this format's label belongs, for messages.
    pub fn expected_carriers(self) -> &'static str {
        match self {
            MediaKind::Png => {
                "an XMP packet (iTXt chunk `XML:com.adobe.xmp`) with the property TC260:AIGC, or a tEXt/zTXt/iTXt chunk with the keyword AIGC"
            }
            MediaKind::Jpeg => {
                "an APP1 XMP packet with the property TC260:AIGC, or EXIF UserComment holding {\"AIGC\": {...}}"
            }
            MediaKind::Webp => "the `XMP ` chunk, with the property TC260:AIGC",
            MediaKind::Mp3 => "an ID3v2 TXXX frame with the description AIGC",
            MediaKind::Wav => "a top-level RIFF chunk with the id AIGC",
            MediaKind::Mp4 => {
                "the key AIGC (namespace mdta) in moov/udta/meta, with its value in ilst (ffmpeg: -metadata AIGC=... -movflags use_metadata_tags)"
            }
        }
    }
}

/// A metadata field that holds a label or looks like one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Stable id of the kind of place (`png-xmp`, `mp4-comment`, ...).
    pub carrier: String,
    /// Where exactly, for people (`iTXt chunk XML:com.adobe.xmp, XMP property TC260:AIGC`).
    pub location: String,
    /// Whether §5.4 names this place for this format.
    pub accepted: bool,
    /// The field's own name, when it has one (see [`aigc::check_text`]).
    pub key: Option<String>,
    /// The value as text.
    pub text: String,
}

impl Found {
    pub fn new(
        carrier: &str,
        location: impl Into<String>,
        accepted: bool,
        key: Option<&str>,
        text: impl Into<String>,
    ) -> Self {
        Found {
            carrier: carrier.to_owned(),
            location: location.into(),
            accepted,
            key: key.map(str::to_owned),
            text: text.into(),
        }
    }
}

/// What a format reader saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    pub found: Vec<Found>,
    /// Damage that stopped or limited reading, as complete sentences.
    pub damage: Vec<String>,
}

impl Scan {
    pub fn damaged(&mut self, message: impl Into<String>) {
        self.damage.push(message.into());
    }
}

/// Read `source` as `kind`. Never panics on any input: a reader that does
/// is reported as damage (readers are tested against truncated and random
/// files, so this is a last line of defence, as in the engine).
pub fn scan<R: Read + Seek>(kind: MediaKind, source: &mut R, len: u64) -> Scan {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| match kind {
        MediaKind::Png => png::scan(source),
        MediaKind::Jpeg => in_memory(source, len, jpeg::scan),
        MediaKind::Webp => in_memory(source, len, webp::scan),
        MediaKind::Wav => in_memory(source, len, wav::scan),
        MediaKind::Mp3 => mp3::scan(source, len),
        MediaKind::Mp4 => mp4::scan(source, len),
    }));
    result.unwrap_or_else(|_| Scan {
        found: Vec::new(),
        damage: vec![format!(
            "The {} reader failed on this file (please report it).",
            kind.name()
        )],
    })
}

/// `scan` over bytes already in memory.
pub fn scan_bytes(kind: MediaKind, bytes: &[u8]) -> Scan {
    scan(kind, &mut io::Cursor::new(bytes), bytes.len() as u64)
}

fn in_memory<R: Read + Seek>(source: &mut R, len: u64, f: fn(&[u8]) -> Scan) -> Scan {
    if len > MAX_IN_MEMORY {
        return Scan {
            found: Vec::new(),
            damage: vec![format!(
                "The file has {len} bytes, more than the {MAX_IN_MEMORY} this command reads."
            )],
        };
    }
    let mut bytes = Vec::with_capacity(len as usize);
    if let Err(e) = source
        .seek(SeekFrom::Start(0))
        .and_then(|_| source.read_to_end(&mut bytes))
    {
        return Scan {
            found: Vec::new(),
            damage: vec![format!("The file cannot be read: {e}.")],
        };
    }
    f(&bytes)
}

/// What reading one file gave: its format and what the reader saw, or why
/// it could not be read. The media rules (`rules::media`) judge it.
#[derive(Debug, Clone)]
pub struct Reading {
    /// Repo-relative path.
    pub path: String,
    /// The format read (from the content, else the extension).
    pub kind: Option<MediaKind>,
    pub outcome: Outcome,
    /// Things to tell about reading the file that are no finding (the
    /// content is another format than the name says).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Scanned(Scan),
    /// The file could not be read far enough to tell; the message says why.
    Unreadable(String),
}

/// Open and read the file at `abs`, reported as `rel`. The format comes
/// from the content; the extension decides only when the content names
/// none (then the file is reported as not being what it claims).
pub fn read(abs: &Path, rel: &str) -> Reading {
    let opened = File::open(abs).and_then(|f| {
        let len = f.metadata()?.len();
        Ok((f, len))
    });
    let (file, len) = match opened {
        Ok(x) => x,
        Err(e) => {
            return unreadable(
                rel,
                MediaKind::from_extension(abs),
                format!("The file cannot be read: {e}."),
            );
        }
    };
    let mut reader = BufReader::new(file);
    let mut head = Vec::with_capacity(16);
    if let Err(e) = (&mut reader).take(16).read_to_end(&mut head) {
        return unreadable(
            rel,
            MediaKind::from_extension(abs),
            format!("The file cannot be read: {e}."),
        );
    }
    let by_ext = MediaKind::from_extension(abs);
    let kind = MediaKind::sniff(&head, by_ext);
    let kind = match (kind, by_ext) {
        (Some(k), _) => k,
        (None, Some(ext)) => {
            let what = if len == 0 {
                "The file is empty.".to_owned()
            } else {
                format!(
                    "The file's name says {} but its first bytes match no format this command reads.",
                    ext.name()
                )
            };
            return unreadable(rel, Some(ext), what);
        }
        (None, None) => {
            return unreadable(
                rel,
                None,
                "The file is not a PNG, JPEG, WebP, MP3, WAV or MP4 file.".to_owned(),
            );
        }
    };
    if let Err(e) = reader.seek(SeekFrom::Start(0)) {
        return unreadable(rel, Some(kind), format!("The file cannot be read: {e}."));
    }
    let mut reading = Reading {
        path: rel.to_owned(),
        kind: Some(kind),
        outcome: Outcome::Scanned(scan(kind, &mut reader, len)),
        notes: Vec::new(),
    };
    if let Some(ext) = by_ext.filter(|&e| e != kind) {
        reading.notes.push(format!(
            "The name says {} but the content is {}; it was read as {}.",
            ext.name(),
            kind.name(),
            kind.name()
        ));
    }
    reading
}

fn unreadable(rel: &str, kind: Option<MediaKind>, message: String) -> Reading {
    Reading {
        path: rel.to_owned(),
        kind,
        outcome: Outcome::Unreadable(message),
        notes: Vec::new(),
    }
}

/// The format a file's first bytes announce (for files named on the command
/// line without a media extension).
pub fn sniff_file(path: &Path) -> Option<MediaKind> {
    let mut head = Vec::with_capacity(16);
    File::open(path)
        .ok()?
        .take(16)
        .read_to_end(&mut head)
        .ok()?;
    MediaKind::sniff(&head, None)
}

/// A JSON object hidden in an opaque byte field (a QuickTime user-data
/// atom, a RIFF chunk nobody defines): the text from the first `{` to the
/// last `}`, when the bytes mention AIGC or an element name. Only used to
/// spot labels in wrong places, never to accept one.
pub fn embedded_label(bytes: &[u8]) -> Option<String> {
    const LIMIT: usize = 1 << 20;
    let bytes = &bytes[..bytes.len().min(LIMIT)];
    let mentions = |needle: &[u8]| {
        bytes
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !mentions(b"aigc") && !mentions(b"contentproducer") && !mentions(b"produceid") {
        return None;
    }
    let start = bytes.iter().position(|&b| b == b'{')?;
    let end = bytes.iter().rposition(|&b| b == b'}')?;
    if end <= start {
        return None;
    }
    let text = String::from_utf8_lossy(&bytes[start..=end]).into_owned();
    aigc::looks_like_label(None, &text).then_some(text)
}

/// Text of a field that may be UTF-8 or Latin-1, without NUL padding.
pub fn lossy_text(bytes: &[u8]) -> String {
    let bytes = trim_nuls(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

fn trim_nuls(mut bytes: &[u8]) -> &[u8] {
    while let [rest @ .., 0] = bytes {
        bytes = rest;
    }
    bytes
}

/// A four-character code for messages: `©cmt`, `AIGC`, `\x00\x00\x00\x01`.
pub fn fourcc(code: &[u8]) -> String {
    code.iter()
        .map(|&b| match b {
            0xA9 => "©".to_owned(),
            0x20..=0x7E => (b as char).to_string(),
            _ => format!("\\x{b:02X}"),
        })
        .collect()
}

/// Read the XMP properties of a packet into `scan`: the TC260 property is a
/// label in an accepted carrier when `accepted`; other label-like
/// properties are wrong carriers. `container` names where the packet sits.
pub fn scan_xmp(packet: &[u8], container: &str, carrier: &str, accepted: bool, scan: &mut Scan) {
    let text = String::from_utf8_lossy(packet);
    let xmp = crate::implicit_label::xmp::parse(&text);
    for p in &xmp.properties {
        if p.is_tc260_label() {
            scan.found.push(Found::new(
                carrier,
                format!("{container}, XMP property {}", p.qname),
                accepted,
                Some("AIGC"),
                p.value.clone(),
            ));
        } else if p.local.to_ascii_lowercase().contains("aigc") {
            let ns = p.namespace.as_deref().unwrap_or("no namespace");
            scan.found.push(Found::new(
                &format!("{carrier}-other"),
                format!(
                    "{container}, XMP property {} in namespace `{ns}` (not `{}`)",
                    p.qname,
                    crate::implicit_label::xmp::TC260_NS
                ),
                false,
                Some(&p.local),
                p.value.clone(),
            ));
        } else if aigc::looks_like_label(None, &p.value) {
            scan.found.push(Found::new(
                &format!("{carrier}-other"),
                format!("{container}, XMP property {}", p.qname),
                false,
                None,
                p.value.clone(),
            ));
        }
    }
    if let Some(e) = xmp.error
        && text.to_ascii_lowercase().contains("aigc")
    {
        scan.damaged(format!(
            "the XMP packet in {container} cannot be read ({e})."
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        use MediaKind::*;
        let sniff = MediaKind::sniff;
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", None), Some(Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0], None), Some(Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ", None), Some(Webp));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt ", Some(Png)), Some(Wav));
        assert_eq!(sniff(b"\0\0\0\x18ftypisom", None), Some(Mp4));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0", None), Some(Mp3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64], None), None);
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64], Some(Mp3)), Some(Mp3));
        assert_eq!(sniff(b"\0\0\0\x08wide\0\0", None), None);
        assert_eq!(sniff(b"\0\0\0\x08wide\0\0", Some(Mp4)), Some(Mp4));
        assert_eq!(sniff(b"RIFF\0\0\0\0AVI LIST", Some(Wav)), None);
        assert_eq!(sniff(b"", Some(Mp3)), None);
        assert_eq!(MediaKind::from_extension(Path::new("a/B.JPEG")), Some(Jpeg));
        assert_eq!(MediaKind::from_extension(Path::new("clip.mov")), Some(Mp4));
        assert_eq!(MediaKind::from_extension(Path::new("notes.txt")), None);
    }

    #[test]
    fn embedded_labels() {
        let json = r#"{"AIGC":{"Label":"1"}}"#;
        let mut bytes = b"\0\x10\x55\xC4".to_vec();
        bytes.extend_from_slice(json.as_bytes());
        bytes.push(0);
        assert_eq!(embedded_label(&bytes).as_deref(), Some(json));
        assert_eq!(embedded_label(b"AIGC but no braces"), None);
        assert_eq!(embedded_label(b"{\"x\":1} and AIGC"), None);
        assert_eq!(embedded_label(b"}{AIGC"), None);
    }

    #[test]
    fn helpers() {
        assert_eq!(fourcc(b"\xA9cmt"), "©cmt");
        assert_eq!(fourcc(&[0, 0, 0, 1]), "\\x00\\x00\\x00\\x01");
        assert_eq!(lossy_text(b"abc\0\0"), "abc");
        assert_eq!(lossy_text(b"caf\xE9"), "café");
    }
}
