//! Irreversible actions ask first, without JavaScript. The action's form posts as usual;
//! without `confirmed=yes` among its fields the handler answers with a page that says what
//! is about to happen and posts the very same fields again with `confirmed=yes`.
//!
//! Most handlers need no more than [`PageForm::confirm_then`]: ask (unless confirmed),
//! act, and go on, or show the form's page again with the input and the refusal:
//!
//! ```ignore
//! let form = PageForm::new(&state.templates, &visitor, &req, &fields);
//! form.confirm_then(
//!     async { Ok(Question::new("confirm.submit.title", "confirm.submit.question",
//!         vec![("part", part_name)], format!("/applications/{id}"))) },
//!     async { submit(..).await.map(|()| see_other(..)) },
//!     None,
//!     async |form| render_detail(.., &form).await,
//! ).await
//! ```

use std::future::Future;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tera::Tera;

use super::render::{base_context, FormState};
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

/// What a confirmation page asks about a form (whose own fields it posts again).
pub struct Question {
    pub title_key: &'static str,
    pub question_key: &'static str,
    pub args: Vec<(&'static str, String)>,
    /// Where "cancel" leads (a local path).
    pub back: String,
}

impl Question {
    pub fn new(
        title_key: &'static str,
        question_key: &'static str,
        args: Vec<(&'static str, String)>,
        back: String,
    ) -> Question {
        Question {
            title_key,
            question_key,
            args,
            back,
        }
    }
}

/// A page form as it was posted: the page it came from and the fields it sent. The one
/// shape of every form handler: (confirm,) act, then go on or show the page again.
pub struct PageForm<'a> {
    tera: &'a Arc<Tera>,
    visitor: &'a Visitor,
    req: &'a HttpRequest,
    fields: &'a [(String, String)],
    /// Also a form sent too often (429) is shown again with its input.
    throttled_too: bool,
}

impl<'a> PageForm<'a> {
    pub fn new(
        tera: &'a Arc<Tera>,
        visitor: &'a Visitor,
        req: &'a HttpRequest,
        fields: &'a [(String, String)],
    ) -> PageForm<'a> {
        PageForm {
            tera,
            visitor,
            req,
            fields,
            throttled_too: false,
        }
    }

    /// A public form a visitor may send too often: the 429 keeps what they typed too.
    pub fn throttled_too(mut self) -> PageForm<'a> {
        self.throttled_too = true;
        self
    }

    /// Without `confirmed=yes`: the confirmation page of `ask` (only then is it built).
    /// Confirmed: [`PageForm::act_then`].
    pub async fn confirm_then(
        &self,
        ask: impl Future<Output = Result<Question, AppError>>,
        act: impl Future<Output = Result<HttpResponse, AppError>>,
        field: Option<&str>,
        again: impl AsyncFnOnce(FormState) -> Result<HttpResponse, AppError>,
    ) -> Result<HttpResponse, AppError> {
        if !is_confirmed(self.fields) {
            let q = ask.await?;
            return page(
                self.tera,
                self.visitor,
                self.req,
                Confirmation {
                    title_key: q.title_key,
                    question_key: q.question_key,
                    args: q.args,
                    fields: self.fields,
                    back: &q.back,
                },
            );
        }
        self.act_then(act, field, again).await
    }

    /// Runs `act` (it answers where to go when done); a refusal a person can fix on the
    /// form shows its page again through `again`, with the input and the message beside
    /// `field` (above the form when `None`). Other errors keep their own pages.
    pub async fn act_then(
        &self,
        act: impl Future<Output = Result<HttpResponse, AppError>>,
        field: Option<&str>,
        again: impl AsyncFnOnce(FormState) -> Result<HttpResponse, AppError>,
    ) -> Result<HttpResponse, AppError> {
        match act.await {
            Ok(done) => Ok(done),
            Err(err) => {
                let lang = self.visitor.lang;
                let form = if self.throttled_too {
                    FormState::refused_or_throttled(self.fields, err, lang, field)?
                } else {
                    FormState::refused(self.fields, err, lang, field)?
                };
                again(form).await
            }
        }
    }
}

/// `303 See Other` to a local path: where a page form goes once done.
pub fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, path.to_string()))
        .finish()
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
