//! `certcase certificates issue`, `keys rotate` and `verify-log` (feature: certs).

use certcase::config::Config;
use certcase::db::models::users;
use certcase::domain::account::Email;
use certcase::domain::audit::Actor;
use certcase::domain::ids::RoundId;
use certcase::startup;
use certcase::workflow::certificates::{self as certs, Issuer};

fn issuer(config: &Config) -> Issuer {
    Issuer {
        data_dir: config.data_dir.clone(),
        base_url: config.base_url.clone(),
    }
}

pub fn issue_round(config: &Config, round: &str, as_email: &str) -> anyhow::Result<()> {
    let pool = startup::prepare(config)?;
    let mut conn = pool.get()?;
    let email = Email::parse(as_email).map_err(anyhow::Error::msg)?;
    let person = users::find_by_email(&mut conn, &email)?
        .ok_or_else(|| anyhow::anyhow!("no account {as_email}"))?;
    let by = person.id;
    if !users::roles(&mut conn, by)?.contains(&certcase::domain::access::Role::Secretariat) {
        anyhow::bail!("{as_email} is not in the secretariat");
    }
    let round: RoundId = round
        .parse()
        .map_err(|_| anyhow::anyhow!("{round:?} is not a round id"))?;
    let actor = Actor::user(by, "local");
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} certificates ({eta})")
            .expect("the template is valid"),
    );
    let outcome = certs::issue_round(
        &mut conn,
        &issuer(config),
        &actor,
        by,
        round,
        |done, all| {
            bar.set_length(all as u64);
            bar.set_position(done as u64);
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    for n in &outcome.issued {
        println!("issued {n}");
    }
    for (app, why) in &outcome.refused {
        println!("refused {app}: {why}");
    }
    println!(
        "{} issued, {} already issued, {} refused",
        outcome.issued.len(),
        outcome.existing.len(),
        outcome.refused.len()
    );
    Ok(())
}

pub fn rotate(config: &Config) -> anyhow::Result<()> {
    let pool = startup::prepare(config)?;
    let mut conn = pool.get()?;
    let key = certs::rotate(&mut conn, &issuer(config), &Actor::console("keys rotate"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("new signing key {} (#{})", key.id, key.seq);
    Ok(())
}

pub fn verify_log(config: &Config) -> anyhow::Result<()> {
    let pool = certcase::db::connect_pool(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    match certs::verify_log(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))? {
        Ok(n) => {
            println!("OK: {n} issuance log entries, the hash chain is intact");
            Ok(())
        }
        Err(index) => {
            println!("BROKEN at index {index}");
            std::process::exit(1);
        }
    }
}
