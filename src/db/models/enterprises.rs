//! Enterprises and their members.

use crate::db::one_of::one_of;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{enterprise_members, enterprises};
use crate::db::DbConn;
use crate::domain::ids::{EnterpriseGroupId, EnterpriseId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enterprises)]
pub struct EnterpriseRow {
    pub id: EnterpriseId,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub credit_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    /// The enterprise group it belongs to, if any.
    pub group_id: Option<EnterpriseGroupId>,
}

#[derive(Insertable)]
#[diesel(table_name = enterprises)]
pub struct NewEnterprise<'a> {
    pub id: EnterpriseId,
    pub name_zh: &'a str,
    pub name_en: Option<&'a str>,
    pub credit_code: &'a str,
    pub address: &'a str,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
    pub contact_phone: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, e: &NewEnterprise<'_>, admin: UserId) -> QueryResult<()> {
    diesel::insert_into(enterprises::table)
        .values(e)
        .execute(conn)?;
    diesel::insert_into(enterprise_members::table)
        .values((
            enterprise_members::user_id.eq(admin.to_string()),
            enterprise_members::enterprise_id.eq(e.id),
            enterprise_members::is_admin.eq(true),
            enterprise_members::joined_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn by_credit_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<EnterpriseRow>> {
    enterprises::table
        .filter(enterprises::credit_code.eq(code))
        .select(EnterpriseRow::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConn, id: EnterpriseId) -> QueryResult<Option<EnterpriseRow>> {
    enterprises::table
        .find(id)
        .select(EnterpriseRow::as_select())
        .first(conn)
        .optional()
}

/// The enterprise a person belongs to, if any.
/// The Chinese names of these enterprises: (id, name).
pub fn names(conn: &mut DbConn, ids: &[EnterpriseId]) -> QueryResult<Vec<(EnterpriseId, String)>> {
    enterprises::table
        .filter(one_of(enterprises::id, ids))
        .select((enterprises::id, enterprises::name_zh))
        .load(conn)
}

/// The group of each of `ids` that belongs to one.
pub fn groups_of(
    conn: &mut DbConn,
    ids: &[EnterpriseId],
) -> QueryResult<Vec<(EnterpriseId, EnterpriseGroupId)>> {
    Ok(enterprises::table
        .filter(one_of(enterprises::id, ids))
        .filter(enterprises::group_id.is_not_null())
        .select((enterprises::id, enterprises::group_id))
        .load::<(EnterpriseId, Option<EnterpriseGroupId>)>(conn)?
        .into_iter()
        .filter_map(|(e, g)| g.map(|g| (e, g)))
        .collect())
}

/// The query of [`in_groups`].
pub type InGroups = diesel::dsl::Select<
    diesel::dsl::Filter<enterprises::table, InGroupsCondition>,
    enterprises::id,
>;
type InGroupsCondition = diesel::dsl::EqAny<enterprises::group_id, Vec<Option<EnterpriseGroupId>>>;

/// The enterprises of `groups` (index `enterprises_group`), as a sub-query or to load: a
/// review expert's recusals name groups, and both their list and their count leave out
/// the applications of these enterprises.
pub fn in_groups(groups: &[EnterpriseGroupId]) -> InGroups {
    let groups: Vec<Option<EnterpriseGroupId>> = groups.iter().map(|g| Some(*g)).collect();
    enterprises::table
        .filter(enterprises::group_id.eq_any(groups))
        .select(enterprises::id)
}

pub fn membership(conn: &mut DbConn, user: UserId) -> QueryResult<Option<EnterpriseId>> {
    enterprise_members::table
        .find(user.to_string())
        .select(enterprise_members::enterprise_id)
        .first(conn)
        .optional()
}

/// The enterprise each of `users` belongs to, for those who belong to one: one query for a
/// page's worth of people (the round page's review experts).
pub fn of_members(
    conn: &mut DbConn,
    users: &[UserId],
) -> QueryResult<Vec<(UserId, EnterpriseRow)>> {
    enterprise_members::table
        .inner_join(enterprises::table)
        .filter(enterprise_members::user_id.eq_any(users.to_vec()))
        .select((enterprise_members::user_id, EnterpriseRow::as_select()))
        .load(conn)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<EnterpriseRow>> {
    enterprises::table
        .order(enterprises::created_at.desc())
        .select(EnterpriseRow::as_select())
        .load(conn)
}

/// Marks an enterprise verified; false if it already was.
pub fn verify(conn: &mut DbConn, id: EnterpriseId, by: UserId) -> QueryResult<bool> {
    let n = diesel::update(enterprises::table.find(id))
        .filter(enterprises::verified_at.is_null())
        .set((
            enterprises::verified_at.eq(Some(super::now())),
            enterprises::verified_by.eq(Some(by)),
        ))
        .execute(conn)?;
    Ok(n == 1)
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

/// How many people belong to the enterprise.
pub fn member_count(conn: &mut DbConn, id: EnterpriseId) -> QueryResult<i64> {
    enterprise_members::table
        .filter(enterprise_members::enterprise_id.eq(id))
        .count()
        .get_result(conn)
}

/// An enterprise of a bulk load, verified when it is inserted.
#[derive(Insertable)]
#[diesel(table_name = enterprises)]
pub struct VerifiedEnterprise<'a> {
    pub id: EnterpriseId,
    pub name_zh: &'a str,
    pub name_en: Option<&'a str>,
    pub credit_code: &'a str,
    pub address: &'a str,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
    pub contact_phone: &'a str,
    pub verified_at: NaiveDateTime,
    pub verified_by: UserId,
    pub created_at: NaiveDateTime,
}

/// Inserts many verified enterprises, each with its admin member, `admins[i]` of
/// `rows[i]` (bulk loads).
pub fn insert_many_verified(
    conn: &mut DbConn,
    rows: &[VerifiedEnterprise<'_>],
    admins: &[UserId],
) -> QueryResult<usize> {
    let now = super::now();
    let members: Vec<_> = rows
        .iter()
        .zip(admins)
        .map(|(e, admin)| {
            (
                enterprise_members::user_id.eq(*admin),
                enterprise_members::enterprise_id.eq(e.id),
                enterprise_members::is_admin.eq(true),
                enterprise_members::joined_at.eq(now),
            )
        })
        .collect();
    super::insert_all!(conn, enterprises::table, rows)?;
    super::insert_all!(conn, enterprise_members::table, &members)?;
    Ok(rows.len())
}

/// How many enterprises there are.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    enterprises::table.count().get_result(conn)
}

/// What a page of enterprises is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    /// Part of the Chinese or English name, or the start of the credit code.
    pub search: Option<String>,
    /// Only the verified ones (true) or only those awaiting verification (false).
    pub verified: Option<bool>,
}

/// One window of enterprises, newest registration first by (created_at, id) (oldest
/// first when `backwards`), matching `filter` (index `enterprises_created`).
pub fn page(
    conn: &mut DbConn,
    filter: &EnterpriseFilter,
    at: &super::KeysetAt<(NaiveDateTime, EnterpriseId)>,
) -> QueryResult<Vec<EnterpriseRow>> {
    let mut q = enterprises::table.into_boxed();
    if let Some(text) = &filter.search {
        q = q.filter(super::enterprise_matches!(text));
    }
    match filter.verified {
        Some(true) => q = q.filter(enterprises::verified_at.is_not_null()),
        Some(false) => q = q.filter(enterprises::verified_at.is_null()),
        None => {}
    }
    super::keyset_window!(q, at, desc(enterprises::created_at, enterprises::id))
        .select(EnterpriseRow::as_select())
        .load(conn)
}

/// How many people belong to each of the enterprises `ids` (one query for a page).
pub fn member_counts(
    conn: &mut DbConn,
    ids: &[EnterpriseId],
) -> QueryResult<std::collections::BTreeMap<EnterpriseId, i64>> {
    let rows: Vec<(EnterpriseId, i64)> = enterprise_members::table
        .filter(one_of(enterprise_members::enterprise_id, ids))
        .group_by(enterprise_members::enterprise_id)
        .select((enterprise_members::enterprise_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
