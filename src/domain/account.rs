//! Account inputs parsed once at the edge: e-mail addresses, display names, passwords.

use unicode_normalization::UnicodeNormalization;

/// Why an account input is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountInputError {
    #[error("'{0}' is not an e-mail address")]
    NotAnEmail(String),
    #[error("the name is empty")]
    NameEmpty,
    #[error("the name is longer than 100 characters")]
    NameTooLong,
    #[error("the name contains a control character (such as a line break)")]
    NameControlCharacter,
    #[error("the password has {0} characters; at least {PASSWORD_MIN_CHARS} are needed")]
    PasswordTooShort(usize),
    #[error("the password has {0} characters; at most {PASSWORD_MAX_CHARS} are allowed")]
    PasswordTooLong(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Lower-cased and trimmed, so that one person has one account.
    pub fn parse(text: &str) -> Result<Email, AccountInputError> {
        let e = text.trim().to_lowercase();
        let valid = e.len() <= 254
            && !e.chars().any(|c| c.is_whitespace() || c.is_control())
            && match e.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Email(e))
        } else {
            Err(AccountInputError::NotAnEmail(text.trim().to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Any script is welcome; control characters (which could forge log lines or mail
    /// headers) are not.
    pub fn parse(text: &str) -> Result<DisplayName, AccountInputError> {
        let name: String = text.trim().nfc().collect();
        if name.is_empty() {
            return Err(AccountInputError::NameEmpty);
        }
        if name.chars().count() > 100 {
            return Err(AccountInputError::NameTooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(AccountInputError::NameControlCharacter);
        }
        Ok(DisplayName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A password that meets the policy: 12 to 128 characters after NFC normalisation, any
/// characters, no composition rules (NIST SP 800-63B).
pub struct Password(String);

impl Password {
    pub fn parse(text: &str) -> Result<Password, AccountInputError> {
        let normalised: String = text.nfc().collect();
        let n = normalised.chars().count();
        if n < PASSWORD_MIN_CHARS {
            return Err(AccountInputError::PasswordTooShort(n));
        }
        if n > PASSWORD_MAX_CHARS {
            return Err(AccountInputError::PasswordTooLong(n));
        }
        Ok(Password(normalised))
    }

    /// Normalises a login attempt the same way, without the length policy.
    pub fn attempt(text: &str) -> Password {
        Password(text.nfc().collect())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Zhang.Zhe@Example.CN ").unwrap().as_str(),
            "zhang.zhe@example.cn"
        );
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a@@b.cn",
            "a b@c.cn",
            "a@.cn",
            "x@y.cn\r\nBcc: z@q.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn names_in_any_script_are_kept_but_line_breaks_are_not() {
        for ok in ["张喆", "王堃", "Łukasz", "O'Brien", "<script>", "{{7*7}}"] {
            assert_eq!(DisplayName::parse(ok).unwrap().as_str(), ok);
        }
        assert!(DisplayName::parse("Eve\n[AUDIT] admin").is_err());
        assert!(DisplayName::parse("   ").is_err());
    }

    #[test]
    fn password_length_counts_characters_after_nfc() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("密码密码密码密码密码密码").is_ok()); // 12 CJK characters
                                                                      // "é" as e + combining accent is one character after NFC.
        let decomposed = "e\u{301}".repeat(12);
        let p = Password::parse(&decomposed).unwrap();
        assert_eq!(p.expose(), "é".repeat(12));
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(format!("{:?}", p).contains("***"));
    }

    proptest! {
        #[test]
        fn password_policy_is_exactly_the_length_rule(s in "\\PC{0,140}") {
            let n = s.nfc().count();
            prop_assert_eq!(Password::parse(&s).is_ok(), (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n));
        }
    }
}
