//! Butterfly's integration tests, one binary: each module tells the stories of one feature
//! through HTTP, against a real server with its own database and SMTP receiver
//! (see `harness`).

mod harness;

mod accounts;
mod cli;
mod contract;
mod email;
mod errors;
mod forum;
mod moderation;
mod notifications;
mod openapi;
mod permissions;
mod platform;
mod privacy;
mod search;
mod sessions;
mod storage;
mod trials;
