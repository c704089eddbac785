//! `spawn_app`: a real server on port 0 with a fresh database (SQLite in a temporary
//! data dir, or a new PostgreSQL database when CERTCASE_TEST_DATABASE=postgres), and one
//! helper per thing a test needs to do.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;

use certcase::config::{Config, Sources};
use certcase::db::{DbConn, DbPool};
use certcase::domain::access::Role;
use certcase::domain::account::{DisplayName, Email, Password};
use certcase::startup;
use certcase::workflow::users;
use diesel::{Connection, RunQueryDsl};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

pub fn use_postgres() -> bool {
    std::env::var("CERTCASE_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

fn postgres_admin_url() -> String {
    std::env::var("CERTCASE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A database that exists for one test and is dropped after it.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub fn new(data_dir: &std::path::Path) -> TestDatabase {
        if use_postgres() {
            certcase::db::init_tls();
            let name = format!("certcase_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin =
                diesel::PgConnection::establish(&format!("{}/postgres", postgres_admin_url()))
                    .expect("PostgreSQL must be running for CERTCASE_TEST_DATABASE=postgres");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .unwrap();
            TestDatabase {
                url: format!("{}/{name}", postgres_admin_url()),
                pg_name: Some(name),
            }
        } else {
            TestDatabase {
                url: data_dir.join("certcase.db").display().to_string(),
                pg_name: None,
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = &self.pg_name else { return };
        // The server's pool may still be connecting in the background when the test ends;
        // a connection that arrives during the drop makes it fail, so try again.
        let mut last_error = String::new();
        for _ in 0..20 {
            match diesel::PgConnection::establish(&format!("{}/postgres", postgres_admin_url()))
                .map_err(|e| e.to_string())
                .and_then(|mut admin| {
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .map_err(|e| e.to_string())
                }) {
                Ok(_) => return,
                Err(e) => last_error = e,
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        eprintln!("test database {name} was not dropped: {last_error}");
    }
}

pub struct TestApp {
    pub address: String,
    pub pool: DbPool,
    pub data_dir: PathBuf,
    // Dropped last: the server's pool still points at them.
    _db: TestDatabase,
    _dir: tempfile::TempDir,
}

pub struct TestUser {
    pub email: String,
    pub password: String,
}

/// Configuration as the binary would read it, with test values in place of the
/// environment.
pub fn test_config(data_dir: &std::path::Path, database_url: &str, port: u16) -> Config {
    let vars: HashMap<&str, String> = HashMap::from([
        ("CERTCASE_DATA_DIR", data_dir.display().to_string()),
        ("DATABASE_URL", database_url.to_string()),
        ("CERTCASE_BASE_URL", format!("http://127.0.0.1:{port}")),
        ("CERTCASE_BIND", format!("127.0.0.1:{port}")),
    ]);
    let env = move |k: &str| vars.get(k).cloned();
    let mut config = Config::from_sources(Sources {
        file: None,
        env: &env,
    })
    .expect("test config is valid");
    config.ensure_data_dir().expect("data dir");
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// `spawn_app` with configuration changes (evidence limits, say).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with_state(configure, |_| {}).await
}

/// `spawn_app_with`, and a change to the built state before the server starts (a storage
/// that fails its writes, say).
pub async fn spawn_app_with_state(
    configure: impl FnOnce(&mut Config),
    adjust: impl FnOnce(&mut certcase::web::AppState),
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let db = TestDatabase::new(&data_dir);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = test_config(&data_dir, &db.url, port);
    configure(&mut config);
    let prepared = config.clone();
    let pool = tokio::task::spawn_blocking(move || startup::prepare(&prepared))
        .await
        .unwrap()
        .expect("prepare");
    let mut state = startup::state(config, pool.clone()).unwrap();
    adjust(&mut state);
    let server = startup::run(listener, state, 1).unwrap();
    tokio::spawn(server);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        pool,
        data_dir,
        _db: db,
        _dir: dir,
    }
}

/// A browser: keeps cookies, does not follow redirects, sends our Origin on forms.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A valid unified social credit code (GB 32100-2015) from a 17-character body.
pub fn credit_code(body: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: usize = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| ALPHABET.iter().position(|a| *a == c).unwrap() * w)
        .sum();
    format!("{body}{}", ALPHABET[(31 - sum % 31) % 31] as char)
}

/// Someone calling the JSON API with their bearer token (answers in the server's default
/// language).
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl Api<'_> {
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.app
            .call_api(&self.token, Some("en"), method, path, body)
            .await
    }
}

/// The value of the hidden CSRF field in a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

impl TestApp {
    // mail/audit feature: the database URL, for running the binary against it.
    pub fn database_url(&self) -> String {
        self._db.url.clone()
    }

    /// The certcase binary against this server's database and data dir, with a clean
    /// environment.
    pub fn binary(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_certcase"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CERTCASE_DATA_DIR", &self.data_dir)
            .env("DATABASE_URL", self.database_url())
            .env("CERTCASE_BASE_URL", &self.address)
            .env("RUST_LOG", "warn")
            .current_dir(&self.data_dir);
        cmd
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> T + Send + 'static,
    ) -> T {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || f(&mut pool.get().unwrap()))
            .await
            .unwrap()
    }

    pub async fn add_user(&self, name: &str, roles: &[Role]) -> TestUser {
        let email = format!("{}@example.test", uuid::Uuid::new_v4().simple());
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let (e, n, p, r) = (
            email.clone(),
            name.to_string(),
            password.clone(),
            roles.to_vec(),
        );
        self.conn(move |c| {
            users::add_user(
                c,
                &Email::parse(&e).unwrap(),
                &DisplayName::parse(&n).unwrap(),
                &Password::parse(&p).unwrap(),
                &r,
            )
            .unwrap()
        })
        .await;
        TestUser { email, password }
    }

    /// Headers a page form sent from our own site carries.
    pub fn same_origin(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("origin", HeaderValue::from_str(&self.address).unwrap());
        h
    }

    /// GETs a page and returns its HTML.
    pub async fn page_text(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// GETs a page and returns its CSRF token.
    pub async fn csrf_from(&self, client: &reqwest::Client, path: &str) -> String {
        csrf_in(&self.page_text(client, path).await)
    }

    /// Signs in through the login form; returns the response (303 on success).
    pub async fn login_form(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let token = self.csrf_from(client, "/login").await;
        client
            .post(self.url("/login"))
            .headers(self.same_origin())
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Submits a page form from our own site: the CSRF token as the page `form_page` gives
    /// it to this browser, then `fields` posted to `action`.
    pub async fn submit_form(
        &self,
        browser: &reqwest::Client,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf_from(browser, form_page).await;
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        browser
            .post(self.url(action))
            .headers(self.same_origin())
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub async fn signed_in(&self, user: &TestUser) -> reqwest::Client {
        let client = browser();
        let res = self.login_form(&client, &user.email, &user.password).await;
        assert_eq!(res.status(), 303, "sign-in of {} failed", user.email);
        client
    }

    /// Calls the JSON API with a bearer token, asking for `lang` when given. Returns the
    /// status and the body: its JSON, else its text (null when empty).
    pub async fn call_api(
        &self,
        token: &str,
        lang: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(method.parse().unwrap(), self.url(path))
            .bearer_auth(token);
        if let Some(lang) = lang {
            req = req.header("accept-language", lang);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    /// A new user with one role, signed in to the API.
    pub async fn api_for(&self, name: &str, role: Role) -> Api<'_> {
        let user = self.add_user(name, &[role]).await;
        Api {
            app: self,
            token: self.api_token(&user).await,
        }
    }

    /// The enterprise an application belongs to.
    pub async fn enterprise_of(&self, application: &str) -> String {
        let id = application.to_string();
        self.conn(move |c| {
            certcase::db::models::applications::get(c, id.parse().unwrap())
                .unwrap()
                .unwrap()
                .enterprise_id
                .to_string()
        })
        .await
    }

    /// The id of the latest version of the CAICT model (loaded at startup).
    pub async fn caict_version(&self) -> String {
        self.conn(|c| {
            let id = certcase::db::models::catalog::find_model_id(c, "caict-devops")
                .unwrap()
                .unwrap();
            certcase::db::models::catalog::latest_version(c, id)
                .unwrap()
                .unwrap()
                .id
                .to_string()
        })
        .await
    }

    pub async fn api_token(&self, user: &TestUser) -> String {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": user.email, "password": user.password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn auth_event_kinds(&self, email: &str) -> Vec<String> {
        let email = email.to_string();
        self.conn(move |c| {
            certcase::db::models::sessions::events_for(c, &email)
                .unwrap()
                .into_iter()
                .map(|e| e.kind)
                .collect()
        })
        .await
    }
}

/// A CSV download as Excel reads it: it must start with the UTF-8 byte order mark
/// (reqwest's `text()` would drop it silently). The text after the mark.
pub async fn excel_csv(res: reqwest::Response) -> String {
    let bytes = res.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    text.strip_prefix('\u{FEFF}')
        .unwrap_or_else(|| panic!("no byte order mark at the start: {text:.80}"))
        .to_string()
}
