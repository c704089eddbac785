//! The round's review panel and its members' votes.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{back_to, field, FormFields};
use crate::domain::ids::{ApplicationId, RoundId};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::confirm::{self, Confirmation};
use crate::web::listing::{self, Links};
use crate::web::render::{base_context, page, page_with_form, refusal_text, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::review::{self, ReviewPanelRequest, VoteRequest};

/// Forms the round's review panel from experts of evaluated enterprises (secretariat).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/review-panel", params(("id" = uuid::Uuid, Path)), request_body = ReviewPanelRequest, responses((status = 201), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn review_panel_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
    body: web::Json<ReviewPanelRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let pid = state
        .db(move |conn| {
            Ok(review::form_panel(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": pid })))
}

/// A review member votes approve or return (with reasons); the vote that completes the
/// quorum decides, once.
#[utoipa::path(post, path = "/api/v1/applications/{id}/votes", params(("id" = uuid::Uuid, Path)), request_body = VoteRequest, responses((status = 200), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn vote_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<VoteRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let outcome = state
        .db(move |conn| {
            Ok(review::vote(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "decision": outcome })))
}

/// The review page of one application: the consolidated result per item, the tally,
/// the outcome once decided and one's own vote (review members; the secretariat reads).
pub async fn review_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    render(&state, caller, &visitor, &req, id, &FormState::default()).await
}

async fn render(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: ApplicationId,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let lang = caller.lang;
    let view = state
        .db(move |conn| Ok(review::review_page(conn, &caller.principal, id)?))
        .await?;
    let waiting = view.waiting.as_ref().map(|r| refusal_text(r, lang));
    let ctx = with(base_context(visitor, req.path()), "r", &view);
    let ctx = with(ctx, "application", &view.header);
    let ctx = with(ctx, "review_waiting", &waiting);
    page_with_form(&state.templates, "pages/panels/review.html", ctx, form)
}

/// A review member's vote from the review page: no choice is preselected, "return" needs
/// reasons, and the vote asks for confirmation. A refusal keeps what was typed.
pub async fn vote_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let back = format!("/applications/{id}/review");
    let approve = match field(&f, "vote") {
        Some("approve") => Ok(true),
        Some("return") => Ok(false),
        _ => Err(AppError::invalid(Code::VoteChoiceMissing)),
    };
    let reasons: Vec<String> = field(&f, "reasons")
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let approve = approve.and_then(|a| {
        if !a && reasons.is_empty() {
            Err(AppError::invalid(Code::ReturnReasonMissing))
        } else {
            Ok(a)
        }
    });
    let result = match approve {
        Ok(a) if !confirm::is_confirmed(&f) => {
            let who = caller.principal.clone();
            if let Err(e) = state
                .db(move |conn| Ok(review::check_vote(conn, &who, id)?))
                .await
            {
                let form = FormState::refused(&f, e, visitor.lang, Some("vote"))?;
                return render(&state, caller, &visitor, &req, id, &form).await;
            }
            let key = if a {
                "panels.confirm_approve_question"
            } else {
                "panels.confirm_return_question"
            };
            return confirm::page(
                &state.templates,
                &visitor,
                &req,
                Confirmation {
                    title_key: "panels.confirm_vote_title",
                    question_key: key,
                    args: vec![],
                    fields: &f,
                    back: &back,
                },
            );
        }
        Ok(approve) => {
            let request = VoteRequest { approve, reasons };
            let (who, address) = (caller.principal.clone(), caller.address.clone());
            state
                .db(move |conn| Ok(review::vote(conn, &who, id, &request, &address)?))
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back_to(&back)),
        Err(e) => {
            let form = FormState::refused(&f, e, visitor.lang, Some("vote"))?;
            render(&state, caller, &visitor, &req, id, &form).await
        }
    }
}

/// A review member's applications: votes pending first.
/// Which of a review member's applications their list shows, and where a page starts.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReviewListQuery {
    /// `all`: every application that reached review; otherwise those awaiting a vote.
    show: Option<String>,
    after: Option<String>,
    before: Option<String>,
    limit: Option<i64>,
}

/// A review member's list: first those awaiting their vote, `?show=all` every
/// application of their rounds that reached review, 50 a page.
pub async fn my_reviews_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<ReviewListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let all = listing::show_all(q.show.as_deref(), "awaiting")?;
    let window = listing::window(
        review::REVIEW_LIST,
        2,
        q.after.as_deref(),
        q.before.as_deref(),
        q.limit,
    )?;
    let rows = state
        .db(move |conn| Ok(review::my_reviews(conn, &caller.principal, !all, &window)?))
        .await?;
    let show = if all { "all" } else { "" };
    let links = Links::of(&rows, &[("show", show.to_string())]);
    let ctx = with(
        base_context(&visitor, req.path()),
        "applications",
        &rows.rows,
    );
    let ctx = with(ctx, "show_all", &all);
    let ctx = with(ctx, "pager_path", "/reviewer/applications");
    let ctx = with(ctx, "next_qs", &links.next_qs);
    let ctx = with(ctx, "prev_qs", &links.prev_qs);
    page(&state.templates, "pages/panels/reviews.html", &ctx)
}
