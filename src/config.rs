//! Configuration: built-in defaults, then an optional `certcase.toml`, then the
//! environment. A wrong value stops start-up with one line naming the key.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub reason: String,
}

fn bad(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        reason: reason.into(),
    }
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    pub base_url: String,
    /// 32 bytes or more; keys derived from it sign nothing a client can forge.
    pub secret_key: Vec<u8>,
    /// Directory of model files to load instead of the built-in catalog.
    pub catalog_dir: Option<PathBuf>,
    pub pool_size: u32,
    pub session_hours: i64,
    pub api_token_hours: i64,
    // Evidence (storage and limits).
    pub evidence: EvidenceConfig,
    /// How long an upload's body may take, and how many may be received at once.
    pub uploads: UploadConfig,
    /// Password checks: how many at once and how many may wait.
    pub sign_ins: SignInConfig,
    // mail/audit feature
    pub mail: MailConfig,
    /// The zone pages show times in (an IANA name; the programme runs on Beijing time).
    pub display_timezone: chrono_tz::Tz,
    /// Operations: health, metrics and shutdown.
    pub operations: OperationsConfig,
    /// Days after a decision within which the enterprise may appeal it.
    pub appeal_window_days: i64,
    /// The longest suspension of a certificate, in months (6 unless configured).
    pub max_suspension_months: u32,
    /// Months between surveillances of a certificate, the first counted from the
    /// certification decision (12 unless configured).
    pub surveillance_interval_months: u32,
    /// Days before a certificate's last day at which its enterprise is invited to renew
    /// it (90 and 30 unless configured).
    pub renewal_invitation_days: crate::domain::renewal::Thresholds,
    /// Days before a suspension's last day at which its enterprise is reminded (14
    /// unless configured).
    pub suspension_reminder_days: u32,
}

/// Operations: when storage counts as in trouble, who may scrape `/metrics`, how long a
/// shutdown waits for requests in flight.
#[derive(Clone)]
pub struct OperationsConfig {
    /// `/healthz` reports `degraded` when the data dir's file system has less free space.
    pub storage_floor_bytes: u64,
    /// A bearer token for `/metrics`; without one only loopback peers that came through no
    /// proxy may scrape.
    pub metrics_token: Option<String>,
    /// How long a stopping server (SIGTERM, SIGINT) lets requests in flight finish.
    pub shutdown_timeout: std::time::Duration,
    /// Load balancers whose `X-Forwarded-For` tells the client's address
    /// (`domain::client_address`); none unless configured.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a remembered caller is used before the database's caller counter is read
    /// again (`workflow::callers`): the longest a sign-out, a disabled account or a role
    /// change made by another instance or the command line can go unseen here. Zero: no
    /// caller is remembered.
    pub caller_recheck: std::time::Duration,
}

impl std::fmt::Debug for OperationsConfig {
    // The metrics token never appears in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationsConfig")
            .field("storage_floor_bytes", &self.storage_floor_bytes)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("caller_recheck", &self.caller_recheck)
            .finish()
    }
}

/// A whole number from the environment (which wins) or the file, else `default`, refused
/// outside `range` with the key and the range in the message.
fn whole_number(
    env: &dyn Fn(&str) -> Option<String>,
    var: &str,
    key: &str,
    from_file: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let value = match env(var) {
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| bad(var, format!("'{text}' is not a whole number")))?,
        None => from_file.unwrap_or(default),
    };
    if !range.contains(&value) {
        let (min, max) = (range.start(), range.end());
        return Err(bad(key, format!("must be between {min} and {max}")));
    }
    Ok(value)
}

fn operations_config(
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<OperationsConfig, ConfigError> {
    let floor_mb = whole_number(
        env,
        "CERTCASE_STORAGE_FLOOR_MB",
        "storage_floor_mb",
        file.storage_floor_mb,
        512,
        0..=1 << 30,
    )?;
    let shutdown = whole_number(
        env,
        "CERTCASE_SHUTDOWN_TIMEOUT_SECONDS",
        "shutdown_timeout_seconds",
        file.shutdown_timeout_seconds,
        30,
        0..=3600,
    )?;
    let metrics_token = env("CERTCASE_METRICS_TOKEN")
        .or(file.metrics_token.clone())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
        return Err(bad("metrics_token", "must be at least 16 characters"));
    }
    let trusted_proxies = env("CERTCASE_TRUSTED_PROXIES")
        .or(file.trusted_proxies.clone())
        .map(|t| crate::domain::client_address::parse_trusted(&t))
        .transpose()
        .map_err(|why| bad("trusted_proxies", why))?
        .unwrap_or_default();
    let caller_recheck_ms = whole_number(
        env,
        "CERTCASE_CALLER_RECHECK_MS",
        "caller_recheck_ms",
        file.caller_recheck_ms,
        100,
        0..=10_000,
    )?;
    Ok(OperationsConfig {
        storage_floor_bytes: floor_mb * MB,
        metrics_token,
        shutdown_timeout: std::time::Duration::from_secs(shutdown),
        trusted_proxies,
        caller_recheck: std::time::Duration::from_millis(caller_recheck_ms),
    })
}

// mail/audit feature: how e-mail leaves the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    Starttls,
    Tls,
    None,
}

#[derive(Clone)]
pub struct MailConfig {
    pub transport: MailTransport,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub from_address: String,
    pub from_name: String,
    pub poll_seconds: u64,
    pub max_attempts: i32,
    pub retry_base_seconds: i64,
}

impl std::fmt::Debug for MailConfig {
    // The SMTP password never appears in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("transport", &self.transport)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("from_address", &self.from_address)
            .finish_non_exhaustive()
    }
}

fn mail_config(
    file: &FileConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<MailConfig, ConfigError> {
    let transport = match env("CERTCASE_MAIL_TRANSPORT")
        .or(file.mail_transport.clone())
        .as_deref()
    {
        None | Some("file") => MailTransport::File,
        Some("smtp") => MailTransport::Smtp,
        Some(other) => {
            return Err(bad(
                "mail_transport",
                format!("'{other}' is neither file nor smtp"),
            ))
        }
    };
    let smtp_tls = match env("CERTCASE_SMTP_TLS")
        .or(file.smtp_tls.clone())
        .as_deref()
    {
        None | Some("starttls") => SmtpTls::Starttls,
        Some("tls") => SmtpTls::Tls,
        Some("none") => SmtpTls::None,
        Some(other) => {
            return Err(bad(
                "smtp_tls",
                format!("'{other}' is not starttls, tls or none"),
            ))
        }
    };
    let smtp_host = env("CERTCASE_SMTP_HOST")
        .or(file.smtp_host.clone())
        .unwrap_or_default();
    if transport == MailTransport::Smtp && smtp_host.is_empty() {
        return Err(bad("smtp_host", "needed when mail_transport is smtp"));
    }
    let smtp_port = match env("CERTCASE_SMTP_PORT") {
        Some(p) => p
            .parse()
            .map_err(|_| bad("CERTCASE_SMTP_PORT", format!("'{p}' is not a port")))?,
        None => file.smtp_port.unwrap_or(match smtp_tls {
            SmtpTls::Tls => 465,
            SmtpTls::Starttls => 587,
            SmtpTls::None => 25,
        }),
    };
    let from_address = env("CERTCASE_MAIL_FROM")
        .or(file.mail_from.clone())
        .unwrap_or_else(|| "certcase@localhost".into());
    if !from_address.contains('@') || from_address.contains(['\r', '\n', ' ']) {
        return Err(bad(
            "mail_from",
            format!("'{from_address}' is not an address"),
        ));
    }
    let poll_seconds = file.mail_poll_seconds.unwrap_or(10);
    let max_attempts = file.mail_max_attempts.unwrap_or(8);
    let retry_base_seconds = file.mail_retry_base_seconds.unwrap_or(60);
    if poll_seconds == 0 || max_attempts < 1 || retry_base_seconds < 1 {
        return Err(bad(
            "mail_poll_seconds/mail_max_attempts/mail_retry_base_seconds",
            "must be at least 1",
        ));
    }
    Ok(MailConfig {
        transport,
        smtp_host,
        smtp_port,
        smtp_tls,
        smtp_username: env("CERTCASE_SMTP_USERNAME").or(file.smtp_username.clone()),
        smtp_password: env("CERTCASE_SMTP_PASSWORD").or(file.smtp_password.clone()),
        from_address,
        from_name: file
            .mail_from_name
            .clone()
            .unwrap_or_else(|| "certcase".into()),
        poll_seconds,
        max_attempts,
        retry_base_seconds,
    })
}

/// Limits on receiving upload bodies (evidence files, certificate PDFs to verify), so
/// slow or stalled clients cannot hold sockets and temporary files forever.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Longest wait for the next bytes of a body.
    pub idle_timeout: std::time::Duration,
    /// Longest time for a whole body.
    pub total_timeout: std::time::Duration,
    /// Uploads one person (or, signed out, one address) may send at once.
    pub per_user: usize,
    /// Uploads the server receives at once.
    pub overall: usize,
}

fn upload_config(
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<UploadConfig, ConfigError> {
    let idle = whole_number(
        env,
        "CERTCASE_UPLOAD_IDLE_SECONDS",
        "upload_idle_seconds",
        file.upload_idle_seconds,
        15,
        1..=3600,
    )?;
    let total = whole_number(
        env,
        "CERTCASE_UPLOAD_TOTAL_SECONDS",
        "upload_total_seconds",
        file.upload_total_seconds,
        600,
        1..=24 * 3600,
    )?;
    if total < idle {
        return Err(bad(
            "upload_total_seconds",
            "must not be less than upload_idle_seconds",
        ));
    }
    let overall = whole_number(
        env,
        "CERTCASE_UPLOADS_MAX_TOTAL",
        "uploads_max_total",
        file.uploads_max_total,
        32,
        1..=10_000,
    )?;
    let per_user = whole_number(
        env,
        "CERTCASE_UPLOADS_MAX_PER_USER",
        "uploads_max_per_user",
        file.uploads_max_per_user,
        3,
        1..=overall,
    )?;
    Ok(UploadConfig {
        idle_timeout: std::time::Duration::from_secs(idle),
        total_timeout: std::time::Duration::from_secs(total),
        per_user: per_user as usize,
        overall: overall as usize,
    })
}

/// Password hashing (sign-ins, password resets, new accounts): argon2 with 19 MiB per
/// check, on a fixed number of threads with a bounded queue in front of them.
#[derive(Debug, Clone)]
pub struct SignInConfig {
    /// Password checks at once (default: one per core).
    pub threads: usize,
    /// Password checks that may wait for a thread; beyond that a sign-in answers 503 with
    /// `Retry-After`.
    pub queue: usize,
}

fn sign_in_config(
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<SignInConfig, ConfigError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    Ok(SignInConfig {
        threads: whole_number(
            env,
            "CERTCASE_SIGN_IN_THREADS",
            "sign_in_threads",
            file.sign_in_threads,
            cores,
            1..=1024,
        )? as usize,
        queue: whole_number(
            env,
            "CERTCASE_SIGN_IN_QUEUE",
            "sign_in_queue",
            file.sign_in_queue,
            64,
            0..=1024,
        )? as usize,
    })
}

/// Where evidence files are kept and how large they may be.
#[derive(Debug, Clone)]
pub struct EvidenceConfig {
    pub max_file_bytes: u64,
    pub quota_bytes: u64,
    pub zip_max_uncompressed_bytes: u64,
    pub storage: StorageChoice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageChoice {
    /// `<data dir>/evidence/sha256/…` (the default).
    Local,
    /// An S3-compatible bucket (cargo feature `s3`); credentials from the usual
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` environment variables.
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: Option<String>,
    },
}

const MB: u64 = 1024 * 1024;

impl std::fmt::Debug for Config {
    // The secret key never appears in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("bind", &self.bind)
            .field("base_url", &self.base_url)
            .field("catalog_dir", &self.catalog_dir)
            .finish_non_exhaustive()
    }
}

/// Hides a password in a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}://{}:***{}", &url[..s], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The keys `certcase.toml` may hold; anything else is refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    bind: Option<String>,
    base_url: Option<String>,
    secret_key: Option<String>,
    catalog_dir: Option<PathBuf>,
    pool_size: Option<u32>,
    session_hours: Option<i64>,
    api_token_hours: Option<i64>,
    // Evidence (storage and limits).
    evidence_max_file_mb: Option<u64>,
    evidence_quota_mb: Option<u64>,
    zip_max_uncompressed_mb: Option<u64>,
    evidence_storage: Option<String>,
    s3_bucket: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    // Upload bodies: timeouts and how many at once.
    upload_idle_seconds: Option<u64>,
    upload_total_seconds: Option<u64>,
    uploads_max_per_user: Option<u64>,
    uploads_max_total: Option<u64>,
    // Password checks: threads and queue.
    sign_in_threads: Option<u64>,
    sign_in_queue: Option<u64>,
    // mail/audit feature
    mail_transport: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_tls: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    mail_from: Option<String>,
    mail_from_name: Option<String>,
    mail_poll_seconds: Option<u64>,
    mail_max_attempts: Option<i32>,
    mail_retry_base_seconds: Option<i64>,
    display_timezone: Option<String>,
    // Operations: health, metrics, shutdown.
    storage_floor_mb: Option<u64>,
    metrics_token: Option<String>,
    shutdown_timeout_seconds: Option<u64>,
    trusted_proxies: Option<String>,
    caller_recheck_ms: Option<u64>,
    appeal_window_days: Option<i64>,
    // Certificate states.
    certificate_max_suspension_months: Option<u32>,
    // Surveillance.
    surveillance_interval_months: Option<u32>,
    certificate_renewal_invitation_days: Option<Vec<u32>>,
    certificate_suspension_reminder_days: Option<u32>,
}

/// Where values come from, so tests can supply them without touching the process.
pub struct Sources<'a> {
    pub file: Option<&'a Path>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl Config {
    /// Reads `certcase.toml` in the working directory if present, then the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let file = Path::new("certcase.toml");
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Config::from_sources(Sources {
            file: file.exists().then_some(file),
            env: &env,
        })
    }

    pub fn from_sources(src: Sources<'_>) -> Result<Config, ConfigError> {
        let file: FileConfig = match src.file {
            Some(path) => {
                let text = fs::read_to_string(path)
                    .map_err(|e| bad("certcase.toml", format!("cannot read: {e}")))?;
                toml::from_str(&text).map_err(|e| {
                    bad(
                        "certcase.toml",
                        e.message().to_string() + &line_of(&text, e.span()),
                    )
                })?
            }
            None => FileConfig::default(),
        };
        let env = src.env;
        let evidence = evidence_config(env, &file)?;
        let uploads = upload_config(env, &file)?;
        let sign_ins = sign_in_config(env, &file)?;
        let mail = mail_config(&file, env)?;
        let operations = operations_config(env, &file)?;

        let data_dir = env("CERTCASE_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("certcase-data"));

        let database_url = env("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| data_dir.join("certcase.db").to_string_lossy().into_owned());
        check_database_url(&database_url)?;

        let bind_text = env("CERTCASE_BIND")
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            bad(
                "CERTCASE_BIND",
                format!("'{bind_text}' is not an address:port such as 127.0.0.1:8080"),
            )
        })?;

        let base_url = env("CERTCASE_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        let base_url = check_base_url(base_url.trim_end_matches('/'))?;

        let secret_key = match env("CERTCASE_SECRET_KEY").or(file.secret_key) {
            Some(hex_key) => parse_secret(&hex_key)?,
            None => Vec::new(), // generated or read from the data dir by `ensure_data_dir`
        };

        // PostgreSQL: twice the cores. With 8 on 2 cores, eight server processes competed
        // for the CPU with the app, and one request in a hundred waited up to 0.8 s
        // (issue #19); 2 and 4 answered as many requests with p99 at 13 ms.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        let pool_size = file
            .pool_size
            .unwrap_or(if database_url.starts_with("postgres") {
                2 * cores
            } else {
                2
            });
        if pool_size == 0 {
            return Err(bad("pool_size", "must be at least 1"));
        }
        let zone_name = env("CERTCASE_DISPLAY_TIMEZONE")
            .or(file.display_timezone)
            .unwrap_or_else(|| "Asia/Shanghai".into());
        let display_timezone: chrono_tz::Tz = zone_name.parse().map_err(|_| {
            bad(
                "display_timezone",
                format!("'{zone_name}' is not an IANA time zone name such as Asia/Shanghai"),
            )
        })?;

        let session_hours = file.session_hours.unwrap_or(12);
        let api_token_hours = file.api_token_hours.unwrap_or(24 * 30);
        if session_hours <= 0 || api_token_hours <= 0 {
            return Err(bad("session_hours/api_token_hours", "must be positive"));
        }

        let appeal_window_days = match env("CERTCASE_APPEAL_WINDOW_DAYS") {
            Some(text) => text.parse::<i64>().map_err(|_| {
                bad(
                    "CERTCASE_APPEAL_WINDOW_DAYS",
                    format!("'{text}' is not a whole number of days"),
                )
            })?,
            None => file
                .appeal_window_days
                .unwrap_or(crate::domain::appeal::DEFAULT_WINDOW_DAYS),
        };
        if !(1..=3650).contains(&appeal_window_days) {
            return Err(bad("appeal_window_days", "must be between 1 and 3650"));
        }
        let max_suspension_months = file.certificate_max_suspension_months.unwrap_or(6);
        if !(1..=36).contains(&max_suspension_months) {
            return Err(bad(
                "certificate_max_suspension_months",
                "must be between 1 and 36",
            ));
        }

        let surveillance_interval_months = file
            .surveillance_interval_months
            .unwrap_or(crate::domain::surveillance::DEFAULT_INTERVAL_MONTHS);
        if !(1..=36).contains(&surveillance_interval_months) {
            return Err(bad(
                "surveillance_interval_months",
                "must be between 1 and 36",
            ));
        }
        let renewal_invitation_days = match file.certificate_renewal_invitation_days.clone() {
            Some(days) => crate::domain::renewal::Thresholds::new(days)
                .map_err(|reason| bad("certificate_renewal_invitation_days", reason))?,
            None => crate::domain::renewal::Thresholds::default(),
        };
        let suspension_reminder_days = file
            .certificate_suspension_reminder_days
            .unwrap_or(crate::domain::renewal::DEFAULT_SUSPENSION_REMINDER_DAYS);
        if !(1..=180).contains(&suspension_reminder_days) {
            return Err(bad(
                "certificate_suspension_reminder_days",
                "must be between 1 and 180",
            ));
        }

        Ok(Config {
            max_suspension_months,
            surveillance_interval_months,
            renewal_invitation_days,
            suspension_reminder_days,
            database_url,
            data_dir,
            bind,
            base_url,
            secret_key,
            catalog_dir: env("CERTCASE_CATALOG_DIR")
                .map(PathBuf::from)
                .or(file.catalog_dir),
            pool_size,
            session_hours,
            api_token_hours,
            evidence,
            uploads,
            sign_ins,
            mail,
            display_timezone,
            operations,
            appeal_window_days,
        })
    }

    /// Creates the data dir (owner only, also when it already existed) and, when no key
    /// was configured, the secret key kept in it (generated once, readable by the owner
    /// only).
    pub fn ensure_data_dir(&mut self) -> Result<(), ConfigError> {
        crate::private_files::create_dir_all(&self.data_dir)
            .and_then(|()| crate::private_files::restrict_dir(&self.data_dir))
            .map_err(|e| {
                bad(
                    "CERTCASE_DATA_DIR",
                    format!("cannot create {}: {e}", self.data_dir.display()),
                )
            })?;
        if self.secret_key.is_empty() {
            self.secret_key = load_or_create_secret(&self.data_dir.join("secret.key"))?;
        }
        Ok(())
    }

    /// Cookies can be `Secure` (and `__Host-` prefixed) except on plain http to loopback.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub fn backend(&self) -> crate::db::Backend {
        crate::db::Backend::from_url(&self.database_url)
    }
}

/// Evidence limits (in MiB) and the storage backend.
fn evidence_config(
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<EvidenceConfig, ConfigError> {
    let mb = |var: &str, key: &str, from_file: Option<u64>, default: u64| {
        let value = match env(var) {
            Some(text) => text
                .trim()
                .parse::<u64>()
                .map_err(|_| bad(var, format!("'{text}' is not a whole number of MB")))?,
            None => from_file.unwrap_or(default),
        };
        if value == 0 || value > 1024 * 1024 {
            return Err(bad(key, "must be between 1 and 1048576 (MB)"));
        }
        Ok(value * MB)
    };
    let max_file_bytes = mb(
        "CERTCASE_EVIDENCE_MAX_FILE_MB",
        "evidence_max_file_mb",
        file.evidence_max_file_mb,
        200,
    )?;
    let quota_bytes = mb(
        "CERTCASE_EVIDENCE_QUOTA_MB",
        "evidence_quota_mb",
        file.evidence_quota_mb,
        2048,
    )?;
    let zip_max_uncompressed_bytes = mb(
        "CERTCASE_ZIP_MAX_UNCOMPRESSED_MB",
        "zip_max_uncompressed_mb",
        file.zip_max_uncompressed_mb,
        1024,
    )?;
    let pick = |var: &str, from_file: &Option<String>| env(var).or_else(|| from_file.clone());
    let storage = match pick("CERTCASE_EVIDENCE_STORAGE", &file.evidence_storage)
        .as_deref()
        .unwrap_or("local")
    {
        "local" => StorageChoice::Local,
        "s3" => {
            if !cfg!(feature = "s3") {
                return Err(bad(
                    "evidence_storage",
                    "'s3' needs a build with the cargo feature s3",
                ));
            }
            let bucket = pick("CERTCASE_S3_BUCKET", &file.s3_bucket)
                .ok_or_else(|| bad("s3_bucket", "is required when evidence_storage is s3"))?;
            StorageChoice::S3 {
                bucket,
                endpoint: pick("CERTCASE_S3_ENDPOINT", &file.s3_endpoint),
                region: pick("CERTCASE_S3_REGION", &file.s3_region),
            }
        }
        other => {
            return Err(bad(
                "evidence_storage",
                format!("'{other}' is not local or s3"),
            ))
        }
    };
    Ok(EvidenceConfig {
        max_file_bytes,
        quota_bytes,
        zip_max_uncompressed_bytes,
        storage,
    })
}

fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => format!(
            " (line {})",
            text[..r.start.min(text.len())].matches('\n').count() + 1
        ),
        None => String::new(),
    }
}

fn check_database_url(url: &str) -> Result<(), ConfigError> {
    if url.contains("://") && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        return Err(bad(
            "DATABASE_URL",
            "must be postgres://… or a path to an SQLite file",
        ));
    }
    Ok(())
}

fn check_base_url(url: &str) -> Result<String, ConfigError> {
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', ':']).next().unwrap_or("");
        let loopback = host == "localhost" || host.starts_with("127.") || r.starts_with("[::1]");
        if !loopback {
            return Err(bad(
                "CERTCASE_BASE_URL",
                "plain http is only allowed for 127.0.0.1 or localhost; use https://",
            ));
        }
        r
    } else {
        return Err(bad(
            "CERTCASE_BASE_URL",
            "must start with https:// or http://",
        ));
    };
    if rest.is_empty() {
        return Err(bad("CERTCASE_BASE_URL", "has no host"));
    }
    Ok(url.to_string())
}

fn parse_secret(text: &str) -> Result<Vec<u8>, ConfigError> {
    let key =
        hex::decode(text.trim()).map_err(|_| bad("CERTCASE_SECRET_KEY", "must be hexadecimal"))?;
    if key.len() < 32 {
        return Err(bad(
            "CERTCASE_SECRET_KEY",
            "must be at least 32 bytes (64 hex digits)",
        ));
    }
    Ok(key)
}

fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, ConfigError> {
    let key_name = "secret.key";
    if path.exists() {
        let mode = fs::metadata(path)
            .map_err(|e| bad(key_name, e.to_string()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(bad(
                key_name,
                format!(
                    "{} is readable by others (mode {:o}); chmod 600 it",
                    path.display(),
                    mode & 0o777
                ),
            ));
        }
        let text = fs::read_to_string(path).map_err(|e| bad(key_name, e.to_string()))?;
        return parse_secret(&text).map_err(|e| bad(key_name, e.reason));
    }
    // Written whole under a name of its own, then linked into place: a second instance
    // starting at the same moment either links first (and this one reads its key) or finds
    // the whole key, never an empty file.
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let draft = path.with_extension(format!("key.{}", uuid::Uuid::new_v4().simple()));
    let written = (|| -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&draft)?;
        writeln!(file, "{}", hex::encode(&key))?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&draft);
        return Err(bad(
            key_name,
            format!("cannot create {}: {e}", path.display()),
        ));
    }
    let linked = fs::hard_link(&draft, path);
    let _ = fs::remove_file(&draft);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_secret(path),
        Err(e) => Err(bad(
            key_name,
            format!("cannot create {}: {e}", path.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)], file: Option<&Path>) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| map.get(k).cloned();
        Config::from_sources(Sources { file, env: &env })
    }

    #[test]
    fn defaults_use_sqlite_in_the_data_dir_on_loopback() {
        let c = load(&[], None).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "certcase-data/certcase.db");
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert!(!c.secure_cookies());
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("certcase.toml");
        fs::write(&file, "bind = \"127.0.0.1:9000\"\ndata_dir = \"/srv/cc\"\n").unwrap();
        let c = load(&[("CERTCASE_BIND", "127.0.0.1:9100")], Some(&file)).unwrap();
        assert_eq!(c.bind.port(), 9100);
        assert_eq!(c.data_dir, PathBuf::from("/srv/cc"));
    }

    #[test]
    fn display_timezone_defaults_to_beijing_and_a_bad_name_is_refused() {
        assert_eq!(
            load(&[], None).unwrap().display_timezone,
            chrono_tz::Asia::Shanghai
        );
        let c = load(&[("CERTCASE_DISPLAY_TIMEZONE", "Europe/Berlin")], None).unwrap();
        assert_eq!(c.display_timezone, chrono_tz::Europe::Berlin);
        let e = load(&[("CERTCASE_DISPLAY_TIMEZONE", "Beijing")], None).unwrap_err();
        assert_eq!(e.key, "display_timezone");
        assert!(e.to_string().contains("'Beijing' is not an IANA"), "{e}");
    }

    #[test]
    fn surveillance_is_yearly_unless_configured() {
        assert_eq!(load(&[], None).unwrap().surveillance_interval_months, 12);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("certcase.toml");
        fs::write(&file, "surveillance_interval_months = 6\n").unwrap();
        assert_eq!(
            load(&[], Some(&file)).unwrap().surveillance_interval_months,
            6
        );
        fs::write(&file, "surveillance_interval_months = 0\n").unwrap();
        let e = load(&[], Some(&file)).unwrap_err();
        assert_eq!(e.key, "surveillance_interval_months");
    }

    #[test]
    fn suspensions_last_six_months_unless_configured() {
        assert_eq!(load(&[], None).unwrap().max_suspension_months, 6);
        let defaults = load(&[], None).unwrap();
        assert_eq!(defaults.renewal_invitation_days.days(), &[90, 30]);
        assert_eq!(defaults.suspension_reminder_days, 14);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("certcase.toml");
        fs::write(&file, "certificate_max_suspension_months = 3\n").unwrap();
        assert_eq!(load(&[], Some(&file)).unwrap().max_suspension_months, 3);
        fs::write(&file, "certificate_max_suspension_months = 0\n").unwrap();
        let e = load(&[], Some(&file)).unwrap_err();
        assert_eq!(e.key, "certificate_max_suspension_months");
        fs::write(
            &file,
            "certificate_renewal_invitation_days = [30, 120]\ncertificate_suspension_reminder_days = 7\n",
        )
        .unwrap();
        let c = load(&[], Some(&file)).unwrap();
        assert_eq!(c.renewal_invitation_days.days(), &[120, 30]);
        assert_eq!(c.suspension_reminder_days, 7);
        fs::write(&file, "certificate_renewal_invitation_days = []\n").unwrap();
        let e = load(&[], Some(&file)).unwrap_err();
        assert_eq!(e.key, "certificate_renewal_invitation_days");
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = load(&[("CERTCASE_BIND", "everywhere")], None).unwrap_err();
        assert_eq!(e.key, "CERTCASE_BIND");
        let e = load(&[("CERTCASE_BASE_URL", "http://certs.example.org")], None).unwrap_err();
        assert_eq!(e.key, "CERTCASE_BASE_URL");
        let e = load(&[("CERTCASE_SECRET_KEY", "abcd")], None).unwrap_err();
        assert!(e.to_string().contains("CERTCASE_SECRET_KEY"));
        let e = load(&[("DATABASE_URL", "mysql://x")], None).unwrap_err();
        assert_eq!(e.key, "DATABASE_URL");
    }

    #[test]
    fn unknown_file_keys_are_refused_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("certcase.toml");
        fs::write(&file, "bind = \"127.0.0.1:9000\"\nbnid = 1\n").unwrap();
        let e = load(&[], Some(&file)).unwrap_err();
        assert_eq!(e.key, "certcase.toml");
        assert!(e.reason.contains("line 2"), "{}", e.reason);
    }

    #[test]
    fn instances_creating_the_secret_key_at_once_all_read_the_same_whole_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let keys: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| load_or_create_secret(&path).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| k.len() == 32 && k == &keys[0]));
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only secret.key is left, no draft");
    }

    #[test]
    fn secret_key_is_generated_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut c = load(&[("CERTCASE_DATA_DIR", data.to_str().unwrap())], None).unwrap();
        c.ensure_data_dir().unwrap();
        let mode = fs::metadata(data.join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the data dir is the owner's only");
        let mut again = load(&[("CERTCASE_DATA_DIR", data.to_str().unwrap())], None).unwrap();
        again.ensure_data_dir().unwrap();
        assert_eq!(c.secret_key, again.secret_key);
        assert_eq!(c.secret_key.len(), 32);
    }

    #[test]
    fn evidence_limits_default_and_are_checked() {
        let c = load(&[], None).unwrap();
        assert_eq!(c.evidence.max_file_bytes, 200 * MB);
        assert_eq!(c.evidence.quota_bytes, 2048 * MB);
        assert_eq!(c.evidence.storage, StorageChoice::Local);
        let c = load(&[("CERTCASE_EVIDENCE_MAX_FILE_MB", "5")], None).unwrap();
        assert_eq!(c.evidence.max_file_bytes, 5 * MB);
        let e = load(&[("CERTCASE_EVIDENCE_QUOTA_MB", "lots")], None).unwrap_err();
        assert_eq!(e.key, "CERTCASE_EVIDENCE_QUOTA_MB");
        let e = load(&[("CERTCASE_EVIDENCE_STORAGE", "ftp")], None).unwrap_err();
        assert_eq!(e.key, "evidence_storage");
    }

    #[test]
    fn sign_in_limits_default_to_the_cores_and_are_checked() {
        let c = load(&[], None).unwrap();
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!((c.sign_ins.threads, c.sign_ins.queue), (cores, 64));
        let c = load(
            &[
                ("CERTCASE_SIGN_IN_THREADS", "1"),
                ("CERTCASE_SIGN_IN_QUEUE", "0"),
            ],
            None,
        )
        .unwrap();
        assert_eq!((c.sign_ins.threads, c.sign_ins.queue), (1, 0));
        let e = load(&[("CERTCASE_SIGN_IN_THREADS", "0")], None).unwrap_err();
        assert_eq!(e.key, "sign_in_threads");
        let e = load(&[("CERTCASE_SIGN_IN_QUEUE", "many")], None).unwrap_err();
        assert_eq!(e.key, "CERTCASE_SIGN_IN_QUEUE");
    }

    #[test]
    fn upload_limits_default_and_are_checked() {
        let c = load(&[], None).unwrap();
        assert_eq!(c.uploads.idle_timeout, std::time::Duration::from_secs(15));
        assert_eq!(c.uploads.total_timeout, std::time::Duration::from_secs(600));
        assert_eq!((c.uploads.per_user, c.uploads.overall), (3, 32));
        let c = load(
            &[
                ("CERTCASE_UPLOAD_IDLE_SECONDS", "2"),
                ("CERTCASE_UPLOADS_MAX_PER_USER", "1"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(c.uploads.idle_timeout, std::time::Duration::from_secs(2));
        assert_eq!(c.uploads.per_user, 1);
        let e = load(&[("CERTCASE_UPLOAD_IDLE_SECONDS", "0")], None).unwrap_err();
        assert_eq!(e.key, "upload_idle_seconds");
        let e = load(&[("CERTCASE_UPLOAD_TOTAL_SECONDS", "5")], None).unwrap_err();
        assert_eq!(
            e.key, "upload_total_seconds",
            "shorter than the idle timeout"
        );
        let e = load(&[("CERTCASE_UPLOADS_MAX_PER_USER", "40")], None).unwrap_err();
        assert_eq!(e.key, "uploads_max_per_user", "more than the overall cap");
    }

    #[test]
    fn operations_settings_default_and_are_checked() {
        let c = load(&[], None).unwrap();
        assert_eq!(c.operations.storage_floor_bytes, 512 * MB);
        assert_eq!(c.operations.metrics_token, None);
        assert_eq!(
            c.operations.shutdown_timeout,
            std::time::Duration::from_secs(30)
        );
        let c = load(
            &[
                ("CERTCASE_STORAGE_FLOOR_MB", "0"),
                ("CERTCASE_METRICS_TOKEN", "a-long-scraper-token"),
                ("CERTCASE_SHUTDOWN_TIMEOUT_SECONDS", "5"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(c.operations.storage_floor_bytes, 0);
        assert_eq!(
            c.operations.metrics_token.as_deref(),
            Some("a-long-scraper-token")
        );
        assert!(!format!("{:?}", c.operations).contains("scraper"));
        let e = load(&[("CERTCASE_METRICS_TOKEN", "short")], None).unwrap_err();
        assert_eq!(e.key, "metrics_token");
        let e = load(&[("CERTCASE_SHUTDOWN_TIMEOUT_SECONDS", "soon")], None).unwrap_err();
        assert_eq!(e.key, "CERTCASE_SHUTDOWN_TIMEOUT_SECONDS");
        assert!(c.operations.trusted_proxies.is_empty());
        let c = load(&[("CERTCASE_TRUSTED_PROXIES", "10.0.0.2, 10.0.0.3")], None).unwrap();
        assert_eq!(c.operations.trusted_proxies.len(), 2);
        let e = load(&[("CERTCASE_TRUSTED_PROXIES", "balancer")], None).unwrap_err();
        assert_eq!(e.key, "trusted_proxies");
        assert_eq!(
            c.operations.caller_recheck,
            std::time::Duration::from_millis(100)
        );
        let c = load(&[("CERTCASE_CALLER_RECHECK_MS", "0")], None).unwrap();
        assert!(c.operations.caller_recheck.is_zero());
        let e = load(&[("CERTCASE_CALLER_RECHECK_MS", "60000")], None).unwrap_err();
        assert_eq!(e.key, "caller_recheck_ms");
    }

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db/certcase"),
            "postgres://app:***@db/certcase"
        );
    }
}
