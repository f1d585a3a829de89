//! The tokio twin of `examples/examples/hyper_server.rs`, for
//! `benches/hyper.sh`: the same service code (`examples/src/hyper_service.rs`,
//! included from both), served by hyper-util's `auto` builder (HTTP/1 and
//! h2c) on a tokio multi-thread runtime with one worker per CPU (or the
//! second argument), as myrt's default.
//!
//! ```text
//! cargo run --release -p myrt-benches --example hyper_server_tokio -- 127.0.0.1:8081 2
//! ```

use std::process::ExitCode;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;

#[path = "../../examples/src/hyper_service.rs"]
#[allow(dead_code, unreachable_pub)]
mod hyper_service;

fn main() -> ExitCode {
    let (addr, workers) = myrt_benches::server_args("127.0.0.1:8081");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("hyper_server_tokio: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "hyper_server_tokio: listening on http://{addr}/ ({workers} workers, {})",
            myrt_benches::ALLOCATOR
        );
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new());
        builder.http2().timer(TokioTimer::new());
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let builder = builder.clone();
            tokio::spawn(async move {
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service_fn(hyper_service::handle))
                    .await;
            });
        }
    })
}
