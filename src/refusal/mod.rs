//! Why a use case did not happen: a kind (which decides the HTTP status), a stable code
//! and typed arguments. The words live only in the message catalogs, under
//! `refusal.<code>` with `{name}` placeholders, so every refusal reaches a person in their
//! language (`web::render::refusal_text`) and an API client gets the code as well.
//!
//! Sits below `workflow`, `web` and `error.rs` so each of them may use it; it depends only
//! on `domain`.

use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::domain::application_status::Status;
use crate::domain::i18n::Lang;
use crate::domain::ids;

mod domain;
pub use domain::{event_action, registration_refusal};

/// Why a use case did not happen. Maps to HTTP in `error.rs`.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The input breaks a rule (422).
    #[error("{0}")]
    Invalid(Reason),
    #[error("not found")]
    NotFound,
    /// The state of things does not allow it now (409).
    #[error("{0}")]
    Conflict(Reason),
    /// Not this person's to do (403).
    #[error("{0}")]
    Forbidden(Reason),
    #[error("sign-in refused")]
    SignInRefused,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// A coded reason with its arguments; `render` puts it into words.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: Code,
    pub args: Vec<(&'static str, Arg)>,
}

/// A value a message refers to; each is written the way its language expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Number(i64),
    Date(NaiveDate),
    /// Names such as item codes, listed.
    List(Vec<String>),
    /// Reasons found together (every problem of a panel, a domain check inside a field).
    Reasons(Vec<Reason>),
    /// An application status, named as the pages name it.
    Status(Status),
    /// Statuses of which any one would do.
    Statuses(Vec<Status>),
    /// A text the domain already has in both languages (a holiday's name).
    Translated {
        zh: String,
        en: String,
    },
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_owned())
    }
}

/// Ids are named by their text form.
macro_rules! id_args {
    ($($id:ty),* $(,)?) => {$(
        impl From<$id> for Arg {
            fn from(v: $id) -> Arg {
                Arg::Text(v.to_string())
            }
        }

        impl From<&$id> for Arg {
            fn from(v: &$id) -> Arg {
                Arg::Text(v.to_string())
            }
        }
    )*};
}

id_args!(
    ids::AppealId,
    ids::ApplicationId,
    ids::ComplaintId,
    ids::CertificateId,
    ids::ClarificationId,
    ids::EnterpriseGroupId,
    ids::EnterpriseId,
    ids::EvidenceId,
    ids::InvitationId,
    ids::ModelId,
    ids::ModelVersionId,
    ids::OrganisationId,
    ids::ReviewPanelId,
    ids::RoundId,
    ids::SelfAssessmentId,
    ids::SurveillanceId,
    ids::UserId,
);

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}

macro_rules! numbers_into_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                Arg::Number(v as i64)
            }
        }
    )*};
}
numbers_into_arg!(i32, i64, u32, u64, usize, u8);

impl From<NaiveDate> for Arg {
    fn from(v: NaiveDate) -> Arg {
        Arg::Date(v)
    }
}

impl From<Status> for Arg {
    fn from(v: Status) -> Arg {
        Arg::Status(v)
    }
}

impl From<Vec<String>> for Arg {
    fn from(v: Vec<String>) -> Arg {
        Arg::List(v)
    }
}

impl From<Vec<&str>> for Arg {
    fn from(v: Vec<&str>) -> Arg {
        Arg::List(v.into_iter().map(str::to_owned).collect())
    }
}

impl From<Reason> for Arg {
    fn from(v: Reason) -> Arg {
        Arg::Reasons(vec![v])
    }
}

impl From<Vec<Reason>> for Arg {
    fn from(v: Vec<Reason>) -> Arg {
        Arg::Reasons(v)
    }
}

impl From<Code> for Reason {
    fn from(code: Code) -> Reason {
        Reason { code, args: vec![] }
    }
}

impl Code {
    /// This code with its first argument.
    pub fn with(self, name: &'static str, value: impl Into<Arg>) -> Reason {
        Reason::from(self).with(name, value)
    }
}

impl Reason {
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Reason {
        self.args.push((name, value.into()));
        self
    }

    /// The words of this reason in `lang`, from that language's catalog. A code missing
    /// from the catalog shows as itself (the catalog test keeps that from happening).
    pub fn render(&self, lang: Lang, catalog: &HashMap<String, String>) -> String {
        let key = format!("refusal.{}", self.code.as_str());
        let Some(template) = catalog.get(&key) else {
            return self.code.as_str().to_owned();
        };
        let mut text = template.clone();
        for (name, value) in &self.args {
            let placeholder = format!("{{{name}}}");
            if text.contains(&placeholder) {
                text = text.replace(&placeholder, &value.render(lang, catalog));
            }
        }
        text
    }
}

/// The catalog key of an application status's name (`application_pages.state.<status>`),
/// for refusals and for pages that name a status.
pub fn status_key(status: Status) -> String {
    format!("application_pages.state.{}", status.as_str())
}

impl Arg {
    fn render(&self, lang: Lang, catalog: &HashMap<String, String>) -> String {
        match (self, lang) {
            (Arg::Text(t), _) => t.clone(),
            (Arg::Number(n), _) => n.to_string(),
            (Arg::Date(d), Lang::Zh) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            (Arg::Date(d), Lang::En) => d.to_string(),
            (Arg::List(items), Lang::Zh) => items.join("、"),
            (Arg::List(items), Lang::En) => items.join(", "),
            (Arg::Status(status), Lang::Zh) => catalog
                .get(&status_key(*status))
                .cloned()
                .unwrap_or_else(|| status.as_str().to_owned()),
            (Arg::Status(status), Lang::En) => status.phrase().to_owned(),
            (Arg::Statuses(statuses), _) => {
                let names: Vec<String> = statuses
                    .iter()
                    .map(|s| Arg::Status(*s).render(lang, catalog))
                    .collect();
                match (names.split_last(), lang) {
                    (Some((last, [])), _) => last.clone(),
                    (Some((last, rest)), Lang::Zh) => format!("{}或{last}", rest.join("、")),
                    (Some((last, rest)), Lang::En) => format!("{} or {last}", rest.join(", ")),
                    (None, _) => String::new(),
                }
            }
            (Arg::Translated { zh, .. }, Lang::Zh) => zh.clone(),
            (Arg::Translated { en, .. }, Lang::En) => en.clone(),
            (Arg::Reasons(reasons), _) => {
                let words: Vec<String> = reasons.iter().map(|r| r.render(lang, catalog)).collect();
                words.join(if lang == Lang::Zh { "；" } else { "; " })
            }
        }
    }
}

/// For logs and the console, which have no reader's language: `code (name: value, …)`.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        for (i, (name, value)) in self.args.iter().enumerate() {
            let open = if i == 0 { " (" } else { ", " };
            write!(f, "{open}{name}: {value}")?;
        }
        if !self.args.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Text(t) => f.write_str(t),
            Arg::Number(n) => write!(f, "{n}"),
            Arg::Date(d) => write!(f, "{d}"),
            Arg::List(items) => f.write_str(&items.join(", ")),
            Arg::Reasons(reasons) => {
                let texts: Vec<String> = reasons.iter().map(ToString::to_string).collect();
                f.write_str(&texts.join("; "))
            }
            Arg::Status(status) => f.write_str(status.as_str()),
            Arg::Statuses(statuses) => {
                let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
                f.write_str(&names.join(", "))
            }
            Arg::Translated { en, .. } => f.write_str(en),
        }
    }
}

/// `{"code": "evidence.locked", "args": {"item": "…"}}`: what an API client gets besides
/// the words.
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("code", self.code.as_str())?;
        map.serialize_entry("args", &Args(&self.args))?;
        map.end()
    }
}

struct Args<'a>(&'a [(&'static str, Arg)]);

impl Serialize for Args<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Serialize for Arg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Text(t) => s.serialize_str(t),
            Arg::Number(n) => s.serialize_i64(*n),
            Arg::Date(d) => s.serialize_str(&d.to_string()),
            Arg::List(items) => items.serialize(s),
            Arg::Reasons(reasons) => reasons.serialize(s),
            Arg::Status(status) => s.serialize_str(status.as_str()),
            Arg::Statuses(statuses) => s.collect_seq(statuses.iter().map(|status| status.as_str())),
            Arg::Translated { zh, en } => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("zh-CN", zh)?;
                map.serialize_entry("en", en)?;
                map.end()
            }
        }
    }
}

/// Declares the codes: each variant with its stable text, and `Code::ALL` so a test can
/// check the catalogs against them.
macro_rules! codes {
    ($($variant:ident = $code:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
    AccountExists = "account.exists",
    NameControlCharacter = "account.name_control_character",
    NameEmpty = "account.name_empty",
    NameTooLong = "account.name_too_long",
    UserNeedsRole = "account.needs_role",
    NotAnEmail = "account.not_an_email",
    PasswordTooLong = "account.password_too_long",
    PasswordTooShort = "account.password_too_short",
    PasswordsDiffer = "account.passwords_differ",
    SignInRefused = "account.sign_in_refused",
    AppealAlreadyLodged = "appeal.already_lodged",
    AppealAttachmentZip = "appeal.attachment_zip",
    AppealAttachmentsClosed = "appeal.attachments_closed",
    AppealAttachmentsFull = "appeal.attachments_full",
    AppealCertificateNotTheApplications = "appeal.certificate_not_the_applications",
    AppealNoSuchDecision = "appeal.no_such_decision",
    AppealNotOnPanel = "appeal.not_on_panel",
    AppealPanelDuplicate = "appeal.panel_duplicate",
    AppealPanelInvolved = "appeal.panel_involved",
    AppealPanelNotEligible = "appeal.panel_not_eligible",
    AppealPanelProblems = "appeal.panel_problems",
    AppealPanelSize = "appeal.panel_size",
    AppealReasonsMissing = "appeal.reasons_missing",
    AppealReasonsTooLong = "appeal.reasons_too_long",
    AppealSubjectUnknown = "appeal.subject_unknown",
    AppealWindowClosed = "appeal.window_closed",
    AppealWrongState = "appeal.wrong_state",
    ActionForbidden = "application.action_forbidden",
    ApplicationChangedMeanwhile = "application.changed_meanwhile",
    ApplicationEditForbidden = "application.edit_forbidden",
    EnterpriseNotVerified = "application.enterprise_not_verified",
    EvidenceMissing = "application.evidence_missing",
    ExemptionReasonMissing = "application.exemption_reason_missing",
    ApplicationItemsLocked = "application.items_locked",
    ApplicationNoEnterprise = "application.no_enterprise",
    ApplicationPartNotOpen = "application.part_not_open",
    ApplicationPartTaken = "application.part_taken",
    StatusReasonMissing = "application.reason_missing",
    ApplicationScopeMissing = "application.scope_missing",
    ApplicationScopeTooLong = "application.scope_too_long",
    ApplicationScopeEnTooLong = "application.scope_en_too_long",
    ApplicationTargetOutOfRange = "application.target_out_of_range",
    UnknownAction = "application.unknown_action",
    UnknownCapabilityItem = "application.unknown_item",
    StatusWrongState = "application.wrong_state",
    AuditKindUnknown = "audit.kind_unknown",
    AuditNotADate = "audit.not_a_date",
    CalendarDateOutsideYear = "calendar.date_outside_year",
    CalendarDayInTwoFiles = "calendar.day_in_two_files",
    CalendarDayListedTwice = "calendar.day_listed_twice",
    CalendarDayNotKept = "calendar.day_not_kept",
    CalendarFormDate = "calendar.form_date",
    CalendarFormKind = "calendar.form_kind",
    CalendarHolidayNameIncomplete = "calendar.holiday_name_incomplete",
    CalendarHolidayReversed = "calendar.holiday_reversed",
    CalendarHolidayTooLong = "calendar.holiday_too_long",
    CalendarHolidaysOverlap = "calendar.holidays_overlap",
    CalendarInvalid = "calendar.invalid",
    CalendarInvalidAtLine = "calendar.invalid_at_line",
    CalendarMakeupForUnknownHoliday = "calendar.makeup_for_unknown_holiday",
    CalendarMakeupInsideHoliday = "calendar.makeup_inside_holiday",
    CalendarMakeupListedTwice = "calendar.makeup_listed_twice",
    CalendarMakeupNotWeekend = "calendar.makeup_not_weekend",
    CalendarMissing = "calendar.missing",
    CalendarNoHolidays = "calendar.no_holidays",
    CalendarNotADate = "calendar.not_a_date",
    CalendarSecondCalendar = "calendar.second_calendar",
    CalendarSourceEmpty = "calendar.source_empty",
    CalendarTomlSyntax = "calendar.toml_syntax",
    CalendarUnusableYear = "calendar.unusable_year",
    CatalogCodeShape = "catalog.code_shape",
    CatalogCodeUsedTwice = "catalog.code_used_twice",
    CatalogCriteriaCount = "catalog.criteria_count",
    CatalogCriteriaOrder = "catalog.criteria_order",
    CatalogCriterionIncomplete = "catalog.criterion_incomplete",
    CatalogDomainNameIncomplete = "catalog.domain_name_incomplete",
    CatalogDomainWithoutItems = "catalog.domain_without_items",
    CatalogItemNameIncomplete = "catalog.item_name_incomplete",
    CatalogLevelCount = "catalog.level_count",
    CatalogLevelNameIncomplete = "catalog.level_name_incomplete",
    CatalogLevelOrder = "catalog.level_order",
    ModelDefinedTwice = "catalog.model_defined_twice",
    ModelFileNotUtf8 = "catalog.model_file_not_utf8",
    ModelFileInvalid = "catalog.model_file_invalid",
    ModelFileInvalidAtLine = "catalog.model_file_invalid_at_line",
    CatalogModelNameIncomplete = "catalog.model_name_incomplete",
    CatalogNoParts = "catalog.no_parts",
    CatalogPartNameIncomplete = "catalog.part_name_incomplete",
    CatalogPartWithoutDomains = "catalog.part_without_domains",
    CatalogTomlSyntax = "catalog.toml_syntax",
    CertificateAlreadyRevoked = "certificate.already_revoked",
    CredentialTooLarge = "certificate.credential_too_large",
    CertificateDecisionReasonMissing = "certificate.decision_reason_missing",
    CertificateDecisionReasonTooLong = "certificate.decision_reason_too_long",
    CertificateExpired = "certificate.expired",
    CertificateFontsUnreadable = "certificate.fonts_unreadable",
    LintCreditCode = "certificate.lint_credit_code",
    LintEnterprise = "certificate.lint_enterprise",
    LintLevel = "certificate.lint_level",
    LintNotApproved = "certificate.lint_not_approved",
    LintPart = "certificate.lint_part",
    CertificateLintRefused = "certificate.lint_refused",
    LintSchema = "certificate.lint_schema",
    LintValidity = "certificate.lint_validity",
    CertificateLogInconsistent = "certificate.log_inconsistent",
    CertificateNeedsApproval = "certificate.needs_approval",
    NoConsolidatedResult = "certificate.no_consolidated_result",
    CertificateNotInForce = "certificate.not_in_force",
    CertificateNotSuspended = "certificate.not_suspended",
    CertificatePdfMissing = "certificate.pdf_missing",
    CertificatePdfTooLarge = "certificate.pdf_too_large",
    RevocationReasonMissing = "certificate.revocation_reason_missing",
    RevocationReasonTooLong = "certificate.revocation_reason_too_long",
    CertificateScopeMissing = "certificate.scope_missing",
    CertificateScopeTooLong = "certificate.scope_too_long",
    CertificateScopeUnchanged = "certificate.scope_unchanged",
    SigningKeyInvalid = "certificate.signing_key_invalid",
    StoredPayloadInvalid = "certificate.stored_payload_invalid",
    SuspensionEndsTooSoon = "certificate.suspension_ends_too_soon",
    SuspensionTooLong = "certificate.suspension_too_long",
    SuspensionUntilInvalid = "certificate.suspension_until_invalid",
    CertificateUnprintable = "certificate.unprintable",
    VerifyTooOften = "certificate.verify_too_often",
    ComplaintDescriptionMissing = "complaint.description_missing",
    ComplaintEnterpriseNotNamed = "complaint.enterprise_not_named",
    ComplaintLinkExpired = "complaint.link_expired",
    ComplaintTextMissing = "complaint.text_missing",
    ComplaintTooLong = "complaint.too_long",
    ComplaintTooOften = "complaint.too_often",
    ComplaintUnknownSubject = "complaint.unknown_subject",
    ComplaintWrongState = "complaint.wrong_state",
    CreditCodeDivisionNotNumeric = "credit_code.division_not_numeric",
    CreditCodeEmpty = "credit_code.empty",
    CreditCodeInvalidCharacter = "credit_code.invalid_character",
    CreditCodeUnknownAuthority = "credit_code.unknown_authority",
    CreditCodeUnknownOrganisationType = "credit_code.unknown_organisation_type",
    CreditCodeWrongCheckCharacter = "credit_code.wrong_check_character",
    CreditCodeWrongLength = "credit_code.wrong_length",
    DemoNeedsCatalog = "demo.needs_catalog",
    AddressOrPhoneMissing = "enterprise.address_or_phone_missing",
    EnterpriseAlreadyVerified = "enterprise.already_verified",
    ContactInvalid = "enterprise.contact_invalid",
    CreditCodeInvalid = "enterprise.credit_code_invalid",
    CreditCodeTaken = "enterprise.credit_code_taken",
    EnglishNameInvalid = "enterprise.english_name_invalid",
    LegalNameInvalid = "enterprise.legal_name_invalid",
    YouAlreadyBelong = "enterprise.you_already_belong",
    EvidenceCannotReopen = "evidence.cannot_reopen",
    EvidenceChangeForbidden = "evidence.change_forbidden",
    EvidenceClarificationEnded = "evidence.clarification_ended",
    EvidenceContentMismatch = "evidence.content_mismatch",
    EvidenceDescriptionMissing = "evidence.description_missing",
    EvidenceDescriptionNotText = "evidence.description_not_text",
    EvidenceDescriptionTooLong = "evidence.description_too_long",
    EvidenceEmpty = "evidence.empty",
    EvidenceFileMissing = "evidence.file_missing",
    EvidenceFileTooLarge = "evidence.file_too_large",
    EvidenceLocked = "evidence.locked",
    EvidenceNoExtension = "evidence.no_extension",
    EvidenceOneFilePerUpload = "evidence.one_file_per_upload",
    EvidenceQuotaExceeded = "evidence.quota_exceeded",
    EvidenceReopenInPast = "evidence.reopen_in_past",
    EvidenceReopenItemsMissing = "evidence.reopen_items_missing",
    EvidenceTypeNotAccepted = "evidence.type_not_accepted",
    EvidenceUploadTooLarge = "evidence.upload_too_large",
    EvidenceStorageFull = "evidence.storage_full",
    EvidenceVersionKept = "evidence.version_kept",
    EvidenceZipDamaged = "evidence.zip_damaged",
    EvidenceZipTooLarge = "evidence.zip_too_large",
    EvidenceZipUnreadable = "evidence.zip_unreadable",
    EvidenceZipUnsafePath = "evidence.zip_unsafe_path",
    AlreadyInGroup = "group.already_in",
    GroupEnglishNameInvalid = "group.english_name_invalid",
    GroupExists = "group.exists",
    InNoGroup = "group.in_none",
    InOtherGroup = "group.in_other",
    GroupNameInvalid = "group.name_invalid",
    GroupUnknown = "group.unknown",
    InvitationAccountExists = "invitation.account_exists",
    AlreadyInEnterprise = "invitation.already_in_enterprise",
    InvitationEmailInvalid = "invitation.email_invalid",
    InviteForbidden = "invitation.invite_forbidden",
    InvitationLinkRefused = "invitation.link_refused",
    InvitationNameInvalid = "invitation.name_invalid",
    InvitationOtherAddress = "invitation.other_address",
    InvitationPasswordInvalid = "invitation.password_invalid",
    LinkExpired = "link.expired",
    LinkUsed = "link.used",
    PanelApplicationNotAccepted = "panel.application_not_accepted",
    ApplicationNotInRound = "panel.application_not_in_round",
    PanelApplicationRulesBroken = "panel.application_rules_broken",
    ApplicationTwice = "panel.application_twice",
    AssessorIdInvalid = "panel.assessor_id_invalid",
    AssessorOverloaded = "panel.assessor_overloaded",
    AssignmentConflictOutOfRange = "panel.assignment_conflict_out_of_range",
    AssignmentNegativeLoadWeight = "panel.assignment_negative_load_weight",
    AssignmentPreferenceOutOfRange = "panel.assignment_preference_out_of_range",
    AssignmentWeightsTooLarge = "panel.assignment_weights_too_large",
    PanelCertificationExpired = "panel.certification_expired",
    PanelDeclaredConflict = "panel.declared_conflict",
    PanelDuplicateMember = "panel.duplicate_member",
    PanelEmployedByApplicant = "panel.employed_by_applicant",
    PanelFormerMember = "panel.former_member",
    PanelLeadNotCaict = "panel.lead_not_caict",
    PanelNeedsAccepted = "panel.needs_accepted",
    PanelNoLead = "panel.no_lead",
    NoPanelsToConfirm = "panel.none_to_confirm",
    NotInRegistry = "panel.not_in_registry",
    PanelNotQualified = "panel.not_qualified",
    PreferenceInvalid = "panel.preference_invalid",
    PanelProblems = "panel.problems",
    ProposalAvoided = "panel.proposal_avoided",
    PanelScoringStarted = "panel.scoring_started",
    SeatsOutOfRange = "panel.seats_out_of_range",
    PanelSeveralLeads = "panel.several_leads",
    ShortfallApplicationLead = "panel.shortfall_application_lead",
    ShortfallApplicationSeats = "panel.shortfall_application_seats",
    ShortfallLeads = "panel.shortfall_leads",
    ShortfallScopePart = "panel.shortfall_scope_part",
    ShortfallScopeParts = "panel.shortfall_scope_parts",
    ShortfallScopeRound = "panel.shortfall_scope_round",
    ShortfallSeats = "panel.shortfall_seats",
    ShortfallUnfilled = "panel.shortfall_unfilled",
    PanelSize = "panel.size",
    PanelSizeOne = "panel.size_one",
    PanelUnknownAssessor = "panel.unknown_assessor",
    PdfMissingGlyph = "pdf.missing_glyph",
    PdfTextTooLong = "pdf.text_too_long",
    RegistrationClosed = "registration.closed",
    RegistrationHoliday = "registration.holiday",
    RegistrationHolidayToTheEnd = "registration.holiday_to_the_end",
    RegistrationNotYetOpen = "registration.not_yet_open",
    CertificationNumberInvalid = "registry.certification_number_invalid",
    CertificationNumberTaken = "registry.certification_number_taken",
    ConflictPartyUnknown = "registry.conflict_party_unknown",
    ConflictReasonMissing = "registry.conflict_reason_missing",
    EmploymentDateInvalid = "registry.employment_date_invalid",
    EmploymentEndsBeforeStart = "registry.employment_ends_before_start",
    EnterpriseUnknown = "registry.enterprise_unknown",
    AssessorExpiryInvalid = "registry.expiry_invalid",
    AssessorLanguagesMissing = "registry.languages_missing",
    AssessorMaxLoadInvalid = "registry.max_load_invalid",
    AssessorMaxLoadNotANumber = "registry.max_load_not_a_number",
    NotAnAssessor = "registry.not_an_assessor",
    OrganisationExists = "registry.organisation_exists",
    OrganisationKindInvalid = "registry.organisation_kind_invalid",
    OrganisationNameInvalid = "registry.organisation_name_invalid",
    OrganisationUnknown = "registry.organisation_unknown",
    AssessorPartsMissing = "registry.parts_missing",
    PersonUnknown = "registry.person_unknown",
    RenewalAlreadyApplied = "renewal.already_applied",
    RenewalCertificateExpired = "renewal.certificate_expired",
    RenewalCertificateUnknown = "renewal.certificate_unknown",
    RenewalNotStanding = "renewal.not_standing",
    RenewalPartDiffers = "renewal.part_differs",
    AlreadyVoted = "review.already_voted",
    DecidedMeanwhile = "review.decided_meanwhile",
    DuplicateVote = "review.duplicate_vote",
    MajorityInvalid = "review.majority_invalid",
    NoSuchPerson = "review.no_such_person",
    NotAReviewer = "review.not_a_reviewer",
    NotAUserId = "review.not_a_user_id",
    NotInReview = "review.not_in_review",
    ReviewPanelEmpty = "review.panel_empty",
    QuorumInvalid = "review.quorum_invalid",
    QuorumUnreachable = "review.quorum_unreachable",
    ReviewMembersNeeded = "review.members_needed",
    ReturnReasonMissing = "review.return_reason_missing",
    ReviewerEnterpriseNotEvaluated = "review.reviewer_enterprise_not_evaluated",
    ReviewerEnterpriseUnknown = "review.reviewer_enterprise_unknown",
    ReviewerTwice = "review.reviewer_twice",
    TooManyVotes = "review.too_many_votes",
    VoteChoiceMissing = "review.vote_choice_missing",
    ZeroQuorum = "review.zero_quorum",
    RoadmapLeapfrog = "roadmap.leapfrog",
    RoadmapNotARaise = "roadmap.not_a_raise",
    RoadmapOverCapacity = "roadmap.over_capacity",
    RoadmapProblems = "roadmap.problems",
    RoadmapQuarterCount = "roadmap.quarter_count",
    RoadmapQuarterOutOfRange = "roadmap.quarter_out_of_range",
    RoadmapStepMismatch = "roadmap.step_mismatch",
    RoadmapTargetBelowCurrent = "roadmap.target_below_current",
    RoadmapTargetMissed = "roadmap.target_missed",
    RoadmapTwoStepsInQuarter = "roadmap.two_steps_in_quarter",
    RoadmapUnanswered = "roadmap.unanswered",
    RoadmapUnknownCompetency = "roadmap.unknown_competency",
    RoadmapUnplannedStep = "roadmap.unplanned_step",
    RoundAlreadyPublished = "round.already_published",
    RoundAssessmentEndsFirst = "round.assessment_ends_first",
    RoundDateInvalid = "round.date_invalid",
    RoundDatesLocked = "round.dates_locked",
    RoundAssessmentTooEarly = "round.assessment_too_early",
    RoundModelVersionIdInvalid = "round.model_version_id_invalid",
    ModelVersionUnknown = "round.model_version_unknown",
    RoundNameMissing = "round.name_missing",
    RoundNoParts = "round.no_parts",
    RoundResultsTooEarly = "round.results_too_early",
    RoundSelfAssessmentModel = "round.self_assessment_model",
    RoundUnknownPart = "round.unknown_part",
    RegistrationWindowReversed = "round.window_reversed",
    ScoreAboveTarget = "scoring.above_target",
    AnswerEmpty = "scoring.answer_empty",
    ClarificationItemsMissing = "scoring.clarification_items_missing",
    ClarificationQuestionMissing = "scoring.clarification_question_missing",
    ConsolidatedLevelMissing = "scoring.consolidated_level_missing",
    ConsolidatedScoreInvalid = "scoring.consolidated_score_invalid",
    DeadlineInPast = "scoring.deadline_in_past",
    ClarificationDeadlineNotADate = "scoring.deadline_not_a_date",
    ScoreForeignEvidence = "scoring.foreign_evidence",
    ItemGivenTwice = "scoring.item_given_twice",
    LeadOnly = "scoring.lead_only",
    ScoreLevelAndReason = "scoring.level_and_reason",
    ScoreLevelOutOfRange = "scoring.level_out_of_range",
    ScoreNoLevel = "scoring.no_level",
    NoOpenClarification = "scoring.no_open_clarification",
    NoReviewPanel = "scoring.no_review_panel",
    NoScoreToReopen = "scoring.no_score_to_reopen",
    ScoreNotALevel = "scoring.not_a_level",
    NotInAssessment = "scoring.not_in_assessment",
    RationaleMissing = "scoring.rationale_missing",
    ScoreSubmitted = "scoring.score_submitted",
    ScoresPending = "scoring.scores_pending",
    SelfAssessmentAnswerFirst = "self_assessment.answer_first",
    SelfAssessmentAnswerStage = "self_assessment.answer_stage",
    SelfAssessmentCompleted = "self_assessment.completed",
    SelfAssessmentModelMissing = "self_assessment.model_missing",
    SelfAssessmentModelNoVersion = "self_assessment.model_no_version",
    SelfAssessmentNoEnterprise = "self_assessment.no_enterprise",
    SelfAssessmentNotAQuarter = "self_assessment.not_a_quarter",
    SelfAssessmentNotAQuarterCount = "self_assessment.not_a_quarter_count",
    SelfAssessmentNotAStage = "self_assessment.not_a_stage",
    SelfAssessmentOwnerInvalid = "self_assessment.owner_invalid",
    SelfAssessmentQuarterInvalid = "self_assessment.quarter_invalid",
    RoadmapUnprintable = "self_assessment.roadmap_unprintable",
    AnswerStageNotInModel = "self_assessment.stage_not_in_model",
    SelfAssessmentStageOutOfRange = "self_assessment.stage_out_of_range",
    SelfAssessmentStoredStageInvalid = "self_assessment.stored_stage_invalid",
    SelfAssessmentTargetStage = "self_assessment.target_stage",
    SelfAssessmentTargetsFirst = "self_assessment.targets_first",
    SelfAssessmentUnanswered = "self_assessment.unanswered",
    SelfAssessmentUnknownArea = "self_assessment.unknown_area",
    AnswerUnknownCompetency = "self_assessment.unknown_competency",
    SurveillanceAlreadyOpen = "surveillance.already_open",
    SurveillanceAssessorProblems = "surveillance.assessor_problems",
    SurveillanceCertificateUnknown = "surveillance.certificate_unknown",
    SurveillanceComplaintNotRequested = "surveillance.complaint_not_requested",
    SurveillanceDueOutOfRange = "surveillance.due_out_of_range",
    SurveillanceLevelOutOfRange = "surveillance.level_out_of_range",
    SurveillanceNoItems = "surveillance.no_items",
    SurveillanceNoneLeft = "surveillance.none_left",
    SurveillanceNotAssessor = "surveillance.not_assessor",
    SurveillanceNotSelected = "surveillance.not_selected",
    SurveillanceOutcomeUnknown = "surveillance.outcome_unknown",
    SurveillanceReasonMissing = "surveillance.reason_missing",
    SurveillanceScoresMissing = "surveillance.scores_missing",
    SurveillanceSize = "surveillance.size",
    SurveillanceTextTooLong = "surveillance.text_too_long",
    SurveillanceWrongState = "surveillance.wrong_state",
    BodyNotJson = "web.body_not_json",
    BodyTooLarge = "web.body_too_large",
    BodyTooSlow = "web.body_too_slow",
    ChangedConcurrently = "web.changed_concurrently",
    CrossSiteForm = "web.cross_site_form",
    CursorInvalid = "web.cursor_invalid",
    FilterInvalid = "web.filter_invalid",
    FormExpired = "web.form_expired",
    FormNotUtf8 = "web.form_not_utf8",
    FormTooLarge = "web.form_too_large",
    FormUnreadable = "web.form_unreadable",
    MetricsNotAllowed = "web.metrics_not_allowed",
    JsonFieldMissing = "web.json_field_missing",
    JsonIncomplete = "web.json_incomplete",
    JsonSyntax = "web.json_syntax",
    JsonValueInvalid = "web.json_value_invalid",
    LanguageUnknown = "web.language_unknown",
    LimitOutOfRange = "web.limit_out_of_range",
    MethodNotAllowed = "web.method_not_allowed",
    NotAllowed = "web.not_allowed",
    PageOutOfRange = "web.page_out_of_range",
    QueryUnreadable = "web.query_unreadable",
    RequestNotUnderstood = "web.request_not_understood",
    RequestTooLarge = "web.request_too_large",
    RequestUnreadable = "web.request_unreadable",
    RoleNotAllowed = "web.role_not_allowed",
    SearchTooLong = "web.search_too_long",
    SignInsBusy = "web.sign_ins_busy",
    UploadUnreadable = "web.upload_unreadable",
    UploadsBusy = "web.uploads_busy",
    UploadsPerUser = "web.uploads_per_user",
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(entries: &[(&str, &str)]) -> HashMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_reason_fills_its_placeholders_in_the_language_s_way() {
        let zh = catalog(&[("refusal.account.sign_in_refused", "{when}：{items}")]);
        let reason = Code::SignInRefused
            .with("when", NaiveDate::from_ymd_opt(2021, 2, 18).unwrap())
            .with("items", vec!["A1".to_string(), "B2".to_string()]);
        assert_eq!(reason.render(Lang::Zh, &zh), "2021年2月18日：A1、B2");
        assert_eq!(reason.render(Lang::En, &zh), "2021-02-18：A1, B2");
        assert_eq!(
            serde_json::to_value(&reason).unwrap(),
            serde_json::json!({
                "code": "account.sign_in_refused",
                "args": {"when": "2021-02-18", "items": ["A1", "B2"]}
            })
        );
    }
}
