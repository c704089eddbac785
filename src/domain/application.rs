//! Applications for one part: what an application needs before it can be submitted,
//! and who may see one.

use std::collections::BTreeSet;

use super::access::{Principal, Role};
use super::catalog::{Model, Part};
use crate::domain::ids::EnterpriseId;

/// What an enterprise asks for, checked against the round's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRequest {
    pub part_code: String,
    pub target_level: u8,
    pub scope: String,
    pub contact_name: String,
    pub contact_email: String,
}

/// Why an application request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefusal {
    #[error("part '{part}' is not open in this round (open: {})", open.join(", "))]
    PartNotOpen { part: String, open: Vec<String> },
    #[error("the target level must be 1 to {max}, not {given}")]
    TargetOutOfRange { max: i64, given: i64 },
    #[error("describe the scope: the systems or business lines to be assessed")]
    ScopeMissing,
    #[error("the scope is longer than 2,000 characters")]
    ScopeTooLong,
    #[error("the English scope is longer than 2,000 characters")]
    ScopeEnTooLong,
    #[error("contact: {0}")]
    Contact(super::account::AccountInputError),
}

/// The most characters a scope may have, in either language.
pub const SCOPE_MAX_CHARS: usize = 2000;

/// The optional English scope: blank means none, so that the certificate prints the
/// Chinese scope alone rather than under an English label.
pub fn check_scope_en(scope_en: Option<&str>) -> Result<Option<String>, RequestRefusal> {
    let Some(text) = scope_en.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > SCOPE_MAX_CHARS {
        return Err(RequestRefusal::ScopeEnTooLong);
    }
    Ok(Some(text.to_string()))
}

pub fn check_request(
    model: &Model,
    open_parts: &[String],
    part_code: &str,
    target_level: i64,
    scope: &str,
    contact_name: &str,
    contact_email: &str,
) -> Result<ApplicationRequest, RequestRefusal> {
    if model.part(part_code).is_none() || !open_parts.iter().any(|p| p == part_code) {
        return Err(RequestRefusal::PartNotOpen {
            part: part_code.to_owned(),
            open: open_parts.to_vec(),
        });
    }
    let max = model.levels.len() as i64;
    if !(1..=max).contains(&target_level) {
        return Err(RequestRefusal::TargetOutOfRange {
            max,
            given: target_level,
        });
    }
    let scope = scope.trim();
    if scope.is_empty() {
        return Err(RequestRefusal::ScopeMissing);
    }
    if scope.chars().count() > SCOPE_MAX_CHARS {
        return Err(RequestRefusal::ScopeTooLong);
    }
    let contact_name =
        super::account::DisplayName::parse(contact_name).map_err(RequestRefusal::Contact)?;
    let contact_email =
        super::account::Email::parse(contact_email).map_err(RequestRefusal::Contact)?;
    Ok(ApplicationRequest {
        part_code: part_code.to_string(),
        target_level: target_level as u8,
        scope: scope.to_string(),
        contact_name: contact_name.as_str().to_string(),
        contact_email: contact_email.as_str().to_string(),
    })
}

/// The capability items of a part that still lack both evidence and a "not applicable"
/// declaration. Every item of the part counts, whatever the target level: each item has
/// criteria at every level, so the panel needs to see each one.
pub fn missing_evidence(
    part: &Part,
    with_evidence: &BTreeSet<String>,
    not_applicable: &BTreeSet<String>,
) -> Vec<String> {
    part.domains
        .iter()
        .flat_map(|d| &d.items)
        .map(|i| &i.code)
        .filter(|c| !with_evidence.contains(*c) && !not_applicable.contains(*c))
        .cloned()
        .collect()
}

/// Who may see an application. The caller answers "not found" otherwise, exactly as
/// for an id that does not exist, so ids of other enterprises cannot be probed.
/// Panels and review members gain access with their assignment (a later rule here).
pub fn may_view(
    who: &Principal,
    application_enterprise: EnterpriseId,
    member_of: Option<EnterpriseId>,
) -> bool {
    who.has(Role::Secretariat)
        || (who.has(Role::Enterprise) && member_of == Some(application_enterprise))
}

/// Only members of the applying enterprise change its application's content.
pub fn may_edit(
    who: &Principal,
    application_enterprise: EnterpriseId,
    member_of: Option<EnterpriseId>,
) -> bool {
    who.has(Role::Enterprise) && member_of == Some(application_enterprise)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::parse_model;
    use crate::domain::ids::{EnterpriseId, UserId};

    fn model() -> Model {
        parse_model(
            "caict",
            include_str!("../../fixtures/models/caict-devops.toml"),
        )
        .unwrap()
    }

    #[test]
    fn requests_are_checked_against_the_round_and_model() {
        let m = model();
        let open = vec!["CD".to_string()];
        let ok = check_request(
            &m,
            &open,
            "CD",
            3,
            " 核心交易系统 ",
            "张喆",
            "zz@example.cn",
        )
        .unwrap();
        assert_eq!(ok.scope, "核心交易系统");
        assert!(
            check_request(&m, &open, "SEC", 3, "x", "张喆", "zz@example.cn")
                .unwrap_err()
                .to_string()
                .contains("not open")
        );
        assert!(
            check_request(&m, &open, "CD", 6, "x", "张喆", "zz@example.cn")
                .unwrap_err()
                .to_string()
                .contains("1 to 5")
        );
        assert!(check_request(&m, &open, "CD", 0, "x", "张喆", "zz@example.cn").is_err());
        assert!(
            check_request(&m, &open, "CD", 2, "  ", "张喆", "zz@example.cn")
                .unwrap_err()
                .to_string()
                .contains("scope")
        );
        assert!(check_request(&m, &open, "CD", 2, "x", "张喆", "not-mail")
            .unwrap_err()
            .to_string()
            .contains("contact"));
    }

    #[test]
    fn the_english_scope_is_optional_trimmed_and_bounded_like_the_chinese_one() {
        assert_eq!(check_scope_en(None), Ok(None));
        assert_eq!(check_scope_en(Some(" \t ")), Ok(None));
        assert_eq!(
            check_scope_en(Some(" Core trading systems ")),
            Ok(Some("Core trading systems".into()))
        );
        let longest = "é".repeat(SCOPE_MAX_CHARS);
        assert_eq!(check_scope_en(Some(&longest)), Ok(Some(longest.clone())));
        assert_eq!(
            check_scope_en(Some(&format!("{longest}e"))),
            Err(RequestRefusal::ScopeEnTooLong)
        );
    }

    #[test]
    fn every_item_needs_evidence_or_a_not_applicable_declaration() {
        let m = model();
        let part = m.part("CD").unwrap();
        let all: Vec<String> = part
            .domains
            .iter()
            .flat_map(|d| &d.items)
            .map(|i| i.code.clone())
            .collect();
        assert_eq!(
            missing_evidence(part, &BTreeSet::new(), &BTreeSet::new()),
            all
        );
        let mut evidence: BTreeSet<String> = all.iter().skip(1).cloned().collect();
        assert_eq!(
            missing_evidence(part, &evidence, &BTreeSet::new()),
            vec![all[0].clone()]
        );
        let exempt: BTreeSet<String> = [all[0].clone()].into();
        assert!(missing_evidence(part, &evidence, &exempt).is_empty());
        evidence.clear();
        assert_eq!(
            missing_evidence(part, &evidence, &exempt).len(),
            all.len() - 1
        );
    }

    #[test]
    fn only_the_enterprise_and_the_secretariat_see_an_application() {
        let person = |roles: &[Role]| Principal {
            user_id: UserId::new(),
            email: "x@example.cn".into(),
            display_name: "x".into(),
            roles: roles.iter().copied().collect(),
        };
        let (e1, e2) = (EnterpriseId::new(), EnterpriseId::new());
        let member = person(&[Role::Enterprise]);
        assert!(may_view(&member, e1, Some(e1)));
        assert!(!may_view(&member, e1, Some(e2)));
        assert!(!may_view(&member, e1, None));
        assert!(may_view(&person(&[Role::Secretariat]), e1, None));
        assert!(!may_view(&person(&[Role::Assessor]), e1, None));
        assert!(may_edit(&member, e1, Some(e1)));
        assert!(!may_edit(&person(&[Role::Secretariat]), e1, None));
    }
}
