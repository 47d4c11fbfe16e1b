//! PII001 cross-border-provision: personal information reaches a model or
//! service API that runs outside mainland China.

use serde_json::json;

use crate::analysis::env::{self, EnvFrom};
use crate::analysis::generation::GenerationSite;
use crate::analysis::hops::UrlReader;
use crate::analysis::{FastMap, Reader};
use crate::catalog::Jurisdiction;
use crate::facts::{FileFacts, Part, Shape, Value};
use crate::finding::{Finding, Level, Location, Related};
use crate::qname::OptionQName;
use crate::rules::personal_data::{PiiDomain, flow_finding};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct CrossBorderProvision;

/// The spec's sink of plain HTTP requests, kept when the URL's host is an
/// overseas service of the catalogue.
const OVERSEAS_HTTP: &str = "overseas-http";

/// The spec's sink of overseas services' SDKs (e-mail delivery, messaging,
/// payments), named by the service whose `modules` they are.
const OVERSEAS_SDK: &str = "overseas-sdk";

static META: RuleMeta = RuleMeta {
    code: "PII001",
    name: "cross-border-provision",
    category: Category::PersonalData,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-PIPL-38", "CN-PIPL-39", "CN-PIPL-55"],
    summary: "Personal information is sent to a model or service API outside mainland China.",
    security_severity: "6.0",
    doc: r#"
## What it does
Follows personal information through the code: values whose names say what
they hold (`phone`, `id_card`, `sfz`, `手机号`, `user.email`, a `{"mobile": ...}`
key, `form["address"]`, `request.POST.get("mobile")`, accessors such as
`user.get_full_name()`), instances of data
models whose fields do (a FastAPI body typed with a Pydantic model, an ORM
row read back), and images or recordings taken in by Gradio image, webcam
and audio components. It reports the call that sends such a value to
a service that runs outside mainland China: a generation call whose provider
is overseas (by the catalogue, a literal `base_url`, or plain HTTP to a model
host; Helicone's logging proxy `oai.helicone.ai` counts as one), Sentry's user and context calls, product analytics (PostHog,
Mixpanel, Segment, Amplitude, Google Analytics; their SDKs, or plain HTTP
to their collection hosts such as `www.google-analytics.com/mp/collect`),
e-mail delivery and audience services (Resend, SendGrid, Postmark,
MailerSend SDKs; their HTTP APIs and Mailgun's), whose messages carry the
recipient's address and what the text says about them, text messages and
one-time codes (Twilio) and payment customers (Stripe), also when the SDK
function is handed to a thread (`asyncio.to_thread(client.send, body)`),
and cloud LLM tracing (Langfuse, LangSmith). A dict filled entry by entry
(`payload["distinct_id"] = email`, `headers["X-User-Email"] = user.email`)
holds what is stored in it (what the stored value holds; the key of an
entry stored so names nothing, unlike a dict display's keys).
It also reports `sentry_sdk.init(send_default_pii=True)` with a DSN on
`sentry.io` or from the environment: every error event then carries the
user's IP address, cookies and headers. The source of the value and the
steps it takes are the finding's related locations and code flow.

The project's settings (`.env`, compose, Kubernetes, Helm, Dockerfile `ENV`)
count too, with the setting as a related location: a server address read
from the environment (`OpenAI(base_url=os.environ["LLM_BASE_URL"])`, or
`OPENAI_BASE_URL` read by the SDK) that names an overseas host; LangSmith
tracing switched on (`LANGCHAIN_TRACING_V2=true`) with its cloud endpoint or
none, which records every LangChain model call, even to a domestic model;
Langfuse and Sentry pointed at their cloud (`LANGFUSE_HOST`, `SENTRY_DSN`);
Datadog LLM Observability (`DD_LLMOBS_ENABLED`, or `LLMObs.enable()` in the
code; any `DD_SITE`) and New Relic AI monitoring (`ai_monitoring.enabled` in
`newrelic.ini` or `NEW_RELIC_AI_MONITORING_ENABLED`, unless content recording
is off), which record the prompts of the model calls they instrument; and
New Relic's `attributes.include` naming request parameters or headers,
reported at that line.
Settings that point these at the project's own server keep it quiet.
Cloud model APIs served from a region say where by it: Amazon Bedrock's
`region_name` or `AWS_REGION` (`cn-north-1` and `cn-northwest-1` stay in
mainland China), Vertex AI's `location` or `vertexai.init(location=...)`,
an Azure OpenAI endpoint on `*.openai.azure.cn` or a Terraform
`azurerm_cognitive_account` in a `china*` region, and DashScope's
international host set in `dashscope.base_http_api_url`.

## Why is this bad?
Providing personal information to a recipient outside mainland China needs a
legal basis of its own: a security assessment, certification or the standard
contract, a notice that names the foreign recipient, and the person's
separate consent. Sensitive personal information (faces, voices, health,
financial accounts, precise location, minors' data) raises the bar further.
A call that quietly hands such data to an overseas API is a cross-border
transfer nobody assessed.

## Example
```python
from openai import OpenAI

client = OpenAI()

def summarise(profile):
    text = f"Customer {profile.real_name}, phone {profile.phone}"
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    )
```

Use instead:
```python
from openai import OpenAI

client = OpenAI(base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")

def summarise(profile):
    text = f"Customer {mask_name(profile.real_name)}"
    return client.chat.completions.create(
        model="qwen-plus", messages=[{"role": "user", "content": text}]
    )
```

## Options
The classifier is catalogue data: add categories, terms (English, Chinese,
pinyin) and false friends under `[catalog.personal_data]`, masking helpers
as sanitizers under `[catalog.taint.personal-data]`
(`[[catalog.taint.personal-data.sanitizer]] methods = ["scrub"]`), and
providers or hosts with their jurisdiction under `[[catalog.generation]]`
and `[[catalog.host]]`.

## Known problems
Personal information is recognised by names: a value called `text` that
holds a phone number is not seen, and free-text prompts alone (conversation
content) are not reported. A whole data model (Pydantic, dataclass, attrs,
SQLAlchemy, Django, Tortoise, Peewee) sent at once (`profile.model_dump()`,
`asdict(profile)`, `str(row)`, the object itself) holds what its fields name
when its type is known (a parameter declared with the model, `Model(**data)`,
`Model.model_validate(...)`, `User.objects.get(...)`, `session.get(User, id)`)
or it is named for its class (`customer_profile` for `CustomerProfile`); one
of its attributes holds only what that attribute's name says. An entry stored by a called function into a dict it was given is not seen
by the caller. Rows read
through `session.query(User)` or `select(User)` are not typed, and a model
nested in another's field does not add its fields.
An endpoint read from a variable that no setting in the repository gives
(a deployment secret) is unknown and quiet. Langfuse's drop-in clients and
callback handlers are not matched to generation calls. Datadog and New Relic
settings are read from the environment and `newrelic.ini`, not from
`datadog.yaml` or code that configures the agents otherwise.
Whether a security assessment, certification or standard contract is in
place cannot be seen in code: silence the finding once it is.
"#,
};

impl Rule for CrossBorderProvision {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        sentry_default_pii(cx, out);
        request_capture(cx, out);
        let domain = PiiDomain::new(cx);
        let (Some(spec), Some(taint)) = (domain.spec(), domain.run()) else {
            return;
        };
        let pd = domain.classifier();
        let an = cx.analysis;
        // Generation sites by call site (the first, as a search would find).
        let mut site_at: FastMap<(usize, usize), &GenerationSite<'_>> = FastMap::default();
        if !taint.flows.is_empty() {
            for s in &an.sites {
                site_at.entry((s.file, s.call)).or_insert(s);
            }
        }
        // Built at the first flow that asks for the tracing settings.
        let extra = std::cell::OnceCell::new();
        let extra = || {
            extra.get_or_init(|| {
                env::TracingExtra::build(cx.project, &cx.catalog.config_tracing, &an.tracing_calls)
            })
        };
        for flow in &taint.flows {
            let identified = pd.identified(flow.value.0);
            if identified == 0 {
                continue;
            }
            let sink = &spec.data.sink[flow.sink];
            if sink.id == super::LOG_SINK || super::store_kind(&sink.id).is_some() {
                continue;
            }
            let path = cx.project.path(flow.site.file);
            // Settings that show where the data goes (a configured server,
            // tracing switched on), as related locations.
            let mut evidence: Vec<(EnvFrom, String)> = Vec::new();
            let (recipient, provider) = if sink.generation {
                let Some(site) = site_at.get(&(flow.site.file, flow.site.call)) else {
                    continue;
                };
                let mut host = site
                    .host
                    .as_deref()
                    .map(|h| format!(" at {h}"))
                    .unwrap_or_default();
                if let Some(r) = &site.region {
                    host += &format!(" in region {}", r.name);
                }
                if let Some(c) = &site.configured {
                    evidence.push((c.clone(), format!("the server address{host}")));
                }
                if let Some(r) = &site.region {
                    evidence.push((r.from.clone(), format!("the region {}", r.name)));
                }
                // Cloud tracing the settings switch on for this kind of call.
                let traced = cx
                    .catalog
                    .config_tracing
                    .iter()
                    .enumerate()
                    .find_map(|(ti, t)| {
                        if !t
                            .traces_providers
                            .iter()
                            .any(|p| site.api.provider.contains(p.as_str()))
                        {
                            return None;
                        }
                        let tr = env::traced(cx.project.env(), cx.project, extra(), ti, t, path);
                        (tr.on && tr.cloud).then_some((t, tr))
                    });
                if let Some((t, tr)) = &traced {
                    for e in &tr.evidence {
                        evidence.push((e.clone(), format!("{} tracing", t.service)));
                    }
                }
                if site.jurisdiction == Jurisdiction::Overseas {
                    (
                        format!("{}{host}, a provider outside mainland China", site.provider),
                        site.provider.clone(),
                    )
                } else if let Some((t, _)) = traced {
                    (
                        format!(
                            "{} and, traced by the project's settings, to {}'s cloud outside mainland China",
                            site.provider, t.service
                        ),
                        t.service.clone(),
                    )
                } else {
                    continue;
                }
            } else if sink.id == OVERSEAS_HTTP {
                // A request to an overseas service's host, or none of ours.
                let file = cx.project.file(flow.site.file, Reader::RulesPersonalData);
                let call = &file.calls[flow.site.call];
                let Some(url) = call.arg(Some(0), Some("url")) else {
                    continue;
                };
                let reader = UrlReader::at(cx.project, cx.catalog, flow.site.file, call).with_env();
                let mut url_value = &url.value;
                // `f"{GA}?api_secret={s}"`: the base a name holds.
                let head;
                if let Value::Expr(e) = url_value
                    && let Shape::Template(parts) = &e.shape
                    && let Some(Part::Hole { text, reads }) = parts.first()
                    && let [name] = &reads[..]
                    && text.trim_start_matches('{').trim_end_matches('}') == name.as_str()
                {
                    head = Value::Name {
                        text: *name,
                        resolved: None,
                    };
                    url_value = &head;
                }
                let url = reader.url(url_value);
                let (Some(host), Some(path)) = (url.host(), url.path_start()) else {
                    continue;
                };
                let Some(service) = pd.overseas_service(&host, path) else {
                    continue;
                };
                if let Some(c) = &url.from {
                    evidence.push((c.clone(), format!("the address of {service}")));
                }
                (
                    format!("{service} at {host}, a service outside mainland China"),
                    service.to_string(),
                )
            } else {
                // A tracing client whose settings point at the project's own
                // server keeps the data; one on the vendor's cloud says so.
                let callee = cx
                    .project
                    .file(flow.site.file, Reader::RulesPersonalData)
                    .calls[flow.site.call]
                    .resolved
                    .as_name()
                    .unwrap_or_default();
                // An overseas service's SDK, or its function handed to the
                // call that runs it (`asyncio.to_thread(client.send, body)`).
                let sdk = (sink.id == OVERSEAS_SDK)
                    .then(|| {
                        pd.overseas_sdk(callee).or_else(|| {
                            let call = &cx
                                .project
                                .file(flow.site.file, Reader::RulesPersonalData)
                                .calls[flow.site.call];
                            call.args.iter().find_map(|a| match &a.value {
                                Value::Name {
                                    resolved: Some(q), ..
                                } => pd.overseas_sdk(q.as_str()),
                                _ => None,
                            })
                        })
                    })
                    .flatten();
                let service = match sink.id.as_str() {
                    "sentry-user" => "Sentry",
                    "product-analytics" => "a product-analytics service",
                    "llm-tracing" => "a cloud LLM-tracing service",
                    _ if sdk.is_some() => sdk.map_or("", |s| s.service.as_str()),
                    other => other,
                };
                let head = callee.split('.').next().unwrap_or_default();
                if let Some((ti, t)) = cx
                    .catalog
                    .config_tracing
                    .iter()
                    .enumerate()
                    .find(|(_, t)| t.modules.iter().any(|m| m == head))
                {
                    let tr = env::traced(cx.project.env(), cx.project, extra(), ti, t, path);
                    if !tr.cloud {
                        continue;
                    }
                    for e in tr.evidence {
                        evidence.push((e, format!("{} settings", t.service)));
                    }
                }
                let recipient = match sdk.and_then(|s| s.kind.as_deref()) {
                    Some(kind) => format!("{service}, {kind} outside mainland China"),
                    None => format!(
                        "{service}, which keeps it outside mainland China unless self-hosted"
                    ),
                };
                (recipient, service.to_string())
            };
            let mut f = flow_finding(cx, &META, flow, pd, identified, |what| {
                format!("sends {what} to {recipient}")
            });
            f.properties.insert("recipient", json!(provider));
            f.properties.insert("sink", json!(sink.id));
            push_evidence(cx, &mut f, evidence);
            out.push(f);
        }
    }
}

/// `sentry_sdk.init(send_default_pii=True)` with a DSN on Sentry's cloud
/// (a literal `sentry.io` host, or one read from the environment, where the
/// default is the cloud): every event then carries the user's IP address,
/// cookies and request headers.
fn sentry_default_pii(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let inits = cx.shared.sentry_inits.get_or_init(|| {
        let files = cx.project.each_file(Reader::RulesPersonalData);
        files
            .iter()
            .flat_map(|(fi, f)| file_sentry_inits(fi, &f))
            .collect()
    });
    {
        for &(fi, ci) in inits {
            let file = cx.project.file(fi, Reader::RulesPersonalData);
            let call = &file.calls[ci];
            let dsn = call.arg(Some(0), Some("dsn")).map(|a| &a.value);
            let mut evidence = Vec::new();
            let cloud = match dsn {
                Some(Value::Str(s)) => host_of(s).is_some_and(|h| h.ends_with("sentry.io")),
                // From the environment: the project's settings may name the
                // server; with none, the SDK's users are mostly on the cloud
                // (a self-hosted DSN is usually written out).
                None | Some(Value::Env { default: None, .. }) => {
                    let name = match dsn {
                        Some(Value::Env { name, .. }) => name.as_str(),
                        _ => "SENTRY_DSN",
                    };
                    match cx.project.env().lookup(name, &file.path) {
                        Some(src) => {
                            let on_cloud =
                                host_of(&src.value).is_some_and(|h| h.ends_with("sentry.io"));
                            evidence.push((
                                src.evidence(name, cx.project.path(src.file)),
                                "the Sentry DSN".to_string(),
                            ));
                            on_cloud
                        }
                        None => true,
                    }
                }
                _ => true,
            };
            if !cloud {
                continue;
            }
            let mut f = Finding::new(
                META.code,
                META.default_level,
                "`sentry_sdk.init(send_default_pii=True)` attaches users' IP addresses, cookies and request headers to every event sent to Sentry, a service outside mainland China unless self-hosted".to_string(),
                Location {
                    path: file.path.as_str().into(),
                    span: call.span,
                },
            );
            f.symbol = call.scope.map(crate::finding::Text::from);
            f.properties.insert("categories", json!(["network-id"]));
            f.properties.insert("recipient", json!("Sentry"));
            f.properties.insert("sink", json!("sentry-default-pii"));
            push_evidence(cx, &mut f, evidence);
            out.push(f);
        }
    }
}

/// The calls of file `fi` that start Sentry with `send_default_pii=True`
/// (`sentry_default_pii` judges their DSN), as (file, call), in call
/// order. The rules' per-file phase makes them when PII001 is enabled
/// (`rules::per_file`).
pub(crate) fn file_sentry_inits(fi: usize, file: &FileFacts) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (ci, call) in file.calls.iter().enumerate() {
        let Some(name) = call.resolved.as_name() else {
            continue;
        };
        if name != "sentry_sdk.init" && name != "sentry_sdk.client.Client" {
            continue;
        }
        let on = call
            .arg(None, Some("send_default_pii"))
            .is_some_and(|a| a.value == Value::Bool(true));
        if on {
            out.push((fi, ci));
        }
    }
    out
}

/// A tracing agent's settings file that adds request parameters or headers
/// to every record (`attributes.include = request.parameters.*` in
/// `newrelic.ini`): what users send leaves with each transaction.
fn request_capture(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for t in &cx.catalog.config_tracing {
        if t.file_capture_keys.is_empty() {
            continue;
        }
        // Named by path (the per-file summary): only those files are read.
        for fi in 0..cx.project.file_count() {
            let path = cx.project.path(fi);
            let name = path.rsplit('/').next().unwrap_or(path);
            let named = t.files.iter().any(|f| match f.split_once('*') {
                Some((h, tl)) => {
                    name.starts_with(h) && name.ends_with(tl) && name.len() >= h.len() + tl.len()
                }
                None => f == name,
            });
            if !named {
                continue;
            }
            let file = cx.project.file(fi, Reader::RulesPersonalData);
            for e in &file.config {
                let key = e.key();
                if !t.file_capture_keys.iter().any(|k| k == key) {
                    continue;
                }
                let Value::Str(v) = &e.value else { continue };
                let Some(what) = t
                    .capture_values
                    .iter()
                    .find(|c| v.split([' ', ',']).any(|item| item.starts_with(c.as_str())))
                else {
                    continue;
                };
                let kind = if what.contains("header") {
                    "request headers"
                } else {
                    "request parameters"
                };
                let mut f = Finding::new(
                    META.code,
                    META.default_level,
                    format!(
                        "`{key}` adds {kind} to every record {} sends to its cloud, outside mainland China",
                        t.service
                    ),
                    Location {
                        path: file.path.as_str().into(),
                        span: e.key_span,
                    },
                );
                f.properties.insert("recipient", json!(t.service));
                f.properties
                    .insert("sink", json!("tracing-request-capture"));
                out.push(f);
            }
        }
    }
}

/// The settings behind a finding, as related locations and a property.
fn push_evidence(cx: &Context<'_>, f: &mut Finding, evidence: Vec<(EnvFrom, String)>) {
    if evidence.is_empty() {
        return;
    }
    let texts: Vec<&str> = evidence.iter().map(|(e, _)| e.text.as_str()).collect();
    f.properties.insert("configuredBy", json!(texts));
    for (e, what) in evidence {
        f.related.push(Related {
            location: Location {
                path: cx.project.path(e.file).into(),
                span: e.span,
            },
            message: format!("{what}: {}", e.text).into(),
        });
    }
}

/// The host of a DSN or URL (`https://key@o1.ingest.sentry.io/5` →
/// `o1.ingest.sentry.io`).
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?;
    Some(host.split(':').next().unwrap_or(host))
}
