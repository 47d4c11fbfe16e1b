//! Personal-data rules (PII): where personal information, recognised by the
//! classifier of `personal_data.toml`, goes. The shared `personal-data`
//! taint spec runs once with [`PiiDomain`], whose values are sets of
//! categories.

pub mod biometric_edit_unconsented;
pub mod cross_border_provision;
pub mod personal_data_logged;
pub mod sensitive_data_undeleted;
pub mod training_data_unconsented;

use std::sync::{Arc, Mutex, OnceLock};

use ustr::Ustr;

use crate::analysis::FastMap;
use crate::analysis::dataflow::{Domain, Flow, Lattice, Origin, Taint};
use crate::analysis::entrypoints::EntryPoint;
use crate::catalog::personal_data::{Categories, PersonalData};
use crate::catalog::taint::TaintSpec;
use crate::facts::{FileFacts, Value};
use crate::finding::{Finding, Location};
use crate::rules::{Context, RuleMeta};

/// The id of the spec in `personal_data.toml`.
pub const SPEC: &str = "personal-data";

/// The spec's sink for log records (PII003).
pub const LOG_SINK: &str = "logging";

/// The spec's sinks that keep data here (PII005), by the kind of store
/// their id names (`store-file` → `file`). Every sink that is neither
/// these nor the log is a service abroad (PII001).
pub fn store_kind(sink: &str) -> Option<&str> {
    sink.strip_prefix("store-")
}

/// Categories of personal information a value may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pii(pub Categories);

impl Lattice for Pii {
    fn join(&mut self, other: &Self) -> bool {
        let before = self.0;
        self.0 |= other.0;
        self.0 != before
    }
}

/// Classifies names with the catalogue, and handler parameters by the
/// Gradio component that feeds them.
pub struct PiiDomain<'c> {
    cx: &'c Context<'c>,
    /// Names seen, with their categories: the engine asks for every read.
    names: Mutex<FastMap<Ustr, Categories>>,
    /// Per entry point: what each handler parameter receives.
    inputs: Vec<OnceLock<Vec<Input>>>,
    /// Data models with classified fields, by the snake-case name of the
    /// class (`user_profile`), with what their fields hold.
    models: OnceLock<FastMap<String, Categories>>,
}

/// What an input component gives a handler parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input {
    pub categories: Categories,
    /// A tick box (a consent answer, when a condition reads it).
    pub checkbox: bool,
}

impl<'c> PiiDomain<'c> {
    pub fn new(cx: &'c Context<'c>) -> PiiDomain<'c> {
        PiiDomain {
            cx,
            names: Mutex::new(FastMap::default()),
            inputs: (0..cx.analysis.entry_points.len())
                .map(|_| OnceLock::new())
                .collect(),
            models: OnceLock::new(),
        }
    }

    pub fn spec(&self) -> Option<&'c TaintSpec> {
        self.cx.catalog.taint.get(SPEC)
    }

    pub fn classifier(&self) -> &'c PersonalData {
        &self.cx.catalog.personal_data
    }

    /// Follow personal information over the project (once per scan).
    pub fn run(&self) -> Option<Arc<Taint<Pii>>> {
        let spec = self.spec()?;
        Some(self.cx.analysis.taint(self.cx.project, spec, self))
    }

    /// The categories a name says its value holds. Conversation content
    /// (`prompt`, `messages`) is left to the request-input sources: named
    /// so in most AI code, it would wake nearly every scope.
    fn classify(&self, name: Ustr) -> Categories {
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        *names.entry(name).or_insert_with(|| {
            let pd = self.classifier();
            let own = pd.identified(pd.classify(&name));
            if own != 0 || name.contains('.') {
                return own;
            }
            // A whole model instance, named for its class.
            let key = crate::catalog::personal_data::tokens(&name).join("_");
            self.models
                .get_or_init(|| data_models(self.cx))
                .get(&key)
                .copied()
                .unwrap_or(0)
        })
    }

    /// What the components of entry point `e` give its handler's
    /// parameters, by position (`self` excepted).
    pub fn inputs(&self, e: usize) -> &[Input] {
        self.inputs[e].get_or_init(|| entry_inputs(self.cx, &self.cx.analysis.entry_points[e]))
    }
}

impl Domain for PiiDomain<'_> {
    type Value = Pii;

    fn seed(&self, origin: &Origin<'_>) -> Option<Pii> {
        match *origin {
            Origin::Name { name, .. } => {
                let c = self.classify(name);
                (c != 0).then_some(Pii(c))
            }
            Origin::Param {
                entry, node, param, ..
            } => {
                let crate::analysis::callgraph::Node::Function { file, func } =
                    self.cx.analysis.graph.nodes[node]
                else {
                    return None;
                };
                let f = &self.cx.project.files[file].functions[func];
                let skip =
                    usize::from(f.class.is_some() && f.params.first().is_some_and(|p| p == "self"));
                let c = self.inputs(entry).get(param.checked_sub(skip)?)?.categories;
                (c != 0).then_some(Pii(c))
            }
            _ => None,
        }
    }

    /// Sensitive categories first, then those a log may not keep (an IP
    /// address may: PII003 leaves it out), then the rest.
    fn weight(&self, value: &Pii) -> u32 {
        pii_weight(self.classifier(), value.0)
    }

    fn describe(&self, value: &Pii) -> Option<String> {
        Some(format!(
            "personal information ({})",
            describe(self.classifier(), value.0)
        ))
    }
}

/// The project's data models (`[personal_data] models`) whose fields the
/// classifier names, by the class name's snake-case form.
fn data_models(cx: &Context<'_>) -> FastMap<String, Categories> {
    let pd = &cx.catalog.personal_data;
    let mut out = FastMap::default();
    for f in &cx.project.files {
        for c in &f.classes {
            let model = c
                .bases
                .iter()
                .any(|b| pd.is_model(cx.project.canonical_or_same(b).as_str()))
                || c.decorators.iter().any(|d| {
                    d.resolved
                        .as_ref()
                        .is_some_and(|r| pd.is_model(r.as_str().trim_end_matches("()")))
                });
            if !model {
                continue;
            }
            let fields = f
                .assignments
                .iter()
                .filter(|a| {
                    a.scope.is_none() && c.span.contains(&a.span) && !a.target.contains('.')
                })
                .map(|a| a.target)
                .chain(c.fields.iter().map(|x| x.name));
            let set = fields.fold(0, |acc, n| acc | pd.identified(pd.classify(&n)));
            if set != 0 {
                let key = crate::catalog::personal_data::tokens(&c.name).join("_");
                *out.entry(key).or_insert(0) |= set;
            }
        }
    }
    out
}

/// The input components of a Gradio registration (`btn.click(fn,
/// inputs=[image, text])`, `gr.Interface(fn, inputs=...)`), in order.
fn entry_inputs(cx: &Context<'_>, entry: &EntryPoint) -> Vec<Input> {
    if entry.framework != "gradio" {
        return Vec::new();
    }
    let files = &cx.project.files;
    let Ok(fi) = files.binary_search_by(|f| f.path.as_str().cmp(&entry.location.path)) else {
        return Vec::new();
    };
    let file = &files[fi];
    let span = entry.location.span;
    let Some(call) = file
        .calls
        .iter()
        .find(|c| c.span.start_byte == span.start_byte && c.span.end_byte == span.end_byte)
    else {
        return Vec::new();
    };
    let Some(arg) = call.arg(Some(1), Some("inputs")) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match &arg.value {
        Value::List(items) => items.iter().collect(),
        v => vec![v],
    };
    let pd = &cx.catalog.personal_data;
    items
        .into_iter()
        .map(|v| match component_of(cx, fi, file, v, span.start_byte) {
            Some(name) => Input {
                categories: pd.component(&name),
                checkbox: pd.is_checkbox(&name),
            },
            None => Input::default(),
        })
        .collect()
}

/// The resolved constructor of a component given as a name bound earlier
/// in the file (`image = gr.Image()`) or built in place (`gr.Image()`).
fn component_of(
    cx: &Context<'_>,
    fi: usize,
    file: &FileFacts,
    v: &Value,
    before: u32,
) -> Option<String> {
    match v {
        Value::Name {
            resolved: Some(r), ..
        } => Some(r.as_str().trim_end_matches("()").to_string()),
        Value::Name { text, .. } => {
            let a = file
                .assignments
                .iter()
                .rfind(|a| a.target == *text && a.span.start_byte < before)?;
            if let Some(q) = &a.value_call {
                // The instance a constructor call makes: `gradio.Image()`.
                return Some(q.as_str().trim_end_matches("()").to_string());
            }
            component_of(cx, fi, file, &a.value, before)
        }
        Value::Expr(e) => {
            let callee = match &e.shape {
                crate::facts::Shape::Call(name, _) => name.as_str(),
                _ => e.reads.first()?.as_str(),
            };
            Some(resolve_text(cx, fi, callee))
        }
        _ => None,
    }
}

/// A dotted name as written, its head resolved through the file's imports.
pub fn resolve_text(cx: &Context<'_>, fi: usize, text: &str) -> String {
    let (head, rest) = text.split_once('.').unwrap_or((text, ""));
    match cx.project.index.bindings(fi).import_targets(head).last() {
        Some(t) if rest.is_empty() => t.to_string(),
        Some(t) => format!("{t}.{rest}"),
        None => text.to_string(),
    }
}

/// How much a set of categories weighs when a flow's steps pick what to
/// explain: sensitive categories most, then identifying ones a network log
/// need not keep, then the others (IP addresses, conversation content).
pub fn pii_weight(pd: &PersonalData, set: Categories) -> u32 {
    let identified = pd.identified(set);
    4 * pd.sensitive(set).count_ones()
        + 2 * (identified & !pd.network_log(set)).count_ones()
        + set.count_ones()
}

/// How messages list categories: `phone number, face image`.
pub fn describe(pd: &PersonalData, set: Categories) -> String {
    pd.iter(set)
        .map(|c| c.title.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The note a message adds for sensitive categories (CN-PIPL-28), or "".
pub fn sensitive_note(pd: &PersonalData, sensitive: Categories) -> String {
    let parts: Vec<String> = pd
        .iter(sensitive)
        .map(|c| {
            if c.sensitive_when.is_empty() {
                c.title.clone()
            } else {
                format!("{} ({})", c.title, c.sensitive_when)
            }
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {} is sensitive personal information", parts.join(", "))
    }
}

/// Category ids, for finding properties.
pub fn ids(pd: &PersonalData, set: Categories) -> Vec<String> {
    pd.iter(set).map(|c| c.id.clone()).collect()
}

/// A finding at the call a personal-data flow ends in, worded
/// "`callee` {what}" plus the sensitive-category note, with the source as a
/// related location, the steps as the code flow and the categories as
/// properties. `what` is given the categories' description.
pub fn flow_finding(
    cx: &Context<'_>,
    meta: &RuleMeta,
    flow: &Flow<Pii>,
    pd: &PersonalData,
    identified: Categories,
    what: impl FnOnce(String) -> String,
) -> Finding {
    let file = &cx.project.files[flow.site.file];
    let call = &file.calls[flow.site.call];
    let sensitive = pd.sensitive(identified);
    let message = format!(
        "`{}` {}{}",
        call.callee,
        what(describe(pd, identified)),
        sensitive_note(pd, sensitive)
    );
    let location = Location {
        path: file.path.clone(),
        span: call.span,
    };
    let mut f = Finding::new(meta.code, meta.default_level, message, location);
    f.symbol = call.scope.map(String::from);
    if let Some(first) = flow.steps.first() {
        f.related.push(first.related(cx.project));
    }
    f.flow = flow.steps.iter().map(|s| s.related(cx.project)).collect();
    f.properties
        .insert("categories".into(), serde_json::json!(ids(pd, identified)));
    f.properties
        .insert("sensitive".into(), serde_json::json!(ids(pd, sensitive)));
    f
}
