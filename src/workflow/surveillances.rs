//! Surveillance of certificates in force: the secretariat plans one (the next yearly one,
//! or at short notice after a complaint) and assigns one or two assessors; the enterprise
//! uploads evidence for the selected items through the ordinary evidence upload; the
//! assessors score those items; the secretariat concludes, and the outcome is one of the
//! certificate's own decisions (maintain, reduce scope, suspend), taken in the same
//! transaction.

use chrono::{Months, NaiveDate, Utc};
use serde::Deserialize;

use super::certificates::{self as certs, Issuer};
use super::evidence::part_of;
use super::panel_notices::to_user;
use super::panels::{application_facts, assessor_facts};
use crate::db::models::audit;
use crate::db::models::complaints as complaint_store;
use crate::db::models::renewals as reminders;
use crate::db::models::surveillances::{self as store, Conclusion, ItemRow, SurveillanceRow};
use crate::db::models::users;
use crate::db::models::{certificates as cert_store, now};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::audit::{Actor, Kind};
use crate::domain::certificate_status::CertState;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::ids::{ComplaintId, SurveillanceId, UserId};
use crate::domain::surveillance::{
    self as rules, check_assessors, check_short_notice, check_text, missing_scores, next_due,
    score_level, select_items, Origin, Outcome, SurveillanceEvent, SurveillanceStatus,
    SurveillanceViolation,
};
use crate::mail::{self, Notification};
use crate::refusal::{Arg, Code, Reason, Refusal};

/// What the use cases need from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_url: String,
    /// Months between surveillances (the first counts from the certification decision).
    pub interval: Months,
    /// The longest suspension an outcome may decide.
    pub max_suspension: Months,
}

/// A surveillance's page, as mails link to it.
fn page_url(base_url: &str, id: SurveillanceId) -> String {
    format!("{}/surveillances/{id}", base_url.trim_end_matches('/'))
}

impl Settings {
    fn url(&self, id: SurveillanceId) -> String {
        page_url(&self.base_url, id)
    }

    fn issuer(&self, data_dir: std::path::PathBuf) -> Issuer {
        Issuer {
            data_dir,
            base_url: self.base_url.clone(),
        }
    }
}

/// A plan as the page or the API sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PlanRequest {
    /// The capability items to look at again (at least one, of the certified part).
    pub items: Vec<String>,
    /// A complaint whose investigation asked for a short-notice surveillance; the
    /// surveillance is then due on `due_on` instead of the plan's next date.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub complaint_id: Option<String>,
    /// `YYYY-MM-DD`; only for a short-notice surveillance.
    #[serde(default)]
    pub due_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AssessorsRequest {
    /// One or two assessor user ids.
    #[schema(value_type = Vec<String>)]
    pub assessors: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ScoreRequest {
    /// The level found, 0 to 5.
    pub level: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConclusionRequest {
    /// maintain, narrow or suspend.
    pub outcome: String,
    pub reason: String,
    /// For narrow: the reduced scope (Chinese required, English optional).
    #[serde(default)]
    pub scope_zh: Option<String>,
    #[serde(default)]
    pub scope_en: Option<String>,
    /// For suspend: the last day of the suspension, `YYYY-MM-DD`.
    #[serde(default)]
    pub until: Option<String>,
}

fn secretariat_only(who: &Principal) -> Result<(), Refusal> {
    if who.has(Role::Secretariat) {
        Ok(())
    } else {
        Err(Refusal::NotFound)
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Refusal::Invalid(Code::SuspensionUntilInvalid.into()))
}

fn step(
    conn: &mut DbConn,
    row: &SurveillanceRow,
    event: SurveillanceEvent,
) -> Result<SurveillanceStatus, Refusal> {
    let to = rules::apply(row.status, event)?;
    if to != row.status && !store::set_status(conn, row.id, row.status, to)? {
        return Err(Refusal::Conflict(Code::ChangedConcurrently.into()));
    }
    Ok(to)
}

/// Certificate `number` if a surveillance of it may be planned on `today` (in force,
/// within its validity, no other surveillance open), with its earlier surveillances.
pub(crate) fn plannable(
    conn: &mut DbConn,
    number: &str,
    today: NaiveDate,
) -> Result<(certs::Surveilled, Vec<SurveillanceRow>), Refusal> {
    let cert = certs::surveilled(conn, number)?;
    if cert.state != CertState::InForce {
        return Err(Refusal::Conflict(
            Code::CertificateNotInForce.with("state", cert.state.name()),
        ));
    }
    if today > cert.payload.valid_until {
        return Err(Refusal::Conflict(
            Code::CertificateExpired.with("valid_until", cert.payload.valid_until),
        ));
    }
    let earlier = store::of_certificate(conn, number)?;
    if earlier
        .iter()
        .any(|s| s.status != SurveillanceStatus::Concluded)
    {
        return Err(Refusal::Conflict(
            Code::SurveillanceAlreadyOpen.with("number", number),
        ));
    }
    Ok((cert, earlier))
}

/// Plans a surveillance of certificate `number`: the next yearly one of its plan, or, with
/// a complaint that asked for one, a short-notice one due on the given day. The
/// certificate must be in force and have no other open surveillance.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn plan(
    conn: &mut DbConn,
    who: &Principal,
    number: &str,
    req: &PlanRequest,
    settings: &Settings,
    today: NaiveDate,
    address: &str,
) -> Result<SurveillanceId, Refusal> {
    secretariat_only(who)?;
    let complaint = match req.complaint_id.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(text) => Some(
            text.parse::<ComplaintId>()
                .map_err(|_| Refusal::Invalid(Code::SurveillanceComplaintNotRequested.into()))?,
        ),
    };
    write_tx(conn, |conn| {
        let (cert, earlier) = plannable(conn, number, today)?;
        let part_items: Vec<String> = part_of(conn, &cert.app)?
            .domains
            .iter()
            .flat_map(|d| &d.items)
            .map(|i| i.code.clone())
            .collect();
        let items = select_items(&req.items, &part_items)?;
        let (origin, due_on) = match complaint {
            Some(id) => {
                let row = complaint_store::get(conn, id)?
                    .filter(|c| c.status != ComplaintStatus::Unconfirmed)
                    .ok_or(Refusal::NotFound)?;
                if row.surveillance_requested_at.is_none() {
                    return Err(Refusal::Conflict(
                        Code::SurveillanceComplaintNotRequested.into(),
                    ));
                }
                let due = parse_date(req.due_on.as_deref().unwrap_or(""))?;
                (
                    Origin::Complaint,
                    check_short_notice(due, today, cert.payload.valid_until)?,
                )
            }
            None => {
                let last = earlier
                    .iter()
                    .filter(|s| s.origin == Origin::Scheduled.as_str())
                    .map(|s| s.due_on)
                    .max();
                let due = next_due(
                    cert.payload.issue_date,
                    cert.payload.valid_until,
                    settings.interval,
                    last,
                )
                .ok_or(Refusal::Conflict(Code::SurveillanceNoneLeft.into()))?;
                (Origin::Scheduled, due)
            }
        };
        let id = SurveillanceId::new();
        let mut rows = Vec::with_capacity(items.len());
        for item in &items {
            rows.push(ItemRow {
                surveillance_id: id,
                item_code: item.clone(),
                evidence_version: store::next_evidence_version(conn, cert.app.id, item)?,
            });
        }
        let at = now();
        store::insert(
            conn,
            &SurveillanceRow {
                id,
                certificate_number: number.to_string(),
                application_id: cert.app.id,
                origin: origin.as_str().to_string(),
                complaint_id: complaint,
                due_on,
                status: SurveillanceStatus::Planned,
                planned_by: who.user_id,
                planned_at: at,
                outcome: None,
                outcome_reason: None,
                log_index: None,
                successor_number: None,
                concluded_by: None,
                concluded_at: None,
                updated_at: at,
            },
            &rows,
        )?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::SurveillancePlanned,
            ("surveillance", &id),
            serde_json::json!({
                "number": number,
                "origin": origin.as_str(),
                "complaint": complaint,
                "due_on": due_on,
                "items": items,
            }),
        )?;
        mail::enqueue_to_enterprise(
            conn,
            cert.app.enterprise_id,
            &Notification::SurveillancePlanned {
                certificate_id: number.to_string(),
                part: cert.app.part_code.clone(),
                due_on,
                items: items.join(", "),
                url: settings.url(id),
            },
        )?;
        Ok(id)
    })
}

fn problems(found: &[SurveillanceViolation]) -> Reason {
    let reasons: Vec<Reason> = found
        .iter()
        .map(|v| match v {
            SurveillanceViolation::Size { members } => Code::SurveillanceSize
                .with("members", *members)
                .with("min", rules::MIN_ASSESSORS)
                .with("max", rules::MAX_ASSESSORS),
            SurveillanceViolation::Panel(p) => Reason::from(p),
        })
        .collect();
    Code::SurveillanceAssessorProblems.with("problems", Arg::Reasons(reasons))
}

/// Sets the one or two assessors (secretariat), checked by the panel rules for the
/// certified application: qualified, certified, no conflict of interest. Possible until
/// the first score.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn assign(
    conn: &mut DbConn,
    who: &Principal,
    id: SurveillanceId,
    req: &AssessorsRequest,
    settings: &Settings,
    today: NaiveDate,
    address: &str,
) -> Result<(), Refusal> {
    secretariat_only(who)?;
    let chosen = req
        .assessors
        .iter()
        .map(|t| {
            t.trim()
                .parse::<UserId>()
                .map_err(|_| Refusal::Invalid(Code::AssessorIdInvalid.with("id", t.trim())))
        })
        .collect::<Result<Vec<UserId>, Refusal>>()?;
    write_tx(conn, |conn| {
        let row = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
        let app = crate::db::models::applications::get(conn, row.application_id)?
            .ok_or(Refusal::NotFound)?;
        let registry: Vec<_> = assessor_facts(conn)?.into_iter().map(|(f, _)| f).collect();
        check_assessors(&chosen, &registry, &application_facts(conn, &app)?, today)
            .map_err(|found| Refusal::Invalid(problems(&found)))?;
        step(conn, &row, SurveillanceEvent::Assign)?;
        store::set_assessors(conn, id, &chosen)?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::SurveillanceAssigned,
            ("surveillance", &id),
            serde_json::json!({ "assessors": chosen }),
        )?;
        let items: Vec<String> = store::items(conn, id)?
            .into_iter()
            .map(|i| i.item_code)
            .collect();
        for user in &chosen {
            if let Some(to) = mail::recipient(conn, *user)? {
                mail::enqueue(
                    conn,
                    &to,
                    &Notification::SurveillanceAssigned {
                        certificate_id: row.certificate_number.clone(),
                        part: app.part_code.clone(),
                        due_on: row.due_on,
                        items: items.join(", "),
                        url: settings.url(id),
                    },
                )?;
            }
        }
        Ok(())
    })
}

/// An assessor of the surveillance scores one of its selected items (again, until the
/// conclusion): a level 0 to 5 by the scoring rules and an optional note.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn score(
    conn: &mut DbConn,
    who: &Principal,
    id: SurveillanceId,
    item: &str,
    req: &ScoreRequest,
    address: &str,
) -> Result<(), Refusal> {
    let level = score_level(req.level)?;
    let note = check_text(&req.note, false)?;
    write_tx(conn, |conn| {
        let row = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
        if !store::assessors(conn, id)?.contains(&who.user_id) {
            return Err(Refusal::Forbidden(Code::SurveillanceNotAssessor.into()));
        }
        if !store::items(conn, id)?.iter().any(|i| i.item_code == item) {
            return Err(Refusal::Invalid(
                Code::SurveillanceNotSelected.with("item", item),
            ));
        }
        step(conn, &row, SurveillanceEvent::Work)?;
        store::put_score(
            conn,
            &store::ScoreRow {
                surveillance_id: id,
                item_code: item.to_string(),
                assessor_id: who.user_id,
                level: i32::from(level.get()),
                note: note.clone(),
                scored_at: now(),
            },
        )?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::SurveillanceScored,
            ("surveillance", &id),
            serde_json::json!({ "item": item, "level": level.get() }),
        )?;
        Ok(())
    })
}

/// Evidence arrived for a selected item: the surveillance is under way. Called by the
/// evidence upload inside its transaction.
pub(crate) fn evidence_arrived(conn: &mut DbConn, row: &SurveillanceRow) -> Result<(), Refusal> {
    if row.status == SurveillanceStatus::Assigned {
        step(conn, row, SurveillanceEvent::Work)?;
    }
    Ok(())
}

/// Concludes a surveillance (secretariat) once every assessor scored every selected
/// item. The outcome is the certificate's decision, taken in this transaction by the
/// certificate use cases: maintain (an issuance-log entry), narrow (the scope reduction,
/// a successor supersedes the certificate) or suspend.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn conclude(
    conn: &mut DbConn,
    who: &Principal,
    id: SurveillanceId,
    req: &ConclusionRequest,
    settings: &Settings,
    data_dir: std::path::PathBuf,
    address: &str,
) -> Result<(), Refusal> {
    secretariat_only(who)?;
    let until = match req.until.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(text) => Some(parse_date(text)?),
    };
    let outcome = Outcome::parse(
        &req.outcome,
        req.scope_zh.as_deref(),
        req.scope_en.as_deref(),
        until,
    )?;
    let reason = certs::decision_reason(&req.reason)?.to_string();
    let issuer = settings.issuer(data_dir);
    let actor = Actor::user(who.user_id, address);
    write_tx(conn, |conn| {
        let row = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
        rules::apply(row.status, SurveillanceEvent::Conclude)?;
        let items: Vec<String> = store::items(conn, id)?
            .into_iter()
            .map(|i| i.item_code)
            .collect();
        let assessors = store::assessors(conn, id)?;
        let scored: Vec<(String, UserId)> = store::scores(conn, id)?
            .into_iter()
            .map(|s| (s.item_code, s.assessor_id))
            .collect();
        let missing = missing_scores(&items, &assessors, &scored);
        if !missing.is_empty() {
            return Err(Refusal::Conflict(
                Code::SurveillanceScoresMissing.with("count", missing.len()),
            ));
        }
        let number = row.certificate_number.as_str();
        let (log_index, successor) = match &outcome {
            Outcome::Maintain => {
                let entry = certs::maintain_after_surveillance(conn, &actor, number, &reason)?;
                (entry.index, None)
            }
            Outcome::Narrow { scope_zh, scope_en } => {
                let successor = certs::reduce_scope(
                    conn,
                    &issuer,
                    &actor,
                    number,
                    (scope_zh.as_str(), scope_en.as_deref()),
                    &reason,
                )?;
                (last_entry(conn, number)?, Some(successor.number))
            }
            Outcome::Suspend { until } => {
                certs::suspend(
                    conn,
                    &issuer,
                    &actor,
                    number,
                    *until,
                    &reason,
                    settings.max_suspension,
                )?;
                (last_entry(conn, number)?, None)
            }
        };
        step(conn, &row, SurveillanceEvent::Conclude)?;
        store::conclude(
            conn,
            id,
            &Conclusion {
                outcome: outcome.kind(),
                reason: &reason,
                log_index: Some(log_index as i64),
                successor: successor.as_deref(),
                by: who.user_id,
            },
        )?;
        audit::append(
            conn,
            &actor,
            Kind::SurveillanceConcluded,
            ("surveillance", &id),
            serde_json::json!({
                "number": number,
                "outcome": outcome.kind(),
                "reason": reason,
                "log_index": log_index,
                "successor": successor,
            }),
        )?;
        let app = crate::db::models::applications::get(conn, row.application_id)?
            .ok_or(Refusal::NotFound)?;
        mail::enqueue_to_enterprise(
            conn,
            app.enterprise_id,
            &Notification::SurveillanceConcluded {
                certificate_id: number.to_string(),
                part: app.part_code.clone(),
                outcome: outcome.kind().to_string(),
                reason: reason.clone(),
                url: settings.url(id),
            },
        )?;
        Ok(())
    })
}

/// Reminds the secretariat and the enterprise, once per surveillance, that a surveillance
/// is overdue (its due day passed without a conclusion). Run by the background job; the
/// reminder's mark (beside the certificate's other reminders, as renewal invitations are
/// recorded) and its mails commit together, so however many instances run, each overdue
/// surveillance is reminded of once. The number reminded of.
#[tracing::instrument(skip_all)]
pub fn remind_overdue(
    conn: &mut DbConn,
    base_url: &str,
    today: NaiveDate,
) -> diesel::QueryResult<usize> {
    let mut sent = 0;
    for row in store::overdue(conn, today)? {
        let number = row.certificate_number.clone();
        let reminded = super::renewals::one(conn, &number, |conn| {
            // Concluded or moved meanwhile: nothing to remind of.
            let Some(row) = store::get(conn, row.id)? else {
                return Ok(false);
            };
            if row.status == SurveillanceStatus::Concluded
                || rules::urgency(row.due_on, today) != rules::Urgency::Overdue
                || !reminders::claim_reminder(
                    conn,
                    &number,
                    &rules::overdue_occasion(row.id),
                    now(),
                )?
            {
                return Ok(false);
            }
            let app = crate::db::models::applications::get(conn, row.application_id)?
                .ok_or(Refusal::NotFound)?;
            let enterprise = crate::db::models::enterprises::get(conn, app.enterprise_id)?
                .ok_or(Refusal::NotFound)?;
            let n = Notification::SurveillanceOverdue {
                certificate_id: number.clone(),
                part: app.part_code.clone(),
                enterprise_name: enterprise.name_zh,
                due_on: row.due_on,
                url: page_url(base_url, row.id),
            };
            for (secretariat, _) in users::people_with_role(conn, Role::Secretariat)? {
                to_user(conn, secretariat, &n)?;
            }
            mail::enqueue_to_enterprise(conn, app.enterprise_id, &n)?;
            Ok(true)
        })?;
        sent += usize::from(reminded);
    }
    Ok(sent)
}

/// The index of the certificate's latest issuance-log entry (the decision just taken).
fn last_entry(conn: &mut DbConn, number: &str) -> Result<u64, Refusal> {
    cert_store::log_of(conn, number)?
        .last()
        .map(|e| e.index)
        .ok_or(Refusal::NotFound)
}

/// Today's date for the plan (UTC, like the certificate decisions).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}
