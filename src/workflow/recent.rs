//! A small read kept for a moment (issue #19): on PostgreSQL each statement is a round
//! trip, and a list page read the same few rounds on every request.
//!
//! What is kept is used again until this process commits a write (`db::committed_writes`:
//! a change made here counts from the next request) or `recheck` has passed since it was
//! read (a change made by another instance or the command line counts within that time),
//! the same bounds as the callers' (`workflow::callers`). Meant for a few rows that
//! rarely change and are read whole; `Duration::ZERO` reads every time.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::db::committed_writes;

struct Kept<T> {
    value: Arc<T>,
    at: Instant,
    commits: u64,
}

pub struct Recent<T> {
    recheck: Duration,
    kept: Mutex<Option<Kept<T>>>,
}

impl<T> Recent<T> {
    pub fn new(recheck: Duration) -> Recent<T> {
        Recent {
            recheck,
            kept: Mutex::new(None),
        }
    }

    /// The kept value if it may still be used, else what `read` returns (then kept).
    pub fn get<E>(&self, read: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if self.recheck.is_zero() {
            return read().map(Arc::new);
        }
        // The commit count before the read: a commit that lands during it makes what is
        // kept look older than it is, never newer.
        let commits = committed_writes();
        let now = Instant::now();
        {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(k) = kept.as_ref() {
                if k.commits == commits && now.saturating_duration_since(k.at) < self.recheck {
                    return Ok(k.value.clone());
                }
            }
        }
        let value = Arc::new(read()?);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        // Requests finish in any order: keep the most recent reading.
        if kept
            .as_ref()
            .is_none_or(|k| (k.commits, k.at) <= (commits, now))
        {
            *kept = Some(Kept {
                value: value.clone(),
                at: now,
                commits,
            });
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_kept_value_is_used_until_the_recheck_and_zero_reads_every_time() {
        let reads = Cell::new(0);
        let read = || -> Result<u32, ()> {
            reads.set(reads.get() + 1);
            Ok(reads.get())
        };
        let recent = Recent::new(Duration::from_secs(3600));
        assert_eq!(*recent.get(read).unwrap(), 1);
        assert_eq!(*recent.get(read).unwrap(), 1, "kept");
        assert_eq!(reads.get(), 1);

        let every_time = Recent::new(Duration::ZERO);
        assert_eq!(*every_time.get(read).unwrap(), 2);
        assert_eq!(*every_time.get(read).unwrap(), 3);

        let short = Recent::new(Duration::from_millis(1));
        assert_eq!(*short.get(read).unwrap(), 4);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(*short.get(read).unwrap(), 5, "read again after the recheck");
    }

    #[test]
    fn a_failed_read_keeps_nothing() {
        let recent: Recent<u32> = Recent::new(Duration::from_secs(3600));
        assert_eq!(recent.get(|| Err::<u32, &str>("down")).err(), Some("down"));
        assert_eq!(*recent.get(|| Ok::<_, &str>(7)).unwrap(), 7);
    }
}
