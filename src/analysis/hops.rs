//! Hops to the project's own services. A UI or API server often reaches
//! generation through a request to a service the same project ships: an
//! HTTP call to `f"{worker_addr}/worker_generate"` that a worker module
//! serves, or a gRPC stub call that a servicer class implements. Each such
//! call becomes a call-graph edge (`Via::Service`) from the calling function
//! to the route's handler, so reachability and code flows go through it.
//!
//! A URL is read from the facts into literal pieces and holes (values known
//! only at run time): literals, f-strings, `+`, `%` formats, the URL calls
//! of the catalogue (`urljoin`, an environment read's default), names bound
//! earlier in the same function or at module level. A request whose URL is
//! a parameter of its function (a `fetch(url)` helper) is read at the
//! helper's call sites instead, one level up. The path after the base is
//! matched against route paths segment by segment from the end; the routes
//! with the most segments win. A literal host that is not local names an
//! outside service and never joins; nor does a route of the calling file
//! (a service does not post to itself).

use std::collections::BTreeMap;

use rayon::prelude::*;
use ustr::Ustr;

use crate::analysis::callgraph::{CallGraph, Node, NodeId, Site, Via};
use crate::analysis::entrypoints::EntryKind;
use crate::analysis::entrypoints::{EntryPoint, Handler};
use crate::analysis::{FastMap, Project, Reader};
use crate::catalog::Catalog;
use crate::catalog::hosts::{self, RpcStub, UrlCallKind};
use crate::facts::{Arg, BinOp, Call, FileFacts, Function, Language, Part, Shape, Value};
use crate::finding::HopStats;

/// One client call joins at most this many routes (a path every worker serves).
pub const MAX_TARGETS: usize = 16;
/// A name is followed through at most this many assignments.
const MAX_DEPTH: usize = 8;
/// A URL helper is read at most at this many call sites.
pub const MAX_FORWARDS: usize = 64;

/// String methods that leave a URL's host and path as they are.
const STRIPS: [&str; 3] = ["rstrip", "strip", "lstrip"];

/// A stand-in for a hole (a value known only at run time) in a URL's text.
const HOLE: char = '\u{1}';

/// The hop edges of a project, in a deterministic order, and what was cut.
pub struct Hops {
    pub edges: Vec<(NodeId, Site, NodeId, Via)>,
    pub stats: HopStats,
}

/// Every hop from a client call to the project's own route handlers.
/// `servicers`: every file's [`file_servicers`], in file order;
/// `may_hop`: per file, [`file_may_hop`].
pub(crate) fn find(
    project: &Project,
    catalog: &Catalog,
    entry_points: &[EntryPoint],
    graph: &CallGraph,
    servicers: Vec<Servicer>,
    may_hop: &[bool],
) -> Hops {
    let mut hops = Hops {
        edges: Vec::new(),
        stats: HopStats::default(),
    };
    let routes = routes(project, catalog, entry_points, graph);
    let services = services(project, catalog, entry_points, graph, servicers);
    let protos = if services.is_empty() {
        Vec::new()
    } else {
        proto_services(project)
    };
    if routes.is_empty() && services.is_empty() {
        return hops;
    }
    // The calls of the files the per-file phase marked on the thread
    // pool, merged in file order: another file's calls find nothing.
    let per_file: Vec<(Hops, Vec<(NodeId, ParamBinding)>)> = (0..project.file_count())
        .into_par_iter()
        .filter(|&fi| may_hop[fi])
        .map(|fi| {
            let file = project.file(fi, Reader::Hops);
            file_hops(
                project, catalog, graph, &routes, &services, &protos, fi, &file,
            )
        })
        .collect();
    // URL helpers: (function node, parameter) of requests whose URL is that
    // parameter, read at their call sites below; the first one found wins.
    let mut helpers: BTreeMap<NodeId, ParamBinding> = BTreeMap::new();
    for (found, file_helpers) in per_file {
        hops.edges.extend(found.edges);
        hops.stats.cut_targets += found.stats.cut_targets;
        hops.stats.cut_forwards += found.stats.cut_forwards;
        for (node, param) in file_helpers {
            helpers.entry(node).or_insert(param);
        }
    }
    if !helpers.is_empty() {
        forwarded(project, catalog, graph, &routes, &helpers, &mut hops);
    }
    hops.stats.joined = hops.edges.len();
    hops
}

/// Whether a call of `file` may start a hop, for the per-file phase: an
/// HTTP client call of the catalogue with a URL argument, or a call on a
/// generated gRPC stub or `.proto` client. Only such calls find a hop in
/// [`file_hops`], so the hops read only the files that have one, which
/// the routes and services (known after the call graph is built) cannot
/// choose for them.
pub(crate) fn file_may_hop(catalog: &Catalog, file: &FileFacts) -> bool {
    let stubs = catalog
        .rpc_stubs
        .iter()
        .any(|r| r.language == file.language);
    file.calls.iter().any(|call| {
        url_arg(catalog, file, call).is_some()
            // A stub's method is `X().m`: a name without `(` is none (one
            // byte search rather than the two pattern searches below).
            || (stubs
                && call
                    .resolved
                    .as_ref()
                    .is_some_and(|r| memchr::memchr(b'(', r.as_str().as_bytes()).is_some())
                && (rpc_stub_call(catalog, file.language, call).is_some()
                    || proto_client_call(catalog, file.language, call).is_some()))
    })
}

/// The hops of file `fi`'s calls, in call order, and its URL helpers
/// (function node, the parameter the URL is), in call order.
#[allow(clippy::too_many_arguments)]
fn file_hops(
    project: &Project,
    catalog: &Catalog,
    graph: &CallGraph,
    routes: &[Route],
    services: &Services,
    protos: &[ProtoService],
    fi: usize,
    file: &FileFacts,
) -> (Hops, Vec<(NodeId, ParamBinding)>) {
    let mut hops = Hops {
        edges: Vec::new(),
        stats: HopStats::default(),
    };
    let mut helpers = Vec::new();
    for (ci, call) in file.calls.iter().enumerate() {
        let site = Site { file: fi, call: ci };
        if !services.is_empty() {
            rpc_hop(project, catalog, graph, services, site, &mut hops);
        }
        if !protos.is_empty() {
            proto_hop(project, catalog, graph, services, protos, site, &mut hops);
        }
        let Some(url) = url_arg(catalog, file, call) else {
            continue;
        };
        if let Some(param) = bare_param(project, fi, call, url) {
            let node = graph.node_at(fi, call.scope.as_deref(), call.span.start_byte);
            // What binds the parameter at the helper's calls, taken from
            // the helper's node's function now that its file is in hand.
            if let Node::Function { func, .. } = graph.nodes[node] {
                helpers.push((node, ParamBinding::of(&file.functions[func], param)));
            }
            continue;
        }
        let url = UrlReader::at(project, catalog, fi, call).url(url);
        // A compatible generation API at a configured base is a
        // gateway's upstream provider, a generation call itself, not a
        // hop back into the gateway's own route of that path; it still
        // joins a route another language serves (a Rust router in
        // front of its Python worker).
        if run_time_generation(catalog, file, call, &url) {
            let others: Vec<Route> = routes
                .iter()
                .filter(|r| project.language(r.file) != file.language)
                .cloned()
                .collect();
            join(project, graph, &others, site, &url, &mut hops);
            continue;
        }
        join(project, graph, routes, site, &url, &mut hops);
    }
    (hops, helpers)
}

/// Whether a request goes to a run-time base plus a generation path of a
/// `run_time` host from a client marked `run_time_base`.
fn run_time_generation(catalog: &Catalog, file: &FileFacts, call: &Call, url: &Url) -> bool {
    let Some(resolved) = call.resolved.as_ref() else {
        return false;
    };
    catalog
        .http_call(file.language, resolved.as_str())
        .is_some_and(|h| h.run_time_base)
        && url
            .run_time_path()
            .and_then(|p| catalog.run_time_host(p.trim_end_matches('/')))
            .is_some()
}

/// The URL argument of an HTTP client call of the catalogue.
fn url_arg<'c>(catalog: &Catalog, file: &FileFacts, call: &'c Call) -> Option<&'c Value> {
    let resolved = call.resolved.as_ref()?;
    let http = catalog
        .http_call(file.language, resolved.as_str())
        .or_else(|| {
            call.imported()
                .as_ref()
                .and_then(|i| catalog.http_call(file.language, i.as_str()))
        })?;
    call.arg(http.url_position, http.url_keyword.as_deref())
        .map(|a| &a.value)
}

/// A route of the project: its path's segments (`*` for a parameter) and
/// where its handler starts.
#[derive(Clone)]
struct Route {
    segments: Vec<String>,
    entry: usize,
    node: NodeId,
    file: usize,
}

fn routes(
    project: &Project,
    catalog: &Catalog,
    entry_points: &[EntryPoint],
    graph: &CallGraph,
) -> Vec<Route> {
    // Per entry point on the thread pool, in entry-point order.
    let route = |(i, e): (usize, &EntryPoint)| -> Option<Route> {
        if !matches!(e.kind, EntryKind::Http | EntryKind::Websocket) {
            return None;
        }
        // A model of a repository is routed by its directory.
        let by_directory = || {
            catalog
                .model_repositories
                .iter()
                .filter(|m| m.framework == e.framework)
                .find_map(|m| m.route_for(&e.location.path))
        };
        let route = e.route.clone().or_else(by_directory)?;
        let segments: Vec<String> = route
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let param = s.starts_with(['{', '<', ':']) || s == "*";
                if param { "*".into() } else { s.to_string() }
            })
            .collect();
        // `/` and all-parameter paths match anything: not a join.
        if segments.iter().all(|s| s == "*") {
            return None;
        }
        let node = graph.handler_node(project, &e.handler)?;
        Some(Route {
            segments,
            entry: i,
            node,
            file: handler_file(project, &e.handler).unwrap_or(usize::MAX),
        })
    };
    entry_points
        .par_iter()
        .enumerate()
        .filter_map(route)
        .collect()
}

fn handler_file(project: &Project, handler: &Handler) -> Option<usize> {
    let module = match handler {
        Handler::Function { module, .. }
        | Handler::Module { module }
        | Handler::MainBlock { module, .. }
        | Handler::Closure { module, .. } => module,
    };
    project.modules.get(module).copied()
}

/// Join the request at `site` to the routes its URL's path ends with.
fn join(
    project: &Project,
    graph: &CallGraph,
    routes: &[Route],
    site: Site,
    url: &Url,
    hops: &mut Hops,
) {
    if url.external() {
        return;
    }
    let Some(path) = url.path_segments() else {
        return;
    };
    let mut best = 0;
    let mut targets: Vec<&Route> = Vec::new();
    for r in routes {
        if r.file == site.file || r.segments.len() > path.len() || r.segments.len() < best {
            continue;
        }
        let tail = &path[path.len() - r.segments.len()..];
        if !tail
            .iter()
            .zip(&r.segments)
            .all(|(u, s)| s == "*" || glob(u, s))
        {
            continue;
        }
        if r.segments.len() > best {
            best = r.segments.len();
            targets.clear();
        }
        targets.push(r);
    }
    let call = &project.file(site.file, Reader::Hops).calls[site.call];
    let caller = graph.node_at(site.file, call.scope.as_deref(), call.span.start_byte);
    targets.sort_by_key(|r| (r.node, r.entry));
    targets.dedup_by_key(|r| r.node);
    if targets.len() > MAX_TARGETS {
        hops.stats.cut_targets += targets.len() - MAX_TARGETS;
        targets.truncate(MAX_TARGETS);
    }
    for r in targets {
        hops.edges.push((
            caller,
            site,
            r.node,
            Via::Service {
                entry: r.entry as u32,
            },
        ));
    }
}

/// Requests made by URL helpers (`async def fetch(url): session.post(url)`),
/// read at the helpers' call sites: the hop leaves from the caller.
fn forwarded(
    project: &Project,
    catalog: &Catalog,
    graph: &CallGraph,
    routes: &[Route],
    helpers: &BTreeMap<NodeId, ParamBinding>,
    hops: &mut Hops,
) {
    let mut seen: FastMap<NodeId, usize> = FastMap::default();
    for from in 0..graph.nodes.len() {
        for (to, site) in graph.calls_from(from) {
            let Some(param) = helpers.get(&to) else {
                continue;
            };
            // A call of the helper, not one that passes it along.
            if !graph.targets_at(site).contains(&(to, Via::Callee)) {
                continue;
            }
            if !matches!(graph.nodes[to], Node::Function { .. }) {
                continue;
            }
            let count = seen.entry(to).or_default();
            *count += 1;
            if *count > MAX_FORWARDS {
                hops.stats.cut_forwards += 1;
                continue;
            }
            let call = &project.file(site.file, Reader::Hops).calls[site.call];
            let Some(arg) = param.arg(call) else {
                continue;
            };
            let reader = UrlReader::at(project, catalog, site.file, call);
            join(project, graph, routes, site, &reader.url(&arg.value), hops);
        }
    }
}

/// The parameter of the calling function a URL is, when it is one and
/// nothing in the function assigns it before the call.
fn bare_param(project: &Project, fi: usize, call: &Call, url: &Value) -> Option<usize> {
    let Value::Name { text, .. } = url else {
        return None;
    };
    let file = project.file(fi, Reader::Hops);
    let scope = call.scope?;
    let f = file.functions.iter().find(|f| f.qualname == scope)?;
    let param = f.params.iter().position(|p| p == text)?;
    let assigned = file.assignments.iter().any(|a| {
        a.scope == Some(scope) && a.target == *text && a.span.end_byte <= call.span.start_byte
    });
    (!assigned).then_some(param)
}

/// A URL helper's parameter as its calls bind it: by keyword (its name),
/// else by position after `self`/`cls`. Kept with the helper, so that its
/// calls need not read the helper's file (with the facts stored each read
/// decodes it).
#[derive(Debug, Clone, Copy)]
struct ParamBinding {
    index: usize,
    name: Option<Ustr>,
    /// 1 when a method's first parameter is `self` or `cls`.
    skip: usize,
}

impl ParamBinding {
    /// Parameter `param` of `f`.
    fn of(f: &Function, param: usize) -> ParamBinding {
        ParamBinding {
            index: param,
            name: f.params.get(param).copied(),
            skip: usize::from(
                f.class.is_some() && f.params.first().is_some_and(|p| p == "self" || p == "cls"),
            ),
        }
    }

    /// The argument that binds it at `call`.
    fn arg<'c>(&self, call: &'c Call) -> Option<&'c Arg> {
        let name = self.name?;
        let position = self.index.checked_sub(self.skip);
        call.arg(position, Some(name.as_str()))
            .filter(|a| !matches!(a.keyword.as_deref(), Some("*" | "**")))
    }
}

/// Services by (service name, method) → the servicer methods that serve them.
type Services = BTreeMap<(String, String), Vec<(usize, NodeId)>>;

/// Servicer methods among the entry points: handlers of a class with a
/// generated servicer base (`chat_pb2_grpc.ChatServicer`).
fn services(
    project: &Project,
    catalog: &Catalog,
    entry_points: &[EntryPoint],
    graph: &CallGraph,
    servicers: Vec<Servicer>,
) -> Services {
    let registered = registered_servicers(servicers);
    // Per entry point on the thread pool: the (service, method) pairs its
    // handler serves, entered in entry-point order.
    let served = |(i, e): (usize, &EntryPoint)| -> Vec<((String, String), (usize, NodeId))> {
        let mut out = Vec::new();
        let Handler::Function { module, qualname } = &e.handler else {
            return out;
        };
        let Some((class, method)) = qualname.rsplit_once('.') else {
            return out;
        };
        let Some(&fi) = project.modules.get(module) else {
            return out;
        };
        let file = project.file(fi, Reader::Hops);
        let Some(ci) = file.classes.iter().position(|c| c.qualname == class) else {
            return out;
        };
        let c = &file.classes[ci];
        let Some(node) = graph.handler_node(project, &e.handler) else {
            return out;
        };
        for service in registered.get(&(fi, ci)).into_iter().flatten() {
            out.push(((service.clone(), method.to_string()), (i, node)));
        }
        for base in &c.bases {
            for rpc in catalog
                .rpc_stubs
                .iter()
                .filter(|r| r.language == file.language)
            {
                if let Some(service) = servicer_of(rpc, base.as_str()) {
                    out.push(((service.to_string(), method.to_string()), (i, node)));
                }
            }
        }
        out
    };
    let found: Vec<_> = entry_points.par_iter().enumerate().map(served).collect();
    let mut out = Services::new();
    for (key, handler) in found.into_iter().flatten() {
        out.entry(key).or_default().push(handler);
    }
    // A class both derived from the base and registered is one servicer.
    for list in out.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    out
}

/// A class registered as a servicer and the service it serves.
pub(crate) type Servicer = ((usize, usize), String);

/// File `file`'s classes registered as servicers by the generated
/// registration function (`chat_pb2_grpc.add_ChatServicer_to_server(ChatService(), server)`),
/// with the services they serve, in call order: the per-file phase's part.
pub(crate) fn file_servicers(
    project: &Project,
    catalog: &Catalog,
    file: &crate::facts::FileFacts,
) -> Vec<Servicer> {
    let mut out = Vec::new();
    let mut stubs = catalog
        .rpc_stubs
        .iter()
        .filter(|r| !r.register_suffix.is_empty() && r.language == file.language)
        .peekable();
    if stubs.peek().is_none() {
        return out;
    }
    let stubs: Vec<&RpcStub> = stubs.collect();
    for call in &file.calls {
        let Some(r) = &call.resolved else { continue };
        for rpc in &stubs {
            let Some(service) = generated(r.as_str(), &rpc.module_suffix, &rpc.register_suffix)
                .and_then(|s| s.strip_prefix(rpc.register_prefix.as_str()))
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            if let Some(class) = crate::analysis::entrypoints::registered_class(project, file, call)
            {
                out.push((class, service.to_string()));
            }
        }
    }
    out
}

/// Classes registered as servicers, with the services they serve, from
/// every file's [`file_servicers`] in file order.
fn registered_servicers(found: Vec<Servicer>) -> BTreeMap<(usize, usize), Vec<String>> {
    let mut out: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    for (class, service) in found {
        let list = out.entry(class).or_default();
        if !list.contains(&service) {
            list.push(service);
        }
    }
    out
}

/// The service a servicer base implements by the convention `r`:
/// `chat_pb2_grpc.ChatServicer` (Python), `pb::chat_server::Chat` (tonic).
fn servicer_of<'a>(r: &RpcStub, base: &'a str) -> Option<&'a str> {
    match &r.servicer_module_suffix {
        Some(suffix) => {
            let service = generated(base, suffix, "")?;
            let (path, _) = base.rsplit_once('.')?;
            let module = path.rsplit('.').next().unwrap_or(path);
            let stem = module.strip_suffix(suffix.as_str())?;
            same_name(stem, service).then_some(service)
        }
        None if !r.servicer_suffix.is_empty() => {
            generated(base, &r.module_suffix, &r.servicer_suffix)
        }
        None => None,
    }
}

/// The servicer methods of `service` that serve `method`, spelled as
/// either language's generated code spells it (`Generate`, `generate`).
fn served<'s>(
    services: &'s Services,
    service: &str,
    method: &str,
) -> impl Iterator<Item = &'s (usize, NodeId)> {
    services
        .range((service.to_string(), String::new())..)
        .take_while(move |((s, _), _)| s == service)
        .filter(move |((_, m), _)| same_name(m, method))
        .flat_map(|(_, t)| t)
}

/// `Chat` of `pkg.chat_pb2_grpc.ChatServicer` (module suffix `_pb2_grpc`,
/// class suffix `Servicer`).
fn generated<'a>(name: &'a str, module_suffix: &str, class_suffix: &str) -> Option<&'a str> {
    let (module, class) = name.rsplit_once('.')?;
    let module = module.rsplit('.').next().unwrap_or(module);
    if !module.ends_with(module_suffix) {
        return None;
    }
    class.strip_suffix(class_suffix).filter(|s| !s.is_empty())
}

/// The service and method of a call on a generated gRPC stub
/// (`stub.Generate(req)` with `stub = chat_pb2_grpc.ChatStub(ch)`).
fn rpc_stub_call<'c>(
    catalog: &Catalog,
    language: Language,
    call: &'c Call,
) -> Option<(&'c str, &'c str)> {
    let (stub, method) = call.resolved.as_ref()?.instance_method()?;
    let service = catalog
        .rpc_stubs
        .iter()
        .filter(|r| r.language == language && !r.from_proto)
        .find_map(|r| generated(stub, &r.module_suffix, &r.stub_suffix))?;
    Some((service, method))
}

/// A stub call (`stub.Generate(req)` with `stub = chat_pb2_grpc.ChatStub(ch)`)
/// joined to the servicer methods of the same service and method.
fn rpc_hop(
    project: &Project,
    catalog: &Catalog,
    graph: &CallGraph,
    services: &Services,
    site: Site,
    hops: &mut Hops,
) {
    let file = project.file(site.file, Reader::Hops);
    let call = &file.calls[site.call];
    let Some((service, method)) = rpc_stub_call(catalog, file.language, call) else {
        return;
    };
    let targets: Vec<(usize, NodeId)> = served(services, service, method).copied().collect();
    push_service_edges(graph, site, call, targets, hops);
}

/// A service declared in one of the project's `.proto` files.
struct ProtoService {
    /// The package's segments (`["generate", "v3"]`), empty when none.
    package: Vec<Ustr>,
    name: Ustr,
    rpcs: Vec<Ustr>,
}

/// The services of the project's `.proto` files (their config entries:
/// `package`, `service.<S>`, `service.<S>.<R>`). The files are found by
/// their language (the summary) and read at random, in file order.
fn proto_services(project: &Project) -> Vec<ProtoService> {
    let mut out = Vec::new();
    for file in (0..project.file_count())
        .filter(|&fi| project.language(fi) == Language::Proto)
        .map(|fi| project.file(fi, Reader::Hops))
    {
        let package: Vec<Ustr> = file
            .config
            .iter()
            .find(|e| e.path.len() == 1 && e.key() == "package")
            .and_then(|e| match &e.value {
                Value::Str(s) => Some(s.split('.').map(Ustr::from).collect()),
                _ => None,
            })
            .unwrap_or_default();
        let first = out.len();
        for e in file
            .config
            .iter()
            .filter(|e| e.path.first().is_some_and(|k| k == "service"))
        {
            match &e.path[..] {
                [_, name] => out.push(ProtoService {
                    package: package.clone(),
                    name: *name,
                    rpcs: Vec::new(),
                }),
                [_, name, rpc] => {
                    if let Some(s) = out[first..].iter_mut().rev().find(|s| s.name == *name) {
                        s.rpcs.push(*rpc);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Names compared as generated code spells them in either language:
/// `TextGenerationService`, `text_generation_service`, `Prefill`, `prefill`.
fn same_name(a: &str, b: &str) -> bool {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|&c| c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    fold(a) == fold(b)
}

/// The service, the client's module path (the package, as a prefix) and
/// the method of a call on a client generated from a `.proto` file.
fn proto_client_call<'c>(
    catalog: &Catalog,
    language: Language,
    call: &'c Call,
) -> Option<(&'c str, &'c str, &'c str)> {
    let (client, method) = call.resolved.as_ref()?.instance_method()?;
    let (service, prefix) = catalog
        .rpc_stubs
        .iter()
        .filter(|r| r.language == language && r.from_proto)
        .find_map(|r| {
            // `XClient::connect(addr)` and `XClient::new(channel)` make one.
            let client = client
                .rsplit_once('.')
                .filter(|(_, c)| r.constructors.iter().any(|k| k == c))
                .map_or(client, |(t, _)| t);
            let service = generated(client, &r.module_suffix, &r.stub_suffix)?;
            let (path, _) = client.rsplit_once('.')?;
            let (prefix, module) = path.rsplit_once('.').unwrap_or(("", path));
            let stem = module.strip_suffix(r.module_suffix.as_str())?;
            same_name(stem, service).then_some((service, prefix))
        })?;
    Some((service, prefix, method))
}

/// A client generated from the project's `.proto` files (tonic-build's
/// `<pkg>::xxx_client::XxxClient`) calling an rpc in snake case
/// (`client.generate(req)`), joined to the servicer methods, in any
/// language, that implement that rpc of that service. The client's module
/// path picks the package when it names one (`pb::generate::v3::...`);
/// `tonic::include_proto!` into a module of another name matches any.
fn proto_hop(
    project: &Project,
    catalog: &Catalog,
    graph: &CallGraph,
    services: &Services,
    protos: &[ProtoService],
    site: Site,
    hops: &mut Hops,
) {
    let file = project.file(site.file, Reader::Hops);
    let call = &file.calls[site.call];
    let Some((service, prefix, method)) = proto_client_call(catalog, file.language, call) else {
        return;
    };
    let prefix: Vec<&str> = prefix.split('.').filter(|s| !s.is_empty()).collect();
    let declared: Vec<&ProtoService> = protos
        .iter()
        .filter(|p| p.name == service && p.rpcs.iter().any(|r| same_name(r, method)))
        .collect();
    let named: Vec<&ProtoService> = declared
        .iter()
        .copied()
        .filter(|p| {
            !p.package.is_empty()
                && prefix.ends_with(&p.package.iter().map(|s| s.as_str()).collect::<Vec<_>>())
        })
        .collect();
    let chosen = if named.is_empty() { declared } else { named };
    let mut targets: Vec<(usize, NodeId)> = Vec::new();
    for p in chosen {
        for rpc in p.rpcs.iter().filter(|r| same_name(r, method)) {
            targets.extend(served(services, service, rpc));
        }
    }
    push_service_edges(graph, site, call, targets, hops);
}

/// Edges from an RPC call to the handlers that serve it (at most
/// `MAX_TARGETS`; the rest are counted as cut).
fn push_service_edges(
    graph: &CallGraph,
    site: Site,
    call: &Call,
    mut targets: Vec<(usize, NodeId)>,
    hops: &mut Hops,
) {
    targets.sort_unstable();
    targets.dedup();
    if targets.is_empty() {
        return;
    }
    let caller = graph.node_at(site.file, call.scope.as_deref(), call.span.start_byte);
    for &(entry, node) in targets.iter().take(MAX_TARGETS) {
        hops.edges.push((
            caller,
            site,
            node,
            Via::Service {
                entry: entry as u32,
            },
        ));
    }
    hops.stats.cut_targets += targets.len().saturating_sub(MAX_TARGETS);
}

/// A URL as far as the facts tell: literal text with holes for values known
/// only at run time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Url {
    text: String,
    /// Where a variable read with no default in the code got its value from
    /// the project's configuration (`LLM_BASE_URL from .env:3`), when one did.
    pub from: Option<crate::analysis::env::EnvFrom>,
}

impl Url {
    fn lit(&mut self, s: &str) {
        self.text.extend(s.chars().filter(|&c| c != HOLE));
    }

    fn hole(&mut self) {
        if !self.text.ends_with(HOLE) {
            self.text.push(HOLE);
        }
    }

    /// The whole URL, when it is all literal.
    pub fn literal(&self) -> Option<&str> {
        (!self.text.contains(HOLE)).then_some(self.text.as_str())
    }

    /// The host, when the URL starts with a literal scheme and host.
    pub fn host(&self) -> Option<String> {
        let rest = self
            .text
            .strip_prefix("https://")
            .or_else(|| self.text.strip_prefix("http://"))?;
        let end = rest.find(['/', ':', '?', '#', HOLE]).unwrap_or(rest.len());
        // A host cut short by a hole (`http://api.{region}.x.com`) is not known.
        if rest[end..].starts_with(HOLE) {
            return None;
        }
        let host = rest[..end].rsplit('@').next()?.to_ascii_lowercase();
        (!host.is_empty()).then_some(host)
    }

    /// The literal text after a literal host (its path), or after the hole
    /// that holds a run-time base: `/v1/chat/completions` of `base + "/v1/chat/completions"`.
    pub fn literal_path(&self) -> Option<&str> {
        let path = self.path()?;
        let start = path.rfind(HOLE).map_or(0, |i| i + HOLE.len_utf8());
        Some(&path[start..])
    }

    /// The literal start of the path after a literal host, up to the first
    /// hole, query or fragment: `/mp/collect` of
    /// `f"https://www.google-analytics.com/mp/collect?api_secret={s}"`.
    pub fn path_start(&self) -> Option<&str> {
        self.host()?;
        let path = self.path()?;
        Some(path.split(HOLE).next().unwrap_or(path))
    }

    /// The literal host and the literal end of the path (`hosts::split_url`
    /// for URLs with holes): what names a provider and a generation path.
    pub fn split(&self) -> Option<(String, String)> {
        let host = self.host()?;
        let path = self.literal_path().unwrap_or("");
        Some((host, path.trim_end_matches('/').to_string()))
    }

    /// The literal end of the path of a URL whose base (scheme and host,
    /// or more) is known only at run time: `/chat/completions` of
    /// `format!("{}/chat/completions?v={}", base, v)`.
    pub fn run_time_path(&self) -> Option<&str> {
        if self.host().is_some() {
            return None;
        }
        let base = self
            .text
            .strip_prefix("https://")
            .or_else(|| self.text.strip_prefix("http://"))
            .unwrap_or(&self.text);
        if !base.starts_with(HOLE) {
            return None;
        }
        self.literal_path().filter(|p| !p.is_empty())
    }

    /// A literal host that is not the product's own machine: an outside service.
    fn external(&self) -> bool {
        self.host().is_some_and(|h| !hosts::is_local(&h))
    }

    /// What follows the host or the base, from its first `/`, query cut off.
    fn path(&self) -> Option<&str> {
        let t = self.text.as_str();
        let after = match t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"))
        {
            Some(rest) => rest,
            None => t,
        };
        let start = after.find('/')?;
        let path = &after[start..];
        Some(path.split(['?', '#']).next().unwrap_or(path))
    }

    /// The path's segments, holes kept (matched like `*` within a segment).
    fn path_segments(&self) -> Option<Vec<&str>> {
        let segments: Vec<&str> = self.path()?.split('/').filter(|s| !s.is_empty()).collect();
        segments
            .iter()
            .any(|s| s.chars().any(|c| c != HOLE))
            .then_some(segments)
    }
}

/// Whether `pattern` (holes match any run of characters) matches `text`.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && p[i] == HOLE {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == t[j] {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == HOLE)
}

/// Reads values into URLs from one place in a file: names are looked up as
/// bound there (the function's assignments before the call, else module level).
pub struct UrlReader<'p> {
    project: &'p Project,
    catalog: &'p Catalog,
    fi: usize,
    scope: Option<Ustr>,
    pos: u32,
    /// Read environment variables without a default in the code against
    /// the project's configuration (`analysis::env`). Off for hops: a
    /// compose host name (`http://worker:8000`) would read as an outside host.
    env: bool,
}

impl<'p> UrlReader<'p> {
    pub fn at(project: &'p Project, catalog: &'p Catalog, fi: usize, call: &Call) -> UrlReader<'p> {
        UrlReader {
            project,
            catalog,
            fi,
            scope: call.scope,
            pos: call.span.start_byte,
            env: false,
        }
    }

    /// The same reader, with environment variables read from the configuration.
    pub fn with_env(self) -> UrlReader<'p> {
        UrlReader { env: true, ..self }
    }

    pub fn project(&self) -> &'p Project {
        self.project
    }

    /// The file it reads in (index into `Project::files`).
    pub fn file(&self) -> usize {
        self.fi
    }

    /// A variable's value from the project's configuration, as literal text.
    fn env_var(&self, name: &str, out: &mut Url) {
        if !self.env {
            return out.hole();
        }
        let path = self.project.path(self.fi);
        match self.project.env().lookup(name, path) {
            Some(src) => {
                out.lit(&src.value);
                if out.from.is_none() {
                    out.from = Some(src.evidence(name, self.project.path(src.file)));
                }
            }
            None => out.hole(),
        }
    }

    pub fn url(&self, value: &Value) -> Url {
        let mut url = Url::default();
        self.value(value, 0, &mut url);
        url
    }

    fn value(&self, value: &Value, depth: usize, out: &mut Url) {
        match value {
            Value::Str(s) => out.lit(s),
            Value::Env {
                default: Some(d), ..
            } => out.lit(d),
            Value::Env {
                name,
                default: None,
            } => self.env_var(name, out),
            Value::Name { text, resolved } => {
                if !self.settings_field(text, resolved.as_ref(), depth, out) {
                    self.name(text, depth, out)
                }
            }
            Value::Expr(e) => self.shape(&e.shape, depth, out),
            _ => out.hole(),
        }
    }

    /// A field of a settings class (`settings.base_url`, with `settings =
    /// Settings()` and `class Settings(BaseSettings)`): the environment
    /// variable it reads (its alias, or the class's prefix and its name, in
    /// any case) as the configuration sets it, else its default. Only when
    /// reading the environment; whether it was a settings field.
    fn settings_field(
        &self,
        text: &str,
        resolved: Option<&crate::facts::QName>,
        depth: usize,
        out: &mut Url,
    ) -> bool {
        if !self.env || self.catalog.settings_classes.is_empty() || !text.contains('.') {
            return false;
        }
        let project = self.project;
        // The instance's type and the field: `app.config.Settings().base_url`.
        let typed = match resolved {
            Some(r) => project.canonical_or_same(r).as_str().to_string(),
            None => {
                let (head, rest) = text.split_once('.').unwrap_or((text, ""));
                let file = project.file(self.fi, Reader::UrlValues);
                // Bound in the code, or a parameter declared with the class.
                let bound = project
                    .index
                    .binding_at(&file, self.fi, self.scope, head, self.pos)
                    .and_then(|a| a.value_call);
                let param = || {
                    let f = project
                        .index
                        .bindings(self.fi)
                        .function(self.scope?.as_str())?;
                    let f = &file.functions[f];
                    let p = f.params.iter().position(|p| p == head)?;
                    *f.param_types.get(p)?
                };
                // Imported from another module: what that module binds.
                let imported = || {
                    let target = project
                        .index
                        .bindings(self.fi)
                        .import_targets(head)
                        .last()?;
                    Some(crate::facts::QName::new(target.as_str()))
                };
                let Some(t) = bound.or_else(param).or_else(imported) else {
                    return false;
                };
                format!("{}.{rest}", project.canonical_or_same(&t).as_str())
            }
        };
        let Some((instance, field)) = typed.rsplit_once('.') else {
            return false;
        };
        let Some(class) = instance.strip_suffix("()") else {
            return false;
        };
        if field.contains(['(', '[']) {
            return false;
        }
        let Some(s) = settings_class(project, self.catalog, class) else {
            return false;
        };
        let Some(decl) = s.field(project, field) else {
            return false;
        };
        let path = project.path(self.fi);
        let env = project.env();
        let names = [
            decl.alias.map(|a| a.to_string()),
            Some(format!("{}{field}", s.prefix)),
        ];
        for name in names.iter().flatten() {
            if let Some((var, src)) = env.lookup_any_case(name, path) {
                out.lit(&src.value);
                if out.from.is_none() {
                    out.from = Some(src.evidence(&var, project.path(src.file)));
                }
                return true;
            }
        }
        match &decl.default {
            Some(v) if depth <= MAX_DEPTH => {
                let inner = UrlReader {
                    fi: decl.file,
                    scope: None,
                    pos: u32::MAX,
                    ..*self
                };
                inner.value(v, depth + 1, out);
            }
            _ => out.hole(),
        }
        true
    }

    fn shape(&self, shape: &Shape, depth: usize, out: &mut Url) {
        if depth > MAX_DEPTH {
            return out.hole();
        }
        match shape {
            Shape::Str(s) => out.lit(s),
            Shape::Name(n) => self.name(n, depth, out),
            Shape::Binary(BinOp::Add, pair) => {
                self.shape(&pair.0, depth + 1, out);
                self.shape(&pair.1, depth + 1, out);
            }
            // `"http://%s:%d/generate" % (host, port)`
            Shape::Binary(BinOp::Mod, pair) => match &pair.0 {
                Shape::Str(format) => printf(format, out),
                _ => out.hole(),
            },
            Shape::Template(parts) => {
                for p in parts.iter() {
                    match p {
                        Part::Lit(s) => out.lit(s),
                        Part::Hole { .. } => out.hole(),
                    }
                }
            }
            // The fallback is what runs unless someone configures the value.
            Shape::Or(pair) => {
                let mut right = Url::default();
                self.shape(&pair.1, depth + 1, &mut right);
                if right.text.is_empty() {
                    self.shape(&pair.0, depth + 1, out);
                } else {
                    out.text.push_str(&right.text);
                    out.from = out.from.take().or(right.from);
                }
            }
            // `os.environ["BASE"]`
            Shape::Index(pair)
                if matches!(&pair.1, Shape::Str(_))
                    && matches!(&pair.0, Shape::Name(n) if self.catalog.url_calls.iter().any(|u| u.kind == UrlCallKind::EnvIndex && u.matches(n))) =>
            {
                if let Shape::Str(name) = &pair.1 {
                    self.env_var(name, out);
                }
            }
            // Stripping slashes keeps the host and the path.
            Shape::Method(inner, m) if STRIPS.contains(&m.as_str()) => {
                self.shape(inner, depth + 1, out)
            }
            Shape::Call(name, _)
                if STRIPS
                    .iter()
                    .any(|m| name.strip_suffix(m).is_some_and(|r| r.ends_with('.'))) =>
            {
                let receiver = &name[..name.rfind('.').unwrap_or(0)];
                self.name(receiver, depth + 1, out)
            }
            Shape::Call(name, args) => {
                let Some(u) = self.catalog.url_calls.iter().find(|u| u.matches(name)) else {
                    return out.hole();
                };
                match u.kind {
                    UrlCallKind::EnvDefault => match (args.get(u.position), args.first()) {
                        (Some(a), _) => self.shape(a, depth + 1, out),
                        (None, Some(Shape::Str(name))) => self.env_var(name, out),
                        _ => out.hole(),
                    },
                    UrlCallKind::EnvIndex => out.hole(),
                    UrlCallKind::Join => {
                        let base = args.first();
                        let path = args.get(1);
                        match base {
                            Some(b) => self.shape(b, depth + 1, out),
                            None => out.hole(),
                        }
                        if let Some(p) = path {
                            let mut joined = Url::default();
                            self.shape(p, depth + 1, &mut joined);
                            if !out.text.ends_with('/') && !joined.text.starts_with('/') {
                                out.text.push('/');
                            }
                            out.text.push_str(&joined.text);
                            out.from = out.from.take().or(joined.from);
                        }
                    }
                }
            }
            _ => out.hole(),
        }
    }

    /// A name: what it was last assigned before the call in the same
    /// function, else at module level; unknown (a parameter, an attribute
    /// set elsewhere) is a hole.
    fn name(&self, name: &str, depth: usize, out: &mut Url) {
        if depth > MAX_DEPTH {
            return out.hole();
        }
        let file = self.project.file(self.fi, Reader::UrlValues);
        let Some(a) = self
            .project
            .index
            .binding_at(&file, self.fi, self.scope, name, self.pos)
        else {
            return out.hole();
        };
        let inner = UrlReader {
            scope: a.scope,
            pos: a.span.start_byte,
            ..*self
        };
        inner.value(&a.value, depth + 1, out);
    }
}

/// A project class deriving from a catalogued settings base, with the
/// environment prefix it sets.
struct SettingsOf {
    /// The class and its project bases (file, class), nearest first.
    chain: Vec<(usize, usize)>,
    prefix: String,
}

/// A declared settings field.
struct SettingsField {
    file: usize,
    alias: Option<Ustr>,
    /// Copied: the class's file is read at random.
    default: Option<Value>,
}

/// Project classes followed up from a settings class, at most.
const MAX_SETTINGS_BASES: usize = 8;

/// `class` (a dotted name) when it derives, through project classes, from
/// a settings base of the catalogue.
fn settings_class(project: &Project, catalog: &Catalog, class: &str) -> Option<SettingsOf> {
    use crate::analysis::index::Symbol;
    let mut chain = Vec::new();
    let mut next = vec![class.to_string()];
    let mut kind = None;
    while let Some(c) = next.pop() {
        if chain.len() >= MAX_SETTINGS_BASES {
            break;
        }
        if let Some(k) = catalog
            .settings_classes
            .iter()
            .find(|s| s.bases.contains(&c))
        {
            kind = kind.or(Some(k));
            continue;
        }
        if let Some(Symbol::Class(fi, ci)) = project.index.symbol(&c)
            && !chain.contains(&(fi, ci))
        {
            chain.push((fi, ci));
            next.extend(
                project.file(fi, Reader::UrlValues).classes[ci]
                    .bases
                    .iter()
                    .rev()
                    .map(|b| project.canonical_or_same(b).as_str().to_string()),
            );
        }
    }
    let kind = kind?;
    // The prefix the nearest class sets: `model_config =
    // SettingsConfigDict(env_prefix=...)`, a `{"env_prefix": ...}` dict, or
    // `env_prefix = ...` in a nested `class Config`.
    let key = kind.prefix_key.as_str();
    let prefix = chain.iter().find_map(|&(fi, ci)| {
        let f = project.file(fi, Reader::UrlValues);
        let span = f.classes[ci].span;
        f.assignments
            .iter()
            .filter(|a| a.scope.is_none() && span.contains(&a.span))
            .find_map(|a| {
                if a.target == key {
                    return a.value.as_str().map(str::to_string);
                }
                let from_args = a.value_args.as_deref().and_then(|args| {
                    args.iter()
                        .find(|x| x.keyword.is_some_and(|k| k == key))
                        .and_then(|x| x.value.as_str().map(str::to_string))
                });
                from_args.or_else(|| match &a.value {
                    Value::Dict(pairs) => pairs.iter().find_map(|(k, v)| {
                        (k.as_str() == Some(key)).then(|| v.as_str().map(str::to_string))?
                    }),
                    _ => None,
                })
            })
    });
    Some(SettingsOf {
        chain,
        prefix: prefix.unwrap_or_default(),
    })
}

impl SettingsOf {
    /// Field `name` as the nearest class declares it (annotated, or a
    /// plain class variable), with its alias and default.
    fn field(&self, project: &Project, name: &str) -> Option<SettingsField> {
        self.chain.iter().find_map(|&(fi, ci)| {
            let f = project.file(fi, Reader::UrlValues);
            let c = &f.classes[ci];
            let declared = c.fields.iter().find(|x| x.name == name);
            let assigned = f
                .assignments
                .iter()
                .find(|a| a.scope.is_none() && c.span.contains(&a.span) && a.target == name);
            if declared.is_none() && assigned.is_none() {
                return None;
            }
            // `Field("http://...", alias=...)`: the default is its first argument.
            let default = assigned.map(|a| {
                let field_call = a
                    .value_call
                    .is_some_and(|t| t.as_str().ends_with(".Field()"));
                a.value_args
                    .as_deref()
                    .filter(|_| field_call)
                    .and_then(|args| args.iter().find(|x| x.keyword.is_none()))
                    .map_or(&a.value, |x| &x.value)
                    .clone()
            });
            Some(SettingsField {
                file: fi,
                alias: declared.and_then(|x| x.rename),
                default,
            })
        })
    }
}

/// A `%` format string's literal parts, with a hole for each conversion.
fn printf(format: &str, out: &mut Url) {
    let mut chars = format.chars().peekable();
    let mut lit = String::new();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            lit.push('%');
            continue;
        }
        out.lit(&lit);
        lit.clear();
        out.hole();
        // Skip the conversion: an optional `(key)`, flags and width, then its letter.
        if chars.peek() == Some(&'(') {
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
            }
        }
        for c in chars.by_ref() {
            if c.is_ascii_alphabetic() {
                break;
            }
        }
    }
    out.lit(&lit);
}

/// The entry point a step of a call path hops to: `site` is followed by a
/// call made in the handler of a `Via::Service` target of `site`.
pub fn hop_at(project: &Project, graph: &CallGraph, site: Site, next: Site) -> Option<usize> {
    // Most steps are plain calls: only a request to a service reads the
    // next call's file (for its node).
    let targets = graph.targets_at(site);
    if !targets
        .iter()
        .any(|(_, via)| matches!(via, Via::Service { .. }))
    {
        return None;
    }
    let call = &project.file(next.file, Reader::Hops).calls[next.call];
    let node = graph.node_at(next.file, call.scope.as_deref(), call.span.start_byte);
    targets.iter().find_map(|&(t, via)| match via {
        Via::Service { entry } if t == node => Some(entry as usize),
        _ => None,
    })
}

/// Every hop edge of the analysed project: the request's call site, the
/// target node and the entry point it serves (`synthlint debug hops`).
pub fn edges(project: &Project, graph: &CallGraph) -> Vec<(Site, NodeId, usize)> {
    let mut out = Vec::new();
    for (fi, file) in project.each_file(Reader::Hops).iter() {
        for ci in 0..file.calls.len() {
            let site = Site { file: fi, call: ci };
            for &(t, via) in graph.targets_at(site) {
                if let Via::Service { entry } = via {
                    out.push((site, t, entry as usize));
                }
            }
        }
    }
    out
}

/// How a message names a hop: `POST /worker_generate on the project's own
/// service (worker.py)`.
pub fn describe_hop(entry: &EntryPoint) -> String {
    let what = match (&entry.route, &entry.handler) {
        // An RPC method has no route: its handler names it.
        (None, Handler::Function { qualname, .. }) => format!("{} `{qualname}`", entry.framework),
        _ => entry.describe(),
    };
    format!(
        "{what} on the project's own service ({})",
        entry.location.path
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url {
            text: text.replace('$', &HOLE.to_string()),
            from: None,
        }
    }

    #[test]
    fn files_that_may_hop_have_a_request_or_a_stub_call() {
        let catalog =
            crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        let may_hop = |text: &str| {
            let (file, _) = crate::lang::python::extract("a.py", text, &[]);
            file_may_hop(&catalog, &file)
        };
        assert!(may_hop(
            "import requests\nrequests.post('http://w:8000/generate', json={})\n"
        ));
        assert!(may_hop(
            "import chat_pb2_grpc\nstub = chat_pb2_grpc.ChatStub(ch)\nstub.Generate(req)\n"
        ));
        // No request: calls, but none that reaches a route or a servicer.
        assert!(!may_hop("import os\nprint(os.getenv('X'))\n"));
        assert!(!may_hop("import requests\ns = requests.Session()\n"));
        assert!(!may_hop("x = 1\n"));
    }

    #[test]
    fn urls_split_into_host_and_path() {
        let u = url("$/worker_generate_stream");
        assert_eq!(u.host(), None);
        assert_eq!(u.path_segments(), Some(vec!["worker_generate_stream"]));
        let u = url("http://127.0.0.1:$/completion");
        assert_eq!(u.host().as_deref(), Some("127.0.0.1"));
        assert!(!u.external());
        let u = url("https://api.example.com/worker_generate");
        assert!(u.external());
        assert_eq!(
            url("http://$:$/inference_$").path_segments(),
            Some(vec!["inference_\u{1}"])
        );
        assert_eq!(url("$/$").path_segments(), None);
        assert_eq!(
            url("$/v1/chat/completions").literal_path(),
            Some("/v1/chat/completions")
        );
    }

    #[test]
    fn run_time_bases_keep_the_literal_end_of_the_path() {
        assert_eq!(
            url("$/$/chat/completions?api-version=$").run_time_path(),
            Some("/chat/completions")
        );
        assert_eq!(
            url("http://$:$/v1/messages").run_time_path(),
            Some("/v1/messages")
        );
        // A literal host is not a run-time base; nor is a relative path.
        assert_eq!(
            url("https://api.x.ai/v1/chat/completions").run_time_path(),
            None
        );
        assert_eq!(url("/v1/chat/completions").run_time_path(), None);
        assert_eq!(url("$").run_time_path(), None);
    }

    #[test]
    fn holes_match_any_run() {
        assert!(glob("inference_\u{1}", "inference_sft"));
        assert!(!glob("inference_\u{1}", "health"));
        assert!(glob("a\u{1}c\u{1}", "abcxc"));
        assert!(glob("generate", "generate"));
        assert!(!glob("generate", "generate_stream"));
    }

    #[test]
    fn servicers_by_either_convention() {
        let rpc = |module: &str, servicer: &str, servicer_module: Option<&str>| RpcStub {
            id: "t".into(),
            language: Language::Python,
            module_suffix: module.into(),
            stub_suffix: "Stub".into(),
            servicer_suffix: servicer.into(),
            servicer_module_suffix: servicer_module.map(Into::into),
            from_proto: false,
            constructors: Vec::new(),
            register_prefix: String::new(),
            register_suffix: String::new(),
        };
        let grpc = rpc("_pb2_grpc", "Servicer", None);
        assert_eq!(
            servicer_of(&grpc, "app.pb.chat_pb2_grpc.ChatServicer"),
            Some("Chat")
        );
        assert_eq!(servicer_of(&grpc, "app.pb.chat_pb2.ChatServicer"), None);
        let tonic = rpc("_client", "", Some("_server"));
        assert_eq!(
            servicer_of(&tonic, "pb.text_generation_server.TextGeneration"),
            Some("TextGeneration")
        );
        // A trait of a `_server` module that is not the service's own.
        assert_eq!(servicer_of(&tonic, "pb.text_generation_server.Other"), None);
        assert_eq!(servicer_of(&rpc("_client", "", None), "a_server.A"), None);
        assert!(same_name("GenerateStream", "generate_stream"));
        assert!(same_name(
            "text_generation_service",
            "TextGenerationService"
        ));
        assert!(!same_name("Generate", "generate_stream"));
    }

    #[test]
    fn printf_formats_leave_holes() {
        let mut u = Url::default();
        printf("http://%s:%d/gen%%x/%(k)s", &mut u);
        assert_eq!(u.text, "http://\u{1}:\u{1}/gen%x/\u{1}");
    }
}
