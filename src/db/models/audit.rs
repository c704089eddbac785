//! The audit log table: appends (in the caller's transaction), reads with filters, and
//! the chain check.
//!
//! Appends are serialised on the one-row `audit_head` table, which holds the chain's end:
//! on PostgreSQL it is locked `FOR UPDATE` until the caller's transaction ends; SQLite's
//! write transactions (`write_tx`, `BEGIN IMMEDIATE`) are exclusive already. Two
//! concurrent appends therefore never link to the same predecessor.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{audit_head, audit_log, users};
use crate::db::DbConn;
use crate::domain::audit::{self, Actor, Entry, Kind, Linked};
use crate::domain::listing::{like_anywhere, parse_key_number, parse_search, Window};
use crate::domain::paging::PageNumber;
use crate::refusal::{Code, Reason};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_name: String,
    pub address: String,
    pub kind: String,
    pub object_type: String,
    pub object_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    fn linked(self) -> Linked {
        Linked {
            entry: Entry {
                seq: self.seq,
                at: self.at,
                actor_user_id: self.actor_user_id,
                actor_name: self.actor_name,
                address: self.address,
                kind: self.kind,
                object_type: self.object_type,
                object_id: self.object_id,
                detail: self.detail,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

fn lock_head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    let q = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash));
    match conn {
        DbConn::Postgres(c) => q.for_update().first(c),
        DbConn::Sqlite(c) => q.first(c),
    }
}

/// Appends one entry to the chain inside the caller's transaction (call it from within
/// `write_tx`, next to the change it records), and returns its sequence number.
/// `object` is (type, id), e.g. `("application", &id)`; `detail` is any JSON.
pub fn append(
    conn: &mut DbConn,
    actor: &Actor,
    kind: Kind,
    object: (&str, &dyn std::fmt::Display),
    detail: serde_json::Value,
) -> QueryResult<i64> {
    let (last_seq, last_hash) = lock_head(conn)?;
    let actor_name = match actor.user {
        Some(id) => users::table
            .find(id.to_string())
            .select(users::display_name)
            .first::<String>(conn)
            .optional()?
            .unwrap_or_default(),
        None => actor.label.clone(),
    };
    let linked = audit::link(
        &last_hash,
        Entry {
            seq: last_seq + 1,
            at: audit::to_micros(super::now()),
            actor_user_id: actor.user.map(|u| u.to_string()),
            actor_name,
            address: actor.address.clone(),
            kind: kind.as_str().to_string(),
            object_type: object.0.to_string(),
            object_id: object.1.to_string(),
            detail: detail.to_string(),
        },
    );
    let e = &linked.entry;
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(e.seq),
            audit_log::at.eq(e.at),
            audit_log::actor_user_id.eq(&e.actor_user_id),
            audit_log::actor_name.eq(&e.actor_name),
            audit_log::address.eq(&e.address),
            audit_log::kind.eq(&e.kind),
            audit_log::object_type.eq(&e.object_type),
            audit_log::object_id.eq(&e.object_id),
            audit_log::detail.eq(&e.detail),
            audit_log::prev_hash.eq(&linked.prev_hash),
            audit_log::hash.eq(&linked.hash),
        ))
        .execute(conn)?;
    diesel::update(audit_head::table.find(1))
        .set((audit_head::seq.eq(e.seq), audit_head::hash.eq(&linked.hash)))
        .execute(conn)?;
    // Debug formatting escapes control characters: user text cannot forge a log line.
    tracing::info!(
        target: "audit",
        seq = e.seq,
        kind = e.kind,
        actor = ?e.actor_name,
        address = ?e.address,
        object = ?format!("{}:{}", e.object_type, e.object_id),
        "audit entry"
    );
    Ok(e.seq)
}

/// Filters for browsing; every field optional.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct Filter {
    /// A user id, or part of the actor's name (any case).
    #[param(max_length = 100)]
    pub person: Option<String>,
    /// An object id, or `type:id`, or a type alone followed by a colon (`application:`).
    pub object: Option<String>,
    pub kind: Option<String>,
    /// From this time (UTC, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`).
    pub from: Option<String>,
    /// Until this time (exclusive; a bare date means the end of that day).
    pub until: Option<String>,
    /// 1-based page number (at most 1000000); `after`/`before` are the stable way to page.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Where the page starts: the `next` cursor of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the `previous` cursor of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Entries per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A filter checked once: bad input is refused with a message before any query.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub person: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub kind: Option<Kind>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub page: PageNumber,
    /// Entries per page and the cursor, when paging by cursor.
    pub window: Window,
    /// The sequence number of the window's cursor.
    pub cursor_seq: Option<i64>,
}

fn parse_time(s: &str, end_of_day: bool) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t = d.and_hms_opt(0, 0, 0)?;
        return Some(if end_of_day {
            t + chrono::Duration::days(1)
        } else {
            t
        });
    }
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

impl Filter {
    pub fn check(&self) -> Result<Query, Reason> {
        let nonempty = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let kind = match nonempty(&self.kind) {
            Some(k) => {
                Some(Kind::parse(&k).ok_or_else(|| Code::AuditKindUnknown.with("kind", &k))?)
            }
            None => None,
        };
        let time = |o: &Option<String>, end: bool, name: &str| match nonempty(o) {
            Some(t) => parse_time(&t, end)
                .map(Some)
                .ok_or_else(|| Code::AuditNotADate.with("field", name).with("value", &t)),
            None => Ok(None),
        };
        let (object_type, object_id) = match nonempty(&self.object) {
            Some(o) => match o.split_once(':') {
                Some((t, id)) => (
                    Some(t.to_string()).filter(|t| !t.is_empty()),
                    Some(id.to_string()).filter(|i| !i.is_empty()),
                ),
                None => (None, Some(o)),
            },
            None => (None, None),
        };
        let page = PageNumber::parse(self.page)?;
        let window = Window::parse(
            LIST,
            1,
            self.after.as_deref(),
            self.before.as_deref(),
            self.limit,
        )?;
        let cursor_seq = match window.cursor() {
            Some(c) => Some(parse_key_number(&c.parts()[0])?),
            None => None,
        };
        Ok(Query {
            window,
            cursor_seq,
            person: parse_search(self.person.as_deref())?,
            object_type,
            object_id,
            kind,
            from: time(&self.from, false, "from")?,
            until: time(&self.until, true, "until")?,
            page,
        })
    }
}

pub const PAGE_SIZE: i64 = crate::domain::listing::DEFAULT_LIMIT;

/// The name of the audit log in its cursors (whose one part is the sequence number).
pub const LIST: &str = "audit";

macro_rules! filtered {
    ($q:expr) => {{
        let q: &Query = $q;
        let mut b = audit_log::table.into_boxed();
        if let Some(p) = &q.person {
            b = b.filter(
                audit_log::actor_user_id
                    .eq(p.clone())
                    .or(super::lower(audit_log::actor_name)
                        .like(like_anywhere(&p.to_lowercase()))
                        .escape('\\')),
            );
        }
        if let Some(t) = &q.object_type {
            b = b.filter(audit_log::object_type.eq(t.clone()));
        }
        if let Some(i) = &q.object_id {
            b = b.filter(audit_log::object_id.eq(i.clone()));
        }
        if let Some(k) = q.kind {
            b = b.filter(audit_log::kind.eq(k.as_str()));
        }
        if let Some(f) = q.from {
            b = b.filter(audit_log::at.ge(f));
        }
        if let Some(u) = q.until {
            b = b.filter(audit_log::at.lt(u));
        }
        b
    }};
}

/// One window of matching entries, newest first (oldest first when the window runs
/// backwards from its cursor), at most one more than the page shows, and the number of
/// matches. Without a cursor, `page` counts pages from the newest.
pub fn search(conn: &mut DbConn, q: &Query) -> QueryResult<(Vec<AuditRow>, i64)> {
    let total: i64 = filtered!(q).count().get_result(conn)?;
    let limit = q.window.limit;
    let mut b = filtered!(q);
    let seq = q.cursor_seq;
    let backwards = q.window.backwards();
    b = match (seq, backwards) {
        (Some(s), false) => b.filter(audit_log::seq.lt(s)),
        (Some(s), true) => b.filter(audit_log::seq.gt(s)),
        (None, _) => b.offset(q.page.offset(limit.get())),
    };
    let b = if backwards {
        b.order(audit_log::seq.asc())
    } else {
        b.order(audit_log::seq.desc())
    };
    let rows = b
        .limit(limit.fetch())
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Every matching entry, oldest first (for export).
pub fn export(conn: &mut DbConn, q: &Query) -> QueryResult<Vec<AuditRow>> {
    filtered!(q)
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

/// Checks the whole chain against the head; `Err` names the first broken entry.
pub fn verify(conn: &mut DbConn) -> QueryResult<Result<i64, audit::Broken>> {
    let head: (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    let rows: Vec<Linked> = audit_log::table
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AuditRow::linked)
        .collect();
    Ok(audit::verify(&rows, (head.0, &head.1)).map(|()| rows.len() as i64))
}
