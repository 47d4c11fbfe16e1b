//! Generation sinks: calls into catalogued generation APIs, with what they
//! generate. Shared by the inventory rule, the call graph and reports.

use std::cell::Cell;
use std::collections::VecDeque;

use crate::analysis::env::EnvFrom;
use crate::analysis::hops::UrlReader;
use crate::analysis::index::Symbol;
use crate::analysis::region::{self, SiteRegion};
use crate::analysis::{FastMap, Project, Reader};
use crate::catalog::{Catalog, ContentType, GenerationApi, Jurisdiction, hosts};
use crate::facts::{Arg, Call, FileFacts, Language, QName, Value};
use crate::qname::OptionQName;
use crate::source::Span;
use ustr::Ustr;

/// One call into a generation API.
#[derive(Debug, Clone)]
pub struct GenerationSite<'a> {
    /// Index into `Project::files`.
    pub file: usize,
    /// Index into that file's `calls`.
    pub call: usize,
    /// What its readers show of the call.
    pub at: SiteCall,
    pub api: &'a GenerationApi,
    pub content: Vec<ContentType>,
    /// Literal model id, when known.
    pub model: Option<String>,
    /// Who serves the call: the API's provider, or the provider behind a
    /// literal `base_url` or request URL.
    pub provider: String,
    pub host: Option<String>,
    pub jurisdiction: Jurisdiction,
    /// The generation function or bound method passed as a value, when the
    /// call runs one rather than being one (`run_in_threadpool(generate_step, ...)`).
    pub passed: Option<Ustr>,
    /// For a site of the project's own model (no catalogue entry), why it
    /// is taken for generation (`analysis::inferred`); `None` when the
    /// catalogue names the call (observed).
    pub inferred: Option<String>,
    /// Where the server's address came from when the project's
    /// configuration set it (`LLM_BASE_URL from .env:3`).
    pub configured: Option<EnvFrom>,
    /// The cloud region the call is served from, when the code or the
    /// settings name one (`analysis::region`); it decides `jurisdiction`.
    pub region: Option<SiteRegion>,
    /// Edits faces or voices: the API is marked `biometric`, or the call
    /// passes one of its `biometric_keywords` (`speaker_wav=`), or, for the
    /// project's own model, its name or model file says so.
    pub biometric: bool,
}

/// What the readers of a generation site show of its call (a finding's
/// span and symbol, a message's callee) and where the call graph places it,
/// kept with the site: with the facts stored (`--facts-memory`) each read
/// of the file decodes it again, and the rules read the sites' files once
/// per endpoint that reaches them.
#[derive(Debug, Clone, Copy, Default)]
pub struct SiteCall {
    pub span: Span,
    /// The enclosing function's qualname (`Call::scope`).
    pub scope: Option<Ustr>,
    pub callee: Ustr,
}

impl SiteCall {
    pub fn of(call: &Call) -> SiteCall {
        SiteCall {
            span: call.span,
            scope: call.scope,
            callee: call.callee,
        }
    }
}

impl GenerationSite<'_> {
    /// How messages name the generation call: the function passed, or the callee.
    pub fn callee(&self) -> Ustr {
        self.passed.unwrap_or(self.at.callee)
    }

    /// SARIF's `evidence` property: `observed` (a catalogue match) or
    /// `inferred` (the project's own model).
    pub fn evidence(&self) -> &'static str {
        if self.inferred.is_some() {
            "inferred"
        } else {
            "observed"
        }
    }
}

/// The generation sites among file `fi`'s calls, in call order (the
/// per-file phase joins them in file order). A call on a project class
/// that subclasses a catalogued one (`class MyPipe(StableDiffusionXLPipeline)`)
/// counts as a call on that base.
///
/// `urls_read` is set when a call's URL was read (a URL reads other
/// files: names bound elsewhere, the configuration, folders above).
/// `names` keeps what was asked of callees' names alone, for the files
/// searched after this one with the same `project` and `catalog`.
pub(crate) fn file_sites<'a>(
    project: &Project,
    catalog: &'a Catalog,
    memo: &region::Memo,
    names: &mut NameMemo,
    fi: usize,
    file: &FileFacts,
    urls_read: &Cell<bool>,
) -> Vec<GenerationSite<'a>> {
    let mut out = Vec::new();
    // Tests send to the product under test at a run-time base: its own
    // routes, not a provider.
    let run_time_base = !catalog.entrypoints.test_paths.is_match(file.path.as_str());
    names.bound();
    for (ci, call) in file.calls.iter().enumerate() {
        let lang = file.language;
        let reader = UrlReader::at(project, catalog, fi, call).with_env();
        let urls = Urls {
            reader: Some(reader),
            run_time_base,
            memo: Some(memo),
            read: Some(urls_read),
        };
        let found = site_read(catalog, lang, call, &urls)
            .or_else(|| via_base_class(catalog, lang, project, call, &urls, &mut names.classes))
            .or_else(|| as_imported(catalog, lang, call, &urls))
            .or_else(|| passed_as_value(catalog, lang, project, call))
            .or_else(|| run_time_candidate(catalog, lang, project, fi, ci, call, &urls))
            .or_else(|| in_library_copy(catalog, lang, call, &urls, &mut names.biometric))
            .or_else(|| {
                // What the receiver was made with, from its binding, where
                // the frontend did not attach it (Rust `let s = ...;`).
                // The binding first: most calls have none, and a call's
                // clone is dear.
                let args = binding_args(catalog, file, call)?;
                let mut bound = call.clone();
                bound.set_receiver_args(Some(args));
                site_read(catalog, lang, &bound, &urls)
            });
        if let Some(site) = found {
            out.push(GenerationSite {
                file: fi,
                call: ci,
                at: SiteCall::of(call),
                ..site
            });
        }
    }
    out
}

/// What `file_sites` asks of a callee's resolved name alone, whatever the
/// call's arguments (the project's classes, the catalogue's biometric
/// libraries), found once per distinct name: each answer costs a hash
/// look-up per segment of the name, and files call the same paths many
/// times (a Rust file calls many names once, which other files call too).
/// One memo serves one project and one catalogue; the per-file pass keeps
/// one per rayon job, which runs many files on one thread (no lock), so an
/// answer is the same whichever thread found it first.
#[derive(Default)]
pub(crate) struct NameMemo {
    /// [`class_prefix_end`] of each name asked about.
    classes: FastMap<QName, Option<u32>>,
    /// Whether some segment after the first starts a biometric library's
    /// name (`Catalog::biometric_tails`).
    biometric: FastMap<QName, bool>,
}

impl NameMemo {
    /// Names kept per map before it starts again (~2–4 MiB each: a file
    /// may add names past the bound before it is checked, and the table
    /// doubles as it grows).
    const MAX_NAMES: usize = 1 << 16;

    /// Start again past [`NameMemo::MAX_NAMES`]: a scan's distinct names
    /// grow with its size, and every answer can be found again.
    fn bound(&mut self) {
        if self.classes.len() > Self::MAX_NAMES {
            self.classes = FastMap::default();
        }
        if self.biometric.len() > Self::MAX_NAMES {
            self.biometric = FastMap::default();
        }
    }
}

/// A face or voice editing API inside the project: the scanned product is
/// the library (CosyVoice's own web UI calling `cosyvoice.cli.cosyvoice`,
/// whose modules the index names from the scan root), or carries a copy of
/// it (`iopaint.plugins.facexlib.utils...`). Only biometric entries are
/// matched so: their libraries are the ones products ship as their own.
fn in_library_copy<'a>(
    catalog: &'a Catalog,
    lang: Language,
    call: &Call,
    urls: &Urls<'_>,
    has_tail: &mut FastMap<QName, bool>,
) -> Option<GenerationSite<'a>> {
    let name = *call.resolved.as_ref()?;
    let resolved = name.as_str();
    // Most names have no such segment: asked once per name.
    let any = *has_tail
        .entry(name)
        .or_insert_with(|| catalog.biometric_tails(resolved).next().is_some());
    if !any {
        return None;
    }
    catalog
        .biometric_tails(resolved)
        .filter_map(|tail| site_as(catalog, lang, call, tail, urls))
        .find(|s| s.biometric)
}

/// The arguments of the call that made a call's receiver, read from the
/// last assignment to the receiver's name before the call in the same
/// function (`let swapper = Session::builder()?.commit_from_file("x.onnx")?;
/// swapper.run(feeds)`), for frontends that do not attach them to the call.
/// Only for a receiver of the type that assignment made.
fn binding_args(
    catalog: &Catalog,
    file: &crate::facts::FileFacts,
    call: &Call,
) -> Option<std::sync::Arc<[Arg]>> {
    if call.receiver_args().is_some() || file.language == Language::Python {
        return None;
    }
    let crate::facts::Receiver::Name(name) = call.receiver else {
        return None;
    };
    let resolved = call.resolved.as_ref()?.as_str();
    // Only for APIs whose content the receiver's arguments decide.
    catalog
        .generation_api(file.language, resolved)?
        .content_by_arg
        .as_ref()
        .filter(|b| b.on_receiver)?;
    let instance = resolved.rsplit_once('.')?.0;
    let a = file.assignments.iter().rfind(|a| {
        a.target == name && a.scope == call.scope && a.span.end_byte <= call.span.start_byte
    })?;
    (a.value_call.as_ref()?.as_str() == instance)
        .then(|| a.value_args.clone())
        .flatten()
}

/// A catalogued generation function or bound method passed as a value to a
/// call that runs it (`run_in_threadpool(generate_step, ...)`,
/// `Thread(target=model.generate)`, `executor.submit(llm.generate, p)`): the
/// call is the site, named after what it passes. APIs whose content depends
/// on the call's own arguments are left out (these arguments are the
/// runner's), and so is the model and base URL (on the call that is run).
fn passed_as_value<'a>(
    catalog: &'a Catalog,
    lang: Language,
    project: &Project,
    call: &Call,
) -> Option<GenerationSite<'a>> {
    call.args.iter().find_map(|arg| {
        let Value::Name {
            text,
            resolved: Some(r),
        } = &arg.value
        else {
            return None;
        };
        let r = project.canonical_or_same(r);
        // A function or method, not an instance (`pipe`, whose patterns end
        // in `()`, is called when it generates) nor a class (`ChatOpenAI` in
        // `isinstance(llm, ChatOpenAI)` builds nothing).
        let last = r.as_str().rsplit('.').next().unwrap_or_default();
        if last.ends_with(')') || last.starts_with(|c: char| c.is_uppercase()) {
            return None;
        }
        let api = catalog.generation_api(lang, r.as_str())?;
        if api.content_by_arg.is_some() || api.content.is_empty() {
            return None;
        }
        Some(GenerationSite {
            file: 0,
            call: 0,
            at: SiteCall::default(),
            api,
            content: api.content.clone(),
            model: None,
            provider: api.provider.clone(),
            host: api.host.clone(),
            jurisdiction: api.jurisdiction,
            passed: Some(*text),
            inferred: None,
            configured: None,
            region: None,
            biometric: api.biometric,
        })
    })
}

/// How URLs are read: through names bound in the project and calls that
/// build URLs (`analysis::hops::UrlReader`), or as literals only; and whether
/// a run-time base plus a generation path counts here (not in test files);
/// and where to note that a URL was read.
struct Urls<'p> {
    /// Reads URLs through the project's names; `None`: literals only.
    reader: Option<UrlReader<'p>>,
    /// Whether a run-time base plus a generation path counts (not in tests).
    run_time_base: bool,
    /// Regions of set-up calls, shared by the files' readers.
    memo: Option<&'p region::Memo>,
    /// Set when a URL was read.
    read: Option<&'p Cell<bool>>,
}

impl Urls<'_> {
    fn note_read(&self) {
        if let Some(read) = self.read {
            read.set(true);
        }
    }

    /// Host and path of a URL value: `BASE + "/chat/completions"` with a
    /// module-level literal `BASE`, a literal fallback (`cfg or "https://…"`,
    /// an environment read's default).
    /// Also says where a configured variable gave the URL.
    fn split_from(&self, v: &Value) -> Option<(String, String, Option<EnvFrom>)> {
        self.note_read();
        match &self.reader {
            Some(r) => {
                let url = r.url(v);
                url.split().map(|(h, p)| (h, p, url.from))
            }
            None => v
                .as_str_or_default()
                .and_then(hosts::split_url)
                .map(|(h, p)| (h, p, None)),
        }
    }

    /// The server a client library reads from the environment when the code
    /// passes none (`OPENAI_BASE_URL`), as the project's configuration sets it.
    fn server_in_env(
        &self,
        catalog: &Catalog,
        call: &Call,
        provider: &str,
    ) -> Option<(String, String, EnvFrom)> {
        self.note_read();
        let reader = self.reader.as_ref()?;
        let e = catalog
            .env_endpoints
            .iter()
            .find(|e| e.providers.iter().any(|p| p == provider))?;
        if let Some(found) = attribute_set(reader, call, &e.attributes) {
            return Some(found);
        }
        e.vars.iter().find_map(|var| {
            let url = reader.url(&Value::Env {
                name: Ustr::from(var),
                default: None,
            });
            let (h, p) = url.split()?;
            Some((h, p, url.from?))
        })
    }

    /// The literal path after a base known only at run time.
    fn run_time_path(&self, v: &Value) -> Option<String> {
        self.note_read();
        if !self.run_time_base {
            return None;
        }
        let url = self.reader.as_ref()?.url(v);
        Some(url.run_time_path()?.trim_end_matches('/').to_string())
    }
}

/// A module attribute that sets a library's server (`dashscope.base_http_api_url
/// = "https://dashscope-intl.aliyuncs.com/api/v1"`): in the reading file,
/// else in a file of a folder above it (the service's start-up module; the
/// first by path), read as a URL. Another service's setting says nothing.
fn attribute_set(
    reader: &UrlReader<'_>,
    call: &Call,
    attributes: &[String],
) -> Option<(String, String, EnvFrom)> {
    let (scope, at) = (call.scope, call.span.start_byte);
    if attributes.is_empty() {
        return None;
    }
    let project = reader.project();
    let here = reader.file();
    let dir = project.path(here).rsplit_once('/').map_or("", |(d, _)| d);
    let order = std::iter::once(here).chain((0..project.file_count()).filter(|&f| f != here));
    for fi in order {
        // The folder from the path (summary) first: only files in a folder
        // above are read.
        let folder = project.path(fi).rsplit_once('/').map_or("", |(d, _)| d);
        if !region::contains(folder, dir) {
            continue;
        }
        let file = project.file(fi, Reader::GenerationSites);
        for a in &file.assignments {
            if !attributes.iter().any(|t| t == a.target.as_str()) {
                continue;
            }
            // Module level, or earlier in the calling function: a setting
            // made in some function (a fallback after a failed call) is not
            // what every call uses.
            let before = fi == here && a.scope == scope && a.span.start_byte < at;
            if a.scope.is_some() && !before {
                continue;
            }
            let url = reader.url(&a.value);
            let Some((h, p)) = url.split() else { continue };
            let from = url.from.unwrap_or_else(|| EnvFrom {
                text: format!("{} at {}:{}", a.target, file.path, a.span.start_line),
                file: fi,
                span: a.span,
            });
            return Some((h, p, from));
        }
    }
    None
}

/// A callee known only at run time with several candidates (a loader
/// registry, a global two loaders set): the first that generates.
fn run_time_candidate<'a>(
    catalog: &'a Catalog,
    lang: Language,
    project: &Project,
    fi: usize,
    ci: usize,
    call: &Call,
    urls: &Urls<'_>,
) -> Option<GenerationSite<'a>> {
    project
        .runtime()
        .alternatives(fi, ci)
        .iter()
        .find_map(|alt| site_as(catalog, lang, call, alt.as_str(), urls))
}

/// Retry with the name as imported, before the index followed it into the project.
fn as_imported<'a>(
    catalog: &'a Catalog,
    lang: Language,
    call: &Call,
    urls: &Urls<'_>,
) -> Option<GenerationSite<'a>> {
    site_as(catalog, lang, call, call.imported().as_name()?, urls)
}

/// Retry a call on a project class as a call on each of its base classes
/// outside the project (breadth-first, bounded).
fn via_base_class<'a>(
    catalog: &'a Catalog,
    lang: Language,
    project: &Project,
    call: &Call,
    urls: &Urls<'_>,
    class_ends: &mut FastMap<QName, Option<u32>>,
) -> Option<GenerationSite<'a>> {
    let class = |name: &str| match project.index.symbol(name) {
        Some(Symbol::Class(fi, ci)) => Some(project.file(fi, Reader::GenerationSites).class(ci)),
        _ => None,
    };
    let resolved = *call.resolved.as_ref()?;
    let end = *class_ends
        .entry(resolved)
        .or_insert_with(|| class_prefix_end(project, resolved));
    let (first, rest) = resolved.as_str().split_at(end? as usize);
    let mut queue: VecDeque<QName> = VecDeque::from([QName::new(first)]);
    let mut seen = 0;
    while let Some(c) = queue.pop_front() {
        seen += 1;
        if seen > 32 {
            return None;
        }
        match class(c.as_str()) {
            Some(k) => queue.extend(k.bases.iter().map(|b| project.canonical_or_same(b))),
            None => {
                if let Some(s) = site_as(catalog, lang, call, &format!("{c}{rest}"), urls) {
                    return Some(s);
                }
            }
        }
    }
    None
}

/// The digest of what the class look-ups of [`file_sites`] and the
/// inferred candidates read in other files (`via_base_class`,
/// `inferred::is_model_class`): every name `SemanticIndex::symbol` answers
/// with a class, and that class's bases as `Project::canonical_or_same`
/// gives them. `bases` holds, per file, its classes' bases (the first
/// pass's). A code edit that declares, renames or rebases no class (and
/// moves no base's canonical name) leaves it alone; a file's site unit
/// (`crate::parts::Parts::no_sites`) holds only under the digest it was
/// found under.
pub(crate) fn class_table_digest(project: &Project, bases: &[Vec<Vec<QName>>]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut classes = project.index.class_symbols();
    classes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    let text = |h: &mut Sha256, s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    h.update(b"synthlint-class-table\0");
    h.update((classes.len() as u64).to_le_bytes());
    for (name, fi, ci) in &classes {
        text(&mut h, name);
        let of_class = bases
            .get(*fi)
            .and_then(|file| file.get(*ci))
            .map_or(&[][..], Vec::as_slice);
        h.update((of_class.len() as u64).to_le_bytes());
        for b in of_class {
            text(&mut h, project.canonical_or_same(b).as_str());
        }
    }
    h.finalize().into()
}

/// Whether file `fi` may have a site by the two ways its site unit does
/// not cover: a run-time alternative of a call (found across files by the
/// serial evaluation) that the catalogue names as a generation API or an
/// HTTP call (anything else is no site, with no URL read: `site_as`), or
/// a function passed as a value whose canonical name (an alias anywhere)
/// is a generation API. When neither, a file the unit says has no site
/// and no candidate has none.
pub(crate) fn may_find_beyond_unit(
    project: &Project,
    catalog: &Catalog,
    fi: usize,
    file: &FileFacts,
) -> bool {
    let runtime = project.runtime();
    let lang = file.language;
    file.calls.iter().enumerate().any(|(ci, call)| {
        runtime.alternatives(fi, ci).iter().any(|alt| {
            catalog.generation_api(lang, alt.as_str()).is_some()
                || catalog.http_call(lang, alt.as_str()).is_some()
        }) || passed_as_value(catalog, lang, project, call).is_some()
    })
}

/// Where the longest prefix of `name` that names a project class ends
/// (`app.Pipe().run` → 8, for `app.Pipe`), if one does.
fn class_prefix_end(project: &Project, name: QName) -> Option<u32> {
    name.splits()
        .rfind(|(prefix, _)| matches!(project.index.symbol(prefix), Some(Symbol::Class(..))))
        .map(|(prefix, _)| prefix.len() as u32)
}

/// The generation API a call reaches, if any (file/call indices left 0).
pub fn site<'a>(catalog: &'a Catalog, lang: Language, call: &Call) -> Option<GenerationSite<'a>> {
    site_read(
        catalog,
        lang,
        call,
        &Urls {
            reader: None,
            run_time_base: false,
            memo: None,
            read: None,
        },
    )
}

fn site_read<'a>(
    catalog: &'a Catalog,
    lang: Language,
    call: &Call,
    urls: &Urls<'_>,
) -> Option<GenerationSite<'a>> {
    site_as(catalog, lang, call, call.resolved.as_name()?, urls)
}

/// `site` for the call as if its callee resolved to `resolved` (the name as
/// imported, or a base class's method), without copying the call.
fn site_as<'a>(
    catalog: &'a Catalog,
    lang: Language,
    call: &Call,
    resolved: &str,
    urls: &Urls<'_>,
) -> Option<GenerationSite<'a>> {
    let Some(api) = catalog.generation_api(lang, resolved) else {
        return http_site(catalog, lang, call, resolved, urls);
    };
    let (api, content) = match content_types(api, call) {
        Some(content) => (api, content),
        None => catalog
            .generation_alternatives(lang, resolved)
            .find_map(|a| content_types(a, call).map(|c| (a, c)))?,
    };
    let mut site = GenerationSite {
        file: 0,
        call: 0,
        at: SiteCall::default(),
        api,
        content,
        model: model_of(api, call),
        provider: api.provider.clone(),
        host: api.host.clone(),
        jurisdiction: api.jurisdiction,
        passed: None,
        inferred: None,
        configured: None,
        region: None,
        biometric: api.biometric
            || api
                .biometric_keywords
                .iter()
                .any(|k| keyword(&call.args, k).is_some_and(|v| *v != Value::None)),
    };
    // A `base_url` on the call or its client points at another server; with
    // none, the library may read one from the environment.
    let base_url = api.base_url_keywords.iter().find_map(|k| {
        keyword(call.receiver_args().unwrap_or(&[]), k).or_else(|| keyword(&call.args, k))
    });
    let found = match base_url {
        Some(v) => Some(urls.split_from(v)),
        None => urls
            .server_in_env(catalog, call, &api.provider)
            .map(|(h, p, from)| Some((h, p, Some(from)))),
    };
    match found {
        Some(Some((host, _, from))) => {
            site.configured = from;
            if let Some((_, h)) = catalog.host(&host) {
                site.provider = h.provider.clone();
                site.jurisdiction = h.jurisdiction;
            } else {
                site.provider =
                    format!("{}-compatible server at {host}", api_family(&api.provider));
                site.jurisdiction = if hosts::is_local(&host) {
                    Jurisdiction::SelfHosted
                } else {
                    Jurisdiction::Unknown
                };
            }
            site.host = Some(host);
        }
        // Set, but only known at run time.
        Some(None) => {
            site.provider = format!(
                "{}-compatible server (base URL set at run time)",
                api_family(&api.provider)
            );
            site.jurisdiction = Jurisdiction::Unknown;
            site.host = None;
        }
        // The provider's own servers: their region, if named, says where.
        None => {
            if let (Some(reader), Some(memo)) = (&urls.reader, urls.memo)
                && let Some(r) = region::of_call(reader, memo, catalog, call, &site.provider)
            {
                site.jurisdiction = r.jurisdiction;
                site.region = Some(r);
            }
        }
    }
    Some(site)
}

/// A plain HTTP request to a URL on a known model host and path (literal,
/// or built from literals the program falls back to).
fn http_site<'a>(
    catalog: &'a Catalog,
    lang: Language,
    call: &Call,
    resolved: &str,
    urls: &Urls<'_>,
) -> Option<GenerationSite<'a>> {
    let http = catalog.http_call(lang, resolved)?;
    let url = http
        .url_keyword
        .as_deref()
        .and_then(|k| keyword(&call.args, k))
        .or_else(|| {
            http.url_position
                .and_then(|p| call.args.iter().filter(|a| a.keyword.is_none()).nth(p))
                .map(|a| &a.value)
        })?;
    let mut configured = None;
    let (host, (i, h, content)) = match urls.split_from(url) {
        Some((host, path, from)) => {
            let found = catalog.generation_host(&host, &path)?;
            configured = from;
            (Some(host), found)
        }
        None if http.run_time_base => (None, catalog.run_time_host(&urls.run_time_path(url)?)?),
        None => return None,
    };
    // The model named in a literal JSON body, if any.
    let model = keyword(&call.args, "json")
        .and_then(|v| match v {
            Value::Dict(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some("model"))
                .and_then(|(_, v)| v.as_str()),
            _ => None,
        })
        .map(str::to_owned);
    Some(GenerationSite {
        file: 0,
        call: 0,
        at: SiteCall::default(),
        api: &catalog.host_apis[i],
        content,
        model,
        provider: h.provider.clone(),
        host,
        jurisdiction: h.jurisdiction,
        passed: None,
        inferred: None,
        configured,
        region: None,
        biometric: false,
    })
}

fn keyword<'v>(args: &'v [Arg], k: &str) -> Option<&'v Value> {
    args.iter()
        .find(|a| a.keyword.as_deref() == Some(k))
        .map(|a| &a.value)
}

/// What the call generates, or `None` when an argument says it generates nothing
/// (e.g. a `transformers.pipeline` for classification).
pub fn content_types(api: &GenerationApi, call: &Call) -> Option<Vec<ContentType>> {
    let Some(by_arg) = &api.content_by_arg else {
        return Some(api.content.clone());
    };
    let args: &[Arg] = if by_arg.on_receiver {
        call.receiver_args().unwrap_or(&[])
    } else {
        &call.args
    };
    let value = by_arg
        .keyword
        .as_deref()
        .and_then(|k| args.iter().find(|a| a.keyword.as_deref() == Some(k)))
        .or_else(|| {
            by_arg
                .position
                .and_then(|p| args.iter().filter(|a| a.keyword.is_none()).nth(p))
        })
        .map(|a| &a.value);
    match value {
        Some(Value::Str(s)) => by_arg.values.get(s.as_str()).cloned().or_else(|| {
            // Keys with `*` match like globs (`*swapper*` for any swapper model file).
            by_arg
                .values
                .iter()
                .find(|(k, _)| {
                    k.contains('*')
                        && globset::Glob::new(k).is_ok_and(|g| g.compile_matcher().is_match(s))
                })
                .map(|(_, v)| v.clone())
        }),
        // Not a literal: we cannot tell, so fall back to the declared content.
        _ if !api.content.is_empty() => Some(api.content.clone()),
        _ => None,
    }
}

/// The literal model id, from the call or the receiver's constructor.
pub fn model_of(api: &GenerationApi, call: &Call) -> Option<String> {
    let kw = api.model_keyword.as_deref()?;
    let find = |args: &[Arg]| {
        args.iter()
            .find(|a| a.keyword.as_deref() == Some(kw))
            .and_then(|a| a.value.as_str().map(str::to_owned))
    };
    find(&call.args).or_else(|| call.receiver_args().and_then(find))
}

/// `text/image` style list.
pub fn content_label(content: &[ContentType]) -> String {
    content
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join("/")
}

/// `OpenAI via LangChain` → `OpenAI`: the API a compatible server speaks.
fn api_family(provider: &str) -> &str {
    provider.split(" via ").next().unwrap_or(provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest prefix naming a project class, through calls and
    /// attributes; none for names of functions, modules or other libraries.
    #[test]
    fn class_prefix_end_is_the_longest_class_prefix() {
        let project = Project::new(vec![
            crate::lang::python::extract(
                "app/pipes.py",
                "class Pipe:\n    class Inner:\n        pass\n\ndef make():\n    pass\n",
                &[],
            )
            .0,
        ]);
        let end = |name: &str| class_prefix_end(&project, QName::new(name));
        assert_eq!(
            end("app.pipes.Pipe().run"),
            Some("app.pipes.Pipe".len() as u32)
        );
        assert_eq!(
            end("app.pipes.Pipe.run"),
            Some("app.pipes.Pipe".len() as u32)
        );
        assert_eq!(
            end("app.pipes.Pipe.Inner().go"),
            Some("app.pipes.Pipe.Inner".len() as u32)
        );
        assert_eq!(end("app.pipes.make().go"), None);
        assert_eq!(end("app.pipes"), None);
        assert_eq!(end("other.Pipe().run"), None);
        assert_eq!(end("Pipe"), None);
    }
}
