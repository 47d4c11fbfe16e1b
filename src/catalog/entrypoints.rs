//! The entry-point catalogue: how web, UI and command-line frameworks register
//! the code that handles outside input. `entrypoints.toml` holds the built-in
//! knowledge; users extend it from `[catalog.entrypoints]`. Every pattern
//! matches a *resolved* name (see the module docs of `catalog`).

use std::collections::BTreeMap;

use super::lazy_set::LazyGlobSet;
use globset::GlobSetBuilder;
use serde::{Deserialize, Serialize};

use super::glob_index::FirstMatch;
use super::{CatalogError, compile_pattern};
use crate::facts::Language;

/// What kind of outside input an entry point takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// An HTTP route.
    Http,
    /// A websocket route.
    Websocket,
    /// A handler of a web UI (Gradio `Interface`, `ChatInterface`, Blocks event listeners).
    Ui,
    /// A Streamlit script: its module-level code runs on every interaction.
    Script,
    /// A command-line entry point (`__main__` block, click/typer command). Local, not a service.
    Cli,
    /// A handler of a desktop UI (a tkinter `command=`, a Qt signal
    /// connection). Local, not a service.
    Desktop,
}

impl EntryKind {
    /// Runs on the user's own machine (a command line, a desktop window):
    /// nobody else reaches it, so service duties do not attach.
    pub fn is_local(self) -> bool {
        matches!(self, EntryKind::Cli | EntryKind::Desktop)
    }
}

/// Where an argument sits: its positional index, its keyword, or both
/// (`{ position = 0, keyword = "path" }` accepts either spelling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgRef {
    pub position: Option<usize>,
    pub keyword: Option<String>,
}

/// Where a route comes from when no argument gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteFrom {
    /// The registering callee from its first class on: `Button.click`, `Interface`.
    Callee,
    /// The handler function's name as written (`fire.Fire(main)` → `main`).
    Function,
    /// The handler function's name with `_` → `-` (click and typer command names).
    Command,
}

/// A registration by decorator (`@app.post("/x")`, the decorated function is
/// the handler) or by call (`add_url_rule("/x", view_func=f)`, an argument
/// names the handler).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    /// `fastapi`, `flask`, `django`, ... (copied to the entry point).
    pub framework: String,
    pub kind: EntryKind,
    /// Resolved decorator (`fastapi.FastAPI().post()`) or callee
    /// (`flask.Flask().add_url_rule`) patterns.
    pub patterns: Vec<String>,
    /// The literal route argument (path, rule, command name).
    pub route: Option<ArgRef>,
    /// The route when `route` is absent or not given in the call.
    pub route_from: Option<RouteFrom>,
    /// The served path around the route argument, `{}` standing for it
    /// (PyTriton serves `model_name` at `/v2/models/{}/infer`).
    pub route_template: Option<String>,
    /// HTTP methods when nothing else says (`["GET"]` for `route()`).
    #[serde(default)]
    pub methods: Vec<String>,
    /// The method is the last `_`-separated part of the decorator or callee
    /// name: `.post()` → `POST`, `add_get` → `GET`.
    #[serde(default)]
    pub method_from_name: bool,
    /// The argument that lists the methods (`methods=["GET", "POST"]`) or
    /// names one (`add_route("POST", ...)`).
    pub methods_arg: Option<ArgRef>,
    /// Calls only: the argument that names the handler.
    pub handler: Option<ArgRef>,
    /// Calls only: the route is an argument of the call this call is an
    /// argument of (axum `.route("/x", post(h))`: `post(h)` names the
    /// handler, `.route` the path), which also names the router.
    pub route_in: Option<RouteIn>,
    /// Calls only: a closure handler stands for the first project
    /// function it calls (`post(move |s, body| chat(s, body, models))`).
    #[serde(default)]
    pub closure_handlers: bool,
    /// Calls only, with `closure_handlers`: a closure that calls no project
    /// function is a handler itself (`Handler::Closure`), its body the code
    /// the route runs (axum `get(|| async { ... })`).
    #[serde(default)]
    pub closure_bodies: bool,
    /// Calls only: the path and methods may come from `[[entrypoints.chain]]`
    /// parts earlier in the call's method chain (actix
    /// `web::resource("/x").route(...)`, warp `path!("a").and(post())`).
    #[serde(default)]
    pub route_chain: bool,
}

/// What a call in a method chain adds to the routes registered further
/// along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChainPart {
    /// A prefix of every route registered further along (actix `web::scope`).
    Prefix,
    /// The path (or a piece of it) of a `route_chain` registration.
    Path,
    /// The method, from the call's last name (warp `post()`).
    Method,
}

/// A call that is part of a route built as a method chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    /// Resolved-callee patterns.
    pub patterns: Vec<String>,
    pub part: ChainPart,
    /// The argument with the prefix or path.
    pub arg: Option<ArgRef>,
}

/// Where a registration's route is when the call around it holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteIn {
    /// Last names of the calls that hold the route (`route`).
    pub methods: Vec<String>,
    /// The route argument of that call.
    pub route: ArgRef,
}

/// A literal list of `(route, handler, ...)` tuples passed to a call
/// (`tornado.web.Application([(r"/", MainHandler)])`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteList {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    pub framework: String,
    pub kind: EntryKind,
    /// Resolved-callee patterns.
    pub patterns: Vec<String>,
    /// The list argument (a literal list, or a name bound to one).
    pub list: ArgRef,
    /// Index of the route and of the handler inside each tuple.
    pub route_index: usize,
    pub handler_index: usize,
}

/// Classes whose methods are handlers once the class is a (transitive)
/// subclass of a framework base (`tornado.web.RequestHandler`), or has a
/// name the framework looks for (Triton's `TritonPythonModel`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlerClass {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    pub framework: String,
    pub kind: EntryKind,
    /// Resolved base-class patterns.
    #[serde(default)]
    pub bases: Vec<String>,
    /// Patterns over the class's own name, for frameworks that find the
    /// class by name rather than by base.
    #[serde(default)]
    pub names: Vec<String>,
    /// Handler method name → HTTP methods it serves (empty when not HTTP).
    /// `"*"` stands for every public method (gRPC servicers).
    pub handlers: BTreeMap<String, Vec<String>>,
    /// The route of unregistered handlers when the framework fixes it
    /// (Cog serves `predict` at `/predictions`).
    pub route: Option<String>,
    /// Only an entry point when a registration names the class (Flask
    /// `MethodView`, Django views); otherwise every subclass is one (Tornado).
    #[serde(default)]
    pub registered_only: bool,
    /// Calls that register an instance of a class, given first, as such a
    /// handler whatever its bases (`add_ChatServicer_to_server(Svc(), server)`).
    #[serde(default)]
    pub registered_by: Vec<String>,
}

/// A call that mounts a router, blueprint, sub-application or URL module
/// under a prefix (`app.include_router(r, prefix="/api")`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Include {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    /// Resolved-callee patterns.
    pub patterns: Vec<String>,
    /// The included router (a variable, `module.variable`, a module name string).
    pub target: ArgRef,
    /// The prefix argument of this call.
    pub prefix: Option<ArgRef>,
    /// The include prefix replaces the router's own (Flask `url_prefix`)
    /// instead of going in front of it (FastAPI `prefix`).
    #[serde(default)]
    pub replaces_prefix: bool,
    /// The call is the handler argument of a registration whose route is the
    /// prefix: Django `path("api/", include("app.urls"))`.
    #[serde(default)]
    pub nested: bool,
    /// The target names single handler functions, not a router (rocket
    /// `mount("/v1", routes![a, b])`, actix `.service(f)` in a scope):
    /// their routes take the prefix.
    #[serde(default)]
    pub functions: bool,
}

/// Objects created with a route prefix of their own (`APIRouter(prefix="/v1")`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Router {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    /// Patterns over the variable's type (`fastapi.APIRouter()`).
    pub patterns: Vec<String>,
    /// The constructor argument holding the prefix.
    pub prefix: ArgRef,
}

/// Modules that are entry points because they import a framework (Streamlit).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    pub framework: String,
    /// Patterns over import targets.
    pub imports: Vec<String>,
}

/// A call argument that makes an app's handlers reachable beyond the host
/// (`demo.launch(share=True)`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exposure {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    /// The framework whose handlers are exposed.
    pub framework: String,
    /// Resolved-callee patterns.
    pub patterns: Vec<String>,
    pub keyword: String,
    /// Literal values that expose (`True`, `0.0.0.0`), as Python spells them.
    pub values: Vec<String>,
    /// The note added to the handlers' `exposure`.
    pub note: String,
}

/// A decorator that turns the function into an object of a framework type:
/// `@click.group()` makes `cli` a `click.Group()`, so `@cli.command()` resolves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecoratedType {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    /// Resolved-decorator patterns.
    pub patterns: Vec<String>,
    /// The resolved type the decorated function stands for.
    #[serde(rename = "type")]
    pub type_: String,
}

/// Modules run as scripts without a `__main__` guard: no project module
/// imports them, and their module level does work — a call statement that
/// is not a set-up call (`print(...)`, `pipe.fuse_lora()`, `demo.launch()`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleScript {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    /// Module-level calls that do not make a script (`logging.basicConfig`):
    /// patterns over the resolved callee, or the callee text when unresolved.
    #[serde(default)]
    pub setup_calls: Vec<String>,
    /// Repo-relative path globs of modules that are never such scripts
    /// (`**/setup.py`, `**/conftest.py`).
    #[serde(default)]
    pub ignore_paths: Vec<String>,
}

/// UI component types (`gradio.Button()`): listener calls on a dict, list
/// or module global the project fills with them register handlers too
/// (`shared.gradio["go"].click(f)`, `get_ui_component("x").change(f)`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// The language whose names the patterns match (default `python`).
    #[serde(default)]
    pub language: Language,
    pub id: String,
    /// Patterns over the resolved type of a stored value (`gradio.Button()`)
    /// or over the library bases of a project subclass (`gradio.events.Changeable`).
    pub patterns: Vec<String>,
}

/// `[entrypoints]` in the catalogue files, `[catalog.entrypoints]` in config.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryPointData {
    #[serde(default)]
    pub decorator: Vec<Registration>,
    #[serde(default)]
    pub call: Vec<Registration>,
    #[serde(default)]
    pub route_list: Vec<RouteList>,
    #[serde(default, rename = "class")]
    pub class: Vec<HandlerClass>,
    #[serde(default)]
    pub include: Vec<Include>,
    #[serde(default)]
    pub chain: Vec<Chain>,
    #[serde(default)]
    pub router: Vec<Router>,
    #[serde(default)]
    pub script: Vec<Script>,
    #[serde(default)]
    pub exposure: Vec<Exposure>,
    #[serde(default)]
    pub decorated_type: Vec<DecoratedType>,
    #[serde(default)]
    pub component: Vec<Component>,
    /// Repo-relative path globs of test and fixture code: no entry points
    /// there (a test's `__main__` block or test client is not a product
    /// endpoint). `scan_test_paths = true` turns this off.
    #[serde(default)]
    pub test_paths: Vec<String>,
    #[serde(default)]
    pub scan_test_paths: bool,
    #[serde(default)]
    pub module_script: ModuleScript,
    /// Methods that turn a handler class into a view (`View.as_view()`).
    #[serde(default)]
    pub class_view_methods: Vec<String>,
    /// Calls whose first argument is the real handler (`functools.partial(f, x)`).
    #[serde(default)]
    pub handler_wrappers: Vec<String>,
    /// Functions that import a module named at run time
    /// (`importlib.import_module`): plugins the call graph follows.
    #[serde(default)]
    pub module_loaders: Vec<String>,
    /// Calls that make a module object (`importlib.util.module_from_spec`):
    /// a name a loader stores on one (`page.manager = Blueprint(...)`) is a
    /// global of the modules it loads.
    #[serde(default)]
    pub module_objects: Vec<String>,
}

impl EntryPointData {
    pub fn extend(&mut self, other: EntryPointData) {
        self.decorator.extend(other.decorator);
        self.call.extend(other.call);
        self.route_list.extend(other.route_list);
        self.class.extend(other.class);
        self.include.extend(other.include);
        self.chain.extend(other.chain);
        self.router.extend(other.router);
        self.script.extend(other.script);
        self.exposure.extend(other.exposure);
        self.decorated_type.extend(other.decorated_type);
        self.component.extend(other.component);
        self.test_paths.extend(other.test_paths);
        self.scan_test_paths |= other.scan_test_paths;
        self.module_script
            .setup_calls
            .extend(other.module_script.setup_calls);
        self.module_script
            .ignore_paths
            .extend(other.module_script.ignore_paths);
        self.class_view_methods.extend(other.class_view_methods);
        self.handler_wrappers.extend(other.handler_wrappers);
        self.module_loaders.extend(other.module_loaders);
        self.module_objects.extend(other.module_objects);
    }

    /// Every pattern list as (section, entry index, key, patterns), so that
    /// config validation can point at the very pattern that is wrong.
    pub fn pattern_lists(&self) -> Vec<(&'static str, usize, &'static str, &[String])> {
        let mut out: Vec<(&'static str, usize, &'static str, &[String])> = Vec::new();
        for (i, r) in self.decorator.iter().enumerate() {
            out.push(("decorator", i, "patterns", &r.patterns));
        }
        for (i, r) in self.call.iter().enumerate() {
            out.push(("call", i, "patterns", &r.patterns));
        }
        for (i, r) in self.route_list.iter().enumerate() {
            out.push(("route_list", i, "patterns", &r.patterns));
        }
        for (i, r) in self.class.iter().enumerate() {
            out.push(("class", i, "bases", &r.bases));
            out.push(("class", i, "names", &r.names));
        }
        for (i, r) in self.include.iter().enumerate() {
            out.push(("include", i, "patterns", &r.patterns));
        }
        for (i, r) in self.chain.iter().enumerate() {
            out.push(("chain", i, "patterns", &r.patterns));
        }
        for (i, r) in self.router.iter().enumerate() {
            out.push(("router", i, "patterns", &r.patterns));
        }
        for (i, r) in self.script.iter().enumerate() {
            out.push(("script", i, "imports", &r.imports));
        }
        for (i, r) in self.exposure.iter().enumerate() {
            out.push(("exposure", i, "patterns", &r.patterns));
        }
        for (i, r) in self.decorated_type.iter().enumerate() {
            out.push(("decorated_type", i, "patterns", &r.patterns));
        }
        for (i, r) in self.component.iter().enumerate() {
            out.push(("component", i, "patterns", &r.patterns));
        }
        out.push((
            "module_script",
            0,
            "setup_calls",
            &self.module_script.setup_calls,
        ));
        out
    }
}

/// Compiled glob sets over one list of entries: which entries a name matches.
pub struct PatternIndex {
    index: FirstMatch,
}

impl PatternIndex {
    /// Compile (entry index, entry id, patterns) triples.
    fn build<'a>(
        what: &str,
        entries: impl Iterator<Item = Patterns<'a>>,
    ) -> Result<PatternIndex, CatalogError> {
        let mut globs = Vec::new();
        for (i, id, language, patterns) in entries {
            for p in patterns {
                let glob = compile_pattern(language, p).map_err(|message| CatalogError {
                    message: format!("entry-point {what} `{id}`: {message}"),
                })?;
                globs.push((glob, i));
            }
        }
        Ok(PatternIndex {
            index: FirstMatch::new(globs),
        })
    }

    /// Every entry with a pattern matching `name` (of a file in
    /// `language`), in catalogue order.
    pub fn all(&self, language: Language, name: &str) -> Vec<usize> {
        self.index.all(language, name)
    }

    /// The first entry (in catalogue order) with a pattern matching `name`
    /// (of a file in `language`).
    pub fn first(&self, language: Language, name: &str) -> Option<usize> {
        self.index.first(language, name)
    }
}

/// The loaded entry-point catalogue with its compiled patterns.
pub struct EntryPointCatalog {
    pub data: EntryPointData,
    pub decorator: PatternIndex,
    pub call: PatternIndex,
    pub route_list: PatternIndex,
    /// Handler classes by base class...
    pub class: PatternIndex,
    /// ...and by their own name, and the calls that register an instance.
    pub class_name: PatternIndex,
    pub class_registration: PatternIndex,
    pub include: PatternIndex,
    /// Parts of routes built as method chains.
    pub chain: PatternIndex,
    pub router: PatternIndex,
    pub script: PatternIndex,
    pub exposure: PatternIndex,
    pub decorated_type: PatternIndex,
    pub component: PatternIndex,
    /// Test and fixture paths (`test_paths`), empty under `scan_test_paths`.
    pub test_paths: LazyGlobSet,
    /// Set-up calls that do not make a module a script.
    pub setup_call: PatternIndex,
    /// Paths that are never module scripts.
    pub script_ignore: LazyGlobSet,
}

fn registration_parts(r: &Registration) -> (&str, Language, &[String]) {
    (&r.id, r.language, &r.patterns)
}

fn err(message: String) -> CatalogError {
    CatalogError { message }
}

/// (entry index, entry id, patterns).
type Patterns<'a> = (usize, &'a str, Language, &'a [String]);

/// (entry index, id, patterns) of each entry, refusing entries without patterns.
fn entries<'a, T>(
    what: &str,
    list: &'a [T],
    parts: impl Fn(&'a T) -> (&'a str, Language, &'a [String]),
) -> Result<Vec<Patterns<'a>>, CatalogError> {
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let (id, language, patterns) = parts(e);
            if patterns.is_empty() {
                Err(err(format!("entry-point {what} `{id}` has no patterns")))
            } else {
                Ok((i, id, language, patterns))
            }
        })
        .collect()
}

impl EntryPointCatalog {
    pub fn build(data: EntryPointData) -> Result<EntryPointCatalog, CatalogError> {
        for r in &data.call {
            if r.handler.is_none() {
                return Err(err(format!(
                    "entry-point call `{}` has no `handler` argument",
                    r.id
                )));
            }
        }
        for r in data.decorator.iter().chain(&data.call) {
            if r.kind == EntryKind::Script {
                return Err(err(format!(
                    "entry-point registration `{}`: kind `script` is only for [[entrypoints.script]]",
                    r.id
                )));
            }
        }
        for c in &data.class {
            if c.bases.is_empty() && c.names.is_empty() {
                return Err(err(format!(
                    "entry-point class `{}` has neither `bases` nor `names`",
                    c.id
                )));
            }
        }
        let decorator = PatternIndex::build(
            "decorator",
            entries("decorator", &data.decorator, registration_parts)?.into_iter(),
        )?;
        let call = PatternIndex::build(
            "call",
            entries("call", &data.call, registration_parts)?.into_iter(),
        )?;
        let route_list = PatternIndex::build(
            "route_list",
            entries("route_list", &data.route_list, |r| {
                (&r.id, r.language, &r.patterns)
            })?
            .into_iter(),
        )?;
        let class = PatternIndex::build(
            "class",
            data.class
                .iter()
                .enumerate()
                .map(|(i, c)| (i, c.id.as_str(), c.language, c.bases.as_slice())),
        )?;
        let class_name = PatternIndex::build(
            "class",
            data.class
                .iter()
                .enumerate()
                .map(|(i, c)| (i, c.id.as_str(), c.language, c.names.as_slice())),
        )?;
        let class_registration = PatternIndex::build(
            "class",
            data.class
                .iter()
                .enumerate()
                .map(|(i, c)| (i, c.id.as_str(), c.language, c.registered_by.as_slice())),
        )?;
        let include = PatternIndex::build(
            "include",
            entries("include", &data.include, |r| {
                (&r.id, r.language, &r.patterns)
            })?
            .into_iter(),
        )?;
        let chain = PatternIndex::build(
            "chain",
            entries("chain", &data.chain, |r| (&r.id, r.language, &r.patterns))?.into_iter(),
        )?;
        let router = PatternIndex::build(
            "router",
            entries("router", &data.router, |r| (&r.id, r.language, &r.patterns))?.into_iter(),
        )?;
        let script = PatternIndex::build(
            "script",
            entries("script", &data.script, |r| (&r.id, r.language, &r.imports))?.into_iter(),
        )?;
        let exposure = PatternIndex::build(
            "exposure",
            entries("exposure", &data.exposure, |r| {
                (&r.id, r.language, &r.patterns)
            })?
            .into_iter(),
        )?;
        let decorated_type = PatternIndex::build(
            "decorated_type",
            entries("decorated_type", &data.decorated_type, |r| {
                (&r.id, r.language, &r.patterns)
            })?
            .into_iter(),
        )?;
        let component = PatternIndex::build(
            "component",
            entries("component", &data.component, |r| {
                (&r.id, r.language, &r.patterns)
            })?
            .into_iter(),
        )?;
        let setup_call = PatternIndex::build(
            "module_script",
            std::iter::once((
                0,
                "setup_calls",
                data.module_script.language,
                data.module_script.setup_calls.as_slice(),
            )),
        )?;
        let mut ignore = GlobSetBuilder::new();
        for p in &data.module_script.ignore_paths {
            ignore.add(
                globset::GlobBuilder::new(p)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| err(format!("module_script.ignore_paths: `{p}`: {e}")))?,
            );
        }
        let script_ignore = LazyGlobSet::new(ignore);
        let mut tests = GlobSetBuilder::new();
        if !data.scan_test_paths {
            for p in &data.test_paths {
                tests.add(
                    globset::GlobBuilder::new(p)
                        .literal_separator(true)
                        .build()
                        .map_err(|e| err(format!("test_paths: `{p}`: {e}")))?,
                );
            }
        }
        let test_paths = LazyGlobSet::new(tests);
        Ok(EntryPointCatalog {
            setup_call,
            script_ignore,
            data,
            decorator,
            call,
            route_list,
            class,
            class_name,
            class_registration,
            include,
            chain,
            router,
            script,
            exposure,
            decorated_type,
            component,
            test_paths,
        })
    }
}
