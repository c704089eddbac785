//! Who may sit on an application's assessment panel. [`check_panel`] is the one place the
//! panel rules live: every panel is checked by it before it is saved, whether the
//! secretariat composed it or accepted the round-wide proposal (`assign`), which takes its
//! conflicts from [`conflicts`].

use std::collections::HashSet;
use std::fmt;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{OrganisationId, UserId};

pub const MIN_MEMBERS: usize = 3;
pub const MAX_MEMBERS: usize = 5;
/// A former employee of the applicant (or of its group) stays conflicted this long after
/// leaving.
pub const COOLING_OFF: Months = Months::new(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// The certification body itself; only its experts may lead a panel.
    Caict,
    /// A certified-assessor organisation.
    External,
}

impl OrganisationKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Caict => "caict",
            OrganisationKind::External => "external",
        }
    }
}

impl fmt::Display for OrganisationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OrganisationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<OrganisationKind, String> {
        [OrganisationKind::Caict, OrganisationKind::External]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown organisation kind '{s}'"))
    }
}

/// What the registry knows about one assessor, as far as panel rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessorFacts {
    pub assessor: UserId,
    pub display_name: String,
    /// The organisation through which the assessor is certified; counts as a current
    /// employer.
    pub organisation: OrganisationId,
    pub organisation_kind: OrganisationKind,
    /// The certification is valid up to and including this day.
    pub certification_expires_on: NaiveDate,
    /// Codes of the model parts the assessor is qualified for.
    pub parts: Vec<String>,
    pub declared_conflicts: Vec<DeclaredConflict>,
    /// Past and present employers.
    pub employment: Vec<Employment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredConflict {
    /// An enterprise, a group or any organisation the assessor will not assess.
    pub with: OrganisationId,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    pub employer: OrganisationId,
    /// The last day of employment; `None` while it lasts.
    pub until: Option<NaiveDate>,
}

/// The application a panel is proposed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFacts {
    pub enterprise: OrganisationId,
    /// The enterprise's group: its parent and sister companies. A tie to any of them is a
    /// tie to the applicant.
    pub group: Vec<OrganisationId>,
    /// The part applied for.
    pub part: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PanelProposal {
    pub seats: Vec<Seat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub assessor: UserId,
    pub lead: bool,
}

/// One broken rule and, when it concerns one person, that person's display name (or,
/// for someone missing from the registry, their id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelViolation {
    pub rule: PanelRule,
    pub person: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PanelRule {
    /// The number of distinct assessors is outside 3 to 5.
    Size {
        members: usize,
    },
    NoLead,
    SeveralLeads {
        names: Vec<String>,
    },
    LeadNotCaict,
    UnknownAssessor,
    DuplicateMember,
    NotQualified {
        part: String,
    },
    CertificationExpired {
        expired_on: NaiveDate,
    },
    DeclaredConflict {
        reason: String,
    },
    /// Works for the applicant or its group now.
    EmployedByApplicant,
    /// Left the applicant or its group within [`COOLING_OFF`].
    FormerMember {
        left_on: NaiveDate,
    },
}

impl PanelViolation {
    fn of(rule: PanelRule, person: &str) -> Self {
        Self {
            rule,
            person: Some(person.to_string()),
        }
    }
}

/// An assessor's conflicts of interest with an application on `today`: a declared
/// conflict with the enterprise or its group, current employment there (the certifying
/// organisation counts), or employment that ended within [`COOLING_OFF`]. The round-wide
/// assignment takes its conflicts from here too.
pub fn conflicts(
    assessor: &AssessorFacts,
    application: &ApplicationFacts,
    today: NaiveDate,
) -> Vec<PanelRule> {
    let applicant: HashSet<OrganisationId> = std::iter::once(application.enterprise)
        .chain(application.group.iter().copied())
        .collect();
    let mut found = Vec::new();
    if let Some(c) = assessor
        .declared_conflicts
        .iter()
        .find(|c| applicant.contains(&c.with))
    {
        found.push(PanelRule::DeclaredConflict {
            reason: c.reason.clone(),
        });
    }
    let ties = assessor
        .employment
        .iter()
        .filter(|e| applicant.contains(&e.employer));
    let employed_now = applicant.contains(&assessor.organisation)
        || ties
            .clone()
            .any(|e| e.until.is_none_or(|until| until >= today));
    // Employment that ended before this day is old enough not to matter.
    let cooled_off_before = today
        .checked_sub_months(COOLING_OFF)
        .unwrap_or(NaiveDate::MIN);
    if employed_now {
        found.push(PanelRule::EmployedByApplicant);
    } else if let Some(left_on) = ties
        .filter_map(|e| e.until)
        .filter(|until| *until >= cooled_off_before)
        .max()
    {
        found.push(PanelRule::FormerMember { left_on });
    }
    found
}

/// Why an assessor may not sit on an application's panel at all on `today`, whoever else
/// sits on it: the part is not one they are qualified for, their certification has
/// expired, or a conflict of interest. Empty when they may; the panel page offers only
/// those and shows the others with these reasons.
pub fn unfit(
    assessor: &AssessorFacts,
    application: &ApplicationFacts,
    today: NaiveDate,
) -> Vec<PanelRule> {
    let mut found = Vec::new();
    if !assessor.parts.contains(&application.part) {
        found.push(PanelRule::NotQualified {
            part: application.part.clone(),
        });
    }
    if assessor.certification_expires_on < today {
        found.push(PanelRule::CertificationExpired {
            expired_on: assessor.certification_expires_on,
        });
    }
    found.extend(conflicts(assessor, application, today));
    found
}

/// An assessor sitting on `load` other panels of the round has no seat left for one
/// more when that reaches their maximum load.
pub fn at_capacity(load: u32, max_load: u32) -> bool {
    load >= max_load
}

/// Checks a proposed panel for an application on `today`. Every broken rule is reported,
/// panel-wide rules first, then each member in seat order.
pub fn check_panel(
    panel: &PanelProposal,
    candidates: &[AssessorFacts],
    application: &ApplicationFacts,
    today: NaiveDate,
) -> Result<(), Vec<PanelViolation>> {
    let mut violations = Vec::new();
    let find = |id: UserId| candidates.iter().find(|c| c.assessor == id);
    let name_of = |id: UserId| find(id).map_or_else(|| id.to_string(), |c| c.display_name.clone());

    let distinct: HashSet<UserId> = panel.seats.iter().map(|s| s.assessor).collect();
    if !(MIN_MEMBERS..=MAX_MEMBERS).contains(&distinct.len()) {
        violations.push(PanelViolation {
            rule: PanelRule::Size {
                members: distinct.len(),
            },
            person: None,
        });
    }

    let leads: Vec<UserId> = panel
        .seats
        .iter()
        .filter(|s| s.lead)
        .map(|s| s.assessor)
        .collect();
    match leads.as_slice() {
        [] => violations.push(PanelViolation {
            rule: PanelRule::NoLead,
            person: None,
        }),
        [_] => {}
        several => violations.push(PanelViolation {
            rule: PanelRule::SeveralLeads {
                names: several.iter().map(|id| name_of(*id)).collect(),
            },
            person: None,
        }),
    }

    let mut seen = HashSet::new();
    for seat in &panel.seats {
        let Some(a) = find(seat.assessor) else {
            violations.push(PanelViolation::of(
                PanelRule::UnknownAssessor,
                &seat.assessor.to_string(),
            ));
            continue;
        };
        let who = a.display_name.as_str();
        if !seen.insert(seat.assessor) {
            violations.push(PanelViolation::of(PanelRule::DuplicateMember, who));
            continue;
        }
        if seat.lead && a.organisation_kind != OrganisationKind::Caict {
            violations.push(PanelViolation::of(PanelRule::LeadNotCaict, who));
        }
        violations.extend(
            unfit(a, application, today)
                .into_iter()
                .map(|rule| PanelViolation::of(rule, who)),
        );
    }

    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 6, 15);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    struct World {
        applicant: ApplicationFacts,
        caict: OrganisationId,
        consultancy: OrganisationId,
    }

    fn world() -> World {
        World {
            applicant: ApplicationFacts {
                enterprise: OrganisationId::new(),
                group: vec![OrganisationId::new()],
                part: "CD".into(),
            },
            caict: OrganisationId::new(),
            consultancy: OrganisationId::new(),
        }
    }

    fn assessor(name: &str, org: OrganisationId, kind: OrganisationKind) -> AssessorFacts {
        AssessorFacts {
            assessor: UserId::new(),
            display_name: name.into(),
            organisation: org,
            organisation_kind: kind,
            certification_expires_on: day(2027, 12, 31),
            parts: vec!["CD".into(), "TO".into()],
            declared_conflicts: vec![],
            employment: vec![],
        }
    }

    fn pool(w: &World) -> Vec<AssessorFacts> {
        vec![
            assessor("张喆", w.caict, OrganisationKind::Caict),
            assessor("王堃", w.consultancy, OrganisationKind::External),
            assessor("李娜", w.consultancy, OrganisationKind::External),
            assessor("Ada Lovelace", w.consultancy, OrganisationKind::External),
            assessor("陈默", w.caict, OrganisationKind::Caict),
            assessor("赵雷", w.consultancy, OrganisationKind::External),
        ]
    }

    fn panel_of(pool: &[AssessorFacts], members: &[usize], lead: usize) -> PanelProposal {
        PanelProposal {
            seats: members
                .iter()
                .map(|i| Seat {
                    assessor: pool[*i].assessor,
                    lead: *i == lead,
                })
                .collect(),
        }
    }

    /// Who broke which rule, in order.
    fn broken(r: Result<(), Vec<PanelViolation>>) -> Vec<(String, PanelRule)> {
        r.unwrap_err()
            .into_iter()
            .map(|v| (v.person.unwrap_or_default(), v.rule))
            .collect()
    }

    #[test]
    fn a_caict_lead_with_two_qualified_members_is_a_valid_panel() {
        let w = world();
        let p = pool(&w);
        assert_eq!(
            check_panel(&panel_of(&p, &[0, 1, 2], 0), &p, &w.applicant, today()),
            Ok(())
        );
        assert_eq!(
            check_panel(
                &panel_of(&p, &[1, 2, 3, 4, 5], 4),
                &p,
                &w.applicant,
                today()
            ),
            Ok(())
        );
    }

    #[test]
    fn panel_size_and_lead_rules_are_named() {
        let w = world();
        let p = pool(&w);
        assert_eq!(
            broken(check_panel(
                &panel_of(&p, &[0, 1], 0),
                &p,
                &w.applicant,
                today()
            )),
            [(String::new(), PanelRule::Size { members: 2 })]
        );
        assert_eq!(
            broken(check_panel(
                &panel_of(&p, &[0, 1, 2], 1),
                &p,
                &w.applicant,
                today()
            )),
            [("王堃".to_string(), PanelRule::LeadNotCaict)]
        );
        let mut two_leads = panel_of(&p, &[0, 1, 4], 0);
        two_leads.seats[2].lead = true;
        let v = check_panel(&two_leads, &p, &w.applicant, today()).unwrap_err();
        assert_eq!(
            v[0].rule,
            PanelRule::SeveralLeads {
                names: vec!["张喆".into(), "陈默".into()]
            }
        );
        let v = check_panel(
            &panel_of(&p, &[0, 1, 2, 3, 4, 5], 9),
            &p,
            &w.applicant,
            today(),
        )
        .unwrap_err();
        assert_eq!(
            v.iter().map(|v| &v.rule).collect::<Vec<_>>(),
            [&PanelRule::Size { members: 6 }, &PanelRule::NoLead]
        );
    }

    #[test]
    fn members_must_be_registered_distinct_qualified_and_certified() {
        let w = world();
        let mut p = pool(&w);
        p[1].parts = vec!["SEC".into()];
        p[2].certification_expires_on = day(2026, 6, 14);
        p[3].certification_expires_on = today();
        let stranger = UserId::new();
        let mut panel = panel_of(&p, &[0, 1, 2, 3, 0], 0);
        panel.seats[4].lead = false;
        panel.seats.push(Seat {
            assessor: stranger,
            lead: false,
        });
        assert_eq!(
            broken(check_panel(&panel, &p, &w.applicant, today())),
            [
                (
                    "王堃".to_string(),
                    PanelRule::NotQualified { part: "CD".into() }
                ),
                (
                    "李娜".into(),
                    PanelRule::CertificationExpired {
                        expired_on: day(2026, 6, 14)
                    }
                ),
                ("张喆".into(), PanelRule::DuplicateMember),
                (stranger.to_string(), PanelRule::UnknownAssessor),
            ]
        );
    }

    #[test]
    fn declared_and_automatic_conflicts_name_the_person() {
        let w = world();
        let mut p = pool(&w);
        p[1].declared_conflicts = vec![DeclaredConflict {
            with: w.applicant.group[0],
            reason: "former consultant".into(),
        }];
        p[2].employment = vec![Employment {
            employer: w.applicant.enterprise,
            until: None,
        }];
        p[3].employment = vec![Employment {
            employer: w.applicant.group[0],
            until: Some(day(2024, 6, 15)),
        }];
        p[5].employment = vec![Employment {
            employer: w.applicant.enterprise,
            until: Some(day(2024, 6, 14)),
        }];
        let v = check_panel(
            &panel_of(&p, &[0, 1, 2, 3, 5], 0),
            &p,
            &w.applicant,
            today(),
        )
        .unwrap_err();
        assert_eq!(
            broken(Err(v.clone())),
            [
                (
                    "王堃".to_string(),
                    PanelRule::DeclaredConflict {
                        reason: "former consultant".into()
                    }
                ),
                ("李娜".into(), PanelRule::EmployedByApplicant),
                (
                    "Ada Lovelace".into(),
                    PanelRule::FormerMember {
                        left_on: day(2024, 6, 15)
                    }
                ),
            ]
        );
        assert_eq!(v[0].person.as_deref(), Some("王堃"));
        assert_eq!(conflicts(&p[0], &w.applicant, today()), []);
        assert_eq!(
            conflicts(&p[2], &w.applicant, today()),
            [PanelRule::EmployedByApplicant]
        );
    }

    #[test]
    fn an_assessor_certified_through_the_applicant_is_employed_by_it() {
        let w = world();
        let mut p = pool(&w);
        p[1].organisation = w.applicant.enterprise;
        assert_eq!(
            broken(check_panel(
                &panel_of(&p, &[0, 1, 2], 0),
                &p,
                &w.applicant,
                today()
            )),
            [("王堃".to_string(), PanelRule::EmployedByApplicant)]
        );
    }

    #[test]
    fn the_cooling_off_period_counts_calendar_months_from_a_leap_day() {
        let w = world();
        let mut p = pool(&w);
        p[1].employment = vec![Employment {
            employer: w.applicant.enterprise,
            until: Some(day(2022, 2, 28)),
        }];
        let leap_day = day(2024, 2, 29);
        assert!(check_panel(&panel_of(&p, &[0, 1, 2], 0), &p, &w.applicant, leap_day).is_err());
        p[1].employment[0].until = Some(day(2022, 2, 27));
        assert_eq!(
            check_panel(&panel_of(&p, &[0, 1, 2], 0), &p, &w.applicant, leap_day),
            Ok(())
        );
    }

    /// A random registry over six organisations: 0 applies, 1 is in its group, 2 is CAICT.
    #[derive(Debug, Clone)]
    struct RandomAssessor {
        org: usize,
        caict: bool,
        expires_in_days: i64,
        parts: Vec<bool>,
        declared: Vec<usize>,
        employment: Vec<(usize, Option<i64>)>,
    }

    /// Mostly eligible assessors, so that random panels pass often enough, with every
    /// rule's boundary (expiry day, two years to the day) within reach.
    fn random_assessor() -> impl Strategy<Value = RandomAssessor> {
        let org = prop_oneof![19 => 2usize..6, 1 => 0usize..2];
        let left = prop_oneof![-735i64..-725, -900i64..5];
        (
            org,
            prop::bool::weighted(0.6),
            prop_oneof![1 => -2i64..2, 9 => 0i64..60],
            proptest::collection::vec(prop::bool::weighted(0.95), 3),
            proptest::collection::vec(prop_oneof![9 => 2usize..6, 1 => 0usize..2], 0..2),
            proptest::collection::vec(
                (
                    prop_oneof![3 => 2usize..6, 1 => 0usize..2],
                    prop::option::weighted(0.8, left),
                ),
                0..2,
            ),
        )
            .prop_map(
                |(org, caict, expires_in_days, parts, declared, employment)| RandomAssessor {
                    org,
                    caict,
                    expires_in_days,
                    parts,
                    declared,
                    employment,
                },
            )
    }

    const PARTS: [&str; 3] = ["CD", "TO", "SEC"];

    fn build(pool: &[RandomAssessor], orgs: &[OrganisationId]) -> Vec<AssessorFacts> {
        pool.iter()
            .enumerate()
            .map(|(i, r)| AssessorFacts {
                assessor: UserId::new(),
                display_name: format!("评估员{i}"),
                organisation: orgs[r.org],
                organisation_kind: if r.caict {
                    OrganisationKind::Caict
                } else {
                    OrganisationKind::External
                },
                certification_expires_on: today() + chrono::Duration::days(r.expires_in_days),
                parts: PARTS
                    .iter()
                    .zip(&r.parts)
                    .filter(|(_, q)| **q)
                    .map(|(p, _)| p.to_string())
                    .collect(),
                declared_conflicts: r
                    .declared
                    .iter()
                    .map(|o| DeclaredConflict {
                        with: orgs[*o],
                        reason: "audit client".into(),
                    })
                    .collect(),
                employment: r
                    .employment
                    .iter()
                    .map(|(o, d)| Employment {
                        employer: orgs[*o],
                        until: d.map(|d| today() + chrono::Duration::days(d)),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The rules restated independently, on the random description rather than the facts.
    fn oracle_ok(pool: &[RandomAssessor], seats: &[(usize, bool)], part: usize) -> bool {
        let two_years_ago = day(TODAY.0 - 2, TODAY.1, TODAY.2);
        let tied = |o: usize| o == 0 || o == 1;
        let mut members: Vec<usize> = seats.iter().map(|s| s.0).collect();
        members.sort();
        members.dedup();
        let size_ok = members.len() >= 3 && members.len() <= 5 && members.len() == seats.len();
        let leads: Vec<usize> = seats.iter().filter(|s| s.1).map(|s| s.0).collect();
        let lead_ok = leads.len() == 1 && pool.get(leads[0]).is_some_and(|a| a.caict);
        let member_ok = |i: usize| {
            let Some(a) = pool.get(i) else { return false };
            a.parts[part]
                && a.expires_in_days >= 0
                && !a.declared.iter().any(|o| tied(*o))
                && !tied(a.org)
                && !a.employment.iter().any(|(o, until)| {
                    tied(*o)
                        && match until {
                            None => true,
                            Some(d) => today() + chrono::Duration::days(*d) >= two_years_ago,
                        }
                })
        };
        size_ok && lead_ok && members.iter().all(|i| member_ok(*i))
    }

    fn setting(
        pool: &[RandomAssessor],
        part: usize,
    ) -> (Vec<OrganisationId>, Vec<AssessorFacts>, ApplicationFacts) {
        let orgs: Vec<OrganisationId> = (0..6).map(|_| OrganisationId::new()).collect();
        let facts = build(pool, &orgs);
        let app = ApplicationFacts {
            enterprise: orgs[0],
            group: vec![orgs[1]],
            part: PARTS[part].into(),
        };
        (orgs, facts, app)
    }

    fn proposal(facts: &[AssessorFacts], seats: &[(usize, bool)]) -> PanelProposal {
        PanelProposal {
            seats: seats
                .iter()
                .map(|(i, lead)| Seat {
                    assessor: facts.get(*i).map_or_else(UserId::new, |a| a.assessor),
                    lead: *lead,
                })
                .collect(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn the_panel_is_accepted_exactly_when_every_rule_holds(
            pool in proptest::collection::vec(random_assessor(), 8..10),
            members in proptest::sample::subsequence((0usize..9).collect::<Vec<_>>(), 2..=6),
            lead in any::<prop::sample::Index>(),
            twist in 0usize..8,
            part in 0usize..3,
        ) {
            // One lead among distinct members, sometimes twisted: no lead, two leads, or a
            // member seated twice.
            let n = members.len();
            let lead = lead.index(n);
            let mut seats: Vec<(usize, bool)> =
                members.iter().enumerate().map(|(k, m)| (*m, twist != 0 && k == lead)).collect();
            match twist {
                1 => seats[(lead + 1) % n].1 = true,
                2 => seats.push((members[0], false)),
                _ => {}
            }
            let (_, facts, app) = setting(&pool, part);
            let verdict = check_panel(&proposal(&facts, &seats), &facts, &app, today());
            prop_assert_eq!(verdict.is_ok(), oracle_ok(&pool, &seats, part), "{:?}", verdict);
        }

        #[test]
        fn adding_a_conflicted_member_always_fails(
            pool in proptest::collection::vec(random_assessor(), 3..7),
            seats in proptest::collection::vec((0usize..7, prop::bool::weighted(0.3)), 0..5),
            how in 0usize..4,
            left_days_ago in 0i64..730,
        ) {
            let mut pool = pool;
            let mut conflicted = pool[0].clone();
            match how {
                0 => conflicted.declared.push(1),
                1 => conflicted.org = 0,
                2 => conflicted.employment.push((1, None)),
                _ => conflicted.employment.push((0, Some(-left_days_ago))),
            }
            pool.push(conflicted);
            let newcomer = pool.len() - 1;
            let (_, facts, app) = setting(&pool, 0);
            let mut seats = seats;
            seats.push((newcomer, false));
            let v = check_panel(&proposal(&facts, &seats), &facts, &app, today()).unwrap_err();
            let name = facts[newcomer].display_name.clone();
            prop_assert!(v.iter().any(|v| v.person.as_ref() == Some(&name) && matches!(
                v.rule,
                PanelRule::DeclaredConflict { .. } | PanelRule::EmployedByApplicant | PanelRule::FormerMember { .. }
            )), "{:?}", v);
        }

        /// The panel page offers exactly the assessors `unfit` finds nothing against:
        /// seated as an ordinary member, such an assessor draws no complaint of their own
        /// from `check_panel`, and an unfit one draws exactly the reasons the page shows.
        #[test]
        fn unfit_names_what_check_panel_says_of_a_member(
            pool in proptest::collection::vec(random_assessor(), 1..8),
            who in any::<prop::sample::Index>(),
            part in 0usize..3,
        ) {
            let (_, facts, app) = setting(&pool, part);
            let a = &facts[who.index(facts.len())];
            let seats = PanelProposal { seats: vec![Seat { assessor: a.assessor, lead: false }] };
            let said: Vec<PanelRule> = check_panel(&seats, &facts, &app, today())
                .unwrap_err()
                .into_iter()
                .filter(|v| v.person.as_deref() == Some(a.display_name.as_str()))
                .map(|v| v.rule)
                .collect();
            prop_assert_eq!(unfit(a, &app, today()), said);
        }
    }
}
