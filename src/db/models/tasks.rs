//! Counts for the task list of the home page: one query per role, every count a
//! sub-select, so the page costs the same with 12 applications or 12,000
//! (the rules of what counts are in `domain::tasks`).

use crate::db::one_of::one_of_names;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{
    appeals, application_counts, applications, certificates, clarifications, complaints,
    enterprise_members, enterprises, panel_seats, part_results, review_decision_counts,
    review_members, review_open_votes, review_panels, review_quorum_alerts, rounds, scores,
    surveillances,
};
use crate::db::DbConn;
use crate::domain::appeal::AppealStatus;
use crate::domain::application_status::Status;
use crate::domain::assessment::RecusalScope;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::ids::{ApplicationId, EnterpriseGroupId, EnterpriseId, RoundId, UserId};
use crate::domain::surveillance::SurveillanceStatus;

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).expect("midnight exists")
}

pub struct SecretariatInput<'a> {
    pub to_accept: &'a [Status],
    pub without_panel: &'a [Status],
    pub awaiting_review_panel: &'a [Status],
    pub to_issue: &'a [Status],
    pub alerting: &'a [Status],
    /// Issue dates (both included) of the certificates that are expiring.
    pub expiring_issued: (NaiveDate, NaiveDate),
    /// Suspensions ending on or before this day.
    pub suspensions_end_by: NaiveDate,
    /// Open surveillances due before the first day are overdue; up to the second
    /// (included), due.
    pub surveillance_due: (NaiveDate, NaiveDate),
}

/// The secretariat's sixteen counts, in one query (each count a sub-select; on PostgreSQL
/// every round trip of a page costs about as much as a small count):
/// [enterprises to verify, to accept, panels to form, rounds needing a review panel,
/// to issue, certificates expiring, quorum alerts, appeals lodged, appeals to decide,
/// upheld appeals to follow up, complaints received, complaints accepted, complaints that
/// asked for a surveillance, suspensions ending, surveillances due, surveillances overdue]
pub fn secretariat<'a>(conn: &mut DbConn, i: &SecretariatInput<'a>) -> QueryResult<[i64; 16]> {
    use diesel::dsl::{exists, not, sum};
    let to_verify = enterprises::table
        .filter(enterprises::verified_at.is_null())
        .select(count_star())
        .single_value();
    // Applications by status are summed from `application_counts` (a row per round and
    // status, kept by triggers, migration 000408): counting the index entries of 1,200 to
    // 1,800 applications a status was most of the page's work.
    let in_status = |statuses: &'a [Status]| {
        application_counts::table
            .filter(one_of_names(application_counts::status, statuses))
            .select(sum(application_counts::n))
            .single_value()
    };
    let to_accept = in_status(i.to_accept);
    // Setting an application's panel starts its assessment in the same transaction
    // (`workflow::panels`), so no accepted application has one: the count needs no look
    // at the panels (a hash of all of them on PostgreSQL, 2.3 ms at national scale).
    let no_panel = in_status(i.without_panel);
    // From the rounds: a round without a review panel is counted if one application waits
    // in it. NOT EXISTS, never `<> ALL (SELECT ...)`: PostgreSQL compares every row with
    // every row of the latter (the panels' version of it took 2.3 s a home page).
    let review_panels_missing = rounds::table
        .filter(not(exists(
            review_panels::table
                .filter(review_panels::round_id.eq(rounds::id))
                .select(review_panels::round_id),
        )))
        .filter(exists(
            application_counts::table
                .filter(application_counts::round_id.eq(rounds::id))
                .filter(one_of_names(
                    application_counts::status,
                    i.awaiting_review_panel,
                ))
                .filter(application_counts::n.gt(0))
                .select(application_counts::round_id),
        ))
        .select(count_star())
        .single_value();
    let to_issue = in_status(i.to_issue);
    let expiring = certificates::table
        .filter(certificates::revoked_at.is_null())
        .filter(certificates::superseded_by.is_null())
        .filter(certificates::issued_at.ge(midnight(i.expiring_issued.0)))
        .filter(certificates::issued_at.lt(midnight(
            i.expiring_issued.1.succ_opt().expect("a next day"),
        )))
        .select(count_star())
        .single_value();
    // From the alerts (a handful), each looked up by key: `IN (SELECT ...)` made SQLite
    // gather every application in review first (0.46 ms against 0.01 ms).
    let alerts = review_quorum_alerts::table
        .filter(exists(
            applications::table
                .filter(applications::id.eq(review_quorum_alerts::application_id))
                .filter(one_of_names(applications::status, i.alerting))
                .select(applications::id),
        ))
        .select(count_star())
        .single_value();
    let appeals_in = |status: &'static [AppealStatus]| {
        appeals::table
            .filter(one_of_names(appeals::status, status))
            .select(count_star())
    };
    let complaints_in = |status: &'static [ComplaintStatus]| {
        complaints::table
            .filter(one_of_names(complaints::status, status))
            .select(count_star())
    };
    let suspensions_ending = certificates::table
        .filter(certificates::suspended_until.le(i.suspensions_end_by))
        .filter(certificates::revoked_at.is_null())
        .filter(certificates::superseded_by.is_null())
        .select(count_star())
        .single_value();
    // The open statuses by name, so that `surveillances_status (status, due_on)` is read
    // a range per status.
    let open: Vec<SurveillanceStatus> = SurveillanceStatus::ALL
        .into_iter()
        .filter(|s| *s != SurveillanceStatus::Concluded)
        .collect();
    let open_surveillances = || {
        surveillances::table
            .filter(one_of_names(surveillances::status, &open))
            .select(count_star())
    };
    let (overdue_before, due_until) = i.surveillance_due;
    type Eight = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let (a, b): (Eight, Eight) = diesel::select((
        (
            to_verify,
            to_accept,
            no_panel,
            review_panels_missing,
            to_issue,
            expiring,
            alerts,
            appeals_in(&[AppealStatus::Lodged]).single_value(),
        ),
        (
            appeals_in(&[AppealStatus::PanelFormed]).single_value(),
            appeals_in(&[AppealStatus::Upheld])
                .filter(appeals::follow_up_done_at.is_null())
                .single_value(),
            complaints_in(&[ComplaintStatus::Received]).single_value(),
            complaints_in(&[ComplaintStatus::Accepted]).single_value(),
            complaints_in(&[ComplaintStatus::Accepted])
                .filter(complaints::surveillance_requested_at.is_not_null())
                .single_value(),
            suspensions_ending,
            open_surveillances()
                .filter(surveillances::due_on.ge(overdue_before))
                .filter(surveillances::due_on.le(due_until))
                .single_value(),
            open_surveillances()
                .filter(surveillances::due_on.lt(overdue_before))
                .single_value(),
        ),
    ))
    .get_result(conn)?;
    Ok([
        a.0, a.1, a.2, a.3, a.4, a.5, a.6, a.7, b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7,
    ]
    .map(Option::unwrap_or_default))
}

pub struct EnterpriseInput<'a> {
    pub drafts: &'a [Status],
    pub clarifying: &'a [Status],
    pub results: &'a [Status],
}

/// [drafts, clarifications to answer, results, certificates (not revoked)] of the
/// enterprise the user belongs to.
pub fn enterprise(
    conn: &mut DbConn,
    user: UserId,
    i: &EnterpriseInput<'_>,
) -> QueryResult<[i64; 4]> {
    let mine = || {
        enterprise_members::table
            .filter(enterprise_members::user_id.eq(user))
            .select(enterprise_members::enterprise_id)
    };
    let drafts = applications::table
        .filter(applications::enterprise_id.eq_any(mine()))
        .filter(one_of_names(applications::status, i.drafts))
        .select(count_star())
        .single_value();
    let to_answer = clarifications::table
        .filter(clarifications::answer.is_null())
        .filter(
            clarifications::application_id.eq_any(
                applications::table
                    .filter(applications::enterprise_id.eq_any(mine()))
                    .filter(one_of_names(applications::status, i.clarifying))
                    .select(applications::id),
            ),
        )
        .select(count_star())
        .single_value();
    let results = applications::table
        .filter(applications::enterprise_id.eq_any(mine()))
        .filter(one_of_names(applications::status, i.results))
        .select(count_star())
        .single_value();
    let certs = certificates::table
        .filter(certificates::revoked_at.is_null())
        .filter(
            certificates::application_id.eq_any(
                applications::table
                    .filter(applications::enterprise_id.eq_any(mine()))
                    .select(applications::id),
            ),
        )
        .select(count_star())
        .single_value();
    let r: (Option<i64>, Option<i64>, Option<i64>, Option<i64>) =
        diesel::select((drafts, to_answer, results, certs)).get_result(conn)?;
    Ok([r.0, r.1, r.2, r.3].map(Option::unwrap_or_default))
}

/// [assigned, awaiting my scores, clarifications answered] for an assessor, counting the
/// applications in `active` statuses that the assessor has a seat on. An application
/// awaits the assessor's scores until it is consolidated, while the assessor keeps a
/// draft score or has submitted none.
///
/// Every count starts from the assessor's seats in `active` statuses (a seat carries its
/// application's status, migration 000403): one index range, however many applications
/// the assessor sat on in earlier rounds.
pub fn assessor(conn: &mut DbConn, user: UserId, active: &[Status]) -> QueryResult<[i64; 3]> {
    use diesel::dsl::{exists, not};
    let working_seats = || {
        panel_seats::table
            .filter(panel_seats::assessor_id.eq(user))
            .filter(one_of_names(panel_seats::application_status, active))
    };
    let assigned = working_seats().select(count_star()).single_value();
    // Correlated EXISTS rather than `IN`/`NOT IN (SELECT ...)`: PostgreSQL cannot turn a
    // NOT IN into an anti-join and scanned the 361,350 scores of the national programme
    // for every seat (2.5 s a home page); these look each seat up in the scores' and part
    // results' keys.
    let my_scores = |status: &'static str| {
        scores::table
            .filter(scores::application_id.eq(panel_seats::application_id))
            .filter(scores::assessor_id.eq(user))
            .filter(scores::status.eq(status))
            .select(scores::application_id)
    };
    let awaiting = working_seats()
        .filter(not(exists(
            part_results::table
                .filter(part_results::application_id.eq(panel_seats::application_id))
                .select(part_results::application_id),
        )))
        .filter(exists(my_scores("draft")).or(not(exists(my_scores("submitted")))))
        .select(count_star())
        .single_value();
    let answered = clarifications::table
        .filter(clarifications::answer.is_not_null())
        .filter(
            clarifications::application_id
                .eq_any(working_seats().select(panel_seats::application_id)),
        )
        .select(count_star())
        .single_value();
    let r: (Option<i64>, Option<i64>, Option<i64>) =
        diesel::select((assigned, awaiting, answered)).get_result(conn)?;
    Ok([r.0, r.1, r.2].map(Option::unwrap_or_default))
}

/// One application an assessor is seated on, for the task list.
#[derive(Debug, Clone, Queryable)]
pub struct AssignedRow {
    pub application_id: ApplicationId,
    pub enterprise_zh: String,
    pub enterprise_en: Option<String>,
    pub part_code: String,
    pub target_level: i32,
    pub due: NaiveDate,
}

/// The first `limit` applications in `active` statuses the assessor is seated on,
/// soonest due first.
pub fn assigned(
    conn: &mut DbConn,
    user: UserId,
    active: &[Status],
    limit: i64,
) -> QueryResult<Vec<AssignedRow>> {
    applications::table
        .inner_join(enterprises::table)
        .inner_join(rounds::table)
        .filter(
            applications::id.eq_any(
                panel_seats::table
                    .filter(panel_seats::assessor_id.eq(user))
                    .filter(one_of_names(panel_seats::application_status, active))
                    .select(panel_seats::application_id),
            ),
        )
        .order((rounds::assessment_ends.asc(), applications::id.asc()))
        .limit(limit)
        .select((
            applications::id,
            enterprises::name_zh,
            enterprises::name_en,
            applications::part_code,
            applications::target_level,
            rounds::assessment_ends,
        ))
        .load(conn)
}

/// [votes pending, decisions] for a review member: applications in `voting` statuses of
/// the rounds whose review panel has the user, not among those the member is recused from
/// there (`scopes`: per enterprise they sit for, its rounds and the recusal scope), with
/// no vote of theirs in the open cycle (a vote whose cycle has no decision yet); and the
/// review decisions of those rounds.
///
/// From counts kept by triggers (migrations 000408 and 000409), so the page costs the
/// same however many applications are in review: counting them one by one, each with a
/// look for the member's vote, was 0.1 to 0.2 % of the bare handler at national scale.
/// Pending = in review in the member's rounds − the member's open votes there − the
/// applications in review there that the member is recused from and has not voted on
/// (their own enterprise, its group, what they declared: a handful of rows, counted
/// directly).
pub fn reviewer(
    conn: &mut DbConn,
    user: UserId,
    voting: &[Status],
    scopes: &[(Vec<RoundId>, RecusalScope)],
) -> QueryResult<[i64; 2]> {
    use diesel::dsl::{exists, not, sum};
    // review_open_votes keeps the votes on applications in review.
    debug_assert_eq!(voting, [Status::InReview]);
    let my_panels = || {
        review_members::table
            .filter(review_members::user_id.eq(user))
            .select(review_members::review_panel_id)
    };
    let my_rounds = || {
        review_panels::table
            .filter(review_panels::id.eq_any(my_panels()))
            .select(review_panels::round_id)
    };
    let in_review = application_counts::table
        .filter(application_counts::round_id.eq_any(my_rounds()))
        .filter(one_of_names(application_counts::status, voting))
        .select(sum(application_counts::n))
        .single_value();
    let voted = review_open_votes::table
        .filter(review_open_votes::member_id.eq(user))
        .filter(review_open_votes::round_id.eq_any(my_rounds()))
        .select(sum(review_open_votes::n))
        .single_value();
    let decisions = review_decision_counts::table
        .filter(review_decision_counts::round_id.eq_any(my_rounds()))
        .select(sum(review_decision_counts::n))
        .single_value();
    let (in_review, voted, decisions): Three =
        diesel::select((in_review, voted, decisions)).get_result(conn)?;
    let [in_review, voted, decisions] =
        [in_review, voted, decisions].map(Option::unwrap_or_default);
    let mut recused_unvoted = 0;
    for (rounds, scope) in scopes {
        let open_vote = super::open_vote_of!(user);
        // The recused enterprises by id, with those of the recused groups read first
        // through the groups' index: as one condition (`id IN … OR group_id IN …`)
        // SQLite read all 5,000 enterprises on every home page at national scale.
        let mut recused: Vec<EnterpriseId> = scope
            .enterprises
            .iter()
            .map(|o| o.as_enterprise())
            .collect();
        if !scope.groups.is_empty() {
            let groups: Vec<EnterpriseGroupId> =
                scope.groups.iter().map(|o| o.as_group()).collect();
            recused.extend(super::enterprises::in_groups(&groups).load::<EnterpriseId>(conn)?);
        }
        if recused.is_empty() {
            continue;
        }
        recused_unvoted += applications::table
            .filter(applications::enterprise_id.eq_any(recused))
            .filter(applications::round_id.eq_any(rounds))
            .filter(one_of_names(applications::status, voting))
            .filter(not(exists(open_vote)))
            .select(count_star())
            .get_result::<i64>(conn)?;
    }
    Ok([in_review - voted - recused_unvoted, decisions])
}

type Three = (Option<i64>, Option<i64>, Option<i64>);
