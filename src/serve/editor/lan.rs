//! Editing from a phone: `zhan serve --bind 0.0.0.0 --edit`.
//!
//! A server on the network is reached by everyone on it, so its editor asks
//! for a secret key besides what [`super::guard`] asks of every request.
//! The key is made when the server starts and printed in the terminal only,
//! inside the editor's address and as a QR code to scan. Opening that
//! address hands the browser the key as a cookie (`HttpOnly`: scripts never
//! see it; `SameSite=Strict`: other sites' pages and links never send it)
//! and sends it on to the same address without the key, so the key does not
//! stay in the address bar. From then on every request to the editor must
//! carry the cookie; the write token of the session is still required on
//! every API call, and `Host` and `Origin` must still be the server's own.
//! A new start makes a new key: old addresses and cookies stop working.

use std::net::{IpAddr, SocketAddr};

use super::super::http::{Request, Response};
use super::{PREFIX, guard, page_response};
use crate::escape;
use crate::messages::{self, Arg};

/// The key of a server that edits on the network.
pub struct NetworkKey {
    key: String,
    /// The cookie's name: one per port, so two servers on one computer do
    /// not take each other's.
    cookie: String,
}

impl NetworkKey {
    /// A new key for the server listening on `port`: 128 bits in hex, which
    /// keeps the address and its QR code small.
    pub fn new(port: u16) -> NetworkKey {
        let mut key = guard::new_token();
        key.truncate(32);
        NetworkKey {
            key,
            cookie: format!("zhan_key_{port}"),
        }
    }

    /// The key itself, for the address printed in the terminal.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether a request carries the key's cookie.
    pub fn admits(&self, headers: &[(String, String)]) -> bool {
        headers
            .iter()
            .filter(|(n, _)| n == "cookie")
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(name, value)| {
                name == self.cookie && guard::same_secret(value.as_bytes(), self.key.as_bytes())
            })
    }

    /// Lets a request to the editor through, or answers it: the address
    /// with the right key gets the cookie and goes on without the key; a
    /// wrong key, or no cookie, is refused with a page that says where the
    /// address with the key is.
    pub fn check(&self, req: &Request) -> Result<(), Response> {
        if let Some(sent) = req.query("key") {
            if !guard::same_secret(sent.as_bytes(), self.key.as_bytes()) {
                return Err(refuse("editor.wrong-key"));
            }
            return Err(Response {
                status: "303 See Other",
                headers: vec![
                    ("Location", without_key(req.target)),
                    (
                        "Set-Cookie",
                        format!(
                            "{}={}; Path=/; HttpOnly; SameSite=Strict",
                            self.cookie, self.key
                        ),
                    ),
                    ("Cache-Control", "no-store".into()),
                    ("Referrer-Policy", "no-referrer".into()),
                ],
                body: Vec::new(),
            });
        }
        if self.admits(req.headers) {
            Ok(())
        } else {
            Err(refuse("editor.needs-key"))
        }
    }
}

fn refuse(key: &str) -> Response {
    page_response(
        "403 Forbidden",
        &messages::tr("editor.needs-key-title"),
        &format!("<p>{}</p>", escape::html(&messages::tr(key))),
    )
}

/// `target` without its `key` query parameter; other parameters (the file
/// to edit) stay as they were sent.
fn without_key(target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query.split('#').next().unwrap_or("");
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("key"))
        .collect();
    // Only ever a path of the editor: never an address elsewhere.
    let path = if super::owns(path) { path } else { PREFIX };
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// What the terminal says when the editor is on for the network: the
/// address to open on this computer and on a phone, each with the key, and
/// the phone's as a QR code (with `colors`, see [`crate::render::qr::terminal`]).
/// `lan` is this computer's address on the network, if known.
pub fn announce(key: &NetworkKey, addr: SocketAddr, lan: Option<IpAddr>, colors: bool) -> String {
    let port = addr.port();
    let local = match addr.ip() {
        ip if ip.is_unspecified() => format!("http://127.0.0.1:{port}"),
        ip => format!("http://{}", SocketAddr::new(ip, port)),
    };
    let mut out = messages::text(
        "serve.editor",
        &[(
            "url",
            Arg::Text(format!("{local}{PREFIX}/?key={}", key.key())),
        )],
    );
    out.push('\n');
    let lan = lan.or_else(|| (!addr.ip().is_unspecified()).then_some(addr.ip()));
    match lan {
        Some(ip) => {
            let url = format!(
                "http://{}{PREFIX}/?key={}",
                SocketAddr::new(ip, port),
                key.key()
            );
            out.push_str(&messages::text(
                "serve.phone-edit",
                &[("url", Arg::Text(url.clone()))],
            ));
            out.push('\n');
            if let Some(code) = crate::render::qr::terminal(&url, colors) {
                out.push_str(&code);
            }
        }
        None => {
            out.push_str(&messages::text(
                "serve.phone-edit-unknown",
                &[
                    ("port", Arg::from(u64::from(port))),
                    ("key", Arg::Text(key.key().to_string())),
                ],
            ));
            out.push('\n');
        }
    }
    out.push_str(&messages::tr("serve.key-secret"));
    out
}

/// Lets the terminal show colours: on Windows, asks the console to read
/// ANSI escapes (Windows 10 and later; false on older consoles). Elsewhere
/// terminals read them already.
pub fn terminal_reads_colors() -> bool {
    #[cfg(windows)]
    {
        windows_console::enable_escapes()
    }
    #[cfg(not(windows))]
    {
        true
    }
}

#[cfg(windows)]
mod windows_console {
    //! The two console calls that turn on ANSI escapes on stderr, declared
    //! here rather than pulling in a crate of Windows bindings for them.
    use std::ffi::c_void;

    const STD_ERROR_HANDLE: u32 = -12i32 as u32;
    const ENABLE_VIRTUAL_TERMINAL_PROCESSING: u32 = 0x0004;

    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetStdHandle(which: u32) -> *mut c_void;
        fn GetConsoleMode(console: *mut c_void, mode: *mut u32) -> i32;
        fn SetConsoleMode(console: *mut c_void, mode: u32) -> i32;
    }

    pub fn enable_escapes() -> bool {
        // SAFETY: GetStdHandle takes a constant and returns a handle (or
        // null / INVALID_HANDLE_VALUE, which the console calls reject);
        // GetConsoleMode writes one u32 through a pointer to a live local.
        unsafe {
            let handle = GetStdHandle(STD_ERROR_HANDLE);
            let mut mode = 0u32;
            if GetConsoleMode(handle, &mut mode) == 0 {
                return false;
            }
            mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0
                || SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(target: &'a str, headers: &'a [(String, String)]) -> Request<'a> {
        Request {
            method: "GET",
            target,
            headers,
            body: b"",
        }
    }

    #[test]
    fn the_key_in_the_address_becomes_a_cookie_and_leaves_the_address() {
        let key = NetworkKey::new(4000);
        assert_eq!(key.key().len(), 32);
        assert_ne!(key.key(), NetworkKey::new(4000).key());
        let target = format!("/_zhan/edit?path=services/a.md&key={}", key.key());
        let Err(granted) = key.check(&req(&target, &[])) else {
            panic!("the key is answered with a redirect");
        };
        assert_eq!(granted.status, "303 See Other");
        let header = |name: &str| {
            granted
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(header("Location"), "/_zhan/edit?path=services/a.md");
        let cookie = header("Set-Cookie");
        assert!(
            cookie.starts_with(&format!("zhan_key_4000={};", key.key())),
            "{cookie}"
        );
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let sent = vec![(
            "cookie".to_string(),
            format!("other=1; zhan_key_4000={}", key.key()),
        )];
        assert!(key.check(&req("/_zhan/", &sent)).is_ok());
        for wrong in [
            vec![],
            vec![("cookie".to_string(), "zhan_key_4000=0123".to_string())],
            vec![("cookie".to_string(), format!("zhan_key_4001={}", key.key()))],
        ] {
            let refused = key.check(&req("/_zhan/", &wrong)).expect_err("refused");
            assert_eq!(refused.status, "403 Forbidden");
        }
        let refused = key
            .check(&req("/_zhan/?key=0123456789abcdef0123456789abcdef", &sent))
            .expect_err("a wrong key is refused, even with the cookie");
        assert_eq!(refused.status, "403 Forbidden");
    }

    #[test]
    fn the_redirect_stays_in_the_editor() {
        assert_eq!(without_key("/_zhan/?key=x"), "/_zhan/");
        assert_eq!(without_key("/_zhan?key=x&a=1#f"), "/_zhan?a=1");
        assert_eq!(without_key("//evil.example/?key=x"), "/_zhan");
    }

    #[test]
    fn the_terminal_says_both_addresses_with_the_key_and_draws_the_code() {
        let key = NetworkKey::new(1111);
        let addr: SocketAddr = "0.0.0.0:1111".parse().expect("addr");
        let lan: IpAddr = "192.168.1.20".parse().expect("ip");
        let text = announce(&key, addr, Some(lan), false);
        assert!(
            text.contains(&format!("http://127.0.0.1:1111/_zhan/?key={}", key.key())),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "http://192.168.1.20:1111/_zhan/?key={}",
                key.key()
            )),
            "{text}"
        );
        assert!(text.contains('█'), "{text}");
        let unknown = announce(&key, addr, None, false);
        assert!(unknown.contains(key.key()), "{unknown}");
        assert!(!unknown.contains('█'), "no address, no code: {unknown}");
    }
}
