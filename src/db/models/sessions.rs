//! Sessions, API tokens and the record of sign-in events. Only hashes of session ids and
//! tokens are stored, so a copy of the database lets no one sign in.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{api_tokens, auth_events, caller_versions, sessions, user_roles, users};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::ids::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthEvent {
    LoginSucceeded,
    LoginFailed,
    Lockout,
    /// A refused attempt while locked; counts towards nothing.
    LoginRefusedLocked,
    Logout,
}

impl AuthEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthEvent::LoginSucceeded => "login_succeeded",
            AuthEvent::LoginFailed => "login_failed",
            AuthEvent::Lockout => "lockout",
            AuthEvent::LoginRefusedLocked => "login_refused_locked",
            AuthEvent::Logout => "logout",
        }
    }
}

pub fn record_event(
    conn: &mut DbConn,
    kind: AuthEvent,
    email: &str,
    user: Option<UserId>,
    address: &str,
) -> QueryResult<()> {
    diesel::insert_into(auth_events::table)
        .values((
            auth_events::id.eq(uuid::Uuid::now_v7().to_string()),
            auth_events::occurred_at.eq(super::now()),
            auth_events::kind.eq(kind.as_str()),
            auth_events::email.eq(email),
            auth_events::user_id.eq(user),
            auth_events::address.eq(address),
        ))
        .execute(conn)?;
    Ok(())
}

/// Recent failure times of an attempted e-mail and of a client address.
pub struct RecentFailures {
    pub by_email: Vec<DateTime<Utc>>,
    pub by_address: Vec<DateTime<Utc>>,
}

/// Failure times since `since` for an attempted e-mail and for an address.
pub fn recent_failures(
    conn: &mut DbConn,
    email: &str,
    address: &str,
    since: DateTime<Utc>,
) -> QueryResult<RecentFailures> {
    let base = || {
        auth_events::table
            .filter(auth_events::kind.eq(AuthEvent::LoginFailed.as_str()))
            .filter(auth_events::occurred_at.gt(since.naive_utc()))
            .select(auth_events::occurred_at)
    };
    let by_email: Vec<NaiveDateTime> = base().filter(auth_events::email.eq(email)).load(conn)?;
    let by_address: Vec<NaiveDateTime> =
        base().filter(auth_events::address.eq(address)).load(conn)?;
    Ok(RecentFailures {
        by_email: by_email.into_iter().map(|t| t.and_utc()).collect(),
        by_address: by_address.into_iter().map(|t| t.and_utc()).collect(),
    })
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub occurred_at: NaiveDateTime,
    pub kind: String,
    pub email: String,
    pub address: String,
}

pub fn events_for(conn: &mut DbConn, email: &str) -> QueryResult<Vec<EventRow>> {
    auth_events::table
        .filter(auth_events::email.eq(email))
        .order(auth_events::id.asc())
        .select((
            auth_events::occurred_at,
            auth_events::kind,
            auth_events::email,
            auth_events::address,
        ))
        .load(conn)
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: UserId,
    pub csrf_token: String,
    pub lang: String,
}

pub fn create_session(
    conn: &mut DbConn,
    token_hash: &str,
    user: UserId,
    csrf_token: &str,
    lang: &str,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user),
            sessions::csrf_token.eq(csrf_token),
            sessions::lang.eq(lang),
            sessions::created_at.eq(super::now()),
            sessions::expires_at.eq(expires_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Who holds a live credential, read in one round trip: the enabled user with their
/// roles and, for a page session, its CSRF token and language.
#[derive(Debug, Clone)]
pub struct CallerRow {
    pub principal: Principal,
    /// `Some` for a page session, `None` for an API token.
    pub session: Option<SessionRow>,
    /// When the session or token stops working (UTC).
    pub expires_at: NaiveDateTime,
}

/// The counter the triggers of migration 000406 bump whenever a caller may have changed
/// (a credential ended, a user disabled or renamed, a role given or taken).
pub fn caller_version(conn: &mut DbConn) -> QueryResult<i64> {
    caller_versions::table
        .find(1)
        .select(caller_versions::version)
        .first(conn)
}

/// One row per role of the user (one row with no role for a user without any), with the
/// credential's expiry.
type CallerJoinRow = (NaiveDateTime, UserId, String, String, Option<Role>);

/// Folds the rows of the credential-users-roles join into the caller and the expiry.
fn fold_caller(rows: Vec<CallerJoinRow>) -> Option<(Principal, NaiveDateTime)> {
    let mut rows = rows.into_iter();
    let (expires_at, user_id, email, display_name, first) = rows.next()?;
    let roles = first
        .into_iter()
        .chain(rows.filter_map(|(.., role)| role))
        .collect();
    Some((
        Principal {
            user_id,
            email,
            display_name,
            roles,
        },
        expires_at,
    ))
}

/// The caller of a page session: a live session of an enabled user, with the user's
/// roles, in one query (sessions ⋈ users ⟕ user_roles).
pub fn session_caller(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<CallerRow>> {
    type Row = (
        String,
        String,
        NaiveDateTime,
        UserId,
        String,
        String,
        Option<Role>,
    );
    let rows: Vec<Row> = sessions::table
        .inner_join(users::table.left_join(user_roles::table))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(super::now()))
        .filter(users::disabled_at.is_null())
        .select((
            sessions::csrf_token,
            sessions::lang,
            sessions::expires_at,
            users::id,
            users::email,
            users::display_name,
            user_roles::role.nullable(),
        ))
        .load(conn)?;
    let session = rows
        .first()
        .map(|(csrf_token, lang, _, user_id, ..)| SessionRow {
            user_id: *user_id,
            csrf_token: csrf_token.clone(),
            lang: lang.clone(),
        });
    let caller = fold_caller(
        rows.into_iter()
            .map(|(_, _, expires, id, email, name, role)| (expires, id, email, name, role))
            .collect(),
    );
    Ok(caller.map(|(principal, expires_at)| CallerRow {
        principal,
        session,
        expires_at,
    }))
}

/// The caller of an API token: a live, unrevoked token of an enabled user, with the
/// user's roles, in one query (api_tokens ⋈ users ⟕ user_roles).
pub fn token_caller(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<CallerRow>> {
    let rows: Vec<CallerJoinRow> = api_tokens::table
        .inner_join(users::table.left_join(user_roles::table))
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(super::now()))
        .filter(users::disabled_at.is_null())
        .select((
            api_tokens::expires_at,
            users::id,
            users::email,
            users::display_name,
            user_roles::role.nullable(),
        ))
        .load(conn)?;
    Ok(fold_caller(rows).map(|(principal, expires_at)| CallerRow {
        principal,
        session: None,
        expires_at,
    }))
}

pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

pub fn set_session_lang(conn: &mut DbConn, token_hash: &str, lang: &str) -> QueryResult<()> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::lang.eq(lang))
        .execute(conn)?;
    Ok(())
}

pub fn end_all_sessions(conn: &mut DbConn, user: UserId) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user))).execute(conn)?;
    diesel::update(api_tokens::table.filter(api_tokens::user_id.eq(user)))
        .filter(api_tokens::revoked_at.is_null())
        .set(api_tokens::revoked_at.eq(Some(super::now())))
        .execute(conn)?;
    Ok(())
}

pub fn create_api_token(
    conn: &mut DbConn,
    token_hash: &str,
    user: UserId,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(token_hash),
            api_tokens::user_id.eq(user),
            api_tokens::created_at.eq(super::now()),
            api_tokens::expires_at.eq(expires_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_api_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::update(api_tokens::table.filter(api_tokens::token_hash.eq(token_hash)))
        .filter(api_tokens::revoked_at.is_null())
        .set(api_tokens::revoked_at.eq(Some(super::now())))
        .execute(conn)
}
