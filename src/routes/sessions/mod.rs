//! Signing in and out: the pages (cookie sessions, the language switch, the sign-in log)
//! and the API's bearer tokens.

pub mod api;
pub mod pages;
