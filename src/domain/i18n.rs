//! The two languages of the programme and how a visitor's language is chosen.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        if c == "zh" || c.starts_with("zh-") {
            Some(Lang::Zh)
        } else if c == "en" || c.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The best match of an `Accept-Language` header, by quality; Chinese when nothing
    /// matches, since most of the programme's users read it first.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag) {
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Zh)
    }

    /// A date as a reader of this language writes it: 2026年12月6日, 6 Dec 2026.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            Lang::En => d.format("%-d %b %Y").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_local_way() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(Lang::Zh.date(d), "2026年12月6日");
        assert_eq!(Lang::En.date(d), "6 Dec 2026");
        let d = NaiveDate::from_ymd_opt(2027, 3, 21).unwrap();
        assert_eq!(Lang::Zh.date(d), "2027年3月21日");
        assert_eq!(Lang::En.date(d), "21 Mar 2027");
    }

    #[test]
    fn accept_language_picks_the_highest_quality_supported_language() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,zh-CN;q=0.8"),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, zh-TW;q=0.5, en;q=0.4"),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language("de"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("en;q=0, zh;q=0.1"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
    }
}
