//! Forgotten passwords: a single-use, one-hour link by e-mail, then a new password.

use crate::auth;
use crate::db::models::{audit, now, password_resets, sessions, users};
use crate::db::{write_tx, DbConn};
use crate::domain::account::Email;
use crate::domain::audit::{Actor, Kind};
use crate::domain::ids::UserId;
use crate::domain::invitation::{check_link, may_send_reset, reset_expiry};
use crate::mail::{self, Notification};
use crate::refusal::{Code, Refusal};

/// Sends a reset link if the address belongs to an enabled account. The caller answers
/// the same whatever happened, so the form does not reveal who has an account.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn request_reset(
    conn: &mut DbConn,
    email_text: &str,
    base_url: &str,
    address: &str,
) -> Result<(), Refusal> {
    let Ok(email) = Email::parse(email_text) else {
        return Ok(());
    };
    write_tx(conn, |conn| {
        let Some(account) = users::find_by_email(conn, &email)? else {
            return Ok(());
        };
        let Some(to) = mail::recipient(conn, account.id)? else {
            return Ok(());
        };
        let recent =
            password_resets::resets_since(conn, account.id, now() - chrono::Duration::hours(1))?;
        if !may_send_reset(recent) {
            return Ok(());
        }
        let token = auth::new_token();
        let expires_at = reset_expiry(now());
        password_resets::insert_reset(conn, &auth::token_hash(&token), account.id, expires_at)?;
        mail::enqueue(
            conn,
            &to,
            &Notification::PasswordReset {
                reset_url: format!("{base_url}/password/reset/{token}"),
                expires_at,
            },
        )?;
        audit::append(
            conn,
            &Actor::anonymous(email.as_str(), address),
            Kind::PasswordResetRequested,
            ("user", &account.id),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

/// Whether a reset link can still be used (for showing the form).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn check_reset(conn: &mut DbConn, token: &str) -> Result<(), Refusal> {
    let row =
        password_resets::find_reset(conn, &auth::token_hash(token))?.ok_or(Refusal::NotFound)?;
    check_link(row.expires_at, row.used_at, now()).map_err(|r| Refusal::Conflict(r.into()))
}

/// Sets the new password (`hash`: hashed by the caller, after [`check_reset`], with no
/// connection held), uses up the link and ends every session and API token.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn reset(conn: &mut DbConn, token: &str, hash: &str, address: &str) -> Result<UserId, Refusal> {
    let token_hash = auth::token_hash(token);
    write_tx(conn, |conn| {
        let row = password_resets::find_reset(conn, &token_hash)?.ok_or(Refusal::NotFound)?;
        check_link(row.expires_at, row.used_at, now()).map_err(|r| Refusal::Conflict(r.into()))?;
        if !password_resets::use_reset(conn, &token_hash)? {
            return Err(Refusal::Conflict(Code::LinkUsed.into()));
        }
        users::set_password(conn, row.user_id, hash)?;
        sessions::end_all_sessions(conn, row.user_id)?;
        audit::append(
            conn,
            &Actor::user(row.user_id, address),
            Kind::PasswordReset,
            ("user", &row.user_id.to_string()),
            serde_json::json!({}),
        )?;
        Ok(row.user_id)
    })
}
