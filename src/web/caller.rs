//! Who acts, for handlers that need a signed-in person: taken from the [`Visitor`]
//! that `identify` resolved, so it answers exactly as `visitor.signed_in()` would.

use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::visitor::Visitor;
use crate::domain::access::{Principal, Role};
use crate::domain::i18n::Lang;
use crate::error::AppError;

/// The signed-in person (with their roles), where they call from and their language.
/// Extracting it without a signed-in person is `SignInRequired` (401 or the sign-in
/// page); pages that also work signed out take a [`Visitor`] instead.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The client address, for the audit log.
    pub address: String,
    pub lang: Lang,
}

impl Caller {
    pub fn from_visitor(visitor: &Visitor) -> Result<Caller, AppError> {
        Ok(Caller {
            principal: visitor.signed_in()?,
            address: visitor.address.clone(),
            lang: visitor.lang,
        })
    }

    pub fn has(&self, role: Role) -> bool {
        self.principal.has(role)
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = std::future::Ready<Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(match req.extensions().get::<Visitor>() {
            Some(visitor) => Caller::from_visitor(visitor),
            None => Err(AppError::internal(anyhow::anyhow!(
                "visitor middleware missing"
            ))),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::ids::UserId;

    fn visitor(principal: Option<Principal>) -> Visitor {
        Visitor {
            principal,
            credential: None,
            lang: Lang::En,
            csrf_token: String::new(),
            new_csrf_cookie: false,
            address: "192.0.2.7".into(),
        }
    }

    #[test]
    fn an_anonymous_visitor_must_sign_in_first() {
        let refused = Caller::from_visitor(&visitor(None));
        assert!(matches!(refused, Err(AppError::SignInRequired)));
    }

    #[test]
    fn a_signed_in_visitor_calls_with_their_roles_address_and_language() {
        let principal = Principal {
            user_id: UserId::new(),
            email: "reviewer@example.com".into(),
            display_name: "Reviewer".into(),
            roles: BTreeSet::from([Role::Reviewer]),
        };
        let caller = Caller::from_visitor(&visitor(Some(principal.clone()))).expect("signed in");
        assert_eq!(caller.principal, principal);
        assert!(caller.has(Role::Reviewer) && !caller.has(Role::Secretariat));
        assert_eq!(
            (caller.address.as_str(), caller.lang),
            ("192.0.2.7", Lang::En)
        );
    }
}
