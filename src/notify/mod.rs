//! Notifications and email: the email outbox and its worker ([`outbox`]), the transport that
//! sends through SMTP or writes `.eml` files ([`mailer`]), and the English and Chinese email
//! texts ([`templates`]).

pub mod mailer;
pub mod outbox;
pub mod templates;
