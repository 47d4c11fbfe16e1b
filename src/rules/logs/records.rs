//! Records of user input, shared by LOG002 and LOG003: the `user-input`
//! spec of `inputs.toml` run by the shared taint engine, its flows into
//! record sinks, and what makes such a call a record after all (an SQL
//! statement that writes rows, a file opened for appending, a log level at
//! or above the threshold the project sets).

use std::collections::BTreeMap;
use std::sync::Arc;

use ustr::Ustr;

use crate::analysis::Reader;
use crate::analysis::callgraph::{NodeId, Site};
use crate::analysis::dataflow::{Data, Domain, Labels, Origin, Query, Taint, index};
use crate::catalog::inputs::{INPUT_SPEC, Records};
use crate::catalog::taint::TaintSpec;
use crate::facts::{Call, FileFacts, Receiver, Value};
use crate::qname::OptionQName;
use crate::rules::Context;
use crate::source::Span;

/// A call user input reaches that may record it.
#[derive(Debug, Clone)]
pub struct RecordSite {
    pub site: Site,
    /// The call-graph node whose code makes the call.
    pub node: NodeId,
    /// The sink id (`log-info`, `db-write`, ...).
    pub kind: String,
    /// Index of the flow in the taint result.
    pub flow: usize,
    /// Why it is not a record, when it is not (a debug log, a level below
    /// the threshold).
    pub not_counted: Option<String>,
}

pub struct InputRecords {
    pub taint: Arc<Taint<Labels>>,
    pub sites: Vec<RecordSite>,
}

/// [`find`], computed once per scan.
pub fn shared(cx: &Context<'_>) -> Arc<Option<InputRecords>> {
    cx.shared.records.get_or_init(|| find(cx))
}

/// Run the spec (once per scan, shared) and judge its record sinks.
pub fn find(cx: &Context<'_>) -> Option<InputRecords> {
    let spec = cx.catalog.taint.get(INPUT_SPEC)?;
    let domain = InputDomain::new(cx, spec);
    let taint = cx.analysis.taint(cx.project, spec, &domain);
    let query = taint.query(cx.analysis, cx.project, spec, &domain);
    let records = &cx.catalog.records;
    // Made from the rules' per-file pass when it ran for LOG002/LOG003,
    // else one sweep of the Python files here.
    let swept;
    let thresholds = match cx.shared.log_thresholds.get() {
        Some(found) => found,
        None => {
            swept = Thresholds::find(cx, records);
            &swept
        }
    };
    let mut sites: Vec<RecordSite> = Vec::new();
    for (i, flow) in taint.flows.iter().enumerate() {
        let file = cx.project.file(flow.site.file, Reader::RulesLogs);
        let call = &file.calls[flow.site.call];
        if call
            .resolved
            .as_name()
            .is_some_and(|r| records.not_a_record(file.language, r))
        {
            continue;
        }
        let kind = spec.data.sink[flow.sink].id.clone();
        let not_counted = match kind.as_str() {
            "sql" if !sql_write(cx, flow.site, records) => continue,
            "file-append" if !appends(cx, flow.site, records) => continue,
            "model-save" if !saves_model(cx, flow.site, records) => continue,
            "db-session" if !session_write(cx, flow.site, records) => continue,
            k => match records.data.sink_levels.get(k) {
                Some(&level) => thresholds
                    .judge(cx, flow.site, level, k)
                    .or_else(|| fields_only(cx, &query, flow.site)),
                None => None,
            },
        };
        // One record per call: a call with sinks of two kinds keeps the first.
        if sites.last().is_some_and(|s| s.site == flow.site) {
            continue;
        }
        let node =
            cx.analysis
                .graph
                .node_at(flow.site.file, call.scope.as_deref(), call.span.start_byte);
        sites.push(RecordSite {
            site: flow.site,
            node,
            kind,
            flow: i,
            not_counted,
        });
    }
    Some(InputRecords { taint, sites })
}

/// The spec's labels, seeded only in code a generation endpoint runs: input
/// elsewhere (the hundreds of training scripts of a model library) is no
/// rule's business, and following it is most of the cost.
struct InputDomain<'c> {
    cx: &'c Context<'c>,
    /// Per call-graph node: whether a generation endpoint reaches it.
    on_path: Vec<bool>,
    /// Per source, its label (interned once: reads are seeded by the
    /// thousand).
    labels: Vec<Ustr>,
}

impl<'c> InputDomain<'c> {
    fn new(cx: &'c Context<'c>, spec: &'c TaintSpec) -> InputDomain<'c> {
        let an = cx.analysis;
        let mut on_path = vec![false; an.graph.nodes.len()];
        for (e, _, _) in an.generation_endpoints() {
            for &n in &an.reach[e].nodes {
                on_path[n] = true;
            }
        }
        let labels = (0..spec.data.source.len())
            .map(|si| Ustr::from(spec.label(si)))
            .collect();
        InputDomain {
            cx,
            on_path,
            labels,
        }
    }
}

impl Domain for InputDomain<'_> {
    type Value = Labels;

    fn seed(&self, origin: &Origin<'_>) -> Option<Labels> {
        let keep = match *origin {
            Origin::Param { node, .. } => self.on_path[node],
            Origin::Call { site, .. } => {
                let call = &self.cx.project.file(site.file, Reader::RulesLogs).calls[site.call];
                let node = self.cx.analysis.graph.node_at(
                    site.file,
                    call.scope.as_deref(),
                    call.span.start_byte,
                );
                self.on_path[node]
            }
            // Types are for classifiers (the personal-data rules).
            Origin::Typed { .. } | Origin::Fetched { .. } => false,
            _ => true,
        };
        keep.then(|| Labels(vec![self.labels[origin.source()]]))
    }
}

/// A log call that reads user input only through fields that name none of
/// what the user asked (`f"unknown model {req.model_name}"` when the prompt
/// is `req.prompt`): it records the field, not the input. Field-sensitive
/// for one attribute, at the record only: a tainted call or a whole name in
/// the arguments, or a field named as content (`req.prompt`, `body.messages`,
/// `[records].content_words`), counts.
fn fields_only<D: Domain<Value = Labels>>(
    cx: &Context<'_>,
    q: &Query<'_, '_, D>,
    site: Site,
) -> Option<String> {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let call = &file.calls[site.call];
    if !matches!(call.receiver, Receiver::Name(_) | Receiver::None) {
        return None;
    }
    let pos = call.span.start_byte;
    let tainted = |d: Data<'_>| q.value(site.file, call.scope, &[d], pos).is_some();
    let mut reads = Vec::new();
    let mut callees = Vec::new();
    for a in call.args.iter() {
        a.value.reads(&mut reads);
        for j in file.calls_in(a.span.bytes()) {
            if tainted(Data::Call(j)) {
                return None;
            }
            callees.push(file.calls[j].callee);
        }
    }
    reads.sort_unstable();
    reads.dedup();
    let words = &cx.catalog.records.data.content_words;
    let mut fields = Vec::new();
    for r in reads {
        if !tainted(Data::Names(vec![r])) {
            continue;
        }
        let (_, field) = r.rsplit_once('.')?;
        let content = field
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| words.iter().any(|c| c.eq_ignore_ascii_case(w)));
        if content || callees.contains(&r) || r.contains('[') {
            return None;
        }
        fields.push(format!("`{r}`"));
    }
    (!fields.is_empty()).then(|| {
        format!(
            "logs only {} of the request, which holds none of what the user asked",
            fields.join(", ")
        )
    })
}

/// A Django `row.save()`: the row is an instance of a model class
/// (`Prompt(text=x).save()`, or a name bound in the function to one made
/// or fetched there: `row = Prompt(...)`, `Prompt.objects.get(...)`).
fn saves_model(cx: &Context<'_>, site: Site, records: &Records) -> bool {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let call = &file.calls[site.call];
    let calls: Vec<usize> = match call.receiver {
        Receiver::Call(j) => vec![j as usize],
        Receiver::Name(n) => {
            match index::reaching(cx.project, site.file, call.scope, &n, call.span.start_byte) {
                Some(ai) => file.calls_in(file.assignments[ai].span.bytes()).collect(),
                None => return false,
            }
        }
        Receiver::None => return false,
    };
    calls.into_iter().any(|j| {
        let Some(r) = file.calls[j].resolved.as_name() else {
            return false;
        };
        // `Prompt(...)`, `Prompt.objects.get(...)`: the class is a prefix.
        let mut prefix = r;
        for _ in 0..4 {
            if is_model_class(cx, prefix, records) {
                return true;
            }
            match prefix.rsplit_once('.') {
                Some((head, _)) => prefix = head,
                None => return false,
            }
        }
        false
    })
}

/// A project class deriving from one of `model_bases`, at most 8 classes up.
fn is_model_class(cx: &Context<'_>, name: &str, records: &Records) -> bool {
    use crate::analysis::index::Symbol;
    let project = cx.project;
    let mut queue = vec![project.canonical_or_same(&crate::facts::QName::new(name))];
    for _ in 0..8 {
        let Some(c) = queue.pop() else { return false };
        let Some(Symbol::Class(fi, ci)) = project.index.symbol(c.as_str()) else {
            continue;
        };
        for b in &project.file(fi, Reader::RulesLogs).classes[ci].bases {
            if records.data.model_bases.iter().any(|m| m == b.as_str()) {
                return true;
            }
            queue.push(project.canonical_or_same(b));
        }
    }
    false
}

/// `session.add(row)` on a session the callee does not name: one held in
/// a chain that ends in `session` (`db.session`, `self.session`), a name
/// bound in the function by a session factory, or a parameter of a
/// function that takes a `Depends(get_db)` whose provider makes one.
fn session_write(cx: &Context<'_>, site: Site, records: &Records) -> bool {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let call = &file.calls[site.call];
    let Receiver::Name(n) = call.receiver else {
        return false;
    };
    // A resolved callee is the library's: `set().add`, not a session.
    if call.resolved.is_some() && call.imported().is_none() {
        return false;
    }
    let last = n.rsplit('.').next().unwrap_or(&n);
    if n.contains('.') && matches!(last, "session" | "db_session") {
        return true;
    }
    let makes_session = |fi: usize, span: crate::source::Span| {
        let f = cx.project.file(fi, Reader::RulesLogs);
        f.calls_in(span.bytes()).any(|j| {
            f.calls[j]
                .resolved
                .as_name()
                .is_some_and(|r| records.makes_session(f.language, r))
        })
    };
    if let Some(ai) = index::reaching(cx.project, site.file, call.scope, &n, call.span.start_byte) {
        return makes_session(site.file, file.assignments[ai].span);
    }
    let Some(f) = call
        .scope
        .and_then(|s| file.functions.iter().find(|f| f.qualname == s))
    else {
        return false;
    };
    if !f.params.contains(&n) {
        return false;
    }
    // `db=Depends(get_db)` in the signature: the provider makes a session.
    file.calls.iter().any(|c| {
        c.callee.rsplit('.').next() == Some("Depends")
            && f.span.contains(&c.span)
            && c.arg(Some(0), Some("dependency")).is_some_and(|a| {
                let crate::facts::Value::Name {
                    resolved: Some(r), ..
                } = &a.value
                else {
                    return false;
                };
                let r = cx.project.canonical_or_same(r);
                match cx.project.index.symbol(r.as_str()) {
                    Some(crate::analysis::index::Symbol::Function(pf, pi)) => makes_session(
                        pf,
                        cx.project.file(pf, Reader::RulesLogs).functions[pi].span,
                    ),
                    _ => false,
                }
            })
    })
}

/// Whether a call writes a record that is not a log: a database write,
/// an SQL statement that writes rows, an append to a file, a model's
/// `save()`, a session's `add`, or a `[[catalog.record]]` helper, by the
/// `user-input` spec's sinks and the same checks as records of input
/// (MOD004 counts these as recording a moderation hit).
pub fn writes(cx: &Context<'_>, site: Site) -> bool {
    let Some(spec) = cx.catalog.taint.get(INPUT_SPEC) else {
        return false;
    };
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let call = &file.calls[site.call];
    let records = &cx.catalog.records;
    let mut roles = Vec::new();
    let alts = cx.project.runtime().alternatives(site.file, site.call);
    spec.roles(file.language, call, alts, &mut roles);
    roles.iter().any(|r| {
        let crate::catalog::taint::Role::Sink(k) = *r else {
            return false;
        };
        match spec.data.sink[k].id.as_str() {
            "sql" => sql_write(cx, site, records),
            "file-append" => appends(cx, site, records),
            "model-save" => saves_model(cx, site, records),
            "db-session" => session_write(cx, site, records),
            id => !id.starts_with("log-"),
        }
    })
}

/// `path:line` of a call, for messages.
pub fn at(cx: &Context<'_>, site: Site) -> String {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    format!("{}:{}", file.path, file.calls[site.call].span.start_line)
}

/// An `execute` whose statement writes rows: its first argument, or the
/// string a name there is bound to, starts with one of `sql_writes`. A
/// value bound to a statement (sqlx `query("INSERT ...").bind(x)`) is
/// judged by the statement at the head of its builder chain.
fn sql_write(cx: &Context<'_>, site: Site, records: &Records) -> bool {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let mut at = site.call;
    for _ in 0..16 {
        if statement_writes(
            cx,
            Site {
                file: site.file,
                call: at,
            },
            records,
        ) {
            return true;
        }
        match file.calls[at].receiver {
            Receiver::Call(j) => at = j as usize,
            _ => return false,
        }
    }
    false
}

/// Whether a call's first argument is a statement that writes rows.
fn statement_writes(cx: &Context<'_>, site: Site, records: &Records) -> bool {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let call = &file.calls[site.call];
    let Some(arg) = call.arg(Some(0), None) else {
        return false;
    };
    let mut texts: Vec<&str> = strings_in(&file, arg.span);
    // A local, else a module-level constant (`const INSERT: &str = ...`,
    // which Rust may declare after its use).
    if let Value::Name { text, .. } = &arg.value
        && let Some(ai) = index::reaching(
            cx.project,
            site.file,
            call.scope,
            text,
            call.span.start_byte,
        )
        .or_else(|| {
            call.scope
                .and_then(|_| index::reaching(cx.project, site.file, None, text, u32::MAX))
        })
    {
        texts.extend(strings_in(&file, file.assignments[ai].span));
    }
    texts.iter().any(|t| {
        let first = t.split_whitespace().next().unwrap_or("");
        records
            .data
            .sql_writes
            .iter()
            .any(|w| first.eq_ignore_ascii_case(w))
    })
}

/// Every string literal within a span (f-strings: their literal parts).
fn strings_in(file: &FileFacts, span: Span) -> Vec<&str> {
    file.strings
        .iter()
        .filter(|s| s.span.start_byte >= span.start_byte && s.span.end_byte <= span.end_byte)
        .map(|s| &*s.value)
        .collect()
}

/// A write to a file opened for appending: `f.write(...)` or
/// `json.dump(obj, f)` where `f` comes from `open(path, "a")` (or
/// `with open(...) as f`) in the same function.
fn appends(cx: &Context<'_>, site: Site, records: &Records) -> bool {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let call = &file.calls[site.call];
    let handle = match call.receiver {
        Receiver::Name(n) if call.method() != "dump" => Some(n),
        Receiver::Call(j) => return opened_for_append(&file, j as usize, records),
        _ => call.arg(Some(1), Some("fp")).and_then(|a| match &a.value {
            Value::Name { text, .. } => Some(*text),
            _ => None,
        }),
    };
    let Some(handle) = handle else { return false };
    let Some(ai) = index::reaching(
        cx.project,
        site.file,
        call.scope,
        &handle,
        call.span.start_byte,
    ) else {
        return false;
    };
    let a = &file.assignments[ai];
    file.calls_in(a.span.bytes())
        .any(|j| opened_for_append(&file, j, records))
}

/// Whether call `j` opens a file for appending (`open(p, "a")`,
/// `Path(p).open("a")`, `open(p, mode="a")`).
fn opened_for_append(file: &FileFacts, j: usize, records: &Records) -> bool {
    let c = &file.calls[j];
    if c.method() != "open" {
        return false;
    }
    let is_append = |v: &Value| {
        v.as_str()
            .is_some_and(|m| records.data.append_modes.iter().any(|a| a == m))
    };
    if let Some(a) = c.arg(None, Some("mode")) {
        return is_append(&a.value);
    }
    // The mode is the second argument of `open`, the first of a method.
    let position = usize::from(c.receiver == Receiver::None);
    c.positional().nth(position).is_some_and(is_append)
}

/// What one file says about log levels, for [`Thresholds::find`].
pub struct FileLevels {
    /// Some call configures logging (the root logger's default is gone).
    configures: bool,
    /// `loguru.logger.remove()` is called (its default sink is gone).
    loguru_removed: bool,
    /// Level settings, in call order.
    settings: Vec<Setting>,
}

/// A call that sets a level.
enum Setting {
    /// A loguru sink added at that level.
    Loguru(u32, Site),
    /// The root logger's level.
    Root(u32, Site),
    /// The level of the logger with that key.
    Named(String, u32, Site),
}

impl FileLevels {
    fn read(cx: &Context<'_>, records: &Records, fi: usize) -> FileLevels {
        // The language is the summary's: another file's facts are not read.
        if cx.project.language(fi) != crate::facts::Language::Python {
            return FileLevels::NONE;
        }
        FileLevels::of(records, fi, &cx.project.file(fi, Reader::RulesLogs))
    }

    const NONE: FileLevels = FileLevels {
        configures: false,
        loguru_removed: false,
        settings: Vec::new(),
    };

    /// What file `fi` says about log levels, from the rules' per-file pass
    /// (`None`: nothing, which changes no threshold).
    pub fn of_file(records: &Records, fi: usize, file: &FileFacts) -> Option<FileLevels> {
        if file.language != crate::facts::Language::Python {
            return None;
        }
        let out = FileLevels::of(records, fi, file);
        (out.configures || out.loguru_removed || !out.settings.is_empty()).then_some(out)
    }

    fn of(records: &Records, fi: usize, file: &FileFacts) -> FileLevels {
        let mut out = FileLevels::NONE;
        for (ci, call) in file.calls.iter().enumerate() {
            let resolved = call.resolved.as_name();
            if records.data.default_threshold.is_some()
                && !out.configures
                && (resolved.is_some_and(|r| records.configures_logging(file.language, r))
                    || call.args.iter().any(|a| {
                        a.keyword.is_some_and(|k| {
                            records
                                .data
                                .log_config_keywords
                                .iter()
                                .any(|w| w == k.as_str())
                        })
                    }))
            {
                out.configures = true;
            }
            if resolved == Some("loguru.logger.remove") {
                out.loguru_removed = true;
            }
            if !records.may_set_level(call.method()) {
                continue;
            }
            let setter = resolved.and_then(|r| records.level_setter(file.language, r));
            let site = Site { file: fi, call: ci };
            match setter {
                Some(s) if resolved.is_some_and(|r| r.starts_with("loguru.")) => {
                    let level = call
                        .arg(s.level.position, s.level.keyword.as_deref())
                        .map_or(Some(0), |a| level_of(&a.value, records));
                    if let Some(level) = level {
                        out.settings.push(Setting::Loguru(level, site));
                    }
                }
                Some(s) => {
                    let Some(level) = call
                        .arg(s.level.position, s.level.keyword.as_deref())
                        .and_then(|a| level_of(&a.value, records))
                    else {
                        continue;
                    };
                    // `logging.getLogger("httpx").setLevel(...)` quiets
                    // one library's logger, not the project's; a logger
                    // held in a name is that name's.
                    let holder = match call.receiver {
                        _ if call.method() != "setLevel" => None,
                        Receiver::Call(j) if !file.calls[j as usize].args.is_empty() => {
                            continue;
                        }
                        Receiver::Name(n) if n.as_str() != "logging.root" => Some(n),
                        _ => None,
                    };
                    out.settings.push(match holder {
                        Some(n) => Setting::Named(logger_key(file, fi, call, &n), level, site),
                        None => Setting::Root(level, site),
                    });
                }
                None if call.method() == "setLevel" => {
                    let (Receiver::Name(n), Some(a)) = (call.receiver, call.arg(Some(0), None))
                    else {
                        continue;
                    };
                    if let Some(level) = level_of(&a.value, records) {
                        out.settings.push(Setting::Named(
                            logger_key(file, fi, call, &n),
                            level,
                            site,
                        ));
                    }
                }
                None => {}
            }
        }
        out
    }
}

/// Where the project raises a logger's threshold: the root logger
/// (`logging.basicConfig(level=...)`, `logging.getLogger().setLevel(...)`),
/// named loggers by the object they are held in, project-wide (a module-level
/// `log` set in one file and imported in another is one logger), loguru's
/// sinks (`logger.add(sink, level=...)`, once its default sink is removed),
/// and Python's default when nothing in the project configures logging.
pub struct Thresholds {
    root: Option<(u32, Site)>,
    named: BTreeMap<String, (u32, Site)>,
    loguru: Option<(u32, Site)>,
    /// No call configures logging anywhere: the root logger's default.
    unconfigured: Option<u32>,
}

impl Thresholds {
    fn find(cx: &Context<'_>, records: &Records) -> Thresholds {
        // Each file's level settings are read apart, on every thread, then
        // taken in file order, as one pass over the project would.
        let files = crate::analysis::map_indices(cx.project.file_count(), |fi| {
            FileLevels::read(cx, records, fi)
        });
        Thresholds::of_files(records, files)
    }

    /// The thresholds the files' level settings make, taken in file order
    /// (a file that says nothing may be left out).
    pub fn of_files(records: &Records, files: Vec<FileLevels>) -> Thresholds {
        let mut t = Thresholds {
            root: None,
            named: BTreeMap::new(),
            loguru: None,
            unconfigured: records.data.default_threshold,
        };
        let mut loguru_removed = false;
        let mut loguru: Option<(u32, Site)> = None;
        for file in files {
            if file.configures {
                t.unconfigured = None;
            }
            loguru_removed |= file.loguru_removed;
            for setting in file.settings {
                match setting {
                    // A loguru sink takes what is at or above its level
                    // (all of it when none is given): the lowest sink decides.
                    Setting::Loguru(level, site) => {
                        if loguru.is_none_or(|(l, _)| level < l) {
                            loguru = Some((level, site));
                        }
                    }
                    Setting::Root(level, site) => {
                        if t.root.is_none_or(|(l, _)| level > l) {
                            t.root = Some((level, site));
                        }
                    }
                    Setting::Named(key, level, site) => {
                        let e = t.named.entry(key).or_insert((level, site));
                        if level > e.0 {
                            *e = (level, site);
                        }
                    }
                }
            }
        }
        if loguru_removed {
            t.loguru = loguru;
        }
        t
    }

    /// Why a log call at `level` is not a record, if it is not.
    fn judge(&self, cx: &Context<'_>, site: Site, level: u32, kind: &str) -> Option<String> {
        let records = &cx.catalog.records;
        let debug = records.level("DEBUG").unwrap_or(10);
        let name = kind.strip_prefix("log-").unwrap_or(kind);
        if level <= debug {
            return Some(format!(
                "logs it at {name} level, which is not a record unless the level is raised"
            ));
        }
        let file = cx.project.file(site.file, Reader::RulesLogs);
        let call = &file.calls[site.call];
        let resolved = call.resolved.as_name();
        let setter = if resolved.is_some_and(|r| r.starts_with("loguru.")) {
            self.loguru
        } else {
            let named = match call.receiver {
                Receiver::Name(n) => self
                    .named
                    .get(&logger_key(&file, site.file, call, &n))
                    .copied(),
                _ => None,
            };
            named.or(self.root)
        };
        if let Some((threshold, setter)) = setter {
            return (level < threshold).then(|| {
                let setter_call = &cx.project.file(setter.file, Reader::RulesLogs).calls[setter.call];
                format!(
                    "logs it at {name} level, but `{}` ({}) sets the threshold above it, so it is never written",
                    setter_call.callee,
                    at(cx, setter)
                )
            });
        }
        let threshold = self.unconfigured?;
        (level < threshold
            && file.language == crate::facts::Language::Python
            && resolved.is_some_and(|r| records.stdlib_log(file.language, r)))
        .then(|| {
            format!(
                "logs it at {name} level through Python's `logging`, whose root logger drops \
                 that level by default, and nothing in the project configures logging"
            )
        })
    }
}

/// The logger a name holds, project-wide: the module-level object it is
/// (as imported, `app.log.logger`, or of its own module), else the name in
/// its function.
fn logger_key(file: &FileFacts, fi: usize, call: &Call, name: &str) -> String {
    let method = call.method();
    for r in [*call.imported(), call.resolved].into_iter().flatten() {
        if let Some(object) = r
            .as_str()
            .strip_suffix(method)
            .and_then(|s| s.strip_suffix('.'))
            && !object.contains(['(', '['])
            && object.contains('.')
        {
            return object.to_owned();
        }
    }
    let module_level = file
        .assignments
        .iter()
        .any(|a| a.scope.is_none() && a.target == name);
    let local = call.scope.is_some()
        && file
            .assignments
            .iter()
            .any(|a| a.scope == call.scope && a.target == name);
    if module_level && !local {
        format!("{}.{name}", file.module)
    } else {
        format!("{fi}:{}:{name}", call.scope.as_deref().unwrap_or(""))
    }
}

/// A level as written: `logging.WARNING`, `"WARNING"`, `30`.
fn level_of(v: &Value, records: &Records) -> Option<u32> {
    match v {
        Value::Int(n) => u32::try_from(*n).ok(),
        Value::Str(s) => records.level(s),
        Value::Name { text, .. } => records.level(text.rsplit('.').next().unwrap_or(text)),
        _ => None,
    }
}

/// Whether a record call says who sent the input or from where: its
/// arguments (keywords, names read, dict keys and header names), the calls
/// inside them (`Row(user_id=...)`), a bound logger's fields
/// (`logger.bind(user_id=...)`), and one step back, the assignments of the
/// names it reads.
pub fn identifies(cx: &Context<'_>, site: Site) -> bool {
    let file = cx.project.file(site.file, Reader::RulesLogs);
    let call = &file.calls[site.call];
    let records = &cx.catalog.records;
    let mut names: Vec<Ustr> = Vec::new();
    if args_identify(&file, call, records, &mut names) {
        return true;
    }
    // A bound logger: `logger.bind(user_id=uid).info(...)`.
    let mut receiver = call.receiver;
    let mut guard = 0;
    while let Receiver::Call(j) = receiver
        && guard < 16
    {
        let inner = &file.calls[j as usize];
        if args_identify(&file, inner, records, &mut names) {
            return true;
        }
        receiver = inner.receiver;
        guard += 1;
    }
    // One step back: `row = {"user": uid, "prompt": p}; db.insert_one(row)`.
    names.sort_unstable();
    names.dedup();
    names.iter().any(|n| {
        let head = n.split(['.', '[']).next().unwrap_or(n);
        index::reaching(
            cx.project,
            site.file,
            call.scope,
            head,
            call.span.start_byte,
        )
        .is_some_and(|ai| {
            let a = &file.assignments[ai];
            let mut reads = Vec::new();
            a.value.reads(&mut reads);
            reads.iter().any(|r| records.names_identity(r))
                || span_identifies(&file, a.span, records)
        })
    })
}

fn args_identify(file: &FileFacts, call: &Call, records: &Records, names: &mut Vec<Ustr>) -> bool {
    for a in call.args.iter() {
        if a.keyword.is_some_and(|k| records.names_identity(&k)) {
            return true;
        }
        let start = names.len();
        a.value.reads(names);
        if names[start..].iter().any(|r| records.names_identity(r)) {
            return true;
        }
        if span_identifies(file, a.span, records) {
            return true;
        }
    }
    false
}

/// Strings (dict keys, header names) and keyword names of calls in a span.
fn span_identifies(file: &FileFacts, span: Span, records: &Records) -> bool {
    strings_in(file, span)
        .iter()
        .any(|s| records.string_identity(s))
        || file.calls_in(span.bytes()).any(|j| {
            file.calls[j]
                .args
                .iter()
                .any(|a| a.keyword.is_some_and(|k| records.names_identity(&k)))
        })
}
