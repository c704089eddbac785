//! The secretariat's round forms: a new round (a draft), changing one, publishing one
//! (after a confirmation page). A refused form comes back with what was typed and the
//! message beside its field.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::{beijing_today, one};
use crate::domain::audit::Actor;
use crate::domain::ids::{ModelVersionId, RoundId};
use crate::domain::round::{Editable, RoundInput};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::confirm::{self, Confirmation};
use crate::web::render::{base_context, page_with_form, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::rounds;

type Fields = Vec<(String, String)>;

const DATES: [&str; 5] = [
    "registration_opens",
    "registration_closes",
    "assessment_starts",
    "assessment_ends",
    "results_on",
];

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

fn chosen_parts(fields: &Fields) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == "part")
        .map(|(_, v)| v.clone())
        .collect()
}

/// The form as the domain's input; a date that is not one is refused beside its field.
fn input(fields: &Fields) -> Result<RoundInput, (AppError, &'static str)> {
    let mut dates = Vec::new();
    for name in DATES {
        let text = field(fields, name);
        let date: NaiveDate = text.parse().map_err(|_| {
            (
                AppError::invalid(Code::RoundDateInvalid.with("found", text)),
                name,
            )
        })?;
        dates.push(date);
    }
    Ok(RoundInput {
        name_zh: field(fields, "name_zh").into(),
        name_en: field(fields, "name_en").into(),
        registration_opens: dates[0],
        registration_closes: dates[1],
        assessment_starts: dates[2],
        assessment_ends: dates[3],
        results_on: dates[4],
        parts: chosen_parts(fields),
    })
}

/// The field a refusal of the round rules belongs beside.
fn field_of(err: &AppError) -> Option<&'static str> {
    let AppError::Refused { reason, .. } = err else {
        return None;
    };
    Some(match reason.code {
        Code::RoundNameMissing => "name_zh",
        Code::RegistrationWindowReversed => "registration_closes",
        Code::RoundAssessmentTooEarly => "assessment_starts",
        Code::RoundAssessmentEndsFirst => "assessment_ends",
        Code::RoundResultsTooEarly => "results_on",
        Code::RoundNoParts | Code::RoundUnknownPart => "part",
        Code::ModelVersionUnknown
        | Code::RoundModelVersionIdInvalid
        | Code::RoundSelfAssessmentModel => "model_version_id",
        _ => return None,
    })
}

fn refused(
    fields: &Fields,
    err: AppError,
    field: Option<&str>,
    visitor: &Visitor,
) -> Result<FormState, AppError> {
    FormState::refused(fields, err, visitor.lang, field)
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

async fn render_new(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    form: FormState,
    parts: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let models = state.db(|conn| Ok(rounds::model_choices(conn)?)).await?;
    let ctx = with(base_context(visitor, req.path()), "models", &models);
    let ctx = with(ctx, "chosen_parts", &parts);
    page_with_form(&state.templates, "pages/rounds/new.html", ctx, &form)
}

pub async fn new_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    render_new(&state, &visitor, &req, FormState::default(), vec![]).await
}

/// Creates a draft round from the form and shows it.
pub async fn create_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let parts = chosen_parts(&fields);
    let outcome = match (
        field(&fields, "model_version_id").parse::<ModelVersionId>(),
        input(&fields),
    ) {
        (Err(_), _) => Err((
            AppError::invalid(Code::RoundModelVersionIdInvalid),
            Some("model_version_id"),
        )),
        (_, Err((e, name))) => Err((e, Some(name))),
        (Ok(version), Ok(input)) => {
            let actor = Actor::user(caller.principal.user_id, &caller.address);
            state
                .db(move |conn| Ok(rounds::create(conn, version, input, false, &actor)?))
                .await
                .map_err(|e| {
                    let f = field_of(&e);
                    (e, f)
                })
        }
    };
    match outcome {
        Ok(id) => Ok(see_other(format!("/rounds/{id}"))),
        Err((e, f)) => {
            let form = refused(&fields, e, f, &visitor)?;
            render_new(&state, &visitor, &req, form, parts).await
        }
    }
}

async fn render_edit(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    id: RoundId,
    form: Option<(FormState, Vec<String>)>,
) -> Result<HttpResponse, AppError> {
    let round = one(state, visitor, id).await?;
    let (choices, may) = state
        .db(move |conn| {
            Ok((
                rounds::part_choices(conn, id)?,
                rounds::what_may_change(conn, id, beijing_today())?,
            ))
        })
        .await?;
    let (form, parts) = form.unwrap_or_else(|| {
        let values = [
            ("name_zh", &round.name_zh),
            ("name_en", &round.name_en),
            ("registration_opens", &round.registration_opens),
            ("registration_closes", &round.registration_closes),
            ("assessment_starts", &round.assessment_starts),
            ("assessment_ends", &round.assessment_ends),
            ("results_on", &round.results_on),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
        (
            FormState {
                values,
                ..FormState::default()
            },
            round.parts.clone(),
        )
    });
    let ctx = with(base_context(visitor, req.path()), "round", &round);
    let ctx = with(ctx, "parts", &choices);
    let ctx = with(ctx, "chosen_parts", &parts);
    let ctx = with(ctx, "names_only", &(may == Editable::NamesOnly));
    page_with_form(&state.templates, "pages/rounds/edit.html", ctx, &form)
}

pub async fn edit_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    render_edit(&state, &visitor, &req, path.into_inner(), None).await
}

/// Changes the round as the domain allows and shows it.
pub async fn update_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<RoundId>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = form.into_inner();
    let parts = chosen_parts(&fields);
    let outcome = match input(&fields) {
        Err((e, name)) => Err((e, Some(name))),
        Ok(input) => {
            let actor = Actor::user(caller.principal.user_id, &caller.address);
            state
                .db(move |conn| Ok(rounds::update(conn, id, input, beijing_today(), &actor)?))
                .await
                .map_err(|e| {
                    let f = field_of(&e);
                    (e, f)
                })
        }
    };
    match outcome {
        Ok(()) => Ok(see_other(format!("/rounds/{id}"))),
        Err((e, f)) => {
            let form = refused(&fields, e, f, &visitor)?;
            render_edit(&state, &visitor, &req, id, Some((form, parts))).await
        }
    }
}

/// Publishes the draft after the confirmation page; a refusal (already published) shows
/// the round's page with the message.
pub async fn publish_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<RoundId>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = form.into_inner();
    if !confirm::is_confirmed(&fields) {
        let round = one(&state, &visitor, id).await?;
        let name = if visitor.lang == crate::domain::i18n::Lang::En {
            round.name_en
        } else {
            round.name_zh
        };
        return confirm::page(
            &state.templates,
            &visitor,
            &req,
            Confirmation {
                title_key: "confirm.publish_round.title",
                question_key: "confirm.publish_round.question",
                args: vec![("round", name)],
                fields: &fields,
                back: &format!("/rounds/{id}"),
            },
        );
    }
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    state
        .db(move |conn| Ok(rounds::publish(conn, id, &actor)?))
        .await?;
    Ok(see_other(format!("/rounds/{id}")))
}
