//! The facts programme reports are built from: applications without their enterprise or
//! contact, status changes, and round names.

use diesel::prelude::*;

use crate::db::schema::{application_events, applications, rounds};
use crate::db::DbConn;
use crate::domain::report::{ApplicationFact, EventFact, Facts, RoundFact};

/// The facts of one round, or of every round with `None`.
pub fn facts(conn: &mut DbConn, round: Option<&str>) -> QueryResult<Facts> {
    let mut round_query = rounds::table
        .order((rounds::registration_opens.desc(), rounds::id.asc()))
        .select((rounds::id, rounds::name_zh, rounds::name_en))
        .into_boxed();
    let mut app_query = applications::table
        .select((
            applications::id,
            applications::round_id,
            applications::part_code,
            applications::status,
            applications::target_level,
            applications::created_at,
        ))
        .into_boxed();
    let mut event_query = application_events::table
        .inner_join(applications::table)
        .select((
            application_events::application_id,
            application_events::to_status,
            application_events::occurred_at,
        ))
        .into_boxed();
    if let Some(r) = round {
        round_query = round_query.filter(rounds::id.eq(r.to_string()));
        app_query = app_query.filter(applications::round_id.eq(r.to_string()));
        event_query = event_query.filter(applications::round_id.eq(r.to_string()));
    }
    let rounds = round_query
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name_zh, name_en)| RoundFact {
            id,
            name_zh,
            name_en,
        })
        .collect();
    let applications = app_query
        .load::<(String, String, String, String, i32, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(
            |(id, round_id, part_code, status, target_level, created_at)| ApplicationFact {
                id,
                round_id,
                part_code,
                status,
                target_level,
                created_at,
            },
        )
        .collect();
    let events = event_query
        .load::<(String, String, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(application_id, to_status, occurred_at)| EventFact {
            application_id,
            to_status,
            occurred_at,
        })
        .collect();
    Ok(Facts {
        rounds,
        applications,
        events,
    })
}
