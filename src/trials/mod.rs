//! Clinical trials: verified coordinators publish recruitment notices that patients search by
//! what matters to them and answer with explicit consent.
//!
//! - [`coordinators`]: applications to become a coordinator, decided by administrators;
//! - [`service`]: notices and their lifecycle (draft → pending review → published → closed);
//!   [`content`]: what a notice may contain and what sends it back to review; [`search`]: text
//!   in English and Chinese, condition, phase, status, country, distance ([`geo`]) and age,
//!   with the filters shared by saved searches ([`filters`]); [`disclaimer`];
//! - [`registry`]: registry ids (NCT, ChiCTR, EU CT, EudraCT); [`details`]: a notice's other
//!   registry ids and its practical details; [`import`]: ClinicalTrials.gov v2 records to
//!   drafts, refusing a second notice for one trial; [`sync`]: imported notices follow their
//!   record, read by [`ctgov`];
//! - [`interest`]: members answering a notice; [`follow`]: watching a notice, and her own
//!   answers with where they stand; [`alerts`]: saved searches that notify;
//! - [`precheck`]: her private health profile and eligibility pre-check of a notice;
//! - [`review`]: what the moderation queue calls; [`worker`]: expiries and alert digests;
//! - [`seed`]: the notices of `butterfly seed --scale` (benchmark data; the demo notices of
//!   `butterfly seed --demo` are `server::demo`).
//!
//! Every notice carries the health-education disclaimer: trials are research, eligibility is
//! decided by physicians, and nobody should self-treat.

pub mod alerts;
pub mod content;
pub mod coordinators;
pub mod ctgov;
pub mod details;
pub mod disclaimer;
pub mod filters;
pub mod follow;
pub mod geo;
pub mod import;
pub mod interest;
pub mod member_data;
pub mod model;
pub mod notify;
pub mod precheck;
pub mod registry;
pub mod review;
pub mod routes;
pub mod search;
pub mod seed;
pub mod service;
mod store;
pub mod sync;
pub mod worker;
