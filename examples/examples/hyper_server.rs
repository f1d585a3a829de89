//! hyper 1.x on myrt with the `hyper` feature: no glue. HTTP/1 and HTTP/2
//! (h2c, told apart by the preface) on one port, graceful shutdown on
//! Ctrl-C. Routes (`myrt_examples::hyper_service`): `GET /` says hello,
//! `POST /echo` echoes the body, `GET /stream` streams 10 MiB.
//!
//! ```text
//! cargo run --release --example hyper_server            # 127.0.0.1:8080
//! cargo run --release --example hyper_server -- 0.0.0.0:3000
//! wrk -t2 -c64 -d10s http://127.0.0.1:8080/
//! h2load -c64 -m10 -n100000 http://127.0.0.1:8080/
//! curl --data-binary @file http://127.0.0.1:8080/echo
//! ```

use std::process::ExitCode;
use std::time::Duration;

use hyper::service::service_fn;
use myrt::hyper::Server;
use myrt::net::TcpListener;
use myrt_examples::hyper_service::handle;

#[myrt::main]
async fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = match TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("hyper_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(a) => println!("hyper_server: listening on http://{a}/ (Ctrl-C stops)"),
        Err(e) => eprintln!("hyper_server: {e}"),
    }
    let ctrl_c = async {
        let _ = myrt::signal::ctrl_c().await;
    };
    let server = Server::new().grace_period(Duration::from_secs(5));
    match server
        .serve_with_shutdown(listener, service_fn(handle), ctrl_c)
        .await
    {
        Ok(report) => {
            println!(
                "hyper_server: stopped; {} connections finished, {} aborted",
                report.finished, report.aborted
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hyper_server: {e}");
            ExitCode::FAILURE
        }
    }
}
