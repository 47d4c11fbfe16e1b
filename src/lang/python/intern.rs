//! Interning through a per-thread front cache.
//!
//! `Ustr::from` hashes the string, locks a shard of the process-wide table
//! and probes it: on a table of hundreds of thousands of strings each probe
//! is a cache miss, and a file's extraction interns the same names over and
//! over (`self`, its imports, its attribute chains). A small map per thread
//! answers the repeats from memory that stays in cache; what it gives is
//! the same `Ustr` (one per distinct string), so the facts do not change.

use std::cell::RefCell;
use std::collections::HashMap;

use foldhash::fast::FixedState;
use ustr::Ustr;

/// Distinct strings one thread's cache holds before it starts over: enough
/// for the names of a large file, small enough to stay in cache.
const CAPACITY: usize = 1 << 13;

thread_local! {
    static RECENT: RefCell<HashMap<&'static str, Ustr, FixedState>> =
        RefCell::new(HashMap::with_capacity_and_hasher(CAPACITY, FixedState::with_seed(0)));
}

/// `Ustr::from(s)`, from this thread's recent strings when it is one.
pub fn intern(s: &str) -> Ustr {
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if let Some(u) = recent.get(s) {
            return *u;
        }
        let u = Ustr::from(s);
        if recent.len() >= CAPACITY {
            recent.clear();
        }
        recent.insert(u.as_str(), u);
        u
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_strings_own_ustr() {
        for s in ["self", "self.client", "", "é", "self"] {
            assert_eq!(intern(s), Ustr::from(s));
            assert_eq!(intern(s).as_str(), s);
        }
        // Past the capacity the cache starts over and still answers.
        for i in 0..CAPACITY + 10 {
            let s = format!("name{i}");
            assert_eq!(intern(&s), Ustr::from(s.as_str()));
        }
        assert_eq!(intern("name0"), Ustr::from("name0"));
    }
}
