//! Where reports go: one helper for every subcommand. Standard output
//! tolerates a reader that went away; files are written whole; a report is
//! never written over a file the scan reads.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::report::Format;

/// `--format FORMAT[:FILE]` as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    pub path: Option<PathBuf>,
}

/// Parses `sarif`, `sarif:out.sarif`.
pub fn parse_output_spec(s: &str) -> Result<OutputSpec, String> {
    let (name, path) = match s.split_once(':') {
        Some((name, path)) if !path.is_empty() => (name, Some(PathBuf::from(path))),
        Some((name, _)) => return Err(format!("`{name}:` needs a file name after the colon")),
        None => (s, None),
    };
    let format = <Format as clap::ValueEnum>::from_str(name, true).map_err(|_| {
        let names: Vec<&str> = <Format as clap::ValueEnum>::value_variants()
            .iter()
            .map(|f| f.name())
            .collect();
        format!("unknown format `{name}` (use {})", names.join(", "))
    })?;
    Ok(OutputSpec { format, path })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    Stdout,
    File(PathBuf),
}

impl Sink {
    pub fn describe(&self) -> String {
        match self {
            Sink::Stdout => "standard output".into(),
            Sink::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub sink: Sink,
}

/// The outputs of one scan: every `--format`, those without a file going to
/// `--output` (or standard output); `--statistics` turns the output on
/// standard output into statistics (or adds one). At most one output per
/// destination.
pub fn plan(
    specs: &[OutputSpec],
    output: Option<&Path>,
    statistics: bool,
) -> Result<Vec<Output>, String> {
    let default = [OutputSpec {
        format: Format::Text,
        path: None,
    }];
    let specs = if specs.is_empty() {
        &default[..]
    } else {
        specs
    };
    let mut outputs: Vec<Output> = specs
        .iter()
        .map(|s| Output {
            format: s.format,
            sink: match (&s.path, output) {
                (Some(p), _) => Sink::File(p.clone()),
                (None, Some(o)) => Sink::File(o.to_path_buf()),
                (None, None) => Sink::Stdout,
            },
        })
        .collect();
    if statistics {
        match outputs.iter_mut().find(|o| o.sink == Sink::Stdout) {
            Some(o) => o.format = Format::Statistics,
            None => outputs.push(Output {
                format: Format::Statistics,
                sink: Sink::Stdout,
            }),
        }
    }
    for (i, o) in outputs.iter().enumerate() {
        if outputs[..i].iter().any(|p| p.sink == o.sink) {
            return Err(match &o.sink {
                Sink::Stdout => "more than one format would go to standard output; give the others a file (`--format sarif:out.sarif`)".to_string(),
                Sink::File(p) => format!("more than one format would be written to {}", p.display()),
            });
        }
    }
    Ok(outputs)
}

/// Refuses a report file that is one of the files the scan reads (`check
/// -o app.py app.py`, or a file named `--output=app.py` passed by a hook):
/// exit 2 before anything is scanned or written.
pub fn guard_inputs(outputs: &[Output], scanned: &[PathBuf]) -> Result<(), ExitCode> {
    let scanned: Vec<PathBuf> = scanned
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    for o in outputs {
        let Sink::File(path) = &o.sink else { continue };
        let Ok(real) = path.canonicalize() else {
            continue;
        };
        // Source code only: a configuration file the scan also reads (a
        // previous `report.json`) may be overwritten, as before such files
        // were read.
        let read = crate::lang::for_path(&real).is_some_and(|f| f.has_code())
            && scanned.iter().any(|s| real.starts_with(s));
        if read {
            eprintln!(
                "error: refusing to write the report to {}: it is a source file this scan reads",
                crate::report::escape::line(&path.display().to_string())
            );
            return Err(ExitCode::from(2));
        }
    }
    Ok(())
}

/// Writes `bytes` to the sink; exit 2 with a message when that fails.
pub fn deliver(sink: &Sink, bytes: &[u8]) -> Result<(), ExitCode> {
    deliver_pieces(sink, &[bytes])
}

/// [`deliver`] of a report held in pieces ([`crate::report::Emitter::render`]),
/// written in order without joining them first.
pub fn deliver_pieces<P: AsRef<[u8]>>(sink: &Sink, pieces: &[P]) -> Result<(), ExitCode> {
    use std::io::Write;
    let written = match sink {
        Sink::Stdout => write_stdout_pieces(pieces),
        Sink::File(path) => std::fs::File::create(path)
            .and_then(|mut f| pieces.iter().try_for_each(|p| f.write_all(p.as_ref()))),
    };
    written.map_err(|e| {
        eprintln!("error: writing {}: {e}", sink.describe());
        ExitCode::from(2)
    })
}

/// Writes to standard output. A reader that went away (`synthlint … | head`)
/// is not an error: the rest of the output is simply not wanted.
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    write_stdout_pieces(&[bytes])
}

fn write_stdout_pieces<P: AsRef<[u8]>>(pieces: &[P]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = pieces.iter().try_for_each(|p| out.write_all(p.as_ref()));
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// [`deliver`] to standard output, for the commands whose only output is a text.
pub fn print_or_exit(text: &str) -> Result<(), ExitCode> {
    deliver(&Sink::Stdout, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> OutputSpec {
        parse_output_spec(s).unwrap()
    }

    #[test]
    fn specs_and_plans() {
        assert_eq!(
            spec("SARIF:a:b.sarif").path,
            Some(PathBuf::from("a:b.sarif"))
        );
        assert!(parse_output_spec("yaml").is_err());
        assert!(parse_output_spec("json:").is_err());
        let p = plan(&[spec("sarif:x.sarif"), spec("text")], None, false).unwrap();
        assert_eq!(p[1].sink, Sink::Stdout);
        assert_eq!(
            plan(&[], None, true).unwrap(),
            [Output {
                format: Format::Statistics,
                sink: Sink::Stdout
            }]
        );
        assert!(plan(&[spec("text"), spec("json")], None, false).is_err());
        assert!(plan(&[spec("json:a"), spec("sarif:a")], None, false).is_err());
        let p = plan(&[spec("json")], Some(Path::new("r.json")), false).unwrap();
        assert_eq!(p[0].sink, Sink::File("r.json".into()));
    }
}
