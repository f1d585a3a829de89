//! A TCP proxy (tokio's `examples/proxy.rs` on myrt).
//!
//! ```text
//! cargo run --example tcp_proxy -- 127.0.0.1:8081 127.0.0.1:8080   # proxy 8081 -> 8080
//! cargo run --example tcp_proxy                                    # self-contained demo
//! ```

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream};
use myrt_examples::ports::proxy::proxy;

#[myrt::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [listen, upstream] = args.as_slice() {
        let upstream = myrt::net::lookup_host(upstream.as_str())
            .await?
            .next()
            .ok_or_else(|| std::io::Error::other("upstream resolves to nothing"))?;
        println!("proxying {listen} -> {upstream}");
        return proxy(TcpListener::bind(listen.as_str()).await?, upstream, None).await;
    }
    // Demo: an uppercasing upstream, the proxy, one client.
    let upstream = TcpListener::bind("127.0.0.1:0").await?;
    let up_addr = upstream.local_addr()?;
    myrt::spawn(async move {
        while let Ok((mut s, _)) = upstream.accept().await {
            let mut buf = Vec::new();
            if s.read_to_end(&mut buf).await.is_ok() {
                let _ = s.write_all(&buf.to_ascii_uppercase()).await;
            }
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    myrt::spawn(proxy(listener, up_addr, None));
    let mut c = TcpStream::connect(addr).await?;
    c.write_all(b"through the proxy\n").await?;
    c.shutdown(std::net::Shutdown::Write)?;
    let mut back = String::new();
    c.read_to_string(&mut back).await?;
    print!("{addr} -> {up_addr} answered: {back}");
    Ok(())
}
