//! DevSecOps self-assessment: questionnaire, results with radar charts, targets and the
//! quarterly roadmap (pages, API, CSV and PDF exports). Enterprise members only; another
//! enterprise's assessment answers 404.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::db::models::{enterprise, round};
use crate::domain::access::Principal;
use crate::domain::calendar::{registration_status, RegistrationStatus, RegistrationWindow};
use crate::domain::catalog::Bilingual;
use crate::domain::i18n::Lang;
use crate::domain::radar::{radar_svg, Series};
use crate::domain::self_assessment::{
    compare, projected, roadmap_csv, suggest_parts, Roadmap, SelfResult, Stage,
};
use crate::error::AppError;
use crate::pdf::Fonts;
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::applications::{self, Draft};
use crate::workflow::self_assessment::{self as flow, Loaded, PlanInput, StepInput, TargetInput};

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

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

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Serialize)]
struct ListItem {
    id: String,
    started_at: String,
    completed_at: Option<String>,
}

pub async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let rows = state.db(move |conn| Ok(flow::list(conn, &who)?)).await?;
    let items: Vec<ListItem> = rows
        .into_iter()
        .map(|r| ListItem {
            id: r.id,
            started_at: r.started_at.format("%Y-%m-%d %H:%M").to_string(),
            completed_at: r
                .completed_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("assessments", &items);
    page(&state.templates, "pages/self_assessment/list.html", &ctx)
}

pub async fn start_page(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = state.db(move |conn| Ok(flow::start(conn, &who)?)).await?;
    Ok(see_other(&format!("/self-assessments/{id}/areas/0")))
}

#[derive(Serialize)]
struct Choice {
    stage: u8,
    name: String,
    criterion: String,
}

#[derive(Serialize)]
struct Question {
    code: String,
    name: String,
    answer: Option<u8>,
    choices: Vec<Choice>,
}

#[derive(Serialize)]
struct AreaTab {
    index: usize,
    name: String,
    answered: usize,
    total: usize,
}

async fn load(state: &AppState, who: Principal, id: String) -> Result<Loaded, AppError> {
    state.db(move |conn| Ok(flow::load(conn, &who, &id)?)).await
}

pub async fn area_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let (id, index) = path.into_inner();
    let loaded = load(&state, who, id.clone()).await?;
    let lang = visitor.lang;
    let domains: Vec<_> = loaded.model.parts.iter().flat_map(|p| &p.domains).collect();
    let area = domains.get(index).ok_or(AppError::NotFound)?;
    let tabs: Vec<AreaTab> = domains
        .iter()
        .enumerate()
        .map(|(i, d)| AreaTab {
            index: i,
            name: d.name.get(lang).to_string(),
            answered: d
                .items
                .iter()
                .filter(|it| loaded.answers.get(&it.code).is_some())
                .count(),
            total: d.items.len(),
        })
        .collect();
    let questions: Vec<Question> = area
        .items
        .iter()
        .map(|item| Question {
            code: item.code.clone(),
            name: item.name.get(lang).to_string(),
            answer: loaded.answers.get(&item.code).map(Stage::get),
            choices: item
                .criteria
                .iter()
                .enumerate()
                .map(|(k, c)| Choice {
                    stage: (k + 1) as u8,
                    name: loaded
                        .model
                        .levels
                        .get(k)
                        .map(|l| l.name.get(lang).to_string())
                        .unwrap_or_default(),
                    criterion: c.get(lang).to_string(),
                })
                .collect(),
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("id", &id);
    ctx.insert("index", &index);
    ctx.insert("area_name", area.name.get(lang));
    ctx.insert("tabs", &tabs);
    ctx.insert("questions", &questions);
    ctx.insert("is_last", &(index + 1 == domains.len()));
    ctx.insert("completed", &loaded.row.completed_at.is_some());
    page(&state.templates, "pages/self_assessment/area.html", &ctx)
}

/// Saves one area's answers (fields named by competency code, value 1..4) and goes on to
/// the next area, or to the results after the last.
pub async fn save_area_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, usize)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let (id, index) = path.into_inner();
    let mut given = Vec::new();
    for (k, v) in form.into_inner() {
        if k == "csrf_token" || k == "lang" || v.is_empty() {
            continue;
        }
        let stage = v
            .parse::<i64>()
            .map_err(|_| AppError::Unprocessable(format!("{k}: '{v}' is not a stage")))?;
        given.push((k, stage));
    }
    let sid = id.clone();
    let areas = state
        .db(move |conn| {
            flow::save_answers(conn, &who, &sid, &given)?;
            Ok(flow::load(conn, &who, &sid)?.result.areas.len())
        })
        .await?;
    Ok(if index + 1 < areas {
        see_other(&format!("/self-assessments/{id}/areas/{}", index + 1))
    } else {
        see_other(&format!("/self-assessments/{id}"))
    })
}

pub async fn complete_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let sid = id.clone();
    state
        .db(move |conn| Ok(flow::complete(conn, &who, &sid)?))
        .await?;
    Ok(see_other(&format!("/self-assessments/{id}")))
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
    let rounds = state
        .db(|conn| {
            let mut out = Vec::new();
            for r in round::list(conn)? {
                let parts = round::parts(conn, &r.id)?;
                out.push((r, parts));
            }
            Ok(out)
        })
        .await?;
    let mut by_part: BTreeMap<String, Vec<RoundChoice>> = BTreeMap::new();
    for (r, parts) in rounds {
        let open = RegistrationWindow::new(r.registration_opens, r.registration_closes)
            .ok()
            .map(|w| registration_status(w, &state.calendars, Utc::now()))
            .is_some_and(|s| matches!(s, RegistrationStatus::Open));
        if !open {
            continue;
        }
        for p in parts {
            by_part.entry(p).or_default().push(RoundChoice {
                id: r.id.clone(),
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
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let lang = visitor.lang;
    let (loaded, previous) = state
        .db(move |conn| {
            let loaded = flow::load(conn, &who, &id)?;
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

/// The targets form: `quarters`, `target.<code>`, `owner.<code>`, `area_owner.<area>`.
pub async fn targets_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let mut input = PlanInput {
        quarters: 4,
        targets: BTreeMap::new(),
        area_owners: BTreeMap::new(),
    };
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form.into_inner() {
        if k == "quarters" {
            input.quarters = v.parse().map_err(|_| {
                AppError::Unprocessable(format!("'{v}' is not a number of quarters"))
            })?;
        } else if let Some(code) = k.strip_prefix("target.") {
            if v.is_empty() {
                continue;
            }
            let stage = v
                .parse()
                .map_err(|_| AppError::Unprocessable(format!("{code}: '{v}' is not a stage")))?;
            input
                .targets
                .insert(code.to_string(), TargetInput { stage, owner: None });
        } else if let Some(code) = k.strip_prefix("owner.") {
            owners.insert(code.to_string(), v);
        } else if let Some(area) = k.strip_prefix("area_owner.") {
            if !v.trim().is_empty() {
                input.area_owners.insert(area.to_string(), v);
            }
        }
    }
    for (code, owner) in owners {
        if let Some(t) = input.targets.get_mut(&code) {
            t.owner = Some(owner);
        }
    }
    let sid = id.clone();
    state
        .db(move |conn| Ok(flow::set_targets(conn, &who, &sid, &input)?))
        .await?;
    Ok(see_other(&format!("/self-assessments/{id}#roadmap")))
}

/// The roadmap edit form: `quarter.<index>` per step, in the stored order.
pub async fn roadmap_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let quarters: BTreeMap<usize, i64> = form
        .into_inner()
        .into_iter()
        .filter_map(|(k, v)| {
            let i = k.strip_prefix("quarter.")?.parse().ok()?;
            Some(v.parse().map(|q| (i, q)).map_err(|_| v))
        })
        .collect::<Result<_, _>>()
        .map_err(|v| AppError::Unprocessable(format!("'{v}' is not a quarter")))?;
    let sid = id.clone();
    state
        .db(move |conn| {
            let loaded = flow::load(conn, &who, &sid)?;
            let roadmap = loaded.roadmap.ok_or_else(|| {
                AppError::Conflict("set targets first; the roadmap is planned from them".into())
            })?;
            let steps: Vec<StepInput> = roadmap
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepInput {
                    quarter: quarters.get(&i).copied().unwrap_or(i64::from(s.quarter)),
                    competency: s.competency.clone(),
                    from: i64::from(s.from.get()),
                    to: i64::from(s.to.get()),
                })
                .collect();
            Ok(flow::edit_roadmap(conn, &who, &sid, &steps)?)
        })
        .await?;
    Ok(see_other(&format!("/self-assessments/{id}#roadmap")))
}

async fn roadmap_of(state: &AppState, who: Principal, id: String) -> Result<Loaded, AppError> {
    let loaded = load(state, who, id).await?;
    if loaded.roadmap.is_none() {
        return Err(AppError::Conflict(
            "set targets first; the roadmap is planned from them".into(),
        ));
    }
    Ok(loaded)
}

pub async fn roadmap_csv_export(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let loaded = roadmap_of(&state, who, path.into_inner()).await?;
    let roadmap = loaded.roadmap.as_ref().expect("checked");
    let csv = roadmap_csv(roadmap, visitor.lang);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"devsecops-roadmap.csv\"",
        ))
        .body(csv))
}

/// Fonts for PDF reports (see [`crate::pdf::shared_fonts`]).
fn fonts() -> Result<&'static Fonts, AppError> {
    crate::pdf::shared_fonts().map_err(|e| AppError::internal(anyhow::anyhow!("fonts: {e}")))
}

pub async fn roadmap_pdf_export(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let loaded = roadmap_of(&state, who, path.into_inner()).await?;
    let enterprise_id = loaded.row.enterprise_id.clone();
    let ent = state
        .db(move |conn| enterprise::get(conn, &enterprise_id)?.ok_or(AppError::NotFound))
        .await?;
    let name = Bilingual {
        zh: ent.name_zh.clone(),
        en: ent.name_en.clone().unwrap_or(ent.name_zh),
    };
    let pdf = web::block(move || -> Result<Vec<u8>, AppError> {
        let fonts = fonts()?;
        crate::pdf::report::render_roadmap(&loaded.report(), &name, fonts)
            .map_err(|e| AppError::Unprocessable(e.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"devsecops-roadmap.pdf\"",
        ))
        .body(pdf))
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
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let f = form.into_inner();
    let round_id = f.round_id.clone();
    let address = visitor.address.clone();
    state
        .db(move |conn| {
            let row = flow::visible(conn, &who, &id)?;
            let ent = enterprise::get(conn, &row.enterprise_id)?.ok_or(AppError::NotFound)?;
            let draft = Draft {
                part_code: f.part,
                target_level: f.level,
                scope: f.scope,
                contact_name: ent.contact_name,
                contact_email: ent.contact_email,
            };
            Ok(applications::create(
                conn,
                &who,
                &f.round_id,
                &draft,
                &address,
            )?)
        })
        .await?;
    Ok(see_other(&format!("/rounds/{round_id}")))
}

// ---------------------------------------------------------------------------------------
// API

#[derive(Serialize)]
struct AssessmentJson<'a> {
    id: &'a str,
    model_version_id: &'a str,
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
        id: &l.row.id,
        model_version_id: &l.row.model_version_id,
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

#[utoipa::path(post, path = "/api/v1/self-assessments", responses((status = 201, description = "started"), (status = 422, description = "no registered enterprise")), security(("bearer" = [])))]
/// Starts a self-assessment of the caller's enterprise.
pub async fn start_api(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = state.db(move |conn| Ok(flow::start(conn, &who)?)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

#[utoipa::path(get, path = "/api/v1/self-assessments", responses((status = 200, description = "the enterprise's self-assessments, newest first")), security(("bearer" = [])))]
/// The caller's enterprise's self-assessments, newest first.
pub async fn list_api(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let rows = state.db(move |conn| Ok(flow::list(conn, &who)?)).await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(get, path = "/api/v1/self-assessments/{id}", params(("id" = String, Path)), responses((status = 200, description = "result, roadmap, suggestions"), (status = 404)), security(("bearer" = [])))]
/// One self-assessment with its result, roadmap and suggestions.
pub async fn detail_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let loaded = load(&state, who, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json_of(&loaded)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswersBody {
    /// Competency code → stage 1..4.
    answers: BTreeMap<String, i64>,
}

#[utoipa::path(put, path = "/api/v1/self-assessments/{id}/answers", params(("id" = String, Path)), request_body = AnswersBody, responses((status = 200, description = "progress"), (status = 404), (status = 409, description = "completed"), (status = 422)), security(("bearer" = [])))]
/// Saves answers as the user goes.
pub async fn answers_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<AnswersBody>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let given: Vec<(String, i64)> = body.into_inner().answers.into_iter().collect();
    let (answered, total) = state
        .db(move |conn| Ok(flow::save_answers(conn, &who, &id, &given)?))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "answered": answered, "total": total })))
}

#[utoipa::path(post, path = "/api/v1/self-assessments/{id}/complete", params(("id" = String, Path)), responses((status = 200, description = "completed"), (status = 404), (status = 409, description = "unanswered competencies")), security(("bearer" = [])))]
pub async fn complete_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let at = state
        .db(move |conn| Ok(flow::complete(conn, &who, &id)?))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "completed_at": at.and_utc().to_rfc3339() })))
}

#[utoipa::path(put, path = "/api/v1/self-assessments/{id}/targets", params(("id" = String, Path)), request_body = PlanInput, responses((status = 200, description = "the planned roadmap"), (status = 404), (status = 422)), security(("bearer" = [])))]
/// Sets targets and owners; answers the planned roadmap.
pub async fn targets_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let input = body.into_inner();
    let roadmap = state
        .db(move |conn| Ok(flow::set_targets(conn, &who, &id, &input)?))
        .await?;
    Ok(HttpResponse::Ok().json(roadmap))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoadmapBody {
    steps: Vec<StepInput>,
}

#[utoipa::path(put, path = "/api/v1/self-assessments/{id}/roadmap", params(("id" = String, Path)), request_body = RoadmapBody, responses((status = 200, description = "the roadmap"), (status = 404), (status = 422, description = "every problem named, leapfrogging included")), security(("bearer" = [])))]
/// Replaces the roadmap's steps; 422 naming every problem (leapfrogging included).
pub async fn roadmap_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<RoadmapBody>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let steps = body.into_inner().steps;
    let roadmap = state
        .db(move |conn| Ok(flow::edit_roadmap(conn, &who, &id, &steps)?))
        .await?;
    Ok(HttpResponse::Ok().json(roadmap))
}
