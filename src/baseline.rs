//! Baseline files: the findings a team has accepted for now, so that a scan
//! reports only new ones (`synthlint baseline`, `check --baseline`, config
//! `baseline = "..."`).
//!
//! An entry is keyed by the line-independent fingerprint (`synthlint/v2`:
//! rule, path, enclosing symbol, normalised text), so edits above a finding,
//! reformatting and moving its function within the file keep it baselined.
//! Entries are a multiset: two identical findings need two entries. An entry
//! that matches no finding any more is stale and reported as a note.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::ScanResult;
use crate::finding::{Level, Notification, Suppression, SuppressionKind};
use crate::report::fingerprint::{SYNTHLINT_KEY, SourceCache};

/// Schema version of the file.
pub const VERSION: u32 = 1;

/// A baseline file larger than this is refused (a real one is far smaller).
const MAX_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub version: u32,
    /// The fingerprint the entries hold (`synthlint/v2`).
    pub fingerprint: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub path: String,
    #[serde(default)]
    pub symbol: Option<String>,
    /// The finding's message when it was recorded, for people reading the file.
    #[serde(default)]
    pub message: String,
    /// Why the finding is accepted; write it in the file.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Reads a baseline file. Errors name the file and the position, never its
/// contents.
pub fn load(path: &Path) -> Result<BaselineFile, String> {
    let what = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("baseline {what}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("baseline {what}: not a regular file"));
    }
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "baseline {what}: {} bytes is more than a baseline can be ({MAX_BYTES})",
            meta.len()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("baseline {what}: {e}"))?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "baseline {what}: not a synthlint baseline (line {}, column {}: {})",
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Data => "unexpected field or value",
                serde_json::error::Category::Syntax => "invalid JSON",
                serde_json::error::Category::Eof => "unexpected end",
                serde_json::error::Category::Io => "read error",
            }
        )
    })?;
    if file.version != VERSION || file.fingerprint != SYNTHLINT_KEY {
        return Err(format!(
            "baseline {what}: version {} with `{}` fingerprints; this synthlint reads version {VERSION} with `{SYNTHLINT_KEY}`: run `synthlint baseline` again",
            file.version, file.fingerprint
        ));
    }
    Ok(file)
}

/// The baseline of a result's active findings; reasons already written in
/// `previous` are kept for the findings they still match.
pub fn build(result: &ScanResult, previous: Option<&BaselineFile>) -> BaselineFile {
    let mut reasons: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in previous.map_or(&[][..], |p| &p.entries) {
        if let Some(r) = &e.reason {
            reasons.entry(&e.fingerprint).or_default().push(r);
        }
    }
    let mut cache = SourceCache::new(&result.root);
    let mut entries: Vec<Entry> = result
        .active()
        .map(|f| {
            let fingerprint = cache.synthlint(f);
            let reason = reasons
                .get_mut(fingerprint.as_str())
                .and_then(|r| (!r.is_empty()).then(|| r.remove(0).to_owned()));
            Entry {
                fingerprint,
                rule: f.rule.to_owned(),
                path: f.location.path.to_string(),
                symbol: f.symbol.map(String::from),
                message: f.message.to_string(),
                reason,
            }
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.path, &a.rule, &a.fingerprint, &a.message).cmp(&(
            &b.path,
            &b.rule,
            &b.fingerprint,
            &b.message,
        ))
    });
    BaselineFile {
        version: VERSION,
        fingerprint: SYNTHLINT_KEY.to_owned(),
        entries,
    }
}

/// Marks the active findings the baseline holds as suppressed (kind
/// `baseline`, the entry's reason as justification) and adds a note for
/// each stale entry. Returns the number of stale entries.
pub fn apply(baseline: &BaselineFile, name: &str, result: &mut ScanResult) -> usize {
    let mut open: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in &baseline.entries {
        open.entry(&e.fingerprint).or_default().push(e);
    }
    let mut cache = SourceCache::new(&result.root);
    for f in result
        .findings
        .iter_mut()
        .filter(|f| f.suppression.is_none())
    {
        let fp = cache.synthlint(f);
        let Some(entries) = open.get_mut(fp.as_str()).filter(|e| !e.is_empty()) else {
            continue;
        };
        let entry = entries.remove(0);
        let justification = entry
            .reason
            .clone()
            .unwrap_or_else(|| format!("in the baseline {name}"));
        f.suppression = Some(Box::new(Suppression::new(
            SuppressionKind::Baseline,
            justification,
            None,
        )));
    }
    let mut stale = 0;
    for e in open.values().flatten() {
        stale += 1;
        result.notifications.push(Notification {
            level: Level::Note,
            kind: "baseline-stale".into(),
            message: format!(
                "baseline entry for {} ({}) matches no finding any more; run `synthlint baseline` to drop it",
                e.rule,
                if e.message.is_empty() { "no message" } else { &e.message }
            ),
            path: Some(e.path.clone()),
            span: None,
        });
    }
    result.notifications.sort();
    stale
}

/// The file's JSON text, entries sorted, ending with a newline.
pub fn to_json(file: &BaselineFile) -> String {
    let mut s = serde_json::to_string_pretty(file).expect("a baseline serializes");
    s.push('\n');
    s
}
