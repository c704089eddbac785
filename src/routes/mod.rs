//! The one route table: every route with its access rule. `startup` registers exactly
//! these, each wrapped in the access guard, so a route cannot exist without a rule.

pub mod api_auth;
pub mod assets;
pub mod health;
pub mod home;
pub mod models;
pub mod openapi;
pub mod session;

use actix_web::http::Method;
use actix_web::{web, Route};

use crate::domain::access::{Access, Role};

pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub route: fn() -> Route,
}

const SECRETARIAT: Access = Access::AnyOf(&[Role::Secretariat]);

macro_rules! endpoint {
    ($method:ident $path:literal, $access:expr, $handler:path) => {
        Endpoint {
            method: Method::$method,
            path: $path,
            access: $access,
            route: || web::method(Method::$method).to($handler),
        }
    };
}

pub fn endpoints() -> Vec<Endpoint> {
    use Access::{Public, SignedIn};
    vec![
        endpoint!(GET "/", Public, home::landing),
        endpoint!(GET "/healthz", Public, health::healthz),
        endpoint!(GET "/assets/app.css", Public, assets::stylesheet),
        endpoint!(GET "/login", Public, session::login_form),
        endpoint!(POST "/login", Public, session::login),
        endpoint!(POST "/logout", SignedIn, session::logout),
        endpoint!(POST "/lang", Public, session::switch_language),
        endpoint!(GET "/models", SignedIn, models::list_page),
        endpoint!(GET "/models/{id}", SignedIn, models::detail_page),
        endpoint!(GET "/admin/sign-ins", SECRETARIAT, session::sign_in_log_page),
        endpoint!(POST "/api/v1/auth/login", Public, api_auth::login),
        endpoint!(DELETE "/api/v1/auth/token", SignedIn, api_auth::revoke),
        endpoint!(GET "/api/v1/me", SignedIn, api_auth::me),
        endpoint!(GET "/api/v1/models", SignedIn, models::list_api),
        endpoint!(GET "/api/v1/models/{id}", SignedIn, models::detail_api),
        endpoint!(POST "/api/v1/models", SECRETARIAT, models::load_api),
        endpoint!(GET "/api/v1/openapi.json", Public, openapi::document),
    ]
}
