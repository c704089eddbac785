//! What a zh-CN visitor must never read: an English sentence, a raw status code
//! (`in_assessment`) or a time in UTC. Works on the page's visible text
//! (`document.body.innerText`), so markup, attribute values and hidden fields never count.

/// Runs of this many English words in a row read as a sentence.
const SENTENCE_WORDS: usize = 3;

/// Words that may stand in a zh-CN page as they are (lower case): the brand and file
/// formats (the evidence form lists the accepted ones).
const ALLOWED_WORDS: &[&str] = &[
    "certcase", "api", "json", "pdf", "png", "jpg", "jpeg", "doc", "docx", "xls", "xlsx", "ppt",
    "pptx", "txt", "md", "csv", "zip",
];

/// What is wrong with the visible text of a zh-CN page, one finding per line; `allowed`
/// are names typed in by people (an enterprise's English name, say) that may show as
/// they are.
pub fn english_in_zh(text: &str, allowed: &[&str]) -> Vec<String> {
    let mut text = text.to_string();
    for name in allowed {
        text = text.replace(name, " ");
    }
    let mut findings = Vec::new();
    for line in text.split(['\n', '\t']) {
        for token in line.split(|c: char| c.is_whitespace() || is_cjk(c)) {
            let token = trim_punctuation(token);
            if token == "UTC" || token.starts_with("UTC+") || token.starts_with("UTC-") {
                findings.push(format!("a time in UTC: \"{}\"", line.trim()));
            } else if is_snake_case(token) {
                findings.push(format!("a raw code: \"{token}\" in \"{}\"", line.trim()));
            }
        }
        for segment in line.split(is_cjk) {
            let mut run: Vec<&str> = Vec::new();
            for token in segment.split_whitespace().chain([""]) {
                let word = trim_punctuation(token);
                if is_word(word) {
                    run.push(word);
                    continue;
                }
                if run.len() >= SENTENCE_WORDS {
                    findings.push(format!("an English sentence: \"{}\"", run.join(" ")));
                }
                run.clear();
            }
        }
    }
    findings
}

fn trim_punctuation(token: &str) -> &str {
    token.trim_matches(|c: char| c.is_ascii_punctuation() && c != '_')
}

/// Chinese characters and the full-width punctuation written between them.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF)
}

/// A word of a sentence: letters only, some of them lower case (so `CD`, `CAICT` and
/// `SEC` are codes, not words), and not one of the names every page may show.
fn is_word(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        && token.chars().any(|c| c.is_lowercase())
        && !ALLOWED_WORDS.contains(&token.to_lowercase().as_str())
}

/// `in_assessment`, `not_applicable`: lower-case words joined by underscores.
fn is_snake_case(token: &str) -> bool {
    token.contains('_')
        && !token.contains('@')
        && token.split('_').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_page_with_names_codes_numbers_and_addresses_passes() {
        let page = "certcase 成熟度认证\n申请\t北京喆堃科技有限公司 · CD 持续交付 · 目标级别 3\n\
            统一社会信用代码 91110108MA01234567 · 证书编号 CC-2026-CD-000001\n\
            联系人 张喆 · zz@example.cn · 010-12345678\n评估组长 Anna Müller、O'Brien\n\
            2026年12月6日 12:30（北京时间）\n下载 PDF 文件";
        assert_eq!(english_in_zh(page, &[]), Vec::<String>::new());
    }

    #[test]
    fn english_sentences_raw_codes_and_utc_times_are_found() {
        let page = "申请详情\nevidence is locked\n状态：in_assessment\n2026-12-06 04:30 UTC";
        let found = english_in_zh(page, &[]);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("\"evidence is locked\""), "{found:?}");
        assert!(found[1].contains("in_assessment"), "{found:?}");
        assert!(found[2].starts_with("a time in UTC"), "{found:?}");
    }

    #[test]
    fn a_sentence_broken_by_chinese_or_a_new_cell_is_no_sentence() {
        assert!(english_in_zh("Anna 的 scoring 在 progress", &[]).is_empty());
        assert!(english_in_zh("Anna Müller\tnot scored\tyet", &[]).is_empty());
        let found = english_in_zh("提示：Please sign in again.", &[]);
        assert_eq!(found, vec!["an English sentence: \"Please sign in again\""]);
    }

    #[test]
    fn names_people_typed_may_show_as_they_are() {
        let text = "企业 Beijing Zhekun Technology Co Ltd 已注册";
        assert_eq!(english_in_zh(text, &[]).len(), 1);
        assert!(english_in_zh(text, &["Beijing Zhekun Technology Co Ltd"]).is_empty());
    }

    #[test]
    fn addresses_with_underscores_are_not_codes() {
        assert!(english_in_zh("联系 li_lei@example.cn", &[]).is_empty());
        assert_eq!(english_in_zh("状态 not_applicable", &[]).len(), 1);
    }
}
