//! Page numbers of paginated lists: every list reads its `page` parameter through
//! [`PageNumber::parse`], so a number out of range is refused the same way everywhere
//! instead of wrapping around in the offset arithmetic.

use crate::refusal::{Code, Reason};

/// The last page number accepted; beyond it no list has rows, and the row offset of any
/// page size stays far from overflowing.
pub const MAX_PAGE: i64 = 1_000_000;

/// A 1-based page number from 1 to [`MAX_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber(i64);

impl PageNumber {
    pub const FIRST: PageNumber = PageNumber(1);

    /// The page asked for (the first when none was), or a refusal naming the range.
    pub fn parse(asked: Option<i64>) -> Result<PageNumber, Reason> {
        match asked {
            None => Ok(PageNumber::FIRST),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(PageNumber(n)),
            Some(_) => Err(Code::PageOutOfRange.with("max", MAX_PAGE)),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// How many rows come before this page.
    pub fn offset(self, page_size: i64) -> i64 {
        (self.0 - 1).saturating_mul(page_size)
    }
}

impl Default for PageNumber {
    fn default() -> PageNumber {
        PageNumber::FIRST
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pages_run_from_one_to_the_maximum() {
        assert_eq!(PageNumber::parse(None), Ok(PageNumber::FIRST));
        assert_eq!(PageNumber::parse(Some(1)).unwrap().offset(50), 0);
        assert_eq!(PageNumber::parse(Some(3)).unwrap().offset(50), 100);
        assert_eq!(PageNumber::parse(Some(MAX_PAGE)).unwrap().get(), MAX_PAGE);
        for refused in [0, -1, MAX_PAGE + 1, i64::MAX, i64::MIN] {
            let reason = PageNumber::parse(Some(refused)).unwrap_err();
            assert_eq!(reason.code, Code::PageOutOfRange, "{refused}");
        }
    }

    proptest! {
        #[test]
        fn an_accepted_page_never_wraps_to_an_earlier_offset(n in any::<i64>(), size in 1i64..1000) {
            if let Ok(page) = PageNumber::parse(Some(n)) {
                prop_assert!(page.offset(size) >= 0);
                prop_assert_eq!(page.offset(size), (n - 1) * size);
            }
        }
    }
}
