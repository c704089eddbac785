//! Assessment rounds: the dates and parts a secretariat sets, checked together, and what
//! of a round may still change.
//!
//! A round is a draft only the secretariat sees until it is published. A draft may change
//! in every respect. Once published, enterprises plan by its dates and parts, so they may
//! change only before registration opens and while nobody has applied; the names may
//! always be corrected.

use chrono::NaiveDate;

use super::calendar::{RegistrationWindow, WindowReversed};
use super::catalog::{Bilingual, Model, Usage};

/// A round as the secretariat proposes it, before it is checked.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RoundInput {
    pub name_zh: String,
    pub name_en: String,
    pub registration_opens: NaiveDate,
    pub registration_closes: NaiveDate,
    pub assessment_starts: NaiveDate,
    pub assessment_ends: NaiveDate,
    pub results_on: NaiveDate,
    /// Codes of the model's parts open for application.
    pub parts: Vec<String>,
}

/// A checked round: every rule below holds.
#[derive(Debug, Clone)]
pub struct RoundPlan {
    pub name: Bilingual,
    pub registration: RegistrationWindow,
    pub assessment: (NaiveDate, NaiveDate),
    pub results_on: NaiveDate,
    pub parts: Vec<String>,
}

/// Why a round cannot be planned as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundRefusal {
    #[error("a round needs a name in Chinese and in English")]
    NameMissing,
    #[error("model '{0}' is for self-assessment; rounds assess certification models")]
    SelfAssessmentModel(String),
    #[error(transparent)]
    Window(#[from] WindowReversed),
    #[error("the assessment must start after registration closes ({closes}), not on {starts}")]
    AssessmentTooEarly {
        closes: NaiveDate,
        starts: NaiveDate,
    },
    #[error("the assessment cannot end on {ends}, before it starts on {starts}")]
    AssessmentEndsFirst { starts: NaiveDate, ends: NaiveDate },
    #[error("results must come after the assessment ends ({ends}), not on {results}")]
    ResultsTooEarly { ends: NaiveDate, results: NaiveDate },
    #[error("open at least one part for application")]
    NoParts,
    #[error("the model has no part '{code}' (it has {})", known.join(", "))]
    UnknownPart { code: String, known: Vec<String> },
    #[error("registration opened on {opens} or someone applied: only the names may change")]
    DatesLocked { opens: NaiveDate },
    #[error("the round is already published")]
    AlreadyPublished,
}

/// What of a round may still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editable {
    Everything,
    NamesOnly,
}

/// See the module documentation; `today` is the Beijing date.
pub fn editable(
    published: bool,
    registration_opens: NaiveDate,
    today: NaiveDate,
    applications: i64,
) -> Editable {
    if !published || (today < registration_opens && applications == 0) {
        Editable::Everything
    } else {
        Editable::NamesOnly
    }
}

/// Refuses a change of dates or parts once only the names may change.
pub fn check_edit(
    editable: Editable,
    current: &RoundPlan,
    next: &RoundPlan,
) -> Result<(), RoundRefusal> {
    let mut before = current.parts.clone();
    let mut after = next.parts.clone();
    before.sort();
    after.sort();
    let same = current.registration == next.registration
        && current.assessment == next.assessment
        && current.results_on == next.results_on
        && before == after;
    if editable == Editable::NamesOnly && !same {
        return Err(RoundRefusal::DatesLocked {
            opens: current.registration.opens(),
        });
    }
    Ok(())
}

/// A draft becomes visible to everyone once; publishing again is refused.
pub fn publish(published: bool) -> Result<(), RoundRefusal> {
    if published {
        Err(RoundRefusal::AlreadyPublished)
    } else {
        Ok(())
    }
}

/// The timeline must run forward (registration, then assessment, then results) and the
/// parts must exist in the pinned model. A registration window in a year without a
/// public-holiday calendar is allowed: it falls back to weekends only, and the round's
/// pages warn about it (`calendar::uncovered_years`).
pub fn plan_round(input: RoundInput, model: &Model) -> Result<RoundPlan, RoundRefusal> {
    let name = Bilingual {
        zh: input.name_zh.trim().to_string(),
        en: input.name_en.trim().to_string(),
    };
    if name.zh.is_empty() || name.en.is_empty() {
        return Err(RoundRefusal::NameMissing);
    }
    if model.usage != Usage::Certification {
        return Err(RoundRefusal::SelfAssessmentModel(model.code.clone()));
    }
    let registration =
        RegistrationWindow::new(input.registration_opens, input.registration_closes)?;
    if input.assessment_starts <= input.registration_closes {
        return Err(RoundRefusal::AssessmentTooEarly {
            closes: input.registration_closes,
            starts: input.assessment_starts,
        });
    }
    if input.assessment_ends < input.assessment_starts {
        return Err(RoundRefusal::AssessmentEndsFirst {
            starts: input.assessment_starts,
            ends: input.assessment_ends,
        });
    }
    if input.results_on <= input.assessment_ends {
        return Err(RoundRefusal::ResultsTooEarly {
            ends: input.assessment_ends,
            results: input.results_on,
        });
    }
    if input.parts.is_empty() {
        return Err(RoundRefusal::NoParts);
    }
    let mut parts = Vec::new();
    for code in input.parts {
        let code = code.trim().to_string();
        if model.part(&code).is_none() {
            let known = model.parts.iter().map(|p| p.code.clone()).collect();
            return Err(RoundRefusal::UnknownPart { code, known });
        }
        if !parts.contains(&code) {
            parts.push(code);
        }
    }
    Ok(RoundPlan {
        name,
        registration,
        assessment: (input.assessment_starts, input.assessment_ends),
        results_on: input.results_on,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::parse_model;

    fn model() -> Model {
        parse_model(
            "caict",
            include_str!("../../fixtures/models/caict-devops.toml"),
        )
        .unwrap()
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, day).unwrap()
    }

    /// The seed's round: registration until 10 February 2021, assessment 25 February to
    /// mid-April, results in May.
    fn seed_round() -> RoundInput {
        RoundInput {
            name_zh: "2021年DevOps能力成熟度评估".into(),
            name_en: "DevOps capability maturity assessment 2021".into(),
            registration_opens: d(1, 18),
            registration_closes: d(2, 10),
            assessment_starts: d(2, 25),
            assessment_ends: d(4, 15),
            results_on: d(5, 20),
            parts: vec!["CD".into(), "SEC".into()],
        }
    }

    #[test]
    fn the_seed_round_is_a_valid_plan() {
        let plan = plan_round(seed_round(), &model()).unwrap();
        assert_eq!(plan.parts, ["CD", "SEC"]);
        assert_eq!(plan.registration.closes(), d(2, 10));
    }

    #[test]
    fn a_timeline_that_runs_backwards_is_refused_with_the_dates() {
        let mut r = seed_round();
        r.assessment_starts = d(2, 10);
        assert!(plan_round(r, &model())
            .unwrap_err()
            .to_string()
            .contains("after registration closes"));
        let mut r = seed_round();
        r.results_on = d(4, 1);
        assert!(plan_round(r, &model())
            .unwrap_err()
            .to_string()
            .contains("results must come after"));
        let mut r = seed_round();
        r.parts = vec!["XX".into()];
        assert!(plan_round(r, &model())
            .unwrap_err()
            .to_string()
            .contains("no part 'XX'"));
    }

    #[test]
    fn a_window_in_a_year_without_a_calendar_is_planned() {
        let mut r = seed_round();
        r.registration_opens = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        r.registration_closes = NaiveDate::from_ymd_opt(2027, 2, 10).unwrap();
        r.assessment_starts = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        r.assessment_ends = NaiveDate::from_ymd_opt(2027, 4, 1).unwrap();
        r.results_on = NaiveDate::from_ymd_opt(2027, 5, 1).unwrap();
        assert!(plan_round(r, &model()).is_ok());
    }

    #[test]
    fn dates_lock_once_a_published_round_opens_or_has_applications() {
        let opens = d(1, 18);
        assert_eq!(editable(false, opens, d(3, 1), 5), Editable::Everything);
        assert_eq!(editable(true, opens, d(1, 17), 0), Editable::Everything);
        assert_eq!(editable(true, opens, d(1, 18), 0), Editable::NamesOnly);
        assert_eq!(editable(true, opens, d(1, 10), 1), Editable::NamesOnly);

        let current = plan_round(seed_round(), &model()).unwrap();
        let mut renamed = seed_round();
        renamed.name_en = "Renamed".into();
        renamed.parts = vec!["SEC".into(), "CD".into()];
        let renamed = plan_round(renamed, &model()).unwrap();
        assert_eq!(check_edit(Editable::NamesOnly, &current, &renamed), Ok(()));
        let mut moved = seed_round();
        moved.results_on = d(5, 21);
        let moved = plan_round(moved, &model()).unwrap();
        assert_eq!(
            check_edit(Editable::NamesOnly, &current, &moved),
            Err(RoundRefusal::DatesLocked { opens })
        );
        assert_eq!(check_edit(Editable::Everything, &current, &moved), Ok(()));
    }

    #[test]
    fn a_round_is_published_once() {
        assert_eq!(publish(false), Ok(()));
        assert_eq!(publish(true), Err(RoundRefusal::AlreadyPublished));
    }
}
