//! LOG002 input-not-recorded: a generation endpoint whose user input
//! reaches no record on the endpoint's path.

use std::collections::BTreeSet;

use serde_json::json;

use super::records::{self, RecordSite};
use crate::analysis::Reader;
use crate::analysis::entrypoints::Handler;
use crate::finding::{Finding, Level, Location, Related};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct InputNotRecorded;

static META: RuleMeta = RuleMeta {
    code: "LOG002",
    name: "input-not-recorded",
    category: Category::Log,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-DSP-16", "CN-DSP-10", "CN-CSL-23"],
    summary: "A generation endpoint takes user input but no record of it is made on its path.",
    security_severity: "4.0",
    doc: r#"
## What it does
Follows what a user sends to a generation endpoint — handler parameters and
body models (FastAPI, Starlette, Flask, Django, DRF, aiohttp, Tornado),
`request.json()`/`form()`/`body()`, Flask's `request.json`/`form`/`args`/
`values`/`files`/`data`, websocket `receive_text`/`receive_json`, Gradio
handler inputs, Streamlit `text_input`/`chat_input`/`text_area`/
`file_uploader`, and for local entry points command-line arguments
(`argparse`, click/typer parameters, `input()`, `sys.argv`); in Rust, the
handler parameters of axum and actix-web (`Json<T>`, `Form<T>`, `Query<T>`,
`Path<T>`, `web::Json<T>`) and, for a binary's `main`, `std::env::args()` and clap
(`Cli::parse()` of a `#[derive(Parser)]` struct, a builder's `get_matches()`) — through
assignments, f-strings, `json.dumps`, containers and project functions, and
reports the endpoint when none of it reaches a record in code the endpoint
runs. A record is:
- a log call at info level or above (`logging`, loguru, structlog, any
  `logger.info(...)`, with `extra=` and bound fields), unless the project sets
  that logger's threshold higher (`logging.basicConfig(level=logging.WARNING)`,
  `setLevel`, on that logger anywhere in the project; loguru's
  `logger.add(sink, level=...)` after `logger.remove()`), and not when the
  project configures logging nowhere (no `basicConfig`, `dictConfig`,
  `setLevel`, handler, or `log_level`/`log_config` server option): Python's
  root logger then drops standard-library info records; a log that reads
  only request fields that hold none of what was asked
  (`f"failed: {req.model_name}"`) does not count either;
  in Rust, `tracing` and `log` macros at info level or above,
  their fields (`prompt = %req.prompt`) and format arguments included;
- a span attribute kept with the trace: OpenTelemetry `set_attribute`/
  `set_attributes`; in Rust, `Span::record` and the arguments `#[instrument]`
  does not skip;
- a database write: SQLAlchemy `add`/`insert().values` (also on an
  unannotated session from `SessionLocal()`, `Session(engine)`, a
  `Depends(get_db)` dependency or `db.session`), Django `objects.create` and
  `row.save()` of a model (`Prompt(text=q).save()`, `row.text = q;
  row.save()`), pymongo `insert_*`/`update_*`, redis `set`/`lpush`/`xadd`,
  an `execute` of an `INSERT`; in Rust, sqlx `query!("INSERT ...", x)` and
  `query("INSERT ...").bind(x)`, diesel `insert_into(t).values(...)`, sea-orm
  `ActiveModel::insert`, mongodb and redis writes;
- a write to a file opened for appending (`open(path, "a")`: JSON lines);
- a call of an audit helper named in `[[catalog.record]]`;
- any project function that does one of these with the input, including a
  worker it is handed to: a queue's consumer (`q.put(x)` then `q.get()` in a
  started worker), Celery `task.delay(x)`/`apply_async(args=[x])`, RQ
  `enqueue(f, x)`, `BackgroundTasks.add_task(f, x)`,
  `Thread(target=f, args=(x,))`, `executor.submit(f, x)`,
  `asyncio.create_task(f(x))`.
`print` is not a record, and a debug-level log is not one either; the finding
names such calls and says why they do not count. Endpoints of local entry
points (command lines, desktop windows) are reported at note level.

## Why is this bad?
Providers of generative and deep-synthesis services must review and record
what users put in, and keep network logs for six months: without a record of
the input there is nothing to review, trace or hand to a regulator when a
generation causes harm (Deep Synthesis Art. 10 and 16, Cybersecurity Law
Art. 23, formerly 21).

## Example
```python
@app.post("/chat")
async def chat(req: ChatRequest):       # LOG002: the prompt is never recorded
    print(req.prompt)
    return {"answer": llm.invoke(req.prompt)}
```

Use instead:
```python
@app.post("/chat")
async def chat(req: ChatRequest, request: Request):
    logger.info("chat", extra={"user": req.user_id, "ip": request.client.host,
                               "prompt": req.prompt})
    return {"answer": llm.invoke(req.prompt)}
```

## Known problems
Records made where the data flow is not followed are missed and the endpoint
is reported: `*args`/`**kwargs`, element assignments (`d["k"] = v`),
closures, a queue held in a local or a parameter, a message broker consumed
by another program, a
logging middleware that records every request body, or a gateway in front of
the service. Name such a middleware or helper in `[[catalog.record]]`, or
suppress the finding with the reason. Taint is context-insensitive across
functions: a helper that records what one endpoint passes it counts for every
endpoint that calls it. Any value derived from the request counts but a
request field not named as content; the field check is by name and reads only the log call's own
arguments (`name = req.model_name; log.error(name)` counts), and logging
configured outside the code (an environment variable, a gunicorn file read
at start) is not seen, so a project that configures logging only there has
its standard-library info records reported as dropped.
"#,
};

impl Rule for InputNotRecorded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let an = cx.analysis;
        if an.generation_endpoints().next().is_none() {
            return;
        }
        let found = records::shared(cx);
        let Some(found) = found.as_ref() else {
            return;
        };
        for (e, entry, reached) in an.generation_endpoints() {
            // An endpoint that takes no input has none to record.
            let Some((fi, scope)) = handler_scope(cx, &entry.handler) else {
                continue;
            };
            if !found.taint.is_live(fi, scope) {
                continue;
            }
            let nodes: BTreeSet<usize> = an.reach[e].nodes.iter().copied().collect();
            let on_path: Vec<&RecordSite> = found
                .sites
                .iter()
                .filter(|r| nodes.contains(&r.node))
                .collect();
            if on_path.iter().any(|r| r.not_counted.is_none()) {
                continue;
            }
            let first = &an.sites[reached[0].sink];
            let mut related = vec![Related {
                location: Location {
                    path: cx.project.path(first.file).into(),
                    span: first.at.span,
                },
                message: format!("generation call `{}`", first.callee()).into(),
            }];
            let mut reasons = Vec::new();
            for r in &on_path {
                let file = cx.project.file(r.site.file, Reader::RulesLogs);
                let call = &file.calls[r.site.call];
                let why = r.not_counted.as_deref().unwrap_or_default();
                related.push(Related {
                    location: Location {
                        path: file.path.as_str().into(),
                        span: call.span,
                    },
                    message: format!("`{}` {why}", call.callee).into(),
                });
                if reasons.len() < 3 {
                    reasons.push(format!(
                        "`{}` ({}) {why}",
                        call.callee,
                        records::at(cx, r.site)
                    ));
                }
            }
            let mut message = format!(
                "{} passes user input to a generation call but records it nowhere on its path",
                entry.describe()
            );
            if !reasons.is_empty() {
                message += &format!(": {}", reasons.join("; "));
            }
            message += "; a log call at info level or above, a database write, an append to a \
                        JSON-lines file or a `[[catalog.record]]` helper given the input would count";
            let level = if entry.kind.is_local() {
                Level::Note
            } else {
                META.default_level
            };
            let mut f = Finding::new(META.code, level, message, entry.location.clone());
            f.symbol = match &entry.handler {
                Handler::Function { qualname, .. } => Some(qualname.as_str().into()),
                _ => None,
            };
            f.related = related;
            f.properties.insert("entryKind", json!(entry.kind));
            f.properties.insert("route", json!(entry.route));
            f.properties.insert(
                "notRecords",
                json!(on_path.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>()),
            );
            out.push(f);
        }
    }
}

/// The file and scope whose code a handler runs first.
fn handler_scope(cx: &Context<'_>, handler: &Handler) -> Option<(usize, Option<ustr::Ustr>)> {
    match handler {
        Handler::Function { module, qualname } => {
            let &fi = cx.project.modules.get(module)?;
            Some((fi, Some(ustr::Ustr::from_existing(qualname)?)))
        }
        Handler::Module { module } | Handler::MainBlock { module, .. } => {
            let &fi = cx.project.modules.get(module)?;
            Some((fi, None))
        }
        Handler::Closure { module, scope, .. } => {
            let &fi = cx.project.modules.get(module)?;
            let scope = match scope {
                Some(q) => Some(ustr::Ustr::from_existing(q)?),
                None => None,
            };
            Some((fi, scope))
        }
    }
}
