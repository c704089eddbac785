//! Who is asking: resolved once per request from the session cookie (pages) or the
//! bearer token (API), and kept in the request's extensions.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::AppState;
use crate::auth::{new_token, token_hash};
use crate::domain::access::Principal;
use crate::domain::i18n::Lang;
use crate::error::AppError;
use crate::workflow::callers;

#[derive(Debug, Clone)]
pub enum Credential {
    /// A page session; state changes need its CSRF token.
    Session {
        token_hash: String,
        csrf_token: String,
    },
    Bearer {
        token_hash: String,
    },
}

#[derive(Debug, Clone)]
pub struct Visitor {
    pub principal: Option<Principal>,
    pub credential: Option<Credential>,
    pub lang: Lang,
    /// The token forms must echo: the session's when signed in, else the pre-session
    /// cookie's (which protects the login form itself).
    pub csrf_token: String,
    /// Set when the pre-session CSRF cookie must be sent with the response.
    pub new_csrf_cookie: bool,
    pub address: String,
}

impl Visitor {
    /// The signed-in principal, or `SignInRequired` for an anonymous visitor.
    pub fn signed_in(&self) -> Result<Principal, AppError> {
        self.principal.clone().ok_or(AppError::SignInRequired)
    }

    pub fn is_api(req: &HttpRequest) -> bool {
        req.path().starts_with("/api/")
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = std::future::Ready<Result<Visitor, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<Visitor>()
                .cloned()
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("visitor middleware missing"))),
        )
    }
}

/// The client's address: the socket's peer, or behind a trusted load balancer
/// (`trusted_proxies`) the address it passed on in `X-Forwarded-For`
/// (`domain::client_address` has the rule).
pub fn client_address(req: &HttpRequest, trusted: &[std::net::IpAddr]) -> String {
    let Some(peer) = req.peer_addr() else {
        return "unknown".into();
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    crate::domain::client_address::client_address(peer.ip(), &forwarded, trusted).to_string()
}

pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("state is registered")
        .clone();
    let http = req.request().clone();
    let api = Visitor::is_api(&http);

    // Pages authenticate by cookie, the API by bearer token only: a browser's cookies
    // never authorise an API call, so the API needs no CSRF defence.
    let bearer = http
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| token_hash(t.trim()));
    let session = http
        .cookie(state.session_cookie_name())
        .map(|c| token_hash(c.value()));

    let lookup = match (api, bearer, session) {
        (true, Some(hash), _) => Some(Credential::Bearer { token_hash: hash }),
        (false, _, Some(hash)) => Some(Credential::Session {
            token_hash: hash,
            csrf_token: String::new(),
        }),
        _ => None,
    };

    let (principal, credential, session_lang) = match lookup {
        None => (None, None, None),
        Some(cred) => {
            let key = match &cred {
                Credential::Bearer { token_hash } => callers::Credential::Token(token_hash.clone()),
                Credential::Session { token_hash, .. } => {
                    callers::Credential::Session(token_hash.clone())
                }
            };
            let now = chrono::Utc::now().naive_utc();
            // Remembered callers answer without leaving this thread; otherwise one query
            // reads the credential, its enabled user and their roles (`workflow::callers`).
            let found = match state.callers.remembered(&key, now) {
                Some(caller) => Ok(Some(caller)),
                None => {
                    let cache = state.callers.clone();
                    state
                        .db(move |conn| Ok(callers::caller(conn, &cache, &key, now)?))
                        .await
                }
            };
            match found {
                Ok(Some(caller)) => match (cred, caller.session) {
                    (Credential::Bearer { token_hash }, _) => (
                        Some(caller.principal),
                        Some(Credential::Bearer { token_hash }),
                        None,
                    ),
                    (Credential::Session { token_hash, .. }, Some(session)) => (
                        Some(caller.principal),
                        Some(Credential::Session {
                            token_hash,
                            csrf_token: session.csrf_token,
                        }),
                        Lang::parse(&session.lang),
                    ),
                    (Credential::Session { .. }, None) => (None, None, None),
                },
                Ok(None) => (None, None, None),
                Err(e) => return Ok(req.error_response(e).map_into_right_body()),
            }
        }
    };

    let lang = session_lang
        .or_else(|| http.cookie("lang").and_then(|c| Lang::parse(c.value())))
        .unwrap_or_else(|| {
            let header = http
                .headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Lang::from_accept_language(header)
        });

    let (csrf_token, new_csrf_cookie) = match &credential {
        Some(Credential::Session { csrf_token, .. }) => (csrf_token.clone(), false),
        _ => match http.cookie(state.csrf_cookie_name()) {
            Some(c) if c.value().len() >= 32 => (c.value().to_string(), false),
            _ => (new_token(), !api),
        },
    };

    if let Some(p) = &principal {
        tracing::Span::current().record("user_id", tracing::field::display(p.user_id));
    }

    let visitor = Visitor {
        principal,
        credential,
        lang,
        csrf_token: csrf_token.clone(),
        new_csrf_cookie,
        address: client_address(&http, &state.config.operations.trusted_proxies),
    };
    // Routing needs the only reference to the request: no clone may outlive this point.
    drop(http);
    req.extensions_mut().insert(visitor);
    let mut res = next.call(req).await?;
    if new_csrf_cookie {
        let cookie = state.cookie(state.csrf_cookie_name(), csrf_token);
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res.map_into_left_body())
}
