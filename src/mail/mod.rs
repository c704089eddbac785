//! E-mail notifications through a transactional outbox.
//!
//! A use case calls [`enqueue`] inside its own transaction: the rendered message (both
//! languages, the recipient's first) goes into `outbox` and, for a known user, into their
//! web inbox (`notifications`). Nothing is sent then; [`worker`] claims committed rows and
//! sends them with lettre, so a rolled-back change sends nothing and a crash after the
//! commit only delays the message.

pub mod transport;
pub mod worker;

use std::sync::OnceLock;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Serialize;

use crate::db::models::mail as store;
use crate::db::DbConn;
use crate::domain::i18n::Lang;
use crate::domain::ids::{ApplicationId, EnterpriseId, UserId};

/// Every message the programme sends; each has a folder `templates/email/<kind>/` with
/// `subject.txt`, `body.txt` and `body.html`, rendered once per language with `lang` set.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum Notification {
    Invitation {
        enterprise_name: String,
        inviter_name: String,
        accept_url: String,
        expires_at: NaiveDateTime,
    },
    PasswordReset {
        reset_url: String,
        expires_at: NaiveDateTime,
    },
    EnterpriseVerified {
        enterprise_name: String,
    },
    ApplicationSubmitted {
        application_id: ApplicationId,
        part: String,
        enterprise_name: String,
    },
    ApplicationAccepted {
        application_id: ApplicationId,
        part: String,
        enterprise_name: String,
    },
    ApplicationReturned {
        application_id: ApplicationId,
        part: String,
        enterprise_name: String,
        reason: String,
    },
    ApplicationApproved {
        application_id: ApplicationId,
        part: String,
        enterprise_name: String,
    },
    PanelAssignment {
        application_id: ApplicationId,
        part: String,
        /// "lead" or "member".
        panel_role: String,
    },
    ClarificationRequest {
        application_id: ApplicationId,
        item: String,
        question: String,
        deadline: NaiveDateTime,
    },
    ClarificationReminder {
        application_id: ApplicationId,
        item: String,
        deadline: NaiveDateTime,
    },
    ScoresDue {
        application_id: ApplicationId,
        part: String,
        due: NaiveDateTime,
    },
    ReviewVoteRequested {
        application_id: ApplicationId,
        part: String,
        due: NaiveDateTime,
    },
    CertificateIssued {
        certificate_id: String,
        part: String,
        level: i32,
        verify_url: String,
    },
    CertificateRevoked {
        certificate_id: String,
        part: String,
        reason: String,
    },
    /// `until` is the suspension's last day, as the secretariat decided it.
    CertificateSuspended {
        certificate_id: String,
        part: String,
        reason: String,
        until: chrono::NaiveDate,
        verify_url: String,
    },
    CertificateReinstated {
        certificate_id: String,
        part: String,
        reason: String,
        verify_url: String,
    },
    /// `verify_url` is the successor's.
    CertificateScopeReduced {
        certificate_id: String,
        successor_id: String,
        part: String,
        scope: String,
        reason: String,
        verify_url: String,
    },
    /// Before a certificate's last day of validity (renewal): apply for re-assessment.
    RenewalInvitation {
        certificate_id: String,
        part: String,
        valid_until: chrono::NaiveDate,
        days_left: i64,
        apply_url: String,
    },
    /// Before a suspension's last day: the secretariat decides on reinstatement or
    /// withdrawal by then.
    SuspensionEnding {
        certificate_id: String,
        part: String,
        until: chrono::NaiveDate,
        verify_url: String,
    },
    // Panels, scoring and review (feature: wiring).
    /// To the member whose submitted score the lead reopened.
    ScoreReopened {
        application_id: ApplicationId,
        part: String,
        item: String,
        due: NaiveDateTime,
    },
    /// To the panel's lead.
    ClarificationAnswered {
        application_id: ApplicationId,
        items: String,
    },
    /// To the panel's lead once every member has submitted every item.
    ScoresComplete {
        application_id: ApplicationId,
        part: String,
    },
    /// To the panel's lead; `reasons` only when returned.
    ReviewDecided {
        application_id: ApplicationId,
        part: String,
        approved: bool,
        reasons: String,
    },
    /// To the secretariat: recusals leave fewer eligible review members than the quorum,
    /// so the application waits until members are added.
    ReviewMembersNeeded {
        application_id: ApplicationId,
        part: String,
        quorum: usize,
        eligible: usize,
    },
    // Appeals and complaints.
    /// To the enterprise; `subject` is the appealed decision's kind.
    AppealLodged {
        part: String,
        subject: String,
        appeal_url: String,
    },
    /// To the enterprise and to each member of the appeal panel.
    AppealPanelFormed {
        part: String,
        appeal_url: String,
    },
    /// To the enterprise and to the panel.
    AppealDecided {
        part: String,
        upheld: bool,
        reasons: String,
        appeal_url: String,
    },
    /// To the panel, if one was formed.
    AppealWithdrawn {
        part: String,
        reason: String,
    },
    /// To the complainant's address: the complaint is registered only once confirmed.
    ComplaintConfirm {
        confirm_url: String,
    },
    /// To the complainant: the private link to follow the case.
    ComplaintRegistered {
        follow_url: String,
    },
    /// To the complainant when the secretariat triages or answers; `status` is the new one.
    ComplaintUpdated {
        status: String,
    },
    // Surveillance of certificates in force.
    /// To the enterprise: the items to upload evidence for, and by when.
    SurveillancePlanned {
        certificate_id: String,
        part: String,
        due_on: chrono::NaiveDate,
        items: String,
        url: String,
    },
    /// To each assessor of a surveillance.
    SurveillanceAssigned {
        certificate_id: String,
        part: String,
        due_on: chrono::NaiveDate,
        items: String,
        url: String,
    },
    /// To the enterprise; `outcome` is maintain, narrow or suspend.
    SurveillanceConcluded {
        certificate_id: String,
        part: String,
        outcome: String,
        reason: String,
        url: String,
    },
    /// To the secretariat and the enterprise, once, when the due day has passed without
    /// a conclusion.
    SurveillanceOverdue {
        certificate_id: String,
        part: String,
        enterprise_name: String,
        due_on: chrono::NaiveDate,
        url: String,
    },
}

impl Notification {
    /// The template folder and the stored message kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::Invitation { .. } => "invitation",
            Notification::PasswordReset { .. } => "password_reset",
            Notification::EnterpriseVerified { .. } => "enterprise_verified",
            Notification::ApplicationSubmitted { .. } => "application_submitted",
            Notification::ApplicationAccepted { .. } => "application_accepted",
            Notification::ApplicationReturned { .. } => "application_returned",
            Notification::ApplicationApproved { .. } => "application_approved",
            Notification::PanelAssignment { .. } => "panel_assignment",
            Notification::ClarificationRequest { .. } => "clarification_request",
            Notification::ClarificationReminder { .. } => "clarification_reminder",
            Notification::ScoresDue { .. } => "scores_due",
            Notification::ReviewVoteRequested { .. } => "review_vote_requested",
            Notification::CertificateIssued { .. } => "certificate_issued",
            Notification::CertificateRevoked { .. } => "certificate_revoked",
            Notification::CertificateSuspended { .. } => "certificate_suspended",
            Notification::CertificateReinstated { .. } => "certificate_reinstated",
            Notification::CertificateScopeReduced { .. } => "certificate_scope_reduced",
            Notification::RenewalInvitation { .. } => "renewal_invitation",
            Notification::SuspensionEnding { .. } => "suspension_ending",
            Notification::ScoreReopened { .. } => "score_reopened",
            Notification::ClarificationAnswered { .. } => "clarification_answered",
            Notification::ScoresComplete { .. } => "scores_complete",
            Notification::ReviewDecided { .. } => "review_decided",
            Notification::ReviewMembersNeeded { .. } => "review_members_needed",
            Notification::AppealLodged { .. } => "appeal_lodged",
            Notification::AppealPanelFormed { .. } => "appeal_panel_formed",
            Notification::AppealDecided { .. } => "appeal_decided",
            Notification::AppealWithdrawn { .. } => "appeal_withdrawn",
            Notification::ComplaintConfirm { .. } => "complaint_confirm",
            Notification::ComplaintRegistered { .. } => "complaint_registered",
            Notification::ComplaintUpdated { .. } => "complaint_updated",
            Notification::SurveillancePlanned { .. } => "surveillance_planned",
            Notification::SurveillanceAssigned { .. } => "surveillance_assigned",
            Notification::SurveillanceConcluded { .. } => "surveillance_concluded",
            Notification::SurveillanceOverdue { .. } => "surveillance_overdue",
        }
    }

    /// Messages with a single-use secret link: the inbox copy says that it was sent but
    /// leaves the link out, so that it exists only in the addressed mailbox.
    fn carries_secret(&self) -> bool {
        matches!(
            self,
            Notification::Invitation { .. }
                | Notification::PasswordReset { .. }
                | Notification::ComplaintConfirm { .. }
                | Notification::ComplaintRegistered { .. }
        )
    }
}

pub use crate::domain::message::{Recipient, Rendered};

/// A registered user as a recipient, in their own language; None if the user does not
/// exist or is disabled.
pub fn recipient(conn: &mut DbConn, id: UserId) -> QueryResult<Option<Recipient>> {
    store::recipient(conn, id)
}

fn email_templates() -> &'static tera::Tera {
    static TERA: OnceLock<tera::Tera> = OnceLock::new();
    TERA.get_or_init(|| {
        let mut tera = tera::Tera::default();
        let files: Vec<(&str, &str)> = crate::templates::TEMPLATES
            .iter()
            .copied()
            .filter(|(n, _)| n.starts_with("email/"))
            .collect();
        tera.add_raw_templates(files)
            .expect("the e-mail templates are valid (tested)");
        tera.autoescape_on(vec![".html"]);
        tera
    })
}

/// Control characters (CR/LF included) become spaces: a subject is one header line.
fn single_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Renders a message for a recipient: their language first, then the other.
pub fn render(n: &Notification, name: &str, first: Lang) -> Result<Rendered, tera::Error> {
    let tera = email_templates();
    let order = match first {
        Lang::Zh => [Lang::Zh, Lang::En],
        Lang::En => [Lang::En, Lang::Zh],
    };
    let mut subjects = Vec::new();
    let mut texts = Vec::new();
    let mut htmls = Vec::new();
    for lang in order {
        let mut ctx = tera::Context::from_serialize(n)?;
        ctx.insert("lang", lang.code());
        ctx.insert("name", name);
        let dir = format!("email/{}", n.kind());
        subjects.push(single_line(
            &tera.render(&format!("{dir}/subject.txt"), &ctx)?,
        ));
        texts.push(
            tera.render(&format!("{dir}/body.txt"), &ctx)?
                .trim()
                .to_string(),
        );
        htmls.push(format!(
            "<div lang=\"{}\">{}</div>",
            lang.code(),
            tera.render(&format!("{dir}/body.html"), &ctx)?.trim()
        ));
    }
    Ok(Rendered {
        subject: subjects.join(" / "),
        text: texts.join("\n\n----------------------------------------\n\n") + "\n",
        html: format!(
            "<!doctype html><html><body>{}</body></html>\n",
            htmls.join("<hr>")
        ),
    })
}

/// Queues a message in the caller's transaction: an outbox row for the mail worker and,
/// for a known user, a copy in their web inbox. Call it inside `write_tx` next to the
/// change that causes it; if that transaction rolls back, nothing is sent.
pub fn enqueue(conn: &mut DbConn, to: &Recipient, n: &Notification) -> QueryResult<()> {
    let rendered = render(n, &to.name, to.lang).map_err(|e| {
        diesel::result::Error::QueryBuilderError(
            format!("e-mail template {}: {e:?}", n.kind()).into(),
        )
    })?;
    store::insert_outbox(conn, to, n.kind(), &rendered)?;
    if let Some(user) = to.user_id {
        let text = if n.carries_secret() {
            // The inbox shows that the message was sent, never the secret link itself.
            String::new()
        } else {
            rendered.text.clone()
        };
        store::insert_notification(conn, user, n.kind(), &rendered.subject, &text)?;
    }
    Ok(())
}

/// Queues the same message for every member of an enterprise.
pub fn enqueue_to_enterprise(
    conn: &mut DbConn,
    enterprise_id: EnterpriseId,
    n: &Notification,
) -> QueryResult<usize> {
    let members = store::enterprise_recipients(conn, enterprise_id)?;
    for m in &members {
        enqueue(conn, m, n)?;
    }
    Ok(members.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap()
    }

    fn all() -> Vec<Notification> {
        let app = || {
            "0192f0c0-0000-7000-8000-000000000001"
                .parse::<ApplicationId>()
                .unwrap()
        };
        vec![
            Notification::Invitation {
                enterprise_name: "<b>ACME</b> {{7*7}}".into(),
                inviter_name: "张喆".into(),
                accept_url: "https://x.test/invitations/tok".into(),
                expires_at: t(),
            },
            Notification::PasswordReset {
                reset_url: "https://x.test/password/reset/tok".into(),
                expires_at: t(),
            },
            Notification::EnterpriseVerified {
                enterprise_name: "王堃科技".into(),
            },
            Notification::ApplicationSubmitted {
                application_id: app(),
                part: "CD".into(),
                enterprise_name: "E".into(),
            },
            Notification::ApplicationAccepted {
                application_id: app(),
                part: "CD".into(),
                enterprise_name: "E".into(),
            },
            Notification::ApplicationReturned {
                application_id: app(),
                part: "CD".into(),
                enterprise_name: "E".into(),
                reason: "more evidence".into(),
            },
            Notification::ApplicationApproved {
                application_id: app(),
                part: "CD".into(),
                enterprise_name: "E".into(),
            },
            Notification::PanelAssignment {
                application_id: app(),
                part: "CD".into(),
                panel_role: "lead".into(),
            },
            Notification::ClarificationRequest {
                application_id: app(),
                item: "CD-CM-01".into(),
                question: "Which branch?".into(),
                deadline: t(),
            },
            Notification::ClarificationReminder {
                application_id: app(),
                item: "CD-CM-01".into(),
                deadline: t(),
            },
            Notification::ScoresDue {
                application_id: app(),
                part: "CD".into(),
                due: t(),
            },
            Notification::ReviewVoteRequested {
                application_id: app(),
                part: "CD".into(),
                due: t(),
            },
            Notification::CertificateIssued {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                level: 3,
                verify_url: "https://x.test/verify/C-1".into(),
            },
            Notification::CertificateRevoked {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                reason: "withdrawn".into(),
            },
            Notification::CertificateSuspended {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                reason: "surveillance found gaps".into(),
                until: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                verify_url: "https://x.test/verify/C-1".into(),
            },
            Notification::CertificateReinstated {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                reason: "gaps closed".into(),
                verify_url: "https://x.test/verify/C-1".into(),
            },
            Notification::CertificateScopeReduced {
                certificate_id: "C-1".into(),
                successor_id: "C-2".into(),
                part: "CD".into(),
                scope: "核心交易系统".into(),
                reason: "one system left the scope".into(),
                verify_url: "https://x.test/verify/C-2".into(),
            },
            Notification::RenewalInvitation {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                valid_until: chrono::NaiveDate::from_ymd_opt(2029, 3, 2).unwrap(),
                days_left: 90,
                apply_url: "https://x.test/applications?renews=C-1#apply".into(),
            },
            Notification::SuspensionEnding {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                until: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                verify_url: "https://x.test/verify/C-1".into(),
            },
            Notification::ScoreReopened {
                application_id: app(),
                part: "CD".into(),
                item: "CD-CM-01".into(),
                due: t(),
            },
            Notification::ClarificationAnswered {
                application_id: app(),
                items: "CD-CM-01, CD-CM-02".into(),
            },
            Notification::ScoresComplete {
                application_id: app(),
                part: "CD".into(),
            },
            Notification::ReviewDecided {
                application_id: app(),
                part: "CD".into(),
                approved: false,
                reasons: "the level of CD-CM-01 is not supported".into(),
            },
            Notification::ReviewMembersNeeded {
                application_id: app(),
                part: "CD".into(),
                quorum: 2,
                eligible: 1,
            },
            Notification::AppealLodged {
                part: "CD".into(),
                subject: "returned_result".into(),
                appeal_url: "https://x.test/appeals/a".into(),
            },
            Notification::AppealPanelFormed {
                part: "CD".into(),
                appeal_url: "https://x.test/appeals/a".into(),
            },
            Notification::AppealDecided {
                part: "CD".into(),
                upheld: true,
                reasons: "the return ignored the evidence of CD-CM-01".into(),
                appeal_url: "https://x.test/appeals/a".into(),
            },
            Notification::AppealWithdrawn {
                part: "CD".into(),
                reason: "settled".into(),
            },
            Notification::ComplaintConfirm {
                confirm_url: "https://x.test/complaints/confirm/tok".into(),
            },
            Notification::ComplaintRegistered {
                follow_url: "https://x.test/complaints/track/tok".into(),
            },
            Notification::ComplaintUpdated {
                status: "answered".into(),
            },
            Notification::SurveillancePlanned {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                due_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
                items: "CD-CM-01, CD-CM-02".into(),
                url: "https://x.test/surveillances/s".into(),
            },
            Notification::SurveillanceAssigned {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                due_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
                items: "CD-CM-01".into(),
                url: "https://x.test/surveillances/s".into(),
            },
            Notification::SurveillanceConcluded {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                outcome: "suspend".into(),
                reason: "gaps in CD-CM-01".into(),
                url: "https://x.test/surveillances/s".into(),
            },
            Notification::SurveillanceOverdue {
                certificate_id: "C-1".into(),
                part: "CD".into(),
                enterprise_name: "<b>ACME</b> {{7*7}}".into(),
                due_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 3).unwrap(),
                url: "https://x.test/surveillances/s".into(),
            },
        ]
    }

    #[test]
    fn every_message_renders_in_both_languages_recipients_first() {
        let kinds: std::collections::BTreeSet<_> = all().iter().map(|n| n.kind()).collect();
        assert_eq!(kinds.len(), 35);
        for n in all() {
            for first in Lang::ALL {
                let r = render(&n, "Łukasz O'Brien", first).unwrap();
                assert!(!r.subject.contains(['\n', '\r']), "{}", n.kind());
                let (zh, en) = (
                    r.text.find("certcase 认证").unwrap(),
                    r.text.find("certcase certification").unwrap(),
                );
                assert_eq!(first == Lang::Zh, zh < en, "{} order", n.kind());
                assert!(r.text.contains("Łukasz O'Brien"), "{}", n.kind());
                assert!(r.html.contains("Łukasz O&#x27;Brien"), "{}", n.kind());
            }
        }
    }

    #[test]
    fn markup_in_user_text_is_escaped_in_html_and_literal_in_text() {
        let r = render(&all()[0], "<script>x</script>", Lang::En).unwrap();
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;b&gt;ACME&lt;&#x2F;b&gt; {{7*7}}"));
        assert!(r.text.contains("<b>ACME</b> {{7*7}}"));
    }

    #[test]
    fn a_subject_never_spans_lines() {
        let n = Notification::EnterpriseVerified {
            enterprise_name: "ACME\r\nBcc: evil@x.test".into(),
        };
        let r = render(&n, "n", Lang::Zh).unwrap();
        assert!(!r.subject.contains(['\r', '\n']));
    }
}
