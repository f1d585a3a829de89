//! HTTPS on myrt: rustls (through tokio-rustls and the `tokio-io`
//! feature) and hyper (the `hyper` feature), HTTP/2 or HTTP/1 by ALPN, a
//! self-signed certificate for `localhost` made at start-up with rcgen,
//! graceful shutdown on Ctrl-C. Routes as `hyper_server`, plus `/tls`.
//!
//! ```text
//! cargo run --release --example https_server            # 127.0.0.1:8443
//! curl -k https://127.0.0.1:8443/tls                     # secure HTTP/2.0
//! curl -k --http1.1 https://127.0.0.1:8443/tls           # secure HTTP/1.1
//! ```

use std::process::ExitCode;
use std::time::Duration;

use myrt::net::TcpListener;
use myrt_examples::tls::{self_signed, serve_https};

#[myrt::main]
async fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8443".to_owned());
    let (config, _client) = match self_signed(&["localhost", "127.0.0.1"]) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("https_server: cannot make a certificate: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("https_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(a) = listener.local_addr() {
        println!("https_server: listening on https://{a}/ (self-signed; Ctrl-C stops)");
    }
    let ctrl_c = async {
        let _ = myrt::signal::ctrl_c().await;
    };
    match serve_https(listener, config, ctrl_c, Duration::from_secs(5)).await {
        Ok(r) => {
            println!(
                "https_server: stopped; {} finished, {} aborted",
                r.finished, r.aborted
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("https_server: {e}");
            ExitCode::FAILURE
        }
    }
}
