use std::process::ExitCode;

// jemalloc: ~15-20% less CPU than glibc malloc on real scans (docs/performance.md).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // SAFETY: first thing in the process: no tree-sitter object exists yet.
    #[cfg(all(unix, not(target_env = "musl")))]
    unsafe {
        synthlint::engine::parsers_use_jemalloc();
    }
    synthlint::cli::main()
}
