//! A national-scale programme for load tests and capacity planning (`certcase seed --scale`,
//! feature: demo): thousands of verified enterprises, applications in every state of three
//! rounds, evidence records, panels, scores, consolidations, review decisions and signed
//! certificates. Written in bulk through `db::models` in a few transactions, not one use
//! case per row: the rows are what the use cases would have written, the issuance log is
//! chained as by issuance, and the report summaries are rebuilt at the end.

use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

use crate::db::models::{
    applications as apps, catalog, certificates as certs, enterprises, evidence, now, panels,
    reports, review, rounds, scoring, users,
};
use crate::db::sql_types::Json;
use crate::db::{analyze, write_tx, DbConn};
use crate::domain::access::Role;
use crate::domain::application_status::Status;
use crate::domain::audit::Actor;
use crate::domain::catalog::Bilingual;
use crate::domain::ids::{
    ApplicationId, EnterpriseId, EvidenceId, ModelVersionId, OrganisationId, RoundId, UserId,
};
use crate::domain::scoring::{Basis, ScoreStatus};
use crate::refusal::Refusal;

/// How much to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub enterprises: usize,
    pub applications: usize,
    pub evidence_per_application: usize,
    pub assessors: usize,
    /// Distinct stored files the evidence records share (content-addressed storage keeps
    /// one copy per content, as it does for real uploads of the same file).
    pub files: usize,
}

impl Scale {
    /// The issue's national programme: 5,000 enterprises, 12,000 applications, 60,000
    /// evidence records.
    pub const NATIONAL: Scale = Scale {
        enterprises: 5_000,
        applications: 12_000,
        evidence_per_application: 5,
        assessors: 300,
        files: 200,
    };
    /// The same shape, small enough for tests and the load test's smoke run.
    pub const SMALL: Scale = Scale {
        enterprises: 50,
        applications: 120,
        evidence_per_application: 5,
        assessors: 12,
        files: 10,
    };

    pub fn parse(name: &str) -> Option<Scale> {
        match name {
            "national" => Some(Scale::NATIONAL),
            "small" => Some(Scale::SMALL),
            _ => None,
        }
    }

    pub fn evidence(&self) -> usize {
        self.applications * self.evidence_per_application
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database already holds {0} enterprise(s): a scaled programme is only built into \
         an empty one (use a new database)"
    )]
    NotEmpty(i64),
    #[error("the scale needs at least one enterprise, {0} parts' worth of applications at most per enterprise, and 3 assessors")]
    BadScale(usize),
    #[error("the catalog has no model caict-devops: run certcase seed --catalog first")]
    NoCatalog,
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// A seed's transaction is run again on the same transient database errors as a use case's.
impl crate::db::TxError for SeedError {
    fn database_error(&self) -> Option<&diesel::result::Error> {
        match self {
            SeedError::Database(e) => Some(e),
            SeedError::Refused(r) => crate::db::TxError::database_error(r),
            _ => None,
        }
    }
}

/// A file already stored under its content key, for the evidence records to point at.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
}

/// The content of the `n`th sample evidence file: a small one-page PDF, different for
/// every `n`.
pub fn sample_file(n: usize) -> Vec<u8> {
    let text = format!("BT /F1 12 Tf 72 720 Td (certcase national sample evidence {n:05}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// What was built, counted back from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub enterprises: i64,
    pub applications: i64,
    pub by_status: Vec<(Status, i64)>,
    pub evidence: i64,
    pub stored_files: i64,
    pub scores: i64,
    pub certificates: i64,
    pub accounts: usize,
}

/// The address book of the built programme: every account shares one password.
pub const DOMAIN: &str = "national.certcase.test";

pub fn secretariat_email() -> String {
    format!("secretariat@{DOMAIN}")
}

pub fn enterprise_email(n: usize) -> String {
    format!("enterprise{n:05}@{DOMAIN}")
}

pub fn assessor_email(n: usize) -> String {
    format!("assessor{n:04}@{DOMAIN}")
}

pub fn reviewer_email(n: usize) -> String {
    format!("reviewer{n:02}@{DOMAIN}")
}

/// Experts on the review panels of last year's round and of the round in assessment.
pub const REVIEWERS: usize = 7;
/// Votes a review panel needs before it decides.
const REVIEW_QUORUM: i32 = 4;

/// The enterprises the review experts come from: evaluated ones (their first application,
/// number `e`, is certified), one expert each.
fn reviewer_enterprises(scale: Scale) -> Vec<usize> {
    (0..scale.enterprises)
        .filter(|e| status_of(*e) == Status::Certified)
        .take(REVIEWERS)
        .collect()
}

/// Whether review expert `k` has voted (to approve) on application `i`, in review: about a
/// third of the panel has, short of the quorum, so every expert has votes pending.
fn has_voted(i: usize, k: usize) -> bool {
    (i / 20 + k).is_multiple_of(3)
}

const PARTS: [&str; 4] = ["CD", "TO", "SEC", "TOOL"];

/// Where application `i` of the programme stands, by its position in a cycle of 20:
/// a quarter certified in last year's round, a fifth still registering this year, the rest
/// spread over this year's assessment.
fn status_of(i: usize) -> Status {
    match i % 20 {
        0..=4 => Status::Certified,
        5 | 6 => Status::Draft,
        7 | 8 => Status::Submitted,
        9 | 10 => Status::Accepted,
        11..=13 => Status::InAssessment,
        14 => Status::Scored,
        15 | 16 => Status::InReview,
        _ => Status::Approved,
    }
}

/// The status machine's path from a draft to `to`, as (event name, from, to).
fn path_to(to: Status) -> Vec<(&'static str, Status, Status)> {
    const PATH: [(&str, Status, Status); 7] = [
        ("submit", Status::Draft, Status::Submitted),
        ("accept", Status::Submitted, Status::Accepted),
        ("start_assessment", Status::Accepted, Status::InAssessment),
        ("complete_scoring", Status::InAssessment, Status::Scored),
        ("send_to_review", Status::Scored, Status::InReview),
        ("approve", Status::InReview, Status::Approved),
        ("certify", Status::Approved, Status::Certified),
    ];
    if to == Status::Draft {
        return Vec::new();
    }
    let end = PATH.iter().position(|(_, _, t)| *t == to).unwrap_or(0);
    PATH[..=end].to_vec()
}

fn has_panel(s: Status) -> bool {
    !matches!(s, Status::Draft | Status::Submitted | Status::Accepted)
}

fn is_scored(s: Status) -> bool {
    has_panel(s) && s != Status::InAssessment
}

fn is_decided(s: Status) -> bool {
    matches!(s, Status::Approved | Status::Certified)
}

/// A valid unified social credit code for enterprise `n`.
pub fn credit_code(n: usize) -> String {
    super::demo::with_check_character(&format!("91110108MA{n:07}"))
}

struct Rounds {
    past: RoundId,
    assessing: RoundId,
    registering: RoundId,
    version: ModelVersionId,
}

fn make_rounds(conn: &mut DbConn, today: NaiveDate) -> Result<Rounds, SeedError> {
    let model_id = catalog::find_model_id(conn, "caict-devops")?.ok_or(SeedError::NoCatalog)?;
    let version = catalog::latest_version(conn, model_id)?
        .ok_or(SeedError::NoCatalog)?
        .id;
    let parts: Vec<String> = PARTS.map(String::from).to_vec();
    let mut round = |zh: &str, en: &str, offset: i64| -> Result<RoundId, SeedError> {
        let start = today + Duration::days(offset);
        Ok(rounds::insert(
            conn,
            &rounds::NewRound {
                name: &Bilingual {
                    zh: zh.into(),
                    en: en.into(),
                },
                model_version: version,
                registration: (start, start + Duration::days(30)),
                assessment: (start + Duration::days(45), start + Duration::days(120)),
                results_on: start + Duration::days(150),
                parts: &parts,
            },
        )?)
    };
    Ok(Rounds {
        past: round(
            "全国研发运营一体化能力成熟度评估 上一年度",
            "National DevOps maturity assessment, last year",
            -400,
        )?,
        assessing: round(
            "全国研发运营一体化能力成熟度评估 本年度第一批",
            "National DevOps maturity assessment, first batch",
            -70,
        )?,
        registering: round(
            "全国研发运营一体化能力成熟度评估 本年度第二批",
            "National DevOps maturity assessment, second batch",
            -10,
        )?,
        version,
    })
}

/// Builds the programme into an empty database. `files` are stored already (the caller
/// stores [`sample_file`]s through the evidence storage); `password_hash` is every
/// account's. Refuses a database that holds any enterprise.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn seed(
    conn: &mut DbConn,
    issuer: &super::certificates::Issuer,
    scale: Scale,
    files: &[StoredFile],
    password_hash: &str,
) -> Result<Summary, SeedError> {
    if scale.enterprises == 0
        || scale.applications > scale.enterprises * PARTS.len()
        || scale.assessors < 3
        || files.is_empty()
    {
        return Err(SeedError::BadScale(PARTS.len()));
    }
    let existing = enterprises::count(conn)?;
    if existing > 0 {
        return Err(SeedError::NotEmpty(existing));
    }
    let today = Utc::now().with_timezone(&Shanghai).date_naive();
    let (secretariat, certified) = write_tx(conn, |conn| -> Result<_, SeedError> {
        // A concurrent seed may have won the race since the check above.
        let existing = enterprises::count(conn)?;
        if existing > 0 {
            return Err(SeedError::NotEmpty(existing));
        }
        build(conn, today, scale, files, password_hash)
    })?;
    let actor = Actor::user(secretariat, "seed");
    super::certificates::issue_loaded(conn, issuer, &actor, &certified, today)?;
    // Their Verifiable Credentials now, so that the server's start-up finds none missing.
    super::credentials::backfill(conn, issuer)?;
    write_tx(conn, reports::refresh_all)?;
    analyze(conn)?;
    Ok(summary(
        conn,
        1 + scale.enterprises + scale.assessors + REVIEWERS,
    )?)
}

fn summary(conn: &mut DbConn, accounts: usize) -> diesel::QueryResult<Summary> {
    let by_status = apps::count_by_status(conn)?;
    let (evidence, stored_files) = evidence::counts(conn)?;
    Ok(Summary {
        enterprises: enterprises::count(conn)?,
        applications: by_status.iter().map(|(_, n)| n).sum(),
        by_status,
        evidence,
        stored_files,
        scores: scoring::count(conn)?,
        certificates: certs::count(conn)?,
        accounts,
    })
}

/// Applications are written in slices of this many, with their children, to bound memory.
const SLICE: usize = 500;

/// Everything but the certificates, in one transaction; returns the secretariat account
/// and the applications to certify.
fn build(
    conn: &mut DbConn,
    today: NaiveDate,
    scale: Scale,
    files: &[StoredFile],
    password_hash: &str,
) -> Result<(UserId, Vec<ApplicationId>), SeedError> {
    let rounds = make_rounds(conn, today)?;
    let doc = catalog::get_version(conn, rounds.version)?.ok_or(SeedError::NoCatalog)?;

    // Accounts: the secretariat, one member per enterprise, the assessors, the review
    // experts.
    let secretariat = UserId::new();
    let mut people = vec![users::BulkUser {
        id: secretariat,
        email: secretariat_email(),
        display_name: "全国秘书处".into(),
        roles: vec![Role::Secretariat],
    }];
    // `count` accounts of one role, numbered from 0; their ids.
    let mut accounts = |count: usize,
                        email: fn(usize) -> String,
                        name: &dyn Fn(usize) -> String,
                        role: Role|
     -> Vec<UserId> {
        (0..count)
            .map(|n| {
                let id = UserId::new();
                people.push(users::BulkUser {
                    id,
                    email: email(n),
                    display_name: name(n),
                    roles: vec![role],
                });
                id
            })
            .collect()
    };
    let members = accounts(
        scale.enterprises,
        enterprise_email,
        &|n| format!("企业联系人{n:05}"),
        Role::Enterprise,
    );
    let assessors = accounts(
        scale.assessors,
        assessor_email,
        &|n| format!("评估员{n:04}"),
        Role::Assessor,
    );
    let reviewers = accounts(
        REVIEWERS,
        reviewer_email,
        &|n| format!("评审专家{n:02}"),
        Role::Reviewer,
    );
    users::insert_many(conn, &people, password_hash)?;
    drop(people);

    // The assessor registry: one organisation, every assessor qualified for every part.
    let caict = OrganisationId::new();
    panels::insert_organisation(conn, caict, "中国信息通信研究院 CAICT（全国）", "caict")?;
    let stamp = now();
    let profiles: Vec<panels::ProfileRow> = assessors
        .iter()
        .enumerate()
        .map(|(n, id)| panels::ProfileRow {
            user_id: *id,
            organisation_id: caict,
            certification_number: format!("CAICT-DEVOPS-N-{n:05}"),
            certification_expires_on: today + Duration::days(730),
            parts: "CD,SEC,TO,TOOL".into(),
            languages: "en,zh-CN".into(),
            max_load: 200,
            updated_at: stamp,
        })
        .collect();
    panels::insert_profiles(conn, &profiles)?;

    // Enterprises, verified.
    let enterprise_ids: Vec<EnterpriseId> = (0..scale.enterprises)
        .map(|_| EnterpriseId::new())
        .collect();
    let names: Vec<(String, String, String, String)> = (0..scale.enterprises)
        .map(|n| {
            (
                format!("全国样本{n:05}科技有限公司"),
                format!("National Sample {n:05} Technology Co., Ltd."),
                credit_code(n),
                format!("企业联系人{n:05}"),
            )
        })
        .collect();
    let emails: Vec<String> = (0..scale.enterprises).map(enterprise_email).collect();
    let rows: Vec<enterprises::VerifiedEnterprise<'_>> = (0..scale.enterprises)
        .map(|n| enterprises::VerifiedEnterprise {
            id: enterprise_ids[n],
            name_zh: &names[n].0,
            name_en: Some(&names[n].1),
            credit_code: &names[n].2,
            address: "北京市海淀区花园北路52号",
            contact_name: &names[n].3,
            contact_email: &emails[n],
            contact_phone: "010-62300000",
            verified_at: stamp,
            verified_by: secretariat,
            created_at: stamp,
        })
        .collect();
    enterprises::insert_many_verified(conn, &rows, &members)?;
    drop(rows);

    // The review panels of the rounds with decisions or applications in review.
    let panel: Vec<(UserId, EnterpriseId)> = reviewer_enterprises(scale)
        .into_iter()
        .zip(&reviewers)
        .map(|(e, id)| (*id, enterprise_ids[e]))
        .collect();
    for round in [rounds.past, rounds.assessing] {
        review::save_review_panel(conn, round, REVIEW_QUORUM, (1, 2), &panel, secretariat)?;
    }

    // Applications and their children, a slice at a time.
    let items_of = |part: &str| -> Vec<(String, Vec<String>)> {
        doc.model
            .part(part)
            .map(|p| {
                p.domains
                    .iter()
                    .map(|d| {
                        (
                            d.code.clone(),
                            d.items.iter().map(|i| i.code.clone()).collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let part_items: Vec<Vec<(String, Vec<String>)>> = PARTS.iter().map(|p| items_of(p)).collect();
    let scope = "核心业务系统及其研发运营流水线";
    let mut certified = Vec::new();
    let mut evidence_n = 0usize;
    for start in (0..scale.applications).step_by(SLICE) {
        let end = (start + SLICE).min(scale.applications);
        let mut new_apps = Vec::with_capacity(end - start);
        let mut events = Vec::new();
        let mut records = Vec::new();
        let mut panel_rows = Vec::new();
        let mut score_rows = Vec::new();
        let mut consolidated = Vec::new();
        let mut results = Vec::new();
        let mut decisions = Vec::new();
        let mut votes = Vec::new();
        for i in start..end {
            let e = i % scale.enterprises;
            let part_index = (i / scale.enterprises) % PARTS.len();
            let part = PARTS[part_index];
            let status = status_of(i);
            let round = match status {
                Status::Certified => rounds.past,
                Status::Draft | Status::Submitted => rounds.registering,
                _ => rounds.assessing,
            };
            let id = ApplicationId::new();
            new_apps.push(apps::NewApplication {
                id,
                round_id: round,
                enterprise_id: enterprise_ids[e],
                part_code: part,
                target_level: 3,
                scope,
                scope_en: Some("Core business systems and their delivery pipelines"),
                contact_name: &names[e].3,
                contact_email: &emails[e],
                status,
                created_at: stamp,
                updated_at: stamp,
            });
            for (event, from, to) in path_to(status) {
                let actor = match event {
                    "submit" => members[e],
                    "complete_scoring" | "send_to_review" => assessors[i % assessors.len()],
                    _ => secretariat,
                };
                events.push(apps::BulkEvent {
                    application_id: id,
                    from,
                    to,
                    event,
                    actor,
                    at: stamp,
                });
            }
            let items = &part_items[part_index];
            let flat: Vec<&String> = items.iter().flat_map(|(_, i)| i).collect();
            for k in 0..scale.evidence_per_application {
                let file = &files[evidence_n % files.len()];
                evidence_n += 1;
                let item = flat
                    .get(k % flat.len().max(1))
                    .map(|s| s.as_str())
                    .unwrap_or("");
                records.push(evidence::EvidenceRow {
                    id: EvidenceId::new(),
                    application_id: id,
                    item_code: item.to_string(),
                    version: 1,
                    description: format!("{item} 过程记录与截图（第{}份）", k + 1),
                    display_name: format!("{item}-证据{}.pdf", k + 1),
                    media_type: "application/pdf".into(),
                    size_bytes: file.size as i64,
                    content_sha256: file.sha256.clone(),
                    uploaded_by: members[e],
                    uploaded_at: stamp,
                    zip_entries: None,
                });
            }
            if !has_panel(status) {
                continue;
            }
            let seats: Vec<(UserId, bool)> = (0..3)
                .map(|s| (assessors[(i * 3 + s) % assessors.len()], s == 0))
                .collect();
            if is_scored(status) {
                for (assessor, _) in &seats {
                    for item in &flat {
                        score_rows.push(scoring::ScoreRow {
                            id: uuid::Uuid::now_v7().to_string(),
                            application_id: id,
                            assessor_id: *assessor,
                            item_code: (*item).clone(),
                            level: Some(3),
                            not_applicable_reason: None,
                            comment: "证据充分，达到三级要求".into(),
                            evidence_ids: Json(Vec::new()),
                            status: ScoreStatus::Submitted,
                            submitted_at: Some(stamp),
                            reopened_by: None,
                            reopened_at: None,
                            updated_at: stamp,
                        });
                    }
                }
                for item in &flat {
                    consolidated.push(scoring::ConsolidatedRow {
                        application_id: id,
                        item_code: (*item).clone(),
                        level: Some(3),
                        not_applicable_reason: None,
                        rationale: "评估组讨论一致".into(),
                        flagged: false,
                        flag_reasons: Json(Vec::new()),
                    });
                }
                results.push(scoring::PartResultRow {
                    application_id: id,
                    achieved_level: 3,
                    target_level: 3,
                    basis: Basis::TargetReached,
                    capping_items: Json(Vec::new()),
                    domain_levels: Json(items.iter().map(|(d, _)| (d.clone(), 3u8)).collect()),
                    consolidated_by: seats[0].0,
                    consolidated_at: stamp,
                });
            }
            if is_decided(status) {
                decisions.push((id, true, REVIEW_QUORUM, 0));
            }
            if status == Status::InReview {
                for (k, (member, from)) in panel.iter().enumerate() {
                    if has_voted(i, k) && *from != enterprise_ids[e] {
                        votes.push((id, *member, true));
                    }
                }
            }
            if status == Status::Certified {
                certified.push(id);
            }
            panel_rows.push((id, seats));
        }
        apps::insert_many(conn, &new_apps, &events)?;
        evidence::insert_many(conn, &records)?;
        panels::insert_many(conn, &panel_rows, secretariat)?;
        scoring::insert_many(conn, &score_rows, &consolidated, &results)?;
        review::insert_decisions(conn, &decisions)?;
        review::insert_votes(conn, &votes)?;
    }
    Ok((secretariat, certified))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paths_follow_the_status_machine() {
        use crate::domain::application_status::{state_allows, Event};
        let event = |name: &str| match name {
            "submit" => Event::Submit,
            "accept" => Event::Accept,
            "start_assessment" => Event::StartAssessment,
            "complete_scoring" => Event::CompleteScoring,
            "send_to_review" => Event::SendToReview,
            "approve" => Event::Approve,
            _ => Event::Certify,
        };
        for i in 0..20 {
            let to = status_of(i);
            let mut at = Status::Draft;
            for (name, from, next) in path_to(to) {
                assert_eq!(from, at);
                assert!(state_allows(from, &event(name)), "{name} from {from:?}");
                assert_eq!(
                    crate::domain::application_status::apply(from, &event(name)).ok(),
                    Some(next)
                );
                at = next;
            }
            assert_eq!(at, to);
        }
    }

    #[test]
    fn every_credit_code_is_valid_and_distinct() {
        let codes: std::collections::BTreeSet<String> =
            (0..Scale::NATIONAL.enterprises).map(credit_code).collect();
        assert_eq!(codes.len(), Scale::NATIONAL.enterprises);
        for code in codes.iter().step_by(97) {
            assert!(
                crate::domain::credit_code::CreditCode::parse(code).is_ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn sample_files_are_distinct_pdfs() {
        let a = sample_file(1);
        let b = sample_file(2);
        assert_ne!(a, b);
        assert!(a.starts_with(b"%PDF-"));
        assert!(crate::domain::evidence::classify("a.pdf", &a).is_ok());
    }

    #[test]
    fn the_review_experts_come_from_evaluated_enterprises_and_votes_stay_short_of_quorum() {
        for scale in [Scale::SMALL, Scale::NATIONAL] {
            let from = reviewer_enterprises(scale);
            assert_eq!(from.len(), REVIEWERS);
            let distinct: std::collections::BTreeSet<_> = from.iter().collect();
            assert_eq!(distinct.len(), REVIEWERS);
            // None of their applications is in review: no expert has a conflict with an
            // application the panel votes on.
            for e in &from {
                assert_eq!(status_of(*e), Status::Certified);
                for i in (*e..scale.applications).step_by(scale.enterprises) {
                    assert_ne!(status_of(i), Status::InReview, "{e}: {i}");
                }
            }
        }
        for i in (0..12_000).filter(|i| status_of(*i) == Status::InReview) {
            let voted = (0..REVIEWERS).filter(|k| has_voted(i, *k)).count();
            assert!((1..REVIEW_QUORUM as usize).contains(&voted), "{i}: {voted}");
        }
        for k in 0..REVIEWERS {
            assert!((0..12_000)
                .filter(|i| status_of(*i) == Status::InReview)
                .any(|i| !has_voted(i, k)));
        }
    }

    #[test]
    fn the_national_scale_is_the_issues() {
        let s = Scale::parse("national").unwrap_or(Scale::SMALL);
        assert_eq!(
            (s.enterprises, s.applications, s.evidence()),
            (5_000, 12_000, 60_000)
        );
        assert_eq!(Scale::parse("huge"), None);
    }
}
