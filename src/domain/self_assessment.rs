//! The DevSecOps self-assessment, free of I/O: answers become stages by one rule, two
//! assessments compare, targets become a quarterly roadmap, and the result hints at which
//! CAICT parts are within reach.
//!
//! The rules follow the DevSecOps maturity white paper (shared seed 001): four stages,
//! competencies grouped in competency areas, "no shortcuts to advancing, and no ways to
//! leapfrog a level", low-maturity areas first, and an owner for each area and competency.
//! In the model file a competency area is a domain and a competency is an item.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroUsize;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::domain::catalog::{Bilingual, Domain, Item, Model};
use crate::domain::i18n::Lang;

/// A stage of DevSecOps maturity: 1 Beginner, 2 Intermediate, 3 Advanced, 4 Expert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Stage(u8);

/// The names of the model file's levels, repeated here so that refusals can name stages
/// without the model at hand; a test keeps the two in step.
const STAGE_NAMES: [(&str, &str); 4] = [
    ("初级", "Beginner"),
    ("中级", "Intermediate"),
    ("高级", "Advanced"),
    ("专家级", "Expert"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a stage is 1 (Beginner) to 4 (Expert), not {0}")]
pub struct StageOutOfRange(pub u8);

impl Stage {
    pub const BEGINNER: Stage = Stage(1);
    pub const INTERMEDIATE: Stage = Stage(2);
    pub const ADVANCED: Stage = Stage(3);
    pub const EXPERT: Stage = Stage(4);
    pub const ALL: [Stage; 4] = [Stage(1), Stage(2), Stage(3), Stage(4)];

    pub fn new(n: u8) -> Result<Stage, StageOutOfRange> {
        if (1..=4).contains(&n) {
            Ok(Stage(n))
        } else {
            Err(StageOutOfRange(n))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The stage one up; `None` at Expert.
    pub fn next(self) -> Option<Stage> {
        Stage::new(self.0 + 1).ok()
    }

    pub fn name(self, lang: Lang) -> &'static str {
        let (zh, en) = STAGE_NAMES[usize::from(self.0 - 1)];
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl TryFrom<u8> for Stage {
    type Error = StageOutOfRange;
    fn try_from(n: u8) -> Result<Stage, StageOutOfRange> {
        Stage::new(n)
    }
}

impl From<Stage> for u8 {
    fn from(s: Stage) -> u8 {
        s.0
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name(Lang::En))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("{0} is not a competency of this model")]
    UnknownCompetency(String),
    #[error("the model has {levels} stages; stage {stage} is not one of them")]
    StageNotInModel { stage: u8, levels: usize },
}

/// The answers so far, competency code → stage. A competency absent from the map is
/// unanswered: progress is saved as the user goes, so partial answers are normal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<String, Stage>);

impl Answers {
    pub fn new() -> Answers {
        Answers::default()
    }

    pub fn answer(&mut self, model: &Model, code: &str, stage: Stage) -> Result<(), AnswerError> {
        if !items(model).any(|(_, item)| item.code == code) {
            return Err(AnswerError::UnknownCompetency(code.to_string()));
        }
        if usize::from(stage.get()) > model.levels.len() {
            return Err(AnswerError::StageNotInModel {
                stage: stage.get(),
                levels: model.levels.len(),
            });
        }
        self.0.insert(code.to_string(), stage);
        Ok(())
    }

    pub fn clear(&mut self, code: &str) {
        self.0.remove(code);
    }

    pub fn get(&self, code: &str) -> Option<Stage> {
        self.0.get(code).copied()
    }
}

fn items(model: &Model) -> impl Iterator<Item = (&Domain, &Item)> {
    model
        .parts
        .iter()
        .flat_map(|p| &p.domains)
        .flat_map(|d| d.items.iter().map(move |i| (d, i)))
}

/// How far the questionnaire is: (answered, total) competencies of `model`.
pub fn progress(model: &Model, answers: &Answers) -> (usize, usize) {
    let answered = items(model)
        .filter(|(_, i)| answers.get(&i.code).is_some())
        .count();
    (answered, model.item_count())
}

/// A stage with the mean it was derived from. The mean (1.0 to 4.0) shows progress inside a
/// stage and is what the radar draws; `None` when nothing below was answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    pub stage: Option<Stage>,
    pub mean: Option<f64>,
}

impl Derived {
    fn of(stage: Option<Stage>) -> Derived {
        Derived {
            stage,
            mean: stage.map(|s| f64::from(s.get())),
        }
    }
}

/// THE rule from answers to stages, applied twice: to the competencies of an area, and to
/// the areas of the whole assessment.
///
/// - The stage is the LOWEST stage among the answered parts. The weakest competency holds
///   its area back and the weakest area holds the organisation back: the seed warns that
///   "an organization with low maturity in one area will likely not be able to advance
///   overall very quickly until the lowest maturity areas are addressed".
/// - The mean of the answered parts is reported beside it, for the radar and to show
///   progress inside a stage; the overall mean is the mean of the area means, so every
///   area weighs the same whatever its number of competencies.
/// - Unanswered parts are left out; with nothing answered there is no stage and no mean.
fn derive(parts: impl IntoIterator<Item = Derived>) -> Derived {
    let mut stage: Option<Stage> = None;
    let (mut sum, mut count) = (0.0, 0u32);
    for part in parts {
        if let Some(s) = part.stage {
            stage = Some(stage.map_or(s, |lowest| lowest.min(s)));
        }
        if let Some(m) = part.mean {
            sum += m;
            count += 1;
        }
    }
    Derived {
        stage,
        mean: (count > 0).then(|| sum / f64::from(count)),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetencyResult {
    pub code: String,
    pub name: Bilingual,
    /// The answer itself; `None` while unanswered.
    pub stage: Option<Stage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaResult {
    pub code: String,
    pub name: Bilingual,
    pub derived: Derived,
    pub competencies: Vec<CompetencyResult>,
}

/// A self-assessment's result, in the questionnaire's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfResult {
    pub areas: Vec<AreaResult>,
    pub overall: Derived,
    /// Codes of the competencies still unanswered; empty when the assessment is complete.
    pub missing: Vec<String>,
}

impl SelfResult {
    fn from_areas(mut areas: Vec<AreaResult>) -> SelfResult {
        for area in &mut areas {
            area.derived = derive(area.competencies.iter().map(|c| Derived::of(c.stage)));
        }
        let overall = derive(areas.iter().map(|a| a.derived));
        let missing = areas
            .iter()
            .flat_map(|a| &a.competencies)
            .filter(|c| c.stage.is_none())
            .map(|c| c.code.clone())
            .collect();
        SelfResult {
            areas,
            overall,
            missing,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    pub fn competency(&self, code: &str) -> Option<(&AreaResult, &CompetencyResult)> {
        self.areas.iter().find_map(|a| {
            a.competencies
                .iter()
                .find(|c| c.code == code)
                .map(|c| (a, c))
        })
    }
}

/// The result of `answers` on `model`; every area of every part is a competency area. The
/// stages follow the one rule documented on `derive`: a competency's stage is its answer,
/// an area's stage the lowest of its competencies, the overall stage the lowest area's.
pub fn assess(model: &Model, answers: &Answers) -> SelfResult {
    let areas = model
        .parts
        .iter()
        .flat_map(|p| &p.domains)
        .map(|d| AreaResult {
            code: d.code.clone(),
            name: d.name.clone(),
            derived: Derived::default(),
            competencies: d
                .items
                .iter()
                .map(|i| CompetencyResult {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    stage: answers.get(&i.code),
                })
                .collect(),
        })
        .collect();
    SelfResult::from_areas(areas)
}

/// What the result would be with every target reached, by the same rule; the target
/// series of the current-vs-target radar. Competencies without a target stay where they are.
pub fn projected(current: &SelfResult, targets: &Targets) -> SelfResult {
    let mut areas = current.areas.clone();
    for c in areas.iter_mut().flat_map(|a| &mut a.competencies) {
        if let Some(t) = targets.get(&c.code) {
            c.stage = Some(t);
        }
    }
    SelfResult::from_areas(areas)
}

/// Change of a stage and its mean; `None` where either side has nothing to compare.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DerivedDelta {
    pub before: Derived,
    pub after: Derived,
    pub stage: Option<i8>,
    pub mean: Option<f64>,
}

impl DerivedDelta {
    fn between(before: Derived, after: Derived) -> DerivedDelta {
        DerivedDelta {
            before,
            after,
            stage: stage_delta(before.stage, after.stage),
            mean: before.mean.zip(after.mean).map(|(b, a)| a - b),
        }
    }
}

fn stage_delta(before: Option<Stage>, after: Option<Stage>) -> Option<i8> {
    before
        .zip(after)
        .map(|(b, a)| a.get() as i8 - b.get() as i8)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetencyDelta {
    pub code: String,
    pub name: Bilingual,
    pub before: Option<Stage>,
    pub after: Option<Stage>,
    pub delta: Option<i8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaDelta {
    pub code: String,
    pub name: Bilingual,
    pub change: DerivedDelta,
    pub competencies: Vec<CompetencyDelta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub areas: Vec<AreaDelta>,
    pub overall: DerivedDelta,
}

/// `current` against `previous`, matched by code and in `current`'s order. A competency or
/// area the previous assessment did not have (a newer model version) has no "before"; one
/// that `current` no longer has is not listed.
pub fn compare(previous: &SelfResult, current: &SelfResult) -> Comparison {
    let areas = current
        .areas
        .iter()
        .map(|area| {
            let before = previous.areas.iter().find(|a| a.code == area.code);
            AreaDelta {
                code: area.code.clone(),
                name: area.name.clone(),
                change: DerivedDelta::between(
                    before.map(|a| a.derived).unwrap_or_default(),
                    area.derived,
                ),
                competencies: area
                    .competencies
                    .iter()
                    .map(|c| {
                        let was = previous.competency(&c.code).and_then(|(_, p)| p.stage);
                        CompetencyDelta {
                            code: c.code.clone(),
                            name: c.name.clone(),
                            before: was,
                            after: c.stage,
                            delta: stage_delta(was, c.stage),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Comparison {
        areas,
        overall: DerivedDelta::between(previous.overall, current.overall),
    }
}

/// Target stage per competency code for the next 12 to 18 months. Checked against the
/// current result when a roadmap is planned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Targets(BTreeMap<String, Stage>);

impl Targets {
    pub fn new() -> Targets {
        Targets::default()
    }

    pub fn set(&mut self, code: &str, stage: Stage) {
        self.0.insert(code.to_string(), stage);
    }

    pub fn get(&self, code: &str) -> Option<Stage> {
        self.0.get(code).copied()
    }
}

/// Owner names by area code and by competency code. A competency without its own owner is
/// carried by its area's owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owners {
    pub areas: BTreeMap<String, String>,
    pub competencies: BTreeMap<String, String>,
}

fn owner_name(name: Option<&String>) -> Option<String> {
    name.map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// 12 to 18 months, the horizon the seed sets targets for.
pub const QUARTERS: RangeInclusive<u8> = 4..=6;

pub const DEFAULT_CAPACITY: usize = 8;

/// How many competency raises (one stage each) a quarter can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    Unlimited,
    PerQuarter(NonZeroUsize),
}

impl Default for Capacity {
    fn default() -> Capacity {
        Capacity::PerQuarter(NonZeroUsize::new(DEFAULT_CAPACITY).expect("the default is not zero"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCompetency {
    pub code: String,
    pub name: Bilingual,
    pub target: Stage,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedArea {
    pub code: String,
    pub name: Bilingual,
    pub owner: Option<String>,
    /// The competencies with a target, in questionnaire order.
    pub competencies: Vec<PlannedCompetency>,
}

/// One competency raised by one stage in one quarter (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub quarter: u8,
    pub competency: String,
    pub from: Stage,
    pub to: Stage,
}

/// A quarterly roadmap; editable, and re-checked by `check_roadmap` after every edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roadmap {
    pub quarters: u8,
    /// Every area of the assessment, with or without targets, so each can have an owner.
    pub areas: Vec<PlannedArea>,
    /// As planned: by quarter, and inside a quarter the lowest areas first.
    pub steps: Vec<Step>,
}

/// A step as shown in the page, the PDF and the CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadmapRow<'a> {
    pub quarter: u8,
    pub area: &'a Bilingual,
    pub competency: &'a Bilingual,
    pub from: Stage,
    pub to: Stage,
    /// The competency's owner, or else its area's.
    pub owner: Option<&'a str>,
}

impl Roadmap {
    fn planned(&self, code: &str) -> Option<(&PlannedArea, &PlannedCompetency)> {
        self.areas.iter().find_map(|a| {
            a.competencies
                .iter()
                .find(|c| c.code == code)
                .map(|c| (a, c))
        })
    }

    /// The steps in their order; a step for a competency without a target is left out
    /// (`check_roadmap` reports it).
    pub fn rows(&self) -> Vec<RoadmapRow<'_>> {
        self.steps
            .iter()
            .filter_map(|s| {
                let (area, c) = self.planned(&s.competency)?;
                Some(RoadmapRow {
                    quarter: s.quarter,
                    area: &area.name,
                    competency: &c.name,
                    from: s.from,
                    to: s.to,
                    owner: c.owner.as_deref().or(area.owner.as_deref()),
                })
            })
            .collect()
    }
}

/// Why targets cannot be planned or an edited roadmap is refused. Messages name the
/// competency in English; `code` lets a page point at the row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoadmapError {
    #[error("a roadmap covers 12 to 18 months, that is 4 to 6 quarters, not {0}")]
    QuarterCount(u8),
    #[error("{code} is not a competency of this self-assessment")]
    UnknownCompetency { code: String },
    #[error("{}: answer this competency before setting a target", name.en)]
    Unanswered { code: String, name: Bilingual },
    #[error("{}: the target {target} is below the current stage {current}; stages never go down", name.en)]
    TargetBelowCurrent {
        code: String,
        name: Bilingual,
        current: Stage,
        target: Stage,
    },
    #[error(
        "the targets need {raises} stage raises but {quarters} quarters of {capacity} raises allow {}; \
         lower some targets, plan more quarters or allow more raises per quarter",
        usize::from(*quarters) * capacity
    )]
    OverCapacity {
        raises: usize,
        quarters: u8,
        capacity: usize,
    },
    #[error("Q{quarter}: {code} has no target in this roadmap")]
    UnplannedStep { quarter: u8, code: String },
    #[error("{}: Q{quarter} is outside this roadmap of {quarters} quarters", name.en)]
    QuarterOutOfRange {
        code: String,
        name: Bilingual,
        quarter: u8,
        quarters: u8,
    },
    #[error("{}: raised twice in Q{quarter}; one stage per quarter, no leapfrogging", name.en)]
    TwoStepsInQuarter {
        code: String,
        name: Bilingual,
        quarter: u8,
    },
    #[error("{}: the step in Q{quarter} starts from {found}, but the competency is at {expected} by then", name.en)]
    StepMismatch {
        code: String,
        name: Bilingual,
        quarter: u8,
        expected: Stage,
        found: Stage,
    },
    #[error("{}: the step in Q{quarter} goes from {from} to {to}; a step raises the stage, stages never go down", name.en)]
    NotARaise {
        code: String,
        name: Bilingual,
        quarter: u8,
        from: Stage,
        to: Stage,
    },
    #[error(
        "{}: from {from} to {to} needs {} quarters, only 1 planned (Q{quarter}); no leapfrogging",
        name.en,
        to.get() - from.get()
    )]
    Leapfrog {
        code: String,
        name: Bilingual,
        quarter: u8,
        from: Stage,
        to: Stage,
    },
    #[error("{}: the roadmap ends at {reached} but the target is {target}", name.en)]
    TargetMissed {
        code: String,
        name: Bilingual,
        reached: Stage,
        target: Stage,
    },
}

/// Plans the quarters that take `current` to `targets`.
///
/// Each quarter raises a competency by at most one stage (no leapfrogging). With at most
/// three raises (Beginner to Expert) and at least four quarters every target fits in
/// time, so only the capacity can make targets impossible, which is refused up front.
/// Each quarter takes, up to the capacity, first the competencies that need a raise in
/// every remaining quarter (so no target is stranded), then the lowest areas first: by the
/// area's stage, then its mean, then the competency's own stage, as they stand after the
/// quarters already planned. This greedy choice always finishes when the total fits in
/// quarters × capacity.
pub fn plan_roadmap(
    current: &SelfResult,
    targets: &Targets,
    quarters: u8,
    owners: &Owners,
    capacity: Capacity,
) -> Result<Roadmap, RoadmapError> {
    if !QUARTERS.contains(&quarters) {
        return Err(RoadmapError::QuarterCount(quarters));
    }
    if let Some(code) = targets.0.keys().find(|c| current.competency(c).is_none()) {
        return Err(RoadmapError::UnknownCompetency { code: code.clone() });
    }

    let mut areas = Vec::new();
    let mut stages: Vec<Vec<Option<Stage>>> = Vec::new();
    let mut remaining: Vec<Vec<u8>> = Vec::new();
    for area in &current.areas {
        let mut planned = Vec::new();
        let mut needs = Vec::new();
        for c in &area.competencies {
            let need = match targets.get(&c.code) {
                None => 0,
                Some(target) => {
                    let Some(now) = c.stage else {
                        return Err(RoadmapError::Unanswered {
                            code: c.code.clone(),
                            name: c.name.clone(),
                        });
                    };
                    if target < now {
                        return Err(RoadmapError::TargetBelowCurrent {
                            code: c.code.clone(),
                            name: c.name.clone(),
                            current: now,
                            target,
                        });
                    }
                    planned.push(PlannedCompetency {
                        code: c.code.clone(),
                        name: c.name.clone(),
                        target,
                        owner: owner_name(owners.competencies.get(&c.code)),
                    });
                    target.get() - now.get()
                }
            };
            needs.push(need);
        }
        areas.push(PlannedArea {
            code: area.code.clone(),
            name: area.name.clone(),
            owner: owner_name(owners.areas.get(&area.code)),
            competencies: planned,
        });
        stages.push(area.competencies.iter().map(|c| c.stage).collect());
        remaining.push(needs);
    }

    let raises: usize = remaining.iter().flatten().map(|&n| usize::from(n)).sum();
    if let Capacity::PerQuarter(cap) = capacity {
        if raises > cap.get() * usize::from(quarters) {
            return Err(RoadmapError::OverCapacity {
                raises,
                quarters,
                capacity: cap.get(),
            });
        }
    }

    let mut steps = Vec::new();
    for quarter in 1..=quarters {
        let left = quarters - quarter + 1;
        let area_now: Vec<Derived> = stages
            .iter()
            .map(|a| derive(a.iter().map(|&s| Derived::of(s))))
            .collect();
        let priority = |&(a, c): &(usize, usize), &(b, d): &(usize, usize)| {
            area_now[a]
                .stage
                .cmp(&area_now[b].stage)
                .then(
                    area_now[a]
                        .mean
                        .unwrap_or(0.0)
                        .total_cmp(&area_now[b].mean.unwrap_or(0.0)),
                )
                .then(stages[a][c].cmp(&stages[b][d]))
                .then((a, c).cmp(&(b, d)))
        };
        let mut candidates: Vec<(usize, usize)> = remaining
            .iter()
            .enumerate()
            .flat_map(|(a, needs)| {
                needs
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| n > 0)
                    .map(move |(c, _)| (a, c))
            })
            .collect();
        candidates.sort_by(|x, y| {
            let urgent = |&(a, c): &(usize, usize)| remaining[a][c] == left;
            urgent(y).cmp(&urgent(x)).then(priority(x, y))
        });
        if let Capacity::PerQuarter(cap) = capacity {
            candidates.truncate(cap.get());
        }
        candidates.sort_by(priority);
        for (a, c) in candidates {
            let from = stages[a][c].expect("only answered competencies have targets");
            let to = from
                .next()
                .expect("a competency below its target is below Expert");
            steps.push(Step {
                quarter,
                competency: current.areas[a].competencies[c].code.clone(),
                from,
                to,
            });
            stages[a][c] = Some(to);
            remaining[a][c] -= 1;
        }
    }
    Ok(Roadmap {
        quarters,
        areas,
        steps,
    })
}

/// Checks a roadmap, typically after the user edited it, against the current result: every
/// step raises its competency by exactly one stage from where it stands, at most once a
/// quarter and inside the roadmap's quarters, and each competency ends at its target.
/// Every problem is reported, in a stable order.
pub fn check_roadmap(current: &SelfResult, roadmap: &Roadmap) -> Result<(), Vec<RoadmapError>> {
    let mut errors = Vec::new();
    if !QUARTERS.contains(&roadmap.quarters) {
        errors.push(RoadmapError::QuarterCount(roadmap.quarters));
    }
    for s in &roadmap.steps {
        if roadmap.planned(&s.competency).is_none() {
            errors.push(RoadmapError::UnplannedStep {
                quarter: s.quarter,
                code: s.competency.clone(),
            });
        }
    }
    for p in roadmap.areas.iter().flat_map(|a| &a.competencies) {
        let (code, name) = (p.code.clone(), p.name.clone());
        let Some((_, c)) = current.competency(&p.code) else {
            errors.push(RoadmapError::UnknownCompetency { code });
            continue;
        };
        let Some(now) = c.stage else {
            errors.push(RoadmapError::Unanswered { code, name });
            continue;
        };
        if p.target < now {
            errors.push(RoadmapError::TargetBelowCurrent {
                code,
                name,
                current: now,
                target: p.target,
            });
            continue;
        }
        let mut steps: Vec<&Step> = roadmap
            .steps
            .iter()
            .filter(|s| s.competency == p.code)
            .collect();
        steps.sort_by_key(|s| s.quarter);
        let mut reached = now;
        let mut last_quarter = None;
        for s in steps {
            let (code, name, quarter) = (code.clone(), name.clone(), s.quarter);
            if !(1..=roadmap.quarters).contains(&quarter) {
                errors.push(RoadmapError::QuarterOutOfRange {
                    code: code.clone(),
                    name: name.clone(),
                    quarter,
                    quarters: roadmap.quarters,
                });
            }
            if last_quarter == Some(quarter) {
                errors.push(RoadmapError::TwoStepsInQuarter {
                    code: code.clone(),
                    name: name.clone(),
                    quarter,
                });
            }
            last_quarter = Some(quarter);
            if s.from != reached {
                errors.push(RoadmapError::StepMismatch {
                    code: code.clone(),
                    name: name.clone(),
                    quarter,
                    expected: reached,
                    found: s.from,
                });
            }
            if s.to <= s.from {
                errors.push(RoadmapError::NotARaise {
                    code,
                    name,
                    quarter,
                    from: s.from,
                    to: s.to,
                });
            } else if s.to.get() > s.from.get() + 1 {
                errors.push(RoadmapError::Leapfrog {
                    code,
                    name,
                    quarter,
                    from: s.from,
                    to: s.to,
                });
            }
            reached = s.to;
        }
        if reached != p.target {
            errors.push(RoadmapError::TargetMissed {
                code,
                name,
                reached,
                target: p.target,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The roadmap as CSV (RFC 4180, CRLF line ends), one row per step: quarter, area,
/// competency, from stage, to stage, owner; headings and names in `lang`.
pub fn roadmap_csv(roadmap: &Roadmap, lang: Lang) -> String {
    let heading = match lang {
        Lang::En => [
            "Quarter",
            "Area",
            "Competency",
            "From stage",
            "To stage",
            "Owner",
        ],
        Lang::Zh => ["季度", "能力领域", "能力", "起始阶段", "目标阶段", "负责人"],
    };
    let mut out = String::new();
    push_record(&mut out, heading);
    for row in roadmap.rows() {
        let quarter = format!("Q{}", row.quarter);
        push_record(
            &mut out,
            [
                quarter.as_str(),
                row.area.get(lang),
                row.competency.get(lang),
                row.from.name(lang),
                row.to.name(lang),
                row.owner.unwrap_or(""),
            ],
        );
    }
    out
}

pub(crate) fn push_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(field));
    }
    out.push_str("\r\n");
}

/// One CSV cell. A cell that a spreadsheet would run as a formula (starting with = + - @,
/// or a tab or carriage return that some strip first) gets a leading single quote: owner
/// names are typed by users (OWASP "CSV injection"). Then RFC 4180 quoting.
pub(crate) fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A CAICT part the enterprise seems ready to apply for, and at which level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The part's code in the CAICT model: CD, TO, SEC or TOOL.
    pub part: &'static str,
    /// 2 to 5.
    pub level: u8,
    /// The mean stage it was drawn from.
    pub mean: f64,
}

/// Which competencies of the DevSecOps model speak for each CAICT part, by area code or
/// competency code.
const PART_BASIS: [(&str, &[&str]); 4] = [
    // Continuous delivery: Build & Test, Release & Deploy.
    ("CD", &["DSO-BT", "DSO-RD"]),
    // Technical operations: Operate, Observe & Respond.
    ("TO", &["DSO-OP", "DSO-OR"]),
    // Security & risk management: risk assessment, code validation, code scanning, build
    // validation, deployment validation, patching, vulnerability scanning, security monitoring.
    (
        "SEC",
        &[
            "DSO-PD-01",
            "DSO-PD-04",
            "DSO-BT-02",
            "DSO-BT-03",
            "DSO-RD-03",
            "DSO-OP-06",
            "DSO-OR-02",
            "DSO-OR-03",
        ],
    ),
    // System & tools: the automation competencies — test automation, build validation,
    // quality assurance, deployment automation, platform management (infrastructure as
    // code), scaling, continuous vulnerability scanning.
    (
        "TOOL",
        &[
            "DSO-BT-01",
            "DSO-BT-03",
            "DSO-BT-04",
            "DSO-RD-01",
            "DSO-OP-01",
            "DSO-OP-03",
            "DSO-OR-02",
        ],
    ),
];

/// A rough orientation, not a forecast of the panel: the DevSecOps model and the CAICT
/// model are different instruments. For each part, the mean stage m (1 to 4) of the
/// competencies in `PART_BASIS` maps linearly onto the CAICT levels:
/// level = round(1 + (m − 1) × 4/3), within 1 to 5 (Beginner → 1, Expert → 5). A part is
/// suggested from level 2 up, and only when every competency it draws on is answered.
pub fn suggest_parts(result: &SelfResult) -> Vec<Suggestion> {
    PART_BASIS
        .iter()
        .filter_map(|&(part, basis)| {
            let stages: Vec<Option<Stage>> = result
                .areas
                .iter()
                .flat_map(|a| a.competencies.iter().map(move |c| (a, c)))
                .filter(|(a, c)| {
                    basis.contains(&a.code.as_str()) || basis.contains(&c.code.as_str())
                })
                .map(|(_, c)| c.stage)
                .collect();
            let answered: Option<Vec<Stage>> = stages.iter().copied().collect();
            let answered = answered.filter(|s| !s.is_empty())?;
            let mean =
                answered.iter().map(|s| f64::from(s.get())).sum::<f64>() / answered.len() as f64;
            let level = (1.0 + (mean - 1.0) * 4.0 / 3.0).round().clamp(1.0, 5.0) as u8;
            (level >= 2).then_some(Suggestion { part, level, mean })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::domain::catalog::parse_model;

    fn model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            parse_model(
                "devsecops-maturity.toml",
                include_str!("../../fixtures/models/devsecops-maturity.toml"),
            )
            .unwrap()
        })
    }

    fn stage(n: u8) -> Stage {
        Stage::new(n).unwrap()
    }

    /// Every competency at `default`, except the ones listed.
    fn answered(default: u8, except: &[(&str, u8)]) -> Answers {
        let mut answers = Answers::new();
        for (_, item) in items(model()) {
            let n = except
                .iter()
                .find(|(c, _)| *c == item.code)
                .map_or(default, |&(_, n)| n);
            answers.answer(model(), &item.code, stage(n)).unwrap();
        }
        answers
    }

    fn area<'a>(result: &'a SelfResult, code: &str) -> &'a AreaResult {
        result.areas.iter().find(|a| a.code == code).unwrap()
    }

    fn targets(pairs: &[(&str, u8)]) -> Targets {
        let mut t = Targets::new();
        for &(code, n) in pairs {
            t.set(code, stage(n));
        }
        t
    }

    fn cap(n: usize) -> Capacity {
        Capacity::PerQuarter(NonZeroUsize::new(n).unwrap())
    }

    #[test]
    fn stage_names_are_the_model_levels() {
        assert_eq!(model().levels.len(), 4);
        for (s, level) in Stage::ALL.iter().zip(&model().levels) {
            assert_eq!(s.name(Lang::En), level.name.en);
            assert_eq!(s.name(Lang::Zh), level.name.zh);
        }
        assert_eq!(Stage::new(0), Err(StageOutOfRange(0)));
        assert_eq!(Stage::EXPERT.next(), None);
        assert!(serde_json::from_str::<Stage>("5").is_err());
        assert_eq!(serde_json::from_str::<Stage>("3").unwrap(), Stage::ADVANCED);
    }

    #[test]
    fn answers_outside_the_model_are_refused_and_progress_counts_the_answered() {
        let mut answers = Answers::new();
        assert_eq!(progress(model(), &answers), (0, 30));
        answers
            .answer(model(), "DSO-BT-01", Stage::BEGINNER)
            .unwrap();
        answers.answer(model(), "DSO-PC-01", Stage::EXPERT).unwrap();
        assert_eq!(progress(model(), &answers), (2, 30));
        assert_eq!(
            answers.answer(model(), "CD-CM-01", Stage::BEGINNER),
            Err(AnswerError::UnknownCompetency("CD-CM-01".into()))
        );
        answers.clear("DSO-PC-01");
        assert_eq!(progress(model(), &answers), (1, 30));
    }

    #[test]
    fn the_weakest_competency_holds_its_area_and_the_whole_back() {
        let result = assess(model(), &answered(2, &[("DSO-BT-01", 1), ("DSO-OP-04", 4)]));
        assert!(result.is_complete());

        let build = area(&result, "DSO-BT");
        assert_eq!(build.derived.stage, Some(Stage::BEGINNER));
        assert_eq!(build.derived.mean, Some(1.75));

        let operate = area(&result, "DSO-OP");
        assert_eq!(operate.derived.stage, Some(Stage::INTERMEDIATE));
        assert_eq!(operate.derived.mean, Some(16.0 / 7.0));

        assert_eq!(result.overall.stage, Some(Stage::BEGINNER));
        let expected_mean = (4.0 * 2.0 + 1.75 + 16.0 / 7.0) / 6.0;
        assert!((result.overall.mean.unwrap() - expected_mean).abs() < 1e-12);
    }

    #[test]
    fn an_incomplete_assessment_names_what_is_missing() {
        let mut answers = answered(3, &[]);
        answers.clear("DSO-OR-07");
        answers.clear("DSO-PC-02");
        let result = assess(model(), &answers);
        assert!(!result.is_complete());
        assert_eq!(result.missing, ["DSO-PC-02", "DSO-OR-07"]);
        assert_eq!(area(&result, "DSO-PC").derived.stage, Some(Stage::ADVANCED));

        let empty = assess(model(), &Answers::new());
        assert_eq!(
            empty.overall,
            Derived {
                stage: None,
                mean: None
            }
        );
        assert_eq!(empty.missing.len(), 30);
    }

    #[test]
    fn comparison_shows_each_competency_and_area_move() {
        let before = assess(model(), &answered(1, &[("DSO-OP-01", 2)]));
        let mut later = answered(2, &[("DSO-OP-01", 2), ("DSO-OP-02", 1)]);
        later.clear("DSO-OR-01");
        let after = assess(model(), &later);
        let cmp = compare(&before, &after);

        let operate = cmp.areas.iter().find(|a| a.code == "DSO-OP").unwrap();
        assert_eq!(operate.change.stage, Some(0));
        assert!((operate.change.mean.unwrap() - 5.0 / 7.0).abs() < 1e-12);
        let platform = operate
            .competencies
            .iter()
            .find(|c| c.code == "DSO-OP-01")
            .unwrap();
        assert_eq!(platform.delta, Some(0));
        let build = cmp.areas.iter().find(|a| a.code == "DSO-BT").unwrap();
        assert_eq!(build.change.stage, Some(1));
        assert!(build.competencies.iter().all(|c| c.delta == Some(1)));
        let slo = cmp.areas[5]
            .competencies
            .iter()
            .find(|c| c.code == "DSO-OR-01")
            .unwrap();
        assert_eq!(
            (slo.before, slo.after, slo.delta),
            (Some(Stage::BEGINNER), None, None)
        );
        assert_eq!(cmp.overall.stage, Some(0));
    }

    #[test]
    fn the_projection_uses_the_same_rule() {
        let current = assess(model(), &answered(2, &[("DSO-BT-01", 1)]));
        let target = projected(&current, &targets(&[("DSO-BT-01", 3), ("DSO-BT-02", 3)]));
        assert_eq!(
            area(&target, "DSO-BT").derived.stage,
            Some(Stage::INTERMEDIATE)
        );
        assert_eq!(area(&target, "DSO-BT").derived.mean, Some(2.5));
        assert_eq!(target.overall.stage, Some(Stage::INTERMEDIATE));
    }

    #[test]
    fn the_roadmap_raises_the_lowest_area_first() {
        // Plan & Develop is the lowest area; Build & Test also holds a Beginner
        // competency but has the higher mean.
        let current = assess(
            model(),
            &answered(
                2,
                &[
                    ("DSO-PD-01", 1),
                    ("DSO-PD-02", 1),
                    ("DSO-PD-03", 1),
                    ("DSO-PD-04", 1),
                    ("DSO-BT-01", 1),
                ],
            ),
        );
        let goals = targets(&[
            ("DSO-BT-01", 2),
            ("DSO-OP-01", 3),
            ("DSO-PD-01", 2),
            ("DSO-PD-02", 2),
            ("DSO-PD-03", 2),
            ("DSO-PD-04", 2),
        ]);
        let roadmap = plan_roadmap(&current, &goals, 4, &Owners::default(), cap(4)).unwrap();
        let q1: Vec<&str> = roadmap
            .steps
            .iter()
            .filter(|s| s.quarter == 1)
            .map(|s| s.competency.as_str())
            .collect();
        assert_eq!(q1, ["DSO-PD-01", "DSO-PD-02", "DSO-PD-03", "DSO-PD-04"]);
        let q2: Vec<&str> = roadmap
            .steps
            .iter()
            .filter(|s| s.quarter == 2)
            .map(|s| s.competency.as_str())
            .collect();
        assert_eq!(q2, ["DSO-BT-01", "DSO-OP-01"]);
        assert_eq!(roadmap.steps.len(), 6);
        check_roadmap(&current, &roadmap).unwrap();

        // Without a capacity limit everything starts at once, lowest area still listed first.
        let roadmap =
            plan_roadmap(&current, &goals, 4, &Owners::default(), Capacity::Unlimited).unwrap();
        let q1: Vec<&str> = roadmap
            .steps
            .iter()
            .filter(|s| s.quarter == 1)
            .map(|s| s.competency.as_str())
            .collect();
        assert_eq!(
            q1,
            [
                "DSO-PD-01",
                "DSO-PD-02",
                "DSO-PD-03",
                "DSO-PD-04",
                "DSO-BT-01",
                "DSO-OP-01"
            ]
        );
    }

    #[test]
    fn a_competency_that_needs_every_quarter_is_not_crowded_out() {
        // Test automation must climb Beginner → Expert in 3 of 4 quarters while Plan &
        // Develop, the lower area, competes for the 2 raises a quarter.
        let current = assess(
            model(),
            &answered(
                4,
                &[
                    ("DSO-PD-01", 1),
                    ("DSO-PD-02", 1),
                    ("DSO-PD-03", 1),
                    ("DSO-PD-04", 1),
                    ("DSO-BT-01", 1),
                ],
            ),
        );
        let goals = targets(&[
            ("DSO-BT-01", 4),
            ("DSO-PD-01", 2),
            ("DSO-PD-02", 2),
            ("DSO-PD-03", 2),
            ("DSO-PD-04", 2),
        ]);
        let roadmap = plan_roadmap(&current, &goals, 4, &Owners::default(), cap(2)).unwrap();
        let quarters_of = |code: &str| -> Vec<u8> {
            roadmap
                .steps
                .iter()
                .filter(|s| s.competency == code)
                .map(|s| s.quarter)
                .collect()
        };
        assert_eq!(quarters_of("DSO-BT-01"), [2, 3, 4]);
        assert_eq!(quarters_of("DSO-PD-01"), [1]);
        check_roadmap(&current, &roadmap).unwrap();
    }

    #[test]
    fn impossible_plans_are_refused_with_a_reason() {
        let current = assess(model(), &answered(2, &[("DSO-BT-01", 3)]));
        let err = plan_roadmap(
            &current,
            &targets(&[("DSO-BT-01", 2)]),
            4,
            &Owners::default(),
            cap(8),
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "Test automation: the target Intermediate is below the current stage Advanced; stages never go down"
        );

        let err =
            plan_roadmap(&current, &Targets::new(), 8, &Owners::default(), cap(8)).unwrap_err();
        assert_eq!(err, RoadmapError::QuarterCount(8));

        let all_up = Targets(
            items(model())
                .map(|(_, i)| (i.code.clone(), Stage::EXPERT))
                .collect(),
        );
        let err = plan_roadmap(&current, &all_up, 4, &Owners::default(), cap(8)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the targets need 59 stage raises but 4 quarters of 8 raises allow 32; \
             lower some targets, plan more quarters or allow more raises per quarter"
        );

        let mut partial = answered(2, &[]);
        partial.clear("DSO-OR-06");
        let current = assess(model(), &partial);
        let err = plan_roadmap(
            &current,
            &targets(&[("DSO-OR-06", 3)]),
            4,
            &Owners::default(),
            cap(8),
        );
        assert!(matches!(err, Err(RoadmapError::Unanswered { .. })));
        let err = plan_roadmap(
            &current,
            &targets(&[("DSO-XX-01", 3)]),
            4,
            &Owners::default(),
            cap(8),
        );
        assert_eq!(
            err,
            Err(RoadmapError::UnknownCompetency {
                code: "DSO-XX-01".into()
            })
        );
    }

    #[test]
    fn an_edited_roadmap_that_leapfrogs_is_refused_by_name() {
        let current = assess(model(), &answered(2, &[("DSO-BT-01", 1)]));
        let mut roadmap = plan_roadmap(
            &current,
            &targets(&[("DSO-BT-01", 4)]),
            4,
            &Owners::default(),
            cap(8),
        )
        .unwrap();
        let planned: Vec<(u8, Stage, Stage)> = roadmap
            .steps
            .iter()
            .map(|s| (s.quarter, s.from, s.to))
            .collect();
        assert_eq!(
            planned,
            [
                (1, Stage::BEGINNER, Stage::INTERMEDIATE),
                (2, Stage::INTERMEDIATE, Stage::ADVANCED),
                (3, Stage::ADVANCED, Stage::EXPERT)
            ]
        );

        // The user squeezes the climb into one quarter.
        roadmap.steps = vec![Step {
            quarter: 2,
            competency: "DSO-BT-01".into(),
            from: Stage::BEGINNER,
            to: Stage::EXPERT,
        }];
        let errors = check_roadmap(&current, &roadmap).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "Test automation: from Beginner to Expert needs 3 quarters, only 1 planned (Q2); no leapfrogging"
        );
    }

    #[test]
    fn an_edited_roadmap_is_checked_step_by_step() {
        let current = assess(model(), &answered(2, &[]));
        let mut roadmap = plan_roadmap(
            &current,
            &targets(&[("DSO-OP-05", 3), ("DSO-RD-02", 4)]),
            4,
            &Owners::default(),
            cap(8),
        )
        .unwrap();
        let step = |quarter, competency: &str, from, to| Step {
            quarter,
            competency: competency.into(),
            from,
            to,
        };
        roadmap.steps = vec![
            step(1, "DSO-RD-02", Stage::INTERMEDIATE, Stage::ADVANCED),
            step(1, "DSO-RD-02", Stage::ADVANCED, Stage::EXPERT),
            step(3, "DSO-OP-05", Stage::ADVANCED, Stage::INTERMEDIATE),
            step(7, "DSO-PC-01", Stage::INTERMEDIATE, Stage::ADVANCED),
        ];
        let messages: Vec<String> = check_roadmap(&current, &roadmap)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                "Q7: DSO-PC-01 has no target in this roadmap",
                "Deployment strategy: raised twice in Q1; one stage per quarter, no leapfrogging",
                "Resiliency testing: the step in Q3 starts from Advanced, but the competency is at Intermediate by then",
                "Resiliency testing: the step in Q3 goes from Advanced to Intermediate; a step raises the stage, \
                 stages never go down",
                "Resiliency testing: the roadmap ends at Intermediate but the target is Advanced",
            ]
        );
    }

    #[test]
    fn owners_fall_back_to_the_area_and_the_csv_is_safe_to_open() {
        let current = assess(model(), &answered(1, &[]));
        let owners = Owners {
            areas: BTreeMap::from([
                ("DSO-BT".into(), "Wang, Li".into()),
                ("DSO-PC".into(), "  ".into()),
            ]),
            competencies: BTreeMap::from([("DSO-BT-02".into(), "=HYPERLINK(\"http://x\")".into())]),
        };
        let roadmap = plan_roadmap(
            &current,
            &targets(&[("DSO-BT-01", 2), ("DSO-BT-02", 2), ("DSO-PC-01", 2)]),
            4,
            &owners,
            cap(8),
        )
        .unwrap();
        let owners: Vec<Option<&str>> = roadmap.rows().iter().map(|r| r.owner).collect();
        assert_eq!(
            owners,
            [None, Some("Wang, Li"), Some("=HYPERLINK(\"http://x\")")]
        );

        assert_eq!(
            roadmap_csv(&roadmap, Lang::En),
            "Quarter,Area,Competency,From stage,To stage,Owner\r\n\
             Q1,People & Culture,Communication,Beginner,Intermediate,\r\n\
             Q1,Build & Test,Test automation,Beginner,Intermediate,\"Wang, Li\"\r\n\
             Q1,Build & Test,Code scanning,Beginner,Intermediate,\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"
        );
        assert!(roadmap_csv(&roadmap, Lang::Zh).starts_with(
            "季度,能力领域,能力,起始阶段,目标阶段,负责人\r\nQ1,人员与文化,沟通,初级,中级,\r\n"
        ));
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("=1+1,2"), "\"'=1+1,2\"");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("王 = 负责人"), "王 = 负责人");
    }

    #[test]
    fn parts_are_suggested_from_the_matching_competencies() {
        for (_, basis) in PART_BASIS {
            for code in basis {
                assert!(
                    model().parts[0]
                        .domains
                        .iter()
                        .any(|d| d.code == *code || d.items.iter().any(|i| i.code == *code)),
                    "{code} is not in the model"
                );
            }
        }
        // Strong delivery, weak elsewhere.
        let strong: Vec<(&str, u8)> = items(model())
            .filter(|(d, _)| d.code == "DSO-BT" || d.code == "DSO-RD")
            .map(|(_, i)| (i.code.as_str(), 4))
            .collect();
        let result = assess(model(), &answered(1, &strong));
        let suggestions = suggest_parts(&result);
        let parts: Vec<(&str, u8)> = suggestions.iter().map(|s| (s.part, s.level)).collect();
        // SEC: 3 of 8 at Expert, m = 2.125 → 2.5 → 3; TOOL: 4 of 7, m = 19/7 → 3.29 → 3.
        assert_eq!(parts, [("CD", 5), ("SEC", 3), ("TOOL", 3)]);

        assert!(suggest_parts(&assess(model(), &answered(1, &[]))).is_empty());
        let all_advanced = suggest_parts(&assess(model(), &answered(3, &[])));
        assert!(all_advanced.iter().all(|s| s.level == 4) && all_advanced.len() == 4);

        let mut partial = answered(4, &[]);
        partial.clear("DSO-OR-03");
        let parts: Vec<&str> = suggest_parts(&assess(model(), &partial))
            .iter()
            .map(|s| s.part)
            .collect();
        assert_eq!(parts, ["CD", "TOOL"]);
    }

    fn arb_plan() -> impl Strategy<Value = (Vec<u8>, Vec<Option<u8>>, u8, Option<usize>)> {
        (
            proptest::collection::vec((1u8..=4, any::<Option<u8>>()), 30),
            4u8..=6,
            proptest::option::of(1usize..=12),
        )
            .prop_map(|(cells, quarters, capacity)| {
                let current = cells.iter().map(|&(s, _)| s).collect();
                let targets = cells
                    .iter()
                    .map(|&(s, up)| up.map(|u| s + u % (5 - s)))
                    .collect();
                (current, targets, quarters, capacity)
            })
    }

    proptest! {
        #[test]
        fn an_area_is_never_above_any_of_its_competencies(
            stages in proptest::collection::vec(proptest::option::of(1u8..=4), 30)
        ) {
            let mut answers = Answers::new();
            for ((_, item), s) in items(model()).zip(&stages) {
                if let Some(s) = s {
                    answers.answer(model(), &item.code, stage(*s)).unwrap();
                }
            }
            let result = assess(model(), &answers);
            for area in &result.areas {
                for c in &area.competencies {
                    if let Some(s) = c.stage {
                        prop_assert!(area.derived.stage.unwrap() <= s);
                        prop_assert!(result.overall.stage.unwrap() <= s);
                    }
                }
                let answered = area.competencies.iter().filter_map(|c| c.stage).min();
                prop_assert_eq!(area.derived.stage, answered);
            }
        }

        #[test]
        fn every_plan_passes_its_own_check_and_reaches_the_targets(
            (now, goal, quarters, capacity) in arb_plan()
        ) {
            let mut answers = Answers::new();
            let mut goals = Targets::new();
            for (((_, item), s), t) in items(model()).zip(&now).zip(&goal) {
                answers.answer(model(), &item.code, stage(*s)).unwrap();
                if let Some(t) = t {
                    goals.set(&item.code, stage(*t));
                }
            }
            let current = assess(model(), &answers);
            let capacity = capacity.map_or(Capacity::Unlimited, cap);
            let raises: usize = now.iter().zip(&goal).map(|(s, t)| usize::from(t.map_or(0, |t| t - s))).sum();
            let fits = match capacity {
                Capacity::Unlimited => true,
                Capacity::PerQuarter(c) => raises <= c.get() * usize::from(quarters),
            };
            match plan_roadmap(&current, &goals, quarters, &Owners::default(), capacity) {
                Err(e) => prop_assert!(!fits && matches!(e, RoadmapError::OverCapacity { .. }), "{}", e),
                Ok(roadmap) => {
                    prop_assert!(fits);
                    prop_assert_eq!(check_roadmap(&current, &roadmap), Ok(()));
                    prop_assert_eq!(roadmap.steps.len(), raises);
                    for s in &roadmap.steps {
                        prop_assert_eq!(s.to.get(), s.from.get() + 1);
                        prop_assert!((1..=quarters).contains(&s.quarter));
                    }
                    if let Capacity::PerQuarter(c) = capacity {
                        for q in 1..=quarters {
                            prop_assert!(roadmap.steps.iter().filter(|s| s.quarter == q).count() <= c.get());
                        }
                    }
                    let reached = projected(&current, &goals);
                    for (area, planned) in reached.areas.iter().zip(&roadmap.areas) {
                        for p in &planned.competencies {
                            let last = roadmap.steps.iter().rev().find(|s| s.competency == p.code).map(|s| s.to);
                            let start = current.competency(&p.code).unwrap().1.stage;
                            prop_assert_eq!(last.or(start), Some(p.target));
                            prop_assert!(area.competencies.iter().any(|c| c.code == p.code && c.stage == Some(p.target)));
                        }
                    }
                }
            }
        }
    }
}
