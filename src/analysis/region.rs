//! The region a cloud generation API is served from (Amazon Bedrock, Vertex
//! AI, Azure OpenAI), and so its jurisdiction: `region_name="cn-north-1"`
//! stays in mainland China, `us-east-1` leaves it. What names the region is
//! catalogue data (`[[region]]` in `hosts.toml`); this module reads it, in
//! the order the libraries do:
//!
//! 1. a keyword of the call or of its client's constructor (a literal, or an
//!    environment read the project's settings answer);
//! 2. a process-wide setup call (`vertexai.init(location=...)`) in the same
//!    file, else in files of the folders above it, when all of them agree;
//! 3. an environment variable the project's settings set (`AWS_REGION`);
//! 4. the resource in the project's Terraform (`azurerm_cognitive_account`
//!    of kind `OpenAI`), when all such resources agree.
//!
//! Each answer says where it came from, for the inventory and PII001.

use std::sync::Mutex;

use crate::analysis::env::EnvFrom;
use crate::analysis::hops::UrlReader;
use crate::analysis::{FastMap, Project, Reader};
use crate::catalog::hosts::RegionSetting;
use crate::catalog::{Catalog, Jurisdiction};
use crate::facts::{Arg, Call, FileFacts, Language, Value};
use crate::qname::OptionQName;

/// A region and the setting that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRegion {
    /// As written (`cn-north-1`, `chinaeast2`).
    pub name: String,
    /// `AWS_REGION from .env:3`, `region_name at app.py:7`.
    pub from: EnvFrom,
    /// What the region says about where requests go.
    pub jurisdiction: Jurisdiction,
}

/// Project-wide values (setup calls in every file, Terraform), found once
/// per `[[region]]` entry for all generation calls.
#[derive(Default)]
pub struct Memo {
    wide: Mutex<FastMap<usize, Wide>>,
}

#[derive(Clone, Default)]
struct Wide {
    init: Vec<(String, EnvFrom)>,
    terraform: Vec<(String, EnvFrom)>,
}

/// The region of a generation call of `provider`, when a `[[region]]`
/// entry covers it and something names one.
pub fn of_call(
    reader: &UrlReader<'_>,
    memo: &Memo,
    catalog: &Catalog,
    call: &Call,
    provider: &str,
) -> Option<SiteRegion> {
    let project = reader.project();
    let fi = reader.file();
    let (idx, setting) = catalog
        .regions
        .iter()
        .enumerate()
        .find(|(_, r)| r.covers(provider))?;
    let path = project.path(fi);
    let (name, from) = keyword(reader, setting, &call.args, call, path)
        .or_else(|| {
            let receiver = call.receiver_args().unwrap_or(&[]);
            keyword(reader, setting, receiver, call, path)
        })
        .or_else(|| agreed(init_values(project, setting, Some(fi))))
        .or_else(|| {
            setting.vars.iter().find_map(|v| {
                let s = project.env().lookup(v, path)?;
                Some((s.value.clone(), s.evidence(v, project.path(s.file))))
            })
        })
        .or_else(|| {
            let mut wide = memo.wide.lock().unwrap_or_else(|e| e.into_inner());
            let wide = wide.entry(idx).or_insert_with(|| Wide {
                init: init_values(project, setting, None),
                terraform: terraform_values(project, setting),
            });
            // A setup call in a folder above the caller's (the service's
            // start-up module); another service's says nothing.
            let dir = parent(path);
            let above: Vec<_> = wide
                .init
                .iter()
                .filter(|(_, f)| contains(parent(project.path(f.file)), dir))
                .cloned()
                .collect();
            agreed(above).or_else(|| agreed(wide.terraform.clone()))
        })?;
    let jurisdiction = match setting.is_domestic(&name)? {
        true => Jurisdiction::Domestic,
        false => Jurisdiction::Overseas,
    };
    Some(SiteRegion {
        name,
        from,
        jurisdiction,
    })
}

/// A region keyword among `args`: a literal, or what the settings give an
/// environment read.
fn keyword(
    reader: &UrlReader<'_>,
    setting: &RegionSetting,
    args: &[Arg],
    call: &Call,
    path: &str,
) -> Option<(String, EnvFrom)> {
    setting.keywords.iter().find_map(|k| {
        let arg = args.iter().find(|a| a.keyword.as_deref() == Some(k))?;
        let url = reader.url(&arg.value);
        let name = url.literal()?.trim().to_string();
        // The argument's own place (the client's constructor may be elsewhere
        // in the file).
        let span = if arg.span.end_byte > arg.span.start_byte {
            arg.span
        } else {
            call.span
        };
        let from = url.from.clone().unwrap_or_else(|| EnvFrom {
            text: format!("{k} at {path}:{}", span.start_line),
            file: reader.file(),
            span,
        });
        Some((name, from))
    })
}

/// Literal regions of the setup calls (`vertexai.init(location="...")`) in
/// file `only`, or in every file.
fn init_values(
    project: &Project,
    setting: &RegionSetting,
    only: Option<usize>,
) -> Vec<(String, EnvFrom)> {
    if setting.init_calls.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    match only {
        Some(fi) => init_values_in(setting, fi, &project.file(fi, Reader::Region), &mut out),
        // Only Python and Rust files make set-up calls: picked by the
        // summary's language, each read.
        None => {
            for fi in (0..project.file_count())
                .filter(|&fi| matches!(project.language(fi), Language::Python | Language::Rust))
            {
                init_values_in(setting, fi, &project.file(fi, Reader::Region), &mut out);
            }
        }
    }
    out
}

/// [`init_values`] in one file.
fn init_values_in(
    setting: &RegionSetting,
    fi: usize,
    file: &FileFacts,
    out: &mut Vec<(String, EnvFrom)>,
) {
    if file.language != Language::Python && file.language != Language::Rust {
        return;
    }
    for call in &file.calls {
        let Some(name) = call.resolved.as_name() else {
            continue;
        };
        if !setting.init_calls.iter().any(|c| c == name) {
            continue;
        }
        for k in &setting.keywords {
            if let Some(Value::Str(s)) = call.arg(None, Some(k)).map(|a| &a.value) {
                out.push((
                    s.trim().to_string(),
                    EnvFrom {
                        text: format!("{k} from {name} at {}:{}", file.path, call.span.start_line),
                        file: fi,
                        span: call.span,
                    },
                ));
                break;
            }
        }
    }
}

/// The region attributes of the Terraform resources that make the service.
fn terraform_values(project: &Project, setting: &RegionSetting) -> Vec<(String, EnvFrom)> {
    let mut out = Vec::new();
    if setting.terraform.is_empty() {
        return out;
    }
    // The Terraform files, picked by the summary's language.
    for fi in (0..project.file_count()).filter(|&fi| project.language(fi) == Language::Hcl) {
        let file = project.file(fi, Reader::Region);
        for t in &setting.terraform {
            // `resource / <type> / <label> / <attribute>`
            let block = |label: &str, attr: &str| {
                file.config.iter().find(|e| {
                    e.path.len() == 4
                        && e.path[0] == "resource"
                        && e.path[1] == t.resource.as_str()
                        && e.path[2] == label
                        && e.path[3] == attr
                })
            };
            for e in &file.config {
                let p = &e.path;
                if p.len() != 4
                    || p[0] != "resource"
                    || p[1] != t.resource.as_str()
                    || p[3] != t.attribute.as_str()
                {
                    continue;
                }
                let Value::Str(s) = &e.value else { continue };
                let kind_ok = t.when.iter().all(|(k, v)| {
                    block(&p[2], k).is_some_and(
                        |w| matches!(&w.value, Value::Str(x) if x.eq_ignore_ascii_case(v)),
                    )
                });
                if kind_ok {
                    out.push((
                        s.trim().to_string(),
                        EnvFrom {
                            text: format!(
                                "{}.{}.{} at {}:{}",
                                p[1], p[2], p[3], file.path, e.value_span.start_line
                            ),
                            file: fi,
                            span: e.value_span,
                        },
                    ));
                }
            }
        }
    }
    out
}

/// The first value, when every value names the same region.
fn agreed(values: Vec<(String, EnvFrom)>) -> Option<(String, EnvFrom)> {
    let first = values.first()?;
    values
        .iter()
        .all(|(v, _)| v.eq_ignore_ascii_case(&first.0))
        .then(|| first.clone())
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Whether folder `dir` is `outer` or below it.
pub(crate) fn contains(outer: &str, dir: &str) -> bool {
    outer.is_empty() || dir == outer || dir.strip_prefix(outer).is_some_and(|r| r.starts_with('/'))
}
