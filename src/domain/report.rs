//! Programme reports, free of I/O: facts read from the database become one [`Report`] of
//! numeric tables, and every view of it (page, JSON, CSV, XLSX, bar charts) is drawn from
//! those same tables, so an export always shows the page's figures.
//!
//! Sections built today from applications and their status history:
//! - `by_part_status`: applications per part and state;
//! - `durations`: days spent between the stages of an application (registration →
//!   submitted → accepted → in assessment → scored → in review → approved → certified);
//! - `target_levels`: the levels applied for, per part;
//! - `rounds` (across rounds only): applications, certified and closed per round.
//!
//! Sections built from the panels' results:
//! - `assessor_load`: applications per assessor and the days from the panel's
//!   confirmation to the assessor's last submitted score (no score itself is shown);
//! - `score_spread`: per part, the spread (highest − lowest submitted level) of each
//!   scored item, the items spread by 2 or more, and the share flagged at consolidation;
//! - `achieved_levels` and `domain_levels`: the achieved level per part and per
//!   capability domain, from the consolidated part results;
//! - `certificates`: per part, certificates issued, revoked, expired and in force on
//!   [`Facts::today`].
//!
//! Further sections take further fact lists in [`Facts`] and push further [`Table`]s in
//! [`build`]; the views need no change.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::domain::application_status::Status;
use crate::domain::i18n::Lang;
use crate::domain::ids::{ApplicationId, RoundId, UserId};
use crate::domain::self_assessment::push_record;

/// One application as the reports see it: no enterprise, no contact, and its history
/// only as its [`ApplicationSummary`].
#[derive(Debug, Clone)]
pub struct ApplicationFact {
    pub id: ApplicationId,
    pub round_id: RoundId,
    pub part_code: String,
    pub status: Status,
    pub target_level: i32,
    pub summary: ApplicationSummary,
}

/// One status change of an application.
#[derive(Debug, Clone)]
pub struct EventFact {
    pub to_status: Status,
    pub occurred_at: NaiveDateTime,
}

/// A submitted score of an application, reduced to what the report needs: no comment,
/// no evidence. `level` is `None` for an item found not applicable.
#[derive(Debug, Clone)]
pub struct ScoreFact {
    pub assessor_id: UserId,
    pub item_code: String,
    pub level: Option<i32>,
    pub submitted_at: NaiveDateTime,
}

/// What the report keeps of one application's status changes, submitted scores and
/// consolidation. [`summarise`] computes it in the transaction that changes any of them
/// and it is stored beside the application, so that a report of 12,000 applications
/// reads 12,000 summaries instead of every status change and score. Times are kept as
/// seconds, the unit the report computes in, rather than as timestamps to parse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplicationSummary {
    /// Seconds from registration (the application's creation) to its first entry into
    /// each stage after it, in the order of [`STAGES`] from `Submitted` on: a returned
    /// application that is scored again keeps its first time.
    pub reached_after: [Option<i64>; 7],
    /// Items with at least one submitted level, by spread (highest − lowest submitted
    /// level, 0…5).
    pub items_by_spread: [i32; 6],
    pub consolidated_items: i32,
    pub flagged_items: i32,
}

/// The summary of one application registered at `created_at` from its status changes,
/// its submitted scores and the flags of its consolidated items. The order of the rows
/// does not matter.
pub fn summarise(
    created_at: NaiveDateTime,
    events: &[EventFact],
    scores: &[ScoreFact],
    consolidated_flags: &[bool],
) -> ApplicationSummary {
    let mut summary = ApplicationSummary::default();
    for e in events {
        if let Some(i) = STAGES[1..].iter().position(|s| *s == e.to_status) {
            let after = (e.occurred_at - created_at).num_seconds();
            let first = &mut summary.reached_after[i];
            if first.is_none_or(|t| after < t) {
                *first = Some(after);
            }
        }
    }
    let mut bounds: HashMap<&str, (i32, i32)> = HashMap::new();
    for s in scores {
        if let Some(l) = s.level {
            let b = bounds.entry(s.item_code.as_str()).or_insert((l, l));
            b.0 = b.0.min(l);
            b.1 = b.1.max(l);
        }
    }
    for (lo, hi) in bounds.into_values() {
        summary.items_by_spread[(hi - lo).clamp(0, 5) as usize] += 1;
    }
    summary.consolidated_items = consolidated_flags.len() as i32;
    summary.flagged_items = consolidated_flags.iter().filter(|f| **f).count() as i32;
    summary
}

/// Seconds from the panel's confirmation to the assessor's last submitted score of the
/// application, if they submitted any.
pub fn turnaround(
    confirmed_at: NaiveDateTime,
    scores: &[ScoreFact],
    assessor_id: UserId,
) -> Option<i64> {
    scores
        .iter()
        .filter(|s| s.assessor_id == assessor_id)
        .map(|s| s.submitted_at)
        .max()
        .map(|last| (last - confirmed_at).num_seconds())
}

/// A round's id and names, for the across-rounds table.
#[derive(Debug, Clone)]
pub struct RoundFact {
    pub id: RoundId,
    pub name_zh: String,
    pub name_en: String,
}

/// A seat on an application's assessment panel, with the seated assessor's
/// [`turnaround`] on the application.
#[derive(Debug, Clone)]
pub struct SeatFact {
    pub assessor_id: UserId,
    pub assessor_name: String,
    pub is_lead: bool,
    pub turnaround_seconds: Option<i64>,
}

/// A part result: the achieved level and the level per capability domain.
#[derive(Debug, Clone)]
pub struct PartResultFact {
    pub application_id: ApplicationId,
    pub achieved_level: i32,
    pub domain_levels: BTreeMap<String, i32>,
}

/// A certificate of an application, issued and perhaps revoked.
#[derive(Debug, Clone)]
pub struct CertificateFact {
    pub application_id: ApplicationId,
    pub issued_at: NaiveDateTime,
    /// The last day of validity, as signed in the certificate.
    pub valid_until: NaiveDate,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A surveillance of a certificate of an application: when it is due, and whether it is
/// concluded.
#[derive(Debug, Clone)]
pub struct SurveillanceFact {
    pub application_id: ApplicationId,
    pub due_on: NaiveDate,
    pub concluded: bool,
}

/// Everything a report is built from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Every round in scope, in display order; one for a round report.
    pub rounds: Vec<RoundFact>,
    pub applications: Vec<ApplicationFact>,
    pub seats: Vec<SeatFact>,
    pub results: Vec<PartResultFact>,
    /// Every certificate issued for the applications in scope, revoked or not.
    pub certificates: Vec<CertificateFact>,
    /// Every surveillance of the applications in scope.
    pub surveillances: Vec<SurveillanceFact>,
    /// The day the report is drawn up: a certificate past its validity on this day counts
    /// as expired, not in force.
    pub today: NaiveDate,
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub label: Text,
    /// One per column; counts are whole numbers, days have two decimals.
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub key: &'static str,
    pub title: Text,
    pub columns: Vec<Text>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `None` for the across-rounds report.
    pub round_id: Option<RoundId>,
    pub applications: usize,
    pub tables: Vec<Table>,
}

impl Report {
    pub fn table(&self, key: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.key == key)
    }
}

fn status_text(s: Status) -> Text {
    let zh = match s {
        Status::Draft => "草稿",
        Status::Submitted => "已提交",
        Status::Accepted => "已受理",
        Status::InAssessment => "评估中",
        Status::Scored => "已评分",
        Status::InReview => "评审中",
        Status::Approved => "已批准",
        Status::Returned => "已退回",
        Status::Certified => "已发证",
        Status::Withdrawn => "已撤回",
        Status::Rejected => "已拒绝",
    };
    Text::new(zh, s.as_str())
}

/// The stages an application passes in order; `Draft` stands for registration (the
/// application's creation).
const STAGES: [Status; 8] = [
    Status::Draft,
    Status::Submitted,
    Status::Accepted,
    Status::InAssessment,
    Status::Scored,
    Status::InReview,
    Status::Approved,
    Status::Certified,
];

fn stage_text(s: Status) -> Text {
    if s == Status::Draft {
        Text::new("登记", "registration")
    } else {
        status_text(s)
    }
}

/// Two decimals, as every figure is shown and exported.
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The value at quantile `q` (nearest rank) of sorted numbers.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Builds the report from `facts`. `round_id` is `None` for the across-rounds report,
/// which adds the per-round table.
pub fn build(facts: &Facts, round_id: Option<RoundId>) -> Report {
    let mut tables = vec![
        by_part_status(facts),
        durations(facts),
        target_levels(facts),
    ];
    if round_id.is_none() {
        tables.push(rounds(facts));
    }
    tables.push(assessor_load(facts));
    tables.push(score_spread(facts));
    tables.push(achieved_levels(facts));
    tables.push(domain_levels(facts));
    tables.push(certificates(facts));
    tables.push(surveillances(facts));
    Report {
        round_id,
        applications: facts.applications.len(),
        tables,
    }
}

fn parts(facts: &Facts) -> Vec<&str> {
    let mut parts: Vec<&str> = facts
        .applications
        .iter()
        .map(|a| a.part_code.as_str())
        .collect();
    parts.sort_unstable();
    parts.dedup();
    parts
}

fn by_part_status(facts: &Facts) -> Table {
    let mut counts: BTreeMap<&str, [f64; 11]> = BTreeMap::new();
    for a in &facts.applications {
        let row = counts.entry(a.part_code.as_str()).or_insert([0.0; 11]);
        if let Some(i) = Status::ALL.iter().position(|s| *s == a.status) {
            row[i] += 1.0;
        }
    }
    let mut columns: Vec<Text> = Status::ALL.iter().map(|s| status_text(*s)).collect();
    columns.push(Text::new("合计", "total"));
    let mut total = vec![0.0; 12];
    let mut rows: Vec<Row> = counts
        .into_iter()
        .map(|(part, c)| {
            let mut values = c.to_vec();
            values.push(c.iter().sum());
            for (t, v) in total.iter_mut().zip(&values) {
                *t += v;
            }
            Row {
                label: Text::new(part, part),
                values,
            }
        })
        .collect();
    rows.push(Row {
        label: Text::new("合计", "total"),
        values: total,
    });
    Table {
        key: "by_part_status",
        title: Text::new("按部分和状态统计的申请", "Applications by part and state"),
        columns,
        rows,
    }
}

/// Days between consecutive stages, over the applications that reached both; and from
/// registration to certificate. A stage's time is the first time the application
/// entered it (a returned application that is scored again keeps its first time).
fn durations(facts: &Facts) -> Table {
    let mut spans: Vec<Vec<f64>> = vec![Vec::new(); STAGES.len()];
    for a in &facts.applications {
        let mut times = [Some(0); 8];
        times[1..].copy_from_slice(&a.summary.reached_after);
        for i in 1..STAGES.len() {
            if let (Some(a), Some(b)) = (times[i - 1], times[i]) {
                spans[i - 1].push(days(a, b));
            }
        }
        if let (Some(a), Some(b)) = (times[0], times[STAGES.len() - 1]) {
            spans[STAGES.len() - 1].push(days(a, b));
        }
    }
    let mut rows = Vec::new();
    for (i, mut values) in spans.into_iter().enumerate() {
        let (from, to) = if i + 1 < STAGES.len() {
            (STAGES[i], STAGES[i + 1])
        } else {
            (STAGES[0], STAGES[STAGES.len() - 1])
        };
        let (from, to) = (stage_text(from), stage_text(to));
        values.sort_by(f64::total_cmp);
        let stats = if values.is_empty() {
            vec![0.0; 5]
        } else {
            let n = values.len() as f64;
            vec![
                n,
                round2(values.iter().sum::<f64>() / n),
                round2(quantile(&values, 0.5)),
                round2(quantile(&values, 0.9)),
                round2(*values.last().expect("not empty")),
            ]
        };
        rows.push(Row {
            label: Text::new(
                format!("{} → {}", from.zh, to.zh),
                format!("{} → {}", from.en, to.en),
            ),
            values: stats,
        });
    }
    Table {
        key: "durations",
        title: Text::new("各阶段用时（天）", "Days per stage"),
        columns: vec![
            Text::new("申请数", "applications"),
            Text::new("平均", "mean"),
            Text::new("中位数", "median"),
            Text::new("90% 分位", "90th percentile"),
            Text::new("最长", "longest"),
        ],
        rows,
    }
}

/// Days from `from` to `to`, both in seconds; never negative.
fn days(from: i64, to: i64) -> f64 {
    (to - from).max(0) as f64 / 86_400.0
}

fn target_levels(facts: &Facts) -> Table {
    let parts = parts(facts);
    let rows = parts
        .iter()
        .map(|&part| {
            let mut values = vec![0.0; 5];
            for a in facts.applications.iter().filter(|a| a.part_code == part) {
                if let Ok(l) = usize::try_from(a.target_level) {
                    if (1..=5).contains(&l) {
                        values[l - 1] += 1.0;
                    }
                }
            }
            Row {
                label: Text::new(part, part),
                values,
            }
        })
        .collect();
    Table {
        key: "target_levels",
        title: Text::new("按部分统计的申请级别", "Levels applied for, by part"),
        columns: (1..=5)
            .map(|l| Text::new(format!("{l} 级"), format!("level {l}")))
            .collect(),
        rows,
    }
}

fn rounds(facts: &Facts) -> Table {
    let mut counts: HashMap<RoundId, [f64; 4]> = HashMap::new();
    for a in &facts.applications {
        let c = counts.entry(a.round_id).or_default();
        c[0] += 1.0;
        if a.status != Status::Draft {
            c[1] += 1.0;
        }
        if a.status == Status::Certified {
            c[2] += 1.0;
        }
        if matches!(a.status, Status::Withdrawn | Status::Rejected) {
            c[3] += 1.0;
        }
    }
    Table {
        key: "rounds",
        title: Text::new("各批次概况", "Rounds"),
        columns: vec![
            Text::new("申请", "applications"),
            Text::new("已提交", "submitted"),
            Text::new("已发证", "certified"),
            Text::new("撤回或拒绝", "withdrawn or rejected"),
        ],
        rows: facts
            .rounds
            .iter()
            .map(|r| Row {
                label: Text::new(r.name_zh.clone(), r.name_en.clone()),
                values: counts.get(&r.id).copied().unwrap_or_default().to_vec(),
            })
            .collect(),
    }
}

/// Count, mean, median, longest of some days (zeros when there are none).
fn day_stats(mut values: Vec<f64>) -> [f64; 4] {
    if values.is_empty() {
        return [0.0; 4];
    }
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    [
        n,
        round2(quantile(&values, 0.5)),
        round2(values.iter().sum::<f64>() / n),
        round2(*values.last().expect("not empty")),
    ]
}

/// Per assessor (by name): panel seats, seats as lead, applications with submitted
/// scores, and the days from the panel's confirmation to the assessor's last submitted
/// score on the application (median, mean, longest). A last row covers every assessor.
fn assessor_load(facts: &Facts) -> Table {
    struct Load<'a> {
        name: &'a str,
        seats: f64,
        leads: f64,
        days: Vec<f64>,
    }
    let mut by_assessor: BTreeMap<UserId, Load> = BTreeMap::new();
    for seat in &facts.seats {
        let l = by_assessor.entry(seat.assessor_id).or_insert_with(|| Load {
            name: &seat.assessor_name,
            seats: 0.0,
            leads: 0.0,
            days: Vec::new(),
        });
        l.seats += 1.0;
        if seat.is_lead {
            l.leads += 1.0;
        }
        if let Some(seconds) = seat.turnaround_seconds {
            l.days.push(days(0, seconds));
        }
    }
    let mut loads: Vec<Load> = by_assessor.into_values().collect();
    loads.sort_by(|a, b| a.name.cmp(b.name));
    let row = |label: Text, seats: f64, leads: f64, days: Vec<f64>| {
        let [n, median, mean, max] = day_stats(days);
        Row {
            label,
            values: vec![seats, leads, n, median, mean, max],
        }
    };
    let (seats, leads) = loads
        .iter()
        .fold((0.0, 0.0), |(s, l), x| (s + x.seats, l + x.leads));
    let all: Vec<f64> = loads.iter().flat_map(|l| l.days.iter().copied()).collect();
    let mut rows: Vec<Row> = loads
        .into_iter()
        .map(|l| row(Text::new(l.name, l.name), l.seats, l.leads, l.days))
        .collect();
    rows.push(row(
        Text::new("全部评估员", "all assessors"),
        seats,
        leads,
        all,
    ));
    Table {
        key: "assessor_load",
        title: Text::new(
            "评估员工作量与评分周期（组建确认至提交评分，天）",
            "Assessor load and turnaround (days from panel confirmation to scores submitted)",
        ),
        columns: vec![
            Text::new("申请数", "applications"),
            Text::new("任组长", "as lead"),
            Text::new("已提交评分", "scores submitted"),
            Text::new("中位数", "median"),
            Text::new("平均", "mean"),
            Text::new("最长", "longest"),
        ],
        rows,
    }
}

/// The part of each application in scope.
fn part_of_application(facts: &Facts) -> HashMap<ApplicationId, &str> {
    facts
        .applications
        .iter()
        .map(|a| (a.id, a.part_code.as_str()))
        .collect()
}

/// Per part: scored items (an item of an application with at least one submitted level),
/// how many spread by 0…5 levels, by 2 or more, the consolidated items, the flagged
/// ones and their share in percent. A last row covers every part.
fn score_spread(facts: &Facts) -> Table {
    // items, spread 0..=5, spread >= 2, consolidated, flagged
    let mut counts: BTreeMap<&str, [f64; 10]> = BTreeMap::new();
    for a in &facts.applications {
        let s = &a.summary;
        let items: i32 = s.items_by_spread.iter().sum();
        if items == 0 && s.consolidated_items == 0 {
            continue;
        }
        let c = counts.entry(a.part_code.as_str()).or_default();
        c[0] += f64::from(items);
        for (spread, n) in s.items_by_spread.iter().enumerate() {
            c[1 + spread] += f64::from(*n);
            if spread >= 2 {
                c[7] += f64::from(*n);
            }
        }
        c[8] += f64::from(s.consolidated_items);
        c[9] += f64::from(s.flagged_items);
    }
    let row = |label: Text, c: [f64; 10]| {
        let mut values = c.to_vec();
        values.push(if c[8] > 0.0 {
            round2(100.0 * c[9] / c[8])
        } else {
            0.0
        });
        Row { label, values }
    };
    let mut total = [0.0; 10];
    let mut rows: Vec<Row> = counts
        .into_iter()
        .map(|(part, c)| {
            for (t, v) in total.iter_mut().zip(c) {
                *t += v;
            }
            row(Text::new(part, part), c)
        })
        .collect();
    rows.push(row(Text::new("合计", "total"), total));
    let mut columns = vec![Text::new("已评分项", "items scored")];
    columns.extend((0..=5).map(|d| Text::new(format!("离散 {d}"), format!("spread {d}"))));
    columns.extend([
        Text::new("离散 ≥ 2", "spread ≥ 2"),
        Text::new("已合议项", "items consolidated"),
        Text::new("标记讨论", "flagged"),
        Text::new("标记比例 %", "flagged %"),
    ]);
    Table {
        key: "score_spread",
        title: Text::new(
            "评分离散度（各项最高与最低提交级别之差）",
            "Score spread (highest − lowest submitted level per item)",
        ),
        columns,
        rows,
    }
}

fn level_columns() -> Vec<Text> {
    let mut columns: Vec<Text> = (0..=5)
        .map(|l| Text::new(format!("{l} 级"), format!("level {l}")))
        .collect();
    columns.push(Text::new("结果数", "results"));
    columns.push(Text::new("平均级别", "mean level"));
    columns
}

/// Counts of levels 0…5, their number and mean.
fn level_row(label: Text, levels: &[i32]) -> Row {
    let mut values = vec![0.0; 6];
    for &l in levels {
        if let Ok(l) = usize::try_from(l) {
            if l <= 5 {
                values[l] += 1.0;
            }
        }
    }
    let n = levels.len() as f64;
    values.push(n);
    values.push(if levels.is_empty() {
        0.0
    } else {
        round2(levels.iter().map(|&l| f64::from(l)).sum::<f64>() / n)
    });
    Row { label, values }
}

/// Per part: how many results achieved each level, and the mean.
fn achieved_levels(facts: &Facts) -> Table {
    let part_of = part_of_application(facts);
    let mut levels: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for r in &facts.results {
        if let Some(part) = part_of.get(&r.application_id) {
            levels.entry(part).or_default().push(r.achieved_level);
        }
    }
    Table {
        key: "achieved_levels",
        title: Text::new("按部分统计的达成级别", "Achieved level, by part"),
        columns: level_columns(),
        rows: levels
            .into_iter()
            .map(|(part, l)| level_row(Text::new(part, part), &l))
            .collect(),
    }
}

/// Per part and capability domain: how many results reached each level in the domain.
fn domain_levels(facts: &Facts) -> Table {
    let part_of = part_of_application(facts);
    let mut levels: BTreeMap<(&str, &str), Vec<i32>> = BTreeMap::new();
    for r in &facts.results {
        if let Some(part) = part_of.get(&r.application_id) {
            for (domain, l) in &r.domain_levels {
                levels.entry((part, domain)).or_default().push(*l);
            }
        }
    }
    Table {
        key: "domain_levels",
        title: Text::new(
            "按能力域统计的达成级别",
            "Achieved level, by capability domain",
        ),
        columns: level_columns(),
        rows: levels
            .into_iter()
            .map(|((part, domain), l)| {
                let label = format!("{part} · {domain}");
                level_row(Text::new(label.clone(), label), &l)
            })
            .collect(),
    }
}

/// Per part: certificates issued, revoked since, expired (unrevoked but past their
/// validity on [`Facts::today`]), and in force. Revoked wins over expired, so the last
/// three columns add up to the first.
fn certificates(facts: &Facts) -> Table {
    let part_of = part_of_application(facts);
    let mut counts: BTreeMap<&str, [f64; 4]> = BTreeMap::new();
    for c in &facts.certificates {
        if let Some(part) = part_of.get(&c.application_id) {
            let n = counts.entry(part).or_default();
            n[0] += 1.0;
            if c.revoked_at.is_some() {
                n[1] += 1.0;
            } else if facts.today > c.valid_until {
                n[2] += 1.0;
            } else {
                n[3] += 1.0;
            }
        }
    }
    Table {
        key: "certificates",
        title: Text::new("证书颁发与撤销", "Certificates issued and revoked"),
        columns: vec![
            Text::new("已颁发", "issued"),
            Text::new("已撤销", "revoked"),
            Text::new("已过期", "expired"),
            Text::new("有效", "in force"),
        ],
        rows: counts
            .into_iter()
            .map(|(part, c)| Row {
                label: Text::new(part, part),
                values: c.to_vec(),
            })
            .collect(),
    }
}

/// Per part: surveillances open and not yet due, due (within the warning days), overdue
/// on [`Facts::today`], and concluded.
fn surveillances(facts: &Facts) -> Table {
    use crate::domain::surveillance::{urgency, Urgency};
    let part_of = part_of_application(facts);
    let mut counts: BTreeMap<&str, [f64; 4]> = BTreeMap::new();
    for s in &facts.surveillances {
        if let Some(part) = part_of.get(&s.application_id) {
            let n = counts.entry(part).or_default();
            let column = if s.concluded {
                3
            } else {
                match urgency(s.due_on, facts.today) {
                    Urgency::Upcoming => 0,
                    Urgency::Due => 1,
                    Urgency::Overdue => 2,
                }
            };
            n[column] += 1.0;
        }
    }
    Table {
        key: "surveillances",
        title: Text::new("监督评估", "Surveillance"),
        columns: vec![
            Text::new("未到期", "upcoming"),
            Text::new("即将到期", "due"),
            Text::new("已逾期", "overdue"),
            Text::new("已完成", "concluded"),
        ],
        rows: counts
            .into_iter()
            .map(|(part, c)| Row {
                label: Text::new(part, part),
                values: c.to_vec(),
            })
            .collect(),
    }
}

/// A figure as the page and the CSV show it: whole numbers without decimals.
pub fn figure(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The report as CSV (RFC 4180): per table, its title, a heading row and its rows,
/// tables separated by an empty line.
pub fn to_csv(report: &Report, lang: Lang) -> String {
    (0..report.tables.len())
        .map(|k| csv_table(report, k, lang))
        .collect()
}

/// The CSV of the report's table number `k` (after a blank line unless it is the first):
/// the export streams them one by one, and together they are [`to_csv`].
pub fn csv_table(report: &Report, k: usize, lang: Lang) -> String {
    let mut out = String::new();
    let Some(table) = report.tables.get(k) else {
        return out;
    };
    if k > 0 {
        out.push_str("\r\n");
    }
    push_record(&mut out, [table.title.get(lang)]);
    push_record(
        &mut out,
        std::iter::once("").chain(table.columns.iter().map(|c| c.get(lang))),
    );
    for row in &table.rows {
        let values: Vec<String> = row.values.iter().map(|v| figure(*v)).collect();
        push_record(
            &mut out,
            std::iter::once(row.label.get(lang)).chain(values.iter().map(String::as_str)),
        );
    }
    out
}

/// A worksheet's name from a table's title in the reader's language: the words before
/// any parenthesis, without the characters Excel refuses, at most 31 characters, and
/// unlike the names already `taken`.
pub fn sheet_name(title: &str, taken: &[String]) -> String {
    let short = title.split(['(', '（']).next().unwrap_or_default();
    let clean: String = short
        .chars()
        .map(|c| if "[]:*?/\\'".contains(c) { '-' } else { c })
        .take(31)
        .collect();
    let clean = clean.trim().to_string();
    let base = if clean.is_empty() {
        "Sheet".to_string()
    } else {
        clean
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken
        .iter()
        .any(|t| t.to_lowercase() == name.to_lowercase())
    {
        let suffix = format!(" {n}");
        let keep = 31 - suffix.chars().count();
        name = base.chars().take(keep).collect::<String>() + &suffix;
        n += 1;
    }
    name
}

/// The report as an XLSX workbook, one worksheet per table (named by its title in the
/// reader's language, in the tables' order), figures as numbers.
pub fn to_xlsx(report: &Report, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let mut taken = Vec::new();
    for table in &report.tables {
        let sheet = book.add_worksheet();
        let name = sheet_name(table.title.get(lang), &taken);
        sheet.set_name(&name)?;
        taken.push(name);
        sheet.write_string_with_format(0, 0, table.title.get(lang), &bold)?;
        for (c, col) in table.columns.iter().enumerate() {
            sheet.write_string_with_format(1, (c + 1) as u16, col.get(lang), &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = (r + 2) as u32;
            sheet.write_string(r, 0, row.label.get(lang))?;
            for (c, v) in row.values.iter().enumerate() {
                sheet.write_number(r, (c + 1) as u16, *v)?;
            }
        }
        sheet.set_column_width(0, 28)?;
    }
    book.save_to_buffer()
}

const BAR_WIDTH: f64 = 640.0;
const BAR_ROW: f64 = 22.0;
const BAR_LABEL: f64 = 200.0;

/// A horizontal bar chart of one column of a table, as SVG: one bar per row with its
/// figure, scaled to the largest value. No script, no external assets.
pub fn bar_svg(table: &Table, column: usize, lang: Lang) -> String {
    let values: Vec<(&str, f64)> = table
        .rows
        .iter()
        .map(|r| {
            (
                r.label.get(lang),
                r.values.get(column).copied().unwrap_or(0.0),
            )
        })
        .collect();
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max);
    let height = BAR_ROW * values.len() as f64 + 8.0;
    let title = format!(
        "{} — {}",
        table.title.get(lang),
        table.columns.get(column).map_or("", |c| c.get(lang))
    );
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 {BAR_WIDTH} {height}" width="{BAR_WIDTH}" height="{height}" role="img" font-family="sans-serif" font-size="12"><title>{}</title>"#,
        escape(&title)
    );
    let room = BAR_WIDTH - BAR_LABEL - 60.0;
    for (i, (label, v)) in values.iter().enumerate() {
        let y = 4.0 + BAR_ROW * i as f64;
        let w = if max > 0.0 { room * v / max } else { 0.0 };
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#333333">{}</text><rect class="bar" x="{BAR_LABEL}" y="{:.1}" width="{w:.1}" height="{}" fill="#2563eb"/><text x="{:.1}" y="{:.1}" fill="#333333">{}</text>"##,
            BAR_LABEL - 6.0,
            y + 14.0,
            escape(label),
            y + 2.0,
            BAR_ROW - 6.0,
            BAR_LABEL + w + 4.0,
            y + 14.0,
            figure(*v)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_short_titles_excel_accepts_and_unique() {
        assert_eq!(
            sheet_name(
                "Assessor load and turnaround (days from panel confirmation to scores submitted)",
                &[]
            ),
            "Assessor load and turnaround"
        );
        assert_eq!(
            sheet_name("评估员工作量与评分周期（组建确认至提交评分，天）", &[]),
            "评估员工作量与评分周期"
        );
        assert_eq!(sheet_name("Days per stage", &[]), "Days per stage");
        assert_eq!(sheet_name("a/b: [c]?", &[]), "a-b- -c--");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &[]).chars().count(), 31);
        let taken = vec![sheet_name(&long, &[])];
        let second = sheet_name(&long, &taken);
        assert!(
            second.ends_with(" 2") && second.chars().count() == 31,
            "{second}"
        );
        assert_eq!(sheet_name("Rounds", &["rounds".to_string()]), "Rounds 2");
    }
    use chrono::NaiveDate;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    /// A deterministic id of any kind, so that the tests can name their rows.
    fn id<T: std::str::FromStr>(n: u128) -> T
    where
        T::Err: std::fmt::Debug,
    {
        uuid::Uuid::from_u128(n).to_string().parse().unwrap()
    }

    /// The application the tests call `name`.
    fn app_id(name: char) -> ApplicationId {
        id(name as u128)
    }

    /// The assessor the tests call `name`.
    fn who(name: char) -> UserId {
        id(0x1_0000 + name as u128)
    }

    /// The one round of the tests.
    fn r1() -> RoundId {
        id(0x2_0001)
    }

    fn app(name: char, part: &str, status: &str, level: i32) -> ApplicationFact {
        ApplicationFact {
            id: app_id(name),
            round_id: r1(),
            part_code: part.into(),
            status: status.parse().unwrap(),
            target_level: level,
            summary: ApplicationSummary::default(),
        }
    }

    /// Applications' status changes, submitted scores and consolidated flags, which the
    /// database keeps summarised beside each application and seat.
    #[derive(Default)]
    struct History {
        events: Vec<(ApplicationId, EventFact)>,
        scores: Vec<(ApplicationId, ScoreFact)>,
        flags: Vec<(ApplicationId, bool)>,
        /// (application, assessor, lead, the day the panel was confirmed)
        seats: Vec<(char, char, bool, u32)>,
    }

    impl History {
        fn event(&mut self, name: char, to: &str, day: u32) {
            self.events.push((
                app_id(name),
                EventFact {
                    to_status: to.parse().unwrap(),
                    occurred_at: at(day),
                },
            ));
        }

        fn scores_of(&self, id: ApplicationId) -> Vec<ScoreFact> {
            of(&self.scores, id)
        }

        /// The facts with every application (registered on day 1) and seat summarised
        /// from this history.
        fn summarise(&self, mut f: Facts) -> Facts {
            for a in &mut f.applications {
                let (events, flags) = (of(&self.events, a.id), of(&self.flags, a.id));
                a.summary = summarise(at(1), &events, &self.scores_of(a.id), &flags);
            }
            f.seats = self
                .seats
                .iter()
                .map(|&(a, name, lead, day)| SeatFact {
                    assessor_id: who(name),
                    assessor_name: format!("name-{name}"),
                    is_lead: lead,
                    turnaround_seconds: turnaround(at(day), &self.scores_of(app_id(a)), who(name)),
                })
                .collect();
            f
        }
    }

    fn of<T: Clone>(rows: &[(ApplicationId, T)], id: ApplicationId) -> Vec<T> {
        rows.iter()
            .filter(|(a, _)| *a == id)
            .map(|(_, t)| t.clone())
            .collect()
    }

    fn history() -> History {
        let mut h = History::default();
        h.event('a', "submitted", 3);
        h.event('a', "accepted", 7);
        h.event('c', "submitted", 5);
        h
    }

    fn facts() -> Facts {
        history().summarise(applications())
    }

    fn applications() -> Facts {
        Facts {
            rounds: vec![RoundFact {
                id: r1(),
                name_zh: "第一批".into(),
                name_en: "First".into(),
            }],
            applications: vec![
                app('a', "CD", "accepted", 3),
                app('b', "CD", "draft", 2),
                app('c', "SEC", "submitted", 3),
            ],
            ..Facts::default()
        }
    }

    #[test]
    fn counts_applications_by_part_and_state_with_totals() {
        let r = build(&facts(), Some(r1()));
        let t = r.table("by_part_status").unwrap();
        assert_eq!(t.rows.len(), 3);
        let cd = &t.rows[0];
        assert_eq!(cd.label.en, "CD");
        assert_eq!(cd.values[0], 1.0); // draft
        assert_eq!(cd.values[2], 1.0); // accepted
        assert_eq!(cd.values[11], 2.0);
        assert_eq!(t.rows[2].values[11], 3.0);
        assert!(r.table("rounds").is_none());
    }

    #[test]
    fn durations_use_the_first_entry_into_each_stage() {
        let r = build(&facts(), Some(r1()));
        let t = r.table("durations").unwrap();
        let registration_to_submitted = &t.rows[0];
        assert_eq!(registration_to_submitted.values[0], 2.0);
        assert_eq!(registration_to_submitted.values[1], 3.0); // (2 + 4) / 2
        assert_eq!(registration_to_submitted.values[4], 4.0);
        assert_eq!(t.rows[1].values, vec![1.0, 4.0, 4.0, 4.0, 4.0]);
        assert_eq!(t.rows[7].values, vec![0.0; 5]);
    }

    #[test]
    fn the_across_rounds_report_adds_the_round_table() {
        let r = build(&facts(), None);
        let t = r.table("rounds").unwrap();
        assert_eq!(t.rows[0].values, vec![3.0, 2.0, 0.0, 0.0]);
        let levels = r.table("target_levels").unwrap();
        assert_eq!(levels.rows[0].values, vec![0.0, 1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn csv_and_chart_show_the_same_figures() {
        let r = build(&facts(), None);
        let csv = to_csv(&r, Lang::En);
        assert!(
            csv.contains("registration → submitted,2,3,2,4,4\r\n"),
            "{csv}"
        );
        let svg = bar_svg(r.table("by_part_status").unwrap(), 11, Lang::En);
        assert_eq!(svg.matches("class=\"bar\"").count(), 3);
        assert!(svg.contains(">3</text>"));
    }

    #[test]
    fn the_streamed_tables_are_the_csv_piece_by_piece() {
        let r = build(&facts(), None);
        let first = csv_table(&r, 0, Lang::Zh);
        let second = csv_table(&r, 1, Lang::Zh);
        assert!(
            first.starts_with(r.tables[0].title.get(Lang::Zh)),
            "{first}"
        );
        assert!(second.starts_with("\r\n"), "a blank line between tables");
        assert_eq!(csv_table(&r, r.tables.len(), Lang::Zh), "");
        let whole = to_csv(&r, Lang::Zh);
        assert!(whole.starts_with(&format!("{first}{second}")));
        assert_eq!(whole.matches("\r\n\r\n").count(), r.tables.len() - 1);
    }

    fn panel_facts() -> Facts {
        let mut f = applications();
        f.applications[0].status = Status::Approved;
        f.applications.push(app('d', "SEC", "scored", 3));
        let mut h = history();
        h.seats = vec![
            ('a', 'x', true, 10),
            ('a', 'y', false, 10),
            ('d', 'x', false, 12),
        ];
        let score = |name: char, item: &str, level: Option<i32>, day: u32| ScoreFact {
            assessor_id: who(name),
            item_code: item.into(),
            level,
            submitted_at: at(day),
        };
        h.scores = vec![
            (app_id('a'), score('x', "CD.1", Some(1), 11)),
            (app_id('a'), score('x', "CD.2", Some(3), 14)),
            (app_id('a'), score('y', "CD.1", Some(4), 12)),
            (app_id('a'), score('y', "CD.2", None, 12)),
            (app_id('d'), score('x', "SEC.1", Some(2), 20)),
        ];
        h.flags = vec![(app_id('a'), true), (app_id('a'), false)];
        let mut f = h.summarise(f);
        let result = |a: char, level: i32, domains: &[(&str, i32)]| PartResultFact {
            application_id: app_id(a),
            achieved_level: level,
            domain_levels: domains.iter().map(|(d, l)| (d.to_string(), *l)).collect(),
        };
        f.results = vec![
            result('a', 2, &[("CD-A", 2), ("CD-B", 3)]),
            result('d', 3, &[("SEC-A", 3)]),
            result('c', 0, &[("SEC-A", 0)]),
        ];
        f
    }

    #[test]
    fn assessor_load_counts_seats_and_days_to_the_last_submitted_score() {
        let r = build(&panel_facts(), Some(r1()));
        let t = r.table("assessor_load").unwrap();
        let labels: Vec<&str> = t.rows.iter().map(|r| r.label.en.as_str()).collect();
        assert_eq!(labels, ["name-x", "name-y", "all assessors"]);
        // x: two seats, one as lead; 4 days on a (last score day 14), 8 days on d.
        assert_eq!(t.rows[0].values, vec![2.0, 1.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(t.rows[1].values, vec![1.0, 0.0, 1.0, 2.0, 2.0, 2.0]);
        // all: 4, 8, 2 days → median (nearest rank) 4, mean 4.67, longest 8.
        assert_eq!(t.rows[2].values, vec![3.0, 1.0, 3.0, 4.0, 4.67, 8.0]);
        // No level of any score appears: only counts and days.
        assert!(!format!("{t:?}").contains("CD.1"));
    }

    #[test]
    fn score_spread_counts_items_by_spread_and_the_flagged_share() {
        let r = build(&panel_facts(), Some(r1()));
        let t = r.table("score_spread").unwrap();
        assert_eq!(t.columns.len(), 11);
        let cd = &t.rows[0];
        assert_eq!(cd.label.en, "CD");
        // CD.1 spread 3 (1..4), CD.2 spread 0 (one level, the other not applicable).
        assert_eq!(
            cd.values,
            vec![2.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 1.0, 50.0]
        );
        let sec = &t.rows[1];
        assert_eq!(sec.values[0], 1.0);
        assert_eq!(sec.values[10], 0.0, "no consolidated item: no share");
        let total = &t.rows[2];
        assert_eq!(total.label.en, "total");
        assert_eq!(total.values[0], 3.0);
        assert_eq!(total.values[10], 50.0);
    }

    #[test]
    fn achieved_levels_are_counted_per_part_with_the_mean() {
        let r = build(&panel_facts(), Some(r1()));
        let t = r.table("achieved_levels").unwrap();
        assert_eq!(t.rows[0].label.en, "CD");
        assert_eq!(
            t.rows[0].values,
            vec![0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 2.0]
        );
        assert_eq!(
            t.rows[1].values,
            vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 1.5]
        );
    }

    #[test]
    fn domain_levels_are_counted_per_part_and_domain() {
        let r = build(&panel_facts(), Some(r1()));
        let t = r.table("domain_levels").unwrap();
        let labels: Vec<&str> = t.rows.iter().map(|r| r.label.en.as_str()).collect();
        assert_eq!(labels, ["CD · CD-A", "CD · CD-B", "SEC · SEC-A"]);
        assert_eq!(t.rows[1].values[3], 1.0);
        assert_eq!(t.rows[2].values[..6], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(t.rows[2].values[7], 1.5);
    }

    #[test]
    fn certificates_are_counted_per_part_as_revoked_expired_or_in_force() {
        let mut f = panel_facts();
        let cert = |app: char, valid_until: NaiveDate, revoked: Option<u32>| CertificateFact {
            application_id: app_id(app),
            issued_at: at(20),
            valid_until,
            revoked_at: revoked.map(at),
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        f.today = day(2029, 3, 2);
        f.certificates = vec![
            // In force up to and including its last day.
            cert('a', day(2029, 3, 2), None),
            // Revoked and expired: counted once, as revoked.
            cert('c', day(2029, 1, 1), Some(25)),
            cert('c', day(2029, 3, 1), None),
            // Not an application of this report: ignored.
            cert('z', day(2030, 1, 1), None),
        ];
        let r = build(&f, Some(r1()));
        let t = r.table("certificates").unwrap();
        let cols: Vec<&str> = t.columns.iter().map(|c| c.en.as_str()).collect();
        assert_eq!(cols, ["issued", "revoked", "expired", "in force"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].values, vec![1.0, 0.0, 0.0, 1.0]);
        assert_eq!(t.rows[1].values, vec![2.0, 1.0, 1.0, 0.0]);
        for row in &t.rows {
            assert_eq!(row.values[0], row.values[1..].iter().sum::<f64>());
        }
    }

    #[test]
    fn surveillances_are_counted_per_part_as_upcoming_due_overdue_or_concluded() {
        let mut f = facts();
        let today = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        f.today = today;
        let a = f.applications[0].id;
        let s = |days: i64, concluded: bool| SurveillanceFact {
            application_id: a,
            due_on: today + chrono::Duration::days(days),
            concluded,
        };
        f.surveillances = vec![s(90, false), s(10, false), s(-1, false), s(-200, true)];
        let r = build(&f, None);
        let t = r.table("surveillances").unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].label.en, "CD");
        assert_eq!(t.rows[0].values, vec![1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn without_certificates_the_section_is_empty() {
        let r = build(&panel_facts(), Some(r1()));
        assert!(r.table("certificates").unwrap().rows.is_empty());
    }

    #[test]
    fn durations_cover_the_panel_stages() {
        let mut h = history();
        h.event('a', "in_assessment", 10);
        h.event('a', "scored", 15);
        h.event('a', "in_review", 16);
        h.event('a', "approved", 20);
        let r = build(&h.summarise(applications()), Some(r1()));
        let t = r.table("durations").unwrap();
        let days: Vec<f64> = t.rows[2..6].iter().map(|r| r.values[1]).collect();
        assert_eq!(days, vec![3.0, 5.0, 1.0, 4.0]);
        assert_eq!(t.rows[4].label.en, "scored → in_review");
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.9), 10.0);
        assert_eq!(quantile(&[5.0], 0.9), 5.0);
    }

    #[test]
    fn a_summary_keeps_the_first_entry_and_counts_only_submitted_levels() {
        let e = |to: &str, day| EventFact {
            to_status: to.parse().unwrap(),
            occurred_at: at(day),
        };
        let score = |name: char, item: &str, level, day| ScoreFact {
            assessor_id: who(name),
            item_code: item.into(),
            level,
            submitted_at: at(day),
        };
        // Scored, returned by the review, scored again: the first scoring counts.
        let events = [
            e("scored", 9),
            e("returned", 12),
            e("scored", 15),
            e("draft", 1),
        ];
        let scores = [
            score('x', "I1", Some(1), 10),
            score('y', "I1", Some(5), 8),
            score('x', "I2", None, 11),
            score('y', "I2", None, 11),
            score('y', "I3", Some(2), 7),
        ];
        let s = summarise(at(1), &events, &scores, &[true, false, false]);
        assert_eq!(s.reached_after[3], Some(8 * 86_400));
        assert_eq!(s.reached_after.iter().flatten().count(), 1, "{s:?}");
        // I1 spread 4, I3 spread 0; I2 has no level and is not a scored item.
        assert_eq!(s.items_by_spread, [1, 0, 0, 0, 1, 0]);
        assert_eq!((s.consolidated_items, s.flagged_items), (3, 1));
        assert_eq!(turnaround(at(10), &scores, who('x')), Some(86_400));
        assert_eq!(turnaround(at(10), &scores, who('z')), None);
    }

    use proptest::prelude::*;

    fn any_event() -> impl Strategy<Value = EventFact> {
        (0..STAGES.len() + 2, 1u32..28).prop_map(|(s, day)| EventFact {
            to_status: Status::ALL[s % Status::ALL.len()],
            occurred_at: at(day),
        })
    }

    fn any_score() -> impl Strategy<Value = ScoreFact> {
        (
            0..5usize,
            0..8usize,
            proptest::option::weighted(0.8, 0..=5i32),
            1u32..28,
        )
            .prop_map(|(who, item, level, day)| ScoreFact {
                assessor_id: id(who as u128),
                item_code: format!("I{item}"),
                level,
                submitted_at: at(day),
            })
    }

    proptest! {
        /// The summary is the same whatever order the rows come in, and agrees with a
        /// plain count: every item with a level is counted once, at its spread, and
        /// each stage's time is the earliest entry into it.
        #[test]
        fn summaries_do_not_depend_on_row_order(
            events in proptest::collection::vec(any_event(), 0..20),
            scores in proptest::collection::vec(any_score(), 0..40),
            flags in proptest::collection::vec(any::<bool>(), 0..10),
            seed in any::<u64>(),
        ) {
            let s = summarise(at(1), &events, &scores, &flags);
            let mut shuffled_events = events.clone();
            let mut shuffled_scores = scores.clone();
            let rotate = |n: usize| if n == 0 { 0 } else { (seed as usize) % n };
            shuffled_events.rotate_left(rotate(events.len()));
            shuffled_events.reverse();
            shuffled_scores.rotate_left(rotate(scores.len()));
            shuffled_scores.reverse();
            prop_assert_eq!(s, summarise(at(1), &shuffled_events, &shuffled_scores, &flags));

            let mut items: Vec<&str> = scores
                .iter()
                .filter(|x| x.level.is_some())
                .map(|x| x.item_code.as_str())
                .collect();
            items.sort_unstable();
            items.dedup();
            prop_assert_eq!(s.items_by_spread.iter().sum::<i32>() as usize, items.len());
            for item in items {
                let levels: Vec<i32> = scores
                    .iter()
                    .filter(|x| x.item_code == item)
                    .filter_map(|x| x.level)
                    .collect();
                let spread = levels.iter().max().unwrap() - levels.iter().min().unwrap();
                prop_assert!(s.items_by_spread[spread as usize] >= 1);
            }
            for (i, stage) in STAGES[1..].iter().enumerate() {
                let first = events
                    .iter()
                    .filter(|e| e.to_status == *stage)
                    .map(|e| (e.occurred_at - at(1)).num_seconds())
                    .min();
                prop_assert_eq!(s.reached_after[i], first);
            }
            prop_assert_eq!(s.flagged_items as usize, flags.iter().filter(|f| **f).count());
        }
    }
}
