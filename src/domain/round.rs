//! Assessment rounds: the dates and parts a secretariat sets, checked together.

use chrono::NaiveDate;

use super::calendar::{
    check_window_covered, CalendarError, Calendars, RegistrationWindow, WindowReversed,
};
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
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// The timeline must run forward (registration, then assessment, then results), the
/// parts must exist in the pinned model, and every year the registration window touches
/// must have a public-holiday calendar, so holidays are never silently treated as open.
pub fn plan_round(
    input: RoundInput,
    model: &Model,
    calendars: &Calendars,
) -> Result<RoundPlan, RoundRefusal> {
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
    check_window_covered(registration, calendars)?;
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
    use crate::domain::calendar::parse_calendar;
    use crate::domain::catalog::parse_model;

    fn model() -> Model {
        parse_model(
            "caict",
            include_str!("../../fixtures/models/caict-devops.toml"),
        )
        .unwrap()
    }

    fn calendars() -> Calendars {
        Calendars::new([parse_calendar(
            "cn-2021",
            include_str!("../../fixtures/calendars/cn-2021.toml"),
        )
        .unwrap()])
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
        let plan = plan_round(seed_round(), &model(), &calendars()).unwrap();
        assert_eq!(plan.parts, ["CD", "SEC"]);
        assert_eq!(plan.registration.closes(), d(2, 10));
    }

    #[test]
    fn a_timeline_that_runs_backwards_is_refused_with_the_dates() {
        let mut r = seed_round();
        r.assessment_starts = d(2, 10);
        assert!(plan_round(r, &model(), &calendars())
            .unwrap_err()
            .to_string()
            .contains("after registration closes"));
        let mut r = seed_round();
        r.results_on = d(4, 1);
        assert!(plan_round(r, &model(), &calendars())
            .unwrap_err()
            .to_string()
            .contains("results must come after"));
        let mut r = seed_round();
        r.parts = vec!["XX".into()];
        assert!(plan_round(r, &model(), &calendars())
            .unwrap_err()
            .to_string()
            .contains("no part 'XX'"));
    }

    #[test]
    fn a_window_in_a_year_without_a_calendar_is_refused() {
        let mut r = seed_round();
        r.registration_opens = NaiveDate::from_ymd_opt(2021, 12, 1).unwrap();
        r.registration_closes = NaiveDate::from_ymd_opt(2022, 1, 10).unwrap();
        r.assessment_starts = NaiveDate::from_ymd_opt(2022, 2, 1).unwrap();
        r.assessment_ends = NaiveDate::from_ymd_opt(2022, 3, 1).unwrap();
        r.results_on = NaiveDate::from_ymd_opt(2022, 4, 1).unwrap();
        let e = plan_round(r, &model(), &calendars())
            .unwrap_err()
            .to_string();
        assert!(e.contains("2022"), "{e}");
    }
}
