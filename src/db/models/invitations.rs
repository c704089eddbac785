//! Password-reset tokens and enterprise invitations (hashes only), and the account
//! changes they lead to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{enterprise_members, invitations, password_resets, users};
use crate::db::DbConn;
use crate::domain::ids::{EnterpriseId, InvitationId, UserId};

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

pub fn set_password(conn: &mut DbConn, user: UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// The enterprise a person belongs to and whether they administer it.
pub fn membership_role(
    conn: &mut DbConn,
    user: UserId,
) -> QueryResult<Option<(EnterpriseId, bool)>> {
    enterprise_members::table
        .find(user)
        .select((
            enterprise_members::enterprise_id,
            enterprise_members::is_admin,
        ))
        .first(conn)
        .optional()
}

pub fn add_member(conn: &mut DbConn, user: UserId, enterprise_id: EnterpriseId) -> QueryResult<()> {
    diesel::insert_into(enterprise_members::table)
        .values((
            enterprise_members::user_id.eq(user),
            enterprise_members::enterprise_id.eq(enterprise_id),
            enterprise_members::is_admin.eq(false),
            enterprise_members::joined_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub token_hash: String,
    pub enterprise_id: EnterpriseId,
    pub email: String,
    pub invited_by: UserId,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<UserId>,
}

pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub enterprise_id: EnterpriseId,
    pub email: &'a str,
    pub invited_by: UserId,
    pub expires_at: NaiveDateTime,
}

pub fn insert_invitation(conn: &mut DbConn, i: &NewInvitation<'_>) -> QueryResult<InvitationId> {
    let id = InvitationId::new();
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(id),
            invitations::token_hash.eq(i.token_hash),
            invitations::enterprise_id.eq(i.enterprise_id),
            invitations::email.eq(i.email),
            invitations::invited_by.eq(i.invited_by),
            invitations::created_at.eq(super::now()),
            invitations::expires_at.eq(i.expires_at),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn find_invitation(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<InvitationRow>> {
    invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()
}

/// Marks an invitation accepted; false if it was accepted meanwhile.
pub fn accept_invitation(conn: &mut DbConn, id: InvitationId, by: UserId) -> QueryResult<bool> {
    let n = diesel::update(invitations::table.find(id))
        .filter(invitations::accepted_at.is_null())
        .set((
            invitations::accepted_at.eq(Some(super::now())),
            invitations::accepted_by.eq(Some(by)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn invitations_of(
    conn: &mut DbConn,
    enterprise_id: EnterpriseId,
) -> QueryResult<Vec<InvitationRow>> {
    invitations::table
        .filter(invitations::enterprise_id.eq(enterprise_id))
        .order(invitations::created_at.desc())
        .select(InvitationRow::as_select())
        .load(conn)
}
