//! The cursor walk (`lang::python::extract`) must give exactly the facts the
//! combined query of `queries/python/*.scm` gives (`extract_with_query`): the
//! queries are the specification, the walk the fast path. Checked on every
//! Python file of the fixtures and the demo, on edge cases chosen to hit each
//! pattern's corners, and (ignored test) on any tree named by
//! `SYNTHLINT_EQUIV_DIR`, e.g. the diffusers sources.

use std::path::{Path, PathBuf};

use synthlint::lang::python::{extract, extract_with_query};

fn passthrough() -> Vec<String> {
    vec!["to".into(), "cuda".into(), "half".into()]
}

/// Serialized facts and notifications of both paths; panics with the first
/// difference.
fn assert_same(path: &str, src: &str) {
    let pt = passthrough();
    let (walk_facts, walk_notes) = extract(path, src, &pt);
    let (query_facts, query_notes) = extract_with_query(path, src, &pt);
    let walk = serde_json::to_string_pretty(&(walk_facts, walk_notes)).unwrap();
    let query = serde_json::to_string_pretty(&(query_facts, query_notes)).unwrap();
    if walk != query {
        let (w, q): (Vec<_>, Vec<_>) = (walk.lines().collect(), query.lines().collect());
        let at = w
            .iter()
            .zip(&q)
            .position(|(a, b)| a != b)
            .unwrap_or(w.len().min(q.len()));
        let lo = at.saturating_sub(8);
        panic!(
            "{path}: walk and query facts differ at line {at} of the JSON\n--- walk\n{}\n--- query\n{}",
            w[lo..(at + 8).min(w.len())].join("\n"),
            q[lo..(at + 8).min(q.len())].join("\n"),
        );
    }
}

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            python_files(&p, out);
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "py" || x == "pyi") {
            out.push(p);
        }
    }
}

fn check_tree(root: &Path) -> usize {
    let mut files = Vec::new();
    python_files(root, &mut files);
    let mut n = 0;
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if text.contains('\0') {
            continue;
        }
        let rel = f
            .strip_prefix(root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        assert_same(&rel, &text);
        n += 1;
    }
    n
}

#[test]
fn fixtures_and_demo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let n = check_tree(&root.join("fixtures")) + check_tree(&root.join("demo"));
    assert!(
        n > 10,
        "expected the fixture and demo Python files, found {n}"
    );
}

#[test]
fn pattern_corners() {
    let cases: &[&str] = &[
        // calls: chains, nested, generator argument, calls in decorators and defaults
        "a.b(c).d(e)(f)[0].g(h=i(j))\nprint(x for x in y)\n",
        "@app.post('/x', tags=['a'])\n@dec\ndef f(a: A = g(), *args, b: 'B' = 1, **kw) -> T:\n    return h(a)\n",
        // assignments: chained, annotated, tuple targets, augmented, walrus
        "a = b = c = f()\nx: int = 5\ny: int\n(p, q) = r\ns += 1\nif (n := len(z)):\n    pass\n",
        "self.pipe = Pipe.from_pretrained('m').to('cuda')\nobj.attr.deep = x\n",
        // with items: aliases, tuples, several items, async
        "with open(a) as f, open(b) as (g, h), lock:\n    pass\nasync def k():\n    async with s() as t:\n        pass\n",
        "with (open(a) as f, open(b) as g):\n    pass\n",
        // classes and nesting
        "class A(B, metaclass=M):\n    x = OpenAI()\n    class C:\n        def m(self, y):\n            return self.x.chat(y)\n",
        // main guards, including odd ones
        "if __name__ == '__main__':\n    main()\n",
        "if __name__ == \"__main__\" and x:\n    pass\nif '__main__' == __name__:\n    pass\n",
        "if __name__ == __name__ == '__main__':\n    pass\nif __name__ == '__main__' == '__main__':\n    pass\n",
        "if x:\n    pass\nelif __name__ == '__main__':\n    pass\n",
        // branch points: if/elif/else, nested ternaries, tests that read strings,
        // half-written ones, and returned dicts (bare and in tuples)
        "if req.watermark and not user.agreed:\n    a()\nelif q.get('no_label'):\n    b()\nelif c:\n    pass\nelse:\n    d()\n",
        "x = (a if t1 else b) if (c if t2 else d) else e\nif x:\n    if y:\n        pass\n",
        "def f():\n    return {'AIGC': {'Label': '1'}}, 200\ndef g():\n    return {**a}\n",
        "if :\n    pass\nelif\nx = a if else b\n",
        // imports
        "import a.b.c, d as e\nfrom . import x\nfrom ..y import (z as w, v)\nfrom .m import *\nfrom __future__ import annotations\n",
        // strings and comments
        "s = 'a' 'b' f'{c}' r'\\d' b'x'\n# comment\nx = 1  # trailing\n\"\"\"doc\"\"\"\n",
        // syntax errors and Python 2
        "print 'hello'\nexec 'x'\ndef f(:\n    return\n",
        "x = (1,\ny = f(\n",
        "def f(\n    a,\n",
        "class (A):\n    pass\nwith as f:\n    pass\nwith open(x) as :\n    pass\n",
        "lambda x: (yield)\n@\ndef g(): pass\n",
        "f(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)(m)(n)(o)(p)(q)(r)(s)(t)(u)(v)(w)(x)(y)(z)\n",
        "",
        "\n\n\n",
        "\u{feff}x = 1\n",
        "x = 1\r\ny = f(x)\r\n",
        "x = 1\ry = f(x)\r",
        "s = '生成' + f(\"画像\")  # 注释\n",
    ];
    for (i, src) in cases.iter().enumerate() {
        assert_same(&format!("case{i}.py"), src);
        assert_same(&format!("pkg/case{i}/__init__.py"), src);
    }
}

#[test]
fn deep_chains_and_nesting() {
    let long_chain = format!("x = a{}\n", ".b(c)".repeat(500));
    assert_same("chain.py", &long_chain);
    let nested = format!("x = {}1{}\n", "f(".repeat(300), ")".repeat(300));
    assert_same("nested.py", &nested);
    let unbalanced = format!("x = {}\n", "[(".repeat(400));
    assert_same("unbalanced.py", &unbalanced);
    let elifs = format!(
        "if a:\n    pass\n{}else:\n    pass\n",
        "elif b:\n    pass\n".repeat(400)
    );
    assert_same("elifs.py", &elifs);
    let ternaries = format!("x = {}0\n", "1 if t else ".repeat(300));
    assert_same("ternaries.py", &ternaries);
}

#[test]
#[ignore = "needs SYNTHLINT_EQUIV_DIR, e.g. a diffusers checkout"]
fn external_tree() {
    let dir = std::env::var_os("SYNTHLINT_EQUIV_DIR").expect("set SYNTHLINT_EQUIV_DIR");
    let n = check_tree(Path::new(&dir));
    eprintln!("{n} files: walk and query facts identical");
    assert!(n > 0);
}
