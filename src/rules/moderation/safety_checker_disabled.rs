//! MOD001 safety-checker-disabled: a library's output safety checker or
//! content filter is switched off.

use std::borrow::Cow;
use std::sync::Mutex;

use serde_json::json;

use ustr::Ustr;

use crate::analysis::{FastMap, FastSet, Reader};
use crate::catalog::SafetySwitch;
use crate::facts::{Arg, Assignment, ConfigEntry, FileFacts, Value};
use crate::finding::{Finding, Level, Location};
use crate::parts::{FileCheck, PerFile, Unit};
use crate::qname::OptionQName;
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct SafetyCheckerDisabled;

static META: RuleMeta = RuleMeta {
    code: "MOD001",
    name: "safety-checker-disabled",
    category: Category::Moderation,
    default_level: Level::Error,
    precision: Precision::High,
    status: Status::Stable,
    articles: &["CN-DSP-10", "CN-GAI-14", "CN-GAI-4"],
    summary: "The safety checker that screens generated output is switched off.",
    security_severity: "7.0",
    doc: r#"
## What it does
Finds code that switches off a generation library's built-in output screening:
`safety_checker=None` or `requires_safety_checker=False` passed to a diffusers
pipeline (directly or through a literal `**kwargs` dict), and
`pipe.safety_checker = None` or a pass-through lambda assigned afterwards.
Configuration files count too: `safety_checker: null`,
`ENABLE_NSFW_FILTER=false`, `content_filter: off`, `disable_moderation: true`
in YAML, JSON, TOML, INI, `.env`, compose or Helm values (keys compared in
snake case; a model's own `model_index.json` is not judged).
The switches are catalogue data, so other libraries' filters can be added.

## Why is this bad?
A generative service must review what it synthesises and must not produce
prohibited content; when illegal output appears it has to stop and handle it.
The safety checker is often the only automatic review of generated images in a
project. Turning it off without another output check removes that review.

## Example
```python
pipe = StableDiffusionPipeline.from_pretrained(model_id, safety_checker=None)
```

Use instead:
```python
pipe = StableDiffusionPipeline.from_pretrained(model_id)
```
or keep it off only where another moderation step reviews every image, and
record that decision in configuration (`per-path-ignores`) so reviewers see it.

## Known problems
Projects that replace the checker with their own moderation step (an image
moderation API called on every output) are still reported; silence them in
configuration for the module that does so. Research and benchmark scripts that
never serve users are reported too. Files under the entry-point catalogue's
`test_paths` (`tests/`, `test_*.py`, `conftest.py`, ...) are not checked
(`scan_test_paths = true` under `[catalog.entrypoints]` checks them), and a call
that switches off both `safety_checker` and `requires_safety_checker` is one
finding.
"#,
};

impl Rule for SafetyCheckerDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        crate::parts::check_all(self, cx, Reader::RulesModeration, out);
    }

    fn per_file(&self) -> Option<&dyn PerFile> {
        Some(self)
    }
}

impl PerFile for SafetyCheckerDisabled {
    fn prepare<'c>(&'c self, cx: &'c Context<'_>) -> Box<dyn FileCheck + 'c> {
        Box::new(Check {
            cx,
            tests: cx.test_files(),
            spellings: Spellings::new(cx.catalog.safety_switch.iter()),
            // One memo per thread of the pool, and one for any other
            // thread: a thread locks only its own (no contention).
            known: (0..=rayon::current_num_threads())
                .map(|_| Mutex::default())
                .collect(),
        })
    }
}

/// MOD001 over one file at a time.
struct Check<'c, 'a> {
    cx: &'c Context<'a>,
    tests: &'c [bool],
    spellings: Spellings,
    /// Keys' spellings met so far, per thread ([`Spellings::read_interned`]):
    /// configuration keys repeat across files. Each thread of the pool
    /// has its own memo (it was one behind a lock, taken per
    /// configuration file by every thread); the last is for threads
    /// outside the pool. A memo gives the answer `read` gives, so which
    /// thread met a key first changes nothing.
    known: Vec<Mutex<FastMap<Ustr, Option<Ustr>>>>,
}

impl Check<'_, '_> {
    /// This thread's memo.
    fn known(&self) -> std::sync::MutexGuard<'_, FastMap<Ustr, Option<Ustr>>> {
        let last = self.known.len() - 1;
        let slot = rayon::current_thread_index().map_or(last, |i| i.min(last));
        lock(&self.known[slot])
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl FileCheck for Check<'_, '_> {
    fn check(&self, fi: usize, file: &FileFacts) -> Unit {
        let mut found = Vec::new();
        let out = &mut found;
        // Tests build pipelines from dummy parts on purpose; they serve nobody.
        if !self.tests[fi] {
            // One call is one finding, however many of its switches are off
            // (`safety_checker=None, requires_safety_checker=False`).
            let mut reported_calls = vec![false; file.calls.len()];
            // The configuration's keys, spelt once for all the switches.
            let mut keyed = None;
            for (i, sw) in self.cx.catalog.safety_switch.iter().enumerate() {
                if let Some(kw) = &sw.keyword {
                    for (ci, call) in file.calls.iter().enumerate() {
                        // Cheap test before the pattern match: the switch is
                        // the keyword itself or inside a `**` dict.
                        if reported_calls[ci]
                            || !call
                                .args
                                .iter()
                                .any(|a| a.keyword.as_deref().is_some_and(|k| k == kw || k == "**"))
                        {
                            continue;
                        }
                        if !self.cx.catalog.safety_switch_applies(
                            i,
                            file.language,
                            call.resolved.as_name(),
                            &call.callee,
                        ) {
                            continue;
                        }
                        if let Some(span) =
                            off_argument(file, &call.args, call.scope.as_deref(), kw, sw)
                        {
                            reported_calls[ci] = true;
                            out.push(finding(
                                file,
                                span,
                                call.scope.map(String::from),
                                sw,
                                &format!("`{kw}` switched off in `{}`", call.callee),
                            ));
                        }
                    }
                }
                if !sw.config_keys.is_empty() && !file.config.is_empty() {
                    let keyed = keyed.get_or_insert_with(|| {
                        keyed_entries(file, &self.spellings, &mut self.known())
                    });
                    config_switches(self.cx, file, keyed, i, sw, out);
                }
                if let Some(attr) = &sw.attribute {
                    for a in &file.assignments {
                        let Some((_, field)) = a.target.rsplit_once('.') else {
                            continue;
                        };
                        if field == attr && is_off(&a.value, sw) {
                            out.push(finding(
                                file,
                                a.span,
                                a.scope.map(String::from),
                                sw,
                                &format!("`{}` assigned `{}`", a.target, a.value.display()),
                            ));
                        }
                    }
                }
            }
        }
        Unit {
            findings: found,
            lookups: Vec::new(),
        }
    }
}

/// Keys of a configuration file that switch a filter off: `safety_checker:
/// null`, `ENABLE_NSFW_FILTER=false` (also as compose's `- KEY=v` items).
fn config_switches(
    cx: &Context<'_>,
    file: &FileFacts,
    keyed: &[Keyed<'_>],
    i: usize,
    sw: &SafetySwitch,
    out: &mut Vec<Finding>,
) {
    if cx.catalog.safety_switch_skips_file(i, file.path.as_str()) {
        return;
    }
    for k in keyed {
        // The key and value are judged before the shown text is spelt:
        // configuration trees have many entries and few switches.
        if !sw.config_keys.iter().any(|c| c == k.key.as_str())
            || !is_off(&scalar(k.value.clone()), sw)
        {
            continue;
        }
        let e = k.entry;
        let shown = match k.item {
            Some(item) => item.to_string(),
            None => format!("{}: {}", e.joined("."), written(&e.value)),
        };
        let mut f = Finding::new(
            META.code,
            META.default_level,
            format!(
                "output filter switched off in configuration: `{shown}`; generated output is no longer screened"
            ),
            Location {
                path: file.path.as_str().into(),
                span: e.value_span,
            },
        );
        f.properties.insert("switch", json!(sw.id));
        out.push(f);
    }
}

/// A configuration entry as the switches read it: its key in snake case,
/// its value, and the item's text for a list item spelt `key=value`
/// (compose's `- KEY=v`), which is judged by its own key and value.
struct Keyed<'f> {
    entry: &'f ConfigEntry,
    key: Ustr,
    value: Cow<'f, Value>,
    item: Option<&'f str>,
}

/// The snake-case spelling of each configuration key met, when some
/// switch reads it. A configuration tree has tens of thousands of entries
/// and few distinct keys (interned), almost none a switch's: each key is
/// spelt once, and entries under other keys are not kept.
struct Spellings {
    /// Every switch's `config_keys`.
    read: FastSet<String>,
}

impl Spellings {
    fn new<'a>(switches: impl Iterator<Item = &'a SafetySwitch>) -> Spellings {
        Spellings {
            read: switches
                .flat_map(|sw| sw.config_keys.iter().cloned())
                .collect(),
        }
    }

    /// `key` in snake case, if a switch reads that key.
    fn read(&self, key: &str) -> Option<Ustr> {
        let snake = snake_case(key);
        self.read.contains(&snake).then(|| Ustr::from(&snake))
    }

    /// [`Spellings::read`] of an interned key, remembered in `known`.
    fn read_interned(&self, key: Ustr, known: &mut FastMap<Ustr, Option<Ustr>>) -> Option<Ustr> {
        if let Some(known) = known.get(&key) {
            return *known;
        }
        let spelt = self.read(key.as_str());
        known.insert(key, spelt);
        spelt
    }
}

fn keyed_entries<'f>(
    file: &'f FileFacts,
    spellings: &Spellings,
    known: &mut FastMap<Ustr, Option<Ustr>>,
) -> Vec<Keyed<'f>> {
    file.config
        .iter()
        .filter_map(|e| {
            let last = e.path.last().copied().unwrap_or_default();
            let (key, value, item) = match (last.as_str(), &e.value) {
                (k, Value::Str(item)) if k.starts_with('[') => {
                    let (k, v) = item.split_once('=')?;
                    let key = spellings.read(k.trim())?;
                    let v = Cow::Owned(Value::Str(v.trim().into()));
                    (key, v, Some(item.as_str()))
                }
                (_, v) => (
                    spellings.read_interned(last, known)?,
                    Cow::Borrowed(v),
                    None,
                ),
            };
            Some(Keyed {
                entry: e,
                key,
                value,
                item,
            })
        })
        .collect()
}

/// A configuration value as the file wrote it.
fn written(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::None => "null".into(),
        Value::Int(i) => i.to_string(),
        v => v.display(),
    }
}

/// `enableSafetyChecker`, `ENABLE-SAFETY-CHECKER` → `enable_safety_checker`.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        });
    }
    out
}

/// A string as `.env` and INI files mean it: `"false"` is false, `"0"` is 0,
/// `"none"` is null; anything else stays a string.
fn scalar(v: Cow<'_, Value>) -> Cow<'_, Value> {
    let Value::Str(s) = &*v else { return v };
    let t = s.trim().to_ascii_lowercase();
    Cow::Owned(match t.as_str() {
        "false" | "no" | "disabled" => Value::Bool(false),
        "true" | "yes" | "enabled" => Value::Bool(true),
        "none" | "null" | "~" => Value::None,
        _ => match t.parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => return v,
        },
    })
}

fn finding(
    file: &FileFacts,
    span: Span,
    scope: Option<String>,
    sw: &SafetySwitch,
    what: &str,
) -> Finding {
    let mut f = Finding::new(
        META.code,
        META.default_level,
        format!(
            "{} safety checker disabled: {what}; generated output is no longer screened",
            sw.library
        ),
        Location {
            path: file.path.as_str().into(),
            span,
        },
    );
    f.symbol = scope.map(Into::into);
    f.properties.insert("switch", json!(sw.id));
    f
}

/// Span of the argument that switches `keyword` off, directly or via a
/// `**name` whose literal dict is assigned in the same scope (or module).
fn off_argument(
    file: &FileFacts,
    args: &[Arg],
    scope: Option<&str>,
    keyword: &str,
    sw: &SafetySwitch,
) -> Option<Span> {
    for arg in args {
        match arg.keyword.as_deref() {
            Some(k) if k == keyword && is_off(&arg.value, sw) => return Some(arg.span),
            Some("**") => {
                let dict = match &arg.value {
                    Value::Dict(d) => Some(&d[..]),
                    Value::Name { text, .. } => literal_dict(file, text, scope),
                    _ => None,
                };
                if dict.is_some_and(|entries| {
                    entries
                        .iter()
                        .any(|(k, v)| k.as_str() == Some(keyword) && is_off(v, sw))
                }) {
                    return Some(arg.span);
                }
            }
            _ => {}
        }
    }
    None
}

/// The last literal dict assigned to `name` in `scope`, else at module level.
fn literal_dict<'a>(
    file: &'a FileFacts,
    name: &str,
    scope: Option<&str>,
) -> Option<&'a [(Value, Value)]> {
    let in_scope = |s: Option<&str>| {
        file.assignments
            .iter()
            .rev()
            .filter(|a: &&Assignment| a.target == name && a.scope.as_deref() == s)
            .find_map(|a| match &a.value {
                Value::Dict(d) => Some(&d[..]),
                _ => None,
            })
    };
    in_scope(scope).or_else(|| in_scope(None))
}

fn is_off(value: &Value, sw: &SafetySwitch) -> bool {
    sw.off_values.iter().any(|v| v.matches(value))
}
