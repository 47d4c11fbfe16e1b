//! SVC001 filing-number-missing: a public generation service shows no
//! filing number, or shows a placeholder for one.

use serde_json::json;

use crate::finding::{Finding, Level, Location};
use crate::rules::service::{
    Duty, anchor, endpoint_related, filing_placeholders, public_generation, shows,
};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct FilingNumberMissing;

static META: RuleMeta = RuleMeta {
    code: "SVC001",
    name: "filing-number-missing",
    category: Category::Service,
    default_level: Level::Note,
    precision: Precision::Medium,
    status: Status::Preview,
    articles: &["CN-DSP-19", "CN-GAI-17", "CN-ARP-26"],
    summary: "A public generation service shows no algorithm filing number (网信算备…号) or launch number anywhere users see, or shows a placeholder.",
    security_severity: "2.0",
    doc: r#"
## What it does
For a project with at least one public endpoint that reaches a generation
call, looks through everything users may see — template and page text,
Vue/Svelte/JSX text and string literals, Markdown, translation catalogues
(JSON/YAML under `locales/`, `i18n/`, `lang/`, or named `*.zh-CN.json`) and
string literals of the code — for a filing number: `网信算备` followed by 21
digits and `号`, or a launch number (上线编号) such as
`Beijing-Name-20240101S0001`. A template that fills the number in from a
variable (`网信算备{{ filing_no }}号`) counts. When none is found, one note
points at the main template (`index.html`, `base.html`, `App.vue`) or the
endpoint. A placeholder (`网信算备000000000000000000000号`, `网信算备XXXX号`,
`上线编号：待定`) in a page, string or configuration file outside tests is a
warning at the placeholder, whatever else the project shows.

## Why is this bad?
Providers of deep synthesis, generative AI and recommendation services
that have completed the algorithm filing must display the filing number
(and, for generative AI services, the launch number) prominently on their
website or app. A placeholder left in production shows users a number
that identifies nothing.

## Example
```html
<footer>© 2024 Example AI</footer>
```

Use instead:
```html
<footer>© 2024 Example AI · 网信算备110108000000000000001号</footer>
```

## Options
When the number is shown by a front end kept in another repository,
declare it in the config: `[service] filing_number = "网信算备…号"`
(checked: it must be a filing or launch number, not a placeholder). The
patterns are catalogue data under `[catalog.service]` (`filing_numbers`,
`filing_runtime`, `filing_placeholders`, `i18n_paths`).

## Known problems
A number rendered from a database, an image, or a page outside the scanned
files is not seen; declare it. Every string literal of the code counts as
shown, so a number kept only in code that never reaches a page quiets the
rule.
"#,
};

impl Rule for FilingNumberMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(entry) = public_generation(cx) else {
            return;
        };
        let sv = &cx.catalog.service;
        // The first placeholders of the project, in file order (at most
        // `MAX_PLACEHOLDERS`).
        let mut placeholders = 0;
        for (file, span) in filing_placeholders(cx) {
            placeholders += 1;
            let mut f = Finding::new(
                META.code,
                Level::Warning,
                "A placeholder stands where the filing number is shown: replace it with the number the filing gave (网信算备 with 21 digits and 号, or the launch number)",
                Location {
                    path: cx.project.path(file).into(),
                    span,
                },
            );
            f.properties.insert("placeholder", json!(true));
            out.push(f);
        }
        if sv.declared.filing_number.is_some() || placeholders > 0 {
            return;
        }
        if shows(cx, Duty::Filing) {
            return;
        }
        let mut f = Finding::new(
            META.code,
            META.default_level,
            format!(
                "No filing number is shown to users of this generation service ({}): show `网信算备` with the 21-digit number and `号` (or the launch number, 上线编号) in a page, template or UI string, or, if a front end outside this repository shows it, declare it with `[service] filing_number = \"…\"` in the synthlint config",
                entry.describe()
            ),
            anchor(cx, entry),
        );
        f.related.push(endpoint_related(entry));
        out.push(f);
    }
}
