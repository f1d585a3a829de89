//! [`UdpSocket`].

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use super::tcp::each_addr;
use crate::driver::scheduled_io::{Direction, PollEvented};

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

fn first_addr<A: ToSocketAddrs>(addr: A) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    })
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
        let s = each_addr(addr, mio::net::UdpSocket::bind)?;
        Ok(UdpSocket {
            io: PollEvented::new(s)?,
        })
    }

    /// Wraps a std socket (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or if it cannot be registered.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: PollEvented::new(mio::net::UdpSocket::from_std(socket))?,
        })
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
        each_addr(addr, |a| s.connect(a))
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// The OS error (`NotConnected`).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
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

    /// Sends to the connected peer.
    ///
    /// # Errors
    ///
    /// The OS error, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is sent unless it returns `Ok`.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Write, || s.send(buf))
            .await
    }

    /// Receives from the connected peer.
    ///
    /// # Errors
    ///
    /// The OS error, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no datagram is consumed unless it is returned.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Read, || s.recv(buf))
            .await
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
        let target = first_addr(target)?;
        let s = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Write, || s.send_to(buf, target))
            .await
    }

    /// Receives a datagram and its sender's address.
    ///
    /// # Errors
    ///
    /// The OS error, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Read, || s.recv_from(buf))
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

    /// Sends without waiting; `WouldBlock` unless writability was seen.
    ///
    /// # Errors
    ///
    /// `WouldBlock` or the OS error.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Write, || s.send(buf))
    }

    /// Receives without waiting; `WouldBlock` unless readiness was seen.
    ///
    /// # Errors
    ///
    /// `WouldBlock` or the OS error.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Read, || s.recv(buf))
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

    /// Waits until a datagram can be received.
    ///
    /// # Errors
    ///
    /// Fails once the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn readable(&self) -> io::Result<()> {
        self.io
            .registration()
            .readiness(Direction::Read)
            .await
            .map(|_| ())
    }

    /// Waits until a datagram can be sent.
    ///
    /// # Errors
    ///
    /// Fails once the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn writable(&self) -> io::Result<()> {
        self.io
            .registration()
            .readiness(Direction::Write)
            .await
            .map(|_| ())
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl std::os::fd::AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.get_ref().as_raw_fd()
    }
}
