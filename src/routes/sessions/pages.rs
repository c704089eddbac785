//! Signing in and out of the pages, and the language switch.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::account::Password;
use crate::domain::i18n::Lang;
use crate::domain::redirect;
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::render::{base_context, page, refusal_text, with};
use crate::web::visitor::{Credential, Visitor};
use crate::web::AppState;
use crate::workflow::{queries, sessions};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site (`domain::redirect`), so the login page cannot redirect to
/// another site; anything else goes home.
fn safe_next(next: Option<&str>) -> String {
    next.and_then(redirect::local_path)
        .unwrap_or("/")
        .to_string()
}

pub async fn login_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = with(
        base_context(&visitor, req.path()),
        "next",
        &safe_next(query.next.as_deref()),
    );
    page(&state.templates, "pages/login.html", &ctx)
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let address = visitor.address.clone();
    let lang = visitor.lang.code().to_string();
    let hours = state.config.session_hours;
    let old_session = match &visitor.credential {
        Some(Credential::Session { token_hash, .. }) => Some(token_hash.clone()),
        _ => None,
    };
    let password = Password::attempt(&form.password);
    let email = form.email;
    let attempt = state
        .db(move |conn| {
            Ok(sessions::begin_sign_in(
                conn,
                &email,
                &address,
                chrono::Utc::now(),
            )?)
        })
        .await?;
    // Checked with no connection held: a page never waits for a sign-in's argon2.
    let password_ok = state
        .verify_password(password, attempt.stored_hash())
        .await?;
    let result = state
        .db(move |conn| {
            let user_id = sessions::finish_sign_in(conn, &attempt, password_ok)?;
            Ok(sessions::rotate(
                conn,
                old_session.as_deref(),
                user_id,
                &lang,
                hours,
            )?)
        })
        .await;
    match result {
        Ok(session) => {
            let cookie = state.cookie(state.session_cookie_name(), session.token);
            Ok(HttpResponse::SeeOther()
                .cookie(cookie)
                .insert_header((header::LOCATION, next))
                .finish())
        }
        Err(AppError::Refused {
            status: actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            reason,
        }) => {
            let mut ctx = base_context(&visitor, req.path());
            ctx.insert("error", &refusal_text(&reason, visitor.lang));
            ctx.insert("next", &next);
            let mut res = page(&state.templates, "pages/login.html", &ctx)?;
            *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if let (Some(Credential::Session { .. }), Some(p), Some(cookie)) = (
        &visitor.credential,
        &visitor.principal,
        req.cookie(state.session_cookie_name()),
    ) {
        let token = cookie.value().to_string();
        let user = p.clone();
        let address = visitor.address.clone();
        state
            .db(move |conn| Ok(sessions::end_session(conn, &token, &user, &address)?))
            .await?;
    }
    let mut gone = state.cookie(state.session_cookie_name(), String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/"))
        .finish())
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
}

pub async fn switch_language(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    form: web::Form<LangForm>,
) -> Result<HttpResponse, AppError> {
    let lang =
        Lang::parse(&form.lang).ok_or_else(|| AppError::bad_request(Code::LanguageUnknown))?;
    if let (Some(Credential::Session { token_hash, .. }), Some(p)) =
        (&visitor.credential, &visitor.principal)
    {
        let (hash, user) = (token_hash.clone(), p.user_id);
        state
            .db(move |conn| Ok(sessions::set_language(conn, &hash, user, lang)?))
            .await?;
    }
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.strip_prefix(state.config.base_url.as_str()))
        .map(|p| safe_next(Some(p)))
        .unwrap_or_else(|| "/".into());
    let mut cookie = state.cookie("lang", lang.code().to_string());
    cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, back))
        .finish())
}

#[derive(Deserialize)]
pub struct SignInLogQuery {
    email: Option<String>,
}

/// The secretariat's view of sign-in records for one account name.
pub async fn sign_in_log_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<SignInLogQuery>,
) -> Result<HttpResponse, AppError> {
    let email = query
        .email
        .clone()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let lookup = email.clone();
    let events = state
        .db(move |conn| Ok(queries::sessions::sign_in_events(conn, &lookup)?))
        .await?;
    let rows: Vec<_> = events
        .iter()
        .map(|e| {
            serde_json::json!({
                "at": e.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "kind": e.kind, "email": e.email, "address": e.address,
            })
        })
        .collect();
    let ctx = with(
        with(base_context(&visitor, req.path()), "events", &rows),
        "email",
        &email,
    );
    page(&state.templates, "pages/admin/sign_ins.html", &ctx)
}
