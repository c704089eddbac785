//! Applications, their status history, evidence records and "not applicable" items.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    application_events, applications, enterprises, evidence_files, item_exemptions,
};
use crate::db::DbConn;
use crate::domain::application_status::Status;
use crate::domain::ids::{ApplicationId, EnterpriseGroupId, EnterpriseId, RoundId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ApplicationRow {
    pub id: ApplicationId,
    pub round_id: RoundId,
    pub enterprise_id: EnterpriseId,
    pub part_code: String,
    pub target_level: i32,
    pub scope: String,
    pub scope_en: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub status: Status,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The enterprise agreed to list this part's certificate in the public directory.
    pub directory_consent: bool,
}

#[derive(Insertable)]
#[diesel(table_name = applications)]
pub struct NewApplication<'a> {
    pub id: ApplicationId,
    pub round_id: RoundId,
    pub enterprise_id: EnterpriseId,
    pub part_code: &'a str,
    pub target_level: i32,
    pub scope: &'a str,
    pub scope_en: Option<&'a str>,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
    pub status: Status,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, a: &NewApplication<'_>) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values(a)
        .execute(conn)
        .map(|_| ())
}

/// Records whether the enterprise consents to the public directory (false until it does).
pub fn set_directory_consent(
    conn: &mut DbConn,
    id: ApplicationId,
    consent: bool,
) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::directory_consent.eq(consent))
        .execute(conn)
        .map(|_| ())
}

pub fn exists_for_part(
    conn: &mut DbConn,
    round: RoundId,
    enterprise: EnterpriseId,
    part: &str,
) -> QueryResult<bool> {
    let n: i64 = applications::table
        .filter(applications::round_id.eq(round))
        .filter(applications::enterprise_id.eq(enterprise))
        .filter(applications::part_code.eq(part))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn get(conn: &mut DbConn, id: ApplicationId) -> QueryResult<Option<ApplicationRow>> {
    applications::table
        .find(id)
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
}

pub fn for_enterprise(
    conn: &mut DbConn,
    enterprise: EnterpriseId,
) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .filter(applications::enterprise_id.eq(enterprise))
        .order(applications::created_at.desc())
        .select(ApplicationRow::as_select())
        .load(conn)
}

/// Applications in `status`, of one enterprise or of all, newest first.
pub fn in_status(
    conn: &mut DbConn,
    enterprise: Option<EnterpriseId>,
    status: Status,
) -> QueryResult<Vec<ApplicationRow>> {
    let mut q = applications::table
        .filter(applications::status.eq(status))
        .into_boxed();
    if let Some(e) = enterprise {
        q = q.filter(applications::enterprise_id.eq(e));
    }
    q.order(applications::created_at.desc())
        .select(ApplicationRow::as_select())
        .load(conn)
}

/// A round's applications in `status` with their enterprise's Chinese name and group,
/// newest first: what the assignment board proposes panels for, in one query.
pub fn in_round_with_enterprise(
    conn: &mut DbConn,
    round: RoundId,
    status: Status,
) -> QueryResult<Vec<(ApplicationRow, String, Option<EnterpriseGroupId>)>> {
    applications::table
        .inner_join(enterprises::table)
        .filter(applications::round_id.eq(round))
        .filter(applications::status.eq(status))
        .order(applications::created_at.desc())
        .select((
            ApplicationRow::as_select(),
            enterprises::name_zh,
            enterprises::group_id,
        ))
        .load(conn)
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .order(applications::created_at.desc())
        .select(ApplicationRow::as_select())
        .load(conn)
}

/// Moves an application from `from` to `to` and records the change; false when the
/// status is no longer `from` (someone else changed it first). Refreshes the report's
/// summary of the application.
pub fn set_status(
    conn: &mut DbConn,
    id: ApplicationId,
    from: Status,
    to: Status,
    event: &str,
    reason: Option<&str>,
    actor: UserId,
) -> QueryResult<bool> {
    let now = super::now();
    let n = diesel::update(applications::table.find(id))
        .filter(applications::status.eq(from))
        .set((
            applications::status.eq(to),
            applications::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    diesel::insert_into(application_events::table)
        .values((
            application_events::id.eq(uuid::Uuid::now_v7().to_string()),
            application_events::application_id.eq(id),
            application_events::from_status.eq(from),
            application_events::to_status.eq(to),
            application_events::event.eq(event),
            application_events::reason.eq(reason),
            application_events::actor_user_id.eq(actor.to_string()),
            application_events::occurred_at.eq(now),
        ))
        .execute(conn)?;
    super::reports::refresh(conn, id)?;
    Ok(true)
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub from_status: Status,
    pub to_status: Status,
    pub event: String,
    pub reason: Option<String>,
    pub occurred_at: NaiveDateTime,
}

pub fn history(conn: &mut DbConn, id: ApplicationId) -> QueryResult<Vec<EventRow>> {
    application_events::table
        .filter(application_events::application_id.eq(id))
        .order(application_events::id.asc())
        .select((
            application_events::from_status,
            application_events::to_status,
            application_events::event,
            application_events::reason,
            application_events::occurred_at,
        ))
        .load(conn)
}

pub fn items_with_evidence(conn: &mut DbConn, id: ApplicationId) -> QueryResult<BTreeSet<String>> {
    let codes: Vec<String> = evidence_files::table
        .filter(evidence_files::application_id.eq(id))
        .select(evidence_files::item_code)
        .distinct()
        .load(conn)?;
    Ok(codes.into_iter().collect())
}

pub fn exemptions(conn: &mut DbConn, id: ApplicationId) -> QueryResult<Vec<(String, String)>> {
    item_exemptions::table
        .filter(item_exemptions::application_id.eq(id))
        .order(item_exemptions::item_code.asc())
        .select((item_exemptions::item_code, item_exemptions::reason))
        .load(conn)
}

/// Declares an item not applicable (or changes the reason).
pub fn set_exemption(
    conn: &mut DbConn,
    id: ApplicationId,
    item: &str,
    reason: &str,
    by: UserId,
) -> QueryResult<()> {
    diesel::delete(
        item_exemptions::table
            .filter(item_exemptions::application_id.eq(id))
            .filter(item_exemptions::item_code.eq(item)),
    )
    .execute(conn)?;
    diesel::insert_into(item_exemptions::table)
        .values((
            item_exemptions::application_id.eq(id),
            item_exemptions::item_code.eq(item),
            item_exemptions::reason.eq(reason),
            item_exemptions::declared_by.eq(by.to_string()),
            item_exemptions::declared_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the application's row lock for the rest of the transaction, whatever its status,
/// so that changes to one application (scores, panel) run one after another instead of
/// colliding on their unique keys (PostgreSQL; SQLite's write transaction already holds
/// the database write lock).
pub fn lock(conn: &mut DbConn, application: ApplicationId) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        applications::table
            .find(application)
            .select(applications::id)
            .for_update()
            .first::<String>(c)
            .optional()?;
    }
    Ok(())
}

/// Takes the application's row lock for the rest of the transaction (PostgreSQL; SQLite
/// already holds the database write lock) while it is in `status`; false otherwise.
pub fn lock_application(
    conn: &mut DbConn,
    application: ApplicationId,
    status: Status,
) -> QueryResult<bool> {
    let n = diesel::update(applications::table.find(application))
        .filter(applications::status.eq(status))
        .set(applications::updated_at.eq(super::now()))
        .execute(conn)?;
    Ok(n == 1)
}

/// One recorded status change of a bulk load.
pub struct BulkEvent {
    pub application_id: ApplicationId,
    pub from: Status,
    pub to: Status,
    pub event: &'static str,
    pub actor: UserId,
    pub at: NaiveDateTime,
}

/// Inserts many applications with the status changes that led to their status (bulk
/// loads; the report summaries are rebuilt afterwards with `reports::refresh_all`).
pub fn insert_many(
    conn: &mut DbConn,
    rows: &[NewApplication<'_>],
    events: &[BulkEvent],
) -> QueryResult<usize> {
    let events: Vec<_> = events
        .iter()
        .map(|e| {
            (
                application_events::id.eq(uuid::Uuid::now_v7().to_string()),
                application_events::application_id.eq(e.application_id),
                application_events::from_status.eq(e.from),
                application_events::to_status.eq(e.to),
                application_events::event.eq(e.event.to_string()),
                application_events::actor_user_id.eq(e.actor.to_string()),
                application_events::occurred_at.eq(e.at),
            )
        })
        .collect();
    super::insert_all!(conn, applications::table, rows)?;
    super::insert_all!(conn, application_events::table, &events)?;
    Ok(rows.len())
}

/// How many applications there are in each status.
pub fn count_by_status(conn: &mut DbConn) -> QueryResult<Vec<(Status, i64)>> {
    applications::table
        .group_by(applications::status)
        .select((applications::status, diesel::dsl::count_star()))
        .order(applications::status.asc())
        .load(conn)
}

/// What a page of applications is narrowed to; `enterprise` is the visibility rule (an
/// enterprise member's own), the rest are the list's filters.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub enterprise: Option<EnterpriseId>,
    pub round: Option<RoundId>,
    pub part: Option<String>,
    pub status: Option<Status>,
    /// Part of the enterprise's Chinese or English name, or the start of its credit code.
    pub search: Option<String>,
    /// A review member's list: see [`ReviewerFilter`].
    pub reviewer: Option<ReviewerFilter>,
    /// An assessor's list: see [`SeatFilter`].
    pub seated: Option<SeatFilter>,
}

/// What an assessor's list holds: the applications on whose panel they sit, in one of
/// `statuses` when any are given (read from the seats' copy of the status, migration
/// `000403`, so the list starts from the assessor's seats, not from every application).
#[derive(Debug, Clone)]
pub struct SeatFilter {
    pub assessor: UserId,
    pub statuses: Vec<Status>,
}

/// What a review member's list holds: the applications of `rounds` (whose review panel
/// they sit on, with one recusal scope) that reached review, less the applicants they
/// are recused from (`domain::assessment::recused_from`).
#[derive(Debug, Clone)]
pub struct ReviewerFilter {
    pub member: UserId,
    pub rounds: Vec<RoundId>,
    pub recused_enterprises: Vec<EnterpriseId>,
    pub recused_groups: Vec<EnterpriseGroupId>,
    /// Only the applications in review still waiting for the member's vote; otherwise
    /// every one in review or with a review decision.
    pub awaiting_vote: bool,
}

/// The applications narrowed by `filter`, in the order and window of `at`: newest first
/// by (created_at, id) (oldest first when `backwards`). Indexes: `applications_created_id`,
/// and the enterprise, status and round ones that start with the filtered column. The
/// enterprise's conditions are sub-queries on `enterprise_id`, so the list itself reads
/// one table (its rows carry the enterprise's name).
fn window<'a>(
    filter: &ApplicationFilter,
    matching: Option<Vec<EnterpriseId>>,
    at: &super::KeysetAt<(NaiveDateTime, ApplicationId)>,
) -> diesel::dsl::IntoBoxed<'a, applications::table, crate::db::MultiBackend> {
    use crate::db::schema::enterprises;
    let mut q = applications::table.into_boxed();
    if let Some(e) = filter.enterprise {
        q = q.filter(applications::enterprise_id.eq(e));
    }
    if let Some(r) = filter.round {
        q = q.filter(applications::round_id.eq(r));
    }
    if let Some(p) = &filter.part {
        q = q.filter(applications::part_code.eq(p.clone()));
    }
    if let Some(s) = filter.status {
        q = q.filter(applications::status.eq(s));
    }
    if let Some(text) = &filter.search {
        q = match matching {
            Some(ids) => q.filter(applications::enterprise_id.eq_any(ids)),
            None => q.filter(
                applications::enterprise_id.eq_any(
                    enterprises::table
                        .filter(super::enterprise_matches!(text))
                        .select(enterprises::id),
                ),
            ),
        };
    }
    if let Some(seated) = &filter.seated {
        use crate::db::schema::panel_seats;
        let mine = panel_seats::table.filter(panel_seats::assessor_id.eq(seated.assessor));
        q = if seated.statuses.is_empty() {
            q.filter(applications::id.eq_any(mine.select(panel_seats::application_id)))
        } else {
            q.filter(
                applications::id.eq_any(
                    mine.filter(panel_seats::application_status.eq_any(seated.statuses.clone()))
                        .select(panel_seats::application_id),
                ),
            )
        };
    }
    if let Some(r) = &filter.reviewer {
        use crate::db::schema::review_decisions;
        use diesel::dsl::{exists, not};
        q = q.filter(applications::round_id.eq_any(r.rounds.clone()));
        if !r.recused_enterprises.is_empty() {
            q = q.filter(applications::enterprise_id.ne_all(r.recused_enterprises.clone()));
        }
        if !r.recused_groups.is_empty() {
            let in_recused_groups = super::enterprises::in_groups(&r.recused_groups);
            q = q.filter(not(applications::enterprise_id.eq_any(in_recused_groups)));
        }
        let decided = review_decisions::table
            .filter(review_decisions::application_id.eq(applications::id))
            .select(review_decisions::id);
        q = if r.awaiting_vote {
            let open_vote = super::open_vote_of!(r.member);
            q.filter(applications::status.eq(Status::InReview))
                .filter(not(exists(open_vote)))
        } else {
            q.filter(
                applications::status
                    .eq(Status::InReview)
                    .or(exists(decided)),
            )
        };
    }
    super::keyset_window!(q, at, desc(applications::created_at, applications::id))
}

/// A search names a few enterprises as a rule (a name, a credit code): finding them first,
/// in one scan of the enterprises, and then their applications by index beat testing every
/// application in the list's order against the text (issue #19: 12,000 applications at
/// national scale, 20 ms a page). A text that names more than this many enterprises is
/// tested row by row as before, where the list's order finds a page soon.
const SEARCH_BY_IDS_UP_TO: i64 = 200;

/// The enterprises `filter`'s search names, when there are few enough to look their
/// applications up by id.
fn searched(
    conn: &mut DbConn,
    filter: &ApplicationFilter,
) -> QueryResult<Option<Vec<EnterpriseId>>> {
    use crate::db::schema::enterprises;
    let Some(text) = &filter.search else {
        return Ok(None);
    };
    let ids: Vec<EnterpriseId> = enterprises::table
        .filter(super::enterprise_matches!(text))
        .select(enterprises::id)
        .limit(SEARCH_BY_IDS_UP_TO + 1)
        .load(conn)?;
    Ok((ids.len() as i64 <= SEARCH_BY_IDS_UP_TO).then_some(ids))
}

/// One window of applications (see [`window`]) with their enterprise's (Chinese) name,
/// from the application's own row.
pub fn page(
    conn: &mut DbConn,
    filter: &ApplicationFilter,
    at: &super::KeysetAt<(NaiveDateTime, ApplicationId)>,
) -> QueryResult<Vec<(ApplicationRow, String)>> {
    window(filter, searched(conn, filter)?, at)
        .select((
            ApplicationRow::as_select(),
            applications::enterprise_name_zh,
        ))
        .load(conn)
}

/// What a row of the applications list shows, and its place in the list.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ListedRow {
    pub id: ApplicationId,
    pub round_id: RoundId,
    pub part_code: String,
    pub target_level: i32,
    pub status: Status,
    pub created_at: NaiveDateTime,
}

/// [`page`] with only what the list shows: the scope and contact columns of 50 rows,
/// read and dropped, were most of the list page's row decoding on PostgreSQL (issue #19).
pub fn listed_page(
    conn: &mut DbConn,
    filter: &ApplicationFilter,
    at: &super::KeysetAt<(NaiveDateTime, ApplicationId)>,
) -> QueryResult<Vec<(ListedRow, String)>> {
    window(filter, searched(conn, filter)?, at)
        .select((ListedRow::as_select(), applications::enterprise_name_zh))
        .load(conn)
}
