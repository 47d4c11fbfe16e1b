//! Generated media, followed by the shared taint engine
//! (`analysis::dataflow`) with the `generated-media` spec of `media.toml`:
//! what a value holds is the content types of the generation calls it comes
//! from and whether a remote provider made it. This module adds the
//! mechanics of the media catalogue: which calls and ffmpeg commands write
//! media, what they write, where to, and whether the metadata survives.
//! A writer puts its data into its output, so a file written with generated
//! data holds it when it is read or transcoded again.

use std::sync::OnceLock;

use ustr::Ustr;

use crate::analysis::dataflow::{self, Data, Domain, Effect, Lattice, Origin, Taint};
use crate::catalog::media::{DataLoc, Media, WriterData};
use crate::catalog::taint::TaintSpec;
use crate::catalog::{ContentType, Jurisdiction};
use crate::facts::{BinOp, FileFacts, Part, Receiver, Shape, Value};
use crate::qname::OptionQName;
use crate::rules::Context;
use crate::source::Span;

/// The spec in `media.toml` that LBL006 follows.
pub const SPEC: &str = "generated-media";

/// What a value holds when it holds generated output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Generated {
    /// Content types of the generation calls it comes from (sorted, unique).
    pub content: Vec<ContentType>,
    /// It came from a remote provider, which delivers encoded files that
    /// may carry the provider's own label (C2PA, AIGC metadata).
    pub vendor: bool,
}

impl Lattice for Generated {
    fn join(&mut self, other: &Generated) -> bool {
        let before = (self.content.len(), self.vendor);
        for c in &other.content {
            if let Err(i) = self.content.binary_search(c) {
                self.content.insert(i, *c);
            }
        }
        self.vendor |= other.vendor;
        before != (self.content.len(), self.vendor)
    }
}

impl Generated {
    pub fn has(&self, c: ContentType) -> bool {
        self.content.contains(&c)
    }
}

/// The generated-media domain: generation calls give their content types,
/// and media writers put what they write into their output.
pub struct MediaDomain<'c> {
    cx: &'c Context<'c>,
    /// Per file, per call: the writer entry it matches (`u8::MAX`: none),
    /// found once per file.
    entries: Vec<OnceLock<Box<[u8]>>>,
}

impl<'c> MediaDomain<'c> {
    pub fn new(cx: &'c Context<'c>) -> MediaDomain<'c> {
        MediaDomain {
            cx,
            entries: (0..cx.project.file_count())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// The spec, when the catalogue has it.
    pub fn spec(&self) -> Option<&'c TaintSpec> {
        self.cx.catalog.taint.get(SPEC)
    }

    /// Follow generated media over the project (once per scan).
    pub fn run(&self) -> Option<std::sync::Arc<Taint<Generated>>> {
        let spec = self.spec()?;
        Some(self.cx.analysis.taint(self.cx.project, spec, self))
    }

    /// The writer call `ci` of file `fi` is, if any.
    pub fn writer<'f>(&self, fi: usize, file: &'f FileFacts, ci: usize) -> Option<Writer<'c, 'f>> {
        let media = &self.cx.catalog.media;
        // What each call of the file is, found once: a catalogued writer
        // (its entry), an ffmpeg command, or neither.
        let kinds = self.entries[fi].get_or_init(|| {
            (0..file.calls.len())
                .map(|ci| match media.writer(file.language, &file.calls[ci]) {
                    Some(w) => media
                        .data
                        .writer
                        .iter()
                        .position(|e| std::ptr::eq(e, w))
                        .and_then(|i| u8::try_from(i).ok())
                        .filter(|&i| i < COMMAND)
                        .unwrap_or(NEITHER),
                    None if command_writer(media, file, ci).is_some() => COMMAND,
                    None => NEITHER,
                })
                .collect()
        });
        match kinds[ci] {
            NEITHER => None,
            COMMAND => command_writer(media, file, ci),
            i => call_writer(media, &media.data.writer[i as usize], file, ci),
        }
    }

    /// Whether the writer at `pos` (in `scope` of file `fi`) writes
    /// generated data, and what.
    pub fn written(
        &self,
        taint: &Taint<Generated>,
        fi: usize,
        scope: Option<Ustr>,
        w: &Writer<'_, '_>,
    ) -> Option<Generated> {
        let spec = self.spec()?;
        taint
            .query(self.cx.analysis, self.cx.project, spec, self)
            .value(fi, scope, &w.data, w.pos)
    }
}

/// Writer kinds in the per-file table: a catalogue entry's index, or these.
const COMMAND: u8 = u8::MAX - 1;
const NEITHER: u8 = u8::MAX;

impl Domain for MediaDomain<'_> {
    type Value = Generated;

    fn seed(&self, origin: &Origin<'_>) -> Option<Generated> {
        let Origin::Generation { site, .. } = *origin else {
            return None;
        };
        let s = &self.cx.analysis.sites[site];
        let mut content = s.content.clone();
        content.sort();
        content.dedup();
        let vendor = matches!(
            s.jurisdiction,
            Jurisdiction::Overseas | Jurisdiction::Domestic
        );
        Some(Generated { content, vendor })
    }

    fn effects<'f>(&self, file: &'f FileFacts, fi: usize, ci: usize, out: &mut Vec<Effect<'f>>) {
        if let Some(w) = self.writer(fi, file, ci)
            && let Some(to) = w.path
        {
            out.push(Effect {
                from: w.data,
                to,
                what: "writes it to",
            });
        }
    }
}

/// How a write treats the metadata of what it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeps<'c> {
    /// It carries metadata over or writes a label (`pnginfo=`, `-movflags use_metadata_tags`).
    Yes,
    /// It writes none; the text says why, for the message.
    No(&'c str),
    /// It removes metadata on purpose: LBL004's business.
    Stripped,
}

/// A call or command that writes media to a file or buffer.
#[derive(Debug, Clone)]
pub struct Writer<'c, 'f> {
    /// How it is named in messages (`Pillow save`, `ffmpeg`).
    pub what: &'c str,
    pub content: ContentType,
    /// What it writes.
    pub data: Vec<Data<'f>>,
    /// The name or literal path that holds the data afterwards.
    pub path: Option<Ustr>,
    /// The output argument as written (a path, a name, a buffer).
    pub output: Option<&'f Value>,
    pub keeps: Keeps<'c>,
    /// A re-encoder judged by LBL006; other writers only mark their path.
    pub reencodes: bool,
    pub span: Span,
    pub pos: u32,
}

/// A call the media catalogue lists as a writer.
fn call_writer<'c, 'f>(
    media: &'c Media,
    entry: &'c WriterData,
    file: &'f FileFacts,
    ci: usize,
) -> Option<Writer<'c, 'f>> {
    let call = &file.calls[ci];
    let data = match &entry.data {
        DataLoc::Receiver(_) => {
            let inner = file.calls_in(call.callee_bytes()).next().is_some();
            if call.receiver == Receiver::None && !inner {
                return None;
            }
            vec![Data::Receiver(ci)]
        }
        DataLoc::Arg(r) => {
            let a = call.arg(r.position, r.keyword.as_deref())?;
            if !reads_something(&a.value) {
                return None;
            }
            vec![Data::Value(&a.value, a.span.bytes())]
        }
        DataLoc::Inner { inner, arg } => {
            let data: Vec<Data<'f>> = file
                .calls_in(call.callee_bytes())
                .map(|i| &file.calls[i])
                .filter(|c| c.resolved.as_name() == Some(inner.as_str()))
                .filter_map(|c| c.arg(arg.position, arg.keyword.as_deref()))
                .filter(|a| reads_something(&a.value))
                .map(|a| Data::Value(&a.value, a.span.bytes()))
                .collect();
            if data.is_empty() {
                return None;
            }
            data
        }
    };
    let output = entry
        .output
        .as_ref()
        .and_then(|r| call.arg(r.position, r.keyword.as_deref()))
        .map(|a| &a.value);
    Some(Writer {
        what: &entry.name,
        content: entry.content,
        data,
        path: output
            .filter(|_| entry.follow_output)
            .and_then(dataflow::place),
        output,
        keeps: keeps(media, entry, file, ci),
        reencodes: entry.reencodes,
        span: call.span,
        pos: call.span.start_byte,
    })
}

/// Whether a value reads a name or names a literal place.
fn reads_something(v: &Value) -> bool {
    match v {
        Value::Name { .. } => true,
        Value::Str(s) => !s.is_empty(),
        Value::Expr(e) => !e.reads.is_empty(),
        Value::List(items) => items.iter().any(reads_something),
        Value::Dict(pairs) => pairs.iter().any(|(_, v)| reads_something(v)),
        _ => false,
    }
}

/// What a catalogued writer does with metadata.
fn keeps<'c>(media: &'c Media, entry: &'c WriterData, file: &FileFacts, ci: usize) -> Keeps<'c> {
    let call = &file.calls[ci];
    let kw = |k: &str| call.args.iter().find(|a| a.keyword.as_deref() == Some(k));
    let k = &entry.keeps;
    if k.ffmpeg_keywords {
        // Keyword arguments are options (`map_metadata=-1` is `-map_metadata -1`).
        let text: String = call
            .args
            .iter()
            .map(|a| match a.keyword.as_deref() {
                Some(k) => format!("-{k} {} ", a.value.display()),
                None => format!("{} ", a.value.display()),
            })
            .collect();
        let out = call
            .positional()
            .next()
            .and_then(Value::as_str)
            .unwrap_or("");
        return ffmpeg_keeps(media, &text, out);
    }
    if let Some(e) = &k.empty
        && kw(&e.keyword).is_some_and(|a| a.value.as_str() == Some(""))
    {
        return Keeps::No(&e.reason);
    }
    if !k.keywords.is_empty() && (k.keywords.iter().any(|w| kw(w).is_some()) || kw("**").is_some())
    {
        return Keeps::Yes;
    }
    if let Some(a) = k.options_keyword.as_deref().and_then(kw)
        && media.keeps_tags(&list_text(&a.value))
    {
        return Keeps::Yes;
    }
    Keeps::No(&entry.drops)
}

/// An ffmpeg command among a call's positional arguments (`subprocess.run([...])`).
fn command_writer<'c, 'f>(
    media: &'c Media,
    file: &'f FileFacts,
    ci: usize,
) -> Option<Writer<'c, 'f>> {
    file.calls[ci]
        .args
        .iter()
        .filter(|a| a.keyword.is_none())
        .find_map(|a| ffmpeg_command(media, file, &a.value, a.span))
}

/// An ffmpeg command given as a list or an f-string, reading a named input
/// (`["ffmpeg", "-i", src, ...]`, `f"ffmpeg -i {src} ..."`).
pub fn ffmpeg_command<'c, 'f>(
    media: &'c Media,
    file: &'f FileFacts,
    v: &'f Value,
    span: Span,
) -> Option<Writer<'c, 'f>> {
    let mut path = None;
    let mut output = None;
    let (text, data, out) = match v {
        Value::List(items) => {
            if !media.is_ffmpeg(items.first()?.as_str()?) {
                return None;
            }
            let flag = media.ffmpeg.input_flag.as_str();
            let i = items.iter().position(|x| x.as_str() == Some(flag))?;
            let input = items.get(i + 1)?;
            if !reads_something(input) {
                return None;
            }
            let out = items.last().and_then(Value::as_str).unwrap_or("");
            output = items.last();
            path = items.last().and_then(dataflow::place);
            (list_text(v), Data::Value(input, 0..0), out.to_string())
        }
        Value::Expr(e) => {
            // The program and options from the literal parts, which the
            // string facts hold whole; the input from the expression's
            // shape (`-i {src}` in an f-string, `"-i " + src`).
            let literal: Vec<&str> = file
                .strings
                .iter()
                .filter(|s| {
                    s.span.start_byte >= span.start_byte && s.span.end_byte <= span.end_byte
                })
                .map(|s| &*s.value)
                .collect();
            let literal = literal.join(" ");
            if !media.is_ffmpeg(literal.split_whitespace().next()?) {
                return None;
            }
            let input = ffmpeg_input(&e.shape, &media.ffmpeg.input_flag)?;
            if input.is_empty() {
                return None;
            }
            let out = literal.split_whitespace().last().unwrap_or("").to_string();
            (literal, Data::Names(input), out)
        }
        _ => return None,
    };
    Some(Writer {
        what: "ffmpeg",
        content: media.content_of_output(&out),
        data: vec![data],
        path,
        output,
        keeps: ffmpeg_keeps(media, &text, &out),
        reencodes: true,
        span,
        pos: span.start_byte,
    })
}

/// The names the input of an ffmpeg command string reads: what follows
/// the input flag in an f-string (`-i {src}`) or a concatenation
/// (`"-i " + src`), anywhere in the expression (`shlex.split(f"ffmpeg -i {src} ...")`).
fn ffmpeg_input(shape: &Shape, flag: &str) -> Option<Vec<Ustr>> {
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    let mut stack = vec![shape];
    while let Some(s) = stack.pop() {
        match s {
            Shape::Str(text) => pieces.push(Piece::Lit(text)),
            Shape::Name(name) => pieces.push(Piece::Reads(std::slice::from_ref(name))),
            Shape::Template(parts) => pieces.extend(parts.iter().map(|p| match p {
                Part::Lit(text) => Piece::Lit(text),
                Part::Hole { reads, .. } => Piece::Reads(reads),
            })),
            // Right first: the stack gives the left side first.
            Shape::Binary(BinOp::Add, pair) => stack.extend([&pair.1, &pair.0]),
            Shape::Call(_, args) => stack.extend(args.iter().rev()),
            _ => pieces.push(Piece::Other),
        }
    }
    pieces.windows(2).find_map(|w| match (&w[0], &w[1]) {
        (Piece::Lit(before), Piece::Reads(reads))
            if before
                .trim_end_matches([' ', '\t', '"', '\''])
                .ends_with(flag) =>
        {
            Some(reads.to_vec())
        }
        _ => None,
    })
}

/// A piece of a command string, in order.
enum Piece<'a> {
    Lit(&'a str),
    Reads(&'a [Ustr]),
    Other,
}

/// The items of a command list, space-joined (names as written).
fn list_text(v: &Value) -> String {
    match v {
        Value::List(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.display(), str::to_string))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// What an ffmpeg command does to the input's metadata (see `media.toml`).
fn ffmpeg_keeps<'c>(media: &'c Media, text: &str, out: &str) -> Keeps<'c> {
    if media.strips(text) {
        Keeps::Stripped
    } else if media.keeps_tags(text) || media.keeps_any_tag(out) {
        Keeps::Yes
    } else {
        Keeps::No(&media.ffmpeg.drops)
    }
}
