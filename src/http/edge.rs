//! What lore learns about a request from the network in front of it: the client's
//! address (from `Forwarded`, RFC 7239, or `X-Forwarded-For`, but only when the peer is a
//! trusted proxy) and the base of every URL lore writes (the configured public URL, never
//! a `Host` a client made up when one is configured).

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap};
use ipnet::IpNet;

use crate::config::{EdgeSettings, PublicUrl};

/// The proxy and URL settings of a running server (`--trusted-proxy`, `--public-url`).
#[derive(Debug, Clone, Default)]
pub struct Edge {
    public_url: Option<PublicUrl>,
    trusted: Vec<IpNet>,
}

impl Edge {
    /// The edge described by `settings`.
    pub fn new(settings: &EdgeSettings) -> Self {
        Edge {
            public_url: settings.public_url.clone(),
            trusted: settings.trusted_proxies.clone(),
        }
    }

    /// The configured public URL, if any.
    pub fn public_url(&self) -> Option<&PublicUrl> {
        self.public_url.as_ref()
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&addr))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the
    /// nearest address in its `Forwarded` (else `X-Forwarded-For`) chain that is not a
    /// trusted proxy itself. `None` when the peer is unknown (tests without a socket).
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let chain = forwarded_for(headers);
        // Right to left: each hop appends the address it heard from.
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(addr) => {
                    client = *addr;
                    if !self.trusts(*addr) {
                        break;
                    }
                }
                // `unknown` or an obfuscated name: the trusted chain ends here.
                None => break,
            }
        }
        Some(client)
    }

    /// `scheme://host[/prefix]` for URLs written in answer to `req`: the public URL when
    /// one is configured; else what a trusted proxy forwarded; else the request's own
    /// `Host`.
    pub fn base_url(&self, req: &HttpRequest) -> String {
        if let Some(public) = &self.public_url {
            return public.as_str().to_owned();
        }
        let peer = req.peer_addr().map(|a| a.ip());
        if peer.is_some_and(|p| self.trusts(p)) {
            let info = req.connection_info();
            return format!("{}://{}", info.scheme(), info.host());
        }
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        format!("http://{host}")
    }

    /// The origin of this server as a browser names it, for same-origin checks.
    pub fn own_origin(&self, req: &HttpRequest) -> String {
        match &self.public_url {
            Some(public) => public.origin(),
            None => {
                let base = self.base_url(req);
                url::Url::parse(&base)
                    .map(|url| url.origin().ascii_serialization())
                    .unwrap_or(base)
            }
        }
    }
}

/// The `for` addresses of `Forwarded` (or, without it, `X-Forwarded-For`), left to right;
/// `None` for a hop that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(header::FORWARDED)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|value| value.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| parse_node(value.trim().trim_matches('"')))
                })
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|hop| parse_node(hop.trim()))
        .collect()
}

/// An RFC 7239 node (`192.0.2.1`, `192.0.2.1:80`, `[2001:db8::1]:80`, `2001:db8::1`).
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(addr) = node.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn edge(trusted: &[&str]) -> Edge {
        Edge::new(&EdgeSettings {
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            ..EdgeSettings::default()
        })
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn an_untrusted_peer_cannot_name_another_client() {
        let h = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(edge(&[]).client_ip(ip("9.9.9.9"), &h), ip("9.9.9.9"));
    }

    #[test]
    fn a_trusted_proxy_names_the_nearest_untrusted_hop() {
        let e = edge(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.0.0.7")]);
        assert_eq!(e.client_ip(ip("10.0.0.1"), &h), ip("1.2.3.4"));
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::1]:4711\";proto=https",
        )]);
        assert_eq!(e.client_ip(ip("10.0.0.1"), &h), ip("2001:db8::1"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(e.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        assert_eq!(
            e.client_ip(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn nodes_parse_with_and_without_ports() {
        assert_eq!(parse_node("192.0.2.1:80"), ip("192.0.2.1"));
        assert_eq!(parse_node("[::1]:80"), ip("::1"));
        assert_eq!(parse_node("::1"), ip("::1"));
        assert_eq!(parse_node("_hidden"), None);
    }
}
