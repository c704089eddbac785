//! Keyset pagination of every list (applications, enterprises, assessors, certificates,
//! the audit log, the outbox, the inbox): the parameters `after`/`before` (an opaque
//! cursor), `limit` and `q` are read here once, and a fetched window of rows becomes a
//! [`Page`] with the cursors of the next and the previous page.
//!
//! A cursor names the sort key of the row a page ends at (e.g. its creation time and id),
//! so the next page starts right after that row whatever was inserted meanwhile: rows
//! never repeat or go missing the way they do with offsets. It is url-safe base64 of the
//! list's name, the key's parts and a short digest; a cursor that does not decode, was
//! edited, or belongs to another list is refused with [`Code::CursorInvalid`] (400). The
//! digest is an integrity check, not a secret: a cursor only says where a page starts,
//! and what a person may see is decided by the query, never by the cursor.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::refusal::{Code, Reason};

/// Rows per page when none is asked for.
pub const DEFAULT_LIMIT: i64 = 50;
/// The most rows a page may ask for.
pub const MAX_LIMIT: i64 = 200;
/// The longest search text accepted (characters).
pub const MAX_SEARCH: usize = 100;
/// The longest cursor accepted (characters), far above any key's encoding.
const MAX_CURSOR: usize = 512;
/// Bytes of the digest kept at the end of a cursor.
const DIGEST_LEN: usize = 6;
/// Separates the list name and the key parts inside a cursor (never in a key part).
const SEP: char = '\u{1f}';

/// Rows per page, from 1 to [`MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(i64);

impl Limit {
    pub fn parse(asked: Option<i64>) -> Result<Limit, Reason> {
        match asked {
            None => Ok(Limit(DEFAULT_LIMIT)),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Limit(n)),
            Some(_) => Err(Code::LimitOutOfRange.with("max", MAX_LIMIT)),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Rows to fetch: one more than shown, to know whether another page follows.
    pub fn fetch(self) -> i64 {
        self.0 + 1
    }
}

impl Default for Limit {
    fn default() -> Limit {
        Limit(DEFAULT_LIMIT)
    }
}

/// A position in a list: the sort key of one row, as text parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    parts: Vec<String>,
}

fn digest(payload: &str) -> [u8; DIGEST_LEN] {
    let full = Sha256::digest(format!("certcase-cursor\n{payload}").as_bytes());
    let mut out = [0u8; DIGEST_LEN];
    out.copy_from_slice(&full[..DIGEST_LEN]);
    out
}

impl Cursor {
    /// The key of a row; no part may contain the separator character (ids, numbers
    /// and times never do; text keys are cleaned by the caller with [`key_text`]).
    pub fn new(parts: Vec<String>) -> Cursor {
        Cursor { parts }
    }

    pub fn parts(&self) -> &[String] {
        &self.parts
    }

    /// The url-safe text of this position in `list`.
    pub fn encode(&self, list: &str) -> String {
        let mut payload = list.to_string();
        for p in &self.parts {
            payload.push(SEP);
            payload.push_str(p);
        }
        let mut bytes = payload.clone().into_bytes();
        bytes.extend_from_slice(&digest(&payload));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a cursor of `list` with `parts` key parts; anything else is refused.
    pub fn decode(text: &str, list: &str, parts: usize) -> Result<Cursor, Reason> {
        let refused = || Code::CursorInvalid.into();
        if text.is_empty() || text.len() > MAX_CURSOR {
            return Err(refused());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| refused())?;
        if bytes.len() <= DIGEST_LEN {
            return Err(refused());
        }
        let (payload, sum) = bytes.split_at(bytes.len() - DIGEST_LEN);
        let payload = std::str::from_utf8(payload).map_err(|_| refused())?;
        if digest(payload) != sum {
            return Err(refused());
        }
        let mut fields = payload.split(SEP);
        if fields.next() != Some(list) {
            return Err(refused());
        }
        let key: Vec<String> = fields.map(String::from).collect();
        if key.len() != parts {
            return Err(refused());
        }
        Ok(Cursor { parts: key })
    }
}

/// A text sort key as a cursor part (the separator character removed).
pub fn key_text(s: &str) -> String {
    s.replace(SEP, "")
}

/// A time sort key as a cursor part, to the nanosecond (SQLite keeps what it was given as text).
pub fn key_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9f").to_string()
}

/// Reads a part written by [`key_time`].
pub fn parse_key_time(s: &str) -> Result<NaiveDateTime, Reason> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.9f")
        .map_err(|_| Code::CursorInvalid.into())
}

/// Reads a number part.
pub fn parse_key_number(s: &str) -> Result<i64, Reason> {
    s.parse().map_err(|_| Code::CursorInvalid.into())
}

/// Which way a page runs from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The rows after the cursor in the list's order (the next page).
    After,
    /// The rows before it (the previous page): fetched in reverse order, shown in order.
    Before,
}

/// The page asked for: how many rows and from where.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Window {
    pub limit: Limit,
    pub from: Option<(Direction, Cursor)>,
}

impl Window {
    /// Reads `after`, `before` and `limit` for `list` whose keys have `parts` parts;
    /// both `after` and `before` at once are refused.
    pub fn parse(
        list: &str,
        parts: usize,
        after: Option<&str>,
        before: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Window, Reason> {
        let limit = Limit::parse(limit)?;
        fn given(o: Option<&str>) -> Option<&str> {
            o.map(str::trim).filter(|s| !s.is_empty())
        }
        let from = match (given(after), given(before)) {
            (Some(_), Some(_)) => return Err(Code::CursorInvalid.into()),
            (Some(a), None) => Some((Direction::After, Cursor::decode(a, list, parts)?)),
            (None, Some(b)) => Some((Direction::Before, Cursor::decode(b, list, parts)?)),
            (None, None) => None,
        };
        Ok(Window { limit, from })
    }

    /// True when the rows are to be fetched in reverse order.
    pub fn backwards(&self) -> bool {
        matches!(self.from, Some((Direction::Before, _)))
    }

    pub fn cursor(&self) -> Option<&Cursor> {
        self.from.as_ref().map(|(_, c)| c)
    }
}

/// One page of a list, in the list's order, with where the neighbouring pages start.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// The cursor for `after=` of the next page, when rows follow.
    pub next: Option<String>,
    /// The cursor for `before=` of the previous page, when rows precede.
    pub previous: Option<String>,
}

impl<T> Page<T> {
    /// Changes the rows, keeping the cursors (rows to views).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            next: self.next,
            previous: self.previous,
        }
    }
}

/// Makes the page out of the rows a query fetched for `window`: at most
/// [`Limit::fetch`] rows past the cursor, in the list's order (or reversed when
/// [`Window::backwards`]). `key` gives a row's cursor.
pub fn assemble<T>(
    list: &str,
    window: &Window,
    mut rows: Vec<T>,
    key: impl Fn(&T) -> Cursor,
) -> Page<T> {
    let limit = window.limit.get() as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let backwards = window.backwards();
    if backwards {
        rows.reverse();
    }
    let first = rows.first().map(|r| key(r).encode(list));
    let last = rows.last().map(|r| key(r).encode(list));
    let (next, previous) = match (backwards, window.from.is_some()) {
        // The first page: nothing before it.
        (false, false) => (more.then_some(last).flatten(), None),
        // After a cursor: the cursor's row (at least) precedes.
        (false, true) => (more.then_some(last).flatten(), first),
        // Before a cursor: the cursor's row follows.
        (true, _) => (last, more.then_some(first).flatten()),
    };
    // An empty page past the end still links back to where it came from (and one
    // before the start forward to it).
    let back_to = |wanted: Direction| match &window.from {
        Some((d, c)) if rows.is_empty() && *d == wanted => Some(c.encode(list)),
        _ => None,
    };
    let previous = previous.or_else(|| back_to(Direction::After));
    let next = next.or_else(|| back_to(Direction::Before));
    Page {
        rows,
        next,
        previous,
    }
}

/// The page `window` asks for of a list computed in memory (not read from a table): the
/// rows in ascending order of their keys' parts, compared as text, and what the cursor
/// and the limit select of them, as a keyset query would.
pub fn page_of<T>(
    list: &str,
    window: &Window,
    rows: Vec<T>,
    key: impl Fn(&T) -> Cursor,
) -> Page<T> {
    let mut keyed: Vec<(Cursor, T)> = rows.into_iter().map(|r| (key(&r), r)).collect();
    keyed.sort_by(|a, b| a.0.parts().cmp(b.0.parts()));
    let fetch = window.limit.fetch() as usize;
    let picked: Vec<T> = match &window.from {
        None => keyed.into_iter().take(fetch).map(|(_, r)| r).collect(),
        Some((Direction::After, c)) => keyed
            .into_iter()
            .filter(|(k, _)| k.parts() > c.parts())
            .take(fetch)
            .map(|(_, r)| r)
            .collect(),
        Some((Direction::Before, c)) => keyed
            .into_iter()
            .rev()
            .filter(|(k, _)| k.parts() < c.parts())
            .take(fetch)
            .map(|(_, r)| r)
            .collect(),
    };
    assemble(list, window, picked, key)
}

/// A search text: trimmed, empty means none, longer than [`MAX_SEARCH`] refused.
pub fn parse_search(q: Option<&str>) -> Result<Option<String>, Reason> {
    match q.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > MAX_SEARCH => {
            Err(Code::SearchTooLong.with("max", MAX_SEARCH as i64))
        }
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// A `LIKE` pattern matching `s` anywhere (`%`, `_` and `\` escaped with `\`).
pub fn like_anywhere(s: &str) -> String {
    format!("%{}%", like_escaped(s))
}

/// A `LIKE` pattern matching text that starts with `s`.
pub fn like_prefix(s: &str) -> String {
    format!("{}%", like_escaped(s))
}

fn like_escaped(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn limits_run_from_one_to_the_maximum() {
        assert_eq!(Limit::parse(None).unwrap().get(), DEFAULT_LIMIT);
        assert_eq!(Limit::parse(Some(1)).unwrap().fetch(), 2);
        assert_eq!(Limit::parse(Some(MAX_LIMIT)).unwrap().get(), MAX_LIMIT);
        for refused in [0, -1, MAX_LIMIT + 1, i64::MIN, i64::MAX] {
            let reason = Limit::parse(Some(refused)).unwrap_err();
            assert_eq!(reason.code, Code::LimitOutOfRange, "{refused}");
        }
    }

    #[test]
    fn a_cursor_of_another_list_or_edited_is_refused() {
        let c = Cursor::new(vec!["2026-12-01T08:00:00.000000".into(), "abc".into()]);
        let text = c.encode("applications");
        assert_eq!(Cursor::decode(&text, "applications", 2), Ok(c));
        for (bad, list, parts) in [
            (text.as_str(), "enterprises", 2),
            (text.as_str(), "applications", 1),
            ("", "applications", 2),
            ("not base64 !", "applications", 2),
            ("AAAA", "applications", 2),
        ] {
            let reason = Cursor::decode(bad, list, parts).unwrap_err();
            assert_eq!(reason.code, Code::CursorInvalid, "{bad} {list}");
        }
        // One character changed anywhere breaks the digest.
        let mut edited: Vec<char> = text.chars().collect();
        edited[3] = if edited[3] == 'A' { 'B' } else { 'A' };
        let edited: String = edited.into_iter().collect();
        assert!(Cursor::decode(&edited, "applications", 2).is_err());
        assert!(Cursor::decode(&"A".repeat(MAX_CURSOR + 1), "applications", 2).is_err());
    }

    #[test]
    fn after_and_before_together_are_refused() {
        let c = Cursor::new(vec!["1".into()]).encode("audit");
        let reason = Window::parse("audit", 1, Some(&c), Some(&c), None).unwrap_err();
        assert_eq!(reason.code, Code::CursorInvalid);
        let w = Window::parse("audit", 1, Some(" "), None, Some(10)).unwrap();
        assert_eq!(w.from, None);
        assert_eq!(w.limit.get(), 10);
    }

    #[test]
    fn times_keep_their_microseconds() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_micro_opt(11, 32, 54, 120_034)
            .unwrap();
        assert_eq!(parse_key_time(&key_time(t)), Ok(t));
        assert!(parse_key_time("yesterday").is_err());
        assert!(parse_key_number("12a").is_err());
    }

    #[test]
    fn search_text_is_trimmed_and_bounded() {
        assert_eq!(parse_search(Some("  ")), Ok(None));
        assert_eq!(parse_search(Some(" 华为 ")), Ok(Some("华为".into())));
        let long = "企".repeat(MAX_SEARCH + 1);
        assert_eq!(
            parse_search(Some(&long)).unwrap_err().code,
            Code::SearchTooLong
        );
        assert_eq!(like_anywhere("50%_a\\"), "%50\\%\\_a\\\\%");
        assert_eq!(like_prefix("9131"), "9131%");
    }

    /// A list in memory ordered newest first by (time, id), queried the way the
    /// database queries are: strictly past the cursor's key, `fetch` rows.
    fn query(rows: &BTreeSet<(i64, u32)>, window: &Window) -> Vec<(i64, u32)> {
        let key = window.cursor().map(|c| {
            (
                c.parts()[0].parse::<i64>().unwrap(),
                c.parts()[1].parse::<u32>().unwrap(),
            )
        });
        let fetch = window.limit.fetch() as usize;
        if window.backwards() {
            let k = key.unwrap();
            rows.iter()
                .filter(|r| **r > k)
                .take(fetch)
                .copied()
                .collect()
        } else {
            rows.iter()
                .rev()
                .filter(|r| key.is_none_or(|k| **r < k))
                .take(fetch)
                .copied()
                .collect()
        }
    }

    fn key_of(r: &(i64, u32)) -> Cursor {
        Cursor::new(vec![r.0.to_string(), r.1.to_string()])
    }

    fn window(limit: i64, direction: Direction, cursor: Option<&String>) -> Window {
        Window {
            limit: Limit::parse(Some(limit)).unwrap(),
            from: cursor.map(|c| (direction, Cursor::decode(c, "t", 2).unwrap())),
        }
    }

    proptest! {
        #[test]
        fn a_cursor_decodes_to_what_was_encoded(parts in proptest::collection::vec("[^\u{1f}]{0,30}", 0..4), list in "[a-z]{1,12}") {
            let c = Cursor::new(parts.clone());
            prop_assert_eq!(Cursor::decode(&c.encode(&list), &list, parts.len()), Ok(c));
        }

        #[test]
        fn any_text_as_a_cursor_is_a_cursor_or_a_refusal(text in ".{0,80}") {
            if let Err(reason) = Cursor::decode(&text, "applications", 2) {
                prop_assert_eq!(reason.code, Code::CursorInvalid);
            }
        }

        /// Walking forward page by page sees every row that was there at the start exactly
        /// once, in order, however many rows are inserted (anywhere) between pages.
        #[test]
        fn walking_forward_sees_every_row_once_while_rows_are_inserted(
            initial in proptest::collection::btree_set((0i64..500, 0u32..5), 0..120),
            inserted in proptest::collection::vec((0i64..600, 5u32..1000), 0..60),
            limit in 1i64..25,
        ) {
            let mut rows = initial.clone();
            let mut seen = Vec::new();
            let mut next: Option<String> = None;
            let mut inserts = inserted.into_iter();
            for _ in 0..1000 {
                let w = window(limit, Direction::After, next.as_ref());
                let page = assemble("t", &w, query(&rows, &w), key_of);
                prop_assert!(page.rows.len() as i64 <= limit);
                seen.extend(page.rows.iter().copied());
                if let Some(r) = inserts.next() { rows.insert(r); }
                match page.next { Some(n) => next = Some(n), None => break }
            }
            // In order (newest first), no repeats.
            prop_assert!(seen.windows(2).all(|p| p[0] > p[1]));
            let seen_set: BTreeSet<_> = seen.iter().copied().collect();
            prop_assert!(initial.is_subset(&seen_set));
        }

        /// A list in memory pages like a table: forward sees every row once, in key
        /// order, and each page's previous page is the page before it.
        #[test]
        fn a_list_in_memory_pages_forward_and_back(
            rows in proptest::collection::btree_set(("[a-c]{0,3}", 0u32..50), 0..60),
            limit in 1i64..10,
        ) {
            let key = |r: &(String, u32)| Cursor::new(vec![r.0.clone(), format!("{:02}", r.1)]);
            let shuffled: Vec<(String, u32)> = rows.iter().rev().cloned().collect();
            let mut forward = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let w = window(limit, Direction::After, next.as_ref());
                let page = page_of("t", &w, shuffled.clone(), key);
                forward.push(page.clone());
                match page.next { Some(n) => next = Some(n), None => break }
            }
            let seen: Vec<(String, u32)> = forward.iter().flat_map(|p| p.rows.clone()).collect();
            prop_assert_eq!(seen, rows.iter().cloned().collect::<Vec<_>>());
            for i in 1..forward.len() {
                let w = window(limit, Direction::Before, forward[i].previous.as_ref());
                prop_assert_eq!(&page_of("t", &w, shuffled.clone(), key).rows, &forward[i - 1].rows);
            }
        }

        /// The previous page of a page is the page before it: walking back from the last
        /// page gives the same pages as walking forward.
        #[test]
        fn previous_pages_are_the_pages_walked_forward(
            rows in proptest::collection::btree_set((0i64..300, 0u32..3), 1..80),
            limit in 1i64..15,
        ) {
            let mut forward = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let w = window(limit, Direction::After, next.as_ref());
                let page = assemble("t", &w, query(&rows, &w), key_of);
                forward.push(page.clone());
                match page.next { Some(n) => next = Some(n), None => break }
            }
            prop_assert!(forward[0].previous.is_none());
            for i in (1..forward.len()).rev() {
                let before = forward[i].previous.as_ref();
                prop_assert!(before.is_some());
                let w = window(limit, Direction::Before, before);
                let page = assemble("t", &w, query(&rows, &w), key_of);
                prop_assert_eq!(&page.rows, &forward[i - 1].rows);
                prop_assert_eq!(page.previous.is_some(), i > 1);
            }
        }
    }
}
