//! Applications of an enterprise for a round: the API and the pages.

pub mod api;
pub mod pages;
