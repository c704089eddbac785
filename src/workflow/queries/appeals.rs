//! Appeals as each party reads them: the secretariat's queue, the enterprise's own, the
//! panel member's; one appeal; and the people the secretariat may put on its panel.

use serde::Serialize;

use crate::db::models::appeals::{self as store, AppealRow};
use crate::db::models::{applications as apps, enterprises, panels, users};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::appeal::{window_closes, Subject};
use crate::domain::ids::{AppealId, ApplicationId, UserId};
use crate::refusal::Refusal;
use crate::workflow::appeals::{parties, visible};
use crate::workflow::views::appeals::{appeal_view, AppealView, PanelMemberView, Reader};

fn reader(conn: &mut DbConn, who: &Principal, row: &AppealRow) -> Result<Reader, Refusal> {
    Ok(if who.has(Role::Secretariat) {
        Reader::Secretariat
    } else if store::panel(conn, row.id)?.contains(&who.user_id) {
        Reader::PanelMember
    } else {
        Reader::Enterprise
    })
}

fn view(
    conn: &mut DbConn,
    who: &Principal,
    row: AppealRow,
    window_days: i64,
) -> Result<AppealView, Refusal> {
    let reader = reader(conn, who, &row)?;
    let part = apps::get(conn, row.application_id)?
        .map(|a| a.part_code)
        .unwrap_or_default();
    let mut panel = Vec::new();
    for member in store::panel(conn, row.id)? {
        let name = users::principal(conn, member)?
            .map(|p| p.display_name)
            .unwrap_or_else(|| member.to_string());
        panel.push(PanelMemberView {
            user_id: member,
            name,
        });
    }
    let attachments = store::attachments(conn, row.id)?
        .into_iter()
        .map(crate::workflow::views::appeals::attachment_view)
        .collect();
    Ok(AppealView {
        attachments,
        ..appeal_view(row, part, panel, reader, window_days)
    })
}

/// The appeals the person may see: all for the secretariat (`open` only: not yet closed),
/// their enterprise's, and those whose panel they sit on.
pub fn list(
    conn: &mut DbConn,
    who: &Principal,
    open: bool,
    window_days: i64,
) -> Result<Vec<AppealView>, Refusal> {
    let mut rows = if who.has(Role::Secretariat) {
        store::list(conn, open)?
    } else {
        let mut rows = store::of_panel_member(conn, who.user_id)?;
        if who.has(Role::Enterprise) {
            if let Some(e) = enterprises::membership(conn, who.user_id)? {
                rows.extend(store::of_enterprise(conn, e)?);
            }
        }
        rows
    };
    if open {
        rows.retain(|r| !r.status.is_closed());
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.lodged_at));
    rows.dedup_by(|a, b| a.id == b.id);
    rows.into_iter()
        .map(|r| view(conn, who, r, window_days))
        .collect()
}

pub fn detail(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
    window_days: i64,
) -> Result<AppealView, Refusal> {
    let (row, _) = visible(conn, who, id)?;
    view(conn, who, row, window_days)
}

/// The appeals of one application the person may see (its page lists them).
pub fn of_application(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    window_days: i64,
) -> Result<Vec<AppealView>, Refusal> {
    crate::workflow::applications::visible(conn, who, application)?;
    store::of_application(conn, application)?
        .into_iter()
        .map(|r| view(conn, who, r, window_days))
        .collect()
}

/// A person the secretariat could put on the appeal's panel, and why not if excluded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub user_id: UserId,
    pub name: String,
    /// `assessed`, `reviewed` or `decided` when the person took part in the case.
    pub excluded: Option<String>,
}

/// The assessor registry and the review members, each marked when they took part in the
/// case (secretariat only).
pub fn panel_candidates(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
) -> Result<Vec<CandidateView>, Refusal> {
    let (row, app) = visible(conn, who, id)?;
    if !who.has(Role::Secretariat) {
        return Err(Refusal::NotFound);
    }
    let parties = parties(conn, &row, &app)?;
    let mut people: Vec<(UserId, String)> = panels::profiles(conn)?
        .into_iter()
        .map(|(p, name)| (p.user_id, name))
        .collect();
    people.extend(users::people_with_role(conn, Role::Reviewer)?);
    people.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    people.dedup_by(|a, b| a.0 == b.0);
    Ok(people
        .into_iter()
        .map(|(user_id, name)| CandidateView {
            excluded: parties.involvement(user_id).map(|i| i.as_str().to_string()),
            user_id,
            name,
        })
        .collect())
}

/// A decision the enterprise could appeal, as its appeal form offers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealableDecision {
    /// The form's value: the subject, or `certificate_decision:<number>:<index>`.
    pub decision: String,
    pub subject: String,
    pub certificate_number: Option<String>,
    pub decided_at: chrono::DateTime<chrono::Utc>,
    pub window_closes_at: chrono::DateTime<chrono::Utc>,
    /// Still within the window.
    pub open: bool,
}

/// The decisions on the enterprise's application it could appeal (its members only).
pub fn appealable(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    window_days: i64,
) -> Result<Vec<AppealableDecision>, Refusal> {
    let app = crate::workflow::applications::visible(conn, who, application)?;
    if !(who.has(Role::Enterprise)
        && enterprises::membership(conn, who.user_id)? == Some(app.enterprise_id))
    {
        return Err(Refusal::NotFound);
    }
    let now = chrono::Utc::now();
    Ok(crate::workflow::appeals::decisions_of(conn, &app)?
        .into_iter()
        .map(|(subject, at)| {
            let decided_at = at.and_utc();
            let closes = window_closes(decided_at, window_days);
            let (decision, number) = match &subject {
                Subject::CertificateDecision { number, log_index } => (
                    format!("certificate_decision:{number}:{log_index}"),
                    Some(number.clone()),
                ),
                Subject::ApplicationResult(_) => (subject.kind().to_string(), None),
            };
            AppealableDecision {
                decision,
                subject: subject.kind().to_string(),
                certificate_number: number,
                decided_at,
                window_closes_at: closes,
                open: now <= closes,
            }
        })
        .collect())
}
