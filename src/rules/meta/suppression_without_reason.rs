//! SYN003 suppression-without-reason: with `require-suppression-reason`, a
//! suppression comment must say why.

use crate::finding::{Finding, Level};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct SuppressionWithoutReason;

pub static META: RuleMeta = RuleMeta {
    code: "SYN003",
    name: "suppression-without-reason",
    category: Category::Meta,
    default_level: Level::Warning,
    precision: Precision::VeryHigh,
    status: Status::Stable,
    articles: &[],
    summary: "A suppression comment gives no reason while reasons are required.",
    security_severity: "0.0",
    doc: r#"
## What it does
When the configuration sets `require-suppression-reason = true`, reports
`# synthlint: ignore[...]` comments with nothing after the closing `]`. Such a
comment is not applied: the findings it names stay active.

## Why is this bad?
A suppression waives a duty for one place in the code. Auditors and reviewers
need to know why, for example which other component labels the content or
reviews the output. A comment without a reason cannot be checked later, and
the reason travels into SARIF as the suppression's justification.

## Example
```python
pipe = Pipeline.from_pretrained(path, safety_checker=None)  # synthlint: ignore[MOD001]
```

Use instead:
```python
pipe = Pipeline.from_pretrained(path, safety_checker=None)  # synthlint: ignore[MOD001] every image goes through moderation.check_image
```

## Options
`require-suppression-reason` (default `false`) turns this check on.
"#,
};

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Produced by the suppression filter (`crate::suppress`), which parses
    /// the comments once for all rules.
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}
}
