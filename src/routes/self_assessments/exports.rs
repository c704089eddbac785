//! The roadmap as CSV and PDF.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::load;
use crate::domain::access::Principal;
use crate::domain::catalog::Bilingual;
use crate::domain::ids::SelfAssessmentId;
use crate::domain::self_assessment::roadmap_csv;
use crate::error::AppError;
use crate::pdf::Fonts;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::render::csv_attachment;
use crate::web::AppState;
use crate::workflow::certificates::pdf_refusal;
use crate::workflow::queries;
use crate::workflow::self_assessments::Loaded;

async fn roadmap_of(
    state: &AppState,
    who: Principal,
    id: SelfAssessmentId,
) -> Result<Loaded, AppError> {
    let loaded = load(state, who, id).await?;
    if loaded.roadmap.is_none() {
        return Err(AppError::conflict(Code::SelfAssessmentTargetsFirst));
    }
    Ok(loaded)
}

pub async fn roadmap_csv_export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
) -> Result<HttpResponse, AppError> {
    let loaded = roadmap_of(&state, caller.principal, path.into_inner()).await?;
    let roadmap = loaded.roadmap.as_ref().expect("checked");
    let csv = roadmap_csv(roadmap, caller.lang);
    Ok(csv_attachment("devsecops-roadmap.csv", &csv))
}

/// Fonts for PDF reports (see [`crate::pdf::shared_fonts`]).
fn fonts() -> Result<&'static Fonts, AppError> {
    crate::pdf::shared_fonts().map_err(|e| AppError::internal(anyhow::anyhow!("fonts: {e}")))
}

pub async fn roadmap_pdf_export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
) -> Result<HttpResponse, AppError> {
    let loaded = roadmap_of(&state, caller.principal, path.into_inner()).await?;
    let enterprise_id = loaded.row.enterprise_id;
    let ent = state
        .db(move |conn| queries::enterprises::get(conn, enterprise_id)?.ok_or(AppError::NotFound))
        .await?;
    let name = Bilingual {
        zh: ent.name_zh.clone(),
        en: ent.name_en.clone().unwrap_or(ent.name_zh),
    };
    let pdf = web::block(move || -> Result<Vec<u8>, AppError> {
        let fonts = fonts()?;
        crate::pdf::report::render_roadmap(&loaded.report(), &name, fonts)
            .map_err(|e| AppError::invalid(pdf_refusal(e, Code::RoadmapUnprintable)))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"devsecops-roadmap.pdf\"",
        ))
        .body(pdf))
}
