//! What every paginated list shares on the web side: reading `after`/`before`/`limit`
//! (coded 400 refusals), the links to the neighbouring pages with the list's filters kept,
//! and the `Link` header of the API answers (RFC 8288, `rel="next"` / `rel="prev"`).

use actix_web::HttpResponse;

use crate::domain::listing::{Page, Window};
use crate::error::AppError;

/// Reads the page asked for of `list`, whose cursors have `parts` parts.
pub fn window(
    list: &str,
    parts: usize,
    after: Option<&str>,
    before: Option<&str>,
    limit: Option<i64>,
) -> Result<Window, AppError> {
    Window::parse(list, parts, after, before, limit).map_err(AppError::bad_request)
}

/// The query strings of the next and the previous page: the list's filters (`keep`,
/// empty values left out) and the cursor.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Links {
    pub next_qs: Option<String>,
    pub prev_qs: Option<String>,
}

impl Links {
    pub fn of<T>(page: &Page<T>, keep: &[(&str, String)]) -> Links {
        let with = |name: &str, cursor: &Option<String>| {
            cursor.as_ref().map(|c| {
                let mut pairs: Vec<(&str, &str)> = keep
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect();
                pairs.push((name, c.as_str()));
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            })
        };
        Links {
            next_qs: with("after", &page.next),
            prev_qs: with("before", &page.previous),
        }
    }

    /// The `Link` header value for the API answer at `path`, when there is a neighbour.
    pub fn header(&self, path: &str) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(n) = &self.next_qs {
            parts.push(format!("<{path}?{n}>; rel=\"next\""));
        }
        if let Some(p) = &self.prev_qs {
            parts.push(format!("<{path}?{p}>; rel=\"prev\""));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// A 200 JSON answer with the `Link` header of these links.
    pub fn json(&self, path: &str, body: impl serde::Serialize) -> HttpResponse {
        let mut answer = HttpResponse::Ok();
        if let Some(link) = self.header(path) {
            answer.insert_header((actix_web::http::header::LINK, link));
        }
        answer.json(body)
    }
}

/// A two-view list's `show` parameter: `all`, or the default view (absent, empty or
/// `default`); anything else is refused with its code.
pub fn show_all(show: Option<&str>, default: &str) -> Result<bool, AppError> {
    match show.map(str::trim) {
        None | Some("") => Ok(false),
        Some("all") => Ok(true),
        Some(v) if v == default => Ok(false),
        Some(other) => Err(AppError::bad_request(
            crate::refusal::Code::FilterInvalid.with("value", other),
        )),
    }
}

/// The text of an optional parameter for [`Links::of`].
pub fn kept<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}
