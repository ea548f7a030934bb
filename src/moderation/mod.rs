//! Moderation decisions, above the features: flags, the queue's views and decisions, claims,
//! sanctions, watched words, member notes, reading the log, and appeals. The queue's storage,
//! the log's appends and the screening filters are shared services (`queue`, `modlog`,
//! `filters`) that the features use too.

pub mod appeals;
pub mod member_data;
pub mod model;
pub mod routes;
pub mod sanctions;
pub mod service;
mod store;
pub mod words;
