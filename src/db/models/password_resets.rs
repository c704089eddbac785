//! Password-reset tokens (hashes only).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::password_resets;
use crate::db::DbConn;
use crate::domain::ids::UserId;

pub fn insert_reset(
    conn: &mut DbConn,
    token_hash: &str,
    user: UserId,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_hash),
            password_resets::user_id.eq(user),
            password_resets::created_at.eq(super::now()),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Reset tokens issued to a user since `since`.
pub fn resets_since(conn: &mut DbConn, user: UserId, since: NaiveDateTime) -> QueryResult<i64> {
    password_resets::table
        .filter(password_resets::user_id.eq(user))
        .filter(password_resets::created_at.gt(since))
        .count()
        .get_result(conn)
}

pub struct ResetRow {
    pub user_id: UserId,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn find_reset(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<ResetRow>> {
    let row: Option<(UserId, NaiveDateTime, Option<NaiveDateTime>)> = password_resets::table
        .find(token_hash)
        .select((
            password_resets::user_id,
            password_resets::expires_at,
            password_resets::used_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(u, expires_at, used_at)| ResetRow {
        user_id: u,
        expires_at,
        used_at,
    }))
}

/// Marks a token used; false if it was used meanwhile.
pub fn use_reset(conn: &mut DbConn, token_hash: &str) -> QueryResult<bool> {
    let n = diesel::update(password_resets::table.find(token_hash))
        .filter(password_resets::used_at.is_null())
        .set(password_resets::used_at.eq(Some(super::now())))
        .execute(conn)?;
    Ok(n == 1)
}
