//! Appeals and their panels (feature: appeals), and what the conflict rule needs to know
//! of who took part in a case.

use crate::db::one_of::one_of;
use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    appeal_panel_members, appeals, application_events, audit_log, panel_seats, review_members,
    review_panels, review_votes,
};
use crate::db::DbConn;
use crate::domain::appeal::AppealStatus;
use crate::domain::ids::{AppealId, ApplicationId, EnterpriseId, RoundId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = appeals)]
pub struct AppealRow {
    pub id: AppealId,
    pub application_id: ApplicationId,
    pub enterprise_id: EnterpriseId,
    pub subject_kind: String,
    pub certificate_number: Option<String>,
    pub log_index: Option<i64>,
    pub decision_at: NaiveDateTime,
    pub reasons: String,
    pub status: AppealStatus,
    pub lodged_by: UserId,
    pub lodged_at: NaiveDateTime,
    pub panel_formed_at: Option<NaiveDateTime>,
    pub outcome_reasons: Option<String>,
    pub remedy: Option<String>,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<NaiveDateTime>,
    pub follow_up_done_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &AppealRow) -> QueryResult<()> {
    diesel::insert_into(appeals::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConn, id: AppealId) -> QueryResult<Option<AppealRow>> {
    appeals::table
        .find(id)
        .select(AppealRow::as_select())
        .first(conn)
        .optional()
}

/// All appeals, newest first; `open` only those not yet closed.
pub fn list(conn: &mut DbConn, open: bool) -> QueryResult<Vec<AppealRow>> {
    let mut q = appeals::table.into_boxed();
    if open {
        q = q.filter(one_of(
            appeals::status,
            &[AppealStatus::Lodged, AppealStatus::PanelFormed],
        ));
    }
    q.order(appeals::lodged_at.desc())
        .select(AppealRow::as_select())
        .load(conn)
}

pub fn of_enterprise(conn: &mut DbConn, enterprise: EnterpriseId) -> QueryResult<Vec<AppealRow>> {
    appeals::table
        .filter(appeals::enterprise_id.eq(enterprise))
        .order(appeals::lodged_at.desc())
        .select(AppealRow::as_select())
        .load(conn)
}

pub fn of_application(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<AppealRow>> {
    appeals::table
        .filter(appeals::application_id.eq(application))
        .order(appeals::lodged_at.desc())
        .select(AppealRow::as_select())
        .load(conn)
}

/// The appeals whose panel `member` sits on, newest first.
pub fn of_panel_member(conn: &mut DbConn, member: UserId) -> QueryResult<Vec<AppealRow>> {
    let ids: Vec<AppealId> = appeal_panel_members::table
        .filter(appeal_panel_members::user_id.eq(member))
        .select(appeal_panel_members::appeal_id)
        .load(conn)?;
    appeals::table
        .filter(one_of(appeals::id, &ids))
        .order(appeals::lodged_at.desc())
        .select(AppealRow::as_select())
        .load(conn)
}

/// Moves an appeal from `from` to `to`; false when it was no longer in `from` (someone
/// else acted meanwhile).
pub fn set_status(
    conn: &mut DbConn,
    id: AppealId,
    from: AppealStatus,
    to: AppealStatus,
) -> QueryResult<bool> {
    let n = diesel::update(appeals::table.find(id).filter(appeals::status.eq(from)))
        .set(appeals::status.eq(to))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn save_panel(conn: &mut DbConn, id: AppealId, members: &[UserId]) -> QueryResult<()> {
    for m in members {
        diesel::insert_into(appeal_panel_members::table)
            .values((
                appeal_panel_members::appeal_id.eq(id),
                appeal_panel_members::user_id.eq(*m),
            ))
            .execute(conn)?;
    }
    diesel::update(appeals::table.find(id))
        .set(appeals::panel_formed_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}

pub fn panel(conn: &mut DbConn, id: AppealId) -> QueryResult<Vec<UserId>> {
    appeal_panel_members::table
        .filter(appeal_panel_members::appeal_id.eq(id))
        .select(appeal_panel_members::user_id)
        .order(appeal_panel_members::user_id.asc())
        .load(conn)
}

/// Records how an appeal was closed: the panel's decision or the withdrawal.
pub fn close(
    conn: &mut DbConn,
    id: AppealId,
    reasons: &str,
    remedy: Option<&str>,
    by: UserId,
) -> QueryResult<()> {
    diesel::update(appeals::table.find(id))
        .set((
            appeals::outcome_reasons.eq(reasons),
            appeals::remedy.eq(remedy),
            appeals::closed_by.eq(by),
            appeals::closed_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The secretariat has carried out an upheld appeal's consequence.
pub fn follow_up_done(conn: &mut DbConn, id: AppealId) -> QueryResult<bool> {
    let n = diesel::update(
        appeals::table
            .find(id)
            .filter(appeals::follow_up_done_at.is_null()),
    )
    .set(appeals::follow_up_done_at.eq(super::now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Whether an open appeal of the same decision exists: one appeal per decision at a time.
pub fn open_for(
    conn: &mut DbConn,
    application: ApplicationId,
    subject_kind: &str,
    decision_at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        appeals::table
            .filter(appeals::application_id.eq(application))
            .filter(appeals::subject_kind.eq(subject_kind))
            .filter(appeals::decision_at.eq(decision_at))
            .filter(appeals::status.ne_all([AppealStatus::Withdrawn])),
    ))
    .get_result(conn)
}

/// Appeals a panel member still has to decide.
pub fn pending_for_member(conn: &mut DbConn, member: UserId) -> QueryResult<i64> {
    let ids: Vec<AppealId> = appeal_panel_members::table
        .filter(appeal_panel_members::user_id.eq(member))
        .select(appeal_panel_members::appeal_id)
        .load(conn)?;
    appeals::table
        .filter(one_of(appeals::id, &ids))
        .filter(appeals::status.eq(AppealStatus::PanelFormed))
        .count()
        .get_result(conn)
}

/// The assessment panel of an application.
pub fn assessors_of(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<BTreeSet<UserId>> {
    Ok(panel_seats::table
        .filter(panel_seats::application_id.eq(application))
        .select(panel_seats::assessor_id)
        .load::<UserId>(conn)?
        .into_iter()
        .collect())
}

/// The members of the round's review panel and everyone who voted on the application.
pub fn reviewers_of(
    conn: &mut DbConn,
    application: ApplicationId,
    round: RoundId,
) -> QueryResult<BTreeSet<UserId>> {
    let panel_ids: Vec<String> = review_panels::table
        .filter(review_panels::round_id.eq(round))
        .select(review_panels::id)
        .load(conn)?;
    let mut out: BTreeSet<UserId> = review_members::table
        .filter(one_of(review_members::review_panel_id, &panel_ids))
        .select(review_members::user_id)
        .load::<UserId>(conn)?
        .into_iter()
        .collect();
    out.extend(
        review_votes::table
            .filter(review_votes::application_id.eq(application))
            .select(review_votes::member_id)
            .load::<UserId>(conn)?,
    );
    Ok(out)
}

/// Everyone who recorded a status change of the application but its own enterprise's
/// members (`except`).
pub fn deciders_of(
    conn: &mut DbConn,
    application: ApplicationId,
    except: &BTreeSet<UserId>,
) -> QueryResult<BTreeSet<UserId>> {
    let actors: Vec<String> = application_events::table
        .filter(application_events::application_id.eq(application))
        .select(application_events::actor_user_id)
        .distinct()
        .load(conn)?;
    Ok(actors
        .iter()
        .filter_map(|a| a.parse::<UserId>().ok())
        .filter(|u| !except.contains(u))
        .collect())
}

/// Whoever issued or revoked the certificate (`certificate` is its row id), from the audit
/// log, where those decisions name their person.
pub fn certificate_deciders(conn: &mut DbConn, certificate: &str) -> QueryResult<BTreeSet<UserId>> {
    let actors: Vec<Option<String>> = audit_log::table
        .filter(audit_log::object_type.eq("certificate"))
        .filter(audit_log::object_id.eq(certificate))
        .select(audit_log::actor_user_id)
        .load(conn)?;
    Ok(actors
        .into_iter()
        .flatten()
        .filter_map(|a| a.parse::<UserId>().ok())
        .collect())
}

// ---- attachments ----------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::appeal_attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub appeal_id: AppealId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// The content's SHA-256: its key in the evidence store.
    pub sha256: String,
    pub uploaded_by: UserId,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_attachment(conn: &mut DbConn, row: &AttachmentRow) -> QueryResult<()> {
    diesel::insert_into(crate::db::schema::appeal_attachments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// An appeal's files, oldest first.
pub fn attachments(conn: &mut DbConn, appeal: AppealId) -> QueryResult<Vec<AttachmentRow>> {
    use crate::db::schema::appeal_attachments as a;
    a::table
        .filter(a::appeal_id.eq(appeal))
        .order((a::uploaded_at.asc(), a::id.asc()))
        .select(AttachmentRow::as_select())
        .load(conn)
}

pub fn attachment(
    conn: &mut DbConn,
    appeal: AppealId,
    id: &str,
) -> QueryResult<Option<AttachmentRow>> {
    use crate::db::schema::appeal_attachments as a;
    a::table
        .filter(a::appeal_id.eq(appeal))
        .filter(a::id.eq(id))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

/// Every attachment's (id, application, content hash): stored content they refer to is
/// no orphan (`certcase evidence check`, backups).
pub fn attachment_contents(conn: &mut DbConn) -> QueryResult<Vec<(String, ApplicationId, String)>> {
    use crate::db::schema::appeal_attachments as a;
    a::table
        .inner_join(appeals::table.on(appeals::id.eq(a::appeal_id)))
        .order(a::sha256.asc())
        .select((a::id, appeals::application_id, a::sha256))
        .load(conn)
}

/// How many attachments refer to the content.
pub fn attachment_references(conn: &mut DbConn, sha256: &str) -> QueryResult<i64> {
    use crate::db::schema::appeal_attachments as a;
    a::table
        .filter(a::sha256.eq(sha256))
        .count()
        .get_result(conn)
}

/// Takes the appeal's row lock for the rest of the transaction (PostgreSQL; SQLite's write
/// transaction holds the database lock), so that two uploads cannot both pass the cap.
pub fn lock_appeal(conn: &mut DbConn, id: AppealId) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        appeals::table
            .find(id)
            .select(appeals::id)
            .for_update()
            .first::<AppealId>(c)
            .optional()?;
    }
    Ok(())
}
