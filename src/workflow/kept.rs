//! A value computed once and served while its stamp is unchanged (issue #19): the round
//! report and the assignment board's proposal are costly to build and read from rows
//! that change rarely. The stamp is a counter the database bumps in the transaction that
//! changes what the value reads (with the day, where the value depends on it), so a
//! change made through any instance or the command line is seen by the next request.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Values by key, each with the stamp it was computed at.
pub struct KeptPerStamp<K, S, V> {
    /// At most one value per key: a newer one replaces it.
    kept: Mutex<HashMap<K, (S, Arc<V>)>>,
    /// One lock per key, held while its value is computed: the requests that find the
    /// value stale meanwhile wait for that one computation instead of each running their
    /// own.
    computing: Mutex<HashMap<K, Arc<Mutex<()>>>>,
    /// Values computed so far (tests and benchmarks see the cache work by it).
    computations: AtomicU64,
}

impl<K, S, V> Default for KeptPerStamp<K, S, V> {
    fn default() -> Self {
        KeptPerStamp {
            kept: Mutex::default(),
            computing: Mutex::default(),
            computations: AtomicU64::new(0),
        }
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock left at most a stale entry: the stamp check still
    // guards every read.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K: Eq + Hash + Clone, S: PartialEq, V> KeptPerStamp<K, S, V> {
    /// The value kept for `key` if it was computed at the stamp `stamp` reads now, else
    /// what `compute` returns (then kept). `stamp` is read before `compute` reads the
    /// facts: a change committed in between makes the value look older than it is
    /// (computed once more), never newer.
    pub fn get<C: ?Sized, E>(
        &self,
        ctx: &mut C,
        key: K,
        stamp: impl Fn(&mut C) -> Result<S, E>,
        compute: impl FnOnce(&mut C) -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let now = stamp(ctx)?;
        if let Some(v) = self.fresh(&key, &now) {
            return Ok(v);
        }
        let gate = locked(&self.computing)
            .entry(key.clone())
            .or_default()
            .clone();
        let _computing = locked(&gate);
        // Another request may have computed it while this one waited.
        let now = stamp(ctx)?;
        if let Some(v) = self.fresh(&key, &now) {
            return Ok(v);
        }
        let value = Arc::new(compute(ctx)?);
        self.computations.fetch_add(1, Ordering::Relaxed);
        locked(&self.kept).insert(key, (now, value.clone()));
        Ok(value)
    }

    fn fresh(&self, key: &K, stamp: &S) -> Option<Arc<V>> {
        locked(&self.kept)
            .get(key)
            .filter(|(at, _)| at == stamp)
            .map(|(_, v)| v.clone())
    }

    /// How many values have been computed.
    pub fn computations(&self) -> u64 {
        self.computations.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;

    #[test]
    fn a_value_is_computed_once_per_key_and_stamp() {
        let kept: KeptPerStamp<&str, i64, String> = KeptPerStamp::default();
        let mut stamp = 1;
        let read = |s: &mut i64| Ok::<_, ()>(*s);
        let a = kept
            .get(&mut stamp, "a", read, |s| Ok(format!("a@{s}")))
            .unwrap();
        let again = kept.get(&mut stamp, "a", read, |_| Err(())).unwrap();
        assert_eq!((a.as_str(), again.as_str()), ("a@1", "a@1"));
        let b = kept
            .get(&mut stamp, "b", read, |s| Ok(format!("b@{s}")))
            .unwrap();
        assert_eq!(b.as_str(), "b@1");
        assert_eq!(kept.computations(), 2);
        stamp = 2;
        let a = kept
            .get(&mut stamp, "a", read, |s| Ok(format!("a@{s}")))
            .unwrap();
        assert_eq!(a.as_str(), "a@2");
        assert_eq!(kept.computations(), 3);
    }

    #[test]
    fn a_failed_computation_keeps_nothing() {
        let kept: KeptPerStamp<u8, i64, u8> = KeptPerStamp::default();
        let read = |_: &mut ()| Ok::<_, &str>(7);
        assert_eq!(kept.get(&mut (), 0, read, |_| Err("down")), Err("down"));
        assert_eq!(*kept.get(&mut (), 0, read, |_| Ok(1)).unwrap(), 1);
        assert_eq!(kept.computations(), 1);
    }

    #[test]
    fn requests_that_find_it_stale_together_wait_for_one_computation() {
        let kept: Arc<KeptPerStamp<u8, i64, i64>> = Arc::default();
        let stamp = Arc::new(AtomicI64::new(5));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (kept, stamp) = (kept.clone(), stamp.clone());
                std::thread::spawn(move || {
                    let read = |_: &mut ()| Ok::<_, ()>(stamp.load(Ordering::SeqCst));
                    *kept
                        .get(&mut (), 0, read, |_| {
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            Ok(stamp.load(Ordering::SeqCst) * 10)
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), 50);
        }
        assert_eq!(kept.computations(), 1);
    }
}
