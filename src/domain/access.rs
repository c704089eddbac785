//! Who may do what. Every route names its [`Access`] in the one route table
//! (`routes::endpoints`); anything not granted here is denied.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::domain::ids::UserId;
use crate::refusal::Refusal;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Programme administrators of the certification body.
    Secretariat,
    /// A member of one applying enterprise.
    Enterprise,
    Assessor,
    /// A member of a round's review panel.
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Secretariat,
        Role::Enterprise,
        Role::Assessor,
        Role::Reviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Secretariat => "secretariat",
            Role::Enterprise => "enterprise",
            Role::Assessor => "assessor",
            Role::Reviewer => "reviewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role '{s}' (secretariat, enterprise, assessor, reviewer)")
            })
    }
}

/// A signed-in person and the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// The access rule of one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: landing page, login, verification, health.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// Signed-in people holding at least one of these roles.
    AnyOf(&'static [Role]),
    /// The monitoring system scraping `/metrics`: not a person, so no role grants it. The
    /// access guard lets it in by the configured metrics token, or, when none is
    /// configured, from a loopback peer that came through no proxy; [`decide`] alone denies.
    Scraper,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in: 401 (API) or a redirect to the login page.
    SignInRequired,
    /// Signed in without a needed role: 403.
    Forbidden,
}

pub fn decide(access: Access, who: Option<&Principal>) -> Decision {
    match (access, who) {
        (Access::Public, _) => Decision::Allow,
        (Access::Scraper, _) => Decision::Forbidden,
        (_, None) => Decision::SignInRequired,
        (Access::SignedIn, Some(_)) => Decision::Allow,
        (Access::AnyOf(roles), Some(p)) => {
            if roles.iter().any(|r| p.has(*r)) {
                Decision::Allow
            } else {
                Decision::Forbidden
            }
        }
    }
}

/// Someone's standing on one application (a panel seat, a view of its scores), checked
/// once the application is found. Whoever has none (an assessor not on its panel, a
/// reviewer not on the round's review panel, another enterprise) is answered exactly as
/// an id that names nothing: an application's existence is not disclosed to outsiders,
/// so ids cannot be probed. Every application-scoped use case asks here.
pub fn as_party<T>(standing: Option<T>) -> Result<T, Refusal> {
    standing.ok_or(Refusal::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn person(roles: &[Role]) -> Principal {
        Principal {
            user_id: UserId::new(),
            email: "zhang.zhe@example.cn".into(),
            display_name: "张喆".into(),
            roles: roles.iter().copied().collect(),
        }
    }

    #[test]
    fn anonymous_visitors_only_reach_public_routes() {
        assert_eq!(decide(Access::Public, None), Decision::Allow);
        assert_eq!(decide(Access::Scraper, None), Decision::Forbidden);
        assert_eq!(decide(Access::SignedIn, None), Decision::SignInRequired);
        assert_eq!(
            decide(Access::AnyOf(&[Role::Secretariat]), None),
            Decision::SignInRequired
        );
    }

    #[test]
    fn a_person_with_several_roles_gets_the_union() {
        let both = person(&[Role::Assessor, Role::Reviewer]);
        assert_eq!(
            decide(Access::AnyOf(&[Role::Reviewer]), Some(&both)),
            Decision::Allow
        );
        assert_eq!(
            decide(Access::AnyOf(&[Role::Secretariat]), Some(&both)),
            Decision::Forbidden
        );
    }

    proptest! {
        #[test]
        fn allowed_exactly_when_a_role_matches(held in proptest::bits::u8::between(0, 4), needed in proptest::bits::u8::between(0, 4)) {
            let pick = |bits: u8| Role::ALL.into_iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, r)| r).collect::<Vec<_>>();
            let held_roles = pick(held);
            let needed_roles: &'static [Role] = Box::leak(pick(needed).into_boxed_slice());
            let p = person(&held_roles);
            let allowed = decide(Access::AnyOf(needed_roles), Some(&p)) == Decision::Allow;
            prop_assert_eq!(allowed, held & needed != 0);
        }
    }

    #[test]
    fn an_outsider_is_answered_as_for_an_unknown_application() {
        /// What an application-scoped use case answers when the id names nothing.
        fn unknown() -> Refusal {
            Refusal::NotFound
        }
        let outsider = as_party::<bool>(None).unwrap_err();
        assert_eq!(outsider.to_string(), unknown().to_string());
        assert!(matches!(outsider, Refusal::NotFound));
        assert!(matches!(as_party(Some(true)), Ok(true)));
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
