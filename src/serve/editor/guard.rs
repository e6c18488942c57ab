//! Who may use the editor: the person at this computer, through this server.
//!
//! - `Host` must be the server's own address (`127.0.0.1:PORT`,
//!   `localhost:PORT`): a page of another site that points its own name at
//!   127.0.0.1 (DNS rebinding) sends its own name and is refused. On the
//!   network (`--bind 0.0.0.0 --edit`) the address a phone typed or scanned
//!   is an IP address with the server's port, which a rebinding page cannot
//!   send either (its Host is its own name); see [`super::lan`] for the
//!   secret key such a server asks for besides.
//! - API calls carry the session token in `X-Zhan-Token`: only the editor's
//!   pages hold it, and other sites cannot read them (same-origin policy,
//!   and the `Host` check against rebinding).
//! - An `Origin` or `Sec-Fetch-Site` header, when sent, must say the request
//!   comes from the editor's own origin; writes must be JSON (a cross-site
//!   form cannot send that without the browser asking first).

use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;

use super::super::http::{Request, Response};
use crate::messages;

/// Headers of every editor answer: not framed by other sites, not cached,
/// no scripts but our own.
pub fn page_headers() -> Vec<(&'static str, String)> {
    vec![
        ("X-Frame-Options", "SAMEORIGIN".into()),
        (
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'; form-action 'self'"
                .into(),
        ),
        ("Referrer-Policy", "no-referrer".into()),
        ("Cache-Control", "no-store".into()),
    ]
}

fn refuse(key: &str) -> Response {
    let mut response = Response::new(
        "403 Forbidden",
        "text/plain; charset=utf-8",
        format!("{}\n", messages::tr(key)),
    );
    response.headers.extend(page_headers());
    response
}

/// The host names the server answers the editor under.
fn own_hosts(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut names = vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    if port == 80 {
        names.extend(["127.0.0.1", "localhost", "[::1]"].map(String::from));
    }
    names
}

/// Whether `host` (a `Host` header, lower case) names the server at `addr`:
/// one of its loopback names; and on the network, an IP address with its
/// port (any one when it listens on every interface, else the one it
/// listens on). Never a domain name: that is what DNS rebinding sends.
fn is_own_host(host: &str, addr: SocketAddr) -> bool {
    if own_hosts(addr).iter().any(|h| h == host) {
        return true;
    }
    if addr.ip().is_loopback() {
        return false;
    }
    // Browsers leave out port 80.
    let asked = host.parse::<SocketAddr>().ok().or_else(|| {
        let ip = host.trim_start_matches('[').trim_end_matches(']');
        let ip = ip.parse::<std::net::IpAddr>().ok()?;
        (addr.port() == 80).then_some(SocketAddr::new(ip, 80))
    });
    asked.is_some_and(|asked| {
        asked.port() == addr.port() && (addr.ip().is_unspecified() || asked.ip() == addr.ip())
    })
}

/// Refuses a request whose `Host` is not the server's own address.
pub fn check_host(req: &Request, addr: Option<SocketAddr>) -> Result<(), Response> {
    let Some(addr) = addr else {
        return Err(refuse("editor.bad-host"));
    };
    let host = req.header("host").map(str::to_ascii_lowercase);
    match host {
        Some(host) if is_own_host(&host, addr) => Ok(()),
        _ => Err(refuse("editor.bad-host")),
    }
}

/// Refuses an API call without the token, from another origin, or a write
/// that is not JSON.
pub fn check_api(req: &Request, addr: Option<SocketAddr>, token: &str) -> Result<(), Response> {
    let Some(addr) = addr else {
        return Err(refuse("editor.bad-host"));
    };
    if req.has_header("origin") {
        // The origin of the address the request was sent to: the editor's
        // page is on that address, and it is the server's own.
        let origin = req.header("origin").map(str::to_ascii_lowercase);
        let host = req.header("host").map(str::to_ascii_lowercase);
        let own = match (origin, host) {
            (Some(origin), Some(host)) => {
                origin.strip_prefix("http://") == Some(host.as_str()) && is_own_host(&host, addr)
            }
            _ => false,
        };
        if !own {
            return Err(refuse("editor.bad-origin"));
        }
    }
    if req
        .header("sec-fetch-site")
        .is_some_and(|s| !matches!(s, "same-origin" | "none"))
    {
        return Err(refuse("editor.bad-origin"));
    }
    let sent = req.header("x-zhan-token").unwrap_or("");
    if !same_secret(sent.as_bytes(), token.as_bytes()) {
        return Err(refuse("editor.bad-token"));
    }
    if req.method == "POST"
        && !req
            .header("content-type")
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"))
    {
        return Err(refuse("editor.bad-type"));
    }
    Ok(())
}

/// Compares two secrets in time that depends on their lengths only.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() || b.is_empty() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// A new session token: 256 bits in hex.
///
/// Without a crate for randomness: the standard library's `RandomState`
/// seeds SipHash with keys from the operating system's random source
/// (`getrandom`, `BCryptGenRandom`), and SipHash under secret keys is a
/// pseudo-random function; the clock, the process id and, where there is
/// one, `/dev/urandom` are mixed in as well.
pub fn new_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut extra = [0u8; 32];
    #[cfg(unix)]
    {
        use std::io::Read;
        if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
            let _ = f.read_exact(&mut extra);
        }
    }
    let mut out = String::with_capacity(64);
    for i in 0..4u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write(&extra);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(method: &'a str, headers: &'a [(String, String)]) -> Request<'a> {
        Request {
            method,
            target: "/_zhan/api/save",
            headers,
            body: b"",
        }
    }

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn tokens_are_long_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(a.as_bytes(), a.as_bytes()));
        assert!(!same_secret(a.as_bytes(), b.as_bytes()));
        assert!(!same_secret(b"", b""));
        assert!(!same_secret(&a.as_bytes()[..63], a.as_bytes()));
    }

    #[test]
    fn only_the_servers_own_host_and_origin_pass() {
        let addr: SocketAddr = "127.0.0.1:4000".parse().expect("addr");
        let good = h(&[
            ("host", "localhost:4000"),
            ("origin", "http://localhost:4000"),
            ("x-zhan-token", "secret"),
            ("content-type", "application/json"),
        ]);
        assert!(check_host(&req("POST", &good), Some(addr)).is_ok());
        assert!(check_api(&req("POST", &good), Some(addr), "secret").is_ok());
        assert!(check_api(&req("POST", &good), Some(addr), "other").is_err());
        for (name, value) in [
            ("host", "evil.example:4000"),
            ("host", "localhost:4001"),
            ("host", "127.0.0.1"),
        ] {
            let mut bad = good.clone();
            bad.retain(|(n, _)| n != name);
            bad.push((name.to_string(), value.to_string()));
            assert!(
                check_host(&req("POST", &bad), Some(addr)).is_err(),
                "{value}"
            );
        }
        for (name, value) in [
            ("origin", "http://evil.example"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
            ("content-type", "text/plain"),
        ] {
            let mut bad = good.clone();
            bad.retain(|(n, _)| n != name);
            bad.push((name.to_string(), value.to_string()));
            assert!(
                check_api(&req("POST", &bad), Some(addr), "secret").is_err(),
                "{name}: {value}"
            );
        }
        // The page's own origin is the one of the address it was opened at.
        let mut other_name = good.clone();
        other_name.retain(|(n, _)| n != "origin");
        other_name.push(("origin".into(), "http://127.0.0.1:4000".into()));
        assert!(check_api(&req("POST", &other_name), Some(addr), "secret").is_err());
        // Sent twice is not sent.
        let mut twice = good.clone();
        twice.push(("host".into(), "localhost:4000".into()));
        assert!(check_host(&req("GET", &twice), Some(addr)).is_err());
    }

    #[test]
    fn on_the_network_ip_addresses_with_the_port_are_own_hosts_names_are_not() {
        let everywhere: SocketAddr = "0.0.0.0:4000".parse().expect("addr");
        let one: SocketAddr = "192.168.1.20:4000".parse().expect("addr");
        let loopback: SocketAddr = "127.0.0.1:4000".parse().expect("addr");
        for host in ["192.168.1.20:4000", "127.0.0.1:4000", "localhost:4000"] {
            assert!(is_own_host(host, everywhere), "{host}");
            assert!(is_own_host(host, one), "{host}");
        }
        assert!(is_own_host("10.0.0.7:4000", everywhere));
        assert!(is_own_host("[fe80::1]:4000", everywhere));
        assert!(!is_own_host("10.0.0.7:4000", one), "not the bound address");
        assert!(!is_own_host("192.168.1.20:4000", loopback));
        for host in [
            "192.168.1.20:4001",
            "192.168.1.20",
            "evil.example:4000",
            "192.168.1.20.nip.io:4000",
            "",
        ] {
            assert!(!is_own_host(host, everywhere), "{host}");
        }
        // The origin must be the address the request went to.
        let headers = h(&[
            ("host", "192.168.1.20:4000"),
            ("origin", "http://192.168.1.20:4000"),
            ("x-zhan-token", "secret"),
            ("content-type", "application/json"),
        ]);
        assert!(check_host(&req("POST", &headers), Some(everywhere)).is_ok());
        assert!(check_api(&req("POST", &headers), Some(everywhere), "secret").is_ok());
        let mut moved = headers.clone();
        moved.retain(|(n, _)| n != "origin");
        moved.push(("origin".into(), "http://10.0.0.7:4000".into()));
        assert!(check_api(&req("POST", &moved), Some(everywhere), "secret").is_err());
    }
}
