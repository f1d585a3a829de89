//! A minimal HTTP/1.1 "hello world" server with keep-alive and pipelining,
//! and a hand-written request parser that answers malformed requests with
//! 400 and oversized headers with 431 instead of panicking.
//!
//! ```text
//! cargo run --release --example http_hello            # listens on 127.0.0.1:8080
//! cargo run --release --example http_hello -- 0.0.0.0:3000
//! wrk -t2 -c64 -d10s http://127.0.0.1:8080/
//! ```

use std::process::ExitCode;

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream};

#[path = "http/parse.rs"]
mod parse;

use parse::*;

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
            stream.close().await?;
            return Ok(());
        }
    }
}

fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let result = myrt::run(async move {
        let listener = TcpListener::bind(addr.as_str())
            .await
            .map_err(|e| format!("cannot bind {addr}: {e}"))?;
        println!(
            "http_hello listening on http://{}/",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    myrt::spawn(async move {
                        let _ = serve(stream).await;
                    });
                }
                Err(e) => {
                    eprintln!("accept error: {e}");
                    myrt::time::sleep(std::time::Duration::from_millis(10)).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(req: &[u8]) -> (Head, usize) {
        parse_head(req).unwrap().unwrap()
    }

    #[test]
    fn parses_keep_alive_and_close() {
        let (h, len) = ok(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nrest");
        assert_eq!(len, 27);
        assert!(h.keep_alive);
        let (h, _) = ok(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert!(!h.keep_alive);
        let (h, _) = ok(b"GET / HTTP/1.0\r\n\r\n");
        assert!(!h.keep_alive);
        let (h, _) = ok(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(h.content_length, 5);
    }

    #[test]
    fn incomplete_head_asks_for_more() {
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None));
    }

    #[test]
    fn rejects_malformed_requests_with_400() {
        for bad in [
            &b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
            b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / FTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            b"\r\n\r\n",
        ] {
            match parse_head(bad) {
                Err(Reject::BadRequest(_)) => {}
                other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(bad)),
            }
        }
    }

    #[test]
    fn oversized_head_gives_431_other_limits_their_codes() {
        let mut big = b"GET / HTTP/1.1\r\nHost: x\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        assert_eq!(parse_head(&big), Err(Reject::HeadersTooLarge));
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse_head(&big), Err(Reject::HeadersTooLarge));
        assert_eq!(
            parse_head(b"GET / HTTP/2.0\r\n\r\n"),
            Err(Reject::VersionNotSupported)
        );
        assert!(matches!(
            parse_head(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(Reject::NotImplemented(_))
        ));
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"),
            Err(Reject::BodyTooLarge)
        );
    }

    #[test]
    fn never_panics_on_random_bytes() {
        // xorshift64: random and mutated requests must parse or be refused.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let base = b"GET /index.html HTTP/1.1\r\nHost: example\r\nContent-Length: 3\r\n\r\nabc";
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut req = base.to_vec();
            for k in 0..(x % 4) {
                let i = ((x >> (8 * k)) as usize) % req.len();
                req[i] = (x >> (8 * k + 3)) as u8;
            }
            req.truncate(((x >> 40) as usize) % (req.len() + 1));
            let _ = parse_head(&req);
        }
    }
}
