//! Signing in, page sessions and API tokens: checking a sign-in, starting, rotating and
//! ending sessions, the session's language, issuing and revoking tokens.

use chrono::{DateTime, Duration, Utc};

use crate::auth;
use crate::db::models::{audit, sessions as store, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::Principal;
use crate::domain::account::Email;
use crate::domain::audit::{Actor, Kind};
use crate::domain::i18n::Lang;
use crate::domain::ids::UserId;
use crate::domain::throttle::{self, Verdict};
use crate::refusal::Refusal;

/// A sign-in attempt between its two transactions: what [`begin_sign_in`] read, and the
/// stored hash the password is to be checked against (off any connection, on the
/// password threads) before [`finish_sign_in`] records the outcome.
pub struct SignInAttempt {
    attempted: String,
    address: String,
    now: DateTime<Utc>,
    locked: bool,
    by_email: Vec<DateTime<Utc>>,
    user_id: Option<UserId>,
    stored_hash: Option<String>,
}

impl SignInAttempt {
    /// The hash to check the password against: none for an unknown, disabled or locked
    /// account (the check then does the same work against a dummy and fails).
    pub fn stored_hash(&self) -> Option<String> {
        self.stored_hash.clone()
    }
}

/// The reads of a sign-in: recent failures (the lock) and the account.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn begin_sign_in(
    conn: &mut DbConn,
    email_text: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<SignInAttempt, Refusal> {
    let attempted = Email::parse(email_text)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email_text.trim().to_lowercase().chars().take(254).collect());
    let store::RecentFailures {
        by_email,
        by_address,
    } = store::recent_failures(conn, &attempted, address, now - throttle::WINDOW)?;
    let locked = matches!(
        throttle::check(now, &by_email, &by_address),
        Verdict::LockedUntil(_)
    );
    let account = match Email::parse(email_text) {
        Ok(email) if !locked => users::find_by_email(conn, &email)?,
        _ => None,
    };
    let usable = account.as_ref().filter(|u| u.disabled_at.is_none());
    Ok(SignInAttempt {
        attempted,
        address: address.to_string(),
        now,
        locked,
        by_email,
        user_id: account.as_ref().map(|u| u.id),
        stored_hash: usable.map(|u| u.password_hash.clone()),
    })
}

/// Records a sign-in attempt whose password was checked (`password_ok`). Every outcome
/// is recorded; unknown accounts, wrong passwords, disabled accounts and locks all give
/// the same refusal after the same work.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn finish_sign_in(
    conn: &mut DbConn,
    attempt: &SignInAttempt,
    password_ok: bool,
) -> Result<UserId, Refusal> {
    let SignInAttempt {
        attempted,
        address,
        now,
        locked,
        by_email,
        user_id,
        stored_hash,
    } = attempt;
    let address = address.as_str();
    let anonymous = Actor::anonymous(attempted, address);
    if *locked {
        write_tx(conn, |conn| -> Result<(), Refusal> {
            store::record_event(
                conn,
                store::AuthEvent::LoginRefusedLocked,
                attempted,
                None,
                address,
            )?;
            audit::append(
                conn,
                &anonymous,
                Kind::LoginRefusedLocked,
                ("account", attempted),
                serde_json::json!({}),
            )?;
            Ok(())
        })?;
        return Err(Refusal::SignInRefused);
    }
    let ok = password_ok && stored_hash.is_some() && user_id.is_some();
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
                attempted,
                *user_id,
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
                attempted,
                *user_id,
                address,
            )?;
            audit::append(
                conn,
                &anonymous,
                Kind::LoginFailed,
                object,
                serde_json::json!({}),
            )?;
            if throttle::starts_lock(*now, by_email) {
                store::record_event(
                    conn,
                    store::AuthEvent::Lockout,
                    attempted,
                    *user_id,
                    address,
                )?;
                audit::append(
                    conn,
                    &anonymous,
                    Kind::Lockout,
                    object,
                    serde_json::json!({}),
                )?;
            }
        }
        Ok(())
    })?;
    match user_id {
        Some(id) if ok => Ok(*id),
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
    write_tx(conn, |conn| -> Result<(), Refusal> {
        store::revoke_api_token(conn, token_hash)?;
        Ok(())
    })
}
