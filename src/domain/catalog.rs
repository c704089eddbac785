//! Maturity models as data: parsing and checking a model file (format in
//! `fixtures/models/README.md`). A file is either wholly valid or refused with its line.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

/// A text in both languages of the programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: crate::domain::i18n::Lang) -> &str {
        match lang {
            crate::domain::i18n::Lang::Zh => &self.zh,
            crate::domain::i18n::Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// Parts are applied for in assessment rounds.
    Certification,
    /// Used by enterprises to assess themselves.
    SelfAssessment,
}

impl Usage {
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::Certification => "certification",
            Usage::SelfAssessment => "self_assessment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    pub code: String,
    pub name: Bilingual,
    pub description: Bilingual,
    pub illustrative: bool,
    pub usage: Usage,
    pub levels: Vec<Level>,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub level: u8,
    pub name: Bilingual,
    pub summary: Bilingual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub code: String,
    pub name: Bilingual,
    pub description: Bilingual,
    pub domains: Vec<Domain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub code: String,
    pub name: Bilingual,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub name: Bilingual,
    /// `criteria[l - 1]` is what level `l` requires.
    pub criteria: Vec<Bilingual>,
}

impl Model {
    /// Identifies the content: equal models hash equal whatever the file's comments or
    /// layout, so reformatting a file does not create a new version.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("a model always serialises");
        hex::encode(Sha256::digest(json))
    }

    pub fn part(&self, code: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.code == code)
    }

    pub fn item_count(&self) -> usize {
        self.parts
            .iter()
            .flat_map(|p| &p.domains)
            .map(|d| d.items.len())
            .sum()
    }
}

/// A refused model file: which file, the line when known, and the check it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {problem}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct CatalogError {
    pub file: String,
    pub line: Option<usize>,
    pub problem: CatalogProblem,
}

/// The characters a code may use, lower case for models and upper case for the rest.
pub const MODEL_CODE_CHARACTERS: &str = "a-z 0-9 -";
pub const CODE_CHARACTERS: &str = "A-Z 0-9 -";
pub const CODE_MAX_CHARS: usize = 40;
pub const MIN_LEVELS: usize = 2;
pub const MAX_LEVELS: usize = 9;

/// Each check of a model file. The words are in the message catalogs
/// (`refusal.catalog.*`); `Display` is English for logs and the console.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogProblem {
    #[error("{0}")]
    Syntax(TomlSyntax),
    #[error("code '{code}' must be 1 to {CODE_MAX_CHARS} characters of {characters}")]
    CodeShape {
        code: String,
        characters: &'static str,
    },
    #[error("code '{code}' is used twice")]
    CodeUsedTwice { code: String },
    #[error("the model name needs both zh and en text")]
    ModelNameIncomplete,
    #[error("a model needs {MIN_LEVELS} to {MAX_LEVELS} levels, this one has {found}")]
    LevelCount { found: usize },
    #[error("levels must be numbered 1, 2, 3… in order; expected {expected}, found {found}")]
    LevelOrder { expected: u8, found: u8 },
    #[error("level {level}'s name needs both zh and en text")]
    LevelNameIncomplete { level: u8 },
    #[error("the model has no [[parts]]")]
    NoParts,
    #[error("part {part} needs both zh and en text")]
    PartNameIncomplete { part: String },
    #[error("part {part} has no domains")]
    PartWithoutDomains { part: String },
    #[error("domain {domain} needs both zh and en text")]
    DomainNameIncomplete { domain: String },
    #[error("domain {domain} has no items")]
    DomainWithoutItems { domain: String },
    #[error("item {item} needs both zh and en text")]
    ItemNameIncomplete { item: String },
    #[error("item {item} has {found} criteria; the model has {levels} levels")]
    CriteriaCount {
        item: String,
        found: usize,
        levels: usize,
    },
    #[error("item {item}: criteria must be given for levels 1…{levels} in order")]
    CriteriaOrder { item: String, levels: usize },
    #[error("item {item} level {level} needs both zh and en text")]
    CriterionIncomplete { item: String, level: usize },
}

/// Where the TOML parser stopped. Its own message is English and names serde's
/// internals, so only the place and the text found there are kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid TOML at column {column}, near '{near}'")]
pub struct TomlSyntax {
    /// Counted in characters from 1.
    pub column: usize,
    /// The text the parser pointed at (an unknown key, say), or the start of its line.
    pub near: String,
}

impl TomlSyntax {
    /// The line (from 1) and the place of a parser error in `text`.
    pub(crate) fn locate(text: &str, error: &toml::de::Error) -> (Option<usize>, TomlSyntax) {
        let Some(span) = error.span() else {
            return (
                None,
                TomlSyntax {
                    column: 1,
                    near: String::new(),
                },
            );
        };
        let start = floor_boundary(text, span.start);
        let end = floor_boundary(text, span.end.max(start));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let first_line = |s: &str| s.lines().next().unwrap_or("").trim().to_owned();
        let mut near = first_line(&text[start..end]);
        if near.is_empty() {
            near = first_line(&text[line_start..]);
        }
        let syntax = TomlSyntax {
            column: text[line_start..start].chars().count() + 1,
            near: near.chars().take(NEAR_MAX_CHARS).collect(),
        };
        (Some(text[..start].matches('\n').count() + 1), syntax)
    }
}

/// Enough of a line to find it again, not so much that a refusal becomes the file.
const NEAR_MAX_CHARS: usize = 40;

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    model: RawModel,
    levels: Vec<RawLevel>,
    parts: Vec<RawPart>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    code: Spanned<String>,
    name: Bilingual,
    description: Bilingual,
    illustrative: bool,
    usage: Usage,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    level: Spanned<u8>,
    name: Bilingual,
    summary: Bilingual,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    code: Spanned<String>,
    name: Bilingual,
    description: Bilingual,
    domains: Vec<RawDomain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    code: Spanned<String>,
    name: Bilingual,
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    code: Spanned<String>,
    name: Bilingual,
    criteria: Spanned<Vec<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    level: u8,
    zh: String,
    en: String,
}

/// Parses and checks one model file. `file` names it in errors.
pub fn parse_model(file: &str, text: &str) -> Result<Model, CatalogError> {
    let line_at = |offset: usize| text[..floor_boundary(text, offset)].matches('\n').count() + 1;
    let fail = |offset: Option<usize>, problem: CatalogProblem| CatalogError {
        file: file.to_string(),
        line: offset.map(line_at),
        problem,
    };

    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let (line, syntax) = TomlSyntax::locate(text, &e);
        CatalogError {
            file: file.to_string(),
            line,
            problem: CatalogProblem::Syntax(syntax),
        }
    })?;

    let code_ok = |c: &str, lower: bool| {
        !c.is_empty()
            && c.chars().count() <= CODE_MAX_CHARS
            && c.chars().all(|ch| {
                ch.is_ascii_digit()
                    || ch == '-'
                    || if lower {
                        ch.is_ascii_lowercase()
                    } else {
                        ch.is_ascii_uppercase()
                    }
            })
    };
    let mut seen = HashSet::new();
    let mut unique = |code: &Spanned<String>, upper: bool| {
        let at = Some(code.span().start);
        let text = code.get_ref();
        if !code_ok(text, !upper) {
            let characters = if upper {
                CODE_CHARACTERS
            } else {
                MODEL_CODE_CHARACTERS
            };
            return Err(fail(
                at,
                CatalogProblem::CodeShape {
                    code: text.clone(),
                    characters,
                },
            ));
        }
        if !seen.insert(text.clone()) {
            return Err(fail(
                at,
                CatalogProblem::CodeUsedTwice { code: text.clone() },
            ));
        }
        Ok(text.clone())
    };
    let complete = |t: &Bilingual| !t.zh.trim().is_empty() && !t.en.trim().is_empty();
    let texts_ok = |t: &Bilingual, at: usize, problem: &dyn Fn() -> CatalogProblem| {
        if complete(t) {
            Ok(())
        } else {
            Err(fail(Some(at), problem()))
        }
    };

    let model_code = unique(&raw.model.code, false)?;
    let model_at = raw.model.code.span().start;
    texts_ok(&raw.model.name, model_at, &|| {
        CatalogProblem::ModelNameIncomplete
    })?;

    if !(MIN_LEVELS..=MAX_LEVELS).contains(&raw.levels.len()) {
        return Err(fail(
            None,
            CatalogProblem::LevelCount {
                found: raw.levels.len(),
            },
        ));
    }
    let mut levels = Vec::new();
    for (i, l) in raw.levels.into_iter().enumerate() {
        let expected = i as u8 + 1;
        let at = l.level.span().start;
        if *l.level.get_ref() != expected {
            return Err(fail(
                Some(at),
                CatalogProblem::LevelOrder {
                    expected,
                    found: *l.level.get_ref(),
                },
            ));
        }
        texts_ok(&l.name, at, &|| CatalogProblem::LevelNameIncomplete {
            level: expected,
        })?;
        levels.push(Level {
            level: expected,
            name: l.name,
            summary: l.summary,
        });
    }
    let level_count = levels.len();

    if raw.parts.is_empty() {
        return Err(fail(None, CatalogProblem::NoParts));
    }
    let mut parts = Vec::new();
    for p in raw.parts {
        let code = unique(&p.code, true)?;
        let at = p.code.span().start;
        texts_ok(&p.name, at, &|| CatalogProblem::PartNameIncomplete {
            part: code.clone(),
        })?;
        if p.domains.is_empty() {
            return Err(fail(
                Some(at),
                CatalogProblem::PartWithoutDomains { part: code },
            ));
        }
        let mut domains = Vec::new();
        for d in p.domains {
            let dcode = unique(&d.code, true)?;
            let at = d.code.span().start;
            texts_ok(&d.name, at, &|| CatalogProblem::DomainNameIncomplete {
                domain: dcode.clone(),
            })?;
            if d.items.is_empty() {
                return Err(fail(
                    Some(at),
                    CatalogProblem::DomainWithoutItems { domain: dcode },
                ));
            }
            let mut items = Vec::new();
            for it in d.items {
                let icode = unique(&it.code, true)?;
                texts_ok(&it.name, it.code.span().start, &|| {
                    CatalogProblem::ItemNameIncomplete {
                        item: icode.clone(),
                    }
                })?;
                let at = it.criteria.span().start;
                let raw_criteria = it.criteria.into_inner();
                if raw_criteria.len() != level_count {
                    return Err(fail(
                        Some(at),
                        CatalogProblem::CriteriaCount {
                            item: icode,
                            found: raw_criteria.len(),
                            levels: level_count,
                        },
                    ));
                }
                let mut criteria = Vec::new();
                for (i, c) in raw_criteria.into_iter().enumerate() {
                    if c.level as usize != i + 1 {
                        return Err(fail(
                            Some(at),
                            CatalogProblem::CriteriaOrder {
                                item: icode,
                                levels: level_count,
                            },
                        ));
                    }
                    let text = Bilingual { zh: c.zh, en: c.en };
                    texts_ok(&text, at, &|| CatalogProblem::CriterionIncomplete {
                        item: icode.clone(),
                        level: i + 1,
                    })?;
                    criteria.push(text);
                }
                items.push(Item {
                    code: icode,
                    name: it.name,
                    criteria,
                });
            }
            domains.push(Domain {
                code: dcode,
                name: d.name,
                items,
            });
        }
        parts.push(Part {
            code,
            name: p.name,
            description: p.description,
            domains,
        });
    }

    Ok(Model {
        code: model_code,
        name: raw.model.name,
        description: raw.model.description,
        illustrative: raw.model.illustrative,
        usage: raw.model.usage,
        levels,
        parts,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const SMALL: &str = r#"
[model]
code = "tiny"
name = { zh = "小模型", en = "Tiny model" }
description = { zh = "测试", en = "Test" }
illustrative = true
usage = "certification"

[[levels]]
level = 1
name = { zh = "初始级", en = "Initial" }
summary = { zh = "临时", en = "Ad hoc" }

[[levels]]
level = 2
name = { zh = "基础级", en = "Basic" }
summary = { zh = "可重复", en = "Repeatable" }

[[parts]]
code = "CD"
name = { zh = "持续交付", en = "Continuous Delivery" }
description = { zh = "交付", en = "Delivery" }

[[parts.domains]]
code = "CD-CM"
name = { zh = "配置管理", en = "Configuration management" }

[[parts.domains.items]]
code = "CD-CM-01"
name = { zh = "版本控制", en = "Version control" }
criteria = [
  { level = 1, zh = "部分代码在版本库中", en = "Some code is versioned" },
  { level = 2, zh = "全部代码在版本库中", en = "All code is versioned" },
]
"#;

    #[test]
    fn a_valid_file_becomes_a_model() {
        let m = parse_model("tiny.toml", SMALL).unwrap();
        assert_eq!(m.code, "tiny");
        assert_eq!(m.levels.len(), 2);
        assert_eq!(
            m.parts[0].domains[0].items[0].criteria[1].en,
            "All code is versioned"
        );
        assert_eq!(m.item_count(), 1);
    }

    #[test]
    fn comments_do_not_change_the_content_hash_but_text_does() {
        let a = parse_model("a", SMALL).unwrap();
        let b = parse_model("b", &format!("# a comment\n{SMALL}")).unwrap();
        assert_eq!(a.content_hash(), b.content_hash());
        let c = parse_model("c", &SMALL.replace("Some code", "Most code")).unwrap();
        assert_ne!(a.content_hash(), c.content_hash());
    }

    fn error_of(text: &str) -> CatalogError {
        parse_model("m.toml", text).unwrap_err()
    }

    fn problem_of(text: &str) -> CatalogProblem {
        error_of(text).problem
    }

    #[test]
    fn refusals_name_the_file_line_and_problem() {
        let e = error_of(&SMALL.replace("code = \"CD-CM-01\"", "code = \"CD-CM\""));
        assert_eq!(e.file, "m.toml");
        assert_eq!(e.line, Some(29));
        assert_eq!(
            e.problem,
            CatalogProblem::CodeUsedTwice {
                code: "CD-CM".into()
            }
        );

        let e = error_of(&SMALL.replace(
            "  { level = 2, zh = \"全部代码在版本库中\", en = \"All code is versioned\" },\n",
            "",
        ));
        assert_eq!(
            e.problem,
            CatalogProblem::CriteriaCount {
                item: "CD-CM-01".into(),
                found: 1,
                levels: 2
            }
        );
        assert_eq!(e.line, Some(31));

        let e = error_of(&SMALL.replace(
            "usage = \"certification\"",
            "usage = \"certification\"\ncolour = \"red\"",
        ));
        assert_eq!(
            e.problem,
            CatalogProblem::Syntax(TomlSyntax {
                column: 1,
                near: "colour".into()
            })
        );
        assert_eq!(e.line, Some(8));

        let e = error_of("[model\ncode = 1");
        assert_eq!(e.line, Some(1));
        assert!(
            matches!(&e.problem, CatalogProblem::Syntax(s) if s.near.starts_with("[model")),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("m.toml, line 1: "), "{e}");
    }

    #[test]
    fn every_check_has_its_own_problem() {
        let cases: Vec<(String, CatalogProblem)> = vec![
            (
                SMALL.replace("code = \"tiny\"", "code = \"Tiny\""),
                CatalogProblem::CodeShape {
                    code: "Tiny".into(),
                    characters: MODEL_CODE_CHARACTERS,
                },
            ),
            (
                SMALL.replace("code = \"CD\"", "code = \"cd\""),
                CatalogProblem::CodeShape {
                    code: "cd".into(),
                    characters: CODE_CHARACTERS,
                },
            ),
            (
                SMALL.replace("en = \"Tiny model\"", "en = \" \""),
                CatalogProblem::ModelNameIncomplete,
            ),
            (
                SMALL.replace("level = 2\n", "level = 3\n"),
                CatalogProblem::LevelOrder {
                    expected: 2,
                    found: 3,
                },
            ),
            (
                SMALL.replace("zh = \"基础级\"", "zh = \"\""),
                CatalogProblem::LevelNameIncomplete { level: 2 },
            ),
            (
                SMALL.replace("en = \"Continuous Delivery\"", "en = \"\""),
                CatalogProblem::PartNameIncomplete { part: "CD".into() },
            ),
            (
                SMALL.replace("en = \"Configuration management\"", "en = \"\""),
                CatalogProblem::DomainNameIncomplete {
                    domain: "CD-CM".into(),
                },
            ),
            (
                SMALL.replace("en = \"Version control\"", "en = \"\""),
                CatalogProblem::ItemNameIncomplete {
                    item: "CD-CM-01".into(),
                },
            ),
            (
                SMALL.replace("{ level = 2, zh", "{ level = 3, zh"),
                CatalogProblem::CriteriaOrder {
                    item: "CD-CM-01".into(),
                    levels: 2,
                },
            ),
            (
                SMALL.replace("zh = \"全部代码在版本库中\"", "zh = \"\""),
                CatalogProblem::CriterionIncomplete {
                    item: "CD-CM-01".into(),
                    level: 2,
                },
            ),
        ];
        for (text, problem) in cases {
            assert_eq!(problem_of(&text), problem);
        }

        let one_level = SMALL.replacen(
            "[[levels]]\nlevel = 2\nname = { zh = \"基础级\", en = \"Basic\" }\nsummary = { zh = \"可重复\", en = \"Repeatable\" }\n",
            "",
            1,
        );
        assert_eq!(
            problem_of(&one_level),
            CatalogProblem::LevelCount { found: 1 }
        );

        let head = &SMALL[..SMALL.find("[[parts]]").unwrap()];
        assert_eq!(
            problem_of(&format!("parts = []\n{head}")),
            CatalogProblem::NoParts
        );
        let part = &SMALL[..SMALL.find("[[parts.domains]]").unwrap()];
        assert_eq!(
            problem_of(&format!("{part}domains = []\n")),
            CatalogProblem::PartWithoutDomains { part: "CD".into() }
        );
        let domain = &SMALL[..SMALL.find("[[parts.domains.items]]").unwrap()];
        assert_eq!(
            problem_of(&format!("{domain}items = []\n")),
            CatalogProblem::DomainWithoutItems {
                domain: "CD-CM".into()
            }
        );
    }
}
