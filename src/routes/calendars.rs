//! Public-holiday calendars: the years kept (pages and API), a year as a month grid with
//! a form to add or remove a day, and the API that replaces a year (secretariat).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::audit::Actor;
use crate::domain::calendar::{CalendarDay, DayEntry};
use crate::domain::catalog::Bilingual;
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page, page_with_form, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::calendars::{self, CalendarsView, DayChange, DayView, YearView};

pub async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let view = state.db(|conn| Ok(calendars::overview(conn)?)).await?;
    page(
        &state.templates,
        "pages/calendars/list.html",
        &with(base_context(&visitor, req.path()), "calendars", &view),
    )
}

async fn render_year(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    year: i32,
    form: FormState,
) -> Result<HttpResponse, AppError> {
    let view = state
        .db(move |conn| Ok(calendars::year(conn, year)?))
        .await?;
    let ctx = with(base_context(visitor, req.path()), "calendar", &view);
    let ctx = with(ctx, "months", &view.months);
    page_with_form(&state.templates, "pages/calendars/year.html", ctx, &form)
}

pub async fn year_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    render_year(
        &state,
        &visitor,
        &req,
        path.into_inner(),
        FormState::default(),
    )
    .await
}

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

/// The year page's form: `date`, `kind` (closed / workday / remove) and for a closed day
/// its names. A refusal shows the page again with the form as typed.
pub async fn day_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<i32>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let year = path.into_inner();
    let fields = form.into_inner();
    let text = field(&fields, "date");
    let parsed: Result<DayChange, (AppError, &str)> = match text.parse() {
        Err(_) => Err((
            AppError::invalid(Code::CalendarFormDate.with("found", text)),
            "date",
        )),
        Ok(date) => match field(&fields, "kind") {
            "closed" => Ok(DayChange::Put(CalendarDay {
                date,
                entry: DayEntry::Closed(Bilingual {
                    zh: field(&fields, "name_zh").into(),
                    en: field(&fields, "name_en").into(),
                }),
            })),
            "workday" => Ok(DayChange::Put(CalendarDay {
                date,
                entry: DayEntry::MakeupWorkday,
            })),
            "remove" => Ok(DayChange::Remove(date)),
            _ => Err((AppError::invalid(Code::CalendarFormKind), "kind")),
        },
    };
    let outcome = match parsed {
        Err((e, name)) => Err((e, Some(name))),
        Ok(change) => {
            let actor = Actor::user(caller.principal.user_id, &caller.address);
            state
                .db(move |conn| Ok(calendars::change_day(conn, year, change, &actor)?))
                .await
                .map_err(|e| (e, Some("date")))
        }
    };
    match outcome {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/calendars/{year}")))
            .finish()),
        Err((e, name)) => {
            let form = FormState::refused(&fields, e, visitor.lang, name)?;
            render_year(&state, &visitor, &req, year, form).await
        }
    }
}

/// The kept years, and the years rounds need that have no calendar.
#[utoipa::path(get, path = "/api/v1/calendars", responses((status = 200, body = CalendarsView)), security(("bearer" = [])))]
pub async fn list_api(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let view = state.db(|conn| Ok(calendars::overview(conn)?)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One year's closed days and make-up working days; `kept` is false for a year without a
/// calendar (only weekends are known).
#[utoipa::path(get, path = "/api/v1/calendars/{year}", params(("year" = i32, Path)), responses((status = 200, body = YearView), (status = 404)), security(("bearer" = [])))]
pub async fn year_api(
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let year = path.into_inner();
    let view = state
        .db(move |conn| Ok(calendars::year(conn, year)?))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct YearRequest {
    /// The notice the days copy; kept as it was when absent.
    source: Option<String>,
    days: Vec<DayView>,
}

/// Replaces a year's days (secretariat), checked as a calendar file is.
#[utoipa::path(put, path = "/api/v1/calendars/{year}", params(("year" = i32, Path)), request_body = YearRequest,
    responses((status = 200, body = YearView), (status = 422, description = "a day breaks a calendar rule")),
    security(("bearer" = [])))]
pub async fn replace_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i32>,
    body: web::Json<YearRequest>,
) -> Result<HttpResponse, AppError> {
    let year = path.into_inner();
    let b = body.into_inner();
    let days = b
        .days
        .into_iter()
        .map(DayView::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    let view = state
        .db(move |conn| {
            calendars::replace(conn, year, b.source.as_deref(), days, &actor)?;
            Ok(calendars::year(conn, year)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
