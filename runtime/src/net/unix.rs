//! Unix domain sockets: [`UnixListener`], [`UnixStream`] (and its split
//! halves) and [`UnixDatagram`].

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::driver::scheduled_io::{Direction, PollEvented};
use crate::net::common;

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
    #[doc(alias("start_unix_server"))]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        UnixListener::from_mio(mio::net::UnixListener::bind(path)?)
    }
}

common::listener_impls!(
    UnixListener,
    mio::net::UnixListener,
    std::os::unix::net::UnixListener,
    UnixStream,
    SocketAddr
);

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
    #[doc(alias("open_unix_connection"))]
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let s = UnixStream::new(mio::net::UnixStream::connect(path)?)?;
        s.connect_finish().await?;
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
}

common::stream_impls!(
    UnixStream,
    mio::net::UnixStream,
    std::os::unix::net::UnixStream,
    std::os::unix::net::SocketAddr
);

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

    /// Sets the default peer for `send`/`recv`.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.io.get_ref().connect(path)
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
}

common::datagram_impls!(
    UnixDatagram,
    mio::net::UnixDatagram,
    std::os::unix::net::UnixDatagram,
    SocketAddr
);
common::as_raw_fd!(
    UnixListener: std::os::unix::net::UnixListener,
    UnixStream: std::os::unix::net::UnixStream,
    UnixDatagram: std::os::unix::net::UnixDatagram
);
