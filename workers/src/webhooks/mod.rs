//! Webhooks: live events POSTed to the endpoints admins registered.
//!
//! - [`guard`]: where a delivery may go. The URL is an admin's data, so it gets the
//!   scrape fetcher's discipline and more: https on a public address, unless its exact
//!   origin is configured; the host is resolved on every delivery and the connection
//!   pinned to the checked address (no rebinding between check and connect); no
//!   redirects.
//! - [`sign`]: the signature a receiver checks (HMAC-SHA256 of `{timestamp}.{body}`).
//! - [`deliver`]: one POST and its outcome.

pub mod deliver;
pub mod guard;
pub mod sign;
