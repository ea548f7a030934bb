//! Accounts: registration, email verification, login/refresh/logout, password reset and
//! change, one's own profile and public profiles, and privacy rights (export, erasure,
//! administrators' logged reads of private data).

pub mod model;
pub mod privacy;
pub mod refresh;
pub mod routes;
pub mod service;
mod store;
