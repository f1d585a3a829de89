//! A chat server (tokio's `examples/chat.rs` on myrt, over
//! `sync::broadcast`). Try it with two `nc 127.0.0.1 6142` terminals.
//!
//! ```text
//! cargo run --example chat_server -- 127.0.0.1:6142   # serve
//! cargo run --example chat_server                     # self-contained demo
//! ```

use myrt::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use myrt::net::{TcpListener, TcpStream};
use myrt_examples::ports::chat;

#[myrt::main]
async fn main() -> std::io::Result<()> {
    if let Some(addr) = std::env::args().nth(1) {
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!("chat on {}", listener.local_addr()?);
        return chat::serve(listener).await;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    myrt::spawn(chat::serve(listener));
    let mut clients = Vec::new();
    for name in ["ann", "bob"] {
        let (r, mut w) = TcpStream::connect(addr).await?.into_split();
        let mut r = BufReader::new(r);
        let mut l = String::new();
        r.read_line(&mut l).await?; // name?
        w.write_all(format!("{name}\n").as_bytes()).await?;
        l.clear();
        r.read_line(&mut l).await?; // welcome
        print!("{name} <- {l}");
        clients.push((r, w));
    }
    clients[1].1.write_all(b"hello, ann\n").await?;
    for _ in 0..2 {
        // "* bob joined", then "bob: hello, ann"
        let mut l = String::new();
        clients[0].0.read_line(&mut l).await?;
        print!("ann <- {l}");
    }
    Ok(())
}
