//! The HTTP/1.1 request-head parser and response writer shared by
//! `http_hello.rs` and its tokio twin (`benches/examples/http_hello_tokio.rs`,
//! which includes this file with `#[path]`), so the benchmark compares the
//! runtimes and nothing else.

/// Largest request head (request line + headers) accepted.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// Largest request body accepted (it is read and ignored).
pub(crate) const MAX_BODY: usize = 1024 * 1024;
/// Most header lines accepted.
pub(crate) const MAX_HEADERS: usize = 100;

pub(crate) const BODY: &[u8] = b"Hello, world!\n";

/// A parsed request head: only what the server needs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) keep_alive: bool,
    pub(crate) content_length: usize,
}

/// Why a request is refused; each maps to a status line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reject {
    BadRequest(&'static str),
    HeadersTooLarge,
    BodyTooLarge,
    VersionNotSupported,
    NotImplemented(&'static str),
}

impl Reject {
    fn status(&self) -> &'static str {
        match self {
            Reject::BadRequest(_) => "400 Bad Request",
            Reject::HeadersTooLarge => "431 Request Header Fields Too Large",
            Reject::BodyTooLarge => "413 Content Too Large",
            Reject::VersionNotSupported => "505 HTTP Version Not Supported",
            Reject::NotImplemented(_) => "501 Not Implemented",
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Reject::BadRequest(why) | Reject::NotImplemented(why) => why,
            Reject::HeadersTooLarge => "request head too large",
            Reject::BodyTooLarge => "request body too large",
            Reject::VersionNotSupported => "only HTTP/1.0 and HTTP/1.1 are supported",
        }
    }
}

/// RFC 9110 `tchar`.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Finds the end of the head (`\r\n\r\n`); returns the head length
/// including it.
pub(crate) fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Parses one request head at the start of `buf`.
///
/// `Ok(None)`: incomplete, read more. `Ok(Some((head, len)))`: `len` bytes
/// of head consumed (the body, `head.content_length` bytes, follows).
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, Reject> {
    let Some(len) = head_end(buf) else {
        return if buf.len() > MAX_HEAD {
            Err(Reject::HeadersTooLarge)
        } else {
            Ok(None)
        };
    };
    if len > MAX_HEAD {
        return Err(Reject::HeadersTooLarge);
    }
    // Every line of the head, the request line included, ends in CRLF.
    let mut lines = buf[..len - 2].split_inclusive(|&b| b == b'\n').map(|l| {
        l.strip_suffix(b"\r\n")
            .ok_or(Reject::BadRequest("line not terminated by CRLF"))
    });

    // Request line: method SP target SP version.
    let line = lines.next().ok_or(Reject::BadRequest("empty request"))??;
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Reject::BadRequest("malformed request line"));
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(Reject::BadRequest("malformed method"));
    }
    if target.is_empty() || !target.iter().all(|&b| b.is_ascii_graphic()) {
        return Err(Reject::BadRequest("malformed request target"));
    }
    let http11 = match version {
        b"HTTP/1.1" => true,
        b"HTTP/1.0" => false,
        v if v.starts_with(b"HTTP/") => return Err(Reject::VersionNotSupported),
        _ => return Err(Reject::BadRequest("malformed HTTP version")),
    };

    let mut keep_alive = http11;
    let mut content_length: Option<usize> = None;
    let mut host = false;
    let mut count = 0;
    for line in lines {
        let line = line?;
        count += 1;
        if count > MAX_HEADERS {
            return Err(Reject::HeadersTooLarge);
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(Reject::BadRequest("header line without a colon"))?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        // No whitespace before the colon, no obsolete line folding.
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(Reject::BadRequest("malformed header name"));
        }
        let value = value.trim_ascii();
        if value.iter().any(|&b| b != b'\t' && (b < 0x20 || b == 0x7f)) {
            return Err(Reject::BadRequest("control character in header value"));
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            if value.is_empty() || !value.iter().all(u8::is_ascii_digit) || value.len() > 19 {
                return Err(Reject::BadRequest("malformed Content-Length"));
            }
            let n: usize = std::str::from_utf8(value)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(Reject::BadRequest("malformed Content-Length"))?;
            if content_length.is_some_and(|old| old != n) {
                return Err(Reject::BadRequest("conflicting Content-Length headers"));
            }
            if n > MAX_BODY {
                return Err(Reject::BodyTooLarge);
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(Reject::NotImplemented("Transfer-Encoding is not supported"));
        } else if name.eq_ignore_ascii_case(b"host") {
            if host {
                return Err(Reject::BadRequest("more than one Host header"));
            }
            host = true;
        } else if name.eq_ignore_ascii_case(b"connection") {
            for opt in value.split(|&b| b == b',') {
                let opt = opt.trim_ascii();
                if opt.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if opt.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    if http11 && !host {
        return Err(Reject::BadRequest("HTTP/1.1 request without Host"));
    }
    Ok(Some((
        Head {
            keep_alive,
            content_length: content_length.unwrap_or(0),
        },
        len,
    )))
}

pub(crate) fn push_ok(out: &mut Vec<u8>, keep_alive: bool) {
    out.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ");
    out.extend_from_slice(BODY.len().to_string().as_bytes());
    if !keep_alive {
        out.extend_from_slice(b"\r\nConnection: close");
    }
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(BODY);
}

pub(crate) fn push_reject(out: &mut Vec<u8>, r: &Reject) {
    let body = format!("{}\n", r.reason());
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            r.status(),
            body.len()
        )
        .as_bytes(),
    );
}
