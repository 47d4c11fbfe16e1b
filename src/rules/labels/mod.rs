pub mod aigc_metadata_malformed;
pub mod dataflow;
pub mod explicit_label_missing;
pub mod explicit_label_too_small;
pub mod implicit_label_missing;
pub mod label_stripping;
pub mod labeling_function_missing;
pub mod reencode_drops_label;
pub mod sizes;
pub mod unlabeled_delivery_ungated;
pub mod vendor_watermark_disabled;

use std::collections::BTreeSet;

use crate::analysis::entrypoints::EntryPoint;
use crate::catalog::ContentType;
use crate::catalog::labels::LabelKind;
use crate::finding::{Finding, Location, Related};
use crate::rules::{Context, RuleMeta};

/// Entry points that serve others: label duties attach to services, not to
/// local command-line tools.
pub fn is_service(e: &EntryPoint) -> bool {
    !e.kind.is_local()
}

/// Related locations: the generation calls an endpoint reaches.
pub fn generation_related(cx: &Context<'_>, entry: usize) -> Vec<Related> {
    let an = cx.analysis;
    an.reach[entry]
        .sinks
        .iter()
        .map(|r| {
            let site = &an.sites[r.sink];
            Related {
                location: Location {
                    path: cx.project.path(site.file).into(),
                    span: site.at.span,
                },
                message: format!(
                    "generates {} via `{}` ({})",
                    crate::analysis::generation::content_label(&site.content),
                    site.at.callee,
                    site.provider
                )
                .into(),
            }
        })
        .collect()
}

/// Content types endpoint `e` serves that need a label of `kind`. What only
/// enhancement calls produce needs no explicit label (Deep Synthesis Art.
/// 17(2): the service offers a labeling function instead, LBL009); implicit
/// labels apply to all of it.
pub fn needs_label(cx: &Context<'_>, e: usize, kind: LabelKind) -> BTreeSet<ContentType> {
    let an = cx.analysis;
    an.reach[e]
        .sinks
        .iter()
        .map(|r| &an.sites[r.sink])
        .filter(|s| kind == LabelKind::Implicit || !s.api.enhancement)
        .flat_map(|s| s.content.iter().copied())
        .collect()
}

/// A finding at an endpoint's registration about the content types it
/// serves, with the generation calls it reaches as related locations and
/// the call chain to the first of them as code flow (as GEN002 has).
pub fn endpoint_finding(
    cx: &Context<'_>,
    meta: &RuleMeta,
    entry_index: usize,
    entry: &EntryPoint,
    message: String,
    content: &[&str],
) -> Finding {
    let mut f = Finding::new(
        meta.code,
        meta.default_level,
        message,
        entry.location.clone(),
    );
    f.related = generation_related(cx, entry_index);
    if let Some(first) = cx.analysis.reach[entry_index].sinks.first() {
        f.flow = crate::rules::generation::generation_endpoint::endpoint_flow(cx, entry, first);
    }
    if let crate::analysis::entrypoints::Handler::Function { qualname, .. } = &entry.handler {
        f.symbol = Some(qualname.as_str().into());
    }
    f.properties
        .insert("contentTypes", serde_json::json!(content));
    f
}

/// Service endpoints with the content types they serve that no label of
/// `kind` on their path covers (`wanted` picks the content types that need one).
pub fn unlabeled<'a>(
    cx: &'a Context<'_>,
    kind: LabelKind,
    wanted: impl Fn(ContentType) -> bool,
) -> Vec<(usize, &'a EntryPoint, Vec<ContentType>)> {
    let an = cx.analysis;
    an.generation_endpoints()
        .filter(|(_, entry, _)| is_service(entry))
        .filter_map(|(i, entry, _)| {
            let missing: Vec<ContentType> = needs_label(cx, i, kind)
                .into_iter()
                .filter(|c| wanted(*c) && !an.labels_reached(i).any(|l| l.covers(kind, *c)))
                .collect();
            (!missing.is_empty()).then_some((i, entry, missing))
        })
        .collect()
}
