use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;

pub async fn landing(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    page(
        &state.templates,
        "pages/home.html",
        &base_context(&visitor, req.path()),
    )
}
