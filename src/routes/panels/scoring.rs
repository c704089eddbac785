//! Scoring: the assessment page, scores, reopening, consolidation and sending to review.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{back_to, field, no_content, FormFields};
use crate::domain::application_status::Status;
use crate::domain::ids::{ApplicationId, Named, UserId};
use crate::domain::visibility::{ScoringView, Viewer};
use crate::error::AppError;
use crate::refusal::{Arg, Code};
use crate::web::caller::Caller;
use crate::web::confirm::{self, Confirmation};
use crate::web::render::{base_context, page_with_form, refusal_text, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::panels;
use crate::workflow::queries;
use crate::workflow::review;
use crate::workflow::scoring::{self, ConsolidationRequest, ScoreRequest};
use crate::workflow::views::panels::seat_view;

#[derive(Serialize)]
struct ScoresResponse {
    application_id: String,
    status: Status,
    #[serde(flatten)]
    view: ScoringView,
}

/// What the caller may see of the application's scores (one serializer decides).
#[utoipa::path(get, path = "/api/v1/applications/{id}/scores", params(("id" = uuid::Uuid, Path)), responses((status = 200), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn scores_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (app, _, view) = state
        .db(move |conn| Ok(scoring::view(conn, &caller.principal, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(ScoresResponse {
        application_id: app.id.to_string(),
        status: app.status,
        view,
    }))
}

/// Records the caller's draft or submitted score of one item.
#[utoipa::path(put, path = "/api/v1/applications/{id}/scores/{item}", params(("id" = uuid::Uuid, Path), ("item" = String, Path)), request_body = ScoreRequest, responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn score_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    body: web::Json<ScoreRequest>,
) -> Result<HttpResponse, AppError> {
    let ((id, item), req) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(scoring::record_score(
                conn,
                &caller.principal,
                id,
                &item,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReopenRequest {
    /// An id that is not one is refused as an unknown one (409, no score to reopen).
    #[schema(value_type = String, format = Uuid)]
    assessor_id: Named<UserId>,
}

/// The lead reopens a member's submitted score of one item.
#[utoipa::path(post, path = "/api/v1/applications/{id}/scores/{item}/reopen", params(("id" = uuid::Uuid, Path), ("item" = String, Path)), request_body = ReopenRequest, responses((status = 204), (status = 403), (status = 409)), security(("bearer" = [])))]
pub async fn reopen_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    body: web::Json<ReopenRequest>,
) -> Result<HttpResponse, AppError> {
    let ((id, item), assessor) = (path.into_inner(), body.into_inner().assessor_id);
    state
        .db(move |conn| {
            Ok(scoring::reopen(
                conn,
                &caller.principal,
                id,
                assessor,
                &item,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// The lead consolidates: level and rationale per item; the part level is derived and
/// the application becomes scored.
#[utoipa::path(post, path = "/api/v1/applications/{id}/consolidation", params(("id" = uuid::Uuid, Path)), request_body = ConsolidationRequest, responses((status = 200), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn consolidate_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<ConsolidationRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let r = state
        .db(move |conn| {
            Ok(scoring::consolidate(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(r))
}

/// The lead sends the scored application to the round's review panel.
#[utoipa::path(post, path = "/api/v1/applications/{id}/send-to-review", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 403), (status = 409)), security(("bearer" = [])))]
pub async fn send_to_review_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(scoring::send_to_review(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

#[derive(Serialize)]
struct ItemRow {
    code: String,
    name: String,
    flagged: bool,
    /// What each level requires, from the catalog: (level, words).
    criteria: Vec<(usize, String)>,
}

#[derive(Serialize)]
struct DomainRow {
    name: String,
    items: Vec<ItemRow>,
}

/// Which form of the assessment page a refused [`FormState`] belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    /// The score form of the item named by `FormState::field`.
    Score,
    Consolidation,
    Clarification,
    SendToReview,
}

impl Refused {
    fn name(self) -> &'static str {
        match self {
            Refused::Score => "score",
            Refused::Consolidation => "consolidation",
            Refused::Clarification => "clarification",
            Refused::SendToReview => "send",
        }
    }
}

/// Content-Security-Policy of the assessment page: the site's, plus the sandboxed
/// evidence preview frame from this origin.
fn assessment_csp() -> String {
    format!("{}; frame-src 'self'", crate::web::finish::CSP)
}

/// One page for every viewer of an application's assessment: the scoring form with the
/// evidence beside each item (panel), the consolidation with flags and the clarification
/// requests (lead), the review decision view (review members) and the result
/// (enterprise); what it shows comes from the visibility serializer.
pub async fn assessment_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = FormState::default();
    render(&state, caller, &visitor, &req, id, (&form, None, &[])).await
}

/// Renders the assessment page, with a refused form shown again when there is one
/// (`kind`, and the clarification items that were ticked).
pub(super) async fn render(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: ApplicationId,
    (form, kind, ticked): (&FormState, Option<Refused>, &[String]),
) -> Result<HttpResponse, AppError> {
    let lang = caller.lang;
    let (top, viewer, view, domains, evidence, members, waiting, clarifications) = state
        .db(move |conn| {
            let (app, viewer, view) = scoring::view(conn, &caller.principal, id)?;
            let part = panels::part_of(conn, &app)?;
            let flagged: Vec<String> = match viewer {
                Viewer::PanelMember { lead: true, .. } => {
                    scoring::flags(&scoring::facts(conn, &app)?)
                        .into_keys()
                        .collect()
                }
                _ => vec![],
            };
            let domains: Vec<DomainRow> = part
                .domains
                .iter()
                .map(|d| DomainRow {
                    name: d.name.get(lang).to_string(),
                    items: d
                        .items
                        .iter()
                        .map(|i| ItemRow {
                            code: i.code.clone(),
                            name: i.name.get(lang).to_string(),
                            flagged: flagged.contains(&i.code),
                            criteria: i
                                .criteria
                                .iter()
                                .enumerate()
                                .map(|(n, c)| (n + 1, c.get(lang).to_string()))
                                .collect(),
                        })
                        .collect(),
                })
                .collect();
            let (evidence, clarifications) = match viewer {
                Viewer::PanelMember { .. } | Viewer::Secretariat => (
                    scoring::evidence_list(conn, app.id)?,
                    queries::scoring::clarifications(conn, &caller.principal, app.id)?,
                ),
                _ => (vec![], vec![]),
            };
            let members = match viewer {
                Viewer::PanelMember { lead: true, .. } | Viewer::Secretariat => {
                    queries::panels::seats(conn, app.id)?
                        .into_iter()
                        .map(seat_view)
                        .collect()
                }
                _ => vec![],
            };
            // Why the review decision waits, for everyone but the enterprise (recusals
            // are the programme's business).
            let waiting = match viewer {
                Viewer::Enterprise => None,
                _ => review::waiting_for_members(conn, &app)?,
            };
            let top = scoring::header(conn, &app)?;
            Ok((
                top,
                viewer,
                view,
                domains,
                evidence,
                members,
                waiting,
                clarifications,
            ))
        })
        .await?;
    let role = match viewer {
        Viewer::Enterprise => "enterprise",
        Viewer::PanelMember { lead: true, .. } => "lead",
        Viewer::PanelMember { .. } => "member",
        Viewer::Reviewer => "reviewer",
        Viewer::RecusedReviewer => "recused",
        Viewer::Secretariat => "secretariat",
    };
    let can_consolidate = role == "lead"
        && top.status == Status::InAssessment
        && view
            .progress
            .as_ref()
            .is_some_and(|p| p.iter().all(|m| m.submitted_items == m.total_items));
    let levels: Vec<i32> = (0..=top.target_level).collect();
    let ctx = with(base_context(visitor, req.path()), "application", &top);
    let ctx = with(ctx, "viewer", role);
    let ctx = with(ctx, "view", &view);
    let ctx = with(ctx, "domains", &domains);
    let ctx = with(ctx, "evidence", &evidence);
    let ctx = with(ctx, "members", &members);
    let ctx = with(ctx, "clarifications", &clarifications);
    let ctx = with(
        ctx,
        "review_waiting",
        &waiting.map(|reason| refusal_text(&reason, lang)),
    );
    let ctx = with(ctx, "can_consolidate", &can_consolidate);
    let ctx = with(ctx, "levels", &levels);
    let ctx = with(ctx, "refused", &kind.map(Refused::name));
    let ctx = with(ctx, "ticked", ticked);
    let mut res = page_with_form(&state.templates, "pages/panels/assessment.html", ctx, form)?;
    if let Ok(v) = header::HeaderValue::from_str(&assessment_csp()) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Ok(res)
}

/// A level field of a form: a number, "na" for not applicable, nothing when none was
/// chosen.
fn level_field(value: Option<&str>) -> Result<Option<i64>, AppError> {
    match value.map(str::trim) {
        None | Some("") | Some("na") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(Code::ScoreNotALevel.with("value", v))),
    }
}

/// The item a refusal names, to show its message beside that item's fields.
fn item_named(err: &AppError) -> Option<String> {
    let AppError::Refused { reason, .. } = err else {
        return None;
    };
    reason.args.iter().find_map(|(name, arg)| match arg {
        Arg::Text(t) if *name == "item" => Some(t.clone()),
        _ => None,
    })
}

/// The scoring form of one item: a private draft, or a submission that is final and so
/// asks for confirmation first. A refusal shows the page again with what was typed.
pub async fn score_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<(ApplicationId, String)>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    let f = form.into_inner();
    let back = format!("/applications/{id}/assessment");
    let submit = field(&f, "action") == Some("submit");
    let parsed = level_field(field(&f, "level")).map(|level| ScoreRequest {
        score: crate::domain::assessment::ScoreInput {
            level,
            // A reason counts only with "not applicable" chosen: no choice is no level.
            not_applicable_reason: field(&f, "not_applicable_reason")
                .filter(|r| !r.trim().is_empty() && field(&f, "level") == Some("na"))
                .map(String::from),
            comment: field(&f, "comment").unwrap_or("").to_string(),
            evidence_ids: f
                .iter()
                .filter(|(k, _)| k == "evidence")
                .map(|(_, v)| v.clone())
                .collect(),
        },
        submit,
    });
    let result = match parsed {
        Ok(score) if submit && !confirm::is_confirmed(&f) => {
            // Only a score the workflow would take is worth confirming.
            let (who, it, mut draft) = (caller.principal.clone(), item.clone(), score.clone());
            draft.submit = false;
            let checked = state
                .db(move |conn| Ok(scoring::check_score_request(conn, &who, id, &it, &draft)?))
                .await;
            match checked {
                Ok(()) => {
                    return confirm::page(
                        &state.templates,
                        &visitor,
                        &req,
                        Confirmation {
                            title_key: "panels.confirm_score_title",
                            question_key: "panels.confirm_score_question",
                            args: vec![("item", item.clone())],
                            fields: &f,
                            back: &back,
                        },
                    )
                }
                Err(e) => Err(e),
            }
        }
        Ok(score) => {
            let (who, address, it) = (
                caller.principal.clone(),
                caller.address.clone(),
                item.clone(),
            );
            state
                .db(move |conn| {
                    Ok(scoring::record_score(
                        conn, &who, id, &it, &score, &address,
                    )?)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back_to(&format!("{back}#item-{item}"))),
        Err(e) => {
            let form = FormState::refused(&f, e, visitor.lang, Some(&item))?;
            render(
                &state,
                caller,
                &visitor,
                &req,
                id,
                (&form, Some(Refused::Score), &[]),
            )
            .await
        }
    }
}

/// The lead's consolidation form: `level_<item>` and `rationale_<item>` per item. It
/// asks for confirmation; a refusal keeps every choice and rationale typed.
pub async fn consolidate_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let back = format!("/applications/{id}/assessment");
    let mut items = Vec::new();
    let mut unreadable = None;
    for (k, v) in &f {
        if let Some(item) = k.strip_prefix("level_") {
            let level = match level_field(Some(v)) {
                Ok(l) => l,
                Err(e) => {
                    unreadable.get_or_insert(e);
                    None
                }
            };
            let rationale = field(&f, &format!("rationale_{item}")).unwrap_or("");
            items.push(crate::workflow::scoring::ConsolidatedInput {
                item: item.to_string(),
                level,
                // "Not applicable" takes its reason from the rationale; no choice at all
                // is no level and is refused as such.
                not_applicable_reason: (v == "na").then(|| rationale.to_string()),
                rationale: rationale.to_string(),
            });
        }
    }
    let result = match unreadable {
        Some(e) => Err(e),
        None if !confirm::is_confirmed(&f) => {
            let (who, req_items) = (caller.principal.clone(), items.clone());
            let checked = state
                .db(move |conn| {
                    Ok(scoring::check_consolidation(
                        conn,
                        &who,
                        id,
                        &ConsolidationRequest { items: req_items },
                    )?)
                })
                .await;
            match checked {
                Ok(()) => {
                    return confirm::page(
                        &state.templates,
                        &visitor,
                        &req,
                        Confirmation {
                            title_key: "panels.confirm_consolidation_title",
                            question_key: "panels.confirm_consolidation_question",
                            args: vec![],
                            fields: &f,
                            back: &back,
                        },
                    )
                }
                Err(e) => Err(e),
            }
        }
        None => {
            let (who, address) = (caller.principal.clone(), caller.address.clone());
            state
                .db(move |conn| {
                    Ok(scoring::consolidate(
                        conn,
                        &who,
                        id,
                        &ConsolidationRequest { items },
                        &address,
                    )?)
                })
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(back_to(&back)),
        Err(e) => {
            let item = item_named(&e);
            let form = FormState::refused(&f, e, visitor.lang, item.as_deref())?;
            render(
                &state,
                caller,
                &visitor,
                &req,
                id,
                (&form, Some(Refused::Consolidation), &[]),
            )
            .await
        }
    }
}

/// The lead sends the scored application to the review panel, after confirming.
pub async fn send_to_review_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let back = format!("/applications/{id}/assessment");
    if !confirm::is_confirmed(&f) {
        let who = caller.principal.clone();
        if let Err(e) = state
            .db(move |conn| Ok(scoring::check_send_to_review(conn, &who, id)?))
            .await
        {
            let form = FormState::refused(&f, e, visitor.lang, None)?;
            return render(
                &state,
                caller,
                &visitor,
                &req,
                id,
                (&form, Some(Refused::SendToReview), &[]),
            )
            .await;
        }
        return confirm::page(
            &state.templates,
            &visitor,
            &req,
            Confirmation {
                title_key: "panels.confirm_send_title",
                question_key: "panels.confirm_send_question",
                args: vec![],
                fields: &f,
                back: &back,
            },
        );
    }
    let caller_again = caller.clone();
    let result = state
        .db(move |conn| {
            Ok(scoring::send_to_review(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await;
    match result {
        Ok(()) => Ok(back_to(&back)),
        Err(e) => {
            let form = FormState::refused(&f, e, visitor.lang, None)?;
            render(
                &state,
                caller_again,
                &visitor,
                &req,
                id,
                (&form, Some(Refused::SendToReview), &[]),
            )
            .await
        }
    }
}
