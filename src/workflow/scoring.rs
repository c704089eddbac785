//! Scoring by the panel, clarification requests and the lead's consolidation (feature:
//! panels). Who sees what of the scores is decided by `domain::visibility` only.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::applications::move_status;
use super::panel_notices::{assessment_due, lead_of, record, review_due, to_user};
use super::panels::{part_in, part_of};
use crate::db::models::applications::{self as apps, ApplicationRow};
use crate::db::models::evidence as evidence_store;
use crate::db::models::scoring as store;
use crate::db::models::{enterprises, now, panels, review};
use crate::db::schema::evidence_files;
use crate::db::sql_types::Json;
use crate::db::{write_tx, DbConn};
use crate::domain::access::{as_party, Principal, Role};
use crate::domain::application_status::{Event, Status};
use crate::domain::assessment::{
    check_score, defined_levels, domain_levels, item_reopened, recusal, CheckedScore,
    Clarification, ScoreInput,
};
use crate::domain::audit::Kind;
use crate::domain::catalog::{Bilingual, Part};
use crate::domain::evidence::previewable;
use crate::domain::ids::{ApplicationId, ClarificationId, Named, OrganisationId, RoundId, UserId};
use crate::domain::listing::{assemble, key_time, Cursor, Page, Window};
use crate::domain::scoring::{
    derive_part_level, spread_flags, ConsolidatedItem, Derivation, FlagReason, ItemLevel, Level,
    ScoreStatus,
};
use crate::domain::visibility::{
    scoring_view, submission_complete, ConsolidatedFact, ResultFact, ScoreFact, ScoringFacts,
    ScoringView, Viewer,
};
use crate::mail::{self, Notification};
use crate::refusal::{Code, Reason, Refusal};

use diesel::prelude::*;

fn items_of(part: &Part) -> Vec<String> {
    part.domains
        .iter()
        .flat_map(|d| d.items.iter().map(|i| i.code.clone()))
        .collect()
}

fn target_of(app: &ApplicationRow) -> Level {
    Level::new(app.target_level.clamp(0, 5) as u8).unwrap_or(Level::MAX)
}

fn item_level(level: Option<i32>, reason: Option<String>) -> ItemLevel {
    match level.and_then(|l| Level::new(l.clamp(0, 5) as u8).ok()) {
        Some(l) => ItemLevel::Achieved(l),
        None => ItemLevel::NotApplicable {
            reason: reason.unwrap_or_default(),
        },
    }
}

fn level_columns(level: &ItemLevel) -> (Option<i32>, Option<String>) {
    match level {
        ItemLevel::Achieved(l) => (Some(i32::from(l.get())), None),
        ItemLevel::NotApplicable { reason } => (None, Some(reason.clone())),
    }
}

/// The application and whether `who` leads its panel; 404 for an unknown application
/// and, alike, for an assessor not on its panel (`access::as_party`).
pub fn seated(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<(ApplicationRow, bool), Refusal> {
    let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
    let me = who.user_id;
    let seat = panels::seats(conn, application)?
        .into_iter()
        .find(|s| s.assessor_id == me);
    let lead = as_party(seat.map(|s| s.is_lead))?;
    Ok((app, lead))
}

fn led(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<ApplicationRow, Refusal> {
    let (app, lead) = seated(conn, who, application)?;
    if !lead {
        return Err(Refusal::Forbidden(Code::LeadOnly.into()));
    }
    Ok(app)
}

fn in_assessment(app: &ApplicationRow) -> Result<(), Refusal> {
    if app.status != Status::InAssessment {
        return Err(Refusal::Conflict(
            Code::NotInAssessment.with("status", app.status),
        ));
    }
    Ok(())
}

fn evidence_of_item(
    conn: &mut DbConn,
    application: ApplicationId,
    item: &str,
) -> Result<BTreeSet<String>, Refusal> {
    let ids: Vec<String> = evidence_files::table
        .filter(evidence_files::application_id.eq(application))
        .filter(evidence_files::item_code.eq(item))
        .select(evidence_files::id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// One evidence file as the scoring page lists it beside its item.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceEntry {
    pub id: String,
    pub item: String,
    pub version: i32,
    pub name: String,
    /// PDF or an image: it may open in the page's sandboxed preview frame.
    pub preview: bool,
    /// The latest version of its item.
    pub current: bool,
}

/// The evidence files of an application, by item and version.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn evidence_list(
    conn: &mut DbConn,
    application: ApplicationId,
) -> Result<Vec<EvidenceEntry>, Refusal> {
    let rows: Vec<(String, String, i32, String, String)> = evidence_files::table
        .filter(evidence_files::application_id.eq(application))
        .order((
            evidence_files::item_code.asc(),
            evidence_files::version.asc(),
        ))
        .select((
            evidence_files::id,
            evidence_files::item_code,
            evidence_files::version,
            evidence_files::display_name,
            evidence_files::media_type,
        ))
        .load(conn)?;
    let latest = |item: &str| {
        rows.iter()
            .filter(|r| r.1 == item)
            .map(|r| r.2)
            .max()
            .unwrap_or_default()
    };
    Ok(rows
        .iter()
        .map(|(id, item, version, name, media_type)| EvidenceEntry {
            id: id.clone(),
            item: item.clone(),
            version: *version,
            name: name.clone(),
            preview: previewable(media_type),
            current: *version == latest(item),
        })
        .collect())
}

/// What the top of every assessor and reviewer page says about the application.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationHeader {
    pub id: ApplicationId,
    pub round_id: RoundId,
    pub enterprise_name: String,
    pub enterprise_name_en: Option<String>,
    pub part_code: String,
    pub part_name: Bilingual,
    pub target_level: i32,
    pub scope: String,
    pub scope_en: Option<String>,
    pub status: Status,
    /// The last day of the round's assessment period.
    pub assessment_ends: NaiveDate,
}

/// The header of `app`'s assessor and reviewer pages.
pub fn header(conn: &mut DbConn, app: &ApplicationRow) -> Result<ApplicationHeader, Refusal> {
    let part = part_of(conn, app)?;
    let e = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
    let due = assessment_due(conn, app.round_id)?.date();
    Ok(ApplicationHeader {
        id: app.id,
        round_id: app.round_id,
        enterprise_name: e.name_zh,
        enterprise_name_en: e.name_en,
        part_code: app.part_code.clone(),
        part_name: part.name,
        target_level: app.target_level,
        scope: app.scope.clone(),
        scope_en: app.scope_en.clone(),
        status: app.status,
        assessment_ends: due,
    })
}

/// One line of an assessor's list of applications.
#[derive(Debug, Clone, Serialize)]
pub struct AssessorApplication {
    pub id: ApplicationId,
    pub enterprise_name: String,
    pub part_code: String,
    pub part_name: Bilingual,
    pub target_level: i32,
    pub status: Status,
    /// The last day of the round's assessment period.
    pub assessment_ends: NaiveDate,
    pub lead: bool,
    /// Items the assessor has not submitted a score for yet.
    pub scores_pending: usize,
    pub clarifications_answered: usize,
    pub clarifications_open: usize,
}

/// The name of an assessor's list in its cursors (the applications list's keys).
pub const ASSESSOR_LIST: &str = "assessor-applications";

/// The statuses of an assessor's open work: scoring (with its clarifications) and the
/// lead's consolidation.
pub const OPEN_WORK: [Status; 2] = [Status::InAssessment, Status::Scored];

/// A page of the applications on whose panel `who` sits, newest first; `open_only`
/// keeps those in [`OPEN_WORK`]. One query for the page, then one each for the page's
/// seats, scores submitted and clarifications (an assessor of a national programme sits
/// on 120 panels: reading each application's scores one by one took 70 ms).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn assessor_applications(
    conn: &mut DbConn,
    who: &Principal,
    open_only: bool,
    window: &Window,
) -> Result<Page<AssessorApplication>, Refusal> {
    let filter = apps::ApplicationFilter {
        seated: Some(apps::SeatFilter {
            assessor: who.user_id,
            statuses: if open_only {
                OPEN_WORK.to_vec()
            } else {
                vec![]
            },
        }),
        ..Default::default()
    };
    let at = crate::workflow::queries::time_id_at::<ApplicationId>(window)?;
    let rows = apps::listed_page(conn, &filter, &at)?;
    let page = assemble(ASSESSOR_LIST, window, rows, |(a, _)| {
        Cursor::new(vec![key_time(a.created_at), a.id.to_string()])
    });
    let ids: Vec<ApplicationId> = page.rows.iter().map(|(a, _)| a.id).collect();
    let leads: HashMap<ApplicationId, bool> = panels::seats_on(conn, who.user_id, &ids)?
        .into_iter()
        .collect();
    let submitted: HashMap<ApplicationId, i64> = store::submitted_counts(conn, who.user_id, &ids)?
        .into_iter()
        .collect();
    let mut clarifications: HashMap<ApplicationId, (usize, usize)> = HashMap::new();
    for (id, answered) in store::clarifications_answered(conn, &ids)? {
        let c = clarifications.entry(id).or_default();
        if answered {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    let mut parts = crate::workflow::queries::catalog::PartNames::default();
    let mut items: HashMap<(RoundId, String), usize> = HashMap::new();
    let mut due: HashMap<RoundId, NaiveDate> = HashMap::new();
    let mut out = Vec::new();
    for (a, enterprise_name) in page.rows {
        let key = (a.round_id, a.part_code.clone());
        if let std::collections::hash_map::Entry::Vacant(e) = items.entry(key.clone()) {
            e.insert(items_of(&part_in(conn, a.round_id, &a.part_code)?).len());
        }
        if let std::collections::hash_map::Entry::Vacant(e) = due.entry(a.round_id) {
            e.insert(assessment_due(conn, a.round_id)?.date());
        }
        let (answered, open) = clarifications.get(&a.id).copied().unwrap_or_default();
        let done = submitted.get(&a.id).copied().unwrap_or(0) as usize;
        out.push(AssessorApplication {
            part_name: parts.of(conn, a.round_id, &a.part_code)?,
            assessment_ends: due[&a.round_id],
            lead: leads.get(&a.id).copied().unwrap_or(false),
            scores_pending: if a.status == Status::InAssessment {
                items[&key].saturating_sub(done)
            } else {
                0
            },
            clarifications_answered: answered,
            clarifications_open: open,
            id: a.id,
            enterprise_name,
            part_code: a.part_code,
            target_level: a.target_level,
            status: a.status,
        });
    }
    Ok(Page {
        rows: out,
        next: page.next,
        previous: page.previous,
    })
}

/// Everything [`record_score`] checks before it writes: the application, the checked
/// score and the score it replaces.
fn checked_score(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    item: &str,
    req: &ScoreRequest,
) -> Result<(ApplicationRow, CheckedScore, Option<store::ScoreRow>), Refusal> {
    let (app, _) = seated(conn, who, application)?;
    in_assessment(&app)?;
    let part = part_of(conn, &app)?;
    let evidence = evidence_of_item(conn, application, item)?;
    let checked = check_score(&part, target_of(&app), item, &evidence, &req.score)
        .map_err(|r| Refusal::Invalid(r.into()))?;
    let previous = store::score(conn, application, who.user_id, item)?;
    if previous
        .as_ref()
        .is_some_and(|p| p.status == ScoreStatus::Submitted)
    {
        return Err(Refusal::Conflict(Code::ScoreSubmitted.with("item", item)));
    }
    Ok((app, checked, previous))
}

/// Whether [`record_score`] would take this score, without recording it (the page asks
/// for confirmation of a final score only when it would).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn check_score_request(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    item: &str,
    req: &ScoreRequest,
) -> Result<(), Refusal> {
    checked_score(conn, who, application, item, req).map(|_| ())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ScoreRequest {
    #[serde(flatten)]
    pub score: ScoreInput,
    /// Submit now (final unless the lead reopens it) rather than keep a private draft.
    #[serde(default)]
    pub submit: bool,
}

/// Records an assessor's draft or submitted score for one item of the application.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn record_score(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    item: &str,
    req: &ScoreRequest,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        apps::lock(conn, application)?;
        let (app, checked, previous) = checked_score(conn, who, application, item, req)?;
        let me = who.user_id;
        let (level, reason) = level_columns(&checked.level);
        let t = now();
        store::save_score(
            conn,
            &store::ScoreRow {
                id: previous
                    .as_ref()
                    .map_or_else(|| uuid::Uuid::now_v7().to_string(), |p| p.id.clone()),
                application_id: application,
                assessor_id: me,
                item_code: item.to_string(),
                level,
                not_applicable_reason: reason,
                comment: checked.comment,
                evidence_ids: Json(checked.evidence_ids),
                status: if req.submit {
                    ScoreStatus::Submitted
                } else {
                    ScoreStatus::Draft
                },
                submitted_at: req.submit.then_some(t),
                reopened_by: previous.as_ref().and_then(|p| p.reopened_by),
                reopened_at: previous.as_ref().and_then(|p| p.reopened_at),
                updated_at: t,
            },
        )?;
        if req.submit {
            // The level stays out of the log: the scores are blind until consolidation.
            record(
                conn,
                who.user_id,
                address,
                Kind::ScoreSubmitted,
                ("application", &application),
                serde_json::json!({ "item": item }),
            )?;
            let f = facts(conn, &app)?;
            if f.members
                .iter()
                .all(|(id, _, _)| submission_complete(&f, *id))
            {
                if let Some(lead) = lead_of(conn, application)? {
                    let n = Notification::ScoresComplete {
                        application_id: application,
                        part: app.part_code.clone(),
                    };
                    to_user(conn, lead, &n)?;
                }
            }
        }
        Ok(())
    })
}

/// The lead reopens a member's submitted score of one item.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn reopen(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    assessor: Named<UserId>,
    item: &str,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let app = led(conn, who, application)?;
        in_assessment(&app)?;
        let no_score = || Refusal::Conflict(Code::NoScoreToReopen.with("item", item));
        let assessor = assessor.id().ok_or_else(no_score)?;
        if !store::reopen_score(conn, application, assessor, item, who.user_id)? {
            return Err(no_score());
        }
        record(
            conn,
            who.user_id,
            address,
            Kind::ScoreReopened,
            ("application", &application),
            serde_json::json!({ "assessor_id": assessor, "item": item }),
        )?;
        let n = Notification::ScoreReopened {
            application_id: application,
            part: app.part_code.clone(),
            item: item.to_string(),
            due: assessment_due(conn, app.round_id)?,
        };
        to_user(conn, assessor, &n)?;
        Ok(())
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ClarificationRequest {
    pub items: Vec<String>,
    pub message: String,
    /// UTC, e.g. 2026-12-01T12:00:00
    #[schema(value_type = String)]
    pub deadline: NaiveDateTime,
}

/// The lead asks the enterprise for more evidence on named items by a deadline; those
/// items are open for new uploads until answered or past the deadline.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn request_clarification(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    req: &ClarificationRequest,
    address: &str,
) -> Result<ClarificationId, Refusal> {
    write_tx(conn, |conn| {
        let app = led(conn, who, application)?;
        in_assessment(&app)?;
        let part = part_of(conn, &app)?;
        let items: BTreeSet<String> = req.items.iter().map(|i| i.trim().to_string()).collect();
        if items.is_empty() {
            return Err(Refusal::Invalid(Code::ClarificationItemsMissing.into()));
        }
        if let Some(bad) = items.iter().find(|i| defined_levels(&part, i).is_none()) {
            return Err(Refusal::Invalid(
                Code::UnknownCapabilityItem
                    .with("part", &part.code)
                    .with("item", bad),
            ));
        }
        let message = req.message.trim();
        if message.is_empty() {
            return Err(Refusal::Invalid(Code::ClarificationQuestionMissing.into()));
        }
        if req.deadline <= now() {
            return Err(Refusal::Invalid(Code::DeadlineInPast.into()));
        }
        let id = ClarificationId::new();
        store::insert_clarification(
            conn,
            &store::ClarificationRow {
                id,
                application_id: application,
                items: Json(items.iter().cloned().collect()),
                message: message.to_string(),
                deadline: req.deadline,
                requested_by: who.user_id,
                requested_at: now(),
                answer: None,
                answered_by: None,
                answered_at: None,
            },
        )?;
        // The items open for new evidence versions with the request, or the enterprise
        // is asked for evidence it cannot upload.
        let listed: Vec<String> = items.iter().cloned().collect();
        super::evidence::reopen_items_in(conn, application, &listed, req.deadline)?;
        record(
            conn,
            who.user_id,
            address,
            Kind::ClarificationRequested,
            ("application", &application),
            serde_json::json!({
                "clarification_id": id, "items": items, "deadline": req.deadline,
            }),
        )?;
        let n = Notification::ClarificationRequest {
            application_id: application,
            item: items.iter().cloned().collect::<Vec<_>>().join(", "),
            question: message.to_string(),
            deadline: req.deadline,
        };
        mail::enqueue_to_enterprise(conn, app.enterprise_id, &n)?;
        Ok(id)
    })
}

/// The enterprise answers a clarification request of its own application; a malformed
/// request id is refused like an unknown or answered one.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn answer_clarification(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    clarification: Named<ClarificationId>,
    answer: &str,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
        if enterprises::membership(conn, who.user_id)? != Some(app.enterprise_id) {
            return Err(Refusal::NotFound);
        }
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(Refusal::Invalid(Code::AnswerEmpty.into()));
        }
        let no_open = || Refusal::Conflict(Code::NoOpenClarification.into());
        let clarification = clarification.id().ok_or_else(no_open)?;
        if !store::answer_clarification(conn, application, clarification, answer, who.user_id)? {
            return Err(no_open());
        }
        record(
            conn,
            who.user_id,
            address,
            Kind::ClarificationAnswered,
            ("application", &application),
            serde_json::json!({ "clarification_id": clarification }),
        )?;
        let rows = store::clarifications_of(conn, application)?;
        let answered: Vec<String> = rows
            .iter()
            .find(|c| c.id == clarification)
            .map(|c| c.items.0.clone())
            .unwrap_or_default();
        // An answer ends the reopening of its items, unless another open request still
        // names them.
        let still_open = clarification_facts(&rows);
        let at = now();
        let closing: Vec<String> = answered
            .iter()
            .filter(|item| !item_reopened(&still_open, item, at))
            .cloned()
            .collect();
        evidence_store::close_reopenings(conn, application, &closing, at)?;
        let items = answered.join(", ");
        if let Some(lead) = lead_of(conn, application)? {
            let n = Notification::ClarificationAnswered {
                application_id: application,
                items,
            };
            to_user(conn, lead, &n)?;
        }
        Ok(())
    })
}

/// Clarifications as the reopening rule sees them.
pub fn clarification_facts(rows: &[store::ClarificationRow]) -> Vec<Clarification> {
    rows.iter()
        .map(|c| Clarification {
            items: c.items.0.clone(),
            deadline: c.deadline,
            answered_at: c.answered_at,
        })
        .collect()
}

/// Everything known about an application's scoring, for `visibility::scoring_view`.
pub fn facts(conn: &mut DbConn, app: &ApplicationRow) -> Result<ScoringFacts, Refusal> {
    let part = part_of(conn, app)?;
    let seats = panels::seats(conn, app.id)?;
    let members: Vec<(UserId, String, bool)> = seats
        .iter()
        .map(|s| (s.assessor_id, s.display_name.clone(), s.is_lead))
        .collect();
    let scores = store::scores_of_application(conn, app.id)?
        .into_iter()
        .filter_map(|s| {
            let (assessor, name, _) = members.iter().find(|m| m.0 == s.assessor_id)?;
            Some(ScoreFact {
                assessor: *assessor,
                assessor_name: name.clone(),
                item: s.item_code,
                level: item_level(s.level, s.not_applicable_reason),
                comment: s.comment,
                evidence_ids: s.evidence_ids.0,
                submitted: s.status == ScoreStatus::Submitted,
            })
        })
        .collect();
    let consolidation = store::consolidation(conn, app.id)?.map(|(items, r)| {
        let items = items
            .into_iter()
            .map(|i| ConsolidatedFact {
                item: i.item_code,
                level: item_level(i.level, i.not_applicable_reason),
                rationale: i.rationale,
                flagged: i.flagged,
                flag_reasons: i.flag_reasons.0,
            })
            .collect::<Vec<_>>();
        let capping = r.capping_items.0;
        let level = |l: i32| Level::new(l.clamp(0, 5) as u8).unwrap_or(Level::ZERO);
        let derivation = Derivation {
            achieved: level(r.achieved_level),
            target: level(r.target_level),
            capping_items: capping.clone(),
            basis: r.basis,
        };
        (
            items,
            ResultFact {
                achieved_level: r.achieved_level as u8,
                target_level: r.target_level as u8,
                explanation: derivation.explanation(),
                explanation_zh: derivation.explanation_zh(),
                capping_items: capping,
                domain_levels: r.domain_levels.0,
            },
        )
    });
    Ok(ScoringFacts {
        status: app.status,
        items: items_of(&part),
        members,
        scores,
        consolidation,
    })
}

/// Who `who` is for this application's scores; 404, as for an unknown application, when
/// they are no party to it (another enterprise, an assessor not on its panel, a reviewer
/// not on the round's review panel): `access::as_party`.
pub fn viewer_for(
    conn: &mut DbConn,
    who: &Principal,
    app: &ApplicationRow,
) -> Result<Viewer, Refusal> {
    let me = who.user_id;
    if let Some(s) = panels::seats(conn, app.id)?
        .into_iter()
        .find(|s| s.assessor_id == me)
    {
        return Ok(Viewer::PanelMember {
            me: who.user_id,
            lead: s.is_lead,
        });
    }
    if who.has(Role::Secretariat) {
        return Ok(Viewer::Secretariat);
    }
    if who.has(Role::Enterprise)
        && enterprises::membership(conn, who.user_id)? == Some(app.enterprise_id)
    {
        return Ok(Viewer::Enterprise);
    }
    if who.has(Role::Reviewer) {
        if let Some(panel) = review::review_panel(conn, app.round_id)? {
            if let Some(m) = review::review_members(conn, panel.id)?
                .into_iter()
                .find(|m| m.user_id == me)
            {
                let declared: Vec<(OrganisationId, String)> = panels::conflicts_of(conn, me)?
                    .into_iter()
                    .map(|c| (c.with_id, c.reason))
                    .collect();
                let group = super::enterprise_groups::ties(conn, app.enterprise_id)?;
                return Ok(
                    match recusal(
                        m.enterprise_id.into(),
                        &declared,
                        app.enterprise_id.into(),
                        &group,
                    ) {
                        Some(_) => Viewer::RecusedReviewer,
                        None => Viewer::Reviewer,
                    },
                );
            }
        }
    }
    as_party(None)
}

/// What `who` may see of an application's scores.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn view(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<(ApplicationRow, Viewer, ScoringView), Refusal> {
    let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
    let viewer = viewer_for(conn, who, &app)?;
    if viewer == Viewer::RecusedReviewer {
        return Err(Refusal::NotFound);
    }
    let f = facts(conn, &app)?;
    Ok((app, viewer, scoring_view(viewer, &f)))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConsolidatedInput {
    pub item: String,
    pub level: Option<i64>,
    pub not_applicable_reason: Option<String>,
    #[serde(default)]
    pub rationale: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConsolidationRequest {
    pub items: Vec<ConsolidatedInput>,
}

/// The items to discuss: spread of 2 or more, or applicability disputed.
pub fn flags(f: &ScoringFacts) -> BTreeMap<String, Vec<FlagReason>> {
    let mut by_item: BTreeMap<String, Vec<ItemLevel>> = BTreeMap::new();
    for s in f.scores.iter().filter(|s| s.submitted) {
        by_item
            .entry(s.item.clone())
            .or_default()
            .push(s.level.clone());
    }
    spread_flags(&by_item)
        .into_iter()
        .map(|fl| (fl.item, fl.reasons))
        .collect()
}

/// Everything [`consolidate`] checks before it writes: the application, its target and
/// the consolidated rows and items, or the first refusal.
type Planned = (
    ApplicationRow,
    Level,
    Vec<store::ConsolidatedRow>,
    Vec<ConsolidatedItem>,
);

fn planned(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    req: &ConsolidationRequest,
) -> Result<Planned, Refusal> {
    let app = led(conn, who, application)?;
    in_assessment(&app)?;
    let part = part_of(conn, &app)?;
    let f = facts(conn, &app)?;
    let pending: Vec<&str> = f
        .members
        .iter()
        .filter(|(id, _, _)| !submission_complete(&f, *id))
        .map(|(_, name, _)| name.as_str())
        .collect();
    if !pending.is_empty() {
        return Err(Refusal::Conflict(
            Code::ScoresPending.with("pending", pending),
        ));
    }
    let flagged = flags(&f);
    let target = target_of(&app);
    let mut given: BTreeMap<String, &ConsolidatedInput> = BTreeMap::new();
    for i in &req.items {
        if given.insert(i.item.clone(), i).is_some() {
            return Err(Refusal::Invalid(Code::ItemGivenTwice.with("item", &i.item)));
        }
    }
    let mut rows = Vec::new();
    let mut consolidated = Vec::new();
    for item in &f.items {
        let Some(input) = given.remove(item) else {
            return Err(Refusal::Invalid(
                Code::ConsolidatedLevelMissing.with("item", item),
            ));
        };
        let checked = check_score(
            &part,
            target,
            item,
            &BTreeSet::new(),
            &ScoreInput {
                level: input.level,
                not_applicable_reason: input.not_applicable_reason.clone(),
                comment: String::new(),
                evidence_ids: vec![],
            },
        )
        .map_err(|e| {
            Refusal::Invalid(
                Code::ConsolidatedScoreInvalid
                    .with("item", item)
                    .with("reason", Reason::from(e)),
            )
        })?;
        let rationale = input.rationale.trim();
        let reasons = flagged.get(item).cloned().unwrap_or_default();
        if !reasons.is_empty() && rationale.is_empty() {
            return Err(Refusal::Invalid(Code::RationaleMissing.with("item", item)));
        }
        let (level, na) = level_columns(&checked.level);
        rows.push(store::ConsolidatedRow {
            application_id: app.id,
            item_code: item.clone(),
            level,
            not_applicable_reason: na,
            rationale: rationale.to_string(),
            flagged: !reasons.is_empty(),
            flag_reasons: Json(reasons),
        });
        consolidated.push(ConsolidatedItem {
            item: item.clone(),
            defined: defined_levels(&part, item).expect("item of the part"),
            level: checked.level,
        });
    }
    if let Some(extra) = given.keys().next() {
        return Err(Refusal::Invalid(
            Code::UnknownCapabilityItem
                .with("part", &part.code)
                .with("item", extra),
        ));
    }
    Ok((app, target, rows, consolidated))
}

/// Whether [`consolidate`] would take this consolidation, without recording it (the
/// page asks for confirmation only when it would).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn check_consolidation(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    req: &ConsolidationRequest,
) -> Result<(), Refusal> {
    planned(conn, who, application, req).map(|_| ())
}

/// The lead records the consolidated level and rationale of every item once every
/// member has submitted; the part level is derived (the weakest applicable item caps
/// it) and the application is scored.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn consolidate(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    req: &ConsolidationRequest,
    address: &str,
) -> Result<ResultFact, Refusal> {
    write_tx(conn, |conn| {
        let (app, target, rows, consolidated) = planned(conn, who, application, req)?;
        let part = part_of(conn, &app)?;
        let d = derive_part_level(&consolidated, target);
        let domains = domain_levels(&part, &consolidated, target);
        let result = store::PartResultRow {
            application_id: app.id,
            achieved_level: i32::from(d.achieved.get()),
            target_level: i32::from(target.get()),
            basis: d.basis,
            capping_items: Json(d.capping_items.clone()),
            domain_levels: Json(domains.clone()),
            consolidated_by: who.user_id,
            consolidated_at: now(),
        };
        store::save_consolidation(conn, &rows, &result)?;
        move_status(
            conn,
            &app,
            &Event::CompleteScoring,
            "complete_scoring",
            None,
            who.user_id,
        )?;
        record(
            conn,
            who.user_id,
            address,
            Kind::ScoresConsolidated,
            ("application", &app.id),
            serde_json::json!({
                "achieved_level": d.achieved.get(), "target_level": target.get(),
                "capping_items": d.capping_items,
            }),
        )?;
        Ok(ResultFact {
            achieved_level: d.achieved.get(),
            target_level: target.get(),
            capping_items: d.capping_items.clone(),
            domain_levels: domains,
            explanation: d.explanation(),
            explanation_zh: d.explanation_zh(),
        })
    })
}

/// Whether [`send_to_review`] may be asked of `who` now (the page confirms only then):
/// the panel's lead, with a review panel formed for the round.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn check_send_to_review(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<(), Refusal> {
    let app = led(conn, who, application)?;
    if review::review_panel(conn, app.round_id)?.is_none() {
        return Err(Refusal::Conflict(Code::NoReviewPanel.into()));
    }
    Ok(())
}

/// The lead sends a scored application to the round's review panel.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn send_to_review(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let app = led(conn, who, application)?;
        if review::review_panel(conn, app.round_id)?.is_none() {
            return Err(Refusal::Conflict(Code::NoReviewPanel.into()));
        }
        move_status(
            conn,
            &app,
            &Event::SendToReview,
            "send_to_review",
            None,
            who.user_id,
        )?;
        record(
            conn,
            who.user_id,
            address,
            Kind::SentToReview,
            ("application", &app.id),
            serde_json::json!({}),
        )?;
        let due = review_due(conn, app.round_id)?;
        let (panel, members) =
            super::review::members_with_recusal(conn, &app)?.ok_or(Refusal::NotFound)?;
        for (m, recused) in &members {
            if recused.is_none() {
                let n = Notification::ReviewVoteRequested {
                    application_id: app.id,
                    part: app.part_code.clone(),
                    due,
                };
                to_user(conn, m.user_id, &n)?;
            }
        }
        super::review::alert_if_short(conn, &app, &panel, &members)
    })
}
