//! Notifications and email: the email outbox and its worker ([`outbox`]), the transport that
//! sends through SMTP or writes `.eml` files ([`mailer`]), and the English and Chinese email
//! texts ([`templates`]); in-app notifications ([`inapp`]) and their routes.

pub mod inapp;
pub mod mailer;
pub mod member_data;
pub mod outbox;
pub mod routes;
pub mod templates;
