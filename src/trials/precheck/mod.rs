//! The private eligibility pre-check (issue 13): a member keeps a health profile that only she
//! can read; a notice carries structured criteria beside its free text (proposed by the import,
//! confirmed by its coordinator); the pre-check judges each criterion against her profile as
//! `likely`, `unclear` or `unlikely`, quoting it, with an overall verdict and the research
//! disclaimer: only the trial team decides eligibility.
//!
//! - [`model`]: the closed lists, the profile, the structured criteria, the answer;
//! - [`text`]: reading the criteria text (sections, proposals, quotes);
//! - [`judge`]: the pre-check itself, without database or clock;
//! - [`service`]: the rules (her profile only, the search by pre-check, the attachment to an
//!   answer); [`routes`]: `/me/health-profile` and `/trials/{id}/pre-check`.
//!
//! It never leaves her account unless she attaches it to an answer inside its consent step;
//! her profile is in her own export (never in an administrator's copy) and goes with erasure
//! (`trials::member_data`).

pub mod judge;
pub mod model;
pub mod routes;
pub mod service;
mod store;
pub mod text;
