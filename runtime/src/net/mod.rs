//! TCP, UDP and Unix sockets (the networking half of asyncio's streams and
//! transports).
//!
//! Every type is registered with the runtime's reactor when created, so it
//! must be created inside a runtime (outside one, constructors return an
//! error). Streams implement `futures_io::AsyncRead`/`AsyncWrite`; use the
//! extension traits re-exported in [`crate::io`].

mod addr;
mod common;
mod split;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};

#[cfg(test)]
mod tests;
