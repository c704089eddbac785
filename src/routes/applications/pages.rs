//! Application pages: the list (with the forms to apply), one application with its
//! status history and per-item evidence, and the forms that change it.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::domain::access::Role;
use crate::domain::application_status::{state_allows, Event, Status};
use crate::domain::catalog::{Bilingual, Part};
use crate::domain::evidence::{edit_window, ALLOWED_EXTENSIONS};
use crate::domain::ids::{ApplicationId, RoundId};
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::confirm::{self, PageForm, Question};
use crate::web::render::{base_context, page_with_form, status_name, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::applications::{self, Draft};
use crate::workflow::evidence::{self as flow, EvidenceView};
use crate::workflow::queries::applications as read;
use crate::workflow::queries::{self, enterprises, evidence};
use crate::workflow::views::applications::{application_view, event_view};
use crate::workflow::views::{ApplicationEventView, ApplicationView};

use super::api::ApplicationListQuery;
use crate::web::listing::Links;

fn see_other(to: String) -> HttpResponse {
    confirm::see_other(&to)
}

/// One row of the list, already in the reader's language: the five facts the list
/// shows as plain text render several times faster than the whole application view with
/// a lookup per language and a translation per row (issue #19).
#[derive(Serialize)]
struct Listed {
    id: ApplicationId,
    enterprise_name: String,
    round_name: String,
    part_name: String,
    target_level: i32,
    status: &'static str,
}

/// The name of a part code in a round's model; the code itself when the model lacks it.
fn part_name(
    parts: &BTreeMap<(RoundId, String), Bilingual>,
    round: RoundId,
    code: &str,
) -> Bilingual {
    parts
        .get(&(round, code.to_string()))
        .cloned()
        .unwrap_or_else(|| Bilingual {
            zh: code.to_string(),
            en: code.to_string(),
        })
}

/// Every part of every round's model, by (round, code).
fn part_names<'a>(
    conn: &mut crate::db::DbConn,
    rounds: impl IntoIterator<Item = &'a queries::rounds::RoundRow>,
) -> Result<BTreeMap<(RoundId, String), Bilingual>, AppError> {
    let mut out = BTreeMap::new();
    for r in rounds {
        if let Some(v) = queries::catalog::version(conn, r.model_version_id)? {
            for p in &v.model.parts {
                out.insert((r.id, p.code.clone()), p.name.clone());
            }
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct OpenRound {
    id: RoundId,
    name: Bilingual,
    parts: Vec<(String, Bilingual)>,
}

/// `?status=submitted&round=…&part=…&q=…&after=…`: the list's filters, search and page
/// (the task list links to a status).
#[derive(serde::Deserialize)]
pub struct RenewsParam {
    /// The certificate to renew, filled into the application forms (the renewal
    /// invitation and the certificate's "apply for re-assessment" link it here).
    renews: Option<String>,
}

pub async fn list_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<ApplicationListQuery>,
    renews: web::Query<RenewsParam>,
) -> Result<HttpResponse, AppError> {
    render_list(
        &state,
        caller,
        &visitor,
        &req,
        ListAsked {
            query: query.into_inner(),
            renews: renews.into_inner().renews,
        },
        None,
        &FormState::default(),
    )
    .await
}

/// What the list page was asked for: its filters and page, and the certificate a renewal
/// application would renew.
#[derive(Default)]
struct ListAsked {
    query: ApplicationListQuery,
    renews: Option<String>,
}

/// A status in the list's filter, its label already in the reader's language (a
/// translation call per option in the template cost more than the option).
#[derive(Serialize)]
struct StatusOption {
    code: &'static str,
    label: &'static str,
}

/// The list with the forms to apply; `refused` names the round whose form `form` is.
async fn render_list(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    asked: ListAsked,
    refused: Option<RoundId>,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let ListAsked { query, renews } = asked;
    let (filter, window) = query.check()?;
    let lang = visitor.lang;
    let today = chrono::Utc::now().date_naive();
    let kept_rounds = state.rounds.clone();
    let (page, rounds, member, round_options, part_options) = state
        .db(move |conn| {
            let read::ListPage {
                page,
                rounds: all,
                member,
            } = read::list_page(
                conn,
                &caller.principal,
                filter,
                &window,
                today,
                &kept_rounds,
            )?;
            let parts = part_names(conn, all.iter().map(|(r, _)| r))?;
            // Every part code once (the first round's name for it), for the filter.
            let mut part_options: BTreeMap<String, Bilingual> = BTreeMap::new();
            for ((_, code), name) in &parts {
                part_options
                    .entry(code.clone())
                    .or_insert_with(|| name.clone());
            }
            let name_of = |r: &queries::rounds::RoundRow| Bilingual {
                zh: r.name_zh.clone(),
                en: r.name_en.clone(),
            };
            let round_options: Vec<(RoundId, Bilingual)> =
                all.iter().map(|(r, _)| (r.id, name_of(r))).collect();
            let names: BTreeMap<RoundId, Bilingual> = round_options.iter().cloned().collect();
            // The rounds open for registration, with the parts an enterprise may apply for
            // (`list_page` reads them only for an enterprise's members).
            let rounds: Vec<OpenRound> = all
                .into_iter()
                .filter(|(r, _)| r.registration_closes >= today)
                .map(|(r, codes)| OpenRound {
                    parts: codes
                        .into_iter()
                        .map(|code| {
                            let name = part_name(&parts, r.id, &code);
                            (code, name)
                        })
                        .collect(),
                    id: r.id,
                    name: name_of(&r),
                })
                .collect();
            let page = page.map(|(a, enterprise_name)| Listed {
                id: a.id,
                round_name: names
                    .get(&a.round_id)
                    .map(|n| n.get(lang).to_owned())
                    .unwrap_or_default(),
                enterprise_name,
                part_name: part_name(&parts, a.round_id, &a.part_code)
                    .get(lang)
                    .to_owned(),
                target_level: a.target_level,
                status: status_name(a.status, lang),
            });
            Ok((
                page,
                rounds,
                member,
                round_options,
                part_options.into_iter().collect::<Vec<_>>(),
            ))
        })
        .await?;
    let links = Links::of(&page, &query.kept());
    let ctx = with(
        base_context(visitor, req.path()),
        "applications",
        &page.rows,
    );
    let ctx = with(ctx, "open_rounds", &rounds);
    let ctx = with(ctx, "refused_round", &refused);
    let ctx = with(
        ctx,
        "blank",
        &std::collections::HashMap::<String, String>::new(),
    );
    let ctx = with(ctx, "has_enterprise", &member.is_some());
    let ctx = with(ctx, "f", &query);
    let ctx = with(ctx, "round_options", &round_options);
    let ctx = with(ctx, "part_options", &part_options);
    let statuses: Vec<StatusOption> = Status::ALL
        .iter()
        .map(|s| StatusOption {
            code: s.as_str(),
            label: status_name(*s, lang),
        })
        .collect();
    let ctx = with(ctx, "status_options", &statuses);
    let ctx = with(ctx, "pager_path", "/applications");
    let ctx = with(ctx, "next_qs", &links.next_qs);
    let ctx = with(ctx, "prev_qs", &links.prev_qs);
    let ctx = with(ctx, "renews", &renews.unwrap_or_default());
    page_with_form(&state.templates, "pages/applications/list.html", ctx, form)
}

fn value(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Which field of the application form a refusal is about, so the page shows it there.
fn draft_field(reason: &crate::refusal::Reason) -> Option<&'static str> {
    use crate::refusal::Code;
    Some(match reason.code {
        Code::ApplicationPartNotOpen | Code::ApplicationPartTaken => "part_code",
        Code::ApplicationTargetOutOfRange => "target_level",
        Code::ApplicationScopeMissing | Code::ApplicationScopeTooLong => "scope",
        Code::ApplicationScopeEnTooLong => "scope_en",
        Code::ContactInvalid => "contact_email",
        Code::RenewalAlreadyApplied
        | Code::RenewalCertificateExpired
        | Code::RenewalCertificateUnknown
        | Code::RenewalNotStanding
        | Code::RenewalPartDiffers => "renews",
        _ => return None,
    })
}

/// Starts a draft from the form of an open round; a refusal shows the list again with
/// the form as typed and the reason beside its field.
pub async fn create_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<RoundId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let round_id = path.into_inner();
    let fields = form.into_inner();
    let scope_en = value(&fields, "scope_en");
    let draft = Draft {
        part_code: value(&fields, "part_code"),
        // Not a number: no level, refused as out of range like any other.
        target_level: value(&fields, "target_level").trim().parse().unwrap_or(0),
        scope: value(&fields, "scope"),
        scope_en: Some(scope_en).filter(|s| !s.trim().is_empty()),
        contact_name: value(&fields, "contact_name"),
        contact_email: value(&fields, "contact_email"),
        directory_consent: value(&fields, "directory_consent") == "yes",
        renews: Some(value(&fields, "renews")).filter(|n| !n.trim().is_empty()),
    };
    let who = caller.clone();
    let outcome = state
        .db(move |conn| {
            Ok(applications::create(
                conn,
                &who.principal,
                round_id,
                &draft,
                &who.address,
            ))
        })
        .await?;
    match outcome {
        Ok(id) => Ok(see_other(format!("/applications/{id}"))),
        Err(refusal) => {
            let err = AppError::from(refusal);
            let field = match &err {
                AppError::Refused { reason, .. } => draft_field(reason),
                _ => None,
            };
            let form = FormState::refused(&fields, err, visitor.lang, field)?;
            render_list(
                &state,
                caller,
                &visitor,
                &req,
                ListAsked::default(),
                Some(round_id),
                &form,
            )
            .await
        }
    }
}

#[derive(Serialize)]
struct ItemView {
    code: String,
    name: Bilingual,
    domain: Bilingual,
    files: Vec<EvidenceView>,
    not_applicable: Option<String>,
    /// Uploads are accepted now (draft, or reopened until `reopened_until`, UTC).
    open: bool,
    reopened_until: Option<chrono::NaiveDateTime>,
}

#[derive(Serialize)]
struct Detail {
    application: ApplicationView,
    enterprise_name: String,
    round_name: Bilingual,
    history: Vec<ApplicationEventView>,
    items: Vec<ItemView>,
    missing: Vec<String>,
    editor: bool,
    draft: bool,
    /// The certificate a renewal application re-assesses, so the secretariat tells it apart.
    renews: Option<String>,
    certificate: Option<crate::workflow::views::certificates::CertificateSummary>,
    part_name: Bilingual,
    /// What the secretariat may do now.
    secretariat: Option<SecretariatActions>,
}

#[derive(Serialize)]
struct SecretariatActions {
    accept: bool,
    reject: bool,
    panel: bool,
    issue: bool,
}

pub async fn detail_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    render_detail(
        &state,
        caller,
        &visitor,
        &req,
        path.into_inner(),
        &FormState::default(),
    )
    .await
}

/// The application page, with `form` for a refused form of it shown again.
pub(crate) async fn render_detail(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: ApplicationId,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let reader = caller.principal.clone();
    let issuer = crate::routes::certificates::issuer(state);
    let log = state.issuance_log.clone();
    let detail = state
        .db(move |conn| {
            let app = applications::visible(conn, &caller.principal, id)?;
            let member_of = enterprises::membership(conn, caller.principal.user_id)?;
            let editor = crate::domain::application::may_edit(
                &caller.principal,
                app.enterprise_id,
                member_of,
            );
            let part = flow::part_of(conn, &app)?;
            let files = flow::list(conn, &caller.principal, id)?;
            let exemptions: BTreeMap<String, String> =
                read::exemptions(conn, id)?.into_iter().collect();
            let reopened: BTreeMap<String, (i32, chrono::NaiveDateTime)> =
                evidence::reopenings(conn, id)?
                    .into_iter()
                    .map(|(item, v, until)| (item, (v, until)))
                    .collect();
            let now = chrono::Utc::now().naive_utc();
            let mut items = Vec::new();
            for d in &part.domains {
                for i in &d.items {
                    let reopening = reopened.get(&i.code).map(|(version, until)| {
                        crate::domain::evidence::Reopening {
                            version: *version,
                            until: *until,
                        }
                    });
                    // A surveillance of the certified application that selected the item
                    // takes its evidence through this same upload (see workflow::evidence).
                    let surveillance = if app.status == Status::Certified {
                        read::surveillance_upload(conn, id, &i.code)?.map(|(version, due_on)| {
                            crate::domain::surveillance::evidence_window(version, due_on, now)
                        })
                    } else {
                        None
                    };
                    let reopening = match surveillance {
                        Some(crate::domain::evidence::EditWindow::Reopened { version, until }) => {
                            Some(crate::domain::evidence::Reopening { version, until })
                        }
                        _ => reopening,
                    };
                    let open =
                        surveillance.is_some() || edit_window(app.status, reopening, now).is_ok();
                    items.push(ItemView {
                        code: i.code.clone(),
                        name: i.name.clone(),
                        domain: d.name.clone(),
                        files: files
                            .iter()
                            .filter(|f| f.item_code == i.code)
                            .cloned()
                            .collect(),
                        not_applicable: exemptions.get(&i.code).cloned(),
                        open,
                        reopened_until: reopening.filter(|_| open).map(|r| r.until),
                    });
                }
            }
            let missing = applications::missing_items(conn, &app)?;
            let r = queries::rounds::get(conn, app.round_id)?.ok_or(AppError::NotFound)?;
            let e = enterprises::get(conn, app.enterprise_id)?.ok_or(AppError::NotFound)?;
            let certificate =
                queries::certificates::summary_of_application(conn, &log, &issuer, id)?;
            let secretariat = caller.has(Role::Secretariat).then(|| SecretariatActions {
                accept: state_allows(app.status, &Event::Accept),
                reject: state_allows(
                    app.status,
                    &Event::Reject {
                        reason: String::new(),
                    },
                ),
                panel: matches!(app.status, Status::Accepted | Status::InAssessment),
                issue: state_allows(app.status, &Event::Certify) && certificate.is_none(),
            });
            Ok(Detail {
                part_name: part.name.clone(),
                secretariat,
                certificate,
                enterprise_name: e.name_zh,
                round_name: Bilingual {
                    zh: r.name_zh,
                    en: r.name_en,
                },
                history: read::history(conn, id)?
                    .into_iter()
                    .map(event_view)
                    .collect(),
                draft: app.status == crate::domain::application_status::Status::Draft,
                application: application_view(app),
                items,
                missing,
                editor,
                renews: read::renews(conn, id)?,
            })
        })
        .await?;
    let ctx = with(base_context(visitor, req.path()), "d", &detail);
    let ctx = with(ctx, "allowed_extensions", ALLOWED_EXTENSIONS);
    let ctx = with(
        ctx,
        "max_file_size",
        &crate::domain::size::binary(state.config.evidence.max_file_bytes),
    );
    let ctx =
        crate::routes::panels::clarifications::with_clarifications(state, reader, id, ctx).await?;
    page_with_form(
        &state.templates,
        "pages/applications/detail.html",
        ctx,
        form,
    )
}

/// The enterprise and the part an application is for, in the visitor's language, for a
/// confirmation question.
pub(crate) async fn what_it_is(
    state: &AppState,
    caller: &Caller,
    visitor: &Visitor,
    id: ApplicationId,
) -> Result<(String, String), AppError> {
    let who = caller.principal.clone();
    let (enterprise, part): (String, Part) = state
        .db(move |conn| {
            let app = applications::visible(conn, &who, id)?;
            let e = enterprises::get(conn, app.enterprise_id)?.ok_or(AppError::NotFound)?;
            Ok((e.name_zh, flow::part_of(conn, &app)?))
        })
        .await?;
    let part = if visitor.lang == crate::domain::i18n::Lang::Zh {
        part.name.zh
    } else {
        part.name.en
    };
    Ok((enterprise, part))
}

/// One status change from a page form, after confirming when `ask` (the confirmation's
/// title and question keys) is given: done, or the page shown again with the refusal
/// beside `field`.
#[allow(clippy::too_many_arguments)]
async fn change_status(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: ApplicationId,
    event: Event,
    fields: &[(String, String)],
    field: Option<&str>,
    ask: Option<(&'static str, &'static str)>,
) -> Result<HttpResponse, AppError> {
    let calendars = state.calendars.clone();
    let who = caller.clone();
    let act = async {
        state
            .db(move |conn| {
                Ok(applications::transition(
                    conn,
                    &who.principal,
                    id,
                    &event,
                    &calendars,
                    chrono::Utc::now(),
                    &who.address,
                )?)
            })
            .await?;
        Ok(see_other(format!("/applications/{id}")))
    };
    let form = PageForm::new(&state.templates, visitor, req, fields);
    let again = async |form| render_detail(state, caller.clone(), visitor, req, id, &form).await;
    match ask {
        // The question names the enterprise and the part, read only when it is asked.
        Some((title_key, question_key)) => {
            let question = async {
                let (enterprise, part) = what_it_is(state, &caller, visitor, id).await?;
                Ok(Question::new(
                    title_key,
                    question_key,
                    vec![("enterprise", enterprise), ("part", part)],
                    format!("/applications/{id}"),
                ))
            };
            form.confirm_then(question, act, field, again).await
        }
        None => form.act_then(act, field, again).await,
    }
}

/// The secretariat accepts a submitted application, after confirming.
pub async fn accept_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let ask = (
        "confirm.application_accept.title",
        "confirm.application_accept.question",
    );
    change_status(
        &state,
        caller,
        &visitor,
        &req,
        id,
        Event::Accept,
        &fields,
        None,
        Some(ask),
    )
    .await
}

/// The secretariat rejects a submitted application with its reason; a missing reason
/// shows the page again with the form.
pub async fn reject_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let reason = value(&fields, "reject_reason");
    let event = applications::parse_event("reject", Some(reason.as_str()))?;
    change_status(
        &state,
        caller,
        &visitor,
        &req,
        id,
        event,
        &fields,
        Some("reject_reason"),
        None,
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct ReasonForm {
    reason: String,
}

pub async fn not_applicable_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    let reason = form.into_inner().reason;
    let it = item.clone();
    state
        .db(move |conn| {
            Ok(applications::declare_not_applicable(
                conn,
                &caller.principal,
                id,
                &it,
                &reason,
                &caller.address,
            )?)
        })
        .await?;
    Ok(see_other(format!("/applications/{id}#item-{item}")))
}

/// The enterprise submits its draft, after confirming; a refusal (window closed,
/// evidence missing …) shows the page again with the reason.
pub async fn submit_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let ask = (
        "confirm.application_submit.title",
        "confirm.application_submit.question",
    );
    change_status(
        &state,
        caller,
        &visitor,
        &req,
        id,
        Event::Submit,
        &fields,
        None,
        Some(ask),
    )
    .await
}
