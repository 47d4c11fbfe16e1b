//! LOG001 log-retention-too-short: logs that hold user input or access
//! records are deleted before six months have passed.

use crate::analysis::{Project, Reader};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::json;

use super::durations;
use crate::facts::{ConfigEntry, FileFacts, Language, Value};
use crate::finding::{Finding, Level, Location};
use crate::parts::{FileCheck, Lookup, PerFile, Unit};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};
use crate::source::Span;

pub struct LogRetentionTooShort;

/// Six months, the shortest retention the law allows for network logs.
const MIN_DAYS: f64 = 180.0;

static META: RuleMeta = RuleMeta {
    code: "LOG001",
    name: "log-retention-too-short",
    category: Category::Log,
    default_level: Level::Error,
    precision: Precision::High,
    status: Status::Preview,
    articles: &["CN-CSL-23", "CN-LBL-9", "CN-DSP-16", "CN-DSP-10"],
    summary: "Logs are deleted before they are six months old.",
    security_severity: "5.0",
    doc: r#"
## What it does
Computes how long logs are kept, in days, wherever a project says so, and
reports a retention shorter than 180 days with the factors it came from:
- logrotate: `daily`/`weekly`/`monthly`/`yearly` × `rotate N`, and `maxage N`
  (a block's own directives win over the global ones);
- Terraform: `aws_cloudwatch_log_group.retention_in_days`,
  `google_logging_project_bucket_config.retention_days`,
  `azurerm_log_analytics_workspace.retention_in_days`,
  `alicloud_log_store.retention_period`, `tencentcloud_cls_topic.period`
  (a `var.` reference is followed to its value in `terraform.tfvars` or
  `*.auto.tfvars`, else to the variable's default);
- object-storage lifecycle rules that expire logs: S3
  (`aws_s3_bucket_lifecycle_configuration`, legacy `lifecycle_rule`), Alibaba
  OSS, Tencent COS (`expiration.days`) and Google Cloud Storage (`age` of a
  `Delete` action), when the rule's prefix or id or the bucket says it holds
  logs (`access-logs/`, `audit`); disabled rules are skipped;
- Loki `retention_period` (under `limits_config` or `table_manager`) and
  Elasticsearch ILM `phases.delete.min_age`;
- environment and settings keys about log retention (`LOG_RETENTION_DAYS` in
  `.env`, compose `environment:`, Kubernetes `env:`, Dockerfile `ENV`, Helm
  values such as `logRetentionDays`), with the unit taken from the name
  (`_DAYS`, `_HOURS`, `_WEEKS`, `_MONTHS`) or from the value (`30d`, `720h`);
- Rust logging: tracing-appender's rolling files (`Rotation` ×
  `max_log_files`) and flexi_logger's `rotate` (`Criterion::Age` ×
  `Cleanup::KeepLogFiles`);
- Python logging: `TimedRotatingFileHandler` (`when` × `interval` ×
  `backupCount`) in code, in `dictConfig` files (YAML, JSON, TOML) and in
  `fileConfig` INI files, in `dictConfig({...})` and Django `LOGGING = {...}`
  dicts written in Python, and loguru's `logger.add(retention=...)` (a
  duration, or a file count times the `rotation` period);
- scheduled purges written as SQL: `DELETE FROM <log table> WHERE ...` with
  an age cut-off (`now() - interval '30 days'`, `INTERVAL 3 MONTH`,
  `datetime('now', '-30 days')`), when the table's name says it holds logs;
- scheduled purges through an ORM with a `timedelta` cut-off, inline or
  through a variable of the same function: Django
  `Log.objects.filter(created_at__lt=now() - timedelta(days=30)).delete()`,
  SQLAlchemy `session.query(Log).filter(Log.created_at < cutoff).delete()`
  and `delete(Log).where(Log.created_at < cutoff)`, when the model's name
  says it holds logs, access records, conversations or messages.

## Why is this bad?
Network operators must keep network logs for at least six months (Cybersecurity
Law Art. 23, formerly Art. 21), and the labeling measures require the logs that
identify who received unlabeled content to be kept as long. Deep-synthesis
providers must keep logs as the law requires. Logs deleted after a week cannot
answer a regulator's or an incident's question.

## Example
```
/var/log/app/access.log {
    daily
    rotate 7
}
```

Use instead:
```
/var/log/app/access.log {
    daily
    rotate 190
}
```

## Known problems
Only literal values are read: a retention computed at deploy time or set
outside the repository is unknown, and unknown or unbounded retention is never
reported. ORM purges are read only when the cut-off is a `timedelta` written in
the purging function; one passed in as a parameter or read from settings is
unknown. Size-rotated logs (`RotatingFileHandler`, logrotate `size` alone)
have no retention in days and are not reported. Retentions of sinks whose names
say they hold metrics are not reported; other logs are assumed to hold user
input or access records, which may not hold for a debug log.
"#,
};

impl Rule for LogRetentionTooShort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        crate::parts::check_all(self, cx, Reader::RulesLogs, out);
    }

    fn per_file(&self) -> Option<&dyn PerFile> {
        Some(self)
    }
}

impl PerFile for LogRetentionTooShort {
    fn prepare<'c>(&'c self, cx: &'c Context<'_>) -> Box<dyn FileCheck + 'c> {
        Box::new(Check {
            table: terraform_variables(cx.project),
        })
    }

    fn answers(&self, cx: &Context<'_>, questions: &[&str]) -> Vec<Option<String>> {
        let table = terraform_variables(cx.project);
        questions
            .iter()
            .map(|q| {
                let var = q.strip_prefix(TFVAR)?;
                table.get(var).map(answer)
            })
            .collect()
    }
}

/// LOG001 over one file at a time, with the project's Terraform variables.
struct Check<'a> {
    table: HashMap<String, TfValue<'a>>,
}

impl FileCheck for Check<'_> {
    fn check(&self, _fi: usize, file: &FileFacts) -> Unit {
        let variables = Vars {
            table: &self.table,
            asked: RefCell::default(),
        };
        let mut findings = Vec::new();
        let out = &mut findings;
        let mut found = Vec::new();
        match file.language {
            Language::Python => python_code(file, &mut found),
            Language::Rust => rust_code(file, &mut found),
            Language::Logrotate => logrotate(file, &mut found),
            Language::Ini => {
                file_config(file, &mut found);
                settings_keys(file, &mut found);
            }
            Language::Hcl => {
                terraform(file, &variables, &mut found);
                bucket_lifecycles(file, &variables, &mut found);
                settings_keys(file, &mut found);
            }
            Language::Json => {
                terraform(file, &variables, &mut found);
                bucket_lifecycles(file, &variables, &mut found);
                structured(file, &mut found);
            }
            _ => structured(file, &mut found),
        }
        let mut seen = Vec::new();
        for short in found {
            if short.days >= MIN_DAYS || seen.contains(&short.span) {
                continue;
            }
            seen.push(short.span);
            out.push(finding(file, short));
        }
        Unit {
            findings,
            lookups: variables.asked.into_inner(),
        }
    }
}

/// The kind of LOG001's recorded look-ups: a Terraform variable by name.
const TFVAR: &str = "tfvar:";

/// The project's Terraform variables as one file's unit reads them: every
/// look-up recorded with its answer (`crate::parts`), so that a stored
/// unit is reused only while each variable it read still has the value
/// it had.
struct Vars<'t, 'a> {
    table: &'t HashMap<String, TfValue<'a>>,
    asked: RefCell<Vec<Lookup>>,
}

impl<'t, 'a> Vars<'t, 'a> {
    fn get(&self, var: &str) -> Option<&'t TfValue<'a>> {
        let found = self.table.get(var);
        self.asked.borrow_mut().push(Lookup {
            question: format!("{TFVAR}{var}"),
            answer: found.map(answer),
        });
        found
    }
}

/// What `terraform_days` reads of a variable: where it is set, its line,
/// whether a `.tfvars` file set it, and its number.
fn answer(v: &TfValue<'_>) -> String {
    format!(
        "{}\n{}\n{}\n{:?}",
        v.path,
        line(v.entry.value_span),
        v.assigned,
        number(&v.entry.value)
    )
}

/// One computed retention.
struct Retention {
    span: Span,
    days: f64,
    /// What keeps the logs (`logrotate block /var/log/app/*.log`).
    sink: String,
    /// Where each factor came from.
    factors: Vec<String>,
    source: &'static str,
}

fn finding(file: &FileFacts, r: Retention) -> Finding {
    let mut f = Finding::new(
        META.code,
        META.default_level,
        format!(
            "logs kept {} ({}): {}; network logs must be kept at least 180 days",
            durations::say(r.days),
            r.sink,
            r.factors.join(" × ")
        ),
        Location {
            path: file.path.as_str().into(),
            span: r.span,
        },
    );
    f.properties
        .insert("retention_days", json!((r.days * 100.0).round() / 100.0));
    f.properties.insert("source", json!(r.source));
    f
}

/// Sinks whose names say they keep metrics, not user input or access
/// records.
fn is_metrics(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["metric", "prometheus", "grafana", "telemetry-stats"]
        .iter()
        .any(|w| n.contains(w))
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// A value as configuration wrote it: strings quoted, numbers bare.
fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("\"{s}\""),
        v => text(v).unwrap_or_else(|| v.display()),
    }
}

fn line(span: Span) -> u32 {
    span.start_line
}

// ---- logrotate --------------------------------------------------------

fn logrotate(file: &FileFacts, out: &mut Vec<Retention>) {
    // Directives by scope: "" for the global ones, else the block's paths.
    let mut scopes: Vec<(&str, HashMap<&str, &ConfigEntry>)> = vec![("", HashMap::new())];
    for e in &file.config {
        let scope = if e.path.len() == 2 {
            e.path[0].as_str()
        } else {
            ""
        };
        let i = match scopes.iter().position(|(s, _)| *s == scope) {
            Some(i) => i,
            None => {
                scopes.push((scope, HashMap::new()));
                scopes.len() - 1
            }
        };
        scopes[i].1.insert(e.key(), e);
    }
    let global = scopes[0].1.clone();
    let has_blocks = scopes.len() > 1;
    for (scope, own) in &scopes {
        if scope.is_empty() && has_blocks {
            continue;
        }
        if is_metrics(scope) {
            continue;
        }
        let get = |k: &str| own.get(k).or_else(|| global.get(k)).copied();
        let frequency = ["hourly", "daily", "weekly", "monthly", "yearly"]
            .iter()
            .find_map(|f| own.get(f).map(|e| (*f, *e)))
            .or_else(|| {
                ["hourly", "daily", "weekly", "monthly", "yearly"]
                    .iter()
                    .find_map(|f| global.get(f).map(|e| (*f, *e)))
            });
        let sink = if scope.is_empty() {
            format!("logrotate configuration `{}`", file.path)
        } else {
            format!("logrotate block `{scope}`")
        };
        // With `size`, logs rotate by size only: the frequency is ignored.
        let by_size = get("size").is_some();
        let mut best: Option<Retention> = None;
        if !by_size
            && let (Some((freq, fe)), Some(re)) = (frequency, get("rotate"))
            && let (Some(period), Some(n)) = (durations::logrotate_period(freq), number(&re.value))
        {
            best = Some(Retention {
                span: re.key_span,
                days: period * n,
                sink: sink.clone(),
                factors: vec![
                    format!("`{freq}` (line {})", line(fe.key_span)),
                    format!("`rotate {n}` (line {})", line(re.key_span)),
                ],
                source: "logrotate",
            });
        }
        if let Some(me) = get("maxage")
            && let Some(days) = number(&me.value)
            && best.as_ref().is_none_or(|b| days < b.days)
        {
            best = Some(Retention {
                span: me.key_span,
                days,
                sink,
                factors: vec![format!("`maxage {days}` (line {})", line(me.key_span))],
                source: "logrotate",
            });
        }
        out.extend(best);
    }
}

// ---- Terraform --------------------------------------------------------

/// Cloud log stores and the attribute that holds their retention in days.
const CLOUD_LOG_STORES: &[(&str, &str)] = &[
    ("aws_cloudwatch_log_group", "retention_in_days"),
    ("google_logging_project_bucket_config", "retention_days"),
    ("azurerm_log_analytics_workspace", "retention_in_days"),
    ("alicloud_log_store", "retention_period"),
    ("tencentcloud_cls_topic", "period"),
];

/// A Terraform variable's value: set in a `.tfvars` file, else its default.
struct TfValue<'a> {
    path: &'a str,
    /// Copied: the HCL files are read one at a time.
    entry: ConfigEntry,
    /// From a `.tfvars` file rather than the `variable` block's default.
    assigned: bool,
}

/// `variable "name" { default = … }` across the project's HCL files, where
/// `terraform.tfvars`/`*.auto.tfvars` set them (those win).
fn terraform_variables(project: &Project) -> HashMap<String, TfValue<'_>> {
    let mut vars = HashMap::new();
    // The HCL files alone, read one by one: few in any project.
    let hcl = |tfvars: bool| {
        (0..project.file_count())
            .filter(move |&fi| {
                project.language(fi) == Language::Hcl
                    && project.path(fi).ends_with(".tfvars") == tfvars
            })
            .map(|fi| (fi, project.file(fi, Reader::RulesLogs)))
    };
    for (fi, file) in hcl(false) {
        for e in &file.config {
            if e.path.len() == 3 && e.path[0] == "variable" && e.path[2] == "default" {
                let value = TfValue {
                    path: project.path(fi),
                    entry: e.clone(),
                    assigned: false,
                };
                vars.insert(e.path[1].to_string(), value);
            }
        }
    }
    for (fi, file) in hcl(true) {
        for e in file.config.iter().filter(|e| e.path.len() == 1) {
            let value = TfValue {
                path: project.path(fi),
                entry: e.clone(),
                assigned: true,
            };
            vars.insert(e.path[0].to_string(), value);
        }
    }
    vars
}

/// A Terraform attribute's number of days: a literal, or a `var.` reference
/// followed to its value, with the factor that says where it came from.
fn terraform_days(e: &ConfigEntry, here: &str, variables: &Vars<'_, '_>) -> Option<(f64, String)> {
    match &e.value {
        Value::Name { text, .. } => {
            let var = text.strip_prefix("var.")?;
            let v = variables.get(var)?;
            let days = number(&v.entry.value)?;
            let how = if v.assigned { "set to" } else { "default" };
            Some((
                days,
                format!(
                    "{here} = `{text}`, {how} {days} ({}:{})",
                    v.path,
                    line(v.entry.value_span)
                ),
            ))
        }
        v => number(v).map(|days| (days, format!("{here} = {days}"))),
    }
}

fn terraform(file: &FileFacts, variables: &Vars<'_, '_>, out: &mut Vec<Retention>) {
    if file.language == Language::Json && !file.path.ends_with(".tf.json") {
        return;
    }
    for e in &file.config {
        if e.path.len() != 4 || e.path[0] != "resource" {
            continue;
        }
        let (kind, label, attr) = (e.path[1].as_str(), e.path[2].as_str(), e.path[3].as_str());
        if !CLOUD_LOG_STORES.contains(&(kind, attr)) {
            continue;
        }
        // The store's own name, where it is a literal.
        let name = file
            .config
            .iter()
            .filter(|n| n.path.len() == 4 && n.path[..3] == e.path[..3])
            .filter(|n| n.key().contains("name"))
            .find_map(|n| text(&n.value))
            .unwrap_or_default();
        if is_metrics(label) || is_metrics(&name) {
            continue;
        }
        let here = format!("`{attr}` (line {})", line(e.key_span));
        let sink = format!("`{kind}.{label}`");
        out.extend(terraform_retention(e, here, variables, sink, "terraform"));
    }
}

/// The retention a Terraform attribute in days sets; 0 or less means "never
/// expire" for CloudWatch, the other log stores and lifecycle rules alike.
fn terraform_retention(
    e: &ConfigEntry,
    here: String,
    variables: &Vars<'_, '_>,
    sink: String,
    source: &'static str,
) -> Option<Retention> {
    let (days, factor) = terraform_days(e, &here, variables)?;
    (days > 0.0).then(|| Retention {
        span: e.value_span,
        days,
        sink,
        factors: vec![factor],
        source,
    })
}

/// Object-storage lifecycle rules that expire objects: (resource type,
/// rule block, expiry block, attribute in days). Google's rule deletes only
/// when its `action` says so.
const BUCKET_LIFECYCLES: &[(&str, &str, &str, &str)] = &[
    (
        "aws_s3_bucket_lifecycle_configuration",
        "rule",
        "expiration",
        "days",
    ),
    ("aws_s3_bucket", "lifecycle_rule", "expiration", "days"),
    (
        "alicloud_oss_bucket",
        "lifecycle_rule",
        "expiration",
        "days",
    ),
    (
        "tencentcloud_cos_bucket",
        "lifecycle_rules",
        "expiration",
        "days",
    ),
    (
        "google_storage_bucket",
        "lifecycle_rule",
        "condition",
        "age",
    ),
];

/// Lifecycle rules of S3, OSS, COS and GCS buckets that expire logs: the
/// rule's prefix, id or bucket must say the objects are logs (a bucket of
/// generated images expiring after a week is not a log).
fn bucket_lifecycles(file: &FileFacts, variables: &Vars<'_, '_>, out: &mut Vec<Retention>) {
    if file.language == Language::Json && !file.path.ends_with(".tf.json") {
        return;
    }
    for e in &file.config {
        let p = &e.path;
        if p.len() != 8 || p[0] != "resource" {
            continue;
        }
        let Some(&(kind, _, _, attr)) = BUCKET_LIFECYCLES.iter().find(|(k, rule, expiry, attr)| {
            p[1] == *k && p[3] == *rule && p[5] == *expiry && p[7] == *attr
        }) else {
            continue;
        };
        let rule = &p[..5];
        let in_rule = || {
            file.config
                .iter()
                .filter(move |n| n.path.len() > 5 && n.path[..5] == *rule)
        };
        let disabled = in_rule().any(|n| match (n.key(), &n.value) {
            ("status", Value::Str(s)) => s.eq_ignore_ascii_case("disabled"),
            ("enabled", Value::Bool(b)) => !b,
            _ => false,
        });
        let deletes = kind != "google_storage_bucket"
            || in_rule().any(|n| {
                n.key() == "type"
                    && n.path.iter().any(|s| s == "action")
                    && text(&n.value).is_some_and(|t| t == "Delete")
            });
        if disabled || !deletes {
            continue;
        }
        // What the rule expires: its prefix and id, the bucket it names.
        let mut names: Vec<String> = in_rule()
            .filter(|n| {
                matches!(
                    n.key(),
                    "prefix" | "filter_prefix" | "id" | "matches_prefix"
                )
            })
            .filter_map(|n| text(&n.value))
            .collect();
        names.push(p[2].to_string());
        names.extend(
            file.config
                .iter()
                .filter(|n| n.path.len() == 4 && n.path[..3] == p[..3] && n.key() == "bucket")
                .map(|n| match &n.value {
                    Value::Name { text, .. } => text.to_string(),
                    v => text(v).unwrap_or_default(),
                }),
        );
        if !names.iter().any(|n| names_logs(n)) || names.iter().any(|n| is_metrics(n)) {
            continue;
        }
        let here = format!("`{}.{attr}` (line {})", p[5], line(e.key_span));
        let sink = format!("lifecycle rule of `{kind}.{}`", p[2]);
        out.extend(terraform_retention(
            e,
            here,
            variables,
            sink,
            "bucket-lifecycle",
        ));
    }
}

/// Whether a name says it holds logs: a `log`/`logs`/`audit` word in it
/// (`access-logs/`, `aws_s3_bucket.audit_logs.id`), not `catalog` or `login`.
fn names_logs(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| {
            matches!(w, "log" | "logs" | "logging" | "audit" | "audits")
                || (w.len() > 4 && w.ends_with("logs"))
                || w.starts_with("accesslog")
                || w.starts_with("auditlog")
        })
}

// ---- YAML, JSON, TOML: Loki, ILM, dictConfig, settings keys -----------

fn structured(file: &FileFacts, out: &mut Vec<Retention>) {
    loki(file, out);
    ilm(file, out);
    dict_config(file, out);
    settings_keys(file, out);
}

fn loki(file: &FileFacts, out: &mut Vec<Retention>) {
    let disabled = file.config.iter().any(|e| {
        matches!(e.key(), "retention_enabled" | "retention_deletes_enabled")
            && e.value == Value::Bool(false)
    });
    if disabled {
        return;
    }
    for e in &file.config {
        if e.key() != "retention_period"
            || !e
                .path
                .iter()
                .any(|p| *p == "limits_config" || *p == "table_manager")
        {
            continue;
        }
        let Some(days) = text(&e.value).and_then(|t| durations::compact(&t)) else {
            continue;
        };
        if days <= 0.0 {
            continue;
        }
        out.push(Retention {
            span: e.value_span,
            days,
            sink: "Loki".into(),
            factors: vec![format!(
                "`{}: {}` (line {})",
                e.joined("."),
                show(&e.value),
                line(e.key_span)
            )],
            source: "loki",
        });
    }
}

fn ilm(file: &FileFacts, out: &mut Vec<Retention>) {
    for e in &file.config {
        let n = e.path.len();
        if n < 3 || e.key() != "min_age" || e.path[n - 2] != "delete" || e.path[n - 3] != "phases" {
            continue;
        }
        let policy = e.joined(".");
        if is_metrics(&policy) || is_metrics(&file.path) {
            continue;
        }
        let Some(days) = text(&e.value).and_then(|t| durations::compact(&t)) else {
            continue;
        };
        out.push(Retention {
            span: e.value_span,
            days,
            sink: "Elasticsearch ILM policy".into(),
            factors: vec![format!(
                "`{policy}: {}` (line {})",
                show(&e.value),
                line(e.key_span)
            )],
            source: "elasticsearch-ilm",
        });
    }
}

/// Handlers in `logging.config.dictConfig` documents.
fn dict_config(file: &FileFacts, out: &mut Vec<Retention>) {
    for class in &file.config {
        let Value::Str(c) = &class.value else {
            continue;
        };
        if class.key() != "class" || !c.ends_with("TimedRotatingFileHandler") {
            continue;
        }
        let prefix = &class.path[..class.path.len() - 1];
        let sibling = |k: &str| {
            file.config.iter().find(|e| {
                e.path.len() == prefix.len() + 1
                    && e.path[..prefix.len()] == *prefix
                    && e.key() == k
            })
        };
        let filename = sibling("filename")
            .and_then(|e| text(&e.value))
            .unwrap_or_default();
        let name = prefix.last().map_or("", |s| s.as_str());
        if is_metrics(&filename) || is_metrics(name) {
            continue;
        }
        let arg = |k: &str| sibling(k).map(|e| (e.value.clone(), e.key_span));
        if let Some(r) = timed_handler(
            arg("when"),
            arg("interval"),
            arg("backupCount"),
            format!("`TimedRotatingFileHandler` `{name}`"),
            "dictconfig",
        ) {
            out.push(r);
        }
    }
}

/// `TimedRotatingFileHandler(when, interval, backupCount)`: each given as
/// (value, where), absent ones at their defaults (`h`, 1, 0). A count of 0
/// keeps every file: not a retention.
fn timed_handler(
    when: Option<(Value, Span)>,
    interval: Option<(Value, Span)>,
    count: Option<(Value, Span)>,
    sink: String,
    source: &'static str,
) -> Option<Retention> {
    let (count_v, count_at) = count?;
    let n = number(&count_v)?;
    if n <= 0.0 {
        return None;
    }
    let (when_text, when_factor) = match &when {
        Some((v, at)) => {
            let t = text(v)?;
            let f = format!("when=`{t}` (line {})", line(*at));
            (t, f)
        }
        None => ("h".to_string(), "when=`h` (default)".to_string()),
    };
    let unit = durations::handler_when(&when_text)?;
    let (every, interval_factor) = match &interval {
        Some((v, at)) => {
            let i = number(v)?;
            (i, Some(format!("interval={i} (line {})", line(*at))))
        }
        None => (1.0, None),
    };
    let mut factors = vec![when_factor];
    factors.extend(interval_factor);
    factors.push(format!("backupCount={n} (line {})", line(count_at)));
    Some(Retention {
        span: count_at,
        days: unit * every.max(1.0) * n,
        sink,
        factors,
        source,
    })
}

/// `[handler_x]` sections of `logging.config.fileConfig` files:
/// `class=handlers.TimedRotatingFileHandler` with `args=(file, when,
/// interval, backupCount)`.
fn file_config(file: &FileFacts, out: &mut Vec<Retention>) {
    for class in &file.config {
        if class.path.len() != 2
            || !class.path[0].starts_with("handler_")
            || class.key() != "class"
            || !text(&class.value).is_some_and(|c| c.ends_with("TimedRotatingFileHandler"))
        {
            continue;
        }
        let section = class.path[0];
        let Some(args) = file
            .config
            .iter()
            .find(|e| e.path.len() == 2 && e.path[0] == section && e.key() == "args")
        else {
            continue;
        };
        let Some(t) = text(&args.value) else { continue };
        let items = tuple_items(&t);
        if items.first().is_some_and(|f| is_metrics(f)) {
            continue;
        }
        let at = args.value_span;
        let item = |i: usize| items.get(i).map(|s| (literal(s), at));
        if let Some(r) = timed_handler(
            item(1),
            item(2),
            item(3),
            format!("`TimedRotatingFileHandler` `[{section}]`"),
            "fileconfig",
        ) {
            out.push(r);
        }
    }
}

/// The items of a literal tuple written in INI (`('app.log', 'D', 1, 7)`).
fn tuple_items(text: &str) -> Vec<String> {
    let inner = text.trim().trim_start_matches('(').trim_end_matches(')');
    inner
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn literal(item: &str) -> Value {
    let unquoted = item.trim_matches(['\'', '"']);
    match item.parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) if unquoted.len() + 2 == item.len() => Value::Str(unquoted.into()),
        Err(_) => Value::text_only(item),
    }
}

// ---- settings and environment keys ------------------------------------

/// Keys that say how long logs are kept: their days per unit, by name.
fn retention_key(name: &str) -> Option<Option<f64>> {
    // Most keys are not about retention: decide that without allocating.
    if !name
        .as_bytes()
        .windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"retention"))
    {
        return None;
    }
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if !n.contains("retention") || !(n.contains("log") || n.contains("audit")) {
        return None;
    }
    let unit = if n.ends_with("days") || n.ends_with("day") {
        Some(1.0)
    } else if n.ends_with("hours") || n.ends_with("hrs") {
        Some(1.0 / 24.0)
    } else if n.ends_with("weeks") {
        Some(7.0)
    } else if n.ends_with("months") {
        Some(30.0)
    } else if n.ends_with("seconds") || n.ends_with("secs") {
        Some(1.0 / 86_400.0)
    } else {
        None
    };
    Some(unit)
}

/// Environment variables and settings keys about log retention, in every
/// form configuration sets them: `KEY: v` maps (Helm values, compose
/// `environment:` maps), `- KEY=v` lists (compose), `- name: KEY` /
/// `value: v` (Kubernetes `env:`), `.env` lines and Dockerfile `ENV`.
fn settings_keys(file: &FileFacts, out: &mut Vec<Retention>) {
    for e in &file.config {
        let key = e.key();
        // Borrowed until the key is known to be about retention: most of a
        // configuration tree's entries are not.
        let (name, value, span): (Cow<'_, str>, Cow<'_, Value>, Span) = if key.starts_with('[') {
            // `- LOG_RETENTION_DAYS=30`
            let Value::Str(s) = &e.value else { continue };
            let Some((k, v)) = s.split_once('=') else {
                continue;
            };
            (
                Cow::Borrowed(k.trim()),
                Cow::Owned(Value::Str(v.trim().into())),
                e.value_span,
            )
        } else if key == "value" && e.path.len() >= 3 && e.path[e.path.len() - 3] == "env" {
            // Kubernetes `env: [{name: K, value: v}]`
            let prefix = &e.path[..e.path.len() - 1];
            let Some(n) = file.config.iter().find(|n| {
                n.path.len() == e.path.len()
                    && n.path[..prefix.len()] == *prefix
                    && n.key() == "name"
            }) else {
                continue;
            };
            let Some(k) = text(&n.value) else { continue };
            (Cow::Owned(k), Cow::Borrowed(&e.value), e.value_span)
        } else {
            (Cow::Borrowed(key), Cow::Borrowed(&e.value), e.value_span)
        };
        let Some(unit) = retention_key(&name) else {
            continue;
        };
        let days = match (unit, &*value) {
            (Some(u), v) => match number(v) {
                Some(n) => n * u,
                None => continue,
            },
            (None, v) => match text(v)
                .and_then(|t| durations::compact(&t).or_else(|| durations::words(&t)))
            {
                Some(d) => d,
                None => continue,
            },
        };
        // 0 or negative: "keep forever" in most settings.
        if days <= 0.0 {
            continue;
        }
        out.push(Retention {
            span,
            days,
            sink: format!("setting `{name}`"),
            factors: vec![format!("`{name}` = {} (line {})", show(&value), line(span))],
            source: "setting",
        });
    }
}

// ---- Python code ------------------------------------------------------

fn python_code(file: &FileFacts, out: &mut Vec<Retention>) {
    python_dict_config(file, out);
    purge_sql(file, out);
    purge_orm(file, out);
    for call in &file.calls {
        let Some(resolved) = call.resolved.as_ref().map(|q| q.as_str()) else {
            continue;
        };
        if resolved == "logging.handlers.TimedRotatingFileHandler" {
            let filename = call
                .arg(Some(0), Some("filename"))
                .and_then(|a| text(&a.value));
            if filename.as_deref().is_some_and(is_metrics) {
                continue;
            }
            let arg = |p: usize, k: &str| {
                call.arg(Some(p), Some(k))
                    .map(|a| (a.value.clone(), a.span))
            };
            if let Some(r) = timed_handler(
                arg(1, "when"),
                arg(2, "interval"),
                arg(3, "backupCount"),
                "`TimedRotatingFileHandler`".into(),
                "python-logging",
            ) {
                out.push(r);
            }
        } else if resolved == "loguru.logger.add" {
            let Some(retention) = call.arg(None, Some("retention")) else {
                continue;
            };
            let here = line(retention.span);
            let r = match &retention.value {
                Value::Str(s) => durations::words(s)
                    .or_else(|| durations::compact(s))
                    .map(|d| (d, vec![format!("retention=\"{s}\" (line {here})")])),
                Value::Int(n) if *n > 0 => {
                    call.arg(None, Some("rotation"))
                        .and_then(|rot| match &rot.value {
                            Value::Str(s) => rotation_days(s).map(|d| {
                                (
                                    d * *n as f64,
                                    vec![
                                        format!("rotation=\"{s}\" (line {})", line(rot.span)),
                                        format!("retention={n} files (line {here})"),
                                    ],
                                )
                            }),
                            _ => None,
                        })
                }
                _ => None,
            };
            if let Some((days, factors)) = r {
                out.push(Retention {
                    span: retention.span,
                    days,
                    sink: "loguru sink".into(),
                    factors,
                    source: "loguru",
                });
            }
        }
    }
}

// ---- Rust code --------------------------------------------------------

/// tracing-appender's `RollingFileAppender::builder().rotation(Rotation::DAILY)
/// .max_log_files(n)` and flexi_logger's `.rotate(Criterion::Age(Age::Day), _,
/// Cleanup::KeepLogFiles(n))`: the rotation period × the files kept. Without
/// a cap (`rolling::daily(dir, prefix)`, `Cleanup::Never`) logs are kept.
fn rust_code(file: &FileFacts, out: &mut Vec<Retention>) {
    for call in &file.calls {
        let Some(resolved) = call.resolved.as_ref().map(|q| q.as_str()) else {
            continue;
        };
        if resolved.starts_with("tracing_appender.") && call.method() == "max_log_files" {
            let Some(kept) = call.args.first() else {
                continue;
            };
            let Value::Int(n) = kept.value else { continue };
            let chain = || call.chain_back(&file.calls);
            if chain().any(|c| {
                c.args
                    .iter()
                    .any(|a| text(&a.value).is_some_and(|t| is_metrics(&t)))
            }) {
                continue;
            }
            let Some((rotation, at)) = chain().find(|c| c.method() == "rotation").and_then(|c| {
                let a = c.args.first()?;
                let Value::Name { text, .. } = &a.value else {
                    return None;
                };
                Some((text.rsplit('.').next()?.to_string(), a.span))
            }) else {
                continue;
            };
            let Some(period) = appender_period(&rotation) else {
                continue;
            };
            out.push(Retention {
                span: kept.span,
                days: period * n as f64,
                sink: "tracing-appender rolling file".into(),
                factors: vec![
                    format!("Rotation::{rotation} (line {})", line(at)),
                    format!("max_log_files({n}) (line {})", line(kept.span)),
                ],
                source: "tracing-appender",
            });
        } else if resolved.starts_with("flexi_logger.") && call.method() == "rotate" {
            // The criterion and cleanup are calls inside the arguments.
            let inside = |name: &str| {
                file.calls.iter().find(|c| {
                    call.span.contains(&c.span)
                        && c.resolved
                            .as_ref()
                            .is_some_and(|r| r.as_str().ends_with(name))
                })
            };
            let age = ["Criterion.Age", "Criterion.AgeOrSize"]
                .iter()
                .find_map(|n| inside(n))
                .and_then(|c| match &c.args.first()?.value {
                    Value::Name { text, .. } => {
                        Some((text.rsplit('.').next()?.to_string(), c.span))
                    }
                    _ => None,
                });
            let kept = [
                "Cleanup.KeepLogFiles",
                "Cleanup.KeepCompressedFiles",
                "Cleanup.KeepLogAndCompressedFiles",
            ]
            .iter()
            .find_map(|n| inside(n))
            .and_then(|c| {
                let total: i64 = c
                    .args
                    .iter()
                    .map(|a| match a.value {
                        Value::Int(n) => Some(n),
                        _ => None,
                    })
                    .sum::<Option<i64>>()?;
                Some((total, c.span))
            });
            let (Some((age, age_at)), Some((n, kept_at))) = (age, kept) else {
                continue;
            };
            let Some(period) = flexi_period(&age) else {
                continue;
            };
            out.push(Retention {
                span: kept_at,
                days: period * n as f64,
                sink: "flexi_logger log file".into(),
                factors: vec![
                    format!("Age::{age} (line {})", line(age_at)),
                    format!("{n} files kept (line {})", line(kept_at)),
                ],
                source: "flexi_logger",
            });
        }
    }
}

/// tracing-appender's `Rotation` constants, in days (`NEVER` keeps all).
fn appender_period(rotation: &str) -> Option<f64> {
    match rotation {
        "MINUTELY" => Some(1.0 / 1440.0),
        "HOURLY" => Some(1.0 / 24.0),
        "DAILY" => Some(1.0),
        "WEEKLY" => Some(7.0),
        _ => None,
    }
}

/// flexi_logger's `Age` variants, in days.
fn flexi_period(age: &str) -> Option<f64> {
    match age {
        "Second" => Some(1.0 / 86400.0),
        "Minute" => Some(1.0 / 1440.0),
        "Hour" => Some(1.0 / 24.0),
        "Day" => Some(1.0),
        _ => None,
    }
}

/// `logging.config.dictConfig({...})` and Django's `LOGGING = {...}` written
/// as Python dicts: the same handlers as in a dictConfig file.
fn python_dict_config(file: &FileFacts, out: &mut Vec<Retention>) {
    let assigned = |name: &str, scope: Option<&str>| {
        file.assignments
            .iter()
            .rev()
            .filter(|a| a.target == name && matches!(a.value, Value::Dict(_)))
            .find(|a| a.scope.as_deref() == scope || a.scope.is_none())
            .map(|a| (&a.value, a.span))
    };
    let mut configs: Vec<(&Value, Span)> = Vec::new();
    for call in &file.calls {
        if call.resolved.as_ref().map(|q| q.as_str()) != Some("logging.config.dictConfig") {
            continue;
        }
        match call
            .arg(Some(0), Some("config"))
            .map(|a| (&a.value, a.span))
        {
            Some((v @ Value::Dict(_), span)) => configs.push((v, span)),
            Some((Value::Name { text, .. }, _)) => {
                configs.extend(assigned(text, call.scope.as_deref()));
            }
            _ => {}
        }
    }
    configs.extend(
        file.assignments
            .iter()
            .filter(|a| a.scope.is_none() && a.target == "LOGGING")
            .filter(|a| matches!(a.value, Value::Dict(_)))
            .map(|a| (&a.value, a.span)),
    );
    for (config, span) in configs {
        timed_handlers_in(config, "", span, 0, out);
    }
}

/// Handler dicts whose `class` is a `TimedRotatingFileHandler`, nested
/// anywhere (bounded) in a dictConfig dict; `name` is the key above.
fn timed_handlers_in(v: &Value, name: &str, span: Span, depth: usize, out: &mut Vec<Retention>) {
    let Value::Dict(pairs) = v else { return };
    if depth > 6 {
        return;
    }
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key.as_str() == Some(k))
            .map(|(_, v)| v)
    };
    if let Some(Value::Str(class)) = get("class")
        && class.ends_with("TimedRotatingFileHandler")
    {
        let filename = get("filename").and_then(text).unwrap_or_default();
        if is_metrics(&filename) || is_metrics(name) {
            return;
        }
        let arg = |k: &str| get(k).map(|v| (v.clone(), span));
        out.extend(timed_handler(
            arg("when"),
            arg("interval"),
            arg("backupCount"),
            format!("`TimedRotatingFileHandler` `{name}`"),
            "dictconfig",
        ));
        return;
    }
    for (k, inner) in pairs.iter() {
        timed_handlers_in(inner, k.as_str().unwrap_or(""), span, depth + 1, out);
    }
}

/// `DELETE FROM <table> WHERE ...` with an age cut-off in the SQL dialects'
/// interval forms: PostgreSQL `interval '30 days'`, MySQL `INTERVAL 30 DAY`,
/// SQLite `datetime('now', '-30 days')`.
static PURGE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r#"(?is)\bdelete\s+from\s+[`"\[]?([\w.]+)[`"\]]?\s+where\b.*?(?:interval\s*'\s*(\d+)\s*(hour|day|week|month|year)s?\s*'|interval\s+(\d+)\s+(hour|day|week|month|year)\b|'-\s*(\d+)\s+(hour|day|month|year)s?')"#,
    )
    .expect("purge regex")
});

/// Scheduled purges of log tables written as SQL in code. Only tables whose
/// names say they hold logs count; an age that comes from a variable is not
/// in the literal and is not judged.
/// Whether `text` holds `delete` in any case. Only the places of a `d` are
/// compared: docstrings are long, and a six-byte compare at every byte
/// cost more than the rest of the rule.
fn mentions_delete(text: &[u8]) -> bool {
    memchr::memchr2_iter(b'd', b'D', text).any(|i| {
        text.get(i..i + 6)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"delete"))
    })
}

fn purge_sql(file: &FileFacts, out: &mut Vec<Retention>) {
    for s in &file.strings {
        // Cheap test before the regex: most strings are not SQL.
        if s.value.len() < 20 || !mentions_delete(s.value.as_bytes()) {
            continue;
        }
        let Some(m) = PURGE.captures(&s.value) else {
            continue;
        };
        let table = &m[1];
        if !names_logs(table) || is_metrics(table) {
            continue;
        }
        let (n, unit) = [(2, 3), (4, 5), (6, 7)]
            .iter()
            .find_map(|&(n, u)| Some((m.get(n)?.as_str(), m.get(u)?.as_str())))
            .unwrap_or(("", ""));
        let Ok(n) = n.parse::<f64>() else { continue };
        let unit = unit.to_ascii_lowercase();
        let per = match unit.as_str() {
            "hour" => 1.0 / 24.0,
            "day" => 1.0,
            "week" => 7.0,
            "month" => 30.0,
            _ => 365.0,
        };
        if n <= 0.0 {
            continue;
        }
        out.push(Retention {
            span: s.span,
            days: n * per,
            sink: format!("table `{table}`"),
            factors: vec![format!(
                "`DELETE FROM {table}` of rows older than {n} {unit}(s) (line {})",
                line(s.span)
            )],
            source: "purge-sql",
        });
    }
}

/// A `timedelta(...)` with literal parts: its length in days and how the
/// code wrote it.
struct Cut {
    start: u32,
    end: u32,
    line: u32,
    days: f64,
    text: String,
}

fn timedeltas(file: &FileFacts) -> Vec<Cut> {
    let mut out = Vec::new();
    for call in &file.calls {
        let Some(name) = call.resolved.as_ref().map(|q| q.as_str()) else {
            continue;
        };
        if name != "datetime.timedelta" && name != "datetime.datetime.timedelta" {
            continue;
        }
        let mut days = 0.0;
        let mut parts = Vec::new();
        let mut known = true;
        for (i, a) in call.args.iter().enumerate() {
            let unit = match a.keyword.as_deref() {
                None if i == 0 => "days",
                Some(k) => k,
                None => {
                    known = false;
                    break;
                }
            };
            let per = match unit {
                "days" => 1.0,
                "weeks" => 7.0,
                "hours" => 1.0 / 24.0,
                "minutes" => 1.0 / 1440.0,
                "seconds" => 1.0 / 86400.0,
                _ => {
                    known = false;
                    break;
                }
            };
            let Some(n) = number(&a.value) else {
                known = false;
                break;
            };
            days += n * per;
            parts.push(format!("{unit}={}", show(&a.value)));
        }
        if known && days > 0.0 {
            out.push(Cut {
                start: call.span.start_byte,
                end: call.span.end_byte,
                line: call.span.start_line,
                days,
                text: format!("timedelta({})", parts.join(", ")),
            });
        }
    }
    out
}

/// Whether a model's name says its rows are logs, access records,
/// conversations or messages (`RequestLog`, `chat_messages`), not metrics.
fn names_records(name: &str) -> bool {
    if is_metrics(name) {
        return false;
    }
    let mut words = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        if (!c.is_ascii_alphanumeric() || c.is_ascii_uppercase()) && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
    }
    words.push(word);
    words.iter().any(|w| {
        matches!(
            w.as_str(),
            "log"
                | "logs"
                | "logging"
                | "audit"
                | "audits"
                | "access"
                | "conversation"
                | "conversations"
                | "message"
                | "messages"
                | "history"
                | "histories"
        )
    })
}

/// Scheduled purges through an ORM: a `delete` of rows filtered by a date
/// before `now - timedelta(...)`, on a model whose name says it keeps
/// records (`names_records`). The cut-off may sit in the filter or in a
/// variable assigned earlier in the same function.
fn purge_orm(file: &FileFacts, out: &mut Vec<Retention>) {
    let cuts = timedeltas(file);
    if cuts.is_empty() {
        return;
    }
    let inside = |start: u32, end: u32| cuts.iter().find(|c| c.start >= start && c.end <= end);
    // A name read at `call` bound, earlier in its function, to an expression
    // holding a cut.
    let bound = |name: &str, call: &crate::facts::Call| {
        file.assignments
            .iter()
            .rfind(|a| {
                a.target == name && a.scope == call.scope && a.span.end_byte <= call.span.start_byte
            })
            .and_then(|a| inside(a.span.start_byte, a.span.end_byte))
    };
    // The cut an argument holds: inline, or through the names it reads.
    let cut_of = |a: &crate::facts::Arg, call: &crate::facts::Call| {
        inside(a.span.start_byte, a.span.end_byte).or_else(|| match &a.value {
            Value::Name { text, .. } => bound(text, call),
            Value::Expr(e) => e.reads.iter().find_map(|r| bound(r, call)),
            _ => None,
        })
    };
    let model_of = |v: &Value| match v {
        Value::Name { text, .. } => Some(text.to_string()),
        _ => None,
    };
    for (ci, call) in file.calls.iter().enumerate() {
        let method = call.method();
        // Django and SQLAlchemy ORM: `<chain>.filter(...).delete()`;
        // SQLAlchemy core: `delete(Model).where(...)`.
        let core = method == "where"
            && matches!(call.receiver, crate::facts::Receiver::Call(j)
                if file.calls.get(j as usize).and_then(|c| c.resolved.as_ref()).is_some_and(|q| q.as_str() == "sqlalchemy.delete"));
        if method != "delete" && !core {
            continue;
        }
        // The calls of the chain, nearest first (bounded).
        let mut chain = vec![ci];
        let mut at = call;
        while let crate::facts::Receiver::Call(j) = at.receiver {
            let j = j as usize;
            if chain.len() > 6 || j >= file.calls.len() || chain.contains(&j) {
                break;
            }
            chain.push(j);
            at = &file.calls[j];
        }
        let mut cut = None;
        let mut filter = String::new();
        let mut model = None;
        for &j in &chain {
            let c = &file.calls[j];
            match c.method() {
                "filter" | "where" | "filter_by" => {
                    for a in c.args.iter() {
                        let date_test = match a.keyword.as_deref() {
                            Some(k) => k.ends_with("__lt") || k.ends_with("__lte"),
                            None => {
                                matches!(&a.value, Value::Expr(e) if e.text.contains('<') || e.text.contains('>'))
                            }
                        };
                        if date_test && let Some(found) = cut_of(a, c) {
                            cut = Some(found);
                            let value = match &a.value {
                                Value::Expr(e) => e.text.to_string(),
                                Value::Name { text, .. } => text.to_string(),
                                _ => String::new(),
                            };
                            filter = match a.keyword.as_deref() {
                                Some(k) => format!("{k}={value}"),
                                None => value,
                            };
                        }
                    }
                }
                "query" => model = c.args.first().and_then(|a| model_of(&a.value)),
                _ if c
                    .resolved
                    .as_ref()
                    .is_some_and(|q| q.as_str() == "sqlalchemy.delete") =>
                {
                    model = c.args.first().and_then(|a| model_of(&a.value));
                }
                _ => {}
            }
        }
        // Django: the chain starts at `Model.objects`.
        if model.is_none()
            && let crate::facts::Receiver::Name(head) = at.receiver
            && let Some(m) = head.strip_suffix(".objects")
        {
            model = Some(m.to_string());
        }
        let (Some(cut), Some(model)) = (cut, model) else {
            continue;
        };
        let short = model.rsplit('.').next().unwrap_or(&model).to_string();
        if !names_records(&short) {
            continue;
        }
        out.push(Retention {
            span: call.span,
            days: cut.days,
            sink: format!("model `{short}`"),
            factors: vec![format!(
                "rows of `{short}` deleted where `{filter}`, a cut-off of {} (line {})",
                cut.text, cut.line
            )],
            source: "purge-orm",
        });
    }
}

/// loguru `rotation=` as a period: a duration (`1 day`, `1 week`), a time
/// of day (`00:00`, daily), `daily`/`weekly`/`monthly`. Sizes have none.
fn rotation_days(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase();
    if t.len() == 5 && t.as_bytes()[2] == b':' {
        return Some(1.0);
    }
    match t.as_str() {
        "daily" => Some(1.0),
        "weekly" => Some(7.0),
        "monthly" => Some(30.0),
        "yearly" => Some(365.0),
        _ => durations::words(&t),
    }
}

#[cfg(test)]
mod tests {
    use super::mentions_delete;

    /// The `d`-anchored search finds what a compare at every byte does.
    #[test]
    fn delete_is_found_in_any_case_and_place() {
        for text in [
            "DELETE FROM logs",
            "x dElEtE",
            "delet",
            "dd delete",
            "ddelet",
            "",
            "delete",
            "no such word here at all",
            "已删除 Delete",
        ] {
            let every_byte = text
                .as_bytes()
                .windows(6)
                .any(|w| w.eq_ignore_ascii_case(b"delete"));
            assert_eq!(mentions_delete(text.as_bytes()), every_byte, "{text}");
        }
    }
}
