//! Entry points: the places where outside input enters the program — HTTP
//! and websocket routes, Gradio handlers, Streamlit scripts, command-line
//! entry points. Found from facts (decorators, registration calls, class
//! bases, main guards) and the entry-point catalogue; never from syntax.

mod components;
pub(crate) mod index;
mod injected;
mod prefix;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::door::Item;
use crate::analysis::{FileRef, Project, Reader};
use crate::catalog::Catalog;
use crate::catalog::entrypoints::{ArgRef, ChainPart, EntryPointCatalog, Registration, RouteFrom};
use crate::facts::{Arg, BinOp, Call, FileFacts, Part, Shape, Value};
use crate::finding::Location;
use crate::qname::OptionQName;
use crate::qname::{self, QName, Segment};
use crate::source::Span;
use components::Components;
use index::{Index, Key, MAX_HOPS, Symbol};
use injected::Injected;
use prefix::{Mount, Prefixes};

pub use crate::catalog::entrypoints::EntryKind;

/// The code an entry point runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Handler {
    /// A function or method of the project: `module` + `qualname` (`Class.method`).
    /// A registered view class whose handlers all live in library bases (a
    /// Django generic view) is named by its class qualname.
    Function { module: String, qualname: String },
    /// Module-level code of a module (Streamlit scripts).
    Module { module: String },
    /// The `if __name__ == "__main__":` block of a module.
    MainBlock { module: String, span: Span },
    /// A closure given as a handler that calls no project function (axum
    /// `get(|| async { ... })`): the calls in `span`, which belong to the
    /// function `scope` of `module` that registers it (`None`: module level).
    Closure {
        module: String,
        scope: Option<String>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EntryPoint {
    pub kind: EntryKind,
    /// `fastapi`, `flask`, `django`, `aiohttp`, `tornado`, `gradio`, `streamlit`, `click`, `typer`, `script`.
    pub framework: String,
    /// HTTP methods in upper case (`["GET", "POST"]`); empty when not HTTP.
    pub methods: Vec<String>,
    /// The route with every known prefix joined (`/api/v1/chat`), or for UI
    /// handlers a description such as `Button.click`.
    pub route: Option<String>,
    pub handler: Handler,
    /// Where the entry point is registered (decorator, `add_url_rule`, `path()`, `gr.Interface(...)`).
    pub location: Location,
    /// Served to others (HTTP routes, UI apps). CLI entry points are not.
    pub public: bool,
    /// Exposure notes, e.g. `launch(share=True)` (a public Gradio link).
    pub exposure: Vec<String>,
}

impl EntryPoint {
    /// How messages name the entry point: `POST /api/chat`, `gradio handler
    /// Button.click`, `streamlit script app.py`.
    pub fn describe(&self) -> String {
        let e = self;
        let route = e.route.as_deref().unwrap_or("");
        match e.kind {
            EntryKind::Http | EntryKind::Websocket => {
                let methods = if e.methods.is_empty() {
                    "ANY".to_string()
                } else {
                    e.methods.join("|")
                };
                let ws = if e.kind == EntryKind::Websocket {
                    "websocket "
                } else {
                    ""
                };
                format!("{ws}{methods} {route}").trim_end().to_string()
            }
            EntryKind::Ui => format!("{} handler {route}", e.framework)
                .trim_end()
                .to_string(),
            EntryKind::Desktop => format!("{} desktop handler {route}", e.framework)
                .trim_end()
                .to_string(),
            EntryKind::Script => format!("{} script {}", e.framework, e.location.path),
            EntryKind::Cli => match &e.handler {
                Handler::Function { qualname, .. } => {
                    format!("{} command `{qualname}`", e.framework)
                }
                Handler::MainBlock { .. } => format!("`__main__` block of {}", e.location.path),
                Handler::Module { .. } => format!("script {}", e.location.path),
                Handler::Closure { .. } => format!("closure in {}", e.location.path),
            },
        }
    }
}

/// Every entry point of the project, sorted.
///
/// Registrations come from the entry-point catalogue: decorators
/// (`@app.post("/x")`), registration calls (`add_url_rule`, `path()`,
/// `btn.click(fn)`), literal route tables (Tornado), handler classes by base
/// class, Streamlit imports, and `__main__` blocks. Routes get every prefix of
/// the router they hang off (constructor prefix, `include_router`,
/// `register_blueprint`, Django `include`). Handlers that are not a named
/// project function (lambdas, unresolved names) are skipped.
pub fn find(project: &Project, catalog: &Catalog) -> Vec<EntryPoint> {
    let finder = standalone_finder(project, catalog);
    let matcher = finder.matcher();
    let registrations = project
        .each_file(Reader::EntryPoints)
        .par_iter()
        .map(|(fi, file)| matcher.file(fi, file))
        .collect();
    finder.run(registrations)
}

/// The finder built from its own pass over the files (the standalone
/// entries here; a scan takes its parts from the per-file phase).
fn standalone_finder<'a>(project: &'a Project, catalog: &'a Catalog) -> Finder<'a> {
    let parts = project
        .each_file(Reader::EntryPoints)
        .par_iter()
        .map(|(fi, file)| {
            let registering = class_registration_calls(&catalog.entrypoints, &file);
            FileEntryParts::of(project, &catalog.entrypoints, fi, file, &registering)
        })
        .collect();
    Finder::new(project, &catalog.entrypoints, parts)
}

/// Every file's registration records, one string a file (tests: the
/// per-file phase against the serial loop it replaced). `per_file`: made
/// on the pool by the per-file phase's view of each file
/// ([`Matcher::file`]); else one file after another in file order, every
/// read of a file a random read through the finder's index, as the serial
/// loop read them.
#[doc(hidden)]
pub fn registration_records(project: &Project, catalog: &Catalog, per_file: bool) -> Vec<String> {
    let finder = standalone_finder(project, catalog);
    let matcher = finder.matcher();
    let records: Vec<FileRegistrations<'_>> = if per_file {
        project
            .each_file(Reader::EntryPoints)
            .par_iter()
            .map(|(fi, file)| matcher.file(fi, file))
            .collect()
    } else {
        (0..project.file_count())
            .map(|fi| matcher.registrations(matcher.ix.at_random(), fi))
            .collect()
    };
    records.iter().map(|r| format!("{r:?}")).collect()
}

/// What the entry-point finder takes from one file in the per-file phase
/// (`analysis::perfile`): nothing in it depends on another file's results.
pub struct FileEntryParts {
    /// The file's calls by end, strings by start, the files it imports.
    index: index::IndexParts,
    /// Names a plugin loader stores on module objects: (name, value).
    injected: Vec<(String, String)>,
    /// Calls that register an instance of a project class
    /// (`add_ChatServicer_to_server(ChatService(m), server)`): the
    /// registration's entry and the class (file, class), in call order.
    class_registrations: Vec<(usize, (usize, usize))>,
    /// What says a variable of the file holds UI components (stores,
    /// appends, module globals), owned.
    evidence: Vec<components::Evidence>,
}

/// The calls of a file whose callee a class entry's registration names
/// (`add_ChatServicer_to_server`): (call, entry), in call order. Reads only
/// the file and the catalogue, so a file's list is kept with its evidence
/// unit (`crate::parts::FileEvidence`).
pub(crate) fn class_registration_calls(
    cat: &EntryPointCatalog,
    file: &FileFacts,
) -> Vec<(u32, u32)> {
    // Only when some class entry is registered by a call.
    if !cat.data.class.iter().any(|c| !c.registered_by.is_empty()) {
        return Vec::new();
    }
    file.calls
        .iter()
        .enumerate()
        .filter_map(|(ci, call)| {
            let r = call.resolved.as_ref()?;
            let e = cat.class_registration.first(file.language, r.as_str())?;
            Some((ci as u32, e as u32))
        })
        .collect()
}

impl FileEntryParts {
    /// File `fi`'s part; `registering` is its [`class_registration_calls`].
    pub fn of<'p>(
        project: &'p Project,
        cat: &EntryPointCatalog,
        fi: usize,
        file: FileRef<'p>,
        registering: &[(u32, u32)],
    ) -> FileEntryParts {
        // The class each registering call registers, read across files.
        let class_registrations = registering
            .iter()
            .filter_map(|&(ci, e)| {
                let class = registered_class(project, &file, &file.calls[ci as usize])?;
                Some((e as usize, class))
            })
            .collect();
        FileEntryParts {
            index: Index::file_parts(project, fi, file.clone()),
            injected: Injected::file_stores(
                project,
                &cat.data.module_objects,
                &cat.test_paths,
                fi,
                &file,
            ),
            class_registrations,
            evidence: components::file_evidence(
                &Index::alone(project, fi, file.clone()),
                cat,
                fi,
                &file,
            ),
        }
    }
}

/// The handler a registration names.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// File index, function index.
    Function(usize, usize),
    /// File index, class index: its handler methods are the entry points.
    Class(usize, usize),
    /// A closure argument that calls no project function: its index among
    /// the closure handlers found (`Finder::closures`).
    Closure(usize),
}

impl From<Symbol> for Target {
    fn from(s: Symbol) -> Target {
        match s {
            Symbol::Function(f, i) => Target::Function(f, i),
            Symbol::Class(f, i) => Target::Class(f, i),
        }
    }
}

/// A registration's route before prefixes are known.
#[derive(Debug)]
enum RouteSpec {
    None,
    /// A path, shown under every prefix of the router it hangs off.
    Path(String),
    /// A name that takes no prefix (`Button.click`, a command name).
    Fixed(String),
}

/// What a registration makes of a closure handler (`closure_handlers`,
/// `closure_bodies` in the catalogue).
#[derive(Clone, Copy)]
struct Closures {
    handlers: bool,
    bodies: bool,
}

impl Closures {
    fn of(reg: &Registration) -> Closures {
        Closures {
            handlers: reg.closure_handlers,
            bodies: reg.closure_bodies,
        }
    }
}

/// One registration found in the facts: owned (no borrow of the facts),
/// so the per-file phase can keep it until the serial `emit`.
#[derive(Debug)]
struct Registered<'a> {
    /// File of the registration.
    fi: usize,
    /// The router it hangs off.
    key: Key,
    kind: EntryKind,
    framework: &'a str,
    methods: Vec<String>,
    route: RouteSpec,
    target: Target,
    location: Span,
}

/// A handler class's catalogue entry and its project classes, nearest first.
type ClassInfo = Option<(usize, Vec<(usize, usize)>)>;

/// The handler-class entry class `ci` of file `fi` falls under (nearest
/// base first), with the project classes on the way. Pure: the per-file
/// phase finds it for each class of its file; bases in other files are
/// read at random.
fn class_info_of(ix: &Index<'_>, cat: &EntryPointCatalog, fi: usize, ci: usize) -> ClassInfo {
    let mut seen = vec![(fi, ci)];
    let mut queue = VecDeque::from([(fi, ci)]);
    let mut found = None;
    'walk: while let Some((f, c)) = queue.pop_front() {
        let lang = ix.project.language(f);
        let class = &ix.file(f).classes[c];
        if let Some(e) = cat.class_name.first(lang, &class.name) {
            found = Some(e);
            break;
        }
        for base in &class.bases {
            let entry = cat.class.first(lang, base.as_str()).or_else(|| {
                ix.project
                    .canonical(base)
                    .and_then(|b| cat.class.first(lang, b.as_str()))
            });
            if let Some(e) = entry {
                found = Some(e);
                break 'walk;
            }
            if let Some(Symbol::Class(bf, bc)) = ix.symbol(base.as_str())
                && !seen.contains(&(bf, bc))
                && seen.len() < 4 * MAX_HOPS
            {
                seen.push((bf, bc));
                queue.push_back((bf, bc));
            }
        }
    }
    found.map(|e| (e, seen))
}

/// The entry-point finder: built from the per-file phase's first pass;
/// its matches come from the second ([`Finder::matcher`]).
pub(crate) struct Finder<'a> {
    ix: Index<'a>,
    cat: &'a EntryPointCatalog,
    /// Where the project keeps UI components (dicts, lists, globals).
    components: Components,
    /// Names plugin loaders put into the modules they load.
    injected: Injected,
    /// Per file: calls registering an instance of a project class
    /// ([`FileEntryParts`]).
    class_registrations: Vec<Vec<(usize, (usize, usize))>>,
    prefixes: Prefixes,
    /// (framework, module of the app) → exposure notes.
    exposure: BTreeMap<(&'a str, String), BTreeSet<&'a str>>,
    /// Per file, per class: its handler-class entry and lineage
    /// ([`FileRegistrations::classes`]).
    class_info: Vec<Vec<ClassInfo>>,
    /// Per file: declared test-only ([`FileRegistrations::test_only`]).
    test_only: Vec<bool>,
    /// Prefixes that mounts of single handler functions give their routes
    /// (rocket `mount("/v1", routes![a, b])`, actix `scope("/v1").service(f)`).
    fn_mounts: BTreeMap<(usize, usize), Vec<String>>,
    /// Closure handlers: file, enclosing scope, the closure's span.
    closures: Vec<(usize, Option<String>, Span)>,
    /// Entry points with the index of the file that registers them.
    out: Vec<(usize, EntryPoint)>,
}

/// What one file registers, found in the per-file phase's second pass
/// ([`Matcher::file`]): owned records, each list in the order the file's
/// decorators, calls, routers, script and `__main__` blocks made it. The
/// serial [`Finder::run`] applies them in file order, as the loop over
/// every file did.
#[derive(Debug, Default)]
pub(crate) struct FileRegistrations<'a> {
    /// Registrations, in decorator and call order.
    registered: Vec<Registered<'a>>,
    /// Routers mounted into a parent: (router, mount).
    mounts: Vec<(Key, Mount)>,
    /// Routers created with a prefix of their own: (router, prefix).
    own: Vec<(Key, String)>,
    /// Single handler functions mounted under a prefix: (function, prefix).
    fn_mounts: Vec<((usize, usize), String)>,
    /// Exposure notes: (framework, module of the app, note).
    exposure: Vec<(&'a str, String, &'a str)>,
    /// Closure handlers; a [`Target::Closure`] of `registered` indexes
    /// this list until `run` moves it to the finder's.
    closures: Vec<(usize, Option<String>, Span)>,
    /// Scripts and `__main__` blocks.
    out: Vec<(usize, EntryPoint)>,
    /// Per class of the file: its handler-class entry and lineage.
    classes: Vec<ClassInfo>,
    /// The file is declared test-only (Rust `#[cfg(test)] mod x;`).
    test_only: bool,
}

/// The finder's registrations in one file (the per-file phase's second
/// pass): the index sees the file from the pass, and what it finds goes
/// to the file's [`FileRegistrations`].
struct FileFinder<'a> {
    ix: Index<'a>,
    cat: &'a EntryPointCatalog,
    registered: Vec<Registered<'a>>,
    mounts: Vec<(Key, Mount)>,
    own: Vec<(Key, String)>,
    fn_mounts: Vec<((usize, usize), String)>,
    exposure: Vec<(&'a str, String, &'a str)>,
    /// Closure handlers found in the file: file, enclosing scope, span.
    closures: std::cell::RefCell<Vec<(usize, Option<String>, Span)>>,
    /// Calls of the file that are parts of a route chain
    /// (`[[entrypoints.chain]]`): (call index, entry index).
    chain_here: Vec<(usize, usize)>,
    /// For the file's chain prefixes: call start → the furthest end
    /// of a call starting there (where the method chain it begins ends).
    chain_ends: BTreeMap<u32, u32>,
    /// Routers written inline as the target of a prefixed include
    /// (`.nest("/v1", Route::new().at(...))`), by span.
    inline_mounts: Vec<(Span, String)>,
    out: Vec<(usize, EntryPoint)>,
}

/// What the catalogue makes of one call (`call_matches`); calls that
/// match nothing are left out.
struct CallMatch {
    /// Index in the file's calls.
    call: usize,
    /// The callee through project functions' return annotations, when that
    /// changes it (else the resolved name is the callee).
    name: Option<String>,
    /// A registration: the name it matched under and its entry.
    registration: Option<(String, usize)>,
    /// A decorator applied by hand (`router.post("/x")(handler)`).
    decorator: Option<usize>,
    route_list: Option<usize>,
    include: Option<usize>,
    exposure: Vec<usize>,
}

/// The calls of file `fi` that match an entry of the catalogue, in call order.
fn call_matches(
    ix: &Index<'_>,
    cat: &EntryPointCatalog,
    components: &Components,
    fi: usize,
) -> Vec<CallMatch> {
    let file = ix.file(fi);
    let lang = file.language;
    let mut out = Vec::new();
    let mut memo = components::SubclassMemo::default();
    for (ci, call) in file.calls.iter().enumerate() {
        let returned = call.resolved.as_name().and_then(|r| ix.through_returns(r));
        let r = returned.as_deref().or(call.resolved.as_name());
        let registration = match r.and_then(|r| cat.call.first(lang, r).map(|ri| (r, ri))) {
            Some((r, ri)) => Some((r.to_string(), ri)),
            // A listener on a component the project keeps in a dict,
            // list or global (`shared.gradio["go"].click(f)`).
            None => components
                .rewrite(ix, cat, fi, call, &mut memo)
                .and_then(|name| Some((cat.call.first(lang, &name)?, name)))
                .map(|(ri, name)| (name, ri)),
        };
        let (decorator, route_list, include, exposure) = match r {
            Some(r) => (
                r.ends_with("()")
                    .then(|| cat.decorator.first(lang, r))
                    .flatten(),
                cat.route_list.first(lang, r),
                cat.include.first(lang, r),
                cat.exposure.all(lang, r),
            ),
            None => (None, None, None, Vec::new()),
        };
        if registration.is_some()
            || decorator.is_some()
            || route_list.is_some()
            || include.is_some()
            || !exposure.is_empty()
        {
            out.push(CallMatch {
                call: ci,
                name: returned,
                registration,
                decorator,
                route_list,
                include,
                exposure,
            });
        }
    }
    out
}

/// The decorator's resolved name across modules; a decorator on a
/// function that a `decorated_type` decorator made a framework object
/// (`@cli.command()` on `@click.group() def cli`) resolves through it.
fn decorator_name(
    ix: &Index<'_>,
    cat: &EntryPointCatalog,
    resolved: Option<&str>,
    depth: usize,
) -> Option<String> {
    let r = resolved?;
    let r = ix
        .project
        .canonical_text(r)
        .unwrap_or_else(|| r.to_string());
    let r = ix.through_returns(&r).unwrap_or(r);
    if depth >= MAX_HOPS || cat.data.decorated_type.is_empty() {
        return Some(r);
    }
    let mut end = r.len();
    while let Some(dot) = r[..end].rfind('.') {
        if let Some(Symbol::Function(gfi, gi)) = ix.symbol(&r[..dot]) {
            let g = &ix.file(gfi).functions[gi];
            for gd in &g.decorators {
                let Some(gname) = decorator_name(ix, cat, gd.resolved.as_name(), depth + 1) else {
                    continue;
                };
                if let Some(t) = cat.decorated_type.first(ix.file(gfi).language, &gname) {
                    let ty = &cat.data.decorated_type[t].type_;
                    return Some(format!("{ty}{}", &r[dot..]));
                }
            }
            break;
        }
        end = dot;
    }
    Some(r)
}

/// The catalogue's decorator entry each decorator of file `fi` matches, with
/// the name it matched under: the functions' decorators, then the classes',
/// in order (`None`: no entry).
fn decorator_matches(
    ix: &Index<'_>,
    cat: &EntryPointCatalog,
    injected: &Injected,
    fi: usize,
) -> Vec<Option<(String, usize)>> {
    let file = ix.file(fi);
    let matched = |resolved: Option<&str>| {
        let name = decorator_name(ix, cat, resolved, 0)?;
        let ri = cat.decorator.first(file.language, &name)?;
        Some((name, ri))
    };
    let mut out = Vec::new();
    for f in &file.functions {
        for d in &f.decorators {
            let injected = match d.resolved {
                Some(_) => None,
                None => injected.resolve(ix.project, fi, &d.text),
            };
            out.push(matched(d.resolved.as_name().or(injected.as_deref())));
        }
    }
    for c in &file.classes {
        for d in &c.decorators {
            out.push(matched(d.resolved.as_name()));
        }
    }
    out
}

/// The assignments of file `fi` whose value is made by a catalogued router
/// constructor (through project functions' return annotations), with the
/// router's entry, in order.
fn router_matches(ix: &Index<'_>, cat: &EntryPointCatalog, fi: usize) -> Vec<(usize, usize)> {
    let file = ix.file(fi);
    let mut out = Vec::new();
    for (ai, a) in file.assignments.iter().enumerate() {
        let Some(ty) = a.value_call.as_name() else {
            continue;
        };
        let returned = ix.through_returns(ty);
        if let Some(ri) = cat
            .router
            .first(file.language, returned.as_deref().unwrap_or(ty))
        {
            out.push((ai, ri));
        }
    }
    out
}

/// What the catalogue's registrations, decorators and router constructors
/// match in one file (the per-file phase's second pass).
pub(crate) struct FileMatches {
    /// Per decorator (functions', then classes'): its entry and the name
    /// it matched under.
    decorated: Vec<Option<(String, usize)>>,
    calls: Vec<CallMatch>,
    /// (assignment, router entry).
    routers: Vec<(usize, usize)>,
}

/// What the matchers read: the finder's index and the global tables built
/// from the first pass, shared by the threads.
pub(crate) struct Matcher<'f, 'a> {
    ix: &'f Index<'a>,
    cat: &'a EntryPointCatalog,
    components: &'f Components,
    injected: &'f Injected,
}

impl<'a> Matcher<'_, 'a> {
    /// File `fi`'s matches. Which calls match a registration, an include
    /// or an exposure entry reads nothing the registrations change; nor do
    /// the decorators' and the router constructors' entries.
    fn matches(&self, ix: &Index<'a>, fi: usize) -> FileMatches {
        FileMatches {
            decorated: decorator_matches(ix, self.cat, self.injected, fi),
            calls: call_matches(ix, self.cat, self.components, fi),
            routers: router_matches(ix, self.cat, fi),
        }
    }

    /// What file `fi` (`file`, the pass's own) registers: its matches,
    /// then the registrations made of them, in the order of the serial
    /// loop they replace. Reads of `fi` take `file`; other files are read
    /// at random only where a name leads there.
    pub(crate) fn file(&self, fi: usize, file: FileRef<'a>) -> FileRegistrations<'a> {
        self.registrations(self.ix.at(fi, file), fi)
    }

    /// File `fi`'s registrations, reading it through `ix`.
    fn registrations(&self, ix: Index<'a>, fi: usize) -> FileRegistrations<'a> {
        let m = self.matches(&ix, fi);
        let file = ix.file(fi);
        let classes = (0..file.classes.len())
            .map(|ci| class_info_of(&ix, self.cat, fi, ci))
            .collect();
        let test_only = file.test_only;
        let mut f = FileFinder {
            ix,
            cat: self.cat,
            registered: Vec::new(),
            mounts: Vec::new(),
            own: Vec::new(),
            fn_mounts: Vec::new(),
            exposure: Vec::new(),
            closures: Default::default(),
            chain_here: Vec::new(),
            chain_ends: BTreeMap::new(),
            inline_mounts: Vec::new(),
            out: Vec::new(),
        };
        f.decorators(fi, &m.decorated);
        f.calls(fi, &m.calls);
        f.routers(fi, &m.routers);
        let script = f.scripts(fi);
        f.main_guards(fi, script);
        if script.is_none() {
            f.module_script(fi);
        }
        FileRegistrations {
            registered: f.registered,
            mounts: f.mounts,
            own: f.own,
            fn_mounts: f.fn_mounts,
            exposure: f.exposure,
            closures: f.closures.into_inner(),
            out: f.out,
            classes,
            test_only,
        }
    }
}

impl<'a> Finder<'a> {
    /// The matchers, for the per-file phase.
    pub(crate) fn matcher(&self) -> Matcher<'_, 'a> {
        Matcher {
            ix: &self.ix,
            cat: self.cat,
            components: &self.components,
            injected: &self.injected,
        }
    }

    pub(crate) fn new(
        project: &'a Project,
        cat: &'a EntryPointCatalog,
        parts: Vec<FileEntryParts>,
    ) -> Finder<'a> {
        let mut index = Vec::with_capacity(parts.len());
        let mut stores = Vec::new();
        let mut class_registrations = Vec::with_capacity(parts.len());
        let mut evidence = Vec::with_capacity(parts.len());
        for p in parts {
            index.push(p.index);
            stores.extend(p.injected);
            class_registrations.push(p.class_registrations);
            evidence.push(p.evidence);
        }
        let ix = Index::new(project, index);
        let components = Components::new(&ix, cat, &evidence);
        let injected = Injected::from_stores(stores);
        Finder {
            ix,
            cat,
            components,
            injected,
            class_registrations,
            prefixes: Prefixes::default(),
            exposure: BTreeMap::new(),
            class_info: Vec::new(),
            test_only: Vec::new(),
            fn_mounts: BTreeMap::new(),
            closures: Vec::new(),
            out: Vec::new(),
        }
    }

    /// The entry points, from every file's registrations (in file order,
    /// [`Matcher::file`]): each file's records applied as the loop over
    /// every file made them, then emitted in file and call order.
    pub(crate) fn run(mut self, files: Vec<FileRegistrations<'a>>) -> Vec<EntryPoint> {
        let mut registered = Vec::new();
        for f in files {
            let base = self.closures.len();
            self.closures.extend(f.closures);
            registered.extend(f.registered.into_iter().map(|mut r| {
                if let Target::Closure(k) = &mut r.target {
                    *k += base;
                }
                r
            }));
            for (child, m) in f.mounts {
                self.prefixes.mounts.entry(child).or_default().push(m);
            }
            for (key, p) in f.own {
                self.prefixes.own.insert(key, p);
            }
            for (func, prefix) in f.fn_mounts {
                let mounts = self.fn_mounts.entry(func).or_default();
                if !mounts.contains(&prefix) && mounts.len() < prefix::MAX_PREFIXES {
                    mounts.push(prefix);
                }
            }
            for (framework, module, note) in f.exposure {
                self.exposure
                    .entry((framework, module))
                    .or_default()
                    .insert(note);
            }
            self.out.extend(f.out);
            self.class_info.push(f.classes);
            self.test_only.push(f.test_only);
        }
        let mut classes_registered = BTreeSet::new();
        for r in &registered {
            if let Target::Class(f, c) = r.target {
                classes_registered.insert((f, c));
            }
            self.emit(r);
        }
        self.registered_instances(&mut classes_registered);
        self.unregistered_classes(&classes_registered);
        let mut out: Vec<EntryPoint> = Vec::with_capacity(self.out.len());
        for (fi, mut ep) in std::mem::take(&mut self.out) {
            // Test code, by path or declared test-only (Rust `#[cfg(test)] mod x;`).
            if self.cat.test_paths.is_match(ep.location.path.as_str()) || self.test_only[fi] {
                continue;
            }
            let module = self.ix.module(fi).to_string();
            if let Some(notes) = self.exposure.get(&(ep.framework.as_str(), module)) {
                ep.exposure = notes.iter().map(|n| n.to_string()).collect();
            }
            out.push(ep);
        }
        out.sort();
        out.dedup();
        out
    }
}

impl<'a> FileFinder<'a> {
    // --- registrations ---------------------------------------------------

    /// `decorated`: what `decorator_matches` found for the file, in its order.
    fn decorators(&mut self, fi: usize, decorated: &[Option<(String, usize)>]) {
        let file = self.ix.file(fi);
        let mut decorated = decorated.iter();
        for (i, f) in file.functions.iter().enumerate() {
            let scope = self.ix.scope_of_function(fi, &f.qualname);
            for d in &f.decorators {
                let Some(Some((name, ri))) = decorated.next() else {
                    continue;
                };
                let (name, ri) = (name.as_str(), *ri);
                let reg = &self.cat.data.decorator[ri];
                let key = self.receiver_key(fi, scope, &d.text);
                let methods = self.methods(reg, name, &d.args);
                let route = self.route_spec(reg, name, &d.args, fi, scope, Some(&f.name));
                self.registered.push(Registered {
                    fi,
                    key,
                    kind: reg.kind,
                    framework: &reg.framework,
                    methods,
                    route,
                    target: Target::Function(fi, i),
                    location: d.span,
                });
            }
        }
        // Class decorators register handler classes (`@routes.view("/x")`).
        for (ci, c) in file.classes.iter().enumerate() {
            let scope = self.ix.scope_of_function(fi, &c.qualname);
            for d in &c.decorators {
                let Some(Some((name, ri))) = decorated.next() else {
                    continue;
                };
                let (name, ri) = (name.as_str(), *ri);
                let reg = &self.cat.data.decorator[ri];
                let key = self.receiver_key(fi, scope, &d.text);
                let methods = self.methods(reg, name, &d.args);
                let route = self.route_spec(reg, name, &d.args, fi, scope, Some(&c.name));
                self.registered.push(Registered {
                    fi,
                    key,
                    kind: reg.kind,
                    framework: &reg.framework,
                    methods,
                    route,
                    target: Target::Class(fi, ci),
                    location: d.span,
                });
            }
        }
    }

    /// The language of file `fi`: catalogue patterns are per language.
    fn lang(&self, fi: usize) -> crate::facts::Language {
        self.ix.project.language(fi)
    }

    fn calls(&mut self, fi: usize, matched: &[CallMatch]) {
        let file = self.ix.file(fi);
        self.chain_parts_of(fi);
        for m in matched {
            let call = &file.calls[m.call];
            if let Some((name, ri)) = &m.registration {
                self.call_registration(fi, call, name, &self.cat.data.call[*ri]);
            }
            let Some(r) = m.name.as_deref().or(call.resolved.as_name()) else {
                continue;
            };
            // A decorator applied by hand: `router.post("/x")(handler)`.
            if let Some(ri) = m.decorator {
                self.applied_decorator(fi, call, r, &self.cat.data.decorator[ri]);
            }
            if let Some(li) = m.route_list {
                self.route_list(fi, call, li);
            }
            if let Some(ii) = m.include {
                self.include(fi, call, ii);
            }
            for &ei in &m.exposure {
                self.exposure(fi, call, ei);
            }
        }
    }

    fn call_registration(&mut self, fi: usize, call: &Call, name: &str, reg: &'a Registration) {
        let scope = call.scope.as_deref();
        let Some(harg) = reg.handler.as_ref().and_then(|h| find_arg(&call.args, h)) else {
            return;
        };
        let key = self.receiver_key(fi, scope, &call.callee);
        // Django `path("api/", include("app.urls"))` mounts, it does not route.
        if let Some(inner) = self.ix.call_at(fi, harg)
            && let Some(ir) = inner.resolved.as_name()
            && let Some(ii) = self.cat.include.first(self.lang(fi), ir)
            && self.cat.data.include[ii].nested
        {
            let inc = &self.cat.data.include[ii];
            let prefix = reg
                .route
                .as_ref()
                .and_then(|x| find_arg(&call.args, x))
                .map(|a| self.route_text(fi, scope, &a.value));
            if let Some(t) = find_arg(&inner.args, &inc.target) {
                for child in self.include_targets(fi, scope, t) {
                    let mount = Mount {
                        parent: key.clone(),
                        prefix: prefix.clone(),
                        replaces: inc.replaces_prefix,
                    };
                    self.mounts.push((child, mount));
                }
            }
            return;
        }
        let Some(target) = self.handler_target(fi, scope, harg, 0, Closures::of(reg)) else {
            return;
        };
        let target_name = self.target_name(target);
        // In a chain (`btn.click(f).then(g)`) the call starts at the chain's
        // head; the handler argument says which link this is.
        let location = if call.callee.contains('(') {
            harg.span
        } else {
            call.span
        };
        let methods = self.methods(reg, name, &call.args);
        let mut route = self.route_spec(
            reg,
            name,
            &call.args,
            fi,
            scope,
            target_name.map(|n| n.as_str()),
        );
        let mut key = key;
        let mut methods = methods;
        // The call whose span holds the parts of a chained route.
        let mut region = call;
        let outer;
        if let Some(ri) = &reg.route_in {
            route = RouteSpec::None;
            if let Some(found) = self.enclosing_call(fi, call, &ri.methods) {
                outer = found;
                key = self.receiver_key(fi, scope, &outer.callee);
                region = &outer;
                if let Some(a) = find_arg(&outer.args, &ri.route)
                    && !a.span.contains(&call.span)
                {
                    route = RouteSpec::Path(self.route_text(fi, scope, &a.value));
                }
            }
        }
        if reg.route_chain {
            let (path, chain_methods) = self.chain_route(fi, scope, region, harg.span);
            if matches!(route, RouteSpec::None)
                && let Some(p) = path
            {
                route = RouteSpec::Path(p);
            }
            if !chain_methods.is_empty() {
                methods = chain_methods;
            }
        }
        if let Some(pre) = self.chain_prefix(fi, scope, call.span) {
            route = match route {
                RouteSpec::Path(p) => RouteSpec::Path(prefix::join(&pre, &p)),
                RouteSpec::None => RouteSpec::Path(pre),
                fixed => fixed,
            };
        }
        self.registered.push(Registered {
            fi,
            key,
            kind: reg.kind,
            framework: &reg.framework,
            methods,
            route,
            target,
            location,
        });
    }

    /// The current file's calls that are route chain parts, and where the
    /// chains that prefix calls begin end.
    fn chain_parts_of(&mut self, fi: usize) {
        self.chain_here.clear();
        self.chain_ends.clear();
        self.inline_mounts.clear();
        if self.cat.data.chain.is_empty() {
            return;
        }
        let file = self.ix.file(fi);
        let mut prefixes = false;
        for (ci, c) in file.calls.iter().enumerate() {
            if let Some(r) = c.resolved.as_name()
                && let Some(e) = self.cat.chain.first(self.lang(fi), r)
            {
                prefixes |= self.cat.data.chain[e].part == ChainPart::Prefix;
                self.chain_here.push((ci, e));
            }
        }
        if prefixes {
            for c in &file.calls {
                let end = self.chain_ends.entry(c.span.start_byte).or_default();
                *end = (*end).max(c.span.end_byte);
            }
        }
    }

    /// The path and methods that chain parts inside `region`, before the
    /// handler, give: actix `web::resource("/x").route(...)`, warp
    /// `path!("a" / "b").and(warp::post()).and_then(h)`. Parts in source order.
    fn chain_route(
        &self,
        fi: usize,
        scope: Option<&str>,
        region: &Call,
        handler: Span,
    ) -> (Option<String>, Vec<String>) {
        let file = self.ix.file(fi);
        let mut path: Option<String> = None;
        let mut methods = Vec::new();
        for &(ci, e) in &self.chain_here {
            let c = &file.calls[ci];
            if !region.span.contains(&c.span) || c.span.end_byte > handler.start_byte {
                continue;
            }
            let entry = &self.cat.data.chain[e];
            match entry.part {
                ChainPart::Path => {
                    if let Some(a) = entry.arg.as_ref().and_then(|r| find_arg(&c.args, r)) {
                        let t = self.route_text(fi, scope, &a.value);
                        path = Some(match path {
                            Some(p) => prefix::join(&p, &t),
                            None => t,
                        });
                    }
                }
                ChainPart::Method => {
                    if let Some(r) = c.resolved.as_name() {
                        methods.push(qname::last_name(r).to_ascii_uppercase());
                    }
                }
                ChainPart::Prefix => {}
            }
        }
        methods.sort();
        methods.dedup();
        (path, methods)
    }

    /// The prefix of what is registered at `at`: every prefix part (actix
    /// `web::scope("/v1")`) before it that begins a method chain reaching
    /// over it, and every inline router mounted under a prefix
    /// (`.nest("/v1", Route::new().at(...))`) around it; outermost first.
    /// `None` when there is none.
    fn chain_prefix(&self, fi: usize, scope: Option<&str>, at: Span) -> Option<String> {
        let file = self.ix.file(fi);
        let mut found: Vec<(u32, String)> = self
            .inline_mounts
            .iter()
            .filter(|(s, _)| s.contains(&at))
            .map(|(s, p)| (s.start_byte, p.clone()))
            .collect();
        for &(ci, e) in &self.chain_here {
            let entry = &self.cat.data.chain[e];
            if entry.part != ChainPart::Prefix {
                continue;
            }
            let c = &file.calls[ci];
            let chain_end = self
                .chain_ends
                .get(&c.span.start_byte)
                .copied()
                .unwrap_or(0);
            if c.span.end_byte > at.start_byte || chain_end < at.end_byte {
                continue;
            }
            if let Some(a) = entry.arg.as_ref().and_then(|r| find_arg(&c.args, r)) {
                found.push((c.span.start_byte, self.route_text(fi, scope, &a.value)));
            }
        }
        found.sort_by_key(|(start, _)| *start);
        let mut out: Option<String> = None;
        for (_, t) in found {
            out = Some(match out {
                Some(p) => prefix::join(&p, &t),
                None => t,
            });
        }
        out
    }

    /// `router.post("/x", summary="...")(handler)`: the call of a decorator
    /// factory's result registers its first argument like `@router.post("/x")`
    /// on `def handler`. The route and methods come from the inner call (the
    /// callee), the handler from the outer one.
    fn applied_decorator(&mut self, fi: usize, call: &Call, name: &str, reg: &'a Registration) {
        let scope = call.scope.as_deref();
        let Some(harg) = call.args.first().filter(|a| a.keyword.is_none()) else {
            return;
        };
        let Some(inner) = self
            .ix
            .call_spanning(fi, call.span.start_byte, call.callee_end)
        else {
            return;
        };
        let Some(target) = self.handler_target(fi, scope, harg, 0, Closures::of(reg)) else {
            return;
        };
        let target_name = self.target_name(target);
        let key = self.receiver_key(fi, scope, &inner.callee);
        let methods = self.methods(reg, name, &inner.args);
        let route = self.route_spec(
            reg,
            name,
            &inner.args,
            fi,
            scope,
            target_name.map(|n| n.as_str()),
        );
        self.registered.push(Registered {
            fi,
            key,
            kind: reg.kind,
            framework: &reg.framework,
            methods,
            route,
            target,
            location: call.span,
        });
    }

    /// The call one of whose arguments holds `call`, nearest first, when
    /// its last name is one of `methods` (`.route` around `post(h)`).
    fn enclosing_call(&self, fi: usize, call: &Call, methods: &[String]) -> Option<Item<'a, Call>> {
        let file = self.ix.file(fi);
        let (_, ci) = file
            .calls
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.span.start_byte <= call.span.start_byte && c.span.contains(&call.span)
            })
            .filter(|(_, c)| methods.iter().any(|m| m == c.method()))
            .filter_map(|(ci, c)| {
                let a = c.args.iter().find(|a| a.span.contains(&call.span))?;
                Some((a.span.end_byte - a.span.start_byte, ci))
            })
            .min_by_key(|(len, _)| *len)?;
        Some(file.call(ci))
    }

    /// `tornado.web.Application([(r"/", MainHandler), ...])`.
    fn route_list(&mut self, fi: usize, call: &Call, li: usize) {
        let rl = &self.cat.data.route_list[li];
        let scope = call.scope.as_deref();
        let Some(arg) = find_arg(&call.args, &rl.list) else {
            return;
        };
        // The list is literal in the call, or bound to a name first.
        let bound;
        let (lfi, lscope, items, area) = match &arg.value {
            Value::List(items) => (fi, scope, items, arg.span),
            Value::Name { text, .. } => {
                let Some(found) = self
                    .ix
                    .var_keys(fi, scope, text)
                    .into_iter()
                    .find_map(|k| self.ix.binding(&k))
                else {
                    return;
                };
                let bfi;
                (bfi, bound) = found;
                let Value::List(items) = &bound.value else {
                    return;
                };
                (bfi, bound.scope.as_deref(), items, bound.span)
            }
            _ => return,
        };
        let key = self.receiver_key(fi, scope, &call.callee);
        for item in items {
            let Value::List(tuple) = item else {
                continue;
            };
            let (Some(rv), Some(Value::Name { text, resolved })) =
                (tuple.get(rl.route_index), tuple.get(rl.handler_index))
            else {
                continue;
            };
            let Some(target) = self.name_target(lfi, lscope, text, resolved.as_name()) else {
                continue;
            };
            let route = self.route_text(lfi, lscope, rv);
            let location = rv
                .as_str()
                .and_then(|s| self.ix.string_in(lfi, area.start_byte, area.end_byte, s))
                .unwrap_or(area);
            self.registered.push(Registered {
                fi: lfi,
                key: key.clone(),
                kind: rl.kind,
                framework: &rl.framework,
                methods: Vec::new(),
                route: RouteSpec::Path(route),
                target,
                location,
            });
        }
    }

    fn include(&mut self, fi: usize, call: &Call, ii: usize) {
        let inc = &self.cat.data.include[ii];
        if inc.nested {
            return;
        }
        let scope = call.scope.as_deref();
        let Some(t) = find_arg(&call.args, &inc.target) else {
            return;
        };
        let parent = self.receiver_key(fi, scope, &call.callee);
        let prefix = inc
            .prefix
            .as_ref()
            .and_then(|p| find_arg(&call.args, p))
            .map(|a| self.route_text(fi, scope, &a.value));
        if inc.functions {
            // Single handler functions: their routes take the prefix.
            let prefix = match (self.chain_prefix(fi, scope, t.span), prefix) {
                (Some(a), Some(b)) => prefix::join(&a, &b),
                (a, b) => match a.or(b) {
                    Some(p) => p,
                    None => return,
                },
            };
            // Kept and capped in file order by `Finder::run`.
            for (f, i) in self.mounted_functions(fi, scope, t) {
                self.fn_mounts.push(((f, i), prefix.clone()));
            }
            return;
        }
        let children = self.include_targets(fi, scope, t);
        // A router written inline (`.nest("/v1", Router::new().route(...))`):
        // what is registered inside the argument takes the prefix.
        if children.is_empty()
            && matches!(t.value, Value::Expr(_))
            && let Some(p) = &prefix
        {
            self.inline_mounts.push((t.span, p.clone()));
        }
        for child in children {
            // A router of the same module mounted into it would prefix
            // itself without end.
            if child == parent {
                continue;
            }
            let mount = Mount {
                parent: parent.clone(),
                prefix: prefix.clone(),
                replaces: inc.replaces_prefix,
            };
            self.mounts.push((child, mount));
        }
    }

    /// The project functions an include of single handlers names: the
    /// function itself, or the functions a list macro lists (`routes![a, b]`).
    fn mounted_functions(&self, fi: usize, scope: Option<&str>, arg: &Arg) -> Vec<(usize, usize)> {
        let function = |v: &Value| match v {
            Value::Name { text, resolved } => {
                match self.name_target(fi, scope, text, resolved.as_name()) {
                    Some(Target::Function(f, i)) => Some((f, i)),
                    _ => None,
                }
            }
            _ => None,
        };
        match &arg.value {
            Value::Name { .. } => function(&arg.value).into_iter().collect(),
            // `routes![a, b]`: a list.
            Value::List(items) => items.iter().filter_map(function).collect(),
            Value::Expr(_) => self
                .ix
                .call_at(fi, arg)
                .map(|c| c.args.iter().filter_map(|a| function(&a.value)).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// What an include mounts: a router variable, or a URL module by name.
    fn include_targets(&self, fi: usize, scope: Option<&str>, arg: &Arg) -> Vec<Key> {
        match &arg.value {
            Value::Str(s) => self.ix.follow(s).into_iter().collect(),
            // A project function that registers routes (actix
            // `configure(api::config)`): the routes of its module.
            Value::Name { text, resolved }
                if matches!(
                    self.name_target(fi, scope, text, resolved.as_name()),
                    Some(Target::Function(..))
                ) =>
            {
                match self.name_target(fi, scope, text, resolved.as_name()) {
                    Some(Target::Function(f, _)) => {
                        vec![Key::Module(self.ix.module(f).to_string())]
                    }
                    _ => Vec::new(),
                }
            }
            Value::Name { text, .. } => self.ix.var_keys(fi, scope, text),
            // A router a project function builds (`nest("/api", api::routes())`):
            // the routes registered in that function's module.
            Value::Expr(_) => self
                .ix
                .call_at(fi, arg)
                .and_then(|c| c.resolved.as_name())
                .and_then(|r| match self.ix.symbol(r) {
                    Some(Symbol::Function(f, _)) => {
                        Some(Key::Module(self.ix.module(f).to_string()))
                    }
                    _ => None,
                })
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn exposure(&mut self, fi: usize, call: &Call, ei: usize) {
        let ex = &self.cat.data.exposure[ei];
        let Some(arg) = call
            .args
            .iter()
            .find(|a| a.keyword.as_deref() == Some(ex.keyword.as_str()))
        else {
            return;
        };
        let literal = match &arg.value {
            Value::Bool(true) => "True".to_string(),
            Value::Bool(false) => "False".to_string(),
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            _ => return,
        };
        if !ex.values.contains(&literal) {
            return;
        }
        let key = self.receiver_key(fi, call.scope.as_deref(), &call.callee);
        self.exposure
            .push((ex.framework.as_str(), key.module().to_string(), &ex.note));
    }

    /// Routers created with a prefix of their own. `matched`: the
    /// assignments that make a router, with its entry (`router_matches`).
    fn routers(&mut self, fi: usize, matched: &[(usize, usize)]) {
        let file = self.ix.file(fi);
        for &(ai, ri) in matched {
            let a = &file.assignments[ai];
            if a.target.contains('.') {
                continue;
            }
            let router = &self.cat.data.router[ri];
            let prefix = a
                .value_args
                .as_ref()
                .and_then(|args| find_arg(args, &router.prefix))
                .map(|x| self.route_text(fi, a.scope.as_deref(), &x.value));
            if let Some(p) = prefix {
                let key = Key::Var(
                    file.module.clone(),
                    a.scope.map(String::from),
                    a.target.to_string(),
                );
                self.own.push((key, p));
            }
        }
    }

    /// Streamlit-like scripts: the script entry's index when the module is one.
    fn scripts(&mut self, fi: usize) -> Option<usize> {
        let file = self.ix.file(fi);
        // The index of the import in file `f` that brings the framework in.
        let script_import = |f: usize| {
            self.ix
                .file(f)
                .imports
                .iter()
                .enumerate()
                .find_map(|(k, i)| {
                    self.cat
                        .script
                        .first(self.lang(f), &i.target)
                        .map(|s| (k, s))
                })
        };
        // Directly, or through a star import of a project module that
        // imports the framework (`from app.common import *` gives `st`).
        let direct = script_import(fi).map(|(k, s)| (&file.imports[k], s));
        let (imp, si) = direct.or_else(|| {
            file.imports
                .iter()
                .filter(|i| i.local == "*")
                .find_map(|i| match self.ix.follow(&i.target)? {
                    Key::Module(m) => {
                        let &f = self.ix.project.modules.get(&m)?;
                        script_import(f).map(|(_, s)| (i, s))
                    }
                    Key::Var(..) => None,
                })
        })?;
        // A helper module of a Streamlit app (imported, only definitions) is
        // not a page of its own.
        if self.ix.is_imported(fi)
            && file.main_guards.is_empty()
            && self.first_statement_call(fi).is_none()
        {
            return None;
        }
        self.out.push((
            fi,
            EntryPoint {
                kind: EntryKind::Script,
                framework: self.cat.data.script[si].framework.clone(),
                methods: Vec::new(),
                route: None,
                handler: Handler::Module {
                    module: file.module.clone(),
                },
                location: Location {
                    path: file.path.as_str().into(),
                    span: imp.span,
                },
                public: true,
                exposure: Vec::new(),
            },
        ));
        Some(si)
    }

    /// A module run as a script with no `__main__` guard: nobody imports it
    /// and its module level has a call statement that is not set-up
    /// (`print(...)`, `pipe(prompt)`, `demo.launch()`).
    fn module_script(&mut self, fi: usize) {
        let file = self.ix.file(fi);
        if !file.main_guards.is_empty()
            || self.ix.is_imported(fi)
            || file.path == "__init__.py"
            || file.path.ends_with("/__init__.py")
            || self.cat.script_ignore.is_match(&file.path)
        {
            return;
        }
        let Some(span) = self.first_statement_call(fi) else {
            return;
        };
        self.out.push((
            fi,
            EntryPoint {
                kind: EntryKind::Cli,
                framework: "script".into(),
                methods: Vec::new(),
                route: None,
                handler: Handler::Module {
                    module: file.module.clone(),
                },
                location: Location {
                    path: file.path.as_str().into(),
                    span,
                },
                public: false,
                exposure: Vec::new(),
            },
        ));
    }

    /// The first module-level call that is a statement of its own (not
    /// inside an assignment, a class, a decorator or another call) and
    /// not a catalogued set-up call. One sweep over spans sorted by start,
    /// outer first, tracking the furthest end seen.
    fn first_statement_call(&self, fi: usize) -> Option<Span> {
        use std::cmp::Reverse;
        let file = self.ix.file(fi);
        let mut spans: Vec<(u32, Reverse<u32>, Option<usize>)> = Vec::new();
        for a in file.assignments.iter().filter(|a| a.scope.is_none()) {
            spans.push((a.span.start_byte, Reverse(a.span.end_byte), None));
        }
        for c in &file.classes {
            spans.push((c.span.start_byte, Reverse(c.span.end_byte), None));
        }
        let class_decorators = file.classes.iter().flat_map(|c| &c.decorators);
        for d in file
            .functions
            .iter()
            .flat_map(|f| &f.decorators)
            .chain(class_decorators)
        {
            spans.push((d.span.start_byte, Reverse(d.span.end_byte), None));
        }
        for (i, c) in file.calls.iter().enumerate() {
            if c.scope.is_none() {
                spans.push((c.span.start_byte, Reverse(c.span.end_byte), Some(i)));
            }
        }
        spans.sort_unstable();
        let mut reach = 0u32;
        for (_, Reverse(end), call) in spans {
            if let Some(i) = call
                && end > reach
            {
                let c = &file.calls[i];
                let setup = match c.resolved.as_name() {
                    Some(r) => self.cat.setup_call.first(self.lang(fi), r).is_some(),
                    None => self
                        .cat
                        .setup_call
                        .first(self.lang(fi), &c.callee)
                        .is_some(),
                };
                if !setup {
                    return Some(c.span);
                }
            }
            reach = reach.max(end);
        }
        None
    }

    /// `if __name__ == "__main__":` blocks: command lines, except in a
    /// module a script framework runs (`streamlit run page.py` runs the page
    /// as `__main__`), where the block is part of the served page.
    fn main_guards(&mut self, fi: usize, script: Option<usize>) {
        let file = self.ix.file(fi);
        let (kind, framework) = match script {
            Some(si) => (
                EntryKind::Script,
                self.cat.data.script[si].framework.as_str(),
            ),
            None => (EntryKind::Cli, "script"),
        };
        for span in &file.main_guards {
            self.out.push((
                fi,
                EntryPoint {
                    kind,
                    framework: framework.into(),
                    methods: Vec::new(),
                    route: None,
                    handler: Handler::MainBlock {
                        module: file.module.clone(),
                        span: *span,
                    },
                    location: Location {
                        path: file.path.as_str().into(),
                        span: *span,
                    },
                    public: script.is_some(),
                    exposure: Vec::new(),
                },
            ));
        }
    }

    // --- names -----------------------------------------------------------

    /// The router a decorator or callee hangs off (`chat_router` in
    /// `@chat_router.post()`); routes with no project receiver hang off
    /// their module (Django `path()`, aiohttp `web.get()`).
    fn receiver_key(&self, fi: usize, scope: Option<&str>, text: &str) -> Key {
        qname::callee(text)
            .rsplit_once('.')
            .and_then(|(recv, _)| self.ix.var_keys(fi, scope, recv).into_iter().next())
            .unwrap_or_else(|| Key::Module(self.ix.module(fi).to_string()))
    }

    /// The name of a handler target, for routes derived from it.
    fn target_name(&self, target: Target) -> Option<ustr::Ustr> {
        match target {
            Target::Function(f, i) => Some(self.ix.file(f).functions[i].name),
            Target::Class(f, i) => Some(self.ix.file(f).classes[i].name),
            Target::Closure(..) => None,
        }
    }

    /// The project function or class an argument names.
    fn handler_target(
        &self,
        fi: usize,
        scope: Option<&str>,
        arg: &Arg,
        depth: usize,
        closures: Closures,
    ) -> Option<Target> {
        match &arg.value {
            Value::Name { text, resolved } => self.name_target(fi, scope, text, resolved.as_name()),
            // A closure that hands the request to a project function
            // (`post(move |s, body| chat(s, body, models))`): that function.
            Value::Expr(_) if closures.handlers && arg.value.is_function() => {
                let file = self.ix.file(fi);
                let called = file.calls_in(arg.span.bytes()).find_map(|ci| {
                    let r = file.calls[ci].resolved.as_ref()?;
                    // A method of a typed parameter (`|State(reg): State<Registry>|
                    // reg.models()`): the project type's method.
                    let method = r
                        .instance_method()
                        .and_then(|(ty, m)| self.ix.symbol(&format!("{ty}.{m}")));
                    match self.ix.symbol(r.as_str()).or(method)? {
                        Symbol::Function(f, i) => Some(Target::Function(f, i)),
                        Symbol::Class(..) => None,
                    }
                });
                // Else the closure's own body is the handler.
                called.or_else(|| {
                    if !closures.bodies {
                        return None;
                    }
                    let mut closures = self.closures.borrow_mut();
                    closures.push((fi, scope.map(str::to_string), arg.span));
                    Some(Target::Closure(closures.len() - 1))
                })
            }
            Value::Expr(_) if depth < 4 => {
                let inner = self.ix.call_at(fi, arg)?;
                let r = inner.resolved.as_name()?;
                if self.cat.data.handler_wrappers.iter().any(|w| w == r) {
                    let first = inner.args.first().filter(|a| a.keyword.is_none())?;
                    return self.handler_target(fi, scope, first, depth + 1, closures);
                }
                // `fn=Predictor()`: an instance is called through `__call__`.
                if let Some(Symbol::Class(f, c)) = self.ix.symbol(r) {
                    return self.dunder_call(f, c);
                }
                let (head, method) = r.rsplit_once('.')?;
                if self.cat.data.class_view_methods.iter().any(|m| m == method)
                    && let Some(Symbol::Class(f, c)) = self.ix.symbol(head)
                {
                    return Some(Target::Class(f, c));
                }
                None
            }
            _ => None,
        }
    }

    /// The call operator (`__call__`) of a project class or of its nearest
    /// project base.
    fn dunder_call(&self, fi: usize, ci: usize) -> Option<Target> {
        let mut queue = VecDeque::from([(fi, ci)]);
        let mut seen = vec![(fi, ci)];
        while let Some((f, c)) = queue.pop_front() {
            let file = self.ix.file(f);
            let call_operator = crate::lang::semantics(file.language).call_operator?;
            if let Some(&m) = self
                .ix
                .methods_of(f, c)
                .iter()
                .find(|&&m| file.functions[m].name == call_operator)
            {
                return Some(Target::Function(f, m));
            }
            for base in &file.classes[c].bases {
                if let Some(Symbol::Class(bf, bc)) = self.ix.symbol(base.as_str())
                    && !seen.contains(&(bf, bc))
                    && seen.len() < 4 * MAX_HOPS
                {
                    seen.push((bf, bc));
                    queue.push_back((bf, bc));
                }
            }
        }
        None
    }

    fn name_target(
        &self,
        fi: usize,
        scope: Option<&str>,
        text: &str,
        resolved: Option<&str>,
    ) -> Option<Target> {
        if let Some(r) = resolved {
            if let Some(s) = self.ix.symbol(r).or_else(|| self.through_glob(r)) {
                return Some(s.into());
            }
            // A variable holding an instance of a project class.
            if let Some(class) = qname::instance_of(r)
                && let Some(Symbol::Class(f, c)) = self.ix.symbol(class)
            {
                return self.dunder_call(f, c);
            }
        }
        self.ix
            .global_paths(fi, scope, text)
            .iter()
            .find_map(|p| self.ix.symbol(p))
            .or_else(|| {
                // A name a glob import brings (`use crate::handlers::*;`).
                self.ix
                    .file(fi)
                    .imports
                    .iter()
                    .filter(|i| i.local == "*")
                    .find_map(|i| self.ix.symbol(&format!("{}.{text}", i.target)))
            })
            .map(Target::from)
    }

    /// `module.name` where the module re-exports `name` with a glob
    /// (`pub use get_count::*;` in `episodes/internal/mod.rs`): one level.
    fn through_glob(&self, path: &str) -> Option<Symbol> {
        let (module, name) = path.rsplit_once('.')?;
        let &mf = self.ix.project.modules.get(module)?;
        self.ix
            .file(mf)
            .imports
            .iter()
            .filter(|i| i.local == "*")
            .find_map(|i| self.ix.symbol(&format!("{}.{name}", i.target)))
    }

    /// `ROUTE.path` where `ROUTE` is a constant made by a constructor whose
    /// parameter has the field's name (`const CHAT: RouteInfo =
    /// RouteInfo::new("/v1/chat", "POST")` with `fn new(path: &str, ...)`):
    /// that argument, when it is a literal.
    fn constructed_field(&self, fi: usize, scope: Option<&str>, text: &str) -> Option<String> {
        let (head, field) = text.split_once('.')?;
        if field.contains('.') {
            return None;
        }
        let key = self.ix.var_keys(fi, scope, head).into_iter().next()?;
        let (_, a) = self.ix.binding(&key)?;
        let made_by = a.value_call.as_ref()?.as_str().strip_suffix("()")?;
        let Some(Symbol::Function(f, i)) = self.ix.symbol(made_by) else {
            return None;
        };
        let at = self.ix.file(f).functions[i]
            .params
            .iter()
            .filter(|p| p.as_str() != "self")
            .position(|p| p.as_str() == field)?;
        let arg = a.value_args.as_ref()?.get(at)?;
        arg.value.as_str().map(str::to_string)
    }

    /// A route argument as text: literals as they are, constants through
    /// their binding, anything else as `{expression}`.
    fn route_text(&self, fi: usize, scope: Option<&str>, v: &Value) -> String {
        match v {
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Name { text, .. } => {
                if let Some(t) = self.constructed_field(fi, scope, text) {
                    return t;
                }
                let keys = self.ix.var_keys(fi, scope, text);
                let exact = !text.contains('.')
                    || keys.first().is_some_and(
                        |k| matches!(k, Key::Var(_, _, n) if text.ends_with(n.as_str())),
                    );
                if exact {
                    for k in &keys {
                        if let Some(c) = self.ix.constant(k) {
                            return c.to_string();
                        }
                    }
                    // Show what an alias stands for (`prefix = settings.api_prefix`).
                    if let Some((_, a)) = keys.first().and_then(|k| self.ix.binding(k))
                        && let Value::Name { text: inner, .. } = &a.value
                    {
                        return format!("{{{inner}}}");
                    }
                }
                format!("{{{text}}}")
            }
            // Templates read best as route templates: f"/v1/{name}" → /v1/{name}.
            Value::Expr(e) => match &e.shape {
                Shape::Template(parts) => parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) => s.to_string(),
                        // A hole that reads one constant is that constant
                        // (`format!("{API}/chat")` with `const API: &str = "/v1"`).
                        Part::Hole { text, reads } => match reads.as_ref() {
                            [one] => self.constant_text(fi, scope, one),
                            _ => None,
                        }
                        .unwrap_or_else(|| text.to_string()),
                    })
                    .collect(),
                Shape::Binary(BinOp::Div, _) => match path_pieces(&e.shape) {
                    Some(p) => p,
                    None => format!("{{{}}}", e.text),
                },
                _ => format!("{{{}}}", e.text),
            },
            _ => "{?}".to_string(),
        }
    }

    /// The literal a name holds when it is a constant.
    fn constant_text(&self, fi: usize, scope: Option<&str>, name: &str) -> Option<String> {
        let v = Value::Name {
            text: name.into(),
            resolved: None,
        };
        let t = self.route_text(fi, scope, &v);
        (!t.starts_with('{')).then_some(t)
    }

    fn methods(&self, reg: &Registration, name: &str, args: &[Arg]) -> Vec<String> {
        let mut out: Vec<String> = match reg.methods_arg.as_ref().and_then(|r| find_arg(args, r)) {
            Some(a) => match &a.value {
                Value::Str(s) => vec![s.to_ascii_uppercase()],
                Value::List(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_ascii_uppercase))
                    .collect(),
                // Methods computed at run time: unknown.
                _ => Vec::new(),
            },
            None if reg.method_from_name => {
                let last = qname::last_name(name);
                vec![last.rsplit('_').next().unwrap_or(last).to_ascii_uppercase()]
            }
            None => reg.methods.iter().map(|m| m.to_ascii_uppercase()).collect(),
        };
        out.sort();
        out.dedup();
        out
    }

    fn route_spec(
        &self,
        reg: &Registration,
        name: &str,
        args: &[Arg],
        fi: usize,
        scope: Option<&str>,
        handler_name: Option<&str>,
    ) -> RouteSpec {
        let text = reg
            .route
            .as_ref()
            .and_then(|r| find_arg(args, r))
            .map(|a| self.route_text(fi, scope, &a.value))
            .or_else(|| match reg.route_from {
                Some(RouteFrom::Callee) => Some(callee_route(name)),
                Some(RouteFrom::Function) => handler_name.map(str::to_string),
                Some(RouteFrom::Command) => handler_name.map(|n| n.replace('_', "-")),
                None => reg.route.is_some().then(String::new),
            })
            .map(|t| match &reg.route_template {
                Some(template) => template.replacen("{}", &t, 1),
                None => t,
            });
        match (text, reg.kind) {
            (None, _) => RouteSpec::None,
            (Some(t), EntryKind::Http | EntryKind::Websocket) => RouteSpec::Path(t),
            (Some(t), _) => RouteSpec::Fixed(t),
        }
    }
}

impl<'a> Finder<'a> {
    // --- classes ---------------------------------------------------------

    /// The handler-class entry a project class falls under (nearest base
    /// first), with the project classes on the way: found for every class
    /// in the per-file phase ([`class_info_of`]).
    fn class_info(&self, fi: usize, ci: usize) -> ClassInfo {
        self.class_info[fi][ci].clone()
    }

    /// Handler methods of a class, inherited ones from project bases
    /// included (the nearest definition wins): (file, function, methods).
    fn handler_methods(
        &self,
        entry: usize,
        lineage: &[(usize, usize)],
    ) -> Vec<(usize, usize, Vec<String>)> {
        let handlers = &self.cat.data.class[entry].handlers;
        let mut names = BTreeSet::new();
        let mut out = Vec::new();
        for &(f, c) in lineage {
            for &m in self.ix.methods_of(f, c) {
                let func = &self.ix.file(f).functions[m];
                let http = handlers.get(func.name.as_str()).or_else(|| {
                    // `*`: every public method (gRPC servicers).
                    (!func.name.starts_with('_'))
                        .then(|| handlers.get("*"))
                        .flatten()
                });
                if let Some(http) = http
                    && names.insert(func.name.as_str())
                {
                    out.push((f, m, http.clone()));
                }
            }
        }
        out
    }

    fn emit(&mut self, r: &Registered<'a>) {
        let routes: Vec<Option<String>> = match &r.route {
            RouteSpec::None => vec![None],
            RouteSpec::Fixed(t) => vec![Some(t.clone())],
            RouteSpec::Path(p) => {
                let mounted = match r.target {
                    Target::Function(f, i) => self.fn_mounts.get(&(f, i)).cloned(),
                    Target::Class(..) | Target::Closure(..) => None,
                };
                let paths: Vec<String> = match mounted {
                    Some(m) => m.iter().map(|m| prefix::join(m, p)).collect(),
                    None => vec![p.clone()],
                };
                let pres = self.prefixes.of(&r.key);
                pres.iter()
                    .flat_map(|pre| paths.iter().map(move |p| prefix::join(pre, p)))
                    .map(|x| Some(prefix::finish(&x)))
                    .collect()
            }
        };
        let location = Location {
            path: self.ix.project.path(r.fi).into(),
            span: r.location,
        };
        // (kind, methods, handler) per handler.
        let mut handlers: Vec<(EntryKind, Vec<String>, Handler)> = Vec::new();
        match r.target {
            Target::Function(f, i) => {
                handlers.push((r.kind, r.methods.clone(), self.function(f, i)))
            }
            Target::Closure(k) => {
                let (f, scope, span) = self.closures[k].clone();
                let handler = Handler::Closure {
                    module: self.ix.module(f).to_string(),
                    scope,
                    span,
                };
                handlers.push((r.kind, r.methods.clone(), handler));
            }
            Target::Class(f, c) => {
                let info = self.class_info(f, c);
                let found = match &info {
                    Some((e, lineage)) => self
                        .handler_methods(*e, lineage)
                        .into_iter()
                        .map(|(hf, hi, m)| (self.cat.data.class[*e].kind, m, self.function(hf, hi)))
                        .collect(),
                    None => Vec::new(),
                };
                if found.is_empty() {
                    // A view whose handlers live in library bases (a generic
                    // view): the class itself is the handler.
                    let class = &self.ix.file(f).classes[c];
                    handlers.push((
                        r.kind,
                        r.methods.clone(),
                        Handler::Function {
                            module: self.ix.module(f).to_string(),
                            qualname: class.qualname.to_string(),
                        },
                    ));
                } else {
                    handlers.extend(found);
                }
            }
        }
        for route in &routes {
            for (kind, methods, handler) in &handlers {
                self.out.push((
                    r.fi,
                    EntryPoint {
                        kind: *kind,
                        framework: r.framework.to_string(),
                        methods: methods.clone(),
                        route: route.clone(),
                        handler: handler.clone(),
                        location: location.clone(),
                        public: !kind.is_local(),
                        exposure: Vec::new(),
                    },
                ));
            }
        }
    }

    /// Classes whose instance a registration call hands to the framework
    /// (`add_ChatServicer_to_server(ChatService(model), server)`): their
    /// handler methods, whatever their bases. A class a base already makes
    /// a handler class is left to [`Self::unregistered_classes`].
    fn registered_instances(&mut self, registered: &mut BTreeSet<(usize, usize)>) {
        if self
            .cat
            .data
            .class
            .iter()
            .all(|c| c.registered_by.is_empty())
        {
            return;
        }
        let per_file = std::mem::take(&mut self.class_registrations);
        for found in per_file {
            for (e, (cf, cc)) in found {
                if registered.contains(&(cf, cc)) || self.class_info(cf, cc).is_some() {
                    continue;
                }
                registered.insert((cf, cc));
                for (f, m, methods) in self.handler_methods(e, &[(cf, cc)]) {
                    let ep = self.class_handler(e, cf, f, m, methods);
                    self.out.push((cf, ep));
                }
            }
        }
    }

    /// The entry point of handler method `m` of file `f`, for class entry
    /// `e`, placed in the class's file `cf`.
    fn class_handler(
        &self,
        e: usize,
        cf: usize,
        f: usize,
        m: usize,
        methods: Vec<String>,
    ) -> EntryPoint {
        let entry = &self.cat.data.class[e];
        EntryPoint {
            kind: entry.kind,
            framework: entry.framework.clone(),
            methods,
            route: entry.route.clone(),
            handler: self.function(f, m),
            location: Location {
                path: self.ix.project.path(cf).into(),
                span: self.ix.file(f).functions[m].name_span,
            },
            public: !entry.kind.is_local(),
            exposure: Vec::new(),
        }
    }

    /// Handler classes that need no registration (Tornado): their own
    /// handler methods, without a route unless a registration gave one.
    fn unregistered_classes(&mut self, registered: &BTreeSet<(usize, usize)>) {
        for fi in 0..self.class_info.len() {
            for ci in 0..self.class_info[fi].len() {
                if registered.contains(&(fi, ci)) {
                    continue;
                }
                let Some((e, _)) = self.class_info(fi, ci) else {
                    continue;
                };
                if self.cat.data.class[e].registered_only {
                    continue;
                }
                for (f, m, methods) in self.handler_methods(e, &[(fi, ci)]) {
                    let ep = self.class_handler(e, fi, f, m, methods);
                    self.out.push((fi, ep));
                }
            }
        }
    }

    fn function(&self, fi: usize, i: usize) -> Handler {
        Handler::Function {
            module: self.ix.module(fi).to_string(),
            qualname: self.ix.file(fi).functions[i].qualname.to_string(),
        }
    }
}

/// The argument a catalogue reference points at: by keyword, else by
/// position (unknowable after a `*args` splat).
fn find_arg<'v>(args: &'v [Arg], r: &ArgRef) -> Option<&'v Arg> {
    if let Some(k) = &r.keyword
        && let Some(a) = args
            .iter()
            .find(|a| a.keyword.as_deref() == Some(k.as_str()))
    {
        return Some(a);
    }
    let p = r.position?;
    let mut n = 0;
    for a in args {
        match a.keyword.as_deref() {
            None => {
                if n == p {
                    return Some(a);
                }
                n += 1;
            }
            Some("*") => return None,
            Some(_) => {}
        }
    }
    None
}

/// A route written as pieces divided by `/` (warp `path!("v1" / "chat" /
/// u32)`): literal pieces as they are, other pieces as `{name}`.
fn path_pieces(shape: &Shape) -> Option<String> {
    let mut pieces = Vec::new();
    let mut stack = vec![shape];
    while let Some(s) = stack.pop() {
        match s {
            Shape::Binary(BinOp::Div, pair) => {
                stack.push(&pair.1);
                stack.push(&pair.0);
            }
            Shape::Str(x) => pieces.push(x.to_string()),
            Shape::Name(n) => pieces.push(format!("{{{n}}}")),
            _ => return None,
        }
        if pieces.len() > 64 {
            return None;
        }
    }
    Some(pieces.join("/"))
}

/// A UI route from the registering callee, from its first class on:
/// `gradio.Button().click().then` → `Button.click.then`, `gradio.Interface`
/// → `Interface`.
fn callee_route(name: &str) -> String {
    let name = QName::new(name);
    let segs: Vec<Segment<'_>> = name.segments().collect();
    let start = segs
        .iter()
        .position(|s| s.is_instance() || s.name.starts_with(|c: char| c.is_ascii_uppercase()))
        .unwrap_or(segs.len().saturating_sub(1));
    segs[start..]
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(".")
}

/// The project class whose instance is a call's first positional argument:
/// made right there (`add_ChatServicer_to_server(ChatService(m), server)`)
/// or a name of that type.
pub(crate) fn registered_class(
    project: &Project,
    file: &crate::facts::FileFacts,
    call: &Call,
) -> Option<(usize, usize)> {
    let arg = call.args.iter().find(|a| a.keyword.is_none())?;
    let name = match &arg.value {
        Value::Name {
            resolved: Some(r), ..
        } => r.as_str().to_string(),
        _ => {
            let (a, b) = (arg.span.start_byte, arg.span.end_byte);
            let ci = file.calls_in(a..b).find(|&i| {
                file.calls[i].span.start_byte == a && file.calls[i].span.end_byte == b
            })?;
            file.calls[ci].resolved.as_ref()?.as_str().to_string()
        }
    };
    let class = name.strip_suffix("()").unwrap_or(&name);
    let class = project
        .canonical_text(class)
        .unwrap_or_else(|| class.to_string());
    match project.index.symbol(&class)? {
        crate::analysis::index::Symbol::Class(f, c) => Some((f, c)),
        crate::analysis::index::Symbol::Function(..) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callee_routes_start_at_the_class() {
        assert_eq!(
            callee_route("gradio.Button().click().then"),
            "Button.click.then"
        );
        assert_eq!(callee_route("gradio.Interface"), "Interface");
        assert_eq!(callee_route("gradio.on"), "on");
    }

    #[test]
    fn arguments_by_keyword_or_position() {
        let arg = |k: Option<&str>, v: &str| Arg {
            keyword: k.map(Into::into),
            value: Value::Str(v.into()),
            span: Span::default(),
        };
        let args = vec![arg(None, "a"), arg(Some("x"), "b"), arg(None, "c")];
        let r = |p: Option<usize>, k: Option<&str>| ArgRef {
            position: p,
            keyword: k.map(Into::into),
        };
        assert_eq!(
            find_arg(&args, &r(Some(1), None)).unwrap().value.as_str(),
            Some("c")
        );
        assert_eq!(
            find_arg(&args, &r(Some(5), Some("x")))
                .unwrap()
                .value
                .as_str(),
            Some("b")
        );
        assert!(find_arg(&args, &r(Some(2), None)).is_none());
        let splat = vec![arg(Some("*"), "xs"), arg(None, "a")];
        assert!(find_arg(&splat, &r(Some(0), None)).is_none());
    }
}
