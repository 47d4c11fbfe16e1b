use std::process::ExitCode;

fn main() -> ExitCode {
    synthlint::cli::main()
}
