//! MOD002 input-moderation-missing: a generation endpoint hands what the
//! user sent to the model with no moderation call whose verdict is read.

use std::collections::BTreeSet;

use serde_json::json;

use crate::analysis::callgraph::NodeId;
use crate::analysis::entrypoints::EntryKind;

use crate::finding::{Finding, Level};
use crate::rules::generation::generation_endpoint::endpoint_flow;
use crate::rules::labels::generation_related;
use crate::rules::moderation::sites::{Moderation, OutputTaint};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct InputModerationMissing;

static META: RuleMeta = RuleMeta {
    code: "MOD002",
    name: "input-moderation-missing",
    category: Category::Moderation,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-DSP-10", "CN-GAI-14", "CN-ARP-9"],
    summary: "A generation endpoint passes user input to the model without a moderation check.",
    security_severity: "5.0",
    doc: r#"
## What it does
For every service entry point that reaches a generation call (an HTTP or
websocket route, a Gradio or Streamlit handler), looks at all the code the
handler reaches, across modules, for a moderation call whose verdict is read:
a provider's moderation API (`openai` `moderations.create`, Azure AI Content
Safety, Aliyun Green, Tencent TMS/IMS, Baidu content censor) or a check the
project names in configuration. A project function that returns such a
verdict counts where it is called, and so does a function that acts on it
(raises, returns early). For a Gradio handler, the handlers that run before
it in the same event chain (`submit(add_text).then(bot_response)`) count too,
and a handler that one chain runs after such a check is taken as checked in
every chain (a regenerate button replays a message checked when it was
sent).
A moderation call whose result is never tested, returned or handed on does
not count: the message says so and points at it. So does a check that only
sees generated output (MOD003's business). The finding sits on the endpoint;
the generation calls are related.

## Why is this bad?
A generative AI provider must review what users put into the service, by
technical or manual means, keep a library of features of illegal content,
and stop and handle illegal use. A prompt that reaches the model with no
check is not reviewed.

## Example
```python
@app.post("/chat")
async def chat(req: ChatRequest):
    reply = await client.chat.completions.create(model="gpt-4o", messages=req.messages)
    return {"reply": reply.choices[0].message.content}
```

Use instead:
```python
@app.post("/chat")
async def chat(req: ChatRequest):
    verdict = await client.moderations.create(input=req.messages[-1]["content"])
    if verdict.results[0].flagged:
        raise HTTPException(400, "the request was refused by moderation")
    reply = await client.chat.completions.create(model="gpt-4o", messages=req.messages)
    return {"reply": reply.choices[0].message.content}
```

## Options
A project's own keyword or feature-library filter is catalogue data:
```toml
[[catalog.moderation]]
id = "project.sensitive-words"
provider = "project"
patterns = ["app.safety.contains_banned_words"]
```

## Known problems
Command-line tools, scripts and desktop callbacks are local, not services,
and are not reported. Moderation done by a gateway, a sidecar or the model
provider's own filter is not seen; silence the rule for such projects.
Where in the path the check runs is not looked at: a check anywhere in the
code the handler reaches counts. A verdict read only inside a `for` loop
over its results, or through `assert`, is taken as unread.
"#,
};

impl Rule for InputModerationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        let moderation = Moderation::shared(cx);
        let output = OutputTaint::new(cx, &moderation);
        let endpoints: Vec<_> = an
            .generation_endpoints()
            .filter(|(_, entry, _)| !entry.kind.is_local())
            .map(|(e, entry, reached)| (e, entry, reached, moderation.endpoint(cx, e, &output)))
            .collect();
        // UI handlers that some event chain runs after its input was
        // moderated: a regenerate button replays a message checked when
        // it was sent.
        let checked_ui: BTreeSet<NodeId> = endpoints
            .iter()
            .filter(|(_, entry, _, found)| entry.kind == EntryKind::Ui && !found.input.is_empty())
            .filter_map(|(_, entry, _, _)| an.graph.handler_node(cx.project, &entry.handler))
            .collect();
        for (e, entry, reached, found) in endpoints {
            if !found.input.is_empty() {
                continue;
            }
            if entry.kind == EntryKind::Ui
                && an
                    .graph
                    .handler_node(cx.project, &entry.handler)
                    .is_some_and(|n| checked_ui.contains(&n))
            {
                continue;
            }
            let mut message = format!(
                "{} passes user input to a generation call with no moderation check on the way",
                entry.describe()
            );
            let mut related = generation_related(cx, e);
            moderation.note_ignored(cx, &found.ignored, &mut message, &mut related);
            if !found.output.is_empty() {
                message += "; the moderation it has sees only generated output";
                related.extend(
                    found
                        .output
                        .iter()
                        .map(|&i| moderation.related(cx, i, "moderates generated output only")),
                );
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
            f.properties
                .insert("ignoredVerdicts", json!(found.ignored.len()));
            out.push(f);
        }
    }
}
