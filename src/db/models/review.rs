//! The round's review panel, its members, votes and decisions (feature: review).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::one_of::one_of;

use crate::db::schema::{
    review_decisions, review_members, review_panels, review_quorum_alerts, review_votes, users,
};
use crate::db::sql_types::Json;
use crate::db::DbConn;
use crate::domain::ids::{ApplicationId, EnterpriseId, ReviewPanelId, RoundId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = review_panels)]
pub struct ReviewPanelRow {
    pub id: ReviewPanelId,
    pub round_id: RoundId,
    pub quorum: i32,
    pub majority_numerator: i32,
    pub majority_denominator: i32,
    pub formed_by: UserId,
    pub formed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct ReviewMemberRow {
    pub user_id: UserId,
    pub display_name: String,
    pub enterprise_id: EnterpriseId,
}

pub fn review_panel(conn: &mut DbConn, round: RoundId) -> QueryResult<Option<ReviewPanelRow>> {
    review_panels::table
        .filter(review_panels::round_id.eq(round))
        .select(ReviewPanelRow::as_select())
        .first(conn)
        .optional()
}

/// Replaces the round's review panel.
pub fn save_review_panel(
    conn: &mut DbConn,
    round: RoundId,
    quorum: i32,
    majority: (i32, i32),
    members: &[(UserId, EnterpriseId)],
    by: UserId,
) -> QueryResult<ReviewPanelId> {
    if let Some(old) = review_panel(conn, round)? {
        diesel::delete(review_members::table.filter(review_members::review_panel_id.eq(old.id)))
            .execute(conn)?;
        diesel::delete(review_panels::table.find(old.id)).execute(conn)?;
    }
    let id = ReviewPanelId::new();
    diesel::insert_into(review_panels::table)
        .values((
            review_panels::id.eq(id),
            review_panels::round_id.eq(round),
            review_panels::quorum.eq(quorum),
            review_panels::majority_numerator.eq(majority.0),
            review_panels::majority_denominator.eq(majority.1),
            review_panels::formed_by.eq(by),
            review_panels::formed_at.eq(super::now()),
        ))
        .execute(conn)?;
    for (user, enterprise) in members {
        diesel::insert_into(review_members::table)
            .values((
                review_members::review_panel_id.eq(id),
                review_members::user_id.eq(user),
                review_members::enterprise_id.eq(enterprise),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn review_members(
    conn: &mut DbConn,
    panel: ReviewPanelId,
) -> QueryResult<Vec<ReviewMemberRow>> {
    review_members::table
        .inner_join(users::table)
        .filter(review_members::review_panel_id.eq(panel))
        .order(users::display_name.asc())
        .select((
            review_members::user_id,
            users::display_name,
            review_members::enterprise_id,
        ))
        .load(conn)
}

/// The rounds whose review panel the person sits on, each with the enterprise they sit
/// for (what their recusals start from).
pub fn review_rounds_of(
    conn: &mut DbConn,
    user: UserId,
) -> QueryResult<Vec<(RoundId, EnterpriseId)>> {
    review_members::table
        .inner_join(review_panels::table)
        .filter(review_members::user_id.eq(user))
        .select((review_panels::round_id, review_members::enterprise_id))
        .load(conn)
}

/// The decisions on these applications: (application, cycle, approved), by cycle.
pub fn decisions_on(
    conn: &mut DbConn,
    applications: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, i32, bool)>> {
    review_decisions::table
        .filter(one_of(review_decisions::application_id, applications))
        .order((
            review_decisions::application_id,
            review_decisions::cycle.asc(),
        ))
        .select((
            review_decisions::application_id,
            review_decisions::cycle,
            review_decisions::approved,
        ))
        .load(conn)
}

/// The cycles in which the member voted on these applications: (application, cycle).
pub fn member_votes_on(
    conn: &mut DbConn,
    member: UserId,
    applications: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, i32)>> {
    review_votes::table
        .filter(review_votes::member_id.eq(member))
        .filter(one_of(review_votes::application_id, applications))
        .select((review_votes::application_id, review_votes::cycle))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = review_votes)]
pub struct VoteRow {
    pub application_id: ApplicationId,
    pub cycle: i32,
    pub member_id: UserId,
    pub approve: bool,
    pub reasons: Json<Vec<String>>,
    pub voted_at: NaiveDateTime,
}

pub fn votes(
    conn: &mut DbConn,
    application: ApplicationId,
    cycle: i32,
) -> QueryResult<Vec<VoteRow>> {
    review_votes::table
        .filter(review_votes::application_id.eq(application))
        .filter(review_votes::cycle.eq(cycle))
        .order(review_votes::voted_at.asc())
        .select(VoteRow::as_select())
        .load(conn)
}

pub fn insert_vote(
    conn: &mut DbConn,
    application: ApplicationId,
    cycle: i32,
    member: UserId,
    approve: bool,
    reasons: &[String],
) -> QueryResult<()> {
    diesel::insert_into(review_votes::table)
        .values((
            review_votes::application_id.eq(application),
            review_votes::cycle.eq(cycle),
            review_votes::member_id.eq(member),
            review_votes::approve.eq(approve),
            review_votes::reasons.eq(Json(reasons.to_vec())),
            review_votes::voted_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Inserts many first-cycle votes, (application, member, approve) (bulk loads).
pub fn insert_votes(
    conn: &mut DbConn,
    rows: &[(ApplicationId, UserId, bool)],
) -> QueryResult<usize> {
    let now = super::now();
    let rows: Vec<_> = rows
        .iter()
        .map(|(app, member, approve)| {
            (
                review_votes::application_id.eq(*app),
                review_votes::cycle.eq(1),
                review_votes::member_id.eq(*member),
                review_votes::approve.eq(*approve),
                review_votes::reasons.eq(Json(Vec::<String>::new())),
                review_votes::voted_at.eq(now),
            )
        })
        .collect();
    super::insert_all!(conn, review_votes::table, &rows)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = review_decisions)]
pub struct DecisionRow {
    pub id: String,
    pub application_id: ApplicationId,
    pub cycle: i32,
    pub approved: bool,
    pub reasons: Json<Vec<String>>,
    pub votes_for: i32,
    pub votes_against: i32,
    pub decided_at: NaiveDateTime,
}

pub fn decisions(conn: &mut DbConn, application: ApplicationId) -> QueryResult<Vec<DecisionRow>> {
    review_decisions::table
        .filter(review_decisions::application_id.eq(application))
        .order(review_decisions::cycle.asc())
        .select(DecisionRow::as_select())
        .load(conn)
}

pub fn insert_decision(
    conn: &mut DbConn,
    application: ApplicationId,
    cycle: i32,
    approved: bool,
    reasons: &[String],
    tally: (i32, i32),
) -> QueryResult<()> {
    diesel::insert_into(review_decisions::table)
        .values((
            review_decisions::id.eq(uuid::Uuid::now_v7().to_string()),
            review_decisions::application_id.eq(application),
            review_decisions::cycle.eq(cycle),
            review_decisions::approved.eq(approved),
            review_decisions::reasons.eq(Json(reasons.to_vec())),
            review_decisions::votes_for.eq(tally.0),
            review_decisions::votes_against.eq(tally.1),
            review_decisions::decided_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Notes that the secretariat is being told `panel` is short of eligible members for
/// `application`; false when it already was told for this panel formation.
pub fn claim_quorum_alert(
    conn: &mut DbConn,
    application: ApplicationId,
    panel: ReviewPanelId,
) -> QueryResult<bool> {
    let key = review_quorum_alerts::table
        .filter(review_quorum_alerts::application_id.eq(application))
        .filter(review_quorum_alerts::review_panel_id.eq(panel));
    if diesel::select(diesel::dsl::exists(key)).get_result::<bool>(conn)? {
        return Ok(false);
    }
    diesel::insert_into(review_quorum_alerts::table)
        .values((
            review_quorum_alerts::application_id.eq(application),
            review_quorum_alerts::review_panel_id.eq(panel),
            review_quorum_alerts::alerted_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Inserts many first-cycle decisions, (application, approved, votes for, votes against)
/// (bulk loads).
pub fn insert_decisions(
    conn: &mut DbConn,
    rows: &[(ApplicationId, bool, i32, i32)],
) -> QueryResult<usize> {
    let now = super::now();
    let rows: Vec<_> = rows
        .iter()
        .map(|(app, approved, yes, no)| {
            (
                review_decisions::id.eq(uuid::Uuid::now_v7().to_string()),
                review_decisions::application_id.eq(*app),
                review_decisions::cycle.eq(1),
                review_decisions::approved.eq(*approved),
                review_decisions::reasons.eq(Json(Vec::<String>::new())),
                review_decisions::votes_for.eq(*yes),
                review_decisions::votes_against.eq(*no),
                review_decisions::decided_at.eq(now),
            )
        })
        .collect();
    super::insert_all!(conn, review_decisions::table, &rows)
}
