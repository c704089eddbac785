//! Assessor registry (organisations, profiles, conflicts, employment), preferences and
//! the panels' seats (feature: panels). Child rows are always read through their
//! application.

use crate::db::one_of::one_of;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    applications, assessor_employment, assessor_preferences, assessor_profiles,
    assignment_versions, declared_conflicts, organisations, panel_seats, panels, users,
};
use crate::db::DbConn;
use crate::domain::assign::Preference;
use crate::domain::ids::{ApplicationId, EnterpriseId, OrganisationId, RoundId, UserId};
use crate::domain::panel::OrganisationKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub created_at: NaiveDateTime,
}

pub fn insert_organisation(
    conn: &mut DbConn,
    id: OrganisationId,
    name: &str,
    kind: &str,
) -> QueryResult<()> {
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

pub fn organisation(conn: &mut DbConn, id: OrganisationId) -> QueryResult<Option<OrganisationRow>> {
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
    pub organisation_id: OrganisationId,
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
    pub with_id: OrganisationId,
    pub reason: String,
    pub declared_at: NaiveDateTime,
}

pub fn declare_conflict(
    conn: &mut DbConn,
    user: UserId,
    with: OrganisationId,
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

/// Every assessor's declared conflicts, in the order [`conflicts_of`] gives one's.
pub fn all_conflicts(conn: &mut DbConn) -> QueryResult<Vec<ConflictRow>> {
    declared_conflicts::table
        .order((
            declared_conflicts::user_id.asc(),
            declared_conflicts::id.asc(),
        ))
        .select(ConflictRow::as_select())
        .load(conn)
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

/// Every assessor's employment records, each person's by start date.
pub fn all_employment(conn: &mut DbConn) -> QueryResult<Vec<EmploymentRow>> {
    assessor_employment::table
        .order((
            assessor_employment::user_id.asc(),
            assessor_employment::employed_from.asc(),
        ))
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
        .filter(one_of(assessor_preferences::application_id, applications))
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

/// Whether the assessor leads each of these applications' panels (theirs only).
pub fn seats_on(
    conn: &mut DbConn,
    assessor: UserId,
    applications: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, bool)>> {
    panel_seats::table
        .filter(panel_seats::assessor_id.eq(assessor))
        .filter(one_of(panel_seats::application_id, applications))
        .select((panel_seats::application_id, panel_seats::is_lead))
        .load(conn)
}

/// Applications on whose panel this assessor sits, with whether they lead it.
pub fn seats_of(conn: &mut DbConn, assessor: UserId) -> QueryResult<Vec<(ApplicationId, bool)>> {
    panel_seats::table
        .filter(panel_seats::assessor_id.eq(assessor))
        .select((panel_seats::application_id, panel_seats::is_lead))
        .load(conn)
}

/// The counter the triggers of migration 000410 bump whenever what an assignment
/// proposal is computed from may have changed.
pub fn assignment_version(conn: &mut DbConn) -> QueryResult<i64> {
    assignment_versions::table
        .find(1)
        .select(assignment_versions::version)
        .first(conn)
}

/// How many seats each assessor holds on the panels of a round's applications, leaving
/// out `except`'s panel (the one being set). Assessors with none are not listed.
pub fn round_loads(
    conn: &mut DbConn,
    round: RoundId,
    except: Option<ApplicationId>,
) -> QueryResult<Vec<(UserId, i64)>> {
    let mut q = panel_seats::table
        .inner_join(applications::table.on(applications::id.eq(panel_seats::application_id)))
        .filter(applications::round_id.eq(round))
        .group_by(panel_seats::assessor_id)
        .select((panel_seats::assessor_id, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(a) = except {
        q = q.filter(panel_seats::application_id.ne(a));
    }
    q.load(conn)
}

/// Inserts many assessor profiles (bulk loads).
pub fn insert_profiles(conn: &mut DbConn, rows: &[ProfileRow]) -> QueryResult<usize> {
    super::insert_all!(conn, assessor_profiles::table, rows)
}

/// Inserts many confirmed panels, (application, seats with their lead flag) (bulk loads;
/// the report summaries are rebuilt afterwards).
pub fn insert_many(
    conn: &mut DbConn,
    rows: &[(ApplicationId, Vec<(UserId, bool)>)],
    by: UserId,
) -> QueryResult<usize> {
    let now = super::now();
    let heads: Vec<_> = rows
        .iter()
        .map(|(app, _)| {
            (
                panels::application_id.eq(*app),
                panels::confirmed_at.eq(now),
                panels::confirmed_by.eq(by),
            )
        })
        .collect();
    let seats: Vec<_> = rows
        .iter()
        .flat_map(|(app, seats)| {
            seats.iter().map(move |(assessor, lead)| {
                (
                    panel_seats::application_id.eq(*app),
                    panel_seats::assessor_id.eq(*assessor),
                    panel_seats::is_lead.eq(*lead),
                )
            })
        })
        .collect();
    super::insert_all!(conn, panels::table, &heads)?;
    super::insert_all!(conn, panel_seats::table, &seats)?;
    Ok(rows.len())
}

/// What a page of the assessor registry is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct AssessorFilter {
    /// Part of the person's name (any case) or of the certification number.
    pub search: Option<String>,
    pub organisation: Option<OrganisationId>,
}

/// One window of profiles with the person's display name, by (name, user id) (reversed
/// when `backwards`), past `at.key`, matching `filter`.
pub fn profiles_page(
    conn: &mut DbConn,
    filter: &AssessorFilter,
    at: &super::KeysetAt<(String, UserId)>,
) -> QueryResult<Vec<(ProfileRow, String)>> {
    use crate::domain::listing::like_anywhere;
    let mut q = assessor_profiles::table
        .inner_join(users::table)
        .into_boxed();
    if let Some(text) = &filter.search {
        q = q.filter(
            super::lower(users::display_name)
                .like(like_anywhere(&text.to_lowercase()))
                .escape('\\')
                .or(assessor_profiles::certification_number
                    .like(like_anywhere(text))
                    .escape('\\')),
        );
    }
    if let Some(o) = filter.organisation {
        q = q.filter(assessor_profiles::organisation_id.eq(o));
    }
    super::keyset_window!(q, at, asc(users::display_name, assessor_profiles::user_id))
        .select((ProfileRow::as_select(), users::display_name))
        .load(conn)
}
