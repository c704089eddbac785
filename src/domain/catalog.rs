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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {reason}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct CatalogError {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
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
    let line_at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let fail = |offset: Option<usize>, reason: String| CatalogError {
        file: file.to_string(),
        line: offset.map(line_at),
        reason,
    };

    let raw: RawFile = toml::from_str(text)
        .map_err(|e| fail(e.span().map(|s| s.start), e.message().trim().to_string()))?;

    let code_ok = |c: &str, lower: bool| {
        !c.is_empty()
            && c.len() <= 40
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
        if !code_ok(code.get_ref(), !upper) {
            let shape = if upper {
                "A-Z, 0-9 and -"
            } else {
                "a-z, 0-9 and -"
            };
            return Err(fail(
                Some(code.span().start),
                format!(
                    "code '{}' must be 1 to 40 characters of {shape}",
                    code.get_ref()
                ),
            ));
        }
        if !seen.insert(code.get_ref().clone()) {
            return Err(fail(
                Some(code.span().start),
                format!("code '{}' is used twice", code.get_ref()),
            ));
        }
        Ok(code.get_ref().clone())
    };
    let texts_ok = |t: &Bilingual, what: &str, at: usize| {
        if t.zh.trim().is_empty() || t.en.trim().is_empty() {
            Err(fail(Some(at), format!("{what} needs both zh and en text")))
        } else {
            Ok(())
        }
    };

    let model_code = unique(&raw.model.code, false)?;
    let model_at = raw.model.code.span().start;
    texts_ok(&raw.model.name, "the model name", model_at)?;

    if !(2..=9).contains(&raw.levels.len()) {
        return Err(fail(
            None,
            format!(
                "a model needs 2 to 9 levels, this one has {}",
                raw.levels.len()
            ),
        ));
    }
    let mut levels = Vec::new();
    for (i, l) in raw.levels.into_iter().enumerate() {
        let expected = i as u8 + 1;
        if *l.level.get_ref() != expected {
            return Err(fail(
                Some(l.level.span().start),
                format!(
                    "levels must be numbered 1, 2, 3… in order; expected {expected}, found {}",
                    l.level.get_ref()
                ),
            ));
        }
        texts_ok(
            &l.name,
            &format!("level {expected}'s name"),
            l.level.span().start,
        )?;
        levels.push(Level {
            level: expected,
            name: l.name,
            summary: l.summary,
        });
    }
    let level_count = levels.len();

    if raw.parts.is_empty() {
        return Err(fail(None, "the model has no [[parts]]".into()));
    }
    let mut parts = Vec::new();
    for p in raw.parts {
        let code = unique(&p.code, true)?;
        texts_ok(&p.name, &format!("part {code}"), p.code.span().start)?;
        if p.domains.is_empty() {
            return Err(fail(
                Some(p.code.span().start),
                format!("part {code} has no domains"),
            ));
        }
        let mut domains = Vec::new();
        for d in p.domains {
            let dcode = unique(&d.code, true)?;
            texts_ok(&d.name, &format!("domain {dcode}"), d.code.span().start)?;
            if d.items.is_empty() {
                return Err(fail(
                    Some(d.code.span().start),
                    format!("domain {dcode} has no items"),
                ));
            }
            let mut items = Vec::new();
            for it in d.items {
                let icode = unique(&it.code, true)?;
                texts_ok(&it.name, &format!("item {icode}"), it.code.span().start)?;
                let at = it.criteria.span().start;
                let raw_criteria = it.criteria.into_inner();
                if raw_criteria.len() != level_count {
                    return Err(fail(
                        Some(at),
                        format!(
                            "item {icode} has {} criteria; the model has {level_count} levels",
                            raw_criteria.len()
                        ),
                    ));
                }
                let mut criteria = Vec::new();
                for (i, c) in raw_criteria.into_iter().enumerate() {
                    if c.level as usize != i + 1 {
                        return Err(fail(
                            Some(at),
                            format!("item {icode}: criteria must be given for levels 1…{level_count} in order"),
                        ));
                    }
                    let text = Bilingual { zh: c.zh, en: c.en };
                    texts_ok(&text, &format!("item {icode} level {}", i + 1), at)?;
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

    #[test]
    fn refusals_name_the_file_line_and_reason() {
        let e = error_of(&SMALL.replace("code = \"CD-CM-01\"", "code = \"CD-CM\""));
        assert_eq!(e.file, "m.toml");
        assert_eq!(e.line, Some(29));
        assert!(e.reason.contains("used twice"), "{e}");

        let e = error_of(&SMALL.replace(
            "  { level = 2, zh = \"全部代码在版本库中\", en = \"All code is versioned\" },\n",
            "",
        ));
        assert!(e.reason.contains("has 1 criteria"), "{e}");
        assert_eq!(e.line, Some(31));

        let e = error_of(&SMALL.replace(
            "usage = \"certification\"",
            "usage = \"certification\"\ncolour = \"red\"",
        ));
        assert!(e.reason.contains("colour"), "{e}");
        assert_eq!(e.line, Some(8));

        let e = error_of(&SMALL.replace("en = \"Version control\"", "en = \"\""));
        assert!(e.reason.contains("both zh and en"), "{e}");

        let e = error_of(&SMALL.replace("level = 2\n", "level = 3\n"));
        assert!(e.reason.contains("expected 2, found 3"), "{e}");

        let e = error_of("[model\ncode = 1");
        assert_eq!(e.line, Some(1));
        assert!(e.to_string().starts_with("m.toml, line 1: "), "{e}");
    }
}
