//! The tokio twin of `examples/examples/http_hello.rs`, for `benches/http.sh`:
//! the same hand-written parser, the same response bytes and the same
//! connection loop, on a tokio multi-thread runtime with the same worker
//! count as myrt's default (one per CPU, or the second argument).
//!
//! The parser is `examples/examples/http/parse.rs`, included from both, so
//! the comparison measures the runtimes and nothing else.
//!
//! ```text
//! cargo run --release -p myrt-benches --example http_hello_tokio -- 127.0.0.1:8081 2
//! ```

use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[path = "../../examples/examples/http/parse.rs"]
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
