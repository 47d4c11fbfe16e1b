//! The allocator's own figures of the heap, for `--stats`: what the scan
//! holds after each phase and at its sampled peak, so a change to memory
//! can be measured where it happens rather than only as the process's peak
//! RSS (docs/performance.md, mem22).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

/// Bytes the allocator reports at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Heap {
    /// Bytes the program holds (allocated and not yet freed).
    pub allocated: u64,
    /// Bytes of memory pages the allocator holds: `allocated`, free slots of
    /// partly used pages, freed pages not yet given back, its own metadata.
    pub resident: u64,
}

/// The phases the scan marks, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Parse = 0,
    Index = 1,
    Analysis = 2,
    Rules = 3,
    Filter = 4,
}

impl Phase {
    const ALL: [Phase; 5] = [
        Phase::Parse,
        Phase::Index,
        Phase::Analysis,
        Phase::Rules,
        Phase::Filter,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Parse => "parse+extract",
            Phase::Index => "index",
            Phase::Analysis => "analysis",
            Phase::Rules => "rules",
            Phase::Filter => "filter",
        }
    }
}

/// The heap now, or `None` where the allocator is not jemalloc.
pub fn heap() -> Option<Heap> {
    #[cfg(all(unix, not(target_env = "musl")))]
    {
        use tikv_jemalloc_sys::mallctl;
        // SAFETY: jemalloc's documented controls, named by NUL-terminated
        // strings: "epoch" takes and gives a u64 (advancing it refreshes the
        // statistics), the two statistics are size_t values read into one.
        unsafe {
            let mut epoch: u64 = 1;
            let mut len = std::mem::size_of::<u64>();
            let e = (&raw mut epoch).cast();
            if mallctl(c"epoch".as_ptr(), e, &mut len, e, len) != 0 {
                return None;
            }
            let read = |name: &std::ffi::CStr| -> Option<u64> {
                let mut value: usize = 0;
                let mut len = std::mem::size_of::<usize>();
                let rc = mallctl(
                    name.as_ptr(),
                    (&raw mut value).cast(),
                    &mut len,
                    std::ptr::null_mut(),
                    0,
                );
                (rc == 0).then_some(value as u64)
            };
            Some(Heap {
                allocated: read(c"stats.allocated")?,
                resident: read(c"stats.resident")?,
            })
        }
    }
    #[cfg(not(all(unix, not(target_env = "musl"))))]
    {
        None
    }
}

/// The process's resident memory now (Linux's `VmRSS`): what peak RSS
/// measures, jemalloc's heap and what is outside it (the binary, the
/// string interner's glibc allocations).
pub fn process_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib << 10)
}

/// The heap at the end of each phase, and the largest seen while sampling.
#[derive(Debug, Default, Clone)]
pub struct MemoryStats {
    /// At the end of each phase reached, in phase order.
    pub after: Vec<(Phase, Heap)>,
    /// The largest `resident` sampled, the heap then, and the phase it was in.
    pub peak: Option<(Phase, Heap)>,
}

impl MemoryStats {
    /// Record the heap at the end of `phase`; the sampler counts what
    /// follows as the next phase.
    pub fn end(&mut self, phase: Phase) {
        if let Some(h) = heap() {
            self.after.push((phase, h));
        }
        let next = Phase::ALL
            .iter()
            .position(|p| *p == phase)
            .and_then(|i| Phase::ALL.get(i + 1))
            .copied()
            .unwrap_or(phase);
        PHASE.store(next as u8, Ordering::Relaxed);
    }
}

/// The phase the scan is in, for the sampler.
static PHASE: AtomicU8 = AtomicU8::new(0);
/// Whether the run asked for `--stats`: the sampler runs only then.
static SAMPLE: AtomicBool = AtomicBool::new(false);

/// Sample the heap's peak during scans (`--stats`).
pub fn sample_peaks(on: bool) {
    SAMPLE.store(on, Ordering::Relaxed);
}

/// A thread that reads the heap every 10 ms and keeps the largest
/// `resident` seen, with the phase it was in.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Option<(Phase, Heap)>>,
}

impl Sampler {
    /// A sampler from now, when `sample_peaks(true)` was called and the
    /// allocator answers.
    pub fn start() -> Option<Sampler> {
        if !SAMPLE.load(Ordering::Relaxed) || heap().is_none() {
            return None;
        }
        PHASE.store(Phase::Parse as u8, Ordering::Relaxed);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak: Option<(Phase, Heap)> = None;
            loop {
                let done = stopped.load(Ordering::Relaxed);
                if let Some(h) = heap()
                    && peak.is_none_or(|(_, p)| h.resident > p.resident)
                {
                    peak = Some((Phase::ALL[PHASE.load(Ordering::Relaxed) as usize], h));
                }
                if done {
                    return peak;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Some(Sampler { stop, thread })
    }

    /// Stop sampling: the peak seen.
    pub fn stop(self) -> Option<(Phase, Heap)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().ok().flatten()
    }
}

/// The developer's setting `SYNTHLINT_HEAP_TRACE` (any value): at each
/// mark the scan sets (the analysis' steps, each rule's start and end, a
/// shared result computed or freed), one line on standard error with the
/// time since the first mark, the heap then and what happened, to find
/// what is alive at the peak (docs/performance.md, am32).
pub fn mark(what: impl FnOnce() -> String) {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ON: OnceLock<Option<Instant>> = OnceLock::new();
    let Some(start) =
        ON.get_or_init(|| std::env::var_os("SYNTHLINT_HEAP_TRACE").map(|_| Instant::now()))
    else {
        return;
    };
    let Some(h) = heap() else { return };
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    eprintln!(
        "heap-trace {:>9.3} s {:>9.1} MiB allocated {:>9.1} MiB resident {:>9.1} MiB process  {}",
        start.elapsed().as_secs_f64(),
        mib(h.allocated),
        mib(h.resident),
        mib(process_resident().unwrap_or(0)),
        what()
    );
}

/// Bytes of the heap some values' allocations take: `build` makes a copy
/// of each value to count, and the allocator's `allocated` before and while the
/// copy lives are compared. A copy allocates each vector and slice at its
/// length, so this counts the facts as `FileFacts::shrink` leaves them,
/// rounded up to the allocator's size classes; what an `Arc` holds is shared
/// by its clones, not copied, and interned strings are not counted. Needs
/// jemalloc as the global allocator (the binary; a test binary counts 0).
pub(crate) fn heap_of<T>(build: impl FnOnce() -> Vec<T>) -> u64 {
    let Some(before) = heap() else { return 0 };
    let copy = build();
    let during = heap().map_or(0, |h| h.allocated);
    // The list the copies are gathered in is not part of what is counted.
    let list = copy.capacity() * std::mem::size_of::<T>();
    drop(copy);
    during
        .saturating_sub(before.allocated)
        .saturating_sub(list as u64)
}

/// One line of `facts_by_field`: a part of the facts, how many items it
/// has, and the heap bytes they take.
#[derive(Debug, Clone)]
pub struct FieldBytes {
    pub field: &'static str,
    pub items: usize,
    pub bytes: u64,
}

impl FieldBytes {
    /// `field`'s line for a part held in `value`: its heap, weighed on a
    /// copy ([`heap_of`]).
    pub(crate) fn copied<T: Clone>(field: &'static str, items: usize, value: &T) -> FieldBytes {
        FieldBytes {
            field,
            items,
            bytes: heap_of(|| vec![value.clone()]),
        }
    }
}

/// The heap the facts of `files` take, by field and for the largest fields
/// by part, for `synthlint debug memory`. Indented names are parts of the
/// line above them.
pub fn facts_by_field(files: &[&crate::facts::FileFacts]) -> Vec<FieldBytes> {
    use crate::facts::{Arg, Value};
    let mut out = Vec::new();
    let mut add = |field: &'static str, items: usize, bytes: u64| {
        out.push(FieldBytes {
            field,
            items,
            bytes,
        })
    };
    macro_rules! field {
        ($name:literal, $f:ident) => {
            add(
                $name,
                files.iter().map(|f| f.$f.len()).sum(),
                heap_of(|| files.iter().map(|f| f.$f.clone()).collect::<Vec<_>>()),
            )
        };
    }
    let value_boxes = |values: &mut dyn Iterator<Item = &Value>| -> (usize, u64) {
        let exprs: Vec<&Value> = values
            .filter(|v| matches!(v, Value::Expr(_) | Value::List(_) | Value::Dict(_)))
            .collect();
        (
            exprs.len(),
            heap_of(|| exprs.iter().map(|v| (*v).clone()).collect::<Vec<_>>()),
        )
    };
    let shell = std::mem::size_of_val(files);
    add(
        "files (FileFacts, path, module)",
        files.len(),
        heap_of(|| {
            files
                .iter()
                .map(|f| (f.path.clone(), f.module.clone()))
                .collect::<Vec<_>>()
        }) + shell as u64,
    );
    field!("calls", calls);
    let args: Vec<&[Arg]> = files
        .iter()
        .flat_map(|f| f.calls.iter().map(|c| &*c.args))
        .collect();
    add(
        "  call arguments (slices, with their values)",
        args.iter().map(|a| a.len()).sum(),
        heap_of(|| {
            args.iter()
                .map(|a| a.to_vec().into_boxed_slice())
                .collect::<Vec<_>>()
        }),
    );
    let (n, b) = value_boxes(&mut args.iter().flat_map(|a| a.iter().map(|a| &a.value)));
    add("    arguments' expressions, lists, dicts", n, b);
    let extras: Vec<_> = files
        .iter()
        .flat_map(|f| f.calls.iter().filter_map(|c| c.extra.as_ref()))
        .collect();
    add(
        "  call extras (box; receiver arguments shared)",
        extras.len(),
        heap_of(|| extras.iter().map(|e| (*e).clone()).collect::<Vec<_>>()),
    );
    field!("assignments", assignments);
    let (n, b) = value_boxes(
        &mut files
            .iter()
            .flat_map(|f| f.assignments.iter().map(|a| &a.value)),
    );
    add("  values' expressions, lists, dicts", n, b);
    let mut seen = std::collections::HashSet::new();
    let shared: Vec<&[Arg]> = files
        .iter()
        .flat_map(|f| f.assignments.iter().filter_map(|a| a.value_args.as_deref()))
        .filter(|a| seen.insert(a.as_ptr()))
        .collect();
    add(
        "constructor arguments (Arc, assignment and calls)",
        shared.len(),
        heap_of(|| shared.iter().map(|a| a.to_vec()).collect::<Vec<_>>()),
    );
    field!("strings", strings);
    field!("functions", functions);
    field!("classes", classes);
    field!("imports", imports);
    field!("returns", returns);
    field!("stores", stores);
    field!("conditions", conditions);
    field!("comments", comments);
    field!("config", config);
    field!("ui_strings", ui_strings);
    let rest = heap_of(|| {
        files
            .iter()
            .map(|f| {
                (
                    f.syntax_errors.clone(),
                    f.main_guards.clone(),
                    f.submodules.clone(),
                    f.type_aliases.clone(),
                    f.channels.clone(),
                    f.literals.clone(),
                )
            })
            .collect::<Vec<_>>()
    });
    add("the rest", 0, rest);
    add(
        "interned strings (ustr)",
        ustr::num_entries(),
        ustr::total_capacity() as u64,
    );
    out
}

/// The heap the findings take, by part, for `synthlint debug memory`.
pub fn findings_by_field(findings: &[crate::finding::Finding]) -> Vec<FieldBytes> {
    use crate::finding::Finding;
    // The heap of one part of every finding, copied out.
    fn part<U>(findings: &[Finding], get: impl Fn(&Finding) -> U) -> u64 {
        heap_of(|| findings.iter().map(get).collect::<Vec<_>>())
    }
    let n = findings.len();
    // Shared strings (`finding::Text`) are held once each, wherever used.
    let texts: std::collections::HashSet<crate::finding::Text> = findings
        .iter()
        .flat_map(|f| {
            let steps = f.related.iter().chain(&f.flow);
            [f.message, f.location.path]
                .into_iter()
                .chain(f.symbol)
                .chain(steps.flat_map(|r| [r.message, r.location.path]))
        })
        .collect();
    let line = |field: &'static str, items: usize, bytes: u64| FieldBytes {
        field,
        items,
        bytes,
    };
    vec![
        line(
            "findings (the struct)",
            n,
            std::mem::size_of_val(findings) as u64,
        ),
        line(
            "  messages, paths, symbols (distinct, shared)",
            texts.len(),
            texts.iter().map(|t| t.len() as u64).sum(),
        ),
        line(
            "  related locations",
            findings.iter().map(|f| f.related.len()).sum(),
            part(findings, |f| f.related.clone()),
        ),
        line(
            "  flow steps",
            findings.iter().map(|f| f.flow.len()).sum(),
            part(findings, |f| f.flow.clone()),
        ),
        line(
            "  properties (sets not shared; shared ones not counted)",
            findings.iter().map(|f| f.properties.len()).sum(),
            part(findings, |f| f.properties.clone()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test binaries allocate with the system's allocator, so the block is
    /// taken from jemalloc's own functions.
    #[cfg(all(unix, not(target_env = "musl")))]
    #[test]
    fn a_held_allocation_shows_in_the_heap() {
        let before = heap().expect("jemalloc answers");
        let size = 64 << 20;
        // SAFETY: a block from jemalloc's malloc, written, then freed by its free.
        let during = unsafe {
            let block = tikv_jemalloc_sys::malloc(size).cast::<u8>();
            assert!(!block.is_null());
            std::ptr::write_bytes(block, 1, size);
            let during = heap().expect("jemalloc answers");
            tikv_jemalloc_sys::free(block.cast());
            during
        };
        assert!(during.allocated >= before.allocated + size as u64 / 2);
        assert!(during.resident >= size as u64);
        let after = heap().expect("jemalloc answers");
        assert!(after.allocated + (size as u64) / 2 <= during.allocated);
    }

    #[test]
    fn phases_are_recorded_in_order() {
        let mut stats = MemoryStats::default();
        stats.end(Phase::Parse);
        stats.end(Phase::Index);
        if heap().is_some() {
            let phases: Vec<Phase> = stats.after.iter().map(|(p, _)| *p).collect();
            assert_eq!(phases, [Phase::Parse, Phase::Index]);
        }
    }
}
