//! Accounts: adding a person with their roles (signing in is in `sessions`).

use crate::auth;
use crate::db::models::{audit, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::Role;
use crate::domain::account::{DisplayName, Email, Password};
use crate::domain::audit::{Actor, Kind};
use crate::domain::ids::UserId;
use crate::refusal::{Code, Refusal};

#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn add_user(
    conn: &mut DbConn,
    email: &Email,
    name: &DisplayName,
    password: &Password,
    roles: &[Role],
) -> Result<UserId, Refusal> {
    if roles.is_empty() {
        return Err(Refusal::Invalid(Code::UserNeedsRole.into()));
    }
    add_user_with_hash(conn, email, name, &auth::hash_password(password), roles)
}

/// [`add_user`] with the password already hashed: on the password threads (the command
/// line), or once for the demo's many accounts that share one password.
pub fn add_user_with_hash(
    conn: &mut DbConn,
    email: &Email,
    name: &DisplayName,
    hash: &str,
    roles: &[Role],
) -> Result<UserId, Refusal> {
    if roles.is_empty() {
        return Err(Refusal::Invalid(Code::UserNeedsRole.into()));
    }
    write_tx(conn, |conn| {
        if users::find_by_email(conn, email)?.is_some() {
            return Err(Refusal::Conflict(
                Code::AccountExists.with("email", email.as_str()),
            ));
        }
        let id = users::insert(conn, email, name, hash, roles)?;
        let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        audit::append(
            conn,
            &Actor::console("command line"),
            Kind::UserAdded,
            ("user", &id.to_string()),
            serde_json::json!({ "email": email.as_str(), "name": name.as_str(), "roles": roles }),
        )?;
        Ok(id)
    })
}
