//! Registering an enterprise and its verification by the secretariat.

use crate::db::models::{audit, enterprises, now};
use crate::db::{write_tx, DbConn};
use crate::domain::account::{DisplayName, Email};
use crate::domain::audit::{Actor, Kind};
use crate::domain::credit_code::CreditCode;
use crate::domain::ids::{EnterpriseId, UserId};
use crate::mail::{self, Notification};
use crate::refusal::{Code, Reason, Refusal};

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Registration {
    pub name_zh: String,
    pub name_en: Option<String>,
    pub credit_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

/// Registers an enterprise; the person registering becomes its first administrator.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn register(
    conn: &mut DbConn,
    by: UserId,
    r: &Registration,
    client_address: &str,
) -> Result<EnterpriseId, Refusal> {
    let code = CreditCode::parse(&r.credit_code)
        .map_err(|e| Refusal::Invalid(Code::CreditCodeInvalid.with("reason", Reason::from(e))))?;
    let name_zh = DisplayName::parse(&r.name_zh)
        .map_err(|e| Refusal::Invalid(Code::LegalNameInvalid.with("reason", Reason::from(e))))?;
    let name_en = match r
        .name_en
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => Some(DisplayName::parse(n).map_err(|e| {
            Refusal::Invalid(Code::EnglishNameInvalid.with("reason", Reason::from(e)))
        })?),
        None => None,
    };
    let contact = DisplayName::parse(&r.contact_name)
        .map_err(|e| Refusal::Invalid(Code::ContactInvalid.with("reason", Reason::from(e))))?;
    let email = Email::parse(&r.contact_email)
        .map_err(|e| Refusal::Invalid(Code::ContactInvalid.with("reason", Reason::from(e))))?;
    let address = r.address.trim();
    let phone = r.contact_phone.trim();
    if address.is_empty() || phone.is_empty() {
        return Err(Refusal::Invalid(Code::AddressOrPhoneMissing.into()));
    }
    write_tx(conn, |conn| {
        if enterprises::membership(conn, by)?.is_some() {
            return Err(Refusal::Conflict(Code::YouAlreadyBelong.into()));
        }
        if enterprises::by_credit_code(conn, code.as_str())?.is_some() {
            return Err(Refusal::Conflict(
                Code::CreditCodeTaken.with("code", code.as_str()),
            ));
        }
        let id = EnterpriseId::new();
        enterprises::insert(
            conn,
            &enterprises::NewEnterprise {
                id,
                name_zh: name_zh.as_str(),
                name_en: name_en.as_ref().map(|n| n.as_str()),
                credit_code: code.as_str(),
                address,
                contact_name: contact.as_str(),
                contact_email: email.as_str(),
                contact_phone: phone,
                created_at: now(),
            },
            by,
        )?;
        audit::append(
            conn,
            &Actor::user(by, client_address),
            Kind::EnterpriseRegistered,
            ("enterprise", &id),
            serde_json::json!({ "name_zh": name_zh.as_str(), "credit_code": code.as_str() }),
        )?;
        Ok(id)
    })
}

#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn verify(
    conn: &mut DbConn,
    id: EnterpriseId,
    by: UserId,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        if enterprises::get(conn, id)?.is_none() {
            return Err(Refusal::NotFound);
        }
        if !enterprises::verify(conn, id, by)? {
            return Err(Refusal::Conflict(Code::EnterpriseAlreadyVerified.into()));
        }
        audit::append(
            conn,
            &Actor::user(by, address),
            Kind::EnterpriseVerified,
            ("enterprise", &id),
            serde_json::json!({}),
        )?;
        let e = enterprises::get(conn, id)?.ok_or(Refusal::NotFound)?;
        mail::enqueue_to_enterprise(
            conn,
            id,
            &Notification::EnterpriseVerified {
                enterprise_name: e.name_zh,
            },
        )?;
        Ok(())
    })
}
