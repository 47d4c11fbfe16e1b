//! Pretty JSON written in pieces on several threads: the elements of a
//! report's one big array (findings, results) are rendered in chunks and the
//! chunks joined in order, with the same bytes as
//! `serde_json::to_writer_pretty` on the whole document.
//!
//! That works because pretty output is a function of nesting depth only:
//! [`Nested`] is serde_json's pretty layout (two spaces an indent) started at
//! a given depth, and [`spliced`] finds where the array goes in the
//! document rendered with the array empty.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::Formatter;

const INDENT: &[u8] = b"  ";

/// serde_json's `PrettyFormatter` layout, starting `depth` levels in.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            w.write_all(INDENT)?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    fn next_item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next_item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next_item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` as pretty JSON whose first line sits `depth` levels in (the
/// first line itself not indented, as inside a document).
pub fn to_vec_at<T: Serialize + ?Sized>(value: &T, depth: usize) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    write_at(&mut out, value, depth)?;
    Ok(out)
}

fn write_at<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
) -> serde_json::Result<()> {
    let formatter = Nested {
        depth,
        has_value: false,
    };
    value.serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
}

/// The elements of an array at `depth` (the depth of the key it is the
/// value of), rendered in `chunks` on the current rayon pool: chunk `i` gives
/// the records of its items, and its bytes are the array's text for them,
/// separators and indentation included, without the brackets.
pub fn array_items<T, R, F>(chunks: &[&[T]], depth: usize, records: F) -> io::Result<Vec<Vec<u8>>>
where
    T: Sync,
    R: Serialize,
    F: Fn(&[T]) -> Vec<R> + Sync,
{
    let render = |(i, chunk): (usize, &&[T])| -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        for (j, record) in records(chunk).iter().enumerate() {
            out.extend_from_slice(if i == 0 && j == 0 { b"\n" } else { b",\n" });
            for _ in 0..=depth {
                out.extend_from_slice(INDENT);
            }
            write_at(&mut out, record, depth + 1).map_err(io::Error::other)?;
        }
        Ok(out)
    };
    let rendered: Vec<io::Result<Vec<u8>>> = if chunks.len() > 1 {
        chunks.par_iter().enumerate().map(render).collect()
    } else {
        chunks.iter().enumerate().map(render).collect()
    };
    rendered.into_iter().collect()
}

/// `f` of each chunk, in order, on the current pool when there are several.
pub fn map_chunks<T, R, F>(chunks: &[&[T]], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    if chunks.len() > 1 {
        chunks.par_iter().map(|c| f(c)).collect()
    } else {
        chunks.iter().map(|c| f(c)).collect()
    }
}

/// `document` (pretty JSON whose array under `key` at `depth` was rendered
/// empty) as pieces to write in order, with `items` ([`array_items`]) in
/// that array and a newline at the end (as reports end).
pub fn spliced(
    document: &[u8],
    key: &str,
    depth: usize,
    items: Vec<Vec<u8>>,
) -> io::Result<Vec<Vec<u8>>> {
    let mut marker = b"\n".to_vec();
    for _ in 0..depth {
        marker.extend_from_slice(INDENT);
    }
    marker.extend_from_slice(format!("\"{key}\": []").as_bytes());
    // Structural: a string value cannot hold a bare newline or quote.
    let at = memchr::memmem::find(document, &marker)
        .ok_or_else(|| io::Error::other(format!("no empty `{key}` array to fill")))?;
    let open = at + marker.len() - 1;
    let mut tail = Vec::new();
    if items.iter().any(|i| !i.is_empty()) {
        tail.push(b'\n');
        for _ in 0..depth {
            tail.extend_from_slice(INDENT);
        }
    }
    tail.extend_from_slice(&document[open..]);
    tail.push(b'\n');
    let mut pieces = Vec::with_capacity(items.len() + 2);
    pieces.push(document[..open].to_vec());
    pieces.extend(items.into_iter().filter(|i| !i.is_empty()));
    pieces.push(tail);
    Ok(pieces)
}

/// `items` cut into about `per_thread` chunks for each thread of the current
/// rayon pool, each cut where `same_group` says two neighbours differ (so a
/// chunk reads each file once); one chunk outside a pool, where parallel
/// work would start rayon's global pool, a thread per CPU whatever `--jobs`
/// says.
pub fn chunks<T>(items: &[T], same_group: impl Fn(&T, &T) -> bool) -> Vec<&[T]> {
    const PER_THREAD: usize = 4;
    const MIN_CHUNK: usize = 32;
    let threads = match rayon::current_thread_index() {
        Some(_) => rayon::current_num_threads(),
        None => 1,
    };
    if threads <= 1 || items.len() <= MIN_CHUNK {
        return vec![items];
    }
    let target = items.len().div_ceil(threads * PER_THREAD).max(MIN_CHUNK);
    let mut out = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = (start + target).min(items.len());
        while end < items.len() && same_group(&items[end - 1], &items[end]) {
            end += 1;
        }
        out.push(&items[start..end]);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn samples() -> Vec<Value> {
        vec![
            json!([]),
            json!({}),
            json!({"a": [], "b": {}, "c": [1, {"d": null, "e": [[], [{}]]}], "f": "x\ny\"z"}),
            json!([{"a": 1}, [2, 3], "s", 4.5, true]),
            json!({"findings": [], "n": {"findings": []}}),
        ]
    }

    #[test]
    fn depth_zero_is_serde_pretty() {
        for v in samples() {
            assert_eq!(
                to_vec_at(&v, 0).unwrap(),
                serde_json::to_vec_pretty(&v).unwrap(),
                "{v}"
            );
        }
    }

    #[test]
    fn spliced_arrays_are_serde_pretty_for_any_chunking() {
        let items: Vec<Value> = samples().into_iter().cycle().take(11).collect();
        for depth in [0usize, 1, 3] {
            // The array under `depth - 1` levels of `{"k": …}` objects, then
            // a key `list` beside a key after it.
            let wrap = |list: Value| {
                let mut v = json!({"head": 1, "list": list, "tail": [2]});
                for _ in 0..depth {
                    v = json!({ "k": v });
                }
                v
            };
            let whole = serde_json::to_vec_pretty(&wrap(Value::Array(items.clone()))).unwrap();
            let empty = serde_json::to_vec_pretty(&wrap(json!([]))).unwrap();
            for size in [1usize, 2, 5, 11] {
                let parts: Vec<&[Value]> = items.chunks(size).collect();
                let rendered = array_items(&parts, depth + 1, |c| c.to_vec()).unwrap();
                let out = spliced(&empty, "list", depth + 1, rendered)
                    .unwrap()
                    .concat();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    String::from_utf8(whole.clone()).unwrap() + "\n"
                );
            }
            let out = spliced(&empty, "list", depth + 1, Vec::new()).unwrap();
            assert_eq!(out.concat(), [&empty[..], b"\n"].concat());
        }
    }

    #[test]
    fn chunks_cut_between_groups_only() {
        let items: Vec<u32> = (0..1000).map(|i| i / 7).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let parts = pool.install(|| chunks(&items, |a, b| a == b));
        assert!(parts.len() > 1);
        assert_eq!(parts.concat(), items);
        for w in parts.windows(2) {
            assert_ne!(w[0].last(), w[1].first());
        }
        assert_eq!(chunks(&items, |a, b| a == b).len(), 1, "outside a pool");
    }
}
