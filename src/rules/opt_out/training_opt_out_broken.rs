//! OPT003 training-opt-out-broken: the flag that keeps a user's data out of
//! training defaults to "use it", users cannot change it, or a write into a
//! training set does not read it while another does.

use serde_json::json;

use ustr::Ustr;

use crate::analysis::{FastMap, FastSet, Reader};
use crate::catalog::opt_out::{OptOut, TrainingFlag};
use crate::facts::{Assignment, FileFacts, Value};
use crate::finding::{Finding, Level, Location};
use crate::qname::OptionQName;
use crate::rules::opt_out::{guarded_writes, related, stored_fields};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct TrainingOptOutBroken;

static META: RuleMeta = RuleMeta {
    code: "OPT003",
    name: "training-opt-out-broken",
    category: Category::OptOut,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-GAI-7", "CN-TC260-003", "CN-PIPL-14"],
    summary: "The flag that keeps a user's data out of training defaults to use, cannot be changed, or is skipped by a training write.",
    security_severity: "5.0",
    doc: r#"
## What it does
Finds the flags that decide whether a user's data may be used for training,
by name (`allow_training`, `use_data_for_training`, `improve_model`, or the
other way round `training_opt_out`, `exclude_from_training`): model and
settings fields, module-level settings and configuration keys. It reports,
as a warning at the flag:

- a flag whose default lets the data be used (`allow_training = True`,
  `Column(Boolean, default=True)`, `training_opt_out: false` in a settings
  file), and
- a flag that nothing in the project sets: no assignment to
  `user.allow_training`, no keyword argument, request parameter, form field
  or handler parameter of that name.

It also finds the calls that write user data into a training set
(`add_to_training_set`, `export_training_data`, `save_sft_samples`). When
some of them run only on a branch that tests the flag, or after reading it
(`users.filter(allow_training=True)`), while another does not, or when the
project has the flag and no write reads it, each write that does not is
reported as an error.

One write is reported once: these named training writes are this rule's
whenever it judges them (the project has a training flag, or one of them
reads it). PII004 follows user inputs into every other training write
(datasets, fine-tuning uploads, trainers, `.jsonl` files), and into the
named ones when the project has no flag at all.

## Why is this bad?
User inputs used for training need the users' consent or another lawful
basis, and users must be able to switch that use off conveniently. A flag
that starts switched on, that no setting can change, or that one export
path ignores, does not give them that choice.

## Example
```python
class User(Base):
    allow_training = Column(Boolean, default=True)

def export_feedback(rows):
    for row in rows:
        add_to_training_set(row.prompt, row.answer)
```

Use instead:
```python
class User(Base):
    allow_training = Column(Boolean, default=False)

@app.post("/settings/training")
def set_training(body: TrainingChoice, user: User = Depends(current_user)):
    user.allow_training = body.allow_training

def export_feedback(rows):
    for row in rows:
        if row.user.allow_training:
            add_to_training_set(row.prompt, row.answer)
```

## Options
Flag names and training writes are catalogue data:
`[catalog.opt_out] training_opt_in = ["(?i)share_with_lab"]`, likewise
`training_opt_out` and `training_writes`.

## Known problems
Flags and writes are recognised by name. A flag changed by a settings page
in another repository, or read by the query that selects the rows in a
stored procedure, is not seen; a flag shown with a notice that explains the
default is reported all the same. Writes into training files through
generic file or database calls are not recognised as training writes.
"#,
};

impl Rule for TrainingOptOutBroken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let oo = &cx.catalog.opt_out;
        let flags = definitions(cx);
        let set = set_names(cx, flags);
        for def in flags {
            let opted_in = def.default.map(|on| match def.kind {
                TrainingFlag::OptIn => on,
                TrainingFlag::OptOut => !on,
            });
            let settable = is_set_anywhere(&def.name, flags, &set);
            if opted_in == Some(false) || (opted_in.is_none() && settable) {
                continue;
            }
            let mut problems = Vec::new();
            if opted_in == Some(true) {
                problems.push("defaults to using the user's data for training");
            }
            if !settable {
                problems.push(
                    "is set by nothing in the project (no setting, route or form field changes it)",
                );
            }
            let mut f = Finding::new(
                META.code,
                META.default_level,
                format!(
                    "The training flag `{}` {}",
                    def.name,
                    problems.join(", and ")
                ),
                Location {
                    path: cx.project.path(def.file).into(),
                    span: def.span,
                },
            );
            f.properties.insert("flag", json!(def.name));
            f.properties
                .insert("defaultOptedIn", json!(opted_in == Some(true)));
            f.properties.insert("settable", json!(settable));
            out.push(f);
        }
        unguarded_writes(cx, oo, !flags.is_empty(), out);
    }
}

/// A training flag's definition.
#[derive(Debug, Clone)]
pub struct Definition {
    file: usize,
    span: Span,
    name: String,
    kind: TrainingFlag,
    /// Its literal default, when it has one.
    default: Option<bool>,
}

/// Configuration keys matched as training flags: keys are interned and
/// repeat across a tree (tens of thousands of entries, a few hundred
/// keys), so each is matched once per memo.
pub(crate) type ConfigFlags = FastMap<Ustr, Option<TrainingFlag>>;

/// Fields, module-level settings and configuration keys that are training
/// flags, in file order, computed once per scan: the rules' per-file phase
/// makes them when OPT003 or PII004 is enabled (`rules::per_file`); this
/// loop serves a call without it.
fn definitions<'c>(cx: &'c Context<'_>) -> &'c [Definition] {
    cx.shared.training_flags.get_or_init(|| {
        let oo = &cx.catalog.opt_out;
        let mut config_flags = ConfigFlags::default();
        cx.project
            .each_file(Reader::RulesOptOut)
            .iter()
            .flat_map(|(fi, f)| file_definitions(cx, oo, fi, &f, &mut config_flags))
            .collect()
    })
}

/// [`definitions`] of file `fi`, in their order.
pub(crate) fn file_definitions(
    cx: &Context<'_>,
    oo: &OptOut,
    fi: usize,
    f: &FileFacts,
    config_flags: &mut ConfigFlags,
) -> Vec<Definition> {
    let mut out = Vec::new();
    for a in &f.assignments {
        // A field or a setting: a plain name outside functions, or in a
        // class body. Without a `format!` per class and assignment: that
        // was most of this rule's time.
        let in_method =
            |s: &str, class: &str| s.strip_prefix(class).is_some_and(|r| r.starts_with('.'));
        let in_class = || {
            f.classes.iter().any(|c| {
                c.span.contains(&a.span)
                    && a.scope
                        .as_deref()
                        .is_none_or(|s| !in_method(s, &c.qualname))
            })
        };
        if a.target.contains('.') || (a.scope.is_some() && !in_class()) {
            continue;
        }
        if let Some(kind) = oo.training_flag(&a.target) {
            out.push(Definition {
                file: fi,
                span: a.span,
                name: a.target.to_string(),
                kind,
                default: default_of(a),
            });
        }
    }
    // Declared fields of a stored record (a Rust struct deriving
    // `sqlx::FromRow`, as an ORM model's columns are); their defaults
    // live in code (`impl Default`) or the schema, not read here.
    for field in stored_fields(cx, f, |x| oo.training_flag(&x.name).is_some()) {
        if let Some(kind) = oo.training_flag(&field.name) {
            out.push(Definition {
                file: fi,
                span: field.span,
                name: field.name.to_string(),
                kind,
                default: None,
            });
        }
    }
    for e in &f.config {
        let Some(&key) = e.path.last() else { continue };
        let flag = *config_flags
            .entry(key)
            .or_insert_with(|| oo.training_flag(&key));
        if let Some(kind) = flag {
            out.push(Definition {
                file: fi,
                span: e.key_span,
                name: key.to_string(),
                kind,
                default: match e.value {
                    Value::Bool(b) => Some(b),
                    _ => None,
                },
            });
        }
    }
    out
}

/// `flag = True`, `Column(Boolean, default=True)`, `Field(True)`.
fn default_of(a: &Assignment) -> Option<bool> {
    if let Value::Bool(b) = a.value {
        return Some(b);
    }
    let args = a.value_args.as_deref()?;
    args.iter()
        .find(|x| x.keyword.as_deref() == Some("default"))
        .or_else(|| args.first().filter(|x| x.keyword.is_none()))
        .and_then(|x| match x.value {
            Value::Bool(b) => Some(b),
            _ => None,
        })
}

/// Whether anything in the project sets the flag: an assignment to an
/// attribute of that name, a keyword argument, a string naming it (a
/// request parameter, form field or JSON key), a function parameter, or a
/// second class that declares it (a request schema). `set`: the flags'
/// names set anywhere ([`set_names`]).
fn is_set_anywhere(name: &str, flags: &[Definition], set: &FastSet<Ustr>) -> bool {
    let declared = flags.iter().filter(|d| d.name == name).count();
    declared > 1 || set.contains(&Ustr::from(name))
}

/// Which of the flags' names ([`is_set_anywhere`]) something in the
/// project sets: one loop over the files for every name at once (it was a
/// loop per flag, stopping at the first file that sets it), and none when
/// every name is declared twice or the project has no flag.
fn set_names(cx: &Context<'_>, flags: &[Definition]) -> FastSet<Ustr> {
    let wanted: FastSet<Ustr> = flags
        .iter()
        .filter(|d| flags.iter().filter(|e| e.name == d.name).count() <= 1)
        .map(|d| Ustr::from(&d.name))
        .collect();
    if wanted.is_empty() {
        return wanted;
    }
    let sets = |f: &FileFacts, found: &mut FastSet<Ustr>| {
        for a in &f.assignments {
            if a.target.contains('.')
                && let Some(last) = a.target.rsplit('.').next()
                && let Some(&n) = wanted.iter().find(|n| n.as_str() == last)
            {
                found.insert(n);
            }
        }
        let mut one = |n: Ustr| {
            if wanted.contains(&n) {
                found.insert(n);
            }
        };
        for c in &f.calls {
            c.args.iter().filter_map(|a| a.keyword).for_each(&mut one);
        }
        // A literal never interned is none of the wanted names.
        f.strings
            .iter()
            .filter_map(|s| Ustr::from_existing(&s.value))
            .for_each(&mut one);
        for func in &f.functions {
            func.params.iter().copied().for_each(&mut one);
        }
    };
    let mut found = FastSet::default();
    for f in cx.project.each_file(Reader::RulesOptOut).facts() {
        sets(&f, &mut found);
        if found.len() == wanted.len() {
            break;
        }
    }
    found
}

/// The training writes this rule judges (each reported when it does not
/// read the flag): the calls named as training writes, when the project has
/// a training flag or one of them reads it. PII004 leaves these alone, so
/// that a write is reported by one rule only.
pub fn judged_writes(cx: &Context<'_>) -> Vec<(usize, usize)> {
    let oo = &cx.catalog.opt_out;
    let writes = training_writes(cx, oo);
    if writes.is_empty() {
        return writes;
    }
    let has_flag = !definitions(cx).is_empty();
    let is_flag = |n: &str| oo.training_flag(n).is_some();
    if has_flag || guarded_writes(cx, &is_flag, &writes).values().any(|g| *g) {
        writes
    } else {
        Vec::new()
    }
}

/// The calls named as training writes (`add_to_training_set`), as (file,
/// call), computed once per scan: the rules' per-file phase makes them
/// when OPT003 or PII004 is enabled (`rules::per_file`).
fn training_writes(cx: &Context<'_>, oo: &OptOut) -> Vec<(usize, usize)> {
    cx.shared
        .training_writes
        .get_or_init(|| {
            let files = cx.project.each_file(Reader::RulesOptOut);
            files
                .iter()
                .flat_map(|(fi, f)| file_training_writes(oo, fi, &f))
                .collect()
        })
        .clone()
}

/// [`training_writes`] of file `fi`, in call order.
pub(crate) fn file_training_writes(oo: &OptOut, fi: usize, f: &FileFacts) -> Vec<(usize, usize)> {
    let mut writes = Vec::new();
    for (ci, c) in f.calls.iter().enumerate() {
        let resolved = c.resolved.as_name().unwrap_or_default();
        if oo.is_training_write(&c.callee)
            || (!resolved.is_empty() && oo.is_training_write(resolved))
        {
            writes.push((fi, ci));
        }
    }
    writes
}

/// Writes into a training set that do not read the flag, when another
/// write does or the project has a flag: one error per write.
fn unguarded_writes(cx: &Context<'_>, oo: &OptOut, has_flag: bool, out: &mut Vec<Finding>) {
    let is_flag = |n: &str| oo.training_flag(n).is_some();
    let writes = training_writes(cx, oo);
    if writes.is_empty() {
        return;
    }
    let guarded = guarded_writes(cx, &is_flag, &writes);
    let reference = guarded.iter().find(|(_, g)| **g).map(|(w, _)| *w);
    if reference.is_none() && !has_flag {
        return;
    }
    for (&(fi, ci), &g) in &guarded {
        if g {
            continue;
        }
        let call = &cx.project.file(fi, Reader::RulesOptOut).calls[ci];
        let why = if reference.is_some() {
            "while another training write does"
        } else {
            "although the project has one"
        };
        let mut f = Finding::new(
            META.code,
            Level::Error,
            format!(
                "`{}` writes user data into a training set without checking the user's training opt-out flag, {why}",
                call.callee
            ),
            Location {
                path: cx.project.path(fi).into(),
                span: call.span,
            },
        );
        if let Some((rf, rc)) = reference {
            let rcall = &cx.project.file(rf, Reader::RulesOptOut).calls[rc];
            f.related.push(related(
                cx,
                rf,
                rcall.span,
                format!("`{}` checks the flag first", rcall.callee),
            ));
        }
        out.push(f);
    }
}
