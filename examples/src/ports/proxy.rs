//! A TCP proxy (tokio's `examples/proxy.rs`): every accepted connection
//! is joined to a new connection to the upstream with
//! [`myrt::io::copy_bidirectional`], which forwards both ways and passes
//! each side's end of stream on to the other.

use std::io;
use std::net::SocketAddr;

use myrt::net::{TcpListener, TcpStream};

/// Bytes one proxied connection forwarded: client→upstream, upstream→client.
pub type Forwarded = (u64, u64);

/// Serves `listener` forever, proxying to `upstream`. Each connection's
/// byte counts (or error) go to `report`, if given.
///
/// # Errors
///
/// Only an accept error ends the loop.
pub async fn proxy(
    listener: TcpListener,
    upstream: SocketAddr,
    report: Option<myrt::sync::mpsc::UnboundedSender<io::Result<Forwarded>>>,
) -> io::Result<()> {
    loop {
        let (mut inbound, _) = listener.accept().await?;
        let report = report.clone();
        myrt::spawn(async move {
            let r = async {
                let mut outbound = TcpStream::connect(upstream).await?;
                myrt::io::copy_bidirectional(&mut inbound, &mut outbound).await
            }
            .await;
            if let Some(tx) = report {
                let _ = tx.send(r);
            }
        });
    }
}
