//! Moderation: flags, one prioritised queue, decisions, sanctions, automatic filters (watched
//! words, personal information, crisis language), the append-only log, and appeals.

pub mod appeals;
pub mod filters;
pub mod log;
pub mod model;
pub mod queue;
pub mod routes;
pub mod sanctions;
pub mod screen;
pub mod service;
mod store;
pub mod words;
