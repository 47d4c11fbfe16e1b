//! Sizes computed from literals, for LBL007: an image's width and height
//! from the call that made it, and small arithmetic over names, so a font
//! size relative to the image (`int(min(w, h) * 0.03)`) can be judged.
//! Works on the shapes the frontend gives expressions; names are looked up
//! with the semantic index's reaching-binding query; which calls size,
//! keep or shrink an image comes from `media.toml`. Anything not
//! understood is unknown, and unknown is never reported.

use ustr::Ustr;

use crate::analysis::index::SemanticIndex;
use crate::catalog::media::{Media, SizeOrder};
use crate::facts::{Assignment, BinOp, Call, FileFacts, Receiver, Shape, Value};

/// Width and height in pixels.
pub type Size = (f64, f64);

/// Name lookups chain through bindings at most this deep (cycles).
const MAX_HOPS: usize = 4;
/// Evaluation nesting limit (frontends cap shapes; never trust input).
const MAX_NESTING: usize = 32;

/// A scope of one file, for looking names up.
#[derive(Clone, Copy)]
pub struct Scope<'f> {
    pub file: &'f FileFacts,
    /// The file's index in the project, for the semantic index.
    pub fi: usize,
    pub names: &'f SemanticIndex,
    pub media: &'f Media,
    pub scope: Option<Ustr>,
}

impl<'f> Scope<'f> {
    /// The same file, another scope.
    pub fn with(self, scope: Option<Ustr>) -> Scope<'f> {
        Scope { scope, ..self }
    }

    /// The assignment that binds `name` at `pos` (the semantic index's
    /// reaching binding: this scope, else module level, else `self.x`
    /// anywhere in the file).
    pub fn binding(&self, name: &str, pos: u32) -> Option<&'f Assignment> {
        self.names
            .binding_at(self.file, self.fi, self.scope, name, pos)
    }

    /// Which element of a tuple unpacking `a` binds (`w, h = img.size`):
    /// the targets of one statement share its span, in order.
    fn tuple_index(&self, a: &Assignment) -> Option<usize> {
        let same: Vec<&Assignment> = self
            .file
            .assignments
            .iter()
            .filter(|b| b.span == a.span)
            .collect();
        (same.len() > 1).then(|| same.iter().position(|b| std::ptr::eq(*b, a)))?
    }

    /// A number from a value: a literal, or a name bound to one.
    pub fn number(&self, v: &Value, pos: u32) -> Option<f64> {
        self.eval(&value_shape(v)?, pos, None)
    }

    /// Evaluate an expression at `pos`; `dims` stands in for the size of
    /// the image it measures (`img.width`, `min(img.size)`).
    pub fn eval(&self, shape: &Shape, pos: u32, dims: Option<Size>) -> Option<f64> {
        self.eval_with(shape, pos, dims, &|_| None)
    }

    /// `eval`, with names that `extra` knows (ffmpeg's `w` and `h`) taken
    /// from it before the scope is asked.
    pub fn eval_with(
        &self,
        shape: &Shape,
        pos: u32,
        dims: Option<Size>,
        extra: &dyn Fn(&str) -> Option<f64>,
    ) -> Option<f64> {
        let lookup = |name: &str| match extra(name) {
            Some(n) => Some(Num::One(n)),
            None => self.lookup(name, pos, dims, 0),
        };
        one(eval(shape, &lookup)?)
    }

    fn lookup(&self, name: &str, pos: u32, dims: Option<Size>, hops: usize) -> Option<Num> {
        if hops > MAX_HOPS {
            return None;
        }
        // Size attributes of an image: taken to be the image drawn on.
        if let Some((_, attr)) = name.rsplit_once('.')
            && let Some((w, h)) = dims
        {
            match attr {
                "width" => return Some(Num::One(w)),
                "height" => return Some(Num::One(h)),
                "size" => return Some(Num::Many(vec![w, h])),
                "shape" => return Some(Num::Many(vec![h, w, 3.0])),
                _ => {}
            }
        }
        let a = self.binding(name, pos)?;
        let here = self.with(a.scope);
        let whole = match &a.value {
            Value::Int(i) => Num::One(*i as f64),
            Value::Float(f) => Num::One(*f),
            Value::List(items) => Num::Many(
                items
                    .iter()
                    .map(|v| here.number(v, a.span.start_byte))
                    .collect::<Option<Vec<f64>>>()?,
            ),
            v => {
                let shape = value_shape(v)?;
                let lookup = |n: &str| here.lookup(n, a.span.start_byte, dims, hops + 1);
                eval(&shape, &lookup)?
            }
        };
        match (self.tuple_index(a), whole) {
            (Some(i), Num::Many(items)) => items.get(i).copied().map(Num::One),
            (None, n) => Some(n),
            _ => None,
        }
    }

    /// The size of the image `name` holds at `pos`, from the call that made
    /// it: `Image.new(mode, (w, h))`, `.resize((w, h))`, `cv2.resize(img,
    /// (w, h))`, `np.zeros((h, w, 3))`, or a generation call with
    /// `width=`/`height=` or `size="WxH"`, through decoding and copying.
    pub fn image_size(&self, name: &str, pos: u32) -> Option<Size> {
        self.image_size_at(name, pos, 0)
    }

    fn image_size_at(&self, name: &str, pos: u32, hops: usize) -> Option<Size> {
        if hops > MAX_HOPS {
            return None;
        }
        // `result.data[0]` reads `result`: the longest bound prefix.
        let mut bound = name;
        let a = loop {
            if let Some(a) = self.binding(bound, pos) {
                break a;
            }
            bound = &bound[..bound.rfind('.')?];
        };
        // Shrunk in place between the binding and here: size unknown.
        let shrunk = self.file.calls.iter().any(|c| {
            c.span.start_byte > a.span.end_byte
                && c.span.start_byte < pos
                && c.callee
                    .strip_suffix(c.method())
                    .and_then(|h| h.strip_suffix('.'))
                    == Some(name)
                && self
                    .media
                    .image
                    .shrink_in_place
                    .iter()
                    .any(|m| m == c.method())
        });
        if shrunk {
            return None;
        }
        let here = self.with(a.scope);
        let mut calls: Vec<&Call> = self
            .file
            .calls_in(a.span.bytes())
            .map(|i| &self.file.calls[i])
            .collect();
        // Outermost first: the last operation decides the size.
        calls.sort_by_key(|c| std::cmp::Reverse(c.span.end_byte - c.span.start_byte));
        for c in &calls {
            if let Some(size) = here.sized(c) {
                return Some(size);
            }
            if !self.media.image.keep_size.iter().any(|m| m == c.method()) {
                return None;
            }
        }
        // An alias or a decode of another value: follow the names it reads,
        // then those of its calls' receivers and arguments.
        let mut names = Vec::new();
        a.value.reads(&mut names);
        for c in &calls {
            names.extend(root_receiver(self.file, c));
            c.args.iter().for_each(|arg| arg.value.reads(&mut names));
        }
        names
            .iter()
            .filter(|n| n.as_str() != name)
            .find_map(|n| here.image_size_at(n, a.span.start_byte, hops + 1))
    }

    /// The size a call gives its result, when it says so in literals
    /// (the calls and keywords of `media.toml`).
    fn sized(&self, c: &Call) -> Option<Size> {
        let pos = c.span.start_byte;
        let kw = |k: &str| {
            c.args
                .iter()
                .find(|a| a.keyword.as_deref() == Some(k))
                .map(|a| &a.value)
        };
        let pair = |v: Option<&Value>| -> Option<(f64, f64)> {
            match v? {
                Value::List(items) if items.len() >= 2 => {
                    Some((self.number(&items[0], pos)?, self.number(&items[1], pos)?))
                }
                _ => None,
            }
        };
        if let Some((entry, decisive)) = self.media.size_call(self.file.language, c) {
            let at = |r: &Option<crate::catalog::entrypoints::ArgRef>| {
                let r = r.as_ref()?;
                c.arg(r.position, r.keyword.as_deref()).map(|a| &a.value)
            };
            let size = match (at(&entry.width), at(&entry.height)) {
                (Some(w), Some(h)) => self.number(w, pos).zip(self.number(h, pos)),
                _ => pair(at(&entry.size)).map(|(a, b)| match entry.order {
                    SizeOrder::Wh => (a, b),
                    SizeOrder::Hw => (b, a),
                }),
            };
            if decisive || size.is_some() {
                return size;
            }
        }
        let k = &self.media.size_keywords;
        if let (Some(w), Some(h)) = (kw(&k.width), kw(&k.height)) {
            return Some((self.number(w, pos)?, self.number(h, pos)?));
        }
        if let Some(Value::Str(s)) = kw(&k.size) {
            let (w, h) = s.split_once(|c: char| k.separators.contains(&c))?;
            return Some((w.trim().parse().ok()?, h.trim().parse().ok()?));
        }
        None
    }
}

/// The name a chain of method calls starts from: `img` of
/// `img.convert("RGB").save(...)`; `None` when it starts from a plain call
/// (`pipe(p).images[0].save(...)`) or from no name at all.
fn root_receiver(file: &FileFacts, call: &Call) -> Option<Ustr> {
    let mut at = call;
    // Receivers come before their calls in source order: the chain ends.
    for _ in 0..file.calls.len() {
        match at.receiver {
            Receiver::None => return None,
            Receiver::Name(n) => return Some(n),
            Receiver::Call(i) => at = file.calls.get(i as usize)?,
        }
    }
    None
}

/// The shape of a value for arithmetic: a number, a name, or the
/// expression's shape (`None` for strings, lists and the like).
pub fn value_shape(v: &Value) -> Option<Shape> {
    match v {
        Value::Int(i) => Some(Shape::Num(*i as f64)),
        Value::Float(f) => Some(Shape::Num(*f)),
        Value::Name { text, .. } => Some(Shape::Name(*text)),
        Value::Expr(e) => Some(e.shape.clone()),
        _ => None,
    }
}

/// A number, or a sequence (`img.size`, `img.shape`).
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    One(f64),
    Many(Vec<f64>),
}

fn one(v: Num) -> Option<f64> {
    match v {
        Num::One(n) => Some(n),
        Num::Many(_) => None,
    }
}

/// Evaluate arithmetic: numbers, names (through `lookup`), `+ - * / // %`,
/// subscripts with a number, and `min max int round float abs`.
pub fn eval(shape: &Shape, lookup: &dyn Fn(&str) -> Option<Num>) -> Option<Num> {
    eval_at(shape, lookup, 0)
}

fn eval_at(shape: &Shape, lookup: &dyn Fn(&str) -> Option<Num>, depth: usize) -> Option<Num> {
    // Frontends cap shapes; this guards hand-built ones.
    if depth > MAX_NESTING {
        return None;
    }
    let sub = |s: &Shape| eval_at(s, lookup, depth + 1);
    Some(match shape {
        Shape::Num(n) => Num::One(*n),
        Shape::Name(name) => lookup(name)?,
        Shape::Neg(inner) => Num::One(-one(sub(inner)?)?),
        Shape::Binary(op, pair) => {
            let (a, b) = (one(sub(&pair.0)?)?, one(sub(&pair.1)?)?);
            Num::One(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::FloorDiv if b != 0.0 => (a / b).floor(),
                BinOp::Div if b != 0.0 => a / b,
                BinOp::Mod if b != 0.0 => a % b,
                _ => return None,
            })
        }
        Shape::Index(pair) => {
            let i = one(sub(&pair.1)?)?;
            match sub(&pair.0)? {
                Num::Many(items) if i >= 0.0 => Num::One(*items.get(i as usize)?),
                _ => return None,
            }
        }
        Shape::Call(name, args) => {
            let args = args.iter().map(sub).collect::<Option<Vec<Num>>>()?;
            call(name, args)?
        }
        _ => return None,
    })
}

fn call(name: &str, args: Vec<Num>) -> Option<Num> {
    // `min(img.size)` takes a sequence; `min(w, h)` numbers.
    let flat: Vec<f64> = match args.as_slice() {
        [Num::Many(items)] => items.clone(),
        _ => args
            .iter()
            .map(|a| match a {
                Num::One(n) => Some(*n),
                Num::Many(_) => None,
            })
            .collect::<Option<_>>()?,
    };
    let first = flat.first().copied();
    let n = match name {
        "min" => flat.iter().copied().reduce(f64::min)?,
        "max" => flat.iter().copied().reduce(f64::max)?,
        "int" => first?.trunc(),
        "round" => first?.round(),
        "float" => first?,
        "abs" => first?.abs(),
        _ => return None,
    };
    Some(Num::One(n))
}

#[cfg(test)]
mod tests {
    use super::{Num, eval};
    use crate::facts::{BinOp, Shape};

    fn n(shape: Shape) -> Option<f64> {
        let dims = |name: &str| match name {
            "img.size" => Some(Num::Many(vec![768.0, 512.0])),
            "img.height" | "h" => Some(Num::One(512.0)),
            "w" => Some(Num::One(768.0)),
            _ => None,
        };
        match eval(&shape, &dims)? {
            Num::One(v) => Some(v),
            Num::Many(_) => None,
        }
    }

    fn name(s: &str) -> Shape {
        Shape::Name(s.into())
    }

    fn bin(op: BinOp, a: Shape, b: Shape) -> Shape {
        Shape::Binary(op, Box::new((a, b)))
    }

    #[test]
    fn arithmetic_over_sizes() {
        // int(min(w, h) * 0.03)
        let min_wh = Shape::Call("min".into(), vec![name("w"), name("h")].into());
        let int = Shape::Call(
            "int".into(),
            vec![bin(BinOp::Mul, min_wh, Shape::Num(0.03))].into(),
        );
        assert_eq!(n(int), Some(15.0));
        // min(img.size) // 40
        let min_size = Shape::Call("min".into(), vec![name("img.size")].into());
        assert_eq!(
            n(bin(BinOp::FloorDiv, min_size, Shape::Num(40.0))),
            Some(12.0)
        );
        // img.size[0] / 32
        let first = Shape::Index(Box::new((name("img.size"), Shape::Num(0.0))));
        assert_eq!(n(bin(BinOp::Div, first, Shape::Num(32.0))), Some(24.0));
        // -(2 + 3) * 4
        let neg = Shape::Neg(Box::new(bin(BinOp::Add, Shape::Num(2.0), Shape::Num(3.0))));
        assert_eq!(n(bin(BinOp::Mul, neg, Shape::Num(4.0))), Some(-20.0));
        assert_eq!(n(bin(BinOp::Div, name("h"), Shape::Num(0.0))), None);
        assert_eq!(n(bin(BinOp::Mul, name("unknown"), Shape::Num(2.0))), None);
        assert_eq!(n(Shape::Other), None);
        let mut deep = Shape::Num(1.0);
        for _ in 0..100 {
            deep = Shape::Neg(Box::new(deep));
        }
        assert_eq!(n(deep), None);
    }
}
