//! LBL005 aigc-metadata-malformed: AIGC implicit-label metadata built from
//! literals in code that does not follow GB 45438 Annex E.

use serde_json::json;
use ustr::Ustr;

use crate::analysis::Reader;
use crate::facts::{FileFacts, Value};
use crate::finding::{Finding, Level, Location};
use crate::implicit_label::aigc::{self, ElementValue, Problem};
use crate::parts::{FileCheck, PerFile, Unit};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct AigcMetadataMalformed;

static META: RuleMeta = RuleMeta {
    code: "LBL005",
    name: "aigc-metadata-malformed",
    category: Category::Label,
    default_level: Level::Error,
    precision: Precision::High,
    status: Status::Preview,
    articles: &["CN-GB45438-E", "CN-GB45438-6", "CN-LBL-5"],
    summary: "AIGC label metadata written by the code does not follow the GB 45438 format.",
    security_severity: "4.0",
    doc: r#"
## What it does
Finds implicit-label metadata that the code builds from literals — a dict
such as `{"AIGC": {"Label": "1", "ContentProducer": ..., "ProduceID": ...}}`
or its bare inner form, assigned, passed to a call or returned, or the same
as a JSON string — and checks it against
GB 45438-2025 Annex E: only the seven element names, spelled exactly; `Label`
is the string "1", "2" or "3"; `ContentProducer` and `ProduceID` present and
non-empty; allowed characters. A `ProduceID` written as a literal is the same
for every output, so it is reported too.

## Why is this bad?
Platforms and regulators read the implicit label by machine. A label with a
misspelt element, a numeric `Label` or a fixed `ProduceID` fails their checks:
the content counts as unlabeled, and a fixed id makes it impossible to trace
one piece of content back to its production record.

## Example
```python
meta.add_text("AIGC", json.dumps({"label": 1, "ContentProducer": "acme", "ProduceID": "0001"}))
```

Use instead:
```python
meta.add_text("AIGC", json.dumps({"Label": "1", "ContentProducer": PRODUCER_CODE, "ProduceID": uuid.uuid4().hex}))
```

## Known problems
Values computed at run time are not judged. A dict that mentions element
names for another purpose can be taken for a label when it has two or more of
them.
"#,
};

impl Rule for AigcMetadataMalformed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        crate::parts::check_all(self, cx, Reader::RulesLabels, out);
    }

    fn per_file(&self) -> Option<&dyn PerFile> {
        Some(self)
    }
}

impl PerFile for AigcMetadataMalformed {
    fn prepare<'c>(&'c self, _cx: &'c Context<'_>) -> Box<dyn FileCheck + 'c> {
        Box::new(Check)
    }
}

/// LBL005 over one file at a time.
struct Check;

impl FileCheck for Check {
    fn check(&self, _fi: usize, file: &FileFacts) -> Unit {
        let mut found = Vec::new();
        let out = &mut found;
        for call in &file.calls {
            // `add_text("AIGC", ...)`: the field name comes with the call.
            let field = call
                .args
                .iter()
                .find(|a| a.keyword.is_none())
                .and_then(|a| a.value.as_str());
            for arg in &call.args {
                visit(&arg.value, field, 0, &mut |pairs, wrapped, key| {
                    report(out, file, arg.span, call.scope, pairs, wrapped, key)
                });
            }
        }
        for a in &file.assignments {
            visit(&a.value, None, 0, &mut |pairs, wrapped, key| {
                report(out, file, a.span, a.scope, pairs, wrapped, key)
            });
        }
        // `return {"AIGC": {...}}`: a helper that builds the label for its caller.
        for r in file
            .returns
            .iter()
            .filter(|r| matches!(r.value, Value::Dict(_)))
        {
            visit(&r.value, None, 0, &mut |pairs, wrapped, key| {
                report(out, file, r.span, r.scope, pairs, wrapped, key)
            });
        }
        for s in &file.strings {
            if s.interpolated
                || !s.value.trim_start().starts_with('{')
                || !aigc::looks_like_label(None, &s.value)
            {
                continue;
            }
            let checked = aigc::check_text(Some(aigc::AIGC), &s.value);
            push(out, file, s.span, s.scope, checked.problems);
        }
        Unit {
            findings: found,
            lookups: Vec::new(),
        }
    }
}

/// Called with a label-shaped dict's pairs, whether it was wrapped in
/// `{"AIGC": ...}`, and the field name the call gives it.
type LabelSink<'a> = dyn FnMut(&[(Value, Value)], bool, Option<&str>) + 'a;

/// Find label-shaped dicts in a value (nested up to a small depth).
fn visit(value: &Value, field: Option<&str>, depth: usize, found: &mut LabelSink<'_>) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Dict(pairs) => {
            if let Some((_, inner)) = pairs.iter().find(|(k, _)| k.as_str() == Some(aigc::AIGC))
                && let Value::Dict(inner) = inner
            {
                found(inner, true, None);
            } else if element_keys(pairs) >= 2 {
                found(pairs, false, field);
            } else {
                for (_, v) in pairs {
                    visit(v, field, depth + 1, found);
                }
            }
        }
        Value::List(items) => items.iter().for_each(|v| visit(v, field, depth + 1, found)),
        _ => {}
    }
}

/// How many keys are element names in any spelling.
fn element_keys(pairs: &[(Value, Value)]) -> usize {
    pairs
        .iter()
        .filter(|(k, _)| {
            k.as_str()
                .is_some_and(|k| aigc::ELEMENTS.iter().any(|e| e.eq_ignore_ascii_case(k)))
        })
        .count()
}

fn report(
    out: &mut Vec<Finding>,
    file: &FileFacts,
    span: Span,
    scope: Option<Ustr>,
    pairs: &[(Value, Value)],
    wrapped: bool,
    field: Option<&str>,
) {
    let elements: Vec<(String, ElementValue)> = pairs
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), element_value(v))))
        .collect();
    // The field name is only known when the call names it; otherwise assume
    // the caller writes it under `AIGC` and judge the elements alone.
    let key = field.filter(|f| !f.is_empty()).or(Some(aigc::AIGC));
    let mut problems = aigc::check_pairs(if wrapped { None } else { key }, wrapped, &elements);
    let flagged = problems
        .iter()
        .any(|p| p.check == aigc::Check::PlaceholderId);
    if let Some((_, v)) = pairs.iter().find(|(k, _)| k.as_str() == Some("ProduceID"))
        && let Value::Str(id) = v
        && !id.is_empty()
        && !flagged
    {
        problems.push(Problem {
            check: aigc::Check::PlaceholderId,
            level: Level::Warning,
            element: Some("ProduceID".into()),
            message: format!("ProduceID is the constant `{id}`: every output gets the same id, so none can be traced"),
        });
    }
    push(out, file, span, scope, problems);
}

fn element_value(v: &Value) -> ElementValue {
    match v {
        Value::Str(s) => ElementValue::String(s.to_string()),
        Value::Int(i) => ElementValue::Number(i.to_string()),
        Value::Float(f) => ElementValue::Number(f.to_string()),
        Value::Bool(b) => ElementValue::Bool(*b),
        Value::None => ElementValue::Null,
        Value::List(_) => ElementValue::Array,
        Value::Dict(_) => ElementValue::Object,
        Value::Name { .. } | Value::Env { .. } | Value::Expr(_) => ElementValue::Unknown,
    }
}

fn push(
    out: &mut Vec<Finding>,
    file: &FileFacts,
    span: Span,
    scope: Option<Ustr>,
    problems: Vec<Problem>,
) {
    if problems.is_empty() {
        return;
    }
    let level = if problems.iter().any(|p| p.level == Level::Error) {
        Level::Error
    } else {
        Level::Warning
    };
    let checks: Vec<&str> = problems.iter().map(|p| p.check.as_str()).collect();
    let mut message = String::from("AIGC label metadata does not follow GB 45438 Annex E: ");
    message += &problems
        .iter()
        .map(|p| p.message.trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join("; ");
    let mut f = Finding::new(
        META.code,
        level,
        message,
        Location {
            path: file.path.as_str().into(),
            span,
        },
    );
    f.symbol = scope.map(crate::finding::Text::from);
    f.properties.insert("checks", json!(checks));
    out.push(f);
}
