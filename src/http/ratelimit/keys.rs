//! Who a request counts against: the client (its IP address as the trusted proxies tell it,
//! grouped into networks for IPv6), the signed-in user, or the account an email address names.
//!
//! An IPv6 client can use any address of its /64 (often of a /56 or /48), so IPv6 clients are
//! counted by network, as Lemmy does: the /64 gets the configured limit, its /56 four times
//! that and its /48 sixteen times, so rotating addresses (or /64s) buys nothing.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, web};
use ipnet::IpNet;

use crate::config::ConfigError;

/// What one counter counts; hashed (with a per-process random key) before it is stored, so the
/// counters hold neither addresses nor emails.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Key<'a> {
    /// A client network (`None`: the client's address is unknown).
    Client(Option<IpNet>),
    /// A signed-in user, by the subject of the access token.
    User(&'a str),
    /// The account an email address names, as [`super::email_key`] writes it.
    Account(&'a str),
    /// One account tried from one client network.
    AccountFrom(&'a str, Option<IpNet>),
}

impl Key<'_> {
    /// The key as bytes, the same in every process (the counters shared on PostgreSQL hash
    /// these): a tag, then each field, strings ended by a 0 byte (no email or network holds one).
    pub fn encode(&self) -> Vec<u8> {
        fn net(out: &mut Vec<u8>, net: &Option<IpNet>) {
            match net {
                Some(net) => out.extend_from_slice(net.to_string().as_bytes()),
                None => out.push(b'-'),
            }
            out.push(0);
        }
        let mut out = Vec::with_capacity(48);
        match self {
            Self::Client(client) => {
                out.push(b'c');
                net(&mut out, client);
            }
            Self::User(id) => {
                out.push(b'u');
                out.extend_from_slice(id.as_bytes());
                out.push(0);
            }
            Self::Account(email) => {
                out.push(b'a');
                out.extend_from_slice(email.as_bytes());
                out.push(0);
            }
            Self::AccountFrom(email, client) => {
                out.push(b'f');
                out.extend_from_slice(email.as_bytes());
                out.push(0);
                net(&mut out, client);
            }
        }
        out
    }
}

/// The networks an IPv6 client is counted in, with the multiple of the limit each gets.
pub const IPV6_GROUPS: [(u8, u32); 3] = [(64, 1), (56, 4), (48, 16)];

/// The networks a client is counted in, each with the multiple of the configured limit it is
/// allowed: an IPv4 address alone; an IPv6 address by /64, /56 and /48.
pub fn client_networks(ip: Option<IpAddr>) -> Vec<(Option<IpNet>, u32)> {
    match ip.map(canonical) {
        None => vec![(None, 1)],
        Some(IpAddr::V4(v4)) => vec![(Some(IpNet::from(IpAddr::V4(v4))), 1)],
        Some(ip @ IpAddr::V6(_)) => IPV6_GROUPS
            .iter()
            .filter_map(|&(prefix, factor)| {
                IpNet::new(ip, prefix)
                    .ok()
                    .map(|net| (Some(net.trunc()), factor))
            })
            .collect(),
    }
}

/// The narrowest network a client is counted in: its IPv4 address, or its IPv6 /64.
pub fn client_network(ip: Option<IpAddr>) -> Option<IpNet> {
    client_networks(ip).first().and_then(|(net, _)| *net)
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed (`trusted_proxies`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `trusted_proxies`; an entry that is neither an address nor a CIDR range is a
    /// configuration error.
    pub fn parse(entries: &[String]) -> Result<Self, ConfigError> {
        entries
            .iter()
            .map(|entry| {
                let raw = entry.trim();
                raw.parse::<IpNet>()
                    .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        ConfigError(format!(
                            "trusted_proxies: `{entry}` is neither an IP address nor a range such as 10.0.0.0/8"
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client: the peer, unless the peer is a trusted proxy; then the right-most address
    /// of `X-Forwarded-For` that is not itself a trusted proxy (addresses further left were
    /// written by the client and may be forged).
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>().map(canonical) {
                Ok(ip) if self.trusts(ip) => client = ip,
                Ok(ip) => return Some(ip),
                // Unreadable: stop at the last address a trusted proxy vouched for.
                Err(_) => break,
            }
        }
        Some(client)
    }
}

/// The client's IP address as the settings say to find it (see [`TrustedProxies::client`]).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    match req.app_data::<web::Data<TrustedProxies>>() {
        Some(trusted) => trusted.client(peer, req.headers()),
        None => peer.map(canonical),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn net(s: &str) -> Option<IpNet> {
        Some(s.parse().expect("a network"))
    }

    #[test]
    fn ipv6_clients_are_counted_by_network_and_ipv4_ones_by_address() {
        assert_eq!(
            client_networks(Some(ip("2001:db8:aa:bb01:1:2:3:4"))),
            vec![
                (net("2001:db8:aa:bb01::/64"), 1),
                (net("2001:db8:aa:bb00::/56"), 4),
                (net("2001:db8:aa::/48"), 16),
            ]
        );
        // Two addresses of one /64 are one client.
        assert_eq!(
            client_network(Some(ip("2001:db8::1"))),
            client_network(Some(ip("2001:db8::ffff:ffff:ffff:ffff")))
        );
        assert_ne!(
            client_network(Some(ip("2001:db8::1"))),
            client_network(Some(ip("2001:db8:0:1::1")))
        );
        assert_eq!(
            client_networks(Some(ip("203.0.113.9"))),
            vec![(net("203.0.113.9/32"), 1)]
        );
        assert_eq!(
            client_network(Some(ip("::ffff:203.0.113.9"))),
            net("203.0.113.9/32")
        );
        assert_eq!(client_networks(None), vec![(None, 1)]);
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(value).expect("a header value"),
        );
        headers
    }

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_forwards() {
        let none = TrustedProxies::default();
        let headers = forwarded("203.0.113.9");
        assert_eq!(
            none.client(Some(ip("10.0.0.2")), &headers),
            Some(ip("10.0.0.2"))
        );
        let proxies =
            TrustedProxies::parse(&["10.0.0.0/8".into(), " ::1 ".into()]).expect("parses");
        // The client forged the left-most entry; the proxy appended the real one.
        let headers = forwarded("1.1.1.1, 203.0.113.9, 10.0.0.7");
        assert_eq!(
            proxies.client(Some(ip("10.0.0.2")), &headers),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            proxies.client(Some(ip("::ffff:10.0.0.2")), &headers),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            proxies.client(Some(ip("::1")), &forwarded("2001:db8::7")),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(
            proxies.client(Some(ip("198.51.100.1")), &headers),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            proxies.client(Some(ip("10.0.0.2")), &HeaderMap::new()),
            Some(ip("10.0.0.2"))
        );
        // An unreadable hop: the last address a trusted proxy vouched for.
        assert_eq!(
            proxies.client(
                Some(ip("10.0.0.2")),
                &forwarded("203.0.113.9, garbage, 10.0.0.7")
            ),
            Some(ip("10.0.0.7"))
        );
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["fd00::/129".into()]).is_err());
    }
}
