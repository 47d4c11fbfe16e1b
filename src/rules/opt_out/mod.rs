//! Opt-out rules (OPT): switches users turn personalised recommendation or
//! the use of their data for training off with. What ranks content per
//! user and the names of switches and flags are data (`opt_out.toml`); this
//! module finds them in the facts and decides which code runs only on one
//! branch of a switch, along call edges (`CallGraph::walk`).

pub mod deletion_leaves_copies;
pub mod profile_without_controls;
pub mod recommendation_without_switch;
pub mod rights_endpoints_missing;
pub mod stored;
pub mod switch_not_honoured;
pub mod training_opt_out_broken;

use std::collections::BTreeMap;

use crate::analysis::callgraph::{Node, NodeId};
use crate::analysis::entrypoints::EntryPoint;
use crate::analysis::frontend;
use crate::analysis::{FastMap, Reader};
use crate::catalog::opt_out::OptOut;
use crate::facts::{Assignment, Call, Condition, FileFacts, Language, Value};
use crate::finding::{Location, Related};
use crate::qname::OptionQName;
use crate::rules::Context;
use crate::source::Span;

/// A call that ranks content for one user.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub file: usize,
    pub call: usize,
    /// How messages name it.
    pub what: String,
}

/// The last name of a dotted callee (`index.search` → `search`).
fn last(name: &str) -> &str {
    // One `memrchr`: this runs for most names of the project.
    match memchr::memrchr(b'.', name.as_bytes()) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// [`rankings`], computed once per scan.
pub fn shared_rankings<'c>(cx: &'c Context<'_>) -> &'c [Ranking] {
    cx.shared.rankings.get_or_init(|| rankings(cx))
}

/// [`switch_sites`] of the catalogue's switches, computed once per scan.
pub fn shared_switches<'c>(cx: &'c Context<'_>) -> &'c [Site] {
    let oo = &cx.catalog.opt_out;
    cx.shared
        .switches
        .get_or_init(|| switch_sites(cx, |n| oo.is_switch(n)))
}

/// Every call in the project that ranks content per user, in file and
/// call order: recommender library calls, similarity searches with a
/// per-user vector, and sorts by a per-user score. Private: rules read
/// [`shared_rankings`] (SVC003 once computed its own copy).
///
/// The rules' per-file phase usually makes them (`rules::per_file`, when a
/// rule of its `RANKINGS` list is enabled); this loop serves a reader that
/// list does not name.
fn rankings(cx: &Context<'_>) -> Vec<Ranking> {
    let oo = &cx.catalog.opt_out;
    // Each file on every thread, joined in file order.
    let files = cx.project.each_file(Reader::RulesOptOut);
    crate::analysis::map_indices(files.len(), |fi| file_rankings(oo, fi, &files.get(fi)))
        .into_iter()
        .flatten()
        .collect()
}

/// [`rankings`] of file `fi`, in call order.
pub(crate) fn file_rankings(oo: &OptOut, fi: usize, f: &FileFacts) -> Vec<Ranking> {
    let mut out = Vec::new();
    let mut methods = FastMap::default();
    for (ci, call) in f.calls.iter().enumerate() {
        if let Some(what) = ranking(oo, f, call, &mut methods) {
            out.push(Ranking {
                file: fi,
                call: ci,
                what,
            });
        }
    }
    out
}

/// Whether a method is a sort and whether it is a similarity search, by
/// method name: a file calls the same methods again and again.
type MethodKinds<'f> = FastMap<&'f str, (bool, bool)>;

fn ranking<'f>(
    oo: &OptOut,
    f: &'f FileFacts,
    call: &'f Call,
    methods: &mut MethodKinds<'f>,
) -> Option<String> {
    let lib = [call.resolved.as_name(), call.imported().as_name()]
        .into_iter()
        .flatten()
        .find_map(|n| oo.recommender(f.language, n));
    if let Some(r) = lib {
        return Some(format!("`{}` ({})", call.callee, r.provider));
    }
    let method = last(&call.callee);
    // A class (`db.query(UserEmbedding)`) is a table or a type, not a
    // user's vector.
    let value = |n: &str| !last(n).starts_with(|c: char| c.is_uppercase());
    let (sort, similarity) = *methods
        .entry(method)
        .or_insert_with(|| (oo.is_sort_call(method), oo.is_similarity_method(method)));
    if similarity
        && let Some(name) = call
            .args
            .iter()
            .find_map(|a| named(&a.value, |n| value(n) && oo.is_user_vector(n)))
    {
        return Some(format!(
            "`{}` searches with the per-user vector `{name}`",
            call.callee
        ));
    }
    if sort
        && let Some(name) = call.args.iter().find_map(|a| {
            named(&a.value, |n| {
                value(n) && (oo.is_user_score(n) || oo.is_user_vector(n))
            })
            .or_else(|| {
                a.value
                    .as_str()
                    .filter(|s| oo.is_user_score(s))
                    .map(|s| s.to_string())
            })
        })
    {
        return Some(format!(
            "`{}` orders by the per-user value `{name}`",
            call.callee
        ));
    }
    // A sort inside a function that ranks for the user it is given
    // (`def recommend_for(user_id, ...)`).
    if sort
        && let Some(scope) = call.scope
        && let Some(func) = f.functions.iter().find(|g| g.qualname == scope)
        && oo.is_ranking_function(&func.name)
        && let Some(user) = func.params.iter().find(|p| oo.is_user_id(p))
    {
        return Some(format!(
            "`{}` in `{}`, which ranks for `{user}`",
            call.callee, func.name
        ));
    }
    None
}

/// The first name, attribute chain or dict key in `value` that satisfies
/// `pred`. Plain string values are messages, not names.
pub fn named(value: &Value, pred: impl Fn(&str) -> bool) -> Option<String> {
    let mut stack = vec![(value, 0)];
    while let Some((v, depth)) = stack.pop() {
        match v {
            Value::Name { text, .. } if pred(text) => return Some(text.to_string()),
            Value::Expr(e) => {
                if let Some(r) = e.reads.iter().find(|r| pred(r)) {
                    return Some(r.to_string());
                }
            }
            Value::Dict(pairs) if depth < 4 => {
                for (k, v) in pairs.iter().rev() {
                    if let Some(k) = k.as_str().filter(|k| pred(k)) {
                        return Some(k.to_string());
                    }
                    stack.push((v, depth + 1));
                }
            }
            Value::List(items) if depth < 4 => {
                stack.extend(items.iter().rev().map(|i| (i, depth + 1)));
            }
            _ => {}
        }
    }
    None
}

/// Where a node's code lives: its file and function qualname (`None` for
/// module-level code and `__main__` blocks).
pub fn place<'p>(cx: &Context<'p>, node: NodeId) -> (usize, Option<&'p str>) {
    match cx.analysis.graph.nodes[node] {
        Node::Function { file, func } => (
            file,
            Some(
                cx.project.file(file, Reader::RulesOptOut).functions[func]
                    .qualname
                    .as_str(),
            ),
        ),
        Node::Module { file } | Node::Main { file, .. } => (file, None),
        Node::Closure { file, closure } => {
            let (scope, _) = cx.analysis.graph.closure_place(file, closure);
            (file, scope.map(|s| s.as_str()))
        }
    }
}

/// Which conditions of a file [`Guards`] keeps.
type CondTest<'c> = dyn Fn(&FileFacts, &Condition) -> bool + 'c;

/// The conditions that test a switch (names matching a predicate), and
/// what runs only on one of their branches.
///
/// A file's switch conditions are picked when code of that file is first
/// asked about, with the file already read: only the files a walk reaches
/// are looked at (this was a loop over every file per `Guards`).
pub struct Guards<'c, 'a> {
    cx: &'c Context<'a>,
    test: Box<CondTest<'c>>,
    /// By file: indices of its conditions that read a switch.
    conds: std::cell::RefCell<FastMap<usize, Box<[usize]>>>,
}

impl<'c, 'a> Guards<'c, 'a> {
    pub fn new(cx: &'c Context<'a>, switch: impl Fn(&str) -> bool + 'c) -> Self {
        Self::of(cx, move |_, c| c.names.iter().any(|n| switch(n)))
    }

    /// The conditions `test` picks, per file.
    pub fn of(cx: &'c Context<'a>, test: impl Fn(&FileFacts, &Condition) -> bool + 'c) -> Self {
        Guards {
            cx,
            test: Box::new(test),
            conds: Default::default(),
        }
    }

    /// The switch condition in `node`'s own code that code at `span` runs
    /// under: inside one of its branches, or after it when a branch
    /// returns (`if not user.personalized: return popular()`).
    pub fn own(&self, node: NodeId, span: &Span) -> Option<(usize, Span)> {
        let (file, scope) = place(self.cx, node);
        let f = self.cx.project.file(file, Reader::RulesOptOut);
        let mut conds = self.conds.borrow_mut();
        let conds = conds.entry(file).or_insert_with(|| {
            (0..f.conditions.len())
                .filter(|&c| (self.test)(&f, &f.conditions[c]))
                .collect()
        });
        conds
            .iter()
            .map(|&c| &f.conditions[c])
            .filter(|c| c.scope.as_deref() == scope)
            .find(|c| {
                let inside = c.then.contains(span) || c.orelse.is_some_and(|o| o.contains(span));
                let returns_before = c.span.end_byte <= span.start_byte
                    && f.returns.iter().any(|r| {
                        r.scope.as_deref() == scope
                            && r.span.end_byte <= span.start_byte
                            && (c.then.contains(&r.span)
                                || c.orelse.is_some_and(|o| o.contains(&r.span)))
                    });
                inside || returns_before
            })
            .map(|c| (file, c.span))
    }

    /// Every node `start` reaches, each with whether it runs only under a
    /// switch branch (`false`: reached on some path without one). A node is
    /// visited again at most once, when first seen switched and then
    /// reached without a switch.
    pub fn reach(&self, start: NodeId) -> BTreeMap<NodeId, bool> {
        self.cx.analysis.graph.walk(
            start,
            false,
            |node, site, switched: &bool| {
                let call = &self.cx.project.file(site.file, Reader::RulesOptOut).calls[site.call];
                *switched || self.own(node, &call.span).is_some()
            },
            |old, new| *old && !*new,
        )
    }
}

/// For each write (file, call): whether it reads a flag (`is_flag`) first.
/// A write is guarded when every path to it from an entry point runs under
/// a branch that tests the flag, or its own code reads it (under such a
/// branch, or after a call or assignment in the same function that reads
/// it: `users.filter(allow_training=True)`); a write no entry point reaches
/// is judged by its own code. OPT003 and PII004 share it.
pub fn guarded_writes(
    cx: &Context<'_>,
    is_flag: &dyn Fn(&str) -> bool,
    writes: &[(usize, usize)],
) -> BTreeMap<(usize, usize), bool> {
    let guards = Guards::new(cx, is_flag);
    let reads_own = |node: NodeId, fi: usize, ci: usize| -> bool {
        let f = cx.project.file(fi, Reader::RulesOptOut);
        let call = &f.calls[ci];
        if guards.own(node, &call.span).is_some() {
            return true;
        }
        let (_, scope) = place(cx, node);
        let before = |s: &Span| s.start_byte <= call.span.start_byte;
        f.calls.iter().any(|c| {
            c.scope.as_deref() == scope
                && before(&c.span)
                && (c.args.iter().any(|a| {
                    a.keyword.as_deref().is_some_and(is_flag) || named(&a.value, is_flag).is_some()
                }))
        }) || f.assignments.iter().any(|a| {
            a.scope.as_deref() == scope && before(&a.span) && named(&a.value, is_flag).is_some()
        })
    };
    let mut guarded: BTreeMap<(usize, usize), bool> = BTreeMap::new();
    let mut by_node: BTreeMap<NodeId, Vec<(usize, usize)>> = BTreeMap::new();
    for &(fi, ci) in writes {
        let node = call_node(cx, fi, ci);
        by_node.entry(node).or_default().push((fi, ci));
        guarded.insert((fi, ci), reads_own(node, fi, ci));
    }
    let an = cx.analysis;
    for entry in &an.entry_points {
        let Some(start) = an.graph.handler_node(cx.project, &entry.handler) else {
            continue;
        };
        for (node, switched) in guards.reach(start) {
            for &w in by_node.get(&node).into_iter().flatten() {
                if !switched && !reads_own(node, w.0, w.1) {
                    guarded.insert(w, false);
                }
            }
        }
    }
    guarded
}

/// The node whose own code makes call `ci` of file `fi`.
pub fn call_node(cx: &Context<'_>, fi: usize, ci: usize) -> NodeId {
    let call = &cx.project.file(fi, Reader::RulesOptOut).calls[ci];
    cx.analysis
        .graph
        .node_at(fi, call.scope.as_deref(), call.span.start_byte)
}

/// A service endpoint whose ranking calls run with no switch around them.
pub struct Unswitched {
    pub entry: usize,
    /// Indices into the rankings list.
    pub rankings: Vec<usize>,
}

/// For each service endpoint that reaches a ranking call on a path without
/// a switch branch: those calls. `rankings` as [`rankings`] gave them.
pub fn unswitched(cx: &Context<'_>, rankings: &[Ranking]) -> Vec<Unswitched> {
    if rankings.is_empty() {
        return Vec::new();
    }
    let oo = &cx.catalog.opt_out;
    let guards = Guards::of(cx, |f, c| {
        c.names
            .iter()
            .any(|n| oo.is_switch(n) || chosen_per_request(oo, f, c, n))
    });
    let mut by_node: BTreeMap<NodeId, Vec<usize>> = BTreeMap::new();
    for (i, r) in rankings.iter().enumerate() {
        by_node
            .entry(call_node(cx, r.file, r.call))
            .or_default()
            .push(i);
    }
    let templates = switch_templates(cx, |n| oo.is_switch(n));
    let (dirs, front) = if templates.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (
            crate::analysis::templates::dirs(cx.project, oo),
            front_ends(cx),
        )
    };
    let an = cx.analysis;
    let mut out = Vec::new();
    for (e, entry) in an.entry_points.iter().enumerate() {
        if entry.kind.is_local() {
            continue;
        }
        let Some(start) = an.graph.handler_node(cx.project, &entry.handler) else {
            continue;
        };
        let reach = guards.reach(start);
        let mut open = Vec::new();
        for (node, switched) in &reach {
            if *switched {
                continue;
            }
            for &i in by_node.get(node).into_iter().flatten() {
                let r = &rankings[i];
                let call = &cx.project.file(r.file, Reader::RulesOptOut).calls[r.call];
                if guards.own(*node, &call.span).is_none() && !reads_switch(oo, call) {
                    open.push(i);
                }
            }
        }
        if !open.is_empty()
            && !renders_any(cx, &reach, &templates, &dirs)
            && !fetched_by_any(cx, entry, &templates, &front)
        {
            open.sort_unstable();
            out.push(Unswitched {
                entry: e,
                rankings: open,
            });
        }
    }
    out
}

/// Whether `name`, read by condition `c`, is a ranking users choose per
/// request: a local named like a choice, assigned before the test in the
/// same function from a request parameter (`sort =
/// request.GET.get("sort")`).
fn chosen_per_request(oo: &OptOut, f: &FileFacts, c: &Condition, name: &str) -> bool {
    oo.is_choice_name(name)
        && f.assignments.iter().any(|a| {
            a.target == name
                && a.scope == c.scope
                && a.span.end_byte <= c.span.start_byte
                && match &a.value {
                    Value::Name { text, .. } => oo.is_request_read(text),
                    Value::Expr(e) => e.reads.iter().any(|r| oo.is_request_read(r)),
                    _ => false,
                }
        })
}

/// Paths of the templates (markup files) whose `if` tests read a switch
/// (`{% if request.user.show_suggested_users %}`, `v-if="prefs.personalized"`).
fn switch_templates<'p>(cx: &Context<'p>, switch: impl Fn(&str) -> bool) -> Vec<&'p str> {
    // Markup files only, chosen by the summary's language: no other file
    // is read.
    (0..cx.project.file_count())
        .filter(|&fi| cx.project.language(fi) == Language::Markup)
        .filter(|&fi| {
            cx.project
                .file(fi, Reader::RulesOptOut)
                .conditions
                .iter()
                .any(|c| c.names.iter().any(|n| switch(n)))
        })
        .map(|fi| cx.project.path(fi))
        .collect()
}

/// The front-end files (`frontend::is_front_end`), chosen by the summary's
/// language and path: the only files whose links [`fetched_by_any`] reads.
/// Indices, in file order: each is read while it is searched, so that the
/// front ends' facts are not all held at once (a stored file's facts are a
/// decoded copy, alive as long as its guard).
fn front_ends(cx: &Context<'_>) -> Vec<usize> {
    (0..cx.project.file_count())
        .filter(|&fi| frontend::is_front_end_path(cx.project.language(fi), cx.project.path(fi)))
        .collect()
}

/// Whether code an endpoint reaches names one of `templates` in a call
/// (`TemplateResponse(request, "feed/feed.html", data)`, `render_template(…)`):
/// the page then shows what was ranked only as far as its test of the
/// switch lets it, which honours the switch. A name is looked for in the
/// project's template folders (`analysis::templates`), or, when none is
/// known, matches a template path equal to it or ending in `/` and it.
fn renders_any(
    cx: &Context<'_>,
    reach: &BTreeMap<NodeId, bool>,
    templates: &[&str],
    dirs: &[String],
) -> bool {
    if templates.is_empty() {
        return false;
    }
    let names = |s: &str| {
        !s.is_empty()
            && s.len() <= 200
            && s.contains('.')
            && !s.contains(char::is_whitespace)
            && templates
                .iter()
                .any(|t| crate::analysis::templates::is_template(dirs, s, t))
    };
    reach.keys().any(|&node| {
        let (fi, scope) = place(cx, node);
        cx.project
            .file(fi, Reader::RulesOptOut)
            .calls
            .iter()
            .filter(|c| c.scope.as_deref() == scope)
            .any(|c| c.args.iter().any(|a| a.value.as_str().is_some_and(names)))
    })
}

/// Whether a front end that tests a switch (`{prefs.personalized &&
/// <Feed/>}`, `v-if="prefs.personalized"`) requests the endpoint's route,
/// itself or in a component it draws (`<Feed/>` defined in `Feed.tsx`, one
/// step): the page shows what was ranked only as its test lets it.
/// `front` holds the project's front-end files ([`front_ends`]): no other
/// file requests a route.
fn fetched_by_any(
    cx: &Context<'_>,
    entry: &EntryPoint,
    templates: &[&str],
    front: &[usize],
) -> bool {
    if templates.is_empty() {
        return false;
    }
    // The paths of the front ends that request the route (the summary's:
    // no file's facts held past its own test).
    let fetchers: Vec<&str> = front
        .iter()
        .filter(|&&fi| {
            let f = cx.project.file(fi, Reader::RulesOptOut);
            frontend::requests(&f, entry).next().is_some()
        })
        .map(|&fi| cx.project.path(fi))
        .collect();
    if fetchers.is_empty() {
        return false;
    }
    let oo = &cx.catalog.opt_out;
    templates
        .iter()
        .filter_map(|t| {
            let fi = cx.project.file_index(t)?;
            Some(cx.project.file(fi, Reader::RulesOptOut))
        })
        .filter(|f| frontend::is_front_end(f))
        .any(|page| {
            // What the page's switch tests guard: the JSX branch, or the
            // element a `v-if` attribute stands on (its line).
            let guards: Vec<(&Span, bool)> = page
                .conditions
                .iter()
                .filter(|c| c.names.iter().any(|n| oo.is_switch(n)))
                .map(|c| (&c.then, c.then.start_byte == c.span.start_byte))
                .collect();
            let guarded = |s: &Span| {
                guards.iter().any(|(g, attribute)| {
                    g.contains(s) || (*attribute && g.start_line == s.start_line)
                })
            };
            fetchers.iter().any(|&path| {
                path == page.path
                    || frontend::components(&page)
                        .any(|(name, span)| guarded(span) && name == frontend::component_name(path))
            })
        })
}

/// Whether a ranking call is handed the switch itself: an argument of it,
/// or of a call on its receiver chain, reads one (`sorted(items, key=lambda
/// i: i.user_score if user.personalized else i.created_at)`,
/// `query.filter(personalized=prefs.personalized).order_by(...)`). The call
/// then decides per user, which honours the switch.
fn reads_switch(oo: &OptOut, call: &Call) -> bool {
    call.args
        .iter()
        .chain(call.receiver_args().into_iter().flatten())
        .any(|a| {
            a.keyword.as_deref().is_some_and(|k| oo.is_switch(k))
                || named(&a.value, |n| oo.is_switch(n)).is_some()
        })
}

/// Where the project defines or sets a switch: an assignment to it (a
/// model field, `user.personalized = ...`), a keyword argument or dict key
/// that names it, a string naming it that is passed to a call
/// (`request.args.get("personalized")`), a configuration key. Values must
/// look like a switch's: a boolean, or another switch read
/// (`personalized_items = rank(...)` is a list, not a switch).
#[derive(Debug, Clone)]
pub struct Site {
    /// 0 for an assignment or configuration key (where the switch is
    /// defined or stored), 1 for a name passed to a call.
    pub rank: u8,
    pub file: usize,
    pub span: Span,
    pub name: String,
}

pub fn switch_sites(cx: &Context<'_>, pred: impl Fn(&str) -> bool + Sync) -> Vec<Site> {
    // Each file on every thread, joined in file order (then sorted).
    let per_file = crate::analysis::map_indices(cx.project.file_count(), |fi| {
        // A file names the same things again and again: each is judged once.
        let known: std::cell::RefCell<FastMap<Box<str>, bool>> = Default::default();
        let pred = |n: &str| {
            if let Some(&k) = known.borrow().get(n) {
                return k;
            }
            let k = pred(n);
            known.borrow_mut().insert(n.into(), k);
            k
        };
        file_switch_sites(cx, fi, pred)
    });
    let mut out: Vec<Site> = per_file.into_iter().flatten().collect();
    out.sort_by_key(|s| (s.rank, s.file, s.span.start_byte));
    out
}

/// [`switch_sites`] of one file.
fn file_switch_sites(cx: &Context<'_>, fi: usize, pred: impl Fn(&str) -> bool) -> Vec<Site> {
    let switchy = |v: &Value| matches!(v, Value::Bool(_)) || named(v, &pred).is_some();
    // `Column(Boolean, default=True)`, `models.BooleanField()`.
    let boolean_field = |a: &Assignment| {
        a.value_call
            .as_name()
            .is_some_and(|c| c.contains("Bool") || c.contains("bool"))
            || a.value_args.as_deref().is_some_and(|args| {
                args.iter().any(|x| {
                    matches!(x.value, Value::Bool(_))
                        || named(&x.value, |n| n.contains("Bool") || n == "bool").is_some()
                })
            })
    };
    let dict_key = |v: &Value| match v {
        Value::Dict(pairs) => pairs.iter().find_map(|(k, v)| {
            k.as_str()
                .filter(|k| pred(k) && switchy(v))
                .map(str::to_string)
        }),
        _ => None,
    };
    let f = cx.project.file(fi, Reader::RulesOptOut);
    let mut out = Vec::new();
    let mut push = |rank: u8, span: Span, name: &str| {
        out.push(Site {
            rank,
            file: fi,
            span,
            name: name.to_string(),
        })
    };
    for a in &f.assignments {
        if pred(last(&a.target)) && (switchy(&a.value) || boolean_field(a)) {
            push(0, a.span, &a.target);
        } else if let Some(k) = dict_key(&a.value) {
            push(0, a.span, &k);
        }
    }
    // Declared boolean fields of a stored record (`pub personalized:
    // bool` of a Rust settings row deriving `sqlx::FromRow`), as an ORM
    // model's columns are. A request body's field is a request
    // parameter, which defines no switch (as a handler's is not).
    for field in stored_fields(cx, &f, |x| pred(&x.name) && is_bool_type(&x.type_text)) {
        push(0, field.span, &field.name);
    }
    for c in &f.calls {
        for a in c.args.iter() {
            if let Some(k) = a
                .keyword
                .as_deref()
                .filter(|k| pred(k) && switchy(&a.value))
            {
                push(1, a.span, k);
            } else if let Some(s) = a.value.as_str().filter(|s| identifier_like(s) && pred(s)) {
                push(1, a.span, s);
            } else if let Some(k) = dict_key(&a.value) {
                push(1, a.span, &k);
            }
        }
    }
    for e in &f.config {
        if let Some(k) = e
            .path
            .last()
            .filter(|k| pred(k) && matches!(e.value, Value::Bool(_)))
        {
            push(0, e.key_span, k);
        }
    }
    out
}

/// The declared fields of a file's stored records (classes deriving from a
/// storage base, `[opt_out.rights]`) that `keep` accepts. The field is
/// tested first: the bases are looked up only for a class with one.
pub fn stored_fields<'f>(
    cx: &Context<'_>,
    f: &'f crate::facts::FileFacts,
    keep: impl Fn(&crate::facts::Field) -> bool,
) -> Vec<&'f crate::facts::Field> {
    let mut out = Vec::new();
    for c in &f.classes {
        let wanted: Vec<&crate::facts::Field> = c.fields.iter().filter(|x| keep(x)).collect();
        if !wanted.is_empty()
            && stored::is_stored(
                cx,
                &cx.catalog.opt_out.rights,
                &crate::analysis::index::dotted(&f.module, &c.qualname),
            )
        {
            out.extend(wanted);
        }
    }
    out
}

/// `bool`, optional or not, as Rust and Python annotations write it.
fn is_bool_type(t: &str) -> bool {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        t.as_str(),
        "bool" | "Option<bool>" | "Optional[bool]" | "bool|None" | "None|bool"
    )
}

fn identifier_like(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && !s.contains(char::is_whitespace)
}

/// A related location in file `fi`.
pub fn related(cx: &Context<'_>, fi: usize, span: Span, message: String) -> Related {
    Related {
        location: Location {
            path: cx.project.path(fi).into(),
            span,
        },
        message: message.into(),
    }
}

/// Related locations for ranking calls (at most 8).
pub fn ranking_related(cx: &Context<'_>, all: &[Ranking], which: &[usize]) -> Vec<Related> {
    which
        .iter()
        .take(8)
        .map(|&i| {
            let r = &all[i];
            let call = &cx.project.file(r.file, Reader::RulesOptOut).calls[r.call];
            related(cx, r.file, call.span, format!("ranks per user: {}", r.what))
        })
        .collect()
}
