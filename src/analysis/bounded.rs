//! Per-file values built on first use and kept within a byte budget.
//!
//! The data-flow indexes were kept for every file from the first taint
//! spec to the last one's readers (159 MiB at 50k files); the solver reads
//! them a scope at a time, mostly a file's scopes one after another. Here
//! the kept ones are bounded: once their bytes pass the budget, a clock
//! hand goes round the slots and frees those not used since it last came
//! by (the CLOCK approximation of least recently used). A freed value is
//! built again when it is asked for; a holder keeps its `Arc` meanwhile.
//! Which values are kept changes only the work, never a value: each is a
//! function of its file alone. The builds are the door's random reads of
//! the files (`--stats`: a reader's reads beyond its distinct files are
//! rebuilds).
//!
//! A value freed while a holder still has it is not built again for the
//! next reader: the slot keeps a weak reference to it, and a read finds it
//! there and keeps it again, for as long as some holder keeps it alive.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// One file's value, when kept or still held.
enum Entry<T> {
    Empty,
    /// Kept, with its size in bytes.
    Kept(Arc<T>, usize),
    /// Freed while a holder had it: alive while some holder keeps it.
    Held(Weak<T>, usize),
}

type Slot<T> = Mutex<Entry<T>>;

pub struct Bounded<T> {
    /// Per file: the value and its size in bytes.
    slots: Vec<Slot<T>>,
    /// Per file: used since the hand last passed.
    used: Vec<AtomicBool>,
    /// Bytes of the values kept.
    held: AtomicUsize,
    budget: usize,
    /// Where the hand is; one thread frees at a time.
    hand: Mutex<usize>,
}

impl<T> Default for Bounded<T> {
    fn default() -> Bounded<T> {
        Bounded::new(0, 0)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A budget in bytes: `default`, or the MiB the environment's `var` says
/// (a developer's setting, to size a cache, and for tests that need its
/// values built again; unreadable values are ignored).
pub fn budget(var: &str, default: usize) -> usize {
    budget_of(std::env::var(var).ok().as_deref(), default)
}

/// [`budget`] of the setting's text, if set.
fn budget_of(mib: Option<&str>, default: usize) -> usize {
    mib.and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(default, |mb| mb.saturating_mul(1 << 20))
}

impl<T> Bounded<T> {
    /// Slots for `files` files, keeping at most about `budget` bytes.
    pub fn new(files: usize, budget: usize) -> Bounded<T> {
        Bounded {
            slots: (0..files).map(|_| Mutex::new(Entry::Empty)).collect(),
            used: (0..files).map(|_| AtomicBool::new(false)).collect(),
            held: AtomicUsize::new(0),
            budget,
            hand: Mutex::new(0),
        }
    }

    /// File `i`'s value, built by `build` (the value and its bytes) when it
    /// is neither kept nor still held. Built under the slot's lock: another
    /// thread asking for the same file waits instead of building it twice.
    pub fn get(&self, i: usize, build: impl FnOnce() -> (T, usize)) -> Arc<T> {
        self.used[i].store(true, Relaxed);
        let mut slot = lock(&self.slots[i]);
        let alive = match &*slot {
            Entry::Kept(value, _) => return value.clone(),
            Entry::Held(weak, bytes) => weak.upgrade().map(|value| (value, *bytes)),
            Entry::Empty => None,
        };
        let (value, bytes) = alive.unwrap_or_else(|| {
            let (value, bytes) = build();
            (Arc::new(value), bytes)
        });
        *slot = Entry::Kept(value.clone(), bytes);
        drop(slot);
        if self.held.fetch_add(bytes, Relaxed) + bytes > self.budget {
            self.free_some(i);
        }
        value
    }

    /// Move the hand until the kept bytes are within the budget again,
    /// freeing values not used since its last visit, never `keep`'s. A
    /// thread that finds another one freeing leaves it the work; the hand
    /// goes round at most twice (every slot's use mark cleared, then freed).
    fn free_some(&self, keep: usize) {
        let Ok(mut hand) = self.hand.try_lock() else {
            return;
        };
        let n = self.slots.len();
        for _ in 0..2 * n {
            if self.held.load(Relaxed) <= self.budget {
                break;
            }
            let i = *hand;
            *hand = if i + 1 == n { 0 } else { i + 1 };
            if i == keep || self.used[i].swap(false, Relaxed) {
                continue;
            }
            // A slot being built is left alone.
            if let Ok(mut slot) = self.slots[i].try_lock() {
                free(&mut slot, &self.held);
            }
        }
    }

    /// Free every value, and forget those still held: what was built
    /// before may no longer be what a build makes now.
    pub fn clear(&self) {
        for slot in &self.slots {
            let mut slot = lock(slot);
            free(&mut slot, &self.held);
            *slot = Entry::Empty;
        }
    }

    /// Bytes of the values kept now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.held.load(Relaxed)
    }

    #[cfg(test)]
    fn kept(&self, i: usize) -> bool {
        matches!(*lock(&self.slots[i]), Entry::Kept(..))
    }
}

/// A kept value freed: its bytes no longer counted, a weak reference left
/// if a holder still has it. A weak reference whose value is gone is
/// dropped (it would keep the value's own block allocated).
fn free<T>(slot: &mut Entry<T>, held: &AtomicUsize) {
    *slot = match std::mem::replace(slot, Entry::Empty) {
        Entry::Kept(value, bytes) => {
            held.fetch_sub(bytes, Relaxed);
            if Arc::strong_count(&value) > 1 {
                Entry::Held(Arc::downgrade(&value), bytes)
            } else {
                Entry::Empty
            }
        }
        Entry::Held(weak, bytes) if weak.strong_count() > 0 => Entry::Held(weak, bytes),
        _ => Entry::Empty,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A setting in MiB, read leniently: unset or unreadable keeps the
    /// default, and a size past the address space is the largest.
    #[test]
    fn budgets_come_from_a_setting_in_mib() {
        assert_eq!(budget_of(None, 7), 7);
        assert_eq!(budget_of(Some("3"), 7), 3 << 20);
        assert_eq!(budget_of(Some(" 0\n"), 7), 0);
        assert_eq!(budget_of(Some("-1"), 7), 7);
        assert_eq!(budget_of(Some("lots"), 7), 7);
        assert_eq!(budget_of(Some(&usize::MAX.to_string()), 7), usize::MAX);
    }

    #[test]
    fn everything_is_kept_within_the_budget() {
        let b: Bounded<usize> = Bounded::new(4, 100);
        for i in 0..4 {
            assert_eq!(*b.get(i, || (i, 10)), i);
        }
        assert_eq!(b.held(), 40);
        // Asked again: served, not built.
        assert_eq!(*b.get(2, || unreachable!()), 2);
    }

    #[test]
    fn the_unused_are_freed_first_and_built_again_when_asked() {
        let b: Bounded<usize> = Bounded::new(4, 25);
        b.get(0, || (0, 10));
        b.get(1, || (1, 10));
        // Over the budget: the hand clears 0's and 1's marks, passes the
        // new value (2) and the empty slot, then frees 0.
        b.get(2, || (2, 10));
        assert_eq!(b.held(), 20);
        assert!(!b.kept(0) && b.kept(1) && b.kept(2));
        // 2 is used again before the hand comes back: 1 goes, not 2.
        b.get(2, || unreachable!());
        b.get(3, || (3, 10));
        assert!(!b.kept(1) && b.kept(2) && b.kept(3));
        assert_eq!(*b.get(0, || (0, 10)), 0);
        assert!(b.held() <= 25);
    }

    #[test]
    fn a_holder_keeps_its_value_after_it_is_freed() {
        let b: Bounded<Vec<u8>> = Bounded::new(2, 1);
        let held = b.get(0, || (vec![7; 8], 8));
        b.get(1, || (vec![1; 8], 8));
        assert!(!b.kept(0));
        assert_eq!(held[0], 7);
        b.clear();
        assert_eq!(b.held(), 0);
        assert_eq!(Arc::strong_count(&held), 1);
    }

    #[test]
    fn a_value_freed_while_held_is_not_built_again() {
        let b: Bounded<u8> = Bounded::new(2, 1);
        let held = b.get(0, || (7, 8));
        b.get(1, || (1, 8));
        assert!(!b.kept(0));
        // Still held: found, kept again and counted again.
        assert_eq!(*b.get(0, || unreachable!()), 7);
        assert!(b.kept(0));
        drop(held);
        b.get(1, || (1, 8));
        assert!(!b.kept(0));
        // No holder left: built again.
        assert_eq!(*b.get(0, || (8, 8)), 8);
        // Cleared: a value still held is forgotten too.
        let held = b.get(0, || unreachable!());
        b.clear();
        assert_eq!(*b.get(0, || (9, 8)), 9);
        assert_eq!(*held, 8);
    }

    #[test]
    fn a_value_larger_than_the_budget_is_kept_while_it_is_the_newest() {
        let b: Bounded<u8> = Bounded::new(3, 5);
        b.get(0, || (0, 50));
        assert!(b.kept(0));
        b.get(1, || (1, 1));
        assert!(!b.kept(0) && b.kept(1));
    }
}
