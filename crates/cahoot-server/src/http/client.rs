//! Who is asking, and how: client address, HTTPS, own origin, and the CSRF check for cookie-authenticated
//! requests. Forwarded headers count only with `trust_proxy` (behind our own HAProxy, which appends the
//! real peer as the last `X-Forwarded-For` hop and sets `X-Forwarded-Proto`).

use crate::config::Config;
use crate::error::ApiError;
use axum::http::{HeaderMap, header};
use cahoot_protocol::ErrorCode;
use std::net::{IpAddr, SocketAddr};

/// The client's address: the last `X-Forwarded-For` hop when `trust_proxy`, else the TCP peer.
/// (`&ConnectInfo<SocketAddr>` coerces to the `&SocketAddr` this takes.)
pub fn client_ip(peer: &SocketAddr, headers: &HeaderMap, config: &Config) -> IpAddr {
    if config.trust_proxy {
        // Only the last hop was added by our proxy; earlier ones are whatever the client sent.
        let last_hop = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|hop| hop.trim().parse::<IpAddr>().ok());
        if let Some(ip) = last_hop {
            return ip;
        }
    }
    peer.ip()
}

/// Whether the request reached us over HTTPS. The server itself speaks plain HTTP, so this is only ever
/// true behind a trusted TLS-terminating proxy.
pub fn is_https(headers: &HeaderMap, config: &Config) -> bool {
    config.trust_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// This server's origin as a browser on the other end sees it: `public_origin` when configured, else
/// scheme + `Host` of the request.
pub fn own_origin(headers: &HeaderMap, config: &Config) -> Option<String> {
    if let Some(origin) = &config.public_origin {
        return Some(origin.trim_end_matches('/').to_owned());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if is_https(headers, config) {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

/// Whether `Origin` (when present) names this server. Browsers always send it on cross-origin requests and
/// WebSocket upgrades; clients without one are not browsers, so no ambient credentials are at stake.
pub fn origin_allowed(headers: &HeaderMap, config: &Config) -> bool {
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let origin = origin.to_str().unwrap_or("null");
            own_origin(headers, config).is_some_and(|own| own.eq_ignore_ascii_case(origin))
        }
    }
}

/// CSRF defence for state changes a cookie authenticates (refresh, logout): a cross-site request is refused
/// by `Sec-Fetch-Site` when the browser sends it, else by `Origin`.
pub fn check_same_site(headers: &HeaderMap, config: &Config) -> Result<(), ApiError> {
    let rejected = || ApiError::forbidden(ErrorCode::CsrfRejected, "cross-site request refused");
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.to_str() {
            Ok("same-origin" | "none") => Ok(()),
            _ => Err(rejected()),
        };
    }
    if origin_allowed(headers, config) {
        Ok(())
    } else {
        Err(rejected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    fn peer() -> SocketAddr {
        "10.0.0.9:5000".parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 5.6.7.8")]);
        let direct = Config::default();
        assert_eq!(client_ip(&peer(), &h, &direct), peer().ip());
        let proxied = Config {
            trust_proxy: true,
            ..Config::default()
        };
        assert_eq!(
            client_ip(&peer(), &h, &proxied),
            "5.6.7.8".parse::<IpAddr>().unwrap()
        );
        assert!(!is_https(
            &headers(&[("x-forwarded-proto", "https")]),
            &direct
        ));
        assert!(is_https(
            &headers(&[("x-forwarded-proto", "https")]),
            &proxied
        ));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        let config = Config::default();
        let ok = |pairs| check_same_site(&headers(pairs), &config).is_ok();
        assert!(ok(&[]));
        assert!(ok(&[("sec-fetch-site", "same-origin")]));
        assert!(ok(&[("sec-fetch-site", "none")]));
        assert!(!ok(&[("sec-fetch-site", "cross-site")]));
        assert!(!ok(&[("sec-fetch-site", "same-site")]));
        assert!(ok(&[
            ("host", "classroom.test:8080"),
            ("origin", "http://classroom.test:8080")
        ]));
        assert!(!ok(&[
            ("host", "classroom.test:8080"),
            ("origin", "http://evil.test")
        ]));
        assert!(!ok(&[("host", "classroom.test:8080"), ("origin", "null")]));
    }

    #[test]
    fn a_configured_public_origin_wins_over_the_host_header() {
        let config = Config {
            public_origin: Some("https://quiz.example.org/".into()),
            ..Config::default()
        };
        let h = headers(&[("host", "10.0.0.1"), ("origin", "https://quiz.example.org")]);
        assert!(origin_allowed(&h, &config));
        let h = headers(&[("host", "10.0.0.1"), ("origin", "http://10.0.0.1")]);
        assert!(!origin_allowed(&h, &config));
    }
}
