//! Enterprise groups and which enterprises belong to them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::enterprises::EnterpriseRow;
use crate::db::schema::{enterprise_groups, enterprises};
use crate::db::DbConn;
use crate::domain::ids::{EnterpriseGroupId, EnterpriseId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enterprise_groups)]
pub struct GroupRow {
    pub id: EnterpriseGroupId,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    id: EnterpriseGroupId,
    name_zh: &str,
    name_en: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(enterprise_groups::table)
        .values((
            enterprise_groups::id.eq(id),
            enterprise_groups::name_zh.eq(name_zh),
            enterprise_groups::name_en.eq(name_en),
            enterprise_groups::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConn, id: EnterpriseGroupId) -> QueryResult<Option<GroupRow>> {
    enterprise_groups::table
        .find(id)
        .select(GroupRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_name(conn: &mut DbConn, name_zh: &str) -> QueryResult<Option<GroupRow>> {
    enterprise_groups::table
        .filter(enterprise_groups::name_zh.eq(name_zh))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()
}

/// Every group, by name.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<GroupRow>> {
    enterprise_groups::table
        .order(enterprise_groups::name_zh.asc())
        .select(GroupRow::as_select())
        .load(conn)
}

/// The enterprises of a group, by name.
pub fn members(conn: &mut DbConn, group: EnterpriseGroupId) -> QueryResult<Vec<EnterpriseRow>> {
    enterprises::table
        .filter(enterprises::group_id.eq(Some(group)))
        .order(enterprises::name_zh.asc())
        .select(EnterpriseRow::as_select())
        .load(conn)
}

/// Puts an enterprise into a group, or takes it out with `None`.
pub fn set_group(
    conn: &mut DbConn,
    enterprise: EnterpriseId,
    group: Option<EnterpriseGroupId>,
) -> QueryResult<()> {
    diesel::update(enterprises::table.find(enterprise))
        .set(enterprises::group_id.eq(group))
        .execute(conn)
        .map(|_| ())
}
