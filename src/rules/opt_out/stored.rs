//! What the project stores about its users, and the endpoints that let
//! users export, correct or delete it (OPT005, OPT006). A stored record is a
//! project class deriving from an ORM model or document base
//! (`[opt_out.rights] storage_bases`); it is kept per user when it is the
//! user table itself or has an owner field, and it holds personal data
//! when a field (or, for a record of conversations, its own name) is one
//! the personal-data classifier names.

use std::collections::{BTreeSet, VecDeque};

use crate::analysis::Reader;
use crate::analysis::callgraph::NodeId;
use crate::analysis::entrypoints::Handler;
use crate::analysis::index::{Symbol, dotted};
use crate::catalog::rights::{RightKind, Rights};
use crate::facts::FileFacts;
use crate::qname::{OptionQName, QName};
use crate::rules::Context;
use crate::source::Span;

/// How many base classes one class lookup follows.
const MAX_BASES: usize = 32;

/// A project class whose records are stored per user.
#[derive(Debug, Clone)]
pub struct StoredClass {
    pub file: usize,
    /// The service it belongs to ([`Services`]).
    pub part: String,
    /// The class's dotted name (`app.models.Conversation`).
    pub dotted: String,
    pub name: String,
    pub name_span: Span,
    /// The class name's lower-case words (`user`, `conversation`).
    pub name_words: Vec<String>,
    /// Its table name's words, when it sets one.
    pub table_words: Vec<String>,
    /// The fields that hold personal data (at most three), or the class
    /// name when the record is one of conversations.
    pub holds: Vec<String>,
}

/// Every class the project stores per user with personal data in it, in
/// file order. Test paths are skipped. Computed once per scan: the rules'
/// per-file phase makes it when OPT005, OPT006 or PII004 is enabled
/// (`rules::per_file`); this loop serves a call without it.
///
/// Freed after its last reader (`rules::HELD`).
pub fn stored_classes(cx: &Context<'_>) -> std::sync::Arc<Vec<StoredClass>> {
    cx.shared.stored_classes.get_or_init(|| {
        let services = Services::new(cx);
        let tests = cx.test_files();
        cx.project
            .each_file(Reader::RulesOptOut)
            .iter()
            .filter(|(fi, _)| !tests[*fi])
            .flat_map(|(fi, f)| file_stored_classes(cx, &services, fi, &f))
            .collect()
    })
}

/// [`stored_classes`] of file `fi` (not a test file), in class order.
pub(crate) fn file_stored_classes(
    cx: &Context<'_>,
    services: &Services,
    fi: usize,
    f: &FileFacts,
) -> Vec<StoredClass> {
    let rights = &cx.catalog.opt_out.rights;
    let pd = &cx.catalog.personal_data;
    let mut out = Vec::new();
    for c in &f.classes {
        let dotted_name = dotted(&f.module, &c.qualname);
        if !is_stored(cx, rights, &dotted_name) {
            continue;
        }
        let mut fields: Vec<&str> = f
            .assignments
            .iter()
            .filter(|a| a.scope.is_none() && c.span.contains(&a.span))
            .map(|a| a.target.as_str())
            .filter(|t| !t.contains('.'))
            .collect();
        fields.extend(c.fields.iter().map(|x| x.name.as_str()));
        let owned = fields.iter().any(|n| rights.is_owner_field(n));
        let user_table = rights.is_user_table(&c.name);
        if !owned && !user_table {
            continue;
        }
        let mut holds: Vec<String> = fields
            .iter()
            .filter(|n| !rights.is_owner_field(n) && pd.classify(n) != 0)
            .take(3)
            .map(|n| n.to_string())
            .collect();
        // A record named for what it holds (`ChatHistory`; not
        // `ConversationConfig`).
        let kind = crate::catalog::personal_data::tokens(&c.name);
        if holds.is_empty() && owned && kind.last().is_some_and(|k| pd.classify(k) != 0) {
            holds.push(c.name.to_string());
        }
        if holds.is_empty() {
            continue;
        }
        let table_words = table_name(f, c.span)
            .map(crate::catalog::personal_data::tokens)
            .unwrap_or_default();
        out.push(StoredClass {
            file: fi,
            part: services.of(f.path.as_str()),
            dotted: dotted_name,
            name: c.name.to_string(),
            name_span: c.name_span,
            name_words: crate::catalog::personal_data::tokens(&c.name),
            table_words,
            holds,
        });
    }
    out
}

/// `__tablename__ = "..."` / `db_table = "..."` inside a class.
fn table_name(f: &FileFacts, span: Span) -> Option<&str> {
    f.assignments
        .iter()
        .filter(|a| span.contains(&a.span))
        .find(|a| matches!(a.target.as_str(), "__tablename__" | "db_table"))
        .and_then(|a| a.value.as_str())
}

/// Whether a project class derives, through project classes or project
/// names bound to a base (`Base = declarative_base()`, `db = SQLAlchemy()`
/// then `db.Model`), from a storage base (breadth-first, bounded).
pub(crate) fn is_stored(cx: &Context<'_>, rights: &Rights, class: &str) -> bool {
    derives(cx, class, |c| rights.is_storage_base(c), |_, _| {})
}

/// Whether a project class (a dotted name) derives from a base `is_base`
/// accepts, through project classes and project names bound to a base;
/// `visit` is given every project class on the way, the class itself first
/// (file and class index). Breadth-first, at most `MAX_BASES` names.
pub fn derives(
    cx: &Context<'_>,
    class: &str,
    is_base: impl Fn(&str) -> bool,
    mut visit: impl FnMut(usize, usize),
) -> bool {
    let project = cx.project;
    let mut queue = VecDeque::from([class.to_string()]);
    let mut seen = BTreeSet::new();
    let mut found = false;
    while let Some(c) = queue.pop_front() {
        if seen.len() >= MAX_BASES || !seen.insert(c.clone()) {
            continue;
        }
        if is_base(&c) {
            found = true;
            continue;
        }
        match project.index.symbol(&c) {
            Some(Symbol::Class(fi, ci)) => {
                visit(fi, ci);
                queue.extend(
                    project.file(fi, Reader::RulesOptOut).classes[ci]
                        .bases
                        .iter()
                        .map(|b| project.canonical_or_same(b).as_str().to_string()),
                )
            }
            Some(Symbol::Function(..)) => {}
            None => queue.extend(bound_value(cx, &c)),
        }
    }
    found
}

/// What a dotted name through a project module-level assignment stands
/// for: `app.db.db.Model` with `db = SQLAlchemy()` in `app.db` is
/// `flask_sqlalchemy.SQLAlchemy().Model`.
fn bound_value(cx: &Context<'_>, name: &str) -> Option<String> {
    let project = cx.project;
    let mut cut = name.len();
    while let Some(dot) = name[..cut].rfind('.') {
        cut = dot;
        let Some(&fi) = project.modules.get(&name[..dot]) else {
            continue;
        };
        let rest = &name[dot + 1..];
        let (first, tail) = rest.split_once('.').unwrap_or((rest, ""));
        let a = project.index.bindings(fi).last_module_assign(first)?;
        let value = project.file(fi, Reader::RulesOptOut).assignments[a]
            .value_call
            .as_name()?;
        let value = project.canonical_or_same(&QName::new(value));
        return Some(if tail.is_empty() {
            value.as_str().to_string()
        } else {
            format!("{}.{tail}", value.as_str())
        });
    }
    None
}

/// The service each file belongs to for these rules: the deepest folder
/// above it that holds a service marker (`pyproject.toml`, `manage.py`,
/// `Dockerfile`, ...; `service_markers`), else the root (`""`). Rights are
/// looked for next to the data: a second service in the same repository
/// does not serve the first one's users.
pub struct Services {
    roots: Vec<String>,
}

impl Services {
    pub fn new(cx: &Context<'_>) -> Services {
        let markers = &cx.catalog.opt_out.rights.service_markers;
        // Paths only: the per-file summary, no file's facts.
        let mut roots: Vec<String> = (0..cx.project.file_count())
            .filter_map(|fi| {
                let path = cx.project.path(fi);
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
                markers.iter().any(|m| m == name).then(|| dir.to_string())
            })
            .collect();
        // Deepest first, so the first match is the nearest.
        roots.sort_by_key(|r| std::cmp::Reverse(r.len()));
        roots.dedup();
        Services { roots }
    }

    pub fn of(&self, path: &str) -> String {
        self.roots
            .iter()
            .find(|r| {
                r.is_empty()
                    || path
                        .strip_prefix(r.as_str())
                        .is_some_and(|t| t.starts_with('/'))
            })
            .cloned()
            .unwrap_or_default()
    }
}

/// A service endpoint that serves a right over stored data.
#[derive(Debug, Clone)]
pub struct RightsEndpoint {
    pub entry: usize,
    /// The service it belongs to ([`Services`]).
    pub part: String,
    pub kinds: Vec<RightKind>,
    /// The words that say what it acts on: the last route segment that is
    /// neither a parameter nor a verb, and the handler name's words.
    pub target: Vec<String>,
    /// Whether a word means the user's whole account (`/me`, `account`).
    pub account: bool,
}

impl RightsEndpoint {
    /// Whether it acts on records of the class (in its own part of the
    /// repository): every word of the class
    /// name, or of its table name, is a target word (`/conversations/{id}`
    /// for `Conversation`; `/conversation/file-filters` names no class).
    pub fn names(&self, class: &StoredClass) -> bool {
        let all = |words: &[String]| {
            !words.is_empty()
                && words
                    .iter()
                    .all(|w| self.target.iter().any(|t| same_word(t, w)))
        };
        self.part == class.part && (all(&class.name_words) || all(&class.table_words))
    }

    /// The stored classes it acts on, the most specific only: when both
    /// `Conversation` and `PublicConversation` are named, the second.
    pub fn named(&self, classes: &[StoredClass]) -> Vec<usize> {
        let named: Vec<usize> = (0..classes.len())
            .filter(|&c| self.names(&classes[c]))
            .collect();
        let words = |c: usize| classes[c].name_words.len();
        named
            .iter()
            .copied()
            .filter(|&c| {
                !named.iter().any(|&o| {
                    words(o) > words(c)
                        && classes[c]
                            .name_words
                            .iter()
                            .all(|w| classes[o].name_words.contains(w))
                })
            })
            .collect()
    }
}

/// Every service endpoint whose methods, route or handler name say it
/// exports, corrects or deletes something.
pub fn rights_endpoints(cx: &Context<'_>, services: &Services) -> Vec<RightsEndpoint> {
    let rights = &cx.catalog.opt_out.rights;
    let mut out = Vec::new();
    for (i, e) in cx.analysis.entry_points.iter().enumerate() {
        if e.kind.is_local() {
            continue;
        }
        // `EditUser.post` → `edit_user_post`: the words of a class name.
        let handler = match &e.handler {
            Handler::Function { qualname, .. } => {
                crate::catalog::personal_data::tokens(qualname).join("_")
            }
            _ => String::new(),
        };
        let text = format!("{} {handler}", e.route.as_deref().unwrap_or("")).to_lowercase();
        let kinds = rights.kinds(&e.methods, &text);
        if kinds.is_empty() {
            continue;
        }
        let words = |t: &str| -> Vec<String> {
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        let route = e.route.as_deref().unwrap_or("").to_lowercase();
        let last_segment = route
            .split('/')
            .filter(|s| !is_parameter(s))
            .map(&words)
            .rfind(|ws| ws.iter().any(|w| rights.kinds(&[], w).is_empty()))
            .unwrap_or_default();
        let mut target: Vec<String> = last_segment
            .into_iter()
            .filter(|w| rights.kinds(&[], w).is_empty())
            .collect();
        target.extend(words(&handler.to_lowercase()));
        let all = words(&text);
        if all.iter().any(|w| rights.is_admin_word(w)) {
            continue;
        }
        let account = all.iter().any(|w| rights.is_account_word(w));
        out.push(RightsEndpoint {
            entry: i,
            part: services.of(e.location.path.as_str()),
            kinds,
            target,
            account,
        });
    }
    out
}

/// A route segment that is a parameter (`{id}`, `<int:pk>`, `:id`,
/// `(?P<id>\d+)`).
fn is_parameter(segment: &str) -> bool {
    segment.starts_with(['{', '<', ':', '(']) || segment.contains("(?P")
}

/// The same word, either of them plural (`conversations`, `histories`).
fn same_word(a: &str, b: &str) -> bool {
    let stem = |w: &str| -> String {
        if let Some(s) = w.strip_suffix("ies") {
            format!("{s}y")
        } else {
            w.strip_suffix('s').unwrap_or(w).to_string()
        }
    };
    a == b || stem(a) == stem(b)
}

/// Every node an entry point's handler reaches along call edges.
pub fn reach(cx: &Context<'_>, entry: usize) -> BTreeSet<NodeId> {
    let an = cx.analysis;
    let Some(start) = an
        .graph
        .handler_node(cx.project, &an.entry_points[entry].handler)
    else {
        return BTreeSet::new();
    };
    an.graph
        .walk(start, (), |_, _, _| (), |_, _| false)
        .into_keys()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::same_word;

    #[test]
    fn plural_words_are_the_same() {
        assert!(same_word("conversations", "conversation"));
        assert!(same_word("histories", "history"));
        assert!(same_word("chat", "chat"));
        assert!(!same_word("chat", "chats_export"));
    }
}
