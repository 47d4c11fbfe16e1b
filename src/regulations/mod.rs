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
    /// How well the reference document verified this article: `V` (official
    /// text), `V2` (reputable secondary sources), `R` (reported only) or `I`
    /// (inference). Rules built on `R`/`I` articles should not be hard errors.
    pub verification: Option<String>,
}

impl Article {
    /// How to cite the article in prose: `Art. 17(1)`, `Annex E`, or nothing
    /// extra for an instrument cited as a whole.
    pub fn citation(&self) -> String {
        if self.id == self.instrument {
            String::new()
        } else if self.number.starts_with(|c: char| c.is_ascii_digit()) {
            format!("Art. {}", self.number)
        } else {
            self.number.clone()
        }
    }
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

    /// `<instrument name>, Art. 17(1): <title>` for an article id (with the
    /// former number of a renumbered article); what reports print next to the id.
    pub fn reference(&self, id: &str) -> Option<String> {
        let a = self.article(id)?;
        let inst = self.instrument_of(a);
        let mut cite = a.citation();
        // Carry both numbers of a renumbered article; older guidance cites the old one.
        if let Some(former) = &a.former_number {
            cite += &format!(" (formerly Art. {former})");
        }
        Some(if cite.is_empty() {
            format!("{}: {}", inst.name, a.title)
        } else {
            format!("{}, {cite}: {}", inst.name, a.title)
        })
    }
}

/// One run of digits or of other characters in an id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdPart {
    Text(String),
    /// Value and the digits as written (keeps `007` and `7` apart).
    Number(u64, String),
}

/// Sort key that orders article ids the way people read them: `CN-DSP-9`
/// before `CN-DSP-10`, `CN-DSP-17` before `CN-DSP-17.1`.
pub fn natural_key(id: &str) -> Vec<IdPart> {
    let mut key = Vec::new();
    let mut rest = id;
    while let Some(c) = rest.chars().next() {
        let digits = c.is_ascii_digit();
        let len = rest
            .find(|d: char| d.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(len);
        key.push(if digits {
            // Absurdly long runs saturate; the text keeps them distinct.
            IdPart::Number(run.parse().unwrap_or(u64::MAX), run.to_owned())
        } else {
            IdPart::Text(run.to_owned())
        });
        rest = tail;
    }
    key
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use regex::Regex;

    use super::*;
    use crate::rules::{self, Category};

    fn regs() -> &'static Regulations {
        Regulations::get()
    }

    #[test]
    fn embedded_catalogue_parses() {
        assert!(Regulations::parse(ARTICLES_TOML).is_ok());
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let one = r#"
[[instrument]]
id = "CN-X"
name = "x"
jurisdiction = "CN"
in_force = "2020-01-01"
url = "https://example.org/"

[[article]]
id = "CN-X-1"
instrument = "CN-X"
number = "1"
title = "t"
summary = "s"
in_force = "2020-01-01"
url = "https://example.org/"
"#;
        assert!(Regulations::parse(one).is_ok());
        let twice = format!("{one}{}", &one[one.find("[[article]]").unwrap()..]);
        let err = Regulations::parse(&twice).err().unwrap();
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn ids_are_well_formed_and_unique() {
        // `<INSTRUMENT>-<article>[.<paragraph>]`, or an instrument cited whole.
        let shape = Regex::new(r"^[A-Z]{2}(-[A-Z0-9]+)+(\.[0-9]+)?$").unwrap();
        let article_part = Regex::new(r"^([0-9]+(\.[0-9]+)?|[A-Z])$").unwrap();
        let raw: toml::Value = toml::from_str(ARTICLES_TOML).unwrap();
        let mut seen = BTreeSet::new();
        for a in raw["article"].as_array().unwrap() {
            let id = a["id"].as_str().unwrap();
            assert!(seen.insert(id), "{id} listed twice");
        }
        let mut seen = BTreeSet::new();
        for i in raw["instrument"].as_array().unwrap() {
            let id = i["id"].as_str().unwrap();
            assert!(seen.insert(id), "instrument {id} listed twice");
            assert!(shape.is_match(id), "bad instrument id {id}");
        }
        for (id, a) in &regs().articles {
            assert!(shape.is_match(id), "bad article id {id}");
            if id != &a.instrument {
                let rest = id
                    .strip_prefix(&format!("{}-", a.instrument))
                    .unwrap_or_else(|| panic!("{id} does not start with {}", a.instrument));
                assert!(article_part.is_match(rest), "bad article part in {id}");
            }
        }
    }

    #[test]
    fn fields_are_filled_in() {
        let date = Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").unwrap();
        for i in regs().instruments.values() {
            assert!(date.is_match(&i.in_force), "{}: in_force", i.id);
            assert!(i.url.starts_with("https://"), "{}: url", i.id);
            assert!(!i.name.trim().is_empty(), "{}: name", i.id);
            assert!(
                ["CN", "EU", "US-CA"].contains(&i.jurisdiction.as_str()),
                "{}: jurisdiction {}",
                i.id,
                i.jurisdiction
            );
            assert!(
                regs().articles.values().any(|a| a.instrument == i.id),
                "instrument {} has no article",
                i.id
            );
        }
        for a in regs().articles.values() {
            assert!(date.is_match(&a.in_force), "{}: in_force", a.id);
            assert!(a.url.starts_with("https://"), "{}: url", a.id);
            for (what, text) in [("number", &a.number), ("title", &a.title)] {
                assert!(!text.trim().is_empty(), "{}: empty {what}", a.id);
                assert!(!text.contains('\n'), "{}: multi-line {what}", a.id);
            }
            assert!(
                a.summary.ends_with('.') && !a.summary.contains('\n'),
                "{}: summary must be one sentence-like line",
                a.id
            );
            let v = a.verification.as_deref();
            assert!(
                matches!(v, Some("V" | "V2" | "R" | "I")),
                "{}: verification {v:?}",
                a.id
            );
        }
    }

    #[test]
    fn renumbered_csl_articles_keep_their_former_number() {
        assert_eq!(
            regs()
                .article("CN-CSL-23")
                .unwrap()
                .former_number
                .as_deref(),
            Some("21")
        );
        assert_eq!(
            regs()
                .article("CN-CSL-26")
                .unwrap()
                .former_number
                .as_deref(),
            Some("24")
        );
    }

    #[test]
    fn catalogue_covers_the_reference_identifiers() {
        // Instruments of the identifier table, and the articles that the
        // proposed rule list and the examples in regulations.md cite.
        let mut wanted: Vec<String> = [
            "CN-DSP-2",
            "CN-DSP-9",
            "CN-DSP-10",
            "CN-DSP-11",
            "CN-DSP-12",
            "CN-DSP-14",
            "CN-DSP-15",
            "CN-DSP-16",
            "CN-DSP-17",
            "CN-DSP-17.1",
            "CN-DSP-17.2",
            "CN-DSP-18",
            "CN-DSP-19",
            "CN-DSP-23",
            "CN-GAI-2",
            "CN-GAI-4",
            "CN-GAI-7",
            "CN-GAI-10",
            "CN-GAI-11",
            "CN-GAI-12",
            "CN-GAI-14",
            "CN-GAI-15",
            "CN-GAI-17",
            "CN-GAI-22",
            "CN-GAI-22.2",
            "CN-ARP-9",
            "CN-ARP-16",
            "CN-ARP-17",
            "CN-ARP-18",
            "CN-ARP-21",
            "CN-ARP-22",
            "CN-ARP-24",
            "CN-ARP-26",
            "CN-ARP-28",
            "CN-LBL-2",
            "CN-LBL-3",
            "CN-LBL-4",
            "CN-LBL-5",
            "CN-LBL-6",
            "CN-LBL-8",
            "CN-LBL-9",
            "CN-LBL-10",
            "CN-LBL-11",
            "CN-GB45438-5",
            "CN-GB45438-6",
            "CN-GB45438-E",
            "CN-TC260-003",
            "CN-GBT45654",
            "CN-CSL-23",
            "CN-CSL-26",
            "CN-SAP-5",
            "EU-AIA-50.1",
            "EU-AIA-50.2",
            "EU-AIA-50.4",
            "EU-AIA-50.5",
            "US-CA-SB942",
        ]
        .map(String::from)
        .to_vec();
        for n in [
            6, 13, 14, 15, 19, 24, 28, 29, 31, 38, 39, 44, 45, 46, 47, 50, 51, 55,
        ] {
            wanted.push(format!("CN-PIPL-{n}"));
        }
        for id in &wanted {
            assert!(regs().article(id).is_some(), "missing article {id}");
        }
        for inst in [
            "CN-DSP",
            "CN-GAI",
            "CN-ARP",
            "CN-LBL",
            "CN-GB45438",
            "CN-TC260-003",
            "CN-GBT45654",
            "CN-PIPL",
            "CN-CSL",
            "CN-SAP",
            "EU-AIA",
            "US-CA-SB942",
        ] {
            assert!(regs().instruments.contains_key(inst), "missing {inst}");
        }
    }

    #[test]
    fn rules_name_only_known_articles() {
        for m in rules::catalogue() {
            for id in m.articles {
                assert!(
                    regs().article(id).is_some(),
                    "rule {} names unknown article {id}",
                    m.code
                );
            }
            let unique: BTreeSet<_> = m.articles.iter().collect();
            assert_eq!(unique.len(), m.articles.len(), "{}: repeated id", m.code);
            if m.category != Category::Meta {
                assert!(!m.articles.is_empty(), "rule {} names no article", m.code);
            }
        }
    }

    #[test]
    fn citation_reads_naturally() {
        let r = regs();
        assert_eq!(r.article("CN-DSP-17.1").unwrap().citation(), "Art. 17(1)");
        assert_eq!(r.article("CN-GB45438-E").unwrap().citation(), "Annex E");
        assert_eq!(r.article("CN-TC260-003").unwrap().citation(), "");
        assert_eq!(
            r.reference("CN-CSL-23").unwrap(),
            "Cybersecurity Law (article numbering as amended with effect from 2026-01-01), \
             Art. 23 (formerly Art. 21): Graded protection; network logs kept at least six months"
        );
        assert!(r.reference("CN-NOPE-1").is_none());
    }

    #[test]
    fn natural_order() {
        let mut ids = vec![
            "CN-DSP-17.1",
            "CN-DSP-10",
            "CN-DSP-9",
            "CN-DSP-17",
            "CN-ARP-9",
        ];
        ids.sort_by_key(|id| natural_key(id));
        assert_eq!(
            ids,
            [
                "CN-ARP-9",
                "CN-DSP-9",
                "CN-DSP-10",
                "CN-DSP-17",
                "CN-DSP-17.1"
            ]
        );
    }
}
