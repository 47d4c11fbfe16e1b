use std::process::ExitCode;

// jemalloc: ~15-20% less CPU than glibc malloc on real scans (docs/performance.md).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    synthlint::cli::main()
}
