//! Programme reports (secretariat): per round (`?round=<id>`) or across rounds. The page,
//! the JSON, the CSV and the XLSX are views of one built report, so their figures agree;
//! every one of them is behind the same secretariat rule in the route table.

use std::convert::Infallible;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::i18n::Lang;
use crate::domain::ids::Named;
use crate::domain::report::{bar_svg, csv_table, figure, to_xlsx, Report};
use crate::error::AppError;
use crate::web::compress::KeptPart;
use crate::web::render::{base_context, page_around, UTF8_BOM};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::{queries, reports};

#[derive(Deserialize)]
pub struct Scope {
    round: Option<String>,
}

/// The report of the scope, from the cache while nothing it reads has changed.
async fn build(state: &AppState, scope: Scope) -> Result<Arc<Report>, AppError> {
    // An empty choice is the across-rounds report; any other text names a round or
    // nothing.
    let round = scope
        .round
        .filter(|r| !r.is_empty())
        .map(|r| Named::parse(&r));
    let today = chrono::Utc::now().date_naive();
    let cache = state.reports.clone();
    state
        .db(move |conn| Ok(reports::cached_report(conn, &cache, round, today)?))
        .await
}

#[derive(Serialize)]
struct TableView {
    key: &'static str,
    title: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    chart: String,
}

#[derive(Serialize)]
struct RoundLink {
    id: String,
    name: String,
}

pub async fn page_view(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<Scope>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let scope = query.into_inner();
    let selected = scope.round.clone().unwrap_or_default();
    let report = build(&state, scope).await?;
    let rounds = state.db(|conn| Ok(queries::rounds::all(conn)?)).await?;
    // The tables and charts only change with the report: rendered once per built report.
    let tables = state
        .report_pages
        .get_or_render((selected.clone(), lang), &report, || {
            tables_part(&state.templates, &report, lang)
        })?;
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("applications", &report.applications);
    ctx.insert("selected", &selected);
    ctx.insert(
        "rounds",
        &rounds
            .into_iter()
            .map(|r| RoundLink {
                id: r.id.to_string(),
                name: if lang == Lang::En {
                    r.name_en
                } else {
                    r.name_zh
                },
            })
            .collect::<Vec<_>>(),
    );
    page_around(
        &state.templates,
        "pages/reports/index.html",
        ctx,
        &tables,
        &req,
    )
}

/// The report's tables with their charts, in `lang`, compressed once.
fn tables_part(tera: &tera::Tera, report: &Report, lang: Lang) -> Result<KeptPart, AppError> {
    let tables: Vec<TableView> = report
        .tables
        .iter()
        .map(|t| {
            // The chart shows the column that sums a row up: the total, the mean days,
            // the items spread by 2 or more, the mean level.
            let column = match t.key {
                "by_part_status" => t.columns.len() - 1,
                "durations" => 1,
                "score_spread" => 7,
                "achieved_levels" | "domain_levels" => t.columns.len() - 1,
                _ => 0,
            };
            TableView {
                key: t.key,
                title: t.title.get(lang).to_string(),
                columns: t.columns.iter().map(|c| c.get(lang).to_string()).collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| {
                        (
                            r.label.get(lang).to_string(),
                            r.values.iter().map(|v| figure(*v)).collect(),
                        )
                    })
                    .collect(),
                chart: if t.rows.is_empty() {
                    String::new()
                } else {
                    bar_svg(t, column, lang)
                },
            }
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("lang", lang.code());
    ctx.insert("tables", &tables);
    let html = tera
        .render("pages/reports/tables.html", &ctx)
        .map_err(|e| AppError::internal(anyhow::anyhow!("report tables: {e:?}")))?;
    Ok(KeptPart::new(html))
}

#[utoipa::path(get, path = "/api/v1/reports", params(("round" = Option<String>, Query, description = "a round id; all rounds without it")), responses((status = 200, description = "the report's tables"), (status = 404)), security(("bearer" = [])))]
/// The report as JSON: every table with its bilingual labels and numeric values.
pub async fn api(
    state: web::Data<AppState>,
    query: web::Query<Scope>,
) -> Result<HttpResponse, AppError> {
    let report = build(&state, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(&*report))
}

/// The CSV, streamed (chunked) a table at a time from the built report, after the byte
/// order mark Excel needs to read UTF-8.
pub async fn csv_export(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<Scope>,
) -> Result<HttpResponse, AppError> {
    let report = build(&state, query.into_inner()).await?;
    let lang = visitor.lang;
    let tables = (0..report.tables.len())
        .map(move |k| Ok::<_, Infallible>(Bytes::from(csv_table(&report, k, lang))));
    let body = std::iter::once(Ok(Bytes::from_static(UTF8_BOM.as_bytes()))).chain(tables);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"programme-report.csv\"",
        ))
        .streaming(futures_util::stream::iter(body)))
}

pub async fn xlsx_export(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<Scope>,
) -> Result<HttpResponse, AppError> {
    let report = build(&state, query.into_inner()).await?;
    let lang = visitor.lang;
    // The workbook is the report's tables (a row per part, level or assessor, not per
    // application), built from the cached report off the workers.
    let bytes = web::block(move || to_xlsx(&report, lang))
        .await?
        .map_err(|e| AppError::internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"programme-report.xlsx\"",
        ))
        .body(bytes))
}
