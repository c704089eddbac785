//! A message to a person: who receives it and its rendered text. Shared by the outbox's
//! store (`db`) and the mailer (`mail`), so neither needs the other's types.

use super::i18n::Lang;
use super::ids::UserId;

/// Who receives a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// A known user also gets the message in their web inbox.
    pub user_id: Option<UserId>,
    pub email: String,
    pub name: String,
    pub lang: Lang,
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}
