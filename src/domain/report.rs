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
//! Extension point: sections that need results (score spread, assessor load and
//! turnaround, achieved level per part and per capability domain, certificates issued or
//! revoked) take further fact lists in [`Facts`] and push further [`Table`]s in [`build`];
//! the views need no change.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::application_status::Status;
use crate::domain::i18n::Lang;
use crate::domain::self_assessment::push_record;

/// One application as the reports see it: no enterprise, no contact.
#[derive(Debug, Clone)]
pub struct ApplicationFact {
    pub id: String,
    pub round_id: String,
    pub part_code: String,
    pub status: String,
    pub target_level: i32,
    pub created_at: NaiveDateTime,
}

/// One status change of an application.
#[derive(Debug, Clone)]
pub struct EventFact {
    pub application_id: String,
    pub to_status: String,
    pub occurred_at: NaiveDateTime,
}

/// A round's id and names, for the across-rounds table.
#[derive(Debug, Clone)]
pub struct RoundFact {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

/// Everything a report is built from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Every round in scope, in display order; one for a round report.
    pub rounds: Vec<RoundFact>,
    pub applications: Vec<ApplicationFact>,
    pub events: Vec<EventFact>,
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
    pub round_id: Option<String>,
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
pub fn build(facts: &Facts, round_id: Option<&str>) -> Report {
    let mut tables = vec![
        by_part_status(facts),
        durations(facts),
        target_levels(facts),
    ];
    if round_id.is_none() {
        tables.push(rounds(facts));
    }
    Report {
        round_id: round_id.map(str::to_string),
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
        if let Some(i) = Status::ALL.iter().position(|s| s.as_str() == a.status) {
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
    let mut first: HashMap<&str, [Option<NaiveDateTime>; 8]> =
        HashMap::with_capacity(facts.applications.len());
    for a in &facts.applications {
        let mut times = [None; 8];
        times[0] = Some(a.created_at);
        first.insert(a.id.as_str(), times);
    }
    for e in &facts.events {
        let Some(times) = first.get_mut(e.application_id.as_str()) else {
            continue;
        };
        if let Some(i) = STAGES.iter().position(|s| s.as_str() == e.to_status) {
            if i > 0 && times[i].is_none_or(|t| e.occurred_at < t) {
                times[i] = Some(e.occurred_at);
            }
        }
    }
    let mut spans: Vec<Vec<f64>> = vec![Vec::new(); STAGES.len()];
    for times in first.values() {
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

fn days(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 86_400.0
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
    let mut counts: HashMap<&str, [f64; 4]> = HashMap::new();
    for a in &facts.applications {
        let c = counts.entry(a.round_id.as_str()).or_default();
        c[0] += 1.0;
        if a.status != Status::Draft.as_str() {
            c[1] += 1.0;
        }
        if a.status == Status::Certified.as_str() {
            c[2] += 1.0;
        }
        if a.status == Status::Withdrawn.as_str() || a.status == Status::Rejected.as_str() {
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
                values: counts
                    .get(r.id.as_str())
                    .copied()
                    .unwrap_or_default()
                    .to_vec(),
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
    let mut out = String::new();
    for (k, table) in report.tables.iter().enumerate() {
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
    }
    out
}

/// The report as an XLSX workbook, one worksheet per table, figures as numbers.
pub fn to_xlsx(report: &Report, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for table in &report.tables {
        let sheet = book.add_worksheet();
        sheet.set_name(table.key)?;
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
    use chrono::NaiveDate;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn app(id: &str, part: &str, status: &str, level: i32) -> ApplicationFact {
        ApplicationFact {
            id: id.into(),
            round_id: "r1".into(),
            part_code: part.into(),
            status: status.into(),
            target_level: level,
            created_at: at(1),
        }
    }

    fn event(id: &str, to: &str, day: u32) -> EventFact {
        EventFact {
            application_id: id.into(),
            to_status: to.into(),
            occurred_at: at(day),
        }
    }

    fn facts() -> Facts {
        Facts {
            rounds: vec![RoundFact {
                id: "r1".into(),
                name_zh: "第一批".into(),
                name_en: "First".into(),
            }],
            applications: vec![
                app("a", "CD", "accepted", 3),
                app("b", "CD", "draft", 2),
                app("c", "SEC", "submitted", 3),
            ],
            events: vec![
                event("a", "submitted", 3),
                event("a", "accepted", 7),
                event("c", "submitted", 5),
            ],
        }
    }

    #[test]
    fn counts_applications_by_part_and_state_with_totals() {
        let r = build(&facts(), Some("r1"));
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
        let r = build(&facts(), Some("r1"));
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
    fn quantiles_are_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.9), 10.0);
        assert_eq!(quantile(&[5.0], 0.9), 5.0);
    }
}
