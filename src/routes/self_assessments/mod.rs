//! DevSecOps self-assessment: questionnaire, results with radar charts, targets and the
//! quarterly roadmap (pages, API, CSV and PDF exports). Enterprise members only; another
//! enterprise's assessment answers 404.

pub mod exports;
pub mod questionnaire;
pub mod results;
pub mod roadmap;
pub mod targets;

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::domain::access::Principal;
use crate::domain::ids::SelfAssessmentId;
use crate::error::AppError;
use crate::web::AppState;
use crate::workflow::self_assessments::{self as flow, Loaded};

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

async fn load(state: &AppState, who: Principal, id: SelfAssessmentId) -> Result<Loaded, AppError> {
    state.db(move |conn| Ok(flow::load(conn, &who, id)?)).await
}
