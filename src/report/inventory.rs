//! The AI service inventory: every generation endpoint with its route,
//! handler, content types, models and providers (with jurisdiction), plus
//! generation calls no entry point reaches. This is what a compliance
//! reviewer attaches to an algorithm filing or a security assessment.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::callgraph::Site;
use crate::analysis::entrypoints::Handler;
use crate::analysis::generation::GenerationSite;
use crate::analysis::results::Analysis;
use crate::analysis::{Project, Reader, hops};
use crate::catalog::entrypoints::EntryKind;
use crate::finding::{MAX_FLOW_STEPS, shown_steps};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub version: u32,
    pub endpoints: Vec<Endpoint>,
    /// Generation calls that no entry point reaches (library code, scripts
    /// we could not connect, dynamic dispatch).
    pub unreached_generation: Vec<Generation>,
    pub providers: Vec<Provider>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub title: String,
    pub kind: EntryKind,
    pub framework: String,
    pub methods: Vec<String>,
    pub route: Option<String>,
    pub handler: String,
    pub path: String,
    pub line: u32,
    pub public: bool,
    pub exposure: Vec<String>,
    pub content_types: Vec<String>,
    pub models: Vec<String>,
    pub providers: Vec<String>,
    pub generation: Vec<Generation>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Generation {
    pub path: String,
    pub line: u32,
    pub callee: String,
    pub api: String,
    pub provider: String,
    pub host: Option<String>,
    pub jurisdiction: String,
    /// Where the server's address came from, when the project's
    /// configuration set it (`LLM_BASE_URL from .env:3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configured: Option<String>,
    /// The cloud region it is served from and what set it
    /// (`cn-north-1 (AWS_REGION from .env:3)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub content_types: Vec<String>,
    pub model: Option<String>,
    pub biometric: bool,
    /// Only enhances or restores content (lighter explicit-label duty).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enhancement: bool,
    /// Call chain from the entry point, as `path:line callee` steps.
    pub via: Vec<String>,
    /// The requests to the project's own services the chain goes through
    /// (`analysis/hops.rs`), as `path:line callee → what serves it`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hops: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    pub provider: String,
    pub host: Option<String>,
    pub jurisdiction: String,
    pub endpoints: usize,
    pub calls: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files: usize,
    pub entry_points: usize,
    pub generation_endpoints: usize,
    pub public_generation_endpoints: usize,
    pub generation_calls: usize,
    pub overseas_providers: usize,
}

fn generation(
    project: &Project,
    analysis: &Analysis<'_>,
    site: &GenerationSite<'_>,
    path: &[Site],
) -> Generation {
    Generation {
        path: project.path(site.file).into(),
        line: site.at.span.start_line,
        callee: site.callee().to_string(),
        api: site.api.id.clone(),
        provider: site.provider.clone(),
        host: site.host.clone(),
        jurisdiction: site.jurisdiction.as_str().to_string(),
        configured: site.configured.as_ref().map(|c| c.text.clone()),
        region: site
            .region
            .as_ref()
            .map(|r| format!("{} ({})", r.name, r.from.text)),
        content_types: site
            .content
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        model: site.model.clone(),
        biometric: site.biometric,
        enhancement: site.api.enhancement,
        via: via(project, path),
        hops: hops(project, analysis, path),
    }
}

/// Each hop to one of the project's own services on a call chain.
fn hops(project: &Project, analysis: &Analysis<'_>, path: &[Site]) -> Vec<String> {
    path.windows(2)
        .filter_map(|w| {
            let e = hops::hop_at(project, &analysis.graph, w[0], w[1])?;
            let f = project.file(w[0].file, Reader::Report);
            let c = &f.calls[w[0].call];
            Some(format!(
                "{}:{} {} → {}",
                f.path,
                c.span.start_line,
                c.callee,
                hops::describe_hop(&analysis.entry_points[e])
            ))
        })
        .collect()
}

/// A call chain as `path:line callee` steps; a long one keeps its first
/// and last steps around a `… N more` step, like a finding's code flow.
fn via(project: &Project, path: &[Site]) -> Vec<String> {
    let step = |s: &Site| {
        let f = project.file(s.file, Reader::Report);
        let c = &f.calls[s.call];
        format!("{}:{} {}", f.path, c.span.start_line, c.callee)
    };
    let (head, tail) = shown_steps(path.len(), MAX_FLOW_STEPS);
    let mut out: Vec<String> = path[head.clone()].iter().map(step).collect();
    if tail.start > head.end {
        out.push(format!("… {} more", tail.start - head.end));
    }
    out.extend(path[tail].iter().map(step));
    out
}

impl Inventory {
    pub fn build(project: &Project, analysis: &Analysis<'_>) -> Inventory {
        let mut endpoints = Vec::new();
        // provider name → (host, jurisdiction, endpoints, calls)
        let mut providers: BTreeMap<String, (Option<String>, String, usize, usize)> =
            BTreeMap::new();
        for (_, entry, reached) in analysis.generation_endpoints() {
            let generation: Vec<Generation> = reached
                .iter()
                .map(|r| generation(project, analysis, &analysis.sites[r.sink], &r.path))
                .collect();
            let mut content: Vec<String> = generation
                .iter()
                .flat_map(|g| g.content_types.clone())
                .collect();
            content.sort();
            content.dedup();
            let mut models: Vec<String> =
                generation.iter().filter_map(|g| g.model.clone()).collect();
            models.sort();
            models.dedup();
            let mut names: Vec<String> = generation
                .iter()
                .map(|g| format!("{} ({})", g.provider, g.jurisdiction))
                .collect();
            names.sort();
            names.dedup();
            let mut seen_here = std::collections::BTreeSet::new();
            for g in &generation {
                if seen_here.insert(g.provider.clone()) {
                    providers
                        .entry(g.provider.clone())
                        .or_insert((g.host.clone(), g.jurisdiction.clone(), 0, 0))
                        .2 += 1;
                }
            }
            endpoints.push(Endpoint {
                title: entry.describe(),
                kind: entry.kind,
                framework: entry.framework.clone(),
                methods: entry.methods.clone(),
                route: entry.route.clone(),
                handler: match &entry.handler {
                    Handler::Function { module, qualname } => format!("{module}.{qualname}"),
                    Handler::Module { module } => module.clone(),
                    Handler::MainBlock { module, .. } => format!("{module} (__main__)"),
                    Handler::Closure { module, scope, .. } => match scope {
                        Some(q) => format!("{module}.{q} (closure)"),
                        None => format!("{module} (closure)"),
                    },
                },
                path: entry.location.path.to_string(),
                line: entry.location.span.start_line,
                public: entry.public,
                exposure: entry.exposure.clone(),
                content_types: content,
                models,
                providers: names,
                generation,
            });
        }
        let mut unreached = Vec::new();
        for (i, site) in analysis.sites.iter().enumerate() {
            let e = providers.entry(site.provider.clone()).or_insert((
                site.host.clone(),
                site.jurisdiction.as_str().to_string(),
                0,
                0,
            ));
            e.3 += 1;
            if !analysis.site_reached(i) {
                unreached.push(generation(project, analysis, site, &[]));
            }
        }
        let providers: Vec<Provider> = providers
            .into_iter()
            .map(
                |(provider, (host, jurisdiction, endpoints, calls))| Provider {
                    provider,
                    host,
                    jurisdiction,
                    endpoints,
                    calls,
                },
            )
            .collect();
        let summary = Summary {
            files: project.file_count(),
            entry_points: analysis.entry_points.len(),
            generation_endpoints: endpoints.len(),
            public_generation_endpoints: endpoints.iter().filter(|e| e.public).count(),
            generation_calls: analysis.sites.len(),
            overseas_providers: providers
                .iter()
                .filter(|p| p.jurisdiction == "overseas")
                .count(),
        };
        let mut inventory = Inventory {
            version: 1,
            endpoints,
            unreached_generation: unreached,
            providers,
            summary,
        };
        inventory.mask_secrets();
        inventory
    }

    /// Mask secrets in what the inventory quotes from the code: routes,
    /// handlers, callees, model ids, call chains (a model id can look
    /// like a key, and a route can hold one).
    fn mask_secrets(&mut self) {
        self.each_quoted(&mut crate::report::redact::in_place);
    }

    /// Every string that comes from the scanned files (paths, routes,
    /// names, literals, hosts) rather than from synthlint.
    fn each_quoted(&mut self, f: &mut impl FnMut(&mut String)) {
        fn generation(g: &mut Generation, f: &mut impl FnMut(&mut String)) {
            f(&mut g.path);
            f(&mut g.callee);
            f(&mut g.provider);
            g.host.iter_mut().for_each(&mut *f);
            g.model.iter_mut().for_each(&mut *f);
            g.via.iter_mut().for_each(&mut *f);
            g.hops.iter_mut().for_each(&mut *f);
        }
        for e in &mut self.endpoints {
            f(&mut e.title);
            f(&mut e.handler);
            f(&mut e.path);
            e.route.iter_mut().for_each(&mut *f);
            e.exposure.iter_mut().for_each(&mut *f);
            e.models.iter_mut().for_each(&mut *f);
            e.providers.iter_mut().for_each(&mut *f);
            e.generation.iter_mut().for_each(|g| generation(g, f));
        }
        self.unreached_generation
            .iter_mut()
            .for_each(|g| generation(g, f));
        for p in &mut self.providers {
            f(&mut p.provider);
            p.host.iter_mut().for_each(&mut *f);
        }
    }

    /// A copy for the human-facing formats: control characters (line
    /// breaks included) in quoted strings made visible (`escape::line`).
    fn shown(&self) -> Inventory {
        let mut copy = self.clone();
        copy.each_quoted(&mut |s| {
            if let std::borrow::Cow::Owned(e) = crate::report::escape::line(s) {
                *s = e;
            }
        });
        copy
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        self.shown().text(out)
    }

    pub fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        self.shown().markdown(out)
    }

    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        for e in &self.endpoints {
            writeln!(
                out,
                "{}:{}: {}  [{}]",
                e.path,
                e.line,
                e.title,
                if e.public { "public" } else { "local" }
            )?;
            writeln!(out, "    handler: {}", e.handler)?;
            writeln!(out, "    generates: {}", e.content_types.join(", "))?;
            if !e.models.is_empty() {
                writeln!(out, "    models: {}", e.models.join(", "))?;
            }
            writeln!(out, "    providers: {}", e.providers.join(", "))?;
            for x in &e.exposure {
                writeln!(out, "    exposure: {x}")?;
            }
            for g in &e.generation {
                writeln!(
                    out,
                    "    - {}:{} `{}` ({}){}",
                    g.path,
                    g.line,
                    g.callee,
                    g.content_types.join("/"),
                    configured(g)
                )?;
                for h in &g.hops {
                    writeln!(out, "      through {h}")?;
                }
            }
        }
        if !self.unreached_generation.is_empty() {
            writeln!(out, "Generation calls not reached from any entry point:")?;
            for g in &self.unreached_generation {
                writeln!(
                    out,
                    "    - {}:{} `{}` ({}, {}){}",
                    g.path,
                    g.line,
                    g.callee,
                    g.provider,
                    g.jurisdiction,
                    configured(g)
                )?;
            }
        }
        let s = &self.summary;
        writeln!(
            out,
            "{} generation endpoint(s) ({} public) of {} entry point(s); {} generation call(s) in {} file(s); {} overseas provider(s).",
            s.generation_endpoints,
            s.public_generation_endpoints,
            s.entry_points,
            s.generation_calls,
            s.files,
            s.overseas_providers
        )
    }

    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = &self.summary;
        writeln!(out, "# AI service inventory\n")?;
        writeln!(
            out,
            "{} generation endpoint(s), {} of them public, among {} entry point(s); {} generation call(s) in {} file(s).\n",
            s.generation_endpoints,
            s.public_generation_endpoints,
            s.entry_points,
            s.generation_calls,
            s.files
        )?;
        writeln!(out, "## Endpoints\n")?;
        if self.endpoints.is_empty() {
            writeln!(out, "No entry point reaches a generation call.\n")?;
        } else {
            writeln!(
                out,
                "| Endpoint | Generates | Models | Providers | Exposure | Where |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|")?;
            for e in &self.endpoints {
                let exposure = if e.public {
                    std::iter::once("public".to_string())
                        .chain(e.exposure.iter().cloned())
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    "local".to_string()
                };
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | `{}:{}` |",
                    cell(&e.title),
                    e.content_types.join(", "),
                    cell(&or_dash(&e.models.join(", "))),
                    cell(&e.providers.join(", ")),
                    exposure,
                    e.path,
                    e.line
                )?;
            }
            writeln!(out)?;
            for e in &self.endpoints {
                writeln!(out, "### {}\n", e.title)?;
                writeln!(out, "- Handler: `{}` (`{}:{}`)", e.handler, e.path, e.line)?;
                writeln!(out, "- Framework: {}", e.framework)?;
                for g in &e.generation {
                    writeln!(
                        out,
                        "- Generates {} with `{}` at `{}:{}` — {}, {}{}{}",
                        g.content_types.join("/"),
                        g.callee,
                        g.path,
                        g.line,
                        g.provider,
                        g.jurisdiction,
                        g.model
                            .as_ref()
                            .map(|m| format!(", model `{m}`"))
                            .unwrap_or_default(),
                        configured(g)
                    )?;
                    if g.via.len() > 1 {
                        writeln!(
                            out,
                            "  - via {}",
                            g.via
                                .iter()
                                .map(|v| format!("`{v}`"))
                                .collect::<Vec<_>>()
                                .join(" → ")
                        )?;
                    }
                    for h in &g.hops {
                        writeln!(out, "  - through `{h}`")?;
                    }
                }
                writeln!(out)?;
            }
        }
        writeln!(out, "## Providers\n")?;
        writeln!(
            out,
            "| Provider | Host | Jurisdiction | Endpoints | Calls |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for p in &self.providers {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&p.provider),
                or_dash(p.host.as_deref().unwrap_or("")),
                p.jurisdiction,
                p.endpoints,
                p.calls
            )?;
        }
        if self.providers.iter().any(|p| p.jurisdiction == "overseas") {
            writeln!(
                out,
                "\nOverseas providers receive prompts and other user input: personal information sent to them is a cross-border transfer (PIPL Arts. 38–39)."
            )?;
        }
        if !self.unreached_generation.is_empty() {
            writeln!(
                out,
                "\n## Generation calls not reached from an entry point\n"
            )?;
            writeln!(out, "| Call | Generates | Provider | Where |")?;
            writeln!(out, "|---|---|---|---|")?;
            for g in &self.unreached_generation {
                writeln!(
                    out,
                    "| `{}` | {} | {} ({}){} | `{}:{}` |",
                    g.callee,
                    g.content_types.join(", "),
                    cell(&g.provider),
                    g.jurisdiction,
                    cell(&configured(g)),
                    g.path,
                    g.line
                )?;
            }
        }
        Ok(())
    }
}

/// `; server address: LLM_BASE_URL from .env:3`, `; region: cn-north-1
/// (AWS_REGION from .env:2)`, or nothing.
fn configured(g: &Generation) -> String {
    let mut out = g
        .configured
        .as_ref()
        .map(|c| format!("; server address: {c}"))
        .unwrap_or_default();
    if let Some(r) = &g.region {
        out += &format!("; region: {r}");
    }
    out
}

/// Markdown table cells cannot hold `|`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "—".to_string()
    } else {
        s.to_string()
    }
}
