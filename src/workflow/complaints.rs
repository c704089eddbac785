//! Complaints: anyone files one (registered once they confirm by the mailed link), the
//! secretariat triages, investigates and answers, and the complainant follows it through
//! a private link whose token is kept only as a hash.

use chrono::Utc;
use serde::Deserialize;

use crate::auth;
use crate::db::models::complaints::{self as store, ComplaintRow};
use crate::db::models::{audit, now};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::account::Email;
use crate::domain::audit::{Actor, Kind};
use crate::domain::complaint::{
    apply, check_confirmation, check_rate, check_text, About, ComplaintEvent, ComplaintForm,
    ComplaintRefusal, ComplaintStatus, SUBMIT_WINDOW,
};
use crate::domain::i18n::Lang;
use crate::domain::ids::ComplaintId;
use crate::mail::{self, Notification, Recipient};
use crate::refusal::{Code, Reason, Refusal};

/// The public form, as the page or the API sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ComplaintInput {
    #[serde(default)]
    pub name: String,
    pub email: String,
    /// `enterprise` or `programme`.
    pub about: String,
    #[serde(default)]
    pub certificate_number: Option<String>,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    #[schema(max_length = 4000)]
    pub description: String,
}

/// What filing did.
#[derive(Debug)]
pub enum Filed {
    /// The confirmation link was mailed.
    Mailed,
    /// Too many complaints from this address lately; retry after this many seconds.
    TooOften { reason: Reason, seconds: u64 },
}

fn refused(r: ComplaintRefusal) -> Refusal {
    match r {
        ComplaintRefusal::WrongState { .. } | ComplaintRefusal::LinkExpired => {
            Refusal::Conflict(r.into())
        }
        _ => Refusal::Invalid(r.into()),
    }
}

fn follow_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/complaints/track/{token}")
}

/// Files a complaint from `address` and mails its confirmation link; nothing is
/// registered until the link is used.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn file(
    conn: &mut DbConn,
    input: &ComplaintInput,
    lang: Lang,
    base_url: &str,
    address: &str,
) -> Result<Filed, Refusal> {
    let email =
        Email::parse(&input.email).map_err(|_| Refusal::Invalid(Code::NotAnEmail.into()))?;
    let form = ComplaintForm::parse(
        &input.name,
        email,
        &input.about,
        input.certificate_number.as_deref(),
        input.enterprise_name.as_deref(),
        &input.description,
    )
    .map_err(refused)?;
    write_tx(conn, |conn| {
        let now_utc = Utc::now();
        let earlier: Vec<_> =
            store::filed_from(conn, address, (now_utc - SUBMIT_WINDOW).naive_utc())?
                .into_iter()
                .map(|t| t.and_utc())
                .collect();
        if let Err(ComplaintRefusal::TooOften { retry_at }) = check_rate(now_utc, &earlier) {
            let seconds = (retry_at - now_utc).num_seconds().max(1) as u64;
            return Ok(Filed::TooOften {
                reason: ComplaintRefusal::TooOften { retry_at }.into(),
                seconds,
            });
        }
        let token = auth::new_token();
        let (number, enterprise) = match &form.about {
            About::Enterprise {
                certificate_number,
                enterprise_name,
            } => (certificate_number.clone(), enterprise_name.clone()),
            About::Programme => (None, None),
        };
        let at = now();
        store::insert(
            conn,
            &ComplaintRow {
                id: ComplaintId::new(),
                token_hash: auth::token_hash(&token),
                complainant_name: form.name.clone(),
                complainant_email: form.email.as_str().to_string(),
                lang: lang.code().to_string(),
                about: form.about.kind().to_string(),
                certificate_number: number,
                enterprise_name: enterprise,
                description: form.description.clone(),
                status: ComplaintStatus::Unconfirmed,
                address: address.to_string(),
                created_at: at,
                confirmed_at: None,
                triage_reason: None,
                answer: None,
                answered_at: None,
                surveillance_requested_at: None,
                updated_at: at,
            },
        )?;
        mail::enqueue(
            conn,
            &complainant(&form.name, form.email.as_str(), lang),
            &Notification::ComplaintConfirm {
                confirm_url: format!("{base_url}/complaints/confirm/{token}"),
            },
        )?;
        Ok(Filed::Mailed)
    })
}

fn complainant(name: &str, email: &str, lang: Lang) -> Recipient {
    Recipient {
        user_id: None,
        email: email.to_string(),
        name: if name.is_empty() {
            email.to_string()
        } else {
            name.to_string()
        },
        lang,
    }
}

fn recipient_of(row: &ComplaintRow) -> Recipient {
    complainant(
        &row.complainant_name,
        &row.complainant_email,
        Lang::parse(&row.lang).unwrap_or(Lang::Zh),
    )
}

/// The complainant confirms by the mailed link: the complaint is registered and the
/// private link to follow it is mailed. Confirming again changes nothing.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn confirm(
    conn: &mut DbConn,
    token: &str,
    base_url: &str,
    address: &str,
) -> Result<ComplaintId, Refusal> {
    let hash = auth::token_hash(token);
    write_tx(conn, |conn| {
        let row = store::by_token(conn, &hash)?.ok_or(Refusal::NotFound)?;
        if row.status != ComplaintStatus::Unconfirmed {
            return Ok(row.id);
        }
        check_confirmation(row.created_at.and_utc(), Utc::now()).map_err(refused)?;
        let to = apply(row.status, &ComplaintEvent::Confirm).map_err(refused)?;
        if !store::set_status(conn, row.id, row.status, to)? {
            return Ok(row.id);
        }
        store::confirmed(conn, row.id)?;
        audit::append(
            conn,
            &Actor::anonymous(&row.complainant_email, address),
            Kind::ComplaintConfirmed,
            ("complaint", &row.id),
            serde_json::json!({ "about": row.about }),
        )?;
        mail::enqueue(
            conn,
            &recipient_of(&row),
            &Notification::ComplaintRegistered {
                follow_url: follow_url(base_url, token),
            },
        )?;
        Ok(row.id)
    })
}

/// The complaint behind a private link, once confirmed.
pub(crate) fn by_link(conn: &mut DbConn, token: &str) -> Result<ComplaintRow, Refusal> {
    store::by_token(conn, &auth::token_hash(token))?
        .filter(|r| r.status != ComplaintStatus::Unconfirmed)
        .ok_or(Refusal::NotFound)
}

/// A registered complaint, for the secretariat.
pub(crate) fn registered(
    conn: &mut DbConn,
    who: &Principal,
    id: ComplaintId,
) -> Result<ComplaintRow, Refusal> {
    if !who.has(Role::Secretariat) {
        return Err(Refusal::NotFound);
    }
    store::get(conn, id)?
        .filter(|r| r.status != ComplaintStatus::Unconfirmed)
        .ok_or(Refusal::NotFound)
}

fn step(
    conn: &mut DbConn,
    row: &ComplaintRow,
    event: &ComplaintEvent,
) -> Result<ComplaintStatus, Refusal> {
    let to = apply(row.status, event).map_err(refused)?;
    if to != row.status && !store::set_status(conn, row.id, row.status, to)? {
        return Err(Refusal::Conflict(Code::ApplicationChangedMeanwhile.into()));
    }
    Ok(to)
}

/// The secretariat accepts the complaint for investigation, or finds it is not one (with
/// the reason, which the complainant reads).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn triage(
    conn: &mut DbConn,
    who: &Principal,
    id: ComplaintId,
    accept: bool,
    reason: &str,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let row = registered(conn, who, id)?;
        let event = if accept {
            ComplaintEvent::Accept
        } else {
            ComplaintEvent::Dismiss {
                reason: reason.to_string(),
            }
        };
        let to = step(conn, &row, &event)?;
        if !reason.trim().is_empty() {
            check_text(reason).map_err(refused)?;
            store::set_triage_reason(conn, id, reason.trim())?;
        }
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::ComplaintTriaged,
            ("complaint", &id),
            serde_json::json!({ "accepted": accept, "reason": reason.trim() }),
        )?;
        mail::enqueue(
            conn,
            &recipient_of(&row),
            &Notification::ComplaintUpdated {
                status: to.as_str().to_string(),
            },
        )?;
        Ok(())
    })
}

/// An investigation note (the secretariat's only; the complainant does not see notes).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn note(
    conn: &mut DbConn,
    who: &Principal,
    id: ComplaintId,
    body: &str,
    address: &str,
) -> Result<(), Refusal> {
    check_text(body).map_err(refused)?;
    write_tx(conn, |conn| {
        let row = registered(conn, who, id)?;
        step(conn, &row, &ComplaintEvent::Investigate)?;
        store::add_note(conn, id, who.user_id, body.trim())?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::ComplaintNoted,
            ("complaint", &id),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

/// Flags that the investigation asks for a short-notice surveillance of the enterprise
/// complained about (a task for the secretariat; the surveillance itself is planned
/// elsewhere). Flagging again changes nothing.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn request_surveillance(
    conn: &mut DbConn,
    who: &Principal,
    id: ComplaintId,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let row = registered(conn, who, id)?;
        step(conn, &row, &ComplaintEvent::Investigate)?;
        if row.about != "enterprise" {
            return Err(refused(ComplaintRefusal::EnterpriseNotNamed));
        }
        if store::request_surveillance(conn, id)? {
            audit::append(
                conn,
                &Actor::user(who.user_id, address),
                Kind::SurveillanceRequested,
                ("complaint", &id),
                serde_json::json!({
                    "certificate_number": row.certificate_number,
                    "enterprise_name": row.enterprise_name,
                }),
            )?;
        }
        Ok(())
    })
}

/// The secretariat's answer, which closes the complaint.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn answer(
    conn: &mut DbConn,
    who: &Principal,
    id: ComplaintId,
    answer: &str,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let row = registered(conn, who, id)?;
        let to = step(
            conn,
            &row,
            &ComplaintEvent::Answer {
                answer: answer.to_string(),
            },
        )?;
        store::set_answer(conn, id, answer.trim())?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::ComplaintAnswered,
            ("complaint", &id),
            serde_json::json!({}),
        )?;
        mail::enqueue(
            conn,
            &recipient_of(&row),
            &Notification::ComplaintUpdated {
                status: to.as_str().to_string(),
            },
        )?;
        Ok(())
    })
}
