//! Unix domain sockets: [`UnixListener`], [`UnixStream`] (and its split
//! halves) and [`UnixDatagram`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use crate::driver::scheduled_io::{Direction, PollEvented};

/// A Unix stream socket server.
///
/// # Examples
///
/// ```no_run
/// use myrt::net::UnixListener;
/// myrt::run(async {
///     let listener = UnixListener::bind("/tmp/myrt.sock").unwrap();
///     let (_stream, _addr) = listener.accept().await.unwrap();
/// });
/// ```
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to the socket file `path` (which must not exist yet).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, or with the OS error (e.g.
    /// `AddrInUse` when the file exists).
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let l = mio::net::UnixListener::bind(path)?;
        Ok(UnixListener {
            io: PollEvented::with_interest(l, mio::Interest::READABLE)?,
        })
    }

    /// Wraps a std listener (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or if it cannot be registered.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: PollEvented::with_interest(
                mio::net::UnixListener::from_std(listener),
                mio::Interest::READABLE,
            )?,
        })
    }

    /// Accepts a connection; after an error the listener stays usable.
    ///
    /// # Errors
    ///
    /// The OS error of `accept`, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection; see [`accept`](UnixListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let l = self.io.get_ref();
        match self
            .io
            .registration()
            .poll_io(cx, Direction::Read, || l.accept())
        {
            Poll::Ready(Ok((s, addr))) => Poll::Ready(UnixStream::new(s).map(|s| (s, addr))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// A Unix stream connection: `futures_io::AsyncRead` + `AsyncWrite`.
///
/// # Examples
///
/// ```no_run
/// use myrt::io::{AsyncReadExt, AsyncWriteExt};
/// use myrt::net::UnixStream;
/// myrt::run(async {
///     let (mut a, mut b) = UnixStream::pair().unwrap();
///     a.write_all(b"hi").await.unwrap();
///     let mut buf = [0u8; 2];
///     b.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hi");
/// });
/// ```
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    pub(crate) fn new(s: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: PollEvented::new(s)?,
        })
    }

    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or with the OS error (e.g. `NotFound`,
    /// `ConnectionRefused`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let s = UnixStream::new(mio::net::UnixStream::connect(path)?)?;
        s.io.registration().readiness(Direction::Write).await?;
        if let Some(e) = s.io.get_ref().take_error()? {
            return Err(e);
        }
        Ok(s)
    }

    /// A connected pair of streams (like `socketpair`).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or with the OS error.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::new(a)?, UnixStream::new(b)?))
    }

    /// Wraps a std stream (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or if it cannot be registered.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::new(mio::net::UnixStream::from_std(stream))
    }

    /// Deregisters the stream and returns it as a std stream (non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error of deregistration.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.io.into_inner().map(Into::into)
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both directions.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the stream is readable.
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

    /// Waits until the stream is writable.
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

    /// Reads without waiting; `WouldBlock` unless readiness was seen.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the OS error.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        use std::io::Read;
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Read, || (&*io).read(buf))
    }

    /// Writes without waiting; `WouldBlock` unless writability was seen.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the OS error.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        use std::io::Write;
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Write, || (&*io).write(buf))
    }

    /// Borrows the stream as a read half and a write half (no lock).
    ///
    /// With `AsyncReadExt` in scope, method syntax `stream.split()` picks
    /// that trait's by-value, lock-based `split`; write
    /// `UnixStream::split(&stream)` for this one.
    pub fn split(&self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        halves::split(self)
    }

    /// Splits into owned halves; dropping the write half shuts down writing.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        halves::split_owned(self)
    }
}

crate::net::split::stream_io_impls!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl std::os::fd::AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

pub use halves::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};

mod halves {
    use super::UnixStream;
    crate::net::split::split_halves!(UnixStream, std::os::unix::net::SocketAddr);
}

/// A Unix datagram socket.
///
/// # Examples
///
/// ```no_run
/// use myrt::net::UnixDatagram;
/// myrt::run(async {
///     let (a, b) = UnixDatagram::pair().unwrap();
///     a.send(b"hi").await.unwrap();
///     let mut buf = [0u8; 8];
///     let n = b.recv(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"hi");
/// });
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    fn new(s: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: PollEvented::new(s)?,
        })
    }

    /// Binds to the socket file `path`.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or with the OS error.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or with the OS error.
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of sockets.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or with the OS error.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::new(a)?, UnixDatagram::new(b)?))
    }

    /// Wraps a std socket (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or if it cannot be registered.
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::new(mio::net::UnixDatagram::from_std(socket))
    }

    /// Sets the default peer for `send`/`recv`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.io.get_ref().connect(path)
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
    /// Cancel safe: no datagram is consumed unless it returns it.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let s = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Read, || s.recv(buf))
            .await
    }

    /// Sends to the socket at `path`.
    ///
    /// # Errors
    ///
    /// The OS error, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        let s = self.io.get_ref();
        let path = path.as_ref();
        self.io
            .registration()
            .async_io(Direction::Write, || s.send_to(buf, path))
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

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
