//! Butterfly's integration tests, one binary: each module tells the stories of one feature
//! through HTTP, against a real server with its own database and SMTP receiver
//! (see `harness`).

mod harness;

mod accounts;
mod anonymity;
mod architecture;
mod bookmarks;
mod cli;
mod concurrency;
mod contract;
mod crash;
mod email;
mod errors;
mod faults;
mod following;
mod forum;
mod ignore;
mod limits;
mod members_only;
mod messages;
mod moderation;
mod my_sessions;
mod notifications;
mod openapi;
mod permissions;
mod platform;
mod precheck;
mod privacy;
mod search;
mod sessions;
mod storage;
mod throttle;
mod tokens;
mod trial_details;
mod trial_followup;
mod trial_sync;
mod trials;
mod two_factor;
