//! Complaints: the public form and its mailed confirmation, the complainant's private
//! page, and the secretariat's queue with triage, notes, surveillance flag and answer.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::ids::ComplaintId;
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::confirm::{see_other, PageForm, Question};
use crate::web::render::{base_context, page, page_with_form, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::complaints::{self as flow, ComplaintInput, Filed};
use crate::workflow::queries::complaints as read;
use crate::workflow::views::complaints::ComplaintView;

type FormFields = web::Form<Vec<(String, String)>>;

fn field<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

async fn file(state: &AppState, visitor: &Visitor, input: ComplaintInput) -> Result<(), AppError> {
    let (lang, base, address) = (
        visitor.lang,
        state.config.base_url.clone(),
        visitor.address.clone(),
    );
    let filed = state
        .db(move |conn| Ok(flow::file(conn, &input, lang, &base, &address)?))
        .await?;
    match filed {
        Filed::Mailed => Ok(()),
        Filed::TooOften { reason, seconds } => Err(AppError::too_many(reason, seconds)),
    }
}

// ---- public ---------------------------------------------------------------------------

/// Files a complaint about a certified enterprise or the programme (no account needed).
/// It is registered only once the link mailed to the given address is opened.
#[utoipa::path(post, path = "/api/v1/complaints", request_body = ComplaintInput, responses((status = 202, description = "the confirmation link was mailed"), (status = 422), (status = 429)))]
pub async fn file_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    body: web::Json<ComplaintInput>,
) -> Result<HttpResponse, AppError> {
    file(&state, &visitor, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "confirmation": "mailed" })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ConfirmRequest {
    /// The token of the mailed link.
    token: String,
}

/// Confirms a complaint with the token of the mailed link; answers what the complainant
/// sees of it. Confirming again changes nothing.
#[utoipa::path(post, path = "/api/v1/complaints/confirmation", request_body = ConfirmRequest, responses((status = 200, body = ComplaintView), (status = 404), (status = 409)))]
pub async fn confirm_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    body: web::Json<ConfirmRequest>,
) -> Result<HttpResponse, AppError> {
    let token = body.into_inner().token;
    let (base, address) = (state.config.base_url.clone(), visitor.address.clone());
    let view = state
        .db(move |conn| {
            flow::confirm(conn, &token, &base, &address)?;
            Ok(read::tracked(conn, &token)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The complainant's view of their complaint through the private link's token.
#[utoipa::path(get, path = "/api/v1/complaints/track/{token}", params(("token" = String, Path)), responses((status = 200, body = ComplaintView)))]
pub async fn track_api(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let view = state
        .db(move |conn| Ok(read::tracked(conn, &token)?))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

fn new_form(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    page_with_form(
        &state.templates,
        "pages/complaints/new.html",
        base_context(visitor, req.path()),
        form,
    )
}

pub async fn new_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    new_form(&state, &visitor, &req, &FormState::default())
}

/// Files the form's complaint; a refusal, or a visitor who must wait (429), sees the form
/// again with what they typed and the reason.
pub async fn new_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let input = ComplaintInput {
        name: field(&fields, "name").into(),
        email: field(&fields, "email").into(),
        about: field(&fields, "about").into(),
        certificate_number: Some(field(&fields, "certificate_number").into()),
        enterprise_name: Some(field(&fields, "enterprise_name").into()),
        description: field(&fields, "description").into(),
    };
    let act = async {
        file(&state, &visitor, input).await?;
        crate::web::render::notice(
            &state.templates,
            &visitor,
            &req,
            "complaints.confirmation_mailed",
        )
    };
    PageForm::new(&state.templates, &visitor, &req, &fields)
        .throttled_too()
        .act_then(act, None, async |form| {
            new_form(&state, &visitor, &req, &form)
        })
        .await
}

/// The page the mailed link opens: one button confirms (a GET changes nothing).
pub async fn confirm_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("token", &path.into_inner());
    page(&state.templates, "pages/complaints/confirm.html", &ctx)
}

pub async fn confirm_submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let (base, address, t) = (
        state.config.base_url.clone(),
        visitor.address.clone(),
        token.clone(),
    );
    state
        .db(move |conn| Ok(flow::confirm(conn, &t, &base, &address)?))
        .await?;
    Ok(see_other(&format!("/complaints/track/{token}")))
}

pub async fn track_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let view = state
        .db(move |conn| Ok(read::tracked(conn, &token)?))
        .await?;
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("complaint", &view);
    ctx.insert("private", &true);
    page_with_form(
        &state.templates,
        "pages/complaints/detail.html",
        ctx,
        &FormState::default(),
    )
}

// ---- secretariat ----------------------------------------------------------------------

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only complaints not yet closed.
    #[serde(default)]
    open: bool,
}

#[utoipa::path(get, path = "/api/v1/complaints", params(ListQuery), responses((status = 200, body = [ComplaintView])), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let open = query.open;
    let rows = state
        .db(move |conn| Ok(read::list(conn, &caller.principal, open)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = ComplaintView)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ComplaintId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let view = state
        .db(move |conn| Ok(read::detail(conn, &caller.principal, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TriageRequest {
    /// True: a complaint, to investigate; false: not a complaint (`reason` required).
    accept: bool,
    #[serde(default)]
    #[schema(max_length = 4000)]
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/triage", params(("id" = uuid::Uuid, Path)), request_body = TriageRequest, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn triage_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ComplaintId>,
    body: web::Json<TriageRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, t) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(flow::triage(
                conn,
                &caller.principal,
                id,
                t.accept,
                &t.reason,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NoteRequest {
    #[schema(max_length = 4000)]
    body: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/notes", params(("id" = uuid::Uuid, Path)), request_body = NoteRequest, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn note_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ComplaintId>,
    body: web::Json<NoteRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, text) = (path.into_inner(), body.into_inner().body);
    state
        .db(move |conn| {
            Ok(flow::note(
                conn,
                &caller.principal,
                id,
                &text,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Flags that the investigation asks for a short-notice surveillance of the enterprise.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/surveillance", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn surveillance_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ComplaintId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(flow::request_surveillance(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswerRequest {
    #[schema(max_length = 4000)]
    answer: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/answer", params(("id" = uuid::Uuid, Path)), request_body = AnswerRequest, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn answer_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ComplaintId>,
    body: web::Json<AnswerRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, text) = (path.into_inner(), body.into_inner().answer);
    state
        .db(move |conn| {
            Ok(flow::answer(
                conn,
                &caller.principal,
                id,
                &text,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ListPageQuery {
    #[serde(default)]
    status: Option<String>,
}

pub async fn list_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<ListPageQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = query.into_inner().status.filter(|s| !s.is_empty());
    let filter = wanted.clone();
    let rows: Vec<ComplaintView> = state
        .db(move |conn| Ok(read::list(conn, &caller.principal, false)?))
        .await?
        .into_iter()
        .filter(|c| filter.as_deref().is_none_or(|s| c.status.as_str() == s))
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("complaints", &rows);
    ctx.insert("status_filter", &wanted);
    page(&state.templates, "pages/complaints/list.html", &ctx)
}

async fn render_detail(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: ComplaintId,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let view = state
        .db(move |conn| Ok(read::detail(conn, &caller.principal, id)?))
        .await?;
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("complaint", &view);
    ctx.insert("private", &false);
    page_with_form(&state.templates, "pages/complaints/detail.html", ctx, form)
}

pub async fn detail_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ComplaintId>,
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

/// One form for the secretariat's actions (`action`: accept, dismiss, note,
/// request_surveillance, answer); triage and answer are confirmed first.
pub async fn action_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ComplaintId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let action = field(&fields, "action").to_string();
    let text = field(&fields, "text").to_string();
    let irreversible = matches!(action.as_str(), "accept" | "dismiss" | "answer");
    let what = crate::web::render::catalog(visitor.lang)
        .get(&format!("complaints.action.{action}"))
        .cloned()
        .unwrap_or_default();
    let who = caller.clone();
    let act = async {
        state
            .db(move |conn| {
                let (p, a) = (&who.principal, &who.address);
                match action.as_str() {
                    "accept" => flow::triage(conn, p, id, true, &text, a),
                    "dismiss" => flow::triage(conn, p, id, false, &text, a),
                    "note" => flow::note(conn, p, id, &text, a),
                    "request_surveillance" => flow::request_surveillance(conn, p, id, a),
                    "answer" => flow::answer(conn, p, id, &text, a),
                    _ => return Err(AppError::NotFound),
                }
                .map_err(AppError::from)
            })
            .await?;
        Ok(see_other(&format!("/complaints/{id}")))
    };
    let again = async |form| render_detail(&state, caller, &visitor, &req, id, &form).await;
    let form = PageForm::new(&state.templates, &visitor, &req, &fields);
    if irreversible {
        let ask = Question::new(
            "confirm.complaint_action.title",
            "confirm.complaint_action.question",
            vec![("action", what)],
            format!("/complaints/{id}"),
        );
        form.confirm_then(async { Ok(ask) }, act, Some("text"), again)
            .await
    } else {
        form.act_then(act, Some("text"), again).await
    }
}
