//! Configuration: find the file, parse `Options`, validate them into `Settings`.
//!
//! Precedence: command line over config file over defaults. `--select`
//! replaces the config's `select`; `--ignore` and `--exclude` add to the
//! config's lists; `--fail-on` overrides `fail-on`.

pub mod discover;
pub mod error;
pub mod hierarchy;
pub mod options;
pub mod settings;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::GlobSetBuilder;
pub use settings::Settings;
use toml::Spanned;

use crate::catalog::{Catalog, CatalogData, CatalogError, compile_pattern};
use crate::finding::Level;
use crate::rules;
use discover::{LoadedConfig, Seg};
use error::ConfigError;
use options::Options;

/// What the command line says, which wins over the config file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub paths: Vec<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    pub fail_on: Option<Level>,
    pub jobs: Option<usize>,
    /// `--facts-memory`, in bytes.
    pub facts_memory: Option<u64>,
    pub root: Option<PathBuf>,
    pub no_inline_suppressions: bool,
}

/// Rule codes matching a code, a code prefix or a category prefix
/// (case-insensitive); `ALL` matches every rule, an empty selector none.
pub fn rules_matching(selector: &str) -> Vec<&'static str> {
    let sel = selector.trim().to_ascii_uppercase();
    if sel.is_empty() {
        return Vec::new();
    }
    rules::all()
        .into_iter()
        .map(|r| r.meta())
        .filter(|m| m.code.starts_with(&sel) || m.category.prefix() == sel || sel == "ALL")
        .map(|m| m.code)
        .collect()
}

/// The help line for an unknown selector.
fn known_selectors() -> String {
    let mut prefixes: Vec<&str> = rules::all()
        .iter()
        .map(|r| r.meta().category.prefix())
        .collect();
    prefixes.sort();
    prefixes.dedup();
    format!(
        "use ALL, a category prefix ({}) or a rule code; `synthlint rules` lists them",
        prefixes.join(", ")
    )
}

/// The directory a scan of `first` starts from: itself, or its parent for a file.
fn start_dir(first: &Path) -> PathBuf {
    let abs = first.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|c| c.join(first))
            .unwrap_or_else(|_| first.to_path_buf())
    });
    if abs.is_dir() {
        abs
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs)
    }
}

/// The directory output paths are relative to: the enclosing git repository
/// of the first path, else the current directory when it contains the path,
/// else the path itself.
pub fn default_root(first: &Path) -> PathBuf {
    root_for(first, None)
}

/// Like `default_root`, but a config file's directory comes before the
/// current directory when there is no git repository and it contains the path.
pub fn root_for(first: &Path, config_dir: Option<&Path>) -> PathBuf {
    let start = start_dir(first);
    if let Some(git) = start.ancestors().find(|d| d.join(".git").exists()) {
        return git.to_path_buf();
    }
    if let Some(dir) = config_dir.filter(|d| start.starts_with(d)) {
        return dir.to_path_buf();
    }
    if let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize())
        && start.starts_with(&cwd)
    {
        return cwd;
    }
    start
}

/// The directory the scanned paths have in common (the first path's when
/// there is one), so that the config found does not depend on their order.
fn common_start(paths: &[PathBuf]) -> PathBuf {
    let mut starts = paths.iter().map(|p| start_dir(p));
    let Some(mut common) = starts.next() else {
        return start_dir(Path::new("."));
    };
    for s in starts {
        while !s.starts_with(&common) {
            match common.parent() {
                Some(p) => common = p.to_path_buf(),
                None => break,
            }
        }
    }
    common
}

/// Find and load the config file for `o` without validating it: the one
/// nearest the scanned paths' common directory (nested configs closer to
/// some files are handled by [`hierarchy`]).
pub fn load(o: &Overrides) -> Result<Option<LoadedConfig>, ConfigError> {
    match &o.config {
        Some(p) => discover::load_explicit(p).map(Some),
        None => discover::find(&common_start(&o.paths)),
    }
}

pub fn resolve(o: &Overrides) -> Result<Settings, miette::Report> {
    resolve_config(o).map_err(miette::Report::new)
}

/// `resolve` with the error as a value, for callers that inspect it.
pub fn resolve_config(o: &Overrides) -> Result<Settings, ConfigError> {
    let loaded = load(o)?;
    let root = match &o.root {
        Some(r) => r
            .canonicalize()
            .map_err(|e| ConfigError::plain(format!("--root {}: {e}", r.display())))?,
        None => {
            let first = o.paths.first().map_or(Path::new("."), PathBuf::as_path);
            root_for(first, loaded.as_ref().map(LoadedConfig::dir))
        }
    };
    build(o, loaded, root)
}

/// Collects problems so that the user sees all of them at once.
struct Validator<'a> {
    config: Option<&'a LoadedConfig>,
    problems: Vec<ConfigError>,
}

impl Validator<'_> {
    fn at(&mut self, span: Range<usize>, message: String, label: &str, help: Option<String>) {
        let err = match self.config {
            Some(c) => c.source.error(Some(span), message, label),
            // Spanned values only come from a file; keep the message anyway.
            None => ConfigError::plain(message),
        };
        self.problems.push(match help {
            Some(h) => err.with_help(h),
            None => err,
        });
    }

    /// Rule codes for a selector written in the config file.
    fn selector(&mut self, key: &str, sel: &Spanned<String>) -> Vec<&'static str> {
        let codes = rules_matching(sel.get_ref());
        if codes.is_empty() {
            let what = if sel.get_ref().trim().is_empty() {
                "empty rule selector".to_string()
            } else {
                format!("unknown rule code or prefix `{}`", value(sel.get_ref()))
            };
            self.at(
                sel.span(),
                format!("{key}: {what}"),
                "no rule matches this",
                Some(known_selectors()),
            );
        }
        codes
    }

    fn level(&mut self, key: &str, value: &Spanned<String>) -> Option<Level> {
        let level = Level::parse(value.get_ref());
        if level.is_none() {
            self.at(
                value.span(),
                format!("{key}: unknown level `{}`", self::value(value.get_ref())),
                "not a level",
                Some("use \"note\", \"warning\" or \"error\"".into()),
            );
        }
        level
    }

    fn glob(
        &mut self,
        key: &str,
        glob: &Spanned<String>,
        anchor: &str,
    ) -> Option<(globset::Glob, Option<globset::Glob>)> {
        match settings::path_glob(glob.get_ref(), anchor) {
            Ok(g) => Some(g),
            Err(e) => {
                self.at(
                    glob.span(),
                    format!("{key}: invalid glob `{}`: {e}", value(glob.get_ref())),
                    "invalid glob",
                    None,
                );
                None
            }
        }
    }

    fn span_or(&self, path: &[Seg<'_>], fallback: Range<usize>) -> Range<usize> {
        self.config
            .and_then(|c| c.span_at(path))
            .unwrap_or(fallback)
    }
}

/// A value from the file quoted in a message: a short, masked excerpt.
fn value(s: &str) -> String {
    error::clip(s, 60)
}

/// Rule codes for a selector given on the command line.
fn cli_selector(flag: &str, sel: &str) -> Result<Vec<&'static str>, ConfigError> {
    let codes = rules_matching(sel);
    if codes.is_empty() {
        return Err(
            ConfigError::plain(format!("{flag} {sel}: no rule code or category matches"))
                .with_help(known_selectors()),
        );
    }
    Ok(codes)
}

pub(crate) fn build(
    o: &Overrides,
    loaded: Option<LoadedConfig>,
    root: PathBuf,
) -> Result<Settings, ConfigError> {
    let default_options = Options::default();
    let options = loaded.as_ref().map_or(&default_options, |c| &c.options);
    let mut v = Validator {
        config: loaded.as_ref(),
        problems: Vec::new(),
    };
    // Globs in a config file are relative to its directory, like ruff's.
    let anchor = loaded
        .as_ref()
        .and_then(|c| c.dir().strip_prefix(&root).ok())
        .map(|d| crate::walk::relative(Path::new(""), d))
        .unwrap_or_default();

    // Rules.
    // The config's `select` is validated even when `--select` replaces it.
    let config_select: Option<Vec<&'static str>> = options
        .select
        .as_ref()
        .map(|sel| sel.iter().flat_map(|s| v.selector("select", s)).collect());
    let mut enabled: Vec<&'static str> = if !o.select.is_empty() {
        let mut all = Vec::new();
        for s in &o.select {
            all.extend(cli_selector("--select", s)?);
        }
        all
    } else if let Some(select) = config_select {
        select
    } else {
        rules::all().iter().map(|r| r.meta().code).collect()
    };
    let mut ignored: Vec<&'static str> = options
        .ignore
        .iter()
        .flat_map(|s| v.selector("ignore", s))
        .collect();
    for s in &o.ignore {
        ignored.extend(cli_selector("--ignore", s)?);
    }
    enabled.retain(|c| !ignored.contains(c));
    enabled.sort();
    enabled.dedup();

    // Per-path ignores.
    let mut per_path_ignores = Vec::new();
    for (glob, selectors) in &options.per_path_ignores {
        let matcher = v.glob("per-path-ignores", glob, &anchor);
        let mut codes: Vec<&'static str> = selectors
            .iter()
            .flat_map(|s| v.selector("per-path-ignores", s))
            .collect();
        codes.sort();
        codes.dedup();
        if let Some((g, _)) = matcher {
            per_path_ignores.push((g.compile_matcher(), codes));
        }
    }

    // Excludes: the config's, relative to its directory, then the command line's.
    let mut exclude = GlobSetBuilder::new();
    for glob in &options.exclude {
        if let Some((g, dir)) = v.glob("exclude", glob, &anchor) {
            exclude.add(g);
            if let Some(d) = dir {
                exclude.add(d);
            }
        }
    }
    for glob in &o.exclude {
        let (g, dir) = settings::path_glob(glob, "")
            .map_err(|e| ConfigError::plain(format!("--exclude {glob}: invalid glob: {e}")))?;
        exclude.add(g);
        if let Some(d) = dir {
            exclude.add(d);
        }
    }

    let max_file_size = match &options.max_file_size {
        Some(size) if size.get_ref().0 == 0 => {
            v.at(
                size.span(),
                "max-file-size: must be at least 1 byte".into(),
                "zero",
                None,
            );
            settings::DEFAULT_MAX_FILE_SIZE
        }
        Some(size) if size.get_ref().0 > settings::MAX_MAX_FILE_SIZE => {
            v.at(
                size.span(),
                format!(
                    "max-file-size: at most {} bytes (4 GiB - 1): positions in a file are 32-bit",
                    settings::MAX_MAX_FILE_SIZE
                ),
                "too large",
                None,
            );
            settings::DEFAULT_MAX_FILE_SIZE
        }
        Some(size) => size.get_ref().0,
        None => settings::DEFAULT_MAX_FILE_SIZE,
    };

    let config_fail_on = options.fail_on.as_ref().and_then(|l| v.level("fail-on", l));
    // `note`: any active finding fails, as with ruff; see the README.
    let fail_on = o.fail_on.or(config_fail_on).unwrap_or(Level::Note);

    // Levels: broader selectors first, so `GEN001` overrides `GEN`.
    let mut levels: Vec<(Vec<&'static str>, Level)> = Vec::new();
    for (sel, level) in &options.levels {
        let codes = v.selector("levels", sel);
        if let Some(level) = v.level("levels", level)
            && !codes.is_empty()
        {
            levels.push((codes, level));
        }
    }
    levels.sort_by_key(|(codes, _)| std::cmp::Reverse(codes.len()));
    let mut level_overrides = BTreeMap::new();
    for (codes, level) in levels {
        for code in codes {
            level_overrides.insert(code, level);
        }
    }

    let catalog = validate_catalog(&mut v, options);

    if let Some(err) = ConfigError::many(std::mem::take(&mut v.problems)) {
        return Err(err);
    }
    let exclude = exclude
        .build()
        .map_err(|e| ConfigError::plain(format!("exclude: {e}")))?;
    Ok(Settings {
        root,
        config_file: loaded.as_ref().map(|c| c.path.clone()),
        enabled_rules: enabled,
        per_path_ignores,
        exclude,
        max_file_size,
        fail_on,
        level_overrides,
        require_suppression_reason: options.require_suppression_reason,
        no_inline_suppressions: o.no_inline_suppressions,
        catalog,
        jobs: o.jobs,
        facts_memory: o
            .facts_memory
            .or(options.facts_memory.as_ref().map(|s| s.get_ref().0))
            .unwrap_or(settings::DEFAULT_FACTS_MEMORY),
        baseline: loaded
            .as_ref()
            .zip(options.baseline.as_ref())
            .map(|(c, b)| c.dir().join(b.get_ref())),
    })
}

/// Check each user catalogue entry on its own so that an error points at
/// the entry (or the very pattern) that is wrong.
fn validate_catalog(v: &mut Validator<'_>, options: &Options) -> CatalogData {
    let cat = &options.catalog;
    let mut data = CatalogData {
        passthrough_methods: cat.passthrough_methods.clone(),
        ..CatalogData::default()
    };
    for (i, entry) in cat.generation.iter().enumerate() {
        let api = entry.get_ref();
        let mut ok = check_patterns(
            v,
            entry.span(),
            &[Seg::Key("catalog"), Seg::Key("generation"), Seg::Index(i)],
            "patterns",
            &api.patterns,
        );
        if ok {
            let one = CatalogData {
                generation: vec![api.clone()],
                ..CatalogData::default()
            };
            if let Err(e) = Catalog::build(one) {
                let at = [
                    Seg::Key("catalog"),
                    Seg::Key("generation"),
                    Seg::Index(i),
                    Seg::Key("patterns"),
                ];
                let span = v.span_or(&at, entry.span());
                v.at(
                    span,
                    format!("catalog.generation: {}", e.message),
                    "invalid catalogue entry",
                    None,
                );
                ok = false;
            }
        }
        if ok {
            data.generation.push(api.clone());
        }
    }
    for (i, entry) in cat.safety_switch.iter().enumerate() {
        let sw = entry.get_ref();
        let base = [
            Seg::Key("catalog"),
            Seg::Key("safety_switch"),
            Seg::Index(i),
        ];
        let mut ok = check_patterns(
            v,
            entry.span(),
            &base,
            "callee_patterns",
            &sw.callee_patterns,
        );
        ok &= check_patterns(
            v,
            entry.span(),
            &base,
            "callee_text_patterns",
            &sw.callee_text_patterns,
        );
        if ok {
            let one = CatalogData {
                safety_switch: vec![sw.clone()],
                ..CatalogData::default()
            };
            if let Err(e) = Catalog::build(one) {
                v.at(
                    entry.span(),
                    format!("catalog.safety_switch: {}", e.message),
                    "invalid catalogue entry",
                    None,
                );
                ok = false;
            }
        }
        if ok {
            data.safety_switch.push(sw.clone());
        }
    }
    for (i, entry) in cat.moderation.iter().enumerate() {
        let api = entry.get_ref();
        let base = [Seg::Key("catalog"), Seg::Key("moderation"), Seg::Index(i)];
        let mut ok = check_patterns(v, entry.span(), &base, "patterns", &api.patterns);
        if ok {
            let one = CatalogData {
                moderation: vec![api.clone()],
                ..CatalogData::default()
            };
            if let Err(e) = Catalog::build(one) {
                let mut at = base.to_vec();
                at.push(Seg::Key("patterns"));
                let span = v.span_or(&at, entry.span());
                v.at(
                    span,
                    format!("catalog.moderation: {}", e.message),
                    "invalid catalogue entry",
                    None,
                );
                ok = false;
            }
        }
        if ok {
            data.moderation.push(api.clone());
        }
    }
    for (i, entry) in cat.label.iter().enumerate() {
        let api = entry.get_ref();
        let base = [Seg::Key("catalog"), Seg::Key("label"), Seg::Index(i)];
        if check_patterns(v, entry.span(), &base, "patterns", &api.patterns) {
            data.label.push(api.clone());
        }
    }
    if let Some(entry) = &cat.label_gate {
        let gate = entry.get_ref();
        match crate::catalog::labels::LabelGate::build(gate) {
            Ok(_) => data.label_gate = gate.clone(),
            Err(message) => v.at(
                entry.span(),
                format!("catalog.{message}"),
                "invalid catalogue entry",
                None,
            ),
        }
    }
    if let Some(entry) = &cat.entrypoints {
        let ep = entry.get_ref();
        let build = || {
            let one = CatalogData {
                entrypoints: ep.clone(),
                ..CatalogData::default()
            };
            Catalog::build(one).map(drop)
        };
        let at = [Seg::Key("catalog"), Seg::Key("entrypoints")];
        if check_section(
            v,
            entry.span(),
            &at,
            ep.pattern_lists(),
            build,
            "entrypoints",
        ) {
            data.entrypoints = ep.clone();
        }
    }
    if let Some(entry) = &cat.media {
        let media = entry.get_ref();
        let build = || crate::catalog::media::Media::build(media.clone()).map(drop);
        let at = [Seg::Key("catalog"), Seg::Key("media")];
        if check_section(v, entry.span(), &at, media.pattern_lists(), build, "media") {
            data.media = media.clone();
        }
    }
    for (id, entry) in &cat.taint {
        let spec = entry.get_ref();
        let build = || crate::catalog::taint::TaintSpec::build(id, spec.clone()).map(drop);
        let at = [Seg::Key("catalog"), Seg::Key("taint"), Seg::Key(id)];
        let what = format!("taint.{id}");
        if check_section(v, entry.span(), &at, spec.pattern_lists(), build, &what) {
            data.taint.insert(id.clone(), spec.clone());
        }
    }
    if let Some(entry) = &cat.personal_data {
        let pd = entry.get_ref();
        // Checked with the built-in categories, which user entries extend.
        // The classifier compiles its regexes on first use and checks only
        // their syntax: the user's own are checked fully here.
        let build = || {
            let mut all = crate::catalog::builtin_personal_data()?;
            all.extend(pd.clone());
            crate::catalog::personal_data::PersonalData::build(&all)
                .map(drop)
                .map_err(|message| CatalogError { message })?;
            check_regexes(
                pd.regex_lists()
                    .into_iter()
                    .map(|(what, list)| (format!("personal_data.{what}"), list)),
            )
        };
        let at = [Seg::Key("catalog"), Seg::Key("personal_data")];
        if check_section(
            v,
            entry.span(),
            &at,
            pd.pattern_lists(),
            build,
            "personal_data",
        ) {
            data.personal_data = pd.clone();
        }
    }
    if let Some(entry) = &cat.opt_out {
        let oo = entry.get_ref();
        let build = || crate::catalog::opt_out::OptOut::build(oo.clone()).map(drop);
        let at = [Seg::Key("catalog"), Seg::Key("opt_out")];
        if check_section(v, entry.span(), &at, oo.pattern_lists(), build, "opt_out") {
            data.opt_out = oo.clone();
        }
    }
    if let Some(entry) = &cat.service {
        let sv = entry.get_ref();
        let build = || {
            crate::catalog::service::Service::build(sv, Default::default())?;
            // The shown terms compile on first use: checked fully here.
            check_regexes(std::iter::once((
                "service.shown terms".to_string(),
                sv.shown_terms().as_slice(),
            )))
        };
        let at = [Seg::Key("catalog"), Seg::Key("service")];
        if check_section(v, entry.span(), &at, Vec::new(), build, "service") {
            data.service = sv.clone();
        }
    }
    data.service_declared = validate_service(v, options, &data);
    for (i, entry) in cat.record.iter().enumerate() {
        let helper = entry.get_ref();
        let base = [Seg::Key("catalog"), Seg::Key("record"), Seg::Index(i)];
        if let Some((key, message)) = helper.problem() {
            let mut at = base.to_vec();
            at.push(Seg::Key(key));
            let span = v.span_or(&at, entry.span());
            v.at(
                span,
                format!("catalog.record: {message}"),
                "invalid catalogue entry",
                None,
            );
            continue;
        }
        if check_patterns(v, entry.span(), &base, "patterns", &helper.patterns) {
            data.record.push(helper.clone());
        }
    }
    data
}

/// `[service]`: each value checked, errors pointing at the key's value. A
/// filing number must be one (no placeholder); a complaint channel must be
/// somewhere a user can go; the others must say something.
fn validate_service(
    v: &mut Validator<'_>,
    options: &Options,
    user: &CatalogData,
) -> crate::catalog::service::ServiceDeclared {
    let s = &options.service;
    let mut out = crate::catalog::service::ServiceDeclared::default();
    fn value(x: &Option<Spanned<String>>) -> Option<(&str, Range<usize>)> {
        x.as_ref().map(|x| (x.get_ref().trim(), x.span()))
    }
    if let Some((number, span)) = value(&s.filing_number) {
        let data = CatalogData {
            service: user.service.clone(),
            ..CatalogData::default()
        };
        if let Ok(c) = Catalog::load(&data) {
            match c.service.filing_problem(number) {
                Some(why) => v.at(
                    span,
                    format!("service.filing_number: `{number}` {why}"),
                    "not a filing number",
                    Some("write the number exactly as the product displays it".into()),
                ),
                None => out.filing_number = Some(number.to_string()),
            }
        }
    }
    if let Some((channel, span)) = value(&s.complaint_channel) {
        let reachable = ["http://", "https://", "mailto:", "tel:"]
            .iter()
            .any(|p| channel.starts_with(p) && channel.len() > p.len())
            || (channel.contains('@') && !channel.contains(char::is_whitespace));
        if reachable {
            out.complaint_channel = Some(channel.to_string());
        } else {
            v.at(
                span,
                format!("service.complaint_channel: `{channel}` is not a URL, `mailto:`/`tel:` link or e-mail address"),
                "not a channel users can reach",
                Some("e.g. \"https://example.com/report\" or \"mailto:abuse@example.com\"".into()),
            );
        }
    }
    for (key, x, slot) in [
        ("minors_mode", &s.minors_mode, &mut out.minors_mode),
        ("ai_notice", &s.ai_notice, &mut out.ai_notice),
    ] {
        if let Some((what, span)) = value(x) {
            if what.is_empty() {
                v.at(
                    span,
                    format!("service.{key}: empty: say where it lives (a URL or a few words)"),
                    "empty",
                    None,
                );
            } else {
                *slot = Some(what.to_string());
            }
        }
    }
    out
}

/// Each pattern of the lists checked as `Regex::new` would: the error of
/// the first bad one, under its list's key.
fn check_regexes<'a>(
    lists: impl Iterator<Item = (String, &'a [String])>,
) -> Result<(), CatalogError> {
    for (what, list) in lists {
        for p in list {
            crate::catalog::lazy_set::check_fully(p).map_err(|e| CatalogError {
                message: format!("{what}: bad regex: {e}"),
            })?;
        }
    }
    Ok(())
}

/// A user catalogue section (`at`): every pattern compiles, each error
/// pointing at its pattern, then the section builds (`build`), an error
/// pointing at the section. Whether it is valid.
fn check_section(
    v: &mut Validator<'_>,
    span: Range<usize>,
    at: &[Seg<'_>],
    lists: Vec<(&'static str, usize, &'static str, &[String])>,
    build: impl FnOnce() -> Result<(), CatalogError>,
    what: &str,
) -> bool {
    let mut ok = true;
    for (section, i, key, patterns) in lists {
        let mut base = at.to_vec();
        base.extend([Seg::Key(section), Seg::Index(i)]);
        ok &= check_patterns(v, span.clone(), &base, key, patterns);
    }
    if ok && let Err(e) = build() {
        v.at(
            span,
            format!("catalog.{what}: {}", e.message),
            "invalid catalogue entry",
            None,
        );
        ok = false;
    }
    ok
}

fn check_patterns(
    v: &mut Validator<'_>,
    entry_span: Range<usize>,
    base: &[Seg<'_>],
    key: &str,
    patterns: &[String],
) -> bool {
    let mut ok = true;
    for (j, p) in patterns.iter().enumerate() {
        // Pattern syntax is the same for every language.
        if let Err(message) = compile_pattern(crate::facts::Language::default(), p) {
            let mut path = base.to_vec();
            path.push(Seg::Key(key));
            path.push(Seg::Index(j));
            let span = v.span_or(&path, entry_span.clone());
            v.at(span, format!("catalog: {message}"), "invalid pattern", None);
            ok = false;
        }
    }
    ok
}
