use std::process::ExitCode;

// jemalloc: ~15-20% less CPU than glibc malloc on real scans (docs/performance.md).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`. Freed pages go back to the
/// system after 1 s unused instead of jemalloc's 10 s: the index and rules
/// free large structures that later allocations do not reuse, and those
/// pages counted in the peak (10k synthetic files: -72 MB at `--jobs 1`;
/// 0 s took a little more but added system time, docs/performance.md).
/// `_RJEM_MALLOC_CONF` in the environment still overrides it.
#[cfg(all(unix, not(target_env = "musl")))]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8; 20] = b"dirty_decay_ms:1000\0";

fn main() -> ExitCode {
    // SAFETY: first thing in the process: no tree-sitter object exists yet.
    #[cfg(all(unix, not(target_env = "musl")))]
    unsafe {
        synthlint::engine::parsers_use_jemalloc();
    }
    synthlint::cli::main()
}
