//! Accounts: registration, email verification, login/refresh/logout, password reset and
//! change, one's own profile and public profiles, and the account's part of privacy rights
//! (`member_data`).

pub mod member_data;
pub mod model;
pub mod refresh;
pub mod review;
pub mod routes;
pub mod service;
mod store;
