//! Bearer tokens for the API.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::account::Password;
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::visitor::{Credential, Visitor};
use crate::web::AppState;
use crate::workflow::sessions;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`; shown once, stored only as a hash.
    token: String,
    token_type: &'static str,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Exchanges e-mail and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 422, description = "wrong e-mail or password, or locked"),
        (status = 503, description = "too many sign-ins at once: try again after `Retry-After` seconds")))]
pub async fn login(
    state: web::Data<AppState>,
    visitor: Visitor,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let address = visitor.address.clone();
    let hours = state.config.api_token_hours;
    let attempt = state
        .db(move |conn| {
            Ok(sessions::begin_sign_in(
                conn,
                &body.email,
                &address,
                chrono::Utc::now(),
            )?)
        })
        .await?;
    let password_ok = state
        .verify_password(Password::attempt(&body.password), attempt.stored_hash())
        .await?;
    let (token, expires_at) = state
        .db(move |conn| {
            let user = sessions::finish_sign_in(conn, &attempt, password_ok)?;
            Ok(sessions::issue_api_token(conn, user, hours)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        token,
        token_type: "Bearer",
        expires_at,
    }))
}

/// Revokes the token used for this request.
#[utoipa::path(delete, path = "/api/v1/auth/token", responses((status = 204), (status = 401)),
    security(("bearer" = [])))]
pub async fn revoke(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let Some(Credential::Bearer { token_hash }) = visitor.credential else {
        return Err(AppError::SignInRequired);
    };
    state
        .db(move |conn| Ok(sessions::revoke_api_token(conn, &token_hash)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: String,
    display_name: String,
    roles: Vec<String>,
}

/// The signed-in person and their roles.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401)), security(("bearer" = [])))]
pub async fn me(caller: Caller) -> Result<HttpResponse, AppError> {
    let p = caller.principal;
    Ok(HttpResponse::Ok().json(Me {
        id: p.user_id.to_string(),
        display_name: p.display_name,
        roles: p.roles.iter().map(|r| r.to_string()).collect(),
    }))
}
