//! The outbox and the web inbox.
//!
//! Claiming: a worker marks due rows with its id and a lease (`claimed_until`) in one
//! short transaction — `FOR UPDATE SKIP LOCKED` on PostgreSQL, an exclusive `BEGIN
//! IMMEDIATE` on SQLite — so two workers never take the same row; a worker that dies
//! leaves a lease that runs out, and the row is taken again.

use crate::db::one_of::one_of;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{enterprise_members, notifications, outbox, users};
use crate::db::{write_tx, DbConn};
use crate::domain::i18n::Lang;
use crate::domain::ids::{EnterpriseId, UserId};
use crate::domain::message::{Recipient, Rendered};

/// Where a message of the outbox is: waiting for (another) attempt, delivered, or given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Pending,
    Sent,
    Failed,
}

impl OutboxStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<OutboxStatus, String> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| format!("unknown outbox status '{s}'"))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub recipient_user_id: Option<UserId>,
    pub recipient_address: String,
    pub recipient_name: String,
    pub lang: String,
    pub message_kind: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub message_kind: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: NaiveDateTime,
}

pub fn recipient(conn: &mut DbConn, id: UserId) -> QueryResult<Option<Recipient>> {
    let row: Option<(String, String, String)> = users::table
        .find(id)
        .filter(users::disabled_at.is_null())
        .select((users::email, users::display_name, users::lang))
        .first(conn)
        .optional()?;
    Ok(row.map(|(email, name, lang)| Recipient {
        user_id: Some(id),
        email,
        name,
        lang: Lang::parse(&lang).unwrap_or(Lang::Zh),
    }))
}

/// The enabled members of an enterprise, as recipients.
pub fn enterprise_recipients(
    conn: &mut DbConn,
    enterprise_id: EnterpriseId,
) -> QueryResult<Vec<Recipient>> {
    let rows: Vec<(UserId, String, String, String)> = enterprise_members::table
        .inner_join(users::table)
        .filter(enterprise_members::enterprise_id.eq(enterprise_id))
        .filter(users::disabled_at.is_null())
        .order(enterprise_members::joined_at.asc())
        .select((users::id, users::email, users::display_name, users::lang))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, email, name, lang)| Recipient {
            user_id: Some(id),
            email,
            name,
            lang: Lang::parse(&lang).unwrap_or(Lang::Zh),
        })
        .collect())
}

pub fn insert_outbox(
    conn: &mut DbConn,
    to: &Recipient,
    kind: &str,
    m: &Rendered,
) -> QueryResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let t = super::now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::recipient_user_id.eq(to.user_id),
            outbox::recipient_address.eq(&to.email),
            outbox::recipient_name.eq(&to.name),
            outbox::lang.eq(to.lang.code()),
            outbox::message_kind.eq(kind),
            outbox::subject.eq(&m.subject),
            outbox::body_text.eq(&m.text),
            outbox::body_html.eq(&m.html),
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(t),
            outbox::created_at.eq(t),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn insert_notification(
    conn: &mut DbConn,
    user: UserId,
    kind: &str,
    subject: &str,
    text: &str,
) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(uuid::Uuid::now_v7().to_string()),
            notifications::user_id.eq(user),
            notifications::message_kind.eq(kind),
            notifications::subject.eq(subject),
            notifications::body_text.eq(text),
            notifications::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A person's own notifications, newest first.
pub fn inbox(conn: &mut DbConn, user: UserId, limit: i64) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::user_id.eq(user))
        .order(notifications::id.desc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
}

/// Claims up to `limit` due messages for `worker` until `lease_until`.
pub fn claim(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    write_tx(conn, |conn| {
        let due = outbox::table
            .filter(outbox::status.eq(OutboxStatus::Pending))
            .filter(outbox::next_attempt_at.le(now))
            .filter(
                outbox::claimed_until
                    .is_null()
                    .or(outbox::claimed_until.lt(now)),
            )
            .order(outbox::next_attempt_at.asc())
            .limit(limit)
            .select(outbox::id);
        let ids: Vec<String> = match conn {
            DbConn::Postgres(c) => due.for_update().skip_locked().load(c)?,
            DbConn::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(one_of(outbox::id, &ids)))
            .set((
                outbox::claimed_by.eq(worker),
                outbox::claimed_until.eq(lease_until),
            ))
            .execute(conn)?;
        outbox::table
            .filter(one_of(outbox::id, &ids))
            .order(outbox::next_attempt_at.asc())
            .select(OutboxRow::as_select())
            .load(conn)
    })
}

/// Marks a claimed message sent (only while this worker still holds it).
pub fn mark_sent(conn: &mut DbConn, id: &str, worker: &str) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.find(id))
        .filter(outbox::claimed_by.eq(worker))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .set((
            outbox::status.eq(OutboxStatus::Sent),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::sent_at.eq(Some(super::now())),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: retried at `retry_at`, or given up when `retry_at` is None.
pub fn mark_failed(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let status = if retry_at.is_some() {
        OutboxStatus::Pending
    } else {
        OutboxStatus::Failed
    };
    let n = diesel::update(outbox::table.find(id))
        .filter(outbox::claimed_by.eq(worker))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .set((
            outbox::status.eq(status),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(retry_at.unwrap_or_else(super::now)),
            outbox::last_error.eq(Some(error)),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Messages not yet sent (pending or given up), newest first, for the secretariat.
pub fn unsent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::status.ne(OutboxStatus::Sent))
        .order(outbox::created_at.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// How many messages still wait for an attempt (pending, whether due now or later).
pub fn pending_count(conn: &mut DbConn) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .count()
        .get_result(conn)
}

pub fn get(conn: &mut DbConn, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .order(outbox::created_at.asc())
        .select(OutboxRow::as_select())
        .load(conn)
}

/// One window of a person's notifications, newest first by id (ids are v7 UUIDs, so they
/// sort by creation; index `notifications_user_id`), past the id `at.key`; with `search`,
/// only those whose subject or text contains it (any case).
pub fn inbox_page(
    conn: &mut DbConn,
    user: UserId,
    search: Option<&str>,
    at: &super::KeysetAt<String>,
) -> QueryResult<Vec<NotificationRow>> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(user))
        .into_boxed();
    if let Some(text) = search {
        let pattern = crate::domain::listing::like_anywhere(&text.to_lowercase());
        q = q.filter(
            super::lower(notifications::subject)
                .like(pattern.clone())
                .escape('\\')
                .or(super::lower(notifications::body_text)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    super::keyset_window!(q, at, desc notifications::id)
        .select(NotificationRow::as_select())
        .load(conn)
}

/// What a page of the outbox is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    /// One status; none means every message not sent yet (pending or given up).
    pub status: Option<OutboxStatus>,
    /// Part of the recipient's address (any case), or a message kind.
    pub search: Option<String>,
}

/// One window of the outbox, newest first by (created_at, id) (oldest first when
/// `backwards`), matching `filter` (indexes `outbox_created`, `outbox_status_created`).
pub fn outbox_page(
    conn: &mut DbConn,
    filter: &OutboxFilter,
    at: &super::KeysetAt<(NaiveDateTime, String)>,
) -> QueryResult<Vec<OutboxRow>> {
    use crate::domain::listing::like_anywhere;
    let mut q = outbox::table.into_boxed();
    q = match filter.status {
        Some(s) => q.filter(outbox::status.eq(s)),
        None => q.filter(outbox::status.ne(OutboxStatus::Sent)),
    };
    if let Some(text) = &filter.search {
        q = q.filter(
            super::lower(outbox::recipient_address)
                .like(like_anywhere(&text.to_lowercase()))
                .escape('\\')
                .or(outbox::message_kind.eq(text.clone())),
        );
    }
    super::keyset_window!(q, at, desc(outbox::created_at, outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)
}
