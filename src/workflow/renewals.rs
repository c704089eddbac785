//! Renewals (feature: renewals): the background job's reminders about certificates
//! (invitations to apply for re-assessment before expiry, the end of a suspension), an
//! application's "renews certificate N", and marking the old certificate renewed when the
//! successor is issued. The rules are in `domain::renewal`.

use chrono::{NaiveDate, Utc};
use diesel::result::{DatabaseErrorKind, Error as DbError};
use diesel::QueryResult;

use super::certificates::Subject;
use crate::db::models::certificates as certs_store;
use crate::db::models::now;
use crate::db::models::renewals as store;
use crate::db::{write_tx, DbConn};
use crate::domain::audit::{Actor, Kind};
use crate::domain::certificate_status::CertState;
use crate::domain::ids::{ApplicationId, EnterpriseId};
use crate::domain::renewal::{
    check_renewal, invitation_due, renewal_occasion, suspension_occasion, suspension_reminder_due,
    Renewed, Thresholds, DEFAULT_SUSPENSION_REMINDER_DAYS,
};
use crate::mail::{self, Notification};
use crate::refusal::{Code, Refusal};

/// What the reminder job needs to know: its thresholds and where links point.
#[derive(Debug, Clone)]
pub struct Reminders {
    pub invitation_days: Thresholds,
    pub suspension_days: u32,
    pub base_url: String,
}

impl Reminders {
    pub fn from_config(config: &crate::config::Config) -> Reminders {
        Reminders {
            invitation_days: config.renewal_invitation_days.clone(),
            suspension_days: config.suspension_reminder_days,
            base_url: config.base_url.clone(),
        }
    }
}

impl Default for Reminders {
    fn default() -> Reminders {
        Reminders {
            invitation_days: Thresholds::default(),
            suspension_days: DEFAULT_SUSPENSION_REMINDER_DAYS,
            base_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// What one run of the job sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub invitations: usize,
    pub suspensions: usize,
}

fn raced(e: &Refusal) -> bool {
    matches!(
        e,
        Refusal::Database(DbError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// One certificate's reminder in its own transaction: the sent mark and the mail commit
/// together. A reminder another instance sent meanwhile is not an error; a certificate
/// whose log tells no state is logged and skipped, so that one bad row stops no one
/// else's reminder. (Also the overdue surveillances' reminders.)
pub(crate) fn one(
    conn: &mut DbConn,
    number: &str,
    f: impl FnMut(&mut DbConn) -> Result<bool, Refusal>,
) -> QueryResult<bool> {
    match write_tx(conn, f) {
        Ok(sent) => Ok(sent),
        Err(e) if raced(&e) => Ok(false),
        Err(Refusal::Database(e)) => Err(e),
        Err(other) => {
            tracing::warn!(number, refusal = %other, "no reminder for this certificate");
            Ok(false)
        }
    }
}

/// Sends the reminders due on `today`: each renewal invitation (mail; the enterprise's
/// task list counts the invited certificates) and each suspension-ending reminder (mail
/// to the enterprise; the secretariat's task list has the suspensions ending) at most
/// once per certificate and occasion, however many instances run.
#[tracing::instrument(skip_all)]
pub fn send_reminders(
    conn: &mut DbConn,
    settings: &Reminders,
    today: NaiveDate,
) -> QueryResult<Sent> {
    let mut sent = Sent::default();
    let thresholds = &settings.invitation_days;
    let last = today + chrono::Days::new(u64::from(thresholds.days()[0]));
    for number in store::standing_with_validity_between(conn, today, last)? {
        let invited = one(conn, &number, |conn| {
            let subject = Subject::read(conn, &number)?;
            let valid_until = subject.signed.payload.valid_until;
            let already: Vec<u32> = store::occasions(conn, &number)?
                .iter()
                .filter_map(|o| o.strip_prefix("renewal_")?.parse().ok())
                .collect();
            let Some(threshold) =
                invitation_due(&subject.state, valid_until, today, thresholds, &already)
            else {
                return Ok(false);
            };
            if store::under_way(conn, &number)? {
                return Ok(false);
            }
            if !store::claim_reminder(conn, &number, &renewal_occasion(threshold), now())? {
                return Ok(false);
            }
            let n = Notification::RenewalInvitation {
                certificate_id: number.clone(),
                part: subject.row.part_code.clone(),
                valid_until,
                days_left: (valid_until - today).num_days(),
                apply_url: apply_url(&settings.base_url, &number),
            };
            mail::enqueue_to_enterprise(conn, subject.app.enterprise_id, &n)?;
            Ok(true)
        })?;
        sent.invitations += usize::from(invited);
    }
    let horizon = today + chrono::Days::new(u64::from(settings.suspension_days));
    for row in certs_store::suspensions_ending(conn, horizon)? {
        let number = row.number.clone();
        let reminded = one(conn, &number, |conn| {
            let subject = Subject::read(conn, &number)?;
            let CertState::Suspended { until, .. } = subject.state else {
                return Ok(false);
            };
            if !suspension_reminder_due(until, today, settings.suspension_days)
                || !store::claim_reminder(conn, &number, &suspension_occasion(until), now())?
            {
                return Ok(false);
            }
            let n = Notification::SuspensionEnding {
                certificate_id: number.clone(),
                part: subject.row.part_code.clone(),
                until,
                verify_url: format!(
                    "{}/verify/{number}",
                    settings.base_url.trim_end_matches('/')
                ),
            };
            mail::enqueue_to_enterprise(conn, subject.app.enterprise_id, &n)?;
            Ok(true)
        })?;
        sent.suspensions += usize::from(reminded);
    }
    Ok(sent)
}

/// Where the invitation sends the enterprise: the application form, with the certificate
/// to renew filled in.
pub fn apply_url(base_url: &str, number: &str) -> String {
    format!(
        "{}/applications?renews={number}#apply",
        base_url.trim_end_matches('/')
    )
}

/// Inside the creation of an application: checks that it may renew `number` and records
/// that it does.
pub(crate) fn record_renewal(
    conn: &mut DbConn,
    application: ApplicationId,
    enterprise: EnterpriseId,
    part_code: &str,
    number: &str,
) -> Result<String, Refusal> {
    let number = number.trim();
    let unknown = || Refusal::Invalid(Code::RenewalCertificateUnknown.with("number", number));
    if crate::domain::certificate::parse_certificate_number(number).is_none()
        || certs_store::by_number(conn, number)?.is_none()
    {
        return Err(unknown());
    }
    let subject = Subject::read(conn, number)?;
    let renewal_under_way = store::under_way(conn, number)?;
    check_renewal(
        &Renewed {
            number,
            part_code: &subject.row.part_code,
            state: &subject.state,
            valid_until: subject.signed.payload.valid_until,
            same_enterprise: subject.app.enterprise_id == enterprise,
            renewal_under_way,
        },
        part_code,
        Utc::now().date_naive(),
    )?;
    store::insert(conn, application, number, now())?;
    Ok(number.to_string())
}

/// The certificate an application renews, if it is a renewal.
pub(crate) fn renews(
    conn: &mut DbConn,
    application: ApplicationId,
) -> Result<Option<String>, Refusal> {
    Ok(store::renews(conn, application)?)
}

/// Inside the issuance of `successor`: the old certificate is renewed by it (a log entry on
/// the old one, its row's copy, its credential's status bits, an audit entry), in the
/// issuance's transaction.
pub(crate) fn mark_renewed(
    conn: &mut DbConn,
    actor: &Actor,
    old: &str,
    successor: &str,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let subject = Subject::read(conn, old)?;
    let event = crate::domain::certificate_status::CertEvent::Renew {
        successor: successor.to_string(),
    };
    let renewed = subject.apply(&event, today, None)?;
    certs_store::set_superseded_by(conn, &subject.row.id, successor)?;
    certs_store::set_suspended_until(conn, &subject.row.id, None)?;
    // Revocation bit set, a suspension's bit cleared: the old credential is done.
    super::credentials::reflect(conn, &subject.row.id, &renewed)?;
    let entry = super::certificates::log_renewal(conn, &subject.signed.payload, successor)?;
    crate::db::models::audit::append(
        conn,
        actor,
        Kind::CertificateRenewed,
        ("certificate", &subject.row.id),
        serde_json::json!({
            "number": old,
            "successor": successor,
            "log_index": entry.index,
        }),
    )?;
    Ok(())
}
