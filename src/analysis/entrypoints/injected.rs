//! Names a plugin loader puts into the modules it loads. Some products load
//! their route modules by file path and hand each one its router before
//! running it:
//!
//! ```python
//! page = importlib.util.module_from_spec(spec)
//! page.manager = Blueprint(name, module_name)
//! spec.loader.exec_module(page)
//! ```
//!
//! The loaded module then uses `manager` without binding it
//! (`@manager.route("/chats")`). A name stored on a module object this way
//! stands, in any module that does not bind it, for what was stored.

use globset::GlobSet;

use crate::analysis::FastMap;
use crate::analysis::Project;
use crate::facts::FileFacts;
use crate::qname::OptionQName;

/// Injected name → what the loader stores under it (`quart.Blueprint()`).
#[derive(Debug, Default)]
pub struct Injected {
    names: FastMap<String, String>,
}

impl Injected {
    /// The names injected, from what [`Injected::file_stores`] found in
    /// every file, in file order. Two loaders storing different things
    /// under one name cancel it.
    pub fn from_stores(stores: impl IntoIterator<Item = (String, String)>) -> Injected {
        let mut names: FastMap<String, Option<String>> = FastMap::default();
        for (name, value) in stores {
            names
                .entry(name)
                .and_modify(|v| {
                    if v.as_deref() != Some(value.as_str()) {
                        *v = None;
                    }
                })
                .or_insert(Some(value));
        }
        Injected {
            names: names
                .into_iter()
                .filter_map(|(k, v)| Some((k, v?)))
                .collect(),
        }
    }

    /// File `fi`'s stores `X.name = Call(...)` where `X` was bound, in the
    /// same scope, to the result of a call that makes a module object
    /// (`module_objects`): (name, what is stored), in assignment order.
    /// Test code (`test_paths`) stores stand-ins and is skipped.
    pub fn file_stores(
        project: &Project,
        module_objects: &[String],
        tests: &GlobSet,
        fi: usize,
        f: &FileFacts,
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if module_objects.is_empty() || tests.is_match(f.path.as_str()) {
            return out;
        }
        let bindings = project.index.bindings(fi);
        for a in &f.assignments {
            let Some((holder, name)) = a.target.split_once('.') else {
                continue;
            };
            if name.contains('.') {
                continue;
            }
            let Some(value) = a.value_call.as_name() else {
                continue;
            };
            let is_module = bindings
                .assigns(a.scope.as_deref(), holder)
                .iter()
                .map(|&i| &f.assignments[i as usize])
                .rfind(|h| h.span.start_byte < a.span.start_byte)
                .and_then(|h| h.value_call.as_name())
                .is_some_and(|made| {
                    let made = made.strip_suffix("()").unwrap_or(made);
                    module_objects.iter().any(|m| m == made)
                });
            if is_module {
                out.push((name.to_string(), value.to_string()));
            }
        }
        out
    }

    /// The resolved name of an expression whose head a loader injects and
    /// file `fi` does not bind: `manager.route()` → `quart.Blueprint().route()`.
    pub fn resolve(&self, project: &Project, fi: usize, text: &str) -> Option<String> {
        if self.names.is_empty() {
            return None;
        }
        let end = text.find(['.', '(', '[']).unwrap_or(text.len());
        let (head, rest) = text.split_at(end);
        let value = self.names.get(head)?;
        let bindings = project.index.bindings(fi);
        if bindings.defines(head) || !bindings.import_targets(head).is_empty() {
            return None;
        }
        Some(format!("{value}{rest}"))
    }
}
