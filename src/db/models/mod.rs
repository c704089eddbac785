//! Rows and the queries that read and write them, one file per feature (named as in
//! `workflow`; see the feature table in ARCHITECTURE.md).

pub mod applications;
pub mod calendars;
pub mod catalog;
pub mod enterprises;
pub mod rounds;
pub mod sessions;
pub mod users;
// Evidence
pub mod evidence;
// Panels, scoring and review (feature: panels).
pub mod panels;
pub mod review;
pub mod scoring;
// mail/audit feature
pub mod audit;
pub mod invitations;
pub mod mail;
pub mod password_resets;
// Self-assessment and programme reports.
pub mod reports;
pub mod self_assessments;
// Certificates (feature: certs).
pub mod certificates;
pub mod credentials;
// Enterprise groups.
pub mod enterprise_groups;
// The task list of the home page.
pub mod tasks;
// Appeals and complaints.
pub mod appeals;
pub mod complaints;
// Surveillance of certificates in force.
pub mod surveillances;
// Renewals and certificate reminders.
pub mod renewals;

/// Current UTC time without zone, as stored.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Rows per statement of a bulk insert on PostgreSQL: under its 65,535 bind parameters for
/// the widest table (13 columns).
pub const BULK_CHUNK: usize = 1000;

/// Inserts many rows of one table: a multi-row statement per [`BULK_CHUNK`] rows on
/// PostgreSQL (one round trip each), one prepared statement per row on SQLite, where a
/// statement costs microseconds and multi-row inserts would need every optional column
/// present. For bulk loads (`certcase seed --scale`); call it inside one transaction.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        match $conn {
            $crate::db::DbConn::Postgres(c) => {
                for chunk in rows.chunks($crate::db::models::BULK_CHUNK) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
            $crate::db::DbConn::Sqlite(c) => {
                for row in rows.iter() {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            }
        }
        diesel::QueryResult::Ok(rows.len())
    }};
}
pub(crate) use insert_all;

/// Where a keyset page of a list starts: past the row with sort key `key` in the list's
/// order or, `backwards`, in reverse (the previous page); `fetch` rows at most.
#[derive(Debug, Clone)]
pub struct KeysetAt<K> {
    pub key: Option<K>,
    pub backwards: bool,
    pub fetch: i64,
}

/// Narrows a boxed query to the window `at` (a [`KeysetAt`]) of a list sorted by one
/// column or by (column, tie-break), `asc` or `desc`: the rows past the key in that order
/// (before it, in reverse order, when `backwards`), `fetch` of them. The key is the
/// column's value, or a (value, tie-break value) pair.
macro_rules! keyset_window {
    ($q:expr, $at:expr, asc $($sort:tt)+) => {
        $crate::db::models::keyset_window!(@ $q, $at, gt lt asc desc, $($sort)+)
    };
    ($q:expr, $at:expr, desc $($sort:tt)+) => {
        $crate::db::models::keyset_window!(@ $q, $at, lt gt desc asc, $($sort)+)
    };
    (@ $q:expr, $at:expr, $past:ident $before:ident $fwd:ident $back:ident, ($a:expr, $b:expr)) => {{
        let (mut q, at) = ($q, $at);
        if let Some((ka, kb)) = at.key.to_owned() {
            q = if at.backwards {
                q.filter($a.$before(ka.to_owned()).or($a.eq(ka).and($b.$before(kb))))
            } else {
                q.filter($a.$past(ka.to_owned()).or($a.eq(ka).and($b.$past(kb))))
            };
        }
        if at.backwards {
            q.order(($a.$back(), $b.$back()))
        } else {
            q.order(($a.$fwd(), $b.$fwd()))
        }
        .limit(at.fetch)
    }};
    (@ $q:expr, $at:expr, $past:ident $before:ident $fwd:ident $back:ident, $a:expr) => {{
        let (mut q, at) = ($q, $at);
        if let Some(k) = at.key.to_owned() {
            q = if at.backwards {
                q.filter($a.$before(k))
            } else {
                q.filter($a.$past(k))
            };
        }
        if at.backwards {
            q.order($a.$back())
        } else {
            q.order($a.$fwd())
        }
        .limit(at.fetch)
    }};
}
pub(crate) use keyset_window;

diesel::define_sql_function! {
    /// Lower-cases text the same way on both databases, for case-insensitive search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The condition on `enterprises` of every list search that names enterprises: the
/// Chinese or English name contains the text (any case), or the credit code starts with
/// it. `LIKE` with `lower()` behaves alike on SQLite and PostgreSQL, Chinese included;
/// the enterprises table is small enough (thousands) to scan.
macro_rules! enterprise_matches {
    ($text:expr) => {{
        use crate::db::models::lower;
        use crate::db::schema::enterprises;
        use crate::domain::listing::{like_anywhere, like_prefix};
        let text: &str = $text;
        let anywhere = like_anywhere(&text.to_lowercase());
        lower(enterprises::name_zh)
            .like(anywhere.clone())
            .escape('\\')
            .or(lower(enterprises::name_en.assume_not_null())
                .like(anywhere)
                .escape('\\'))
            .or(enterprises::credit_code
                .like(like_prefix(&text.to_uppercase()))
                .escape('\\'))
    }};
}
pub(crate) use enterprise_matches;

/// The member's vote on the application of the outer query (`applications::id`) in its
/// open review cycle: a vote whose cycle has no decision yet. A nested `NOT EXISTS`, not
/// a left join on the decisions: PostgreSQL estimated one open vote and compared every
/// application with every vote of the member.
macro_rules! open_vote_of {
    ($member:expr) => {{
        use crate::db::schema::{applications, review_decisions, review_votes};
        use diesel::dsl::{exists, not};
        review_votes::table
            .filter(review_votes::application_id.eq(applications::id))
            .filter(review_votes::member_id.eq($member))
            .filter(not(exists(
                review_decisions::table
                    .filter(review_decisions::application_id.eq(review_votes::application_id))
                    .filter(review_decisions::cycle.eq(review_votes::cycle))
                    .select(review_decisions::id),
            )))
            .select(review_votes::application_id)
    }};
}
pub(crate) use open_vote_of;
