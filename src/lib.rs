//! Butterfly: the REST API of a moderated community for people living with lupus.
//! Features live in their own folders; `startup` wires them into one server.

pub mod accounts;
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod forum;
pub mod http;
pub mod moderation;
pub mod notify;
pub mod startup;
pub mod telemetry;
pub mod trials;
