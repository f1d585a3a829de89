//! A key-value server with a `RwLock`'d map and graceful shutdown
//! (tokio's `examples/tinydb.rs` plus mini-redis's shutdown): Ctrl-C stops
//! accepting, each connection answers `BYE`, the server waits up to 5 s.
//!
//! ```text
//! cargo run --example kv_server -- 127.0.0.1:6379   # serve; `nc` and type SET k v / GET k
//! cargo run --example kv_server                     # self-contained demo
//! ```

use std::time::Duration;

use myrt::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use myrt::net::{TcpListener, TcpStream};
use myrt_examples::ports::kv;

#[myrt::main]
async fn main() -> std::io::Result<()> {
    let db: kv::Db = Default::default();
    if let Some(addr) = std::env::args().nth(1) {
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!("kv on {}; Ctrl-C to stop", listener.local_addr()?);
        let ctrl_c = async {
            let _ = myrt::signal::ctrl_c().await;
        };
        let report = kv::serve(listener, db, ctrl_c, Duration::from_secs(5)).await?;
        println!("stopped: {report:?}");
        return Ok(());
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = std::sync::Arc::new(myrt::sync::Event::new());
    let s = stop.clone();
    let server = myrt::spawn(kv::serve(
        listener,
        db,
        async move { s.wait().await },
        Duration::from_secs(5),
    ));
    let (r, mut w) = TcpStream::connect(addr).await?.into_split();
    let mut r = BufReader::new(r);
    for cmd in ["SET lang rust", "GET lang", "DEL lang", "GET lang"] {
        w.write_all(format!("{cmd}\n").as_bytes()).await?;
        let mut l = String::new();
        r.read_line(&mut l).await?;
        print!("{cmd:<14} -> {l}");
    }
    stop.set();
    let mut l = String::new();
    r.read_line(&mut l).await?;
    print!("shutdown       -> {l}");
    println!("{:?}", server.await.expect("server task")?);
    Ok(())
}
