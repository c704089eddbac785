//! The rules of the programme, free of I/O: parsed input types, the model catalog,
//! roles and access, login throttling.

pub mod access;
pub mod account;
pub mod catalog;
pub mod i18n;
pub mod ids;
pub mod throttle;
