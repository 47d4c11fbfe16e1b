//! SVC002 complaint-channel-missing: a public generation service offers its
//! users no way to report content or complain.

use crate::finding::{Finding, Level};
use crate::rules::service::{
    Duty, anchor, complaint_routed, endpoint_related, public_generation, shows,
};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct ComplaintChannelMissing;

static META: RuleMeta = RuleMeta {
    code: "SVC002",
    name: "complaint-channel-missing",
    category: Category::Service,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-DSP-12", "CN-GAI-15", "CN-ARP-22"],
    summary: "A public generation service shows no report or complaint entry point: no such UI text, link, route or contact address.",
    security_severity: "2.0",
    doc: r#"
## What it does
For a project with at least one public endpoint that reaches a generation
call, looks for a way for users to report content or complain: UI text
such as `举报`, `投诉`, `意见反馈`, `联系我们`, "Report abuse", "Feedback",
"Contact us" (in templates, front-end files, Markdown, translation
catalogues or string literals of the code), a link or route such as
`/report`, `/complaint`, `/feedback` or a `mailto:` address, or a route of
the project's own with such a path. When none is found, one note points at
the main template or the endpoint.

## Why is this bad?
Deep synthesis, generative AI and recommendation providers must set up
convenient complaint and reporting channels, publish how complaints are
handled and how long it takes, and deal with them in time. A service
without any visible entry point gives users no way to flag harmful output.

## Example
```html
<main id="chat-box"></main>
```

Use instead:
```html
<main id="chat-box"></main>
<a href="/report">举报 / Report abuse</a>
```

## Options
When the channel lives outside this repository (a help-centre page, a
support address on an app store listing), declare it in the config:
`[service] complaint_channel = "https://example.com/report"` (a URL,
`mailto:`/`tel:` link or e-mail address). The terms and link patterns are
catalogue data under `[catalog.service]` (`complaint_terms`,
`complaint_links`).

## Known problems
Terms are matched anywhere user-facing, so a "Feedback" button that only
rates answers quiets the rule though it is no complaint channel. A channel
rendered from a database or a remote configuration is not seen; declare it.
"#,
};

impl Rule for ComplaintChannelMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(entry) = public_generation(cx) else {
            return;
        };
        let sv = &cx.catalog.service;
        if sv.declared.complaint_channel.is_some() {
            return;
        }
        if complaint_routed(cx) {
            return;
        }
        if shows(cx, Duty::Complaint) {
            return;
        }
        let mut f = Finding::new(
            META.code,
            META.default_level,
            format!(
                "Users of this generation service ({}) are shown no way to report content or complain: add a report or complaint entry (UI text such as `举报`/`投诉`/\"Report abuse\", a `/report` or `/complaint` route or link, a `mailto:` contact), or, if the channel lives outside this repository, declare it with `[service] complaint_channel = \"https://…\"` in the synthlint config",
                entry.describe()
            ),
            anchor(cx, entry),
        );
        f.related.push(endpoint_related(entry));
        out.push(f);
    }
}
