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
