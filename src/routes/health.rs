use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::web::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok"; "degraded" when the database answers but storage is in trouble (see
    /// `storage`); "unavailable" when the database does not answer.
    status: &'static str,
    version: &'static str,
    /// "sqlite" or "postgres"
    database: &'static str,
    /// Newest migration applied, when the database answers.
    migration: Option<String>,
    /// The data dir's storage: free space against the configured floor, and a test write.
    storage: StorageHealth,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StorageHealth {
    /// "ok", "low" (free space under `floor_bytes`) or "unwritable" (a test write in the
    /// data dir failed).
    status: &'static str,
    /// Bytes still free for the service on the data dir's file system, when known.
    free_bytes: Option<u64>,
    /// The configured floor (`storage_floor_mb`).
    floor_bytes: u64,
}

/// Liveness and readiness in one: 503 when the database does not answer; 200 with
/// `degraded` when storage is low or not writable (pages and downloads still work, new
/// uploads may not).
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
    let data_dir = state.config.data_dir.clone();
    let floor_bytes = state.config.operations.storage_floor_bytes;
    let room = web::block(move || crate::storage::room(&data_dir))
        .await
        .unwrap_or(crate::storage::Room {
            free_bytes: None,
            writable: false,
        });
    let storage = StorageHealth {
        status: if !room.writable {
            "unwritable"
        } else if room.free_bytes.is_some_and(|free| free < floor_bytes) {
            "low"
        } else {
            "ok"
        },
        free_bytes: room.free_bytes,
        floor_bytes,
    };
    let body = Health {
        status: match (migration.is_some(), storage.status) {
            (false, _) => "unavailable",
            (true, "ok") => "ok",
            (true, _) => "degraded",
        },
        version: env!("CARGO_PKG_VERSION"),
        database: state.backend.as_str(),
        migration: migration.flatten(),
        storage,
    };
    if body.status == "unavailable" {
        HttpResponse::ServiceUnavailable().json(body)
    } else {
        HttpResponse::Ok().json(body)
    }
}
