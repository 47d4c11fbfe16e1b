//! SYN001 bare-suppression: `# synthlint: ignore` without rule codes.

use crate::finding::{Finding, Level};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct BareSuppression;

pub static META: RuleMeta = RuleMeta {
    code: "SYN001",
    name: "bare-suppression",
    category: Category::Meta,
    default_level: Level::Warning,
    precision: Precision::VeryHigh,
    status: Status::Stable,
    articles: &[],
    summary: "A suppression comment names no rule codes.",
    security_severity: "0.0",
    doc: r#"
## What it does
Reports `# synthlint: ignore` comments that do not list the rule codes they
silence, such as `# synthlint: ignore` instead of `# synthlint: ignore[GEN001]`.
Empty brackets (`ignore[]`), a missing `]` and codes written without brackets
(`ignore MOD001`) are reported too. Such a comment silences nothing; the
message lists the codes reported on the lines it covers.

## Why is this bad?
A suppression that hides every rule on a line also hides findings nobody looked
at, including legal obligations added later. Reviewers need to see which duty a
comment waives and why.

## Example
```python
pipe = Pipeline.from_pretrained(path, safety_checker=None)  # synthlint: ignore
```

Use instead:
```python
pipe = Pipeline.from_pretrained(path, safety_checker=None)  # synthlint: ignore[MOD001] images are moderated by moderation.check_image
```
"#,
};

impl Rule for BareSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Produced by the suppression filter (`crate::suppress`), which parses
    /// the comments once for all rules.
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}
}
