//! E-mail through the outbox, against a real SMTP server in this process: delivery,
//! refusal and outage with retries, a crash between commit and send, a rolled-back
//! change, and two workers at once.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use certcase::config::{MailConfig, MailTransport, SmtpTls};
use certcase::db::models::mail as store;
use certcase::db::{write_tx, DbConn};
use certcase::domain::access::Role;
use certcase::domain::i18n::Lang;
use certcase::mail::transport::Mailer;
use certcase::mail::worker::{send_pending, Settings, Summary};
use certcase::mail::{enqueue, Notification, Recipient};
use diesel::RunQueryDsl;
use mailin_embedded::{response, Handler, Response, Server};

use crate::helpers::{spawn_app, TestApp};

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: String,
}

/// An SMTP server that keeps what it receives, and refuses messages while `refuse` is set.
#[derive(Clone)]
struct Recorder {
    inbox: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        if self.refuse.load(Ordering::SeqCst) {
            return response::INTERNAL_ERROR;
        }
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.inbox.lock().unwrap().push(Received {
            to: std::mem::take(&mut self.to),
            raw: String::from_utf8_lossy(&self.data).into_owned(),
        });
        response::OK
    }
}

pub struct SmtpServer {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let refuse = Arc::new(AtomicBool::new(false));
        let handler = Recorder {
            inbox: inbox.clone(),
            refuse: refuse.clone(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(handler);
        server.with_name("test.smtp").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer {
            port,
            inbox,
            refuse,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    fn refuse(&self, on: bool) {
        self.refuse.store(on, Ordering::SeqCst);
    }
}

fn mail_config(port: u16, max_attempts: i32) -> MailConfig {
    MailConfig {
        transport: MailTransport::Smtp,
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        smtp_tls: SmtpTls::None,
        smtp_username: None,
        smtp_password: None,
        from_address: "noreply@certcase.test".into(),
        from_name: "certcase 认证".into(),
        poll_seconds: 1,
        max_attempts,
        retry_base_seconds: 60,
    }
}

/// Runs one worker pass, as `certcase mail send-pending` does.
pub async fn run_worker(app: &TestApp, port: u16, max_attempts: i32, worker: &str) -> Summary {
    let c = mail_config(port, max_attempts);
    let mailer = Mailer::from_config(&c, &app.data_dir).unwrap();
    let settings = Settings::from_config(&c).unwrap();
    let worker = worker.to_string();
    app.conn(move |conn| send_pending(conn, &mailer, &settings, &worker).unwrap())
        .await
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The text of a message: headers with encoded words decoded, and every base64 or
/// quoted-printable body part decoded.
pub fn decoded(raw: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = String::new();
    let unfolded = raw.replace("\r\n ", " ").replace("\r\n\t", " ");
    for word in unfolded.split("=?utf-8?b?").skip(1) {
        if let Some(end) = word.find("?=") {
            out.push_str(&String::from_utf8_lossy(&b64.decode(&word[..end]).unwrap()));
        }
    }
    for part in raw.split("Content-Transfer-Encoding: ").skip(1) {
        let body = &part[part.find("\r\n\r\n").map_or(0, |i| i + 4)..];
        let body = &body[..body.find("\r\n--").unwrap_or(body.len())];
        if part.starts_with("base64") {
            let joined: String = body.split_whitespace().collect();
            out.push_str(&String::from_utf8_lossy(&b64.decode(joined).unwrap()));
        } else if part.starts_with("quoted-printable") {
            let soft = body.replace("=\r\n", "");
            let bytes = soft.as_bytes();
            let mut v = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
                    if let Ok(b) = u8::from_str_radix(&soft[i + 1..i + 3], 16) {
                        v.push(b);
                        i += 3;
                        continue;
                    }
                }
                v.push(bytes[i]);
                i += 1;
            }
            out.push_str(&String::from_utf8_lossy(&v));
        } else {
            out.push_str(body);
        }
    }
    out
}

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Registers an enterprise (with a fresh valid credit code) with `admin` as its first
/// member; returns its id.
pub async fn register_enterprise(app: &TestApp, admin: &crate::helpers::TestUser) -> String {
    let tail: String = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(9)
        .map(|b| ALPHABET[*b as usize % 10] as char)
        .collect();
    let body = format!("91110108{tail}");
    let sum: usize = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| ALPHABET.iter().position(|a| *a == c).unwrap() * w)
        .sum();
    let code = format!("{body}{}", ALPHABET[(31 - sum % 31) % 31] as char);
    let token = app.api_token(admin).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/enterprises"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "name_zh": "喆堃科技有限公司", "name_en": "Zhekun Tech", "credit_code": code,
            "address": "北京市海淀区", "contact_name": "张喆",
            "contact_email": admin.email, "contact_phone": "+86 10 1234 5678",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn note(i: usize) -> Notification {
    Notification::EnterpriseVerified {
        enterprise_name: format!("企业 {i}"),
    }
}

fn to(i: usize) -> Recipient {
    Recipient {
        user_id: None,
        email: format!("person{i}@example.test"),
        name: format!("王堃 {i}"),
        lang: if i.is_multiple_of(2) {
            Lang::Zh
        } else {
            Lang::En
        },
    }
}

async fn queue(app: &TestApp, range: std::ops::Range<usize>) {
    app.conn(move |c| {
        write_tx(c, |c: &mut DbConn| -> diesel::QueryResult<()> {
            for i in range.clone() {
                enqueue(c, &to(i), &note(i))?;
            }
            Ok(())
        })
        .unwrap()
    })
    .await;
}

async fn outbox(app: &TestApp) -> Vec<store::OutboxRow> {
    app.conn(|c| store::all(c).unwrap()).await
}

#[tokio::test]
async fn a_verified_enterprise_hears_of_it_in_both_languages() {
    let app = spawn_app().await;
    let smtp = SmtpServer::start();
    let member = app.add_user("张喆", &[Role::Enterprise]).await;
    let sec = app.add_user("秘书处", &[Role::Secretariat]).await;
    let id = register_enterprise(&app, &member).await;
    let token = app.api_token(&sec).await;
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/enterprises/{id}/verify")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let summary = run_worker(&app, smtp.port, 5, "w1").await;
    assert_eq!(summary.sent, 1);
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec![member.email.clone()]);
    let text = decoded(&got[0].raw);
    // The subject holds both languages (the Chinese part as encoded words).
    assert!(text.starts_with("certcase 认证"), "{text}");
    assert!(text.contains("已通过核验"), "{text}");
    assert!(got[0].raw.contains("has been verified"));
    assert!(text.contains("certcase 认证服务"));
    assert!(text.contains("certcase certification programme"));
    // zh-CN is the default language of a new account: it comes first.
    assert!(
        text.find("秘书处已核验").unwrap() < text.find("The secretariat has verified").unwrap()
    );
    assert_eq!(outbox(&app).await[0].status, store::OutboxStatus::Sent);

    // Nothing is sent twice.
    assert_eq!(
        run_worker(&app, smtp.port, 5, "w2").await,
        Summary::default()
    );
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn a_refusing_or_absent_server_delays_the_message_and_loses_nothing() {
    let app = spawn_app().await;
    let smtp = SmtpServer::start();
    queue(&app, 0..2).await;

    smtp.refuse(true);
    let s = run_worker(&app, smtp.port, 5, "w1").await;
    assert_eq!((s.sent, s.retrying), (0, 2));
    let rows = outbox(&app).await;
    assert!(rows
        .iter()
        .all(|r| r.status == store::OutboxStatus::Pending && r.attempts == 1));
    assert!(rows[0].last_error.as_deref().unwrap().contains("451"));
    assert!(rows[0].next_attempt_at > rows[0].created_at + chrono::Duration::seconds(59));

    // Not yet due: a run now does nothing.
    smtp.refuse(false);
    assert_eq!(
        run_worker(&app, smtp.port, 5, "w1").await,
        Summary::default()
    );

    // The server is down at the next attempt.
    make_due(&app).await;
    let s = run_worker(&app, closed_port(), 5, "w1").await;
    assert_eq!(s.retrying, 2);
    assert!(outbox(&app).await.iter().all(|r| r.attempts == 2));

    make_due(&app).await;
    let s = run_worker(&app, smtp.port, 5, "w1").await;
    assert_eq!(s.sent, 2);
    assert_eq!(smtp.received().len(), 2);
    assert!(outbox(&app)
        .await
        .iter()
        .all(|r| r.status == store::OutboxStatus::Sent));
}

async fn make_due(app: &TestApp) {
    app.conn(|c| {
        diesel::sql_query("UPDATE outbox SET next_attempt_at = created_at")
            .execute(c)
            .unwrap()
    })
    .await;
}

#[tokio::test]
async fn after_the_last_try_the_message_is_given_up_and_shown_with_its_error() {
    let app = spawn_app().await;
    queue(&app, 0..1).await;
    let port = closed_port();
    run_worker(&app, port, 2, "w1").await;
    make_due(&app).await;
    let s = run_worker(&app, port, 2, "w1").await;
    assert_eq!(s.failed, 1);
    let row = &outbox(&app).await[0];
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 2));
    let error = row.last_error.clone().unwrap();

    let sec = app.add_user("秘书处", &[Role::Secretariat]).await;
    let page = app
        .signed_in(&sec)
        .await
        .get(app.url("/admin/outbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("person0@example.test"));
    let shown = error.split_whitespace().next().unwrap();
    assert!(page.contains(shown), "{page}");
}

#[tokio::test]
async fn a_message_committed_before_a_crash_is_sent_by_the_next_worker() {
    let app = spawn_app().await;
    let smtp = SmtpServer::start();
    queue(&app, 0..1).await;
    // A worker claimed the row and died before sending (or the process stopped right
    // after the commit): once its lease runs out, another worker sends the message.
    app.conn(|c| {
        let now = certcase::db::models::now();
        store::claim(c, "crashed", now, now + chrono::Duration::minutes(5), 10).unwrap()
    })
    .await;
    assert_eq!(run_worker(&app, smtp.port, 5, "next").await.sent, 0);
    app.conn(|c| {
        diesel::sql_query("UPDATE outbox SET claimed_until = created_at")
            .execute(c)
            .unwrap()
    })
    .await;
    assert_eq!(run_worker(&app, smtp.port, 5, "next").await.sent, 1);
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn a_rolled_back_change_sends_nothing() {
    let app = spawn_app().await;
    let smtp = SmtpServer::start();
    let result = app
        .conn(|c| {
            write_tx(c, |c: &mut DbConn| -> Result<(), diesel::result::Error> {
                enqueue(c, &to(1), &note(1))?;
                Err(diesel::result::Error::RollbackTransaction)
            })
        })
        .await;
    assert!(result.is_err());
    assert!(outbox(&app).await.is_empty());
    assert_eq!(
        run_worker(&app, smtp.port, 5, "w").await,
        Summary::default()
    );
    assert!(smtp.received().is_empty());
}

#[tokio::test]
async fn two_workers_at_once_send_each_message_once() {
    let app = spawn_app().await;
    let smtp = SmtpServer::start();
    queue(&app, 0..40).await;
    let url = app.database_url();
    let workers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let (url, dir, port) = (url.clone(), app.data_dir.clone(), smtp.port);
            std::thread::spawn(move || {
                let pool = certcase::db::connect_pool(&url, 1).unwrap();
                let c = mail_config(port, 5);
                let mailer = Mailer::from_config(&c, &dir).unwrap();
                let mut settings = Settings::from_config(&c).unwrap();
                settings.batch = 3;
                send_pending(&mut pool.get().unwrap(), &mailer, &settings, name).unwrap()
            })
        })
        .collect();
    let sent: usize = workers.into_iter().map(|w| w.join().unwrap().sent).sum();
    assert_eq!(sent, 40);
    let got = smtp.received();
    assert_eq!(got.len(), 40);
    let mut recipients: Vec<String> = got.iter().flat_map(|r| r.to.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 40);
    assert!(outbox(&app)
        .await
        .iter()
        .all(|r| r.status == store::OutboxStatus::Sent));
}

fn eml_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.data_dir.join("mail"))
        .map(|d| {
            d.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn send_pending_writes_eml_files_by_default() {
    let app = spawn_app().await;
    queue(&app, 0..3).await;
    let out = app
        .binary()
        .args(["mail", "send-pending"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("3 sent"), "{text}");
    assert!(text.contains(".eml"), "{text}");
    let files = eml_files(&app);
    assert_eq!(files.len(), 3);
    assert!(files.iter().any(|f| f.contains("person1@example.test")));
}

#[tokio::test]
async fn serve_says_where_mail_goes_and_sends_it_in_the_background() {
    let app = spawn_app().await;
    std::fs::write(
        app.data_dir.join("certcase.toml"),
        "mail_poll_seconds = 1\n",
    )
    .unwrap();
    let port = closed_port();
    let mut child = app
        .binary()
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    queue(&app, 0..1).await;
    let mut sent = false;
    for _ in 0..100 {
        if eml_files(&app).len() == 1 {
            sent = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let console = String::from_utf8(out.stdout).unwrap();
    assert!(
        sent,
        "the background worker sent nothing; console:\n{console}"
    );
    let mail_dir = app.data_dir.join("mail");
    assert!(
        console.contains(&format!(
            "e-mail: written as .eml files to {}",
            mail_dir.display()
        )),
        "{console}"
    );
}
