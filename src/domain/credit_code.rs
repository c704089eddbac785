//! The Unified Social Credit Code (统一社会信用代码, GB 32100-2015) that identifies an
//! enterprise: one enterprise per code, so it is parsed once at the edge.
//!
//! What is checked: 18 characters from the code's alphabet (digits and capital letters
//! without I, O, S, V, Z); character 1 is a registration-authority code (1–9, A, N, Y);
//! character 2 an organisation type (1–9); characters 3–8 the administrative-division
//! code (digits); character 18 the check character over the first 17.
//! Not checked: whether the division code exists, and the GB 11714 check digit inside the
//! organisation code (characters 9–17), which the standard does not guarantee for every
//! kind of registrant; the check character already catches any single mistyped character.

use std::fmt;

/// Values 0–30 in this order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^i mod 31 for positions 1–17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const LENGTH: usize = 18;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("the credit code is empty")]
    Empty,
    #[error("'{code}' has {found} characters; a credit code has 18")]
    WrongLength { code: String, found: usize },
    #[error(
        "character {position} ('{found}') cannot appear in a credit code, which uses digits \
         and the capital letters A–Y except I, O, S and V"
    )]
    InvalidCharacter { position: usize, found: char },
    #[error("the first character '{found}' is not a registration authority (1–9, A, N or Y)")]
    UnknownAuthority { found: char },
    #[error("the second character '{found}' is not an organisation type (1–9)")]
    UnknownOrganisationType { found: char },
    #[error(
        "characters 3–8 are the administrative-division code and must be digits, but \
         character {position} is '{found}'"
    )]
    DivisionNotNumeric { position: usize, found: char },
    #[error(
        "the check character is '{found}' but should be '{expected}': one of the characters \
         was probably mistyped"
    )]
    WrongCheckCharacter { found: char, expected: char },
}

impl CreditCode {
    /// Accepts the code as people paste it: surrounding or inner spaces, lower case, and
    /// the full-width characters a Chinese input method produces.
    pub fn parse(text: &str) -> Result<CreditCode, CreditCodeError> {
        let code: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| to_half_width(c).to_ascii_uppercase())
            .collect();
        let chars: Vec<char> = code.chars().collect();
        if chars.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        if chars.len() != LENGTH {
            return Err(CreditCodeError::WrongLength {
                found: chars.len(),
                code,
            });
        }
        let mut values = Vec::with_capacity(LENGTH);
        for (i, &c) in chars.iter().enumerate() {
            match value_of(c) {
                Some(v) => values.push(v),
                None => {
                    return Err(CreditCodeError::InvalidCharacter {
                        position: i + 1,
                        found: c,
                    })
                }
            }
        }
        if !matches!(chars[0], '1'..='9' | 'A' | 'N' | 'Y') {
            return Err(CreditCodeError::UnknownAuthority { found: chars[0] });
        }
        if !matches!(chars[1], '1'..='9') {
            return Err(CreditCodeError::UnknownOrganisationType { found: chars[1] });
        }
        if let Some((i, &c)) = chars
            .iter()
            .enumerate()
            .take(8)
            .skip(2)
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(CreditCodeError::DivisionNotNumeric {
                position: i + 1,
                found: c,
            });
        }
        let expected = check_character(&values[..LENGTH - 1]);
        if chars[LENGTH - 1] != expected {
            return Err(CreditCodeError::WrongCheckCharacter {
                found: chars[LENGTH - 1],
                expected,
            });
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn value_of(c: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|v| v as u32)
}

/// GB 32100-2015 §5: C18 = 31 − (Σ Ci·Wi mod 31), with 31 written as 0.
fn check_character(first_17: &[u32]) -> char {
    let sum: u32 = first_17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    char::from(ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// Full-width forms U+FF01–U+FF5E sit at a fixed distance from ASCII 0x21–0x7E.
fn to_half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_are_accepted() {
        for code in ["91350100M000100Y43", "911100001000080343"] {
            assert_eq!(CreditCode::parse(code).unwrap().as_str(), code);
        }
    }

    #[test]
    fn codes_are_accepted_as_people_type_them() {
        for typed in [
            " 91350100m000100y43 ",
            "9135 0100 M000 100Y 43",
            "９１３５０１００Ｍ０００１００Ｙ４３",
        ] {
            assert_eq!(
                CreditCode::parse(typed).unwrap().as_str(),
                "91350100M000100Y43",
                "{typed:?}"
            );
        }
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let msg = |s: &str| CreditCode::parse(s).unwrap_err().to_string();
        assert_eq!(msg("  "), "the credit code is empty");
        assert_eq!(
            msg("91350100M000100Y4"),
            "'91350100M000100Y4' has 17 characters; a credit code has 18"
        );
        assert!(msg("91350100M000100Y433").contains("has 19 characters"));
        assert!(msg("91350100M0O0100Y43").starts_with("character 11 ('O') cannot appear"));
        assert!(msg("91350100M000100Y4统").starts_with("character 18 ('统') cannot appear"));
        assert!(msg("B1350100M000100Y43").contains("first character 'B'"));
        assert!(msg("90350100M000100Y43").contains("second character '0'"));
        assert!(msg("913501A0M000100Y43").contains("character 7 is 'A'"));
        assert_eq!(
            CreditCode::parse("91350100M000100Y4X").unwrap_err(),
            CreditCodeError::WrongCheckCharacter {
                found: 'X',
                expected: '3'
            }
        );
        assert!(
            msg("91350100M000100Y4X").starts_with("the check character is 'X' but should be '3'")
        );
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        (0..31usize).prop_map(|i| char::from(ALPHABET[i]))
    }

    /// The first 17 characters of a well-formed code: authority, type, division, then any.
    fn body() -> impl Strategy<Value = Vec<char>> {
        (
            prop::sample::select("123456789ANY".chars().collect::<Vec<_>>()),
            prop::sample::select("123456789".chars().collect::<Vec<_>>()),
            prop::collection::vec(prop::char::range('0', '9'), 6),
            prop::collection::vec(alphabet_char(), 9),
        )
            .prop_map(|(a, t, division, rest)| {
                let mut body = vec![a, t];
                body.extend(division);
                body.extend(rest);
                body
            })
    }

    fn with_check(body: &[char]) -> String {
        let values: Vec<u32> = body.iter().filter_map(|&c| value_of(c)).collect();
        let mut code: String = body.iter().collect();
        code.push(check_character(&values));
        code
    }

    proptest! {
        #[test]
        fn a_computed_check_character_makes_a_valid_code(body in body()) {
            let code = with_check(&body);
            prop_assert_eq!(CreditCode::parse(&code).map(|c| c.to_string()), Ok(code));
        }

        #[test]
        fn any_single_changed_character_is_refused(body in body(), at in 0..LENGTH, new in alphabet_char()) {
            let mut chars: Vec<char> = with_check(&body).chars().collect();
            prop_assume!(chars[at] != new);
            chars[at] = new;
            let changed: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}
