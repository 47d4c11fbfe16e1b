//! Inferred generation sites: calls of the project's own models, which no
//! catalogue entry names. A candidate is a call that runs a model — an
//! instance of a project class deriving from `torch.nn.Module` (its
//! `__call__`, `forward`, `inference`, ...), or a runtime running exported
//! weights (an onnxruntime session's `run`, a TensorRT context) — whose
//! result the code names as media or text (`audio`, `crop_vision_frame`,
//! `caption`; a `not_media` token such as `embedding`, `boxes` or `scores`
//! vetoes). `results.rs` keeps a candidate only where an entry point that
//! reaches it also reaches a call that delivers media (a writer, a media
//! response). All of it is data in `[inferred]` of `generation.toml`.

use std::collections::VecDeque;

use rayon::prelude::*;

use crate::analysis::callgraph::PlacedSite;
use crate::analysis::generation::{GenerationSite, SiteCall};
use crate::analysis::index::{Symbol, dotted};
use crate::analysis::{Project, Reader};
use crate::catalog::inferred::NameSays;
use crate::catalog::{Catalog, ContentType};
use crate::facts::{Call, FileFacts, Language, QName, Receiver, Value};

/// Base-class searches stop after this many classes.
const MAX_BASES: usize = 32;

/// The candidates of file `fi` (call order); `observed` are its catalogue
/// sites, sorted by call.
pub(crate) fn file_candidates<'a>(
    project: &Project,
    catalog: &'a Catalog,
    fi: usize,
    file: &FileFacts,
    observed: &[GenerationSite<'_>],
) -> Vec<GenerationSite<'a>> {
    let mut out = Vec::new();
    if file.language != Language::Python {
        return out;
    }
    let mut seen = observed.iter().map(|s| s.call).peekable();
    for (ci, call) in file.calls.iter().enumerate() {
        while seen.next_if(|&c| c < ci).is_some() {}
        if seen.peek() == Some(&ci) {
            continue;
        }
        let Some(runs) = model_call(project, catalog, call) else {
            continue;
        };
        // Layers called inside a model's own methods are the model's
        // business: the site is where application code runs the model.
        if let Some(class) = call
            .scope
            .and_then(|s| file.functions.iter().find(|f| f.qualname == s))
            .and_then(|f| f.class)
            && is_model_class(project, catalog, &dotted(&file.module, &class))
        {
            continue;
        }
        let (names, source) = result_names(file, ci);
        let NameSays::Media(content) = catalog.inferred.classify(names.iter().copied()) else {
            continue;
        };
        let edits = biometric_model(catalog, call);
        let runs = match &edits {
            Some(name) => format!("{runs}, `{name}` names a face or voice editing model"),
            None => runs,
        };
        out.push(GenerationSite {
            file: fi,
            call: ci,
            at: SiteCall::of(call),
            api: &catalog.inferred_api,
            content: vec![content],
            model: None,
            provider: catalog.inferred_api.provider.clone(),
            host: None,
            jurisdiction: catalog.inferred_api.jurisdiction,
            passed: None,
            inferred: Some(format!(
                "{runs}; the names {source} its result (`{}`) say {}",
                names.join("`, `"),
                describe(content)
            )),
            configured: None,
            region: None,
            biometric: edits.is_some(),
        });
    }
    out
}

/// The name that says a model call edits faces or voices, if any: the
/// receiver's last name (`face_swapper.run(None, feeds)`), or the literal
/// model file the receiver was made from
/// (`InferenceSession("inswapper_128.onnx").run`).
fn biometric_model(catalog: &Catalog, call: &Call) -> Option<String> {
    let inf = &catalog.inferred;
    if let Receiver::Name(chain) = call.receiver {
        let last = chain.rsplit('.').next().unwrap_or_default();
        if inf.is_biometric_model(last) {
            return Some(last.to_string());
        }
    }
    let file = call
        .receiver_args()?
        .iter()
        .find(|a| a.keyword.is_none())?
        .value
        .as_str()?;
    inf.is_biometric_model(file).then(|| file.to_string())
}

fn describe(content: ContentType) -> &'static str {
    match content {
        ContentType::Text => "text",
        ContentType::Image => "an image",
        ContentType::Audio => "audio",
        ContentType::Video => "video",
    }
}

/// Calls that deliver media to the user, in file and call order. Asked
/// only when there are candidates (most projects have none, and which do
/// is known only after the per-file phase's second pass): reads of its own
/// rather than a part of that phase, where every project would pay for it
/// (~14 M instructions on the 1k corpus). Only Python files have such
/// calls: the others are left unread, by the summary's language.
pub fn deliveries(project: &Project, catalog: &Catalog) -> Vec<PlacedSite> {
    let per_file: Vec<Vec<PlacedSite>> = (0..project.file_count())
        .into_par_iter()
        .filter(|&fi| project.language(fi) == Language::Python)
        .map(|fi| file_deliveries(catalog, fi, &project.file(fi, Reader::Inferred)))
        .collect();
    per_file.into_iter().flatten().collect()
}

/// File `fi`'s calls that deliver media to the user, in call order.
fn file_deliveries(catalog: &Catalog, fi: usize, file: &FileFacts) -> Vec<PlacedSite> {
    if file.language != Language::Python {
        return Vec::new();
    }
    file.calls
        .iter()
        .enumerate()
        .filter(|(_, call)| catalog.inferred.is_delivery(call))
        .map(|(ci, call)| PlacedSite::of(fi, ci, call))
        .collect()
}

/// Why a call runs a model of the project, or `None`.
fn model_call(project: &Project, catalog: &Catalog, call: &Call) -> Option<String> {
    let inf = &catalog.inferred;
    if let Some(r) = &call.resolved {
        if inf.is_runtime_call(r.as_str()) {
            return Some(format!("`{}` runs exported model weights", call.callee));
        }
        if let Some(class) = r.instance_of()
            && inf.model_methods.iter().any(|m| m == "__call__")
            && is_model_class(project, catalog, class)
        {
            return Some(format!(
                "`{}` calls `{}`, a model class of the project",
                call.callee,
                crate::qname::last_name(class)
            ));
        }
        if let Some((instance, method)) = r.instance_method()
            && is_model_method(catalog, method)
            && is_model_class(project, catalog, instance)
        {
            return Some(format!(
                "`{}` runs `{}`, a model class of the project",
                call.callee,
                crate::qname::last_name(instance)
            ));
        }
    }
    // A model of unknown type the code names as one (`self.blip_model.model.generate`).
    if let Receiver::Name(chain) = call.receiver
        && let Some((_, method)) = call.callee.rsplit_once('.')
        && is_model_method(catalog, method)
        && crate::catalog::personal_data::tokens(chain.rsplit('.').next().unwrap_or_default())
            .iter()
            .any(|t| inf.model_receivers.contains(t))
    {
        return Some(format!(
            "`{}` runs what the code names a model",
            call.callee
        ));
    }
    // A session of unknown type called the way onnxruntime's are.
    let method = call.callee.rsplit('.').next().unwrap_or_default();
    let first = call.args.iter().find(|a| a.keyword.is_none());
    if call.callee.contains('.')
        && inf
            .runtime_methods
            .iter()
            .any(|m| m.method == method && first.is_some_and(|a| m.first_arg.matches(&a.value)))
        && call.args.iter().filter(|a| a.keyword.is_none()).count() >= 2
    {
        return Some(format!(
            "`{}` is called like an inference session running exported weights",
            call.callee
        ));
    }
    None
}

/// A method that runs the model: named in `model_methods`, or its first
/// name token is (`forward_streaming`).
fn is_model_method(catalog: &Catalog, method: &str) -> bool {
    let methods = &catalog.inferred.model_methods;
    methods.iter().any(|m| m == method)
        || crate::catalog::personal_data::token_spans(method)
            .next()
            .is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                methods.contains(&t)
            })
}

/// Whether a project class derives, through project classes, from one of
/// the catalogue's model base classes (breadth-first, bounded).
fn is_model_class(project: &Project, catalog: &Catalog, class: &str) -> bool {
    let bases = &catalog.inferred.module_bases;
    let mut queue = VecDeque::from([QName::new(class)]);
    let mut seen = 0;
    while let Some(c) = queue.pop_front() {
        seen += 1;
        if seen > MAX_BASES {
            return false;
        }
        match project.index.symbol(c.as_str()) {
            Some(Symbol::Class(fi, ci)) => queue.extend(
                project.file(fi, Reader::Inferred).classes[ci]
                    .bases
                    .iter()
                    .map(|b| project.canonical_or_same(b)),
            ),
            // Only project classes count: calling the library class itself
            // is the library's business (the catalogue's).
            _ if seen > 1 && bases.iter().any(|b| b == c.as_str()) => return true,
            _ => {}
        }
    }
    false
}

/// The names that say what a call's result is, and where they come from:
/// the targets of the assignments that hold the call; else, when the call
/// is returned or its result goes into another expression, the enclosing
/// function's name and the names it returns as they are.
fn result_names(file: &FileFacts, ci: usize) -> (Vec<&str>, &'static str) {
    let call = &file.calls[ci];
    let inside = |span: &crate::source::Span| {
        span.start_byte <= call.span.start_byte && call.span.end_byte <= span.end_byte
    };
    let targets: Vec<&str> = file
        .assignments
        .iter()
        .filter(|a| a.scope == call.scope && inside(&a.span))
        .map(|a| a.target.as_str())
        .collect();
    if !targets.is_empty() {
        return (targets, "of");
    }
    let Some(scope) = &call.scope else {
        return (Vec::new(), "");
    };
    let mut names = vec![scope.as_str().rsplit('.').next().unwrap_or_default()];
    for r in file.returns.iter().filter(|r| r.scope == Some(*scope)) {
        // Names returned as they are; what an expression reads includes
        // the call's own inputs (`return model(image)`), which say nothing.
        if let Value::Name { text, .. } = &r.value {
            names.push(text.as_str());
        }
    }
    names.dedup();
    (names, "around")
}
