//! Surveillance of certificates in force: the secretariat plans, assigns and concludes,
//! the assessors score the selected items, the enterprise follows it (and uploads its
//! evidence through the application's evidence upload). API and pages.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::access::{Access, Role};
use crate::domain::ids::SurveillanceId;
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::confirm::{see_other, PageForm, Question};
use crate::web::render::{base_context, page_with_form, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries::surveillances as read;
use crate::workflow::surveillances::{
    self as flow, today, AssessorsRequest, ConclusionRequest, PlanRequest, ScoreRequest, Settings,
};
use crate::workflow::views::surveillances::SurveillanceView;

/// Everyone a surveillance may concern; the reads decide per surveillance.
pub const PARTIES: Access = Access::AnyOf(&[Role::Secretariat, Role::Assessor, Role::Enterprise]);
/// The page forms: the secretariat's (assign, conclude) and the assessors' (score).
pub const STAFF: Access = Access::AnyOf(&[Role::Secretariat, Role::Assessor]);

fn settings(state: &AppState) -> Settings {
    Settings {
        base_url: state.config.base_url.clone(),
        interval: chrono::Months::new(state.config.surveillance_interval_months),
        max_suspension: chrono::Months::new(state.config.max_suspension_months),
    }
}

async fn detail_of(
    state: &AppState,
    caller: Caller,
    id: SurveillanceId,
) -> Result<SurveillanceView, AppError> {
    let day = today();
    state
        .db(move |conn| Ok(read::detail(conn, &caller.principal, id, day)?))
        .await
}

// ---- API ------------------------------------------------------------------------------

/// Plans a surveillance of a certificate in force: the next of its yearly plan, or at
/// short notice (`complaint_id` and `due_on`) after a complaint asked for one.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/surveillances", params(("number" = String, Path)), request_body = PlanRequest, responses((status = 201, body = SurveillanceView), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn plan_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<PlanRequest>,
) -> Result<HttpResponse, AppError> {
    let (number, req) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    let who = caller.clone();
    let id = state
        .db(move |conn| {
            Ok(flow::plan(
                conn,
                &who.principal,
                &number,
                &req,
                &s,
                today(),
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(detail_of(&state, caller, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only surveillances not yet concluded.
    #[serde(default)]
    open: bool,
}

/// The surveillances the caller may see, soonest due first: all (secretariat), those
/// they assess, their enterprise's.
#[utoipa::path(get, path = "/api/v1/surveillances", params(ListQuery), responses((status = 200, body = [SurveillanceView])), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let open = query.open;
    let rows = state
        .db(move |conn| Ok(read::list(conn, &caller.principal, open, today())?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(get, path = "/api/v1/surveillances/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = SurveillanceView), (status = 404)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SurveillanceId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, path.into_inner()).await?))
}

/// Sets the one or two assessors, checked by the panel rules (qualification,
/// certification, conflicts of interest with the enterprise and its group).
#[utoipa::path(put, path = "/api/v1/surveillances/{id}/assessors", params(("id" = uuid::Uuid, Path)), request_body = AssessorsRequest, responses((status = 200, body = SurveillanceView), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn assessors_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SurveillanceId>,
    body: web::Json<AssessorsRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    let who = caller.clone();
    state
        .db(move |conn| {
            Ok(flow::assign(
                conn,
                &who.principal,
                id,
                &req,
                &s,
                today(),
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, id).await?))
}

/// An assessor of the surveillance scores one of its selected items (0 to 5).
#[utoipa::path(put, path = "/api/v1/surveillances/{id}/scores/{item}", params(("id" = uuid::Uuid, Path), ("item" = String, Path)), request_body = ScoreRequest, responses((status = 200, body = SurveillanceView), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn score_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SurveillanceId, String)>,
    body: web::Json<ScoreRequest>,
) -> Result<HttpResponse, AppError> {
    let ((id, item), req) = (path.into_inner(), body.into_inner());
    let who = caller.clone();
    state
        .db(move |conn| {
            Ok(flow::score(
                conn,
                &who.principal,
                id,
                &item,
                &req,
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, id).await?))
}

/// Concludes the surveillance with its outcome, which is the certificate's decision:
/// maintain, narrow (scope reduction) or suspend.
#[utoipa::path(post, path = "/api/v1/surveillances/{id}/conclusion", params(("id" = uuid::Uuid, Path)), request_body = ConclusionRequest, responses((status = 200, body = SurveillanceView), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn conclusion_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SurveillanceId>,
    body: web::Json<ConclusionRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    let data_dir = state.config.data_dir.clone();
    let who = caller.clone();
    state
        .db(move |conn| {
            Ok(flow::conclude(
                conn,
                &who.principal,
                id,
                &req,
                &s,
                data_dir.clone(),
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, id).await?))
}

// ---- pages ----------------------------------------------------------------------------

type FormFields = web::Form<Vec<(String, String)>>;

fn field<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Every non-blank value of a field sent more than once (ticked boxes, two selects).
fn values(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

async fn render_list(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let who = caller.principal.clone();
    let rows = state
        .db(move |conn| Ok(read::list(conn, &who, false, today())?))
        .await?;
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("surveillances", &rows);
    ctx.insert("is_secretariat", &caller.principal.has(Role::Secretariat));
    page_with_form(&state.templates, "pages/surveillances/list.html", ctx, form)
}

/// The list: the secretariat's plan with due and overdue ones marked, an assessor's
/// surveillances, an enterprise's.
pub async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    render_list(&state, caller, &visitor, &req, &FormState::default()).await
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    certificate_number: String,
    /// Preselects the complaint whose investigation asked for this surveillance.
    #[serde(default)]
    complaint_id: String,
}

/// The plan form of one certificate: its part's items to tick, the complaints that asked
/// for a short-notice surveillance. `fields` are those sent (to show again), if any.
async fn render_new(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    number: String,
    fields: &[(String, String)],
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let who = caller.principal.clone();
    let choices = state
        .db(move |conn| Ok(read::plan_choices(conn, &who, &number, today())?))
        .await;
    let plan = match choices {
        Ok(plan) => plan,
        // Not a certificate a surveillance may be planned for: the list's form says why.
        Err(err) => {
            let again = FormState::refused(fields, err, visitor.lang, Some("certificate_number"))?;
            return render_list(state, caller, visitor, req, &again).await;
        }
    };
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("plan", &plan);
    ctx.insert("chosen_items", &values(fields, "items"));
    ctx.insert("chosen_complaint", field(fields, "complaint_id"));
    ctx.insert("due_on", field(fields, "due_on"));
    page_with_form(&state.templates, "pages/surveillances/new.html", ctx, form)
}

/// From the list's form, the application page or a complaint: the plan form of the
/// certificate named in the query.
pub async fn new_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let fields = vec![
        (
            "certificate_number".to_string(),
            q.certificate_number.clone(),
        ),
        ("complaint_id".to_string(), q.complaint_id),
    ];
    render_new(
        &state,
        caller,
        &visitor,
        &req,
        q.certificate_number,
        &fields,
        &FormState::default(),
    )
    .await
}

/// The secretariat plans the next surveillance of a certificate (or one at short notice
/// after a complaint) with the items ticked on its plan form.
pub async fn plan_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    caller: Caller,
    req: HttpRequest,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let number = field(&fields, "certificate_number").trim().to_string();
    let plan = PlanRequest {
        items: values(&fields, "items"),
        complaint_id: Some(field(&fields, "complaint_id").to_string()),
        due_on: Some(field(&fields, "due_on").to_string()),
    };
    let s = settings(&state);
    let (who, n) = (caller.clone(), number.clone());
    let act = async {
        let id = state
            .db(move |conn| {
                Ok(flow::plan(
                    conn,
                    &who.principal,
                    &n,
                    &plan,
                    &s,
                    today(),
                    &who.address,
                )?)
            })
            .await?;
        Ok(see_other(&format!("/surveillances/{id}")))
    };
    PageForm::new(&state.templates, &visitor, &req, &fields)
        .act_then(act, None, async |form| {
            render_new(&state, caller, &visitor, &req, number, &fields, &form).await
        })
        .await
}

async fn render_detail(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: SurveillanceId,
    fields: &[(String, String)],
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let view = detail_of(state, caller.clone(), id).await?;
    let candidates = if view.actions.iter().any(|a| a == "assign") {
        let who = caller.principal.clone();
        state
            .db(move |conn| Ok(read::assessor_choices(conn, &who, id, today())?))
            .await?
    } else {
        Vec::new()
    };
    // The two selects of the assignment show what was chosen when it is shown again.
    let mut picked = values(fields, "assessor");
    picked.resize(2, String::new());
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("s", &view);
    ctx.insert("candidates", &candidates);
    ctx.insert("picked", &picked);
    page_with_form(
        &state.templates,
        "pages/surveillances/detail.html",
        ctx,
        form,
    )
}

pub async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<SurveillanceId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    render_detail(
        &state,
        caller,
        &visitor,
        &req,
        id,
        &[],
        &FormState::default(),
    )
    .await
}

/// The detail page's forms: assign (secretariat), score (assessor), conclude
/// (secretariat, confirmed first: the outcome is the certificate's decision), told apart
/// by the `action` field. A refusal shows the page again with the input.
pub async fn action_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<SurveillanceId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = form.into_inner();
    let action = field(&fields, "action").to_string();
    let s = settings(&state);
    let data_dir = state.config.data_dir.clone();
    let who = caller.clone();
    let sent = fields.clone();
    let act = async {
        state
            .db(move |conn| {
                let (p, address) = (&who.principal, who.address.as_str());
                let fields = sent;
                match field(&fields, "action") {
                    "assign" => {
                        let req = AssessorsRequest {
                            assessors: values(&fields, "assessor"),
                        };
                        flow::assign(conn, p, id, &req, &s, today(), address)?
                    }
                    "score" => {
                        let level = field(&fields, "level").trim().parse::<i64>().unwrap_or(-1);
                        let req = ScoreRequest {
                            level,
                            note: field(&fields, "note").to_string(),
                        };
                        flow::score(conn, p, id, field(&fields, "item"), &req, address)?
                    }
                    "conclude" => {
                        let req = ConclusionRequest {
                            outcome: field(&fields, "outcome").to_string(),
                            reason: field(&fields, "reason").to_string(),
                            scope_zh: Some(field(&fields, "scope_zh").to_string()),
                            scope_en: Some(field(&fields, "scope_en").to_string()),
                            until: Some(field(&fields, "until").to_string()),
                        };
                        flow::conclude(conn, p, id, &req, &s, data_dir.clone(), address)?
                    }
                    _ => return Err(AppError::NotFound),
                }
                Ok(())
            })
            .await?;
        Ok(see_other(&format!("/surveillances/{id}")))
    };
    let asker = caller.clone();
    let again =
        async |form| render_detail(&state, caller, &visitor, &req, id, &fields, &form).await;
    let form = PageForm::new(&state.templates, &visitor, &req, &fields);
    if action == "conclude" {
        let catalog = crate::web::render::catalog(visitor.lang);
        let outcome = catalog
            .get(&format!(
                "surveillances.outcome.{}",
                field(&fields, "outcome")
            ))
            .cloned()
            .unwrap_or_default();
        let ask = async {
            let view = detail_of(&state, asker, id).await?;
            Ok(Question::new(
                "confirm.surveillance_conclusion.title",
                "confirm.surveillance_conclusion.question",
                vec![("number", view.certificate_number), ("outcome", outcome)],
                format!("/surveillances/{id}"),
            ))
        };
        form.confirm_then(ask, act, None, again).await
    } else {
        form.act_then(act, None, again).await
    }
}
