//! The HTTP plumbing shared by every route: who is asking, may they, and how answers
//! and errors are rendered.

pub mod cached;
pub mod caller;
pub mod compress;
pub mod confirm;
pub mod finish;
pub mod guard;
pub mod input;
pub mod listing;
pub mod render;
pub mod upload;
pub mod visitor;

use std::sync::Arc;

use crate::config::Config;
use crate::db::{Backend, DbPool, PooledConn};
use crate::domain::account::Password;
use crate::error::AppError;
use crate::refusal::Code;

/// Seconds a sign-in refused for a full password queue is told to wait: one argon2 check
/// takes a few tens of milliseconds, so a queue drains within a second or two.
const PASSWORDS_RETRY_SECONDS: u64 = 2;

fn passwords_busy() -> AppError {
    AppError::busy(
        Code::SignInsBusy.with("seconds", PASSWORDS_RETRY_SECONDS),
        PASSWORDS_RETRY_SECONDS,
    )
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub backend: Backend,
    pub templates: Arc<tera::Tera>,
    /// Public holidays, for registration windows.
    /// Reads the holiday calendars from the database in each use case's transaction.
    pub calendars: Arc<crate::workflow::calendars::Store>,
    // Evidence: where uploaded files are stored.
    pub evidence: Arc<crate::storage::Evidence>,
    /// Upload bodies being received, under their timeouts and caps.
    pub uploads: Arc<upload::Uploads>,
    /// The threads every password is hashed and checked on.
    pub passwords: Arc<crate::auth::PasswordPool>,
    /// Issue #19: model versions' pages and documents, rendered once (`cached`).
    pub model_docs: Arc<cached::ModelDocs>,
    /// Issue #19: programme reports, built once per change of their round counters.
    pub reports: Arc<crate::workflow::reports::ReportCache>,
    /// Issue #19: each round's assignment proposal, computed once per change of what it
    /// reads.
    pub proposals: Arc<crate::workflow::panel_proposals::ProposalCache>,
    /// Issue #19: how far this process has verified the issuance log's hash chain.
    pub issuance_log: Arc<crate::workflow::certificate_log::VerifiedLog>,
    /// Issue #19: who holds a credential, remembered while nothing about them changed.
    pub callers: Arc<crate::workflow::callers::CallerCache>,
    /// Issue #19: every round, kept for the list pages' filters and names as briefly as a
    /// caller.
    pub rounds: Arc<crate::workflow::recent::Recent<Vec<crate::db::models::rounds::RoundRow>>>,
    /// Issue #19: the report page's tables, rendered once per built report and language.
    pub report_pages: Arc<
        cached::RenderedFrom<(String, crate::domain::i18n::Lang), crate::domain::report::Report>,
    >,
}

impl AppState {
    /// Runs blocking database work off the async workers.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PooledConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        // The blocking thread does not inherit the request's span: enter it there, so the
        // use case's own span and any refusal it logs carry the request id.
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Hashes a new password on the password threads (no connection is held meanwhile);
    /// 503 when they and their queue are full.
    pub async fn hash_password(&self, password: Password) -> Result<String, AppError> {
        self.passwords
            .hash(password)
            .await
            .map_err(|_| passwords_busy())
    }

    /// Checks a password against its stored hash (or none: the same work, for unknown
    /// accounts) on the password threads; 503 when they and their queue are full.
    pub async fn verify_password(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> Result<bool, AppError> {
        self.passwords
            .verify(password, stored)
            .await
            .map_err(|_| passwords_busy())
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.config.secure_cookies() {
            "__Host-certcase_session"
        } else {
            "certcase_session"
        }
    }

    pub fn csrf_cookie_name(&self) -> &'static str {
        if self.config.secure_cookies() {
            "__Host-certcase_csrf"
        } else {
            "certcase_csrf"
        }
    }

    /// A cookie with the attributes every certcase cookie carries.
    pub fn cookie(&self, name: &'static str, value: String) -> actix_web::cookie::Cookie<'static> {
        actix_web::cookie::Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .secure(self.config.secure_cookies())
            .same_site(actix_web::cookie::SameSite::Lax)
            .finish()
    }
}
