//! Demo data for a first look: one account per role and an open round.

use chrono::{Duration, Utc};
use chrono_tz::Asia::Shanghai;

use crate::db::models::{catalog, enterprises, rounds, users};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::account::{DisplayName, Email, Password};
use crate::domain::catalog::Bilingual;
use crate::domain::ids::{OrganisationId, RoundId};
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

/// 45 days on, but within this year: holiday calendars come a year at a time
/// (fixtures/calendars) and a window running into a year without one is flagged.
fn registration_end(today: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    let year_end = chrono::NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today);
    (today + Duration::days(45)).min(year_end)
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
                registration: (today - Duration::days(7), registration_end(today)),
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

/// The programme a newcomer can click through: two organisations, six assessors, eight
/// enterprises (two in one group), three review members, a round in registration and one
/// in assessment with applications in every state, and a completed panel, review and
/// certificates (one revoked). Everything after the accounts goes through the use cases,
/// so the audit chain and the issuance log stay whole. Once built it is left alone.
pub struct Programme {
    pub accounts: Vec<DemoAccount>,
    /// The one password of every account of the programme, when they were created now.
    pub password: Option<String>,
}

const DEMO_ADDRESS: &str = "demo";
const PROGRAMME_DOMAIN: &str = "@demo.certcase.test";

/// (e-mail local part, name, roles)
const PEOPLE: [(&str, &str, &[Role]); 14] = [
    ("secretariat2", "秘书处 高洁", &[Role::Secretariat]),
    ("li.na", "李娜", &[Role::Assessor]),
    ("chen.gang", "陈刚", &[Role::Assessor]),
    ("zhao.min", "赵敏", &[Role::Assessor]),
    ("sun.li", "孙丽", &[Role::Assessor]),
    ("zhou.tao", "周涛", &[Role::Assessor]),
    ("liu.yang", "刘洋", &[Role::Enterprise, Role::Reviewer]),
    ("huang.lei", "黄磊", &[Role::Reviewer, Role::Enterprise]),
    ("wu.jing", "吴静", &[Role::Enterprise, Role::Reviewer]),
    ("xu.ming", "徐明", &[Role::Enterprise]),
    ("he.fang", "何芳", &[Role::Enterprise]),
    ("guo.qiang", "郭强", &[Role::Enterprise]),
    ("ma.li", "马丽", &[Role::Enterprise]),
    ("lin.hai", "林海", &[Role::Enterprise]),
];

/// (name, English name, credit code body (17 characters), member's local part, part,
/// status wanted). The member of the first three sits on the review panel.
const ENTERPRISES: [(&str, &str, &str, &str, &str, &str); 8] = [
    (
        "北京云栈科技有限公司",
        "Beijing Yunzhan Technology Co., Ltd.",
        "91110108MA01ABCD1",
        "liu.yang",
        "CD",
        "in_assessment",
    ),
    (
        "上海数擎信息技术有限公司",
        "Shanghai Shuqing IT Co., Ltd.",
        "91310115MA1HXY702",
        "huang.lei",
        "TO",
        "accepted",
    ),
    (
        "深圳星河软件股份有限公司",
        "Shenzhen Xinghe Software Co., Ltd.",
        "91440300MA5EQR703",
        "wu.jing",
        "CD",
        "in_review",
    ),
    (
        "杭州青藤网络科技有限公司",
        "Hangzhou Qingteng Network Technology Co., Ltd.",
        "91330106MA2CDEF04",
        "xu.ming",
        "CD",
        "approved",
    ),
    (
        "广州南粤银行股份有限公司",
        "Guangzhou Nanyue Bank Co., Ltd.",
        "91440101MA59GHJ05",
        "he.fang",
        "CD",
        "certified",
    ),
    (
        "成都天府证券有限责任公司",
        "Chengdu Tianfu Securities Co., Ltd.",
        "91510100MA6KLMN06",
        "guo.qiang",
        "CD",
        "revoked",
    ),
    (
        "南京紫金数据服务有限公司",
        "Nanjing Zijin Data Services Co., Ltd.",
        "91320100MA1PQRT07",
        "ma.li",
        "CD",
        "submitted",
    ),
    (
        "南京紫金云计算有限公司",
        "Nanjing Zijin Cloud Computing Co., Ltd.",
        "91320100MA1UWXY08",
        "lin.hai",
        "CD",
        "draft",
    ),
];

fn programme_email(local: &str) -> Result<Email, Refusal> {
    Email::parse(&format!("{local}{PROGRAMME_DOMAIN}")).map_err(demo_input)
}

/// The body with its check character (the parser names the one it expects).
pub(crate) fn with_check_character(body: &str) -> String {
    use crate::domain::credit_code::{CreditCode, CreditCodeError};
    match CreditCode::parse(&format!("{body}0")) {
        Err(CreditCodeError::WrongCheckCharacter { expected, .. }) => format!("{body}{expected}"),
        _ => format!("{body}0"),
    }
}

fn principal_of(conn: &mut DbConn, local: &str) -> Result<Principal, Refusal> {
    let email = programme_email(local)?;
    let user = users::find_by_email(conn, &email)?.ok_or(Refusal::NotFound)?;
    users::principal(conn, user.id)?.ok_or(Refusal::NotFound)
}

fn json_input<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, Refusal> {
    // The demo's own inputs: one that does not read is a bug in this file.
    serde_json::from_value(v).map_err(|_| demo_input(Code::BodyNotJson))
}

/// Builds the programme once (after [`seed`]); a second run changes nothing.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn seed_programme(
    conn: &mut DbConn,
    issuer: &super::certificates::Issuer,
) -> Result<Programme, Refusal> {
    let mut accounts = seed(conn)?;
    let mut password = None;
    let mut created_now = false;
    let mut hash: Option<String> = None;
    for (local, name, roles) in PEOPLE {
        let email = programme_email(local)?;
        if users::find_by_email(conn, &email)?.is_none() {
            let hash = match &hash {
                Some(h) => h.clone(),
                None => {
                    let pw = crate::auth::new_token()[..20].to_string();
                    let h = crate::auth::hash_password(&Password::parse(&pw).map_err(demo_input)?);
                    password = Some(pw);
                    hash = Some(h.clone());
                    h
                }
            };
            let name_v = DisplayName::parse(name).map_err(demo_input)?;
            super::users::add_user_with_hash(conn, &email, &name_v, &hash, roles)?;
            created_now = true;
        }
        accounts.push(DemoAccount {
            email: email.as_str().into(),
            name: name.into(),
            role: roles[0],
            password: password.clone().filter(|_| created_now),
        });
    }
    let first_code = with_check_character(ENTERPRISES[0].2);
    if enterprises::by_credit_code(conn, &first_code)?.is_none() {
        build(conn, issuer)?;
    }
    Ok(Programme { accounts, password })
}

fn build(conn: &mut DbConn, issuer: &super::certificates::Issuer) -> Result<(), Refusal> {
    use super::{certificates as certs, enterprise_groups, panels as registry, review, scoring};
    use crate::db::models::{applications as apps, panels};
    use crate::domain::application_status::Status;
    use crate::domain::audit::Actor;
    use serde_json::json;

    let sec_email = Email::parse(ACCOUNTS[0].0).map_err(demo_input)?;
    let sec_user = users::find_by_email(conn, &sec_email)?.ok_or(Refusal::NotFound)?;
    let sec = users::principal(conn, sec_user.id)?.ok_or(Refusal::NotFound)?;
    let today = Utc::now().with_timezone(&Shanghai).date_naive();

    // Organisations and the assessor registry: CAICT (from `seed`) and an external one.
    let caict = panels::organisation_by_name(conn, "中国信息通信研究院 CAICT")?
        .ok_or(Refusal::NotFound)?
        .id;
    let external = registry::add_organisation(
        conn,
        &sec,
        &json_input(json!({"name": "上海市软件评测中心", "kind": "external"}))?,
        DEMO_ADDRESS,
    )?;
    let assessors = ["li.na", "chen.gang", "zhao.min", "sun.li", "zhou.tao"];
    for (i, local) in assessors.iter().enumerate() {
        let p = principal_of(conn, local)?;
        let org = if i == 0 { caict } else { external };
        registry::save_profile(
            conn,
            &sec,
            &json_input(json!({
                "user_id": p.user_id.to_string(),
                "organisation_id": org.to_string(),
                "certification_number": format!("CAICT-DEVOPS-A-{:04}", i + 2),
                "certification_expires_on": (today + Duration::days(730)).to_string(),
                "parts": ["CD", "TO", "SEC", "TOOL"],
                "languages": ["zh-CN", "en"],
                "max_load": 6,
            }))?,
            DEMO_ADDRESS,
        )?;
    }

    // The round in assessment: registration closed, assessment under way.
    let round = assessment_round(conn, today)?;
    let registering = rounds::list(conn)?
        .into_iter()
        .find(|r| r.id != round)
        .ok_or(Refusal::NotFound)?
        .id;

    // Enterprises, verified but the last, the two 紫金 companies in one group.
    let mut ids = Vec::new();
    for (name_zh, name_en, body, member, _, _) in ENTERPRISES {
        let who = principal_of(conn, member)?;
        let reg = super::enterprises::Registration {
            name_zh: name_zh.into(),
            name_en: Some(name_en.into()),
            credit_code: with_check_character(body),
            address: "北京市海淀区花园北路52号".into(),
            contact_name: who.display_name.clone(),
            contact_email: who.email.clone(),
            contact_phone: "010-62300000".into(),
        };
        ids.push(super::enterprises::register(
            conn,
            who.user_id,
            &reg,
            DEMO_ADDRESS,
        )?);
    }
    for id in &ids[..ids.len() - 1] {
        super::enterprises::verify(conn, *id, sec.user_id, DEMO_ADDRESS)?;
    }
    let group = enterprise_groups::create(
        conn,
        &sec,
        &json_input(json!({"name_zh": "紫金控股集团", "name_en": "Zijin Holding Group"}))?,
        DEMO_ADDRESS,
    )?;
    for id in &ids[6..] {
        enterprise_groups::join(conn, &sec, *id, group.into(), DEMO_ADDRESS)?;
    }

    // Applications, each in the status its enterprise shows.
    let mut apps_by_state = std::collections::BTreeMap::new();
    for ((name_zh, _, _, member, part, state), enterprise) in ENTERPRISES.iter().zip(&ids) {
        let (round_id, status) = match *state {
            "draft" => (registering, Status::Draft),
            "submitted" => (registering, Status::Submitted),
            _ => (round, Status::Accepted),
        };
        let who = principal_of(conn, member)?;
        let id = crate::domain::ids::ApplicationId::new();
        let now = crate::db::models::now();
        apps::insert(
            conn,
            &apps::NewApplication {
                id,
                round_id,
                enterprise_id: *enterprise,
                part_code: part,
                target_level: 3,
                scope: &format!("{name_zh}核心业务系统"),
                scope_en: Some("Core business systems"),
                contact_name: &who.display_name,
                contact_email: &who.email,
                status,
                created_at: now,
                updated_at: now,
            },
        )?;
        apps_by_state.insert(*state, id);
    }

    // Panels: the CAICT assessors lead, the external ones sit.
    let lead = principal_of(conn, "li.na")?;
    let wang = users::find_by_email(conn, &Email::parse(ACCOUNTS[2].0).map_err(demo_input)?)?
        .ok_or(Refusal::NotFound)?;
    let members = [
        principal_of(conn, "chen.gang")?,
        principal_of(conn, "zhao.min")?,
    ];
    let seat = |id: crate::domain::ids::UserId, lead: bool| registry::SeatInput {
        assessor_id: id.to_string(),
        lead,
    };
    let version = rounds::get(conn, round)?
        .ok_or(Refusal::NotFound)?
        .model_version_id;
    let doc = catalog::get_version(conn, version)?.ok_or(Refusal::NotFound)?;
    let items: Vec<String> = doc
        .model
        .part("CD")
        .ok_or(Refusal::NotFound)?
        .domains
        .iter()
        .flat_map(|d| d.items.iter().map(|i| i.code.clone()))
        .collect();
    let assessed = [
        "in_assessment",
        "in_review",
        "approved",
        "certified",
        "revoked",
    ];
    for state in assessed {
        let app = apps_by_state[state];
        let lead_id = if state == "in_assessment" {
            wang.id
        } else {
            lead.user_id
        };
        let seats = [
            seat(lead_id, true),
            seat(members[0].user_id, false),
            seat(members[1].user_id, false),
        ];
        registry::set_panel(conn, &sec, app, &seats, today, DEMO_ADDRESS)?;
    }
    let score =
        |level: i64, comment: &str, submit: bool| -> Result<scoring::ScoreRequest, Refusal> {
            json_input(json!({"level": level, "comment": comment, "submit": submit}))
        };
    // Partial scores: the lead has scored a few items.
    let partial = apps_by_state["in_assessment"];
    let wang_p = users::principal(conn, wang.id)?.ok_or(Refusal::NotFound)?;
    for (i, item) in items.iter().take(3).enumerate() {
        let req = score(3, "流水线配置与发布记录齐全", i < 2)?;
        scoring::record_score(conn, &wang_p, partial, item, &req, DEMO_ADDRESS)?;
    }
    for state in &assessed[1..] {
        let app = apps_by_state[state];
        for who in [&lead, &members[0], &members[1]] {
            for item in &items {
                let req = score(3, "证据充分，达到三级要求", true)?;
                scoring::record_score(conn, who, app, item, &req, DEMO_ADDRESS)?;
            }
        }
        let consolidation: Vec<serde_json::Value> = items
            .iter()
            .map(|i| json!({"item": i, "level": 3, "rationale": "评估组讨论一致"}))
            .collect();
        scoring::consolidate(
            conn,
            &lead,
            app,
            &json_input(json!({ "items": consolidation }))?,
            DEMO_ADDRESS,
        )?;
    }

    // The review panel: one member from each of the first three (evaluated) enterprises.
    let reviewers = ["liu.yang", "huang.lei", "wu.jing"];
    let mut review_members = Vec::new();
    for (local, enterprise) in reviewers.iter().zip(&ids) {
        let p = principal_of(conn, local)?;
        review_members.push(
            json!({"user_id": p.user_id.to_string(), "enterprise_id": enterprise.to_string()}),
        );
    }
    review::form_panel(
        conn,
        &sec,
        round,
        &json_input(json!({"members": review_members, "quorum": 2}))?,
        DEMO_ADDRESS,
    )?;
    let approve: review::VoteRequest = json_input(json!({"approve": true}))?;
    for state in &assessed[1..] {
        let app = apps_by_state[state];
        scoring::send_to_review(conn, &lead, app, DEMO_ADDRESS)?;
        if *state == "in_review" {
            continue;
        }
        for local in &reviewers[..2] {
            let p = principal_of(conn, local)?;
            review::vote(conn, &p, app, &approve, DEMO_ADDRESS)?;
        }
    }

    // A completed self-assessment of the enterprise in assessment.
    let member = principal_of(conn, "liu.yang")?;
    let assessment = super::self_assessments::start(conn, &member)?;
    let missing = super::self_assessments::load(conn, &member, assessment)?
        .result
        .missing;
    let answers: Vec<(String, i64)> = missing
        .into_iter()
        .enumerate()
        .map(|(i, code)| (code, 2 + (i % 3) as i64))
        .collect();
    super::self_assessments::save_answers(conn, &member, assessment, &answers)?;
    super::self_assessments::complete(conn, &member, assessment)?;

    // Certificates: two issued, one of them revoked.
    let actor = Actor::user(sec.user_id, DEMO_ADDRESS);
    if certs::published_keys(conn)?.is_empty() {
        certs::create_key(conn, issuer, &actor)?;
    }
    for state in ["certified", "revoked"] {
        let (cert, _) = certs::issue(conn, issuer, &actor, sec.user_id, apps_by_state[state])?;
        if state == "revoked" {
            certs::revoke(conn, &actor, &cert.number, "企业主动申请撤销（演示）")?;
        }
    }
    Ok(())
}

/// A round whose registration closed and whose assessment runs now (dates relative to
/// today, so the demo works whatever the date).
fn assessment_round(conn: &mut DbConn, today: chrono::NaiveDate) -> Result<RoundId, Refusal> {
    write_tx(conn, |conn| {
        let model_id = catalog::find_model_id(conn, "caict-devops")?
            .ok_or_else(|| Refusal::Invalid(Code::DemoNeedsCatalog.into()))?;
        let version = catalog::latest_version(conn, model_id)?.ok_or(Refusal::NotFound)?;
        let year = today.format("%Y").to_string();
        let name = Bilingual {
            zh: format!("{year}年研发运营一体化能力成熟度评估 第一批（演示）"),
            en: format!("DevOps Capability Maturity Assessment {year}, first batch (demo)"),
        };
        let parts: Vec<String> = ["CD", "TO", "SEC", "TOOL"].map(String::from).to_vec();
        Ok(rounds::insert(
            conn,
            &rounds::NewRound {
                name: &name,
                model_version: version.id,
                registration: (today - Duration::days(90), today - Duration::days(45)),
                assessment: (today - Duration::days(20), today + Duration::days(30)),
                results_on: today + Duration::days(60),
                parts: &parts,
            },
        )?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_demo_registration_window_stays_in_the_year_of_its_calendar() {
        assert_eq!(registration_end(d(2026, 3, 1)), d(2026, 4, 15));
        assert_eq!(registration_end(d(2026, 12, 6)), d(2026, 12, 31));
        assert_eq!(registration_end(d(2026, 12, 31)), d(2026, 12, 31));
    }

    #[test]
    fn every_demo_credit_code_is_valid() {
        for (_, _, body, ..) in ENTERPRISES {
            let code = with_check_character(body);
            assert!(
                crate::domain::credit_code::CreditCode::parse(&code).is_ok(),
                "{code}"
            );
        }
    }
}
