//! Page sessions and API tokens after sign-in: rotation, the language, revocation.
//! (Signing in and starting a session are in `accounts`.)

use super::users::{self, NewSession};
use crate::db::models::{sessions as store, users};
use crate::db::{write_tx, DbConn};
use crate::domain::i18n::Lang;
use crate::domain::ids::UserId;
use crate::refusal::Refusal;

/// Starts a fresh session for a person who just signed in, ending whatever session the
/// browser brought along, so a session id is never carried across a sign-in.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn rotate(
    conn: &mut DbConn,
    previous: Option<&str>,
    user: UserId,
    lang: &str,
    hours: i64,
) -> Result<NewSession, Refusal> {
    if let Some(old) = previous {
        store::delete_session(conn, old)?;
    }
    users::start_session(conn, user, lang, hours)
}

/// Remembers the chosen language for the session and the person's account.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn set_language(
    conn: &mut DbConn,
    session: &str,
    user: UserId,
    lang: Lang,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        store::set_session_lang(conn, session, lang.code())?;
        users::set_lang(conn, user, lang.code())?;
        Ok(())
    })
}

/// Revokes the API token with this hash.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn revoke_api_token(conn: &mut DbConn, token_hash: &str) -> Result<(), Refusal> {
    store::revoke_api_token(conn, token_hash)?;
    Ok(())
}
