//! Which URLs an owner may register as a webhook, and which addresses a delivery may connect
//! to. Pure: no network. The server checks a URL when it is registered ([`check_url`]) and
//! checks every address a host name resolves to when it delivers ([`check_address`]), so a
//! name that later resolves to an internal address (DNS rebinding) is refused then too.
//!
//! The rules: `http` or `https`; a host; no user name or password, no fragment; at most
//! [`MAX_URL_CHARS`] characters; port 0 refused. Addresses that reach inside the network Scout
//! runs in are refused: loopback, private (RFC 1918, IPv6 unique local `fc00::/7`), shared
//! (RFC 6598 `100.64.0.0/10`), link-local, unspecified, "this network" (`0.0.0.0/8`),
//! broadcast and multicast — also when written as an IPv4-mapped IPv6 address. Loopback (and
//! the name `localhost`) is allowed only when the server is started with
//! `--allow-loopback-webhooks` (tests run a receiver on 127.0.0.1); the others never are.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest webhook URL accepted, in characters.
pub const MAX_URL_CHARS: usize = 2_000;

/// Why an address may not receive webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Loopback,
    Private,
    Shared,
    LinkLocal,
    Unspecified,
    ThisNetwork,
    Broadcast,
    Multicast,
}

impl AddressClass {
    fn describe(self) -> &'static str {
        match self {
            AddressClass::Loopback => "a loopback address",
            AddressClass::Private => "a private network address",
            AddressClass::Shared => "a shared (carrier-grade NAT) address",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::Unspecified => "the unspecified address",
            AddressClass::ThisNetwork => "a \"this network\" address",
            AddressClass::Broadcast => "the broadcast address",
            AddressClass::Multicast => "a multicast address",
        }
    }

    /// What may change the refusal: only loopback has a flag.
    fn remedy(self) -> &'static str {
        match self {
            AddressClass::Loopback => {
                "allowed only when the server runs with --allow-loopback-webhooks"
            }
            _ => "webhooks are delivered to public addresses only",
        }
    }
}

/// A webhook URL refused, with a message an owner can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("webhook URL is empty")]
    Empty,
    #[error("webhook URL is longer than {max} characters")]
    TooLong { max: usize },
    #[error("webhook URL is not a valid URL: {0}")]
    NotAUrl(String),
    #[error("webhook URL must use http or https, not {0:?}")]
    Scheme(String),
    #[error("webhook URL must name a host")]
    NoHost,
    #[error("webhook URL must not contain a user name or password")]
    Credentials,
    #[error("webhook URL must not contain a fragment (#…)")]
    Fragment,
    #[error("webhook URL must not use port 0")]
    PortZero,
    /// The host is, or resolved to, an address webhooks may not reach.
    #[error("webhook host {host} is {} ({})", .class.describe(), .class.remedy())]
    Address { host: String, class: AddressClass },
}

/// What webhook hosts may be: public only, or loopback too (`--allow-loopback-webhooks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressRule {
    pub allow_loopback: bool,
}

/// The class that refuses `ip`, if any (whatever the rule: see [`check_address`]).
pub fn address_class(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_class(v4),
            None => v6_class(v6),
        },
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, ..] = ip.octets();
    Some(if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if a == 0 {
        AddressClass::ThisNetwork
    } else if ip.is_private() {
        AddressClass::Private
    } else if a == 100 && (64..128).contains(&b) {
        AddressClass::Shared
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_broadcast() {
        AddressClass::Broadcast
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else {
        return None;
    })
}

fn v6_class(ip: Ipv6Addr) -> Option<AddressClass> {
    let first = ip.segments()[0];
    Some(if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::Private
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else {
        return None;
    })
}

/// Refuses an address webhooks may not reach under `rule`; `host` names it in the message.
pub fn check_address(host: &str, ip: IpAddr, rule: AddressRule) -> Result<(), WebhookUrlError> {
    match address_class(ip) {
        None => Ok(()),
        Some(AddressClass::Loopback) if rule.allow_loopback => Ok(()),
        Some(class) => Err(WebhookUrlError::Address {
            host: host.to_string(),
            class,
        }),
    }
}

/// `localhost` and its subdomains (RFC 6761: they resolve to loopback).
fn is_localhost_name(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

/// Checks a webhook URL under `rule` and returns it in normal form (what is stored and
/// requested, so that what was checked is what is used). A host name is allowed here unless it
/// is `localhost`; the addresses it resolves to are checked at each delivery.
pub fn check_url(text: &str, rule: AddressRule) -> Result<String, WebhookUrlError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(WebhookUrlError::Empty);
    }
    if text.chars().count() > MAX_URL_CHARS {
        return Err(WebhookUrlError::TooLong { max: MAX_URL_CHARS });
    }
    let url = url::Url::parse(text).map_err(|e| WebhookUrlError::NotAUrl(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(WebhookUrlError::Scheme(url.scheme().to_string()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(WebhookUrlError::Credentials);
    }
    if url.fragment().is_some() {
        return Err(WebhookUrlError::Fragment);
    }
    if url.port() == Some(0) {
        return Err(WebhookUrlError::PortZero);
    }
    match url.host() {
        None => return Err(WebhookUrlError::NoHost),
        Some(url::Host::Domain("")) => return Err(WebhookUrlError::NoHost),
        Some(url::Host::Domain(d)) if is_localhost_name(d) => {
            check_address(d, IpAddr::V4(Ipv4Addr::LOCALHOST), rule)?;
        }
        Some(url::Host::Domain(_)) => {}
        Some(url::Host::Ipv4(ip)) => check_address(&ip.to_string(), IpAddr::V4(ip), rule)?,
        Some(url::Host::Ipv6(ip)) => check_address(&ip.to_string(), IpAddr::V6(ip), rule)?,
    }
    let normal = url.to_string();
    if normal.chars().count() > MAX_URL_CHARS {
        return Err(WebhookUrlError::TooLong { max: MAX_URL_CHARS });
    }
    Ok(normal)
}

/// The host of a checked URL, for audit entries and messages (never the path or query, which
/// may carry a receiver's own token).
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: AddressRule = AddressRule {
        allow_loopback: false,
    };
    const LOOPBACK: AddressRule = AddressRule {
        allow_loopback: true,
    };

    #[test]
    fn accepts_public_http_and_https_in_normal_form() {
        for (given, stored) in [
            (
                "https://hooks.example.org/scout",
                "https://hooks.example.org/scout",
            ),
            ("http://example.com", "http://example.com/"),
            (
                "  HTTPS://Example.COM:8443/a?b=c  ",
                "https://example.com:8443/a?b=c",
            ),
            ("https://93.184.216.34/x", "https://93.184.216.34/x"),
            ("http://[2001:db8::1]:8080/", "http://[2001:db8::1]:8080/"),
            ("https://example.com:443/", "https://example.com/"),
        ] {
            assert_eq!(check_url(given, PUBLIC).as_deref(), Ok(stored), "{given}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_plain_web_url() {
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        for (given, want) in [
            ("", WebhookUrlError::Empty),
            ("   ", WebhookUrlError::Empty),
            ("ftp://example.com/x", WebhookUrlError::Scheme("ftp".into())),
            ("file:///etc/passwd", WebhookUrlError::Scheme("file".into())),
            (
                "javascript:alert(1)",
                WebhookUrlError::Scheme("javascript".into()),
            ),
            ("http://user:pw@example.com/", WebhookUrlError::Credentials),
            ("http://user@example.com/", WebhookUrlError::Credentials),
            ("https://:pw@example.com/", WebhookUrlError::Credentials),
            ("https://example.com/#frag", WebhookUrlError::Fragment),
            ("https://example.com:0/", WebhookUrlError::PortZero),
            (
                long.as_str(),
                WebhookUrlError::TooLong { max: MAX_URL_CHARS },
            ),
        ] {
            assert_eq!(check_url(given, PUBLIC), Err(want), "{given}");
        }
        for garbage in [
            "not a url",
            "http://",
            "https://exa mple.com/",
            "//example.com/",
            "http://[::1/",
        ] {
            assert!(
                matches!(check_url(garbage, PUBLIC), Err(WebhookUrlError::NotAUrl(_))),
                "{garbage}: {:?}",
                check_url(garbage, PUBLIC)
            );
        }
    }

    #[test]
    fn refuses_internal_addresses_in_every_spelling() {
        for (given, class) in [
            ("http://127.0.0.1/", AddressClass::Loopback),
            ("http://127.1.2.3:9000/", AddressClass::Loopback),
            ("http://2130706433/", AddressClass::Loopback),
            ("http://0x7f.1/", AddressClass::Loopback),
            ("http://[::1]/", AddressClass::Loopback),
            ("http://[::ffff:127.0.0.1]/", AddressClass::Loopback),
            ("http://localhost:8080/", AddressClass::Loopback),
            ("http://api.LOCALHOST./", AddressClass::Loopback),
            ("http://10.0.0.1/", AddressClass::Private),
            ("http://172.16.5.4/", AddressClass::Private),
            ("http://172.31.255.255/", AddressClass::Private),
            ("http://192.168.1.1/", AddressClass::Private),
            ("http://[fc00::1]/", AddressClass::Private),
            ("http://[fd12:3456::1]/", AddressClass::Private),
            ("http://[::ffff:10.1.2.3]/", AddressClass::Private),
            ("http://100.64.0.1/", AddressClass::Shared),
            (
                "http://169.254.169.254/latest/meta-data",
                AddressClass::LinkLocal,
            ),
            ("http://[fe80::1]/", AddressClass::LinkLocal),
            ("http://0.0.0.0/", AddressClass::Unspecified),
            ("http://[::]/", AddressClass::Unspecified),
            ("http://0.1.2.3/", AddressClass::ThisNetwork),
            ("http://255.255.255.255/", AddressClass::Broadcast),
            ("http://224.0.0.1/", AddressClass::Multicast),
            ("http://[ff02::1]/", AddressClass::Multicast),
        ] {
            match check_url(given, PUBLIC) {
                Err(WebhookUrlError::Address { class: c, .. }) => assert_eq!(c, class, "{given}"),
                other => panic!("{given}: {other:?}"),
            }
        }
        // Neighbours of the ranges are public.
        for given in [
            "http://172.32.0.1/",
            "http://100.128.0.1/",
            "http://11.0.0.1/",
            "http://[2001:4860::8888]/",
        ] {
            assert!(check_url(given, PUBLIC).is_ok(), "{given}");
        }
    }

    #[test]
    fn the_flag_allows_loopback_and_nothing_else() {
        assert_eq!(
            check_url("http://127.0.0.1:4000/hook", LOOPBACK).as_deref(),
            Ok("http://127.0.0.1:4000/hook")
        );
        assert!(check_url("http://[::1]/", LOOPBACK).is_ok());
        assert!(check_url("http://localhost/", LOOPBACK).is_ok());
        for given in [
            "http://10.0.0.1/",
            "http://169.254.169.254/",
            "http://0.0.0.0/",
        ] {
            assert!(check_url(given, LOOPBACK).is_err(), "{given}");
        }
        let ip: IpAddr = "192.168.0.10".parse().expect("ip");
        assert!(check_address("intranet.example", ip, LOOPBACK).is_err());
        assert!(check_address("h", "127.0.0.1".parse().expect("ip"), LOOPBACK).is_ok());
    }

    #[test]
    fn messages_say_what_to_change() {
        let msg = |u| check_url(u, PUBLIC).expect_err("refused").to_string();
        assert_eq!(
            msg("http://user:pw@host.example/"),
            "webhook URL must not contain a user name or password"
        );
        assert_eq!(
            msg("http://127.0.0.1/"),
            "webhook host 127.0.0.1 is a loopback address (allowed only when the server runs \
             with --allow-loopback-webhooks)"
        );
        assert_eq!(
            msg("http://10.0.0.1/"),
            "webhook host 10.0.0.1 is a private network address (webhooks are delivered to \
             public addresses only)"
        );
        assert_eq!(
            msg("ftp://example.com/"),
            "webhook URL must use http or https, not \"ftp\""
        );
    }

    #[test]
    fn host_of_names_only_the_host() {
        assert_eq!(
            host_of("https://hooks.example.org/T0k3n/secret?x=1"),
            "hooks.example.org"
        );
        assert_eq!(host_of("http://[::1]:8080/"), "[::1]");
        assert_eq!(host_of("garbage"), "");
    }
}
