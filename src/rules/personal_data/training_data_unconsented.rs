//! PII004 training-data-unconsented: what users send, or the conversations
//! a service stores, is written into a training or fine-tuning set on a path
//! that checks no per-user consent or opt-out.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde_json::json;
use ustr::Ustr;

use crate::analysis::Reader;
use crate::analysis::callgraph::Site;
use crate::analysis::dataflow::{Domain, Flow, Origin};
use crate::catalog::personal_data::Categories;
use crate::facts::{FileFacts, Receiver, Value};
use crate::finding::{Finding, Level};
use crate::rules::opt_out::guarded_writes;
use crate::rules::opt_out::stored::stored_classes;
use crate::rules::opt_out::training_opt_out_broken::judged_writes;
use crate::rules::personal_data::{Pii, PiiDomain, flow_finding};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct TrainingDataUnconsented;

/// The id of the spec in `personal_data.toml`.
pub const SPEC: &str = "training-data";

static META: RuleMeta = RuleMeta {
    code: "PII004",
    name: "training-data-unconsented",
    category: Category::PersonalData,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-GAI-7", "CN-PIPL-13", "CN-TC260-003"],
    summary: "User inputs or stored conversations are written into a training set on a path that checks no per-user consent or opt-out.",
    security_severity: "5.0",
    doc: r#"
## What it does
Follows what users send to a service (the parameters of HTTP, WebSocket and
UI handlers, Flask and Starlette request reads, Streamlit text inputs) and
the conversations it stores (reads of a per-user record class of
conversations or feedback, the classes OPT005 finds), through any call, to
the writes that make training data:

- `datasets` datasets pushed to the Hub or saved (`push_to_hub`,
  `save_to_disk`, `to_json`, `to_csv`, `to_parquet`);
- fine-tuning uploads (`client.files.create(purpose="fine-tune")`,
  DashScope `Files.upload(purpose="fine_tune")`) and fine-tuning jobs;
- trainers given stored conversations as `train_dataset` (`SFTTrainer`,
  `Trainer`; a trainer fed from a form is the operator's own training run);
- files written as training sets: `.jsonl` files, `.json`, `.csv` or
  `.parquet` files whose path says `train`, `sft`, `dataset`, `finetune`,
  and files that a fine-tuning upload of the project sends (the same
  literal path, or the same constant, in `files.create(file=open(p, "rb"),
  purpose="fine-tune")` or `Files.upload(file_path=p, purpose="fine_tune")`).

It reports the write, with the source and the steps as related locations
and code flow, when some path from an entry point reaches it without
testing a per-user consent or opt-out value (`allow_training`,
`share_data`, `improve_model`, `training_opt_out`, or a check named in
configuration) and its own function reads none before it, unless what it
writes was collected under such a test (`if row.user.allow_training:
rows.append(row)`, or a comprehension's filter: `[r for r in rows if
r.user.allow_training]`). Command-line
entry points are not sources: a training script's arguments are the
operator's.

**Which rule reports a write.** One write is reported once. When the project has a training flag (or one
of its named training writes reads one), OPT003 judges the calls named as
training writes (`add_to_training_set`, `export_training_data`): a flow
that ends at one of them, or passes through one, is left to it. Everything
else, and every write in a project without such a flag, is this rule's.

## Why is this bad?
Using people's inputs to train or fine-tune a model needs their consent or
another lawful basis, and users must be able to refuse it. A service that
copies every chat or every thumbs-up conversation into a fine-tuning file,
without asking whose data may be used, trains on data it was not given for
that purpose.

## Example
```python
@app.post("/feedback")
def feedback(body: Feedback):
    with open("sft_data.jsonl", "a") as f:
        f.write(json.dumps({"prompt": body.prompt, "answer": body.answer}) + "\n")
```

Use instead:
```python
@app.post("/feedback")
def feedback(body: Feedback, user=Depends(current_user)):
    if user.allow_training:
        with open("sft_data.jsonl", "a") as f:
            f.write(json.dumps({"prompt": body.prompt, "answer": body.answer}) + "\n")
```

## Options
Guards, training-set file names and fine-tuning purposes are
`[catalog.personal_data.training]` (`guards = ["(?i)user_agreed_to_training"]`);
sinks, sources and sanitizers are the `training-data` taint spec
(`[[catalog.taint.training-data.sink]]`).

## Known problems
A consent check that runs where the rows are selected, in another function
than the write (`rows = consented_rows()`), is not seen; a file of training
data whose name says nothing of training is recognised only when an upload
in the project sends it by the same literal path or constant. A per-user
opt-out applied by a later pipeline (a filter in another repository) is not
seen either: silence the finding then. A comprehension filtered on consent
counts for the whole step it is in: `[r for r in a if r.allow_training] + b`
passes `b` unchecked and is not reported.
"#,
};

/// Marks a value read from stored conversation records (past the
/// catalogue's categories, at most 63 of which are left to users).
const STORED: Categories = 1 << 63;

/// Seeds what users send and the stored conversations; other names are
/// not sources (a training script's `prompt` column is no one's input).
struct TrainingDomain<'c> {
    pii: PiiDomain<'c>,
    cx: &'c Context<'c>,
    conversation: Categories,
    /// Stored record classes of conversations, by name, with what they hold.
    stored: BTreeMap<Ustr, Categories>,
}

impl Domain for TrainingDomain<'_> {
    type Value = Pii;

    fn seed(&self, origin: &Origin<'_>) -> Option<Pii> {
        match *origin {
            Origin::Name { name, .. } => {
                // `Conversation`, `Feedback.objects`, `models.ChatLog`.
                let head = name.split('.').next().unwrap_or(&name);
                let last = name.rsplit('.').next().unwrap_or(&name);
                // A word never interned names no stored class.
                [head, last]
                    .iter()
                    .find_map(|n| self.stored.get(&Ustr::from_existing(n)?))
                    .map(|c| Pii::plain(*c | self.conversation | STORED))
            }
            Origin::Param { entry, .. } => {
                if self.cx.analysis.entry_points[entry].kind.is_local() {
                    return None;
                }
                let gradio = self.pii.seed(origin).map_or(0, |p| p.0);
                Some(Pii::plain(gradio | self.conversation))
            }
            Origin::Read { .. } | Origin::Call { .. } => Some(Pii::plain(self.conversation)),
            Origin::Generation { .. } | Origin::Typed { .. } | Origin::Fetched { .. } => None,
        }
    }

    /// Only names of stored conversation classes are sources.
    fn classifies_names(&self) -> bool {
        !self.stored.is_empty()
    }

    fn weight(&self, value: &Pii) -> u32 {
        super::pii_weight(self.pii.classifier(), value.0)
    }

    fn describe(&self, value: &Pii) -> Option<String> {
        Some(format!(
            "user data ({})",
            super::describe(self.pii.classifier(), value.0)
        ))
    }
}

impl Rule for TrainingDataUnconsented {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(spec) = cx.catalog.taint.get(SPEC) else {
            return;
        };
        let pd = &cx.catalog.personal_data;
        let an = cx.analysis;
        // Nothing to follow without a served entry point or stored
        // conversations, and nowhere to go without a training write: most
        // projects pay for neither.
        let stored: BTreeMap<Ustr, Categories> = stored_classes(cx)
            .iter()
            .filter(|c| {
                c.holds
                    .iter()
                    .any(|h| pd.classify(h) & pd.bit("conversation") != 0)
            })
            .map(|c| {
                let holds = c.holds.iter().fold(0, |acc, h| acc | pd.classify(h));
                (Ustr::from(&c.name), pd.identified(holds))
            })
            .collect();
        let served = an.entry_points.iter().any(|e| !e.kind.is_local());
        if (!served && stored.is_empty()) || !has_sink(cx, spec) {
            return;
        }
        let domain = TrainingDomain {
            pii: PiiDomain::new(cx),
            cx,
            conversation: pd.bit("conversation"),
            stored,
        };
        let taint = an.taint(cx.project, spec, &domain);
        // No flow, no finding: the look-ups below scan every call.
        if taint.flows.is_empty() {
            return;
        }
        let used = uploaded_paths(cx, spec);
        let mut kept: Vec<&Flow<Pii>> = Vec::new();
        for flow in &taint.flows {
            let sink = spec.data.sink[flow.sink].id.as_str();
            let file = cx.project.file(flow.site.file, Reader::RulesPersonalData);
            let keep = match sink {
                "fine-tune-upload" => fine_tune_upload(cx, &file, flow.site.call),
                "dataset-file" => dataset_file(cx, flow.site, &used).is_some(),
                // A trainer fed from a form is an operator's own training
                // run (a training tab); one fed stored conversations is not.
                "trainer" => flow.value.0 & STORED != 0,
                _ => true,
            };
            if keep {
                kept.push(flow);
            }
        }
        // A job started on an upload this rule reports is the same data.
        let uploads: BTreeSet<(usize, u32)> = kept
            .iter()
            .filter(|f| spec.data.sink[f.sink].id == "fine-tune-upload")
            .filter_map(|f| f.steps.first().map(|s| (s.file, s.span.start_byte)))
            .collect();
        kept.retain(|f| {
            spec.data.sink[f.sink].id != "fine-tune-job"
                || f.steps
                    .first()
                    .is_none_or(|s| !uploads.contains(&(s.file, s.span.start_byte)))
        });
        // OPT003's writes, and flows through them, are OPT003's.
        let judged = judged_writes(cx);
        kept.retain(|f| {
            !judged.iter().any(|&(fi, ci)| {
                let span = cx.project.file(fi, Reader::RulesPersonalData).calls[ci].span;
                (fi, ci) == (f.site.file, f.site.call)
                    || f.steps
                        .iter()
                        .any(|s| s.file == fi && span.contains(&s.span))
            })
        });
        if kept.is_empty() {
            return;
        }
        let oo = &cx.catalog.opt_out;
        let is_guard = |n: &str| oo.training_flag(n).is_some() || pd.is_training_guard(n);
        let writes: Vec<(usize, usize)> = kept.iter().map(|f| (f.site.file, f.site.call)).collect();
        let guarded = guarded_writes(cx, &is_guard, &writes);
        // A step under a branch that tests a guard: what reaches the write
        // was selected by it (`if r.user.allow_training: rows.append(r)`).
        // So was a step that filters with one: a comprehension's `if`, the
        // one condition whose test lies inside its `then`
        // (`rows = [r for r in rs if r.user.allow_training]`).
        let selected = |flow: &Flow<Pii>| {
            flow.steps.iter().any(|s| {
                cx.project
                    .file(s.file, Reader::RulesPersonalData)
                    .conditions
                    .iter()
                    .any(|c| {
                        let under = c.then.contains(&s.span);
                        let filters = c.then.contains(&c.span) && s.span.contains(&c.then);
                        (under || filters) && c.names.iter().any(|n| is_guard(n))
                    })
            })
        };
        let mut seen = BTreeSet::new();
        for flow in kept {
            let site = (flow.site.file, flow.site.call);
            if guarded.get(&site).copied().unwrap_or(false) || selected(flow) || !seen.insert(site)
            {
                continue;
            }
            let sink = spec.data.sink[flow.sink].id.as_str();
            let into = match sink {
                "dataset" => "a dataset saved or pushed for training".to_string(),
                "fine-tune-upload" => "a fine-tuning upload".to_string(),
                "fine-tune-job" => "a fine-tuning job".to_string(),
                "trainer" => "a trainer's training set".to_string(),
                "dataset-file" => match dataset_file(cx, flow.site, &used) {
                    Some(path) => format!("the training file `{path}`"),
                    None => "a training file".to_string(),
                },
                other => other.to_string(),
            };
            let mut f = flow_finding(cx, &META, flow, pd, flow.value.0, |what| {
                format!(
                    "writes user inputs ({what}) into {into} on a path that checks no per-user consent or training opt-out"
                )
            });
            f.properties.insert("sink", json!(sink));
            out.push(f);
        }
    }
}

/// Whether any call of the project is one of the spec's sinks, worked out
/// once per scan: the rules' per-file phase does it when PII004 is enabled
/// and the project serves an entry point (`rules::per_file`), else this
/// loop.
fn has_sink(cx: &Context<'_>, spec: &crate::catalog::taint::TaintSpec) -> bool {
    *cx.shared.training_sink.get_or_init(|| {
        // File by file on the pool: most projects have no sink, and every
        // call of every file is looked at.
        cx.project
            .each_file(Reader::RulesPersonalData)
            .par_iter()
            .any(|(fi, f)| file_has_sink(cx, spec, fi, &f))
    })
}

/// Whether a call of file `fi` is one of the spec's sinks.
pub(crate) fn file_has_sink(
    cx: &Context<'_>,
    spec: &crate::catalog::taint::TaintSpec,
    fi: usize,
    f: &FileFacts,
) -> bool {
    use crate::catalog::taint::Role;
    let runtime = cx.project.runtime();
    let mut roles = Vec::new();
    f.calls.iter().enumerate().any(|(ci, c)| {
        roles.clear();
        spec.roles(f.language, c, runtime.alternatives(fi, ci), &mut roles);
        roles.iter().any(|r| matches!(r, Role::Sink(_)))
    })
}

/// An upload whose `purpose` says fine-tuning.
fn fine_tune_upload(cx: &Context<'_>, file: &FileFacts, ci: usize) -> bool {
    file.calls[ci]
        .arg(None, Some("purpose"))
        .and_then(|a| a.value.as_str())
        .is_some_and(|p| cx.catalog.personal_data.is_fine_tune_purpose(p))
}

/// Paths (their text, as [`path_key`] gives it) that the project's
/// fine-tuning uploads send (`client.files.create(file=open("chats.json",
/// "rb"), purpose="fine-tune")`, `Files.upload(file_path=p,
/// purpose="fine_tune")`): a file written there is a training set, whatever
/// its name says.
fn uploaded_paths(cx: &Context<'_>, spec: &crate::catalog::taint::TaintSpec) -> BTreeSet<String> {
    use crate::catalog::taint::Role;
    let mut out = BTreeSet::new();
    let mut roles = Vec::new();
    let runtime = cx.project.runtime();
    for (fi, file) in cx.project.each_file(Reader::RulesPersonalData).iter() {
        for (ci, call) in file.calls.iter().enumerate() {
            if call.arg(None, Some("purpose")).is_none() || !fine_tune_upload(cx, &file, ci) {
                continue;
            }
            roles.clear();
            spec.roles(
                file.language,
                call,
                runtime.alternatives(fi, ci),
                &mut roles,
            );
            let upload = roles
                .iter()
                .any(|r| matches!(r, Role::Sink(s) if spec.data.sink[*s].id == "fine-tune-upload"));
            let Some(arg) = call
                .arg(None, Some("file"))
                .or_else(|| call.arg(None, Some("file_path")))
                .filter(|_| upload)
            else {
                continue;
            };
            let site = Site { file: fi, call: ci };
            // `file=open(p, "rb")`: the path opened.
            let path = match &arg.value {
                Value::Expr(_) => file
                    .calls_in(arg.span.bytes())
                    .find(|&j| file.calls[j].method() == "open")
                    .and_then(|j| file.calls[j].arg(Some(0), Some("file")))
                    .and_then(|a| path_key(cx, site, &a.value)),
                v => path_key(cx, site, v),
            };
            out.extend(path);
        }
    }
    out
}

/// A path's text ([`path_text`]), or the name that holds it when no
/// assignment in the function gives it (a module constant `EXPORT_PATH`):
/// the same name on both sides is the same file.
fn path_key(cx: &Context<'_>, site: Site, v: &Value) -> Option<String> {
    path_text(cx, site, v).or_else(|| match v {
        Value::Name { text, .. } => Some(text.to_string()),
        _ => None,
    })
}

/// The path of the training file a write goes to, when it is named as one
/// or a fine-tuning upload sends it (`used`): the path given
/// (`df.to_csv("train.csv")`), or the one its handle was opened on in the
/// same function (`f.write` after `open("sft.jsonl", "a")`,
/// `json.dump(row, f)`, `csv.writer(f).writerow(row)`).
fn dataset_file(cx: &Context<'_>, site: Site, used: &BTreeSet<String>) -> Option<String> {
    let pd = &cx.catalog.personal_data;
    let file = cx.project.file(site.file, Reader::RulesPersonalData);
    let call = &file.calls[site.call];
    let method = call.method();
    let named =
        |text: &str| (pd.is_dataset_file(text) || used.contains(text)).then(|| text.to_string());
    if matches!(method, "to_csv" | "to_json" | "to_parquet") {
        return call
            .arg(Some(0), Some("path_or_buf"))
            .or_else(|| call.arg(Some(0), Some("path")))
            .and_then(|a| path_key(cx, site, &a.value))
            .and_then(|t| named(&t));
    }
    let handle = match call.receiver {
        _ if method == "dump" => call.arg(Some(1), Some("fp")).and_then(|a| match &a.value {
            Value::Name { text, .. } => Some(*text),
            _ => None,
        }),
        // Rust's `writeln!(file, ...)`: the handle comes first.
        Receiver::None if matches!(method, "write" | "writeln") => {
            call.arg(Some(0), None).and_then(|a| match &a.value {
                Value::Name { text, .. } => Some(*text),
                _ => None,
            })
        }
        Receiver::Name(n) => Some(n),
        Receiver::Call(j) => return opened(cx, site, j as usize, 0, used),
        Receiver::None => None,
    }?;
    handle_path(cx, site, handle, 0, used)
}

/// The dataset path a handle was opened on (following `csv.writer(f)`
/// once).
fn handle_path(
    cx: &Context<'_>,
    site: Site,
    handle: Ustr,
    depth: u8,
    used: &BTreeSet<String>,
) -> Option<String> {
    let file = cx.project.file(site.file, Reader::RulesPersonalData);
    let call = &file.calls[site.call];
    let ai = crate::analysis::dataflow::index::reaching(
        cx.project,
        site.file,
        call.scope,
        &handle,
        call.span.start_byte,
    )?;
    let a = &file.assignments[ai];
    file.calls_in(a.span.bytes())
        .find_map(|j| opened(cx, site, j, depth, used))
}

/// The dataset path call `j` opens (`open(p, "a")`, `Path(p).open("w")`,
/// `jsonlines.open(p, "w")`; Rust's `File::create(p)`, `OpenOptions`
/// `open(p)`, `csv::Writer::from_path(p)`), or, one level down, the one of
/// the handle a writer wraps (`csv.writer(f)`, `BufWriter::new(f)`).
fn opened(
    cx: &Context<'_>,
    site: Site,
    j: usize,
    depth: u8,
    used: &BTreeSet<String>,
) -> Option<String> {
    let pd = &cx.catalog.personal_data;
    let file = cx.project.file(site.file, Reader::RulesPersonalData);
    let c = &file.calls[j];
    if pd.is_open(c.method()) {
        // `open(p)`, `jsonlines.open(p)`; `Path(p).open()`; `path.open()`.
        let path = match (c.arg(Some(0), Some("file")), c.receiver) {
            (Some(a), _) if !matches!(a.value, Value::Str(ref m) if m.len() <= 3) => {
                path_key(cx, site, &a.value)
            }
            (_, Receiver::Call(k)) => file.calls[k as usize]
                .arg(Some(0), None)
                .and_then(|a| path_text(cx, site, &a.value)),
            (_, Receiver::Name(n)) => path_text(
                cx,
                site,
                &Value::Name {
                    text: n,
                    resolved: None,
                },
            ),
            _ => None,
        }?;
        return (pd.is_dataset_file(&path) || used.contains(&path)).then_some(path);
    }
    if depth == 0
        && let Some(Value::Name { text, .. }) = c.arg(Some(0), None).map(|a| &a.value)
    {
        return handle_path(cx, site, *text, 1, used);
    }
    None
}

/// A path's text: a literal, the text of the expression that builds it,
/// or what a name was last given in the same function.
fn path_text(cx: &Context<'_>, site: Site, v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Expr(e) => Some(e.text.to_string()),
        Value::Name { text, .. } => {
            let file = cx.project.file(site.file, Reader::RulesPersonalData);
            let call = &file.calls[site.call];
            let at = crate::analysis::dataflow::index::reaching(
                cx.project,
                site.file,
                call.scope,
                text,
                call.span.start_byte,
            );
            match at.map(|ai| &file.assignments[ai].value) {
                Some(Value::Str(s)) => Some(s.to_string()),
                Some(Value::Expr(e)) => Some(e.text.to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}
