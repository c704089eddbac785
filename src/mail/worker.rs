//! Sends committed outbox rows: claim, send, mark; retry with exponential back-off.

use chrono::NaiveDateTime;
use lettre::message::Mailbox;

use super::transport::{build, Mailer};
use crate::db::models::mail as store;
use crate::db::DbConn;

/// How the worker behaves; from the configuration.
#[derive(Clone)]
pub struct Settings {
    pub from: Mailbox,
    /// Tries before a message is given up (status `failed`, error kept).
    pub max_attempts: i32,
    /// The first retry waits this long; each further one twice as long (capped).
    pub base_delay: chrono::Duration,
    /// How long a claim holds before another worker may take the row.
    pub lease: chrono::Duration,
    pub batch: i64,
}

impl Settings {
    pub fn from_config(c: &crate::config::MailConfig) -> anyhow::Result<Settings> {
        Ok(Settings {
            from: super::transport::mailbox(&c.from_name, &c.from_address)
                .map_err(|e| anyhow::anyhow!("configuration: mail_from: {e}"))?,
            max_attempts: c.max_attempts,
            base_delay: chrono::Duration::seconds(c.retry_base_seconds),
            lease: chrono::Duration::minutes(5),
            batch: 20,
        })
    }
}

/// When to try again after `attempts` failed tries, or None to give up.
pub fn next_attempt(
    now: NaiveDateTime,
    attempts: i32,
    max_attempts: i32,
    base: chrono::Duration,
) -> Option<NaiveDateTime> {
    if attempts >= max_attempts {
        return None;
    }
    let doubling = attempts.saturating_sub(1).clamp(0, 16) as u32;
    let delay = base * 2i32.pow(doubling);
    Some(now + delay.min(chrono::Duration::hours(6)))
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends every message due now, batch by batch, and returns what happened. Safe to run
/// in several processes at once: each row is claimed by one worker.
pub fn send_pending(
    conn: &mut DbConn,
    mailer: &Mailer,
    s: &Settings,
    worker: &str,
) -> diesel::QueryResult<Summary> {
    let mut summary = Summary::default();
    loop {
        let now = crate::db::models::now();
        let batch = store::claim(conn, worker, now, now + s.lease, s.batch)?;
        if batch.is_empty() {
            return Ok(summary);
        }
        for row in batch {
            let outcome = build(&row, &s.from).and_then(|m| mailer.send(&m));
            match outcome {
                Ok(()) => {
                    store::mark_sent(conn, &row.id, worker)?;
                    summary.sent += 1;
                    tracing::info!(target: "mail", id = %row.id, kind = %row.message_kind, "sent");
                }
                Err(error) => {
                    let retry = next_attempt(
                        crate::db::models::now(),
                        row.attempts + 1,
                        s.max_attempts,
                        s.base_delay,
                    );
                    store::mark_failed(conn, &row.id, worker, &error, retry)?;
                    if retry.is_some() {
                        summary.retrying += 1;
                    } else {
                        summary.failed += 1;
                    }
                    tracing::warn!(target: "mail", id = %row.id, error = ?error, gave_up = retry.is_none(), "sending failed");
                }
            }
        }
    }
}

/// A fresh worker id (one per process).
pub fn worker_id() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_gives_up_at_the_limit() {
        let now = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        let base = chrono::Duration::seconds(30);
        let at = |n| next_attempt(now, n, 5, base).map(|t| (t - now).num_seconds());
        assert_eq!(at(1), Some(30));
        assert_eq!(at(2), Some(60));
        assert_eq!(at(3), Some(120));
        assert_eq!(at(4), Some(240));
        assert_eq!(at(5), None);
        assert_eq!(
            next_attempt(now, 40, 100, base).map(|t| (t - now).num_hours()),
            Some(6)
        );
    }
}
