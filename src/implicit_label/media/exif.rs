//! Text fields of an EXIF block, parsed with `kamadak-exif`.

use exif::{Reader, Tag, Value};

use super::Scan;

/// One text-valued EXIF field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExifText {
    /// Tag name (`UserComment`, `ImageDescription`, ...).
    pub tag: String,
    pub is_user_comment: bool,
    pub text: String,
}

/// Windows `XP*` tags: UTF-16LE text stored as bytes.
const XP_TAGS: [u16; 5] = [0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F];

/// The text fields of an EXIF block: TIFF data, with or without the
/// `Exif\0\0` prefix JPEG uses. A block that cannot be parsed is reported
/// as damage only when it mentions AIGC (otherwise it is no concern here).
pub fn texts(raw: &[u8], scan: &mut Scan) -> Vec<ExifText> {
    let tiff = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
    let exif = match Reader::new().read_raw(tiff.to_vec()) {
        Ok(e) => e,
        Err(e) => {
            if super::embedded_label(raw).is_some() {
                scan.damaged(format!("its EXIF block cannot be read ({e})."));
            }
            return Vec::new();
        }
    };
    let little_endian = exif.little_endian();
    let mut out = Vec::new();
    for field in exif.fields() {
        let text = match &field.value {
            Value::Ascii(parts) => parts
                .iter()
                .map(|p| super::lossy_text(p))
                .collect::<Vec<_>>()
                .join("\n"),
            Value::Undefined(bytes, _) if field.tag == Tag::UserComment => {
                user_comment(bytes, little_endian)
            }
            Value::Byte(bytes) if XP_TAGS.contains(&field.tag.number()) => utf16(bytes, true),
            _ => continue,
        };
        out.push(ExifText {
            tag: field.tag.to_string(),
            is_user_comment: field.tag == Tag::UserComment,
            text,
        });
    }
    out
}

/// Decode a `UserComment`: an 8-byte character-code prefix, then the text.
pub fn user_comment(bytes: &[u8], little_endian: bool) -> String {
    let (code, body) = if bytes.len() >= 8 {
        bytes.split_at(8)
    } else {
        return super::lossy_text(bytes);
    };
    match code {
        b"UNICODE\0" => {
            if let Some(rest) = body.strip_prefix(&[0xFF, 0xFE]) {
                utf16(rest, true)
            } else if let Some(rest) = body.strip_prefix(&[0xFE, 0xFF]) {
                utf16(rest, false)
            } else {
                utf16(body, little_endian)
            }
        }
        b"ASCII\0\0\0" | b"JIS\0\0\0\0\0" | b"\0\0\0\0\0\0\0\0" => super::lossy_text(body),
        // No valid prefix: some writers store plain text.
        _ => super::lossy_text(bytes),
    }
}

fn utf16(bytes: &[u8], little_endian: bool) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| {
            if little_endian {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches('\0')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_comment_encodings() {
        assert_eq!(user_comment(b"ASCII\0\0\0{\"a\":1}\0", true), "{\"a\":1}");
        let mut le = b"UNICODE\0".to_vec();
        le.extend("标识".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(user_comment(&le, true), "标识");
        let mut be = b"UNICODE\0".to_vec();
        be.extend("AIGC".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(user_comment(&be, false), "AIGC");
        assert_eq!(user_comment(b"\0\0\0\0\0\0\0\0text", true), "text");
        assert_eq!(user_comment(b"short", true), "short");
        assert_eq!(user_comment(b"no prefix here", true), "no prefix here");
    }

    #[test]
    fn unreadable_exif_is_only_damage_when_it_mentions_a_label() {
        let mut scan = Scan::default();
        assert!(texts(b"garbage", &mut scan).is_empty());
        assert!(scan.damage.is_empty());
        assert!(texts(br#"II*\0{"AIGC":{"Label":"1"}}"#, &mut scan).is_empty());
        assert_eq!(scan.damage.len(), 1);
    }
}
