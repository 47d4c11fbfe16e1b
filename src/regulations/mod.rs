//! The article catalogue: every legal provision a rule may name, loaded from
//! `articles.toml` (embedded). Rules refer to articles by id only; titles,
//! summaries and links are rendered from here by `explain`, SARIF and reports.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// `CN-DSP`, `EU-AIA`, ...
    pub id: String,
    pub name: String,
    /// Name in the original language, when not English.
    pub native_name: Option<String>,
    pub jurisdiction: String,
    pub in_force: String,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// `CN-DSP-17`, `CN-CSL-23`, `EU-AIA-50.2`.
    pub id: String,
    pub instrument: String,
    /// Article (and paragraph) number as printed, e.g. `17`, `50(2)`.
    pub number: String,
    pub title: String,
    /// One line in our own words.
    pub summary: String,
    pub in_force: String,
    pub url: String,
    /// Number before a renumbering, e.g. CSL 23 was 21 before 2026.
    pub former_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleFile {
    instrument: Vec<Instrument>,
    article: Vec<Article>,
}

pub struct Regulations {
    pub instruments: BTreeMap<String, Instrument>,
    pub articles: BTreeMap<String, Article>,
}

const ARTICLES_TOML: &str = include_str!("articles.toml");

impl Regulations {
    /// The embedded catalogue, parsed once.
    pub fn get() -> &'static Regulations {
        static CELL: OnceLock<Regulations> = OnceLock::new();
        CELL.get_or_init(|| {
            Regulations::parse(ARTICLES_TOML).expect("embedded articles.toml is valid")
        })
    }

    pub fn parse(text: &str) -> Result<Regulations, String> {
        let file: ArticleFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut instruments = BTreeMap::new();
        for i in file.instrument {
            instruments.insert(i.id.clone(), i);
        }
        let mut articles = BTreeMap::new();
        for a in file.article {
            if !instruments.contains_key(&a.instrument) {
                return Err(format!(
                    "article {} names unknown instrument {}",
                    a.id, a.instrument
                ));
            }
            if articles.insert(a.id.clone(), a.clone()).is_some() {
                return Err(format!("article {} is listed twice", a.id));
            }
        }
        Ok(Regulations {
            instruments,
            articles,
        })
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.get(id)
    }

    pub fn instrument_of(&self, article: &Article) -> &Instrument {
        &self.instruments[&article.instrument]
    }
}
