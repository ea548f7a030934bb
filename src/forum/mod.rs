//! The forum: boards, threads, posts with revisions, tags, reactions and search.

pub mod member_data;
pub mod model;
pub mod routes;
pub mod search;
pub mod seed;
pub mod service;
mod store;
