//! Sessions and two-factor authentication of one's own account: the list of one's sessions
//! (client, network, when signed in and last used) with revoking one or all the others, and
//! TOTP two-factor authentication with single-use recovery codes, which makes signing in a
//! second step (`POST /sessions` answers with a challenge, `POST /sessions/two-factor` turns it
//! into a session).

pub mod client;
pub mod model;
pub mod routes;
pub mod sessions;
pub(super) mod store;
mod totp;
pub mod two_factor;
