use super::*;
use crate::facts::{Receiver, Value};

fn facts(path: &str, src: &str) -> FileFacts {
    let (f, notes) = extract(path, src);
    assert!(notes.is_empty(), "{notes:?}");
    f
}

fn resolved(f: &FileFacts, callee: &str) -> Option<String> {
    f.calls
        .iter()
        .find(|c| c.callee == callee)
        .unwrap_or_else(|| {
            panic!(
                "no call {callee}: {:?}",
                f.calls.iter().map(|c| c.callee).collect::<Vec<_>>()
            )
        })
        .resolved
        .map(|r| r.as_str().to_string())
}

#[test]
fn module_names_follow_the_crate_layout() {
    let m = |p: &str| module_name(p).1;
    assert_eq!(m("crates/llm-gw/src/lib.rs"), "llm_gw");
    assert_eq!(m("crates/llm-gw/src/api/mod.rs"), "llm_gw.api");
    assert_eq!(m("crates/llm-gw/src/api/chat.rs"), "llm_gw.api.chat");
    assert_eq!(m("gw/src/main.rs"), "gw.main");
    assert_eq!(m("gw/src/bin/worker.rs"), "gw.bin.worker");
    assert_eq!(m("src/lib.rs"), "crate");
    assert_eq!(m("gw/examples/chat.rs"), "gw.examples.chat");
    assert_eq!(module_name("gw/src/main.rs").0, "gw");
}

#[test]
fn use_trees_with_renames_globs_self_and_relative_paths() {
    let src = "use std::sync::{Arc, Mutex as M};\nuse async_openai::{self, Client as Oai};\nuse crate::llm::*;\nuse super::state::AppState;\nuse self::inner::f;\nmod inner { pub fn f() {} }\n";
    let f = facts("gw/src/api/chat.rs", src);
    let imports: Vec<(&str, &str)> = f
        .imports
        .iter()
        .map(|i| (i.local.as_str(), i.target.as_str()))
        .collect();
    assert!(imports.contains(&("Arc", "std.sync.Arc")));
    assert!(imports.contains(&("M", "std.sync.Mutex")));
    assert!(imports.contains(&("async_openai", "async_openai")));
    assert!(imports.contains(&("Oai", "async_openai.Client")));
    assert!(imports.contains(&("*", "gw.llm")));
    assert!(imports.contains(&("AppState", "gw.api.state.AppState")));
    assert!(imports.contains(&("f", "gw.api.chat.inner.f")));
}

#[test]
fn calls_resolve_through_lets_params_fields_and_wrappers() {
    let src = r#"
use std::sync::Arc;
use async_openai::Client;
use axum::extract::State;

struct AppState { client: Arc<Client<C>>, name: String }

impl AppState {
    async fn reply(&self, r: Req) -> String {
        self.client.clone().chat().create(r).await.unwrap()
    }
}

async fn handler(State(state): State<Arc<AppState>>) {
    let client = Client::new();
    let out = client.chat().create(req).await?;
    state.reply(out).await;
    Self::helper();
}
"#;
    let f = facts("gw/src/state.rs", src);
    assert_eq!(
        resolved(&f, "self.client.clone().chat().create").as_deref(),
        Some("async_openai.Client().chat().create")
    );
    assert_eq!(
        resolved(&f, "client.chat().create").as_deref(),
        Some("async_openai.Client.new().chat().create")
    );
    assert_eq!(
        resolved(&f, "state.reply").as_deref(),
        Some("gw.state.AppState().reply")
    );
    let method = f.functions.iter().find(|x| x.name == "reply").unwrap();
    assert_eq!(method.qualname, "AppState.reply");
    assert_eq!(method.class.as_deref(), Some("AppState"));
    assert_eq!(method.params, ["self", "r"]);
    let class = &f.classes[0];
    assert_eq!(class.fields[0].name, "client");
    assert_eq!(class.fields[0].type_text, "Arc<Client<C>>");
    assert_eq!(
        class.fields[0].type_.unwrap().as_str(),
        "async_openai.Client()"
    );
    let a = f.assignments.iter().find(|a| a.target == "client").unwrap();
    assert_eq!(a.scope.as_deref(), Some("handler"));
    assert_eq!(a.value_call.unwrap().as_str(), "async_openai.Client.new()");
}

#[test]
fn builder_chains_link_receivers() {
    let f = facts(
        "gw/src/lib.rs",
        "fn f() { Router::new().route(\"/x\", post(h)).route(\"/y\", get(g)); }\nfn h() {}\nfn g() {}\n",
    );
    let outer = f
        .calls
        .iter()
        .position(|c| c.callee == "Router.new().route().route")
        .unwrap();
    let inner = f
        .calls
        .iter()
        .position(|c| c.callee == "Router.new().route")
        .unwrap();
    assert!(outer < inner, "outer calls come first");
    assert_eq!(f.calls[outer].receiver, Receiver::Call(inner as u32));
    let post = f.calls.iter().find(|c| c.callee == "post").unwrap();
    assert!(
        matches!(&post.args[0].value, Value::Name { text, resolved: Some(r) } if text == "h" && r.as_str() == "gw.h")
    );
    assert_eq!(f.calls[inner].args[0].value, Value::Str("/x".into()));
}

#[test]
fn impl_away_from_its_struct_names_the_owner() {
    let f = facts(
        "gw/src/llm.rs",
        "use crate::state::AppState;\nimpl AppState { pub fn reply(&self) {} }\n",
    );
    let m = &f.functions[0];
    assert_eq!(m.qualname, "AppState.reply");
    assert_eq!(m.class, None);
    assert_eq!(m.owner.unwrap().as_str(), "gw.state.AppState");
}

#[test]
fn attributes_are_decorators_and_main_is_the_main_block() {
    let src = "use actix_web::{post, web};\n#[post(\"/chat\")]\nasync fn chat() {}\n#[derive(Debug)]\nstruct S;\n#[actix_web::main]\nasync fn main() { let x = web::Data::new(1); run(x); }\n";
    let f = facts("gw/src/main.rs", src);
    let chat = &f.functions[0];
    assert_eq!(chat.decorators.len(), 1);
    assert_eq!(
        chat.decorators[0].resolved.unwrap().as_str(),
        "actix_web.post()"
    );
    assert_eq!(chat.decorators[0].args[0].value, Value::Str("/chat".into()));
    assert!(f.classes[0].decorators.is_empty(), "derive is no decorator");
    assert_eq!(f.main_guards.len(), 1);
    assert!(f.functions.iter().all(|x| x.name != "main"));
    let run = f.calls.iter().find(|c| c.callee == "run").unwrap();
    assert_eq!(run.scope, None);
    assert!(f.main_guards[0].contains(&run.span));
}

#[test]
fn macros_give_calls_fields_and_templates() {
    let src = "use tracing::info;\nfn f(user: &str, prompt: String) {\n    info!(user = %user, len = prompt.len(), \"generated for {}\", user);\n    let s = format!(\"Summarise: {prompt}\");\n    log::warn!(target: \"x\", \"{}\", g(1));\n}\n";
    let f = facts("gw/src/lib.rs", src);
    let info = f.calls.iter().find(|c| c.callee == "info").unwrap();
    assert_eq!(info.resolved.unwrap().as_str(), "tracing.info");
    let keys: Vec<Option<&str>> = info.args.iter().map(|a| a.keyword.as_deref()).collect();
    assert_eq!(keys, [Some("user"), Some("len"), None, None]);
    assert!(
        f.calls.iter().any(|c| c.callee == "prompt.len"),
        "calls inside macro arguments"
    );
    assert!(
        f.calls.iter().any(|c| c.callee == "g"),
        "calls inside nested macros"
    );
    let s = f
        .strings
        .iter()
        .find(|s| &*s.value == "Summarise: ")
        .unwrap();
    assert!(s.interpolated);
    let a = f.assignments.iter().find(|a| a.target == "s").unwrap();
    let Value::Expr(e) = &a.value else {
        panic!("{:?}", a.value)
    };
    assert_eq!(
        e.reads.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["prompt"]
    );
}

/// A format string that captures names itself reads them: the log call's
/// argument is a template; one whose holes are all arguments stays a string.
#[test]
fn format_strings_read_what_they_capture() {
    let src = "fn f(prompt: String, id: u32) {\n    tracing::info!(%id, \"asked {prompt:?} ({n})\", n = 1);\n    log::info!(\"asked {}\", prompt);\n}\n";
    let f = facts("gw/src/lib.rs", src);
    let info = f.calls.iter().find(|c| c.callee == "tracing.info").unwrap();
    let Value::Expr(e) = &info.args[1].value else {
        panic!("{:?}", info.args[1].value)
    };
    assert_eq!(
        e.reads.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["prompt"]
    );
    let log = f.calls.iter().find(|c| c.callee == "log.info").unwrap();
    assert_eq!(log.args[0].value, Value::Str("asked {}".into()));
}

#[test]
fn a_condition_on_a_field_of_a_call_names_it_as_written() {
    let src = "fn f() {\n    if !settings::current().await.share_data { g(); }\n}\n";
    let f = facts("gw/src/lib.rs", src);
    assert!(
        f.conditions[0]
            .names
            .contains(&"settings.current().share_data".into()),
        "{:?}",
        f.conditions[0].names
    );
}

#[test]
fn comments_conditions_and_returns() {
    let src = "fn f(x: bool) -> Client {\n    // synthlint: ignore[GEN001]\n    if x && !flags.no_label { g(); } else { h(); }\n    Client::new()\n}\n";
    let f = facts("gw/src/lib.rs", src);
    assert_eq!(f.comments[0].text, " synthlint: ignore[GEN001]");
    assert_eq!(f.conditions.len(), 1);
    assert!(f.conditions[0].names.contains(&"flags.no_label".into()));
    assert!(f.conditions[0].orelse.is_some());
    assert_eq!(f.returns.len(), 1);
    assert_eq!(
        f.functions[0].returns,
        Some(crate::facts::Returns::Value(crate::facts::QName::new(
            "Client.new()"
        )))
    );
}

#[test]
fn broken_and_deep_files_are_notifications_not_panics() {
    let (f, notes) = extract("gw/src/lib.rs", "fn f( {\n// synthlint: ignore[X]\n");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].kind, "syntax-error");
    assert_eq!(f.comments.len(), 1, "comments survive a parse error");
    for deep in [
        format!("fn f() {{ {}x{} }}", "(".repeat(5000), ")".repeat(5000)),
        format!("fn f() {{ x{}; }}", ".a()".repeat(5000)),
        format!("fn f() {{ {}x; }}", "-".repeat(20000)),
    ] {
        let (_, notes) = extract("gw/src/lib.rs", &deep);
        assert_eq!(notes[0].kind, "too-deep");
    }
}

/// Just under the lexer's bound, syn's parser and the visit fit in the
/// parse thread's stack in a debug build, whatever the caller's stack (a
/// scan thread has 2 MiB).
#[test]
fn nesting_under_the_bound_fits_a_worker_stack() {
    let under = |unit: usize| (lex::MAX_DEPTH as usize - 8) / unit;
    let cases = [
        format!(
            "fn f() {{ {}x{} }}",
            "(".repeat(under(2)),
            ")".repeat(under(2))
        ),
        format!(
            "fn f() {{ {}x{} }}",
            "[".repeat(under(2)),
            "]".repeat(under(2))
        ),
        format!(
            "fn f() {{ {} }}",
            "{ ".repeat(under(2)) + &"}".repeat(under(2))
        ),
        format!("fn f() {{ x{}; }}", ".a()".repeat(under(3))),
        format!("fn f() {{ {}x; }}", "!".repeat(under(1))),
        format!("fn f() {{ {}1; }}", "1 + ".repeat(under(1))),
        format!("fn f() {{ {}x; }}", "|a| ".repeat(under(2))),
        format!(
            "fn f() {{ {}x{} }}",
            "g(".repeat(under(2)),
            ")".repeat(under(2))
        ),
        format!(
            "fn f() {{ {}x{} }}",
            "format!(\"{{}}\", ".repeat(under(3)),
            ")".repeat(under(3))
        ),
        format!(
            "type T = {}u8{};",
            "Vec<".repeat(under(2)),
            ">".repeat(under(2))
        ),
        format!(
            "fn f() {{ {}x{} }}",
            "if a { ".repeat(under(3)),
            " }".repeat(under(3))
        ),
    ];
    for src in cases {
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let (_, notes) = extract("gw/src/lib.rs", &src);
                notes.into_iter().map(|n| n.kind).collect::<Vec<_>>()
            })
            .unwrap();
        let kinds = handle.join().expect("no stack overflow");
        assert!(kinds.iter().all(|k| k != "too-deep"), "{kinds:?}");
    }
}

#[test]
fn serde_wire_names_of_fields() {
    let f = facts(
        "gw/src/api.rs",
        "#[derive(Deserialize)]\n#[serde(rename_all = \"camelCase\")]\nstruct Req {\n    phone_number: String,\n    #[serde(rename = \"mail\")]\n    email_address: String,\n    name: String,\n}\n",
    );
    let fields = &f.classes[0].fields;
    assert_eq!(fields[0].rename.as_deref(), Some("phoneNumber"));
    assert_eq!(fields[1].rename.as_deref(), Some("mail"));
    // Same on the wire: no rename.
    assert_eq!(fields[2].rename, None);
    assert_eq!(
        super::extract::recase("user_id", "SCREAMING-KEBAB-CASE").as_deref(),
        Some("USER-ID")
    );
    assert_eq!(
        super::extract::recase("user_id", "PascalCase").as_deref(),
        Some("UserId")
    );
    assert_eq!(super::extract::recase("user_id", "nonsense"), None);
}

#[test]
fn mod_declarations_and_test_only_code() {
    let f = facts(
        "gw/src/main.rs",
        "mod api;\n#[path = \"x/y.rs\"]\nmod renamed;\n#[cfg(test)]\nmod testing;\nmod inline { mod deep; }\n#[cfg(test)]\nmod tests { fn in_test() { Router::new(); } }\n#[test]\nfn a_test() { Router::new(); }\nfn kept() {}\n",
    );
    let subs: Vec<(String, Vec<String>, Option<String>, bool)> = f
        .submodules
        .iter()
        .map(|s| {
            (
                s.name.to_string(),
                s.inline.iter().map(|x| x.to_string()).collect(),
                s.path.map(|p| p.to_string()),
                s.test_only,
            )
        })
        .collect();
    assert_eq!(
        subs,
        vec![
            ("api".into(), vec![], None, false),
            ("renamed".into(), vec![], Some("x/y.rs".into()), false),
            ("testing".into(), vec![], None, true),
            ("deep".into(), vec!["inline".into()], None, false),
        ]
    );
    // Inline test modules and test functions are not extracted.
    let names: Vec<&str> = f.functions.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["kept"]);
    assert!(f.calls.is_empty());
}

#[test]
fn test_module_bodies_are_not_parsed_and_spans_do_not_move() {
    // The body is blanked before syn parses: broken code in it (with its
    // delimiters balanced) no longer drops the file, its comments still count, and a call after it on the
    // same line (after non-ASCII text) keeps its place.
    let src = "fn kept() {}\n#[cfg(test)]\nmod tests {\n    // synthlint: ignore[LOG001]\n    fn broken() { let = \"é€\"; }\n    #[cfg(test)] mod inner { x }\n} fn after() { Router::new(); }\n";
    let f = facts("gw/src/lib.rs", src);
    let names: Vec<&str> = f.functions.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["kept", "after"]);
    assert!(f.comments.iter().any(|c| c.text.contains("ignore[LOG001]")));
    let call = &f.calls[0];
    assert_eq!(call.callee, "Router.new");
    let at = src.find("Router").unwrap();
    assert_eq!(
        call.span,
        LineIndex::new(src).span(at, at + "Router::new()".len())
    );
    assert_eq!(
        &src[call.span.start_byte as usize..call.span.end_byte as usize],
        "Router::new()"
    );
}

#[test]
fn trait_impls_generic_bounds_and_enum_variants() {
    let src = r#"
use crate::provider::Provider;
pub struct OpenAi;
impl Provider for OpenAi {
    fn chat(&self) {}
}
pub enum Backend { OpenAi(OpenAi), Other(String) }
impl Backend {
    fn run(&self) {
        match self {
            Backend::OpenAi(p) => p.chat(),
            _ => {}
        }
    }
}
fn generic<P: Provider>(p: &P) { p.chat(); }
fn bounded<Q>(q: Q) where Q: Send + Provider { q.chat(); }
fn lookup(names: &[String]) -> Option<std::sync::Arc<OpenAi>> { names.first().cloned() }
"#;
    let f = facts("gw/src/lib.rs", src);
    let chat = f.functions.iter().find(|x| x.name == "chat").unwrap();
    assert_eq!(
        chat.implements.map(|q| q.as_str().to_string()).as_deref(),
        Some("gw.provider.Provider")
    );
    let calls: Vec<Option<String>> = f
        .calls
        .iter()
        .filter(|c| c.callee.ends_with("chat"))
        .map(|c| c.resolved.map(|r| r.as_str().to_string()))
        .collect();
    assert_eq!(
        calls,
        vec![
            Some("gw.OpenAi().chat".to_string()),
            Some("gw.provider.Provider().chat".to_string()),
            Some("gw.provider.Provider().chat".to_string()),
        ]
    );
    let lookup = f.functions.iter().find(|x| x.name == "lookup").unwrap();
    assert_eq!(
        lookup.returns,
        Some(crate::facts::Returns::Value(crate::facts::QName::new(
            "gw.OpenAi()"
        )))
    );
}

#[test]
fn channel_ends_carry_their_message_type() {
    let src = "use tokio::sync::mpsc;\nuse crate::jobs::Job;\nstruct Q { tx: mpsc::Sender<Job>, rx: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>, names: mpsc::Sender<String> }\nimpl Q {\n fn put(&self, j: Job) { self.tx.send(j); self.names.send(String::new()); }\n async fn run(&self) { let mut rx = self.rx.lock().await; rx.recv().await; }\n}\nasync fn worker(mut rx: flume::Receiver<Job>) { rx.recv_async().await; }\n";
    let f = facts("gw/src/queue.rs", src);
    let sent: Vec<(&str, &str)> = f
        .channels
        .iter()
        .map(|c| (f.calls[c.call as usize].callee.as_str(), c.message.as_str()))
        .collect();
    // `String` messages pair too many unrelated channels: not recorded.
    assert_eq!(
        sent,
        [
            ("self.tx.send", "gw.jobs.Job"),
            ("rx.recv", "gw.jobs.Job"),
            ("rx.recv_async", "gw.jobs.Job"),
        ]
    );
}

#[test]
fn iterated_elements_take_the_element_type() {
    let src = "use crate::client::Client;\nstruct S { clients: Vec<Client> }\nimpl S {\n fn a(&self) { self.clients.iter().map(|c| c.prefill()); }\n fn b(&self) { for c in &self.clients { c.decode(); } }\n}\n";
    let f = facts("gw/src/sharded.rs", src);
    assert_eq!(
        resolved(&f, "c.prefill").as_deref(),
        Some("gw.client.Client().prefill")
    );
    assert_eq!(
        resolved(&f, "c.decode").as_deref(),
        Some("gw.client.Client().decode")
    );
}

#[test]
fn braced_macro_bodies_of_statements_are_visited() {
    let src =
        "fn h() { let s = async_stream::stream! { let x = crate::llm::complete(); yield x; }; }\n";
    let f = facts("gw/src/api.rs", src);
    assert_eq!(
        resolved(&f, "crate.llm.complete").as_deref(),
        Some("gw.llm.complete")
    );
}

#[test]
fn channel_ends_made_by_a_method_and_values_taken_out_of_a_match() {
    let src = "use crate::jobs::Job;\nuse crate::engine::Engine;\nstruct M;\nimpl M {\n fn sender(&self) -> Result<tokio::sync::mpsc::Sender<Job>, E> { self.open_channel() }\n async fn put(&self, j: Job) { let tx = self.sender()?; tx.send(j).await; }\n}\nasync fn start() { let engine = match Engine::new() { Ok(e) => e, Err(_) => return }; engine.run().await; }\n";
    let f = facts("gw/src/lib.rs", src);
    let sent: Vec<&str> = f.channels.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(sent, ["gw.jobs.Job"]);
    assert_eq!(
        resolved(&f, "engine.run").as_deref(),
        Some("gw.engine.Engine.new().run")
    );
}

#[test]
fn type_aliases_stand_for_the_type_they_name() {
    let src = r#"
use std::sync::Arc;
use axum::extract::State;
use engine::Engine;

pub type Shared = Arc<Engine>;
pub type Extracted = State<Shared>;
type Guarded<T> = Arc<tokio::sync::Mutex<T>>;
mod inner { pub type Local = crate::model::Model; }

async fn handler(State(state): Extracted, s2: &Shared, g: Guarded<engine::Pipeline>, l: inner::Local) {
    state.send(r);
    s2.run();
    g.step();
    l.forward();
}
"#;
    let f = facts("gw/src/types.rs", src);
    assert_eq!(
        resolved(&f, "state.send").as_deref(),
        Some("engine.Engine().send")
    );
    assert_eq!(
        resolved(&f, "s2.run").as_deref(),
        Some("engine.Engine().run")
    );
    assert_eq!(
        resolved(&f, "g.step").as_deref(),
        Some("engine.Pipeline().step")
    );
    assert_eq!(
        resolved(&f, "l.forward").as_deref(),
        Some("gw.model.Model().forward")
    );
    // Module-level aliases are bindings other modules' uses go through;
    // a generic one names no type by itself.
    let bound: Vec<(&str, Option<&str>)> = f
        .assignments
        .iter()
        .map(|a| (a.target.as_str(), a.value_call.as_ref().map(|q| q.as_str())))
        .collect();
    assert!(bound.contains(&("Shared", Some("engine.Engine"))));
    assert!(bound.contains(&("Extracted", Some("engine.Engine"))));
    assert!(!bound.iter().any(|(t, _)| *t == "Guarded" || *t == "Local"));
}

#[test]
fn aliases_that_loop_settle() {
    let f = facts(
        "gw/src/lib.rs",
        "type A = B;\ntype B = A;\nfn f(a: A) { a.go(); }\n",
    );
    // No panic and no endless resolution; the name is some alias of the file.
    assert!(resolved(&f, "a.go").is_some());
}

#[test]
fn a_use_before_its_mod_declaration_names_the_module() {
    let f = facts(
        "gw/src/lib.rs",
        "use engine::Engine;\nuse std::sync::Arc;\nmod engine;\nfn start() { Engine::new(); Arc::new(1); }\n",
    );
    assert_eq!(
        resolved(&f, "Engine.new").as_deref(),
        Some("gw.engine.Engine.new")
    );
    assert_eq!(resolved(&f, "Arc.new").as_deref(), Some("std.sync.Arc.new"));
}

#[test]
fn derived_traits_are_bases() {
    let src = "use clap::Parser;\nuse serde::Deserialize;\n#[derive(Parser, Debug)]\n#[command(version)]\nstruct Cli { #[arg(long)] prompt: String }\n#[derive(Deserialize, clap::Subcommand)]\nenum Cmd { Ask }\nimpl std::fmt::Display for Cli { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { Ok(()) } }\n";
    let f = facts("gw/src/main.rs", src);
    let bases = |name: &str| -> Vec<String> {
        let c = f.classes.iter().find(|c| c.name == name).unwrap();
        c.bases.iter().map(|b| b.as_str().to_string()).collect()
    };
    // A prelude derive (`Debug`) names no path.
    assert_eq!(bases("Cli"), ["clap.Parser", "std.fmt.Display"]);
    assert_eq!(bases("Cmd"), ["serde.Deserialize", "clap.Subcommand"]);
}

#[test]
fn parameters_typed_by_aliases_keep_the_declared_wrapper() {
    let src = "use axum::extract::State;\nuse std::sync::Arc;\nstruct App;\ntype Shared = State<Arc<App>>;\ntype Again = Shared;\nasync fn h(a: Again, b: &Shared) {}\n";
    let f = facts("gw/src/main.rs", src);
    let h = f.functions.iter().find(|x| x.name == "h").unwrap();
    let types: Vec<Option<String>> = h
        .param_types
        .iter()
        .map(|t| t.map(|q| q.as_str().to_string()))
        .collect();
    assert_eq!(
        types,
        [
            Some("axum.extract.State".into()),
            Some("axum.extract.State".into())
        ]
    );
    let aliases: Vec<(String, String)> = f
        .type_aliases
        .iter()
        .map(|(n, t)| (n.to_string(), t.as_str().to_string()))
        .collect();
    assert_eq!(
        aliases,
        [
            ("Shared".into(), "axum.extract.State".into()),
            ("Again".into(), "axum.extract.State".into())
        ]
    );
}

/// A scan worker parses file after file on one thread: each file's facts
/// must be those of a parse on a thread of its own, whatever came before
/// (the line table and proc-macro2's span map are per thread), also for
/// texts of the same length and for one that is not ASCII. Without the
/// reset, mistral.rs got spans of an earlier file.
#[test]
fn a_worker_thread_reused_for_several_files_gives_each_its_own_facts() {
    let a = "fn a() {\n    let x = reqwest::get(\"http://a\");\n}\n";
    let b = "fn b() { let y =\n\n\n reqwest::get(\"http://bb\"); }\n";
    let c = "// é\nfn c() {\n    let z = reqwest::get(\"http://c\");\n}\n";
    assert_eq!(a.len(), b.len());
    let alone: Vec<String> = [a, b, c]
        .iter()
        .map(|t| format!("{:?}", facts("src/lib.rs", t)))
        .collect();
    let pool = crate::lang::worker_pool(1).build().unwrap();
    let reused: Vec<String> = pool.install(|| {
        [a, b, c, a]
            .iter()
            .map(|t| {
                let owned = t.to_string();
                format!("{:?}", facts("src/lib.rs", &owned))
            })
            .collect()
    });
    assert_eq!(reused[..3], alone[..]);
    assert_eq!(reused[3], alone[0]);
}

/// A struct literal is a call to its type with the fields as keywords
/// (`..base` as `**`), marked as a literal; a method called on one has it
/// as its receiver.
#[test]
fn struct_literals_are_calls_to_their_type() {
    let src = "use crate::models::Conversation;\n\
               mod entity;\n\
               fn f(user_id: i64, text: String, base: Conversation) {\n\
               \x20   let c = Conversation { user_id, messages: text, ..base };\n\
               \x20   entity::ActiveModel { id: 1 }.insert(db);\n\
               }\n";
    let f = facts("app/src/lib.rs", src);
    let i = f
        .calls
        .iter()
        .position(|c| c.callee == "Conversation")
        .unwrap();
    let c = &f.calls[i];
    assert_eq!(
        c.resolved.map(|r| r.as_str().to_string()).as_deref(),
        Some("app.models.Conversation")
    );
    let kw: Vec<Option<&str>> = c.args.iter().map(|a| a.keyword.as_deref()).collect();
    assert_eq!(kw, [Some("user_id"), Some("messages"), Some("**")]);
    assert!(matches!(&c.args[1].value, Value::Name { text, .. } if text == "text"));
    assert!(f.is_literal(i));
    let j = f
        .calls
        .iter()
        .position(|c| c.callee == "entity.ActiveModel")
        .unwrap();
    assert!(f.is_literal(j));
    let insert = f.calls.iter().find(|c| c.method() == "insert").unwrap();
    assert_eq!(insert.receiver, Receiver::Call(j as u32));
    assert!(!f.is_literal(f.calls.iter().position(|c| c.method() == "insert").unwrap()));
}

/// An associated constant is a binding of its type (`Config.DEFAULT`) at
/// module level: the struct literal it holds is its value, not code the
/// module runs (which would make the module a script).
#[test]
fn associated_constants_bind_their_value() {
    let src = "pub struct Config { pub table: &'static str }\n\
               impl Config {\n\
               \x20   const DEFAULT: Self = Self { table: \"t\" };\n\
               }\n";
    let f = facts("app/src/lib.rs", src);
    let call = f.calls.iter().find(|c| c.callee == "Self").unwrap();
    assert_eq!(
        call.resolved.map(|r| r.as_str().to_string()).as_deref(),
        Some("app.Config")
    );
    let a = f
        .assignments
        .iter()
        .find(|a| a.target == "Config.DEFAULT")
        .unwrap();
    assert!(a.scope.is_none() && a.span.contains(&call.span));
}

/// A macro's arguments are parsed once per file and kept by where the
/// macro closes: two files extracted one after the other on one worker,
/// with macros closing at the same places, each get their own.
#[test]
fn parsed_macros_are_kept_per_file() {
    let a =
        "fn f(a: u32, p: &str) {\n    let s = format!(\"x {}\", a);\n    info!(\"{}\", p);\n}\n";
    let b =
        "fn f(b: u32, q: &str) {\n    let s = format!(\"y {}\", b);\n    warn!(\"{}\", q);\n}\n";
    let reads = |f: &FileFacts| {
        let s = f.assignments.iter().find(|x| x.target == "s").unwrap();
        let Value::Expr(e) = &s.value else {
            panic!("{:?}", s.value)
        };
        e.reads.iter().map(|r| r.to_string()).collect::<Vec<_>>()
    };
    let on_worker = std::thread::Builder::new()
        .stack_size(PARSE_STACK)
        .spawn(move || {
            mark_parse_stack();
            (facts("gw/src/a.rs", a), facts("gw/src/b.rs", b))
        })
        .unwrap();
    let (fa, fb) = on_worker.join().unwrap();
    assert_eq!(reads(&fa), ["a"]);
    assert_eq!(reads(&fb), ["b"]);
    let log = |f: &FileFacts, name: &str| {
        let call = f.calls.iter().find(|c| c.callee == name).unwrap();
        call.args
            .iter()
            .map(|x| x.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        log(&fa, "info")[1],
        log(&facts("gw/src/a.rs", a), "info")[1]
    );
    assert_eq!(
        log(&fb, "warn")[1],
        log(&facts("gw/src/b.rs", b), "warn")[1]
    );
    // Two macros on one line, and one inside another's arguments.
    let c = "fn f(a: u32, b: u32) {\n    let s = format!(\"{}\", a); let t = format!(\"{}{}\", b, format!(\"{}\", a));\n}\n";
    let fc = facts("gw/src/c.rs", c);
    let t = fc.assignments.iter().find(|x| x.target == "t").unwrap();
    let Value::Expr(e) = &t.value else {
        panic!("{:?}", t.value)
    };
    assert_eq!(
        e.reads.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["b", "a"]
    );
}

/// The byte-wise shortening of ASCII text gives what the character-wise
/// one does.
#[test]
fn ascii_text_is_shortened_as_characters_are() {
    let long = format!("client.chat({})", "x, ".repeat(80));
    let samples = [
        "",
        "a",
        "self.client",
        "a  +\n\t b",
        "f(a, b)",
        "g(\"a  b\", c)",
        "g(\"a \\\" b\",   c)",
        "x\u{0B}y\u{0C}z\r\nw",
        "match x {\n    A => 1,\n    B => 2,\n}",
        "m :: n",
        long.as_str(),
    ];
    for t in samples {
        assert_eq!(values::shorten_ascii(t), values::shorten_chars(t), "{t:?}");
        assert_eq!(values::shorten(t), values::shorten_chars(t), "{t:?}");
    }
    assert!(values::shorten(&long).ends_with('…'));
    // Texts of every length around the cut, made of the characters the
    // steps tell apart (words, white space, quotes, escapes, `,` and `:`).
    let alphabet = b"a_9 \t\n\"\\,:(.";
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for n in 0..4000 {
        let len = n % 520;
        let t: String = (0..len)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                // Mostly word characters, as code is.
                let pick = (seed >> 33) as usize % (alphabet.len() + 6);
                char::from(*alphabet.get(pick).unwrap_or(&b'x'))
            })
            .collect();
        assert_eq!(
            values::shorten_ascii(&t),
            values::shorten_chars(&t),
            "{t:?}"
        );
    }
}

/// A string literal's value read from its text is what syn gives.
#[test]
fn string_literals_read_as_syn_reads_them() {
    for lit in [
        r#""""#,
        r#""plain text""#,
        r#""a\nb""#,
        r#""quote \" inside""#,
        r##"r#"raw "x""#"##,
        r#"r"raw""#,
        r#""é and ü""#,
        "\"line\r\nbreak\"",
        "\"cont\\\n    inued\"",
        r#""x"suffix"#,
    ] {
        let s: syn::LitStr = syn::parse_str(lit).unwrap();
        assert_eq!(values::lit_str(&s), s.value(), "{lit}");
    }
}

#[test]
#[allow(clippy::disallowed_methods)] // compares with syn's own methods
fn syn_lists_read_without_the_boxed_iterator_as_with_it() {
    use super::values::SynList;
    let paths = ["a", "a::b", "::a::b::c", "Vec::<u8>::new", "x::y::z::w"];
    for p in paths {
        let path: syn::Path = syn::parse_str(p).unwrap();
        let list = &path.segments;
        let by_items: Vec<String> = list.items().map(|s| s.ident.to_string()).collect();
        let by_iter: Vec<String> = list.iter().map(|s| s.ident.to_string()).collect();
        assert_eq!(by_items, by_iter, "{p}");
        let backwards: Vec<String> = list.items().rev().map(|s| s.ident.to_string()).collect();
        assert_eq!(backwards, by_iter.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(list.items().len(), list.len());
        assert_eq!(
            list.first_item().map(|s| s.ident.to_string()),
            by_iter.first().cloned()
        );
        assert_eq!(
            list.last_item().map(|s| s.ident.to_string()),
            by_iter.last().cloned()
        );
    }
    // Empty and with a trailing comma (the last item then sits in a pair
    // with its punctuation).
    let empty: syn::punctuated::Punctuated<syn::Expr, syn::Token![,]> = Default::default();
    assert!(empty.first_item().is_none() && empty.last_item().is_none());
    assert_eq!(empty.items().count(), 0);
    let syn::Expr::Call(call) = syn::parse_str::<syn::Expr>("f(a, b, c,)").unwrap() else {
        panic!("a call parses as a call");
    };
    let names: Vec<Option<String>> = call.args.items().map(super::values::name_chain).collect();
    let expected = ["a", "b", "c"].map(|s| Some(s.to_string()));
    assert_eq!(names, expected);
    assert_eq!(
        call.args
            .last_item()
            .and_then(super::values::name_chain)
            .as_deref(),
        Some("c")
    );
}
