//! Signing in, page sessions and API tokens: checking a sign-in, starting, rotating and
//! ending sessions, the session's language, issuing and revoking tokens.

use chrono::{DateTime, Duration, Utc};

use crate::auth;
use crate::db::models::{audit, sessions as store, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::Principal;
use crate::domain::account::{Email, Password};
use crate::domain::audit::{Actor, Kind};
use crate::domain::i18n::Lang;
use crate::domain::ids::UserId;
use crate::domain::throttle::{self, Verdict};
use crate::refusal::Refusal;

/// Checks a sign-in attempt. Every outcome is recorded; unknown accounts, wrong
/// passwords, disabled accounts and locks all give the same refusal after the same work.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn sign_in(
    conn: &mut DbConn,
    email_text: &str,
    password_text: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<UserId, Refusal> {
    let attempted = Email::parse(email_text)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email_text.trim().to_lowercase().chars().take(254).collect());
    let password = Password::attempt(password_text);

    let store::RecentFailures {
        by_email,
        by_address,
    } = store::recent_failures(conn, &attempted, address, now - throttle::WINDOW)?;
    let attempt = Actor::anonymous(&attempted, address);
    if let Verdict::LockedUntil(_) = throttle::check(now, &by_email, &by_address) {
        auth::verify_password(&password, None);
        write_tx(conn, |conn| -> Result<(), Refusal> {
            store::record_event(
                conn,
                store::AuthEvent::LoginRefusedLocked,
                &attempted,
                None,
                address,
            )?;
            audit::append(
                conn,
                &attempt,
                Kind::LoginRefusedLocked,
                ("account", &attempted),
                serde_json::json!({}),
            )?;
            Ok(())
        })?;
        return Err(Refusal::SignInRefused);
    }

    let account = match Email::parse(email_text) {
        Ok(email) => users::find_by_email(conn, &email)?,
        Err(_) => None,
    };
    let usable = account.as_ref().filter(|u| u.disabled_at.is_none());
    let ok = auth::verify_password(&password, usable.map(|u| u.password_hash.as_str()));
    let user_id = account.as_ref().map(|u| u.id);
    let object_id = user_id.map_or_else(|| attempted.clone(), |u| u.to_string());
    let object: (&str, &dyn std::fmt::Display) = (
        if user_id.is_some() { "user" } else { "account" },
        &object_id,
    );

    // The failure is recorded and committed; only then is the attempt refused.
    write_tx(conn, |conn| -> Result<(), Refusal> {
        if ok {
            store::record_event(
                conn,
                store::AuthEvent::LoginSucceeded,
                &attempted,
                user_id,
                address,
            )?;
            let me = Actor::user(user_id.expect("a usable account has an id"), address);
            audit::append(
                conn,
                &me,
                Kind::LoginSucceeded,
                object,
                serde_json::json!({}),
            )?;
        } else {
            store::record_event(
                conn,
                store::AuthEvent::LoginFailed,
                &attempted,
                user_id,
                address,
            )?;
            audit::append(
                conn,
                &attempt,
                Kind::LoginFailed,
                object,
                serde_json::json!({}),
            )?;
            if throttle::starts_lock(now, &by_email) {
                store::record_event(
                    conn,
                    store::AuthEvent::Lockout,
                    &attempted,
                    user_id,
                    address,
                )?;
                audit::append(conn, &attempt, Kind::Lockout, object, serde_json::json!({}))?;
            }
        }
        Ok(())
    })?;
    match user_id {
        Some(id) if ok => Ok(id),
        _ => Err(Refusal::SignInRefused),
    }
}

pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// A new session with a fresh id (never one the browser brought along).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn start_session(
    conn: &mut DbConn,
    user: UserId,
    lang: &str,
    hours: i64,
) -> Result<NewSession, Refusal> {
    let token = auth::new_token();
    let csrf_token = auth::new_token();
    store::create_session(
        conn,
        &auth::token_hash(&token),
        user,
        &csrf_token,
        lang,
        Utc::now() + Duration::hours(hours),
    )?;
    Ok(NewSession { token, csrf_token })
}

#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn end_session(
    conn: &mut DbConn,
    token: &str,
    user: &Principal,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        store::delete_session(conn, &auth::token_hash(token))?;
        store::record_event(
            conn,
            store::AuthEvent::Logout,
            &user.email,
            Some(user.user_id),
            address,
        )?;
        audit::append(
            conn,
            &Actor::user(user.user_id, address),
            Kind::Logout,
            ("user", &user.user_id.to_string()),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn issue_api_token(
    conn: &mut DbConn,
    user: UserId,
    hours: i64,
) -> Result<(String, DateTime<Utc>), Refusal> {
    let token = auth::new_token();
    let expires = Utc::now() + Duration::hours(hours);
    store::create_api_token(conn, &auth::token_hash(&token), user, expires)?;
    Ok((token, expires))
}

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
    start_session(conn, user, lang, hours)
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
