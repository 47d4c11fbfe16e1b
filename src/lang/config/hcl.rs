//! Terraform and other HCL (`*.tf`, `*.tfvars`, `*.hcl`).
//!
//! Parsed with `hcl-edit`, the span-keeping half of the maintained `hcl-rs`
//! project: every block, label, attribute and expression knows its byte
//! range, and the parser bounds nesting itself (no stack overflow on deep
//! input). Key paths follow Terraform's JSON syntax, so `*.tf.json` files
//! read the same: a top-level block is its type and labels
//! (`resource`, `aws_cloudwatch_log_group`, `app`), a nested block adds its
//! type and its number among blocks of that type (`lifecycle_rule`, `[0]`),
//! an attribute adds its name. Literal values are typed; references
//! (`var.retention`, `local.days`) are names; anything else is an
//! expression with its source text.

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{BlockLabel, Body, Structure};
use ustr::Ustr;

use super::{Doc, index_segment};
use crate::facts::Value;

pub fn read(doc: &mut Doc<'_>) {
    doc.line_comments(&["#", "//"], b"\"", true);
    let body = match hcl_edit::parser::parse_body(doc.text) {
        Ok(b) => b,
        Err(e) => {
            let message = e.message().to_string();
            doc.syntax_error("HCL", e.location().offset(), &message);
            return;
        }
    };
    let mut path = Vec::new();
    walk_body(doc, &body, &mut path, true);
}

/// `false` once the entry budget is spent.
fn walk_body(doc: &mut Doc<'_>, body: &Body, path: &mut Vec<Ustr>, top: bool) -> bool {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                path.push(Ustr::from(a.key.as_str()));
                let key = a.key.span().unwrap_or(0..0);
                let ok = walk_expr(doc, &a.value, path, key);
                path.pop();
                if !ok {
                    return false;
                }
            }
            Structure::Block(b) => {
                let depth = path.len();
                let ident = b.ident.as_str();
                path.push(Ustr::from(ident));
                for label in &b.labels {
                    path.push(Ustr::from(match label {
                        BlockLabel::Ident(i) => i.as_str(),
                        BlockLabel::String(s) => s.as_str(),
                    }));
                }
                if !top {
                    let n = match seen.iter_mut().find(|(name, _)| *name == ident) {
                        Some((_, n)) => {
                            *n += 1;
                            *n
                        }
                        None => {
                            seen.push((ident, 0));
                            0
                        }
                    };
                    path.push(index_segment(n));
                }
                let ok = path.len() > super::MAX_DEPTH || walk_body(doc, &b.body, path, false);
                path.truncate(depth);
                if !ok {
                    return false;
                }
            }
        }
    }
    true
}

fn walk_expr(
    doc: &mut Doc<'_>,
    expr: &Expression,
    path: &mut Vec<Ustr>,
    key: std::ops::Range<usize>,
) -> bool {
    if path.len() > super::MAX_DEPTH {
        return true;
    }
    let at = expr.span().unwrap_or(key.clone());
    let source = || doc.text.get(at.clone()).unwrap_or("").trim();
    let value = match expr {
        Expression::Null(_) => Value::None,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(f)) => Value::Float(f),
            _ => Value::text_only(source()),
        },
        Expression::String(s) => Value::Str(Ustr::from(s.as_str())),
        Expression::Variable(_) | Expression::Traversal(_) => Value::Name {
            text: Ustr::from(source()),
            resolved: None,
        },
        Expression::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(index_segment(i));
                let r = item.span().unwrap_or(at.clone());
                let ok = walk_expr(doc, item, path, r);
                path.pop();
                if !ok {
                    return false;
                }
            }
            return true;
        }
        Expression::Object(object) => {
            for (k, v) in object.iter() {
                let name = match k {
                    ObjectKey::Ident(i) => Ustr::from(i.as_str()),
                    ObjectKey::Expression(Expression::String(s)) => Ustr::from(s.as_str()),
                    ObjectKey::Expression(e) => {
                        Ustr::from(doc.text.get(e.span().unwrap_or(0..0)).unwrap_or("?"))
                    }
                };
                path.push(name);
                let r = k.span().unwrap_or(at.clone());
                let ok = walk_expr(doc, v.expr(), path, r);
                path.pop();
                if !ok {
                    return false;
                }
            }
            return true;
        }
        _ => Value::text_only(source()),
    };
    doc.push(path, value, key, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    #[test]
    fn terraform_paths() {
        let text = r#"
# logs
resource "aws_cloudwatch_log_group" "app" {
  name              = "/aws/lambda/app"
  retention_in_days = 14
  tags = { team = "ai" }
}
resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  rule {
    filter { prefix = "logs/" }
    expiration { days = var.days }
  }
  rule {
    status = "Enabled"
  }
}
"#;
        let mut doc = Doc::new("main.tf", text, Language::Hcl);
        read(&mut doc);
        let e: Vec<_> = doc
            .entries
            .iter()
            .map(|e| (e.joined("."), e.value.clone(), e.key_span.start_line))
            .collect();
        assert_eq!(
            e[1],
            (
                "resource.aws_cloudwatch_log_group.app.retention_in_days".into(),
                Value::Int(14),
                5
            )
        );
        assert_eq!(e[2].0, "resource.aws_cloudwatch_log_group.app.tags.team");
        assert_eq!(
            e[3].0,
            "resource.aws_s3_bucket_lifecycle_configuration.logs.rule.[0].filter.[0].prefix"
        );
        assert_eq!(
            e[4].1,
            Value::Name {
                text: "var.days".into(),
                resolved: None
            }
        );
        assert_eq!(
            e[5].0,
            "resource.aws_s3_bucket_lifecycle_configuration.logs.rule.[1].status"
        );
        assert_eq!(doc.comments.len(), 1);
    }

    #[test]
    fn errors_and_deep_nesting() {
        let mut doc = Doc::new("bad.tf", "resource \"x\" {\n  a = \n}\n", Language::Hcl);
        read(&mut doc);
        assert!(
            doc.notes[0].message.starts_with("HCL syntax error at line"),
            "{:?}",
            doc.notes
        );
        let deep = format!("a = {}1{}\n", "[".repeat(50_000), "]".repeat(50_000));
        let mut doc = Doc::new("deep.tf", &deep, Language::Hcl);
        read(&mut doc);
        assert!(doc.entries.is_empty());
    }
}
