//! The entry-point finder on one small project per framework
//! (`fixtures/entrypoints/<framework>/`): the exact entry points, look-alikes
//! that must not count, catalogue extension from config.

mod common;

use std::path::{Path, PathBuf};

use synthlint::analysis::entrypoints::{self, EntryPoint, Handler};
use synthlint::config::{self, Overrides};
use synthlint::engine;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/entrypoints")
        .join(name)
}

/// One line per entry point:
/// `path:line kind framework [METHODS] route -> handler (private) exposed: ...`.
fn render(e: &EntryPoint) -> String {
    let kind = serde_json::to_value(e.kind).unwrap();
    let handler = match &e.handler {
        Handler::Function { module, qualname } => format!("{module}:{qualname}"),
        Handler::Module { module } => format!("module {module}"),
        Handler::MainBlock { module, span } => format!("main {module}:{}", span.start_line),
        Handler::Closure {
            module,
            scope,
            span,
        } => format!(
            "closure {module}:{}:{}",
            scope.as_deref().unwrap_or("-"),
            span.start_line
        ),
    };
    let mut s = format!(
        "{}:{} {} {} [{}] {} -> {}",
        e.location.path,
        e.location.span.start_line,
        kind.as_str().unwrap(),
        e.framework,
        e.methods.join(","),
        e.route.as_deref().unwrap_or("-"),
        handler
    );
    if !e.public {
        s.push_str(" (private)");
    }
    if !e.exposure.is_empty() {
        s.push_str(&format!(" exposed: {}", e.exposure.join("; ")));
    }
    s
}

fn find_in(dir: &Path) -> Vec<EntryPoint> {
    let overrides = Overrides {
        paths: vec![dir.to_path_buf()],
        root: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let settings = config::resolve(&overrides).expect("settings");
    let (project, catalog, notes) =
        engine::load_project(&[dir.to_path_buf()], &settings).expect("project");
    assert!(notes.is_empty(), "scan notifications: {notes:?}");
    entrypoints::find(&project, &catalog)
}

fn check(name: &str, expected: &[&str]) {
    let found = find_in(&fixture(name));
    let mut got: Vec<String> = found.iter().map(render).collect();
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(
        got,
        want,
        "\nentry points in fixtures/entrypoints/{name}:\n{}\n",
        got.join("\n")
    );
}

#[test]
fn fastapi_routers_prefixes_and_factories() {
    check(
        "fastapi",
        &[
            // Router prefix `/v1` under `include_router(chat.router, prefix="/api")`.
            "app/routers/chat.py:12 http fastapi [POST] /api/v1/chat -> app.routers.chat:chat",
            // Stacked decorators: two routes, one handler; methods upper-cased.
            "app/routers/chat.py:17 http fastapi [POST,PUT] /api/v1/complete -> app.routers.chat:complete",
            "app/routers/chat.py:18 http fastapi [GET] /api/v1/complete/{job_id} -> app.routers.chat:complete",
            // Prefix from a constant in another module; router imported under an alias.
            "app/routers/admin.py:6 http fastapi [DELETE] /internal/admin/users/{user_id} -> app.routers.admin:delete_user",
            "app/main.py:12 http fastapi [GET] /health -> app.main:health",
            "app/main.py:17 websocket fastapi [] /ws -> app.main:stream",
            "app/main.py:26 http fastapi [GET,HEAD] /ping -> app.main:ping",
            // `application = create_app()` with `def create_app() -> FastAPI`.
            "app/factory.py:11 http fastapi [GET] /ready -> app.factory:ready",
            "app/plain_starlette.py:18 http starlette [GET] / -> app.plain_starlette:homepage",
            "app/plain_starlette.py:19 http starlette [POST] /submit -> app.plain_starlette:submit",
            "app/plain_starlette.py:20 websocket starlette [] /feed -> app.plain_starlette:feed",
            // `app.post("/feedback")(feedback)`: a decorator applied by hand.
            "app/main.py:34 http fastapi [POST] /feedback -> app.main:feedback",
            "app/main.py:35 http fastapi [PUT] /echo -> app.main:ping",
            // Not here: `@mailbox.post("/letters")` on a class of our own (lookalike.py).
        ],
    );
}

#[test]
fn flask_blueprints_url_rules_and_method_views() {
    check(
        "flask",
        &[
            // `register_blueprint(bp, url_prefix="/blog")` replaces the blueprint's own prefix.
            "blog/views.py:6 http flask [GET,POST] /blog/posts -> blog.views:posts",
            "blog/views.py:11 http flask [GET] /blog/posts/<int:post_id> -> blog.views:show_post",
            "blog/views.py:20 http flask [GET] /blog/about -> blog.views:about",
            // The blueprint's own `url_prefix` when registered without one.
            "blog/api.py:24 http flask [DELETE] /api/items/<int:item_id> -> blog.api:delete_item",
            // A page module whose blueprint `loader.py` stores on it before running it
            // (`page.manager = Blueprint(...)`); `other_app.py` binds its own `manager`.
            "blog/chat_app.py:1 http flask [POST] /chats -> blog.chat_app:create_chat",
            // `add_url_rule(view_func=ItemAPI.as_view(...))`: one entry per handler method.
            "blog/__init__.py:12 http flask [GET] /items/<int:item_id> -> blog.api:ItemAPI.get",
            "blog/__init__.py:12 http flask [POST] /items/<int:item_id> -> blog.api:ItemAPI.post",
            // A route on a local app inside the factory.
            "blog/__init__.py:14 http flask [GET] / -> blog:create_app.index",
            // Not here: DraftAPI, a MethodView nobody registers.
        ],
    );
}

#[test]
fn django_urls_includes_class_views_and_drf_routers() {
    check(
        "django",
        &[
            // `path("chat/", include("chat.urls"))`.
            "chat/urls.py:6 http django [] /chat/ -> chat.views:index",
            "chat/urls.py:7 http django [GET] /chat/reply/ -> chat.views:ReplyView.get",
            "chat/urls.py:7 http django [POST] /chat/reply/ -> chat.views:ReplyView.post",
            // A generic view with no handler of its own: the class is the handler.
            "chat/urls.py:8 http django [] /chat/about/ -> chat.views:AboutView",
            "chat/urls.py:9 http django [] /chat/legacy/(?P<room>\\w+)/$ -> chat.views:legacy_room",
            // `router.register(...)` under `path("api/", include(router.urls))`.
            "mysite/urls.py:8 http django [GET] /api/messages -> chat.api:MessageViewSet.list",
            "mysite/urls.py:8 http django [POST] /api/messages -> chat.api:MessageViewSet.create",
            // Not here: admin.site.urls (library code), UnroutedView (never routed).
        ],
    );
}

#[test]
fn aiohttp_router_route_tables_views_and_subapps() {
    check(
        "aiohttp",
        &[
            "server.py:6 http aiohttp [POST] /generate -> server:generate",
            "server.py:11 http aiohttp [PATCH] /settings -> server:settings",
            // A class registered by a class decorator (`@routes.view(...)`).
            "server.py:36 http aiohttp [POST] /orders -> server:OrderView.post",
            "server.py:52 http aiohttp [GET] / -> server:index",
            "server.py:53 http aiohttp [PUT] /items -> server:put_item",
            "server.py:54 http aiohttp [GET] /view -> server:ItemView.get",
            "server.py:54 http aiohttp [DELETE] /view -> server:ItemView.delete",
            "server.py:55 http aiohttp [GET] /status -> server:status",
            "server.py:55 http aiohttp [POST] /echo -> server:echo",
            // `app.add_subapp("/admin", admin)`.
            "server.py:58 http aiohttp [GET] /admin/stats -> server:stats",
            "server.py:63 cli script [] - -> main server:63 (private)",
        ],
    );
}

#[test]
fn sanic_routes_methods_and_websockets() {
    check(
        "sanic",
        &[
            "server.py:8 http sanic [POST] /recommend -> server:recommend",
            "server.py:13 http sanic [GET,HEAD] /health -> server:health",
            "server.py:18 http sanic [GET] /stats -> server:stats",
            "server.py:23 websocket sanic [] /feed -> server:feed",
            // Not here: `before_server_start`, a lifecycle hook.
        ],
    );
}

#[test]
fn tornado_handlers_with_and_without_routes() {
    check(
        "tornado",
        &[
            "app.py:34 http tornado [GET] / -> app:MainHandler.get",
            "app.py:34 http tornado [POST] / -> app:MainHandler.post",
            "app.py:35 websocket tornado [] /ws -> app:ChatSocket.open",
            "app.py:35 websocket tornado [] /ws -> app:ChatSocket.on_message",
            // `url(...)` to a handler in another module, through a project base class.
            "app.py:36 http tornado [GET] /status -> handlers:StatusHandler.get",
            // A RequestHandler subclass outside the route table: found, no route.
            "app.py:27 http tornado [GET] - -> app:DebugHandler.get",
            "app.py:41 cli script [] - -> main app:41 (private)",
            // Not here: ResizeJob, whose `RequestHandler` base is a class of our own.
        ],
    );
}

#[test]
fn gradio_listeners_interfaces_and_exposure() {
    check(
        "gradio",
        &[
            "demo.py:30 ui gradio [] Button.click -> demo:greet exposed: launch(share=True)",
            "demo.py:30 ui gradio [] Button.click.then -> demo:clear_box exposed: launch(share=True)",
            "demo.py:31 ui gradio [] Textbox.submit -> demo:greet exposed: launch(share=True)",
            "demo.py:34 ui gradio [] ChatInterface -> demo:respond exposed: launch(share=True)",
            "classify.py:9 ui gradio [] Interface -> classify:classify exposed: launch(server_name=\"0.0.0.0\")",
            "classify.py:8 cli script [] - -> main classify:8 (private)",
            // demo.py launches at module level with no guard: run as a script
            // (located at its first call statement).
            "demo.py:24 cli script [] - -> module demo (private)",
            // Components kept in a dict another module fills: each link
            // of a chain is its own entry point; `partial(f, ...)` is `f`.
            "chat_ui.py:30 ui gradio [] Component.click -> chat_ui:gather",
            "chat_ui.py:31 ui gradio [] Component.click.then -> chat_ui:generate_reply",
            "chat_ui.py:32 ui gradio [] Component.submit -> chat_ui:generate_reply",
            // A registry filled through `register_ui_component(name, c)`,
            // read through getters (one component, or a list of them); a
            // global assigned a component in another function.
            "preview.py:29 ui gradio [] Component.release -> preview:update_preview_image",
            "preview.py:30 ui gradio [] Button.click -> preview:run",
            "preview.py:32 ui gradio [] Component.change -> preview:update_preview_image",
            // `gr.on` with a lambda that hands the event to a project function.
            "preview.py:33 ui gradio [] on -> preview:update_preview_image",
            // Blocks built in a function; the generating step is the third
            // link; a project subclass of a component.
            "blocks_app.py:15 ui gradio [] Button.click.then.then -> blocks_app:generate",
            "blocks_app.py:16 ui gradio [] ImageInput.upload -> blocks_app:generate",
            // Not here: `go.click(lambda: None)` (a lambda that calls no
            // project function), `robot.click(greet)` on a class of our own,
            // and `shared.robots["helper"].click(...)` (a registry of
            // objects that are not components).
        ],
    );
}

#[test]
fn streamlit_scripts_are_modules_that_import_streamlit() {
    check(
        "streamlit",
        &[
            "Home.py:1 script streamlit [] - -> module Home",
            "pages/History.py:1 script streamlit [] - -> module pages.History",
            // The page's `__main__` block is part of the page, not a command line.
            "pages/Chat.py:1 script streamlit [] - -> module pages.Chat",
            "pages/Chat.py:9 script streamlit [] - -> main pages.Chat:9",
            // Streamlit through a star import of a project module (common.py).
            "pages/Settings.py:1 script streamlit [] - -> module pages.Settings",
            // A star import of a module without Streamlit: a plain script.
            "lookalike.py:4 cli script [] - -> module lookalike (private)",
            // Not here: helpers.py (no Streamlit), and widgets.py and
            // common.py (Streamlit helpers that pages import: definitions only).
        ],
    );
}

#[test]
fn desktop_ui_callbacks_are_local_entry_points() {
    check(
        "desktop",
        &[
            "tk_app.py:20 desktop tkinter [] Button -> tk_app:generate (private)",
            "tk_app.py:21 desktop tkinter [] Button -> tk_app:clear (private)",
            "tk_app.py:23 desktop tkinter [] CTkButton.configure -> tk_app:save (private)",
            "qt_app.py:7 desktop qt [] PyQt5.QtWidgets.QPushButton.clicked.connect -> qt_app:Window.on_generate (private)",
            "qt_app.py:18 desktop qt [] PyQt5.QtWidgets.QPushButton.clicked.connect -> qt_app:on_quit (private)",
            // tk_app.py and qt_app.py also run at module level with no guard.
            "tk_app.py:21 cli script [] - -> module tk_app (private)",
            "qt_app.py:18 cli script [] - -> module qt_app (private)",
            // Not here: `tk.Label(text=...)` (no command).
        ],
    );
}

#[test]
fn command_lines_main_blocks_click_typer_fire() {
    check(
        "cli",
        &[
            "tool.py:4 cli click [] cli -> tool:cli (private)",
            // `@cli.command()` on the `@click.group()` function.
            "tool.py:9 cli click [] download -> tool:download (private)",
            "tool.py:14 cli click [] run-eval -> tool:evaluate (private)",
            "tool.py:20 cli click [] standalone -> tool:standalone (private)",
            "tool.py:25 cli script [] - -> main tool:25 (private)",
            "typed.py:6 cli typer [] fine-tune -> typed:fine_tune (private)",
            "typed.py:11 cli typer [] serve -> typed:start_server (private)",
            "typed.py:20 cli script [] - -> main typed:20 (private)",
            "typed.py:21 cli typer [] main -> typed:main (private)",
            "fire_tool.py:8 cli script [] - -> main fire_tool:8 (private)",
            "fire_tool.py:9 cli fire [] export_model -> fire_tool:export_model (private)",
        ],
    );
}

#[test]
fn scripts_without_a_main_guard() {
    check(
        "scripts",
        &[
            // The first call statement that is not set-up (`logging.basicConfig`, `sys.path`).
            "generate.py:11 cli script [] - -> module generate (private)",
            "guarded.py:5 cli script [] - -> main guarded:5 (private)",
            // Not here: pkg/prompts.py (imported), settings_loader.py (set-up
            // calls only), setup.py (ignored path), decorated_only.py (a class
            // decorator is not a statement).
        ],
    );
}

#[test]
fn apps_run_from_a_subdirectory_import_from_there() {
    check(
        "monorepo",
        &[
            // `from app.routers import items` in backend/app/main.py.
            "backend/app/routers/items.py:6 http fastapi [GET] /api/items/{item_id} -> backend.app.routers.items:read_item",
            // `from handlers.describe import describe` in ui/app.py.
            "ui/app.py:6 ui gradio [] Interface -> ui.handlers.describe:describe",
            "ui/app.py:6 cli script [] - -> module ui.app (private)",
        ],
    );
}

#[test]
fn model_servers() {
    check(
        "servers",
        &[
            "predict.py:8 http cog [POST] /predictions -> predict:Predictor.predict",
            "model_repo/tts/1/model.py:8 http triton [POST] - -> model_repo.tts.1.model:TritonPythonModel.execute",
            // Public methods of a generated `*Servicer` subclass; not `_warm_up`.
            "grpc_server.py:13 http grpc [POST] - -> grpc_server:SpeechService.Synthesize",
            // A class with no generated base that `add_ChatServicer_to_server`
            // registers; not the class nothing registers.
            "grpc_registered.py:12 http grpc [POST] - -> grpc_registered:ChatService.Generate",
            "bento_service.py:6 http bentoml [POST] /summarize -> bento_service:Summarizer.summarize",
            "bento_service.py:10 http bentoml [POST] /v2/translate -> bento_service:Summarizer.translate",
            "lit_server.py:8 http litserve [POST] /predict -> lit_server:CaptionAPI.predict",
            "lit_server.py:12 cli script [] - -> main lit_server:12 (private)",
            "triton_server.py:19 http pytriton [POST] /v2/models/echo/infer -> triton_server:echo",
            // A callable instance: its `__call__` is the handler.
            "triton_server.py:25 http pytriton [POST] /v2/models/upscale/infer -> triton_server:Upscaler.__call__",
            "triton_server.py:17 cli script [] - -> main triton_server:17 (private)",
        ],
    );
}

#[test]
fn output_is_sorted_and_repeatable() {
    let dir = fixture("fastapi");
    let a = find_in(&dir);
    let b = find_in(&dir);
    assert_eq!(a, b);
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(a, sorted);
}

#[test]
fn config_extends_the_entry_point_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("synthlint.toml"),
        r#"
[[catalog.entrypoints.decorator]]
id = "acme.expose"
framework = "acme"
kind = "http"
patterns = ["acme.Service().expose()"]
route = { position = 0, keyword = "path" }
methods = ["POST"]
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("svc.py"),
        "import acme\n\nservice = acme.Service()\n\n\n@service.expose(\"/run\")\ndef run():\n    return 1\n",
    )
    .unwrap();
    let got: Vec<String> = find_in(dir.path()).iter().map(render).collect();
    assert_eq!(got, vec!["svc.py:6 http acme [POST] /run -> svc:run"]);
}

/// Test code makes no entry points by default; a config can add test
/// globs, or scan test code after all.
#[test]
fn test_code_makes_no_entry_points_unless_asked() {
    let write = |dir: &Path, rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let main = "if __name__ == \"__main__\":\n    print(1)\n";
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "tests/load_test.py",
        "pkg/tests/run.py",
        "scripts/test_llm.py",
        "bench_test.py",
        "qa/smoke.py",
        "tool.py",
    ] {
        write(dir.path(), rel, main);
    }
    let got: Vec<String> = find_in(dir.path()).iter().map(render).collect();
    assert_eq!(
        got,
        vec![
            "qa/smoke.py:1 cli script [] - -> main qa.smoke:1 (private)",
            "tool.py:1 cli script [] - -> main tool:1 (private)",
        ]
    );
    write(
        dir.path(),
        "synthlint.toml",
        "[catalog.entrypoints]\ntest_paths = [\"qa/**\"]\n",
    );
    let got: Vec<String> = find_in(dir.path()).iter().map(render).collect();
    assert_eq!(
        got,
        vec!["tool.py:1 cli script [] - -> main tool:1 (private)"]
    );
    write(
        dir.path(),
        "synthlint.toml",
        "[catalog.entrypoints]\nscan_test_paths = true\n",
    );
    assert_eq!(find_in(dir.path()).len(), 6);
}

#[test]
fn a_bad_entry_point_pattern_in_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("synthlint.toml"),
        r#"
[[catalog.entrypoints.call]]
id = "acme.bad"
framework = "acme"
kind = "http"
patterns = ["acme.[oops"]
handler = { position = 0 }
"#,
    )
    .unwrap();
    let overrides = Overrides {
        paths: vec![dir.path().to_path_buf()],
        root: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let err = match config::resolve(&overrides) {
        Ok(_) => panic!("a bad pattern must be a config error"),
        Err(e) => format!("{e:?}"),
    };
    assert!(err.contains("acme.[oops"), "{err}");
}

#[test]
fn a_call_registration_without_a_handler_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("synthlint.toml"),
        r#"
[[catalog.entrypoints.call]]
id = "acme.nohandler"
framework = "acme"
kind = "http"
patterns = ["acme.route"]
"#,
    )
    .unwrap();
    let overrides = Overrides {
        paths: vec![dir.path().to_path_buf()],
        root: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let err = match config::resolve(&overrides) {
        Ok(_) => panic!("a call registration needs a handler argument"),
        Err(e) => format!("{e:?}"),
    };
    assert!(err.contains("handler"), "{err}");
}

#[test]
fn include_cycles_and_self_decoration_terminate() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    w(
        "a.py",
        "from fastapi import APIRouter\nfrom b import rb\n\nra = APIRouter(prefix=\"/a\")\nra.include_router(rb, prefix=\"/x\")\n",
    );
    w(
        "b.py",
        "from fastapi import APIRouter\nfrom a import ra\n\nrb = APIRouter(prefix=\"/b\")\nrb.include_router(ra)\n\n\n@rb.get(\"/y\")\ndef y():\n    return 1\n",
    );
    // A function decorated through itself: resolution stops after a few hops.
    w(
        "c.py",
        "import click\n\n\n@loop.command()\ndef loop():\n    pass\n",
    );
    let found = find_in(dir.path());
    let routes: Vec<&str> = found.iter().filter_map(|e| e.route.as_deref()).collect();
    assert!(!routes.is_empty());
    assert!(routes.iter().all(|r| r.ends_with("/b/y")), "{routes:?}");
}

#[test]
fn rust_axum_actix_rocket_tonic_and_binaries() {
    // Module names follow Cargo.toml (`name = "servers"`) and the `mod`
    // tree (`#[path = "routes/renamed.rs"] mod renamed;` is `servers.renamed`).
    // `#[cfg(test)] mod testing;` and inline `#[cfg(test)]` modules make none.
    check(
        "rust",
        &[
            // axum: `.route(path, post(h).get(h2))` in a function that
            // `main` nests under `/api`; a closure handler stands for the
            // project function it calls.
            "src/api/mod.rs:6 http axum [POST] /api/chat -> servers.api:chat",
            "src/api/mod.rs:6 http axum [GET] /api/chat -> servers.api:history",
            "src/api/mod.rs:7 http axum [DELETE] /api/chat/{id} -> servers.api:forget",
            "src/api/mod.rs:8 http axum [POST] /api/v1/completions -> servers.api:complete",
            // `route_service` with `service_fn(h)`, `nest_service`, and a
            // path built by `format!` from a constant.
            "src/extra.rs:15 http axum [] /svc -> servers.extra:served",
            "src/inner.rs:7 http axum [POST] /inner/chat -> servers.inner:inner_chat",
            "src/extra.rs:17 http axum [GET] /x/formatted -> servers.extra:formatted",
            // A handler from a glob import; `CHAT_ROUTE.path` of a constant
            // made by `RouteInfo::new(path, ...)`.
            "src/extra.rs:19 http axum [POST] /registry/chat -> servers.glob_handlers:glob_chat",
            // Re-exported by `pub use inner_handlers::*`; a closure calling a
            // method of its typed parameter.
            "src/extra.rs:21 http axum [POST] /reexported -> servers.glob_handlers.inner_handlers:reexported",
            "src/extra.rs:22 http axum [GET] /models -> servers.registry:Registry.models",
            // A closure that calls no project function is its own handler,
            // in the function that registers it (`-`: `main`'s block).
            "src/extra.rs:24 http axum [GET] /metrics -> closure servers.extra:routes:24",
            "src/main.rs:26 http axum [GET] /health -> closure servers.main:-:26",
            "src/routes/renamed.rs:8 http axum [POST] /renamed -> servers.renamed:renamed_chat",
            // actix-web attributes and `web::post().to(h)` in `.route(path, ...)`.
            "src/legacy.rs:4 http actix-web [POST] /v0/generate -> servers.legacy:generate",
            "src/legacy.rs:9 http actix-web [GET] /v0/models -> servers.legacy:models",
            "src/legacy.rs:15 http actix-web [POST] /v0/embed -> servers.legacy:embed",
            // actix-web resources and scopes: `web::scope("/v2")` prefixes an
            // attribute route served in it, `web::resource(p).route(...)` and
            // `.route(p, ...)` along its chain; `resource(p).to(h)` takes any
            // method; `configure(f)` mounts f's routes.
            "src/actix_app.rs:3 http actix-web [GET] /v2/models -> servers.actix_app:list_models",
            "src/actix_app.rs:18 http actix-web [POST] /v2/chat -> servers.actix_app:chat",
            "src/actix_app.rs:18 http actix-web [GET] /v2/chat -> servers.actix_app:chat_history",
            "src/actix_app.rs:19 http actix-web [POST] /v2/embed -> servers.actix_app:scoped_embed",
            "src/actix_app.rs:21 http actix-web [] /any -> servers.actix_app:any_method",
            "src/actix_config.rs:6 http actix-web [POST] /feedback -> servers.actix_config:feedback",
            // rocket, through a renamed import of its attribute, and under
            // the prefix `mount("/rk", routes![...])` gives.
            "src/legacy.rs:20 http rocket [POST] /r/chat -> servers.legacy:rocket_chat",
            "src/rocket_app.rs:4 http rocket [POST] /rk/chat -> servers.rocket_app:mounted_chat",
            "src/rocket_app.rs:9 http rocket [GET] /rk/models -> servers.rocket_app:mounted_models",
            // poem: `.at(path, get(h))`, an inline router nested under `/poem`.
            "src/poem_app.rs:20 http poem [GET] /health -> servers.poem_app:poem_health",
            "src/poem_app.rs:21 http poem [POST] /poem/chat -> servers.poem_app:poem_chat",
            "src/poem_app.rs:21 http poem [GET] /poem/chat -> servers.poem_app:poem_history",
            // warp: path pieces and the method filter from the chain; a
            // `map` of a closure (state injection) is no handler.
            "src/warp_app.rs:15 http warp [POST] /w/chat -> servers.warp_app:warp_chat",
            "src/warp_app.rs:16 http warp [GET] /version -> servers.warp_app:warp_version",
            // tonic: the methods of an `impl <service>_server::Trait for T`.
            "src/grpc.rs:13 http tonic [POST] - -> servers.grpc:MyGenerator.generate",
            // `fn main` of the binary; `build.rs`'s `main` is no entry point.
            "src/main.rs:24 cli script [] - -> main servers.main:24 (private)",
        ],
    );
}

/// The registration records (`entrypoints::registration_records`) that
/// the per-file phase builds on the pool, each file read from the pass,
/// equal those of the serial loop they replaced (file after file, every
/// read a random read), on one thread and on four; and the entry points
/// found do not depend on the thread count.
#[test]
fn registration_records_per_file_equal_the_serial_loop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/entrypoints");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut registered = 0;
    for dir in &dirs {
        let mut found = Vec::new();
        for threads in [1, 4] {
            common::on_project(dir, threads, |project, catalog| {
                let serial = entrypoints::registration_records(project, catalog, false);
                let per_file = entrypoints::registration_records(project, catalog, true);
                assert_eq!(serial, per_file, "{} on {threads} threads", dir.display());
                registered += per_file
                    .iter()
                    .filter(|r| !r.contains("registered: []"))
                    .count();
                let eps: Vec<String> = entrypoints::find(project, catalog)
                    .iter()
                    .map(render)
                    .collect();
                found.push(eps);
            });
        }
        assert_eq!(found[0], found[1], "{}: 1 and 4 threads", dir.display());
    }
    // Not vacuous: the fixtures register handlers in many files.
    assert!(registered > 20, "{registered} files with registrations");
}
