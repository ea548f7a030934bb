//! Private messages between members, with safety built in.
//!
//! - A conversation holds two to ten members. A first message to someone is a **request**:
//!   she sees it and accepts or declines; until someone accepts, its sender cannot write
//!   again. A declined request stays "requested" to its sender, and disappears for her.
//! - **Who may write** to a member is hers to choose (`nobody`, `talked_with`: members with
//!   whom she shares a conversation she accepted, or `everyone`). The default is `everyone`:
//!   with `talked_with` no first request could ever be sent, and every first message is a
//!   request she may decline anyway, from a member past trust level 0 (new members cannot
//!   start conversations), under a rate limit, and she may ignore its sender.
//! - **Ignoring** stops a member at once, without telling him: a request from him is stored as
//!   declined (un-ignoring him later does not bring it back), a request already there is no
//!   longer listed, his messages are hidden from her and notify nothing, email nothing.
//! - Messages are **screened** as posts are (blocked phrases refused, watched words held for a
//!   moderator, crisis language answered with support resources for the sender alone), and a
//!   participant may **report** one: the moderators see it, the three messages before it and
//!   the reports, nothing else. Staff have no power to read conversations.
//! - Notifications (`message`, `message_request`) and opt-in emails (a link only, one per
//!   conversation until she reads it). Messages are never indexed by search.

pub mod member_data;
pub mod model;
pub mod review;
pub mod routes;
pub mod service;
pub mod store;
