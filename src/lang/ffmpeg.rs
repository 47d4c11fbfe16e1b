//! ffmpeg's expression language, as it appears inside filter strings
//! (`drawtext=...:fontsize=min(w\,h)/40`): parsed into the same [`Shape`]
//! that code expressions have, so one evaluator serves both. Numbers,
//! names, `+ - * / %`, parentheses and function calls; anything else is
//! not understood (`None`). Iterative tokenizing, nesting capped.

use crate::facts::{BinOp, Shape};

/// Nesting limit of the parser (filter strings are short; never trust input).
const MAX_NESTING: usize = 32;

/// The shape of an ffmpeg expression, or `None` when it is not plain arithmetic.
pub fn expression(text: &str) -> Option<Shape> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
    };
    let v = p.expr()?;
    (p.at == tokens.len()).then_some(v)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(&'static str),
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b'\\' {
            i += 1;
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Num(text[start..i].replace('_', "").parse().ok()?));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Name(text[start..i].to_string()));
        } else {
            let op = match (c, b.get(i + 1)) {
                (b'/', Some(b'/')) => "//",
                (b'+', _) => "+",
                (b'-', _) => "-",
                (b'*', _) => "*",
                (b'/', _) => "/",
                (b'%', _) => "%",
                (b'(', _) => "(",
                (b')', _) => ")",
                (b'[', _) => "[",
                (b']', _) => "]",
                (b',', _) => ",",
                _ => return None,
            };
            i += op.len();
            out.push(Tok::Op(op));
        }
    }
    Some(out)
}

struct Parser<'t> {
    tokens: &'t [Tok],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_NESTING).then_some(())
    }

    fn expr(&mut self) -> Option<Shape> {
        self.enter()?;
        let mut v = self.term()?;
        loop {
            let op = if self.eat("+") {
                BinOp::Add
            } else if self.eat("-") {
                BinOp::Sub
            } else {
                break;
            };
            v = Shape::Binary(op, Box::new((v, self.term()?)));
        }
        self.depth -= 1;
        Some(v)
    }

    fn term(&mut self) -> Option<Shape> {
        let mut v = self.unary()?;
        loop {
            let op = if self.eat("*") {
                BinOp::Mul
            } else if self.eat("//") {
                BinOp::FloorDiv
            } else if self.eat("/") {
                BinOp::Div
            } else if self.eat("%") {
                BinOp::Mod
            } else {
                break;
            };
            v = Shape::Binary(op, Box::new((v, self.unary()?)));
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<Shape> {
        if self.eat("-") {
            self.enter()?;
            let v = Shape::Neg(Box::new(self.unary()?));
            self.depth -= 1;
            return Some(v);
        }
        let mut v = self.primary()?;
        while self.eat("[") {
            let i = self.expr()?;
            if !self.eat("]") {
                return None;
            }
            v = Shape::Index(Box::new((v, i)));
        }
        Some(v)
    }

    fn primary(&mut self) -> Option<Shape> {
        match self.peek()?.clone() {
            Tok::Num(n) => {
                self.at += 1;
                Some(Shape::Num(n))
            }
            Tok::Op("(") => {
                self.at += 1;
                let v = self.expr()?;
                self.eat(")").then_some(v)
            }
            Tok::Name(name) => {
                self.at += 1;
                if !self.eat("(") {
                    return Some(Shape::Name(name.as_str().into()));
                }
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(")") {
                            break;
                        }
                        if !self.eat(",") {
                            return None;
                        }
                    }
                }
                Some(Shape::Call(name.as_str().into(), args.into()))
            }
            Tok::Op(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::expression;
    use crate::facts::{BinOp, Shape};

    #[test]
    fn filter_expressions() {
        let min_wh = Shape::Call(
            "min".into(),
            vec![Shape::Name("w".into()), Shape::Name("h".into())].into(),
        );
        assert_eq!(
            expression("min(w,h)/40"),
            Some(Shape::Binary(
                BinOp::Div,
                Box::new((min_wh, Shape::Num(40.0)))
            ))
        );
        assert_eq!(expression("24"), Some(Shape::Num(24.0)));
        assert_eq!(expression("1 +"), None);
        assert_eq!(expression("a'b"), None);
        assert_eq!(expression(&"(".repeat(100)), None);
    }
}
