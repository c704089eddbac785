//! Building messages from outbox rows and handing them to a lettre transport.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::stub::StubTransport;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::{MailConfig, MailTransport, SmtpTls};
use crate::db::models::mail::OutboxRow;

/// Where messages go.
#[derive(Clone)]
pub enum Mailer {
    /// `.eml` files in a directory (the zero-set-up default), owner-only: they carry live
    /// password-reset and invitation links.
    File(PathBuf),
    Smtp(SmtpTransport),
    /// In-memory, for unit tests.
    Stub(StubTransport),
}

/// A display name on one line: CR, LF and other control characters cannot reach a header.
fn clean_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A mailbox from an address and a name; lettre encodes non-ASCII names (RFC 2047) and
/// quotes the rest.
pub fn mailbox(name: &str, address: &str) -> Result<Mailbox, String> {
    let addr = address
        .trim()
        .parse()
        .map_err(|e| format!("bad address '{}': {e}", address.escape_debug()))?;
    let name = clean_name(name);
    Ok(Mailbox::new((!name.is_empty()).then_some(name), addr))
}

/// The message for one outbox row: multipart/alternative text and HTML.
pub fn build(row: &OutboxRow, from: &Mailbox) -> Result<Message, String> {
    let to = mailbox(&row.recipient_name, &row.recipient_address)?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(clean_name(&row.subject))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(row.body_text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(row.body_html.clone()),
                ),
        )
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// Writes one message as `<dir>/<uuid>.eml`, as lettre's file transport names them, but
/// created owner-only.
fn write_eml(dir: &Path, m: &Message) -> std::io::Result<()> {
    let path = dir.join(format!("{}.eml", uuid::Uuid::new_v4()));
    let mut file = crate::private_files::new_file().open(path)?;
    file.write_all(&m.formatted())?;
    file.sync_all()
}

impl Mailer {
    /// The transport the configuration names; the file transport's directory is created.
    pub fn from_config(c: &MailConfig, data_dir: &std::path::Path) -> anyhow::Result<Mailer> {
        Ok(match &c.transport {
            MailTransport::File => {
                let dir = data_dir.join("mail");
                crate::private_files::create_dir_all(&dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
                Mailer::File(dir)
            }
            MailTransport::Smtp => {
                let host = c.smtp_host.as_str();
                let mut b = match c.smtp_tls {
                    SmtpTls::None => SmtpTransport::builder_dangerous(host),
                    SmtpTls::Starttls => SmtpTransport::builder_dangerous(host)
                        .tls(Tls::Required(TlsParameters::new(host.to_string())?)),
                    SmtpTls::Tls => SmtpTransport::builder_dangerous(host)
                        .tls(Tls::Wrapper(TlsParameters::new(host.to_string())?)),
                };
                b = b.port(c.smtp_port).timeout(Some(Duration::from_secs(20)));
                if let Some(user) = &c.smtp_username {
                    b = b.credentials(Credentials::new(
                        user.clone(),
                        c.smtp_password.clone().unwrap_or_default(),
                    ));
                }
                Mailer::Smtp(b.build())
            }
        })
    }

    pub fn send(&self, m: &Message) -> Result<(), String> {
        match self {
            Mailer::File(dir) => write_eml(dir, m).map_err(|e| e.to_string()),
            Mailer::Smtp(t) => t.send(m).map(drop).map_err(|e| e.to_string()),
            Mailer::Stub(t) => t.send(m).map(drop).map_err(|e| e.to_string()),
        }
    }

    /// Where messages go, for the console at start-up.
    pub fn describe(&self) -> String {
        match self {
            Mailer::File(dir) => format!("written as .eml files to {}", dir.display()),
            Mailer::Smtp(_) => "sent over SMTP".into(),
            Mailer::Stub(_) => "kept in memory (stub)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::models::mail::OutboxStatus;

    fn row(name: &str, subject: &str) -> OutboxRow {
        let t = chrono::Utc::now().naive_utc();
        OutboxRow {
            id: "1".into(),
            recipient_user_id: None,
            recipient_address: "to@example.test".into(),
            recipient_name: name.into(),
            lang: "en".into(),
            message_kind: "enterprise_verified".into(),
            subject: subject.into(),
            body_text: "text".into(),
            body_html: "<p>html</p>".into(),
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: t,
            last_error: None,
            claimed_by: None,
            claimed_until: None,
            created_at: t,
            sent_at: None,
        }
    }

    fn headers(m: &Message) -> String {
        let raw = String::from_utf8(m.formatted()).unwrap();
        raw[..raw.find("\r\n\r\n").unwrap()].to_string()
    }

    #[test]
    fn cr_lf_in_a_name_or_subject_cannot_add_a_header() {
        let from = mailbox("certcase", "noreply@example.test").unwrap();
        let m = build(
            &row(
                "Eve\r\nBcc: victim@example.test",
                "Hi\r\nBcc: x@example.test",
            ),
            &from,
        )
        .unwrap();
        let h = headers(&m);
        assert!(
            !h.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{h}"
        );
        assert_eq!(m.envelope().to().len(), 1);
    }

    #[test]
    fn unicode_names_and_subjects_are_encoded() {
        let from = mailbox("认证秘书处", "noreply@example.test").unwrap();
        let m = build(&row("张喆", "[certcase] 企业已核验 / verified"), &from).unwrap();
        let h = headers(&m);
        assert!(h.is_ascii(), "{h}");
        assert!(h.contains("=?utf-8?"), "{h}");
    }

    #[test]
    fn eml_files_are_written_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::File(dir.path().to_path_buf());
        let from = mailbox("certcase", "noreply@example.test").unwrap();
        mailer
            .send(&build(&row("O'Brien", "reset link"), &from).unwrap())
            .unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            text.contains("<to@example.test>") && text.contains("reset link"),
            "{text}"
        );
    }

    #[test]
    fn the_stub_transport_receives_the_message() {
        let stub = StubTransport::new_ok();
        let mailer = Mailer::Stub(stub.clone());
        let from = mailbox("certcase", "noreply@example.test").unwrap();
        mailer
            .send(&build(&row("O'Brien", "s"), &from).unwrap())
            .unwrap();
        let sent = stub.messages();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0.to()[0].to_string(), "to@example.test");
        let failing = Mailer::Stub(StubTransport::new_error());
        assert!(failing
            .send(&build(&row("x", "s"), &from).unwrap())
            .is_err());
    }

    #[test]
    fn a_bad_address_is_refused_with_a_message() {
        assert!(mailbox("x", "not an address\r\n")
            .unwrap_err()
            .contains("bad address"));
    }
}
