//! Environment variables that the project's own configuration sets: `.env`
//! files, docker-compose `environment:` (map and `- K=v` list forms, and the
//! `env_file:` a service names), Kubernetes `env:` lists (`name`/`value`),
//! Helm `values.yaml` env maps and lists, and Dockerfile `ENV`/`ARG`
//! defaults. Code that reads a variable with no default in the code
//! (`os.environ["LLM_BASE_URL"]`) is read against this map, and what it
//! gives names where it came from (`.env:3`).
//!
//! One repository often ships several services, each with its own settings.
//! A value applies to a directory (its scope): the directory of its file,
//! or for a compose service the folder it is built from (`build:` /
//! `build.context`), which also scopes the `env_file:` it loads. A read
//! takes the value whose scope is the nearest ancestor of the reading file;
//! when no scope is an ancestor, the nearest other one (fewest directory
//! steps apart), only if no other scope sets a different value. Ties go by kind (`.env`, compose, Kubernetes, Helm,
//! Dockerfile, samples such as `.env.example` last), then path and line.
//!
//! CI workflow files are not read (their variables are the jobs'), and
//! settings under a test folder apply only to code below them.
//!
//! Empty values are unset. References (`${X}`, `$X`, `${X:-default}`,
//! `${X-default}`, `${X:?error}`) are resolved against the `.env` files the
//! way compose and python-dotenv interpolate: the `.env` nearest the file
//! that holds the reference, else the default; a value with a reference
//! that resolves to nothing is unset. A resolved value says what it went
//! through (`LLM_BASE_URL from docker-compose.yml:12 via OPENAI_BASE from
//! .env:2`). Resolution stops at [`MAX_REF_DEPTH`] nested references and at
//! cycles (both counted in `unresolved`). At most [`MAX_SOURCES`] values are
//! kept per variable (the rest counted in `cut`).

use ustr::Ustr;

use crate::analysis::{FastMap, Project, Reader};
use crate::facts::{ConfigEntry, FileFacts, Language, Value};
use crate::source::Span;

/// A scope that is not an ancestor is at least this far.
const ELSEWHERE: usize = 1000;

/// Values kept per variable name.
pub const MAX_SOURCES: usize = 64;

/// References followed inside one value (`A=${B}`, `B=${C}`, ...).
pub const MAX_REF_DEPTH: usize = 8;

/// Where a value was set, best first when values tie on distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EnvKind {
    DotEnv,
    Compose,
    Kubernetes,
    Helm,
    Dockerfile,
    /// `.env.example`, `.env.sample`, `.env.template`: values a user is
    /// meant to copy, often placeholders.
    Sample,
}

/// One value set for a variable.
#[derive(Debug, Clone)]
pub struct EnvSource {
    pub file: usize,
    pub line: u32,
    /// The value's span (the key's, where the value has none).
    pub span: Span,
    pub value: String,
    /// The value as written, references and all.
    pub raw: String,
    /// The settings its references were resolved through, outermost first
    /// (`OPENAI_BASE from .env:2`).
    pub via: Vec<String>,
    pub kind: EnvKind,
    /// The directory it applies to (`""` for the root), `/`-separated.
    pub scope: String,
    /// The compose service or the YAML document, for the message.
    pub owner: Option<String>,
}

/// Every variable the project's configuration sets.
#[derive(Debug, Default)]
pub struct EnvMap {
    vars: FastMap<Ustr, Vec<EnvSource>>,
    /// Values dropped past [`MAX_SOURCES`].
    pub cut: usize,
    /// Values with references, and those left unset: a reference set
    /// nowhere with no default, a cycle, or deeper than [`MAX_REF_DEPTH`].
    pub references: usize,
    pub unresolved: usize,
}

impl EnvMap {
    pub fn build(project: &Project) -> EnvMap {
        let mut map = EnvMap::default();
        // `env_file:` of compose services: file path → the services' scopes.
        let mut env_files: FastMap<String, Vec<String>> = FastMap::default();
        // Only the configuration files are read, found by their language
        // (the summary): a few files, not a loop over every file.
        let configs = (0..project.file_count()).filter(|&fi| {
            matches!(
                project.language(fi),
                Language::Dotenv | Language::Dockerfile | Language::Yaml
            )
        });
        for fi in configs {
            if is_ci(project.path(fi)) {
                continue;
            }
            let file = project.file(fi, Reader::Env);
            if file.config.is_empty() {
                continue;
            }
            let dir = parent(&file.path);
            match file.language {
                Language::Dotenv => {
                    let kind = if is_sample(&file.path) {
                        EnvKind::Sample
                    } else {
                        EnvKind::DotEnv
                    };
                    for e in file.config.iter().filter(|e| e.path.len() == 1) {
                        map.add(e.path[0], fi, e, scalar(&e.value), kind, dir, None);
                    }
                }
                Language::Dockerfile => {
                    for e in file.config.iter().filter(|e| e.path.len() == 2) {
                        map.add(
                            e.path[1],
                            fi,
                            e,
                            scalar(&e.value),
                            EnvKind::Dockerfile,
                            dir,
                            None,
                        );
                    }
                }
                Language::Yaml => map.yaml(fi, &file, dir, &mut env_files),
                _ => {}
            }
        }
        // A `.env` that a compose service loads applies to that service's folder too.
        for fi in 0..project.file_count() {
            if project.language(fi) != Language::Dotenv {
                continue;
            }
            let Some(scopes) = env_files.get(project.path(fi)) else {
                continue;
            };
            let file = project.file(fi, Reader::Env);
            for scope in scopes {
                for e in file.config.iter().filter(|e| e.path.len() == 1) {
                    map.add(
                        e.path[0],
                        fi,
                        e,
                        scalar(&e.value),
                        EnvKind::Compose,
                        scope,
                        None,
                    );
                }
            }
        }
        map.resolve_references(project);
        map
    }

    /// Replace every value's references by what they resolve to; a value
    /// that does not resolve is dropped (unset).
    fn resolve_references(&mut self, project: &Project) {
        let mut names: Vec<Ustr> = self.vars.keys().copied().collect();
        names.sort();
        // (variable, index of the value, what it resolved to and through what)
        type Update = (Ustr, usize, Option<(String, Vec<String>)>);
        let mut updates: Vec<Update> = Vec::new();
        for name in names {
            for (i, src) in self.vars[&name].iter().enumerate() {
                if !src.raw.contains('$') {
                    continue;
                }
                self.references += 1;
                let mut stack = vec![name];
                let r = self.expand(&src.raw, project.path(src.file), project, &mut stack);
                updates.push((name, i, r));
            }
        }
        // Drop unresolved values from the back, so indices stay valid.
        for (name, i, r) in updates.into_iter().rev() {
            let list = self.vars.get_mut(&name).expect("name from the map");
            match r.and_then(|(v, via)| clean(&v).map(|v| (v, via))) {
                Some((v, via)) => {
                    list[i].value = v;
                    list[i].via = via;
                }
                None => {
                    self.unresolved += 1;
                    list.remove(i);
                }
            }
        }
        self.vars.retain(|_, l| !l.is_empty());
    }

    /// `text` with its references replaced, read for a file at `path`,
    /// and the settings it went through; `None` when one resolves to
    /// nothing. `stack` holds the variables being expanded (cycles).
    fn expand(
        &self,
        text: &str,
        path: &str,
        project: &Project,
        stack: &mut Vec<Ustr>,
    ) -> Option<(String, Vec<String>)> {
        if stack.len() > MAX_REF_DEPTH {
            return None;
        }
        let mut out = String::new();
        let mut via = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            // `$$` is a literal dollar (compose).
            if let Some(r) = after.strip_prefix('$') {
                out.push('$');
                rest = r;
                continue;
            }
            let (name, default, tail) = if let Some(inner) = after.strip_prefix('{') {
                let end = inner.find('}')?;
                let body = &inner[..end];
                let split = body.find([':', '-', '?']).unwrap_or(body.len());
                let (name, op) = body.split_at(split);
                let default = op.strip_prefix(":-").or_else(|| op.strip_prefix('-'));
                (name, default, &inner[end + 1..])
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], None, &after[end..])
            };
            if !is_var_name(name) {
                return None;
            }
            let name = Ustr::from(name);
            let found = if stack.contains(&name) {
                None
            } else {
                self.dotenv_value(name.as_str(), path).and_then(|src| {
                    stack.push(name);
                    let r = if src.raw.contains('$') {
                        self.expand(&src.raw, project.path(src.file), project, stack)
                    } else {
                        Some((src.value.clone(), Vec::new()))
                    };
                    stack.pop();
                    let (v, inner) = r?;
                    via.push(format!(
                        "{name} from {}",
                        src.origin(project.path(src.file))
                    ));
                    via.extend(inner);
                    Some(v)
                })
            };
            match (found, default) {
                (Some(v), _) if !v.is_empty() => out.push_str(&v),
                (_, Some(d)) if !d.contains('$') => out.push_str(d),
                _ => return None,
            }
            rest = tail;
        }
        out.push_str(rest);
        Some((out, via))
    }

    /// The `.env` value of `name` nearest `path` (what compose and
    /// python-dotenv interpolate from), samples last.
    fn dotenv_value(&self, name: &str, path: &str) -> Option<&EnvSource> {
        let list = self.vars.get(&Ustr::from_existing(name)?)?;
        let dir = parent(path);
        list.iter()
            .filter(|s| matches!(s.kind, EnvKind::DotEnv | EnvKind::Sample))
            .filter(|s| s.scope.is_empty() || distance(&s.scope, dir) < ELSEWHERE)
            .min_by_key(|s| (distance(&s.scope, dir), s.kind, s.file, s.line))
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        name: Ustr,
        file: usize,
        e: &ConfigEntry,
        value: Option<String>,
        kind: EnvKind,
        scope: &str,
        owner: Option<String>,
    ) {
        let Some(value) = value.and_then(|v| clean(&v)) else {
            return;
        };
        let raw = value.clone();
        if !is_var_name(&name) {
            return;
        }
        let list = self.vars.entry(name).or_default();
        if list.len() >= MAX_SOURCES {
            self.cut += 1;
            return;
        }
        list.push(EnvSource {
            file,
            line: e.value_span.start_line.max(e.key_span.start_line),
            span: if e.value_span.end_byte > e.value_span.start_byte {
                e.value_span
            } else {
                e.key_span
            },
            value,
            raw,
            via: Vec::new(),
            kind,
            scope: scope.to_string(),
            owner,
        });
    }

    /// Compose services, Kubernetes `env:` lists and Helm env maps.
    fn yaml(
        &mut self,
        fi: usize,
        file: &FileFacts,
        dir: &str,
        env_files: &mut FastMap<String, Vec<String>>,
    ) {
        let helm = file_name(&file.path).starts_with("values");
        // Compose: each service's build folder first (entries come in file order,
        // but `build:` may follow `environment:`).
        let mut builds: FastMap<(u32, Ustr), String> = FastMap::default();
        for e in file.config.iter() {
            let p = &e.path;
            if p.len() >= 3 && p[0] == "services" && p[2] == "build" {
                let context = match (p.len(), &e.value) {
                    (3, Value::Str(s)) => Some(s),
                    (4, Value::Str(s)) if p[3] == "context" => Some(s),
                    _ => None,
                };
                if let Some(c) = context {
                    builds.insert((e.document, p[1]), join(dir, c));
                }
            }
        }
        // Kubernetes-style `- name: K` / `value: v` pairs, by their list item.
        let mut names: FastMap<(u32, String), (Ustr, usize)> = FastMap::default();
        for (ei, e) in file.config.iter().enumerate() {
            let p = &e.path;
            let compose = p.len() >= 4 && p[0] == "services";
            if compose && p[2] == "environment" {
                let scope = builds
                    .get(&(e.document, p[1]))
                    .map_or(dir, String::as_str)
                    .to_string();
                let owner = Some(format!("service {}", p[1]));
                if p.len() == 4 && is_item(&p[3]) {
                    // `- KEY=value`
                    if let Value::Str(s) = &e.value
                        && let Some((k, v)) = s.split_once('=')
                    {
                        let k = Ustr::from(k.trim());
                        self.add(
                            k,
                            fi,
                            e,
                            Some(v.to_string()),
                            EnvKind::Compose,
                            &scope,
                            owner,
                        );
                    }
                } else if p.len() == 4 {
                    self.add(
                        p[3],
                        fi,
                        e,
                        scalar(&e.value),
                        EnvKind::Compose,
                        &scope,
                        owner,
                    );
                }
                continue;
            }
            if compose || (p.len() == 3 && p[0] == "services") {
                if p[2] == "env_file"
                    && let Value::Str(s) = &e.value
                    && (p.len() == 3 || p.len() == 4 || p.get(4).is_some_and(|k| k == "path"))
                {
                    let scope = builds
                        .get(&(e.document, p[1]))
                        .cloned()
                        .unwrap_or_else(|| dir.to_string());
                    env_files.entry(join(dir, s)).or_default().push(scope);
                }
                continue;
            }
            let kind = if helm {
                EnvKind::Helm
            } else {
                EnvKind::Kubernetes
            };
            let n = p.len();
            // `env: [{name: K, value: v}]`
            if n >= 3 && is_item(&p[n - 2]) && is_env_key(&p[n - 3]) {
                let item = p[..n - 1].iter().map(|s| s.as_str()).collect::<Vec<_>>();
                let item = (e.document, item.join("/"));
                match (p[n - 1].as_str(), &e.value) {
                    ("name", Value::Str(s)) => {
                        names.insert(item, (*s, ei));
                    }
                    ("value", v) => {
                        if let Some((name, _)) = names.get(&item) {
                            self.add(*name, fi, e, scalar(v), kind, dir, None);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            // Helm `env: {KEY: value}` maps.
            if n >= 2 && is_env_key(&p[n - 2]) {
                self.add(p[n - 1], fi, e, scalar(&e.value), kind, dir, None);
            }
        }
    }

    /// The value of `name` for code in file `path`, if the configuration
    /// sets one: the nearest ancestor scope's; with none, the nearest other
    /// scope's, only when every other scope sets the same value (two sibling
    /// services that disagree say nothing about a third folder).
    pub fn lookup(&self, name: &str, path: &str) -> Option<&EnvSource> {
        let list = self.vars.get(&Ustr::from_existing(name)?)?;
        let dir = parent(path);
        let best = list
            .iter()
            .min_by_key(|s| (distance(&s.scope, dir), s.kind, s.file, s.line))?;
        if distance(&best.scope, dir) < ELSEWHERE {
            return Some(best);
        }
        // Elsewhere: test settings never speak for the product.
        let mut others = list.iter().filter(|s| !is_test(&s.scope));
        let first = others
            .clone()
            .min_by_key(|s| (distance(&s.scope, dir), s.kind, s.file, s.line))?;
        others.all(|s| s.value == first.value).then_some(first)
    }

    /// [`lookup`](Self::lookup) of a variable named in any case (settings
    /// classes read `base_url` from `BASE_URL`), with the variable as the
    /// configuration spells it: the name as given first, then upper case,
    /// then any other spelling.
    pub fn lookup_any_case(&self, name: &str, path: &str) -> Option<(String, &EnvSource)> {
        let upper = name.to_ascii_uppercase();
        for n in [name, upper.as_str()] {
            if let Some(s) = self.lookup(n, path) {
                return Some((n.to_string(), s));
            }
        }
        let mut other: Vec<&Ustr> = self
            .vars
            .keys()
            .filter(|k| k.eq_ignore_ascii_case(name))
            .collect();
        other.sort();
        other
            .into_iter()
            .find_map(|k| Some((k.to_string(), self.lookup(k, path)?)))
    }

    /// How many variables are set.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }
}

/// Where a value read in the code came from: for messages, and the file
/// and line for related locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFrom {
    /// `LLM_BASE_URL from .env:3`
    pub text: String,
    pub file: usize,
    pub span: Span,
}

impl EnvSource {
    /// What a read of `name` that this value answers says about it.
    pub fn evidence(&self, name: &str, path: &str) -> EnvFrom {
        let mut text = format!("{name} from {}", self.origin(path));
        for v in &self.via {
            text += &format!(" via {v}");
        }
        EnvFrom {
            text,
            file: self.file,
            span: self.span,
        }
    }

    /// `.env:3`, `docker-compose.yml:12 (service api)`.
    /// `path` is the path of the value's file (`self.file`).
    pub fn origin(&self, path: &str) -> String {
        match &self.owner {
            Some(o) => format!("{path}:{} ({o})", self.line),
            None => format!("{path}:{}", self.line),
        }
    }
}

/// What the settings nearest a file say about a tracing or telemetry
/// service (`catalog::hosts::ConfigTracing`).
#[derive(Debug, Clone)]
pub struct Traced {
    /// Switched on (a true switch, or a key set; always, for a service
    /// with neither kind of setting).
    pub on: bool,
    /// Its records go to the vendor's cloud: no endpoint setting, or one
    /// on a cloud host.
    pub cloud: bool,
    /// The host an endpoint setting names.
    pub host: Option<String>,
    /// The settings that say so.
    pub evidence: Vec<EnvFrom>,
}

impl Traced {
    /// Whether the settings show anything about it at all.
    pub fn configured(&self) -> bool {
        !self.evidence.is_empty()
    }
}

/// Tracing settings outside the environment, found once for the project:
/// calls that switch a service on (`LLMObs.enable()`) and its own settings
/// files (`newrelic.ini`), per `[[config_tracing]]` entry.
#[derive(Debug, Default)]
pub struct TracingExtra {
    per: Vec<ServiceExtra>,
}

#[derive(Debug, Default)]
struct ServiceExtra {
    /// Calls that switch it on, with their folders.
    calls: Vec<(String, EnvFrom)>,
    files: Vec<FileSwitches>,
}

/// What one settings file says: switched on or off, content kept or not.
#[derive(Debug)]
struct FileSwitches {
    folder: String,
    on: Option<(bool, EnvFrom)>,
    content: Option<(bool, EnvFrom)>,
}

/// A call in one file that switches a tracing service on
/// (`LLMObs.enable()`): the service (its index in `config_tracing`), the
/// file's folder and where the call is. Found in the analyses' per-file
/// phase ([`file_tracing_calls`]), so that the rule that reads them does
/// not loop over every file again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracingCall {
    pub service: usize,
    pub folder: String,
    pub from: EnvFrom,
}

/// The calls of file `fi` that switch on a service of `tracing`, in call
/// order, then the services' order. Settings files (any configuration
/// entry) have none; nothing is looked at when no service has such a call.
pub(crate) fn file_tracing_calls(
    tracing: &[crate::catalog::hosts::ConfigTracing],
    fi: usize,
    file: &FileFacts,
) -> Vec<TracingCall> {
    let mut out = Vec::new();
    // The services with such calls (one in the built-in catalogue).
    let switched: Vec<(usize, &[String])> = tracing
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.enable_calls.is_empty())
        .map(|(ti, t)| (ti, t.enable_calls.as_slice()))
        .collect();
    if !file.config.is_empty() || switched.is_empty() {
        return out;
    }
    for call in &file.calls {
        let Some(name) = call.resolved.as_ref().map(|q| q.as_str()) else {
            continue;
        };
        for &(ti, calls) in &switched {
            if calls.iter().any(|c| c == name) {
                out.push(TracingCall {
                    service: ti,
                    folder: parent(&file.path).to_string(),
                    from: EnvFrom {
                        text: format!("{} at {}:{}", call.callee, file.path, call.span.start_line),
                        file: fi,
                        span: call.span,
                    },
                });
            }
        }
    }
    out
}

impl TracingExtra {
    /// `calls`: every file's [`file_tracing_calls`], in file order. The
    /// settings files are found by name (the summary's path) and only
    /// those are read.
    pub fn build(
        project: &Project,
        tracing: &[crate::catalog::hosts::ConfigTracing],
        calls: &[TracingCall],
    ) -> Self {
        let mut per: Vec<ServiceExtra> = tracing.iter().map(|_| ServiceExtra::default()).collect();
        for c in calls {
            per[c.service]
                .calls
                .push((c.folder.clone(), c.from.clone()));
        }
        let named = |fi: &usize| {
            let name = file_name(project.path(*fi));
            tracing
                .iter()
                .any(|t| t.files.iter().any(|f| glob_name(f, name)))
        };
        for fi in (0..project.file_count()).filter(named) {
            let file = project.file(fi, Reader::Env);
            if file.config.is_empty() {
                continue;
            }
            let name = file_name(&file.path);
            for (ti, t) in tracing.iter().enumerate() {
                if !t.files.iter().any(|f| glob_name(f, name)) {
                    continue;
                }
                let read = |keys: &[String]| {
                    file.config.iter().find_map(|e| {
                        let key = e.key();
                        keys.iter().find(|k| k.as_str() == key)?;
                        let v = scalar(&e.value)?.to_ascii_lowercase();
                        let on = matches!(v.as_str(), "true" | "1" | "yes" | "on");
                        Some((
                            on,
                            EnvFrom {
                                text: format!("{key} from {}:{}", file.path, e.key_span.start_line),
                                file: fi,
                                span: e.key_span,
                            },
                        ))
                    })
                };
                per[ti].files.push(FileSwitches {
                    folder: parent(&file.path).to_string(),
                    on: read(&t.file_switch),
                    content: read(&t.file_content_switch),
                });
            }
        }
        TracingExtra { per }
    }

    /// The settings file for code in `dir`: the nearest in a folder above
    /// it, else the project's only one.
    fn file_for(&self, ti: usize, dir: &str) -> Option<&FileSwitches> {
        let files = &self.per.get(ti)?.files;
        files
            .iter()
            .filter(|f| distance(&f.folder, dir) < ELSEWHERE)
            .min_by_key(|f| distance(&f.folder, dir))
            .or_else(|| (files.len() == 1).then(|| &files[0]))
    }
}

/// `newrelic.ini`, or `newrelic*.ini` with one `*`.
fn glob_name(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        Some((head, tail)) => {
            name.len() >= head.len() + tail.len() && name.starts_with(head) && name.ends_with(tail)
        }
        None => pattern == name,
    }
}

/// Read the settings of `t` (entry `ti` of the catalogue's
/// `config_tracing`) for code in `path`.
pub fn traced(
    map: &EnvMap,
    project: &Project,
    extra: &TracingExtra,
    ti: usize,
    t: &crate::catalog::hosts::ConfigTracing,
    path: &str,
) -> Traced {
    let mut evidence = Vec::new();
    let mut find = |vars: &[String]| {
        vars.iter().find_map(|v| {
            let s = map.lookup(v, path)?;
            evidence.push(s.evidence(v, project.path(s.file)));
            Some(s.value.clone())
        })
    };
    let truthy = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on");
    let file = extra.file_for(ti, parent(path));
    // A call in the reading file's folder or one above (the service's
    // start-up code); another service's says nothing.
    let call = extra.per.get(ti).and_then(|s| {
        s.calls
            .iter()
            .find(|(folder, _)| distance(folder, parent(path)) < ELSEWHERE)
            .map(|(_, from)| from.clone())
    });
    let has_switch =
        !t.switch.is_empty() || !t.file_switch.is_empty() || !t.enable_calls.is_empty();
    let mut on = if has_switch {
        let by_env = find(&t.switch).is_some_and(|v| truthy(&v));
        let by_file = file.and_then(|f| f.on.as_ref()).is_some_and(|(on, _)| *on);
        by_env || by_file || call.is_some()
    } else if !t.keys.is_empty() {
        find(&t.keys).is_some()
    } else {
        true
    };
    // Content switched off keeps prompts and completions out.
    if on && find(&t.content_switch).is_some_and(|v| !truthy(&v)) {
        on = false;
    }
    let mut more = Vec::new();
    if let Some(f) = file {
        if let Some((true, from)) = &f.on {
            more.push(from.clone());
        }
        if let Some((v, from)) = &f.content {
            on &= *v;
            more.push(from.clone());
        }
    }
    more.extend(call);
    let host = find(&t.endpoint).map(|v| host_of(&v).to_ascii_lowercase());
    let cloud = host.as_deref().is_none_or(|h| t.is_cloud(h));
    evidence.append(&mut more);
    Traced {
        on,
        cloud,
        host,
        evidence,
    }
}

/// The host of a URL or DSN (`https://key@o1.ingest.sentry.io/5` →
/// `o1.ingest.sentry.io`); a bare host is itself.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    host.split(':').next().unwrap_or(host)
}

/// Steps from the reading directory up to an ancestor scope; a scope
/// elsewhere is farther than any ancestor.
fn distance(scope: &str, dir: &str) -> usize {
    let (s, d) = (parts(scope), parts(dir));
    let shared = s.iter().zip(&d).take_while(|(a, b)| a == b).count();
    if shared == s.len() {
        d.len() - shared
    } else {
        ELSEWHERE + (s.len() - shared) + (d.len() - shared)
    }
}

fn parts(s: &str) -> Vec<&str> {
    s.split('/').filter(|p| !p.is_empty()).collect()
}

fn is_item(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']')
}

/// Keys that hold environment variables in Kubernetes manifests and Helm values.
fn is_env_key(s: &str) -> bool {
    let l = s.to_ascii_lowercase().replace(['_', '-'], "");
    matches!(
        l.as_str(),
        "env" | "environment" | "extraenv" | "envvars" | "extraenvvars" | "envs" | "globalenv"
    )
}

/// `LLM_BASE_URL`: letters, digits and `_`, starting with a letter or `_`.
fn is_var_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The value as written, trimmed; unset when empty. References are
/// resolved once the map is built (`EnvMap::resolve_references`).
fn clean(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// CI workflows set variables for their jobs, not for the product.
fn is_ci(path: &str) -> bool {
    path.starts_with(".github/")
        || path.contains("/.github/")
        || path.contains(".circleci/")
        || file_name(path) == ".gitlab-ci.yml"
}

/// A folder of tests (`tests/`, `test/`, `e2e/`).
fn is_test(scope: &str) -> bool {
    scope
        .split('/')
        .any(|p| matches!(p, "test" | "tests" | "testing" | "e2e"))
}

fn is_sample(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    ["example", "sample", "template", "dist", "tpl"]
        .iter()
        .any(|s| name.contains(s))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// `dir` joined with a relative path, `.` and `..` folded; never above the root.
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_ancestor_wins() {
        assert_eq!(distance("", "a/b"), 2);
        assert_eq!(distance("a", "a/b"), 1);
        assert_eq!(distance("a/b", "a/b"), 0);
        assert!(distance("c", "a/b") > distance("", "a/b"));
        assert!(distance("a/c", "a/b") < distance("d/e/f", "a/b"));
    }

    #[test]
    fn tracing_calls_found_per_file_in_call_order() {
        let catalog =
            crate::catalog::Catalog::load(&crate::catalog::CatalogData::default()).unwrap();
        let tracing = &catalog.config_tracing;
        let ti = tracing
            .iter()
            .position(|t| {
                t.enable_calls
                    .iter()
                    .any(|c| c == "ddtrace.llmobs.LLMObs.enable")
            })
            .expect("the built-in catalogue switches LLM Observability on by a call");
        let text = "from ddtrace.llmobs import LLMObs\nprint(1)\nLLMObs.enable()\nLLMObs.enable(ml_app='x')\n";
        let (file, _) = crate::lang::python::extract("svc/api/app.py", text, &[]);
        let calls = file_tracing_calls(tracing, 7, &file);
        assert_eq!(calls.len(), 2, "{calls:?}");
        for (c, line) in calls.iter().zip([3, 4]) {
            assert_eq!(c.service, ti);
            assert_eq!(c.folder, "svc/api");
            assert_eq!(c.from.file, 7);
            assert_eq!(c.from.span.start_line, line);
            assert_eq!(
                c.from.text,
                format!("LLMObs.enable at svc/api/app.py:{line}")
            );
        }
        // No call of the catalogue's, or no service with such calls: none.
        let (other, _) = crate::lang::python::extract("a.py", "import os\nos.getenv('X')\n", &[]);
        assert!(file_tracing_calls(tracing, 0, &other).is_empty());
        let without: Vec<_> = tracing
            .iter()
            .cloned()
            .map(|mut t| {
                t.enable_calls.clear();
                t
            })
            .collect();
        assert!(file_tracing_calls(&without, 7, &file).is_empty());
    }

    #[test]
    fn values_as_the_process_sees_them() {
        assert_eq!(clean(""), None);
        assert_eq!(clean(" v ").as_deref(), Some("v"));
        assert_eq!(join("deploy", "../api"), "api");
        assert_eq!(join("", "./svc/"), "svc");
    }
}
