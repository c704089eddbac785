//! Demo data for a first look: one account per role and an open round.

use chrono::{Duration, Utc};
use chrono_tz::Asia::Shanghai;

use crate::db::models::{catalog, rounds, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::Role;
use crate::domain::account::{DisplayName, Email, Password};
use crate::domain::catalog::Bilingual;
use crate::domain::ids::OrganisationId;
use crate::refusal::{Code, Reason, Refusal};

pub struct DemoAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Only for accounts created now; existing ones keep their password.
    pub password: Option<String>,
}

const ACCOUNTS: [(&str, &str, Role); 4] = [
    (
        "secretariat@demo.certcase.test",
        "秘书处 Secretariat",
        Role::Secretariat,
    ),
    ("zhang.zhe@demo.certcase.test", "张喆", Role::Enterprise),
    ("wang.kun@demo.certcase.test", "王堃", Role::Assessor),
    (
        "lukasz.obrien@demo.certcase.test",
        "Łukasz O'Brien",
        Role::Reviewer,
    ),
];

/// Creates what is missing; running it twice changes nothing.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn seed(conn: &mut DbConn) -> Result<Vec<DemoAccount>, Refusal> {
    let mut accounts = Vec::new();
    for (email, name, role) in ACCOUNTS {
        let email_v = Email::parse(email).map_err(demo_input)?;
        let exists = users::find_by_email(conn, &email_v)?.is_some();
        let password = if exists {
            None
        } else {
            let password = crate::auth::new_token()[..20].to_string();
            let name_v = DisplayName::parse(name).map_err(demo_input)?;
            let p = Password::parse(&password).map_err(demo_input)?;
            super::users::add_user(conn, &email_v, &name_v, &p, &[role])?;
            Some(password)
        };
        accounts.push(DemoAccount {
            email: email.into(),
            name: name.into(),
            role,
            password,
        });
    }
    seed_round(conn)?;
    seed_assessor(conn)?;
    Ok(accounts)
}

fn seed_round(conn: &mut DbConn) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        if rounds::count(conn)? > 0 {
            return Ok(());
        }
        let Some(model_id) = catalog::find_model_id(conn, "caict-devops")? else {
            return Err(Refusal::Invalid(Code::DemoNeedsCatalog.into()));
        };
        let version = catalog::latest_version(conn, model_id)?.ok_or(Refusal::NotFound)?;
        let today = Utc::now().with_timezone(&Shanghai).date_naive();
        let year = today.format("%Y").to_string();
        let name = Bilingual {
            zh: format!("{year}年研发运营一体化能力成熟度评估（演示）"),
            en: format!("DevOps Capability Maturity Assessment {year} (demo)"),
        };
        let parts: Vec<String> = ["CD", "TO", "SEC", "TOOL"].map(String::from).to_vec();
        rounds::insert(
            conn,
            &rounds::NewRound {
                name: &name,
                model_version: version.id,
                registration: (today - Duration::days(7), today + Duration::days(45)),
                assessment: (today + Duration::days(60), today + Duration::days(110)),
                results_on: today + Duration::days(140),
                parts: &parts,
            },
        )?;
        Ok(())
    })
}

/// CAICT as an organisation and the demo assessor in the registry, qualified for the
/// demo round's parts (feature: panels).
fn seed_assessor(conn: &mut DbConn) -> Result<(), Refusal> {
    use crate::db::models::panels;
    write_tx(conn, |conn| {
        let org = match panels::organisation_by_name(conn, "中国信息通信研究院 CAICT")? {
            Some(o) => o.id,
            None => {
                let id = OrganisationId::new();
                panels::insert_organisation(conn, id, "中国信息通信研究院 CAICT", "caict")?;
                id
            }
        };
        let email = Email::parse("wang.kun@demo.certcase.test").map_err(demo_input)?;
        let Some(assessor) = users::find_by_email(conn, &email)? else {
            return Ok(());
        };
        if panels::profile(conn, assessor.id)?.is_some() {
            return Ok(());
        }
        let today = Utc::now().date_naive();
        panels::save_profile(
            conn,
            &panels::ProfileRow {
                user_id: assessor.id,
                organisation_id: org,
                certification_number: "CAICT-DEVOPS-A-0001".into(),
                certification_expires_on: today + Duration::days(730),
                parts: "CD,SEC,TO,TOOL".into(),
                languages: "en,zh-CN".into(),
                max_load: 6,
                updated_at: crate::db::models::now(),
            },
        )?;
        Ok(())
    })
}

fn demo_input(reason: impl Into<Reason>) -> Refusal {
    Refusal::Invalid(reason.into())
}
