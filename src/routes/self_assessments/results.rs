//! Results: the radar charts, the comparison with the previous assessment, the suggested
//! parts and applying for one in an open round.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::{load, see_other};
use crate::domain::calendar::{registration_status, RegistrationStatus, RegistrationWindow};
use crate::domain::i18n::Lang;
use crate::domain::ids::{ModelVersionId, RoundId, SelfAssessmentId};
use crate::domain::radar::{radar_svg, Series};
use crate::domain::self_assessment::{
    compare, projected, suggest_parts, Roadmap, SelfResult, Stage,
};
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::applications::{self, Draft};
use crate::workflow::queries;
use crate::workflow::self_assessments::{self as flow, Loaded};

fn stage_name(stage: Option<Stage>, lang: Lang) -> &'static str {
    stage.map_or("—", |s| s.name(lang))
}

fn mean(m: Option<f64>) -> String {
    m.map_or_else(|| "—".into(), |m| format!("{m:.2}"))
}

/// Radar size in the page, in pixels.
const RADAR_PX: u32 = 420;

fn radar(axes: &[&str], series: &[Series<'_>]) -> Result<String, AppError> {
    radar_svg(axes, 4.0, series, RADAR_PX).map_err(|e| AppError::internal(anyhow::anyhow!(e)))
}

fn area_means(r: &SelfResult) -> Vec<f64> {
    r.areas
        .iter()
        .map(|a| a.derived.mean.unwrap_or(0.0))
        .collect()
}

fn competency_values(r: &SelfResult, area: usize) -> Vec<f64> {
    r.areas[area]
        .competencies
        .iter()
        .map(|c| c.stage.map_or(0.0, |s| f64::from(s.get())))
        .collect()
}

fn series_names(lang: Lang) -> [&'static str; 3] {
    match lang {
        Lang::En => ["Current", "Target", "Previous"],
        Lang::Zh => ["当前", "目标", "上次"],
    }
}

#[derive(Serialize)]
struct CompetencyView {
    code: String,
    name: String,
    stage: Option<u8>,
    stage_name: &'static str,
    target: Option<u8>,
    owner: String,
    /// Stages a target may be set to: from the current stage up.
    target_choices: Vec<(u8, &'static str)>,
}

#[derive(Serialize)]
struct AreaView {
    code: String,
    name: String,
    stage_name: &'static str,
    mean: String,
    owner: String,
    radar: String,
    competencies: Vec<CompetencyView>,
}

#[derive(Serialize)]
struct DeltaView {
    name: String,
    before: &'static str,
    after: &'static str,
    mean_before: String,
    mean_after: String,
    change: String,
}

#[derive(Serialize)]
struct StepView {
    index: usize,
    quarter: u8,
    area: String,
    competency: String,
    code: String,
    from: u8,
    to: u8,
    from_name: &'static str,
    to_name: &'static str,
    owner: String,
}

#[derive(Serialize)]
struct RoundChoice {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct SuggestionView {
    part: &'static str,
    level: u8,
    mean: String,
    rounds: Vec<RoundChoice>,
}

fn step_views(roadmap: &Roadmap, lang: Lang) -> Vec<StepView> {
    let rows = roadmap.rows();
    roadmap
        .steps
        .iter()
        .zip(rows)
        .enumerate()
        .map(|(index, (s, r))| StepView {
            index,
            quarter: s.quarter,
            area: r.area.get(lang).to_string(),
            competency: r.competency.get(lang).to_string(),
            code: s.competency.clone(),
            from: s.from.get(),
            to: s.to.get(),
            from_name: s.from.name(lang),
            to_name: s.to.name(lang),
            owner: r.owner.unwrap_or("").to_string(),
        })
        .collect()
}

/// Open rounds (registration open now) per part code, for the suggestion buttons.
async fn open_rounds(
    state: &AppState,
    lang: Lang,
) -> Result<BTreeMap<String, Vec<RoundChoice>>, AppError> {
    let (rounds, calendars) = state
        .db(|conn| {
            Ok((
                queries::rounds::published_with_parts(conn)?,
                queries::rounds::calendars(conn)?,
            ))
        })
        .await?;
    let mut by_part: BTreeMap<String, Vec<RoundChoice>> = BTreeMap::new();
    for (r, parts) in rounds {
        let open = RegistrationWindow::new(r.registration_opens, r.registration_closes)
            .ok()
            .map(|w| registration_status(w, &calendars, Utc::now()))
            .is_some_and(|s| matches!(s, RegistrationStatus::Open));
        if !open {
            continue;
        }
        for p in parts {
            by_part.entry(p).or_default().push(RoundChoice {
                id: r.id.to_string(),
                name: if lang == Lang::En {
                    r.name_en.clone()
                } else {
                    r.name_zh.clone()
                },
            });
        }
    }
    Ok(by_part)
}

pub async fn result_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<SelfAssessmentId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let lang = caller.lang;
    let (loaded, previous) = state
        .db(move |conn| {
            let loaded = flow::load(conn, &caller.principal, id)?;
            let previous = flow::previous(conn, &loaded)?;
            Ok((loaded, previous))
        })
        .await?;
    let names = series_names(lang);
    let r = &loaded.result;
    let roadmap = loaded.roadmap.as_ref();
    let target_of = |code: &str| {
        roadmap.and_then(|m| {
            m.areas
                .iter()
                .flat_map(|a| &a.competencies)
                .find(|c| c.code == code)
        })
    };
    let targets = {
        let mut t = crate::domain::self_assessment::Targets::new();
        if let Some(m) = roadmap {
            for c in m.areas.iter().flat_map(|a| &a.competencies) {
                t.set(&c.code, c.target);
            }
        }
        t
    };
    let target_result = roadmap.map(|_| projected(r, &targets));

    let area_axes: Vec<&str> = r.areas.iter().map(|a| a.name.get(lang)).collect();
    let current_values = area_means(r);
    let mut overall_series = vec![Series {
        name: names[0],
        values: &current_values,
        class: "current",
    }];
    let previous_values = previous.as_ref().map(|(_, p)| area_means(p));
    if let Some(v) = &previous_values {
        if v.len() == current_values.len() {
            overall_series.push(Series {
                name: names[2],
                values: v,
                class: "previous",
            });
        }
    }
    let overall_radar = radar(&area_axes, &overall_series)?;
    let target_radar = match &target_result {
        Some(t) => {
            let tv = area_means(t);
            Some(radar(
                &area_axes,
                &[
                    Series {
                        name: names[0],
                        values: &current_values,
                        class: "current",
                    },
                    Series {
                        name: names[1],
                        values: &tv,
                        class: "target",
                    },
                ],
            )?)
        }
        None => None,
    };

    let mut areas = Vec::new();
    for (i, a) in r.areas.iter().enumerate() {
        let axes: Vec<&str> = a.competencies.iter().map(|c| c.name.get(lang)).collect();
        let values = competency_values(r, i);
        let mut series = vec![Series {
            name: names[0],
            values: &values,
            class: "current",
        }];
        let tv = target_result.as_ref().map(|t| competency_values(t, i));
        if let Some(tv) = &tv {
            series.push(Series {
                name: names[1],
                values: tv,
                class: "target",
            });
        }
        let svg = if axes.len() >= 3 {
            radar(&axes, &series)?
        } else {
            String::new()
        };
        let owner = roadmap
            .and_then(|m| m.areas.iter().find(|p| p.code == a.code))
            .and_then(|p| p.owner.clone())
            .unwrap_or_default();
        areas.push(AreaView {
            code: a.code.clone(),
            name: a.name.get(lang).to_string(),
            stage_name: stage_name(a.derived.stage, lang),
            mean: mean(a.derived.mean),
            owner,
            radar: svg,
            competencies: a
                .competencies
                .iter()
                .map(|c| {
                    let planned = target_of(&c.code);
                    CompetencyView {
                        code: c.code.clone(),
                        name: c.name.get(lang).to_string(),
                        stage: c.stage.map(Stage::get),
                        stage_name: stage_name(c.stage, lang),
                        target: planned.map(|p| p.target.get()),
                        owner: planned.and_then(|p| p.owner.clone()).unwrap_or_default(),
                        target_choices: Stage::ALL
                            .iter()
                            .filter(|s| c.stage.is_some_and(|now| **s >= now))
                            .map(|s| (s.get(), s.name(lang)))
                            .collect(),
                    }
                })
                .collect(),
        });
    }

    let comparison: Option<(String, Vec<DeltaView>)> = previous.as_ref().map(|(row, p)| {
        let c = compare(p, r);
        let mut rows: Vec<DeltaView> = c
            .areas
            .iter()
            .map(|a| DeltaView {
                name: a.name.get(lang).to_string(),
                before: stage_name(a.change.before.stage, lang),
                after: stage_name(a.change.after.stage, lang),
                mean_before: mean(a.change.before.mean),
                mean_after: mean(a.change.after.mean),
                change: a
                    .change
                    .mean
                    .map_or_else(|| "—".into(), |d| format!("{d:+.2}")),
            })
            .collect();
        rows.push(DeltaView {
            name: if lang == Lang::En {
                "Overall"
            } else {
                "总体"
            }
            .into(),
            before: stage_name(c.overall.before.stage, lang),
            after: stage_name(c.overall.after.stage, lang),
            mean_before: mean(c.overall.before.mean),
            mean_after: mean(c.overall.after.mean),
            change: c
                .overall
                .mean
                .map_or_else(|| "—".into(), |d| format!("{d:+.2}")),
        });
        let date = row
            .completed_at
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        (date, rows)
    });

    let suggestions = if r.is_complete() {
        let mut open = open_rounds(&state, lang).await?;
        suggest_parts(r)
            .into_iter()
            .map(|s| SuggestionView {
                part: s.part,
                level: s.level,
                mean: format!("{:.2}", s.mean),
                rounds: open.remove(s.part).unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };

    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("id", &loaded.row.id);
    ctx.insert(
        "started_at",
        &loaded.row.started_at.format("%Y-%m-%d %H:%M").to_string(),
    );
    ctx.insert(
        "completed_at",
        &loaded
            .row
            .completed_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
    );
    ctx.insert("missing", &r.missing.len());
    ctx.insert("overall_stage", stage_name(r.overall.stage, lang));
    ctx.insert("overall_mean", &mean(r.overall.mean));
    ctx.insert("overall_radar", &overall_radar);
    ctx.insert("target_radar", &target_radar);
    ctx.insert("areas", &areas);
    ctx.insert("comparison", &comparison);
    ctx.insert("suggestions", &suggestions);
    ctx.insert("quarters", &roadmap.map_or(4, |m| m.quarters));
    ctx.insert(
        "steps",
        &roadmap.map(|m| step_views(m, lang)).unwrap_or_default(),
    );
    page(&state.templates, "pages/self_assessment/result.html", &ctx)
}

#[derive(Serialize)]
struct AssessmentJson<'a> {
    id: SelfAssessmentId,
    model_version_id: ModelVersionId,
    started_at: String,
    completed_at: Option<String>,
    answered: usize,
    total: usize,
    result: &'a SelfResult,
    roadmap: Option<&'a Roadmap>,
    suggestions: Vec<crate::domain::self_assessment::Suggestion>,
}

fn json_of(l: &Loaded) -> serde_json::Value {
    let (answered, total) = crate::domain::self_assessment::progress(&l.model, &l.answers);
    serde_json::to_value(AssessmentJson {
        id: l.row.id,
        model_version_id: l.row.model_version_id,
        started_at: l.row.started_at.and_utc().to_rfc3339(),
        completed_at: l.row.completed_at.map(|t| t.and_utc().to_rfc3339()),
        answered,
        total,
        result: &l.result,
        roadmap: l.roadmap.as_ref(),
        suggestions: if l.result.is_complete() {
            suggest_parts(&l.result)
        } else {
            Vec::new()
        },
    })
    .unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v1/self-assessments/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, description = "result, roadmap, suggestions"), (status = 404)), security(("bearer" = [])))]
/// One self-assessment with its result, roadmap and suggestions.
pub async fn detail_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
) -> Result<HttpResponse, AppError> {
    let loaded = load(&state, caller.principal, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json_of(&loaded)))
}

#[derive(Deserialize)]
pub struct ApplyForm {
    round_id: String,
    part: String,
    level: i64,
    scope: String,
}

/// Starts a draft application for a suggested part in an open round, with the
/// enterprise's registered contact.
pub async fn apply_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    // A malformed round id names no round, as an unknown one does.
    let round_id: RoundId = f.round_id.parse().map_err(|_| AppError::NotFound)?;
    state
        .db(move |conn| {
            let row = flow::visible(conn, &caller.principal, id)?;
            let ent =
                queries::enterprises::get(conn, row.enterprise_id)?.ok_or(AppError::NotFound)?;
            let draft = Draft {
                part_code: f.part,
                target_level: f.level,
                scope: f.scope,
                scope_en: None,
                contact_name: ent.contact_name,
                contact_email: ent.contact_email,
                directory_consent: false,
                renews: None,
            };
            Ok(applications::create(
                conn,
                &caller.principal,
                round_id,
                &draft,
                &caller.address,
            )?)
        })
        .await?;
    Ok(see_other(&format!("/rounds/{round_id}")))
}
