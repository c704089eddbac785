//! Reads of sign-in records.

pub use crate::db::models::sessions::CallerRow as Caller;
pub use crate::db::models::sessions::EventRow as SignInEvent;

use crate::db::models::sessions as store;
use crate::db::DbConn;
use crate::refusal::Refusal;

/// The sign-in records of one account name, oldest first.
pub fn sign_in_events(conn: &mut DbConn, email: &str) -> Result<Vec<SignInEvent>, Refusal> {
    Ok(store::events_for(conn, email)?)
}
