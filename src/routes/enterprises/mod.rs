//! Enterprises: registration, verification and one's own enterprise; the API and the pages.

pub mod api;
pub mod pages;
