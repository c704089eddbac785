//! Assessor registry, panels, scoring, clarifications and review: API and pages
//! (feature: panels). Thin: parse, call the use case, render what it returns.

pub mod assignment;
pub mod clarifications;
pub mod registry;
pub mod review;
pub mod scoring;

use actix_web::{web, HttpResponse};
use chrono::Utc;

use crate::domain::access::{Access, Role};

pub const ASSESSOR: Access = Access::AnyOf(&[Role::Assessor]);
pub const REVIEWER: Access = Access::AnyOf(&[Role::Reviewer]);
/// The review page: its members vote there, the secretariat reads it.
pub const REVIEWER_OR_SECRETARIAT: Access = Access::AnyOf(&[Role::Reviewer, Role::Secretariat]);

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// A page form's fields in order; repeated names (`seat_…`, `evidence`) are kept.
type FormFields = web::Form<Vec<(String, String)>>;

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn back_to(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, path.to_string()))
        .finish()
}
