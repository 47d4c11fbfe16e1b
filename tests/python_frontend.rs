//! What the Python frontend extracts, checked on small sources.

use synthlint::facts::{FileFacts, Value};
use synthlint::lang::python::{extract, module_name};
use synthlint::qname::OptionQName;

fn facts(path: &str, src: &str) -> FileFacts {
    let passthrough = vec!["to".to_string(), "cuda".to_string()];
    extract(path, src, &passthrough).0
}

fn resolved_calls(f: &FileFacts) -> Vec<(String, Option<String>)> {
    f.calls
        .iter()
        .map(|c| (c.callee.to_string(), c.resolved.map(String::from)))
        .collect()
}

fn resolved_of(f: &FileFacts, callee: &str) -> Option<String> {
    f.calls
        .iter()
        .find(|c| c.callee == callee)
        .and_then(|c| c.resolved.map(String::from))
}

#[test]
fn module_names_follow_paths() {
    assert_eq!(module_name("pkg/sub/mod.py"), "pkg.sub.mod");
    assert_eq!(module_name("pkg/__init__.py"), "pkg");
    assert_eq!(module_name("src/pkg/mod.py"), "pkg.mod");
    assert_eq!(module_name("main.py"), "main");
}

#[test]
fn imports_absolute_relative_and_aliased() {
    let f = facts(
        "pkg/sub/mod.py",
        "import os.path\nimport numpy as np\nfrom openai import OpenAI as OA, AsyncOpenAI\nfrom . import sibling\nfrom ..core import util as u\nfrom .x import *\n",
    );
    let got: Vec<(&str, &str, u32)> = f
        .imports
        .iter()
        .map(|i| (i.local.as_str(), i.target.as_str(), i.level))
        .collect();
    assert_eq!(
        got,
        vec![
            ("os", "os", 0),
            ("np", "numpy", 0),
            ("OA", "openai.OpenAI", 0),
            ("AsyncOpenAI", "openai.AsyncOpenAI", 0),
            ("sibling", "pkg.sub.sibling", 1),
            ("u", "pkg.core.util", 2),
            ("*", "pkg.sub.x", 1),
        ]
    );
}

#[test]
fn relative_imports_in_a_package_init_start_at_the_package() {
    let f = facts("pkg/__init__.py", "from .llm import client\n");
    assert_eq!(f.imports[0].target, "pkg.llm.client");
}

#[test]
fn callee_resolves_through_constructor_assignments() {
    let src = "from openai import OpenAI\nclient = OpenAI()\n\ndef f():\n    return client.chat.completions.create(model='m')\n";
    let f = facts("a.py", src);
    assert_eq!(
        resolved_of(&f, "client.chat.completions.create").as_deref(),
        Some("openai.OpenAI().chat.completions.create")
    );
    let call = f
        .calls
        .iter()
        .find(|c| c.callee == "client.chat.completions.create")
        .unwrap();
    assert_eq!(call.scope.as_deref(), Some("f"));
    assert_eq!(call.args[0].keyword.as_deref(), Some("model"));
    assert_eq!(call.args[0].value, Value::Str("m".into()));
}

#[test]
fn passthrough_methods_keep_the_type_and_self_attributes_resolve() {
    let src = "\
from diffusers import StableDiffusionPipeline as SD
class Gen:
    def __init__(self):
        self.pipe = SD.from_pretrained('x').to('cuda')
    def run(me, prompt):
        return me.pipe(prompt)
    @staticmethod
    def other(self):
        return self.pipe(1)
";
    let f = facts("a.py", src);
    assert_eq!(
        resolved_of(&f, "me.pipe").as_deref(),
        Some("diffusers.StableDiffusionPipeline.from_pretrained()")
    );
    // A static method's first parameter is not the instance.
    assert_eq!(resolved_of(&f, "self.pipe"), None);
    let run = f.calls.iter().find(|c| c.callee == "me.pipe").unwrap();
    assert_eq!(run.scope.as_deref(), Some("Gen.run"));
    assert!(
        run.receiver_args()
            .is_some_and(|a| a[0].value == Value::Str("x".into()))
    );
}

#[test]
fn locals_shadow_module_names_and_parameters_are_unknown() {
    let src = "\
from openai import OpenAI
client = OpenAI()
def a(client):
    client.chat.completions.create()
def b():
    client = make()
    client.chat.completions.create()
def c(client: OpenAI):
    client.chat.completions.create()
";
    let f = facts("a.py", src);
    let calls: Vec<Option<String>> = f
        .calls
        .iter()
        .filter(|c| c.callee == "client.chat.completions.create")
        .map(|c| c.resolved.map(String::from))
        .collect();
    assert_eq!(
        calls,
        vec![
            None,
            None,
            Some("openai.OpenAI().chat.completions.create".into())
        ]
    );
}

#[test]
fn with_as_and_closures_bind_names() {
    let src = "\
import anthropic
def outer():
    c = anthropic.Anthropic()
    def inner():
        return c.messages.create()
    with anthropic.Anthropic() as k:
        k.messages.create()
";
    let f = facts("a.py", src);
    let r: Vec<_> = resolved_calls(&f)
        .into_iter()
        .filter(|(c, _)| c.ends_with("messages.create"))
        .collect();
    assert_eq!(
        r,
        vec![
            (
                "c.messages.create".into(),
                Some("anthropic.Anthropic().messages.create".into())
            ),
            (
                "k.messages.create".into(),
                Some("anthropic.Anthropic().messages.create".into())
            ),
        ]
    );
}

#[test]
fn functions_classes_and_decorators() {
    let src = "\
from fastapi import APIRouter
router = APIRouter()
class A(Base):
    class B:
        def m(self): pass
@router.post('/x')
async def handler(req, *args, **kw):
    def helper(): pass
";
    let f = facts("a.py", src);
    let q: Vec<(&str, Option<&str>)> = f
        .functions
        .iter()
        .map(|x| (x.qualname.as_str(), x.class.as_deref()))
        .collect();
    assert_eq!(
        q,
        vec![
            ("A.B.m", Some("A.B")),
            ("handler", None),
            ("handler.helper", None)
        ]
    );
    let h = f.functions.iter().find(|x| x.name == "handler").unwrap();
    assert!(h.is_async);
    assert_eq!(h.params, vec!["req", "args", "kw"]);
    assert_eq!(h.decorators[0].text, "router.post()");
    assert_eq!(
        h.decorators[0].resolved.as_name(),
        Some("fastapi.APIRouter().post()")
    );
    assert_eq!(
        f.classes
            .iter()
            .map(|c| c.qualname.as_str())
            .collect::<Vec<_>>(),
        vec!["A", "A.B"]
    );
}

#[test]
fn literal_values_and_kwargs_dicts() {
    let src = "f(1, -2, 0x10, 1.5, True, None, 'a' 'b', [1, 2], {'k': None}, *xs, **{'safety_checker': None}, name=x.y)\n";
    let f = facts("a.py", src);
    let values: Vec<&Value> = f.calls[0].args.iter().map(|a| &a.value).collect();
    assert_eq!(values[0], &Value::Int(1));
    assert_eq!(values[1], &Value::Int(-2));
    assert_eq!(values[2], &Value::Int(16));
    assert_eq!(values[3], &Value::Float(1.5));
    assert_eq!(values[4], &Value::Bool(true));
    assert_eq!(values[5], &Value::None);
    assert_eq!(values[6], &Value::Str("ab".into()));
    assert_eq!(
        values[7],
        &Value::List(vec![Value::Int(1), Value::Int(2)].into())
    );
    assert_eq!(
        values[8],
        &Value::Dict(vec![(Value::Str("k".into()), Value::None)].into())
    );
    assert_eq!(f.calls[0].args[9].keyword.as_deref(), Some("*"));
    assert_eq!(f.calls[0].args[10].keyword.as_deref(), Some("**"));
    assert!(matches!(values[11], Value::Name { text, .. } if text == "x.y"));
}

#[test]
fn module_string_constants_are_inlined_in_arguments() {
    let f = facts(
        "a.py",
        "MODEL = 'qwen-plus'\ndef g():\n    call(model=MODEL)\n",
    );
    assert_eq!(f.calls[0].args[0].value, Value::Str("qwen-plus".into()));
}

#[test]
fn comments_come_only_from_real_comments() {
    let src = "x = '# synthlint: ignore[GEN001] not a comment'\ny = 1  # synthlint: ignore[MOD001] real\n";
    let f = facts("a.py", src);
    assert_eq!(f.comments.len(), 1);
    assert_eq!(f.comments[0].text.trim(), "synthlint: ignore[MOD001] real");
    assert_eq!(f.comments[0].span.start_line, 2);
    assert_eq!(
        &*f.strings[0].value,
        "# synthlint: ignore[GEN001] not a comment"
    );
}

#[test]
fn strings_decode_escapes_and_mark_fstrings() {
    let f = facts(
        "a.py",
        "a = 'AI\\u751f\\u6210'\nb = r'\\n'\nc = f'{x} generated'\n",
    );
    assert_eq!(&*f.strings[0].value, "AI生成");
    assert_eq!(&*f.strings[1].value, "\\n");
    assert!(f.strings[2].interpolated);
    assert_eq!(&*f.strings[2].value, " generated");
}

#[test]
fn syntax_errors_keep_the_rest_of_the_file() {
    let src = "from openai import OpenAI\nc = OpenAI()\ndef broken(:\n    pass\ndef ok():\n    c.chat.completions.create()\n";
    let (f, notes) = extract("a.py", src, &[]);
    assert!(!f.syntax_errors.is_empty());
    assert_eq!(notes[0].kind, "syntax-error");
    assert_eq!(
        resolved_of(&f, "c.chat.completions.create").as_deref(),
        Some("openai.OpenAI().chat.completions.create")
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let brackets = format!("x = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    let (f, _) = extract("a.py", &brackets, &[]);
    assert_eq!(f.assignments.len(), 1);
    let calls = format!("x = {}1{}\n", "f(".repeat(5000), ")".repeat(5000));
    let (f, _) = extract("a.py", &calls, &[]);
    assert_eq!(f.calls.len(), 5000);
    let mut indented = String::new();
    for depth in 0..1000 {
        indented += &format!("{}if x:\n", "    ".repeat(depth));
    }
    indented += &format!("{}y = f()\n", "    ".repeat(1000));
    let (f, _) = extract("a.py", &indented, &[]);
    assert_eq!(f.calls.len(), 1);
}

#[test]
fn lines_are_one_based_bytes_zero_based() {
    let f = facts("a.py", "\n  foo(1)\n");
    let s = f.calls[0].span;
    assert_eq!(
        (s.start_line, s.start_byte, s.end_line, s.end_byte),
        (2, 3, 2, 9)
    );
}

#[test]
fn return_types_and_tuple_unpacking() {
    use synthlint::facts::Returns;
    let src = "\
from transformers import AutoModelForCausalLM as M, AutoTokenizer as T
def load():
    tok = T.from_pretrained('x')
    return tok, M.from_pretrained('x')
def single():
    if cond:
        return None
    return M.from_pretrained('y')
tok, model = load()
model.generate()
";
    let f = facts("pkg/m.py", src);
    let load = f.functions.iter().find(|x| x.name == "load").unwrap();
    assert_eq!(
        load.returns,
        Some(Returns::Tuple(vec![
            Some("transformers.AutoTokenizer.from_pretrained()".into()),
            Some("transformers.AutoModelForCausalLM.from_pretrained()".into()),
        ]))
    );
    let single = f.functions.iter().find(|x| x.name == "single").unwrap();
    assert_eq!(
        single.returns,
        Some(Returns::Value(
            "transformers.AutoModelForCausalLM.from_pretrained()".into()
        ))
    );
    // The frontend leaves the element lookup to the project index.
    assert_eq!(
        resolved_of(&f, "model.generate").as_deref(),
        Some("pkg.m.load()[1].generate")
    );
}

#[test]
fn return_annotations_resolve_when_they_name_one_type() {
    let f = facts(
        "app/factory.py",
        "from fastapi import FastAPI\nimport typing\n\ndef create_app() -> FastAPI:\n    return FastAPI()\n\ndef quoted() -> \"FastAPI\": ...\ndef optional() -> typing.Optional[FastAPI]: ...\ndef plain(): ...\n\nclass Factory:\n    def make(self) -> typing.Any: ...\n",
    );
    let got: Vec<(&str, Option<&str>)> = f
        .functions
        .iter()
        .map(|x| (x.qualname.as_str(), x.return_annotation.as_name()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("create_app", Some("fastapi.FastAPI")),
            ("quoted", None),
            ("optional", None),
            ("plain", None),
            ("Factory.make", Some("typing.Any")),
        ]
    );
}

#[test]
fn class_decorators_resolve_in_the_enclosing_scope() {
    let f = facts(
        "svc.py",
        "import bentoml\nfrom aiohttp import web\n\nroutes = web.RouteTableDef()\n\n@routes.view(\"/items\")\nclass Items(web.View):\n    pass\n\n@bentoml.service(resources={\"gpu\": 1})\nclass Summarizer:\n    pass\n\nclass Plain:\n    pass\n",
    );
    // (decorator text, resolved, line) per class.
    type Decorators = Vec<(String, Option<String>, usize)>;
    let got: Vec<(&str, Decorators)> = f
        .classes
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.decorators
                    .iter()
                    .map(|d| {
                        (
                            d.text.to_string(),
                            d.resolved.map(String::from),
                            d.span.start_line as usize,
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Items",
                vec![(
                    "routes.view()".to_string(),
                    Some("aiohttp.web.RouteTableDef().view()".to_string()),
                    6
                )]
            ),
            (
                "Summarizer",
                vec![(
                    "bentoml.service()".to_string(),
                    Some("bentoml.service()".to_string()),
                    10
                )]
            ),
            ("Plain", vec![]),
        ]
    );
    assert_eq!(
        f.classes[0].decorators[0].args[0].value.as_str(),
        Some("/items")
    );
}

#[test]
fn calls_are_in_source_order_with_chains_before_their_receivers() {
    // The walk meets `.hexdigest()` after `sha256(...)` and its argument;
    // `FileFacts::calls_in` binary-searches by start, so the facts must be
    // sorted: outer before inner at the same start.
    let f = facts(
        "m.py",
        "import hashlib\nlog(hashlib.sha256(p.encode()).hexdigest())\nprint(1)\n",
    );
    let starts: Vec<(u32, u32)> = f
        .calls
        .iter()
        .map(|c| (c.span.start_byte, c.span.end_byte))
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by_key(|&(s, e)| (s, std::cmp::Reverse(e)));
    assert_eq!(starts, sorted);
    let hexdigest = f.calls.iter().position(|c| c.callee.ends_with("hexdigest"));
    let sha256 = f.calls.iter().position(|c| c.callee == "hashlib.sha256");
    assert_eq!(
        f.calls[hexdigest.unwrap()].receiver,
        synthlint::facts::Receiver::Call(sha256.unwrap() as u32)
    );
    let arg = f.calls.iter().find(|c| c.callee == "log").unwrap().args[0].span;
    let inside: Vec<&str> = f
        .calls_in(arg.bytes())
        .map(|i| f.calls[i].callee.as_str())
        .collect();
    assert_eq!(inside.len(), 3, "{inside:?}");
}

#[test]
fn annotated_class_fields_and_parameter_types() {
    let f = facts(
        "app/models.py",
        "from typing import Optional\nfrom pydantic import BaseModel, EmailStr, Field\nfrom sqlalchemy.orm import Mapped\n\nclass User(BaseModel):\n    phone: str\n    id_card: Optional[str] = None\n    email: EmailStr = Field(..., alias=\"mail\")\n    name: Mapped[str]\n    plain = 1\n    def m(self):\n        x: int = 2\n\ndef handler(body: User, other: Optional[User] = None, n=3, *args, tag: \"User\" = None):\n    pass\n",
    );
    let user = f.classes.iter().find(|c| c.name == "User").expect("class");
    let fields: Vec<(&str, Option<&str>, Option<String>)> = user
        .fields
        .iter()
        .map(|x| {
            (
                x.name.as_str(),
                x.rename.as_deref(),
                x.type_.map(String::from),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            // Builtins resolve to nothing; `Optional` and `Mapped` are unwrapped.
            ("phone", None, None),
            ("id_card", None, None),
            (
                "email",
                Some("mail"),
                Some("pydantic.EmailStr()".to_string())
            ),
            ("name", None, None),
        ]
    );
    let handler = f
        .functions
        .iter()
        .find(|g| g.name == "handler")
        .expect("fn");
    let types: Vec<Option<String>> = handler
        .param_types
        .iter()
        .map(|t| t.map(String::from))
        .collect();
    assert_eq!(
        types,
        [
            Some("app.models.User()".to_string()),
            Some("app.models.User()".to_string()),
            None,
            None,
            None,
        ]
    );
}

#[test]
fn a_comprehension_filter_is_a_condition_over_the_whole_comprehension() {
    let src = "def f(items, s):\n    rows = [i.text for i in items if i.allow_training]\n    return [x if s.on else y for x in items]\n";
    let f = facts("app.py", src);
    let filter = f
        .conditions
        .iter()
        .find(|c| c.names.iter().any(|n| n.as_str() == "i.allow_training"))
        .expect("the filter is a condition");
    let comprehension = src.find("[i.text").unwrap();
    assert_eq!(filter.then.start_byte as usize, comprehension);
    assert_eq!(filter.then.end_byte as usize, src.find("]\n").unwrap() + 1);
    assert!(filter.then.contains(&filter.span), "the test lies inside");
    assert_eq!(filter.orelse, None);
    assert_eq!(filter.scope.as_deref(), Some("f"));
    // The ternary in the other comprehension keeps its own shape: its test
    // is outside its `then`, and it has an `else`.
    let ternary = f
        .conditions
        .iter()
        .find(|c| c.names.iter().any(|n| n.as_str() == "s.on"))
        .expect("the ternary is a condition");
    assert!(!ternary.then.contains(&ternary.span));
    assert!(ternary.orelse.is_some());
    assert_eq!(f.conditions.len(), 2);
}
