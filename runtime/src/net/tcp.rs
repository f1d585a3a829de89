//! TCP: [`TcpListener`] and [`TcpStream`], plus their split halves in
//! [`crate::net::tcp`].

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use crate::driver::scheduled_io::{Direction, PollEvented};
use crate::net::common;

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
    /// address that works wins. Bind port 0 to let the OS pick a free port
    /// and read it back with [`local_addr`](TcpListener::local_addr).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, when no address resolves, or with the
    /// OS error of the last address tried.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe (it completes without waiting).
    #[doc(alias("start_server"))]
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        TcpListener::from_mio(common::each_addr(addr, mio::net::TcpListener::bind)?)
    }
}

common::listener_impls!(
    TcpListener,
    mio::net::TcpListener,
    std::net::TcpListener,
    TcpStream,
    SocketAddr
);
common::ttl_methods!(TcpListener);

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
    #[doc(alias("open_connection"))]
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match Self::connect_addr(a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(common::unresolved))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let s = TcpStream::new(mio::net::TcpStream::connect(addr)?)?;
        s.connect_finish().await?;
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
}

common::stream_impls!(
    TcpStream,
    mio::net::TcpStream,
    std::net::TcpStream,
    std::net::SocketAddr
);
common::ttl_methods!(TcpStream);
common::as_raw_fd!(TcpListener, TcpStream);
