//! Assessor registry, panels, scores, clarifications, consolidation and the review panel
//! (feature: panels). Child rows are always read through their application.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    assessor_employment, assessor_preferences, assessor_profiles, clarifications,
    consolidated_items, declared_conflicts, organisations, panel_seats, panels, part_results,
    review_decisions, review_members, review_panels, review_votes, scores, users,
};
use crate::db::sql_types::Json;
use crate::db::DbConn;
use crate::domain::access::Role;
use crate::domain::application_status::Status;
use crate::domain::assign::Preference;
use crate::domain::ids::{
    ApplicationId, ClarificationId, EnterpriseId, ReviewPanelId, RoundId, UserId,
};
use crate::domain::panel::OrganisationKind;
use crate::domain::scoring::{Basis, FlagReason, ScoreStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub created_at: NaiveDateTime,
}

pub fn insert_organisation(conn: &mut DbConn, id: &str, name: &str, kind: &str) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(id),
            organisations::name.eq(name),
            organisations::kind.eq(kind),
            organisations::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn organisations(conn: &mut DbConn) -> QueryResult<Vec<OrganisationRow>> {
    organisations::table
        .order(organisations::name.asc())
        .select(OrganisationRow::as_select())
        .load(conn)
}

pub fn organisation(conn: &mut DbConn, id: &str) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()
}

pub fn organisation_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .filter(organisations::name.eq(name))
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessor_profiles)]
pub struct ProfileRow {
    pub user_id: UserId,
    pub organisation_id: String,
    pub certification_number: String,
    pub certification_expires_on: NaiveDate,
    pub parts: String,
    pub languages: String,
    pub max_load: i32,
    pub updated_at: NaiveDateTime,
}

/// Creates or replaces a profile.
pub fn save_profile(conn: &mut DbConn, p: &ProfileRow) -> QueryResult<()> {
    diesel::delete(assessor_profiles::table.find(p.user_id)).execute(conn)?;
    diesel::insert_into(assessor_profiles::table)
        .values(p)
        .execute(conn)
        .map(|_| ())
}

pub fn profile(conn: &mut DbConn, user: UserId) -> QueryResult<Option<ProfileRow>> {
    assessor_profiles::table
        .find(user)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()
}

/// Every profile with the person's display name, by name.
pub fn profiles(conn: &mut DbConn) -> QueryResult<Vec<(ProfileRow, String)>> {
    assessor_profiles::table
        .inner_join(users::table)
        .order(users::display_name.asc())
        .select((ProfileRow::as_select(), users::display_name))
        .load(conn)
}

pub fn certification_number_taken(
    conn: &mut DbConn,
    number: &str,
    by_other_than: UserId,
) -> QueryResult<bool> {
    let n: i64 = assessor_profiles::table
        .filter(assessor_profiles::certification_number.eq(number))
        .filter(assessor_profiles::user_id.ne(by_other_than))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = declared_conflicts)]
pub struct ConflictRow {
    pub id: String,
    pub user_id: UserId,
    pub with_id: String,
    pub reason: String,
    pub declared_at: NaiveDateTime,
}

pub fn declare_conflict(
    conn: &mut DbConn,
    user: UserId,
    with: &str,
    reason: &str,
) -> QueryResult<()> {
    diesel::delete(
        declared_conflicts::table
            .filter(declared_conflicts::user_id.eq(user))
            .filter(declared_conflicts::with_id.eq(with)),
    )
    .execute(conn)?;
    diesel::insert_into(declared_conflicts::table)
        .values((
            declared_conflicts::id.eq(uuid::Uuid::now_v7().to_string()),
            declared_conflicts::user_id.eq(user),
            declared_conflicts::with_id.eq(with),
            declared_conflicts::reason.eq(reason),
            declared_conflicts::declared_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn conflicts_of(conn: &mut DbConn, user: UserId) -> QueryResult<Vec<ConflictRow>> {
    declared_conflicts::table
        .filter(declared_conflicts::user_id.eq(user))
        .order(declared_conflicts::id.asc())
        .select(ConflictRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assessor_employment)]
pub struct EmploymentRow {
    pub id: String,
    pub user_id: UserId,
    pub enterprise_id: EnterpriseId,
    pub employed_from: NaiveDate,
    pub employed_until: Option<NaiveDate>,
}

pub fn add_employment(
    conn: &mut DbConn,
    user: UserId,
    enterprise: EnterpriseId,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::insert_into(assessor_employment::table)
        .values((
            assessor_employment::id.eq(uuid::Uuid::now_v7().to_string()),
            assessor_employment::user_id.eq(user),
            assessor_employment::enterprise_id.eq(enterprise),
            assessor_employment::employed_from.eq(from),
            assessor_employment::employed_until.eq(until),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn employment_of(conn: &mut DbConn, user: UserId) -> QueryResult<Vec<EmploymentRow>> {
    assessor_employment::table
        .filter(assessor_employment::user_id.eq(user))
        .order(assessor_employment::employed_from.asc())
        .select(EmploymentRow::as_select())
        .load(conn)
}

/// Sets (or with `None` clears) an assessor's preference about an application.
pub fn set_preference(
    conn: &mut DbConn,
    user: UserId,
    application: ApplicationId,
    preference: Option<Preference>,
) -> QueryResult<()> {
    diesel::delete(assessor_preferences::table.find((user, application))).execute(conn)?;
    if let Some(p) = preference {
        diesel::insert_into(assessor_preferences::table)
            .values((
                assessor_preferences::user_id.eq(user),
                assessor_preferences::application_id.eq(application),
                assessor_preferences::preference.eq(p),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (assessor, application, preference) for the given applications.
pub fn preferences_for(
    conn: &mut DbConn,
    applications: &[ApplicationId],
) -> QueryResult<Vec<(UserId, ApplicationId, Preference)>> {
    assessor_preferences::table
        .filter(assessor_preferences::application_id.eq_any(applications))
        .select((
            assessor_preferences::user_id,
            assessor_preferences::application_id,
            assessor_preferences::preference,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct SeatRow {
    pub assessor_id: UserId,
    pub display_name: String,
    pub is_lead: bool,
}

/// Replaces an application's panel (and its seats in the report's rows).
pub fn save_panel(
    conn: &mut DbConn,
    application: ApplicationId,
    seats: &[(UserId, bool)],
    by: UserId,
) -> QueryResult<()> {
    diesel::delete(panel_seats::table.filter(panel_seats::application_id.eq(application)))
        .execute(conn)?;
    diesel::delete(panels::table.find(application)).execute(conn)?;
    diesel::insert_into(panels::table)
        .values((
            panels::application_id.eq(application),
            panels::confirmed_at.eq(super::now()),
            panels::confirmed_by.eq(by),
        ))
        .execute(conn)?;
    for (assessor, lead) in seats {
        diesel::insert_into(panel_seats::table)
            .values((
                panel_seats::application_id.eq(application),
                panel_seats::assessor_id.eq(assessor),
                panel_seats::is_lead.eq(*lead),
            ))
            .execute(conn)?;
    }
    super::reports::refresh(conn, application)
}

/// The panel of an application, lead first.
pub fn seats(conn: &mut DbConn, application: ApplicationId) -> QueryResult<Vec<SeatRow>> {
    panel_seats::table
        .inner_join(users::table)
        .filter(panel_seats::application_id.eq(application))
        .order((panel_seats::is_lead.desc(), users::display_name.asc()))
        .select((
            panel_seats::assessor_id,
            users::display_name,
            panel_seats::is_lead,
        ))
        .load(conn)
}

/// Applications on whose panel this assessor sits, with whether they lead it.
pub fn seats_of(conn: &mut DbConn, assessor: UserId) -> QueryResult<Vec<(ApplicationId, bool)>> {
    panel_seats::table
        .filter(panel_seats::assessor_id.eq(assessor))
        .select((panel_seats::application_id, panel_seats::is_lead))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scores)]
pub struct ScoreRow {
    pub id: String,
    pub application_id: ApplicationId,
    pub assessor_id: UserId,
    pub item_code: String,
    pub level: Option<i32>,
    pub not_applicable_reason: Option<String>,
    pub comment: String,
    pub evidence_ids: Json<Vec<String>>,
    pub status: ScoreStatus,
    pub submitted_at: Option<NaiveDateTime>,
    pub reopened_by: Option<UserId>,
    pub reopened_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn scores_of_application(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<ScoreRow>> {
    scores::table
        .filter(scores::application_id.eq(application))
        .order((scores::item_code.asc(), scores::assessor_id.asc()))
        .select(ScoreRow::as_select())
        .load(conn)
}

pub fn score(
    conn: &mut DbConn,
    application: ApplicationId,
    assessor: UserId,
    item: &str,
) -> QueryResult<Option<ScoreRow>> {
    scores::table
        .filter(scores::application_id.eq(application))
        .filter(scores::assessor_id.eq(assessor))
        .filter(scores::item_code.eq(item))
        .select(ScoreRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a score, replacing the assessor's previous one for the item, and refreshes the
/// report's rows of the application.
pub fn save_score(conn: &mut DbConn, s: &ScoreRow) -> QueryResult<()> {
    diesel::delete(
        scores::table
            .filter(scores::application_id.eq(&s.application_id))
            .filter(scores::assessor_id.eq(&s.assessor_id))
            .filter(scores::item_code.eq(&s.item_code)),
    )
    .execute(conn)?;
    diesel::insert_into(scores::table).values(s).execute(conn)?;
    super::reports::refresh(conn, s.application_id)
}

/// Makes a submitted score a draft again; false if it was not submitted.
pub fn reopen_score(
    conn: &mut DbConn,
    application: ApplicationId,
    assessor: UserId,
    item: &str,
    by: UserId,
) -> QueryResult<bool> {
    let now = super::now();
    let n = diesel::update(
        scores::table
            .filter(scores::application_id.eq(application))
            .filter(scores::assessor_id.eq(assessor))
            .filter(scores::item_code.eq(item))
            .filter(scores::status.eq(ScoreStatus::Submitted)),
    )
    .set((
        scores::status.eq(ScoreStatus::Draft),
        scores::reopened_by.eq(Some(by)),
        scores::reopened_at.eq(Some(now)),
        scores::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        super::reports::refresh(conn, application)?;
    }
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clarifications)]
pub struct ClarificationRow {
    pub id: ClarificationId,
    pub application_id: ApplicationId,
    /// Codes of the items the request is about.
    pub items: Json<Vec<String>>,
    pub message: String,
    pub deadline: NaiveDateTime,
    pub requested_by: UserId,
    pub requested_at: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_by: Option<UserId>,
    pub answered_at: Option<NaiveDateTime>,
}

pub fn insert_clarification(conn: &mut DbConn, c: &ClarificationRow) -> QueryResult<()> {
    diesel::insert_into(clarifications::table)
        .values(c)
        .execute(conn)
        .map(|_| ())
}

pub fn clarifications_of(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<ClarificationRow>> {
    clarifications::table
        .filter(clarifications::application_id.eq(application))
        .order(clarifications::id.asc())
        .select(ClarificationRow::as_select())
        .load(conn)
}

/// Records the answer; false when the request is not this application's or is answered.
pub fn answer_clarification(
    conn: &mut DbConn,
    application: ApplicationId,
    id: ClarificationId,
    answer: &str,
    by: UserId,
) -> QueryResult<bool> {
    let n = diesel::update(
        clarifications::table
            .filter(clarifications::id.eq(id))
            .filter(clarifications::application_id.eq(application))
            .filter(clarifications::answered_at.is_null()),
    )
    .set((
        clarifications::answer.eq(Some(answer)),
        clarifications::answered_by.eq(Some(by)),
        clarifications::answered_at.eq(Some(super::now())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consolidated_items)]
pub struct ConsolidatedRow {
    pub application_id: ApplicationId,
    pub item_code: String,
    pub level: Option<i32>,
    pub not_applicable_reason: Option<String>,
    pub rationale: String,
    pub flagged: bool,
    pub flag_reasons: Json<Vec<FlagReason>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = part_results)]
pub struct PartResultRow {
    pub application_id: ApplicationId,
    pub achieved_level: i32,
    pub target_level: i32,
    pub basis: Basis,
    pub capping_items: Json<Vec<String>>,
    /// Domain code → consolidated level.
    pub domain_levels: Json<BTreeMap<String, u8>>,
    pub consolidated_by: UserId,
    pub consolidated_at: NaiveDateTime,
}

/// Replaces the consolidation of an application (and its report summary).
pub fn save_consolidation(
    conn: &mut DbConn,
    items: &[ConsolidatedRow],
    result: &PartResultRow,
) -> QueryResult<()> {
    let app = &result.application_id;
    diesel::delete(consolidated_items::table.filter(consolidated_items::application_id.eq(app)))
        .execute(conn)?;
    diesel::delete(part_results::table.find(app)).execute(conn)?;
    for i in items {
        diesel::insert_into(consolidated_items::table)
            .values(i)
            .execute(conn)?;
    }
    diesel::insert_into(part_results::table)
        .values(result)
        .execute(conn)?;
    super::reports::refresh(conn, *app)
}

pub fn consolidation(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Option<(Vec<ConsolidatedRow>, PartResultRow)>> {
    let Some(result) = part_results::table
        .find(application)
        .select(PartResultRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let items = consolidated_items::table
        .filter(consolidated_items::application_id.eq(application))
        .order(consolidated_items::item_code.asc())
        .select(ConsolidatedRow::as_select())
        .load(conn)?;
    Ok(Some((items, result)))
}

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

/// Review panels the person sits on: (panel id, round id).
pub fn review_seats_of(
    conn: &mut DbConn,
    user: UserId,
) -> QueryResult<Vec<(ReviewPanelId, RoundId)>> {
    review_members::table
        .inner_join(review_panels::table)
        .filter(review_members::user_id.eq(user))
        .select((review_panels::id, review_panels::round_id))
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

/// Takes the application's row lock for the rest of the transaction (PostgreSQL; SQLite
/// already holds the database write lock) while it is in `status`; false otherwise.
pub fn lock_application(
    conn: &mut DbConn,
    application: ApplicationId,
    status: Status,
) -> QueryResult<bool> {
    use crate::db::schema::applications;
    let n = diesel::update(applications::table.find(application))
        .filter(applications::status.eq(status))
        .set(applications::updated_at.eq(super::now()))
        .execute(conn)?;
    Ok(n == 1)
}

/// (id, display name) of the people holding a role, by name.
pub fn people_with_role(conn: &mut DbConn, role: Role) -> QueryResult<Vec<(UserId, String)>> {
    use crate::db::schema::user_roles;
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq(role))
        .filter(users::disabled_at.is_null())
        .order(users::display_name.asc())
        .select((users::id, users::display_name))
        .load(conn)
}
