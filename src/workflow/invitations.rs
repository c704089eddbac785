//! An enterprise's administrator invites colleagues by e-mail; the invited person
//! accepts with a new account or the one they are signed in with.

use crate::auth;
use crate::db::models::{audit, enterprises, invitations, now, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::account::{DisplayName, Email, Password};
use crate::domain::audit::{Actor, Kind};
use crate::domain::i18n::Lang;
use crate::domain::ids::{InvitationId, UserId};
use crate::domain::invitation::{check_link, invitation_expiry};
use crate::mail::{self, Notification, Recipient};
use crate::refusal::{Code, Reason, Refusal};

fn refused(r: crate::domain::invitation::LinkRefusal) -> Refusal {
    Refusal::Conflict(Code::InvitationLinkRefused.with("reason", Reason::from(r)))
}

/// Invites a colleague; only the enterprise's administrator may. Returns the
/// invitation's id (the token itself goes only into the e-mail).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn invite(
    conn: &mut DbConn,
    who: &Principal,
    email_text: &str,
    lang: Lang,
    base_url: &str,
    address: &str,
) -> Result<InvitationId, Refusal> {
    let email = Email::parse(email_text).map_err(|e| {
        Refusal::Invalid(Code::InvitationEmailInvalid.with("reason", Reason::from(e)))
    })?;
    write_tx(conn, |conn| {
        let enterprise_id = match enterprises::membership_role(conn, who.user_id)? {
            Some((id, true)) if who.has(Role::Enterprise) => id,
            _ => return Err(Refusal::Forbidden(Code::InviteForbidden.into())),
        };
        let existing = users::find_by_email(conn, &email)?;
        if let Some(u) = &existing {
            if enterprises::membership(conn, u.id)?.is_some() {
                return Err(Refusal::Conflict(
                    Code::AlreadyInEnterprise.with("email", email.as_str()),
                ));
            }
        }
        let e = enterprises::get(conn, enterprise_id)?.ok_or(Refusal::NotFound)?;
        let token = auth::new_token();
        let expires_at = invitation_expiry(now());
        let id = invitations::insert_invitation(
            conn,
            &invitations::NewInvitation {
                token_hash: &auth::token_hash(&token),
                enterprise_id,
                email: email.as_str(),
                invited_by: who.user_id,
                expires_at,
            },
        )?;
        let to = match &existing {
            Some(u) => mail::recipient(conn, u.id)?,
            None => None,
        }
        .unwrap_or_else(|| Recipient {
            user_id: None,
            email: email.as_str().to_string(),
            name: email.as_str().to_string(),
            lang,
        });
        mail::enqueue(
            conn,
            &to,
            &Notification::Invitation {
                enterprise_name: e.name_zh,
                inviter_name: who.display_name.clone(),
                accept_url: format!("{base_url}/invitations/{token}"),
                expires_at,
            },
        )?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::InvitationSent,
            ("enterprise", &enterprise_id),
            serde_json::json!({ "invitation_id": id, "email": email.as_str() }),
        )?;
        Ok(id)
    })
}

/// What the invitation page shows before accepting.
pub struct Pending {
    pub email: String,
    pub enterprise_name: String,
}

/// The invitation behind a token if it can still be accepted.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn pending(conn: &mut DbConn, token: &str) -> Result<Pending, Refusal> {
    let inv =
        invitations::find_invitation(conn, &auth::token_hash(token))?.ok_or(Refusal::NotFound)?;
    check_link(inv.expires_at, inv.accepted_at, now()).map_err(refused)?;
    let e = enterprises::get(conn, inv.enterprise_id)?.ok_or(Refusal::NotFound)?;
    Ok(Pending {
        email: inv.email,
        enterprise_name: e.name_zh,
    })
}

/// How the invited person accepts.
pub enum Acceptance {
    /// A new account for the invited address: its name and password hash (see
    /// [`new_account`]).
    NewAccount {
        name: DisplayName,
        password_hash: String,
    },
    /// The account the person is signed in with; its e-mail must be the invited one.
    Existing(Principal),
}

/// The name and password of a new account accepting an invitation, checked before the
/// (slow) password hashing, which the caller does with no connection held.
pub fn new_account(name: &str, password: &str) -> Result<(DisplayName, Password), Refusal> {
    let name = DisplayName::parse(name).map_err(|e| {
        Refusal::Invalid(Code::InvitationNameInvalid.with("reason", Reason::from(e)))
    })?;
    let password = Password::parse(password).map_err(|e| {
        Refusal::Invalid(Code::InvitationPasswordInvalid.with("reason", Reason::from(e)))
    })?;
    Ok((name, password))
}

/// Accepts an invitation: the person becomes a member (enterprise role) of the inviting
/// enterprise. Returns their user id. The caller checks [`pending`] before hashing a new
/// account's password; it is checked again here, in the transaction.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn accept(
    conn: &mut DbConn,
    token: &str,
    how: &Acceptance,
    address: &str,
) -> Result<UserId, Refusal> {
    let token_hash = auth::token_hash(token);
    write_tx(conn, |conn| {
        let inv = invitations::find_invitation(conn, &token_hash)?.ok_or(Refusal::NotFound)?;
        check_link(inv.expires_at, inv.accepted_at, now()).map_err(refused)?;
        let email = Email::parse(&inv.email).map_err(|e| Refusal::Invalid(e.into()))?;
        let user_id = match how {
            Acceptance::NewAccount {
                name,
                password_hash: hash,
            } => {
                if users::find_by_email(conn, &email)?.is_some() {
                    return Err(Refusal::Conflict(
                        Code::InvitationAccountExists.with("email", email.as_str()),
                    ));
                }
                let id = users::insert(conn, &email, name, hash, &[Role::Enterprise])?;
                audit::append(
                    conn,
                    &Actor::user(id, address),
                    Kind::UserAdded,
                    ("user", &id.to_string()),
                    serde_json::json!({ "email": email.as_str(), "name": name.as_str(), "roles": ["enterprise"], "invitation_id": inv.id }),
                )?;
                id
            }
            Acceptance::Existing(p) => {
                if p.email != email.as_str() {
                    return Err(Refusal::Forbidden(Code::InvitationOtherAddress.into()));
                }
                if enterprises::membership(conn, p.user_id)?.is_some() {
                    return Err(Refusal::Conflict(Code::YouAlreadyBelong.into()));
                }
                if !p.has(Role::Enterprise) {
                    users::add_role(conn, p.user_id, Role::Enterprise)?;
                    audit::append(
                        conn,
                        &Actor::user(p.user_id, address),
                        Kind::RoleGranted,
                        ("user", &p.user_id.to_string()),
                        serde_json::json!({ "role": "enterprise", "invitation_id": inv.id }),
                    )?;
                }
                p.user_id
            }
        };
        if !invitations::accept_invitation(conn, inv.id, user_id)? {
            return Err(refused(crate::domain::invitation::LinkRefusal::Used));
        }
        enterprises::add_member(conn, user_id, inv.enterprise_id)?;
        audit::append(
            conn,
            &Actor::user(user_id, address),
            Kind::InvitationAccepted,
            ("enterprise", &inv.enterprise_id),
            serde_json::json!({ "invitation_id": inv.id }),
        )?;
        Ok(user_id)
    })
}
