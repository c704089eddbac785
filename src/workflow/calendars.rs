//! The public-holiday calendars shipped with the binary.

use crate::domain::calendar::{parse_calendar, CalendarError, Calendars, BUILT_IN};

pub fn built_in() -> Result<Calendars, CalendarError> {
    let years = BUILT_IN
        .iter()
        .map(|(name, text)| parse_calendar(name, text))
        .collect::<Result<Vec<_>, _>>()?;
    Calendars::new(years)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_calendars_cover_2021_to_2026() {
        let c = super::built_in().unwrap();
        for year in 2021..=2026 {
            assert!(c.covers(year));
        }
        assert!(!c.covers(2027));
    }
}
