//! Where generated data goes, for the rules that follow it (LBL006, LBL007).
//!
//! Facts hold no expression trees, so this works on names: a forward pass
//! over each function's assignments and calls in source order records which
//! local names hold generated output (the result of a generation call, of a
//! project function that makes one, or anything computed from such a name),
//! and which names hold the path of a file such output was written to.
//! Callers that pass generated data to a project function mark its
//! parameter, to a small fixed point. Loops and containers are not followed.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;
use ustr::Ustr;

use regex::Regex;

use crate::analysis::callgraph::{Node, NodeId, Site, Via};
use crate::catalog::{ContentType, Jurisdiction};
use crate::facts::{BinOp, Call, FileFacts, Part, Receiver, Shape, Value};
use crate::qname::OptionQName;
use crate::rules::Context;
use crate::source::Span;

/// Interprocedural rounds: enough for helper chains a few calls deep.
const MAX_ROUNDS: usize = 6;

/// What a name holds when it holds generated output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Generated {
    /// Content types of the generation calls it comes from (sorted, unique).
    pub content: Vec<ContentType>,
    /// It came from a remote provider, which delivers encoded files that
    /// may carry the provider's own label (C2PA, AIGC metadata).
    pub vendor: bool,
}

impl Generated {
    /// Merge `other` in; whether anything changed.
    fn join(&mut self, other: &Generated) -> bool {
        let before = (self.content.len(), self.vendor);
        for c in &other.content {
            if !self.content.contains(c) {
                self.content.push(*c);
            }
        }
        self.content.sort();
        self.vendor |= other.vendor;
        before != (self.content.len(), self.vendor)
    }

    pub fn has(&self, c: ContentType) -> bool {
        self.content.contains(&c)
    }
}

/// A scope: file index and function qualname (`None` for module level).
pub type Key = (usize, Option<Ustr>);

/// Per scope, per name: (position, what the name holds from there on).
type States = HashMap<Key, HashMap<String, Vec<(u32, Option<Generated>)>>>;

pub struct Flow<'c> {
    cx: &'c Context<'c>,
    /// Generation sites by (file, call).
    sites: HashMap<(usize, usize), Generated>,
    /// Project functions that make generated output (they call a
    /// generation API, or a function that does).
    producers: HashMap<NodeId, Generated>,
    /// Parameters that callers pass generated data to.
    params: HashMap<NodeId, HashMap<String, Generated>>,
    /// Project functions each call may run, by (file, call); resolved once.
    targets: HashMap<(usize, usize), Vec<NodeId>>,
    states: States,
}

/// How a write treats the metadata of what it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeps {
    /// It carries metadata over or writes a label (`pnginfo=`, `-movflags use_metadata_tags`).
    Yes,
    /// It writes none; the text says why, for the message.
    No(&'static str),
    /// It removes metadata on purpose: LBL004's business.
    Stripped,
}

/// A call or command that writes media to a file or buffer.
#[derive(Debug, Clone)]
pub struct Writer {
    /// How it is named in messages (`Pillow save`, `ffmpeg`).
    pub what: &'static str,
    pub content: ContentType,
    /// Names the written data is computed from, and calls that compute it.
    pub data: Vec<String>,
    pub data_calls: Vec<usize>,
    /// The output path when it is a plain name.
    pub path: Option<String>,
    /// The output argument as written (a path, a name, a buffer).
    pub output: Option<Value>,
    pub keeps: Keeps,
    /// A re-encoder judged by LBL006; other writers only mark their path.
    pub reencodes: bool,
    pub span: Span,
    pub pos: u32,
}

impl<'c> Flow<'c> {
    pub fn compute(cx: &'c Context<'c>) -> Flow<'c> {
        let an = cx.analysis;
        let project = cx.project;
        let sites: HashMap<(usize, usize), Generated> = an
            .sites
            .iter()
            .map(|s| {
                let mut content = s.content.clone();
                content.sort();
                let vendor = matches!(
                    s.jurisdiction,
                    Jurisdiction::Overseas | Jurisdiction::Domestic
                );
                ((s.file, s.call), Generated { content, vendor })
            })
            .collect();
        let mut flow = Flow {
            cx,
            sites,
            producers: HashMap::new(),
            params: HashMap::new(),
            targets: HashMap::new(),
            states: HashMap::new(),
        };
        for (fi, file) in project.files.iter().enumerate() {
            for ci in 0..file.calls.len() {
                let t: Vec<NodeId> = an
                    .graph
                    .targets_at(Site { file: fi, call: ci })
                    .iter()
                    .filter(|(_, via)| *via == Via::Callee)
                    .map(|(t, _)| *t)
                    .collect();
                if !t.is_empty() {
                    flow.targets.insert((fi, ci), t);
                }
            }
        }
        // Producers: functions with a generation call, then their callers.
        for s in &an.sites {
            let file = &project.files[s.file];
            let call = &file.calls[s.call];
            let node =
                an.graph
                    .node_at(project, s.file, call.scope.as_deref(), call.span.start_byte);
            if matches!(an.graph.nodes[node], Node::Function { .. }) {
                let g = flow.sites[&(s.file, s.call)].clone();
                flow.producers.entry(node).or_default().join(&g);
            }
        }
        // Calls from project functions into project functions, resolved once.
        let mut edges: Vec<(NodeId, &Vec<NodeId>)> = Vec::new();
        for (&(fi, ci), targets) in &flow.targets {
            let call = &project.files[fi].calls[ci];
            if let Some(q) = call.scope.as_deref() {
                edges.push((
                    an.graph.node_at(project, fi, Some(q), call.span.start_byte),
                    targets,
                ));
            }
        }
        edges.sort();
        let mut producers = std::mem::take(&mut flow.producers);
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for (node, targets) in &edges {
                let mut g: Option<Generated> = None;
                for t in targets.iter() {
                    if let Some(p) = producers.get(t) {
                        g.get_or_insert_with(Generated::default).join(p);
                    }
                }
                if let Some(g) = g {
                    changed |= producers.entry(*node).or_default().join(&g);
                }
            }
            if !changed {
                break;
            }
        }
        flow.producers = producers;
        // Forward passes, then parameters from call sites, to a fixed point.
        // A scope without a generation call, a producer call or a marked
        // parameter holds nothing generated: it is skipped.
        let scopes = scopes(project.files.as_slice());
        let sourced: Vec<bool> = scopes
            .iter()
            .map(|(key, events)| {
                events.iter().any(|e| match *e {
                    Event::Call(ci) => {
                        flow.sites.contains_key(&(key.0, ci))
                            || flow.made_by_call(key.0, ci).is_some()
                    }
                    Event::Assign(_) => false,
                })
            })
            .collect();
        let nodes: Vec<Option<NodeId>> = scopes
            .iter()
            .map(|(key, _)| {
                let q = key.1.as_deref()?;
                Some(an.graph.node_at(project, key.0, Some(q), u32::MAX))
            })
            .collect();
        for _ in 0..MAX_ROUNDS {
            flow.states.clear();
            let mut live = Vec::new();
            for (i, (key, events)) in scopes.iter().enumerate() {
                let params = nodes[i].is_some_and(|n| flow.params.contains_key(&n));
                if sourced[i] || params {
                    flow.pass(key, events, nodes[i]);
                    live.push(i);
                }
            }
            let live: Vec<&(Key, Vec<Event>)> = live.into_iter().map(|i| &scopes[i]).collect();
            if !flow.bind_parameters(&live) {
                break;
            }
        }
        flow
    }

    /// What the call returns when it calls a project producer.
    fn made_by_call(&self, fi: usize, ci: usize) -> Option<Generated> {
        let mut out: Option<Generated> = None;
        for t in self.targets.get(&(fi, ci))? {
            if let Some(g) = self.producers.get(t) {
                out.get_or_insert_with(Generated::default).join(g);
            }
        }
        out
    }

    /// What an expression holds: computed from `names` and the calls
    /// `calls` of file `fi`, seen from scope `key` at `pos`.
    pub fn generated(
        &self,
        key: &Key,
        names: &[String],
        calls: &[usize],
        pos: u32,
    ) -> Option<Generated> {
        let mut out: Option<Generated> = None;
        for &ci in calls {
            let found = self
                .sites
                .get(&(key.0, ci))
                .cloned()
                .or_else(|| self.made_by_call(key.0, ci));
            if let Some(g) = found {
                out.get_or_insert_with(Generated::default).join(&g);
            }
        }
        for n in names {
            if let Some(g) = self.lookup(key, n, pos) {
                out.get_or_insert_with(Generated::default).join(g);
            }
        }
        out
    }

    /// What `name` (or the longest prefix of it that was bound) holds at `pos`.
    fn lookup(&self, key: &Key, name: &str, pos: u32) -> Option<&Generated> {
        let names = self.states.get(key)?;
        let mut prefix = name;
        loop {
            if let Some(events) = names.get(prefix)
                && let Some((_, state)) = events.iter().rev().find(|(p, _)| *p < pos)
            {
                return state.as_ref();
            }
            prefix = &prefix[..prefix.rfind('.')?];
        }
    }

    fn record(&mut self, key: &Key, name: &str, pos: u32, state: Option<Generated>) {
        let events = self
            .states
            .entry(*key)
            .or_default()
            .entry(name.to_string())
            .or_default();
        events.push((pos, state));
        // Events arrive in position order except parameters (at the def).
        events.sort_by_key(|(p, _)| *p);
    }

    fn pass(&mut self, key: &Key, events: &[Event], node: Option<NodeId>) {
        let (fi, scope) = (key.0, key.1);
        let project = self.cx.project;
        let file = &project.files[fi];
        if let (Some(q), Some(node)) = (&scope, node)
            && let Some(params) = self.params.get(&node).cloned()
            && let Some(f) = file.functions.iter().find(|f| &f.qualname == q)
        {
            // Sorted for a deterministic event order.
            let mut params: Vec<(String, Generated)> = params.into_iter().collect();
            params.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, g) in params {
                self.record(key, &name, f.span.start_byte, Some(g));
            }
        }
        for event in events {
            match *event {
                Event::Assign(ai) => {
                    let a = &file.assignments[ai];
                    let calls = calls_within(file, a.span.bytes());
                    let mut names = Vec::new();
                    value_names(&a.value, &mut names);
                    for &ci in &calls {
                        call_names(file, &file.calls[ci], &mut names);
                    }
                    let g = self.generated(key, &names, &calls, a.span.end_byte);
                    self.record(key, &a.target, a.span.end_byte, g);
                }
                Event::Call(ci) => {
                    let call = &file.calls[ci];
                    let end = call.span.end_byte;
                    // A generation call that writes its output to a named path.
                    if let Some(g) = self.sites.get(&(fi, ci)).cloned() {
                        for a in &call.args {
                            if let (Some(k), Some(name)) = (&a.keyword, path_name(&a.value))
                                && OUTPUT_KEYWORDS.contains(&k.as_str())
                            {
                                self.record(key, &name, end, Some(g.clone()));
                            }
                        }
                    }
                    // Pixels pasted into another image: `canvas.paste(image)`.
                    if let Some(target) = call
                        .callee
                        .strip_suffix(".paste")
                        .or_else(|| call.callee.strip_suffix(".alpha_composite"))
                        .filter(|t| !t.contains(['(', '[']))
                    {
                        let mut names = Vec::new();
                        call.args
                            .iter()
                            .for_each(|a| value_names(&a.value, &mut names));
                        if let Some(g) = self.generated(key, &names, &[], call.span.start_byte) {
                            self.record(key, target, end, Some(g));
                        }
                    }
                    // Generated data written to a named file: the file holds it now.
                    if let Some(w) = writer(file, ci)
                        && let Some(path) = &w.path
                        && let Some(g) = self.generated(key, &w.data, &w.data_calls, w.pos)
                    {
                        self.record(key, path, end, Some(g));
                    }
                }
            }
        }
    }

    /// Mark parameters of project functions that callers pass generated
    /// data to; whether anything new was marked.
    fn bind_parameters(&mut self, live: &[&(Key, Vec<Event>)]) -> bool {
        let project = self.cx.project;
        let graph = &self.cx.analysis.graph;
        let mut changed = false;
        for (key, events) in live {
            let fi = key.0;
            for e in events {
                let Event::Call(ci) = *e else { continue };
                let call = &project.files[fi].calls[ci];
                let Some(targets) = self.targets.get(&(fi, ci)) else {
                    continue;
                };
                let passed: Vec<(usize, Option<&str>, Generated)> = call
                    .args
                    .iter()
                    .enumerate()
                    .filter_map(|(i, a)| {
                        let mut names = Vec::new();
                        value_names(&a.value, &mut names);
                        let g = self.generated(key, &names, &[], call.span.start_byte)?;
                        Some((i, a.keyword.as_deref(), g))
                    })
                    .collect();
                if passed.is_empty() {
                    continue;
                }
                for &t in targets {
                    let Node::Function { file: tf, func } = graph.nodes[t] else {
                        continue;
                    };
                    let f = &project.files[tf].functions[func];
                    // Bound methods and constructors skip `self`/`cls`.
                    let skip = usize::from(
                        f.class.is_some()
                            && f.params.first().is_some_and(|p| p == "self" || p == "cls"),
                    );
                    for (i, keyword, g) in &passed {
                        let param = match keyword {
                            Some("*" | "**") => None,
                            Some(k) => f.params.iter().find(|p| p == k),
                            None if call.args[..*i].iter().any(|a| a.keyword.is_some()) => None,
                            None => f.params.get(skip + i),
                        };
                        if let Some(p) = param {
                            changed |= self
                                .params
                                .entry(t)
                                .or_default()
                                .entry(p.to_string())
                                .or_default()
                                .join(g);
                        }
                    }
                }
            }
        }
        changed
    }
}

/// Keyword arguments of generation calls that name the output file.
const OUTPUT_KEYWORDS: &[&str] = &[
    "file_path",
    "output_path",
    "out_path",
    "output_file",
    "save_path",
    "filename",
    "output",
];

#[derive(Debug, Clone, Copy)]
enum Event {
    Assign(usize),
    Call(usize),
}

/// Each scope's assignments and calls in the order their effects happen:
/// an assignment binds at its end, after the calls on its right-hand side.
fn scopes(files: &[FileFacts]) -> Vec<(Key, Vec<Event>)> {
    let mut by_key: HashMap<Key, Vec<(u32, Event)>> = HashMap::new();
    for (fi, file) in files.iter().enumerate() {
        for (ai, a) in file.assignments.iter().enumerate() {
            by_key
                .entry((fi, a.scope))
                .or_default()
                .push((a.span.end_byte, Event::Assign(ai)));
        }
        for (ci, c) in file.calls.iter().enumerate() {
            by_key
                .entry((fi, c.scope))
                .or_default()
                .push((c.span.end_byte, Event::Call(ci)));
        }
    }
    let mut out: Vec<(Key, Vec<Event>)> = by_key
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by_key(|(p, _)| *p);
            (k, v.into_iter().map(|(_, e)| e).collect())
        })
        .collect();
    // Deterministic order (the fixed point does not depend on it, but debugging does).
    out.sort_by_key(|a| a.0);
    out
}

/// Indices of the calls of `file` inside `span` (calls are in source order).
pub fn calls_within(file: &FileFacts, bytes: Range<u32>) -> Vec<usize> {
    let first = file
        .calls
        .partition_point(|c| c.span.start_byte < bytes.start);
    file.calls[first..]
        .iter()
        .enumerate()
        .take_while(|(_, c)| c.span.start_byte < bytes.end)
        .filter(|(_, c)| c.span.end_byte <= bytes.end)
        .map(|(i, _)| first + i)
        .collect()
}

/// Names a call reads: the name its receiver chain starts from, and its arguments.
pub fn call_names(file: &FileFacts, call: &Call, out: &mut Vec<String>) {
    out.extend(root_receiver(file, call).map(String::from));
    for a in &call.args {
        value_names(&a.value, out);
    }
}

/// The name a chain of method calls starts from: `img` of
/// `img.convert("RGB").save(...)`; `None` when it starts from a plain call
/// (`pipe(p).images[0].save(...)`) or from no name at all.
fn root_receiver<'f>(file: &'f FileFacts, call: &'f Call) -> Option<&'f str> {
    let mut at = call;
    // Receivers come before their calls in source order: the chain ends.
    for _ in 0..file.calls.len() {
        match at.receiver {
            Receiver::None => return None,
            Receiver::Name(n) => return Some(n.as_str()),
            Receiver::Call(i) => at = file.calls.get(i as usize)?,
        }
    }
    None
}

/// The name a written file is tracked by: a variable, or a literal path
/// (the frontend inlines string constants, so `path = "/x.mp4"` reads as
/// the literal wherever `path` is passed).
fn path_name(v: &Value) -> Option<String> {
    match v {
        Value::Name { text, .. } => Some(text.to_string()),
        Value::Str(s) if !s.is_empty() => Some(format!("{s:?}")),
        _ => None,
    }
}

/// Names a value reads (literal paths included, see [`path_name`]).
pub fn value_names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Str(_) => out.extend(path_name(v)),
        Value::Name { text, .. } => out.push(text.to_string()),
        Value::Expr(e) => out.extend(e.reads.iter().map(|r| r.to_string())),
        Value::List(items) => items.iter().for_each(|i| value_names(i, out)),
        Value::Dict(pairs) => pairs.iter().for_each(|(_, v)| value_names(v, out)),
        _ => {}
    }
}

/// The writer a call is, if any.
pub fn writer(file: &FileFacts, ci: usize) -> Option<Writer> {
    let call = &file.calls[ci];
    let resolved = call.resolved.as_name().unwrap_or("");
    let method = call.callee.rsplit('.').next().unwrap_or("");
    let positional: Vec<&Value> = call.positional().collect();
    let kw = |k: &str| call.args.iter().find(|a| a.keyword.as_deref() == Some(k));
    let splat = kw("**").is_some();
    let name_of = |v: Option<&Value>| v.and_then(path_name);
    let base = |what: &'static str, content: ContentType| Writer {
        what,
        content,
        data: Vec::new(),
        data_calls: Vec::new(),
        path: None,
        output: None,
        keeps: Keeps::No(""),
        reencodes: true,
        span: call.span,
        pos: call.span.start_byte,
    };
    // Receiver data: `img.convert("RGB").save(...)`, `Image.fromarray(a).save(...)`.
    let receiver = |w: &mut Writer| {
        w.data.extend(root_receiver(file, call).map(String::from));
        for inner in calls_within(file, call.callee_bytes()) {
            w.data_calls.push(inner);
            call_names(file, &file.calls[inner], &mut w.data);
        }
    };
    let mut w = match (resolved, method) {
        ("cv2.imwrite", _) => {
            let mut w = base("cv2.imwrite", ContentType::Image);
            value_names(positional.get(1)?, &mut w.data);
            w.path = name_of(positional.first().copied());
            w.keeps = Keeps::No("OpenCV writes pixels only");
            w
        }
        (r, "write") if r.ends_with("cv2.VideoWriter().write") => {
            let mut w = base("cv2.VideoWriter", ContentType::Video);
            value_names(positional.first()?, &mut w.data);
            w.keeps = Keeps::No("OpenCV writes frames only");
            w
        }
        (_, "write_videofile" | "write_gif" | "write_audiofile") => {
            let content = if method == "write_audiofile" {
                ContentType::Audio
            } else {
                ContentType::Video
            };
            let mut w = base("moviepy", content);
            receiver(&mut w);
            w.path = name_of(positional.first().copied());
            w.keeps = match kw("ffmpeg_params") {
                Some(a) if keeps_tags(&list_text(&a.value)) => Keeps::Yes,
                _ => Keeps::No("moviepy writes a new file without the source's metadata"),
            };
            w
        }
        (r, "export") if r.starts_with("pydub.") || r.is_empty() => {
            let mut w = base("pydub export", ContentType::Audio);
            receiver(&mut w);
            w.path = name_of(positional.first().copied());
            w.keeps = if kw("tags").is_some() || splat {
                Keeps::Yes
            } else {
                Keeps::No("no `tags=`")
            };
            w
        }
        (_, "save") => {
            let mut w = base("Pillow save", ContentType::Image);
            receiver(&mut w);
            w.path = name_of(positional.first().copied());
            let empty_exif = kw("exif").is_some_and(|a| a.value.as_str() == Some(""));
            w.keeps = if empty_exif {
                Keeps::No("`exif=b\"\"` writes an empty EXIF block")
            } else if ["pnginfo", "exif", "xmp"].iter().any(|k| kw(k).is_some()) || splat {
                Keeps::Yes
            } else {
                Keeps::No("no `pnginfo=` or `exif=`")
            };
            w
        }
        (r, "output") if r.starts_with("ffmpeg.input(") => {
            let mut w = base("ffmpeg-python", ContentType::Video);
            for inner in calls_within(file, call.callee_bytes()) {
                if file.calls[inner].resolved.as_name() == Some("ffmpeg.input")
                    && let Some(a) = file.calls[inner].args.first()
                {
                    value_names(&a.value, &mut w.data);
                }
            }
            let text: String = call
                .args
                .iter()
                .map(|a| {
                    format!(
                        "{} {} ",
                        a.keyword.as_deref().unwrap_or(""),
                        a.value.display()
                    )
                })
                .collect();
            let out = positional.first().and_then(|v| v.as_str()).unwrap_or("");
            w.keeps = ffmpeg_keeps(&text.replace("map_metadata -1", "-map_metadata -1"), out);
            w
        }
        ("diffusers.utils.export_to_video" | "diffusers.utils.export_to_gif", _) => {
            let mut w = base("diffusers export", ContentType::Video);
            value_names(positional.first()?, &mut w.data);
            w.path = name_of(positional.get(1).copied())
                .or_else(|| kw("output_video_path").and_then(|a| name_of(Some(&a.value))));
            w.reencodes = false;
            w
        }
        (
            "soundfile.write"
            | "scipy.io.wavfile.write"
            | "torchaudio.save"
            | "imageio.imwrite"
            | "imageio.mimwrite"
            | "imageio.mimsave"
            | "imageio.v3.imwrite"
            | "torchvision.io.write_video",
            _,
        ) => {
            let mut w = base("file write", ContentType::Audio);
            value_names(positional.get(1)?, &mut w.data);
            w.path = name_of(positional.first().copied());
            w.reencodes = false;
            w
        }
        _ => return command_writer(file, ci),
    };
    if w.data.is_empty() && w.data_calls.is_empty() {
        return None;
    }
    w.output = match w.what {
        "cv2.imwrite" | "moviepy" | "pydub export" | "Pillow save" | "ffmpeg-python" => {
            positional.first().map(|v| (*v).clone())
        }
        _ => None,
    };
    Some(w)
}

/// An ffmpeg command among a call's arguments (`subprocess.run([...])`).
fn command_writer(file: &FileFacts, ci: usize) -> Option<Writer> {
    let call = &file.calls[ci];
    call.args
        .iter()
        .filter(|a| a.keyword.is_none())
        .find_map(|a| ffmpeg_command(file, &a.value, a.span))
}

/// An ffmpeg command given as a list or an f-string, reading a named input
/// (`["ffmpeg", "-i", src, ...]`, `f"ffmpeg -i {src} ..."`).
pub fn ffmpeg_command(file: &FileFacts, v: &Value, span: Span) -> Option<Writer> {
    let mut path = None;
    let mut output = None;
    let (text, input, out) = match v {
        Value::List(items) => {
            let first = items.first()?.as_str()?;
            if !is_ffmpeg(first) {
                return None;
            }
            let i = items.iter().position(|x| x.as_str() == Some("-i"))?;
            let mut input = Vec::new();
            value_names(items.get(i + 1)?, &mut input);
            let out = items
                .last()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            output = items.last().cloned();
            path = items.last().and_then(path_name);
            (list_text(v), input, out)
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
                .map(|s| s.value.as_str())
                .collect();
            let literal = literal.join(" ");
            if !is_ffmpeg(literal.split_whitespace().next()?) {
                return None;
            }
            let input = ffmpeg_input(&e.shape)?;
            let out = literal.split_whitespace().last().unwrap_or("").to_string();
            (literal, input, out)
        }
        _ => return None,
    };
    if input.is_empty() {
        return None;
    }
    let content = if [".mp3", ".wav", ".m4a", ".flac", ".ogg", ".opus", ".aac"]
        .iter()
        .any(|x| out.ends_with(x))
    {
        ContentType::Audio
    } else if [".png", ".jpg", ".jpeg", ".webp"]
        .iter()
        .any(|x| out.ends_with(x))
    {
        ContentType::Image
    } else {
        ContentType::Video
    };
    Some(Writer {
        what: "ffmpeg",
        content,
        data: input,
        data_calls: Vec::new(),
        path,
        output,
        keeps: ffmpeg_keeps(&text, &out),
        reencodes: true,
        span,
        pos: span.start_byte,
    })
}

/// The names the input of an ffmpeg command string reads: what follows
/// `-i` in an f-string (`-i {src}`) or a concatenation (`"-i " + src`),
/// anywhere in the expression (`shlex.split(f"ffmpeg -i {src} ...")`).
fn ffmpeg_input(shape: &Shape) -> Option<Vec<String>> {
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
        (Piece::Lit(before), Piece::Reads(reads)) if ends_with_input_flag(before) => {
            Some(reads.iter().map(|r| r.to_string()).collect())
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

/// `... -i `, `... -i '`: the literal right before the input.
fn ends_with_input_flag(text: &str) -> bool {
    text.trim_end_matches([' ', '\t', '"', '\''])
        .ends_with("-i")
}

/// Options that strip metadata on purpose (LBL004's).
static STRIPPED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-map_metadata\s+-1|\+bitexact").expect("regex"));

fn is_ffmpeg(prog: &str) -> bool {
    let name = prog.rsplit(['/', '\\']).next().unwrap_or(prog);
    name == "ffmpeg" || name == "ffmpeg.exe"
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

/// Whether a command carries custom metadata into its output.
fn keeps_tags(text: &str) -> bool {
    text.contains("use_metadata_tags") || text.contains("AIGC")
}

/// What an ffmpeg command does to the input's metadata. ffmpeg copies the
/// first input's global metadata by default, but the MP4/MOV muxer writes
/// only the keys it knows unless told `-movflags use_metadata_tags`, and
/// image, WAV and GIF outputs have no place for it. Matroska, MP3 (ID3),
/// FLAC and Ogg keep arbitrary tags.
fn ffmpeg_keeps(text: &str, out: &str) -> Keeps {
    if STRIPPED.is_match(text) {
        return Keeps::Stripped;
    }
    if keeps_tags(text) {
        return Keeps::Yes;
    }
    let out = out.to_ascii_lowercase();
    if [".mkv", ".webm", ".mka", ".mp3", ".flac", ".ogg", ".opus"]
        .iter()
        .any(|x| out.ends_with(x))
    {
        return Keeps::Yes;
    }
    Keeps::No(
        "no `-movflags use_metadata_tags`, so the MP4/MOV muxer drops custom tags such as AIGC",
    )
}
