//! Application pages: the list (with the forms to apply), one application with its
//! status history and per-item evidence, and the forms that change it.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::domain::application_status::{Event, Status};
use crate::domain::catalog::Bilingual;
use crate::domain::evidence::{edit_window, ALLOWED_EXTENSIONS};
use crate::domain::ids::{ApplicationId, RoundId};
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page, with};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::applications::{self, Draft};
use crate::workflow::evidence::{self as flow, EvidenceView};
use crate::workflow::queries::applications as read;
use crate::workflow::queries::{self, enterprises, evidence};
use crate::workflow::views::applications::{application_view, event_view};
use crate::workflow::views::{ApplicationEventView, ApplicationView};

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

#[derive(Serialize)]
struct Listed {
    application: ApplicationView,
    round_name: Bilingual,
}

#[derive(Serialize)]
struct OpenRound {
    id: RoundId,
    name: Bilingual,
    parts: Vec<String>,
}

/// `?status=submitted`: only the applications in that status (the task list links here).
#[derive(serde::Deserialize)]
pub struct ListFilter {
    status: Option<Status>,
}

pub async fn list_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    filter: web::Query<ListFilter>,
) -> Result<HttpResponse, AppError> {
    let status = filter.into_inner().status;
    let (listed, rounds, member) = state
        .db(move |conn| {
            let member = enterprises::membership(conn, caller.principal.user_id)?;
            let rows = match status {
                Some(s) => read::visible_in_status(conn, &caller.principal, s)?,
                None => read::visible_to(conn, &caller.principal)?,
            };
            let mut names: BTreeMap<RoundId, Bilingual> = BTreeMap::new();
            let mut rounds = Vec::new();
            for r in queries::rounds::all(conn)? {
                names.insert(
                    r.id,
                    Bilingual {
                        zh: r.name_zh.clone(),
                        en: r.name_en.clone(),
                    },
                );
                if r.registration_closes >= chrono::Utc::now().date_naive() {
                    rounds.push(OpenRound {
                        parts: queries::rounds::parts(conn, r.id)?,
                        id: r.id,
                        name: Bilingual {
                            zh: r.name_zh,
                            en: r.name_en,
                        },
                    });
                }
            }
            let listed: Vec<Listed> = rows
                .into_iter()
                .map(|a| Listed {
                    round_name: names.get(&a.round_id).cloned().unwrap_or(Bilingual {
                        zh: String::new(),
                        en: String::new(),
                    }),
                    application: application_view(a),
                })
                .collect();
            Ok((listed, rounds, member))
        })
        .await?;
    let ctx = with(base_context(&visitor, req.path()), "applications", &listed);
    let ctx = with(ctx, "open_rounds", &rounds);
    let ctx = with(ctx, "has_enterprise", &member.is_some());
    let ctx = with(ctx, "status_filter", &status);
    page(&state.templates, "pages/applications/list.html", &ctx)
}

#[derive(serde::Deserialize)]
pub struct DraftForm {
    part_code: String,
    target_level: i64,
    scope: String,
    #[serde(default)]
    scope_en: Option<String>,
    contact_name: String,
    contact_email: String,
}

pub async fn create_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
    form: web::Form<DraftForm>,
) -> Result<HttpResponse, AppError> {
    let round_id = path.into_inner();
    let f = form.into_inner();
    let draft = Draft {
        part_code: f.part_code,
        target_level: f.target_level,
        scope: f.scope,
        scope_en: f.scope_en,
        contact_name: f.contact_name,
        contact_email: f.contact_email,
    };
    let id = state
        .db(move |conn| {
            Ok(applications::create(
                conn,
                &caller.principal,
                round_id,
                &draft,
                &caller.address,
            )?)
        })
        .await?;
    Ok(see_other(format!("/applications/{id}")))
}

#[derive(Serialize)]
struct ItemView {
    code: String,
    name: Bilingual,
    domain: Bilingual,
    files: Vec<EvidenceView>,
    not_applicable: Option<String>,
    /// Uploads are accepted now (draft, or reopened until `reopened_until`).
    open: bool,
    reopened_until: Option<String>,
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
    certificate: Option<CertificateSummary>,
}

/// The application's certificate as its page shows it: the number links to `/verify`.
#[derive(Serialize)]
struct CertificateSummary {
    number: String,
    revoked_at: Option<chrono::NaiveDateTime>,
    revoke_reason: Option<String>,
}

pub async fn detail_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
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
                    let open = edit_window(app.status, reopening, now).is_ok();
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
                        reopened_until: reopening
                            .filter(|_| open)
                            .map(|r| r.until.format("%Y-%m-%d %H:%M UTC").to_string()),
                    });
                }
            }
            let missing = applications::missing_items(conn, &app)?;
            let r = queries::rounds::get(conn, app.round_id)?.ok_or(AppError::NotFound)?;
            let e = enterprises::get(conn, app.enterprise_id)?.ok_or(AppError::NotFound)?;
            let certificate =
                queries::certificates::of_application(conn, id)?.map(|c| CertificateSummary {
                    number: c.number,
                    revoked_at: c.revoked_at,
                    revoke_reason: c.revoke_reason,
                });
            Ok(Detail {
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
            })
        })
        .await?;
    let ctx = with(base_context(&visitor, req.path()), "d", &detail);
    let ctx = with(ctx, "allowed_extensions", ALLOWED_EXTENSIONS);
    let ctx = with(
        ctx,
        "max_file_size",
        &crate::domain::size::binary(state.config.evidence.max_file_bytes),
    );
    page(&state.templates, "pages/applications/detail.html", &ctx)
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

pub async fn submit_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let calendars = state.calendars.clone();
    state
        .db(move |conn| {
            Ok(applications::transition(
                conn,
                &caller.principal,
                id,
                &Event::Submit,
                &calendars,
                chrono::Utc::now(),
                &caller.address,
            )?)
        })
        .await?;
    Ok(see_other(format!("/applications/{id}")))
}
