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

use std::cell::RefCell;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ustr::Ustr;

use crate::analysis::FastMap;

enum Table {
    Encode(FastMap<Ustr, u32>, Vec<Ustr>),
    Decode(Vec<Ustr>),
}

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// Clears the thread's table when dropped, also on a panic or an error.
struct Active;

impl Drop for Active {
    fn drop(&mut self) {
        TABLE.with(|t| t.borrow_mut().take());
    }
}

/// Run `f` (which serializes facts) with a fresh table, and return its
/// result with the table: the strings, in the order of their indexes.
pub fn with_encode_table<T>(f: impl FnOnce() -> T) -> (T, Vec<Ustr>) {
    TABLE.with(|t| *t.borrow_mut() = Some(Table::Encode(FastMap::default(), Vec::new())));
    let active = Active;
    let out = f();
    let strings = TABLE.with(|t| match t.borrow_mut().take() {
        Some(Table::Encode(_, strings)) => strings,
        _ => Vec::new(),
    });
    drop(active);
    (out, strings)
}

/// Run `f` (which deserializes facts) with `strings` as the table.
pub fn with_decode_table<T>(strings: &[&str], f: impl FnOnce() -> T) -> T {
    let table = strings.iter().map(|s| Ustr::from(s)).collect();
    TABLE.with(|t| *t.borrow_mut() = Some(Table::Decode(table)));
    let _active = Active;
    f()
}

pub fn serialize<S: Serializer>(u: &Ustr, s: S) -> Result<S::Ok, S::Error> {
    let index = TABLE.with(|t| match t.borrow_mut().as_mut() {
        Some(Table::Encode(map, strings)) => Some(*map.entry(*u).or_insert_with(|| {
            strings.push(*u);
            (strings.len() - 1) as u32
        })),
        _ => None,
    });
    match index {
        Some(i) => s.serialize_u32(i),
        None => s.serialize_str(u.as_str()),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Ustr, D::Error> {
    let decoding = TABLE.with(|t| matches!(*t.borrow(), Some(Table::Decode(_))));
    if !decoding {
        return Ustr::deserialize(d);
    }
    let i = u32::deserialize(d)? as usize;
    TABLE
        .with(|t| match t.borrow().as_ref() {
            Some(Table::Decode(strings)) => strings.get(i).copied(),
            _ => None,
        })
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
        let strings: Vec<&str> = strings.iter().map(|u| u.as_str()).collect();
        assert_eq!(strings, ["x", "y", "z"]);
        let back: S = with_decode_table(&strings, || postcard::from_bytes(&bytes).unwrap());
        assert_eq!(back, sample());
        // Outside a table: plain strings, as JSON shows them.
        let json = serde_json::to_string(&sample()).unwrap();
        assert_eq!(json, r#"{"a":"x","b":"y","c":["x","z"],"d":["y"]}"#);
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), sample());
    }

    #[test]
    fn an_index_past_the_table_is_an_error_and_the_table_is_cleared() {
        let (bytes, _) = with_encode_table(|| postcard::to_allocvec(&sample()).unwrap());
        let short = with_decode_table(&["x"], || postcard::from_bytes::<S>(&bytes));
        assert!(short.is_err());
        assert!(TABLE.with(|t| t.borrow().is_none()));
    }
}
