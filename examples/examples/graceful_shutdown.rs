//! A TCP server that shuts down gracefully: on SIGTERM (or Ctrl-C) it
//! stops accepting, lets the connections in flight finish, then exits.
//!
//! Each request is one line; the server answers after a short "work"
//! delay with the line upper-cased.
//!
//! ```text
//! cargo run --example graceful_shutdown                 # serves 127.0.0.1:7879
//! cargo run --example graceful_shutdown -- --demo       # client + SIGTERM mid-request
//! ```

use std::pin::pin;
use std::process::ExitCode;
use std::time::Duration;

use futures_util::future::{select, Either};
use myrt::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use myrt::net::{TcpListener, TcpStream};
use myrt::signal::unix::{signal, SignalKind};
use myrt::task::JoinSet;

/// How long the server "works" on each request.
const WORK: Duration = Duration::from_millis(800);

async fn handle(stream: TcpStream) -> std::io::Result<u32> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut served = 0;
    let mut line = String::new();
    while r.read_line(&mut line).await? != 0 {
        myrt::time::sleep(WORK).await;
        w.write_all(line.to_uppercase().as_bytes()).await?;
        served += 1;
        line.clear();
    }
    Ok(served)
}

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut conns = JoinSet::new();
    loop {
        let stop = async {
            select(pin!(term.recv()), pin!(int.recv())).await;
        };
        match select(pin!(listener.accept()), pin!(stop)).await {
            Either::Left((Ok((stream, peer)), _)) => {
                println!("[server] connection from {peer}");
                conns.spawn(handle(stream));
            }
            Either::Left((Err(e), _)) => eprintln!("[server] accept failed: {e}"),
            Either::Right(_) => break,
        }
        // Reap the connections that already finished.
        while conns.len() > 64 {
            conns.join_next().await;
        }
    }
    drop(listener);
    println!(
        "[server] shutdown signal: stopped accepting; waiting for {} connection(s)",
        conns.len()
    );
    while let Some(r) = conns.join_next().await {
        match r {
            Ok(Ok(n)) => println!("[server] connection finished after {n} request(s)"),
            Ok(Err(e)) => println!("[server] connection failed: {e}"),
            Err(e) => println!("[server] connection task failed: {e}"),
        }
    }
    println!("[server] all connections done; exiting");
    Ok(())
}

async fn demo_client(addr: std::net::SocketAddr) -> std::io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"hello, graceful world\n").await?;
    // Mid-request: the server is "working" on our line.
    myrt::time::sleep(WORK / 4).await;
    let pid = std::process::id().to_string();
    println!("[demo] sending SIGTERM to ourselves (pid {pid}) mid-request");
    myrt::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await?;
    let mut reply = String::new();
    r.read_line(&mut reply).await?;
    println!("[demo] reply after SIGTERM: {}", reply.trim_end());
    drop(w); // end of our requests: the server's handler finishes
             // A new connection is refused now.
    myrt::time::sleep(Duration::from_millis(50)).await;
    match TcpStream::connect(addr).await {
        Ok(_) => println!("[demo] unexpected: a new connection was accepted"),
        Err(e) => println!("[demo] new connection after shutdown refused: {e}"),
    }
    Ok(())
}

fn main() -> ExitCode {
    let demo = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--demo") => true,
        Some(other) => {
            eprintln!("unknown argument {other:?}; usage: graceful_shutdown [--demo]");
            return ExitCode::from(2);
        }
    };
    let r = myrt::run(async move {
        let addr = if demo {
            "127.0.0.1:0"
        } else {
            "127.0.0.1:7879"
        };
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        println!("[server] listening on {local}");
        if demo {
            let server = myrt::spawn(serve(listener));
            let client = myrt::spawn(demo_client(local));
            client.await.map_err(std::io::Error::other)??;
            server.await.map_err(std::io::Error::other)?
        } else {
            serve(listener).await
        }
    });
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("graceful_shutdown: {e}");
            ExitCode::FAILURE
        }
    }
}
