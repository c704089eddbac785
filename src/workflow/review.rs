//! The round's review panel, its votes and the decision (feature: panels).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::applications::move_status;
use super::enterprise_groups;
use super::panel_notices::{lead_of, record, to_user};
use crate::db::models::applications::{self as apps, ApplicationRow};
use crate::db::models::review as store;
use crate::db::models::{enterprises, panels, rounds, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{as_party, Principal, Role};
use crate::domain::application_status::{Event, Status};
use crate::domain::assessment::{recusal, recused_from, Recusal, RecusalScope};
use crate::domain::audit::Kind;
use crate::domain::catalog::Bilingual;
use crate::domain::ids::{
    ApplicationId, EnterpriseId, OrganisationId, ReviewPanelId, RoundId, UserId,
};
use crate::domain::listing::{assemble, key_time, Cursor, Page, Window};
use crate::domain::scoring::{
    review_decision, Ratio, ReviewError, ReviewOutcome, ReviewSeat, Vote,
};
use crate::mail::{self, Notification};
use crate::refusal::{Code, Reason, Refusal};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MemberInput {
    #[schema(format = Uuid)]
    pub user_id: String,
    /// The evaluated enterprise the member comes from.
    #[schema(format = Uuid)]
    pub enterprise_id: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReviewPanelRequest {
    pub members: Vec<MemberInput>,
    /// Votes needed before a decision.
    pub quorum: i64,
    /// Approval needs strictly more than this fraction of the votes (default 1/2).
    #[serde(default = "half")]
    pub majority: (u32, u32),
}

fn half() -> (u32, u32) {
    (1, 2)
}

/// An enterprise is evaluated once one of its applications was accepted for assessment.
fn evaluated(status: Status) -> bool {
    !matches!(
        status,
        Status::Draft | Status::Submitted | Status::Withdrawn | Status::Rejected
    )
}

/// Forms (or re-forms) a round's review panel from experts of evaluated enterprises
/// (secretariat).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn form_panel(
    conn: &mut DbConn,
    who: &Principal,
    round_id: RoundId,
    req: &ReviewPanelRequest,
    address: &str,
) -> Result<ReviewPanelId, Refusal> {
    write_tx(conn, |conn| {
        rounds::get(conn, round_id)?.ok_or(Refusal::NotFound)?;
        if Ratio::new(req.majority.0, req.majority.1).is_none() {
            return Err(Refusal::Invalid(Code::MajorityInvalid.into()));
        }
        if req.members.is_empty() {
            return Err(Refusal::Invalid(Code::ReviewPanelEmpty.into()));
        }
        if req.quorum < 1 || req.quorum as usize > req.members.len() {
            return Err(Refusal::Invalid(
                Code::QuorumInvalid
                    .with("members", req.members.len())
                    .with("quorum", req.quorum),
            ));
        }
        let mut members = Vec::new();
        for m in &req.members {
            let uid: UserId = m
                .user_id
                .parse()
                .map_err(|_| Refusal::Invalid(Code::NotAUserId.with("id", &m.user_id)))?;
            let p = users::principal(conn, uid)?
                .ok_or_else(|| Refusal::Invalid(Code::NoSuchPerson.with("id", &m.user_id)))?;
            if !p.has(Role::Reviewer) {
                return Err(Refusal::Invalid(
                    Code::NotAReviewer.with("name", &p.display_name),
                ));
            }
            let unknown_enterprise =
                || Refusal::Invalid(Code::ReviewerEnterpriseUnknown.with("name", &p.display_name));
            let enterprise_id: EnterpriseId =
                m.enterprise_id.parse().map_err(|_| unknown_enterprise())?;
            let e = enterprises::get(conn, enterprise_id)?.ok_or_else(unknown_enterprise)?;
            let evaluated = apps::for_enterprise(conn, e.id)?
                .iter()
                .any(|a| evaluated(a.status));
            if !evaluated {
                return Err(Refusal::Invalid(
                    Code::ReviewerEnterpriseNotEvaluated
                        .with("name", &p.display_name)
                        .with("enterprise", &e.name_zh),
                ));
            }
            if members.iter().any(|(u, _)| *u == uid) {
                return Err(Refusal::Invalid(
                    Code::ReviewerTwice.with("name", &p.display_name),
                ));
            }
            members.push((uid, e.id));
        }
        let id = store::save_review_panel(
            conn,
            round_id,
            req.quorum as i32,
            (req.majority.0 as i32, req.majority.1 as i32),
            &members,
            who.user_id,
        )?;
        let listed: Vec<serde_json::Value> = members
            .iter()
            .map(|(u, e)| serde_json::json!({ "user_id": u, "enterprise_id": e }))
            .collect();
        record(
            conn,
            who.user_id,
            address,
            Kind::ReviewPanelFormed,
            ("round", &round_id),
            serde_json::json!({
                "review_panel_id": id, "quorum": req.quorum,
                "majority": [req.majority.0, req.majority.1], "members": listed,
            }),
        )?;
        // Applications already in review get the new panel: the votes kept may decide
        // now (a panel that was short of eligible members), or the secretariat is told
        // that it is still short.
        for app in apps::all(conn)?
            .into_iter()
            .filter(|a| a.round_id == round_id && a.status == Status::InReview)
        {
            let Some((panel, members)) = members_with_recusal(conn, &app)? else {
                continue;
            };
            if apps::lock_application(conn, app.id, Status::InReview)? {
                let cycle = store::decisions(conn, app.id)?.len() as i32 + 1;
                conclude(conn, who, &app, (&panel, &members), cycle, address)?;
            }
        }
        Ok(id)
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewMemberView {
    pub user_id: UserId,
    pub name: String,
    pub enterprise_id: EnterpriseId,
    pub enterprise: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewPanelView {
    pub quorum: i32,
    /// Approval needs strictly more than this fraction of the votes.
    pub majority: (i32, i32),
    pub formed_at: chrono::NaiveDateTime,
    pub members: Vec<ReviewMemberView>,
}

/// A round's review panel with its members' enterprises, if one was formed.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn panel_view(
    conn: &mut DbConn,
    round_id: RoundId,
) -> Result<Option<ReviewPanelView>, Refusal> {
    let Some(panel) = store::review_panel(conn, round_id)? else {
        return Ok(None);
    };
    let mut members = Vec::new();
    for m in store::review_members(conn, panel.id)? {
        let enterprise =
            enterprises::get(conn, m.enterprise_id)?.map_or_else(String::new, |e| e.name_zh);
        members.push(ReviewMemberView {
            user_id: m.user_id,
            name: m.display_name,
            enterprise_id: m.enterprise_id,
            enterprise,
        });
    }
    Ok(Some(ReviewPanelView {
        quorum: panel.quorum,
        majority: (panel.majority_numerator, panel.majority_denominator),
        formed_at: panel.formed_at,
        members,
    }))
}

/// Who may be put on a review panel: (id, name) of the people holding the reviewer role,
/// and of the evaluated enterprises they may come from.
/// The people who may sit on a review panel: (id, name), by name.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn candidates(conn: &mut DbConn) -> Result<Vec<(UserId, String)>, Refusal> {
    Ok(users::people_with_role(conn, Role::Reviewer)?)
}

/// The panel's seats as one application sees them (who is recused from it).
fn seats(members: &[(store::ReviewMemberRow, Option<Recusal>)]) -> Vec<ReviewSeat> {
    members
        .iter()
        .map(|(m, r)| ReviewSeat {
            member: m.user_id,
            recused: r.is_some(),
        })
        .collect()
}

fn majority_of(panel: &store::ReviewPanelRow) -> Ratio {
    Ratio::new(
        panel.majority_numerator as u32,
        panel.majority_denominator as u32,
    )
    .unwrap_or(Ratio::HALF)
}

/// The (quorum, eligible members) of an application no decision can be taken on however
/// its members vote: recusals leave fewer eligible members than the quorum
/// (`domain::scoring::review_decision`).
fn shortfall(
    panel: &store::ReviewPanelRow,
    members: &[(store::ReviewMemberRow, Option<Recusal>)],
) -> Option<(usize, usize)> {
    match review_decision(
        &seats(members),
        &[],
        panel.quorum.max(0) as usize,
        majority_of(panel),
    ) {
        Err(ReviewError::QuorumUnreachable { quorum, eligible }) => Some((quorum, eligible)),
        _ => None,
    }
}

/// When recusals leave `app`'s review panel short of its quorum, tells the secretariat
/// (mail and inbox, in the caller's transaction), once per application and panel
/// formation.
pub(crate) fn alert_if_short(
    conn: &mut DbConn,
    app: &ApplicationRow,
    panel: &store::ReviewPanelRow,
    members: &[(store::ReviewMemberRow, Option<Recusal>)],
) -> Result<(), Refusal> {
    let Some((quorum, eligible)) = shortfall(panel, members) else {
        return Ok(());
    };
    if store::claim_quorum_alert(conn, app.id, panel.id)? {
        let n = Notification::ReviewMembersNeeded {
            application_id: app.id,
            part: app.part_code.clone(),
            quorum,
            eligible,
        };
        for (secretariat, _) in users::people_with_role(conn, Role::Secretariat)? {
            to_user(conn, secretariat, &n)?;
        }
    }
    Ok(())
}

/// Why an application in review waits for more review members, if it does (for its
/// pages).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn waiting_for_members(
    conn: &mut DbConn,
    app: &ApplicationRow,
) -> Result<Option<Reason>, Refusal> {
    if app.status != Status::InReview {
        return Ok(None);
    }
    Ok(members_with_recusal(conn, app)?
        .and_then(|(panel, members)| shortfall(&panel, &members))
        .map(|(quorum, eligible)| {
            Code::ReviewMembersNeeded
                .with("quorum", quorum)
                .with("eligible", eligible)
        }))
}

/// A review panel and each member with their recusal from one application, if any.
pub type PanelWithRecusals = (
    store::ReviewPanelRow,
    Vec<(store::ReviewMemberRow, Option<Recusal>)>,
);

/// The review panel of an application's round with each member's recusal.
pub fn members_with_recusal(
    conn: &mut DbConn,
    app: &ApplicationRow,
) -> Result<Option<PanelWithRecusals>, Refusal> {
    let Some(panel) = store::review_panel(conn, app.round_id)? else {
        return Ok(None);
    };
    let group = enterprise_groups::ties(conn, app.enterprise_id)?;
    let mut out = Vec::new();
    for m in store::review_members(conn, panel.id)? {
        let declared: Vec<(OrganisationId, String)> = panels::conflicts_of(conn, m.user_id)?
            .into_iter()
            .map(|c| (c.with_id, c.reason))
            .collect();
        let r = recusal(
            m.enterprise_id.into(),
            &declared,
            app.enterprise_id.into(),
            &group,
        );
        out.push((m, r));
    }
    Ok(Some((panel, out)))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct VoteRequest {
    pub approve: bool,
    /// Needed to return the application.
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// Whether `who` may vote on the application now (the page confirms only then): an
/// eligible member of its round's review panel, the application in review, no vote of
/// theirs in this cycle yet.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn check_vote(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<(), Refusal> {
    let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
    let (_, members) = as_party(members_with_recusal(conn, &app)?)?;
    as_party(
        members
            .iter()
            .find(|(m, r)| m.user_id == who.user_id && r.is_none()),
    )?;
    if app.status != Status::InReview {
        return Err(Refusal::Conflict(
            Code::NotInReview.with("status", app.status),
        ));
    }
    let cycle = store::decisions(conn, application)?.len() as i32 + 1;
    if store::votes(conn, application, cycle)?
        .iter()
        .any(|v| v.member_id == who.user_id)
    {
        return Err(Refusal::Conflict(Code::AlreadyVoted.into()));
    }
    Ok(())
}

/// A member's vote; when it completes the quorum the decision is taken in the same
/// transaction (approved, or returned to the assessment panel with the reasons).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn vote(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    req: &VoteRequest,
    address: &str,
) -> Result<Option<ReviewOutcome>, Refusal> {
    let result = write_tx(conn, |conn| {
        let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
        let me = who.user_id;
        // Not on the review panel, or recused from this application: no party to it.
        let (panel, members) = as_party(members_with_recusal(conn, &app)?)?;
        as_party(members.iter().find(|(m, r)| m.user_id == me && r.is_none()))?;
        // Serialises every vote on this application (the row lock on PostgreSQL).
        if !apps::lock_application(conn, application, Status::InReview)? {
            return Err(Refusal::Conflict(
                Code::NotInReview.with("status", app.status),
            ));
        }
        let reasons: Vec<String> = req
            .reasons
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        if !req.approve && reasons.is_empty() {
            return Err(Refusal::Invalid(Code::ReturnReasonMissing.into()));
        }
        let cycle = store::decisions(conn, application)?.len() as i32 + 1;
        let votes = store::votes(conn, application, cycle)?;
        if votes.iter().any(|v| v.member_id == me) {
            return Err(Refusal::Conflict(Code::AlreadyVoted.into()));
        }
        store::insert_vote(conn, application, cycle, me, req.approve, &reasons)?;
        record(
            conn,
            who.user_id,
            address,
            Kind::ReviewVoteCast,
            ("application", &application),
            serde_json::json!({ "cycle": cycle, "approve": req.approve, "reasons": reasons }),
        )?;
        conclude(conn, who, &app, (&panel, &members), cycle, address)
    });
    match result {
        Err(Refusal::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Err(Refusal::Conflict(Code::DecidedMeanwhile.into())),
        other => other,
    }
}

/// Takes the review decision on `app` (locked, in review) from the votes of `cycle` if they
/// decide it now: approved, or returned to the assessment panel with the reasons. While
/// recusals leave the panel short of its quorum the votes are kept and the secretariat is
/// told ([`alert_if_short`]). `who` is the one whose action completes it (the last voter,
/// or the secretariat re-forming the panel).
fn conclude(
    conn: &mut DbConn,
    who: &Principal,
    app: &ApplicationRow,
    (panel, members): (
        &store::ReviewPanelRow,
        &[(store::ReviewMemberRow, Option<Recusal>)],
    ),
    cycle: i32,
    address: &str,
) -> Result<Option<ReviewOutcome>, Refusal> {
    let application = app.id;
    let ballot: Vec<Vote> = store::votes(conn, application, cycle)?
        .iter()
        .map(|v| Vote {
            member: v.member_id,
            approve: v.approve,
            reasons: v.reasons.0.clone(),
        })
        .collect();
    let quorum = panel.quorum.max(0) as usize;
    let outcome = match review_decision(&seats(members), &ballot, quorum, majority_of(panel)) {
        Ok(outcome) => outcome,
        // The votes are kept; the decision waits until the panel has enough members.
        Err(ReviewError::QuorumUnreachable { .. }) => {
            alert_if_short(conn, app, panel, members)?;
            return Ok(None);
        }
        Err(e) => return Err(Refusal::Conflict(e.into())),
    };
    let tally = (
        ballot.iter().filter(|v| v.approve).count() as i32,
        ballot.iter().filter(|v| !v.approve).count() as i32,
    );
    let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
    match &outcome {
        ReviewOutcome::Pending { .. } => return Ok(None),
        ReviewOutcome::Approved => {
            store::insert_decision(conn, application, cycle, true, &[], tally)?;
            move_status(conn, &app, &Event::Approve, "approve", None, who.user_id)?;
        }
        ReviewOutcome::Returned { reasons } => {
            let text = reasons.join("\n");
            store::insert_decision(conn, application, cycle, false, reasons, tally)?;
            let event = Event::Return {
                reasons: reasons.clone(),
            };
            move_status(conn, &app, &event, "return", Some(&text), who.user_id)?;
            let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
            move_status(
                conn,
                &app,
                &Event::StartAssessment,
                "start_assessment",
                Some(&text),
                who.user_id,
            )?;
        }
    }
    decided(conn, who, &app, cycle, &outcome, tally, address)?;
    Ok(Some(outcome))
}

/// Records a review decision and tells the panel's lead; on approval the enterprise gets
/// the approval message (no votes, counts or names). A return goes back to the assessment
/// panel, not to the enterprise, so the enterprise is not told of it.
fn decided(
    conn: &mut DbConn,
    who: &Principal,
    app: &ApplicationRow,
    cycle: i32,
    outcome: &ReviewOutcome,
    (approvals, returns): (i32, i32),
    address: &str,
) -> Result<(), Refusal> {
    let (approved, reasons) = match outcome {
        ReviewOutcome::Approved => (true, vec![]),
        ReviewOutcome::Returned { reasons } => (false, reasons.clone()),
        ReviewOutcome::Pending { .. } => return Ok(()),
    };
    record(
        conn,
        who.user_id,
        address,
        Kind::ReviewDecided,
        ("application", &app.id),
        serde_json::json!({
            "cycle": cycle, "approved": approved, "approvals": approvals,
            "returns": returns, "reasons": reasons,
        }),
    )?;
    if let Some(lead) = lead_of(conn, app.id)? {
        let n = Notification::ReviewDecided {
            application_id: app.id,
            part: app.part_code.clone(),
            approved,
            reasons: reasons.join("; "),
        };
        to_user(conn, lead, &n)?;
    }
    if approved {
        let e = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
        let n = Notification::ApplicationApproved {
            application_id: app.id,
            part: app.part_code.clone(),
            enterprise_name: e.name_zh,
        };
        mail::enqueue_to_enterprise(conn, app.enterprise_id, &n)?;
    }
    Ok(())
}

/// The votes of one review cycle as the review page counts them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub approvals: usize,
    pub returns: usize,
    pub recused: usize,
    pub eligible: usize,
    pub quorum: usize,
    /// Votes still needed before a decision (`None` once decided or when the panel is
    /// short of eligible members).
    pub missing: Option<usize>,
}

/// A review decision as the review page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub approved: bool,
    pub reasons: Vec<String>,
    pub decided_at: chrono::NaiveDateTime,
}

/// One's own vote in the cycle shown.
#[derive(Debug, Clone, Serialize)]
pub struct OwnVote {
    pub approve: bool,
    pub reasons: Vec<String>,
}

/// What the review page shows a review member (or, read-only, the secretariat).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewPage {
    pub header: super::scoring::ApplicationHeader,
    pub scoring: crate::domain::visibility::ScoringView,
    pub tally: Tally,
    /// The decision on the application, once taken and while it is not back in review.
    pub outcome: Option<DecisionView>,
    pub own_vote: Option<OwnVote>,
    /// The caller is an eligible member and the application waits for their vote.
    pub may_vote: bool,
    /// Why the decision waits for more review members, if it does.
    #[serde(skip)]
    pub waiting: Option<Reason>,
}

/// The review page of one application: for members of its round's review panel who are
/// not recused, and for the secretariat; anyone else gets "not found".
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn review_page(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<ReviewPage, Refusal> {
    use crate::domain::visibility::Viewer;
    let (app, viewer, scoring) = super::scoring::view(conn, who, application)?;
    if !matches!(viewer, Viewer::Reviewer | Viewer::Secretariat) {
        return Err(Refusal::NotFound);
    }
    let decisions = store::decisions(conn, application)?;
    let in_review = app.status == Status::InReview;
    let cycle = if in_review {
        decisions.len() as i32 + 1
    } else {
        decisions.len().max(1) as i32
    };
    let votes = store::votes(conn, application, cycle)?;
    let mut tally = Tally::default();
    let mut may_vote = false;
    if let Some((panel, members)) = members_with_recusal(conn, &app)? {
        let eligible: Vec<UserId> = members
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(m, _)| m.user_id)
            .collect();
        let counted: Vec<&store::VoteRow> = votes
            .iter()
            .filter(|v| eligible.contains(&v.member_id))
            .collect();
        tally = Tally {
            approvals: counted.iter().filter(|v| v.approve).count(),
            returns: counted.iter().filter(|v| !v.approve).count(),
            recused: members.len() - eligible.len(),
            eligible: eligible.len(),
            quorum: panel.quorum.max(0) as usize,
            missing: None,
        };
        if in_review {
            let ballot: Vec<Vote> = counted
                .iter()
                .map(|v| Vote {
                    member: v.member_id,
                    approve: v.approve,
                    reasons: v.reasons.0.clone(),
                })
                .collect();
            if let Ok(ReviewOutcome::Pending { missing }) =
                review_decision(&seats(&members), &ballot, tally.quorum, majority_of(&panel))
            {
                tally.missing = Some(missing);
            }
            may_vote = viewer == Viewer::Reviewer
                && eligible.contains(&who.user_id)
                && !votes.iter().any(|v| v.member_id == who.user_id);
        }
    }
    let outcome = decisions
        .last()
        .filter(|_| !in_review)
        .map(|d| DecisionView {
            approved: d.approved,
            reasons: d.reasons.0.clone(),
            decided_at: d.decided_at,
        });
    let own_vote = votes
        .iter()
        .find(|v| v.member_id == who.user_id)
        .map(|v| OwnVote {
            approve: v.approve,
            reasons: v.reasons.0.clone(),
        });
    Ok(ReviewPage {
        header: super::scoring::header(conn, &app)?,
        scoring,
        tally,
        outcome,
        own_vote,
        may_vote,
        waiting: waiting_for_members(conn, &app)?,
    })
}

/// One line of a review member's list.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewListEntry {
    pub id: ApplicationId,
    pub enterprise_name: String,
    pub part_name: Bilingual,
    pub target_level: i32,
    pub status: Status,
    /// In review and still waiting for this member's vote.
    pub vote_pending: bool,
    /// The last decision's outcome (approved or not), once the application left review.
    pub decided: Option<bool>,
}

/// Where a review member reviews: the rounds of the panels they sit on, grouped by the
/// enterprise they sit for, each with the applicants they are recused from there
/// (`domain::assessment::recused_from`). Their list and their task count both read it,
/// so the count is the length of the list's "awaiting your vote" view.
pub fn review_scopes(
    conn: &mut DbConn,
    member: UserId,
) -> Result<Vec<(Vec<RoundId>, RecusalScope)>, Refusal> {
    let mut rounds_for: BTreeMap<EnterpriseId, Vec<RoundId>> = BTreeMap::new();
    for (round, enterprise) in store::review_rounds_of(conn, member)? {
        rounds_for.entry(enterprise).or_default().push(round);
    }
    if rounds_for.is_empty() {
        return Ok(Vec::new());
    }
    let conflicts = panels::conflicts_of(conn, member)?;
    // The groups of the member's enterprises and of what they declared, in one query.
    let ids: Vec<EnterpriseId> = rounds_for
        .keys()
        .copied()
        .chain(conflicts.iter().map(|c| c.with_id.as_enterprise()))
        .collect();
    let groups: HashMap<EnterpriseId, OrganisationId> = enterprises::groups_of(conn, &ids)?
        .into_iter()
        .map(|(e, g)| (e, OrganisationId::from(g)))
        .collect();
    let group_of = |e: EnterpriseId| groups.get(&e).copied();
    let declared: Vec<(OrganisationId, Option<OrganisationId>)> = conflicts
        .iter()
        .map(|c| (c.with_id, group_of(c.with_id.as_enterprise())))
        .collect();
    Ok(rounds_for
        .into_iter()
        .map(|(enterprise, rounds)| {
            let scope = recused_from(enterprise.into(), group_of(enterprise), &declared);
            (rounds, scope)
        })
        .collect())
}

/// The name of a review member's list in its cursors (the applications list's keys).
pub const REVIEW_LIST: &str = "reviews";

/// A page of the applications a review member sees: those of the rounds whose review
/// panel they sit on that reached review, less the applicants they are recused from
/// (`domain::assessment::recused_from`), newest first; `awaiting_vote` keeps those in
/// review still waiting for their vote. A page is one query (per enterprise the member
/// sits for, one as a rule), then the page's decisions and the member's votes.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn my_reviews(
    conn: &mut DbConn,
    who: &Principal,
    awaiting_vote: bool,
    window: &Window,
) -> Result<Page<ReviewListEntry>, Refusal> {
    let at = crate::workflow::queries::time_id_at::<ApplicationId>(window)?;
    let mut rows = Vec::new();
    for (rounds, scope) in review_scopes(conn, who.user_id)? {
        let filter = apps::ApplicationFilter {
            reviewer: Some(apps::ReviewerFilter {
                member: who.user_id,
                rounds,
                recused_enterprises: scope
                    .enterprises
                    .iter()
                    .map(|o| o.as_enterprise())
                    .collect(),
                recused_groups: scope.groups.iter().map(|o| o.as_group()).collect(),
                awaiting_vote,
            }),
            ..Default::default()
        };
        rows.extend(apps::listed_page(conn, &filter, &at)?);
    }
    // Pages of several queries merged in the list's order (newest first; oldest first
    // when going back), as one query would have returned them.
    rows.sort_by_key(|(a, _)| std::cmp::Reverse((a.created_at, a.id)));
    if at.backwards {
        rows.reverse();
    }
    rows.truncate(at.fetch as usize);
    let page = assemble(REVIEW_LIST, window, rows, |(a, _)| {
        Cursor::new(vec![key_time(a.created_at), a.id.to_string()])
    });
    let ids: Vec<ApplicationId> = page.rows.iter().map(|(a, _)| a.id).collect();
    let mut decisions: HashMap<ApplicationId, Vec<bool>> = HashMap::new();
    for (id, _, approved) in store::decisions_on(conn, &ids)? {
        decisions.entry(id).or_default().push(approved);
    }
    let voted: HashSet<(ApplicationId, i32)> = store::member_votes_on(conn, who.user_id, &ids)?
        .into_iter()
        .collect();
    let mut parts = crate::workflow::queries::catalog::PartNames::default();
    let mut part_names = Vec::new();
    for (a, _) in &page.rows {
        part_names.push(parts.of(conn, a.round_id, &a.part_code)?);
    }
    let mut part_names = part_names.into_iter();
    Ok(page.map(|(a, enterprise_name)| {
        let decided = decisions.get(&a.id).map(Vec::as_slice).unwrap_or_default();
        let in_review = a.status == Status::InReview;
        let open_cycle = decided.len() as i32 + 1;
        ReviewListEntry {
            part_name: part_names.next().expect("a name for each row"),
            vote_pending: in_review && !voted.contains(&(a.id, open_cycle)),
            decided: decided.last().copied().filter(|_| !in_review),
            id: a.id,
            enterprise_name,
            target_level: a.target_level,
            status: a.status,
        }
    }))
}
