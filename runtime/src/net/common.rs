//! Methods every socket type shares, written once here and stamped out per
//! type by `macro_rules!` (the generated docs name the type they land on).
//!
//! Each socket type is a struct with one field, `io: PollEvented<mio type>`;
//! the macros rely on that field and on the mio type's methods of the same
//! names (`local_addr`, `accept`, `send`…).
//!
//! - `listener_impls!`: `from_std`, `accept`, `poll_accept`, `local_addr`
//!   and `Debug` for a listener accepting a stream type.
//! - `stream_impls!`: `from_std`, `into_std`, addresses, `shutdown`,
//!   readiness, `try_read`/`try_write`, `split`/`into_split` (with the
//!   halves), the `futures_io` impls and `Debug` for a connected stream.
//! - `datagram_impls!`: `from_std`, addresses, `send`/`recv`,
//!   `recv_from`, `try_send`/`try_recv`, readiness and `Debug` for a
//!   datagram socket.
//! - `ttl_methods!`, `as_raw_fd!`: the pieces only some types have.
//!
//! Plus the address resolution the IP types share ([`each_addr`]).

use std::io;
use std::net::SocketAddr;

use super::addr::{resolve, ToSocketAddrs};

/// Resolves `addr` (host names on the blocking pool; numeric addresses on
/// the spot) and runs `f` on each address until one succeeds.
pub(crate) async fn each_addr<A: ToSocketAddrs, T>(
    addr: A,
    mut f: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last = None;
    for a in resolve(&addr).await? {
        match f(a) {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(unresolved))
}

/// The error for an address that resolves to nothing.
pub(crate) fn unresolved() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "could not resolve to any address",
    )
}

/// `local_addr`, inside an `impl` block.
macro_rules! local_addr {
    ($Addr:ty) => {
        /// The local address.
        ///
        /// # Errors
        ///
        /// The OS error.
        pub fn local_addr(&self) -> std::io::Result<$Addr> {
            self.io.get_ref().local_addr()
        }
    };
}

/// `peer_addr`, inside an `impl` block.
macro_rules! peer_addr {
    ($Addr:ty) => {
        /// The connected peer's address.
        ///
        /// # Errors
        ///
        /// The OS error, e.g. `NotConnected`.
        pub fn peer_addr(&self) -> std::io::Result<$Addr> {
            self.io.get_ref().peer_addr()
        }
    };
}

/// `readable` and `writable`, inside an `impl` block; the two phrases
/// finish "Waits until …".
macro_rules! readiness_methods {
    ($readable:literal, $writable:literal) => {
        $crate::net::common::readiness_methods!(@one readable, Read, $readable);
        $crate::net::common::readiness_methods!(@one writable, Write, $writable);
    };
    (@one $name:ident, $dir:ident, $what:literal) => {
        #[doc = concat!("Waits until ", $what, ".")]
        ///
        /// # Errors
        ///
        /// Fails once the runtime has shut down.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe.
        pub async fn $name(&self) -> std::io::Result<()> {
            self.io
                .registration()
                .readiness($crate::driver::scheduled_io::Direction::$dir)
                .await
                .map(|_| ())
        }
    };
}

/// A `Debug` impl printing the type name and the listed address methods
/// (`None` where the OS call fails).
macro_rules! debug_impl {
    ($T:ident, $($field:ident),+) => {
        impl std::fmt::Debug for $T {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($T))
                    $(.field(stringify!($field), &self.$field().ok()))+
                    .finish()
            }
        }
    };
}

/// `AsRawFd`, `AsFd` (so `socket2::SockRef::from(&socket)` works) and
/// `From<OwnedFd>` for each listed type, which converts from the std type
/// `$Std` (`from_std`).
macro_rules! as_raw_fd {
    ($($T:ident: $Std:ty),+) => {$(
        impl std::os::fd::AsRawFd for $T {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl std::os::fd::AsFd for $T {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        #[doc = concat!("Takes ownership of a socket of the right kind (a `", stringify!($Std), "`'s descriptor).")]
        ///
        /// # Panics
        ///
        /// Outside a myrt runtime, or if the reactor refuses the
        /// descriptor: a programmer error. The non-panicking twin is
        #[doc = concat!("`", stringify!($T), "::from_std(", stringify!($Std), "::from(fd))`.")]
        impl From<std::os::fd::OwnedFd> for $T {
            fn from(fd: std::os::fd::OwnedFd) -> $T {
                match $T::from_std(<$Std>::from(fd)) {
                    Ok(s) => s,
                    Err(e) => panic!(
                        "{}::from(OwnedFd): {e} (use from_std to handle this error)",
                        stringify!($T)
                    ),
                }
            }
        }
    )+};
}

/// `into_std`, inside an `impl` block of a type wrapping a mio socket that
/// converts into `$Std`.
macro_rules! into_std {
    ($Std:ty) => {
        /// Deregisters the socket and returns it as a std socket (still in
        /// non-blocking mode).
        ///
        /// # Errors
        ///
        /// The OS error of deregistration.
        pub fn into_std(self) -> std::io::Result<$Std> {
            self.io.into_inner().map(Into::into)
        }
    };
}

/// `set_ttl` and `ttl` (`IP_TTL`) for an IP socket type.
macro_rules! ttl_methods {
    ($T:ident) => {
        impl $T {
            /// Sets `IP_TTL`.
            ///
            /// # Errors
            ///
            /// The OS error.
            pub fn set_ttl(&self, ttl: u32) -> std::io::Result<()> {
                self.io.get_ref().set_ttl(ttl)
            }

            /// Reads `IP_TTL`.
            ///
            /// # Errors
            ///
            /// The OS error.
            pub fn ttl(&self) -> std::io::Result<u32> {
                self.io.get_ref().ttl()
            }
        }
    };
}

/// The shared half of a listener: `$Listener` wraps `$Mio` (whose
/// `accept` yields a mio stream for `$Stream::new` and an `$Addr`) and
/// converts from `$Std`. Adds a private `from_mio` for the constructors.
macro_rules! listener_impls {
    ($Listener:ident, $Mio:ty, $Std:ty, $Stream:ident, $Addr:ty) => {
        impl $Listener {
            /// Registers a mio listener, for read readiness only.
            fn from_mio(listener: $Mio) -> std::io::Result<$Listener> {
                Ok($Listener {
                    io: $crate::driver::scheduled_io::PollEvented::with_interest(
                        listener,
                        mio::Interest::READABLE,
                    )?,
                })
            }

            /// Wraps a std listener (it is switched to non-blocking mode).
            ///
            /// # Errors
            ///
            /// Fails outside a myrt runtime or if the socket cannot be
            /// registered.
            pub fn from_std(listener: $Std) -> std::io::Result<$Listener> {
                listener.set_nonblocking(true)?;
                $Listener::from_mio(<$Mio>::from_std(listener))
            }

            #[doc = concat!("Accepts a connection, as a [`", stringify!($Stream), "`] and the peer's address.")]
            ///
            /// An error (for example `EMFILE` when out of file descriptors) is
            /// returned to the caller and the listener stays usable: call
            /// `accept` again, pending connections are still there.
            ///
            /// # Errors
            ///
            /// The OS error of `accept`, or a shut-down runtime.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: no connection is accepted unless it is returned.
            pub async fn accept(&self) -> std::io::Result<($Stream, $Addr)> {
                // A wait of its own: an `accept` dropped before a
                // connection came leaves no waker behind.
                let l = self.io.get_ref();
                let (s, addr) = self
                    .io
                    .registration()
                    .async_io($crate::driver::scheduled_io::Direction::Read, || l.accept())
                    .await?;
                Ok(($Stream::new(s)?, addr))
            }

            #[doc = concat!("Polls for a connection; see [`accept`](", stringify!($Listener), "::accept).")]
            pub fn poll_accept(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<($Stream, $Addr)>> {
                let l = self.io.get_ref();
                self.io
                    .registration()
                    .poll_io(cx, $crate::driver::scheduled_io::Direction::Read, || l.accept())
                    .map(|r| r.and_then(|(s, addr)| $Stream::new(s).map(|s| (s, addr))))
            }

            $crate::net::common::local_addr!($Addr);
            $crate::net::common::into_std!($Std);
        }

        $crate::net::common::debug_impl!($Listener, local_addr);
    };
}

/// The shared half of a connected stream: `$Stream` wraps `$Mio`, converts
/// from and to `$Std` and has `$Addr` addresses. Also generates the split
/// halves (in a private `halves` module, re-exported), the `futures_io`
/// impls, a `pub(crate) fn new` and a private `connect_finish`.
macro_rules! stream_impls {
    ($Stream:ident, $Mio:ty, $Std:ty, $Addr:ty) => {
        impl $Stream {
            /// Registers a mio stream.
            pub(crate) fn new(s: $Mio) -> std::io::Result<$Stream> {
                Ok($Stream {
                    io: $crate::driver::scheduled_io::PollEvented::new(s)?,
                })
            }

            /// Waits for a non-blocking connect to finish: until writable,
            /// then fails with the socket's pending error if it has one.
            async fn connect_finish(&self) -> std::io::Result<()> {
                self.io
                    .registration()
                    .readiness($crate::driver::scheduled_io::Direction::Write)
                    .await?;
                match self.io.get_ref().take_error()? {
                    Some(e) => Err(e),
                    None => Ok(()),
                }
            }

            /// Wraps a connected std stream (switched to non-blocking mode).
            ///
            /// # Errors
            ///
            /// Fails outside a myrt runtime or if the socket cannot be
            /// registered.
            pub fn from_std(stream: $Std) -> std::io::Result<$Stream> {
                stream.set_nonblocking(true)?;
                $Stream::new(<$Mio>::from_std(stream))
            }

            $crate::net::common::into_std!($Std);

            $crate::net::common::local_addr!($Addr);
            $crate::net::common::peer_addr!($Addr);

            /// Shuts down the read, write or both directions.
            ///
            /// # Errors
            ///
            /// The OS error.
            pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.io.get_ref().shutdown(how)
            }

            $crate::net::common::readiness_methods!(
                "the stream is readable (data, EOF or an error pending)",
                "the stream is writable"
            );

            /// Reads without waiting: `WouldBlock` unless readiness was seen
            #[doc = concat!("(wait with [`readable`](", stringify!($Stream), "::readable) first). `Ok(0)` is EOF.")]
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the OS error of the read.
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                use std::io::Read;
                let io = self.io.get_ref();
                self.io
                    .registration()
                    .try_io($crate::driver::scheduled_io::Direction::Read, || (&*io).read(buf))
            }

            /// [`try_read`](Self::try_read) into a [`ReadBuf`](crate::io::ReadBuf)
            /// whose room need not be initialised (nothing is zeroed).
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the OS error of the read.
            pub fn try_read_buf(&self, buf: &mut $crate::io::ReadBuf<'_>) -> std::io::Result<usize> {
                let fd = std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref());
                self.io
                    .registration()
                    .try_io($crate::driver::scheduled_io::Direction::Read, || buf.read_from_fd(fd))
            }

            /// Reads into the spare capacity of `vec` (reserving 8 KiB if
            /// it has none), without zeroing it, and returns how many bytes
            /// were appended; `Ok(0)` is EOF (tokio's `read_buf`).
            ///
            /// # Errors
            ///
            /// The OS error of the read, or a shut-down runtime.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: bytes are only taken from the socket when they
            /// are appended and the count returned.
            pub async fn read_buf(&self, vec: &mut Vec<u8>) -> std::io::Result<usize> {
                let fd = std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref());
                self.io
                    .registration()
                    .async_io($crate::driver::scheduled_io::Direction::Read, || {
                        $crate::io::read_buf::read_fd_into_vec(fd, vec)
                    })
                    .await
            }

            /// Writes without waiting: `WouldBlock` unless writability was seen
            #[doc = concat!("(wait with [`writable`](", stringify!($Stream), "::writable) first).")]
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the OS error of the write.
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                use std::io::Write;
                let io = self.io.get_ref();
                self.io
                    .registration()
                    .try_io($crate::driver::scheduled_io::Direction::Write, || (&*io).write(buf))
            }

            /// Borrows the stream as a read half and a write half, usable from
            /// two futures at once (no lock: each direction has its own waker
            /// slot).
            ///
            /// With `AsyncReadExt` in scope, method syntax `stream.split()`
            /// picks that trait's by-value, lock-based `split`; write
            #[doc = concat!("`", stringify!($Stream), "::split(&stream)` for this one.")]
            pub fn split(&self) -> (ReadHalf<'_>, WriteHalf<'_>) {
                halves::split(self)
            }

            /// Splits the stream into owned halves that can move to different
            /// tasks; dropping the write half shuts down the write direction.
            pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
                halves::split_owned(self)
            }
        }

        $crate::net::split::stream_io_impls!($Stream);
        $crate::net::common::debug_impl!($Stream, local_addr, peer_addr);

        pub use halves::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};

        mod halves {
            use super::$Stream;
            $crate::net::split::split_halves!($Stream, $Addr);
        }
    };
}

/// The shared half of a datagram socket: `$Socket` wraps `$Mio`, converts
/// from `$Std` and has `$Addr` addresses. Adds a private `new`.
macro_rules! datagram_impls {
    ($Socket:ident, $Mio:ty, $Std:ty, $Addr:ty) => {
        impl $Socket {
            /// Registers a mio socket.
            fn new(s: $Mio) -> std::io::Result<$Socket> {
                Ok($Socket {
                    io: $crate::driver::scheduled_io::PollEvented::new(s)?,
                })
            }

            /// Wraps a std socket (switched to non-blocking mode).
            ///
            /// # Errors
            ///
            /// Fails outside a myrt runtime or if it cannot be registered.
            pub fn from_std(socket: $Std) -> std::io::Result<$Socket> {
                socket.set_nonblocking(true)?;
                $Socket::new(<$Mio>::from_std(socket))
            }

            $crate::net::common::local_addr!($Addr);
            $crate::net::common::peer_addr!($Addr);
            $crate::net::common::into_std!($Std);

            /// Sends to the connected peer.
            ///
            /// # Errors
            ///
            /// The OS error, or a shut-down runtime.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: nothing is sent unless it returns `Ok`.
            pub async fn send(&self, buf: &[u8]) -> std::io::Result<usize> {
                let s = self.io.get_ref();
                self.io
                    .registration()
                    .async_io($crate::driver::scheduled_io::Direction::Write, || {
                        s.send(buf)
                    })
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
            pub async fn recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                let s = self.io.get_ref();
                self.io
                    .registration()
                    .async_io($crate::driver::scheduled_io::Direction::Read, || {
                        s.recv(buf)
                    })
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
            /// Cancel safe: no datagram is consumed unless it is returned.
            pub async fn recv_from(&self, buf: &mut [u8]) -> std::io::Result<(usize, $Addr)> {
                let s = self.io.get_ref();
                self.io
                    .registration()
                    .async_io($crate::driver::scheduled_io::Direction::Read, || {
                        s.recv_from(buf)
                    })
                    .await
            }

            /// Sends without waiting; `WouldBlock` unless writability was seen.
            ///
            /// # Errors
            ///
            /// `WouldBlock` or the OS error.
            pub fn try_send(&self, buf: &[u8]) -> std::io::Result<usize> {
                let s = self.io.get_ref();
                self.io
                    .registration()
                    .try_io($crate::driver::scheduled_io::Direction::Write, || {
                        s.send(buf)
                    })
            }

            /// Receives without waiting; `WouldBlock` unless readiness was seen.
            ///
            /// # Errors
            ///
            /// `WouldBlock` or the OS error.
            pub fn try_recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                let s = self.io.get_ref();
                self.io
                    .registration()
                    .try_io($crate::driver::scheduled_io::Direction::Read, || {
                        s.recv(buf)
                    })
            }

            $crate::net::common::readiness_methods!(
                "a datagram can be received",
                "a datagram can be sent"
            );
        }

        $crate::net::common::debug_impl!($Socket, local_addr);
    };
}

pub(crate) use {
    as_raw_fd, datagram_impls, debug_impl, into_std, listener_impls, local_addr, peer_addr,
    readiness_methods, stream_impls, ttl_methods,
};
