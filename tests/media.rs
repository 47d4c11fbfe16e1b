//! `synthlint media` on media files generated here: labelled, unlabelled,
//! malformed, wrong carrier, truncated at every length, corrupted, random
//! and empty, for each of PNG, JPEG, WebP, MP3, WAV and MP4. Library-level
//! tests first, then the real binary.

use std::io::Cursor;

use id3::TagLike;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use synthlint::implicit_label::aigc::Check;
use synthlint::implicit_label::media::{MediaKind, scan_bytes};
use synthlint::rules::media::{self, Inspection, Status, assess};

/// Passes every check.
const GOOD: &str = r#"{"Label":"1","ContentProducer":"001191110102MAD55U9H0F10002","ProduceID":"img-0001-8f3a","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}"#;
/// Fails the schema: Label is not 1/2/3, ProduceID misspelt.
const BAD: &str = r#"{"Label":"AIGC","ContentProducer":"Minimax Agent AI","ProduceId":"x"}"#;

fn wrapped(json: &str) -> String {
    format!(r#"{{"AIGC":{json}}}"#)
}

// ------------------------------------------------------------ file builders

mod build {
    use super::*;

    pub enum Text {
        T(&'static str, String),
        Z(&'static str, String),
        I(&'static str, String),
    }

    /// A 2x2 RGB PNG written by the `png` crate, with text chunks before
    /// the image data, others after it, and an optional eXIf chunk.
    pub fn png(before: Vec<Text>, after: Vec<Text>, exif: Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, 2, 2);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            for t in before {
                match t {
                    Text::T(k, v) => enc.add_text_chunk(k.into(), v).unwrap(),
                    Text::Z(k, v) => enc.add_ztxt_chunk(k.into(), v).unwrap(),
                    Text::I(k, v) => enc.add_itxt_chunk(k.into(), v).unwrap(),
                }
            }
            let mut w = enc.write_header().unwrap();
            if let Some(exif) = exif {
                w.write_chunk(png::chunk::eXIf, &exif).unwrap();
            }
            w.write_image_data(&[10u8; 12]).unwrap();
            for t in after {
                match t {
                    Text::T(k, v) => w.write_text_chunk(&png::text_metadata::TEXtChunk::new(k, v)),
                    Text::Z(k, v) => w.write_text_chunk(&png::text_metadata::ZTXtChunk::new(k, v)),
                    Text::I(k, v) => w.write_text_chunk(&png::text_metadata::ITXtChunk::new(k, v)),
                }
                .unwrap();
            }
            w.finish().unwrap();
        }
        out
    }

    pub fn xmp(json: &str) -> String {
        synthlint::implicit_label::xmp::packet_with_label(json)
    }

    /// A TIFF block (little-endian) with the given EXIF fields, written by
    /// kamadak-exif.
    pub fn exif(fields: &[(exif::Tag, exif::Value)]) -> Vec<u8> {
        let fields: Vec<exif::Field> = fields
            .iter()
            .map(|(tag, value)| exif::Field {
                tag: *tag,
                ifd_num: exif::In::PRIMARY,
                value: value.clone(),
            })
            .collect();
        let mut w = exif::experimental::Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut out = Cursor::new(Vec::new());
        w.write(&mut out, true).unwrap();
        out.into_inner()
    }

    pub fn user_comment(text: &str) -> Vec<u8> {
        let mut bytes = b"ASCII\0\0\0".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        exif(&[(exif::Tag::UserComment, exif::Value::Undefined(bytes, 0))])
    }

    /// A 2x2 JPEG from jpeg-encoder, with APP1 segments.
    pub fn jpeg(app1: Vec<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 80);
        for seg in app1 {
            enc.add_app_segment(1, seg).unwrap();
        }
        enc.encode(&[200u8; 12], 2, 2, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    pub fn jpeg_xmp(json: &str) -> Vec<u8> {
        let mut seg = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
        seg.extend_from_slice(xmp(json).as_bytes());
        seg
    }

    pub fn jpeg_exif(tiff: Vec<u8>) -> Vec<u8> {
        let mut seg = b"Exif\0\0".to_vec();
        seg.extend(tiff);
        seg
    }

    /// Insert a COM segment after SOI, with img-parts.
    pub fn jpeg_with_comment(jpeg: Vec<u8>, comment: &str) -> Vec<u8> {
        use img_parts::jpeg::{Jpeg, JpegSegment, markers};
        let mut j = Jpeg::from_bytes(jpeg.into()).unwrap();
        j.segments_mut().insert(
            0,
            JpegSegment::new_with_contents(markers::COM, comment.as_bytes().to_vec().into()),
        );
        let mut out = Vec::new();
        j.encoder().write_to(&mut out).unwrap();
        out
    }

    /// A 2x2 lossless WebP from image-webp, with XMP and EXIF chunks.
    pub fn webp(xmp: Option<String>, exif: Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = image_webp::WebPEncoder::new(&mut out);
        if let Some(x) = xmp {
            enc.set_xmp_metadata(x.into_bytes());
        }
        if let Some(e) = exif {
            enc.set_exif_metadata(e);
        }
        enc.encode(&[90u8; 12], 2, 2, image_webp::ColorType::Rgb8)
            .unwrap();
        out
    }

    /// An ID3v2.4 tag written by the id3 crate, then three silent MPEG-1
    /// Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each).
    pub fn mp3(frames: Vec<id3::Frame>) -> Vec<u8> {
        let mut out = Vec::new();
        if !frames.is_empty() {
            let mut tag = id3::Tag::new();
            for f in frames {
                tag.add_frame(f);
            }
            tag.write_to(&mut out, id3::Version::Id3v24).unwrap();
        }
        for _ in 0..3 {
            let mut frame = vec![0xFF, 0xFB, 0x90, 0x64];
            frame.resize(417, 0);
            out.extend(frame);
        }
        out
    }

    pub fn txxx(desc: &str, value: &str) -> id3::Frame {
        id3::frame::ExtendedText {
            description: desc.into(),
            value: value.into(),
        }
        .into()
    }

    pub fn comm(text: &str) -> id3::Frame {
        id3::frame::Comment {
            lang: "eng".into(),
            description: String::new(),
            text: text.into(),
        }
        .into()
    }

    /// A RIFF WAVE file (8 kHz mono 8-bit, 8 samples) with extra top-level
    /// chunks and LIST/INFO sub-chunks, written with img-parts.
    pub fn wav(chunks: Vec<([u8; 4], Vec<u8>)>, info: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
        use img_parts::riff::{RiffChunk, RiffContent};
        let fmt: Vec<u8> = [
            &1u16.to_le_bytes()[..],
            &1u16.to_le_bytes(),
            &8000u32.to_le_bytes(),
            &8000u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &8u16.to_le_bytes(),
        ]
        .concat();
        let data =
            |id: [u8; 4], bytes: Vec<u8>| RiffChunk::new(id, RiffContent::Data(bytes.into()));
        let mut sub = vec![data(*b"fmt ", fmt)];
        for (id, bytes) in chunks {
            sub.push(data(id, bytes));
        }
        if !info.is_empty() {
            sub.push(RiffChunk::new(
                *b"LIST",
                RiffContent::List {
                    kind: Some(*b"INFO"),
                    subchunks: info.into_iter().map(|(id, b)| data(id, b)).collect(),
                },
            ));
        }
        sub.push(data(*b"data", vec![128; 8]));
        let riff = RiffChunk::new(
            *b"RIFF",
            RiffContent::List {
                kind: Some(*b"WAVE"),
                subchunks: sub,
            },
        );
        let mut out = Vec::new();
        riff.encoder().write_to(&mut out).unwrap();
        out
    }

    /// An ISO BMFF box.
    pub fn bx(kind: &[u8; 4], parts: &[&[u8]]) -> Vec<u8> {
        let body: Vec<u8> = parts.concat();
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend(body);
        out
    }

    /// A full box (version 0, flags 0).
    pub fn full(kind: &[u8; 4], parts: &[&[u8]]) -> Vec<u8> {
        let mut p: Vec<&[u8]> = vec![&[0, 0, 0, 0]];
        p.extend_from_slice(parts);
        bx(kind, &p)
    }

    fn hdlr(handler: &[u8; 4]) -> Vec<u8> {
        full(b"hdlr", &[&[0; 4], handler, &[0; 12], b"\0"])
    }

    fn data_atom(text: &str) -> Vec<u8> {
        bx(b"data", &[&1u32.to_be_bytes(), &[0; 4], text.as_bytes()])
    }

    /// `meta` as ffmpeg writes it with `-movflags use_metadata_tags`.
    pub fn mdta_meta(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut keys = (pairs.len() as u32).to_be_bytes().to_vec();
        let mut ilst = Vec::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            keys.extend(bx(b"mdta", &[k.as_bytes()]));
            let index = (i as u32 + 1).to_be_bytes();
            ilst.extend(bx(&index, &[&data_atom(v)]));
        }
        full(
            b"meta",
            &[
                &hdlr(b"mdta"),
                &full(b"keys", &[&keys]),
                &bx(b"ilst", &[&ilst]),
            ],
        )
    }

    /// `meta` with iTunes tags (what ffmpeg writes for `-metadata comment=`).
    pub fn itunes_meta(items: &[(&[u8; 4], &str)]) -> Vec<u8> {
        let ilst: Vec<u8> = items
            .iter()
            .flat_map(|(k, v)| bx(k, &[&data_atom(v)]))
            .collect();
        full(b"meta", &[&hdlr(b"mdir"), &bx(b"ilst", &[&ilst])])
    }

    /// ftyp, moov (mvhd + udta with the given children), mdat.
    pub fn mp4(udta: Vec<Vec<u8>>) -> Vec<u8> {
        let ftyp = bx(b"ftyp", &[b"isom", &512u32.to_be_bytes(), b"isomiso2mp41"]);
        let mvhd = full(b"mvhd", &[&[0; 96]]);
        let mut moov_parts: Vec<Vec<u8>> = vec![mvhd];
        if !udta.is_empty() {
            let refs: Vec<&[u8]> = udta.iter().map(Vec::as_slice).collect();
            moov_parts.push(bx(b"udta", &refs));
        }
        let refs: Vec<&[u8]> = moov_parts.iter().map(Vec::as_slice).collect();
        let moov = bx(b"moov", &refs);
        let mdat = bx(b"mdat", &[&[0x55; 64]]);
        [ftyp, mdat, moov].concat()
    }
}

// ------------------------------------------------------------------ helpers

fn check(kind: MediaKind, bytes: &[u8]) -> Inspection {
    assess("sample", kind, scan_bytes(kind, bytes))
}

fn codes(i: &Inspection) -> Vec<(&str, &str)> {
    i.findings
        .iter()
        .map(|f| (f.rule, f.level.as_str()))
        .collect()
}

fn checks(i: &Inspection) -> Vec<String> {
    i.findings
        .iter()
        .filter_map(|f| f.properties.get("check").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

fn assert_labelled(kind: MediaKind, bytes: &[u8]) {
    let i = check(kind, bytes);
    assert_eq!(i.status, Status::Labelled, "{:#?}", i.findings);
    assert_eq!(codes(&i), [], "{:#?}", i.findings);
    assert_eq!(i.labels.len(), 1);
    assert!(i.labels[0].found.accepted);
}

fn assert_status(kind: MediaKind, bytes: &[u8], status: Status, rule: &str) -> Inspection {
    let i = check(kind, bytes);
    assert_eq!(i.status, status, "{:#?}", i.findings);
    assert!(
        i.findings
            .iter()
            .any(|f| f.rule == rule && f.level.as_str() == "error"),
        "expected an error of {rule}: {:#?}",
        i.findings
    );
    i
}

/// Every strict prefix of a labelled file (all of them up to `bound`
/// bytes, then a spread) is read without a reader failure and never comes
/// out clean; `undetectable_from` is where cuts can no longer be seen
/// (inside MP3 audio).
fn truncations_fail(kind: MediaKind, bytes: &[u8], undetectable_from: usize) {
    let bound = 2048.min(bytes.len());
    let lengths = (0..bound).chain((bound..bytes.len()).step_by(97));
    for len in lengths {
        let scanned = scan_bytes(kind, &bytes[..len]);
        assert!(
            !scanned.damage.iter().any(|d| d.contains("reader failed")),
            "{kind:?} reader panicked at length {len}"
        );
        if len < undetectable_from {
            let i = assess("cut", kind, scanned);
            assert!(
                i.findings.iter().any(|f| f.level.as_str() == "error"),
                "{kind:?} truncated to {len} of {} bytes came out clean",
                bytes.len()
            );
        }
    }
}

/// Deterministic corruption: overwrite bytes at many positions; no reader
/// may fail.
fn corruptions_do_not_crash(kind: MediaKind, bytes: &[u8]) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..400 {
        let mut copy = bytes.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = (next() % copy.len() as u64) as usize;
            copy[at] = next() as u8;
        }
        let scanned = scan_bytes(kind, &copy);
        assert!(
            !scanned.damage.iter().any(|d| d.contains("reader failed")),
            "{kind:?} reader panicked on a corrupted file"
        );
    }
    for len in [1usize, 7, 64, 4096] {
        let mut noise = Vec::with_capacity(len);
        while noise.len() < len {
            noise.extend_from_slice(&next().to_le_bytes());
        }
        noise.truncate(len);
        let scanned = scan_bytes(kind, &noise);
        assert!(!scanned.damage.iter().any(|d| d.contains("reader failed")));
        assert!(
            !scanned.damage.is_empty(),
            "{kind:?}: noise read as a valid file"
        );
    }
}

// --------------------------------------------------------------------- PNG

#[test]
fn png_labels_in_accepted_carriers() {
    use build::Text::*;
    // XMP in iTXt, with TC260:AIGC.
    assert_labelled(
        MediaKind::Png,
        &build::png(vec![I("XML:com.adobe.xmp", build::xmp(GOOD))], vec![], None),
    );
    // An AIGC text chunk, bare or wrapped, tEXt, zTXt or iTXt.
    for text in [GOOD.to_owned(), wrapped(GOOD)] {
        for chunk in [
            T("AIGC", text.clone()),
            Z("AIGC", text.clone()),
            I("AIGC", text.clone()),
        ] {
            assert_labelled(MediaKind::Png, &build::png(vec![chunk], vec![], None));
        }
    }
    // After the image data too.
    assert_labelled(
        MediaKind::Png,
        &build::png(vec![], vec![T("AIGC", GOOD.into())], None),
    );
}

#[test]
fn png_without_label() {
    use build::Text::*;
    let bytes = build::png(vec![T("Software", "gen 1.0".into())], vec![], None);
    let i = assert_status(MediaKind::Png, &bytes, Status::Missing, "LBL101");
    assert_eq!(codes(&i), [("LBL101", "error")]);
}

#[test]
fn png_malformed_label() {
    use build::Text::*;
    let i = assert_status(
        MediaKind::Png,
        &build::png(vec![T("AIGC", BAD.into())], vec![], None),
        Status::Malformed,
        "LBL102",
    );
    let found = checks(&i);
    for expected in [
        "invalid-label",
        "element-name-case",
        "missing-element",
        "charset",
    ] {
        assert!(
            found.iter().any(|c| c == expected),
            "{expected} in {found:?}"
        );
    }
    let i = assert_status(
        MediaKind::Png,
        &build::png(vec![T("AIGC", "AI generated".into())], vec![], None),
        Status::Malformed,
        "LBL102",
    );
    assert_eq!(checks(&i), ["invalid-json"]);
    // Two labels that disagree.
    let i = assert_status(
        MediaKind::Png,
        &build::png(
            vec![
                T("AIGC", GOOD.into()),
                I(
                    "XML:com.adobe.xmp",
                    build::xmp(&GOOD.replace("\"1\"", "\"2\"")),
                ),
            ],
            vec![],
            None,
        ),
        Status::Malformed,
        "LBL102",
    );
    assert!(checks(&i).contains(&Check::DuplicateLabel.as_str().to_owned()));
}

#[test]
fn png_wrong_carriers() {
    use build::Text::*;
    // JSON in a Comment chunk.
    let i = assert_status(
        MediaKind::Png,
        &build::png(vec![T("Comment", wrapped(GOOD))], vec![], None),
        Status::WrongCarrier,
        "LBL103",
    );
    assert!(i.findings[0].message.contains("tEXt chunk `Comment`"));
    // In EXIF UserComment inside PNG.
    assert_status(
        MediaKind::Png,
        &build::png(vec![], vec![], Some(build::user_comment(&wrapped(GOOD)))),
        Status::WrongCarrier,
        "LBL103",
    );
    // XMP with the namespace lacking its trailing slash.
    let xmp = build::xmp(GOOD).replace("/1.0/", "/1.0");
    assert_status(
        MediaKind::Png,
        &build::png(vec![I("XML:com.adobe.xmp", xmp)], vec![], None),
        Status::WrongCarrier,
        "LBL103",
    );
    // A stray copy beside a good label is a warning, and a second label.
    let i = check(
        MediaKind::Png,
        &build::png(
            vec![T("AIGC", GOOD.into()), T("Comment", wrapped(GOOD))],
            vec![],
            None,
        ),
    );
    assert_eq!(i.status, Status::Labelled);
    assert_eq!(codes(&i), [("LBL102", "warning"), ("LBL103", "warning")]);
    // Prose about AIGC in a comment is not a label.
    assert_status(
        MediaKind::Png,
        &build::png(
            vec![T("Comment", "made with AIGC tools".into())],
            vec![],
            None,
        ),
        Status::Missing,
        "LBL101",
    );
}

#[test]
fn png_damage() {
    use build::Text::*;
    let good = build::png(vec![T("AIGC", GOOD.into())], vec![], None);
    truncations_fail(MediaKind::Png, &good, usize::MAX);
    corruptions_do_not_crash(MediaKind::Png, &good);
    // A flipped byte in the label chunk breaks its CRC: readers skip it.
    let at = good.windows(4).position(|w| w == b"tEXt").unwrap() + 10;
    let mut bad = good.clone();
    bad[at] ^= 0x20;
    let i = check(MediaKind::Png, &bad);
    assert_eq!(i.status, Status::Unreadable, "{:#?}", i.findings);
    assert!(i.findings.iter().any(|f| f.rule == "LBL104"));
    // Cut after the label but before IEND: the label is still checked.
    let cut = &good[..good.len() - 12];
    let i = check(MediaKind::Png, cut);
    assert_eq!(i.status, Status::Labelled);
    assert_eq!(codes(&i), [("LBL104", "error")]);
}

// -------------------------------------------------------------------- JPEG

#[test]
fn jpeg_labels() {
    assert_labelled(MediaKind::Jpeg, &build::jpeg(vec![build::jpeg_xmp(GOOD)]));
    // EXIF UserComment with the wrapped form (Annex B).
    assert_labelled(
        MediaKind::Jpeg,
        &build::jpeg(vec![build::jpeg_exif(build::user_comment(&wrapped(GOOD)))]),
    );
    // The bare form in UserComment names no AIGC key.
    let i = assert_status(
        MediaKind::Jpeg,
        &build::jpeg(vec![build::jpeg_exif(build::user_comment(GOOD))]),
        Status::Malformed,
        "LBL102",
    );
    assert_eq!(checks(&i), ["key-without-aigc"]);
    assert_status(
        MediaKind::Jpeg,
        &build::jpeg(vec![build::jpeg_xmp(BAD)]),
        Status::Malformed,
        "LBL102",
    );
    assert_status(
        MediaKind::Jpeg,
        &build::jpeg(vec![]),
        Status::Missing,
        "LBL101",
    );
}

#[test]
fn jpeg_wrong_carriers() {
    let with_comment = build::jpeg_with_comment(build::jpeg(vec![]), &wrapped(GOOD));
    let i = assert_status(
        MediaKind::Jpeg,
        &with_comment,
        Status::WrongCarrier,
        "LBL103",
    );
    assert!(i.findings[0].message.contains("COM"));
    let description = build::exif(&[(
        exif::Tag::ImageDescription,
        exif::Value::Ascii(vec![wrapped(GOOD).into_bytes()]),
    )]);
    assert_status(
        MediaKind::Jpeg,
        &build::jpeg(vec![build::jpeg_exif(description)]),
        Status::WrongCarrier,
        "LBL103",
    );
}

#[test]
fn jpeg_damage() {
    let good = build::jpeg(vec![build::jpeg_xmp(GOOD)]);
    truncations_fail(MediaKind::Jpeg, &good, usize::MAX);
    corruptions_do_not_crash(MediaKind::Jpeg, &good);
}

// -------------------------------------------------------------------- WebP

#[test]
fn webp_labels() {
    assert_labelled(MediaKind::Webp, &build::webp(Some(build::xmp(GOOD)), None));
    assert_status(
        MediaKind::Webp,
        &build::webp(Some(build::xmp(BAD)), None),
        Status::Malformed,
        "LBL102",
    );
    assert_status(
        MediaKind::Webp,
        &build::webp(None, None),
        Status::Missing,
        "LBL101",
    );
    // EXIF is no carrier for WebP.
    assert_status(
        MediaKind::Webp,
        &build::webp(None, Some(build::user_comment(&wrapped(GOOD)))),
        Status::WrongCarrier,
        "LBL103",
    );
}

#[test]
fn webp_damage() {
    let good = build::webp(Some(build::xmp(GOOD)), None);
    truncations_fail(MediaKind::Webp, &good, usize::MAX);
    corruptions_do_not_crash(MediaKind::Webp, &good);
}

// --------------------------------------------------------------------- MP3

#[test]
fn mp3_labels() {
    assert_labelled(MediaKind::Mp3, &build::mp3(vec![build::txxx("AIGC", GOOD)]));
    assert_labelled(
        MediaKind::Mp3,
        &build::mp3(vec![build::txxx("AIGC", &wrapped(GOOD))]),
    );
    assert_status(
        MediaKind::Mp3,
        &build::mp3(vec![build::txxx("AIGC", BAD)]),
        Status::Malformed,
        "LBL102",
    );
    // A differently named TXXX: accepted place, name flagged.
    let i = check(
        MediaKind::Mp3,
        &build::mp3(vec![build::txxx("AIGC_Label", GOOD)]),
    );
    assert_eq!(i.status, Status::Labelled);
    assert_eq!(checks(&i), ["key-not-canonical"]);
    assert_status(
        MediaKind::Mp3,
        &build::mp3(vec![]),
        Status::Missing,
        "LBL101",
    );
    assert_status(
        MediaKind::Mp3,
        &build::mp3(vec![build::txxx("comment", "hello")]),
        Status::Missing,
        "LBL101",
    );
}

#[test]
fn mp3_wrong_carriers() {
    assert_status(
        MediaKind::Mp3,
        &build::mp3(vec![build::comm(&wrapped(GOOD))]),
        Status::WrongCarrier,
        "LBL103",
    );
    assert_status(
        MediaKind::Mp3,
        &build::mp3(vec![build::txxx("metadata", &wrapped(GOOD))]),
        Status::WrongCarrier,
        "LBL103",
    );
}

#[test]
fn mp3_damage() {
    let good = build::mp3(vec![build::txxx("AIGC", GOOD)]);
    // Cuts inside the audio frames keep a valid tag and frame headers; only
    // cuts up to the first frame header are detectable.
    let first_frame = good.len() - 3 * 417;
    truncations_fail(MediaKind::Mp3, &good, first_frame + 4);
    corruptions_do_not_crash(MediaKind::Mp3, &good);
}

// --------------------------------------------------------------------- WAV

#[test]
fn wav_labels() {
    assert_labelled(
        MediaKind::Wav,
        &build::wav(vec![(*b"AIGC", GOOD.as_bytes().to_vec())], vec![]),
    );
    // Odd length (a pad byte) and a trailing NUL.
    let mut odd = wrapped(GOOD).into_bytes();
    odd.push(0);
    if odd.len().is_multiple_of(2) {
        odd.push(0);
    }
    assert_labelled(MediaKind::Wav, &build::wav(vec![(*b"AIGC", odd)], vec![]));
    assert_status(
        MediaKind::Wav,
        &build::wav(vec![(*b"AIGC", BAD.as_bytes().to_vec())], vec![]),
        Status::Malformed,
        "LBL102",
    );
    assert_status(
        MediaKind::Wav,
        &build::wav(vec![], vec![]),
        Status::Missing,
        "LBL101",
    );
}

#[test]
fn wav_wrong_carriers() {
    // LIST/INFO is the AVI carrier, not WAV's.
    let i = assert_status(
        MediaKind::Wav,
        &build::wav(vec![], vec![(*b"AIGC", GOOD.as_bytes().to_vec())]),
        Status::WrongCarrier,
        "LBL103",
    );
    assert!(i.findings[0].message.contains("LIST/INFO"));
    assert_status(
        MediaKind::Wav,
        &build::wav(vec![], vec![(*b"ICMT", wrapped(GOOD).into_bytes())]),
        Status::WrongCarrier,
        "LBL103",
    );
    // An ID3 chunk with a TXXX AIGC frame.
    let mut id3 = Vec::new();
    let mut tag = id3::Tag::new();
    tag.add_frame(build::txxx("AIGC", GOOD));
    tag.write_to(&mut id3, id3::Version::Id3v24).unwrap();
    assert_status(
        MediaKind::Wav,
        &build::wav(vec![(*b"id3 ", id3)], vec![]),
        Status::WrongCarrier,
        "LBL103",
    );
}

#[test]
fn wav_damage() {
    let good = build::wav(vec![(*b"AIGC", GOOD.as_bytes().to_vec())], vec![]);
    truncations_fail(MediaKind::Wav, &good, usize::MAX);
    corruptions_do_not_crash(MediaKind::Wav, &good);
    // A streaming writer's placeholder size.
    let mut streamed = good.clone();
    streamed[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_status(MediaKind::Wav, &streamed, Status::Unreadable, "LBL104");
}

// --------------------------------------------------------------------- MP4

#[test]
fn mp4_labels() {
    assert_labelled(
        MediaKind::Mp4,
        &build::mp4(vec![build::mdta_meta(&[
            ("major_brand", "isom"),
            ("AIGC", GOOD),
            ("encoder", "Lavf61"),
        ])]),
    );
    assert_labelled(
        MediaKind::Mp4,
        &build::mp4(vec![build::mdta_meta(&[("AIGC", &wrapped(GOOD))])]),
    );
    assert_status(
        MediaKind::Mp4,
        &build::mp4(vec![build::mdta_meta(&[("AIGC", BAD)])]),
        Status::Malformed,
        "LBL102",
    );
    assert_status(
        MediaKind::Mp4,
        &build::mp4(vec![build::mdta_meta(&[("encoder", "Lavf61")])]),
        Status::Missing,
        "LBL101",
    );
    assert_status(
        MediaKind::Mp4,
        &build::mp4(vec![]),
        Status::Missing,
        "LBL101",
    );
}

#[test]
fn mp4_wrong_carriers() {
    // ffmpeg -metadata comment='{"AIGC":...}' without use_metadata_tags.
    let i = assert_status(
        MediaKind::Mp4,
        &build::mp4(vec![build::itunes_meta(&[
            (b"\xA9too", "Lavf61"),
            (b"\xA9cmt", &wrapped(GOOD)),
        ])]),
        Status::WrongCarrier,
        "LBL103",
    );
    assert!(
        i.findings[0].message.contains("©cmt"),
        "{}",
        i.findings[0].message
    );
    // A label under a key with another name.
    assert_status(
        MediaKind::Mp4,
        &build::mp4(vec![build::mdta_meta(&[("comment", &wrapped(GOOD))])]),
        Status::WrongCarrier,
        "LBL103",
    );
    // A QuickTime user-data text atom.
    let mut text = (wrapped(GOOD).len() as u16).to_be_bytes().to_vec();
    text.extend_from_slice(&[0x55, 0xC4]);
    text.extend_from_slice(wrapped(GOOD).as_bytes());
    assert_status(
        MediaKind::Mp4,
        &build::mp4(vec![build::bx(b"\xA9cmt", &[&text])]),
        Status::WrongCarrier,
        "LBL103",
    );
}

#[test]
fn mp4_damage() {
    let good = build::mp4(vec![build::mdta_meta(&[("AIGC", GOOD)])]);
    truncations_fail(MediaKind::Mp4, &good, usize::MAX);
    corruptions_do_not_crash(MediaKind::Mp4, &good);
    // No moov at all.
    let only_mdat = [
        build::bx(b"ftyp", &[b"isom", &[0; 4]]),
        build::bx(b"mdat", &[&[0; 16]]),
    ]
    .concat();
    assert_status(MediaKind::Mp4, &only_mdat, Status::Unreadable, "LBL104");
}

// --------------------------------------------------------- files on disk

#[test]
fn empty_and_random_files_with_media_names() {
    let dir = tempfile::tempdir().unwrap();
    for kind in MediaKind::ALL {
        let ext = kind.extensions()[0];
        let empty = dir.path().join(format!("empty.{ext}"));
        std::fs::write(&empty, b"").unwrap();
        let i = media::inspect(&empty, "empty");
        assert_eq!(i.status, Status::Unreadable);
        assert!(
            i.findings[0].message.contains("empty"),
            "{}",
            i.findings[0].message
        );

        let random = dir.path().join(format!("random.{ext}"));
        std::fs::write(&random, b"\x13\x37 this is not media at all \x00\x01").unwrap();
        let i = media::inspect(&random, "random");
        assert_eq!(i.status, Status::Unreadable, "{kind:?}");
        assert_eq!(codes(&i), [("LBL104", "error")]);
    }
}

#[test]
fn content_decides_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.png");
    std::fs::write(&path, build::jpeg(vec![build::jpeg_xmp(GOOD)])).unwrap();
    let i = media::inspect(&path, "photo.png");
    assert_eq!(i.kind, Some(MediaKind::Jpeg));
    assert_eq!(i.status, Status::Labelled);
    assert_eq!(i.notes.len(), 1);
}

#[test]
fn quicktime_without_ftyp() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.mov");
    let labelled = build::mp4(vec![build::mdta_meta(&[("AIGC", GOOD)])]);
    // Drop the ftyp box (its size is its first byte here) and start with `wide`.
    let without_ftyp = &labelled[labelled[3] as usize..];
    std::fs::write(
        &path,
        [build::bx(b"wide", &[]), without_ftyp.to_vec()].concat(),
    )
    .unwrap();
    let i = media::inspect(&path, "old.mov");
    assert_eq!(i.status, Status::Labelled, "{:#?}", i.findings);
    // The same bytes named .png are not taken for a movie.
    let named_png = dir.path().join("old.png");
    std::fs::copy(&path, &named_png).unwrap();
    assert_eq!(
        media::inspect(&named_png, "old.png").status,
        Status::Unreadable
    );
}

// ------------------------------------------------------------- the binary

fn bin(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run synthlint")
}

/// Sample files: the good ones carry a well-formed label in the right
/// place, the bad ones one problem each.
fn samples() -> Vec<(&'static str, Vec<u8>)> {
    use build::Text::*;
    vec![
        (
            "good/a.png",
            build::png(vec![I("XML:com.adobe.xmp", build::xmp(GOOD))], vec![], None),
        ),
        ("good/b.jpg", build::jpeg(vec![build::jpeg_xmp(GOOD)])),
        ("good/c.webp", build::webp(Some(build::xmp(GOOD)), None)),
        ("good/d.mp3", build::mp3(vec![build::txxx("AIGC", GOOD)])),
        (
            "good/e.wav",
            build::wav(vec![(*b"AIGC", GOOD.as_bytes().to_vec())], vec![]),
        ),
        (
            "good/f.mp4",
            build::mp4(vec![build::mdta_meta(&[("AIGC", GOOD)])]),
        ),
        ("bad/missing.png", build::png(vec![], vec![], None)),
        (
            "bad/malformed.mp3",
            build::mp3(vec![build::txxx("AIGC", BAD)]),
        ),
        (
            "bad/comment.mp4",
            build::mp4(vec![build::itunes_meta(&[(b"\xA9cmt", &wrapped(GOOD))])]),
        ),
        ("bad/empty.wav", Vec::new()),
        ("bad/notes.txt", b"not media".to_vec()),
        (
            "bad/exif.png",
            build::png(vec![], vec![], Some(build::user_comment(&wrapped(GOOD)))),
        ),
        (
            "bad/usercomment.jpg",
            build::jpeg(vec![build::jpeg_exif(build::user_comment(GOOD))]),
        ),
        (
            "bad/exif.webp",
            build::webp(None, Some(build::user_comment(&wrapped(GOOD)))),
        ),
        (
            "bad/info.wav",
            build::wav(vec![], vec![(*b"AIGC", GOOD.as_bytes().to_vec())]),
        ),
    ]
}

fn write_samples(dir: &Path) {
    for (rel, bytes) in samples() {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Every sample, cut at every length up to 2 KiB and then at a spread of
/// lengths, is read without a reader failure; a cut good file never comes
/// out clean (except MP3 cut inside its audio frames, see `mp3_damage`).
#[test]
fn every_sample_survives_every_truncation() {
    for (name, bytes) in samples() {
        let Some(kind) = MediaKind::from_extension(Path::new(name)) else {
            continue;
        };
        let undetectable_from = match kind {
            MediaKind::Mp3 => bytes.len() - 3 * 417 + 4,
            _ => usize::MAX,
        };
        if name.starts_with("good/") {
            truncations_fail(kind, &bytes, undetectable_from);
        } else {
            truncations_fail(kind, &bytes, 0);
        }
        if !bytes.is_empty() {
            corruptions_do_not_crash(kind, &bytes);
        }
    }
}

#[test]
fn cli_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write_samples(dir.path());
    let out = bin(&["media", "good"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("6 files: 6 labelled"), "{text}");

    let out = bin(&["media", "good", "bad"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("bad/missing.png: missing (PNG)"), "{text}");
    assert!(text.contains("error[LBL103]"), "{text}");
    // The .txt file in the directory is not walked.
    assert!(!text.contains("notes.txt"), "{text}");

    // Usage errors.
    assert_eq!(bin(&["media"], dir.path()).status.code(), Some(2));
    assert_eq!(bin(&["media", "nope"], dir.path()).status.code(), Some(2));
    assert_eq!(
        bin(&["media", "good", "--format", "xml"], dir.path())
            .status
            .code(),
        Some(2)
    );
    std::fs::create_dir(dir.path().join("nothing")).unwrap();
    let out = bin(&["media", "nothing"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no media files"));
    // A named non-media file is skipped; with nothing else, that is a usage error.
    assert_eq!(
        bin(&["media", "bad/notes.txt"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn cli_json_report() {
    let dir = tempfile::tempdir().unwrap();
    write_samples(dir.path());
    let out = bin(
        &[
            "media",
            "good",
            "bad",
            "bad/notes.txt",
            "--format",
            "json",
            "--output",
            "r.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
    let status = |path: &str| {
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path} not in report"))
            .clone()
    };
    assert_eq!(status("good/f.mp4")["status"], "labelled");
    assert_eq!(
        status("good/f.mp4")["labels"][0]["elements"][0]["name"],
        "Label"
    );
    assert_eq!(
        status("good/f.mp4")["labels"][0]["elements"][0]["value"],
        "1"
    );
    assert_eq!(status("bad/missing.png")["status"], "missing");
    assert_eq!(status("bad/malformed.mp3")["status"], "malformed");
    assert_eq!(status("bad/comment.mp4")["status"], "wrong-carrier");
    assert_eq!(status("bad/empty.wav")["status"], "unreadable");
    let malformed = &status("bad/malformed.mp3")["findings"];
    assert!(
        malformed
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "invalid-label" && f["element"] == "Label")
    );
    assert_eq!(report["summary"]["files"], 14);
    assert_eq!(report["summary"]["labelled"], 6);
    assert_eq!(report["notifications"][0]["kind"], "not-media");
    // Deterministic.
    let again = bin(&["media", "good", "bad", "--format", "json"], dir.path());
    let twice = bin(
        &["media", "bad", "good", "--jobs", "1", "--format", "json"],
        dir.path(),
    );
    assert_eq!(again.stdout, twice.stdout);
}

#[test]
fn cli_sarif_report() {
    let dir = tempfile::tempdir().unwrap();
    write_samples(dir.path());
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let out = bin(&["media", "bad", "--format", "sarif"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: Value = serde_json::from_str(include_str!("schemas/sarif-2.1.0.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");

    let run = &log["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "synthlint-media/");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["LBL101", "LBL102", "LBL103", "LBL104"]);
    for r in rules {
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Articles")
        );
        let tags: Vec<&str> = r["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(
            tags.contains(&"label") && tags.contains(&"CN-LBL-5"),
            "{tags:?}"
        );
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let mut fingerprints = std::collections::BTreeSet::new();
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("bad/")
        );
        assert_eq!(loc["region"]["startLine"], 1);
        assert!(loc["region"].get("snippet").is_none());
        let fp = r["partialFingerprints"]["synthlint/v2"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(fingerprints.insert(fp), "duplicate fingerprint");
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
    }
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains(dir.path().to_str().unwrap()),
        "absolute path in SARIF"
    );
}
