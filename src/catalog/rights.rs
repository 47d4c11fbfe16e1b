//! Users' rights over stored data (`[opt_out.rights]` in `opt_out.toml`):
//! the base classes that make a class a stored record (ORM models and
//! documents), the field names that say whose a record is, the class names
//! of the user table itself, the words of endpoints that export, correct or
//! delete, and the other stores a record is copied into (vector stores,
//! caches, training files) with the calls that write and delete there.
//! Users extend it from `[catalog.opt_out.rights]`.

use super::lazy_set::LazySet;
use serde::{Deserialize, Serialize};

use super::CatalogError;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RightsData {
    /// Resolved base classes (or calls that make one, `…declarative_base()`)
    /// whose subclasses are stored records.
    #[serde(default)]
    pub storage_bases: Vec<String>,
    /// Field names that name the record's owner (regexes).
    #[serde(default)]
    pub owner_fields: Vec<String>,
    /// Class names of the user or account table itself (regexes).
    #[serde(default)]
    pub user_tables: Vec<String>,
    /// Route and handler words of an export endpoint (regexes).
    #[serde(default)]
    pub export: Vec<String>,
    /// ... of a correction endpoint.
    #[serde(default)]
    pub correct: Vec<String>,
    /// ... of a deletion endpoint.
    #[serde(default)]
    pub delete: Vec<String>,
    /// Route and handler words that mean the user's whole account or data
    /// (`me`, `account`): such an endpoint covers every stored class.
    #[serde(default)]
    pub account_words: Vec<String>,
    /// Route and handler words of endpoints that serve operators
    /// (`/admin/users/{id}`): they serve no user's request.
    #[serde(default)]
    pub admin_words: Vec<String>,
    /// File names that mark a service's root folder (`manage.py`).
    #[serde(default)]
    pub service_markers: Vec<String>,
    /// Other stores records are copied into (`[[opt_out.rights.copy]]`).
    #[serde(default)]
    pub copy: Vec<CopyStoreData>,
}

/// A store a record's data may also be written into.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyStoreData {
    /// How messages name it (`vector store`).
    pub kind: String,
    /// Calls that write into it: a regex over the callee as written and
    /// as resolved.
    pub writes: String,
    /// Calls that delete from it, likewise.
    pub deletes: String,
}

impl RightsData {
    pub fn extend(&mut self, other: RightsData) {
        self.storage_bases.extend(other.storage_bases);
        self.owner_fields.extend(other.owner_fields);
        self.user_tables.extend(other.user_tables);
        self.export.extend(other.export);
        self.correct.extend(other.correct);
        self.delete.extend(other.delete);
        self.account_words.extend(other.account_words);
        self.admin_words.extend(other.admin_words);
        self.service_markers.extend(other.service_markers);
        self.copy.extend(other.copy);
    }
}

/// What an endpoint does to stored data, by its route and handler name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RightKind {
    Export,
    Correct,
    Delete,
}

impl RightKind {
    pub const ALL: [RightKind; 3] = [RightKind::Export, RightKind::Correct, RightKind::Delete];

    /// How messages name the right (`export`).
    pub fn verb(self) -> &'static str {
        match self {
            RightKind::Export => "export",
            RightKind::Correct => "correct",
            RightKind::Delete => "delete",
        }
    }
}

/// A copy store, compiled.
pub struct CopyStore {
    pub kind: String,
    writes: LazySet,
    deletes: LazySet,
}

impl CopyStore {
    pub fn writes(&self, callee: &str) -> bool {
        self.writes.is_match(callee)
    }

    pub fn deletes(&self, callee: &str) -> bool {
        self.deletes.is_match(callee)
    }
}

/// `RightsData`, compiled.
pub struct Rights {
    pub storage_bases: Vec<String>,
    owner_fields: LazySet,
    user_tables: LazySet,
    export: LazySet,
    correct: LazySet,
    delete: LazySet,
    account_words: LazySet,
    admin_words: LazySet,
    pub service_markers: Vec<String>,
    pub copies: Vec<CopyStore>,
}

impl Rights {
    pub fn build(data: RightsData) -> Result<Rights, CatalogError> {
        let bad = |what: &str, e: regex::Error| CatalogError {
            message: format!("rights.{what}: bad regex: {e}"),
        };
        let set = |what: &str, res: &[String]| LazySet::new(res).map_err(|e| bad(what, e));
        let copies = data
            .copy
            .into_iter()
            .map(|c| {
                Ok(CopyStore {
                    writes: LazySet::one(&c.writes).map_err(|e| bad("copy.writes", e))?,
                    deletes: LazySet::one(&c.deletes).map_err(|e| bad("copy.deletes", e))?,
                    kind: c.kind,
                })
            })
            .collect::<Result<_, CatalogError>>()?;
        Ok(Rights {
            owner_fields: set("owner_fields", &data.owner_fields)?,
            user_tables: set("user_tables", &data.user_tables)?,
            export: set("export", &data.export)?,
            correct: set("correct", &data.correct)?,
            delete: set("delete", &data.delete)?,
            account_words: set("account_words", &data.account_words)?,
            admin_words: set("admin_words", &data.admin_words)?,
            storage_bases: data.storage_bases,
            service_markers: data.service_markers,
            copies,
        })
    }

    pub fn is_storage_base(&self, resolved: &str) -> bool {
        self.storage_bases.iter().any(|b| b == resolved)
    }

    pub fn is_owner_field(&self, name: &str) -> bool {
        self.owner_fields.is_match(name)
    }

    pub fn is_user_table(&self, class: &str) -> bool {
        self.user_tables.is_match(class)
    }

    /// Whether a word of a route or handler name means the whole account.
    pub fn is_account_word(&self, word: &str) -> bool {
        self.account_words.is_match(word)
    }

    /// Whether a word of a route or handler name says it serves operators.
    pub fn is_admin_word(&self, word: &str) -> bool {
        self.admin_words.is_match(word)
    }

    /// The rights an endpoint serves, from its HTTP methods and the words
    /// of its route and handler name (lower case).
    pub fn kinds(&self, methods: &[String], text: &str) -> Vec<RightKind> {
        let method = |m: &str| methods.iter().any(|x| x == m);
        let mut out = Vec::new();
        if self.export.is_match(text) {
            out.push(RightKind::Export);
        }
        if method("PUT") || method("PATCH") || self.correct.is_match(text) {
            out.push(RightKind::Correct);
        }
        if method("DELETE") || self.delete.is_match(text) {
            out.push(RightKind::Delete);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, CatalogData};

    #[test]
    fn endpoints_and_names_are_classified() {
        let c = Catalog::load(&CatalogData::default()).unwrap();
        let r = &c.opt_out.rights;
        let none: [String; 0] = [];
        assert_eq!(
            r.kinds(&none, "/me/export export_my_data"),
            [RightKind::Export]
        );
        assert_eq!(
            r.kinds(&["DELETE".into()], "/conversations/{id} remove"),
            [RightKind::Delete]
        );
        assert_eq!(
            r.kinds(&none, "/api/user/update_profile"),
            [RightKind::Correct]
        );
        assert!(r.kinds(&none, "/chat chat").is_empty());
        assert!(r.kinds(&none, "/models list_models").is_empty());
        assert!(
            r.kinds(&none, "/users/{id}/datasets get_user_datasets")
                .is_empty()
        );
        assert!(r.is_admin_word("admin"));
        assert!(r.is_owner_field("user_id"));
        assert!(r.is_owner_field("owner"));
        assert!(!r.is_owner_field("username"));
        assert!(r.is_user_table("User"));
        assert!(r.is_user_table("UserProfile"));
        assert!(!r.is_user_table("UserTagLink"));
        assert!(r.is_storage_base("django.db.models.Model"));
        let vector = r.copies.iter().find(|c| c.kind == "vector store").unwrap();
        assert!(vector.writes("vectorstore.add_texts"));
        assert!(vector.writes("self.collection.upsert"));
        assert!(!vector.writes("messages.add"));
        assert!(vector.deletes("vectorstore.delete"));
        assert!(!vector.deletes("db.delete"));
    }
}
