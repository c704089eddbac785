//! Pre-issuance linting (feature: certs): before a payload is signed it is compared with
//! the decision it claims to record, as a CA lints a certificate before signing it. Pure.

use crate::domain::certificate::{CertificatePayload, PAYLOAD_SCHEMA};

/// What the approved decision and the part result say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved<'a> {
    pub part_code: &'a str,
    pub achieved_level: i32,
    pub enterprise_name_zh: &'a str,
    pub credit_code: &'a str,
    pub decision_approved: bool,
}

/// One disagreement between a payload and its decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintProblem {
    #[error("the last review decision did not approve the application")]
    NotApproved,
    #[error("payload schema '{schema}' is not '{PAYLOAD_SCHEMA}'")]
    Schema { schema: String },
    #[error("part '{part}' differs from the approved part '{approved}'")]
    Part { part: String, approved: String },
    #[error("level {level} differs from the achieved level {achieved}")]
    Level { level: u8, achieved: i32 },
    #[error("enterprise '{name}' differs from the applicant '{applicant}'")]
    Enterprise { name: String, applicant: String },
    #[error("credit code '{code}' differs from the applicant's '{applicant}'")]
    CreditCode { code: String, applicant: String },
    #[error("the validity ends before it starts")]
    Validity,
}

/// Every disagreement between the payload and the decision, in a fixed order; empty when
/// the payload may be signed.
pub fn lint(payload: &CertificatePayload, approved: &Approved<'_>) -> Vec<LintProblem> {
    let mut problems = Vec::new();
    if !approved.decision_approved {
        problems.push(LintProblem::NotApproved);
    }
    if payload.schema != PAYLOAD_SCHEMA {
        problems.push(LintProblem::Schema {
            schema: payload.schema.clone(),
        });
    }
    if payload.part_code != approved.part_code {
        problems.push(LintProblem::Part {
            part: payload.part_code.clone(),
            approved: approved.part_code.to_owned(),
        });
    }
    if i32::from(payload.level) != approved.achieved_level || payload.level == 0 {
        problems.push(LintProblem::Level {
            level: payload.level,
            achieved: approved.achieved_level,
        });
    }
    if payload.enterprise_name_zh != approved.enterprise_name_zh {
        problems.push(LintProblem::Enterprise {
            name: payload.enterprise_name_zh.clone(),
            applicant: approved.enterprise_name_zh.to_owned(),
        });
    }
    if payload.credit_code != approved.credit_code {
        problems.push(LintProblem::CreditCode {
            code: payload.credit_code.clone(),
            applicant: approved.credit_code.to_owned(),
        });
    }
    if payload.valid_until <= payload.issue_date {
        problems.push(LintProblem::Validity);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::{certificate_number, valid_until};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn payload() -> CertificatePayload {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        CertificatePayload {
            schema: PAYLOAD_SCHEMA.into(),
            certificate_number: certificate_number(2026, "CD", 1),
            certificate_id: uuid::Uuid::nil(),
            enterprise_name_zh: "张喆科技".into(),
            enterprise_name_en: "Zhe Tech".into(),
            credit_code: "91110108MA01ABCD2X".into(),
            model_code: "m".into(),
            model_version: "1".into(),
            part_code: "CD".into(),
            part_name_zh: "持续交付".into(),
            part_name_en: "CD".into(),
            level: 3,
            level_name_zh: "三级".into(),
            level_name_en: "Three".into(),
            round_name_zh: "第一批".into(),
            round_name_en: "Round 1".into(),
            scope_zh: "全部".into(),
            scope_en: Some("All".into()),
            issue_date: d,
            valid_until: valid_until(d),
            issuer_key_id: "K".into(),
            supersedes: None,
            renews: None,
        }
    }

    fn approved() -> Approved<'static> {
        Approved {
            part_code: "CD",
            achieved_level: 3,
            enterprise_name_zh: "张喆科技",
            credit_code: "91110108MA01ABCD2X",
            decision_approved: true,
        }
    }

    #[test]
    fn a_payload_matching_the_decision_passes() {
        assert!(lint(&payload(), &approved()).is_empty());
    }

    #[test]
    fn each_mismatch_is_named() {
        type Change = fn(&mut CertificatePayload);
        let cases: [(Change, &str); 4] = [
            (|p| p.level = 4, "level 4"),
            (|p| p.part_code = "TO".into(), "part 'TO'"),
            (
                |p| p.enterprise_name_zh = "别家".into(),
                "enterprise '别家'",
            ),
            (|p| p.credit_code = "X".into(), "credit code 'X'"),
        ];
        for (change, needle) in cases {
            let mut p = payload();
            change(&mut p);
            let problems = lint(&p, &approved());
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(problems[0].to_string().contains(needle), "{problems:?}");
        }
        let refused = Approved {
            decision_approved: false,
            ..approved()
        };
        assert_eq!(lint(&payload(), &refused).len(), 1);
    }

    proptest! {
        #[test]
        fn only_the_achieved_level_passes(level in 0u8..=9, achieved in 1i32..=5) {
            let mut p = payload();
            p.level = level;
            let a = Approved { achieved_level: achieved, ..approved() };
            prop_assert_eq!(lint(&p, &a).is_empty(), i32::from(level) == achieved);
        }
    }
}
