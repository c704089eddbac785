//! Receiving request bodies (evidence files, certificate PDFs to verify, model files, page
//! forms) under limits, so slow or stalled clients cannot hold sockets and temporary
//! files for ever:
//!
//! - the body stream has an idle timeout (the longest wait for the next bytes) and an
//!   overall deadline; a body that misses either ends with an error the handler answers
//!   as 408 (`Code::BodyTooSlow`), while the connection is still there to hear it;
//! - a [`Slot`] is needed to receive an upload (forms, small and read by the guard, need
//!   none): at most `per_user` at once per person (or,
//!   signed out, per address; 429 beyond) and `overall` for the server (503 beyond), both
//!   with `Retry-After`.
//!
//! Temporary files are not handled here: `storage::Staged` removes its file when it is
//! dropped, which happens on every early return, timeout and dropped connection alike.
//!
//! The one multipart file upload (evidence, appeal attachments) is read by
//! [`receive_file`] and stored by [`keep`]: what each feature checks before and after
//! (its target, its size cap, the kinds it accepts, its record) stays with the feature.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_multipart::{Field, Multipart};
use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::time::{sleep, Instant, Sleep};

use crate::config::UploadConfig;
use crate::domain::size;
use crate::error::AppError;
use crate::refusal::Code;
use crate::storage::{Evidence, Key, Staged, Storage, StorageError};

/// What a refused upload is told to wait: long enough for a typical upload to finish.
const RETRY_SECONDS: u64 = 10;
/// After a refusal mid-stream, this much more is read (and dropped) so the client gets
/// the answer instead of a reset connection; beyond it the connection is closed.
const DRAIN_MAX: u64 = 64 * 1024 * 1024;
/// The most bytes of a form field that is not asked for (the page form's token and
/// button), read and dropped.
const OTHER_FIELD_MAX: usize = 16 * 1024;

/// The uploads being received, and the limits they are received under.
pub struct Uploads {
    config: UploadConfig,
    running: Arc<Mutex<Running>>,
}

#[derive(Default)]
struct Running {
    overall: usize,
    by_sender: HashMap<String, usize>,
}

/// Room for one upload; dropping it (the handler returned, or was dropped with its
/// connection) gives the room back.
pub struct Slot {
    running: Arc<Mutex<Running>>,
    sender: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.overall = running.overall.saturating_sub(1);
        if let Some(n) = running.by_sender.get_mut(&self.sender) {
            *n -= 1;
            if *n == 0 {
                running.by_sender.remove(&self.sender);
            }
        }
    }
}

impl Uploads {
    pub fn new(config: UploadConfig) -> Uploads {
        Uploads {
            config,
            running: Arc::default(),
        }
    }

    /// Room for one more upload from `sender` (a user id, or an address when signed out),
    /// or the refusal: 429 when the sender has all theirs in use, 503 when the server has.
    pub fn admit(&self, sender: &str) -> Result<Slot, AppError> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let mine = running.by_sender.get(sender).copied().unwrap_or(0);
        if mine >= self.config.per_user {
            return Err(AppError::too_many(
                Code::UploadsPerUser.with("max", self.config.per_user),
                RETRY_SECONDS,
            ));
        }
        if running.overall >= self.config.overall {
            return Err(AppError::busy(
                Code::UploadsBusy.with("seconds", RETRY_SECONDS),
                RETRY_SECONDS,
            ));
        }
        running.overall += 1;
        *running.by_sender.entry(sender.to_string()).or_insert(0) += 1;
        Ok(Slot {
            running: Arc::clone(&self.running),
            sender: sender.to_string(),
        })
    }

    /// The multipart form of a request body, read under the timeouts; the [`Watch`] turns
    /// the form's errors into refusals.
    pub fn multipart<S>(&self, headers: &HeaderMap, body: S) -> (Multipart, Watch)
    where
        S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
    {
        let (timed, watch) = self.timed(body);
        (Multipart::new(headers, timed), watch)
    }

    /// `body` with the idle timeout and the overall deadline (counted from now).
    pub fn timed<S>(&self, body: S) -> (TimedBody<S>, Watch) {
        let watch = Watch {
            timed_out: Rc::new(Cell::new(false)),
            idle: self.config.idle_timeout,
            total: self.config.total_timeout,
        };
        let timed = TimedBody {
            inner: body,
            idle: self.config.idle_timeout,
            idle_timer: Box::pin(sleep(self.config.idle_timeout)),
            deadline: Box::pin(sleep(self.config.total_timeout)),
            started: false,
            ended: false,
            timed_out: Rc::clone(&watch.timed_out),
        };
        (timed, watch)
    }
}

/// Tells whether a body stopped because it was too slow.
#[derive(Clone)]
pub struct Watch {
    timed_out: Rc<Cell<bool>>,
    idle: Duration,
    total: Duration,
}

impl Watch {
    pub fn timed_out(&self) -> bool {
        self.timed_out.get()
    }

    /// The refusal for a body that could not be read: 408 when it was too slow, else 400
    /// with the cause.
    pub fn unreadable(&self, cause: impl std::fmt::Display) -> AppError {
        tracing::info!(error = %cause, "upload unreadable");
        self.or(AppError::bad_request(Code::UploadUnreadable))
    }

    /// 408 when the body was too slow, else `otherwise`.
    pub fn or(&self, otherwise: AppError) -> AppError {
        if self.timed_out() {
            AppError::too_slow(
                Code::BodyTooSlow
                    .with("idle", self.idle.as_secs())
                    .with("total", self.total.as_secs()),
            )
        } else {
            otherwise
        }
    }
}

/// A whole body of at most `limit` bytes, read under the timeouts (413 naming the limit
/// beyond it).
pub async fn read_all<S>(
    mut body: TimedBody<S>,
    watch: &Watch,
    limit: usize,
) -> Result<Bytes, AppError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let mut bytes = actix_web::web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| watch.unreadable(e))?;
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::too_large(
                Code::BodyTooLarge.with("max", size::binary(limit as u64)),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}

/// The body length a request declares (`Content-Length`), to refuse an upload too large
/// before reading it.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// A text field an upload form may carry beside its file.
pub struct TextField {
    pub name: &'static str,
    /// The most bytes accepted.
    pub max_bytes: usize,
    /// The refusal of a longer value.
    pub too_long: fn() -> AppError,
}

/// What an upload form carried: its one file, staged, with the name its sender gave it,
/// and the text fields asked for.
pub struct FileUpload {
    pub file: Option<(Staged, String)>,
    texts: Vec<(&'static str, String)>,
}

impl FileUpload {
    /// The value of the text field `name`, when the form had it.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a multipart upload form under its timeouts: the field `file` is staged into
/// `evidence` under `limit` bytes, the `texts` are read under their caps, any other field
/// is read and dropped. A second file, a file over the limit (`too_large`) and a full
/// disk are refused once the rest of the body is drained, so the client hears why.
pub async fn receive_file(
    evidence: &Evidence,
    form: &mut Multipart,
    watch: &Watch,
    limit: u64,
    texts: &[TextField],
    too_large: impl Fn() -> AppError,
) -> Result<FileUpload, AppError> {
    let mut received = FileUpload {
        file: None,
        texts: Vec::new(),
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| watch.unreadable(e))?;
        let name = field.name().unwrap_or_default().to_string();
        if let Some(text) = texts.iter().find(|t| t.name == name) {
            let bytes = read_field(&mut field, text.max_bytes, watch, text.too_long).await?;
            let value = String::from_utf8(bytes)
                .map_err(|_| AppError::bad_request(Code::EvidenceDescriptionNotText))?;
            received.texts.push((text.name, value));
            continue;
        }
        if name != "file" {
            read_field(&mut field, OTHER_FIELD_MAX, watch, || {
                AppError::too_large(
                    Code::BodyTooLarge.with("max", size::binary(OTHER_FIELD_MAX as u64)),
                )
            })
            .await?;
            continue;
        }
        if received.file.is_some() {
            drain(form, Some(field)).await;
            return Err(AppError::invalid(Code::EvidenceOneFilePerUpload));
        }
        let sent_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("")
            .to_string();
        match evidence.stage(&mut field, limit).await {
            Ok(staged) => received.file = Some((staged, sent_name)),
            Err(StorageError::TooLarge { .. }) => {
                drain(form, Some(field)).await;
                return Err(too_large());
            }
            Err(StorageError::Incoming(m)) => return Err(watch.unreadable(m)),
            Err(e) if e.is_out_of_space() => {
                tracing::error!(error = %e, "upload: no room to stage a file");
                drain(form, Some(field)).await;
                return Err(AppError::no_room(Code::EvidenceStorageFull));
            }
            Err(e) => return Err(AppError::internal(e)),
        }
    }
    Ok(received)
}

/// Stores a staged file for good, and holds the store's references lock (the guard) so
/// that no removal of the same content deletes it before the caller has recorded it.
pub async fn keep(
    evidence: &Evidence,
    staged: Staged,
) -> Result<(tokio::sync::MutexGuard<'_, ()>, Key), AppError> {
    let guard = evidence.references.lock().await;
    let key = evidence.store.commit(staged).await.map_err(|e| {
        if e.is_out_of_space() {
            tracing::error!(error = %e, "upload: no room to store a file");
            AppError::no_room(Code::EvidenceStorageFull)
        } else {
            AppError::internal(e)
        }
    })?;
    Ok((guard, key))
}

/// A field's bytes, at most `max_bytes` (else `too_long`).
async fn read_field(
    field: &mut Field,
    max_bytes: usize,
    watch: &Watch,
    too_long: impl Fn() -> AppError,
) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| watch.unreadable(e))?;
        if bytes.len() + chunk.len() > max_bytes {
            return Err(too_long());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads the rest of the request after a refusal, up to [`DRAIN_MAX`].
async fn drain(form: &mut Multipart, mut current: Option<Field>) {
    let mut seen: u64 = 0;
    if let Some(field) = current.as_mut() {
        while let Some(Ok(chunk)) = field.next().await {
            seen += chunk.len() as u64;
            if seen > DRAIN_MAX {
                return;
            }
        }
    }
    // The multipart stream moves on only once the current field is dropped.
    drop(current);
    while let Some(Ok(mut field)) = form.next().await {
        while let Some(Ok(chunk)) = field.next().await {
            seen += chunk.len() as u64;
            if seen > DRAIN_MAX {
                return;
            }
        }
    }
}

/// A body stream that ends with an error when the next bytes take longer than the idle
/// timeout, or the whole body longer than the deadline.
pub struct TimedBody<S> {
    inner: S,
    idle: Duration,
    idle_timer: Pin<Box<Sleep>>,
    deadline: Pin<Box<Sleep>>,
    /// The idle wait starts at the first read, not while the handler checks things first.
    started: bool,
    ended: bool,
    timed_out: Rc<Cell<bool>>,
}

impl<S> Stream for TimedBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        if !this.started {
            this.started = true;
            this.idle_timer.as_mut().reset(Instant::now() + this.idle);
        }
        // The deadline first, so a client that always has a little more ready still ends.
        if this.deadline.as_mut().poll(cx).is_ready() {
            return this.time_out();
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                match &item {
                    Some(_) => this.idle_timer.as_mut().reset(Instant::now() + this.idle),
                    None => this.ended = true,
                }
                Poll::Ready(item)
            }
            Poll::Pending if this.idle_timer.as_mut().poll(cx).is_ready() => this.time_out(),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S> TimedBody<S> {
    fn time_out(&mut self) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.ended = true;
        self.timed_out.set(true);
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the upload was too slow",
        )))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uploads(per_user: usize, overall: usize) -> Uploads {
        Uploads::new(UploadConfig {
            idle_timeout: Duration::from_millis(200),
            total_timeout: Duration::from_millis(700),
            per_user,
            overall,
        })
    }

    fn status(e: AppError) -> u16 {
        actix_web::ResponseError::status_code(&e).as_u16()
    }

    #[test]
    fn slots_are_capped_per_sender_and_overall_and_come_back_when_dropped() {
        let u = uploads(2, 3);
        let a1 = u.admit("a").unwrap();
        let _a2 = u.admit("a").unwrap();
        assert_eq!(status(u.admit("a").err().unwrap()), 429);
        let _b1 = u.admit("b").unwrap();
        assert_eq!(status(u.admit("c").err().unwrap()), 503);
        drop(a1);
        let _c1 = u.admit("c").unwrap();
        assert_eq!(status(u.admit("a").err().unwrap()), 503);
    }

    #[actix_web::test]
    async fn a_stalled_body_ends_after_the_idle_timeout() {
        let u = uploads(1, 1);
        let chunk: Result<Bytes, PayloadError> = Ok(Bytes::from_static(b"part"));
        let stalled = futures_util::stream::iter([chunk]).chain(futures_util::stream::pending());
        let (mut body, watch) = u.timed(Box::pin(stalled));
        let started = Instant::now();
        assert!(body.next().await.unwrap().is_ok());
        assert!(body.next().await.unwrap().is_err());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(200) && waited < Duration::from_millis(600));
        assert!(watch.timed_out());
        assert_eq!(status(watch.unreadable("x")), 408);
        assert!(body.next().await.is_none());
    }

    #[actix_web::test]
    async fn a_trickling_body_ends_at_the_deadline() {
        let u = uploads(1, 1);
        let trickle = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((Ok::<_, PayloadError>(Bytes::from_static(b"x")), ()))
        });
        let (body, watch) = u.timed(Box::pin(trickle));
        let started = Instant::now();
        let read: Vec<_> = body.collect().await;
        assert!(read.last().unwrap().is_err());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(700) && waited < Duration::from_millis(1500));
        assert!(read.len() > 3, "what came in time was read");
        assert!(watch.timed_out());
    }

    #[actix_web::test]
    async fn a_body_that_keeps_coming_is_read_whole() {
        let u = uploads(1, 1);
        let chunks = futures_util::stream::iter(
            (0..3).map(|_| Ok::<_, PayloadError>(Bytes::from_static(b"abc"))),
        );
        let (body, watch) = u.timed(chunks);
        let read: Vec<_> = body.collect().await;
        assert_eq!(read.len(), 3);
        assert!(read.iter().all(Result::is_ok));
        assert!(!watch.timed_out());
        assert_eq!(status(watch.unreadable("broken")), 400);
    }

    #[actix_web::test]
    async fn a_whole_body_is_read_up_to_its_limit() {
        let u = uploads(1, 1);
        let chunks = || {
            futures_util::stream::iter(
                (0..3).map(|_| Ok::<_, PayloadError>(Bytes::from_static(b"abc"))),
            )
        };
        let (body, watch) = u.timed(chunks());
        assert_eq!(read_all(body, &watch, 9).await.unwrap(), "abcabcabc");
        let (body, watch) = u.timed(chunks());
        assert_eq!(status(read_all(body, &watch, 8).await.unwrap_err()), 413);
        let stalled = futures_util::stream::pending::<Result<Bytes, PayloadError>>();
        let (body, watch) = u.timed(stalled);
        assert_eq!(status(read_all(body, &watch, 8).await.unwrap_err()), 408);
    }
}
