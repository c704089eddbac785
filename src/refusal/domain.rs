//! The domain's own refusals (typed errors of its rules) as coded reasons.

use super::{Arg, Code, Reason};
use crate::domain::account::{AccountInputError, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::domain::appeal::{
    AppealPanelViolation, AppealRefusal, Involvement, MAX_PANEL as APPEAL_PANEL_MAX,
};
use crate::domain::application::RequestRefusal;
use crate::domain::application_status::{Event, Refusal as StatusRefusal};
use crate::domain::assessment::ScoreRefusal;
use crate::domain::assign::{InvalidInput, SeatsOutOfRange, Shortfall};
use crate::domain::calendar::{
    CalendarError, CalendarProblem, RegistrationStatus, WindowReversed, LONGEST_HOLIDAY_DAYS,
};
use crate::domain::catalog::{
    Bilingual, CatalogError, CatalogProblem, TomlSyntax, CODE_MAX_CHARS, MAX_LEVELS, MIN_LEVELS,
};
use crate::domain::certificate::PAYLOAD_SCHEMA;
use crate::domain::certificate_lint::LintProblem;
use crate::domain::complaint::ComplaintRefusal;
use crate::domain::credit_code::CreditCodeError;
use crate::domain::evidence::{FileRefused, LimitExceeded, Locked, ALLOWED_EXTENSIONS};
use crate::domain::i18n::Lang;
use crate::domain::invitation::LinkRefusal;
use crate::domain::panel::{PanelRule, PanelViolation, MAX_MEMBERS, MIN_MEMBERS};
use crate::domain::round::RoundRefusal;
use crate::domain::scoring::ReviewError;
use crate::domain::self_assessment::{AnswerError, RoadmapError, Stage};
use crate::domain::size::binary;

impl From<StatusRefusal> for Reason {
    fn from(r: StatusRefusal) -> Reason {
        match r {
            StatusRefusal::WrongState {
                verb,
                state,
                allowed,
            } => Code::StatusWrongState
                .with("action", action(verb))
                .with("status", state)
                .with("allowed", Arg::Statuses(allowed)),
            StatusRefusal::ReasonMissing { verb } => {
                Code::StatusReasonMissing.with("action", action(verb))
            }
        }
    }
}

impl From<Locked> for Reason {
    fn from(l: Locked) -> Reason {
        match l {
            Locked::ClarificationEnded { until } => Code::EvidenceClarificationEnded
                .with("until", until.format("%Y-%m-%d %H:%M").to_string()),
            Locked::Submitted { status } => Code::EvidenceLocked.with("status", status),
        }
    }
}

impl From<LimitExceeded> for Reason {
    fn from(l: LimitExceeded) -> Reason {
        match l {
            LimitExceeded::File { max } => Code::EvidenceFileTooLarge.with("max", binary(max)),
            LimitExceeded::Quota { quota, used } => Code::EvidenceQuotaExceeded
                .with("quota", binary(quota))
                .with("used", binary(used)),
        }
    }
}

impl From<FileRefused> for Reason {
    fn from(f: FileRefused) -> Reason {
        match f {
            FileRefused::NoExtension => {
                Code::EvidenceNoExtension.with("allowed", ALLOWED_EXTENSIONS)
            }
            FileRefused::TypeNotAccepted { extension } => Code::EvidenceTypeNotAccepted
                .with("extension", extension)
                .with("allowed", ALLOWED_EXTENSIONS),
            FileRefused::Empty { name } => Code::EvidenceEmpty.with("name", name),
            FileRefused::ContentMismatch { name, extension } => Code::EvidenceContentMismatch
                .with("name", name)
                .with("extension", extension),
            FileRefused::ZipUnreadable => Code::EvidenceZipUnreadable.into(),
            FileRefused::ZipDamaged => Code::EvidenceZipDamaged.into(),
            FileRefused::UnsafePath { path } => Code::EvidenceZipUnsafePath.with("path", path),
            FileRefused::ArchiveTooLarge { size, max } => Code::EvidenceZipTooLarge
                .with("size", binary(size))
                .with("max", binary(max)),
        }
    }
}

impl From<LintProblem> for Reason {
    fn from(p: LintProblem) -> Reason {
        match p {
            LintProblem::NotApproved => Code::LintNotApproved.into(),
            LintProblem::Schema { schema } => Code::LintSchema
                .with("schema", schema)
                .with("expected", PAYLOAD_SCHEMA),
            LintProblem::Part { part, approved } => {
                Code::LintPart.with("part", part).with("approved", approved)
            }
            LintProblem::Level { level, achieved } => Code::LintLevel
                .with("level", level)
                .with("achieved", achieved),
            LintProblem::Enterprise { name, applicant } => Code::LintEnterprise
                .with("name", name)
                .with("applicant", applicant),
            LintProblem::CreditCode { code, applicant } => Code::LintCreditCode
                .with("code", code)
                .with("applicant", applicant),
            LintProblem::Validity => Code::LintValidity.into(),
        }
    }
}

impl From<InvalidInput> for Reason {
    fn from(i: InvalidInput) -> Reason {
        match i {
            InvalidInput::PreferenceOutOfRange {
                assessor,
                application,
                count,
            } => Code::AssignmentPreferenceOutOfRange
                .with("assessor", assessor)
                .with("application", application)
                .with("count", count),
            InvalidInput::ConflictOutOfRange {
                application,
                assessor,
                pool,
            } => Code::AssignmentConflictOutOfRange
                .with("application", application)
                .with("assessor", assessor)
                .with("pool", pool),
            InvalidInput::NegativeLoadWeight => Code::AssignmentNegativeLoadWeight.into(),
            InvalidInput::WeightsTooLarge { max } => {
                Code::AssignmentWeightsTooLarge.with("max", max)
            }
        }
    }
}

/// A model file's problem: the file, its line when known, and the check it failed.
impl From<CatalogError> for Reason {
    fn from(e: CatalogError) -> Reason {
        let problem = Reason::from(e.problem);
        match e.line {
            Some(line) => Code::ModelFileInvalidAtLine
                .with("file", e.file)
                .with("line", line)
                .with("reason", problem),
            None => Code::ModelFileInvalid
                .with("file", e.file)
                .with("reason", problem),
        }
    }
}

impl From<CatalogProblem> for Reason {
    fn from(p: CatalogProblem) -> Reason {
        match p {
            CatalogProblem::Syntax(TomlSyntax { column, near }) => Code::CatalogTomlSyntax
                .with("column", column)
                .with("near", near),
            CatalogProblem::CodeShape { code, characters } => Code::CatalogCodeShape
                .with("code", code)
                .with("max", CODE_MAX_CHARS)
                .with("characters", characters),
            CatalogProblem::CodeUsedTwice { code } => Code::CatalogCodeUsedTwice.with("code", code),
            CatalogProblem::ModelNameIncomplete => Code::CatalogModelNameIncomplete.into(),
            CatalogProblem::LevelCount { found } => Code::CatalogLevelCount
                .with("min", MIN_LEVELS)
                .with("max", MAX_LEVELS)
                .with("found", found),
            CatalogProblem::LevelOrder { expected, found } => Code::CatalogLevelOrder
                .with("expected", expected)
                .with("found", found),
            CatalogProblem::LevelNameIncomplete { level } => {
                Code::CatalogLevelNameIncomplete.with("level", level)
            }
            CatalogProblem::NoParts => Code::CatalogNoParts.into(),
            CatalogProblem::PartNameIncomplete { part } => {
                Code::CatalogPartNameIncomplete.with("part", part)
            }
            CatalogProblem::PartWithoutDomains { part } => {
                Code::CatalogPartWithoutDomains.with("part", part)
            }
            CatalogProblem::DomainNameIncomplete { domain } => {
                Code::CatalogDomainNameIncomplete.with("domain", domain)
            }
            CatalogProblem::DomainWithoutItems { domain } => {
                Code::CatalogDomainWithoutItems.with("domain", domain)
            }
            CatalogProblem::ItemNameIncomplete { item } => {
                Code::CatalogItemNameIncomplete.with("item", item)
            }
            CatalogProblem::CriteriaCount {
                item,
                found,
                levels,
            } => Code::CatalogCriteriaCount
                .with("item", item)
                .with("found", found)
                .with("levels", levels),
            CatalogProblem::CriteriaOrder { item, levels } => Code::CatalogCriteriaOrder
                .with("item", item)
                .with("levels", levels),
            CatalogProblem::CriterionIncomplete { item, level } => Code::CatalogCriterionIncomplete
                .with("item", item)
                .with("level", level),
        }
    }
}

/// A calendar file's problem: the file, its line when known, and the check it failed.
impl From<CalendarError> for Reason {
    fn from(e: CalendarError) -> Reason {
        match e {
            CalendarError::Invalid {
                file,
                line,
                problem,
            } => calendar_invalid(file, line, *problem),
        }
    }
}

fn calendar_invalid(file: String, line: Option<usize>, problem: CalendarProblem) -> Reason {
    let problem = Reason::from(problem);
    match line {
        Some(line) => Code::CalendarInvalidAtLine
            .with("file", file)
            .with("line", line)
            .with("reason", problem),
        None => Code::CalendarInvalid
            .with("file", file)
            .with("reason", problem),
    }
}

impl From<CalendarProblem> for Reason {
    fn from(p: CalendarProblem) -> Reason {
        let name = |n: Bilingual| Arg::Translated { zh: n.zh, en: n.en };
        match p {
            CalendarProblem::Syntax(TomlSyntax { column, near }) => Code::CalendarTomlSyntax
                .with("column", column)
                .with("near", near),
            CalendarProblem::UnusableYear { year } => Code::CalendarUnusableYear.with("year", year),
            CalendarProblem::SourceEmpty => Code::CalendarSourceEmpty.into(),
            CalendarProblem::NoHolidays => Code::CalendarNoHolidays.into(),
            CalendarProblem::NotADate { year, found } => Code::CalendarNotADate
                .with("year", year)
                .with("found", found),
            CalendarProblem::DateOutsideYear { date, year } => Code::CalendarDateOutsideYear
                .with("date", date)
                .with("year", year)
                .with("previous", year - 1),
            CalendarProblem::HolidayNameIncomplete { from } => {
                Code::CalendarHolidayNameIncomplete.with("from", from)
            }
            CalendarProblem::HolidayReversed { name: n, from, to } => Code::CalendarHolidayReversed
                .with("holiday", name(n))
                .with("from", from)
                .with("to", to),
            CalendarProblem::HolidayTooLong { name: n, from, to } => Code::CalendarHolidayTooLong
                .with("holiday", name(n))
                .with("from", from)
                .with("to", to)
                .with("max", LONGEST_HOLIDAY_DAYS),
            CalendarProblem::HolidaysOverlap { name: n, other } => Code::CalendarHolidaysOverlap
                .with("holiday", name(n))
                .with("other", name(other.name))
                .with("from", other.from)
                .with("to", other.to),
            CalendarProblem::MakeupNotWeekend { date, weekday } => Code::CalendarMakeupNotWeekend
                .with("date", date)
                .with("weekday", weekday_name(weekday)),
            CalendarProblem::MakeupInsideHoliday { date, holiday } => {
                Code::CalendarMakeupInsideHoliday
                    .with("date", date)
                    .with("holiday", name(holiday.name))
                    .with("from", holiday.from)
                    .with("to", holiday.to)
            }
            CalendarProblem::MakeupForUnknownHoliday { date, for_holiday } => {
                Code::CalendarMakeupForUnknownHoliday
                    .with("date", date)
                    .with("holiday", for_holiday)
            }
            CalendarProblem::MakeupListedTwice { date } => {
                Code::CalendarMakeupListedTwice.with("date", date)
            }
            CalendarProblem::SecondCalendar { year } => {
                Code::CalendarSecondCalendar.with("year", year)
            }
            CalendarProblem::DayInTwoFiles { date, other } => Code::CalendarDayInTwoFiles
                .with("date", date)
                .with("other", other),
            CalendarProblem::DayListedTwice { date } => {
                Code::CalendarDayListedTwice.with("date", date)
            }
        }
    }
}

fn weekday_name(day: chrono::Weekday) -> Arg {
    use chrono::Weekday::*;
    let (zh, en) = match day {
        Mon => ("星期一", "Monday"),
        Tue => ("星期二", "Tuesday"),
        Wed => ("星期三", "Wednesday"),
        Thu => ("星期四", "Thursday"),
        Fri => ("星期五", "Friday"),
        Sat => ("星期六", "Saturday"),
        Sun => ("星期日", "Sunday"),
    };
    Arg::Translated {
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

impl From<AccountInputError> for Reason {
    fn from(e: AccountInputError) -> Reason {
        match e {
            AccountInputError::NotAnEmail(text) => Code::NotAnEmail.with("text", text),
            AccountInputError::NameEmpty => Code::NameEmpty.into(),
            AccountInputError::NameTooLong => Code::NameTooLong.into(),
            AccountInputError::NameControlCharacter => Code::NameControlCharacter.into(),
            AccountInputError::PasswordTooShort(count) => Code::PasswordTooShort
                .with("count", count)
                .with("min", PASSWORD_MIN_CHARS),
            AccountInputError::PasswordTooLong(count) => Code::PasswordTooLong
                .with("count", count)
                .with("max", PASSWORD_MAX_CHARS),
        }
    }
}

impl From<ScoreRefusal> for Reason {
    fn from(r: ScoreRefusal) -> Reason {
        match r {
            ScoreRefusal::UnknownItem { part, item } => Code::UnknownCapabilityItem
                .with("part", part)
                .with("item", item),
            ScoreRefusal::LevelAndReason => Code::ScoreLevelAndReason.into(),
            ScoreRefusal::LevelOutOfRange(level) => Code::ScoreLevelOutOfRange.with("level", level),
            ScoreRefusal::AboveTarget { level, target } => Code::ScoreAboveTarget
                .with("level", level.get())
                .with("target", target.get()),
            ScoreRefusal::NoLevel => Code::ScoreNoLevel.into(),
            ScoreRefusal::ForeignEvidence { evidence, item } => Code::ScoreForeignEvidence
                .with("evidence", evidence)
                .with("item", item),
        }
    }
}

impl From<RoundRefusal> for Reason {
    fn from(r: RoundRefusal) -> Reason {
        match r {
            RoundRefusal::NameMissing => Code::RoundNameMissing.into(),
            RoundRefusal::SelfAssessmentModel(model) => {
                Code::RoundSelfAssessmentModel.with("model", model)
            }
            RoundRefusal::Window(WindowReversed { opens, closes }) => {
                Code::RegistrationWindowReversed
                    .with("closes", closes)
                    .with("opens", opens)
            }
            RoundRefusal::AssessmentTooEarly { closes, starts } => Code::RoundAssessmentTooEarly
                .with("closes", closes)
                .with("starts", starts),
            RoundRefusal::AssessmentEndsFirst { starts, ends } => Code::RoundAssessmentEndsFirst
                .with("ends", ends)
                .with("starts", starts),
            RoundRefusal::ResultsTooEarly { ends, results } => Code::RoundResultsTooEarly
                .with("ends", ends)
                .with("results", results),
            RoundRefusal::NoParts => Code::RoundNoParts.into(),
            RoundRefusal::UnknownPart { code, known } => Code::RoundUnknownPart
                .with("code", code)
                .with("known", known),
            RoundRefusal::DatesLocked { opens } => Code::RoundDatesLocked.with("opens", opens),
            RoundRefusal::AlreadyPublished => Code::RoundAlreadyPublished.into(),
        }
    }
}

impl From<RequestRefusal> for Reason {
    fn from(r: RequestRefusal) -> Reason {
        match r {
            RequestRefusal::PartNotOpen { part, open } => Code::ApplicationPartNotOpen
                .with("part", part)
                .with("open", open),
            RequestRefusal::TargetOutOfRange { max, given } => Code::ApplicationTargetOutOfRange
                .with("max", max)
                .with("given", given),
            RequestRefusal::ScopeMissing => Code::ApplicationScopeMissing.into(),
            RequestRefusal::ScopeTooLong => Code::ApplicationScopeTooLong.into(),
            RequestRefusal::ScopeEnTooLong => Code::ApplicationScopeEnTooLong.into(),
            RequestRefusal::Contact(e) => Code::ContactInvalid.with("reason", Reason::from(e)),
        }
    }
}

impl From<&PanelViolation> for Reason {
    fn from(v: &PanelViolation) -> Reason {
        let person = v.person.clone().unwrap_or_default();
        let size = |reason: Reason| reason.with("min", MIN_MEMBERS).with("max", MAX_MEMBERS);
        match &v.rule {
            PanelRule::Size { members: 1 } => size(Code::PanelSizeOne.into()),
            PanelRule::Size { members } => size(Code::PanelSize.with("members", *members)),
            PanelRule::NoLead => Code::PanelNoLead.into(),
            PanelRule::SeveralLeads { names } => {
                Code::PanelSeveralLeads.with("names", names.clone())
            }
            PanelRule::LeadNotCaict => Code::PanelLeadNotCaict.with("person", person),
            PanelRule::UnknownAssessor => Code::PanelUnknownAssessor.with("person", person),
            PanelRule::DuplicateMember => Code::PanelDuplicateMember.with("person", person),
            PanelRule::NotQualified { part } => Code::PanelNotQualified
                .with("person", person)
                .with("part", part),
            PanelRule::CertificationExpired { expired_on } => Code::PanelCertificationExpired
                .with("person", person)
                .with("expired_on", *expired_on),
            PanelRule::DeclaredConflict { .. } => {
                Code::PanelDeclaredConflict.with("person", person)
            }
            PanelRule::EmployedByApplicant => Code::PanelEmployedByApplicant.with("person", person),
            PanelRule::FormerMember { left_on } => Code::PanelFormerMember
                .with("person", person)
                .with("left_on", *left_on),
        }
    }
}

impl From<SeatsOutOfRange> for Reason {
    fn from(SeatsOutOfRange(seats): SeatsOutOfRange) -> Reason {
        Code::SeatsOutOfRange
            .with("seats", seats)
            .with("min", MIN_MEMBERS)
            .with("max", MAX_MEMBERS)
    }
}

impl From<ReviewError> for Reason {
    fn from(e: ReviewError) -> Reason {
        match e {
            ReviewError::QuorumUnreachable { quorum, eligible } => Code::QuorumUnreachable
                .with("quorum", quorum)
                .with("eligible", eligible),
            ReviewError::ZeroQuorum => Code::ZeroQuorum.into(),
            ReviewError::TooManyVotes { votes, eligible } => Code::TooManyVotes
                .with("votes", votes)
                .with("eligible", eligible),
            ReviewError::DuplicateVote(member) => {
                Code::DuplicateVote.with("member", member.to_string())
            }
        }
    }
}

impl From<LinkRefusal> for Reason {
    fn from(r: LinkRefusal) -> Reason {
        match r {
            LinkRefusal::Used => Code::LinkUsed.into(),
            LinkRefusal::Expired => Code::LinkExpired.into(),
        }
    }
}

impl From<CreditCodeError> for Reason {
    fn from(e: CreditCodeError) -> Reason {
        let char = |c: char| Arg::Text(c.to_string());
        match e {
            CreditCodeError::Empty => Code::CreditCodeEmpty.into(),
            CreditCodeError::WrongLength { code, found } => Code::CreditCodeWrongLength
                .with("code", code)
                .with("found", found),
            CreditCodeError::InvalidCharacter { position, found } => {
                Code::CreditCodeInvalidCharacter
                    .with("position", position)
                    .with("found", char(found))
            }
            CreditCodeError::UnknownAuthority { found } => {
                Code::CreditCodeUnknownAuthority.with("found", char(found))
            }
            CreditCodeError::UnknownOrganisationType { found } => {
                Code::CreditCodeUnknownOrganisationType.with("found", char(found))
            }
            CreditCodeError::DivisionNotNumeric { position, found } => {
                Code::CreditCodeDivisionNotNumeric
                    .with("position", position)
                    .with("found", char(found))
            }
            CreditCodeError::WrongCheckCharacter { found, expected } => {
                Code::CreditCodeWrongCheckCharacter
                    .with("found", char(found))
                    .with("expected", char(expected))
            }
        }
    }
}

impl From<AnswerError> for Reason {
    fn from(e: AnswerError) -> Reason {
        match e {
            AnswerError::UnknownCompetency(code) => {
                Code::AnswerUnknownCompetency.with("code", code)
            }
            AnswerError::StageNotInModel { stage, levels } => Code::AnswerStageNotInModel
                .with("stage", stage)
                .with("levels", levels),
        }
    }
}

impl From<RoadmapError> for Reason {
    fn from(e: RoadmapError) -> Reason {
        let name = |n: Bilingual| Arg::Translated { zh: n.zh, en: n.en };
        let stage = |s: Stage| Arg::Translated {
            zh: s.name(Lang::Zh).to_owned(),
            en: s.name(Lang::En).to_owned(),
        };
        match e {
            RoadmapError::QuarterCount(quarters) => {
                Code::RoadmapQuarterCount.with("quarters", quarters)
            }
            RoadmapError::UnknownCompetency { code } => {
                Code::RoadmapUnknownCompetency.with("code", code)
            }
            RoadmapError::Unanswered { name: n, .. } => {
                Code::RoadmapUnanswered.with("name", name(n))
            }
            RoadmapError::TargetBelowCurrent {
                name: n,
                current,
                target,
                ..
            } => Code::RoadmapTargetBelowCurrent
                .with("name", name(n))
                .with("target", stage(target))
                .with("current", stage(current)),
            RoadmapError::OverCapacity {
                raises,
                quarters,
                capacity,
            } => Code::RoadmapOverCapacity
                .with("raises", raises)
                .with("quarters", quarters)
                .with("capacity", capacity)
                .with("allowed", usize::from(quarters) * capacity),
            RoadmapError::UnplannedStep { quarter, code } => Code::RoadmapUnplannedStep
                .with("quarter", quarter)
                .with("code", code),
            RoadmapError::QuarterOutOfRange {
                name: n,
                quarter,
                quarters,
                ..
            } => Code::RoadmapQuarterOutOfRange
                .with("name", name(n))
                .with("quarter", quarter)
                .with("quarters", quarters),
            RoadmapError::TwoStepsInQuarter {
                name: n, quarter, ..
            } => Code::RoadmapTwoStepsInQuarter
                .with("name", name(n))
                .with("quarter", quarter),
            RoadmapError::StepMismatch {
                name: n,
                quarter,
                expected,
                found,
                ..
            } => Code::RoadmapStepMismatch
                .with("name", name(n))
                .with("quarter", quarter)
                .with("found", stage(found))
                .with("expected", stage(expected)),
            RoadmapError::NotARaise {
                name: n,
                quarter,
                from,
                to,
                ..
            } => Code::RoadmapNotARaise
                .with("name", name(n))
                .with("quarter", quarter)
                .with("from", stage(from))
                .with("to", stage(to)),
            RoadmapError::Leapfrog {
                name: n,
                quarter,
                from,
                to,
                ..
            } => Code::RoadmapLeapfrog
                .with("name", name(n))
                .with("from", stage(from))
                .with("to", stage(to))
                .with("needed", to.get() - from.get())
                .with("quarter", quarter),
            RoadmapError::TargetMissed {
                name: n,
                reached,
                target,
                ..
            } => Code::RoadmapTargetMissed
                .with("name", name(n))
                .with("reached", stage(reached))
                .with("target", stage(target)),
        }
    }
}

/// Why a submission at this moment is refused; `None` while registration is open.
pub fn registration_refusal(status: &RegistrationStatus) -> Option<Reason> {
    Some(match status {
        RegistrationStatus::Open => return None,
        RegistrationStatus::NotYetOpen { opens } => {
            Code::RegistrationNotYetOpen.with("opens", *opens)
        }
        RegistrationStatus::Closed { closed_on } => {
            Code::RegistrationClosed.with("closed_on", *closed_on)
        }
        RegistrationStatus::Holiday {
            holiday_name,
            next_open_day,
        } => {
            let holiday = Arg::Translated {
                zh: holiday_name.zh.clone(),
                en: holiday_name.en.clone(),
            };
            match next_open_day {
                Some(day) => Code::RegistrationHoliday
                    .with("holiday", holiday)
                    .with("reopens", *day),
                None => Code::RegistrationHolidayToTheEnd.with("holiday", holiday),
            }
        }
    })
}

/// An event of the status machine, named in both languages ("you may not {action} …").
pub fn event_action(event: &Event) -> Arg {
    action(event.verb())
}

/// The status machine's verbs, in both languages.
fn action(verb: &'static str) -> Arg {
    let zh = match verb {
        "submit" => "提交",
        "accept" => "受理",
        "reject" => "驳回",
        "start the assessment of" => "开始评估",
        "complete the scoring of" => "完成评分",
        "send to review" => "提交评审",
        "approve" => "批准",
        "return" => "退回",
        "certify" => "发证",
        "withdraw" => "撤回",
        "reopen on appeal" => "因申诉重新评估",
        other => other,
    };
    Arg::Translated {
        zh: zh.to_owned(),
        en: verb.to_owned(),
    }
}

/// Why the round-wide proposal found no assignment.
impl From<&Shortfall> for Reason {
    fn from(s: &Shortfall) -> Reason {
        let scope = |parts: &[String], whole_round: bool| -> Reason {
            match parts {
                _ if whole_round => Code::ShortfallScopeRound.into(),
                [part] => Code::ShortfallScopePart.with("part", part),
                _ => Code::ShortfallScopeParts.with("parts", parts.to_vec()),
            }
        };
        match s {
            Shortfall::ApplicationSeats {
                label,
                part,
                seats,
                eligible,
                ..
            } => Code::ShortfallApplicationSeats
                .with("application", label)
                .with("seats", *seats)
                .with("eligible", *eligible)
                .with("part", part),
            Shortfall::ApplicationLead { label, part, .. } => Code::ShortfallApplicationLead
                .with("application", label)
                .with("part", part),
            Shortfall::Seats {
                parts,
                whole_round,
                seats,
                assessors,
                capacity,
            } => Code::ShortfallSeats
                .with("scope", scope(parts, *whole_round))
                .with("seats", *seats)
                .with("assessors", *assessors)
                .with("capacity", *capacity),
            Shortfall::Leads {
                parts,
                whole_round,
                leads,
                experts,
                capacity,
            } => Code::ShortfallLeads
                .with("scope", scope(parts, *whole_round))
                .with("leads", *leads)
                .with("experts", *experts)
                .with("capacity", *capacity),
            Shortfall::Unfilled { labels, .. } => {
                Code::ShortfallUnfilled.with("applications", labels.clone())
            }
        }
    }
}

// Appeals and complaints.

impl From<AppealRefusal> for Reason {
    fn from(r: AppealRefusal) -> Reason {
        match r {
            AppealRefusal::WrongState { .. } => Code::AppealWrongState.into(),
            AppealRefusal::ReasonsMissing => Code::AppealReasonsMissing.into(),
            AppealRefusal::ReasonsTooLong { max } => Code::AppealReasonsTooLong.with("max", max),
            // Named as the day it closed in Beijing, the programme's time.
            AppealRefusal::WindowClosed { closed_at } => Code::AppealWindowClosed.with(
                "closed_on",
                (closed_at + chrono::Duration::hours(8)).date_naive(),
            ),
            AppealRefusal::NoSuchDecision => Code::AppealNoSuchDecision.into(),
            AppealRefusal::AlreadyAppealed => Code::AppealAlreadyLodged.into(),
        }
    }
}

impl From<&AppealPanelViolation> for Reason {
    fn from(v: &AppealPanelViolation) -> Reason {
        match v {
            AppealPanelViolation::Size { members } => Code::AppealPanelSize
                .with("members", *members)
                .with("max", APPEAL_PANEL_MAX),
            AppealPanelViolation::Duplicate { person } => {
                Code::AppealPanelDuplicate.with("person", person)
            }
            AppealPanelViolation::NotEligible { person } => {
                Code::AppealPanelNotEligible.with("person", person)
            }
            AppealPanelViolation::Involved { person, how } => {
                let (zh, en) = match how {
                    Involvement::Assessed => ("参与了评估", "assessed"),
                    Involvement::Reviewed => ("参与了评审", "reviewed"),
                    Involvement::Decided => ("作出了决定", "decided"),
                };
                Code::AppealPanelInvolved.with("person", person).with(
                    "how",
                    Arg::Translated {
                        zh: zh.into(),
                        en: en.into(),
                    },
                )
            }
        }
    }
}

impl From<ComplaintRefusal> for Reason {
    fn from(r: ComplaintRefusal) -> Reason {
        match r {
            ComplaintRefusal::DescriptionMissing => Code::ComplaintDescriptionMissing.into(),
            ComplaintRefusal::TooLong { max } => Code::ComplaintTooLong.with("max", max),
            ComplaintRefusal::EnterpriseNotNamed => Code::ComplaintEnterpriseNotNamed.into(),
            ComplaintRefusal::UnknownSubject(s) => Code::ComplaintUnknownSubject.with("about", s),
            ComplaintRefusal::TooOften { retry_at } => Code::ComplaintTooOften.with(
                "minutes",
                ((retry_at - chrono::Utc::now()).num_seconds().max(0) + 59) / 60,
            ),
            ComplaintRefusal::WrongState { .. } => Code::ComplaintWrongState.into(),
            ComplaintRefusal::TextMissing => Code::ComplaintTextMissing.into(),
            ComplaintRefusal::LinkExpired => Code::ComplaintLinkExpired.into(),
        }
    }
}
