//! The error policy, in one place.
//!
//! - Handlers and middleware return [`AppError`]; nothing else reaches a client.
//! - `/api/…` answers with RFC 9457 problem+json, everything else with a friendly page;
//!   both carry the request id so a report can be matched to the log.
//! - Internal errors are logged with their cause chain and shown only as "something went
//!   wrong": no SQL, paths or stack traces leave the server.
//! - A refused request changes nothing: use cases check before they write, in one
//!   transaction.
//! - A refusal carries a code and arguments (`refusal::Reason`); its words come from the
//!   catalogs in the reader's language: the visitor's on pages, `Accept-Language`'s
//!   (default zh-CN) in problem+json, which also carries `code` and `args`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::refusal::{Code, Reason, Refusal};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Refused by a rule, or input that cannot be used; `status` says which (400, 403,
    /// 408, 409, 413, 422 or 507). The words are in the catalogs under `refusal.<code>`, so a person
    /// reads them in their language.
    #[error("refused ({status}): {reason}")]
    Refused { status: StatusCode, reason: Reason },
    #[error("sign-in required")]
    SignInRequired,
    /// Also what another enterprise's ids answer, so they cannot be probed.
    #[error("not found")]
    NotFound,
    /// Not now: too often, too many at once, or the server is busy (429 or 503). The
    /// response says when to come back (`Retry-After`, in seconds).
    #[error("not now ({status}, retry after {retry_after}s): {reason}")]
    Later {
        status: StatusCode,
        reason: Reason,
        retry_after: u64,
    },
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }

    pub fn refused(status: StatusCode, reason: impl Into<Reason>) -> AppError {
        AppError::Refused {
            status,
            reason: reason.into(),
        }
    }

    /// A request that cannot be read (400).
    pub fn bad_request(reason: impl Into<Reason>) -> AppError {
        AppError::refused(StatusCode::BAD_REQUEST, reason)
    }

    /// Input that breaks a rule (422).
    pub fn invalid(reason: impl Into<Reason>) -> AppError {
        AppError::refused(StatusCode::UNPROCESSABLE_ENTITY, reason)
    }

    /// The state of things does not allow it now (409).
    pub fn conflict(reason: impl Into<Reason>) -> AppError {
        AppError::refused(StatusCode::CONFLICT, reason)
    }

    /// Not this person's to do (403).
    pub fn forbidden(reason: impl Into<Reason>) -> AppError {
        AppError::refused(StatusCode::FORBIDDEN, reason)
    }

    /// A body above its limit (413).
    pub fn too_large(reason: impl Into<Reason>) -> AppError {
        AppError::refused(StatusCode::PAYLOAD_TOO_LARGE, reason)
    }

    /// A client that sent its body too slowly (408).
    pub fn too_slow(reason: impl Into<Reason>) -> AppError {
        AppError::refused(StatusCode::REQUEST_TIMEOUT, reason)
    }

    /// The server has no room to store what was sent (507): a full disk or quota.
    pub fn no_room(reason: impl Into<Reason>) -> AppError {
        AppError::refused(StatusCode::INSUFFICIENT_STORAGE, reason)
    }

    /// Too often or too many at once from this client (429); try again in `retry_after`
    /// seconds.
    pub fn too_many(reason: impl Into<Reason>, retry_after: u64) -> AppError {
        AppError::Later {
            status: StatusCode::TOO_MANY_REQUESTS,
            reason: reason.into(),
            retry_after: retry_after.max(1),
        }
    }

    /// The server as a whole has no room for this now (503); try again in `retry_after`
    /// seconds.
    pub fn busy(reason: impl Into<Reason>, retry_after: u64) -> AppError {
        AppError::Later {
            status: StatusCode::SERVICE_UNAVAILABLE,
            reason: reason.into(),
            retry_after: retry_after.max(1),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Refused { status, .. } => *status,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Later { status, .. } => *status,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body is written by `web::finish`, which knows the request (API or page,
    /// language, request id); `Retry-After` is set here and kept there.
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::Later { retry_after, .. } = self {
            res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        res.finish()
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        match r {
            Refusal::Invalid(reason) => AppError::invalid(reason),
            Refusal::NotFound => AppError::NotFound,
            Refusal::Conflict(reason) => AppError::conflict(reason),
            Refusal::Forbidden(reason) => AppError::forbidden(reason),
            Refusal::SignInRefused => AppError::invalid(Code::SignInRefused),
            Refusal::Database(e) => AppError::from(e),
        }
    }
}

/// A constraint that another request's write broke while this one ran (two requests
/// inserting the same row, a row removed under a reference) is a conflict, not a fault:
/// `db::write_tx` has already run the transaction again a few times, so one still here
/// means the requests kept colliding. Other database errors are internal.
impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::DatabaseError(
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation,
                info,
            ) => {
                tracing::info!(constraint = info.constraint_name(), error = %e, "concurrent change answered as a conflict");
                AppError::conflict(Code::ChangedConcurrently)
            }
            _ => AppError::internal(e),
        }
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
