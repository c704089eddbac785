//! The assessor registry and assessment panels (feature: panels): one application's
//! panel, and the round-wide proposal the secretariat edits and confirms.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::applications::move_status;
use super::enterprise_groups;
use super::panel_notices::{panel_assigned, record};
pub use super::views::panels::RegistryEntry;
use super::views::panels::{conflict_view, employment_view};
use crate::db::models::applications::{self as apps, ApplicationRow};
use crate::db::models::panels as store;
use crate::db::models::{
    catalog, enterprise_groups as groups, enterprises, rounds, scoring, users,
};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::application_status::{Event, Status};
use crate::domain::assign::{self, CostModel, PoolAssessor, Preference, RoundApplication, Seats};
use crate::domain::audit::Kind;
use crate::domain::catalog::Part;
use crate::domain::ids::{
    ApplicationId, EnterpriseGroupId, EnterpriseId, Named, OrganisationId, RoundId, UserId,
};
use crate::domain::listing::{assemble, key_text, page_of, Cursor, Page, Window};
use crate::domain::panel::{
    at_capacity, check_panel, conflicts, unfit, ApplicationFacts, AssessorFacts, DeclaredConflict,
    Employment, OrganisationKind, PanelProposal, PanelViolation, Seat,
};
use crate::refusal::{Arg, Code, Reason, Refusal};

/// The part an application is for, from the model version its round pins.
pub(crate) fn part_of(conn: &mut DbConn, app: &ApplicationRow) -> Result<Part, Refusal> {
    part_in(conn, app.round_id, &app.part_code)
}

/// The part `code` of the round's model.
pub(crate) fn part_in(conn: &mut DbConn, round: RoundId, code: &str) -> Result<Part, Refusal> {
    let r = rounds::get(conn, round)?.ok_or(Refusal::NotFound)?;
    let model = catalog::get_version(conn, r.model_version_id)?
        .ok_or(Refusal::NotFound)?
        .model;
    model.part(code).cloned().ok_or(Refusal::NotFound)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

// ---- registry ----------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct OrganisationInput {
    pub name: String,
    #[schema(pattern = "^(caict|external)$")]
    pub kind: String,
}

#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn add_organisation(
    conn: &mut DbConn,
    who: &Principal,
    o: &OrganisationInput,
    address: &str,
) -> Result<OrganisationId, Refusal> {
    write_tx(conn, |conn| {
        let name = o.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Refusal::Invalid(Code::OrganisationNameInvalid.into()));
        }
        if !matches!(o.kind.as_str(), "caict" | "external") {
            return Err(Refusal::Invalid(
                Code::OrganisationKindInvalid.with("kind", &o.kind),
            ));
        }
        if store::organisation_by_name(conn, name)?.is_some() {
            return Err(Refusal::Conflict(
                Code::OrganisationExists.with("name", name),
            ));
        }
        let id = OrganisationId::new();
        store::insert_organisation(conn, id, name, &o.kind)?;
        record(
            conn,
            who.user_id,
            address,
            Kind::OrganisationAdded,
            ("organisation", &id),
            serde_json::json!({ "name": name, "kind": o.kind }),
        )?;
        Ok(id)
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProfileInput {
    /// An id that is not one is refused as an unknown person.
    #[schema(value_type = String, format = Uuid)]
    pub user_id: Named<UserId>,
    /// An id that is not one is refused as an unknown organisation.
    #[schema(value_type = String, format = Uuid)]
    pub organisation_id: Named<OrganisationId>,
    pub certification_number: String,
    #[schema(value_type = String, format = Date)]
    pub certification_expires_on: NaiveDate,
    /// Part codes the assessor is qualified for.
    pub parts: Vec<String>,
    /// Languages the assessor works in, e.g. zh-CN, en.
    pub languages: Vec<String>,
    /// Panels the assessor may sit on per round.
    #[serde(default = "default_max_load")]
    pub max_load: i64,
}

fn default_max_load() -> i64 {
    6
}

/// Registers or updates an assessor in the registry (secretariat).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn save_profile(
    conn: &mut DbConn,
    who: &Principal,
    p: &ProfileInput,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let unknown_person = || Refusal::Invalid(Code::PersonUnknown.into());
        let uid = p.user_id.id().ok_or_else(unknown_person)?;
        let person = users::principal(conn, uid)?.ok_or_else(unknown_person)?;
        if !person.has(Role::Assessor) {
            return Err(Refusal::Invalid(
                Code::NotAnAssessor.with("name", &person.display_name),
            ));
        }
        let unknown = || Refusal::Invalid(Code::OrganisationUnknown.into());
        let organisation_id = p.organisation_id.id().ok_or_else(unknown)?;
        if store::organisation(conn, organisation_id)?.is_none() {
            return Err(unknown());
        }
        let number = p.certification_number.trim();
        if number.is_empty() || number.len() > 64 {
            return Err(Refusal::Invalid(Code::CertificationNumberInvalid.into()));
        }
        if store::certification_number_taken(conn, number, uid)? {
            return Err(Refusal::Conflict(
                Code::CertificationNumberTaken.with("number", number),
            ));
        }
        let clean = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && !s.contains(','))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let parts = clean(&p.parts);
        if parts.is_empty() {
            return Err(Refusal::Invalid(Code::AssessorPartsMissing.into()));
        }
        let languages = clean(&p.languages);
        if languages.is_empty() {
            return Err(Refusal::Invalid(Code::AssessorLanguagesMissing.into()));
        }
        if !(1..=50).contains(&p.max_load) {
            return Err(Refusal::Invalid(Code::AssessorMaxLoadInvalid.into()));
        }
        store::save_profile(
            conn,
            &store::ProfileRow {
                user_id: uid,
                organisation_id,
                certification_number: number.to_string(),
                certification_expires_on: p.certification_expires_on,
                parts: parts.join(","),
                languages: languages.join(","),
                max_load: p.max_load as i32,
                updated_at: crate::db::models::now(),
            },
        )?;
        record(
            conn,
            who.user_id,
            address,
            Kind::AssessorProfileSaved,
            ("user", &uid.to_string()),
            serde_json::json!({
                "organisation_id": organisation_id, "certification_number": number,
                "certification_expires_on": p.certification_expires_on,
                "parts": parts, "languages": languages, "max_load": p.max_load,
            }),
        )?;
        Ok(())
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConflictInput {
    /// An enterprise, enterprise group or organisation id. A conflict with a group is one
    /// with each of its enterprises. An id that is not one is refused as an unknown party.
    #[schema(value_type = String, format = Uuid)]
    pub with_id: Named<OrganisationId>,
    pub reason: String,
}

/// Records a declared conflict of an assessor or reviewer (secretariat).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn declare_conflict(
    conn: &mut DbConn,
    who: &Principal,
    person: UserId,
    c: &ConflictInput,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        users::principal(conn, person)?.ok_or(Refusal::NotFound)?;
        let unknown = || Refusal::Invalid(Code::ConflictPartyUnknown.into());
        let with = c.with_id.id().ok_or_else(unknown)?;
        let known = enterprises::get(conn, with.as_enterprise())?.is_some()
            || groups::get(conn, with.as_group())?.is_some()
            || store::organisation(conn, with)?.is_some();
        if !known {
            return Err(unknown());
        }
        let reason = c.reason.trim();
        if reason.is_empty() {
            return Err(Refusal::Invalid(Code::ConflictReasonMissing.into()));
        }
        store::declare_conflict(conn, person, with, reason)?;
        record(
            conn,
            who.user_id,
            address,
            Kind::ConflictDeclared,
            ("user", &person),
            serde_json::json!({ "with_id": with, "reason": reason }),
        )?;
        Ok(())
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct EmploymentInput {
    #[schema(format = Uuid)]
    pub enterprise_id: String,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// The last day; omit while it lasts.
    #[schema(value_type = Option<String>, format = Date)]
    pub until: Option<NaiveDate>,
}

#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn add_employment(
    conn: &mut DbConn,
    who: &Principal,
    person: UserId,
    e: &EmploymentInput,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        store::profile(conn, person)?.ok_or(Refusal::NotFound)?;
        let unknown = || Refusal::Invalid(Code::EnterpriseUnknown.into());
        let enterprise_id: EnterpriseId = e.enterprise_id.parse().map_err(|_| unknown())?;
        if enterprises::get(conn, enterprise_id)?.is_none() {
            return Err(unknown());
        }
        if e.until.is_some_and(|u| u < e.from) {
            return Err(Refusal::Invalid(Code::EmploymentEndsBeforeStart.into()));
        }
        store::add_employment(conn, person, enterprise_id, e.from, e.until)?;
        record(
            conn,
            who.user_id,
            address,
            Kind::EmploymentRecorded,
            ("user", &person),
            serde_json::json!({
                "enterprise_id": e.enterprise_id, "from": e.from, "until": e.until,
            }),
        )?;
        Ok(())
    })
}

/// An assessor marks an accepted application of a round as one they prefer or would
/// rather avoid (`neutral` clears it).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn set_preference(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    preference: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        store::profile(conn, who.user_id)?
            .ok_or_else(|| Refusal::Forbidden(Code::NotInRegistry.into()))?;
        let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
        if app.status != Status::Accepted {
            return Err(Refusal::NotFound);
        }
        let p = match preference {
            "prefer" => Some(Preference::Prefer),
            "avoid" => Some(Preference::Avoid),
            "neutral" => None,
            other => {
                return Err(Refusal::Invalid(
                    Code::PreferenceInvalid.with("preference", other),
                ))
            }
        };
        store::set_preference(conn, who.user_id, application, p)?;
        Ok(())
    })
}

#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn registry(conn: &mut DbConn, today: NaiveDate) -> Result<Vec<RegistryEntry>, Refusal> {
    let orgs = organisations_by_id(conn)?;
    let mut ties = Ties::read(conn)?;
    let mut out = Vec::new();
    for (p, name) in store::profiles(conn)? {
        out.push(registry_entry(&orgs, &mut ties, p, name, today));
    }
    Ok(out)
}

/// Every assessor's declared conflicts and employment, by person: two queries for a
/// registry page instead of two for each of its rows.
struct Ties {
    conflicts: HashMap<UserId, Vec<store::ConflictRow>>,
    employment: HashMap<UserId, Vec<store::EmploymentRow>>,
}

impl Ties {
    fn read(conn: &mut DbConn) -> Result<Ties, Refusal> {
        let mut ties = Ties {
            conflicts: HashMap::new(),
            employment: HashMap::new(),
        };
        for c in store::all_conflicts(conn)? {
            ties.conflicts.entry(c.user_id).or_default().push(c);
        }
        for e in store::all_employment(conn)? {
            ties.employment.entry(e.user_id).or_default().push(e);
        }
        Ok(ties)
    }
}

/// The name of the assessor registry in its cursors (display name, user id).
pub const REGISTRY_LIST: &str = "assessors";
pub const REGISTRY_KEY_PARTS: usize = 2;

/// One page of the registry by name, narrowed by `filter`.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn registry_page(
    conn: &mut DbConn,
    today: NaiveDate,
    filter: &store::AssessorFilter,
    window: &Window,
) -> Result<Page<RegistryEntry>, Refusal> {
    let key = match window.cursor() {
        Some(c) => Some((
            c.parts()[0].clone(),
            c.parts()[1]
                .parse::<UserId>()
                .map_err(|_| Refusal::Invalid(Code::CursorInvalid.into()))?,
        )),
        None => None,
    };
    let at = crate::db::models::KeysetAt {
        key,
        backwards: window.backwards(),
        fetch: window.limit.fetch(),
    };
    let rows = store::profiles_page(conn, filter, &at)?;
    let page = assemble(REGISTRY_LIST, window, rows, |(p, name)| {
        Cursor::new(vec![key_text(name), p.user_id.to_string()])
    });
    let orgs = organisations_by_id(conn)?;
    let mut ties = Ties::read(conn)?;
    let mut entries = Vec::with_capacity(page.rows.len());
    for (p, name) in page.rows {
        entries.push(registry_entry(&orgs, &mut ties, p, name, today));
    }
    Ok(Page {
        rows: entries,
        next: page.next,
        previous: page.previous,
    })
}

fn organisations_by_id(
    conn: &mut DbConn,
) -> Result<HashMap<OrganisationId, store::OrganisationRow>, Refusal> {
    Ok(store::organisations(conn)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

fn registry_entry(
    orgs: &HashMap<OrganisationId, store::OrganisationRow>,
    ties: &mut Ties,
    p: store::ProfileRow,
    name: String,
    today: NaiveDate,
) -> RegistryEntry {
    let org = orgs.get(&p.organisation_id);
    RegistryEntry {
        conflicts: ties
            .conflicts
            .remove(&p.user_id)
            .unwrap_or_default()
            .into_iter()
            .map(conflict_view)
            .collect(),
        employment: ties
            .employment
            .remove(&p.user_id)
            .unwrap_or_default()
            .into_iter()
            .map(employment_view)
            .collect(),
        user_id: p.user_id,
        name,
        organisation: org.map(|o| o.name.clone()).unwrap_or_default(),
        organisation_kind: org.map(|o| o.kind.to_string()).unwrap_or_default(),
        certification_number: p.certification_number,
        certification_expires_on: p.certification_expires_on,
        expired: p.certification_expires_on < today,
        parts: split_list(&p.parts),
        languages: split_list(&p.languages),
        max_load: p.max_load,
    }
}

/// The registry as the panel rules see it (surveillances check their assessors by it too).
/// Four queries whatever the registry's size: a national registry of 300 assessors read
/// one by one was 600 round trips on every panel page.
pub(crate) fn assessor_facts(conn: &mut DbConn) -> Result<Vec<(AssessorFacts, i32)>, Refusal> {
    let kinds: HashMap<OrganisationId, OrganisationKind> = store::organisations(conn)?
        .into_iter()
        .map(|o| (o.id, o.kind))
        .collect();
    let mut conflicts: HashMap<UserId, Vec<DeclaredConflict>> = HashMap::new();
    for c in store::all_conflicts(conn)? {
        conflicts
            .entry(c.user_id)
            .or_default()
            .push(DeclaredConflict {
                with: c.with_id,
                reason: c.reason,
            });
    }
    let mut employment: HashMap<UserId, Vec<Employment>> = HashMap::new();
    for e in store::all_employment(conn)? {
        employment.entry(e.user_id).or_default().push(Employment {
            employer: e.enterprise_id.into(),
            until: e.employed_until,
        });
    }
    let mut out = Vec::new();
    for (p, name) in store::profiles(conn)? {
        let kind = kinds
            .get(&p.organisation_id)
            .copied()
            .unwrap_or(OrganisationKind::External);
        out.push((
            AssessorFacts {
                assessor: p.user_id,
                display_name: name,
                organisation: p.organisation_id,
                organisation_kind: kind,
                certification_expires_on: p.certification_expires_on,
                parts: split_list(&p.parts),
                declared_conflicts: conflicts.remove(&p.user_id).unwrap_or_default(),
                employment: employment.remove(&p.user_id).unwrap_or_default(),
            },
            p.max_load,
        ));
    }
    Ok(out)
}

/// The application as the panel rules see it, with the applicant's group: a tie to the
/// group or to a sister company is a tie to the applicant.
pub(crate) fn application_facts(
    conn: &mut DbConn,
    app: &ApplicationRow,
) -> Result<ApplicationFacts, Refusal> {
    Ok(ApplicationFacts {
        enterprise: app.enterprise_id.into(),
        group: enterprise_groups::ties(conn, app.enterprise_id)?,
        part: app.part_code.clone(),
    })
}

/// Every rule a panel breaks, each a coded reason.
fn violations(v: &[PanelViolation]) -> Arg {
    Arg::Reasons(v.iter().map(Reason::from).collect())
}

// ---- panels --------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SeatInput {
    #[schema(format = Uuid)]
    pub assessor_id: String,
    #[serde(default)]
    pub lead: bool,
}

fn parse_seats(seats: &[SeatInput]) -> Result<PanelProposal, Refusal> {
    let seats = seats
        .iter()
        .map(|s| {
            Ok(Seat {
                assessor: s.assessor_id.parse().map_err(|_| {
                    Refusal::Invalid(Code::AssessorIdInvalid.with("id", &s.assessor_id))
                })?,
                lead: s.lead,
            })
        })
        .collect::<Result<Vec<_>, Refusal>>()?;
    Ok(PanelProposal { seats })
}

/// Checks and saves one application's panel; starts its assessment when it was accepted.
/// Returns whether anything changed: the panel the application already has, set again,
/// is left as it is (and recorded nowhere).
fn place_panel(
    conn: &mut DbConn,
    who: &Principal,
    app: &ApplicationRow,
    panel: &PanelProposal,
    registry: &[(AssessorFacts, i32)],
    today: NaiveDate,
) -> Result<bool, Refusal> {
    match app.status {
        Status::Accepted => {}
        Status::InAssessment if scoring::scores_of_application(conn, app.id)?.is_empty() => {}
        Status::InAssessment => return Err(Refusal::Conflict(Code::PanelScoringStarted.into())),
        other => {
            return Err(Refusal::Conflict(
                Code::PanelNeedsAccepted.with("status", other),
            ))
        }
    }
    let facts: Vec<AssessorFacts> = registry.iter().map(|(f, _)| f.clone()).collect();
    check_panel(panel, &facts, &application_facts(conn, app)?, today)
        .map_err(|v| Refusal::Invalid(Code::PanelProblems.with("problems", violations(&v))))?;
    let seats: Vec<(UserId, bool)> = panel.seats.iter().map(|s| (s.assessor, s.lead)).collect();
    let before: Vec<(UserId, bool)> = store::seats(conn, app.id)?
        .into_iter()
        .map(|s| (s.assessor_id, s.is_lead))
        .collect();
    if app.status != Status::Accepted && same_seats(&before, &seats) {
        return Ok(false);
    }
    store::save_panel(conn, app.id, &seats, who.user_id)?;
    panel_assigned(conn, app.id, &app.part_code, &before, &seats)?;
    if app.status == Status::Accepted {
        move_status(
            conn,
            app,
            &Event::StartAssessment,
            "start_assessment",
            None,
            who.user_id,
        )?;
    }
    Ok(true)
}

/// The same people in the same roles, whatever their order.
fn same_seats(a: &[(UserId, bool)], b: &[(UserId, bool)]) -> bool {
    let sorted = |v: &[(UserId, bool)]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    sorted(a) == sorted(b)
}

/// Sets the panel of one application (secretariat); every panel rule is checked and a
/// violation names the rule and the person.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn set_panel(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
    seats: &[SeatInput],
    today: NaiveDate,
    address: &str,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        apps::lock(conn, application)?;
        let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
        let panel = parse_seats(seats)?;
        let registry = assessor_facts(conn)?;
        // Max load is per round: the seats held on the round's other panels count.
        let held: HashMap<UserId, i64> = store::round_loads(conn, app.round_id, Some(app.id))?
            .into_iter()
            .collect();
        let overloaded: Vec<Reason> = panel
            .seats
            .iter()
            .filter_map(|s| {
                let (f, max) = registry.iter().find(|(f, _)| f.assessor == s.assessor)?;
                let load = held.get(&s.assessor).copied().unwrap_or(0) as u32;
                no_seat_left(load, *max).then(|| {
                    Code::AssessorOverloaded
                        .with("assessor", &f.display_name)
                        .with("load", load + 1)
                        .with("max", *max)
                })
            })
            .collect();
        if !overloaded.is_empty() {
            return Err(Refusal::Invalid(
                Code::PanelProblems.with("problems", Arg::Reasons(overloaded)),
            ));
        }
        if !place_panel(conn, who, &app, &panel, &registry, today)? {
            return Ok(());
        }
        record(
            conn,
            who.user_id,
            address,
            Kind::PanelSet,
            ("application", &app.id),
            serde_json::json!({ "seats": seats_detail(&panel) }),
        )
    })
}

fn seats_detail(panel: &PanelProposal) -> Vec<serde_json::Value> {
    panel
        .seats
        .iter()
        .map(|s| serde_json::json!({ "assessor_id": s.assessor.to_string(), "lead": s.lead }))
        .collect()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposedPanelView {
    pub application_id: ApplicationId,
    pub label: String,
    pub part: String,
    pub lead: Person,
    pub members: Vec<Person>,
    /// Members who marked this application as one to avoid.
    pub avoided_by: Vec<Person>,
}

/// The round-wide proposal as `propose` finds it; `view` puts its reasons into words.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub feasible: bool,
    pub panels: Vec<ProposedPanelView>,
    pub loads: Vec<(Person, u32)>,
    pub cost: Option<i64>,
    pub greedy_cost: Option<i64>,
    pub warnings: Vec<Reason>,
    pub explanations: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    pub feasible: bool,
    pub panels: Vec<ProposedPanelView>,
    /// Panels per assessor in the proposal.
    pub loads: Vec<(Person, u32)>,
    pub cost: Option<i64>,
    pub greedy_cost: Option<i64>,
    /// Things the secretariat should look at before confirming, in the reader's language.
    pub warnings: Vec<String>,
    /// Why no assignment exists, when none does, in the reader's language.
    pub explanations: Vec<String>,
    /// The warnings coded: `{"code": …, "args": {…}}` each.
    #[schema(value_type = Vec<Object>)]
    pub warning_codes: Vec<Reason>,
    /// The explanations coded, as `warning_codes`.
    #[schema(value_type = Vec<Object>)]
    pub explanation_codes: Vec<Reason>,
}

impl Proposal {
    /// The response, its reasons worded by `text` (the caller's language).
    pub fn view(self, text: impl Fn(&Reason) -> String) -> ProposalView {
        ProposalView {
            feasible: self.feasible,
            panels: self.panels,
            loads: self.loads,
            cost: self.cost,
            greedy_cost: self.greedy_cost,
            warnings: self.warnings.iter().map(&text).collect(),
            explanations: self.explanations.iter().map(&text).collect(),
            warning_codes: self.warnings,
            explanation_codes: self.explanations,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
pub struct ProposalRequest {
    /// Seats per panel, 3 to 5 (default 4).
    #[schema(minimum = 3, maximum = 5)]
    pub seats: Option<u8>,
}

fn label_of(conn: &mut DbConn, app: &ApplicationRow) -> Result<String, Refusal> {
    let e = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
    Ok(format!("{} · {}", e.name_zh, app.part_code))
}

/// The assignment board's pages: the proposed panels by label, then application.
pub const BOARD_LIST: &str = "assignment-board";
pub const BOARD_KEY_PARTS: usize = 2;

/// The page `window` asks for of a proposal's panels.
pub fn board_page(panels: Vec<ProposedPanelView>, window: &Window) -> Page<ProposedPanelView> {
    page_of(BOARD_LIST, window, panels, |p| {
        Cursor::new(vec![key_text(&p.label), p.application_id.to_string()])
    })
}

/// Proposes panels for every accepted application of a round: the optimal min-cost
/// assignment over assessors with a valid certification, or why none exists.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn propose(
    conn: &mut DbConn,
    round_id: RoundId,
    req: &ProposalRequest,
    today: NaiveDate,
) -> Result<Proposal, Refusal> {
    rounds::get(conn, round_id)?.ok_or(Refusal::NotFound)?;
    let seats = Seats::new(req.seats.unwrap_or(4)).map_err(|e| Refusal::Invalid(e.into()))?;
    let (accepted, labels_and_groups): (Vec<ApplicationRow>, Vec<_>) =
        apps::in_round_with_enterprise(conn, round_id, Status::Accepted)?
            .into_iter()
            .rev()
            .map(|(a, name, group)| {
                let label = format!("{name} · {}", a.part_code);
                (a, (label, group))
            })
            .unzip();
    let pool: Vec<(AssessorFacts, i32)> = assessor_facts(conn)?
        .into_iter()
        .filter(|(f, _)| f.certification_expires_on >= today)
        .collect();
    // Max load is per round: seats already held in the round count against it.
    let held: HashMap<UserId, i64> = store::round_loads(conn, round_id, None)?
        .into_iter()
        .collect();
    let ids: Vec<ApplicationId> = accepted.iter().map(|a| a.id).collect();
    let prefs = store::preferences_for(conn, &ids)?;
    let app_index: HashMap<ApplicationId, usize> =
        ids.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let mut groups: HashMap<EnterpriseGroupId, Vec<EnterpriseId>> = HashMap::new();
    let mut round_apps = Vec::new();
    for (a, (label, group)) in accepted.iter().zip(labels_and_groups) {
        let facts = ApplicationFacts {
            enterprise: a.enterprise_id.into(),
            group: match group {
                None => vec![],
                Some(g) => {
                    if let std::collections::hash_map::Entry::Vacant(e) = groups.entry(g) {
                        e.insert(enterprise_groups::group_members(conn, g)?);
                    }
                    enterprise_groups::ties_within(g, &groups[&g], a.enterprise_id)
                }
            },
            part: a.part_code.clone(),
        };
        round_apps.push(RoundApplication {
            label,
            part: a.part_code.clone(),
            seats,
            conflicts: pool
                .iter()
                .enumerate()
                .filter(|(_, (f, _))| !conflicts(f, &facts, today).is_empty())
                .map(|(i, _)| i)
                .collect(),
        });
    }
    let assessors: Vec<PoolAssessor> = pool
        .iter()
        .map(|(f, max)| PoolAssessor {
            parts: f.parts.clone(),
            caict: f.organisation_kind == OrganisationKind::Caict,
            max_load: (*max as u32)
                .saturating_sub(held.get(&f.assessor).copied().unwrap_or(0) as u32),
            preferences: prefs
                .iter()
                .filter(|(u, _, _)| *u == f.assessor)
                .filter_map(|(_, a, p)| app_index.get(a).map(|i| (*i, *p)))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();
    let person = |i: usize| Person {
        id: pool[i].0.assessor.to_string(),
        name: pool[i].0.display_name.clone(),
    };
    let costs = CostModel::default();
    let greedy_cost = assign::assign_greedy(&round_apps, &assessors, &costs).map(|p| p.cost);
    match assign::assign(&round_apps, &assessors, &costs) {
        Ok(p) => {
            let mut warnings = Vec::new();
            let panels = p
                .panels
                .iter()
                .enumerate()
                .map(|(a, panel)| {
                    for i in &panel.avoided_by {
                        warnings.push(
                            Code::ProposalAvoided
                                .with("assessor", &pool[*i].0.display_name)
                                .with("application", &round_apps[a].label),
                        );
                    }
                    ProposedPanelView {
                        application_id: accepted[a].id,
                        label: round_apps[a].label.clone(),
                        part: round_apps[a].part.clone(),
                        lead: person(panel.lead),
                        members: panel.members.iter().map(|i| person(*i)).collect(),
                        avoided_by: panel.avoided_by.iter().map(|i| person(*i)).collect(),
                    }
                })
                .collect();
            Ok(Proposal {
                feasible: true,
                panels,
                loads: p
                    .loads
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| **l > 0)
                    .map(|(i, l)| (person(i), *l))
                    .collect(),
                cost: Some(p.cost),
                greedy_cost,
                warnings,
                explanations: vec![],
            })
        }
        Err(assign::AssignError::Invalid(input)) => Err(Refusal::Invalid(input.into())),
        Err(assign::AssignError::Infeasible(shortfalls)) => Ok(Proposal {
            feasible: false,
            panels: vec![],
            loads: vec![],
            cost: None,
            greedy_cost,
            warnings: vec![],
            explanations: shortfalls.iter().map(Reason::from).collect(),
        }),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PanelInput {
    #[schema(format = Uuid)]
    pub application_id: String,
    pub seats: Vec<SeatInput>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConfirmRequest {
    pub panels: Vec<PanelInput>,
}

/// Confirms a round's panels (the proposal as edited) in one transaction: every panel is
/// checked, no assessor goes above their maximum load, and nothing is saved unless all
/// pass.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn confirm_round(
    conn: &mut DbConn,
    who: &Principal,
    round_id: RoundId,
    req: &ConfirmRequest,
    today: NaiveDate,
    address: &str,
) -> Result<usize, Refusal> {
    write_tx(conn, |conn| {
        rounds::get(conn, round_id)?.ok_or(Refusal::NotFound)?;
        if req.panels.is_empty() {
            return Err(Refusal::Invalid(Code::NoPanelsToConfirm.into()));
        }
        let registry = assessor_facts(conn)?;
        let mut problems = Vec::new();
        // Max load is per round: seats already held in the round count, so confirming a
        // board a page at a time keeps to it as confirming it at once does.
        let mut loads: BTreeMap<String, u32> = store::round_loads(conn, round_id, None)?
            .into_iter()
            .map(|(u, n)| (u.to_string(), n as u32))
            .collect();
        let mut seen = BTreeSet::new();
        let mut checked = Vec::new();
        for p in &req.panels {
            let not_in_round = || {
                Refusal::Invalid(Code::ApplicationNotInRound.with("application", &p.application_id))
            };
            let id: ApplicationId = p.application_id.parse().map_err(|_| not_in_round())?;
            let app = apps::get(conn, id)?
                .filter(|a| a.round_id == round_id)
                .ok_or_else(not_in_round)?;
            if !seen.insert(app.id) {
                return Err(Refusal::Invalid(
                    Code::ApplicationTwice.with("application", app.id),
                ));
            }
            let panel = parse_seats(&p.seats)?;
            let facts: Vec<AssessorFacts> = registry.iter().map(|(f, _)| f.clone()).collect();
            let label = label_of(conn, &app)?;
            if app.status != Status::Accepted {
                problems.push(
                    Code::PanelApplicationNotAccepted
                        .with("application", &label)
                        .with("status", app.status),
                );
            }
            let app_facts = application_facts(conn, &app)?;
            if let Err(v) = check_panel(&panel, &facts, &app_facts, today) {
                problems.push(
                    Code::PanelApplicationRulesBroken
                        .with("application", &label)
                        .with("violations", violations(&v)),
                );
            }
            for s in &panel.seats {
                *loads.entry(s.assessor.to_string()).or_default() += 1;
            }
            checked.push((app, panel));
        }
        for (f, max) in &registry {
            let load = loads.get(&f.assessor.to_string()).copied().unwrap_or(0);
            if load > *max as u32 {
                problems.push(
                    Code::AssessorOverloaded
                        .with("assessor", &f.display_name)
                        .with("load", load)
                        .with("max", *max),
                );
            }
        }
        if !problems.is_empty() {
            return Err(Refusal::Invalid(
                Code::PanelProblems.with("problems", problems),
            ));
        }
        for (app, panel) in &checked {
            place_panel(conn, who, app, panel, &registry, today)?;
        }
        let panels: Vec<serde_json::Value> = checked
            .iter()
            .map(|(app, panel)| {
                serde_json::json!({ "application_id": app.id, "seats": seats_detail(panel) })
            })
            .collect();
        record(
            conn,
            who.user_id,
            address,
            Kind::PanelsConfirmed,
            ("round", &round_id),
            serde_json::json!({ "panels": panels }),
        )?;
        Ok(checked.len())
    })
}

/// The panel of an application, lead first.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn panel_of(
    conn: &mut DbConn,
    application: ApplicationId,
) -> Result<Vec<store::SeatRow>, Refusal> {
    Ok(store::seats(conn, application)?)
}

/// One registered assessor as the panel page of an application offers them.
#[derive(Debug, Clone, Serialize)]
pub struct PanelCandidate {
    pub id: UserId,
    pub name: String,
    pub organisation_kind: OrganisationKind,
    /// Panels of the same round they sit on, this application's aside.
    pub load: u32,
    pub max_load: i32,
    /// On the application's panel now, and whether as its lead.
    pub seated: bool,
    pub lead: bool,
    /// Why they cannot sit on this panel (part, certification, conflict, capacity);
    /// empty when they can.
    pub unfit: Vec<Reason>,
}

/// The registry as one application's panel page shows it: who may sit on the panel and
/// why each of the others may not, from the panel rules. Secretariat only (the route).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn candidates(
    conn: &mut DbConn,
    application: ApplicationId,
    today: NaiveDate,
) -> Result<Vec<PanelCandidate>, Refusal> {
    let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
    let facts = application_facts(conn, &app)?;
    let seated: HashMap<UserId, bool> = store::seats(conn, application)?
        .into_iter()
        .map(|s| (s.assessor_id, s.is_lead))
        .collect();
    let loads: HashMap<UserId, i64> = store::round_loads(conn, app.round_id, Some(application))?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for (a, max_load) in assessor_facts(conn)? {
        let load = loads.get(&a.assessor).copied().unwrap_or(0) as u32;
        let mut unfit: Vec<Reason> = unfit_reasons(&a, &facts, today);
        if no_seat_left(load, max_load) {
            unfit.push(
                Code::AssessorOverloaded
                    .with("assessor", &a.display_name)
                    .with("load", load + 1)
                    .with("max", max_load),
            );
        }
        out.push(PanelCandidate {
            id: a.assessor,
            lead: seated.get(&a.assessor).copied().unwrap_or(false),
            seated: seated.contains_key(&a.assessor),
            name: a.display_name,
            organisation_kind: a.organisation_kind,
            load,
            max_load,
            unfit,
        });
    }
    out.sort_by(|x, y| (!x.unfit.is_empty(), &x.name).cmp(&(!y.unfit.is_empty(), &y.name)));
    Ok(out)
}

fn unfit_reasons(a: &AssessorFacts, facts: &ApplicationFacts, today: NaiveDate) -> Vec<Reason> {
    unfit(a, facts, today)
        .into_iter()
        .map(|rule| {
            Reason::from(&PanelViolation {
                rule,
                person: Some(a.display_name.clone()),
            })
        })
        .collect()
}

fn no_seat_left(load: u32, max_load: i32) -> bool {
    at_capacity(load, u32::try_from(max_load).unwrap_or(0))
}
