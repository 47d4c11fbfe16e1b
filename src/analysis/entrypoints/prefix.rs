//! Route prefixes: routers created with a prefix (`APIRouter(prefix="/v1")`)
//! and mounted under one (`include_router`, `register_blueprint`, Django
//! `include`). A router mounted in several places gets every full prefix.

use std::collections::BTreeMap;

use super::index::{Key, MAX_HOPS};

/// More full prefixes than this for one router are dropped (pathological
/// include graphs would otherwise multiply).
pub const MAX_PREFIXES: usize = 16;

/// One mount of a router into a parent.
#[derive(Debug, Clone)]
pub struct Mount {
    pub parent: Key,
    /// The prefix the mount adds; `None` when the call gives none.
    pub prefix: Option<String>,
    /// The mount prefix replaces the router's own (Flask `url_prefix`).
    pub replaces: bool,
}

#[derive(Default)]
pub struct Prefixes {
    /// Router → its own prefix (constructor argument).
    pub own: BTreeMap<Key, String>,
    /// Router → where it is mounted.
    pub mounts: BTreeMap<Key, Vec<Mount>>,
    memo: BTreeMap<Key, Vec<String>>,
}

impl Prefixes {
    /// Every full prefix of routes registered on `key`, outermost mount first.
    pub fn of(&mut self, key: &Key) -> Vec<String> {
        self.resolve(key, 0)
    }

    // Recursion depth is bounded by MAX_HOPS, not by the input.
    fn resolve(&mut self, key: &Key, depth: usize) -> Vec<String> {
        if let Some(v) = self.memo.get(key) {
            return v.clone();
        }
        let own = self.own.get(key).cloned().unwrap_or_default();
        let mounts = self.mounts.get(key).cloned().unwrap_or_default();
        let mut out: Vec<String> = Vec::new();
        if mounts.is_empty() || depth >= MAX_HOPS {
            out.push(own);
        } else {
            for m in mounts {
                let mine = match (&m.prefix, m.replaces) {
                    (Some(p), true) => p.clone(),
                    (Some(p), false) => join(p, &own),
                    (None, _) => own.clone(),
                };
                for outer in self.resolve(&m.parent, depth + 1) {
                    let full = join(&outer, &mine);
                    if !out.contains(&full) {
                        out.push(full);
                    }
                }
            }
            out.truncate(MAX_PREFIXES);
        }
        // In an include cycle the stored result is the depth-cut one; cycles
        // are broken code anyway, and the memo keeps DAGs linear.
        self.memo.insert(key.clone(), out.clone());
        out
    }
}

/// Join two route parts with exactly one `/` between them. Regex routes
/// (Django `re_path`) lose the inner anchors: `^api/` + `^chat/$` → `api/chat/$`.
pub fn join(a: &str, b: &str) -> String {
    let a = a.strip_suffix('$').unwrap_or(a);
    let b = b.strip_prefix('^').unwrap_or(b);
    if a.is_empty() {
        return b.to_string();
    }
    if b.is_empty() {
        return a.to_string();
    }
    match (a.ends_with('/'), b.starts_with('/')) {
        (true, true) => format!("{a}{}", &b[1..]),
        (false, false) => format!("{a}/{b}"),
        _ => format!("{a}{b}"),
    }
}

/// A full route as shown: a leading `/` (unless it starts with an unknown
/// `{prefix}`), no regex start anchor.
pub fn finish(route: &str) -> String {
    let r = route.strip_prefix('^').unwrap_or(route);
    // `{settings.prefix}/chat`: the unknown prefix brings its own slash.
    if r.starts_with('/') || r.starts_with('{') {
        r.to_string()
    } else {
        format!("/{r}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_one_slash() {
        assert_eq!(join("/api", "/chat"), "/api/chat");
        assert_eq!(join("/api/", "/chat"), "/api/chat");
        assert_eq!(join("api/", "chat/"), "api/chat/");
        assert_eq!(join("/files", ""), "/files");
        assert_eq!(join("", "/x"), "/x");
        assert_eq!(join("^api/$", "^chat/$"), "^api/chat/$");
        assert_eq!(finish("api/chat/"), "/api/chat/");
        assert_eq!(finish("^x$"), "/x$");
    }

    #[test]
    fn nested_mounts_multiply_and_cycles_stop() {
        let r = Key::Var("m".into(), None, "r".into());
        let app = Key::Var("m".into(), None, "app".into());
        let other = Key::Var("m".into(), None, "other".into());
        let mut p = Prefixes::default();
        p.own.insert(r.clone(), "/chat".into());
        p.mounts.insert(
            r.clone(),
            vec![
                Mount {
                    parent: app.clone(),
                    prefix: Some("/v1".into()),
                    replaces: false,
                },
                Mount {
                    parent: other.clone(),
                    prefix: None,
                    replaces: false,
                },
            ],
        );
        // A cycle: app mounted in other, other in app.
        p.mounts.insert(
            other.clone(),
            vec![Mount {
                parent: app.clone(),
                prefix: Some("/o".into()),
                replaces: false,
            }],
        );
        p.mounts.insert(
            app.clone(),
            vec![Mount {
                parent: other.clone(),
                prefix: None,
                replaces: false,
            }],
        );
        let got = p.of(&r);
        assert!(got.iter().all(|x| x.ends_with("/chat")));
        assert!(got.len() <= MAX_PREFIXES);
    }
}
