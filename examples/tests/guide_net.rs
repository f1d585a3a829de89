//! The networking and server snippets of docs/guide.md, compiled and run
//! (the hyper one is only compiled: it waits for Ctrl-C).

use std::convert::Infallible;
use std::time::Duration;

use hyper::{body::Incoming, service::service_fn, Request, Response};
use myrt::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, StreamExt};
use myrt::net::{TcpListener, TcpStream};

#[myrt::test]
async fn asyncio_streams_snippet() -> std::io::Result<()> {
    // asyncio.start_server: a line echo server
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    myrt::spawn(async move {
        while let Ok((stream, _peer)) = listener.accept().await {
            myrt::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                while let Some(Ok(line)) = lines.next().await {
                    if w.write_all(format!("{line}\n").as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    // asyncio.open_connection (the guide uses "localhost"; 127.0.0.1 here
    // because the listener is IPv4 only)
    let stream = TcpStream::connect(("127.0.0.1", addr.port())).await?;
    let (r, mut w) = stream.into_split();
    w.write_all(b"hello\n").await?;
    let mut line = String::new();
    BufReader::new(r).read_line(&mut line).await?;
    assert_eq!(line, "hello\n");
    Ok(())
}

async fn hello(_: Request<Incoming>) -> Result<Response<String>, Infallible> {
    Ok(Response::new("hello\n".to_owned()))
}

#[allow(dead_code)]
async fn hyper_snippet() -> std::io::Result<()> {
    let listener = myrt::net::TcpListener::bind("127.0.0.1:8080").await?;
    let ctrl_c = async {
        let _ = myrt::signal::ctrl_c().await;
    };
    let report = myrt::hyper::Server::new()
        .grace_period(Duration::from_secs(5))
        .serve_with_shutdown(listener, service_fn(hello), ctrl_c)
        .await?;
    println!("{} finished, {} aborted", report.finished, report.aborted);
    Ok(())
}
