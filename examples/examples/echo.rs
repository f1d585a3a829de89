//! A TCP echo server with a built-in load-generating client (asyncio's
//! `start_server` / `open_connection` echo, in Rust).
//!
//! ```text
//! cargo run --release --example echo                       # server on 127.0.0.1:7878
//! cargo run --release --example echo -- --client           # 16 clients x 10,000 round trips
//! cargo run --release --example echo -- --client --connections 64 --messages 1000 --size 64
//! cargo run --release --example echo -- --demo             # server and client in one process
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream};

struct Args {
    addr: String,
    client: bool,
    demo: bool,
    connections: usize,
    messages: usize,
    size: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        addr: "127.0.0.1:7878".into(),
        client: false,
        demo: false,
        connections: 16,
        messages: 10_000,
        size: 64,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .filter(|&n: &usize| n > 0)
                .ok_or_else(|| format!("{name} needs a positive number"))
        };
        match arg.as_str() {
            "--client" => a.client = true,
            "--demo" => a.demo = true,
            "--connections" => a.connections = num("--connections")?,
            "--messages" => a.messages = num("--messages")?,
            "--size" => a.size = num("--size")?,
            "--addr" => a.addr = it.next().ok_or("--addr needs an address")?,
            "-h" | "--help" => {
                return Err("usage: echo [--addr A] [--client | --demo] \
                            [--connections N] [--messages M] [--size BYTES]"
                    .into())
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(a)
}

/// Echoes everything a connection sends until it closes.
async fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

/// Accepts connections forever; one task per connection.
async fn run_server(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                myrt::spawn(async move {
                    if let Err(e) = serve(stream).await {
                        eprintln!("connection error: {e}");
                    }
                });
            }
            // E.g. EMFILE: report and keep serving.
            Err(e) => {
                eprintln!("accept error: {e}");
                myrt::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}

/// Runs `connections` clients, each doing `messages` round trips of `size`
/// bytes, and checks every echo.
async fn run_clients(addr: SocketAddr, a: &Args) -> Result<(), String> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..a.connections)
        .map(|c| {
            let (messages, size) = (a.messages, a.size);
            myrt::spawn(async move {
                let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
                s.set_nodelay(true).map_err(|e| e.to_string())?;
                let msg: Vec<u8> = (0..size).map(|i| (i + c) as u8).collect();
                let mut back = vec![0u8; size];
                for _ in 0..messages {
                    s.write_all(&msg).await.map_err(|e| e.to_string())?;
                    s.read_exact(&mut back).await.map_err(|e| e.to_string())?;
                    if back != msg {
                        return Err(format!("connection {c}: echo mismatch"));
                    }
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let secs = started.elapsed().as_secs_f64();
    let total = a.connections * a.messages;
    println!(
        "{total} round trips of {} bytes over {} connections in {secs:.2} s: {:.0} round trips/s",
        a.size,
        a.connections,
        total as f64 / secs
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = myrt::run(async move {
        if args.client {
            let addr = args
                .addr
                .parse()
                .map_err(|e| format!("bad --addr {:?}: {e}", args.addr))?;
            return run_clients(addr, &args).await;
        }
        let bind = if args.demo {
            "127.0.0.1:0"
        } else {
            args.addr.as_str()
        };
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|e| format!("cannot bind {bind}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        if args.demo {
            myrt::spawn(run_server(listener));
            run_clients(addr, &args).await
        } else {
            println!("echo server listening on {addr}");
            run_server(listener).await;
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
