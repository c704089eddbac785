//! The audit log's rules: what an entry is, its hash chain, and how its user-supplied text
//! is shown on one line. No I/O; `db::models::audit` stores entries.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::ids::UserId;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. Features add their kinds at the end of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    LoginSucceeded,
    LoginFailed,
    Lockout,
    LoginRefusedLocked,
    Logout,
    UserAdded,
    UserDisabled,
    RoleGranted,
    PasswordResetRequested,
    PasswordReset,
    EnterpriseRegistered,
    EnterpriseVerified,
    InvitationSent,
    InvitationAccepted,
    RoundCreated,
    CatalogLoaded,
    ApplicationCreated,
    ApplicationTransition,
    ItemNotApplicable,
    // Panels, scoring and review (feature: wiring).
    AssessorProfileSaved,
    OrganisationAdded,
    ConflictDeclared,
    EmploymentRecorded,
    PanelSet,
    PanelsConfirmed,
    ScoreSubmitted,
    ScoreReopened,
    ClarificationRequested,
    ClarificationAnswered,
    ScoresConsolidated,
    SentToReview,
    ReviewPanelFormed,
    ReviewVoteCast,
    ReviewDecided,
    // Certificates (feature: certs).
    CertificateIssued,
    CertificateRevoked,
    CertificateSuspended,
    CertificateReinstated,
    CertificateRenewed,
    CertificateScopeReduced,
    SigningKeyCreated,
    // Evidence (feature: evidence).
    EvidenceUploaded,
    EvidenceDownloaded,
    EvidenceDeleted,
    // Enterprise groups.
    EnterpriseGroupCreated,
    EnterpriseJoinedGroup,
    EnterpriseLeftGroup,
    RoundUpdated,
    RoundPublished,
    CalendarChanged,
    // Appeals and complaints.
    AppealLodged,
    AppealPanelFormed,
    AppealDecided,
    AppealWithdrawn,
    AppealFollowedUp,
    AppealAttachmentAdded,
    ComplaintConfirmed,
    ComplaintTriaged,
    ComplaintNoted,
    SurveillanceRequested,
    ComplaintAnswered,
    // Surveillance of certificates in force.
    SurveillancePlanned,
    SurveillanceAssigned,
    SurveillanceScored,
    SurveillanceConcluded,
    CertificateMaintained,
}

impl Kind {
    pub const ALL: [Kind; 66] = [
        Kind::LoginSucceeded,
        Kind::LoginFailed,
        Kind::Lockout,
        Kind::LoginRefusedLocked,
        Kind::Logout,
        Kind::UserAdded,
        Kind::UserDisabled,
        Kind::RoleGranted,
        Kind::PasswordResetRequested,
        Kind::PasswordReset,
        Kind::EnterpriseRegistered,
        Kind::EnterpriseVerified,
        Kind::InvitationSent,
        Kind::InvitationAccepted,
        Kind::RoundCreated,
        Kind::CatalogLoaded,
        Kind::ApplicationCreated,
        Kind::ApplicationTransition,
        Kind::ItemNotApplicable,
        Kind::AssessorProfileSaved,
        Kind::OrganisationAdded,
        Kind::ConflictDeclared,
        Kind::EmploymentRecorded,
        Kind::PanelSet,
        Kind::PanelsConfirmed,
        Kind::ScoreSubmitted,
        Kind::ScoreReopened,
        Kind::ClarificationRequested,
        Kind::ClarificationAnswered,
        Kind::ScoresConsolidated,
        Kind::SentToReview,
        Kind::ReviewPanelFormed,
        Kind::ReviewVoteCast,
        Kind::ReviewDecided,
        Kind::CertificateIssued,
        Kind::CertificateRevoked,
        Kind::CertificateSuspended,
        Kind::CertificateReinstated,
        Kind::CertificateRenewed,
        Kind::CertificateScopeReduced,
        Kind::SigningKeyCreated,
        Kind::EvidenceUploaded,
        Kind::EvidenceDownloaded,
        Kind::EvidenceDeleted,
        Kind::EnterpriseGroupCreated,
        Kind::EnterpriseJoinedGroup,
        Kind::EnterpriseLeftGroup,
        Kind::RoundUpdated,
        Kind::RoundPublished,
        Kind::CalendarChanged,
        Kind::AppealLodged,
        Kind::AppealPanelFormed,
        Kind::AppealDecided,
        Kind::AppealWithdrawn,
        Kind::AppealFollowedUp,
        Kind::AppealAttachmentAdded,
        Kind::ComplaintConfirmed,
        Kind::ComplaintTriaged,
        Kind::ComplaintNoted,
        Kind::SurveillanceRequested,
        Kind::ComplaintAnswered,
        Kind::SurveillancePlanned,
        Kind::SurveillanceAssigned,
        Kind::SurveillanceScored,
        Kind::SurveillanceConcluded,
        Kind::CertificateMaintained,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LoginSucceeded => "login_succeeded",
            Kind::LoginFailed => "login_failed",
            Kind::Lockout => "lockout",
            Kind::LoginRefusedLocked => "login_refused_locked",
            Kind::Logout => "logout",
            Kind::UserAdded => "user_added",
            Kind::UserDisabled => "user_disabled",
            Kind::RoleGranted => "role_granted",
            Kind::PasswordResetRequested => "password_reset_requested",
            Kind::PasswordReset => "password_reset",
            Kind::EnterpriseRegistered => "enterprise_registered",
            Kind::EnterpriseVerified => "enterprise_verified",
            Kind::InvitationSent => "invitation_sent",
            Kind::InvitationAccepted => "invitation_accepted",
            Kind::RoundCreated => "round_created",
            Kind::RoundUpdated => "round_updated",
            Kind::RoundPublished => "round_published",
            Kind::CalendarChanged => "calendar_changed",
            Kind::CatalogLoaded => "catalog_loaded",
            Kind::ApplicationCreated => "application_created",
            Kind::ApplicationTransition => "application_transition",
            Kind::ItemNotApplicable => "item_not_applicable",
            Kind::AssessorProfileSaved => "assessor_profile_saved",
            Kind::OrganisationAdded => "organisation_added",
            Kind::ConflictDeclared => "conflict_declared",
            Kind::EmploymentRecorded => "employment_recorded",
            Kind::PanelSet => "panel_set",
            Kind::PanelsConfirmed => "panels_confirmed",
            Kind::ScoreSubmitted => "score_submitted",
            Kind::ScoreReopened => "score_reopened",
            Kind::ClarificationRequested => "clarification_requested",
            Kind::ClarificationAnswered => "clarification_answered",
            Kind::ScoresConsolidated => "scores_consolidated",
            Kind::SentToReview => "sent_to_review",
            Kind::ReviewPanelFormed => "review_panel_formed",
            Kind::ReviewVoteCast => "review_vote_cast",
            Kind::ReviewDecided => "review_decided",
            Kind::CertificateIssued => "certificate_issued",
            Kind::CertificateRevoked => "certificate_revoked",
            Kind::CertificateSuspended => "certificate_suspended",
            Kind::CertificateReinstated => "certificate_reinstated",
            Kind::CertificateRenewed => "certificate_renewed",
            Kind::CertificateScopeReduced => "certificate_scope_reduced",
            Kind::SigningKeyCreated => "signing_key_created",
            Kind::EvidenceUploaded => "evidence_uploaded",
            Kind::EvidenceDownloaded => "evidence_downloaded",
            Kind::EvidenceDeleted => "evidence_deleted",
            Kind::EnterpriseGroupCreated => "enterprise_group_created",
            Kind::EnterpriseJoinedGroup => "enterprise_joined_group",
            Kind::EnterpriseLeftGroup => "enterprise_left_group",
            Kind::AppealLodged => "appeal_lodged",
            Kind::AppealPanelFormed => "appeal_panel_formed",
            Kind::AppealDecided => "appeal_decided",
            Kind::AppealWithdrawn => "appeal_withdrawn",
            Kind::AppealFollowedUp => "appeal_followed_up",
            Kind::AppealAttachmentAdded => "appeal_attachment_added",
            Kind::ComplaintConfirmed => "complaint_confirmed",
            Kind::ComplaintTriaged => "complaint_triaged",
            Kind::ComplaintNoted => "complaint_noted",
            Kind::SurveillanceRequested => "surveillance_requested",
            Kind::ComplaintAnswered => "complaint_answered",
            Kind::SurveillancePlanned => "surveillance_planned",
            Kind::SurveillanceAssigned => "surveillance_assigned",
            Kind::SurveillanceScored => "surveillance_scored",
            Kind::SurveillanceConcluded => "surveillance_concluded",
            Kind::CertificateMaintained => "certificate_maintained",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who acted and from where. A person is named by id (their current display name is
/// looked up when the entry is written); other actors by a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    /// Used when `user` is None ("command line", "start-up", an attempted e-mail).
    pub label: String,
    pub address: String,
}

impl Actor {
    pub fn user(user: UserId, address: &str) -> Actor {
        Actor {
            user: Some(user),
            label: String::new(),
            address: address.to_string(),
        }
    }

    /// Someone not (yet) known as a user, e.g. a failed sign-in's attempted e-mail.
    pub fn anonymous(label: &str, address: &str) -> Actor {
        Actor {
            user: None,
            label: label.to_string(),
            address: address.to_string(),
        }
    }

    /// The operator at the console (CLI commands, start-up).
    pub fn console(label: &str) -> Actor {
        Actor::anonymous(label, "local")
    }
}

/// One entry, as hashed. `at` is kept to whole microseconds, which both databases store
/// exactly, so the hash recomputed from a stored row matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_name: String,
    pub address: String,
    pub kind: String,
    pub object_type: String,
    pub object_id: String,
    pub detail: String,
}

/// The entry with its chain links, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub entry: Entry,
    pub prev_hash: String,
    pub hash: String,
}

/// Drops sub-microsecond precision.
pub fn to_micros(t: NaiveDateTime) -> NaiveDateTime {
    let micros = t.and_utc().timestamp_micros();
    chrono::DateTime::from_timestamp_micros(micros)
        .expect("a stored time is in range")
        .naive_utc()
}

/// The bytes hashed: each field length-prefixed, so no two different entries encode
/// alike whatever their text contains.
pub fn canonical(prev_hash: &str, e: &Entry) -> Vec<u8> {
    let mut out = Vec::new();
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(b"certcase-audit-v1");
    field(e.seq.to_string().as_bytes());
    field(
        to_micros(e.at)
            .format("%Y-%m-%dT%H:%M:%S%.6f")
            .to_string()
            .as_bytes(),
    );
    match &e.actor_user_id {
        Some(id) => {
            field(b"1");
            field(id.as_bytes());
        }
        None => field(b"0"),
    }
    field(e.actor_name.as_bytes());
    field(e.address.as_bytes());
    field(e.kind.as_bytes());
    field(e.object_type.as_bytes());
    field(e.object_id.as_bytes());
    field(e.detail.as_bytes());
    field(prev_hash.as_bytes());
    out
}

/// SHA-256 (hex) of the entry and the previous hash.
pub fn entry_hash(prev_hash: &str, e: &Entry) -> String {
    hex::encode(Sha256::digest(canonical(prev_hash, e)))
}

/// Links a new entry to the chain's end.
pub fn link(prev_hash: &str, entry: Entry) -> Linked {
    let hash = entry_hash(prev_hash, &entry);
    Linked {
        entry,
        prev_hash: prev_hash.to_string(),
        hash,
    }
}

/// Why the chain is broken, at which entry (by position, 0-based, and sequence number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub index: usize,
    pub seq: i64,
    pub reason: &'static str,
}

/// Checks entries in sequence order against each other and the recorded head (the last
/// sequence number and hash): an edited, removed, inserted or re-ordered entry, or a cut
/// tail, breaks it. Returns the first broken entry.
pub fn verify(entries: &[Linked], head: (i64, &str)) -> Result<(), Broken> {
    let mut prev = GENESIS.to_string();
    for (index, l) in entries.iter().enumerate() {
        let broken = |reason| Broken {
            index,
            seq: l.entry.seq,
            reason,
        };
        if l.entry.seq != index as i64 + 1 {
            return Err(broken("an entry is missing or out of sequence"));
        }
        if l.prev_hash != prev {
            return Err(broken("does not link to the entry before it"));
        }
        if entry_hash(&l.prev_hash, &l.entry) != l.hash {
            return Err(broken("its content does not match its hash"));
        }
        prev = l.hash.clone();
    }
    if head.0 != entries.len() as i64 || head.1 != prev {
        return Err(Broken {
            index: entries.len(),
            seq: entries.len() as i64 + 1,
            reason: "entries after this point were removed",
        });
    }
    Ok(())
}

/// User text on one line: control characters (newlines included) become visible escapes
/// and a backslash is doubled, so an injected line cannot pass for an entry of its own.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// One CSV cell: on one line, a leading formula character (= + - @ and the tab or CR
/// some spreadsheets also treat so) neutralised with an apostrophe, always quoted.
pub fn csv_cell(s: &str) -> String {
    let mut text = one_line(s);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        text.insert(0, '\'');
    }
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(seq: i64, detail: &str) -> Entry {
        Entry {
            seq,
            at: chrono::DateTime::from_timestamp(1_790_000_000 + seq, 123_456_000)
                .unwrap()
                .naive_utc(),
            actor_user_id: Some("0192f0c0-0000-7000-8000-000000000001".into()),
            actor_name: "张喆".into(),
            address: "127.0.0.1".into(),
            kind: "login_succeeded".into(),
            object_type: "user".into(),
            object_id: "x".into(),
            detail: detail.into(),
        }
    }

    fn chain(details: &[String]) -> Vec<Linked> {
        let mut prev = GENESIS.to_string();
        details
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let l = link(&prev, entry(i as i64 + 1, d));
                prev = l.hash.clone();
                l
            })
            .collect()
    }

    fn head(c: &[Linked]) -> (i64, String) {
        (
            c.len() as i64,
            c.last().map_or(GENESIS.to_string(), |l| l.hash.clone()),
        )
    }

    #[test]
    fn an_intact_chain_verifies_and_an_empty_one_too() {
        let c = chain(&["a".into(), "b".into(), "c".into()]);
        let (n, h) = head(&c);
        assert_eq!(verify(&c, (n, &h)), Ok(()));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(()));
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut c = chain(&["a".into(), "b".into(), "c".into()]);
        let (n, h) = head(&c);
        c[1].entry.actor_name = "someone else".into();
        let err = verify(&c, (n, &h)).unwrap_err();
        assert_eq!((err.index, err.seq), (1, 2));
    }

    #[test]
    fn a_removed_last_entry_is_noticed_through_the_head() {
        let mut c = chain(&["a".into(), "b".into()]);
        let (n, h) = head(&c);
        c.pop();
        assert_eq!(verify(&c, (n, &h)).unwrap_err().index, 1);
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = entry(1, "x");
        a.object_type = "ab".into();
        a.object_id = "c".into();
        let mut b = a.clone();
        b.object_type = "a".into();
        b.object_id = "bc".into();
        assert_ne!(entry_hash(GENESIS, &a), entry_hash(GENESIS, &b));
        let mut none = a.clone();
        none.actor_user_id = None;
        let mut empty = a.clone();
        empty.actor_user_id = Some(String::new());
        assert_ne!(entry_hash(GENESIS, &none), entry_hash(GENESIS, &empty));
    }

    #[test]
    fn nanoseconds_do_not_change_the_hash() {
        let a = entry(1, "x");
        let mut b = a.clone();
        b.at += chrono::Duration::nanoseconds(999);
        assert_eq!(entry_hash(GENESIS, &a), entry_hash(GENESIS, &b));
    }

    #[test]
    fn user_text_stays_on_one_line() {
        assert_eq!(one_line("Eve\n[AUDIT] ok"), "Eve\\n[AUDIT] ok");
        assert_eq!(one_line("a\\nb"), "a\\\\nb");
        assert_eq!(one_line("张喆 O'Brien"), "张喆 O'Brien");
        assert_eq!(one_line("a\u{2028}b\u{7}"), "a\\u{2028}b\\u{7}");
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("=1+1"), "\"'=1+1\"");
        assert_eq!(csv_cell("+x"), "\"'+x\"");
        assert_eq!(csv_cell("-x"), "\"'-x\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("say \"hi\"\nbye"), "\"say \"\"hi\"\"\\nbye\"");
        assert_eq!(csv_cell("plain"), "\"plain\"");
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    proptest! {
        #[test]
        fn any_single_change_is_found_at_its_index(
            details in proptest::collection::vec(".{0,12}", 1..12),
            pick in any::<prop::sample::Index>(),
            extra in "[a-z]{1,4}",
        ) {
            let mut c = chain(&details);
            let (n, h) = head(&c);
            let i = pick.index(c.len());
            c[i].entry.detail.push_str(&extra);
            let err = verify(&c, (n, &h)).unwrap_err();
            prop_assert_eq!(err.index, i);
        }

        #[test]
        fn removing_an_inner_entry_is_found(
            details in proptest::collection::vec(".{0,8}", 2..10),
            pick in any::<prop::sample::Index>(),
        ) {
            let mut c = chain(&details);
            let (n, h) = head(&c);
            let i = pick.index(c.len() - 1);
            c.remove(i);
            let err = verify(&c, (n, &h)).unwrap_err();
            prop_assert_eq!(err.index, i);
        }

        #[test]
        fn one_line_never_contains_a_line_break(s in "\\PC*|[\\n\\r\\u{2028}a-z]*") {
            let out = one_line(&s);
            let breaks = ['\n', '\r', '\u{2028}', '\u{2029}'];
            prop_assert!(!out.contains(breaks));
            let cell = csv_cell(&s);
            prop_assert!(!cell.contains(['\n', '\r']));
            prop_assert!(!cell[1..].starts_with(['=', '+', '-', '@']));
        }
    }
}
