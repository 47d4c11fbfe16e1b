//! Template directories: the folders where the project's frameworks look
//! for the templates it renders by name (`render_template("feed.html")`,
//! `TemplateResponse(request, "feed/feed.html", …)`). Catalogue data
//! (`[[opt_out.template_dirs]]`, `[[opt_out.template_settings]]`): a call
//! that names a folder (Flask `template_folder=`, Flask's default
//! `templates/` beside the app's module, `Jinja2Templates(directory=…)`,
//! `FileSystemLoader`), and settings that list folders (Django
//! `TEMPLATES[…]["DIRS"]`, with each application's own `templates/`).
//! A folder counts only when some markup file lies in it, so a name is
//! resolved among the project's own templates.

use std::collections::BTreeSet;

use crate::analysis::{Project, Reader};
use crate::catalog::opt_out::OptOut;
use crate::facts::{Language, Shape, Value};
use crate::qname::OptionQName;

/// The template folders of a project, relative to its root (`""` for the
/// root itself), sorted.
pub fn dirs(project: &Project, oo: &OptOut) -> Vec<String> {
    // Languages and paths are the summary: no file's facts are read.
    let markup: Vec<&str> = (0..project.file_count())
        .filter(|&fi| project.language(fi) == Language::Markup)
        .map(|fi| project.path(fi))
        .collect();
    if markup.is_empty() {
        return Vec::new();
    }
    let holds_templates = |dir: &str| {
        markup.iter().any(|p| {
            dir.is_empty()
                || p.strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let mut out = BTreeSet::new();
    let mut add = |module_dir: &str, named: &str| {
        // Relative to the module's folder (Flask) or to where the server
        // starts (Starlette, Jinja, Django): the project root.
        for base in [module_dir, ""] {
            if let Some(d) = join(base, named)
                && holds_templates(&d)
            {
                out.insert(d);
                break;
            }
        }
    };
    let mut settings = false;
    for f in project
        .each_file(Reader::Templates)
        .facts()
        .filter(|f| f.language == Language::Python)
    {
        let module_dir = parent(&f.path);
        for c in &f.calls {
            let Some(name) = c.resolved.as_name() else {
                continue;
            };
            for i in oo.template_calls.matches(name).iter() {
                let row = &oo.template_dirs[i];
                match c.arg(row.position, Some(&row.keyword)) {
                    Some(a) => {
                        if let Some(d) = last_literal(&a.value) {
                            add(module_dir, d);
                        }
                    }
                    None => {
                        if let Some(d) = &row.default {
                            add(module_dir, d);
                        }
                    }
                }
            }
        }
        for s in &oo.template_settings {
            for a in f.assignments.iter().filter(|a| a.target == s.name.as_str()) {
                settings = true;
                for d in setting_dirs(&a.value, &s.key) {
                    add("", d);
                }
            }
        }
    }
    if settings {
        for s in &oo.template_settings {
            for d in app_dirs(project, &markup, s) {
                out.insert(d);
            }
        }
    }
    out.into_iter().collect()
}

/// Whether a template named `name` in a render call is the markup file at
/// `path`: it lies at `name` in one of `dirs`, or, when no folder is
/// known, its path ends with `name`.
pub fn is_template(dirs: &[String], name: &str, path: &str) -> bool {
    if dirs.is_empty() {
        return path
            .strip_suffix(name)
            .is_some_and(|head| head.is_empty() || head.ends_with('/'));
    }
    dirs.iter()
        .any(|d| join(d, name).is_some_and(|full| full == path))
}

/// The folders of a settings value such as Django's `TEMPLATES = [{"DIRS":
/// [BASE_DIR / "templates"]}]`: the last literal of each entry.
fn setting_dirs<'v>(value: &'v Value, key: &str) -> Vec<&'v str> {
    let Value::List(items) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        let Value::Dict(pairs) = item else { continue };
        for (k, v) in pairs.iter() {
            if !matches!(k, Value::Str(s) if s.as_str() == key) {
                continue;
            }
            if let Value::List(dirs) = v {
                out.extend(dirs.iter().filter_map(last_literal));
            }
        }
    }
    out
}

/// The folder a value names: a string, or the last string of a path built
/// from parts (`os.path.join(BASE_DIR, "templates")`, `BASE / "web"`).
fn last_literal(value: &Value) -> Option<&str> {
    match value {
        Value::Str(s) => Some(s.as_str()),
        Value::Expr(e) => last_in_shape(&e.shape, 0),
        _ => None,
    }
}

fn last_in_shape(shape: &Shape, depth: usize) -> Option<&str> {
    if depth > 8 {
        return None;
    }
    match shape {
        Shape::Str(s) => Some(s.as_str()),
        Shape::Call(_, args) => args.iter().rev().find_map(|a| last_in_shape(a, depth + 1)),
        Shape::Binary(_, pair) => last_in_shape(&pair.1, depth + 1),
        _ => None,
    }
}

/// Each application's own template folder: `app_dir` beside one of the
/// markers (`shop/templates` when `shop/apps.py` exists).
fn app_dirs(
    project: &Project,
    markup: &[&str],
    s: &crate::catalog::opt_out::TemplateSetting,
) -> BTreeSet<String> {
    // Paths are the summary: no file's facts are read.
    let paths: BTreeSet<&str> = (0..project.file_count())
        .map(|fi| project.path(fi))
        .collect();
    let mut out = BTreeSet::new();
    for p in markup {
        let mut at = 0;
        while let Some(found) = p[at..].find(s.app_dir.as_str()) {
            let start = at + found;
            let end = start + s.app_dir.len();
            at = end;
            let whole = (start == 0 || p.as_bytes()[start - 1] == b'/')
                && p.as_bytes().get(end) == Some(&b'/');
            if !whole {
                continue;
            }
            let app = &p[..start];
            if s.app_markers
                .iter()
                .any(|m| paths.contains(format!("{app}{m}").as_str()))
            {
                out.insert(p[..end].to_string());
            }
        }
    }
    out
}

/// The folder of a path (`""` at the root).
fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// `base` and `rel` joined and normalised (`.` and `..` taken out); none
/// for an absolute `rel` or one that leaves the root.
fn join(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_within_the_folders() {
        let dirs = vec!["web/templates".to_string()];
        assert!(is_template(&dirs, "feed.html", "web/templates/feed.html"));
        assert!(!is_template(
            &dirs,
            "feed.html",
            "admin/templates/feed.html"
        ));
        assert!(is_template(&[], "feed.html", "admin/templates/feed.html"));
        assert!(!is_template(
            &[],
            "feed.html",
            "admin/templates/myfeed.html"
        ));
        assert_eq!(
            join("pkg", "../web/templates").as_deref(),
            Some("web/templates")
        );
        assert_eq!(join("", "./templates/").as_deref(), Some("templates"));
        assert_eq!(join("", "../x"), None);
    }
}
