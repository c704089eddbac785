//! The error policy, in one place.
//!
//! - Handlers and middleware return [`AppError`]; nothing else reaches a client.
//! - `/api/…` answers with RFC 9457 problem+json, everything else with a friendly page;
//!   both carry the request id so a report can be matched to the log.
//! - Internal errors are logged with their cause chain and shown only as "something went
//!   wrong": no SQL, paths or stack traces leave the server.
//! - A refused request changes nothing: use cases check before they write, in one
//!   transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::workflow::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input cannot be used; the message says why, for a person.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed but refused by a rule (a bad catalog file, a weak password).
    #[error("{0}")]
    Unprocessable(String),
    #[error("sign-in required")]
    SignInRequired,
    #[error("{0}")]
    Forbidden(String),
    /// Also what another enterprise's ids answer, so they cannot be probed.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("too many attempts; try again later")]
    TooManyRequests,
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }

    /// A short title per kind of problem (RFC 9457 `title`).
    pub fn title(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "Bad request",
            AppError::Unprocessable(_) => "Refused",
            AppError::SignInRequired => "Sign-in required",
            AppError::Forbidden(_) => "Forbidden",
            AppError::NotFound => "Not found",
            AppError::Conflict(_) => "Conflict",
            AppError::PayloadTooLarge(_) => "Too large",
            AppError::TooManyRequests => "Too many requests",
            AppError::Unavailable => "Service unavailable",
            AppError::Internal(_) => "Internal error",
        }
    }

    /// The text a person may read; never the internal cause.
    pub fn public_detail(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "Something went wrong on our side. The request id helps us find it.".into()
            }
            AppError::Unavailable => {
                "The database cannot be reached at the moment. Please try again shortly.".into()
            }
            AppError::SignInRequired => "Please sign in to continue.".into(),
            AppError::NotFound => "There is nothing here, or you are not allowed to see it.".into(),
            other => other.to_string(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body is written by `web::finish`, which knows the request (API or page,
    /// language, request id).
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).finish()
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        match r {
            Refusal::Invalid(m) => AppError::Unprocessable(m),
            Refusal::NotFound => AppError::NotFound,
            Refusal::Conflict(m) => AppError::Conflict(m),
            Refusal::Forbidden(m) => AppError::Forbidden(m),
            Refusal::SignInRefused => AppError::Unprocessable(
                "The e-mail or password is wrong, or too many attempts were made; wait a few minutes and try again.".into(),
            ),
            Refusal::Database(e) => AppError::internal(e),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        AppError::internal(e)
    }
}

impl From<r2d2_error::PoolError> for AppError {
    fn from(_: r2d2_error::PoolError) -> AppError {
        AppError::Unavailable
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> AppError {
        AppError::internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

mod r2d2_error {
    pub type PoolError = diesel::r2d2::PoolError;
}
