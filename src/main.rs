//! The certcase command line.

use std::io::{IsTerminal, Read};
use std::net::TcpListener;

use clap::{Parser, Subcommand};

use certcase::config::Config;
use certcase::domain::access::Role;
use certcase::domain::account::{DisplayName, Email, Password};
use certcase::mail::{transport::Mailer, worker};
use certcase::workflow::{catalog, demo, users};
use certcase::{db, jobs, operations, startup, telemetry};

/// mimalloc instead of glibc's malloc: after a load, glibc kept the memory each of the
/// server's threads had used in its own arena (the national load run ended at 577 MB
/// resident); mimalloc returns freed pages to the system after a short delay.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Certificates (feature: certs).
mod certs_cli;

#[derive(Parser)]
#[command(
    name = "certcase",
    version,
    about = "Runs a maturity-model certification programme: rounds, applications, panels, certificates."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the API (migrates and loads the catalog first).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080, or CERTCASE_BIND).
        #[arg(long)]
        bind: Option<String>,
        /// Also create demo accounts (passwords printed once) and a demo round.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the model catalog (--catalog), demo data (--demo) or a scaled programme
    /// (--scale) into the database.
    Seed {
        /// Load the model files (CERTCASE_CATALOG_DIR, or the built-in catalog).
        #[arg(long)]
        catalog: bool,
        /// Create the demo accounts and round.
        #[arg(long)]
        demo: bool,
        /// Build a whole programme into an empty database: `national` (5,000 enterprises,
        /// 12,000 applications, 60,000 evidence records, scores, certificates) or `small`.
        /// Every account's password is CERTCASE_SEED_PASSWORD, or one printed once.
        #[arg(long, value_parser = ["national", "small"])]
        scale: Option<String>,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    // mail/audit feature
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Send queued e-mail.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    // Certificates (feature: certs).
    /// Issue certificates.
    Certificates {
        #[command(subcommand)]
        command: CertificatesCommand,
    },
    /// Manage the certificate signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Walk the issuance log's hash chain; prints OK or the first broken index (exit 1).
    VerifyLog,
    /// Programme reports.
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
    /// Back up the database (online), evidence, signing keys and secret into a new DIR.
    Backup {
        /// A new or empty directory.
        dir: std::path::PathBuf,
    },
    /// Restore a backup made by `backup` into the configured database and data dir.
    Restore {
        dir: std::path::PathBuf,
        /// Replace what the target database and data dir already hold.
        #[arg(long)]
        force: bool,
    },
    /// Compare evidence records with stored files.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// List stored files no record refers to and records whose file is missing (exit 1
    /// when a file is missing).
    Check {
        /// Remove stored files no record refers to that are older than a day.
        #[arg(long)]
        fix: bool,
    },
}

#[derive(Subcommand)]
enum ReportsCommand {
    /// Rebuild every application's report summary from its history (after rows were
    /// loaded or restored around the application's workflow).
    Rebuild,
}

// Certificates (feature: certs).
#[derive(Subcommand)]
enum CertificatesCommand {
    /// Issue a certificate to every approved application of a round.
    Issue {
        #[arg(long)]
        round: String,
        /// The secretariat member the issuance is recorded under.
        #[arg(long = "as")]
        as_email: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new signing key current; older keys stay published.
    Rotate,
}

#[derive(Subcommand)]
enum MailCommand {
    /// Send every due message in the outbox once, then exit.
    SendPending,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; prints OK or the first broken entry (exit code 1).
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; the password is asked on the terminal or read from stdin.
    Add {
        #[arg(long)]
        email: String,
        /// secretariat, enterprise, assessor or reviewer; repeat for several roles.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        name: String,
    },
    /// Disable an account and end its sessions and API tokens at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

fn main() {
    no_huge_pages();
    telemetry::init();
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("certcase: {e:#}");
        std::process::exit(1);
    }
}

/// Keeps the process off transparent huge pages. mimalloc asks for them on its arenas
/// (where the system leaves it to `madvise`), so touching a byte made 2 MiB resident and
/// freed memory went back to the system only in 2 MiB pieces: the server started at 49 MB
/// of private memory with them and at 26 MB without (issue #19's idle memory). Where the
/// call is refused, the server runs as before.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        eprintln!("certcase: transparent huge pages stay allowed: {e}");
    }
}

fn load_config() -> anyhow::Result<Config> {
    let mut config = Config::load()?;
    config.ensure_data_dir()?;
    Ok(config)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(bind) = bind {
                // The flag wins over file and environment.
                std::env::set_var("CERTCASE_BIND", bind);
            }
            let config = load_config()?;
            serve(config, demo)
        }
        Command::Migrate => {
            let config = load_config()?;
            let pool = startup::connect(&config, 1)?;
            let mut conn = pool.get()?;
            let applied = db::run_migrations(&mut conn)?;
            println!("{} migration(s) applied", applied.len());
            let swept = certcase::storage::sweep_temp(&config.data_dir)?;
            if swept > 0 {
                println!("{swept} unfinished evidence upload(s) removed");
            }
            Ok(())
        }
        Command::Seed {
            catalog: load_catalog,
            demo: load_demo,
            scale,
        } => {
            if !load_catalog && !load_demo && scale.is_none() {
                anyhow::bail!("say what to seed: --catalog, --demo, --scale or several");
            }
            let config = load_config()?;
            let pool = startup::prepare(&config)?;
            let mut conn = pool.get()?;
            if load_catalog {
                let files = match &config.catalog_dir {
                    Some(dir) => catalog::read_dir(dir)?,
                    None => catalog::built_in_files(),
                };
                for outcome in catalog::load(&mut conn, &files)? {
                    println!("{outcome:?}");
                }
            }
            if load_demo {
                print_demo(demo::seed_programme(&mut conn, &demo_issuer(&config))?);
            }
            if let Some(scale) = scale {
                seed_scale(&config, &mut conn, &scale)?;
            }
            Ok(())
        }
        Command::User { command } => {
            let config = load_config()?;
            let pool = startup::prepare(&config)?;
            let mut conn = pool.get()?;
            match command {
                UserCommand::Add { email, roles, name } => {
                    let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
                    let name = DisplayName::parse(&name).map_err(anyhow::Error::msg)?;
                    let roles = roles
                        .iter()
                        .map(|r| r.parse::<Role>())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(anyhow::Error::msg)?;
                    let password =
                        Password::parse(&read_password()?).map_err(anyhow::Error::msg)?;
                    // Hashed on the password threads, like every password the server hashes.
                    let passwords = certcase::auth::PasswordPool::new(1, 1);
                    let hash = passwords.hash_blocking(password)?;
                    let id = users::add_user_with_hash(&mut conn, &email, &name, &hash, &roles)?;
                    println!("added {} ({id})", email.as_str());
                }
                UserCommand::Disable { email } => {
                    let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
                    if !certcase::db::models::users::disable(&mut conn, &email)? {
                        anyhow::bail!("no account for {}", email.as_str());
                    }
                    println!(
                        "disabled {}; its sessions and tokens are ended",
                        email.as_str()
                    );
                }
            }
            Ok(())
        }
        Command::Mail {
            command: MailCommand::SendPending,
        } => {
            let config = load_config()?;
            let pool = startup::prepare(&config)?;
            let mailer = Mailer::from_config(&config.mail, &config.data_dir)?;
            let settings = worker::Settings::from_config(&config.mail)?;
            let mut conn = pool.get()?;
            let reminders = certcase::workflow::renewals::Reminders::from_config(&config);
            let s = jobs::run_once(
                &mut conn,
                &mailer,
                &settings,
                &reminders,
                &worker::worker_id(),
            )?;
            println!(
                "mail: {} sent, {} to retry later, {} given up ({})",
                s.sent,
                s.retrying,
                s.failed,
                mailer.describe()
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let config = load_config()?;
            let pool = startup::connect(&config, 1)?;
            let mut conn = pool.get()?;
            match certcase::db::models::audit::verify(&mut conn)? {
                Ok(n) => {
                    println!("OK: {n} audit entries, the hash chain is intact");
                    Ok(())
                }
                Err(broken) => {
                    println!(
                        "BROKEN at index {} (entry #{}): {}",
                        broken.index, broken.seq, broken.reason
                    );
                    std::process::exit(1);
                }
            }
        }
        // Certificates (feature: certs).
        Command::Certificates {
            command: CertificatesCommand::Issue { round, as_email },
        } => certs_cli::issue_round(&load_config()?, &round, &as_email),
        Command::Keys {
            command: KeysCommand::Rotate,
        } => certs_cli::rotate(&load_config()?),
        Command::VerifyLog => certs_cli::verify_log(&load_config()?),
        Command::Backup { dir } => {
            let config = load_config()?;
            let done = operations::backup(&config, &dir)?;
            let m = &done.manifest;
            match &m.database {
                Some(db) => println!("database: {} ({} bytes)", db.path, db.size),
                None => println!("database: NOT included"),
            }
            println!(
                "files: {} (evidence storage: {})",
                m.files.len(),
                m.evidence_storage
            );
            for sha in &m.missing_evidence {
                println!("missing evidence file (referred to, not stored): {sha}");
            }
            if let Some(g) = &done.guidance {
                println!("{g}");
            }
            println!("backup written to {} (manifest.json)", dir.display());
            Ok(())
        }
        Command::Restore { dir, force } => {
            // Not `load_config`: it would create a new secret key, which the backup's
            // must replace.
            let config = Config::load()?;
            let done = operations::restore(&config, &dir, force)?;
            println!(
                "restored {} file(s){}; `certcase serve` (or `migrate`) brings the schema up to date",
                done.files,
                if done.database {
                    " and the database"
                } else {
                    ", no database (the backup has none)"
                }
            );
            Ok(())
        }
        Command::Evidence {
            command: EvidenceCommand::Check { fix },
        } => {
            let config = load_config()?;
            if config.evidence.storage != certcase::config::StorageChoice::Local {
                anyhow::bail!(
                    "evidence check reads the local evidence store only (evidence_storage = local)"
                );
            }
            let pool = db::connect_pool(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            let report = operations::check_evidence(
                &mut conn,
                &config.data_dir,
                fix,
                std::time::SystemTime::now(),
            )?;
            for m in &report.missing {
                println!(
                    "missing file: evidence {} of application {} (sha256 {})",
                    m.evidence, m.application, m.sha256
                );
            }
            for o in &report.orphans {
                let hours = o.age.as_secs() / 3600;
                let what = if o.removed {
                    "removed"
                } else if fix {
                    "kept (younger than a day)"
                } else {
                    "unreferenced"
                };
                println!("{what}: {} ({hours} h old)", o.path.display());
            }
            println!(
                "{} record(s), {} stored file(s): {} missing, {} unreferenced ({} removed)",
                report.records,
                report.stored,
                report.missing.len(),
                report.orphans.len(),
                report.orphans.iter().filter(|o| o.removed).count()
            );
            if !report.missing.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Reports {
            command: ReportsCommand::Rebuild,
        } => {
            let config = load_config()?;
            let pool = startup::prepare(&config)?;
            let mut conn = pool.get()?;
            let n = db::write_tx(&mut conn, certcase::db::models::reports::refresh_all)?;
            println!("rebuilt the report summaries of {n} application(s)");
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (12 to 128 characters): ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            anyhow::bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// `seed --scale`: stores the sample evidence files through the configured storage, then
/// builds the programme and prints what it holds.
fn seed_scale(config: &Config, conn: &mut db::DbConn, name: &str) -> anyhow::Result<()> {
    use certcase::storage::{self, Storage};
    use certcase::workflow::national;
    let scale = national::Scale::parse(name)
        .ok_or_else(|| anyhow::anyhow!("--scale {name}: say national or small"))?;
    let started = std::time::Instant::now();
    let (password, shown) = match std::env::var("CERTCASE_SEED_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (certcase::auth::new_token()[..20].to_string(), true),
    };
    let hash = certcase::auth::hash_password(
        &Password::parse(&password).map_err(|e| anyhow::anyhow!("CERTCASE_SEED_PASSWORD: {e}"))?,
    );
    let evidence = storage::Evidence::new(&config.data_dir, &config.evidence)?;
    let files = actix_web::rt::System::new().block_on(async {
        let mut files = Vec::with_capacity(scale.files);
        for n in 0..scale.files {
            let bytes = actix_web::web::Bytes::from(national::sample_file(n));
            let incoming = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes)]);
            let staged = storage::stage(&evidence.temp_dir, incoming, u64::MAX).await?;
            let size = staged.size;
            let key = evidence.store.commit(staged).await?;
            files.push(national::StoredFile {
                sha256: key.as_str().to_string(),
                size,
            });
        }
        Ok::<_, storage::StorageError>(files)
    })?;
    let s = national::seed(conn, &demo_issuer(config), scale, &files, &hash)?;
    println!(
        "Built a {name} programme in {:.1} s: {} enterprises, {} applications, {} evidence records \
         on {} stored files, {} scores, {} certificates, {} accounts.",
        started.elapsed().as_secs_f64(),
        s.enterprises,
        s.applications,
        s.evidence,
        s.stored_files,
        s.scores,
        s.certificates,
        s.accounts
    );
    for (status, n) in &s.by_status {
        println!("  {:<14} {n}", status.as_str());
    }
    println!(
        "Accounts: {} (secretariat), {} … (one per enterprise), {} … (assessors), {} … \
         (review experts).",
        national::secretariat_email(),
        national::enterprise_email(0),
        national::assessor_email(0),
        national::reviewer_email(0)
    );
    if shown {
        println!("Their password (shown once): {password}");
    }
    Ok(())
}

/// The demo's certificates are signed with the key the server uses.
fn demo_issuer(config: &Config) -> certcase::workflow::certificates::Issuer {
    certcase::workflow::certificates::Issuer {
        data_dir: config.data_dir.clone(),
        base_url: config.base_url.clone(),
    }
}

fn print_demo(programme: demo::Programme) {
    let (first, others) = programme.accounts.split_at(4.min(programme.accounts.len()));
    let password = |a: &demo::DemoAccount| {
        a.password
            .clone()
            .unwrap_or_else(|| "(unchanged)".to_string())
    };
    println!("Demo programme, one account per role (passwords are shown only when created):");
    let mut roles = std::collections::BTreeSet::new();
    let mut shown = std::collections::BTreeSet::new();
    for a in others.iter().filter(|a| roles.insert(a.role)) {
        shown.insert(a.email.clone());
        println!(
            "  {:<12} {:<36} {}   {}",
            a.role.as_str(),
            a.email,
            password(a),
            a.name
        );
    }
    println!("The other demo accounts (the same password as the ones above unless shown):");
    for a in others.iter().filter(|a| !shown.contains(&a.email)) {
        println!("  {:<12} {:<36} {}", a.role.as_str(), a.email, a.name);
    }
    for a in first {
        println!(
            "  {:<12} {:<36} {}   {}",
            a.role.as_str(),
            a.email,
            password(a),
            a.name
        );
    }
}

fn serve(config: Config, with_demo: bool) -> anyhow::Result<()> {
    let pool = startup::prepare(&config)?;
    if with_demo {
        let mut conn = pool.get()?;
        print_demo(demo::seed_programme(&mut conn, &demo_issuer(&config))?);
    }
    let listener = TcpListener::bind(config.bind).map_err(|e| {
        anyhow::anyhow!(
            "configuration: CERTCASE_BIND: cannot listen on {}: {e}",
            config.bind
        )
    })?;
    let url = config.base_url.clone();
    println!("certcase {} is serving on {url}", env!("CARGO_PKG_VERSION"));
    println!(
        "  database: {} ({})",
        config.backend().as_str(),
        certcase::config::redact_url(&config.database_url)
    );
    println!("  data dir: {}", config.data_dir.display());
    let mailer = Mailer::from_config(&config.mail, &config.data_dir)?;
    let settings = worker::Settings::from_config(&config.mail)?;
    let poll = std::time::Duration::from_secs(config.mail.poll_seconds);
    println!("  e-mail: {}", mailer.describe());
    println!("  open {url}/login in a browser and sign in with an account above (or add one: certcase user add)");
    let worker_pool = pool.clone();
    let reminders = certcase::workflow::renewals::Reminders::from_config(&config);
    let state = startup::state(config, pool)?;
    actix_web::rt::System::new().block_on(async move {
        let jobs = jobs::spawn(worker_pool, mailer, settings, reminders, poll);
        let served = startup::run(listener, state, 2)?.await;
        // The server has stopped (a signal, after requests in flight finished).
        jobs.stop().await;
        println!("certcase stopped");
        served.map_err(Into::into)
    })
}
