//! The facts programme reports are built from: applications without their enterprise or
//! contact, status changes, and round names; panel seats, submitted scores (no comment,
//! no evidence), consolidated items' flags and part results.

use diesel::prelude::*;

use crate::db::schema::{
    application_events, applications, certificates, consolidated_items, panel_seats, panels,
    part_results, rounds, scores, users,
};
use crate::db::DbConn;
use crate::domain::report::{
    ApplicationFact, CertificateFact, ConsolidatedFact, EventFact, Facts, PartResultFact,
    RoundFact, ScoreFact, SeatFact,
};

/// The facts of one round, or of every round with `None`, as they stand on `today`.
pub fn facts(
    conn: &mut DbConn,
    round: Option<&str>,
    today: chrono::NaiveDate,
) -> QueryResult<Facts> {
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
    let mut seat_query = panel_seats::table
        .inner_join(panels::table)
        .inner_join(users::table)
        .inner_join(applications::table.on(applications::id.eq(panel_seats::application_id)))
        .select((
            panel_seats::application_id,
            panel_seats::assessor_id,
            users::display_name,
            panel_seats::is_lead,
            panels::confirmed_at,
        ))
        .into_boxed();
    let mut score_query = scores::table
        .inner_join(applications::table.on(applications::id.eq(scores::application_id)))
        .filter(scores::status.eq("submitted"))
        .filter(scores::submitted_at.is_not_null())
        .select((
            scores::application_id,
            scores::assessor_id,
            scores::item_code,
            scores::level,
            scores::submitted_at,
        ))
        .into_boxed();
    let mut consolidated_query = consolidated_items::table
        .inner_join(applications::table.on(applications::id.eq(consolidated_items::application_id)))
        .select((
            consolidated_items::application_id,
            consolidated_items::item_code,
            consolidated_items::flagged,
        ))
        .into_boxed();
    let mut result_query = part_results::table
        .inner_join(applications::table.on(applications::id.eq(part_results::application_id)))
        .select((
            part_results::application_id,
            part_results::achieved_level,
            part_results::domain_levels,
        ))
        .into_boxed();
    let mut certificate_query = certificates::table
        .inner_join(applications::table.on(applications::id.eq(certificates::application_id)))
        .select((
            certificates::application_id,
            certificates::issued_at,
            certificates::payload,
            certificates::revoked_at,
        ))
        .into_boxed();
    if let Some(r) = round {
        certificate_query = certificate_query.filter(applications::round_id.eq(r.to_string()));
        round_query = round_query.filter(rounds::id.eq(r.to_string()));
        app_query = app_query.filter(applications::round_id.eq(r.to_string()));
        event_query = event_query.filter(applications::round_id.eq(r.to_string()));
        seat_query = seat_query.filter(applications::round_id.eq(r.to_string()));
        score_query = score_query.filter(applications::round_id.eq(r.to_string()));
        consolidated_query = consolidated_query.filter(applications::round_id.eq(r.to_string()));
        result_query = result_query.filter(applications::round_id.eq(r.to_string()));
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
    let seats = seat_query
        .load::<(String, String, String, bool, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(
            |(application_id, assessor_id, assessor_name, is_lead, confirmed_at)| SeatFact {
                application_id,
                assessor_id,
                assessor_name,
                is_lead,
                confirmed_at,
            },
        )
        .collect();
    let scores = score_query
        .load::<(
            String,
            String,
            String,
            Option<i32>,
            Option<chrono::NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .filter_map(|(application_id, assessor_id, item_code, level, at)| {
            Some(ScoreFact {
                application_id,
                assessor_id,
                item_code,
                level,
                submitted_at: at?,
            })
        })
        .collect();
    let consolidated = consolidated_query
        .load::<(String, String, bool)>(conn)?
        .into_iter()
        .map(|(application_id, item_code, flagged)| ConsolidatedFact {
            application_id,
            item_code,
            flagged,
        })
        .collect();
    let results = result_query
        .load::<(String, i32, String)>(conn)?
        .into_iter()
        .map(|(application_id, achieved_level, domains)| PartResultFact {
            application_id,
            achieved_level,
            // Written by the consolidation as a JSON object of domain code → level.
            domain_levels: serde_json::from_str(&domains).unwrap_or_default(),
        })
        .collect();
    let certificates = certificate_query
        .load::<(
            String,
            chrono::NaiveDateTime,
            String,
            Option<chrono::NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .map(|(application_id, issued_at, payload, revoked_at)| {
            Ok(CertificateFact {
                application_id,
                issued_at,
                valid_until: signed_validity(&payload)?,
                revoked_at,
            })
        })
        .collect::<QueryResult<_>>()?;
    Ok(Facts {
        rounds,
        applications,
        events,
        seats,
        scores,
        consolidated,
        results,
        certificates,
        today,
    })
}

/// The last day of validity from a certificate's signed payload (only that field is
/// decoded). A payload that lacks it is a corrupt row, reported as a database error.
fn signed_validity(payload: &str) -> QueryResult<chrono::NaiveDate> {
    #[derive(serde::Deserialize)]
    struct Validity {
        valid_until: chrono::NaiveDate,
    }
    serde_json::from_str::<Validity>(payload)
        .map(|v| v.valid_until)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}
