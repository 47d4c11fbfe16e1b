//! What one file's data flow is built on, whatever is followed: its scopes
//! with their assignments, calls and returns in the order their effects
//! happen, and which call each call is an argument or receiver of. Built
//! once per file on first use and shared by every spec. Names are looked
//! up in the project's semantic index ([`reaching`]).

use std::ops::Range;

use ustr::Ustr;

use crate::analysis::index::ScopeAssigns;
use crate::analysis::{FastMap, Project, Reader};
use crate::facts::{Assignment, FileFacts, Receiver};
use crate::source::Span;

/// Something that happens in a scope, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Assign(u32),
    /// `d["k"] = v`: `d` holds what it held and `v`.
    Store(u32),
    Call(u32),
    Return(u32),
}

/// One scope's events (`scope`: the function's qualname, `None` for module
/// level, `__main__` blocks included).
#[derive(Debug)]
pub struct ScopeEvents {
    pub scope: Option<Ustr>,
    pub events: Vec<Event>,
}

#[derive(Debug, Default)]
pub struct FileIndex {
    scopes: Vec<ScopeEvents>,
    by_scope: FastMap<Option<Ustr>, u32>,
    /// Per call: the innermost call it is an argument or the receiver of.
    consumer: Vec<Option<u32>>,
}

impl FileIndex {
    pub fn build(file: &FileFacts) -> FileIndex {
        // An assignment binds at its end, after the calls on its right-hand
        // side; at the same position assignments come first, then calls,
        // then returns (a stable sort keeps that order).
        let mut by_scope: FastMap<Option<Ustr>, Vec<(u32, Event)>> = FastMap::default();
        for (ai, a) in file.assignments.iter().enumerate() {
            by_scope
                .entry(a.scope)
                .or_default()
                .push((a.span.end_byte, Event::Assign(ai as u32)));
        }
        for (si, st) in file.stores.iter().enumerate() {
            by_scope
                .entry(scope_at(file, st.span))
                .or_default()
                .push((st.span.end_byte, Event::Store(si as u32)));
        }
        for (ci, c) in file.calls.iter().enumerate() {
            by_scope
                .entry(c.scope)
                .or_default()
                .push((c.span.end_byte, Event::Call(ci as u32)));
        }
        for (ri, r) in file.returns.iter().enumerate() {
            by_scope
                .entry(r.scope)
                .or_default()
                .push((r.span.end_byte, Event::Return(ri as u32)));
        }
        let mut scopes: Vec<ScopeEvents> = by_scope
            .into_iter()
            .map(|(scope, mut events)| {
                events.sort_by_key(|(p, _)| *p);
                ScopeEvents {
                    scope,
                    events: events.into_iter().map(|(_, e)| e).collect(),
                }
            })
            .collect();
        scopes.sort_by_key(|s| s.scope);
        let by_scope = scopes
            .iter()
            .enumerate()
            .map(|(i, s)| (s.scope, i as u32))
            .collect();
        FileIndex {
            scopes,
            by_scope,
            consumer: consumers(file),
        }
    }

    /// The heap this index holds, in bytes (what `bounded` counts).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let events: usize = self
            .scopes
            .iter()
            .map(|s| s.events.capacity() * size_of::<Event>())
            .sum();
        // A hash map entry, and its control byte.
        let entry = size_of::<(Option<Ustr>, u32)>() + 1;
        self.scopes.capacity() * size_of::<ScopeEvents>()
            + events
            + self.by_scope.capacity() * entry
            + self.consumer.capacity() * size_of::<Option<u32>>()
    }

    /// The events of a scope, in order (empty when it has none).
    pub fn events(&self, scope: Option<Ustr>) -> &[Event] {
        match self.by_scope.get(&scope) {
            Some(&i) => &self.scopes[i as usize].events,
            None => &[],
        }
    }

    /// Whether call `ci` is consumed (as an argument or receiver) by a call
    /// inside `bytes`; otherwise it is one of the outermost calls there.
    pub fn consumed_within(&self, file: &FileFacts, ci: usize, bytes: &Range<u32>) -> bool {
        self.consumer[ci].is_some_and(|k| {
            let s = file.calls[k as usize].span;
            bytes.start <= s.start_byte && s.end_byte <= bytes.end
        })
    }
}

/// The innermost function whose definition holds `span` (facts that keep
/// no scope of their own, as element stores).
pub fn scope_at(file: &FileFacts, span: Span) -> Option<Ustr> {
    file.functions
        .iter()
        .filter(|f| f.span.start_byte <= span.start_byte && span.end_byte <= f.span.end_byte)
        .max_by_key(|f| f.span.start_byte)
        .map(|f| f.qualname)
}

/// The assignment that binds `name` in `scope` of file `fi` at `pos`: the
/// last one there that ended before `pos` (an assignment is not seen by its
/// own right-hand side). Only that scope: no module-level fallback, which
/// [`crate::analysis::index::SemanticIndex::binding_at`] adds for callers
/// that want it (LBL007's sizes).
pub fn reaching(
    project: &Project,
    fi: usize,
    scope: Option<Ustr>,
    name: &str,
    pos: u32,
) -> Option<usize> {
    let assigns = project
        .index
        .bindings(fi)
        .scope_assigns(scope.as_ref().map(Ustr::as_str));
    reaching_in(
        &project.file(fi, Reader::FlowIndex).assignments,
        assigns,
        name,
        pos,
    )
}

/// [`reaching`] among one scope's assignments, found once
/// ([`crate::analysis::index::FileBindings::scope_assigns`]) for the many
/// names a pass looks up there.
pub fn reaching_in(
    assignments: &[Assignment],
    assigns: ScopeAssigns<'_>,
    name: &str,
    pos: u32,
) -> Option<usize> {
    assigns
        .get(name)
        .iter()
        .rev()
        .map(|&ai| ai as usize)
        .find(|&ai| assignments[ai].span.end_byte < pos)
}

/// For each call, the innermost call whose argument or receiver it is.
fn consumers(file: &FileFacts) -> Vec<Option<u32>> {
    let mut out: Vec<Option<u32>> = vec![None; file.calls.len()];
    let size = |k: u32| {
        let s = file.calls[k as usize].span;
        s.end_byte - s.start_byte
    };
    let mut set = |j: usize, k: u32| {
        if out[j].is_none_or(|old| size(k) < size(old)) {
            out[j] = Some(k);
        }
    };
    for (k, call) in file.calls.iter().enumerate() {
        if let Receiver::Call(j) = call.receiver
            && (j as usize) < file.calls.len()
        {
            set(j as usize, k as u32);
        }
        for a in &call.args {
            for j in file.calls_in(a.span.bytes()) {
                set(j, k as u32);
            }
        }
    }
    out
}
