//! The forum: boards, threads, posts with revisions, tags, reactions and search.
//!
//! - [`boards`]; [`service`]: reading and writing threads and posts; [`publish`]: what follows
//!   a post's publication; [`reactions`]; [`search`]; [`tracking`]: watching, tracking and
//!   muting threads and boards, and what a member has read; [`digest`]: the email digest of
//!   followed activity; [`bookmarks`]: members' private bookmarks and their reminders;
//! - ports: [`review`] for moderation, [`member_data`] for privacy rights;
//! - [`routes`] (handlers), [`model`] (types), `store` (queries), [`seed`] (demo data).

pub mod boards;
pub mod bookmarks;
pub mod digest;
pub mod member_data;
pub mod model;
pub mod publish;
pub mod reactions;
pub mod review;
pub mod routes;
pub mod search;
pub mod seed;
pub mod service;
mod store;
pub mod tracking;
