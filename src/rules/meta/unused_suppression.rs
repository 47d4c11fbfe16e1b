//! SYN002 unused-suppression: a suppression comment that silences nothing.

use crate::finding::{Finding, Level};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct UnusedSuppression;

pub static META: RuleMeta = RuleMeta {
    code: "SYN002",
    name: "unused-suppression",
    category: Category::Meta,
    default_level: Level::Warning,
    precision: Precision::VeryHigh,
    status: Status::Stable,
    articles: &[],
    summary: "A suppression comment names a rule that reports nothing on its line.",
    security_severity: "0.0",
    doc: r#"
## What it does
Reports codes in `# synthlint: ignore[...]` comments that matched no finding on
the lines the comment covers: its own line for a trailing comment, and also the
line below for a comment alone on its line. Also reported: codes that are not
rule codes (including category prefixes such as `GEN`: suppressions name exact
codes, so that rules added to a category later are not silenced unseen), and
`SYN` codes, which cannot be suppressed inline.

A code is only reported when its rule ran on the file: codes of rules turned
off by `--select`/`--ignore` or by `per-path-ignores` are left alone, since
another configuration may need them.

## Why is this bad?
Stale suppressions hide future findings on the same line: when the code changes
and a real problem appears there, nobody is told. They also mislead reviewers
about which obligations the code waives.

## Example
```python
# synthlint: ignore[MOD001] checker replaced by our moderation step
pipe = StableDiffusionPipeline.from_pretrained(model_id)
```

Use instead: delete the comment.
"#,
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Produced by the suppression filter (`crate::suppress`), the only phase
    /// that knows which suppressions matched a finding.
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}
}
