//! Irreversible actions ask first, without JavaScript. The action's form posts as usual;
//! without `confirmed=yes` among its fields the handler answers with a page that says what
//! is about to happen and posts the very same fields again with `confirmed=yes`.
//!
//! ```ignore
//! if !confirm::is_confirmed(&fields) {
//!     return confirm::page(&state.templates, &visitor, &req, Confirmation {
//!         title_key: "confirm.submit.title",
//!         question_key: "confirm.submit.question",
//!         args: vec![("part", part_name)],
//!         fields: &fields,
//!         back: &format!("/applications/{id}"),
//!     });
//! }
//! ```

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tera::Tera;

use super::render::base_context;
use super::visitor::Visitor;
use crate::error::AppError;

/// The field a confirmation page adds to the form it re-posts.
pub const CONFIRMED: &str = "confirmed";

/// True once the visitor has seen the confirmation page and pressed its button.
pub fn is_confirmed(fields: &[(String, String)]) -> bool {
    fields.iter().any(|(k, v)| k == CONFIRMED && v == "yes")
}

/// What a confirmation page shows.
pub struct Confirmation<'a> {
    /// Message key of the page title, e.g. `confirm.submit.title`.
    pub title_key: &'a str,
    /// Message key of the sentence that says what will happen; `{name}` placeholders are
    /// filled from `args` (already in the visitor's language).
    pub question_key: &'a str,
    pub args: Vec<(&'a str, String)>,
    /// The fields of the form being confirmed; they are posted again unchanged.
    pub fields: &'a [(String, String)],
    /// Where "cancel" leads (a local path).
    pub back: &'a str,
}

#[derive(Serialize)]
struct Hidden<'a> {
    name: &'a str,
    value: &'a str,
}

/// The confirmation page: status 200, the form posting back to the same URL.
pub fn page(
    tera: &Arc<Tera>,
    visitor: &Visitor,
    req: &HttpRequest,
    confirmation: Confirmation<'_>,
) -> Result<HttpResponse, AppError> {
    let catalog = super::render::catalog(visitor.lang);
    let mut question = catalog
        .get(confirmation.question_key)
        .cloned()
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "message '{}' is missing",
                confirmation.question_key
            ))
        })?;
    for (name, value) in &confirmation.args {
        question = question.replace(&format!("{{{name}}}"), value);
    }
    let hidden: Vec<Hidden> = confirmation
        .fields
        .iter()
        .filter(|(k, _)| k != "csrf_token" && k != CONFIRMED)
        .map(|(k, v)| Hidden { name: k, value: v })
        .collect();
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("confirm_title_key", confirmation.title_key);
    ctx.insert("confirm_question", &question);
    ctx.insert("confirm_action", req.path());
    ctx.insert("confirm_fields", &hidden);
    ctx.insert(
        "confirm_back",
        crate::domain::redirect::local_path(confirmation.back).unwrap_or("/"),
    );
    super::render::page(tera, "pages/confirm.html", &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_an_explicit_yes_confirms() {
        assert!(!is_confirmed(&fields(&[("level", "3")])));
        assert!(!is_confirmed(&fields(&[("confirmed", "no")])));
        assert!(!is_confirmed(&fields(&[("confirmed", "")])));
        assert!(is_confirmed(&fields(&[
            ("level", "3"),
            ("confirmed", "yes")
        ])));
    }
}
