//! Butterfly: the REST API of a moderated community for people living with lupus.
//!
//! The modules form layers, and a module imports only from the layers below it and, inside
//! the first two layers, from the modules listed before it, so that no two modules import
//! each other (`ARCHITECTURE.md` draws them; an architecture test in the suite enforces them):
//! 1. foundation: `config`, `telemetry`, `db`, `http`, `auth`, `app`;
//! 2. shared services: `relations`, `notify`, `queue`, `modlog`, `filters`, `markdown`;
//! 3. features, which never import one another: `accounts`, `forum`, `trials`, `messages`;
//! 4. moderation decisions, acting on the features through their ports: `moderation`;
//! 5. privacy rights across every feature: `privacy`;
//! 6. the composition root: `server` (routes, OpenAPI document, metrics, workers, seeds).

// 1. foundation
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod http;
pub mod telemetry;

// 2. shared services
pub mod filters;
pub mod markdown;
pub mod modlog;
pub mod notify;
pub mod queue;
pub mod relations;

// 3. features
pub mod accounts;
pub mod forum;
pub mod messages;
pub mod trials;

// 4. moderation decisions
pub mod moderation;

// 5. privacy rights
pub mod privacy;

// 6. composition root
pub mod server;
