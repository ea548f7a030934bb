//! Where a session signed in from, as its owner is shown it: a short client name read from the
//! User-Agent (with the `woothee` parser, whose data is compiled in), and the network of the
//! address (an IPv4 /24, an IPv6 /48), never the address itself.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;

/// What is recorded of the client that opened a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    /// "Firefox on Linux", "Safari on iPhone", "curl", or "Unknown client".
    pub name: String,
    /// "203.0.113.0/24", "2001:db8:1::/48"; `None` when the address is unknown.
    pub network: Option<String>,
}

/// The longest client name kept.
const NAME_MAX: usize = 64;

impl ClientInfo {
    /// The client of a request: its `User-Agent` and its address (the socket's peer, or the
    /// client a trusted proxy names).
    pub fn of(req: &HttpRequest) -> Self {
        let agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        Self {
            name: client_name(agent),
            network: network(crate::http::ratelimit::client_ip(req)),
        }
    }
}

/// A short name for a `User-Agent`: the browser and the system when the parser knows it for a
/// browser or an app on a device, otherwise the first product token (`curl/8.5` → `curl`,
/// where the parser would only say "HTTP Library").
pub fn client_name(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent.map(str::trim).filter(|a| !a.is_empty()) else {
        return "Unknown client".into();
    };
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    let parsed = woothee::parser::Parser::new()
        .parse(agent)
        .filter(|found| known(found.name))
        .filter(|found| {
            matches!(
                found.category,
                "pc" | "smartphone" | "mobilephone" | "appliance"
            )
        });
    let name = match parsed {
        Some(found) if known(found.os) => format!("{} on {}", found.name, found.os),
        Some(found) => found.name.to_owned(),
        _ => agent
            .split(['/', ' ', ';', '('])
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect(),
    };
    if name.is_empty() {
        return "Unknown client".into();
    }
    name.chars().take(NAME_MAX).collect()
}

/// The network of an address: its /24 for IPv4 (IPv4-mapped IPv6 included), its /48 for IPv6.
pub fn network(ip: Option<IpAddr>) -> Option<String> {
    let ip = match ip? {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let prefix = if ip.is_ipv4() { 24 } else { 48 };
    IpNet::new(ip, prefix)
        .ok()
        .map(|net| net.trunc().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_named_with_their_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(client_name(Some(firefox)), "Firefox on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
        assert_eq!(client_name(Some(iphone)), "Safari on iPhone");
    }

    #[test]
    fn other_clients_are_named_by_their_product() {
        assert_eq!(client_name(Some("curl/8.5.0")), "curl");
        assert_eq!(
            client_name(Some("ButterflyApp/2.1 (Android 14)")),
            "ButterflyApp"
        );
        assert_eq!(client_name(None), "Unknown client");
        assert_eq!(client_name(Some("   ")), "Unknown client");
        assert_eq!(client_name(Some("<script>")), "script");
        assert!(client_name(Some(&"x".repeat(500))).len() <= NAME_MAX);
    }

    #[test]
    fn only_the_network_is_kept() {
        let v4: IpAddr = "203.0.113.77".parse().unwrap();
        assert_eq!(network(Some(v4)).as_deref(), Some("203.0.113.0/24"));
        let v6: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap();
        assert_eq!(network(Some(v6)).as_deref(), Some("2001:db8:1::/48"));
        let mapped: IpAddr = "::ffff:198.51.100.9".parse().unwrap();
        assert_eq!(network(Some(mapped)).as_deref(), Some("198.51.100.0/24"));
        assert_eq!(network(None), None);
    }
}
