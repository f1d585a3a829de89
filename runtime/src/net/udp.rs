//! [`UdpSocket`].

use std::io;
use std::net::SocketAddr;

use super::addr::ToSocketAddrs;

use crate::driver::scheduled_io::{Direction, PollEvented};
use crate::net::common;

/// A UDP socket.
///
/// # Examples
///
/// ```no_run
/// use myrt::net::UdpSocket;
/// myrt::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0u8; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr().unwrap()));
/// });
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

async fn first_addr<A: ToSocketAddrs>(addr: A) -> io::Result<SocketAddr> {
    super::addr::resolve(&addr)
        .await?
        .into_iter()
        .next()
        .ok_or_else(common::unresolved)
}

impl UdpSocket {
    /// Binds to `addr` (the first resolved address that works).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, when nothing resolves, or with the OS
    /// error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe (completes without waiting).
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        UdpSocket::new(common::each_addr(addr, mio::net::UdpSocket::bind).await?)
    }

    /// Sets the default peer for `send`/`recv` (and filters received
    /// datagrams to it).
    ///
    /// # Errors
    ///
    /// When nothing resolves, or the OS error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let s = self.io.get_ref();
        common::each_addr(addr, |a| s.connect(a)).await
    }

    /// Sets `SO_BROADCAST`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Reads `SO_BROADCAST`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sends to `target` (its first resolved address).
    ///
    /// # Errors
    ///
    /// When nothing resolves, the OS error, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = first_addr(target).await?;
        let s = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Write, || s.send_to(buf, target))
            .await
    }

    /// Receives a datagram without removing it from the queue.
    ///
    /// # Errors
    ///
    /// The OS error, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Read, || s.peek_from(buf))
            .await
    }

    /// Sends to `target` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` or the OS error.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Write, || s.send_to(buf, target))
    }

    /// Receives a datagram and its sender without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` or the OS error.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Read, || s.recv_from(buf))
    }
}

common::datagram_impls!(
    UdpSocket,
    mio::net::UdpSocket,
    std::net::UdpSocket,
    SocketAddr
);
common::as_raw_fd!(UdpSocket: std::net::UdpSocket);
