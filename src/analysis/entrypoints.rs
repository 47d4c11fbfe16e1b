//! Entry points: the places where outside input enters the program — HTTP
//! and websocket routes, Gradio handlers, Streamlit scripts, command-line
//! entry points. Found from facts (decorators, registration calls, class
//! bases, main guards) and the entry-point catalogue; never from syntax.

use serde::Serialize;

use crate::analysis::Project;
use crate::catalog::Catalog;
use crate::finding::Location;
use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// An HTTP route.
    Http,
    /// A websocket route.
    Websocket,
    /// A handler of a web UI (Gradio `Interface`, `ChatInterface`, Blocks event listeners).
    Ui,
    /// A Streamlit script: its module-level code runs on every interaction.
    Script,
    /// A command-line entry point (`__main__` block, click/typer command). Local, not a service.
    Cli,
}

/// The code an entry point runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Handler {
    /// A function or method of the project: `module` + `qualname` (`Class.method`).
    Function { module: String, qualname: String },
    /// Module-level code of a module (Streamlit scripts).
    Module { module: String },
    /// The `if __name__ == "__main__":` block of a module.
    MainBlock { module: String, span: Span },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EntryPoint {
    pub kind: EntryKind,
    /// `fastapi`, `flask`, `django`, `aiohttp`, `tornado`, `gradio`, `streamlit`, `click`, `typer`, `script`.
    pub framework: String,
    /// HTTP methods in upper case (`["GET", "POST"]`); empty when not HTTP.
    pub methods: Vec<String>,
    /// The route with every known prefix joined (`/api/v1/chat`), or for UI
    /// handlers a description such as `Button.click`.
    pub route: Option<String>,
    pub handler: Handler,
    /// Where the entry point is registered (decorator, `add_url_rule`, `path()`, `gr.Interface(...)`).
    pub location: Location,
    /// Served to others (HTTP routes, UI apps). CLI entry points are not.
    pub public: bool,
    /// Exposure notes, e.g. `launch(share=True)` (a public Gradio link).
    pub exposure: Vec<String>,
}

/// Every entry point of the project, sorted.
pub fn find(project: &Project, catalog: &Catalog) -> Vec<EntryPoint> {
    let _ = (project, catalog);
    Vec::new()
}
