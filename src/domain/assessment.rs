//! The assessment rules around scores that are not about levels themselves: what a score
//! may name, which items a clarification reopens, who on a review panel recuses, and the
//! per-domain levels a certificate shows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::domain::catalog::Part;
use crate::domain::ids::OrganisationId;
use crate::domain::scoring::{
    derive_part_level, ConsolidatedItem, DefinedLevels, ItemLevel, Level,
};

/// What an assessor sends for one item, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ScoreInput {
    /// 0 to 5; omit (or null) with `not_applicable_reason` for an item that does not apply.
    pub level: Option<i64>,
    pub not_applicable_reason: Option<String>,
    #[serde(default)]
    pub comment: String,
    /// Evidence files of this application the score relies on.
    #[serde(default)]
    pub evidence_ids: Vec<String>,
}

/// A score that passed [`check_score`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedScore {
    pub level: ItemLevel,
    pub comment: String,
    pub evidence_ids: Vec<String>,
}

/// The levels an item has criteria for: 1 up to its last criterion.
pub fn defined_levels(part: &Part, item: &str) -> Option<DefinedLevels> {
    let i = part
        .domains
        .iter()
        .flat_map(|d| &d.items)
        .find(|i| i.code == item)?;
    let top = u8::try_from(i.criteria.len().clamp(1, 5)).ok()?;
    DefinedLevels::new(Level::new(1).ok()?, Level::new(top).ok()?)
}

/// Checks a score against the application: the item belongs to its part, the level is
/// within 0 and the target level, a not-applicable score says why, and every evidence
/// file named is one of this application's files for this item.
/// Why a score cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreRefusal {
    #[error("part {part} has no capability item '{item}'")]
    UnknownItem { part: String, item: String },
    #[error("give either a level or a not-applicable reason, not both")]
    LevelAndReason,
    #[error("a level is 0 to 5, not {0}")]
    LevelOutOfRange(i64),
    #[error(
        "level {level} is above the application's target level {target}: items are scored up to the target"
    )]
    AboveTarget { level: Level, target: Level },
    #[error("give a level (0 to 5) or say why the item is not applicable")]
    NoLevel,
    #[error("evidence file {evidence} is not evidence of item {item} of this application")]
    ForeignEvidence { evidence: String, item: String },
}

pub fn check_score(
    part: &Part,
    target: Level,
    item: &str,
    evidence_of_item: &BTreeSet<String>,
    input: &ScoreInput,
) -> Result<CheckedScore, ScoreRefusal> {
    if defined_levels(part, item).is_none() {
        return Err(ScoreRefusal::UnknownItem {
            part: part.code.clone(),
            item: item.to_owned(),
        });
    }
    let level = match (
        input.level,
        input.not_applicable_reason.as_deref().map(str::trim),
    ) {
        (Some(_), Some(r)) if !r.is_empty() => return Err(ScoreRefusal::LevelAndReason),
        (Some(l), _) => {
            let l = u8::try_from(l)
                .ok()
                .and_then(|l| Level::new(l).ok())
                .ok_or(ScoreRefusal::LevelOutOfRange(l))?;
            if l > target {
                return Err(ScoreRefusal::AboveTarget { level: l, target });
            }
            ItemLevel::Achieved(l)
        }
        (None, Some(r)) if !r.is_empty() => ItemLevel::NotApplicable {
            reason: r.to_string(),
        },
        (None, _) => return Err(ScoreRefusal::NoLevel),
    };
    let mut evidence_ids = Vec::new();
    for id in &input.evidence_ids {
        if !evidence_of_item.contains(id) {
            return Err(ScoreRefusal::ForeignEvidence {
                evidence: id.clone(),
                item: item.to_owned(),
            });
        }
        if !evidence_ids.contains(id) {
            evidence_ids.push(id.clone());
        }
    }
    Ok(CheckedScore {
        level,
        comment: input.comment.trim().to_string(),
        evidence_ids,
    })
}

/// A clarification request as far as reopening cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clarification {
    pub items: Vec<String>,
    pub deadline: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
}

/// Whether the enterprise may upload new evidence versions for `item` at `now`: some
/// clarification names it, is not answered yet and its deadline has not passed.
pub fn item_reopened(clarifications: &[Clarification], item: &str, now: NaiveDateTime) -> bool {
    clarifications
        .iter()
        .any(|c| c.answered_at.is_none() && now <= c.deadline && c.items.iter().any(|i| i == item))
}

/// Why a review-panel member does not see or vote on an application, if they do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recusal {
    OwnEnterprise,
    /// The member's enterprise and the applicant belong to the same group.
    SameGroup,
    DeclaredConflict {
        reason: String,
    },
}

/// A member recuses from their own enterprise's application, from one of a sister
/// company in the same group, and from one of an enterprise, group or organisation they
/// declared a conflict with. `group` is what the applicant is tied to through its group:
/// the group's id and its other enterprises (empty when it belongs to none).
pub fn recusal(
    member_enterprise: OrganisationId,
    declared: &[(OrganisationId, String)],
    applicant: OrganisationId,
    group: &[OrganisationId],
) -> Option<Recusal> {
    if member_enterprise == applicant {
        return Some(Recusal::OwnEnterprise);
    }
    if group.contains(&member_enterprise) {
        return Some(Recusal::SameGroup);
    }
    declared
        .iter()
        .find(|(with, _)| *with == applicant || group.contains(with))
        .map(|(_, reason)| Recusal::DeclaredConflict {
            reason: reason.clone(),
        })
}

/// Every applicant a review member recuses from, as two sets a list's query can test
/// an application's enterprise and its enterprise's group against (see [`recused_from`]).
/// It gives the same answer as [`recusal`] for every applicant (a property test below).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecusalScope {
    /// Applicants recused from by who they are.
    pub enterprises: BTreeSet<OrganisationId>,
    /// Applicants recused from by the group they belong to.
    pub groups: BTreeSet<OrganisationId>,
}

impl RecusalScope {
    /// Whether an applicant of `group` (its group's id, if it belongs to one) is covered.
    pub fn covers(&self, applicant: OrganisationId, group: Option<OrganisationId>) -> bool {
        self.enterprises.contains(&applicant) || group.is_some_and(|g| self.groups.contains(&g))
    }
}

/// The applicants [`recusal`] recuses a member from: their own enterprise and, through
/// its group, its sister companies; whatever they declared a conflict with, and the
/// group of what they declared (a declared group, or a declared enterprise's group,
/// ties every enterprise of it). `member_group` is the member's enterprise's group;
/// `declared` each declared organisation with its group, if it is an enterprise in one.
pub fn recused_from(
    member_enterprise: OrganisationId,
    member_group: Option<OrganisationId>,
    declared: &[(OrganisationId, Option<OrganisationId>)],
) -> RecusalScope {
    let mut scope = RecusalScope::default();
    scope.enterprises.insert(member_enterprise);
    scope.groups.extend(member_group);
    for (with, group) in declared {
        // A declared id is an enterprise's, a group's or another organisation's: it is
        // looked for among both, as `recusal` looks for it in the applicant's ties.
        scope.enterprises.insert(*with);
        scope.groups.insert(*with);
        scope.groups.extend(*group);
    }
    scope
}

/// The level of each capability domain of the part, by the part's own rule applied to
/// the domain's items (a certificate shows these beside the part level).
pub fn domain_levels(
    part: &Part,
    consolidated: &[ConsolidatedItem],
    target: Level,
) -> BTreeMap<String, u8> {
    part.domains
        .iter()
        .map(|d| {
            let items: Vec<ConsolidatedItem> = consolidated
                .iter()
                .filter(|c| d.items.iter().any(|i| i.code == c.item))
                .cloned()
                .collect();
            (
                d.code.clone(),
                derive_part_level(&items, target).achieved.get(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{Bilingual, Domain, Item};
    use proptest::prelude::*;

    fn text() -> Bilingual {
        Bilingual {
            zh: "x".into(),
            en: "x".into(),
        }
    }

    fn part() -> Part {
        let item = |code: &str, n: usize| Item {
            code: code.into(),
            name: text(),
            criteria: vec![text(); n],
        };
        Part {
            code: "CD".into(),
            name: text(),
            description: text(),
            domains: vec![
                Domain {
                    code: "CD-A".into(),
                    name: text(),
                    items: vec![item("CD-A-01", 5), item("CD-A-02", 4)],
                },
                Domain {
                    code: "CD-B".into(),
                    name: text(),
                    items: vec![item("CD-B-01", 5)],
                },
            ],
        }
    }

    fn input(level: Option<i64>, na: Option<&str>, evidence: &[&str]) -> ScoreInput {
        ScoreInput {
            level,
            not_applicable_reason: na.map(String::from),
            comment: " ok ".into(),
            evidence_ids: evidence.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn lvl(n: u8) -> Level {
        Level::new(n).unwrap()
    }

    #[test]
    fn a_score_names_an_item_of_the_part_and_its_own_evidence() {
        let ev: BTreeSet<String> = ["e1".to_string()].into();
        let ok = check_score(
            &part(),
            lvl(3),
            "CD-A-01",
            &ev,
            &input(Some(3), None, &["e1", "e1"]),
        )
        .unwrap();
        assert_eq!(ok.level, ItemLevel::Achieved(lvl(3)));
        assert_eq!(ok.evidence_ids, vec!["e1"]);
        assert_eq!(ok.comment, "ok");
        let e = check_score(&part(), lvl(3), "SEC-01", &ev, &input(Some(3), None, &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no capability item 'SEC-01'"), "{e}");
        let e = check_score(
            &part(),
            lvl(3),
            "CD-A-01",
            &ev,
            &input(Some(3), None, &["other"]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("evidence file other"), "{e}");
        let e = check_score(&part(), lvl(3), "CD-A-01", &ev, &input(Some(4), None, &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("above the application's target level 3"), "{e}");
        let e = check_score(&part(), lvl(5), "CD-A-01", &ev, &input(Some(6), None, &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("0 to 5"), "{e}");
        assert!(check_score(
            &part(),
            lvl(3),
            "CD-A-01",
            &ev,
            &input(None, Some("  "), &[])
        )
        .is_err());
        assert!(check_score(
            &part(),
            lvl(3),
            "CD-A-01",
            &ev,
            &input(Some(1), Some("n/a"), &[])
        )
        .is_err());
        let na = check_score(
            &part(),
            lvl(3),
            "CD-A-01",
            &ev,
            &input(None, Some("no cloud"), &[]),
        )
        .unwrap();
        assert_eq!(
            na.level,
            ItemLevel::NotApplicable {
                reason: "no cloud".into()
            }
        );
    }

    #[test]
    fn a_clarification_reopens_its_items_until_answered_or_past_its_deadline() {
        let t = |h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let mut c = vec![Clarification {
            items: vec!["CD-A-01".into()],
            deadline: t(12),
            answered_at: None,
        }];
        assert!(item_reopened(&c, "CD-A-01", t(11)));
        assert!(item_reopened(&c, "CD-A-01", t(12)));
        assert!(!item_reopened(&c, "CD-A-01", t(13)));
        assert!(!item_reopened(&c, "CD-A-02", t(11)));
        c[0].answered_at = Some(t(10));
        assert!(!item_reopened(&c, "CD-A-01", t(11)));
    }

    #[test]
    fn reviewers_recuse_from_their_own_enterprise_and_declared_conflicts() {
        let [e1, e2, e3] = [(); 3].map(|_| OrganisationId::new());
        assert_eq!(recusal(e1, &[], e1, &[]), Some(Recusal::OwnEnterprise));
        let declared = vec![(e2, "former supplier".to_string())];
        assert_eq!(
            recusal(e1, &declared, e2, &[]),
            Some(Recusal::DeclaredConflict {
                reason: "former supplier".into()
            })
        );
        assert_eq!(recusal(e1, &declared, e3, &[]), None);
    }

    #[test]
    fn reviewers_recuse_from_their_group_and_conflicts_declared_with_it() {
        // e3 applies; it belongs to group g with e4.
        let [e1, e3, e4, g] = [(); 4].map(|_| OrganisationId::new());
        let group = vec![g, e4];
        assert_eq!(recusal(e4, &[], e3, &group), Some(Recusal::SameGroup));
        assert_eq!(recusal(e3, &[], e3, &group), Some(Recusal::OwnEnterprise));
        for with in [g, e4] {
            let declared = vec![(with, "group auditor".to_string())];
            assert_eq!(
                recusal(e1, &declared, e3, &group),
                Some(Recusal::DeclaredConflict {
                    reason: "group auditor".into()
                }),
                "a conflict declared with {with}"
            );
        }
        assert_eq!(recusal(e1, &[], e3, &group), None);
        // Out of the group, the ties are gone.
        let declared = vec![(g, "group auditor".to_string())];
        assert_eq!(recusal(e4, &declared, e3, &[]), None);
    }

    proptest! {
        /// The scope a list filters by recuses from exactly the applicants `recusal`
        /// recuses from, whatever the groups and the declared conflicts.
        #[test]
        fn the_recusal_scope_agrees_with_recusal(
            group_of in proptest::collection::vec(proptest::option::of(0usize..2), 6),
            member in 0usize..6,
            declared in proptest::collection::vec(0usize..10, 0..4),
        ) {
            // Six enterprises, two groups and two other organisations.
            let ids: Vec<OrganisationId> = (0..10).map(|_| OrganisationId::new()).collect();
            let (enterprises, groups) = (&ids[..6], &ids[6..8]);
            let group = |e: usize| group_of[e].map(|g| groups[g]);
            // `recusal`'s ties of an applicant: its group and the group's other enterprises.
            let ties = |a: usize| -> Vec<OrganisationId> {
                match group_of[a] {
                    None => vec![],
                    Some(g) => std::iter::once(groups[g])
                        .chain((0..6).filter(|&e| e != a && group_of[e] == Some(g)).map(|e| enterprises[e]))
                        .collect(),
                }
            };
            let declared_reasons: Vec<(OrganisationId, String)> =
                declared.iter().map(|&d| (ids[d], "declared".to_string())).collect();
            let declared_groups: Vec<(OrganisationId, Option<OrganisationId>)> = declared
                .iter()
                .map(|&d| (ids[d], if d < 6 { group(d) } else { None }))
                .collect();
            let scope = recused_from(enterprises[member], group(member), &declared_groups);
            for a in 0..6 {
                let by_rule = recusal(enterprises[member], &declared_reasons, enterprises[a], &ties(a)).is_some();
                prop_assert_eq!(scope.covers(enterprises[a], group(a)), by_rule, "applicant {}", a);
            }
        }
    }

    proptest! {
        /// A level is accepted exactly when it is 0..=target, whatever the item of the part.
        #[test]
        fn levels_are_accepted_up_to_the_target_only(level in -3i64..9, target in 1u8..=5, item in 0usize..3) {
            let code = ["CD-A-01", "CD-A-02", "CD-B-01"][item];
            let r = check_score(&part(), lvl(target), code, &BTreeSet::new(), &input(Some(level), None, &[]));
            prop_assert_eq!(r.is_ok(), (0..=i64::from(target)).contains(&level));
        }
    }

    proptest! {
        /// The part level never exceeds any domain's level, and some domain is at it.
        #[test]
        fn domain_levels_bound_the_part_level(a in 0u8..=5, b in 0u8..=5, c in 0u8..=5, target in 1u8..=5) {
            let p = part();
            let items: Vec<ConsolidatedItem> = [("CD-A-01", a), ("CD-A-02", b), ("CD-B-01", c)]
                .into_iter()
                .map(|(code, l)| ConsolidatedItem {
                    item: code.into(),
                    defined: defined_levels(&p, code).unwrap(),
                    level: ItemLevel::Achieved(lvl(l)),
                })
                .collect();
            let part_level = derive_part_level(&items, lvl(target)).achieved.get();
            let domains = domain_levels(&p, &items, lvl(target));
            prop_assert!(domains.values().all(|d| *d >= part_level));
            prop_assert!(domains.values().any(|d| *d == part_level));
        }
    }
}
