//! Applications: drafting, "not applicable" declarations, and every status change.

use std::sync::Arc;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::db::models::applications::{self as store, ApplicationRow};
use crate::db::models::{audit, catalog, enterprises, now, rounds};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::application::{
    check_request, check_scope_en, may_edit, may_view, missing_evidence,
};
use crate::domain::application_status::{
    actor_may, apply, Actor, Event, Refusal as StatusRefusal, Status,
};
use crate::domain::audit::{Actor as AuditActor, Kind};
use crate::domain::calendar::{registration_status, RegistrationWindow};
use crate::domain::catalog::Model;
use crate::domain::ids::{ApplicationId, RoundId, UserId};
use crate::domain::round::RoundRefusal;
use crate::mail::{self, Notification};
use crate::refusal::{event_action, registration_refusal, Code, Refusal};

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Draft {
    pub part_code: String,
    pub target_level: i64,
    #[schema(max_length = 2000)]
    pub scope: String,
    /// The scope in English, for the certificate; without one it prints the Chinese
    /// scope alone.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub scope_en: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    /// Whether the certificate may be listed in the public directory (`/directory`).
    #[serde(default)]
    pub directory_consent: bool,
    /// A re-assessment: the number of the enterprise's certificate for the same part that
    /// this application renews. Its certificate, once issued, replaces that one.
    #[serde(default)]
    pub renews: Option<String>,
}

fn round_model(
    conn: &mut DbConn,
    round_id: RoundId,
) -> Result<(rounds::RoundRow, Vec<String>, Arc<Model>), Refusal> {
    let r = rounds::get(conn, round_id)?.ok_or(Refusal::NotFound)?;
    let parts = rounds::parts(conn, round_id)?;
    let version = r.model_version_id;
    let model = catalog::get_version(conn, version)?
        .ok_or(Refusal::NotFound)?
        .model;
    Ok((r, parts, model))
}

/// Starts a draft application of the person's enterprise for one part of a round.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn create(
    conn: &mut DbConn,
    who: &Principal,
    round_id: RoundId,
    d: &Draft,
    address: &str,
) -> Result<ApplicationId, Refusal> {
    write_tx(conn, |conn| {
        let Some(enterprise_id) =
            enterprises::membership(conn, who.user_id)?.filter(|_| who.has(Role::Enterprise))
        else {
            return Err(Refusal::Invalid(Code::ApplicationNoEnterprise.into()));
        };
        let (round, open_parts, model) = round_model(conn, round_id)?;
        // A draft round is the secretariat's alone: enterprises cannot find it.
        if round.published_at.is_none() {
            return Err(Refusal::NotFound);
        }
        let req = check_request(
            &model,
            &open_parts,
            &d.part_code,
            d.target_level,
            &d.scope,
            &d.contact_name,
            &d.contact_email,
        )
        .map_err(|r| Refusal::Invalid(r.into()))?;
        let scope_en =
            check_scope_en(d.scope_en.as_deref()).map_err(|r| Refusal::Invalid(r.into()))?;
        if store::exists_for_part(conn, round_id, enterprise_id, &req.part_code)? {
            return Err(Refusal::Conflict(
                Code::ApplicationPartTaken.with("part", &req.part_code),
            ));
        }
        let id = ApplicationId::new();
        let t = now();
        store::insert(
            conn,
            &store::NewApplication {
                id,
                round_id,
                enterprise_id,
                part_code: &req.part_code,
                target_level: req.target_level as i32,
                scope: &req.scope,
                scope_en: scope_en.as_deref(),
                contact_name: &req.contact_name,
                contact_email: &req.contact_email,
                status: Status::Draft,
                created_at: t,
                updated_at: t,
            },
        )?;
        if d.directory_consent {
            store::set_directory_consent(conn, id, true)?;
        }
        let renews = match d.renews.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(number) => Some(super::renewals::record_renewal(
                conn,
                id,
                enterprise_id,
                &req.part_code,
                number,
            )?),
            None => None,
        };
        audit::append(
            conn,
            &AuditActor::user(who.user_id, address),
            Kind::ApplicationCreated,
            ("application", &id),
            serde_json::json!({
                "round_id": round_id, "enterprise_id": enterprise_id,
                "part": req.part_code, "target_level": req.target_level,
                "directory_consent": d.directory_consent, "renews": renews,
            }),
        )?;
        Ok(id)
    })
}

/// The application if this person may see it; `NotFound` otherwise, exactly as for an
/// id that does not exist.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn visible(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
) -> Result<ApplicationRow, Refusal> {
    let app = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let member_of = enterprises::membership(conn, who.user_id)?;
    if may_view(who, app.enterprise_id, member_of) {
        Ok(app)
    } else {
        Err(Refusal::NotFound)
    }
}

/// Items of the application's part still lacking evidence or a declaration.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn missing_items(conn: &mut DbConn, app: &ApplicationRow) -> Result<Vec<String>, Refusal> {
    let (_, _, model) = round_model(conn, app.round_id)?;
    let part = model.part(&app.part_code).ok_or(Refusal::NotFound)?;
    let with_evidence = store::items_with_evidence(conn, app.id)?;
    let exempt: BTreeSet<String> = store::exemptions(conn, app.id)?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    Ok(missing_evidence(part, &with_evidence, &exempt))
}

/// Declares a capability item not applicable, with the reason, while the application is
/// a draft.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn declare_not_applicable(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
    item: &str,
    reason: &str,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let app = visible(conn, who, id)?;
        let member_of = enterprises::membership(conn, who.user_id)?;
        if !may_edit(who, app.enterprise_id, member_of) {
            return Err(Refusal::Forbidden(Code::ApplicationEditForbidden.into()));
        }
        if app.status != Status::Draft {
            return Err(Refusal::Conflict(Code::ApplicationItemsLocked.into()));
        }
        let (_, _, model) = round_model(conn, app.round_id)?;
        let part = model.part(&app.part_code).ok_or(Refusal::NotFound)?;
        if !part
            .domains
            .iter()
            .flat_map(|d| &d.items)
            .any(|i| i.code == item)
        {
            return Err(Refusal::Invalid(
                Code::UnknownCapabilityItem
                    .with("part", &app.part_code)
                    .with("item", item),
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Refusal::Invalid(Code::ExemptionReasonMissing.into()));
        }
        store::set_exemption(conn, id, item, reason, who.user_id)?;
        audit::append(
            conn,
            &AuditActor::user(who.user_id, address),
            Kind::ItemNotApplicable,
            ("application", &id),
            serde_json::json!({ "item": item, "reason": reason }),
        )?;
        Ok(())
    })
}

/// The event a request names, with its reason.
pub fn parse_event(name: &str, reason: Option<&str>) -> Result<Event, Refusal> {
    let reason = reason.unwrap_or("").to_string();
    Ok(match name {
        "submit" => Event::Submit,
        "accept" => Event::Accept,
        "reject" => Event::Reject { reason },
        "start_assessment" => Event::StartAssessment,
        "withdraw" => Event::Withdraw { reason },
        "certify" => Event::Certify,
        "complete_scoring" => Event::CompleteScoring,
        "send_to_review" => Event::SendToReview,
        "approve" => Event::Approve,
        "return" => Event::Return {
            reasons: vec![reason],
        },
        other => return Err(Refusal::Invalid(Code::UnknownAction.with("action", other))),
    })
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Submit => "submit",
        Event::Accept => "accept",
        Event::Reject { .. } => "reject",
        Event::StartAssessment => "start_assessment",
        Event::CompleteScoring => "complete_scoring",
        Event::SendToReview => "send_to_review",
        Event::Approve => "approve",
        Event::Return { .. } => "return",
        Event::Certify => "certify",
        Event::Withdraw { .. } => "withdraw",
        Event::ReopenOnAppeal => "reopen_on_appeal",
    }
}

fn reason_of(e: &Event) -> Option<String> {
    match e {
        Event::Reject { reason } | Event::Withdraw { reason } => Some(reason.trim().to_string()),
        Event::Return { reasons } => Some(reasons.join("\n")),
        _ => None,
    }
}

/// The status `event` moves the application to: a wrong state is a conflict, a missing
/// reason an incomplete request.
fn next_status(app: &ApplicationRow, event: &Event) -> Result<Status, Refusal> {
    apply(app.status, event).map_err(|r| match r {
        StatusRefusal::WrongState { .. } => Refusal::Conflict(r.into()),
        StatusRefusal::ReasonMissing { .. } => Refusal::Invalid(r.into()),
    })
}

/// Records the move to `to`, unless the application changed since it was read.
fn record_status(
    conn: &mut DbConn,
    app: &ApplicationRow,
    to: Status,
    name: &str,
    reason: Option<&str>,
    by: UserId,
) -> Result<(), Refusal> {
    if !store::set_status(conn, app.id, app.status, to, name, reason, by)? {
        return Err(Refusal::Conflict(Code::ApplicationChangedMeanwhile.into()));
    }
    Ok(())
}

/// Moves an application by one event of the status machine and records it (for use cases
/// whose own rules were checked already: panels, scoring, review, certificates).
pub(crate) fn move_status(
    conn: &mut DbConn,
    app: &ApplicationRow,
    event: &Event,
    name: &str,
    reason: Option<&str>,
    by: UserId,
) -> Result<Status, Refusal> {
    let to = next_status(app, event)?;
    record_status(conn, app, to, name, reason, by)?;
    Ok(to)
}

/// Applies one status change in one transaction: who may, whether the state allows it,
/// and for submission the registration window and the evidence.
// Each argument is one distinct input of the decision; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn transition(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
    event: &Event,
    calendars: &crate::workflow::calendars::Store,
    at: DateTime<Utc>,
    address: &str,
) -> Result<Status, Refusal> {
    write_tx(conn, |conn| {
        let app = visible(conn, who, id)?;
        let member_of = enterprises::membership(conn, who.user_id)?;
        let actor = if may_edit(who, app.enterprise_id, member_of) {
            Actor::Enterprise
        } else {
            Actor::Secretariat
        };
        let allowed =
            actor_may(actor, event) && (actor == Actor::Enterprise || who.has(Role::Secretariat));
        if !allowed {
            return Err(Refusal::Forbidden(
                Code::ActionForbidden.with("action", event_action(event)),
            ));
        }
        let from = app.status;
        let to = next_status(&app, event)?;
        if *event == Event::Submit {
            let (r, _, _) = round_model(conn, app.round_id)?;
            let window = RegistrationWindow::new(r.registration_opens, r.registration_closes)
                .map_err(|w| Refusal::Invalid(RoundRefusal::from(w).into()))?;
            let calendars = calendars.load(conn)?;
            if let Some(reason) = registration_refusal(&registration_status(window, &calendars, at))
            {
                return Err(Refusal::Conflict(reason));
            }
            let e = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
            if e.verified_at.is_none() {
                return Err(Refusal::Conflict(Code::EnterpriseNotVerified.into()));
            }
            let missing = missing_items(conn, &app)?;
            if !missing.is_empty() {
                return Err(Refusal::Conflict(
                    Code::EvidenceMissing
                        .with("count", missing.len())
                        .with("items", missing.clone()),
                ));
            }
        }
        record_status(
            conn,
            &app,
            to,
            event_name(event),
            reason_of(event).as_deref(),
            who.user_id,
        )?;
        audit::append(
            conn,
            &AuditActor::user(who.user_id, address),
            Kind::ApplicationTransition,
            ("application", &id),
            serde_json::json!({
                "event": event_name(event), "from": from.as_str(), "to": to.as_str(),
                "reason": reason_of(event),
            }),
        )?;
        let e = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
        let (application_id, part, enterprise_name) = (id, app.part_code.clone(), e.name_zh);
        let message = match event {
            Event::Submit => Some(Notification::ApplicationSubmitted {
                application_id,
                part,
                enterprise_name,
            }),
            Event::Accept => Some(Notification::ApplicationAccepted {
                application_id,
                part,
                enterprise_name,
            }),
            Event::Return { .. } => Some(Notification::ApplicationReturned {
                application_id,
                part,
                enterprise_name,
                reason: reason_of(event).unwrap_or_default(),
            }),
            Event::Approve => Some(Notification::ApplicationApproved {
                application_id,
                part,
                enterprise_name,
            }),
            _ => None,
        };
        if let Some(m) = message {
            mail::enqueue_to_enterprise(conn, app.enterprise_id, &m)?;
        }
        Ok(to)
    })
}
