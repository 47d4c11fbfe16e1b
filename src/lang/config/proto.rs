//! Protocol Buffers definitions (`.proto`): the package and the services
//! with their rpc names, which is what joins a gRPC client in one language
//! to a servicer in another (`analysis/hops.rs`). Key paths: `package`
//! (the dotted package name); `service`, `<S>` (the service's name); and
//! `service`, `<S>`, `<R>` for each rpc (its name; request and response
//! types are not kept). Messages, enums, options and imports are skipped.
//!
//! Hand-written: a small lexer for identifiers, strings, comments and
//! punctuation is all these names need; the protobuf parsers on crates.io
//! (`protobuf-parse`, `prost-reflect`) resolve imports and types, which we
//! do not want from an untrusted tree, and keep no spans. Blocks are
//! skipped with a counter, never by recursion, and nesting past
//! [`super::MAX_DEPTH`] is an error.

use std::ops::Range;

use ustr::Ustr;

use super::{Doc, MAX_DEPTH};
use crate::facts::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A name, dotted names included (`generate.v3`, `.google.protobuf.Empty`).
    Ident,
    Str,
    /// Numbers and anything else that is not punctuation we look at.
    Other,
    Punct(u8),
}

/// The tokens of a file with their byte ranges, comments kept aside; `Err`
/// with a position at an unterminated string or block comment.
fn lex(text: &str, comments: &mut Vec<(usize, usize, usize)>) -> Parse<Vec<(Tok, Range<usize>)>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            let end = text[i..].find('\n').map_or(b.len(), |p| i + p);
            comments.push((i, 2, end));
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let Some(p) = text[i + 2..].find("*/") else {
                return Err((i, "unterminated block comment"));
            };
            i += 2 + p + 2;
        } else if c == b'"' || c == b'\'' {
            let start = i;
            i += 1;
            loop {
                match b.get(i) {
                    None | Some(b'\n') => return Err((start, "unterminated string")),
                    Some(b'\\') => i += 2,
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            out.push((Tok::Str, start..i.min(b.len())));
        } else if c.is_ascii_alphabetic() || c == b'_' || (c == b'.' && ident_start(b.get(i + 1))) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push((Tok::Ident, start..i));
        } else if b"{}();=<>[],".contains(&c) {
            out.push((Tok::Punct(c), i..i + 1));
            i += 1;
        } else {
            // Numbers, signs and any other byte: one token up to the next
            // separator, on a character boundary.
            let start = i;
            i += 1;
            while i < b.len() && !text.is_char_boundary(i) {
                i += 1;
            }
            out.push((Tok::Other, start..i));
        }
    }
    Ok(out)
}

fn ident_start(b: Option<&u8>) -> bool {
    b.is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
}

pub fn read(doc: &mut Doc<'_>) {
    let text = doc.text;
    let mut comments = Vec::new();
    let lexed = lex(text, &mut comments);
    for (start, len, end) in comments {
        doc.comment(start, len, end);
    }
    let toks = match lexed {
        Ok(t) => t,
        Err((at, message)) => {
            doc.syntax_error("Protocol Buffers", at, message);
            return;
        }
    };
    let mut p = Parser {
        toks: &toks,
        text,
        at: 0,
    };
    if let Err((at, message)) = p.file(doc) {
        doc.syntax_error("Protocol Buffers", at, message);
    }
}

struct Parser<'a> {
    toks: &'a [(Tok, Range<usize>)],
    text: &'a str,
    at: usize,
}

type Parse<T> = Result<T, (usize, &'static str)>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<(Tok, &'a str, Range<usize>)> {
        self.toks
            .get(self.at)
            .map(|(t, r)| (*t, &self.text[r.clone()], r.clone()))
    }

    fn end(&self) -> usize {
        self.text.len()
    }

    /// The byte where the next token starts (the end of the file after the last).
    fn here(&self) -> usize {
        self.toks.get(self.at).map_or(self.end(), |t| t.1.start)
    }

    fn ident(&mut self, what: &'static str) -> Parse<(&'a str, Range<usize>)> {
        match self.peek() {
            Some((Tok::Ident, s, r)) => {
                self.at += 1;
                Ok((s, r))
            }
            _ => Err((self.here(), what)),
        }
    }

    fn punct(&mut self, c: u8, what: &'static str) -> Parse<()> {
        match self.peek() {
            Some((Tok::Punct(p), _, _)) if p == c => {
                self.at += 1;
                Ok(())
            }
            _ => Err((self.here(), what)),
        }
    }

    /// Skip to the end of the statement: past its `;`, or past the block
    /// it opens (`message X { ... }`, `rpc ... { option ...; }`).
    fn skip_statement(&mut self) -> Parse<()> {
        let start = self.here();
        let mut depth = 0usize;
        while let Some((tok, _, r)) = self.peek() {
            self.at += 1;
            match tok {
                Tok::Punct(b'{') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err((r.start, "blocks nested too deep"));
                    }
                }
                Tok::Punct(b'}') => {
                    if depth == 0 {
                        return Err((r.start, "unexpected `}`"));
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Tok::Punct(b';') if depth == 0 => return Ok(()),
                _ => {}
            }
        }
        Err((start, "statement not closed before the end of the file"))
    }

    fn file(&mut self, doc: &mut Doc<'_>) -> Parse<()> {
        while let Some((tok, word, _)) = self.peek() {
            match (tok, word) {
                (Tok::Punct(b';'), _) => self.at += 1,
                (Tok::Ident, "package") => {
                    self.at += 1;
                    let (name, r) = self.ident("expected a package name")?;
                    self.punct(b';', "expected `;` after the package name")?;
                    if !doc.push(
                        &[Ustr::from("package")],
                        Value::Str(Ustr::from(name)),
                        r.clone(),
                        r,
                    ) {
                        return Ok(());
                    }
                }
                (Tok::Ident, "service") => {
                    self.at += 1;
                    if !self.service(doc)? {
                        return Ok(());
                    }
                }
                (Tok::Ident, _) => self.skip_statement()?,
                _ => return Err((self.here(), "expected a definition")),
            }
        }
        Ok(())
    }

    /// `service S { rpc R (stream? A) returns (stream? B) [{...} | ;] ... }`;
    /// `false` once the entry budget is spent.
    fn service(&mut self, doc: &mut Doc<'_>) -> Parse<bool> {
        let (name, r) = self.ident("expected a service name")?;
        let service = Ustr::from(name);
        let key = Ustr::from("service");
        if !doc.push(&[key, service], Value::Str(service), r.clone(), r) {
            return Ok(false);
        }
        self.punct(b'{', "expected `{` after the service name")?;
        loop {
            match self.peek() {
                Some((Tok::Punct(b'}'), _, _)) => {
                    self.at += 1;
                    return Ok(true);
                }
                Some((Tok::Punct(b';'), _, _)) => self.at += 1,
                Some((Tok::Ident, "rpc", _)) => {
                    self.at += 1;
                    let (rpc, r) = self.ident("expected an rpc name")?;
                    let rpc = Ustr::from(rpc);
                    if !doc.push(&[key, service, rpc], Value::Str(rpc), r.clone(), r) {
                        return Ok(false);
                    }
                    self.skip_statement()?;
                }
                Some((Tok::Ident, _, _)) => self.skip_statement()?,
                Some(_) => return Err((self.here(), "expected `rpc` or `}` in a service")),
                None => return Err((self.end(), "service not closed before the end of the file")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Language;

    fn entries(text: &str) -> (Vec<(String, u32)>, Vec<String>) {
        let mut doc = Doc::new("x.proto", text, Language::Proto);
        read(&mut doc);
        let e = doc
            .entries
            .iter()
            .map(|e| (e.joined("."), e.key_span.start_line))
            .collect();
        (e, doc.notes.iter().map(|n| n.message.clone()).collect())
    }

    #[test]
    fn package_services_and_rpcs_with_spans() {
        let text = r#"syntax = "proto3";
// the model shard
package generate.v3;
import "google/protobuf/empty.proto";
option go_package = "x/y";

service TextGeneration {
  /* info */ rpc Info(InfoRequest) returns (InfoResponse) {}
  rpc Generate (stream GenerateRequest) returns (stream GenerateResponse) {
    option (google.api.http) = { post: "/v1/generate" body: "*" };
  }
  option deprecated = true;
  rpc Health(.google.protobuf.Empty) returns (HealthResponse);
}
message GenerateRequest { message Inner { string s = 1; } map<string, int32> m = 2; }
enum E { A = 0; B = -1 [deprecated = true]; }
service Empty {}
"#;
        let (e, notes) = entries(text);
        assert!(notes.is_empty(), "{notes:?}");
        let want = [
            ("package", 3),
            ("service.TextGeneration", 7),
            ("service.TextGeneration.Info", 8),
            ("service.TextGeneration.Generate", 9),
            ("service.TextGeneration.Health", 13),
            ("service.Empty", 17),
        ];
        let want: Vec<(String, u32)> = want.iter().map(|(k, l)| (k.to_string(), *l)).collect();
        assert_eq!(e, want);
        let mut doc = Doc::new("x.proto", text, Language::Proto);
        read(&mut doc);
        assert_eq!(doc.entries[0].value, Value::Str("generate.v3".into()));
        assert_eq!(doc.comments.len(), 1);
    }

    #[test]
    fn broken_input_is_a_syntax_error_and_keeps_what_came_before() {
        let (e, notes) =
            entries("package a;\nservice S {\n  rpc Go(A) returns (B);\n  rpc (A)\n}\n");
        assert_eq!(e.len(), 3);
        assert!(notes[0].contains("line 4"), "{notes:?}");
        for bad in [
            "service S { rpc A(B) returns (C);",
            "message M { }}",
            "package \"x\";",
            "service S { rpc A(\"B) returns (C); }",
            "/* open",
            "= = =",
            "é\u{0}{{{",
        ] {
            let (_, notes) = entries(bad);
            assert_eq!(notes.len(), 1, "{bad}: {notes:?}");
        }
        let deep = format!("message M {}", "{".repeat(100_000));
        let (_, notes) = entries(&deep);
        assert!(notes[0].contains("nested too deep"), "{notes:?}");
    }
}
