//! Public holidays of mainland China as data and the rule "registration excluding public
//! holidays". Each `fixtures/calendars/cn-<year>.toml` copies the State Council's notice for
//! that year: the holidays and the make-up working days (调休) on a Saturday or Sunday.
//!
//! The files seed the calendars the secretariat keeps in the database (one year's closed
//! days and make-up working days, [`YearCalendar::from_days`]); both go through the same
//! checks here.
//!
//! Registration is refused on a public holiday only; ordinary weekends and make-up working
//! days are open. A year without a calendar falls back to weekends only: no day of it is a
//! holiday, and [`uncovered_years`] names it so every page can warn that holidays are not
//! excluded. Dates are Beijing time (Asia/Shanghai): a window runs from 00:00 of its first
//! day to 23:59:59 of its last.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};
use toml::value::Datetime;
use toml::Spanned;

use crate::domain::catalog::{Bilingual, TomlSyntax};

/// A year's notice can begin that year's New Year holiday or make-up days in the last week
/// of the year before (2023-12-30 is in the 2024 notice; 2018-12-29 was a make-up day for
/// 2019), so a file may reach back to this day of December and those days need both files.
const REACH_BACK_DAY_OF_DECEMBER: u32 = 25;

/// No notice has had a holiday longer than nine days; anything beyond this is a typo.
pub const LONGEST_HOLIDAY_DAYS: i64 = 14;

const LAST_SECOND: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(t) => t,
    None => panic!("23:59:59 is a time of day"),
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub name: Bilingual,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
}

/// One checked calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCalendar {
    file: String,
    year: i32,
    source: String,
    holidays: Vec<Holiday>,
    makeup_workdays: BTreeSet<NaiveDate>,
}

impl YearCalendar {
    /// A year's calendar from the days the secretariat keeps, checked as a file is: dates in
    /// the year (or its reach-back days of December), named holidays of at most
    /// [`LONGEST_HOLIDAY_DAYS`] days, make-up working days on a weekend, each day once.
    pub fn from_days(
        year: i32,
        source: &str,
        mut days: Vec<CalendarDay>,
    ) -> Result<YearCalendar, CalendarProblem> {
        let (Some(first), Some(last)) = (
            year.checked_sub(1)
                .and_then(|before| NaiveDate::from_ymd_opt(before, 12, REACH_BACK_DAY_OF_DECEMBER)),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Err(CalendarProblem::UnusableYear { year });
        };
        days.sort_by_key(|d| d.date);
        let mut holidays: Vec<Holiday> = Vec::new();
        let mut makeup_workdays = BTreeSet::new();
        let mut previous: Option<NaiveDate> = None;
        for day in days {
            let date = day.date;
            if previous == Some(date) {
                return Err(CalendarProblem::DayListedTwice { date });
            }
            previous = Some(date);
            if date < first || date > last {
                return Err(CalendarProblem::DateOutsideYear { date, year });
            }
            match day.entry {
                DayEntry::Closed(name) => {
                    let name = Bilingual {
                        zh: name.zh.trim().to_string(),
                        en: name.en.trim().to_string(),
                    };
                    if name.zh.is_empty() || name.en.is_empty() {
                        return Err(CalendarProblem::HolidayNameIncomplete { from: date });
                    }
                    match holidays.last_mut() {
                        Some(h) if h.name == name && h.to.succ_opt() == Some(date) => {
                            if (date - h.from).num_days() >= LONGEST_HOLIDAY_DAYS {
                                return Err(CalendarProblem::HolidayTooLong {
                                    name,
                                    from: h.from,
                                    to: date,
                                });
                            }
                            h.to = date;
                        }
                        _ => holidays.push(Holiday {
                            name,
                            from: date,
                            to: date,
                        }),
                    }
                }
                DayEntry::MakeupWorkday => {
                    if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                        return Err(CalendarProblem::MakeupNotWeekend {
                            date,
                            weekday: date.weekday(),
                        });
                    }
                    makeup_workdays.insert(date);
                }
            }
        }
        Ok(YearCalendar {
            file: year.to_string(),
            year,
            source: source.trim().to_string(),
            holidays,
            makeup_workdays,
        })
    }

    /// Every closed day and make-up working day, in date order: what the database keeps.
    pub fn days(&self) -> Vec<CalendarDay> {
        let mut days: Vec<CalendarDay> = self
            .holidays
            .iter()
            .flat_map(|h| {
                h.from
                    .iter_days()
                    .take_while(|d| *d <= h.to)
                    .map(|date| CalendarDay {
                        date,
                        entry: DayEntry::Closed(h.name.clone()),
                    })
            })
            .chain(self.makeup_workdays.iter().map(|&date| CalendarDay {
                date,
                entry: DayEntry::MakeupWorkday,
            }))
            .collect();
        days.sort_by_key(|d| d.date);
        days
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// The notice the file copies, for showing where the dates come from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{file}{}: {problem}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Invalid {
        file: String,
        line: Option<usize>,
        /// Boxed: the holidays it names make it large, and it is the rare path.
        problem: Box<CalendarProblem>,
    },
}

/// Each check of a calendar file, and of files read together. The words are in the
/// message catalogs (`refusal.calendar.*`); `Display` is English for logs and the console.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarProblem {
    #[error("{0}")]
    Syntax(TomlSyntax),
    #[error("{year} is not a usable year")]
    UnusableYear { year: i32 },
    #[error("source is empty: name the State Council notice")]
    SourceEmpty,
    #[error("the file lists no [[holidays]]")]
    NoHolidays,
    #[error("expected a date such as {year}-02-11, found {found}")]
    NotADate { year: i32, found: String },
    #[error("{date} is not in {year} (nor in the last week of {})", year - 1)]
    DateOutsideYear { date: NaiveDate, year: i32 },
    #[error("the holiday from {from} needs both zh and en names")]
    HolidayNameIncomplete { from: NaiveDate },
    #[error("{}: ends on {to}, before it starts on {from}", name.en)]
    HolidayReversed {
        name: Bilingual,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("{}: {from} to {to} is longer than {LONGEST_HOLIDAY_DAYS} days", name.en)]
    HolidayTooLong {
        name: Bilingual,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("{} overlaps {} ({} to {})", name.en, other.name.en, other.from, other.to)]
    HolidaysOverlap { name: Bilingual, other: Holiday },
    #[error("make-up working day {date} is a {weekday:?}; they fall on a Saturday or Sunday")]
    MakeupNotWeekend { date: NaiveDate, weekday: Weekday },
    #[error("make-up working day {date} is inside {} ({} to {})", holiday.name.en, holiday.from, holiday.to)]
    MakeupInsideHoliday { date: NaiveDate, holiday: Holiday },
    #[error(
        "make-up working day {date} is for '{for_holiday}', which is not a holiday in this file"
    )]
    MakeupForUnknownHoliday {
        date: NaiveDate,
        for_holiday: String,
    },
    #[error("make-up working day {date} is listed twice")]
    MakeupListedTwice { date: NaiveDate },
    #[error("a second calendar for {year}")]
    SecondCalendar { year: i32 },
    #[error("{date} is also listed in {other}")]
    DayInTwoFiles { date: NaiveDate, other: String },
    #[error("{date} is listed twice")]
    DayListedTwice { date: NaiveDate },
}

/// What one kept day of a year's calendar is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayEntry {
    /// A public holiday: registration is closed. Consecutive days with one name form one
    /// holiday.
    Closed(Bilingual),
    /// A Saturday or Sunday worked to make up for a holiday (调休).
    MakeupWorkday,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub entry: DayEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    year: Spanned<i32>,
    source: String,
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    workdays: Vec<RawWorkday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: Bilingual,
    from: Spanned<Datetime>,
    to: Spanned<Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkday {
    date: Spanned<Datetime>,
    /// The Chinese name of the holiday it makes up for, as in the notice.
    #[serde(rename = "for")]
    for_holiday: String,
}

/// Parses and checks one calendar file. `file` names it in errors.
pub fn parse_calendar(file: &str, text: &str) -> Result<YearCalendar, CalendarError> {
    let line_at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let fail = |offset: Option<usize>, problem: CalendarProblem| CalendarError::Invalid {
        file: file.to_string(),
        line: offset.map(line_at),
        problem: Box::new(problem),
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let (line, syntax) = TomlSyntax::locate(text, &e);
        CalendarError::Invalid {
            file: file.to_string(),
            line,
            problem: Box::new(CalendarProblem::Syntax(syntax)),
        }
    })?;

    let year = *raw.year.get_ref();
    let year_at = Some(raw.year.span().start);
    let (Some(first), Some(last)) = (
        year.checked_sub(1)
            .and_then(|before| NaiveDate::from_ymd_opt(before, 12, REACH_BACK_DAY_OF_DECEMBER)),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(fail(year_at, CalendarProblem::UnusableYear { year }));
    };
    if raw.source.trim().is_empty() {
        return Err(fail(None, CalendarProblem::SourceEmpty));
    }
    if raw.holidays.is_empty() {
        return Err(fail(None, CalendarProblem::NoHolidays));
    }
    let date_in_year = |d: &Spanned<Datetime>| {
        let at = Some(d.span().start);
        let date = to_date(d.get_ref()).ok_or_else(|| {
            fail(
                at,
                CalendarProblem::NotADate {
                    year,
                    found: d.get_ref().to_string(),
                },
            )
        })?;
        if date < first || date > last {
            return Err(fail(at, CalendarProblem::DateOutsideYear { date, year }));
        }
        Ok(date)
    };

    let mut holidays: Vec<Holiday> = Vec::new();
    for h in raw.holidays {
        let at = Some(h.from.span().start);
        let (from, to) = (date_in_year(&h.from)?, date_in_year(&h.to)?);
        if h.name.zh.trim().is_empty() || h.name.en.trim().is_empty() {
            return Err(fail(at, CalendarProblem::HolidayNameIncomplete { from }));
        }
        if to < from {
            return Err(fail(
                at,
                CalendarProblem::HolidayReversed {
                    name: h.name,
                    from,
                    to,
                },
            ));
        }
        if (to - from).num_days() >= LONGEST_HOLIDAY_DAYS {
            return Err(fail(
                at,
                CalendarProblem::HolidayTooLong {
                    name: h.name,
                    from,
                    to,
                },
            ));
        }
        if let Some(other) = holidays.iter().find(|o| o.from <= to && from <= o.to) {
            return Err(fail(
                at,
                CalendarProblem::HolidaysOverlap {
                    name: h.name,
                    other: other.clone(),
                },
            ));
        }
        holidays.push(Holiday {
            name: h.name,
            from,
            to,
        });
    }

    let mut makeup_workdays = BTreeSet::new();
    for w in raw.workdays {
        let at = Some(w.date.span().start);
        let date = date_in_year(&w.date)?;
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(fail(
                at,
                CalendarProblem::MakeupNotWeekend {
                    date,
                    weekday: date.weekday(),
                },
            ));
        }
        if let Some(h) = holidays.iter().find(|h| h.from <= date && date <= h.to) {
            return Err(fail(
                at,
                CalendarProblem::MakeupInsideHoliday {
                    date,
                    holiday: h.clone(),
                },
            ));
        }
        if !holidays.iter().any(|h| h.name.zh == w.for_holiday) {
            return Err(fail(
                at,
                CalendarProblem::MakeupForUnknownHoliday {
                    date,
                    for_holiday: w.for_holiday,
                },
            ));
        }
        if !makeup_workdays.insert(date) {
            return Err(fail(at, CalendarProblem::MakeupListedTwice { date }));
        }
    }

    Ok(YearCalendar {
        file: file.to_string(),
        year,
        source: raw.source,
        holidays,
        makeup_workdays,
    })
}

/// A TOML local date (no time, no offset).
fn to_date(d: &Datetime) -> Option<NaiveDate> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        ),
        _ => None,
    }
}

/// Several years' calendars, looked up by day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendars {
    years: BTreeSet<i32>,
    holidays: Vec<Holiday>,
    /// Every holiday day, pointing into `holidays`.
    holiday_days: BTreeMap<NaiveDate, usize>,
    makeup_workdays: BTreeSet<NaiveDate>,
}

impl Calendars {
    /// Refuses two files for one year, and a day that two files disagree on (possible only
    /// in the last week of December, which two notices can both speak of).
    pub fn new(
        calendars: impl IntoIterator<Item = YearCalendar>,
    ) -> Result<Calendars, CalendarError> {
        let mut all = Calendars {
            years: BTreeSet::new(),
            holidays: Vec::new(),
            holiday_days: BTreeMap::new(),
            makeup_workdays: BTreeSet::new(),
        };
        let mut owner: BTreeMap<NaiveDate, String> = BTreeMap::new();
        for c in calendars {
            let fail = |problem: CalendarProblem| CalendarError::Invalid {
                file: c.file.clone(),
                line: None,
                problem: Box::new(problem),
            };
            if !all.years.insert(c.year) {
                return Err(fail(CalendarProblem::SecondCalendar { year: c.year }));
            }
            let days = c
                .holidays
                .iter()
                .flat_map(|h| h.from.iter_days().take_while(|d| *d <= h.to))
                .chain(c.makeup_workdays.iter().copied());
            for day in days {
                if let Some(other) = owner.insert(day, c.file.clone()) {
                    return Err(fail(CalendarProblem::DayInTwoFiles { date: day, other }));
                }
            }
            for h in c.holidays {
                let index = all.holidays.len();
                all.holiday_days.extend(
                    h.from
                        .iter_days()
                        .take_while(|d| *d <= h.to)
                        .map(|d| (d, index)),
                );
                all.holidays.push(h);
            }
            all.makeup_workdays.extend(c.makeup_workdays);
        }
        Ok(all)
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years that have a calendar, in order.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// What `date` is: a holiday, a make-up working day, a weekend or a working day. A
    /// year without a calendar has weekends and working days only.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(h) = self.holiday_on(date) {
            DayKind::Holiday(h.name.clone())
        } else if self.is_makeup_workday(date) {
            DayKind::MakeupWorkday
        } else if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        }
    }

    pub fn holiday_on(&self, date: NaiveDate) -> Option<&Holiday> {
        self.holiday_days
            .get(&date)
            .and_then(|&i| self.holidays.get(i))
    }

    pub fn is_makeup_workday(&self, date: NaiveDate) -> bool {
        self.makeup_workdays.contains(&date)
    }

    /// Whether the files loaded settle `date`; if not, the year whose file is missing.
    fn settles(&self, date: NaiveDate) -> Result<(), i32> {
        let year = date.year();
        if !self.covers(year) {
            Err(year)
        } else if date.month() == 12
            && date.day() >= REACH_BACK_DAY_OF_DECEMBER
            && !self.covers(year + 1)
        {
            Err(year + 1)
        } else {
            Ok(())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Holiday(Bilingual),
    MakeupWorkday,
    Weekend,
    Workday,
}

impl DayKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DayKind::Holiday(_) => "holiday",
            DayKind::MakeupWorkday => "makeup",
            DayKind::Weekend => "weekend",
            DayKind::Workday => "workday",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("registration cannot close on {closes}, before it opens on {opens}")]
pub struct WindowReversed {
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

/// The days on which a round takes registrations, in Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationWindow {
    opens: NaiveDate,
    closes: NaiveDate,
}

impl RegistrationWindow {
    pub fn new(opens: NaiveDate, closes: NaiveDate) -> Result<RegistrationWindow, WindowReversed> {
        if closes < opens {
            return Err(WindowReversed { opens, closes });
        }
        Ok(RegistrationWindow { opens, closes })
    }

    pub fn opens(&self) -> NaiveDate {
        self.opens
    }

    pub fn closes(&self) -> NaiveDate {
        self.closes
    }

    /// The last second of registration, 23:59:59 Beijing time on the last day; what a
    /// countdown counts to.
    pub fn closes_at(&self) -> DateTime<Utc> {
        let local = self.closes.and_time(LAST_SECOND);
        match Shanghai.from_local_datetime(&local).earliest() {
            Some(t) => t.with_timezone(&Utc),
            // Only inside a clock change, which China has not had since 1991: use UTC+8.
            None => local.and_utc() - chrono::Duration::hours(8),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationStatus {
    Open,
    NotYetOpen {
        opens: NaiveDate,
    },
    Closed {
        closed_on: NaiveDate,
    },
    /// `next_open_day` is `None` when the window ends before the holiday does.
    Holiday {
        holiday_name: Bilingual,
        next_open_day: Option<NaiveDate>,
    },
}

/// Whether a submission at instant `at` is accepted.
pub fn registration_status(
    window: RegistrationWindow,
    calendars: &Calendars,
    at: DateTime<Utc>,
) -> RegistrationStatus {
    let today = at.with_timezone(&Shanghai).date_naive();
    if today < window.opens {
        return RegistrationStatus::NotYetOpen {
            opens: window.opens,
        };
    }
    if today > window.closes {
        return RegistrationStatus::Closed {
            closed_on: window.closes,
        };
    }
    match calendars.holiday_on(today) {
        None => RegistrationStatus::Open,
        Some(holiday) => {
            let next_open_day = today
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= window.closes)
                .find(|d| calendars.holiday_on(*d).is_none());
            RegistrationStatus::Holiday {
                holiday_name: holiday.name.clone(),
                next_open_day,
            }
        }
    }
}

/// The calendar files shipped with the binary: (file name, text).
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "cn-2021.toml",
        include_str!("../../fixtures/calendars/cn-2021.toml"),
    ),
    (
        "cn-2022.toml",
        include_str!("../../fixtures/calendars/cn-2022.toml"),
    ),
    (
        "cn-2023.toml",
        include_str!("../../fixtures/calendars/cn-2023.toml"),
    ),
    (
        "cn-2024.toml",
        include_str!("../../fixtures/calendars/cn-2024.toml"),
    ),
    (
        "cn-2025.toml",
        include_str!("../../fixtures/calendars/cn-2025.toml"),
    ),
    (
        "cn-2026.toml",
        include_str!("../../fixtures/calendars/cn-2026.toml"),
    ),
];

/// The years whose calendar the window needs and that have none: on their days only
/// weekends are known, holidays are not excluded, and pages warn about it.
pub fn uncovered_years(window: RegistrationWindow, calendars: &Calendars) -> Vec<i32> {
    let years: BTreeSet<i32> = window
        .opens
        .iter_days()
        .take_while(|d| *d <= window.closes)
        .filter_map(|d| calendars.settles(d).err())
        .collect();
    years.into_iter().collect()
}

/// One day of a month grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridDay {
    pub day: u32,
    pub date: String,
    /// holiday, makeup, weekend or workday.
    pub kind: &'static str,
    pub holiday: Option<Bilingual>,
    /// Inside the registration window shown, if any.
    pub in_window: bool,
    /// Registration takes submissions this day (in the window and not a holiday).
    pub open: bool,
}

/// A month as weeks from Monday to Sunday; `None` pads the first and last week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthGrid {
    pub year: i32,
    pub month: u32,
    pub weeks: Vec<Vec<Option<GridDay>>>,
}

/// The months from `from`'s to `to`'s, at most `max_months` of them, each day marked by
/// the calendars and against the window.
pub fn month_grids(
    calendars: &Calendars,
    from: NaiveDate,
    to: NaiveDate,
    window: Option<RegistrationWindow>,
    max_months: usize,
) -> Vec<MonthGrid> {
    let mut grids = Vec::new();
    let mut first = from.with_day(1).unwrap_or(from);
    while first <= to && grids.len() < max_months {
        let mut weeks: Vec<Vec<Option<GridDay>>> = Vec::new();
        let mut week: Vec<Option<GridDay>> =
            vec![None; first.weekday().num_days_from_monday() as usize];
        for date in first.iter_days().take_while(|d| d.month() == first.month()) {
            let kind = calendars.day_kind(date);
            let in_window = window.is_some_and(|w| w.opens <= date && date <= w.closes);
            let holiday = match &kind {
                DayKind::Holiday(name) => Some(name.clone()),
                _ => None,
            };
            week.push(Some(GridDay {
                day: date.day(),
                date: date.to_string(),
                kind: kind.as_str(),
                open: in_window && holiday.is_none(),
                holiday,
                in_window,
            }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
        }
        if !week.is_empty() {
            week.resize(7, None);
            weeks.push(week);
        }
        grids.push(MonthGrid {
            year: first.year(),
            month: first.month(),
            weeks,
        });
        let Some(next) = first.checked_add_months(chrono::Months::new(1)) else {
            break;
        };
        first = next;
    }
    grids
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    const CN_2021: &str = BUILT_IN[0].1;

    fn shipped() -> &'static Calendars {
        static ALL: OnceLock<Calendars> = OnceLock::new();
        ALL.get_or_init(|| {
            Calendars::new(BUILT_IN.iter().map(|(f, t)| parse_calendar(f, t).unwrap())).unwrap()
        })
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn beijing(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn window(opens: &str, closes: &str) -> RegistrationWindow {
        RegistrationWindow::new(date(opens), date(closes)).unwrap()
    }

    fn spring_festival() -> Bilingual {
        Bilingual {
            zh: "春节".into(),
            en: "Spring Festival".into(),
        }
    }

    #[test]
    fn the_2021_notice() {
        let cal = shipped();
        for d in date("2021-02-11").iter_days().take(7) {
            assert_eq!(
                cal.holiday_on(d).map(|h| h.name.en.as_str()),
                Some("Spring Festival"),
                "{d}"
            );
        }
        assert!(cal.holiday_on(date("2021-02-10")).is_none());
        assert!(cal.holiday_on(date("2021-02-18")).is_none());
        for d in ["2021-02-07", "2021-02-20"] {
            assert!(cal.is_makeup_workday(date(d)), "{d}");
        }
        assert!(!cal.is_makeup_workday(date("2021-02-13")));
        assert!((2021..=2026).all(|y| cal.covers(y)));
        assert!(!cal.covers(2027));
        // 2023-12-30 is the start of New Year's Day 2024, from the 2024 notice.
        assert_eq!(
            cal.holiday_on(date("2023-12-30"))
                .map(|h| h.name.en.as_str()),
            Some("New Year's Day")
        );
        let y2021 = parse_calendar("cn-2021.toml", CN_2021).unwrap();
        assert_eq!(
            (y2021.year(), y2021.source()),
            (2021, "国务院办公厅关于2021年部分节假日安排的通知")
        );
    }

    #[test]
    fn the_seed_round_closes_at_midnight_beijing_time_on_10_february() {
        let cal = shipped();
        let round = window("2021-01-18", "2021-02-10");
        assert_eq!(round.closes_at(), beijing("2021-02-10T23:59:59"));
        assert_eq!(round.closes_at().to_rfc3339(), "2021-02-10T15:59:59+00:00");
        let at = |s: &str| registration_status(round, cal, s.parse().unwrap());
        assert_eq!(at("2021-02-10T15:59:59Z"), RegistrationStatus::Open);
        assert_eq!(at("2021-02-10T15:59:59.999Z"), RegistrationStatus::Open);
        let closed = RegistrationStatus::Closed {
            closed_on: date("2021-02-10"),
        };
        assert_eq!(at("2021-02-10T16:00:00Z"), closed);
        // The Spring Festival begins after this window: it is simply closed.
        assert_eq!(at("2021-02-12T02:00:00Z"), closed);
        assert_eq!(
            at("2021-01-17T15:59:59Z"),
            RegistrationStatus::NotYetOpen {
                opens: date("2021-01-18")
            }
        );
        assert_eq!(at("2021-01-17T16:00:00Z"), RegistrationStatus::Open);
        // A Sunday make-up working day and an ordinary Saturday are both open.
        assert_eq!(
            registration_status(round, cal, beijing("2021-02-07T10:00:00")),
            RegistrationStatus::Open
        );
        assert_eq!(
            registration_status(round, cal, beijing("2021-01-23T10:00:00")),
            RegistrationStatus::Open
        );
        assert!(uncovered_years(round, cal).is_empty());
    }

    #[test]
    fn holidays_are_refused_and_name_the_next_open_day() {
        let cal = shipped();
        let round = window("2021-01-18", "2021-02-28");
        let status = registration_status(round, cal, beijing("2021-02-14T10:00:00"));
        assert_eq!(
            status,
            RegistrationStatus::Holiday {
                holiday_name: spring_festival(),
                next_open_day: Some(date("2021-02-18"))
            }
        );
        assert_eq!(
            registration_status(round, cal, beijing("2021-02-18T00:00:00")),
            RegistrationStatus::Open
        );
        assert_eq!(
            registration_status(round, cal, beijing("2021-02-20T09:00:00")),
            RegistrationStatus::Open
        );

        // New Year's Day starts at 16:00 UTC on 31 December.
        let round = window("2021-01-01", "2021-01-31");
        assert!(matches!(
            registration_status(round, cal, "2020-12-31T16:00:00Z".parse().unwrap()),
            RegistrationStatus::Holiday { next_open_day: Some(d), .. } if d == date("2021-01-04")
        ));
    }

    #[test]
    fn a_window_ending_inside_a_holiday_has_no_next_open_day() {
        let status = registration_status(
            window("2021-02-01", "2021-02-15"),
            shipped(),
            beijing("2021-02-12T08:00:00"),
        );
        assert_eq!(
            status,
            RegistrationStatus::Holiday {
                holiday_name: spring_festival(),
                next_open_day: None
            }
        );
    }

    #[test]
    fn a_year_without_a_calendar_falls_back_to_weekends_and_is_named() {
        let cal = shipped();
        assert_eq!(
            uncovered_years(window("2026-12-01", "2027-01-10"), cal),
            [2027]
        );
        // The 2027 notice may start New Year's Day in the last week of 2026.
        assert_eq!(
            uncovered_years(window("2026-12-01", "2026-12-28"), cal),
            [2027]
        );
        assert!(uncovered_years(window("2026-12-01", "2026-12-24"), cal).is_empty());
        assert_eq!(
            uncovered_years(window("2020-12-01", "2021-01-10"), cal),
            [2020]
        );
        assert_eq!(
            uncovered_years(window("2019-12-01", "2028-01-10"), cal),
            [2019, 2020, 2027, 2028]
        );
        assert!(uncovered_years(window("2021-03-01", "2026-06-30"), cal).is_empty());

        // 1 January 2027 would be New Year's Day, but nothing says so: weekends only.
        let w = window("2026-12-01", "2027-01-10");
        assert_eq!(
            registration_status(w, cal, beijing("2027-01-01T10:00:00")),
            RegistrationStatus::Open
        );
        assert_eq!(cal.day_kind(date("2027-01-01")), DayKind::Workday);
        assert_eq!(cal.day_kind(date("2027-01-02")), DayKind::Weekend);
        let only_2023 =
            Calendars::new([parse_calendar("cn-2023.toml", BUILT_IN[2].1).unwrap()]).unwrap();
        assert_eq!(
            uncovered_years(window("2023-12-20", "2023-12-31"), &only_2023),
            [2024]
        );
    }

    #[test]
    fn kept_days_round_trip_and_are_checked_like_a_file() {
        let y2021 = parse_calendar("cn-2021.toml", CN_2021).unwrap();
        let days = y2021.days();
        assert_eq!(days.len(), 3 + 7 + 3 + 5 + 3 + 3 + 7 + 7);
        let kept = YearCalendar::from_days(2021, y2021.source(), days.clone()).unwrap();
        assert_eq!(kept.days(), days);
        let both = Calendars::new([kept]).unwrap();
        for d in date("2021-01-01").iter_days().take(365) {
            assert_eq!(both.day_kind(d), shipped().day_kind(d), "{d}");
        }

        let closed = |d: &str, zh: &str| CalendarDay {
            date: date(d),
            entry: DayEntry::Closed(Bilingual {
                zh: zh.into(),
                en: "X".into(),
            }),
        };
        let workday = |d: &str| CalendarDay {
            date: date(d),
            entry: DayEntry::MakeupWorkday,
        };
        let problem = |days: Vec<CalendarDay>| YearCalendar::from_days(2027, "", days).unwrap_err();
        assert_eq!(
            problem(vec![workday("2027-01-04")]),
            CalendarProblem::MakeupNotWeekend {
                date: date("2027-01-04"),
                weekday: Weekday::Mon
            }
        );
        assert_eq!(
            problem(vec![closed("2027-01-01", "元旦"), workday("2027-01-01")]),
            CalendarProblem::DayListedTwice {
                date: date("2027-01-01")
            }
        );
        assert_eq!(
            problem(vec![closed("2026-12-01", "元旦")]),
            CalendarProblem::DateOutsideYear {
                date: date("2026-12-01"),
                year: 2027
            }
        );
        assert_eq!(
            problem(vec![closed("2027-01-01", " ")]),
            CalendarProblem::HolidayNameIncomplete {
                from: date("2027-01-01")
            }
        );
        let long: Vec<CalendarDay> = date("2027-02-01")
            .iter_days()
            .take(15)
            .map(|d| closed(&d.to_string(), "春节"))
            .collect();
        assert!(matches!(
            problem(long),
            CalendarProblem::HolidayTooLong { .. }
        ));
        // The secretariat may keep a year with no closed day at all.
        let empty = YearCalendar::from_days(2027, "", vec![]).unwrap();
        assert!(Calendars::new([empty]).unwrap().covers(2027));
    }

    #[test]
    fn a_month_grid_starts_on_monday_and_marks_every_day() {
        let cal = shipped();
        let w = window("2021-02-01", "2021-02-20");
        let grids = month_grids(cal, w.opens(), w.closes(), Some(w), 12);
        assert_eq!(grids.len(), 1);
        let feb = &grids[0];
        assert_eq!((feb.year, feb.month), (2021, 2));
        // 1 February 2021 was a Monday; 28 days make exactly four weeks.
        assert_eq!(feb.weeks.len(), 4);
        let day = |n: u32| {
            feb.weeks
                .iter()
                .flatten()
                .flatten()
                .find(|d| d.day == n)
                .unwrap()
                .clone()
        };
        assert_eq!((day(7).kind, day(7).open), ("makeup", true));
        assert_eq!((day(12).kind, day(12).open), ("holiday", false));
        assert_eq!(day(12).holiday, Some(spring_festival()));
        assert_eq!((day(6).kind, day(6).open), ("weekend", true));
        assert_eq!((day(22).kind, day(22).in_window), ("workday", false));
        let year = month_grids(cal, date("2026-01-01"), date("2026-12-31"), None, 12);
        assert_eq!(year.len(), 12);
        assert!(year.iter().all(|m| m.weeks.iter().all(|w| w.len() == 7)));
        assert_eq!(
            month_grids(cal, date("2026-01-01"), date("2027-12-31"), None, 3).len(),
            3
        );
    }

    #[test]
    fn windows_close_after_they_open() {
        assert!(RegistrationWindow::new(date("2021-02-10"), date("2021-02-09")).is_err());
        assert!(RegistrationWindow::new(date("2021-02-10"), date("2021-02-10")).is_ok());
    }

    fn error_of(text: &str) -> CalendarError {
        parse_calendar("cn-2021.toml", text).unwrap_err()
    }

    fn problem_of(text: &str) -> CalendarProblem {
        let CalendarError::Invalid { problem, .. } = error_of(text);
        *problem
    }

    fn holiday(zh: &str, en: &str, from: &str, to: &str) -> Holiday {
        Holiday {
            name: Bilingual {
                zh: zh.into(),
                en: en.into(),
            },
            from: date(from),
            to: date(to),
        }
    }

    #[test]
    fn refusals_name_the_file_line_and_problem() {
        let e = error_of(&CN_2021.replace("date = 2021-02-07", "date = 2021-02-08"));
        assert_eq!(
            e,
            CalendarError::Invalid {
                file: "cn-2021.toml".into(),
                line: Some(42),
                problem: Box::new(CalendarProblem::MakeupNotWeekend {
                    date: date("2021-02-08"),
                    weekday: Weekday::Mon
                })
            }
        );
        assert!(
            e.to_string()
                .starts_with("cn-2021.toml, line 42: make-up working day 2021-02-08 is a Mon"),
            "{e}"
        );

        let e = error_of(&CN_2021.replace("source =", "colour = \"red\"\nsource ="));
        assert!(e.to_string().starts_with("cn-2021.toml, line 4"), "{e}");
        assert!(
            matches!(&e, CalendarError::Invalid { problem, .. } if matches!(&**problem, CalendarProblem::Syntax(s) if s.near == "colour")),
            "{e:?}"
        );

        let spring_festival = holiday("春节", "Spring Festival", "2021-02-11", "2021-02-17");
        let cases: Vec<(String, CalendarProblem)> = vec![
            (
                CN_2021.replace("year = 2021", "year = -2147483648"),
                CalendarProblem::UnusableYear { year: i32::MIN },
            ),
            (
                CN_2021.replace("date = 2021-02-07", "date = 2021-02-13"),
                CalendarProblem::MakeupInsideHoliday {
                    date: date("2021-02-13"),
                    holiday: spring_festival.clone(),
                },
            ),
            (
                CN_2021.replace("to = 2021-02-17", "to = 2022-02-17"),
                CalendarProblem::DateOutsideYear {
                    date: date("2022-02-17"),
                    year: 2021,
                },
            ),
            (
                CN_2021.replace("from = 2021-01-01", "from = 2020-12-20"),
                CalendarProblem::DateOutsideYear {
                    date: date("2020-12-20"),
                    year: 2021,
                },
            ),
            (
                CN_2021.replace("to = 2021-02-17", "to = 2021-02-10"),
                CalendarProblem::HolidayReversed {
                    name: spring_festival.name.clone(),
                    from: date("2021-02-11"),
                    to: date("2021-02-10"),
                },
            ),
            (
                CN_2021.replace("to = 2021-02-17", "to = 2021-03-17"),
                CalendarProblem::HolidayTooLong {
                    name: spring_festival.name.clone(),
                    from: date("2021-02-11"),
                    to: date("2021-03-17"),
                },
            ),
            (
                CN_2021.replace(
                    "from = 2021-04-03\nto = 2021-04-05",
                    "from = 2021-02-17\nto = 2021-02-19",
                ),
                CalendarProblem::HolidaysOverlap {
                    name: Bilingual {
                        zh: "清明节".into(),
                        en: "Qingming Festival".into(),
                    },
                    other: spring_festival.clone(),
                },
            ),
            (
                CN_2021.replace("for = \"春节\"", "for = \"圣诞节\""),
                CalendarProblem::MakeupForUnknownHoliday {
                    date: date("2021-02-07"),
                    for_holiday: "圣诞节".into(),
                },
            ),
            (
                CN_2021.replace("date = 2021-02-20", "date = 2021-02-07"),
                CalendarProblem::MakeupListedTwice {
                    date: date("2021-02-07"),
                },
            ),
            (
                CN_2021.replace("from = 2021-02-11", "from = 2021-02-11T08:00:00"),
                CalendarProblem::NotADate {
                    year: 2021,
                    found: "2021-02-11T08:00:00".into(),
                },
            ),
            (
                CN_2021.replace("en = \"Spring Festival\"", "en = \" \""),
                CalendarProblem::HolidayNameIncomplete {
                    from: date("2021-02-11"),
                },
            ),
        ];
        for (text, problem) in cases {
            assert_eq!(problem_of(&text), problem);
        }

        let source_line = CN_2021.lines().find(|l| l.starts_with("source")).unwrap();
        assert_eq!(
            problem_of(&CN_2021.replace(source_line, "source = \" \"")),
            CalendarProblem::SourceEmpty
        );
        let head = &CN_2021[..CN_2021.find("[[holidays]]").unwrap()];
        assert_eq!(
            problem_of(&format!("{head}holidays = []\n")),
            CalendarProblem::NoHolidays
        );
    }

    #[test]
    fn files_that_disagree_or_repeat_a_year_are_refused() {
        let y2021 = parse_calendar("cn-2021.toml", CN_2021).unwrap();
        let copy = parse_calendar("copy.toml", CN_2021).unwrap();
        let e = Calendars::new([y2021.clone(), copy]).unwrap_err();
        assert_eq!(e.to_string(), "copy.toml: a second calendar for 2021");
        assert_eq!(
            e,
            CalendarError::Invalid {
                file: "copy.toml".into(),
                line: None,
                problem: Box::new(CalendarProblem::SecondCalendar { year: 2021 }),
            }
        );

        // Two files may both speak of the last week of December, but must not disagree.
        let y2022 = BUILT_IN[1]
            .1
            .replace("from = 2022-01-01", "from = 2021-12-31");
        let y2022 = parse_calendar("cn-2022.toml", &y2022).unwrap();
        assert!(Calendars::new([y2021.clone(), y2022]).is_ok());
        let clash = CN_2021.replace("date = 2021-10-09", "date = 2021-12-26");
        let clash = parse_calendar("cn-2021.toml", &clash).unwrap();
        let y2022 = BUILT_IN[1]
            .1
            .replace("from = 2022-01-01", "from = 2021-12-26");
        let y2022 = parse_calendar("cn-2022.toml", &y2022).unwrap();
        let e = Calendars::new([clash, y2022]).unwrap_err();
        assert_eq!(
            e,
            CalendarError::Invalid {
                file: "cn-2022.toml".into(),
                line: None,
                problem: Box::new(CalendarProblem::DayInTwoFiles {
                    date: date("2021-12-26"),
                    other: "cn-2021.toml".into()
                })
            }
        );
    }

    /// An instant between 2021 and 2026 and a window around its day, often containing it.
    fn instant_and_window() -> impl Strategy<Value = (DateTime<Utc>, RegistrationWindow)> {
        let start = beijing("2021-01-01T00:00:00").timestamp();
        let end = beijing("2027-01-01T00:00:00").timestamp();
        (start..end, -30i64..120, -30i64..120).prop_map(|(t, before, after)| {
            let at = DateTime::from_timestamp(t, 0).unwrap();
            let today = at.with_timezone(&Shanghai).date_naive();
            let a = today - chrono::Duration::days(before);
            let b = today + chrono::Duration::days(after);
            (at, RegistrationWindow::new(a.min(b), a.max(b)).unwrap())
        })
    }

    /// A 2027 calendar kept by hand: arbitrary closed weekdays and make-up Saturdays.
    fn kept_2027() -> impl Strategy<Value = Calendars> {
        (
            proptest::collection::btree_set(0i64..365, 0..40),
            proptest::collection::btree_set(0i64..52, 0..6),
        )
            .prop_map(|(closed, saturdays)| {
                let jan1 = date("2027-01-01");
                let closed: Vec<CalendarDay> = closed
                    .into_iter()
                    .map(|n| CalendarDay {
                        date: jan1 + chrono::Duration::days(n),
                        entry: DayEntry::Closed(spring_festival()),
                    })
                    .collect();
                // 2 January 2027 is a Saturday.
                let workdays = saturdays
                    .into_iter()
                    .map(|w| jan1 + chrono::Duration::days(1 + 7 * w))
                    .filter(|d| !closed.iter().any(|c| c.date == *d))
                    .map(|date| CalendarDay {
                        date,
                        entry: DayEntry::MakeupWorkday,
                    });
                let days = closed.iter().cloned().chain(workdays).collect();
                let mut year = YearCalendar::from_days(2027, "", days);
                // Runs of more than two weeks under one name are refused; split the name.
                if year.is_err() {
                    year = YearCalendar::from_days(2027, "", vec![]);
                }
                Calendars::new([year.unwrap()]).unwrap()
            })
    }

    proptest! {
        #[test]
        fn a_kept_calendar_never_opens_a_closed_day(cal in kept_2027(), a in 0i64..365, len in 0i64..60, hour in 0u32..24) {
            let opens = date("2027-01-01") + chrono::Duration::days(a);
            let w = RegistrationWindow::new(opens, opens + chrono::Duration::days(len)).unwrap();
            let grids = month_grids(&cal, w.opens(), w.closes(), Some(w), 3);
            for d in grids.iter().flat_map(|m| m.weeks.iter().flatten().flatten()) {
                let day: NaiveDate = d.date.parse().unwrap();
                let at = Shanghai.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap()).unwrap().with_timezone(&Utc);
                let status = registration_status(w, &cal, at);
                prop_assert_eq!(d.open, status == RegistrationStatus::Open, "{}", day);
                prop_assert_eq!(d.kind == "holiday", cal.holiday_on(day).is_some());
            }
        }

        #[test]
        fn no_instant_is_both_open_and_on_a_holiday((at, window) in instant_and_window()) {
            let today = at.with_timezone(&Shanghai).date_naive();
            let status = registration_status(window, shipped(), at);
            let on_holiday = shipped().holiday_on(today).is_some();
            let in_window = window.opens() <= today && today <= window.closes();
            prop_assert!(!(status == RegistrationStatus::Open && on_holiday));
            prop_assert_eq!(matches!(status, RegistrationStatus::Holiday { .. }), in_window && on_holiday);
        }

        #[test]
        fn every_makeup_day_in_a_window_is_open_all_day((_, window) in instant_and_window()) {
            let makeup_days = window.opens().iter_days().take_while(|d| *d <= window.closes())
                .filter(|d| shipped().is_makeup_workday(*d));
            for day in makeup_days {
                let times = (0..24).map(|h| NaiveTime::from_hms_opt(h, 0, 0).unwrap())
                    .chain([NaiveTime::from_hms_opt(23, 59, 59).unwrap()]);
                for time in times {
                    let at = Shanghai.from_local_datetime(&day.and_time(time)).unwrap().with_timezone(&Utc);
                    prop_assert_eq!(registration_status(window, shipped(), at), RegistrationStatus::Open, "{} {}", day, time);
                }
            }
        }

        #[test]
        fn the_next_open_day_is_the_first_open_day_after_today((at, window) in instant_and_window()) {
            let today = at.with_timezone(&Shanghai).date_naive();
            if let RegistrationStatus::Holiday { next_open_day: Some(next), .. } = registration_status(window, shipped(), at) {
                prop_assert!(today < next && next <= window.closes() && window.opens() <= next);
                prop_assert!(shipped().holiday_on(next).is_none());
                prop_assert!(today.iter_days().take_while(|d| *d < next).all(|d| shipped().holiday_on(d).is_some()));
            }
        }
    }
}
