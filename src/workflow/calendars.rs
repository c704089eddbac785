//! Public-holiday calendars the secretariat keeps in the database, seeded from the files
//! shipped with the binary for a year the database does not have yet.
//!
//! Every use case reads the calendars inside its own transaction ([`Store::load`]), so a
//! change made through any instance is what the next request sees; the tables are a few
//! hundred rows.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::models::{audit, calendars as store, rounds};
use crate::db::{write_tx, DbConn};
use crate::domain::audit::{Actor, Kind};
use crate::domain::calendar::{
    month_grids, parse_calendar, uncovered_years, CalendarDay, CalendarError, Calendars, DayEntry,
    MonthGrid, RegistrationWindow, YearCalendar, BUILT_IN,
};
use crate::domain::catalog::Bilingual;
use crate::refusal::{Code, Refusal};

/// Where use cases get the calendars from: the database, read in the caller's transaction.
#[derive(Debug, Default, Clone, Copy)]
pub struct Store;

impl Store {
    pub fn load(&self, conn: &mut DbConn) -> Result<Calendars, Refusal> {
        load(conn)
    }
}

/// The shipped files, checked.
pub fn built_in() -> Result<Vec<YearCalendar>, CalendarError> {
    BUILT_IN
        .iter()
        .map(|(name, text)| parse_calendar(name, text))
        .collect()
}

/// Adds each shipped year the database does not have; a year the secretariat changed (or
/// emptied) is left alone. Returns the years added.
pub fn seed_missing(conn: &mut DbConn) -> anyhow::Result<Vec<i32>> {
    let shipped = built_in()?;
    let added = write_tx(conn, |conn| -> Result<Vec<i32>, diesel::result::Error> {
        let have: Vec<i32> = store::years(conn)?.into_iter().map(|y| y.year).collect();
        let mut added = Vec::new();
        for c in &shipped {
            if !have.contains(&c.year()) {
                store::replace_year(conn, c.year(), c.source(), &c.days())?;
                added.push(c.year());
            }
        }
        Ok(added)
    })?;
    Ok(added)
}

fn kept(conn: &mut DbConn) -> Result<Vec<YearCalendar>, Refusal> {
    let mut by_year: BTreeMap<i32, (String, Vec<CalendarDay>)> = store::years(conn)?
        .into_iter()
        .map(|y| (y.year, (y.source, Vec::new())))
        .collect();
    for (year, day) in store::days(conn)? {
        if let Some((_, days)) = by_year.get_mut(&year) {
            days.push(day);
        }
    }
    by_year
        .into_iter()
        .map(|(year, (source, days))| {
            YearCalendar::from_days(year, &source, days).map_err(|p| Refusal::Invalid(p.into()))
        })
        .collect()
}

/// Every kept year, as the domain reads them.
pub fn load(conn: &mut DbConn) -> Result<Calendars, Refusal> {
    Calendars::new(kept(conn)?).map_err(|e| Refusal::Invalid(e.into()))
}

/// One year in the list of calendars.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub year: i32,
    pub source: String,
    pub closed_days: usize,
    pub makeup_workdays: usize,
}

/// The list page and `GET /api/v1/calendars`: the kept years, and the years that rounds
/// need but have no calendar (they fall back to weekends only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarsView {
    pub years: Vec<YearSummary>,
    pub missing: Vec<i32>,
}

pub fn overview(conn: &mut DbConn) -> Result<CalendarsView, Refusal> {
    let kept = kept(conn)?;
    let calendars = Calendars::new(kept.clone()).map_err(|e| Refusal::Invalid(e.into()))?;
    let years = kept
        .iter()
        .map(|c| {
            let days = c.days();
            let closed = days
                .iter()
                .filter(|d| matches!(d.entry, DayEntry::Closed(_)))
                .count();
            YearSummary {
                year: c.year(),
                source: c.source().to_string(),
                closed_days: closed,
                makeup_workdays: days.len() - closed,
            }
        })
        .collect();
    let mut missing: Vec<i32> = Vec::new();
    for r in rounds::list(conn)? {
        if let Ok(w) = RegistrationWindow::new(r.registration_opens, r.registration_closes) {
            missing.extend(uncovered_years(w, &calendars));
        }
    }
    missing.sort_unstable();
    missing.dedup();
    Ok(CalendarsView { years, missing })
}

/// One kept day as pages and the API show it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DayView {
    #[schema(value_type = String, format = Date)]
    pub date: chrono::NaiveDate,
    /// `closed` (a public holiday) or `workday` (a make-up working day).
    pub kind: String,
    /// The holiday's names; empty for a make-up working day.
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
}

impl DayView {
    fn of(d: &CalendarDay) -> DayView {
        let (kind, name) = match &d.entry {
            DayEntry::Closed(n) => ("closed", n.clone()),
            DayEntry::MakeupWorkday => (
                "workday",
                Bilingual {
                    zh: String::new(),
                    en: String::new(),
                },
            ),
        };
        DayView {
            date: d.date,
            kind: kind.into(),
            name_zh: name.zh,
            name_en: name.en,
        }
    }

    /// The domain's day; a kind other than the two is refused.
    pub fn parse(self) -> Result<CalendarDay, Refusal> {
        let entry = match self.kind.as_str() {
            "closed" => DayEntry::Closed(Bilingual {
                zh: self.name_zh,
                en: self.name_en,
            }),
            "workday" => DayEntry::MakeupWorkday,
            _ => return Err(Refusal::Invalid(Code::CalendarFormKind.into())),
        };
        Ok(CalendarDay {
            date: self.date,
            entry,
        })
    }
}

/// One year: its days, and (for pages) its months as grids.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearView {
    pub year: i32,
    /// False for a year without a calendar: only weekends are known.
    pub kept: bool,
    pub source: String,
    pub days: Vec<DayView>,
    #[serde(skip)]
    pub months: Vec<MonthGrid>,
}

pub fn year(conn: &mut DbConn, year: i32) -> Result<YearView, Refusal> {
    let (Some(first), Some(last)) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(Refusal::NotFound);
    };
    let kept = kept(conn)?;
    let calendars = Calendars::new(kept.clone()).map_err(|e| Refusal::Invalid(e.into()))?;
    let this = kept.iter().find(|c| c.year() == year);
    Ok(YearView {
        year,
        kept: this.is_some(),
        source: this.map(|c| c.source().to_string()).unwrap_or_default(),
        days: this
            .map(|c| c.days().iter().map(DayView::of).collect())
            .unwrap_or_default(),
        months: month_grids(&calendars, first, last, None, 12),
    })
}

/// Replaces a year's days (secretariat: the route table decides), checked alone and
/// against the other years.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn replace(
    conn: &mut DbConn,
    year: i32,
    source: Option<&str>,
    days: Vec<CalendarDay>,
    actor: &Actor,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let kept = kept(conn)?;
        let source = match source {
            Some(s) => s.to_string(),
            None => kept
                .iter()
                .find(|c| c.year() == year)
                .map(|c| c.source().to_string())
                .unwrap_or_default(),
        };
        replace_in(conn, kept, year, &source, days.clone(), actor)
    })
}

fn replace_in(
    conn: &mut DbConn,
    kept: Vec<YearCalendar>,
    year: i32,
    source: &str,
    days: Vec<CalendarDay>,
    actor: &Actor,
) -> Result<(), Refusal> {
    let next =
        YearCalendar::from_days(year, source, days).map_err(|p| Refusal::Invalid(p.into()))?;
    let others = kept.into_iter().filter(|c| c.year() != year);
    Calendars::new(others.chain([next.clone()])).map_err(|e| Refusal::Invalid(e.into()))?;
    let days = next.days();
    store::replace_year(conn, year, next.source(), &days)?;
    audit::append(
        conn,
        actor,
        Kind::CalendarChanged,
        ("calendar", &year),
        serde_json::json!({
            "year": year,
            "days": days.iter().map(DayView::of).collect::<Vec<_>>(),
        }),
    )?;
    Ok(())
}

/// Changes one day of a year in one transaction: `day` replaces whatever its date was, or
/// `remove` takes the date out (refused when the year does not list it).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn change_day(
    conn: &mut DbConn,
    year: i32,
    change: DayChange,
    actor: &Actor,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let kept = kept(conn)?;
        let current = kept.iter().find(|c| c.year() == year);
        let source = current.map(|c| c.source().to_string()).unwrap_or_default();
        let mut days = current.map(|c| c.days()).unwrap_or_default();
        match change.clone() {
            DayChange::Put(day) => {
                days.retain(|d| d.date != day.date);
                days.push(day);
            }
            DayChange::Remove(date) => {
                let before = days.len();
                days.retain(|d| d.date != date);
                if days.len() == before {
                    return Err(Refusal::Invalid(
                        Code::CalendarDayNotKept.with("date", date),
                    ));
                }
            }
        }
        replace_in(conn, kept, year, &source, days, actor)
    })
}

#[derive(Clone)]
pub enum DayChange {
    Put(CalendarDay),
    Remove(chrono::NaiveDate),
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_calendars_cover_2021_to_2026() {
        let c = crate::domain::calendar::Calendars::new(super::built_in().unwrap()).unwrap();
        for year in 2021..=2026 {
            assert!(c.covers(year));
        }
        assert!(!c.covers(2027));
    }
}
