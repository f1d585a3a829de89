//! TCP: [`TcpListener`] and [`TcpStream`], plus their split halves in
//! [`crate::net::tcp`].

use std::io;
use std::net::SocketAddr;

use super::addr::{resolve, ToSocketAddrs};

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
        TcpListener::from_mio(common::each_addr(addr, mio::net::TcpListener::bind).await?)
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
        for a in resolve(&addr).await? {
            match Self::connect_addr(a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(common::unresolved))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::finish_connect(TcpStream::new(mio::net::TcpStream::connect(addr)?)?).await
    }

    /// Waits for the non-blocking connect of `s` to finish.
    async fn finish_connect(s: TcpStream) -> io::Result<TcpStream> {
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
common::as_raw_fd!(TcpListener: std::net::TcpListener, TcpStream: std::net::TcpStream);

/// A TCP socket before it is bound, connected or listening, to set the
/// options that must come first (tokio's `TcpSocket`; Python's
/// `socket.socket()` + `setsockopt` before `asyncio.start_server(sock=)`).
///
/// # Examples
///
/// ```
/// use myrt::net::TcpSocket;
/// myrt::run(async {
///     let socket = TcpSocket::new_v4().unwrap();
///     socket.set_reuseaddr(true).unwrap();
///     socket.set_reuseport(true).unwrap();
///     socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let listener = socket.listen(1024).unwrap();
///     let addr = listener.local_addr().unwrap();
///
///     let client = TcpSocket::new_v4().unwrap();
///     client.set_nodelay(true).unwrap();
///     client.set_keepalive(true).unwrap();
///     let stream = client.connect(addr).await.unwrap();
///     assert!(stream.nodelay().unwrap());
/// });
/// ```
pub struct TcpSocket {
    inner: socket2::Socket,
}

impl TcpSocket {
    /// A new IPv4 socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    ///
    /// The OS error of `socket(2)`.
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV4)
    }

    /// A new IPv6 socket.
    ///
    /// # Errors
    ///
    /// The OS error of `socket(2)`.
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV6)
    }

    /// A new socket of `addr`'s family.
    ///
    /// # Errors
    ///
    /// The OS error of `socket(2)`.
    pub fn for_addr(addr: SocketAddr) -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::for_address(addr))
    }

    fn new(domain: socket2::Domain) -> io::Result<TcpSocket> {
        let inner =
            socket2::Socket::new(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_REUSEADDR` (rebind a port in `TIME_WAIT`).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_reuseaddr(&self, on: bool) -> io::Result<()> {
        self.inner.set_reuse_address(on)
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT` (several listeners on one port, the kernel
    /// spreading connections between them).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_reuseport(&self, on: bool) -> io::Result<()> {
        self.inner.set_reuse_port(on)
    }

    /// Reads `SO_REUSEPORT`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_KEEPALIVE`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_keepalive(&self, on: bool) -> io::Result<()> {
        self.inner.set_keepalive(on)
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_LINGER` (`Some(0)`: close with a reset).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_linger(&self, linger: Option<std::time::Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn linger(&self) -> io::Result<Option<std::time::Duration>> {
        self.inner.linger()
    }

    /// Sets `SO_SNDBUF` (the kernel doubles it and applies its limits).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(|n| n as u32)
    }

    /// Sets `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(|n| n as u32)
    }

    /// Sets `TCP_NODELAY` (kept by the stream `connect` gives).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(on)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// The local address (after [`bind`](Self::bind)).
    ///
    /// # Errors
    ///
    /// The OS error, or an address that is not IP.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
    }

    /// Binds to `addr`.
    ///
    /// # Errors
    ///
    /// The OS error (`AddrInUse`...).
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Connects to `addr`.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, or with the OS error
    /// (`ConnectionRefused`...).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped connect closes the half-open socket.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.inner.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let std: std::net::TcpStream = self.inner.into();
        TcpStream::finish_connect(TcpStream::new(mio::net::TcpStream::from_std(std))?).await
    }

    /// Listens, with at most `backlog` connections waiting to be accepted.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, or with the OS error.
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner.listen(backlog.min(i32::MAX as u32) as i32)?;
        let std: std::net::TcpListener = self.inner.into();
        TcpListener::from_mio(mio::net::TcpListener::from_std(std))
    }

    /// A socket made elsewhere (switched to non-blocking mode).
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl`.
    pub fn from_std_stream(stream: std::net::TcpStream) -> io::Result<TcpSocket> {
        let inner = socket2::Socket::from(stream);
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }
}

impl std::os::fd::AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

impl std::os::fd::AsFd for TcpSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

/// Takes ownership of a TCP socket's descriptor (it is switched to
/// non-blocking mode when connected or listened on).
impl From<std::os::fd::OwnedFd> for TcpSocket {
    fn from(fd: std::os::fd::OwnedFd) -> TcpSocket {
        TcpSocket {
            inner: socket2::Socket::from(fd),
        }
    }
}

impl std::os::fd::IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> std::os::fd::RawFd {
        self.inner.into_raw_fd()
    }
}

impl std::fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
