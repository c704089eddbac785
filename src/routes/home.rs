//! The home page: the programme's steps for an anonymous visitor, the task list (what to
//! do next, per role) for a signed-in one; the task list as JSON too.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use chrono_tz::Asia::Shanghai;

use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page, with};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries::tasks::{self, TaskList};

/// The programme runs on Beijing time: a certificate expires on a Beijing date.
async fn task_list(state: &AppState, caller: Caller) -> Result<TaskList, AppError> {
    let today = Utc::now().with_timezone(&Shanghai).date_naive();
    state
        .db(move |conn| Ok(tasks::for_person(conn, &caller.principal, today)?))
        .await
}

pub async fn landing(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let ctx = base_context(&visitor, req.path());
    if visitor.principal.is_none() {
        return page(&state.templates, "pages/home.html", &ctx);
    }
    let list = task_list(&state, Caller::from_visitor(&visitor)?).await?;
    page(
        &state.templates,
        "pages/tasks.html",
        &with(ctx, "sections", &list.sections),
    )
}

/// What the caller has to do next: one section per role they hold, each task with its
/// count and the page where it is done.
#[utoipa::path(get, path = "/api/v1/tasks", responses((status = 200, body = TaskList)), security(("bearer" = [])))]
pub async fn tasks_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(task_list(&state, caller).await?))
}
