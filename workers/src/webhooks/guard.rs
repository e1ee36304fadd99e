//! Where a webhook delivery may go: http(s) only; https on a public address unless the
//! URL's exact scheme, host and port are in `[webhooks] allowed_urls`. The host is
//! resolved here, every address checked, and the delivery connects to the checked
//! address only.

use std::net::{IpAddr, SocketAddr};

use crate::scrape::fetch::allow::Allowlist;
use crate::settings::WebhookSettings;

/// Why a URL may not receive deliveries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}: not a URL")]
    NotAUrl(String),
    #[error("{0}: webhooks are http or https")]
    Scheme(String),
    #[error("{0}: plain http only to an endpoint in [webhooks] allowed_urls")]
    PlainHttp(String),
    #[error(
        "{url}: resolves to {ip}, a private, loopback or link-local address not in [webhooks] allowed_urls"
    )]
    PrivateAddress { url: String, ip: IpAddr },
    #[error("{url}: cannot resolve: {reason}")]
    Unresolved { url: String, reason: String },
}

impl Refused {
    /// A refusal the same URL will meet again (not a resolver hiccup).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, Refused::Unresolved { .. })
    }
}

/// Addresses a public endpoint never has: loopback, private, link-local, shared
/// (carrier-grade NAT), benchmarking, reserved, unspecified, multicast, documentation and
/// unique-local ranges, and IPv6 forms that embed such an IPv4 address (mapped,
/// compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            let embedded = |a: u16, b: u16| {
                let [a1, a2] = a.to_be_bytes();
                let [b1, b2] = b.to_be_bytes();
                is_internal(IpAddr::V4(std::net::Ipv4Addr::new(a1, a2, b1, b2)))
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] & 0xffc0) == 0xfec0
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
                // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
                || (seg[..6] == [0; 6] && embedded(seg[6], seg[7]))
                || (seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && embedded(seg[6], seg[7]))
                // 6to4: 2002:a.b.c.d::/48.
                || (seg[0] == 0x2002 && embedded(seg[1], seg[2]))
        }
    }
}

/// Whether `url` may be registered at all (before any resolution).
pub fn check_url(raw: &str, settings: &WebhookSettings) -> Result<url::Url, Refused> {
    let url = url::Url::parse(raw).map_err(|_| Refused::NotAUrl("(not a URL)".to_owned()))?;
    let shown = url.origin().ascii_serialization();
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Refused::Scheme(shown));
    }
    if url.scheme() == "http" && !allowed(&url, settings) {
        return Err(Refused::PlainHttp(shown));
    }
    Ok(url)
}

/// Whether `url`'s exact origin is in `[webhooks] allowed_urls` (the scrape fetcher's
/// rule for its own list).
fn allowed(url: &url::Url, settings: &WebhookSettings) -> bool {
    Allowlist::from_urls(settings.allowed_urls.iter().map(String::as_str)).check(url.as_str()).is_ok()
}

/// Resolves `url`'s host and checks every address; the address to connect to.
pub async fn resolve(url: &url::Url, settings: &WebhookSettings) -> Result<SocketAddr, Refused> {
    let shown = url.origin().ascii_serialization();
    let host = url.host_str().ok_or_else(|| Refused::NotAUrl(shown.clone()))?;
    let port = url.port_or_known_default().ok_or_else(|| Refused::NotAUrl(shown.clone()))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| Refused::Unresolved { url: shown.clone(), reason: e.to_string() })?
        .collect();
    let first = *addrs
        .first()
        .ok_or_else(|| Refused::Unresolved { url: shown.clone(), reason: "no address".into() })?;
    if !allowed(url, settings)
        && let Some(bad) = addrs.iter().find(|a| is_internal(a.ip()))
    {
        return Err(Refused::PrivateAddress { url: shown, ip: bad.ip() });
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(allowed: &[&str]) -> WebhookSettings {
        WebhookSettings {
            allowed_urls: allowed.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "64:ff9b::5db8:d822", "2002:5db8:d822::1"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_https_unless_configured() {
        let none = settings(&[]);
        assert!(check_url("https://hooks.example.com/k", &none).is_ok());
        assert!(matches!(check_url("http://hooks.example.com/k", &none), Err(Refused::PlainHttp(_))));
        assert!(matches!(check_url("ftp://hooks.example.com/k", &none), Err(Refused::Scheme(_))));
        assert!(matches!(check_url("not a url", &none), Err(Refused::NotAUrl(_))));
        let local = settings(&["http://127.0.0.1:9000"]);
        assert!(check_url("http://127.0.0.1:9000/hook", &local).is_ok());
        assert!(matches!(check_url("http://127.0.0.1:9001/hook", &local), Err(Refused::PlainHttp(_))));
    }

    #[tokio::test]
    async fn internal_addresses_are_refused_after_resolution_unless_configured() {
        let none = settings(&[]);
        let url = url::Url::parse("https://127.0.0.1:9443/hook").unwrap();
        let refused = resolve(&url, &none).await.unwrap_err();
        assert!(matches!(refused, Refused::PrivateAddress { .. }), "{refused}");
        assert!(refused.is_permanent());
        // localhost is a name for the same address: resolved, then refused.
        let named = url::Url::parse("https://localhost:9443/hook").unwrap();
        assert!(matches!(resolve(&named, &none).await, Err(Refused::PrivateAddress { .. })));
        let configured = settings(&["https://127.0.0.1:9443"]);
        assert_eq!(resolve(&url, &configured).await.unwrap(), "127.0.0.1:9443".parse().unwrap());
    }
}
