//! Surveillance of a certificate in force: a lighter assessment of a few selected
//! capability items by one or two assessors, planned yearly within the validity (the
//! first within the configured interval of the certification decision) or at short
//! notice after a complaint. Its outcome maintains the certificate, narrows its scope or
//! suspends it; those decisions are the certificate's own (`certificate_status`).
//!
//! planned → assigned (assessors set; the enterprise may upload evidence for the selected
//! items) → in progress (a score or an upload arrived) → concluded (with its outcome).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Duration, Months, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::domain::evidence::EditWindow;
use crate::domain::ids::{SurveillanceId, UserId};
use crate::domain::panel::{unfit, ApplicationFacts, AssessorFacts, PanelRule, PanelViolation};
use crate::domain::scoring::Level;
use crate::refusal::{Arg, Code, Refusal};

/// Months between surveillances unless configured.
pub const DEFAULT_INTERVAL_MONTHS: u32 = 12;

/// A surveillance whose due date is this near (or past) is "due" on the task list.
pub const DUE_WARNING_DAYS: i64 = 30;

/// A surveillance is done by one or two assessors.
pub const MIN_ASSESSORS: usize = 1;
pub const MAX_ASSESSORS: usize = 2;

/// The longest note of a score or reason of an outcome, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveillanceStatus {
    Planned,
    Assigned,
    InProgress,
    Concluded,
}

impl SurveillanceStatus {
    pub const ALL: [SurveillanceStatus; 4] = [
        SurveillanceStatus::Planned,
        SurveillanceStatus::Assigned,
        SurveillanceStatus::InProgress,
        SurveillanceStatus::Concluded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SurveillanceStatus::Planned => "planned",
            SurveillanceStatus::Assigned => "assigned",
            SurveillanceStatus::InProgress => "in_progress",
            SurveillanceStatus::Concluded => "concluded",
        }
    }

    /// The status's name in both languages, for refusals.
    pub fn name(self) -> Arg {
        let (zh, en) = match self {
            SurveillanceStatus::Planned => ("已计划", "planned"),
            SurveillanceStatus::Assigned => ("已指派评估员", "assigned"),
            SurveillanceStatus::InProgress => ("进行中", "in progress"),
            SurveillanceStatus::Concluded => ("已完成", "concluded"),
        };
        Arg::Translated {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// Whether the enterprise may upload evidence for the selected items and the
    /// assessors may score them.
    pub fn is_open_for_work(self) -> bool {
        matches!(
            self,
            SurveillanceStatus::Assigned | SurveillanceStatus::InProgress
        )
    }
}

impl fmt::Display for SurveillanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SurveillanceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<SurveillanceStatus, String> {
        SurveillanceStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown surveillance status '{s}'"))
    }
}

/// Why a surveillance was planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The yearly surveillance of the plan.
    Scheduled,
    /// At short notice, because a complaint's investigation asked for it.
    Complaint,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Scheduled => "scheduled",
            Origin::Complaint => "complaint",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        [Origin::Scheduled, Origin::Complaint]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// What the assessors found, as the secretariat concludes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The certificate stays as it is.
    Maintain,
    /// The scope is reduced: a successor with this scope supersedes the certificate.
    Narrow {
        scope_zh: String,
        scope_en: Option<String>,
    },
    /// The certificate is suspended until this day (its last).
    Suspend { until: NaiveDate },
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Maintain => "maintain",
            Outcome::Narrow { .. } => "narrow",
            Outcome::Suspend { .. } => "suspend",
        }
    }

    /// Reads the outcome as a form or request names it; the scope and date are checked
    /// further by the certificate decision the outcome becomes.
    pub fn parse(
        kind: &str,
        scope_zh: Option<&str>,
        scope_en: Option<&str>,
        until: Option<NaiveDate>,
    ) -> Result<Outcome, Refusal> {
        match kind.trim() {
            "maintain" => Ok(Outcome::Maintain),
            "narrow" => {
                let scope_zh = scope_zh.map(str::trim).unwrap_or_default();
                if scope_zh.is_empty() {
                    return Err(Refusal::Invalid(Code::CertificateScopeMissing.into()));
                }
                Ok(Outcome::Narrow {
                    scope_zh: scope_zh.to_string(),
                    scope_en: scope_en
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                })
            }
            "suspend" => until
                .map(|until| Outcome::Suspend { until })
                .ok_or(Refusal::Invalid(Code::SuspensionUntilInvalid.into())),
            other => Err(Refusal::Invalid(
                Code::SurveillanceOutcomeUnknown.with("outcome", other),
            )),
        }
    }
}

/// The due dates of the yearly surveillances of a certificate decided on `decided_on`
/// and valid until `valid_until`: every `interval` from the decision, while it is valid.
pub fn due_dates(
    decided_on: NaiveDate,
    valid_until: NaiveDate,
    interval: Months,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut k: u32 = 1;
    while let Some(due) = interval
        .as_u32()
        .checked_mul(k)
        .and_then(|m| decided_on.checked_add_months(Months::new(m)))
    {
        if due > valid_until || interval.as_u32() == 0 {
            break;
        }
        out.push(due);
        k += 1;
    }
    out
}

/// The due date of the next scheduled surveillance: the first due date of the plan after
/// the last one already planned (`None` before the first), or none left in the validity.
pub fn next_due(
    decided_on: NaiveDate,
    valid_until: NaiveDate,
    interval: Months,
    last_planned_due: Option<NaiveDate>,
) -> Option<NaiveDate> {
    due_dates(decided_on, valid_until, interval)
        .into_iter()
        .find(|d| last_planned_due.is_none_or(|last| *d > last))
}

/// How an open surveillance stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Due later than [`DUE_WARNING_DAYS`] from today.
    Upcoming,
    /// Due within [`DUE_WARNING_DAYS`], today included.
    Due,
    /// The due date has passed without a conclusion.
    Overdue,
}

/// The due days that make an open surveillance due or overdue on `today`, for counting
/// them in a query: overdue before `(today)`, due from today to the second day included.
pub fn urgency_bounds(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today, today + Duration::days(DUE_WARNING_DAYS))
}

pub fn urgency(due_on: NaiveDate, today: NaiveDate) -> Urgency {
    let (overdue_before, due_until) = urgency_bounds(today);
    if due_on < overdue_before {
        Urgency::Overdue
    } else if due_on <= due_until {
        Urgency::Due
    } else {
        Urgency::Upcoming
    }
}

/// An overdue surveillance is reminded of once: the name under which its reminder is
/// recorded beside its certificate's other reminders (renewal invitations, a suspension's
/// end).
pub fn overdue_occasion(id: SurveillanceId) -> String {
    format!("surveillance_overdue_{id}")
}

/// A short-notice surveillance's due date: today at the earliest, the certificate's last
/// day at the latest.
pub fn check_short_notice(
    due_on: NaiveDate,
    today: NaiveDate,
    valid_until: NaiveDate,
) -> Result<NaiveDate, Refusal> {
    if due_on < today || due_on > valid_until {
        return Err(Refusal::Invalid(
            Code::SurveillanceDueOutOfRange
                .with("from", today)
                .with("to", valid_until),
        ));
    }
    Ok(due_on)
}

/// The selected items: at least one, each an item of the certified part, each once (in
/// the order given).
pub fn select_items(chosen: &[String], part_items: &[String]) -> Result<Vec<String>, Refusal> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for item in chosen.iter().map(|i| i.trim()) {
        if !part_items.iter().any(|p| p == item) {
            return Err(Refusal::Invalid(
                Code::UnknownCapabilityItem.with("item", item),
            ));
        }
        if seen.insert(item.to_string()) {
            out.push(item.to_string());
        }
    }
    if out.is_empty() {
        return Err(Refusal::Invalid(Code::SurveillanceNoItems.into()));
    }
    Ok(out)
}

/// Checks the assessors of a surveillance on `today`: one or two, each once, known to
/// the registry, and each fit to sit on the application's panel by the panel rules
/// (qualified for the part, certified, no conflict of interest with the enterprise or
/// its group). Every broken rule is reported.
pub fn check_assessors(
    chosen: &[UserId],
    registry: &[AssessorFacts],
    application: &ApplicationFacts,
    today: NaiveDate,
) -> Result<(), Vec<SurveillanceViolation>> {
    let mut found = Vec::new();
    let distinct: BTreeSet<UserId> = chosen.iter().copied().collect();
    if !(MIN_ASSESSORS..=MAX_ASSESSORS).contains(&distinct.len()) {
        found.push(SurveillanceViolation::Size {
            members: distinct.len(),
        });
    }
    let mut seen = BTreeSet::new();
    for id in chosen {
        let Some(a) = registry.iter().find(|a| a.assessor == *id) else {
            found.push(SurveillanceViolation::Panel(PanelViolation {
                rule: PanelRule::UnknownAssessor,
                person: Some(id.to_string()),
            }));
            continue;
        };
        if !seen.insert(*id) {
            found.push(SurveillanceViolation::Panel(PanelViolation {
                rule: PanelRule::DuplicateMember,
                person: Some(a.display_name.clone()),
            }));
            continue;
        }
        found.extend(unfit(a, application, today).into_iter().map(|rule| {
            SurveillanceViolation::Panel(PanelViolation {
                rule,
                person: Some(a.display_name.clone()),
            })
        }));
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(found)
    }
}

/// A rule the chosen assessors break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveillanceViolation {
    /// Not one or two distinct assessors.
    Size { members: usize },
    /// A panel rule (unknown, duplicate, unqualified, expired, a conflict of interest).
    Panel(PanelViolation),
}

/// What happens to a surveillance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveillanceEvent {
    /// The assessors are set (again, before any score).
    Assign,
    /// Evidence or a score arrived.
    Work,
    Conclude,
}

/// The one transition function.
pub fn apply(
    status: SurveillanceStatus,
    event: SurveillanceEvent,
) -> Result<SurveillanceStatus, Refusal> {
    use SurveillanceEvent as E;
    use SurveillanceStatus as S;
    let to = match (status, event) {
        (S::Planned | S::Assigned, E::Assign) => S::Assigned,
        (S::Assigned | S::InProgress, E::Work) => S::InProgress,
        (S::Assigned | S::InProgress, E::Conclude) => S::Concluded,
        _ => {
            return Err(Refusal::Conflict(
                Code::SurveillanceWrongState.with("status", status.name()),
            ))
        }
    };
    Ok(to)
}

/// The evidence window a surveillance opens for a selected item of a certified
/// application: the item's new `version`, open until the surveillance is concluded (the
/// shown end is the due date, or a day ahead once that has passed).
pub fn evidence_window(version: i32, due_on: NaiveDate, now: NaiveDateTime) -> EditWindow {
    let due_end = (due_on + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists");
    EditWindow::Reopened {
        version,
        until: due_end.max(now + Duration::days(1)),
    }
}

/// An assessor's level for a selected item, by the scoring rules (0 to 5).
pub fn score_level(level: i64) -> Result<Level, Refusal> {
    u8::try_from(level)
        .ok()
        .and_then(|l| Level::new(l).ok())
        .ok_or(Refusal::Invalid(
            Code::SurveillanceLevelOutOfRange.with("level", level),
        ))
}

/// A note or reason: trimmed, at most [`MAX_TEXT_CHARS`]; `required` refuses an empty one.
pub fn check_text(text: &str, required: bool) -> Result<String, Refusal> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(Refusal::Invalid(Code::SurveillanceReasonMissing.into()));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Refusal::Invalid(
            Code::SurveillanceTextTooLong.with("max", MAX_TEXT_CHARS),
        ));
    }
    Ok(text.to_string())
}

/// The (item, assessor) pairs still without a score: every assessor scores every
/// selected item before the surveillance can be concluded.
pub fn missing_scores(
    items: &[String],
    assessors: &[UserId],
    scored: &[(String, UserId)],
) -> Vec<(String, UserId)> {
    items
        .iter()
        .flat_map(|i| assessors.iter().map(move |a| (i.clone(), *a)))
        .filter(|pair| !scored.contains(pair))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OrganisationId;
    use crate::domain::panel::{DeclaredConflict, OrganisationKind};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn code(r: Refusal) -> &'static str {
        match r {
            Refusal::Invalid(reason) | Refusal::Conflict(reason) => reason.code.as_str(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_three_year_certificate_has_a_yearly_plan_within_its_validity() {
        let decided = d(2026, 3, 3);
        let dates = due_dates(decided, d(2029, 3, 2), Months::new(12));
        assert_eq!(dates, vec![d(2027, 3, 3), d(2028, 3, 3)]);
        assert_eq!(
            due_dates(decided, d(2029, 3, 3), Months::new(12)).len(),
            3,
            "a due date on the last day of validity is kept"
        );
        assert_eq!(
            next_due(decided, d(2029, 3, 2), Months::new(12), None),
            Some(d(2027, 3, 3))
        );
        assert_eq!(
            next_due(decided, d(2029, 3, 2), Months::new(12), Some(d(2027, 3, 3))),
            Some(d(2028, 3, 3))
        );
        assert_eq!(
            next_due(decided, d(2029, 3, 2), Months::new(12), Some(d(2028, 3, 3))),
            None
        );
    }

    #[test]
    fn a_surveillance_is_due_thirty_days_ahead_and_overdue_the_day_after() {
        let due = d(2027, 3, 3);
        assert_eq!(urgency(due, due - Duration::days(31)), Urgency::Upcoming);
        assert_eq!(urgency(due, due - Duration::days(30)), Urgency::Due);
        assert_eq!(urgency(due, due), Urgency::Due);
        assert_eq!(urgency(due, d(2027, 3, 4)), Urgency::Overdue);
    }

    #[test]
    fn each_surveillance_has_its_own_overdue_reminder() {
        let (a, b) = (SurveillanceId::new(), SurveillanceId::new());
        assert_eq!(overdue_occasion(a), overdue_occasion(a));
        assert_ne!(overdue_occasion(a), overdue_occasion(b));
        assert!(
            !overdue_occasion(a).starts_with("renewal_"),
            "counted as a renewal invitation"
        );
    }

    #[test]
    fn items_are_a_nonempty_subset_of_the_part() {
        let part = vec!["A-1".to_string(), "A-2".into(), "B-1".into()];
        assert_eq!(
            select_items(&["B-1".to_string(), "A-1".into(), "B-1".into()], &part).unwrap(),
            vec!["B-1".to_string(), "A-1".into()]
        );
        assert_eq!(
            code(select_items(&[], &part).unwrap_err()),
            "surveillance.no_items"
        );
        assert_eq!(
            code(select_items(&["C-9".to_string()], &part).unwrap_err()),
            "application.unknown_item"
        );
    }

    #[test]
    fn the_machine_goes_planned_assigned_in_progress_concluded() {
        use SurveillanceEvent as E;
        use SurveillanceStatus as S;
        assert_eq!(apply(S::Planned, E::Assign).unwrap(), S::Assigned);
        assert_eq!(apply(S::Assigned, E::Assign).unwrap(), S::Assigned);
        assert_eq!(apply(S::Assigned, E::Work).unwrap(), S::InProgress);
        assert_eq!(apply(S::InProgress, E::Conclude).unwrap(), S::Concluded);
        assert!(apply(S::Planned, E::Work).is_err());
        assert!(apply(S::Planned, E::Conclude).is_err());
        assert!(apply(S::InProgress, E::Assign).is_err());
        for e in [E::Assign, E::Work, E::Conclude] {
            assert_eq!(
                code(apply(S::Concluded, e).unwrap_err()),
                "surveillance.wrong_state"
            );
        }
        for s in SurveillanceStatus::ALL {
            assert_eq!(s.as_str().parse::<SurveillanceStatus>().unwrap(), s);
        }
    }

    #[test]
    fn outcomes_are_read_from_their_names() {
        assert_eq!(
            Outcome::parse("maintain", None, None, None).unwrap(),
            Outcome::Maintain
        );
        assert_eq!(
            Outcome::parse("narrow", Some(" 仅限研发 "), Some(""), None).unwrap(),
            Outcome::Narrow {
                scope_zh: "仅限研发".into(),
                scope_en: None
            }
        );
        assert_eq!(
            code(Outcome::parse("narrow", None, None, None).unwrap_err()),
            "certificate.scope_missing"
        );
        assert_eq!(
            code(Outcome::parse("suspend", None, None, None).unwrap_err()),
            "certificate.suspension_until_invalid"
        );
        assert_eq!(
            code(Outcome::parse("close", None, None, None).unwrap_err()),
            "surveillance.outcome_unknown"
        );
    }

    #[test]
    fn every_assessor_scores_every_item_before_the_conclusion() {
        let (a, b) = (UserId::new(), UserId::new());
        let items = vec!["A-1".to_string(), "A-2".into()];
        let scored = vec![("A-1".to_string(), a), ("A-2".into(), a), ("A-1".into(), b)];
        assert_eq!(
            missing_scores(&items, &[a, b], &scored),
            vec![("A-2".to_string(), b)]
        );
        assert!(missing_scores(&items, &[a], &scored).is_empty());
    }

    #[test]
    fn levels_and_texts_follow_the_scoring_rules() {
        assert_eq!(score_level(5).unwrap().get(), 5);
        assert_eq!(
            code(score_level(6).unwrap_err()),
            "surveillance.level_out_of_range"
        );
        assert!(score_level(-1).is_err());
        assert_eq!(
            code(check_text(" ", true).unwrap_err()),
            "surveillance.reason_missing"
        );
        assert_eq!(check_text(" ", false).unwrap(), "");
        assert!(check_text(&"x".repeat(MAX_TEXT_CHARS + 1), false).is_err());
    }

    #[test]
    fn a_short_notice_date_lies_between_today_and_the_last_day() {
        let today = d(2027, 1, 10);
        assert!(check_short_notice(today, today, d(2029, 1, 1)).is_ok());
        assert_eq!(
            code(check_short_notice(d(2027, 1, 9), today, d(2029, 1, 1)).unwrap_err()),
            "surveillance.due_out_of_range"
        );
        assert!(check_short_notice(d(2029, 1, 2), today, d(2029, 1, 1)).is_err());
    }

    fn assessor(name: &str, part: &str) -> AssessorFacts {
        AssessorFacts {
            assessor: UserId::new(),
            display_name: name.into(),
            organisation: OrganisationId::new(),
            organisation_kind: OrganisationKind::Caict,
            certification_expires_on: d(2030, 1, 1),
            parts: vec![part.into()],
            declared_conflicts: vec![],
            employment: vec![],
        }
    }

    #[test]
    fn assessors_are_one_or_two_without_conflicts_by_the_panel_rules() {
        let app = ApplicationFacts {
            enterprise: OrganisationId::new(),
            group: vec![],
            part: "CD".into(),
        };
        let today = d(2027, 1, 10);
        let a = assessor("甲", "CD");
        let b = assessor("乙", "CD");
        let mut c = assessor("丙", "CD");
        c.declared_conflicts.push(DeclaredConflict {
            with: app.enterprise,
            reason: "consultant".into(),
        });
        let reg = vec![a.clone(), b.clone(), c.clone()];
        assert!(check_assessors(&[a.assessor], &reg, &app, today).is_ok());
        assert!(check_assessors(&[a.assessor, b.assessor], &reg, &app, today).is_ok());
        assert_eq!(
            check_assessors(&[], &reg, &app, today).unwrap_err(),
            vec![SurveillanceViolation::Size { members: 0 }]
        );
        let three =
            check_assessors(&[a.assessor, b.assessor, c.assessor], &reg, &app, today).unwrap_err();
        assert!(three.contains(&SurveillanceViolation::Size { members: 3 }));
        let conflicted = check_assessors(&[c.assessor], &reg, &app, today).unwrap_err();
        assert!(matches!(
            &conflicted[0],
            SurveillanceViolation::Panel(PanelViolation {
                rule: PanelRule::DeclaredConflict { .. },
                ..
            })
        ));
        let twice = check_assessors(&[a.assessor, a.assessor], &reg, &app, today).unwrap_err();
        assert!(twice.iter().any(|v| matches!(
            v,
            SurveillanceViolation::Panel(PanelViolation {
                rule: PanelRule::DuplicateMember,
                ..
            })
        )));
    }

    proptest! {
        #[test]
        fn due_dates_are_yearly_after_the_decision_and_within_the_validity(
            offset in 0i64..20_000,
            years in 1u32..6,
            interval in 1u32..25,
        ) {
            let decided = d(2000, 1, 1) + Duration::days(offset);
            let valid_until = decided.checked_add_months(Months::new(12 * years)).unwrap();
            let dates = due_dates(decided, valid_until, Months::new(interval));
            prop_assert!(!dates.is_empty() || interval > 12 * years);
            if let Some(first) = dates.first() {
                prop_assert!(*first > decided);
                prop_assert!(*first <= decided.checked_add_months(Months::new(interval)).unwrap());
            }
            for w in dates.windows(2) {
                prop_assert!(w[0] < w[1]);
            }
            prop_assert!(dates.iter().all(|d| *d <= valid_until));
            // Each next due date follows the last planned one.
            let mut last = None;
            for expected in &dates {
                let next = next_due(decided, valid_until, Months::new(interval), last);
                prop_assert_eq!(next, Some(*expected));
                last = next;
            }
            prop_assert_eq!(next_due(decided, valid_until, Months::new(interval), last), None);
        }

        #[test]
        fn urgency_is_monotone_in_time(due_offset in 0i64..1000, a in 0i64..1000, b in 0i64..1000) {
            let due = d(2027, 1, 1) + Duration::days(due_offset);
            let (early, late) = (d(2027, 1, 1) + Duration::days(a.min(b)), d(2027, 1, 1) + Duration::days(a.max(b)));
            let rank = |u: Urgency| match u { Urgency::Upcoming => 0, Urgency::Due => 1, Urgency::Overdue => 2 };
            prop_assert!(rank(urgency(due, early)) <= rank(urgency(due, late)));
        }

        #[test]
        fn selected_items_are_always_part_items_without_repeats(
            picks in proptest::collection::vec(0usize..6, 0..10)
        ) {
            let part: Vec<String> = (0..4).map(|i| format!("I-{i}")).collect();
            let chosen: Vec<String> = picks.iter().map(|i| format!("I-{i}")).collect();
            match select_items(&chosen, &part) {
                Ok(items) => {
                    prop_assert!(!items.is_empty());
                    prop_assert!(items.iter().all(|i| part.contains(i)));
                    let set: BTreeSet<_> = items.iter().collect();
                    prop_assert_eq!(set.len(), items.len());
                }
                Err(_) => prop_assert!(chosen.is_empty() || picks.iter().any(|i| *i >= 4)),
            }
        }
    }
}
