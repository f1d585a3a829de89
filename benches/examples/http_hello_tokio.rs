//! The tokio twin of `examples/examples/http_hello.rs`, for `benches/http.sh`:
//! the same hand-written parser, the same response bytes and the same
//! connection loop, on a tokio multi-thread runtime with the same worker
//! count as myrt's default (one per CPU, or the second argument).
//!
//! The parser below is copied from `http_hello.rs`; keep the two in sync so
//! the comparison measures the runtimes and nothing else.
//!
//! ```text
//! cargo run --release -p myrt-benches --example http_hello_tokio -- 127.0.0.1:8081 2
//! ```

use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Largest request head (request line + headers) accepted.
const MAX_HEAD: usize = 8 * 1024;
/// Largest request body accepted (it is read and ignored).
const MAX_BODY: usize = 1024 * 1024;
/// Most header lines accepted.
const MAX_HEADERS: usize = 100;

const BODY: &[u8] = b"Hello, world!\n";

/// A parsed request head: only what the server needs.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    keep_alive: bool,
    content_length: usize,
}

/// Why a request is refused; each maps to a status line.
#[derive(Debug, PartialEq, Eq)]
enum Reject {
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
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Finds the end of the head (`\r\n\r\n`); returns the head length
/// including it.
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Parses one request head at the start of `buf`.
///
/// `Ok(None)`: incomplete, read more. `Ok(Some((head, len)))`: `len` bytes
/// of head consumed (the body, `head.content_length` bytes, follows).
fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, Reject> {
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

fn push_ok(out: &mut Vec<u8>, keep_alive: bool) {
    out.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ");
    out.extend_from_slice(BODY.len().to_string().as_bytes());
    if !keep_alive {
        out.extend_from_slice(b"\r\nConnection: close");
    }
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(BODY);
}

fn push_reject(out: &mut Vec<u8>, r: &Reject) {
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

/// Serves one connection: parses every complete request in the buffer
/// (pipelining), answers them in one write, and stops after a refused
/// request or `Connection: close`.
async fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 16 * 1024];
    // Bytes of a request body still to skip.
    let mut skip = 0usize;
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        let mut close = false;
        loop {
            if skip > 0 {
                let take = skip.min(buf.len() - start);
                start += take;
                skip -= take;
                if skip > 0 {
                    break;
                }
            }
            match parse_head(&buf[start..]) {
                Ok(None) => break,
                Ok(Some((head, len))) => {
                    start += len;
                    skip = head.content_length;
                    push_ok(&mut out, head.keep_alive);
                    if !head.keep_alive {
                        close = true;
                        break;
                    }
                }
                Err(r) => {
                    push_reject(&mut out, &r);
                    close = true;
                    break;
                }
            }
        }
        buf.drain(..start);
        if !out.is_empty() {
            stream.write_all(&out).await?;
            out.clear();
        }
        if close {
            stream.shutdown().await?;
            return Ok(());
        }
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8081".to_string());
    // myrt's default: one worker per CPU.
    let workers = match args.next() {
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        Some(w) => match w.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("error: worker count must be a positive integer, got {w:?}");
                return ExitCode::FAILURE;
            }
        },
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot build the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        let listener = TcpListener::bind(addr.as_str())
            .await
            .map_err(|e| format!("cannot bind {addr}: {e}"))?;
        println!(
            "http_hello_tokio listening on http://{}/ ({workers} workers)",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(async move {
                        let _ = serve(stream).await;
                    });
                }
                Err(e) => {
                    eprintln!("accept error: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
        #[allow(unreachable_code)]
        Ok::<(), String>(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
