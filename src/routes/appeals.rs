//! Appeals: the enterprise lodges (from its application) and withdraws, the secretariat
//! forms the panel and closes follow-ups, the panel decides. API and pages.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::access::{Access, Role};
use crate::domain::ids::{AppealId, ApplicationId, Named, UserId};
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::confirm::{see_other, PageForm, Question};
use crate::web::render::{base_context, page, page_with_form, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::appeals::{self as flow, LodgeRequest, Settings};
use crate::workflow::queries::appeals::{self as read, AppealableDecision, CandidateView};
use crate::workflow::views::appeals::AppealView;

/// Appeal panels are drawn from assessors and review members; the use case checks that
/// the person sits on this appeal's panel.
pub const PANEL_MEMBER: Access = Access::AnyOf(&[Role::Assessor, Role::Reviewer]);

type FormFields = web::Form<Vec<(String, String)>>;

fn field<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn settings(state: &AppState) -> Settings {
    Settings {
        base_url: state.config.base_url.clone(),
        window_days: state.config.appeal_window_days,
    }
}

async fn detail_of(state: &AppState, caller: Caller, id: AppealId) -> Result<AppealView, AppError> {
    let days = state.config.appeal_window_days;
    state
        .db(move |conn| Ok(read::detail(conn, &caller.principal, id, days)?))
        .await
}

// ---- API ------------------------------------------------------------------------------

/// The enterprise appeals a decision on its application (a returned result, the level
/// approved, or a certificate decision named by number and issuance-log index) within the
/// configured window after it.
#[utoipa::path(post, path = "/api/v1/applications/{id}/appeals", params(("id" = uuid::Uuid, Path)), request_body = LodgeRequest, responses((status = 201, body = AppealView), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn lodge_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<LodgeRequest>,
) -> Result<HttpResponse, AppError> {
    let (application, req) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    let who = caller.clone();
    let id = state
        .db(move |conn| {
            Ok(flow::lodge(
                conn,
                &who.principal,
                application,
                &req,
                &s,
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(detail_of(&state, caller, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only appeals not yet closed.
    #[serde(default)]
    open: bool,
}

/// The appeals the caller may see: all (secretariat), their enterprise's, those whose
/// panel they sit on.
#[utoipa::path(get, path = "/api/v1/appeals", params(ListQuery), responses((status = 200, body = [AppealView])), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (open, days) = (query.open, state.config.appeal_window_days);
    let rows = state
        .db(move |conn| Ok(read::list(conn, &caller.principal, open, days)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(get, path = "/api/v1/appeals/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = AppealView)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AppealId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, path.into_inner()).await?))
}

/// The assessor registry and review members, each marked when they took part in the case.
#[utoipa::path(get, path = "/api/v1/appeals/{id}/candidates", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = [CandidateView])), security(("bearer" = [])))]
pub async fn candidates_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AppealId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let rows = state
        .db(move |conn| Ok(read::panel_candidates(conn, &caller.principal, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PanelRequest {
    /// One to three user ids.
    #[schema(value_type = Vec<String>)]
    members: Vec<String>,
}

fn named_members(texts: &[String]) -> Vec<(Named<UserId>, String)> {
    texts
        .iter()
        .map(|t| (Named::parse(t.trim()), t.trim().to_string()))
        .collect()
}

/// The secretariat forms the appeal panel: nobody who assessed, reviewed or decided the
/// case.
#[utoipa::path(put, path = "/api/v1/appeals/{id}/panel", params(("id" = uuid::Uuid, Path)), request_body = PanelRequest, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn panel_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AppealId>,
    body: web::Json<PanelRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, members) = (path.into_inner(), named_members(&body.members));
    let s = settings(&state);
    state
        .db(move |conn| {
            Ok(flow::form_panel(
                conn,
                &caller.principal,
                id,
                &members,
                &s,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    upheld: bool,
    #[schema(max_length = 4000)]
    reasons: String,
}

/// A member of the appeal panel records its decision: upheld (the consequence is applied
/// or left to the secretariat) or dismissed, with reasons.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/decision", params(("id" = uuid::Uuid, Path)), request_body = DecisionRequest, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn decision_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AppealId>,
    body: web::Json<DecisionRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, d) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    state
        .db(move |conn| {
            Ok(flow::decide(
                conn,
                &caller.principal,
                id,
                d.upheld,
                &d.reasons,
                &s,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WithdrawalRequest {
    #[schema(max_length = 4000)]
    reason: String,
}

/// The enterprise withdraws its appeal before the panel decides.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/withdrawal", params(("id" = uuid::Uuid, Path)), request_body = WithdrawalRequest, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn withdrawal_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AppealId>,
    body: web::Json<WithdrawalRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, reason) = (path.into_inner(), body.into_inner().reason);
    state
        .db(move |conn| {
            Ok(flow::withdraw(
                conn,
                &caller.principal,
                id,
                &reason,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The secretariat has carried out an upheld appeal's consequence.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/follow-up", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 409)), security(("bearer" = [])))]
pub async fn follow_up_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AppealId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(flow::follow_up_done(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- pages ----------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct ListPageQuery {
    #[serde(default)]
    status: Option<String>,
}

/// The appeals queue (secretariat), the enterprise's appeals, the panel member's.
pub async fn list_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<ListPageQuery>,
) -> Result<HttpResponse, AppError> {
    let days = state.config.appeal_window_days;
    let wanted = query.into_inner().status.filter(|s| !s.is_empty());
    let filter = wanted.clone();
    let rows = state
        .db(move |conn| Ok(read::list(conn, &caller.principal, false, days)?))
        .await?
        .into_iter()
        .filter(|a| {
            filter
                .as_deref()
                .is_none_or(|s| a.status.as_str() == s && (s != "upheld" || a.follow_up_pending))
        })
        .collect::<Vec<_>>();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("appeals", &rows);
    ctx.insert("status_filter", &wanted);
    page(&state.templates, "pages/appeals/list.html", &ctx)
}

async fn render_detail(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: AppealId,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let secretariat = caller.has(Role::Secretariat);
    let appeal = detail_of(state, caller.clone(), id).await?;
    let candidates = if secretariat && appeal.actions.iter().any(|a| a == "form_panel") {
        state
            .db(move |conn| Ok(read::panel_candidates(conn, &caller.principal, id)?))
            .await?
    } else {
        vec![]
    };
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("appeal", &appeal);
    ctx.insert("candidates", &candidates);
    page_with_form(&state.templates, "pages/appeals/detail.html", ctx, form)
}

pub async fn detail_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<AppealId>,
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

async fn render_new(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    application: ApplicationId,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let days = state.config.appeal_window_days;
    let decisions: Vec<AppealableDecision> = state
        .db(move |conn| {
            Ok(read::appealable(
                conn,
                &caller.principal,
                application,
                days,
            )?)
        })
        .await?;
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("application_id", &application);
    ctx.insert("decisions", &decisions);
    page_with_form(&state.templates, "pages/appeals/new.html", ctx, form)
}

/// The enterprise's appeal form for one of its applications: the decisions it may still
/// appeal, each with the day its window closes.
pub async fn new_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    render_new(
        &state,
        caller,
        &visitor,
        &req,
        path.into_inner(),
        &FormState::default(),
    )
    .await
}

/// `decision` is `<subject>` or `certificate_decision:<number>:<index>`.
fn lodge_request(fields: &[(String, String)]) -> LodgeRequest {
    let decision = field(fields, "decision");
    let mut parts = decision.splitn(3, ':');
    let subject = parts.next().unwrap_or("").to_string();
    let certificate_number = parts.next().map(str::to_string);
    let log_index = parts.next().and_then(|i| i.parse().ok());
    LodgeRequest {
        subject,
        certificate_number,
        log_index,
        reasons: field(fields, "reasons").to_string(),
    }
}

pub async fn lodge_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (application, fields) = (path.into_inner(), form.into_inner());
    let request = lodge_request(&fields);
    let s = settings(&state);
    let who = caller.clone();
    let lodge = state.db(move |conn| {
        Ok(flow::lodge(
            conn,
            &who.principal,
            application,
            &request,
            &s,
            &who.address,
        )?)
    });
    PageForm::new(&state.templates, &visitor, &req, &fields)
        .act_then(
            async { Ok(see_other(&format!("/appeals/{}", lodge.await?))) },
            Some("reasons"),
            async |form| render_new(&state, caller, &visitor, &req, application, &form).await,
        )
        .await
}

/// The appeal's page again after a form on it: done, or shown with the refusal beside
/// `field`.
async fn on_detail(
    state: &AppState,
    caller: Caller,
    page_form: (&Visitor, &HttpRequest, &[(String, String)]),
    id: AppealId,
    ask: Option<Question>,
    act: impl std::future::Future<Output = Result<(), AppError>>,
    field: &str,
) -> Result<HttpResponse, AppError> {
    let (visitor, req, fields) = page_form;
    let form = PageForm::new(&state.templates, visitor, req, fields);
    let act = async {
        act.await?;
        Ok(see_other(&format!("/appeals/{id}")))
    };
    let again = async |form| render_detail(state, caller, visitor, req, id, &form).await;
    match ask {
        Some(question) => {
            form.confirm_then(async { Ok(question) }, act, Some(field), again)
                .await
        }
        None => form.act_then(act, Some(field), again).await,
    }
}

fn question(title_key: &'static str, question_key: &'static str, id: AppealId) -> Question {
    Question::new(title_key, question_key, vec![], format!("/appeals/{id}"))
}

pub async fn panel_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<AppealId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let texts: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "members")
        .map(|(_, v)| v.clone())
        .collect();
    let members = named_members(&texts);
    let s = settings(&state);
    let who = caller.clone();
    let act = state.db(move |conn| {
        Ok(flow::form_panel(
            conn,
            &who.principal,
            id,
            &members,
            &s,
            &who.address,
        )?)
    });
    on_detail(
        &state,
        caller,
        (&visitor, &req, &fields),
        id,
        None,
        act,
        "members",
    )
    .await
}

pub async fn decision_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<AppealId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let upheld = field(&fields, "outcome") == "upheld";
    let outcome = crate::web::render::catalog(visitor.lang)
        .get(if upheld {
            "appeals.outcome.upheld"
        } else {
            "appeals.outcome.dismissed"
        })
        .cloned()
        .unwrap_or_default();
    let mut ask = question(
        "confirm.appeal_decision.title",
        "confirm.appeal_decision.question",
        id,
    );
    ask.args.push(("outcome", outcome));
    let reasons = field(&fields, "reasons").to_string();
    let s = settings(&state);
    let who = caller.clone();
    let act = state.db(move |conn| {
        Ok(flow::decide(
            conn,
            &who.principal,
            id,
            upheld,
            &reasons,
            &s,
            &who.address,
        )?)
    });
    on_detail(
        &state,
        caller,
        (&visitor, &req, &fields),
        id,
        Some(ask),
        act,
        "reasons",
    )
    .await
}

pub async fn withdrawal_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<AppealId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let ask = question(
        "confirm.appeal_withdrawal.title",
        "confirm.appeal_withdrawal.question",
        id,
    );
    let reason = field(&fields, "reason").to_string();
    let who = caller.clone();
    let act = state.db(move |conn| {
        Ok(flow::withdraw(
            conn,
            &who.principal,
            id,
            &reason,
            &who.address,
        )?)
    });
    on_detail(
        &state,
        caller,
        (&visitor, &req, &fields),
        id,
        Some(ask),
        act,
        "reason",
    )
    .await
}

pub async fn follow_up_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<AppealId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let ask = question(
        "confirm.appeal_follow_up.title",
        "confirm.appeal_follow_up.question",
        id,
    );
    let who = caller.clone();
    let act = state.db(move |conn| {
        Ok(flow::follow_up_done(
            conn,
            &who.principal,
            id,
            &who.address,
        )?)
    });
    on_detail(
        &state,
        caller,
        (&visitor, &req, &fields),
        id,
        Some(ask),
        act,
        "follow_up",
    )
    .await
}
