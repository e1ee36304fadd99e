//! Helpers shared by the test binaries; each uses its own part of them.
#![allow(dead_code, unused_imports)]

pub mod backends;
pub mod fake_bot;
pub mod http;
pub mod wait;
pub mod world;
