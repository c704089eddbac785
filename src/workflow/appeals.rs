//! Appeals: the enterprise lodges or withdraws one, the secretariat forms its panel of
//! people who took no part in the case, the panel decides, and an upheld appeal's
//! consequence is applied or left to the secretariat as a task.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::db::models::appeals::{self as store, AppealRow};
use crate::db::models::applications::{self as apps, ApplicationRow};
use crate::db::models::{audit, certificates, enterprises, mail as mailbox, panels, review, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::appeal::{
    apply, check_appeal_panel, check_reasons, check_window, AppealEvent, AppealRefusal,
    AppealStatus, Candidate, CaseParties, Remedy, ResultDecision, Subject,
};
use crate::domain::application_status::{state_allows, Event, Status};
use crate::domain::audit::{Actor, Kind};
use crate::domain::certificate::LogKind;
use crate::domain::ids::{AppealId, ApplicationId, Named, UserId};
use crate::mail::{self, Notification};
use crate::refusal::{Code, Reason, Refusal};
use crate::workflow::applications::move_status;

/// What the enterprise appeals and why.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LodgeRequest {
    /// `returned_result`, `level` or `certificate_decision`.
    pub subject: String,
    /// For a certificate decision: the certificate's number.
    #[serde(default)]
    pub certificate_number: Option<String>,
    /// For a certificate decision: the index of its entry in the issuance log.
    #[serde(default)]
    pub log_index: Option<u64>,
    #[schema(max_length = 4000)]
    pub reasons: String,
}

/// Where mail links point and how long the appeal window is.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_url: String,
    pub window_days: i64,
}

impl Settings {
    fn appeal_url(&self, id: AppealId) -> String {
        format!("{}/appeals/{id}", self.base_url)
    }
}

fn refused(r: AppealRefusal) -> Refusal {
    match r {
        AppealRefusal::ReasonsMissing | AppealRefusal::ReasonsTooLong { .. } => {
            Refusal::Invalid(r.into())
        }
        AppealRefusal::NoSuchDecision
        | AppealRefusal::WindowClosed { .. }
        | AppealRefusal::AlreadyAppealed
        | AppealRefusal::WrongState { .. } => Refusal::Conflict(r.into()),
    }
}

fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// Whether `who` speaks for the application's enterprise.
pub(crate) fn is_member(
    conn: &mut DbConn,
    who: &Principal,
    app: &ApplicationRow,
) -> Result<bool, Refusal> {
    Ok(who.has(Role::Enterprise)
        && enterprises::membership(conn, who.user_id)? == Some(app.enterprise_id))
}

/// The subject a request names.
fn subject_of(req: &LodgeRequest) -> Result<Subject, Refusal> {
    Ok(match req.subject.as_str() {
        "returned_result" => Subject::ApplicationResult(ResultDecision::Returned),
        "level" => Subject::ApplicationResult(ResultDecision::Level),
        "certificate_decision" => Subject::CertificateDecision {
            number: req
                .certificate_number
                .clone()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .ok_or_else(|| refused(AppealRefusal::NoSuchDecision))?,
            log_index: req
                .log_index
                .ok_or_else(|| refused(AppealRefusal::NoSuchDecision))?,
        },
        other => {
            return Err(Refusal::Invalid(
                Code::AppealSubjectUnknown.with("subject", other),
            ))
        }
    })
}

/// When the appealed decision was taken: the latest review decision of that kind, or the
/// certificate's log entry (any decision but the issue itself).
fn decision_time(
    conn: &mut DbConn,
    app: &ApplicationRow,
    subject: &Subject,
) -> Result<NaiveDateTime, Refusal> {
    let none = || refused(AppealRefusal::NoSuchDecision);
    match subject {
        Subject::ApplicationResult(which) => {
            let approved = *which == ResultDecision::Level;
            review::decisions(conn, app.id)?
                .into_iter()
                .filter(|d| d.approved == approved)
                .map(|d| d.decided_at)
                .max()
                .ok_or_else(none)
        }
        Subject::CertificateDecision { number, log_index } => {
            let cert = certificates::by_number(conn, number)?.ok_or_else(none)?;
            if cert.application_id != app.id {
                return Err(Refusal::Conflict(
                    Code::AppealCertificateNotTheApplications.with("number", number),
                ));
            }
            certificates::log_of(conn, number)?
                .into_iter()
                .find(|e| e.index == *log_index && e.kind != LogKind::Issued)
                .map(|e| naive(e.at))
                .ok_or_else(none)
        }
    }
}

/// The enterprise appeals a decision on its application within the window.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn lodge(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    req: &LodgeRequest,
    settings: &Settings,
    address: &str,
) -> Result<AppealId, Refusal> {
    let subject = subject_of(req)?;
    check_reasons(&req.reasons).map_err(refused)?;
    write_tx(conn, |conn| {
        let app = crate::workflow::applications::visible(conn, who, application)?;
        if !is_member(conn, who, &app)? {
            return Err(Refusal::Forbidden(
                Code::ActionForbidden.with("action", "appeal"),
            ));
        }
        let decision_at = decision_time(conn, &app, &subject)?;
        check_window(decision_at.and_utc(), Utc::now(), settings.window_days).map_err(refused)?;
        if store::open_for(conn, app.id, subject.kind(), decision_at)? {
            return Err(refused(AppealRefusal::AlreadyAppealed));
        }
        let (number, index) = match &subject {
            Subject::CertificateDecision { number, log_index } => {
                (Some(number.clone()), Some(*log_index as i64))
            }
            Subject::ApplicationResult(_) => (None, None),
        };
        let id = AppealId::new();
        store::insert(
            conn,
            &AppealRow {
                id,
                application_id: app.id,
                enterprise_id: app.enterprise_id,
                subject_kind: subject.kind().to_string(),
                certificate_number: number.clone(),
                log_index: index,
                decision_at,
                reasons: req.reasons.trim().to_string(),
                status: AppealStatus::Lodged,
                lodged_by: who.user_id,
                lodged_at: crate::db::models::now(),
                panel_formed_at: None,
                outcome_reasons: None,
                remedy: None,
                closed_by: None,
                closed_at: None,
                follow_up_done_at: None,
            },
        )?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::AppealLodged,
            ("appeal", &id),
            serde_json::json!({
                "application": app.id, "subject": subject.kind(),
                "certificate_number": number, "log_index": index,
            }),
        )?;
        mail::enqueue_to_enterprise(
            conn,
            app.enterprise_id,
            &Notification::AppealLodged {
                part: app.part_code.clone(),
                subject: subject.kind().to_string(),
                appeal_url: settings.appeal_url(id),
            },
        )?;
        Ok(id)
    })
}

/// The subject an appeal row was lodged about.
pub(crate) fn stored_subject(row: &AppealRow) -> Subject {
    match row.subject_kind.as_str() {
        "returned_result" => Subject::ApplicationResult(ResultDecision::Returned),
        "level" => Subject::ApplicationResult(ResultDecision::Level),
        _ => Subject::CertificateDecision {
            number: row.certificate_number.clone().unwrap_or_default(),
            log_index: row.log_index.unwrap_or_default().max(0) as u64,
        },
    }
}

/// Everyone who assessed, reviewed or decided the appealed case.
pub(crate) fn parties(
    conn: &mut DbConn,
    row: &AppealRow,
    app: &ApplicationRow,
) -> Result<CaseParties, Refusal> {
    let members: BTreeSet<UserId> = mailbox::enterprise_recipients(conn, app.enterprise_id)?
        .into_iter()
        .filter_map(|r| r.user_id)
        .collect();
    let mut deciders = store::deciders_of(conn, app.id, &members)?;
    if let Subject::CertificateDecision { number, .. } = stored_subject(row) {
        if let Some(cert) = certificates::by_number(conn, &number)? {
            deciders.extend(store::certificate_deciders(conn, &cert.id)?);
        }
    }
    Ok(CaseParties {
        assessors: store::assessors_of(conn, app.id)?,
        reviewers: store::reviewers_of(conn, app.id, app.round_id)?,
        deciders,
    })
}

/// A person named for the panel as the rules see them: eligible when in the assessor
/// registry or holding the reviewer role.
fn candidate(conn: &mut DbConn, id: Option<UserId>, text: &str) -> Result<Candidate, Refusal> {
    let Some(id) = id else {
        return Ok(Candidate {
            user: UserId::default(),
            display_name: text.to_string(),
            eligible: false,
        });
    };
    Ok(match users::principal(conn, id)? {
        Some(p) => Candidate {
            eligible: p.has(Role::Reviewer) || panels::profile(conn, id)?.is_some(),
            user: id,
            display_name: p.display_name,
        },
        None => Candidate {
            user: id,
            display_name: id.to_string(),
            eligible: false,
        },
    })
}

/// Reads an appeal the person may see (the secretariat, the enterprise, its panel).
pub(crate) fn visible(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
) -> Result<(AppealRow, ApplicationRow), Refusal> {
    let row = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let app = apps::get(conn, row.application_id)?.ok_or(Refusal::NotFound)?;
    let sees = who.has(Role::Secretariat)
        || is_member(conn, who, &app)?
        || store::panel(conn, id)?.contains(&who.user_id);
    if sees {
        Ok((row, app))
    } else {
        Err(Refusal::NotFound)
    }
}

fn next(row: &AppealRow, event: &AppealEvent) -> Result<AppealStatus, Refusal> {
    apply(row.status, event).map_err(refused)
}

fn moved(conn: &mut DbConn, row: &AppealRow, to: AppealStatus) -> Result<(), Refusal> {
    if !store::set_status(conn, row.id, row.status, to)? {
        return Err(Refusal::Conflict(Code::ApplicationChangedMeanwhile.into()));
    }
    Ok(())
}

fn to_panel(conn: &mut DbConn, id: AppealId, n: &Notification) -> Result<(), Refusal> {
    for member in store::panel(conn, id)? {
        crate::workflow::panel_notices::to_user(conn, member, n)?;
    }
    Ok(())
}

/// The secretariat forms the appeal panel (one to three people from the assessor
/// registry or the review members, none of whom took part in the case).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn form_panel(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
    members: &[(Named<UserId>, String)],
    settings: &Settings,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let (row, app) = visible(conn, who, id)?;
        if !who.has(Role::Secretariat) {
            return Err(Refusal::Forbidden(
                Code::ActionForbidden.with("action", "form_panel"),
            ));
        }
        let to = next(&row, &AppealEvent::FormPanel)?;
        let mut candidates = Vec::with_capacity(members.len());
        for (named, text) in members {
            candidates.push(candidate(conn, named.id(), text)?);
        }
        let parties = parties(conn, &row, &app)?;
        check_appeal_panel(&candidates, &parties).map_err(|problems| {
            let reasons: Vec<Reason> = problems.iter().map(Reason::from).collect();
            Refusal::Invalid(Code::AppealPanelProblems.with("problems", reasons))
        })?;
        let chosen: Vec<UserId> = candidates.iter().map(|c| c.user).collect();
        store::save_panel(conn, id, &chosen)?;
        moved(conn, &row, to)?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::AppealPanelFormed,
            ("appeal", &id),
            serde_json::json!({ "members": chosen }),
        )?;
        let n = Notification::AppealPanelFormed {
            part: app.part_code.clone(),
            appeal_url: settings.appeal_url(id),
        };
        mail::enqueue_to_enterprise(conn, app.enterprise_id, &n)?;
        to_panel(conn, id, &n)?;
        Ok(())
    })
}

/// What upholding changes now: a result not yet certified goes back to its assessment
/// panel; whatever cannot be changed here (a certified level, a certificate decision)
/// stays with the secretariat as a follow-up task. True when it was applied.
fn apply_remedy(
    conn: &mut DbConn,
    remedy: Remedy,
    row: &AppealRow,
    app: &ApplicationRow,
    by: UserId,
    reasons: &str,
    reverse: &CertificateReversal<'_>,
) -> Result<bool, Refusal> {
    match remedy {
        Remedy::Reassess | Remedy::ReopenLevel => {
            if state_allows(app.status, &Event::ReopenOnAppeal) {
                move_status(
                    conn,
                    app,
                    &Event::ReopenOnAppeal,
                    "reopen_on_appeal",
                    Some(reasons),
                    by,
                )?;
                Ok(true)
            } else {
                // Already with its assessment panel: nothing more to change.
                Ok(matches!(
                    app.status,
                    Status::InAssessment | Status::Returned | Status::Accepted
                ))
            }
        }
        Remedy::ReverseCertificateDecision => match stored_subject(row) {
            // A suspension or withdrawal is reversed through the certificate's own
            // reinstatement; any other decision stays a follow-up task.
            Subject::CertificateDecision { number, log_index } => {
                super::certificates::reverse_on_appeal(
                    conn,
                    reverse.base_url,
                    reverse.actor,
                    (&number, log_index),
                    &format!("appeal:{}", row.id),
                    reasons,
                )
            }
            Subject::ApplicationResult(_) => Ok(false),
        },
    }
}

/// What reversing a certificate decision needs beside the appeal.
struct CertificateReversal<'a> {
    base_url: &'a str,
    actor: &'a Actor,
}

/// A member of the appeal panel records the panel's decision with its reasons.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn decide(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
    upheld: bool,
    reasons: &str,
    settings: &Settings,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let (row, app) = visible(conn, who, id)?;
        if !store::panel(conn, id)?.contains(&who.user_id) {
            return Err(Refusal::Forbidden(Code::AppealNotOnPanel.into()));
        }
        let event = AppealEvent::Decide {
            upheld,
            reasons: reasons.to_string(),
        };
        let to = next(&row, &event)?;
        let reasons = reasons.trim();
        moved(conn, &row, to)?;
        let remedy = upheld.then(|| stored_subject(&row).remedy());
        store::close(conn, id, reasons, remedy.map(Remedy::as_str), who.user_id)?;
        let actor = Actor::user(who.user_id, address);
        let reverse = CertificateReversal {
            base_url: &settings.base_url,
            actor: &actor,
        };
        let applied = match remedy {
            Some(r) => apply_remedy(conn, r, &row, &app, who.user_id, reasons, &reverse)?,
            None => true,
        };
        if applied {
            store::follow_up_done(conn, id)?;
        }
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::AppealDecided,
            ("appeal", &id),
            serde_json::json!({
                "upheld": upheld, "reasons": reasons,
                "remedy": remedy.map(Remedy::as_str), "applied": applied,
            }),
        )?;
        let n = Notification::AppealDecided {
            part: app.part_code.clone(),
            upheld,
            reasons: reasons.to_string(),
            appeal_url: settings.appeal_url(id),
        };
        mail::enqueue_to_enterprise(conn, app.enterprise_id, &n)?;
        to_panel(conn, id, &n)?;
        Ok(())
    })
}

/// The enterprise withdraws its appeal before the panel decides.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn withdraw(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
    reason: &str,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let (row, app) = visible(conn, who, id)?;
        if !is_member(conn, who, &app)? {
            return Err(Refusal::Forbidden(
                Code::ActionForbidden.with("action", "withdraw"),
            ));
        }
        let to = next(
            &row,
            &AppealEvent::Withdraw {
                reason: reason.to_string(),
            },
        )?;
        moved(conn, &row, to)?;
        store::close(conn, id, reason.trim(), None, who.user_id)?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::AppealWithdrawn,
            ("appeal", &id),
            serde_json::json!({ "reason": reason.trim() }),
        )?;
        to_panel(
            conn,
            id,
            &Notification::AppealWithdrawn {
                part: app.part_code.clone(),
                reason: reason.trim().to_string(),
            },
        )?;
        Ok(())
    })
}

/// The secretariat has carried out an upheld appeal's consequence (e.g. reversed the
/// certificate decision).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn follow_up_done(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let (row, _) = visible(conn, who, id)?;
        if !who.has(Role::Secretariat) {
            return Err(Refusal::Forbidden(
                Code::ActionForbidden.with("action", "follow_up"),
            ));
        }
        if row.status != AppealStatus::Upheld || !store::follow_up_done(conn, id)? {
            return Err(refused(AppealRefusal::WrongState {
                event: "follow_up",
                state: row.status,
            }));
        }
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::AppealFollowedUp,
            ("appeal", &id),
            serde_json::json!({ "remedy": row.remedy }),
        )?;
        Ok(())
    })
}

/// The decisions on an application that could be appealed, each with when it was taken:
/// the latest return, the latest approval (the level), and every decision on its
/// certificate after the issue.
pub(crate) fn decisions_of(
    conn: &mut DbConn,
    app: &ApplicationRow,
) -> Result<Vec<(Subject, NaiveDateTime)>, Refusal> {
    let mut out = Vec::new();
    for which in [ResultDecision::Returned, ResultDecision::Level] {
        let subject = Subject::ApplicationResult(which);
        if let Ok(at) = decision_time(conn, app, &subject) {
            out.push((subject, at));
        }
    }
    // Every certificate of the application: a scope reduction's successor does not hide
    // the decisions on the certificate it replaced (the reduction among them).
    for cert in certificates::of_application(conn, app.id)? {
        for e in certificates::log_of(conn, &cert.number)? {
            if e.kind != LogKind::Issued {
                out.push((
                    Subject::CertificateDecision {
                        number: cert.number.clone(),
                        log_index: e.index,
                    },
                    naive(e.at),
                ));
            }
        }
    }
    Ok(out)
}
