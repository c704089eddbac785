//! Background work on a timer, started by `serve`: each run queues the clarification
//! reminders, the renewal invitations, the suspension-ending reminders and the overdue
//! surveillances' reminders that are due, then sends the outbox (so a reminder goes out in
//! the same run).
//! `certcase mail send-pending` does one run.

use std::time::Duration;

use crate::db::{DbConn, DbPool};
use crate::mail::transport::Mailer;
use crate::mail::worker::{self, Settings, Summary};
use crate::workflow::panel_notices;
use crate::workflow::renewals::{self, Reminders};
use crate::workflow::surveillances;

/// One run: reminders first, then every message due now.
pub fn run_once(
    conn: &mut DbConn,
    mailer: &Mailer,
    settings: &Settings,
    reminders: &Reminders,
    worker: &str,
) -> diesel::QueryResult<Summary> {
    let now = crate::db::models::now();
    panel_notices::remind_clarifications(conn, now)?;
    renewals::send_reminders(conn, reminders, now.date())?;
    surveillances::remind_overdue(conn, &reminders.base_url, now.date())?;
    worker::send_pending(conn, mailer, settings, worker)
}

/// The running background jobs; [`Jobs::stop`] ends them between two runs.
pub struct Jobs {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Jobs {
    /// Asks the jobs to stop and waits until they have: a run in progress (sending a
    /// message, say) is finished, not cut off, and no new one starts.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = ?e, "background jobs ended abnormally");
        }
    }
}

/// Runs [`run_once`] every `interval` on the tokio runtime, off its workers.
pub fn spawn(
    pool: DbPool,
    mailer: Mailer,
    settings: Settings,
    reminders: Reminders,
    interval: Duration,
) -> Jobs {
    let worker = worker::worker_id();
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            let (pool, mailer, settings, reminders, worker) = (
                pool.clone(),
                mailer.clone(),
                settings.clone(),
                reminders.clone(),
                worker.clone(),
            );
            let result = tokio::task::spawn_blocking(move || -> anyhow::Result<Summary> {
                let mut conn = pool.get()?;
                Ok(run_once(
                    &mut conn, &mailer, &settings, &reminders, &worker,
                )?)
            })
            .await;
            match result {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(target: "mail", error = ?e, "outbox run failed"),
                Err(e) => tracing::error!(target: "mail", error = ?e, "outbox task panicked"),
            }
            if *stopped.borrow() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stopped.changed() => return,
            }
        }
    });
    Jobs { stop, task }
}
