//! Enterprise groups (secretariat): a parent and its sister companies. A tie to any
//! enterprise of a group is a tie to each of its applications, for the panel rules
//! (`domain::panel::conflicts`) and the review panel's recusal alike.

use serde::{Deserialize, Serialize};

use crate::db::models::enterprise_groups::{self as store, GroupRow};
use crate::db::models::{audit, enterprises};
use crate::db::{write_tx, DbConn};
use crate::domain::access::Principal;
use crate::domain::account::DisplayName;
use crate::domain::audit::{Actor, Kind};
use crate::domain::ids::{EnterpriseGroupId, EnterpriseId, Named, OrganisationId};
use crate::refusal::{Code, Reason, Refusal};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct GroupInput {
    pub name_zh: String,
    pub name_en: Option<String>,
}

/// Creates a group (secretariat); its Chinese name is unique.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn create(
    conn: &mut DbConn,
    who: &Principal,
    g: &GroupInput,
    address: &str,
) -> Result<EnterpriseGroupId, Refusal> {
    let name_zh = DisplayName::parse(&g.name_zh)
        .map_err(|e| Refusal::Invalid(Code::GroupNameInvalid.with("reason", Reason::from(e))))?;
    let name_en = match g
        .name_en
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => Some(DisplayName::parse(n).map_err(|e| {
            Refusal::Invalid(Code::GroupEnglishNameInvalid.with("reason", Reason::from(e)))
        })?),
        None => None,
    };
    write_tx(conn, |conn| {
        if store::by_name(conn, name_zh.as_str())?.is_some() {
            return Err(Refusal::Conflict(
                Code::GroupExists.with("name", name_zh.as_str()),
            ));
        }
        let id = EnterpriseGroupId::new();
        let name_en = name_en.as_ref().map(DisplayName::as_str);
        store::insert(conn, id, name_zh.as_str(), name_en)?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::EnterpriseGroupCreated,
            ("enterprise_group", &id),
            serde_json::json!({ "name_zh": name_zh.as_str(), "name_en": name_en }),
        )?;
        Ok(id)
    })
}

/// Puts an enterprise into a group (secretariat). An enterprise belongs to at most one
/// group: one that is in another must be taken out of it first. A malformed group id is
/// refused like an unknown one.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn join(
    conn: &mut DbConn,
    who: &Principal,
    enterprise_id: EnterpriseId,
    group_id: Named<EnterpriseGroupId>,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let e = enterprises::get(conn, enterprise_id)?.ok_or(Refusal::NotFound)?;
        let unknown = || Refusal::Invalid(Code::GroupUnknown.into());
        let group_id = group_id.id().ok_or_else(unknown)?;
        let g = store::get(conn, group_id)?.ok_or_else(unknown)?;
        match e.group_id {
            None => {}
            Some(current) if current == g.id => {
                return Err(Refusal::Conflict(
                    Code::AlreadyInGroup
                        .with("enterprise", &e.name_zh)
                        .with("group", &g.name_zh),
                ))
            }
            Some(current) => {
                let other = store::get(conn, current)?.map_or_else(String::new, |o| o.name_zh);
                return Err(Refusal::Conflict(
                    Code::InOtherGroup
                        .with("enterprise", &e.name_zh)
                        .with("group", other),
                ));
            }
        }
        store::set_group(conn, e.id, Some(g.id))?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::EnterpriseJoinedGroup,
            ("enterprise", &e.id),
            serde_json::json!({ "group_id": g.id, "group": g.name_zh }),
        )?;
        Ok(())
    })
}

/// Takes an enterprise out of its group (secretariat).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn leave(
    conn: &mut DbConn,
    who: &Principal,
    enterprise_id: EnterpriseId,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let e = enterprises::get(conn, enterprise_id)?.ok_or(Refusal::NotFound)?;
        let Some(group_id) = e.group_id else {
            return Err(Refusal::Conflict(
                Code::InNoGroup.with("enterprise", &e.name_zh),
            ));
        };
        let name = store::get(conn, group_id)?.map_or_else(String::new, |g| g.name_zh);
        store::set_group(conn, e.id, None)?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::EnterpriseLeftGroup,
            ("enterprise", &e.id),
            serde_json::json!({ "group_id": group_id, "group": name }),
        )?;
        Ok(())
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupMember {
    pub id: EnterpriseId,
    pub name_zh: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub id: EnterpriseGroupId,
    pub name_zh: String,
    pub name_en: Option<String>,
    /// Its enterprises, by name.
    pub enterprises: Vec<GroupMember>,
}

/// Every group with its enterprises.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn groups(conn: &mut DbConn) -> Result<Vec<GroupView>, Refusal> {
    let mut out = Vec::new();
    for GroupRow {
        id,
        name_zh,
        name_en,
        ..
    } in store::list(conn)?
    {
        let enterprises = store::members(conn, id)?
            .into_iter()
            .map(|e| GroupMember {
                id: e.id,
                name_zh: e.name_zh,
            })
            .collect();
        out.push(GroupView {
            id,
            name_zh,
            name_en,
            enterprises,
        });
    }
    Ok(out)
}

/// What an enterprise is tied to through its group: the group's own id (a conflict may be
/// declared with the group) and its other enterprises. Empty outside any group.
pub fn ties(
    conn: &mut DbConn,
    enterprise_id: EnterpriseId,
) -> Result<Vec<OrganisationId>, Refusal> {
    let Some(group) = enterprises::get(conn, enterprise_id)?.and_then(|e| e.group_id) else {
        return Ok(vec![]);
    };
    Ok(ties_within(
        group,
        &group_members(conn, group)?,
        enterprise_id,
    ))
}

/// A group's member enterprises: read once for all the applications of a group's
/// enterprises (see [`ties_within`]).
pub fn group_members(
    conn: &mut DbConn,
    group: EnterpriseGroupId,
) -> Result<Vec<EnterpriseId>, Refusal> {
    Ok(store::members(conn, group)?
        .into_iter()
        .map(|e| e.id)
        .collect())
}

/// [`ties`] of `enterprise_id` in `group`, from the group's members.
pub fn ties_within(
    group: EnterpriseGroupId,
    members: &[EnterpriseId],
    enterprise_id: EnterpriseId,
) -> Vec<OrganisationId> {
    let sisters = members
        .iter()
        .filter(|id| **id != enterprise_id)
        .map(|id| OrganisationId::from(*id));
    std::iter::once(group.into()).chain(sisters).collect()
}
