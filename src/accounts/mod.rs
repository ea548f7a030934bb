//! Accounts: registration, email verification, login/refresh/logout, password reset and
//! change, one's own profile and public profiles.

pub mod model;
pub mod routes;
pub mod service;
mod store;
