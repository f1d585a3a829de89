//! `examples/examples/hyper_server.rs` built in the benches crate, for
//! `benches/hyper.sh`: the same service code as its tokio twin
//! (`hyper_server_tokio.rs`), served by `myrt::hyper::Server`, with one
//! worker per CPU (or the second argument) and the benches' allocator
//! (mimalloc with `--features mimalloc`).
//!
//! ```text
//! cargo run --release -p myrt-benches --example hyper_server_myrt -- 127.0.0.1:8080 2
//! ```

use std::process::ExitCode;

use hyper::service::service_fn;
use myrt::hyper::Server;

#[path = "../../examples/src/hyper_service.rs"]
#[allow(dead_code, unreachable_pub)]
mod hyper_service;

fn main() -> ExitCode {
    let (addr, workers) = myrt_benches::server_args("127.0.0.1:8080");
    let rt = myrt::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("a myrt runtime");
    rt.block_on(async move {
        let listener = match myrt::net::TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("hyper_server_myrt: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "hyper_server_myrt: listening on http://{addr}/ ({workers} workers, {})",
            myrt_benches::ALLOCATOR
        );
        match Server::new()
            .serve(listener, service_fn(hyper_service::handle))
            .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hyper_server_myrt: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
