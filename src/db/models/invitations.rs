//! Enterprise invitations (hashes of their tokens only).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::invitations;
use crate::db::DbConn;
use crate::domain::ids::{EnterpriseId, InvitationId, UserId};

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
