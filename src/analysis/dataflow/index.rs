//! What one file's data flow is built on, whatever is followed: its scopes
//! with their assignments, calls and returns in the order their effects
//! happen, the assignments that bind each name, and which call each call is
//! an argument or receiver of. Built once per file on first use and shared
//! by every spec and rule (LBL007 looks names up here too).

use std::ops::Range;

use ustr::Ustr;

use crate::analysis::FastMap;
use crate::facts::{FileFacts, Receiver};

/// Something that happens in a scope, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Assign(u32),
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
    /// (scope, target) → assignments, in the order they end.
    bindings: FastMap<(Option<Ustr>, Ustr), Vec<u32>>,
    /// Target → its last assignment in the file, whatever the scope.
    last_anywhere: FastMap<Ustr, u32>,
    /// Per call: the innermost call it is an argument or the receiver of.
    consumer: Vec<Option<u32>>,
}

impl FileIndex {
    pub fn build(file: &FileFacts) -> FileIndex {
        // An assignment binds at its end, after the calls on its right-hand
        // side; at the same position assignments come first, then calls,
        // then returns (a stable sort keeps that order).
        let mut by_scope: FastMap<Option<Ustr>, Vec<(u32, Event)>> = FastMap::default();
        let mut bindings: FastMap<(Option<Ustr>, Ustr), Vec<u32>> = FastMap::default();
        let mut last_anywhere: FastMap<Ustr, u32> = FastMap::default();
        for (ai, a) in file.assignments.iter().enumerate() {
            last_anywhere.insert(a.target, ai as u32);
            by_scope
                .entry(a.scope)
                .or_default()
                .push((a.span.end_byte, Event::Assign(ai as u32)));
            bindings
                .entry((a.scope, a.target))
                .or_default()
                .push(ai as u32);
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
        for list in bindings.values_mut() {
            list.sort_by_key(|&ai| file.assignments[ai as usize].span.end_byte);
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
            bindings,
            last_anywhere,
            consumer: consumers(file),
        }
    }

    /// The events of a scope, in order (empty when it has none).
    pub fn events(&self, scope: Option<Ustr>) -> &[Event] {
        match self.by_scope.get(&scope) {
            Some(&i) => &self.scopes[i as usize].events,
            None => &[],
        }
    }

    /// The scopes of the file, sorted.
    pub fn scopes(&self) -> &[ScopeEvents] {
        &self.scopes
    }

    /// The assignment that binds `name` in `scope` at `pos`: the last one
    /// that ended before it. The one reaching-binding query: the taint
    /// engine and LBL007's sizes both look names up with it.
    pub fn reaching(
        &self,
        file: &FileFacts,
        scope: Option<Ustr>,
        name: &str,
        pos: u32,
    ) -> Option<usize> {
        self.reaching_key(file, scope, Ustr::from_existing(name)?, pos)
    }

    /// [`FileIndex::reaching`] for an interned name.
    pub fn reaching_key(
        &self,
        file: &FileFacts,
        scope: Option<Ustr>,
        name: Ustr,
        pos: u32,
    ) -> Option<usize> {
        let list = self.bindings.get(&(scope, name))?;
        let n = list.partition_point(|&ai| file.assignments[ai as usize].span.end_byte < pos);
        n.checked_sub(1).map(|i| list[i] as usize)
    }

    /// The last assignment of `name` in `scope`, wherever it is (module
    /// level code has run by the time a function reads it).
    pub fn last(&self, scope: Option<Ustr>, name: &str) -> Option<usize> {
        let list = self.bindings.get(&(scope, Ustr::from_existing(name)?))?;
        list.last().map(|&ai| ai as usize)
    }

    /// The last assignment of `name` in the file, in any scope (an
    /// attribute of `self` set in another method).
    pub fn last_anywhere(&self, name: &str) -> Option<usize> {
        let ai = self.last_anywhere.get(&Ustr::from_existing(name)?)?;
        Some(*ai as usize)
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
