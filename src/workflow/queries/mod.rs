//! Reads for the routes, one module per feature (named as in `workflow`). Routes read
//! through here, never from `db::models`, so that they depend on the workflow only.
//! Each read takes the connection the route's `state.db(...)` hands it, like the use
//! cases do, and changes nothing.

pub mod appeals;
pub mod applications;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod complaints;
pub mod enterprises;
pub mod evidence;
pub mod invitations;
pub mod mail;
pub mod panels;
pub mod rounds;
pub mod scoring;
pub mod sessions;
pub mod surveillances;
pub mod tasks;

use crate::db::models::KeysetAt;
use crate::domain::listing::{parse_key_time, Window};
use crate::refusal::{Code, Refusal};

/// The position of a window whose cursor is (time, id), as the models query it; a
/// cursor whose parts do not read is refused like any other bad cursor.
pub(crate) fn time_id_at<I: std::str::FromStr>(
    window: &Window,
) -> Result<KeysetAt<(chrono::NaiveDateTime, I)>, Refusal> {
    let key = match window.cursor() {
        Some(c) => {
            let time = parse_key_time(&c.parts()[0]).map_err(Refusal::Invalid)?;
            let id = c.parts()[1]
                .parse::<I>()
                .map_err(|_| Refusal::Invalid(Code::CursorInvalid.into()))?;
            Some((time, id))
        }
        None => None,
    };
    Ok(KeysetAt {
        key,
        backwards: window.backwards(),
        fetch: window.limit.fetch(),
    })
}
