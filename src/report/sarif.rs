//! sarif reporter.

use std::io::{self, Write};

use crate::engine::ScanResult;
use crate::report::ReportOptions;

pub fn write(result: &ScanResult, _opts: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    for f in result.active() {
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            f.location.path,
            f.location.span.start_line,
            f.location.span.start_col,
            f.rule,
            f.message
        )?;
    }
    Ok(())
}
