//! MOD003 output-moderation-missing: a generation endpoint returns what the
//! model made with no moderation call applied to it.

use serde_json::json;

use crate::analysis::generation;
use crate::finding::{Finding, Level};
use crate::rules::generation::generation_endpoint::endpoint_flow;
use crate::rules::labels::generation_related;
use crate::rules::moderation::sites::{Moderation, OutputTaint};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct OutputModerationMissing;

static META: RuleMeta = RuleMeta {
    code: "MOD003",
    name: "output-moderation-missing",
    category: Category::Moderation,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-DSP-10", "CN-GAI-14", "CN-ARP-9"],
    summary: "A generation endpoint serves generated content that no moderation check reviews.",
    security_severity: "2.0",
    doc: r#"
## What it does
For every service entry point that reaches a generation call, follows the
generated output through the project (the `generated-output` taint spec in
`moderation.toml`: every transformation and project function carries it) and
looks for a moderation call, in the code the handler reaches, that is given
that output and whose verdict is read. The moderation calls are those of
MOD002 (provider APIs, checks named in configuration, project functions that
return a verdict). It reports the endpoint when there is none, and says when
the input is moderated but the output is not.

## Why is this bad?
A provider must review synthesis results as well as inputs, and stop
generating and transmitting illegal content when it appears. A model can
produce prohibited content from a harmless prompt; only a check on the
output catches it before the user sees it.

## Example
```python
@app.post("/chat")
def chat(req: ChatRequest):
    if moderate(req.prompt):
        raise HTTPException(400, "refused")
    reply = llm.invoke(req.prompt)
    return {"reply": reply.content}
```

Use instead:
```python
@app.post("/chat")
def chat(req: ChatRequest):
    if moderate(req.prompt):
        raise HTTPException(400, "refused")
    reply = llm.invoke(req.prompt)
    if moderate(reply.content):
        raise HTTPException(502, "the answer was withheld by moderation")
    return {"reply": reply.content}
```

## Options
The moderation calls are catalogue data (`[[catalog.moderation]]`, see
MOD002).

## Known problems
Local entry points (command-line tools, scripts) are not reported. Output
moderated by the model provider, a gateway or a client is not seen. Generated
values kept in element assignments (`d["k"] = v`), passed through `*args`, or
read in a `for` loop may not be followed, so a check on them is missed. A
streaming endpoint that checks the whole answer only after it was sent counts
as moderated. Whether the output goes back to the user is not checked: an
endpoint that only stores what it generates (summaries written to a vector
store) is reported too.
"#,
};

impl Rule for OutputModerationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        let moderation = Moderation::shared(cx);
        let output = OutputTaint::new(cx, &moderation);
        for (e, entry, reached) in an.generation_endpoints() {
            if entry.kind.is_local() {
                continue;
            }
            let found = moderation.endpoint(cx, e, &output);
            if !found.output.is_empty() {
                continue;
            }
            let content: Vec<_> = an.content_of(e).into_iter().collect();
            let mut message = format!(
                "{} serves generated {} that no moderation check reviews",
                entry.describe(),
                generation::content_label(&content)
            );
            let mut related = generation_related(cx, e);
            moderation.note_ignored(cx, &found.ignored, &mut message, &mut related);
            if let Some(&i) = found.input.first() {
                message += &format!("; {} reviews the input only", moderation.describe(cx, i));
                related.push(moderation.related(cx, i, "moderates the input only"));
            }
            let mut f = Finding::new(
                META.code,
                META.default_level,
                message,
                entry.location.clone(),
            );
            f.related = related;
            f.flow = endpoint_flow(cx, entry, &reached[0]);
            f.properties.insert("entryKind", json!(entry.kind));
            f.properties.insert("contentTypes", json!(content));
            out.push(f);
        }
    }
}
