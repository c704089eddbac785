use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::web::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok" or "unavailable"
    status: &'static str,
    version: &'static str,
    /// "sqlite" or "postgres"
    database: &'static str,
    /// Newest migration applied, when the database answers.
    migration: Option<String>,
}

/// Liveness and readiness in one: 503 when the database does not answer.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let probe = web::block(move || -> anyhow::Result<Option<String>> {
        let mut conn = pool.get_timeout(Duration::from_secs(2))?;
        crate::db::migration_version(&mut conn)
    })
    .await;
    let migration = match probe {
        Ok(Ok(v)) => Some(v),
        _ => None,
    };
    let body = Health {
        status: if migration.is_some() {
            "ok"
        } else {
            "unavailable"
        },
        version: env!("CARGO_PKG_VERSION"),
        database: state.backend.as_str(),
        migration: migration.flatten(),
    };
    if body.status == "ok" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
