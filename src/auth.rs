//! Password hashing and opaque tokens.
//!
//! Every password is hashed or checked on the one [`PasswordPool`]: a fixed number of
//! threads (one per core) with a bounded queue in front, so sign-ins under any load use
//! at most `threads × 19 MiB` for argon2 and never hold a database connection or one of
//! the server's blocking threads while they hash.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::account::Password;

/// argon2id with the OWASP minimum: 19 MiB of memory, 2 passes, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

/// The working memory of one argon2 computation (19 MiB for [`params`]). Each password
/// thread keeps one and reuses it for every hash and check: allocating 19 MiB per
/// sign-in left each allocator arena holding its own copy, so the resident memory grew
/// with the threads that ever hashed, not with the ones hashing now.
pub struct HashMemory(Vec<Block>);

impl HashMemory {
    pub fn new() -> HashMemory {
        HashMemory(vec![Block::default(); params().block_count()])
    }

    /// The blocks for `params`: this memory when it is large enough, else a larger one
    /// for this computation only (a hash stored with a higher memory cost).
    fn blocks_for(&mut self, params: &Params) -> BlocksFor<'_> {
        if self.0.len() >= params.block_count() {
            BlocksFor::Reused(&mut self.0)
        } else {
            BlocksFor::Once(vec![Block::default(); params.block_count()])
        }
    }
}

impl Default for HashMemory {
    fn default() -> Self {
        HashMemory::new()
    }
}

enum BlocksFor<'a> {
    Reused(&'a mut Vec<Block>),
    Once(Vec<Block>),
}

impl AsMut<[Block]> for BlocksFor<'_> {
    fn as_mut(&mut self) -> &mut [Block] {
        match self {
            BlocksFor::Reused(blocks) => blocks.as_mut_slice(),
            BlocksFor::Once(blocks) => blocks.as_mut_slice(),
        }
    }
}

/// Hashes a new password (PHC string format, argon2id, [`params`]) in fresh memory.
pub fn hash_password(password: &Password) -> String {
    hash_password_in(&mut HashMemory::new(), password)
}

/// [`hash_password`] in the given working memory.
pub fn hash_password_in(memory: &mut HashMemory, password: &Password) -> String {
    let params = params();
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .decode_b64(&mut salt_bytes)
        .expect("a generated salt decodes");
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.expose().as_bytes(),
            salt_raw,
            &mut out,
            memory.blocks_for(&params),
        )
        .expect("argon2 hashing cannot fail with valid parameters");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("argon2 parameters format"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).expect("a 32-byte output")),
    }
    .to_string()
}

/// Checks a password against a stored hash. With no stored hash (unknown account) it
/// still does the same work, so the answer takes as long either way.
pub fn verify_password(password: &Password, stored: Option<&str>) -> bool {
    verify_password_in(&mut HashMemory::new(), password, stored)
}

/// [`verify_password`] in the given working memory.
pub fn verify_password_in(
    memory: &mut HashMemory,
    password: &Password,
    stored: Option<&str>,
) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    // Made once, when first needed, in this working memory: made in fresh memory, the
    // first sign-in of a process held argon2's 19 MiB twice (issue #19's upload
    // benchmark, 40 MB for one sign-in).
    let hash_text = match stored {
        Some(stored) => stored,
        None => DUMMY
            .get_or_init(|| hash_password_in(memory, &Password::attempt("not a real password"))),
    };
    let ok = PasswordHash::new(hash_text)
        .is_ok_and(|hash| matches_hash(memory, password.expose().as_bytes(), &hash));
    ok && stored.is_some()
}

/// What argon2's own `verify_password` does (the stored algorithm, version, parameters
/// and salt; the output compared in constant time), in reused memory.
fn matches_hash(memory: &mut HashMemory, password: &[u8], hash: &PasswordHash<'_>) -> bool {
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(hash), hash.salt, hash.hash)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = memory.blocks_for(&params);
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt_raw, &mut out, blocks)
        .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// A job gets its thread's argon2 working memory.
type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// The threads that hash and check passwords, and their bounded queue.
pub struct PasswordPool {
    jobs: SyncSender<Job>,
    threads: usize,
    queue: usize,
    /// Jobs in the queue that no thread has taken yet (the `/metrics` sign-in queue gauge).
    waiting: Arc<AtomicUsize>,
}

/// How far below the request threads a password thread runs (a nice value, 0–19). Under
/// a rush of sign-ins the page requests keep the CPU they need and the sign-ins wait their
/// turn in the queue; with no pages to serve the hashing still gets every core (issue #16:
/// 50 sign-in connections took the pages' p99 past a second).
const PASSWORD_NICENESS: i32 = 10;

/// Lowers the calling thread's priority to [`PASSWORD_NICENESS`]. On Linux a thread has its
/// own nice value, set through its thread id; elsewhere this would lower the whole
/// process, so it is left alone.
fn below_requests() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let me = Some(rustix::thread::gettid());
        // Never raised: a process started below it stays there.
        let lowered = getpriority_process(me)
            .and_then(|now| setpriority_process(me, now.max(PASSWORD_NICENESS)));
        if let Err(e) = lowered {
            tracing::warn!("password thread priority not lowered: {e}");
        }
    }
}

/// The pool's queue is full: the caller should answer "busy, try again shortly".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("every password thread is busy and the queue is full")]
pub struct PoolFull;

impl PasswordPool {
    /// `threads` hash at once; at most `queue` more wait for one of them, and any further
    /// request is refused at once ([`PoolFull`]).
    pub fn new(threads: usize, queue: usize) -> PasswordPool {
        let threads = threads.max(1);
        // A job a thread has taken is no longer in the channel: the channel's capacity is
        // the number waiting.
        let (jobs, receiver) = mpsc::sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    below_requests();
                    // Allocated for a run of jobs and given back when none is waiting:
                    // a rush of sign-ins reuses it, an idle server does not keep 19 MiB
                    // a thread (issue #19's idle memory).
                    let mut memory: Option<HashMemory> = None;
                    loop {
                        let Ok(jobs) = receiver.lock() else {
                            // A thread panicked holding the lock.
                            return;
                        };
                        let next = match jobs.try_recv() {
                            Err(TryRecvError::Empty) => {
                                memory = None;
                                jobs.recv().ok()
                            }
                            waiting => waiting.ok(),
                        };
                        drop(jobs);
                        match next {
                            Some(job) => job(memory.get_or_insert_with(HashMemory::new)),
                            // The pool was dropped.
                            None => return,
                        }
                    }
                })
                .expect("the operating system starts a password thread");
        }
        PasswordPool {
            jobs,
            threads,
            queue,
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Threads and queue places, for the log at start-up.
    pub fn size(&self) -> (usize, usize) {
        (self.threads, self.queue)
    }

    fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, PoolFull> {
        let (done, result) = tokio::sync::oneshot::channel();
        let waiting = Arc::clone(&self.waiting);
        let job: Job = Box::new(move |memory| {
            crate::telemetry::set_signin_queue(waiting.fetch_sub(1, Ordering::SeqCst) - 1);
            // The waiting request may have gone away; nothing to tell it then.
            let _ = done.send(work(memory));
        });
        // Counted before sending so that a thread taking the job at once never sees zero.
        let now_waiting = self.waiting.fetch_add(1, Ordering::SeqCst) + 1;
        match self.jobs.try_send(job) {
            Ok(()) => {
                crate::telemetry::set_signin_queue(now_waiting);
                Ok(result)
            }
            Err(TrySendError::Full(_)) => {
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                Err(PoolFull)
            }
            Err(TrySendError::Disconnected(_)) => {
                unreachable!("the password threads live as long as the pool")
            }
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, PoolFull> {
        let result = self.submit(work)?;
        Ok(result
            .await
            .expect("a password thread answers every job it takes"))
    }

    /// [`hash_password`] on the pool.
    pub async fn hash(&self, password: Password) -> Result<String, PoolFull> {
        self.run(move |memory| hash_password_in(memory, &password))
            .await
    }

    /// [`verify_password`] on the pool.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> Result<bool, PoolFull> {
        self.run(move |memory| verify_password_in(memory, &password, stored.as_deref()))
            .await
    }

    /// [`hash_password`] on the pool, for a caller outside the async runtime (the CLI).
    pub fn hash_blocking(&self, password: Password) -> Result<String, PoolFull> {
        let result = self.submit(move |memory| hash_password_in(memory, &password))?;
        Ok(result
            .blocking_recv()
            .expect("a password thread answers every job it takes"))
    }
}

/// A fresh random token for a cookie, form or bearer header (256 bits, URL-safe).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored in place of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = hash_password(&p);
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(&p, Some(&h)));
        assert!(!verify_password(
            &Password::attempt("wrong horse battery"),
            Some(&h)
        ));
        assert!(!verify_password(&p, None));
    }

    #[test]
    fn reused_memory_agrees_with_the_argon2_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let p = Password::parse("correct horse battery").unwrap();
        let mut memory = HashMemory::new();
        let crate_hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());

        // Ours, checked by the crate.
        let ours = hash_password_in(&mut memory, &p);
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(crate_hasher
            .verify_password(p.expose().as_bytes(), &parsed)
            .is_ok());

        // The crate's, checked by ours in the same (dirty) memory, twice.
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = crate_hasher
            .hash_password(p.expose().as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert_eq!(
            theirs[..31],
            ours[..31],
            "same algorithm, version and parameters"
        );
        for _ in 0..2 {
            assert!(verify_password_in(&mut memory, &p, Some(&theirs)));
            assert!(!verify_password_in(
                &mut memory,
                &Password::attempt("wrong horse battery"),
                Some(&theirs)
            ));
        }

        // A hash stored with more memory (an older or stronger setting) still checks.
        let bigger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(p.expose().as_bytes(), &salt)
        .unwrap()
        .to_string();
        assert!(verify_password_in(&mut memory, &p, Some(&bigger)));
        assert!(!verify_password_in(
            &mut memory,
            &p,
            Some("$argon2id$garbage")
        ));
    }

    #[tokio::test]
    async fn the_pool_checks_passwords_and_refuses_beyond_its_queue() {
        let p = Password::parse("correct horse battery").unwrap();
        let pool = PasswordPool::new(1, 1);
        let h = pool.hash(Password::attempt(p.expose())).await.unwrap();
        assert!(pool
            .verify(Password::attempt(p.expose()), Some(h.clone()))
            .await
            .unwrap());
        assert!(!pool
            .verify(Password::attempt("wrong horse battery"), Some(h))
            .await
            .unwrap());

        // One thread held busy and one job queued: the next is refused at once.
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let busy = pool
            .submit(move |_| {
                started.send(()).unwrap();
                hold.recv().unwrap();
            })
            .unwrap();
        running.recv().unwrap();
        let queued = pool.submit(|_| 7).unwrap();
        assert_eq!(pool.submit(|_| 8).unwrap_err(), PoolFull);
        release.send(()).unwrap();
        busy.await.unwrap();
        assert_eq!(queued.await.unwrap(), 7);
        // Room again once the queue drained.
        assert!(pool.run(|_| true).await.unwrap());
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn passwords_are_checked_below_the_request_threads_priority() {
        let own = || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let request_thread = own();
        let pool = PasswordPool::new(1, 1);
        let password_thread = pool.run(move |_| own()).await.unwrap();
        // Raising one's own priority back needs privileges; lowering it never does.
        assert_eq!(password_thread, request_thread.max(PASSWORD_NICENESS));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &new_token()));
    }
}
