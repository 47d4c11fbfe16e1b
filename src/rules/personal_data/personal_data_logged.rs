//! PII003 personal-data-logged: personal information written to log
//! records unmasked.

use crate::finding::{Finding, Level};
use crate::rules::personal_data::{LOG_SINK, PiiDomain, flow_finding};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct PersonalDataLogged;

static META: RuleMeta = RuleMeta {
    code: "PII003",
    name: "personal-data-logged",
    category: Category::PersonalData,
    default_level: Level::Warning,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-PIPL-51", "CN-GAI-11"],
    summary: "Personal information is written to a log record without masking.",
    security_severity: "4.0",
    doc: r#"
## What it does
Follows personal information recognised by name (`phone`, `id_card`,
`user.email`, `{"手机号": ...}`, `form["address"]`, Gradio image and audio
inputs) to logging calls (`logging`, a `getLogger()` logger, loguru,
structlog; in Rust, the `tracing` and `log` macros), to the span attributes
of traces (OpenTelemetry `set_attribute`/`set_attributes` in both languages;
in Rust, `Span::record` and the arguments and `fields(...)` that
`#[instrument]` records, those in `skip(...)` or under `skip_all` left out)
and reports the call that writes it, with the source and the
steps as related locations and code flow. Values passed through a masking,
hashing, tokenising or anonymising helper first are clean (`mask_phone`,
`hashlib`, `tokenize_pii`, Presidio, scrubadub; more by name under
`[[catalog.taint.personal-data.sanitizer]]`). IP addresses and device ids
are not reported: a network log must keep the requester's address (LOG003
asks for it). Nor are face images and voice samples (`[personal_data]
media`): a log line that names one shows its file name or path.

## Why is this bad?
Log files are copied, shipped to log services and kept for months, read by
far more people than the data they hold was collected for. Personal
information in them has to be protected like the data itself: a provider
takes technical measures such as de-identification, and keeps users' input
information safe. A phone number or ID number written to a log in clear
text is neither.

## Example
```python
import logging

logger = logging.getLogger(__name__)

def register(form):
    logger.info("new user %s", form["phone"])
```

Use instead:
```python
import logging

logger = logging.getLogger(__name__)

def register(form):
    logger.info("new user %s", mask_phone(form["phone"]))
```

## Options
Masking helpers are sanitizers of the `personal-data` taint spec: add yours
with `[[catalog.taint.personal-data.sanitizer]] methods = ["scrub"]`; more
logging calls as `[[catalog.taint.personal-data.sink]]` entries with
`id = "logging"`. Categories, terms and false friends are
`[catalog.personal_data]`.

## Known problems
Personal information is recognised by names: a value called `text` that
holds a phone number is not seen, and free-text prompts (conversation
content) are not reported. A logging configuration that masks records
itself (a `logging.Filter`) is not seen; silence the finding then.
"#,
};

impl Rule for PersonalDataLogged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let domain = PiiDomain::new(cx);
        let Some(spec) = domain.spec() else {
            return;
        };
        if !spec.data.sink.iter().any(|s| s.id == LOG_SINK) {
            return;
        }
        let Some(taint) = domain.run() else {
            return;
        };
        let pd = domain.classifier();
        for flow in &taint.flows {
            // The requester's address is what a network log must keep; a
            // picture or a recording named in a log line is its file name.
            let identified = pd.identified(flow.value.0)
                & !pd.network_log(flow.value.0)
                & !pd.media(flow.value.0);
            if identified == 0 || spec.data.sink[flow.sink].id != LOG_SINK {
                continue;
            }
            out.push(flow_finding(cx, &META, flow, pd, identified, |what| {
                format!("writes {what} to a log record unmasked")
            }));
        }
    }
}
