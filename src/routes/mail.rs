//! The web inbox (everyone's own notifications) and the outbox (secretariat), both a
//! page at a time, as pages and in the API with the same parameters.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::listing::{parse_search, Window};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::listing::{self, kept, Links};
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries;
use crate::workflow::queries::mail::{OutboxFilter, OutboxStatus};
use crate::workflow::views::notifications::{notification_view, outbox_message_view};
use crate::workflow::views::{NotificationView, OutboxMessageView};

/// The parameters of the inbox, the same for the page and the API.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Part of a notification's subject or text (any case).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Where the page starts: the cursor of the `rel="next"` link of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the cursor of the `rel="prev"` link of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Notifications per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

impl InboxQuery {
    /// The search and the page asked for, refused with their codes when unusable.
    fn check(&self) -> Result<(Option<String>, Window), AppError> {
        let search = parse_search(self.q.as_deref()).map_err(AppError::bad_request)?;
        let window = listing::window(
            queries::mail::INBOX_LIST,
            queries::mail::INBOX_KEY_PARTS,
            self.after.as_deref(),
            self.before.as_deref(),
            self.limit,
        )?;
        Ok((search, window))
    }

    fn kept(&self) -> Vec<(&'static str, String)> {
        vec![("q", kept(&self.q)), ("limit", kept(&self.limit))]
    }
}

pub async fn inbox_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let (search, window) = query.check()?;
    let listed = state
        .db(move |conn| {
            Ok(queries::mail::inbox_with_certificates(
                conn,
                caller.principal.user_id,
                search.as_deref(),
                &window,
            )?)
        })
        .await?;
    let links = Links::of(&listed, &query.kept());
    let shown: Vec<_> = listed
        .rows
        .iter()
        .map(|(n, certificate)| {
            serde_json::json!({
                "at": n.created_at.format("%Y-%m-%d %H:%M").to_string(),
                "subject": n.subject, "text": n.body_text,
                "certificate": certificate,
            })
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("notifications", &shown);
    ctx.insert("f", &query.into_inner());
    ctx.insert("pager_path", "/inbox");
    ctx.insert("next_qs", &links.next_qs);
    ctx.insert("prev_qs", &links.prev_qs);
    page(&state.templates, "pages/inbox.html", &ctx)
}

/// The caller's own notifications, newest first (the same messages as their e-mail;
/// links with secrets are left out), searchable by subject or text, a page at a time:
/// the `Link` header names the next and previous pages.
#[utoipa::path(get, path = "/api/v1/notifications", params(InboxQuery),
    responses((status = 200, body = [NotificationView],
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a cursor, limit or search that cannot be used")),
    security(("bearer" = [])))]
pub async fn notifications_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let (search, window) = query.check()?;
    let listed = state
        .db(move |conn| {
            let page = queries::mail::inbox_page(
                conn,
                caller.principal.user_id,
                search.as_deref(),
                &window,
            )?;
            Ok(page.map(notification_view))
        })
        .await?;
    let links = Links::of(&listed, &query.kept());
    Ok(links.json("/api/v1/notifications", listed.rows))
}

/// The parameters of the outbox, the same for the page and the API.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Part of the recipient's address (any case), or a message kind.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// pending, failed or sent; none: every message not sent yet.
    #[param(pattern = "^(pending|failed|sent)?$")]
    pub status: Option<String>,
    /// Where the page starts: the cursor of the `rel="next"` link of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the cursor of the `rel="prev"` link of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Messages per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

impl OutboxQuery {
    /// The filter and the page asked for, refused with their codes when unusable.
    fn check(&self) -> Result<(OutboxFilter, Window), AppError> {
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<OutboxStatus>()
                    .map_err(|_| AppError::bad_request(Code::FilterInvalid.with("value", s)))?,
            ),
        };
        let filter = OutboxFilter {
            status,
            search: parse_search(self.q.as_deref()).map_err(AppError::bad_request)?,
        };
        let window = listing::window(
            queries::mail::OUTBOX_LIST,
            queries::mail::OUTBOX_KEY_PARTS,
            self.after.as_deref(),
            self.before.as_deref(),
            self.limit,
        )?;
        Ok((filter, window))
    }

    fn kept(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", kept(&self.q)),
            ("status", kept(&self.status)),
            ("limit", kept(&self.limit)),
        ]
    }

    /// One page of the outbox as the secretariat sees it, and the links to its neighbours.
    async fn read(&self, state: &AppState) -> Result<(Vec<OutboxMessageView>, Links), AppError> {
        let (filter, window) = self.check()?;
        let listed = state
            .db(move |conn| {
                let page = queries::mail::outbox_page(conn, &filter, &window)?;
                Ok(page.map(outbox_message_view))
            })
            .await?;
        let links = Links::of(&listed, &self.kept());
        Ok((listed.rows, links))
    }
}

pub async fn outbox_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (messages, links) = query.read(&state).await?;
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("messages", &messages);
    ctx.insert("f", &query);
    ctx.insert("statuses", &["pending", "failed", "sent"]);
    ctx.insert("pager_path", "/admin/outbox");
    ctx.insert("next_qs", &links.next_qs);
    ctx.insert("prev_qs", &links.prev_qs);
    page(&state.templates, "pages/admin/outbox.html", &ctx)
}

/// The outbox (secretariat), newest first: by default every message not sent yet,
/// searchable by address or message kind, a page at a time (the `Link` header names the
/// next and previous pages). Bodies are not shown: they may carry sign-in links.
#[utoipa::path(get, path = "/api/v1/outbox", params(OutboxQuery),
    responses((status = 200, body = [OutboxMessageView],
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a cursor, limit, status or search that cannot be used")),
    security(("bearer" = [])))]
pub async fn outbox_api(
    state: web::Data<AppState>,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let (messages, links) = query.read(&state).await?;
    Ok(links.json("/api/v1/outbox", messages))
}
