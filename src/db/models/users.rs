//! Accounts (people), their roles, language and password.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{user_roles, users};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::account::{DisplayName, Email};
use crate::domain::audit::{Actor, Kind};
use crate::domain::ids::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub lang: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    id: UserId,
    email: &'a str,
    display_name: &'a str,
    password_hash: &'a str,
    lang: &'a str,
    created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    email: &Email,
    name: &DisplayName,
    password_hash: &str,
    roles: &[Role],
) -> QueryResult<UserId> {
    let id = UserId::new();
    diesel::insert_into(users::table)
        .values(NewUser {
            id,
            email: email.as_str(),
            display_name: name.as_str(),
            password_hash,
            lang: "zh-CN",
            created_at: super::now(),
        })
        .execute(conn)?;
    for role in roles {
        add_role(conn, id, *role)?;
    }
    Ok(id)
}

pub fn add_role(conn: &mut DbConn, id: UserId, role: Role) -> QueryResult<()> {
    let exists = user_roles::table
        .filter(user_roles::user_id.eq(id))
        .filter(user_roles::role.eq(role))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        diesel::insert_into(user_roles::table)
            .values((user_roles::user_id.eq(id), user_roles::role.eq(role)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_by_email(conn: &mut DbConn, email: &Email) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn roles(conn: &mut DbConn, id: UserId) -> QueryResult<BTreeSet<Role>> {
    let roles: Vec<Role> = user_roles::table
        .filter(user_roles::user_id.eq(id))
        .select(user_roles::role)
        .load(conn)?;
    Ok(roles.into_iter().collect())
}

/// The principal for an enabled user, or None if the user is gone or disabled.
pub fn principal(conn: &mut DbConn, id: UserId) -> QueryResult<Option<Principal>> {
    let row: Option<(String, String, Option<NaiveDateTime>)> = users::table
        .find(id)
        .select((users::email, users::display_name, users::disabled_at))
        .first(conn)
        .optional()?;
    match row {
        Some((email, display_name, None)) => Ok(Some(Principal {
            user_id: id,
            email,
            display_name,
            roles: roles(conn, id)?,
        })),
        _ => Ok(None),
    }
}

/// Disables the account from the command line; see [`disable_as`].
pub fn disable(conn: &mut DbConn, email: &Email) -> QueryResult<bool> {
    disable_as(conn, email, &Actor::console("command line"))
}

/// Disables the account and ends its sessions and tokens in the same transaction, with
/// its audit entry.
pub fn disable_as(conn: &mut DbConn, email: &Email, actor: &Actor) -> QueryResult<bool> {
    crate::db::write_tx(conn, |conn| {
        let Some(user) = find_by_email(conn, email)? else {
            return Ok(false);
        };
        diesel::update(users::table.find(&user.id))
            .set(users::disabled_at.eq(Some(super::now())))
            .execute(conn)?;
        super::sessions::end_all_sessions(conn, user.id)?;
        super::audit::append(
            conn,
            actor,
            Kind::UserDisabled,
            ("user", &user.id),
            serde_json::json!({ "email": email.as_str() }),
        )?;
        Ok(true)
    })
}

pub fn set_lang(conn: &mut DbConn, id: UserId, lang: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::lang.eq(lang))
        .execute(conn)?;
    Ok(())
}

pub fn set_password(conn: &mut DbConn, user: UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// (id, display name) of the people holding a role, by name.
pub fn people_with_role(conn: &mut DbConn, role: Role) -> QueryResult<Vec<(UserId, String)>> {
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq(role))
        .filter(users::disabled_at.is_null())
        .order(users::display_name.asc())
        .select((users::id, users::display_name))
        .load(conn)
}

/// An account of a bulk load, with its roles.
pub struct BulkUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

/// Inserts many new accounts sharing one password hash (bulk loads).
pub fn insert_many(
    conn: &mut DbConn,
    people: &[BulkUser],
    password_hash: &str,
) -> QueryResult<usize> {
    let now = super::now();
    let rows: Vec<NewUser<'_>> = people
        .iter()
        .map(|p| NewUser {
            id: p.id,
            email: &p.email,
            display_name: &p.display_name,
            password_hash,
            lang: "zh-CN",
            created_at: now,
        })
        .collect();
    let roles: Vec<_> = people
        .iter()
        .flat_map(|p| {
            p.roles
                .iter()
                .map(move |r| (user_roles::user_id.eq(p.id), user_roles::role.eq(*r)))
        })
        .collect();
    super::insert_all!(conn, users::table, &rows)?;
    super::insert_all!(conn, user_roles::table, &roles)?;
    Ok(rows.len())
}
