//! Reads of surveillances for the routes: the list each role may see, one surveillance,
//! and the counts of the task list and the reports.

use chrono::NaiveDate;

use crate::db::models::complaints as complaint_store;
use crate::db::models::surveillances::{self as store, SurveillanceRow};
use crate::db::models::{applications as apps, enterprises};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::complaint::ComplaintStatus;
use crate::domain::ids::{SurveillanceId, UserId};
use crate::domain::panel::unfit;
use crate::domain::surveillance::SurveillanceStatus;
use crate::refusal::Code;
use crate::refusal::Refusal;
use crate::workflow::evidence::part_of;
use crate::workflow::panels::{application_facts, assessor_facts};
use crate::workflow::surveillances::plannable;
use crate::workflow::views::surveillances::{
    plan_choices_view, surveillance_view, ComplaintChoiceView, Facts, PlanChoicesView, Reader,
    SurveillanceAssessorView, SurveillanceView,
};

/// How `who` reads this surveillance, or `None` when they may not see it.
fn reader_of(
    conn: &mut DbConn,
    who: &Principal,
    row: &SurveillanceRow,
    enterprise: crate::domain::ids::EnterpriseId,
) -> Result<Option<Reader>, Refusal> {
    if who.has(Role::Secretariat) {
        return Ok(Some(Reader::Secretariat));
    }
    if who.has(Role::Assessor) && store::assessors(conn, row.id)?.contains(&who.user_id) {
        return Ok(Some(Reader::Assessor));
    }
    if who.has(Role::Enterprise) && enterprises::membership(conn, who.user_id)? == Some(enterprise)
    {
        return Ok(Some(Reader::Enterprise));
    }
    Ok(None)
}

fn view_of(
    conn: &mut DbConn,
    who: &Principal,
    row: SurveillanceRow,
    names: &[(UserId, String)],
    today: NaiveDate,
) -> Result<Option<SurveillanceView>, Refusal> {
    let app = apps::get(conn, row.application_id)?.ok_or(Refusal::NotFound)?;
    let Some(reader) = reader_of(conn, who, &row, app.enterprise_id)? else {
        return Ok(None);
    };
    let enterprise = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
    let assessors = store::assessors(conn, row.id)?
        .into_iter()
        .map(|id| {
            let name = names
                .iter()
                .find(|(a, _)| *a == id)
                .map_or_else(|| id.to_string(), |(_, n)| n.clone());
            (id, name)
        })
        .collect();
    let facts = Facts {
        items: store::items(conn, row.id)?,
        scores: store::scores(conn, row.id)?,
        row,
        part_code: app.part_code,
        enterprise_name: enterprise.name_zh,
        assessors,
    };
    Ok(Some(surveillance_view(facts, reader, today)))
}

fn registry_names(conn: &mut DbConn) -> Result<Vec<(UserId, String)>, Refusal> {
    Ok(assessor_facts(conn)?
        .into_iter()
        .map(|(f, _)| (f.assessor, f.display_name))
        .collect())
}

/// One surveillance, as `who` may see it; others are told it does not exist.
pub fn detail(
    conn: &mut DbConn,
    who: &Principal,
    id: SurveillanceId,
    today: NaiveDate,
) -> Result<SurveillanceView, Refusal> {
    let row = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let names = registry_names(conn)?;
    view_of(conn, who, row, &names, today)?.ok_or(Refusal::NotFound)
}

/// The surveillances `who` may see, soonest due first: all (secretariat), those they
/// assess, their enterprise's. `open` leaves out concluded ones.
pub fn list(
    conn: &mut DbConn,
    who: &Principal,
    open: bool,
    today: NaiveDate,
) -> Result<Vec<SurveillanceView>, Refusal> {
    let rows = if who.has(Role::Secretariat) || who.has(Role::Enterprise) {
        store::list(conn, open)?
    } else {
        store::assigned_to(conn, who.user_id)?
            .into_iter()
            .filter(|r| !open || r.status != SurveillanceStatus::Concluded)
            .collect()
    };
    let names = registry_names(conn)?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(v) = view_of(conn, who, row, &names, today)? {
            out.push(v);
        }
    }
    Ok(out)
}

/// What the secretariat chooses from to plan a surveillance of certificate `number` on
/// `today`: the certified part's capability items and the complaints about the
/// certificate that asked for a short-notice surveillance. Refused as the plan itself
/// would be when the certificate cannot be surveilled now; an unknown number is a
/// mistake to correct on the form.
pub fn plan_choices(
    conn: &mut DbConn,
    who: &Principal,
    number: &str,
    today: NaiveDate,
) -> Result<PlanChoicesView, Refusal> {
    if !who.has(Role::Secretariat) {
        return Err(Refusal::NotFound);
    }
    let number = number.trim();
    let (cert, _) = plannable(conn, number, today).map_err(|e| match e {
        Refusal::NotFound => {
            Refusal::Invalid(Code::SurveillanceCertificateUnknown.with("number", number))
        }
        other => other,
    })?;
    let part = part_of(conn, &cert.app)?;
    let enterprise = enterprises::get(conn, cert.app.enterprise_id)?.ok_or(Refusal::NotFound)?;
    let complaints = complaint_store::list(conn, true)?
        .into_iter()
        .filter(|c| {
            c.certificate_number.as_deref() == Some(number)
                && c.surveillance_requested_at.is_some()
                && c.status != ComplaintStatus::Unconfirmed
        })
        .map(|c| ComplaintChoiceView {
            id: c.id.to_string(),
            received_at: c.confirmed_at,
            description: c.description,
        })
        .collect();
    Ok(plan_choices_view(
        number,
        enterprise.name_zh,
        &part,
        complaints,
    ))
}

/// The assessors the secretariat may assign to surveillance `id` on `today`: those the
/// panel rules find fit for its certified application (qualified for the part, certified,
/// no conflict of interest with the enterprise or its group), by name.
pub fn assessor_choices(
    conn: &mut DbConn,
    who: &Principal,
    id: SurveillanceId,
    today: NaiveDate,
) -> Result<Vec<SurveillanceAssessorView>, Refusal> {
    if !who.has(Role::Secretariat) {
        return Err(Refusal::NotFound);
    }
    let row = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let app = apps::get(conn, row.application_id)?.ok_or(Refusal::NotFound)?;
    let facts = application_facts(conn, &app)?;
    let mut fit: Vec<SurveillanceAssessorView> = assessor_facts(conn)?
        .into_iter()
        .map(|(a, _)| a)
        .filter(|a| unfit(a, &facts, today).is_empty())
        .map(|a| SurveillanceAssessorView {
            id: a.assessor,
            name: a.display_name,
        })
        .collect();
    fit.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(fit)
}

/// The open surveillances an assessor still has a selected item to score in.
pub fn to_score(conn: &mut DbConn, user: UserId) -> Result<i64, Refusal> {
    let open: Vec<SurveillanceStatus> = SurveillanceStatus::ALL
        .into_iter()
        .filter(|s| s.is_open_for_work())
        .collect();
    Ok(store::count_to_score(conn, user, &open)?)
}

/// The open surveillances of the user's enterprise (evidence to upload for).
pub fn of_my_enterprise(conn: &mut DbConn, user: UserId) -> Result<i64, Refusal> {
    Ok(store::count_open_of_member(conn, user)?)
}
