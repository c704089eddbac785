//! The audit entries and mail of panels, scoring and review (feature: wiring). Each
//! helper runs inside the calling use case's transaction, so a refused or rolled-back
//! change leaves neither an entry nor a message.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::models::panels as store;
use crate::db::models::{audit, rounds};
use crate::db::DbConn;
use crate::domain::audit::{Actor, Kind};
use crate::domain::ids::{ApplicationId, ClarificationId, EnterpriseId, RoundId, UserId};
use crate::mail::{self, Notification};
use crate::refusal::Refusal;

/// Appends one audit entry for a person acting from `address`.
pub(crate) fn record(
    conn: &mut DbConn,
    who: UserId,
    address: &str,
    kind: Kind,
    object: (&str, &dyn std::fmt::Display),
    detail: serde_json::Value,
) -> Result<(), Refusal> {
    audit::append(conn, &Actor::user(who, address), kind, object, detail)?;
    Ok(())
}

/// Queues a message for one registered person; a disabled or unknown account gets none.
pub(crate) fn to_user(conn: &mut DbConn, user: UserId, n: &Notification) -> Result<(), Refusal> {
    if let Some(r) = mail::recipient(conn, user)? {
        mail::enqueue(conn, &r, n)?;
    }
    Ok(())
}

/// The lead of an application's assessment panel.
pub(crate) fn lead_of(
    conn: &mut DbConn,
    application: ApplicationId,
) -> Result<Option<UserId>, Refusal> {
    Ok(store::seats(conn, application)?
        .into_iter()
        .find(|s| s.is_lead)
        .map(|s| s.assessor_id))
}

/// The end of a round's assessment period (its last day, 23:59 UTC).
pub(crate) fn assessment_due(
    conn: &mut DbConn,
    round_id: RoundId,
) -> Result<NaiveDateTime, Refusal> {
    let r = rounds::get(conn, round_id)?.ok_or(Refusal::NotFound)?;
    Ok(r.assessment_ends
        .and_hms_opt(23, 59, 0)
        .expect("23:59 is a valid time"))
}

/// When review votes are due: the start of the round's results day (UTC).
pub(crate) fn review_due(conn: &mut DbConn, round_id: RoundId) -> Result<NaiveDateTime, Refusal> {
    let r = rounds::get(conn, round_id)?.ok_or(Refusal::NotFound)?;
    Ok(r.results_on
        .and_hms_opt(0, 0, 0)
        .expect("midnight is valid"))
}

/// Tells each assessor newly seated on a panel (or seated in a new role) of the
/// assignment; someone already seated the same way is not told twice.
pub(crate) fn panel_assigned(
    conn: &mut DbConn,
    application: ApplicationId,
    part: &str,
    before: &[(UserId, bool)],
    after: &[(UserId, bool)],
) -> Result<(), Refusal> {
    for seat in after.iter().filter(|s| !before.contains(s)) {
        let n = Notification::PanelAssignment {
            application_id: application,
            part: part.to_string(),
            panel_role: if seat.1 { "lead" } else { "member" }.into(),
        };
        to_user(conn, seat.0, &n)?;
    }
    Ok(())
}

/// How long before its deadline an unanswered clarification is reminded of.
pub const REMINDER_WINDOW_HOURS: i64 = 48;

/// Queues one deadline reminder to the enterprise for each unanswered clarification due
/// within [`REMINDER_WINDOW_HOURS`] and not reminded yet, marking it reminded in the
/// same transaction: a clarification is reminded of exactly once, however many workers
/// run. Returns how many clarifications were reminded of.
#[tracing::instrument(skip_all)]
pub fn remind_clarifications(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    use crate::db::schema::{applications, clarifications};
    use crate::db::sql_types::Json;
    use diesel::prelude::*;
    /// (id, application, items, deadline, enterprise)
    type Due = (
        ClarificationId,
        ApplicationId,
        Json<Vec<String>>,
        NaiveDateTime,
        EnterpriseId,
    );
    crate::db::write_tx(conn, |conn| {
        let due: Vec<Due> = clarifications::table
            .inner_join(applications::table.on(applications::id.eq(clarifications::application_id)))
            .filter(clarifications::answered_at.is_null())
            .filter(clarifications::reminded_at.is_null())
            .filter(clarifications::deadline.gt(now))
            .filter(
                clarifications::deadline.le(now + chrono::Duration::hours(REMINDER_WINDOW_HOURS)),
            )
            .order(clarifications::id.asc())
            .select((
                clarifications::id,
                clarifications::application_id,
                clarifications::items,
                clarifications::deadline,
                applications::enterprise_id,
            ))
            .load(conn)?;
        let mut reminded = 0;
        for (id, application_id, items, deadline, enterprise_id) in due {
            let claimed = diesel::update(
                clarifications::table
                    .filter(clarifications::id.eq(id))
                    .filter(clarifications::reminded_at.is_null()),
            )
            .set(clarifications::reminded_at.eq(now))
            .execute(conn)?;
            if claimed != 1 {
                continue;
            }
            let n = Notification::ClarificationReminder {
                application_id,
                item: items.join(", "),
                deadline,
            };
            mail::enqueue_to_enterprise(conn, enterprise_id, &n)?;
            reminded += 1;
        }
        Ok(reminded)
    })
}
