//! PII005 sensitive-data-undeleted: sensitive personal information (face or
//! voice data and embeddings, health, financial, location) is written to a
//! file, vector store or database, and nothing in the project ever deletes
//! from that kind of store.

use serde_json::json;

use crate::analysis::Reader;
use crate::finding::{Finding, Level};
use crate::qname::OptionQName;
use crate::rules::personal_data::{PiiDomain, flow_finding, store_kind};
use crate::rules::{Category, Context, Precision, Rule, RuleMeta, Status};

pub struct SensitiveDataUndeleted;

static META: RuleMeta = RuleMeta {
    code: "PII005",
    name: "sensitive-data-undeleted",
    category: Category::PersonalData,
    default_level: Level::Note,
    precision: Precision::Low,
    status: Status::Preview,
    articles: &["CN-PIPL-47", "CN-GAI-11"],
    summary: "Sensitive personal information is stored in a file, vector store or database that nothing in the project deletes from.",
    security_severity: "3.0",
    doc: r#"
## What it does
Follows sensitive personal information, recognised by name (`face_image`,
`face_embedding`, `speaker_embedding`, `voiceprint`, `medical_record`,
`bank_card`, `latitude`) or taken in by Gradio image, webcam and audio
components, to the calls that keep it:

- files: `numpy.save`, `torch.save`, `pickle.dump`, `cv2.imwrite`,
  `soundfile.write`, an image's `save`;
- vector stores: `add_texts`, `add_embeddings`, Chroma, FAISS, Milvus,
  Qdrant and Pinecone adds and upserts;
- databases and key-value stores: SQLAlchemy `add`, Django
  `objects.create`, `insert_one`, redis `set`.

It reports the call that stores the value (with the source and the steps as
related locations and code flow) when no code in the project deletes from
that kind of store at all: no `os.remove`, `unlink` or `shutil.rmtree` for
files, no `delete` on a collection or index for vector stores, no `delete`
for databases. One deletion anywhere is taken as a deletion path.

**How it differs from OPT005 and OPT006.** OPT005 asks whether users can have the per-user records a service keeps
(ORM classes with an owner field) exported, corrected and deleted through
an endpoint; OPT006 whether such a deletion also reaches the copies. This
rule is about sensitive values written straight into a store, whoever they
belong to, with no deletion in the code at all: a retention gap, not a
missing rights endpoint. A value that is one of those per-user records is
theirs: this rule follows values by name, not records by class, so the two
do not report the same write.

## Why is this bad?
Personal information must be deleted once its purpose is met or its
retention period ends, and when the person asks. Sensitive information,
above all biometrics, is the hardest to change once leaked. A face
embedding or a voice sample kept in a file or vector store that no code
ever deletes stays there for good.

## Example
```python
def enroll(user_id, face_embedding):
    collection.add(ids=[user_id], embeddings=[face_embedding])
```

Use instead:
```python
def enroll(user_id, face_embedding):
    collection.add(ids=[user_id], embeddings=[face_embedding])

def forget(user_id):
    collection.delete(ids=[user_id])
```

## Options
What deletes from each kind of store is
`[catalog.personal_data.retention.deletes]` (`file`, `vector`, `db`:
regular expressions over callees as written or resolved); stores are sinks
of the `personal-data` taint spec whose id starts with `store-`.

## Known problems
Deletion is looked for in the whole project, not per store: deleting one
file somewhere quiets every file store. Expiry configured outside the code
(an object store's lifecycle rule, a database TTL index) is not seen.
"#,
};

impl Rule for SensitiveDataUndeleted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let domain = PiiDomain::new(cx);
        let Some(spec) = domain.spec() else {
            return;
        };
        if !spec.data.sink.iter().any(|s| store_kind(&s.id).is_some()) {
            return;
        }
        let Some(taint) = domain.run() else {
            return;
        };
        let pd = domain.classifier();
        // The store kinds a finding would name, each asked once in one
        // loop over the files (it was a loop per kind).
        let kinds: Vec<&str> = taint
            .flows
            .iter()
            .filter(|flow| pd.sensitive(flow.value.0) != 0)
            .filter_map(|flow| store_kind(&spec.data.sink[flow.sink].id))
            .fold(Vec::new(), |mut kinds, k| {
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
                kinds
            });
        let deleted = deletes_anywhere(cx, &kinds);
        for flow in &taint.flows {
            let sensitive = pd.sensitive(flow.value.0);
            let Some(kind) = store_kind(&spec.data.sink[flow.sink].id) else {
                continue;
            };
            if sensitive == 0 {
                continue;
            }
            if deleted.contains(&kind) {
                continue;
            }
            let store = match kind {
                "file" => "a file",
                "vector" => "a vector store",
                _ => "a database",
            };
            let mut f = flow_finding(cx, &META, flow, pd, pd.identified(flow.value.0), |what| {
                format!(
                    "stores {what} in {store}, and nothing in the project ever deletes from {store}"
                )
            });
            f.properties.insert("store", json!(kind));
            out.push(f);
        }
    }
}

/// Which of `kinds` of stores some call of the project deletes from: one
/// loop, stopping when every kind has such a call (none without a kind).
fn deletes_anywhere<'k>(cx: &Context<'_>, kinds: &[&'k str]) -> Vec<&'k str> {
    let pd = &cx.catalog.personal_data;
    let mut found: Vec<&str> = Vec::new();
    if kinds.is_empty() {
        return found;
    }
    for f in cx.project.each_file(Reader::RulesPersonalData).facts() {
        for &kind in kinds {
            if found.contains(&kind) {
                continue;
            }
            if f.calls.iter().any(|c| {
                pd.deletes(kind, &c.callee)
                    || c.resolved.as_name().is_some_and(|r| pd.deletes(kind, r))
            }) {
                found.push(kind);
            }
        }
        if found.len() == kinds.len() {
            break;
        }
    }
    found
}
