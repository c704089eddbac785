//! certcase: runs a maturity-model certification programme end to end.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod jobs;
// Operations: backup, restore, evidence check.
pub mod operations;
pub mod pdf;
pub mod private_files;
pub mod refusal;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod templates;
pub mod web;
pub mod workflow;
// Evidence
pub mod storage;
// mail/audit feature
pub mod mail;
