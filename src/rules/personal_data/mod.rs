//! Personal-data rules (PII): where personal information, recognised by the
//! classifier of `personal_data.toml`, goes. The shared `personal-data`
//! taint spec runs once with [`PiiDomain`], whose values are sets of
//! categories.

pub mod biometric_edit_unconsented;
pub mod cross_border_provision;
pub mod personal_data_logged;
pub mod sensitive_data_undeleted;
pub mod training_data_unconsented;

use std::sync::{Arc, OnceLock, RwLock};

use ustr::Ustr;

use crate::analysis::dataflow::{Domain, Flow, Lattice, Origin, Taint};
use crate::analysis::entrypoints::EntryPoint;
use crate::analysis::{FastMap, FastSet, Reader};
use crate::catalog::personal_data::{Categories, PersonalData};
use crate::catalog::taint::TaintSpec;
use crate::facts::{Arg, FileFacts, QName, Value};
use crate::finding::{Finding, Location};
use crate::rules::{Context, RuleMeta};

/// The id of the spec in `personal_data.toml`.
pub const SPEC: &str = "personal-data";

/// The spec's sink for log records (PII003).
pub const LOG_SINK: &str = "logging";

/// The spec's sinks that keep data here (PII005), by the kind of store
/// their id names (`store-file` → `file`). Every sink that is neither
/// these nor the log is a service abroad (PII001).
pub fn store_kind(sink: &str) -> Option<&str> {
    sink.strip_prefix("store-")
}

/// Categories of personal information a value may hold (all of them),
/// and those its attributes hold too. A data model instance holds its
/// fields' categories as a whole: `user.nickname` is no phone number
/// because `User` has a `phone` field (the field's own name decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pii(pub Categories, pub Categories);

impl Pii {
    /// A value whose attributes hold what it holds.
    pub fn plain(c: Categories) -> Pii {
        Pii(c, c)
    }
}

impl Lattice for Pii {
    fn join(&mut self, other: &Self) -> bool {
        let before = *self;
        self.0 |= other.0;
        self.1 |= other.1;
        *self != before
    }
}

/// Classifies names with the catalogue, and handler parameters by the
/// Gradio component that feeds them.
pub struct PiiDomain<'c> {
    cx: &'c Context<'c>,
    /// Names seen, with their categories: the engine asks for every read.
    names: RwLock<FastMap<Ustr, Pii>>,
    /// Per entry point: what each handler parameter receives.
    inputs: Vec<OnceLock<Vec<Input>>>,
    /// Data models with classified fields.
    models: OnceLock<Models>,
    /// Types seen (`Origin::Typed`), with what a value of each holds.
    types: RwLock<FastMap<QName, TypeFacts>>,
}

/// What `typed` needs of a type, worked out once per type: the engine asks
/// about the type of every assignment from a call and every annotated
/// parameter, most of them many times.
#[derive(Debug, Clone, Copy)]
struct TypeFacts {
    /// The categories of an instance of it (`instance_of`).
    own: Categories,
    /// Whether it is what a model read method returns (`session.get()`),
    /// so that the call's first argument may name the class.
    model_read: bool,
}

/// The project's data models (Pydantic, dataclass, attrs and ORM classes)
/// whose fields, their own or inherited, the classifier names.
#[derive(Default)]
pub struct Models {
    /// By the snake-case class name of two words or more
    /// (`user_profile`): an instance named for its class.
    pub by_name: FastMap<String, Categories>,
    /// By the dotted class name (`app.models.UserProfile`): an instance of
    /// a known type.
    pub by_class: FastMap<String, Categories>,
    /// (class, field) → the data model the field holds (`customer:
    /// Customer`, `items: list[Item]`), by dotted class names.
    pub nested: FastMap<(String, Ustr), String>,
    /// The last segment of each key of `by_class` (`UserProfile`): a type
    /// none of whose segments is one cannot be an instance of a model.
    pub class_names: FastSet<String>,
}

/// What an input component gives a handler parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input {
    pub categories: Categories,
    /// A tick box (a consent answer, when a condition reads it).
    pub checkbox: bool,
    /// A tick box that accepts something else (a licence): the parameter
    /// it feeds is no consent, whatever it is called.
    pub other_agreement: bool,
}

impl<'c> PiiDomain<'c> {
    pub fn new(cx: &'c Context<'c>) -> PiiDomain<'c> {
        PiiDomain {
            cx,
            names: RwLock::new(FastMap::default()),
            inputs: (0..cx.analysis.entry_points.len())
                .map(|_| OnceLock::new())
                .collect(),
            models: OnceLock::new(),
            types: RwLock::new(FastMap::default()),
        }
    }

    pub fn models(&self) -> &Models {
        self.models.get_or_init(|| data_models(self.cx))
    }

    /// What a whole value of type `ty` holds: an instance of a data model
    /// (`app.models.User()`), or one read back or validated through the
    /// class (`User.objects.get()`, `User.model_validate()`,
    /// `User.query.filter_by().first()`, `session.get(User, id)`: the
    /// read methods of `[personal_data] model_reads`).
    fn typed(&self, file: usize, ty: QName, args: Option<&[Arg]>) -> Categories {
        if self.models().by_class.is_empty() {
            return 0;
        }
        let facts = self.type_facts(ty);
        if facts.own != 0 {
            return facts.own;
        }
        // `session.get(User, 1)`: a read whose first argument is the class.
        if !facts.model_read {
            return 0;
        }
        let Some(Arg {
            value: Value::Name { text, resolved },
            ..
        }) = args.and_then(|a| a.iter().find(|a| a.keyword.is_none()))
        else {
            return 0;
        };
        self.class_named(file, text, resolved.as_ref())
    }

    /// [`TypeFacts`] of `ty`, remembered. Worked out outside the lock (it
    /// canonicalises the name): two threads may both work one out, alike.
    fn type_facts(&self, ty: QName) -> TypeFacts {
        remembered(&self.types, ty, || {
            let last = ty.as_str().rsplit('.').next().unwrap_or("");
            TypeFacts {
                own: self.instance_of(ty),
                model_read: last.ends_with("()")
                    && self.classifier().is_model_read(trim_calls(last)),
            }
        })
    }

    /// The categories of data model `text` as written in file `file`
    /// (resolved, else through the file's imports), or 0.
    fn class_named(&self, file: usize, text: &str, resolved: Option<&QName>) -> Categories {
        let class = match resolved {
            Some(r) => self.cx.project.canonical_or_same(r).as_str().to_string(),
            None => {
                let text = resolve_text(self.cx, file, text);
                self.cx.project.canonical_text(&text).unwrap_or(text)
            }
        };
        self.models()
            .by_class
            .get(class.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// What call `site` reads back when it ends a query of a data model:
    /// the call and every call down its receiver chain are model reads
    /// (`query`, `filter`, `first`, `scalars`, ...), and the first of them
    /// is given the class first (`session.query(User)`, `session.get(User,
    /// 1)`), or a `select(User)` of it (`session.scalars(select(User)
    /// .where(...))`, `session.execute(select(User)).scalars().all()`).
    fn fetched(&self, site: crate::analysis::callgraph::Site) -> Categories {
        let pd = self.classifier();
        let file = self.cx.project.file(site.file, Reader::RulesPersonalData);
        let mut call = &file.calls[site.call];
        if !pd.is_model_read(call.method()) || self.models().by_class.is_empty() {
            return 0;
        }
        for _ in 0..8 {
            match call.receiver {
                crate::facts::Receiver::Call(r) => call = &file.calls[r as usize],
                _ => break,
            }
            if !pd.is_model_read(call.method()) {
                return 0;
            }
        }
        let Some(first) = call.args.iter().find(|a| a.keyword.is_none()) else {
            return 0;
        };
        match &first.value {
            Value::Name { text, resolved } => self.class_named(site.file, text, resolved.as_ref()),
            Value::Expr(e) => {
                // `select(User)`, `select(User).where(...)`.
                let mut shape = &e.shape;
                for _ in 0..8 {
                    match shape {
                        crate::facts::Shape::Method(inner, m) if pd.is_model_read(m) => {
                            shape = inner;
                        }
                        crate::facts::Shape::Call(callee, args) => {
                            let m = callee.rsplit('.').next().unwrap_or(callee);
                            return match args.first() {
                                Some(crate::facts::Shape::Name(n)) if pd.is_model_read(m) => {
                                    self.class_named(site.file, n, None)
                                }
                                _ => 0,
                            };
                        }
                        _ => return 0,
                    }
                }
                0
            }
            _ => 0,
        }
    }

    /// The categories of a model instance that `ty` names: the class
    /// called, or read methods called on it.
    fn instance_of(&self, ty: QName) -> Categories {
        let canon = self.cx.project.canonical_or_same(&ty);
        // A class matches only where a segment is a model's class name:
        // most types name none.
        let models = self.models();
        if !canon
            .as_str()
            .split('.')
            .any(|seg| models.class_names.contains(trim_calls(seg)))
        {
            return 0;
        }
        let segs: Vec<&str> = canon.as_str().split('.').collect();
        let by_class = &models.by_class;
        let pd = self.classifier();
        let mut class = String::new();
        for (i, seg) in segs.iter().enumerate() {
            if i > 0 {
                class.push('.');
            }
            class.push_str(trim_calls(seg));
            let Some(&c) = by_class.get(&class) else {
                continue;
            };
            let rest = &segs[i + 1..];
            // `order.customer` of an `Order` instance: the nested model's
            // categories (`customer: Customer`), field by field.
            if seg.ends_with("()") && !rest.is_empty() && rest.iter().all(|r| !r.contains('(')) {
                let mut cur = class.clone();
                for attr in rest {
                    match self.models().nested.get(&(cur.clone(), Ustr::from(attr))) {
                        Some(next) => cur = next.clone(),
                        None => return 0,
                    }
                }
                return by_class.get(&cur).copied().unwrap_or(0);
            }
            let instance = match rest.last() {
                None => seg.ends_with("()"),
                Some(last) => {
                    last.ends_with("()") && rest.iter().all(|r| pd.is_model_read(trim_calls(r)))
                }
            };
            return if instance { c } else { 0 };
        }
        0
    }

    pub fn spec(&self) -> Option<&'c TaintSpec> {
        self.cx.catalog.taint.get(SPEC)
    }

    pub fn classifier(&self) -> &'c PersonalData {
        &self.cx.catalog.personal_data
    }

    /// Follow personal information over the project (once per scan).
    pub fn run(&self) -> Option<Arc<Taint<Pii>>> {
        let spec = self.spec()?;
        Some(self.cx.analysis.taint(self.cx.project, spec, self))
    }

    /// The categories a name says its value holds: by its own words, or,
    /// for a name of a data model's instance (`user_profile` for
    /// `UserProfile`), as a whole. Conversation content (`prompt`,
    /// `messages`) is left to the request-input sources: named so in most
    /// AI code, it would wake nearly every scope.
    fn classify(&self, name: Ustr) -> Pii {
        // Seeding asks from every thread: most names were seen before.
        remembered(&self.names, name, || {
            let pd = self.classifier();
            let own = pd.identified(pd.classify(&name));
            if own != 0 || name.contains('.') {
                Pii::plain(own)
            } else {
                // A whole model instance, named for its class.
                let by_name = &self.models().by_name;
                if by_name.is_empty() {
                    return Pii(0, 0);
                }
                let key = crate::catalog::personal_data::tokens(&name).join("_");
                Pii(by_name.get(&key).copied().unwrap_or(0), 0)
            }
        })
    }

    /// What the components of entry point `e` give its handler's
    /// parameters, by position (`self` excepted).
    pub fn inputs(&self, e: usize) -> &[Input] {
        self.inputs[e].get_or_init(|| entry_inputs(self.cx, &self.cx.analysis.entry_points[e]))
    }
}

impl Domain for PiiDomain<'_> {
    type Value = Pii;

    fn seed(&self, origin: &Origin<'_>) -> Option<Pii> {
        match *origin {
            Origin::Name { name, .. } => {
                let c = self.classify(name);
                (c.0 != 0).then_some(c)
            }
            // A field read by its key (`request.form.get("phone")`,
            // `request.POST.get("id_card")`): what the key names.
            Origin::Call { site, .. } => {
                let key = match self.cx.shared.call_keys.get() {
                    Some(kept) => kept.get(site.file, site.call)?,
                    None => {
                        let file = self.cx.project.file(site.file, Reader::RulesPersonalData);
                        call_key(self.classifier(), &file.calls[site.call])?
                    }
                };
                let c = self.classify(key);
                (c.1 != 0).then_some(Pii::plain(c.1))
            }
            // Rows an ORM query reads back, whole.
            Origin::Fetched { site, .. } => {
                let c = self.fetched(site);
                (c != 0).then_some(Pii(c, 0))
            }
            // A whole instance: its attributes hold what their names say.
            Origin::Typed { file, ty, args, .. } => {
                let c = self.typed(file, ty, args);
                (c != 0).then_some(Pii(c, 0))
            }
            Origin::Param {
                entry, node, param, ..
            } => {
                let crate::analysis::callgraph::Node::Function { file, func } =
                    self.cx.analysis.graph.nodes[node]
                else {
                    return None;
                };
                let f = &self
                    .cx
                    .project
                    .file(file, Reader::RulesPersonalData)
                    .functions[func];
                let skip =
                    usize::from(f.class.is_some() && f.params.first().is_some_and(|p| p == "self"));
                let c = self.inputs(entry).get(param.checked_sub(skip)?)?.categories;
                (c != 0).then_some(Pii::plain(c))
            }
            _ => None,
        }
    }

    /// Sensitive categories first, then those a log may not keep (an IP
    /// address may: PII003 leaves it out), then the rest.
    fn field(&self, value: &Pii) -> Option<Pii> {
        (value.1 != 0).then_some(Pii::plain(value.1))
    }

    fn weight(&self, value: &Pii) -> u32 {
        pii_weight(self.classifier(), value.0)
    }

    fn describe(&self, value: &Pii) -> Option<String> {
        Some(format!(
            "personal information ({})",
            describe(self.classifier(), value.0)
        ))
    }
}

/// The name a call says it reads, for the personal-data seeds
/// (`Origin::Call`): an accessor's field (`user.get_full_name()`), or the
/// key of a field read by its key (`request.form.get("phone")`,
/// `request.POST.get("id_card")`).
fn call_key(pd: &PersonalData, call: &crate::facts::Call) -> Option<Ustr> {
    // An accessor says what it returns.
    if let Some(field) = call.method().strip_prefix("get_")
        && call.args.is_empty()
    {
        return Some(Ustr::from(field));
    }
    let crate::facts::Receiver::Name(receiver) = call.receiver else {
        return None;
    };
    if !pd.is_keyed_receiver(&receiver) {
        return None;
    }
    let key = call.args.iter().find(|a| a.keyword.is_none())?;
    let Value::Str(k) = key.value else {
        return None;
    };
    Some(k)
}

/// Each file's calls that have a [`call_key`], with it, by the rules'
/// per-file pass (`rules::Shared::call_keys`): a seed then reads no file
/// (the seeds come from every file a personal-data solve reaches).
pub(crate) fn file_call_keys(cx: &Context<'_>, fi: usize, f: &FileFacts) -> Vec<(u32, u32, Ustr)> {
    let pd = &cx.catalog.personal_data;
    f.calls
        .iter()
        .enumerate()
        .filter_map(|(ci, call)| Some((fi as u32, ci as u32, call_key(pd, call)?)))
        .collect()
}

/// Every file's [`file_call_keys`], in file and call order.
pub(crate) struct CallKeys(pub(crate) Vec<(u32, u32, Ustr)>);

impl CallKeys {
    fn get(&self, fi: usize, ci: usize) -> Option<Ustr> {
        let at = (fi as u32, ci as u32);
        let i = self.0.binary_search_by_key(&at, |&(f, c, _)| (f, c)).ok()?;
        Some(self.0[i].2)
    }
}

/// The project's data models whose fields the classifier names: classes
/// deriving (through project classes) from a base of `[personal_data]
/// models` or an ORM storage base (`[opt_out.rights] storage_bases`), or
/// decorated as one (`@dataclass`). Fields are the annotated names of the
/// class bodies (`Class::fields`) and their plain class variables
/// (`phone = Column(String)`, `phone = models.CharField()`), the wire names
/// too (`Field(alias="tel")`), inherited from project base classes.
fn data_models(cx: &Context<'_>) -> Models {
    let mut out = Models::default();
    let found = model_classes(cx);
    // Fields that hold another model (`customer: Customer`, `items:
    // list[Item]`): the words of the declared type, resolved as the
    // class's file imports them.
    let index: FastMap<&str, usize> = found
        .iter()
        .enumerate()
        .map(|(i, m)| (m.0.as_str(), i))
        .collect();
    for (dotted, _, _, chain) in found.iter() {
        for &(fj, cj) in chain {
            for x in &cx.project.file(fj, Reader::RulesPersonalData).classes[cj].fields {
                let words = x
                    .type_text
                    .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '.'))
                    .filter(|w| !w.is_empty())
                    .take(8);
                for w in words {
                    let text = resolve_text(cx, fj, w);
                    let text = cx.project.canonical_text(&text).unwrap_or(text);
                    let local = crate::analysis::index::dotted(cx.project.module(fj), w);
                    let target = [text, local]
                        .into_iter()
                        .find(|t| index.contains_key(t.as_str()));
                    if let Some(t) = target.filter(|t| t != dotted) {
                        out.nested.insert((dotted.clone(), x.name), t);
                        break;
                    }
                }
            }
        }
    }
    // A model holds what the models in its fields hold (bounded depth).
    let mut sets: Vec<Categories> = found.iter().map(|m| m.2).collect();
    for _ in 0..4 {
        let mut grew = false;
        for ((class, _), target) in &out.nested {
            let (Some(&a), Some(&b)) = (index.get(class.as_str()), index.get(target.as_str()))
            else {
                continue;
            };
            if sets[a] | sets[b] != sets[a] {
                sets[a] |= sets[b];
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    for ((dotted, name, _, _), set) in found.iter().zip(sets) {
        if set == 0 {
            continue;
        }
        // By name only for names of two words or more: a `user` is far
        // from always a `User` (a chat platform's, an OS one).
        let words = crate::catalog::personal_data::tokens(name);
        if words.len() >= 2 {
            *out.by_name.entry(words.join("_")).or_insert(0) |= set;
        }
        let class_name = dotted.rsplit('.').next().unwrap_or(dotted).to_string();
        out.class_names.insert(class_name);
        *out.by_class.entry(dotted.clone()).or_insert(0) |= set;
    }
    out
}

/// `s` without its trailing `()`s (`f()()` → `f`), as
/// `trim_end_matches("()")` gives, without a substring searcher.
fn trim_calls(mut s: &str) -> &str {
    while let Some(rest) = s.strip_suffix("()") {
        s = rest;
    }
    s
}

/// A data model as `data_models` finds it: dotted name, class name, its
/// fields' categories, and the (file, class) pairs whose fields it has.
pub(crate) type FoundModel = (String, Ustr, Categories, Vec<(usize, usize)>);

/// Every data model of the project with its own and inherited fields'
/// categories, in file and class order: the per-file half of
/// [`data_models`], computed once per scan (it was once per rule that
/// classified models). The rules' per-file phase makes it when a rule that
/// reads it is enabled (`rules::per_file`); this loop serves a call
/// without it.
///
/// Freed after its last reader (`rules::HELD`).
pub(crate) fn model_classes(cx: &Context<'_>) -> std::sync::Arc<Vec<FoundModel>> {
    cx.shared.model_classes.get_or_init(|| {
        // Each file's classes on every thread, joined in file order.
        let files = cx.project.each_file(Reader::RulesPersonalData);
        crate::analysis::map_indices(files.len(), |fi| file_model_classes(cx, fi, &files.get(fi)))
            .into_iter()
            .flatten()
            .collect()
    })
}

/// The categories of the fields of class `c` of file `f`: its plain class
/// variables and its declared fields (their wire names too).
fn class_fields(pd: &PersonalData, f: &FileFacts, c: &crate::facts::Class) -> Categories {
    let vars = f
        .assignments
        .iter()
        .filter(|a| a.scope.is_none() && c.span.contains(&a.span) && !a.target.contains('.'))
        .map(|a| a.target);
    let declared = c
        .fields
        .iter()
        .flat_map(|x| std::iter::once(x.name).chain(x.rename));
    vars.chain(declared)
        .fold(0, |acc, n| acc | pd.identified(pd.classify(&n)))
}

/// [`model_classes`] of file `fi`, in class order.
pub(crate) fn file_model_classes(cx: &Context<'_>, fi: usize, f: &FileFacts) -> Vec<FoundModel> {
    let pd = &cx.catalog.personal_data;
    let rights = &cx.catalog.opt_out.rights;
    let mut found: Vec<FoundModel> = Vec::new();
    for (ci, c) in f.classes.iter().enumerate() {
        let decorated = c.decorators.iter().any(|d| {
            d.resolved
                .as_ref()
                .is_some_and(|r| pd.is_model(r.as_str().trim_end_matches("()")))
        });
        let mut chain = Vec::new();
        let dotted = crate::analysis::index::dotted(&f.module, &c.qualname);
        let based = crate::rules::opt_out::stored::derives(
            cx,
            &dotted,
            |b| pd.is_model(b) || rights.is_storage_base(b),
            |fj, cj| chain.push((fj, cj)),
        );
        if !(based || decorated) {
            continue;
        }
        // Fields are read only for data models: a file's every class
        // would scan its assignments once per class on its way.
        let mut set = chain.iter().fold(0, |acc, &(fj, cj)| {
            let file = cx.project.file(fj, Reader::RulesPersonalData);
            acc | class_fields(pd, &file, &file.classes[cj])
        });
        if set == 0 {
            // A class of another language, or one the index does not know.
            set = class_fields(pd, f, c);
        }
        if chain.is_empty() {
            chain.push((fi, ci));
        }
        found.push((dotted, c.name, set, chain));
    }
    found
}

/// The input components of a Gradio registration (`btn.click(fn,
/// inputs=[image, text])`, `gr.Interface(fn, inputs=...)`), in order.
fn entry_inputs(cx: &Context<'_>, entry: &EntryPoint) -> Vec<Input> {
    if entry.framework != "gradio" {
        return Vec::new();
    }
    let Some(fi) = cx.project.file_index(&entry.location.path) else {
        return Vec::new();
    };
    let file = cx.project.file(fi, Reader::RulesPersonalData);
    let span = entry.location.span;
    let Some(call) = file
        .calls
        .iter()
        .find(|c| c.span.start_byte == span.start_byte && c.span.end_byte == span.end_byte)
    else {
        return Vec::new();
    };
    let Some(arg) = call.arg(Some(1), Some("inputs")) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match &arg.value {
        Value::List(items) => items.iter().collect(),
        v => vec![v],
    };
    let pd = &cx.catalog.personal_data;
    items
        .into_iter()
        .map(|v| match component_of(cx, fi, &file, v, span.start_byte) {
            Some(name) => {
                let texts = box_texts(&file, v, span.start_byte);
                let other =
                    pd.is_checkbox(&name) && texts.iter().skip(1).any(|t| pd.is_other_agreement(t));
                Input {
                    categories: pd.component(&name),
                    checkbox: pd.is_checkbox(&name)
                        && !other
                        && (texts.is_empty() || texts.iter().any(|t| pd.is_consent_text(t))),
                    other_agreement: other,
                }
            }
            None => Input::default(),
        })
        .collect()
}

/// What a component given by name says of itself: the variable's name,
/// then the literal texts it was made with (`label=`, `info=`). Empty for
/// one built in place (a tick box there counts as consent: nothing to read).
fn box_texts<'f>(file: &'f FileFacts, v: &Value, before: u32) -> Vec<&'f str> {
    let Value::Name { text, .. } = v else {
        return Vec::new();
    };
    let Some(a) = file
        .assignments
        .iter()
        .rfind(|a| a.target == *text && a.span.start_byte < before)
    else {
        return Vec::new();
    };
    std::iter::once(a.target.as_str())
        .chain(
            a.value_args
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .filter_map(|a| a.value.as_str()),
        )
        .collect()
}

/// The resolved constructor of a component given as a name bound earlier
/// in the file (`image = gr.Image()`) or built in place (`gr.Image()`).
fn component_of(
    cx: &Context<'_>,
    fi: usize,
    file: &FileFacts,
    v: &Value,
    before: u32,
) -> Option<String> {
    match v {
        Value::Name {
            resolved: Some(r), ..
        } => Some(r.as_str().trim_end_matches("()").to_string()),
        Value::Name { text, .. } => {
            let a = file
                .assignments
                .iter()
                .rfind(|a| a.target == *text && a.span.start_byte < before)?;
            if let Some(q) = &a.value_call {
                // The instance a constructor call makes: `gradio.Image()`.
                return Some(q.as_str().trim_end_matches("()").to_string());
            }
            component_of(cx, fi, file, &a.value, before)
        }
        Value::Expr(e) => {
            let callee = match &e.shape {
                crate::facts::Shape::Call(name, _) => name.as_str(),
                _ => e.reads.first()?.as_str(),
            };
            Some(resolve_text(cx, fi, callee))
        }
        _ => None,
    }
}

/// A dotted name as written, its head resolved through the file's imports.
pub fn resolve_text(cx: &Context<'_>, fi: usize, text: &str) -> String {
    let (head, rest) = text.split_once('.').unwrap_or((text, ""));
    match cx.project.index.bindings(fi).import_targets(head).last() {
        Some(t) if rest.is_empty() => t.to_string(),
        Some(t) => format!("{t}.{rest}"),
        None => text.to_string(),
    }
}

/// How much a set of categories weighs when a flow's steps pick what to
/// explain: sensitive categories most, then identifying ones a network log
/// need not keep, then the others (IP addresses, conversation content).
pub fn pii_weight(pd: &PersonalData, set: Categories) -> u32 {
    let identified = pd.identified(set);
    4 * pd.sensitive(set).count_ones()
        + 2 * (identified & !pd.network_log(set)).count_ones()
        + set.count_ones()
}

/// How messages list categories: `phone number, face image`.
pub fn describe(pd: &PersonalData, set: Categories) -> String {
    pd.iter(set)
        .map(|c| c.title.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The note a message adds for sensitive categories (CN-PIPL-28), or "".
pub fn sensitive_note(pd: &PersonalData, sensitive: Categories) -> String {
    let parts: Vec<String> = pd
        .iter(sensitive)
        .map(|c| {
            if c.sensitive_when.is_empty() {
                c.title.clone()
            } else {
                format!("{} ({})", c.title, c.sensitive_when)
            }
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {} is sensitive personal information", parts.join(", "))
    }
}

/// Category ids, for finding properties.
pub fn ids(pd: &PersonalData, set: Categories) -> Vec<String> {
    pd.iter(set).map(|c| c.id.clone()).collect()
}

/// A finding at the call a personal-data flow ends in, worded
/// "`callee` {what}" plus the sensitive-category note, with the source as a
/// related location, the steps as the code flow and the categories as
/// properties. `what` is given the categories' description.
pub fn flow_finding(
    cx: &Context<'_>,
    meta: &RuleMeta,
    flow: &Flow<Pii>,
    pd: &PersonalData,
    identified: Categories,
    what: impl FnOnce(String) -> String,
) -> Finding {
    let file = cx.project.file(flow.site.file, Reader::RulesPersonalData);
    let call = &file.calls[flow.site.call];
    let sensitive = pd.sensitive(identified);
    let message = format!(
        "`{}` {}{}",
        call.callee,
        what(describe(pd, identified)),
        sensitive_note(pd, sensitive)
    );
    let location = Location {
        path: file.path.as_str().into(),
        span: call.span,
    };
    let mut f = Finding::new(meta.code, meta.default_level, message, location);
    f.symbol = call.scope.map(crate::finding::Text::from);
    if let Some(first) = flow.steps.first() {
        f.related.push(first.related(cx.project));
    }
    f.flow = flow.steps.iter().map(|s| s.related(cx.project)).collect();
    f.properties
        .insert("categories", serde_json::json!(ids(pd, identified)));
    f.properties
        .insert("sensitive", serde_json::json!(ids(pd, sensitive)));
    f
}

/// `key`'s value in a memo the threads share, worked out by `make` outside
/// the lock when it is new: two threads may both work one out, alike.
fn remembered<K: Eq + std::hash::Hash + Copy, V: Copy>(
    memo: &RwLock<FastMap<K, V>>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    if let Some(&known) = memo.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return known;
    }
    let value = make();
    *memo
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_insert(value)
}

#[cfg(test)]
mod tests {
    use super::trim_calls;

    /// `trim_calls` is `trim_end_matches("()")`.
    #[test]
    fn trim_calls_strips_every_trailing_call() {
        for s in [
            "f", "f()", "f()()", "()", "", "f(x)", "a.b()", "f()x", "f(", "f)",
        ] {
            assert_eq!(trim_calls(s), s.trim_end_matches("()"), "{s}");
        }
    }
}
