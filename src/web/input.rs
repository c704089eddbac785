//! Why the JSON body, form or query string of a request could not be read, as coded
//! refusals. The libraries' error texts are English prose, so a person gets only what
//! helps and is not prose (a line and column, the name of a missing field) inside a
//! sentence of their language; the library's text goes to the log.

use actix_web::error::{JsonPayloadError, QueryPayloadError, UrlencodedError};
use serde_json::error::Category;

use crate::error::AppError;
use crate::refusal::{Code, Reason};

/// An input that could not be read, by where it came from.
#[derive(Debug)]
pub enum Unreadable {
    Json(JsonPayloadError),
    Form(UrlencodedError),
    Query(QueryPayloadError),
}

impl From<JsonPayloadError> for Unreadable {
    fn from(e: JsonPayloadError) -> Self {
        Unreadable::Json(e)
    }
}

impl From<UrlencodedError> for Unreadable {
    fn from(e: UrlencodedError) -> Self {
        Unreadable::Form(e)
    }
}

impl From<QueryPayloadError> for Unreadable {
    fn from(e: QueryPayloadError) -> Self {
        Unreadable::Query(e)
    }
}

impl Unreadable {
    /// The refusal (400); a body above its limit is answered 413 before this, by
    /// `finish::body_input`.
    pub fn refusal(&self) -> AppError {
        tracing::info!(error = %self.text(), "request input unreadable");
        AppError::bad_request(self.reason())
    }

    fn reason(&self) -> Reason {
        match self {
            Unreadable::Json(JsonPayloadError::ContentType) => Code::BodyNotJson.into(),
            Unreadable::Json(JsonPayloadError::Deserialize(e)) => json_reason(e),
            Unreadable::Json(_) => Code::RequestUnreadable.into(),
            Unreadable::Form(_) => Code::FormUnreadable.into(),
            Unreadable::Query(_) => Code::QueryUnreadable.into(),
        }
    }

    fn text(&self) -> String {
        match self {
            Unreadable::Json(e) => e.to_string(),
            Unreadable::Form(e) => e.to_string(),
            Unreadable::Query(e) => e.to_string(),
        }
    }
}

fn json_reason(e: &serde_json::Error) -> Reason {
    let at = |code: Code| code.with("line", e.line()).with("column", e.column());
    match e.classify() {
        Category::Syntax => at(Code::JsonSyntax),
        Category::Eof => at(Code::JsonIncomplete),
        Category::Data => match missing_field(e) {
            Some(field) => Code::JsonFieldMissing.with("field", field),
            None => at(Code::JsonValueInvalid),
        },
        Category::Io => Code::RequestUnreadable.into(),
    }
}

/// serde names a missing field only in its message ("missing field `email` at line 1
/// column 2"); the name is an identifier of the API, not prose.
fn missing_field(e: &serde_json::Error) -> Option<String> {
    let text = e.to_string();
    let rest = text.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_error(body: &str) -> Reason {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Login {
            email: String,
            remember: bool,
        }
        let e = serde_json::from_str::<Login>(body).unwrap_err();
        Unreadable::from(JsonPayloadError::Deserialize(e)).reason()
    }

    #[test]
    fn a_json_error_keeps_its_position_and_field_but_not_the_library_s_words() {
        assert_eq!(
            json_error("{\"email\": }"),
            Code::JsonSyntax.with("line", 1).with("column", 11)
        );
        assert_eq!(
            json_error("{\"email\": \"a\""),
            Code::JsonIncomplete.with("line", 1).with("column", 13)
        );
        assert_eq!(
            json_error("{\"remember\": true}"),
            Code::JsonFieldMissing.with("field", "email")
        );
        assert_eq!(
            json_error("{\"email\": 7, \"remember\": true}"),
            Code::JsonValueInvalid.with("line", 1).with("column", 11)
        );
    }
}
