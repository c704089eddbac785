//! End-to-end tests in a real browser: headless Chromium driven through chromedriver.
//! Run with the rest (`cargo test`, and on PostgreSQL with
//! CERTCASE_TEST_DATABASE=postgres); skipped with a loud message where Chromium is not
//! installed, unless CERTCASE_REQUIRE_BROWSER=1. See the README's "Browser tests".

// A failed unwrap in a test is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

// The API tests' `spawn_app` and fixtures: one way to start the app for every test.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod axe;
mod harness;
mod story;
mod text_check;
