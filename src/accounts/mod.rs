//! Accounts: registration, email verification, login/refresh/logout, password reset and
//! change, one's own profile and public profiles, one's sessions and two-factor authentication
//! (`security`), and the account's part of privacy rights (`member_data`).

pub mod member_data;
pub mod model;
pub mod refresh;
pub mod review;
pub mod routes;
pub mod security;
pub mod service;
mod store;
