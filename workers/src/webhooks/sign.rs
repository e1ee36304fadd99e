//! Webhook signatures, as Stripe and GitHub receivers check them: the header
//! `X-Kickoff-Signature: t={unix seconds},v1={hex HMAC-SHA256 of "{t}.{body}"}` under the
//! endpoint's secret. The timestamp lets a receiver refuse replays of old deliveries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature header's name.
pub const HEADER: &str = "X-Kickoff-Signature";

/// The header value for `body` sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(secret, timestamp, body)))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Whether `header` signs `body` under `secret` (what a receiver does; tests use it).
pub fn verify(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(given)) = (t, v1) else { return false };
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return false,
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// A new endpoint secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_secret_time_and_body() {
        let header = signature("s3cret", 1_765_000_000, b"{\"a\":1}");
        assert!(header.starts_with("t=1765000000,v1="), "{header}");
        assert!(verify("s3cret", &header, b"{\"a\":1}"));
        assert!(!verify("other", &header, b"{\"a\":1}"));
        assert!(!verify("s3cret", &header, b"{\"a\":2}"));
        let replayed = header.replace("t=1765000000", "t=1765000001");
        assert!(!verify("s3cret", &replayed, b"{\"a\":1}"));
        assert!(!verify("s3cret", "v1=zz", b"{\"a\":1}"));
        assert_eq!(new_secret().len(), 64);
        assert_ne!(new_secret(), new_secret());
    }
}
