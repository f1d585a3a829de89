//! TCP: [`TcpListener`] and [`TcpStream`], plus their split halves in
//! [`crate::net::tcp`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll};

use crate::driver::scheduled_io::{Direction, PollEvented};

/// Resolves `addr` (blocking only for host names; IP literals never block)
/// and runs `f` on each address until one succeeds.
pub(crate) fn each_addr<A: ToSocketAddrs, T>(
    addr: A,
    mut f: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match f(a) {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

/// A TCP server socket (asyncio `start_server`'s listening side).
///
/// # Examples
///
/// ```no_run
/// use myrt::io::AsyncWriteExt;
/// use myrt::net::TcpListener;
/// myrt::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     loop {
///         let (mut stream, _peer) = listener.accept().await.unwrap();
///         myrt::spawn(async move {
///             let _ = stream.write_all(b"hello\n").await;
///         });
///     }
/// });
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (`SO_REUSEADDR` set, backlog 1024); the first
    /// address that works wins.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, when no address resolves, or with the
    /// OS error of the last address tried.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe (it completes without waiting).
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let l = each_addr(addr, mio::net::TcpListener::bind)?;
        Ok(TcpListener {
            io: PollEvented::with_interest(l, mio::Interest::READABLE)?,
        })
    }

    /// Wraps a std listener (it is switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or if the socket cannot be registered.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: PollEvented::with_interest(
                mio::net::TcpListener::from_std(listener),
                mio::Interest::READABLE,
            )?,
        })
    }

    /// Accepts a connection.
    ///
    /// An error (for example `EMFILE` when out of file descriptors) is
    /// returned to the caller and the listener stays usable: call `accept`
    /// again, pending connections are still there.
    ///
    /// # Errors
    ///
    /// The OS error of `accept`, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no connection is accepted unless it is returned.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection; see [`accept`](TcpListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let l = self.io.get_ref();
        match self
            .io
            .registration()
            .poll_io(cx, Direction::Read, || l.accept())
        {
            Poll::Ready(Ok((s, addr))) => Poll::Ready(TcpStream::new(s).map(|s| (s, addr))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The local address (find the port after binding port 0).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl std::os::fd::AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

/// A TCP connection: implements `futures_io::AsyncRead` and `AsyncWrite`
/// (use [`myrt::io::AsyncReadExt`](crate::io::AsyncReadExt) /
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt) for `read`, `write_all`…).
///
/// The read and write directions have separate waker slots, so one task may
/// read while another writes (see [`split`](TcpStream::split) and
/// [`into_split`](TcpStream::into_split)). Several tasks may wait on the
/// same direction; all of them are woken on readiness.
///
/// # Examples
///
/// ```no_run
/// use myrt::io::{AsyncReadExt, AsyncWriteExt};
/// use myrt::net::TcpStream;
/// myrt::run(async {
///     let mut s = TcpStream::connect("127.0.0.1:8080").await.unwrap();
///     s.write_all(b"ping").await.unwrap();
///     let mut buf = [0u8; 4];
///     s.read_exact(&mut buf).await.unwrap();
/// });
/// ```
pub struct TcpStream {
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    pub(crate) fn new(s: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new(s)?,
        })
    }

    /// Connects to `addr`, trying each resolved address in turn.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, when no address resolves, or with the
    /// error of the last address tried (e.g. `ConnectionRefused`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped connect closes its half-open socket.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match Self::connect_addr(a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "could not resolve to any address",
            )
        }))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let s = TcpStream::new(mio::net::TcpStream::connect(addr)?)?;
        s.io.registration().readiness(Direction::Write).await?;
        if let Some(e) = s.io.get_ref().take_error()? {
            return Err(e);
        }
        // Writable without error but not connected means a reset or a
        // refused connection racing the check: peer_addr tells.
        match s.io.get_ref().peer_addr() {
            Ok(_) => Ok(s),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Err(s
                .io
                .get_ref()
                .take_error()?
                .unwrap_or_else(|| io::Error::from(io::ErrorKind::ConnectionRefused))),
            Err(e) => Err(e),
        }
    }

    /// Wraps a connected std stream (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or if the socket cannot be registered.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::new(mio::net::TcpStream::from_std(stream))
    }

    /// Deregisters the stream and returns it as a std stream (still in
    /// non-blocking mode).
    ///
    /// # Errors
    ///
    /// The OS error of deregistration.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner().map(Into::into)
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// The OS error, e.g. `NotConnected`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when `true`).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Shuts down the read, write or both directions.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the stream is readable (data, EOF or an error pending).
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

    /// Reads without waiting: `WouldBlock` unless readiness was seen (wait
    /// with [`readable`](TcpStream::readable) first). `Ok(0)` is EOF.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the OS error of the read.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        use std::io::Read;
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Read, || (&*io).read(buf))
    }

    /// Writes without waiting: `WouldBlock` unless writability was seen.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the OS error of the write.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        use std::io::Write;
        let io = self.io.get_ref();
        self.io
            .registration()
            .try_io(Direction::Write, || (&*io).write(buf))
    }

    /// Reads into `buf` without removing the data from the socket.
    ///
    /// # Errors
    ///
    /// The OS error of the read, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        let io = self.io.get_ref();
        self.io
            .registration()
            .async_io(Direction::Read, || io.peek(buf))
            .await
    }

    /// Borrows the stream as a read half and a write half, usable from two
    /// futures at once (no lock: each direction has its own waker slot).
    ///
    /// With `AsyncReadExt` in scope, method syntax `stream.split()` picks
    /// that trait's by-value, lock-based `split`; write
    /// `TcpStream::split(&stream)` for this one.
    pub fn split(&self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        halves::split(self)
    }

    /// Splits the stream into owned halves that can move to different tasks;
    /// dropping the write half shuts down the write direction.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        halves::split_owned(self)
    }
}

crate::net::split::stream_io_impls!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl std::os::fd::AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

pub use halves::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};

mod halves {
    use super::TcpStream;
    crate::net::split::split_halves!(TcpStream, std::net::SocketAddr);
}
