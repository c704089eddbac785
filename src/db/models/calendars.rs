//! Public-holiday calendars the secretariat keeps: a row per year and its kept days.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{calendar_days, calendar_years};
use crate::db::DbConn;
use crate::domain::calendar::{CalendarDay, DayEntry};
use crate::domain::catalog::Bilingual;

const CLOSED: &str = "closed";
const WORKDAY: &str = "workday";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_years)]
pub struct YearRow {
    pub year: i32,
    pub source: String,
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = calendar_days)]
struct DayRow {
    year: i32,
    day: NaiveDate,
    kind: String,
    name_zh: String,
    name_en: String,
}

pub fn years(conn: &mut DbConn) -> QueryResult<Vec<YearRow>> {
    calendar_years::table
        .order(calendar_years::year.asc())
        .select(YearRow::as_select())
        .load(conn)
}

/// Every kept day, by year.
pub fn days(conn: &mut DbConn) -> QueryResult<Vec<(i32, CalendarDay)>> {
    let rows: Vec<DayRow> = calendar_days::table
        .order((calendar_days::year.asc(), calendar_days::day.asc()))
        .select(DayRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let entry = if r.kind == WORKDAY {
                DayEntry::MakeupWorkday
            } else {
                DayEntry::Closed(Bilingual {
                    zh: r.name_zh,
                    en: r.name_en,
                })
            };
            (r.year, CalendarDay { date: r.day, entry })
        })
        .collect())
}

/// Replaces a year's source and days, adding the year if it is new.
pub fn replace_year(
    conn: &mut DbConn,
    year: i32,
    source: &str,
    days: &[CalendarDay],
) -> QueryResult<()> {
    let exists = calendar_years::table
        .find(year)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        diesel::update(calendar_years::table.find(year))
            .set((
                calendar_years::source.eq(source),
                calendar_years::updated_at.eq(super::now()),
            ))
            .execute(conn)?;
        diesel::delete(calendar_days::table.filter(calendar_days::year.eq(year))).execute(conn)?;
    } else {
        diesel::insert_into(calendar_years::table)
            .values((
                calendar_years::year.eq(year),
                calendar_years::source.eq(source),
                calendar_years::updated_at.eq(super::now()),
            ))
            .execute(conn)?;
    }
    for d in days {
        let (kind, zh, en) = match &d.entry {
            DayEntry::Closed(name) => (CLOSED, name.zh.as_str(), name.en.as_str()),
            DayEntry::MakeupWorkday => (WORKDAY, "", ""),
        };
        diesel::insert_into(calendar_days::table)
            .values((
                calendar_days::year.eq(year),
                calendar_days::day.eq(d.date),
                calendar_days::kind.eq(kind),
                calendar_days::name_zh.eq(zh),
                calendar_days::name_en.eq(en),
            ))
            .execute(conn)?;
    }
    Ok(())
}
