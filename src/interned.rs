//! Serde for the interned strings in facts (`ustr::Ustr`), with a string
//! table per facts-cache entry.
//!
//! Interning a string costs a hash and a probe of the global string cache
//! (a cache miss, mostly). Loading facts from the cache interned every
//! string occurrence (diffusers: 623k in a sample of 300 entries, 98k
//! distinct per entry), 12–14% of the CPU samples of a run after a
//! one-file change. Inside
//! [`with_encode_table`] / [`with_decode_table`] (the facts cache, one entry
//! at a time on one thread) a `Ustr` is written as its index in the entry's
//! table, and read back from the table, interned once per entry. Anywhere
//! else (JSON of `debug facts`, tests) it is a plain string, as before.
//!
//! The table is written by [`encode_table`]: the count and every length as
//! varints, then all the strings' bytes in one run, so that reading it back
//! checks UTF-8 once over the run rather than once per string (dec25). A
//! string read through the table costs one look at a thread-local mode and
//! one at the table (it was two of each, with the table behind an `Option`).

use std::cell::{Cell, RefCell};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ustr::Ustr;

use crate::analysis::FastMap;

/// What a `Ustr` (de)serializes as on this thread right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A plain string.
    Plain,
    /// An index into `ENCODE`'s table.
    Encode,
    /// An index into `DECODE`.
    Decode,
}

thread_local! {
    static MODE: Cell<Mode> = const { Cell::new(Mode::Plain) };
    static ENCODE: RefCell<(FastMap<Ustr, u32>, Vec<Ustr>)> =
        RefCell::new((FastMap::default(), Vec::new()));
    /// The table being read; its allocation is kept for the next entry.
    static DECODE: RefCell<Vec<Ustr>> = const { RefCell::new(Vec::new()) };
}

/// Puts the thread back to plain strings when dropped, also on a panic or
/// an error, and empties the tables.
struct Active;

impl Drop for Active {
    fn drop(&mut self) {
        MODE.set(Mode::Plain);
        ENCODE.with_borrow_mut(|(map, strings)| {
            map.clear();
            strings.clear();
        });
        DECODE.with_borrow_mut(Vec::clear);
    }
}

/// Run `f` (which serializes facts) with a fresh table, and return its
/// result with the table: the strings, in the order of their indexes.
pub fn with_encode_table<T>(f: impl FnOnce() -> T) -> (T, Vec<Ustr>) {
    let active = Active;
    ENCODE.with_borrow_mut(|(map, strings)| {
        map.clear();
        strings.clear();
    });
    MODE.set(Mode::Encode);
    let out = f();
    let strings = ENCODE.with_borrow_mut(|(_, strings)| std::mem::take(strings));
    drop(active);
    (out, strings)
}

/// A string table as [`with_decode_table`] reads it: the count and each
/// string's length as varints, then the strings' bytes back to back.
pub fn encode_table(strings: &[Ustr]) -> Vec<u8> {
    let bytes: usize = strings.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(5 + strings.len() * 2 + bytes);
    put_varint(&mut out, strings.len() as u64);
    for s in strings {
        put_varint(&mut out, s.len() as u64);
    }
    for s in strings {
        out.extend_from_slice(s.as_bytes());
    }
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A varint at the head of `bytes`, and the rest; `None` when it is cut
/// short or longer than a `u32` needs.
fn take_varint(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let mut v: u64 = 0;
    for (i, b) in bytes.iter().take(5).enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((u32::try_from(v).ok()?, &bytes[i + 1..]));
        }
    }
    None
}

/// Run `f` (which deserializes facts) with the table `encode_table` wrote
/// in `table`, each string interned once. `None`, without running `f`,
/// when the table is damaged: cut short, lengths past its end or not
/// adding up to it, or bytes that are not UTF-8 or split a character.
pub fn with_decode_table<T>(table: &[u8], f: impl FnOnce() -> T) -> Option<T> {
    let active = Active;
    let (count, mut rest) = take_varint(table)?;
    // Each length takes a byte at least: a count past that is damage, and
    // is refused before anything is allocated for it.
    if count as usize > rest.len() {
        return None;
    }
    let mut lengths = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let (len, after) = take_varint(rest)?;
        lengths.push(len as usize);
        rest = after;
    }
    let text = std::str::from_utf8(rest).ok()?;
    let ok = DECODE.with_borrow_mut(|strings| {
        strings.clear();
        strings.reserve(lengths.len());
        let mut at = 0usize;
        for len in lengths {
            let end = at.checked_add(len)?;
            strings.push(Ustr::from(text.get(at..end)?));
            at = end;
        }
        (at == text.len()).then_some(())
    });
    ok?;
    MODE.set(Mode::Decode);
    let out = f();
    drop(active);
    Some(out)
}

pub fn serialize<S: Serializer>(u: &Ustr, s: S) -> Result<S::Ok, S::Error> {
    if MODE.get() != Mode::Encode {
        return s.serialize_str(u.as_str());
    }
    let index = ENCODE.with_borrow_mut(|(map, strings)| {
        *map.entry(*u).or_insert_with(|| {
            strings.push(*u);
            (strings.len() - 1) as u32
        })
    });
    s.serialize_u32(index)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Ustr, D::Error> {
    if MODE.get() != Mode::Decode {
        return Ustr::deserialize(d);
    }
    let i = u32::deserialize(d)? as usize;
    DECODE
        .with_borrow(|strings| strings.get(i).copied())
        .ok_or_else(|| D::Error::custom("string index out of the entry's table"))
}

/// A `Ustr` that (de)serializes through the table, for containers.
#[derive(Clone, Copy)]
struct Item(Ustr);

impl Serialize for Item {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
        deserialize(d).map(Item)
    }
}

/// `Option<Ustr>`.
pub mod opt {
    use super::*;

    pub fn serialize<S: Serializer>(u: &Option<Ustr>, s: S) -> Result<S::Ok, S::Error> {
        u.map(Item).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Ustr>, D::Error> {
        Ok(Option::<Item>::deserialize(d)?.map(|i| i.0))
    }
}

/// `Vec<Ustr>`.
pub mod vec {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[Ustr], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|u| Item(*u)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Ustr>, D::Error> {
        Ok(Vec::<Item>::deserialize(d)?
            .into_iter()
            .map(|i| i.0)
            .collect())
    }
}

/// `Box<[Ustr]>`.
pub mod boxed {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[Ustr], s: S) -> Result<S::Ok, S::Error> {
        super::vec::serialize(v, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[Ustr]>, D::Error> {
        super::vec::deserialize(d).map(Vec::into_boxed_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        #[serde(with = "super")]
        a: Ustr,
        #[serde(with = "super::opt")]
        b: Option<Ustr>,
        #[serde(with = "super::vec")]
        c: Vec<Ustr>,
        #[serde(with = "super::boxed")]
        d: Box<[Ustr]>,
    }

    fn sample() -> S {
        S {
            a: Ustr::from("x"),
            b: Some(Ustr::from("y")),
            c: vec![Ustr::from("x"), Ustr::from("z")],
            d: vec![Ustr::from("y")].into_boxed_slice(),
        }
    }

    #[test]
    fn a_table_holds_each_string_once_and_reads_back_the_same() {
        let (bytes, strings) = with_encode_table(|| postcard::to_allocvec(&sample()).unwrap());
        let names: Vec<&str> = strings.iter().map(|u| u.as_str()).collect();
        assert_eq!(names, ["x", "y", "z"]);
        let table = encode_table(&strings);
        assert_eq!(table, b"\x03\x01\x01\x01xyz");
        let back: S = with_decode_table(&table, || postcard::from_bytes(&bytes).unwrap()).unwrap();
        assert_eq!(back, sample());
        assert_eq!(MODE.get(), Mode::Plain);
        // Outside a table: plain strings, as JSON shows them.
        let json = serde_json::to_string(&sample()).unwrap();
        assert_eq!(json, r#"{"a":"x","b":"y","c":["x","z"],"d":["y"]}"#);
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), sample());
    }

    #[test]
    fn an_index_past_the_table_is_an_error_and_the_table_is_cleared() {
        let (bytes, _) = with_encode_table(|| postcard::to_allocvec(&sample()).unwrap());
        let table = encode_table(&[Ustr::from("x")]);
        let short = with_decode_table(&table, || postcard::from_bytes::<S>(&bytes)).unwrap();
        assert!(short.is_err());
        assert_eq!(MODE.get(), Mode::Plain);
        assert!(DECODE.with_borrow(Vec::is_empty));
    }

    #[test]
    fn a_damaged_table_is_refused_before_decoding() {
        let strings = [Ustr::from("ab"), Ustr::from("é"), Ustr::from("")];
        let table = encode_table(&strings);
        let read = |t: &[u8]| {
            with_decode_table(t, || {
                DECODE.with_borrow(|d| d.iter().map(|u| u.as_str()).collect::<Vec<_>>())
            })
        };
        assert_eq!(read(&table).unwrap(), ["ab", "é", ""]);
        // Every truncation is refused; no flipped bit panics, and the
        // thread is back to plain strings after each.
        for cut in 0..table.len() {
            assert!(read(&table[..cut]).is_none(), "cut at {cut}");
        }
        for i in 0..table.len() * 8 {
            let mut t = table.clone();
            t[i / 8] ^= 1 << (i % 8);
            let _ = read(&t);
            assert_eq!(MODE.get(), Mode::Plain);
        }
        // A character split between two strings.
        let split = [&[2u8, 1, 1][..], "é".as_bytes()].concat();
        assert!(read(&split).is_none());
        // A count far past the bytes there are.
        assert!(read(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_none());
        // Lengths that do not add up to the bytes.
        assert!(read(&[1, 1, b'a', b'b']).is_none());
    }
}
