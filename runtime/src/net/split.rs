//! Read and write halves of a stream, borrowed (`split`) or owned
//! (`into_split`), generated once for TCP and once for Unix streams.
//!
//! Each half uses only its own direction's waker slot, so one task can read
//! while another writes.

/// Generates `ReadHalf`, `WriteHalf`, `OwnedReadHalf`, `OwnedWriteHalf` and
/// `ReuniteError` for a stream type with `poll_read_ref`, `poll_write_ref`,
/// `poll_write_vectored_ref`, `shutdown_write`, `readable`, `writable`,
/// `try_read`, `try_write`, `local_addr` and `peer_addr` on `&self`.
macro_rules! split_halves {
    ($Stream:ident, $Addr:ty) => {
        use std::io;
        use std::sync::Arc;

        #[doc = concat!("The borrowed read half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::split`].")]
        #[derive(Debug)]
        pub struct ReadHalf<'a>(&'a $Stream);

        #[doc = concat!("The borrowed write half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::split`].")]
        ///
        /// Closing it (`AsyncWriteExt::close`) shuts down the write direction.
        #[derive(Debug)]
        pub struct WriteHalf<'a>(&'a $Stream);

        #[doc = concat!("The owned read half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::into_split`].")]
        #[derive(Debug)]
        pub struct OwnedReadHalf {
            inner: Arc<$Stream>,
        }

        #[doc = concat!("The owned write half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::into_split`].")]
        ///
        /// Dropping it shuts down the write direction, so the peer reads EOF.
        #[derive(Debug)]
        pub struct OwnedWriteHalf {
            inner: Arc<$Stream>,
            shutdown_on_drop: bool,
        }

        /// The error of `reunite` with halves of two different streams; holds
        /// both halves back.
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("tried to reunite halves that are not from the same stream")
            }
        }

        impl std::error::Error for ReuniteError {}

        pub(crate) fn split(stream: &$Stream) -> (ReadHalf<'_>, WriteHalf<'_>) {
            (ReadHalf(stream), WriteHalf(stream))
        }

        pub(crate) fn split_owned(stream: $Stream) -> (OwnedReadHalf, OwnedWriteHalf) {
            let inner = Arc::new(stream);
            (
                OwnedReadHalf {
                    inner: inner.clone(),
                },
                OwnedWriteHalf {
                    inner,
                    shutdown_on_drop: true,
                },
            )
        }

        macro_rules! addr_methods {
            () => {
                /// The remote address.
                ///
                /// # Errors
                ///
                /// The OS error, e.g. when not connected.
                pub fn peer_addr(&self) -> io::Result<$Addr> {
                    self.stream().peer_addr()
                }

                /// The local address.
                ///
                /// # Errors
                ///
                /// The OS error.
                pub fn local_addr(&self) -> io::Result<$Addr> {
                    self.stream().local_addr()
                }
            };
        }

        macro_rules! read_half_methods {
            () => {
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
                    self.stream().readable().await
                }

                /// Reads without waiting; `WouldBlock` when nothing is ready.
                ///
                /// # Errors
                ///
                /// `WouldBlock`, or the OS error of the read.
                pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                    self.stream().try_read(buf)
                }

                addr_methods!();
            };
        }

        macro_rules! write_half_methods {
            () => {
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
                    self.stream().writable().await
                }

                /// Writes without waiting; `WouldBlock` when the socket is full.
                ///
                /// # Errors
                ///
                /// `WouldBlock`, or the OS error of the write.
                pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                    self.stream().try_write(buf)
                }

                addr_methods!();
            };
        }

        impl ReadHalf<'_> {
            fn stream(&self) -> &$Stream {
                self.0
            }
            read_half_methods!();
        }

        impl WriteHalf<'_> {
            fn stream(&self) -> &$Stream {
                self.0
            }
            write_half_methods!();
        }

        impl OwnedReadHalf {
            fn stream(&self) -> &$Stream {
                &self.inner
            }
            read_half_methods!();

            /// Puts the two halves back together.
            ///
            /// # Errors
            ///
            /// [`ReuniteError`] (holding both halves) when they come from
            /// different streams.
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<$Stream, ReuniteError> {
                reunite(self, other)
            }
        }

        impl OwnedWriteHalf {
            fn stream(&self) -> &$Stream {
                &self.inner
            }
            write_half_methods!();

            /// Puts the two halves back together.
            ///
            /// # Errors
            ///
            /// [`ReuniteError`] (holding both halves) when they come from
            /// different streams.
            pub fn reunite(self, other: OwnedReadHalf) -> Result<$Stream, ReuniteError> {
                reunite(other, self)
            }
        }

        fn reunite(read: OwnedReadHalf, mut write: OwnedWriteHalf) -> Result<$Stream, ReuniteError> {
            if !Arc::ptr_eq(&read.inner, &write.inner) {
                return Err(ReuniteError(read, write));
            }
            write.shutdown_on_drop = false;
            let inner = write.inner.clone();
            drop(write);
            drop(read);
            Ok(Arc::try_unwrap(inner).expect("both halves were dropped"))
        }

        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    let _ = self.inner.shutdown_write();
                }
            }
        }

        impl AsRef<$Stream> for OwnedReadHalf {
            fn as_ref(&self) -> &$Stream {
                &self.inner
            }
        }

        impl AsRef<$Stream> for OwnedWriteHalf {
            fn as_ref(&self) -> &$Stream {
                &self.inner
            }
        }

        $crate::net::split::forward_async_io! {
            ReadHalf<'_> => |s| s.0, WriteHalf<'_> => |s| s.0;
            OwnedReadHalf => |s| s.inner, OwnedWriteHalf => |s| s.inner;
        }
    };
}

pub(crate) use split_halves;

/// Generates the `futures_io` impls and the `&self` poll helpers shared by
/// TCP and Unix streams (which wrap `PollEvented<mio stream>` in `io`).
macro_rules! stream_io_impls {
    ($Stream:ident) => {
        impl $Stream {
            pub(crate) fn poll_read_ref(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Read;
                let io = self.io.get_ref();
                self.poll_read_op(cx, buf.len(), || (&*io).read(&mut *buf))
            }

            /// Reads into the room left in `buf`, which need not be
            /// initialised; `Ok(0)` at EOF (or when `buf` is full).
            ///
            /// # Errors
            ///
            /// The OS error of the read, or a shut-down runtime.
            pub fn poll_read_buf(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut $crate::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<usize>> {
                let fd = std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref());
                let len = buf.remaining();
                self.poll_read_op(cx, len, || buf.read_from_fd(fd))
            }

            /// Reads into `room`, which need not be initialised: the
            /// count of bytes initialised at its start.
            #[cfg(any(feature = "hyper", feature = "tokio-io"))]
            pub(crate) fn poll_read_uninit(
                &self,
                cx: &mut std::task::Context<'_>,
                room: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let fd = std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref());
                let len = room.len();
                self.poll_read_op(cx, len, || $crate::io::read_buf::raw::read(fd, &mut *room))
            }

            /// Runs `read` (a read of at most `len` bytes) once the stream
            /// is readable, until it does not say `WouldBlock`.
            fn poll_read_op(
                &self,
                cx: &mut std::task::Context<'_>,
                len: usize,
                mut read: impl FnMut() -> std::io::Result<usize>,
            ) -> std::task::Poll<std::io::Result<usize>> {
                let reg = self.io.registration();
                loop {
                    let ev = match reg.poll_ready(cx, $crate::driver::scheduled_io::Direction::Read)
                    {
                        std::task::Poll::Ready(Ok(ev)) => ev,
                        std::task::Poll::Ready(Err(e)) => return std::task::Poll::Ready(Err(e)),
                        std::task::Poll::Pending => return std::task::Poll::Pending,
                    };
                    match read() {
                        // A short read drained the socket: clear the readiness
                        // now (epoll reports the next arrival as a new event,
                        // and the tick check keeps one that already came),
                        // saving a read that would only say EAGAIN.
                        Ok(n) if n > 0 && n < len => {
                            reg.clear_readiness(ev);
                            return std::task::Poll::Ready(Ok(n));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            reg.clear_readiness(ev)
                        }
                        r => return std::task::Poll::Ready(r),
                    }
                }
            }

            pub(crate) fn poll_write_ref(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Write;
                let io = self.io.get_ref();
                self.io.registration().poll_io(
                    cx,
                    $crate::driver::scheduled_io::Direction::Write,
                    || (&*io).write(buf),
                )
            }

            pub(crate) fn poll_write_vectored_ref(
                &self,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Write;
                let io = self.io.get_ref();
                self.io.registration().poll_io(
                    cx,
                    $crate::driver::scheduled_io::Direction::Write,
                    || (&*io).write_vectored(bufs),
                )
            }

            pub(crate) fn shutdown_write(&self) -> std::io::Result<()> {
                match self.io.get_ref().shutdown(std::net::Shutdown::Write) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(()),
                    r => r,
                }
            }
        }

        $crate::net::split::forward_async_io! {
            $Stream => |s| s, $Stream => |s| s;
            &$Stream => |s| s, &$Stream => |s| s;
        }
    };
}

pub(crate) use stream_io_impls;

/// Implements `futures_io::AsyncRead` for a reader type and `AsyncWrite`
/// for a writer type (the same type or not) by forwarding to the stream's
/// `&self` helpers; `|s| expr` reaches the stream from `s: &Self`. Flushing
/// is a no-op (nothing is buffered) and closing shuts down the write
/// direction.
macro_rules! forward_async_io {
    ($($R:ty => |$r:ident| $rs:expr, $W:ty => |$w:ident| $ws:expr;)+) => {$(
        impl futures_io::AsyncRead for $R {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $r = &*self;
                $rs.poll_read_ref(cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $W {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $w = &*self;
                $ws.poll_write_ref(cx, buf)
            }
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $w = &*self;
                $ws.poll_write_vectored_ref(cx, bufs)
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $w = &*self;
                std::task::Poll::Ready($ws.shutdown_write())
            }
        }

        #[cfg(feature = "hyper")]
        impl ::hyper::rt::Read for $R {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: ::hyper::rt::ReadBufCursor<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $r = &*self;
                $crate::io::compat::hyper_read_uninit(cx, buf, |cx, room| {
                    $rs.poll_read_uninit(cx, room)
                })
            }
        }

        #[cfg(feature = "hyper")]
        $crate::net::split::shutdown_write_impl!(::hyper::rt::Write, $W => |$w| $ws);

        #[cfg(feature = "tokio-io")]
        impl ::tokio::io::AsyncRead for $R {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut ::tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $r = &*self;
                $crate::io::compat::tokio_read_uninit(cx, buf, |cx, room| {
                    $rs.poll_read_uninit(cx, room)
                })
            }
        }

        #[cfg(feature = "tokio-io")]
        $crate::net::split::shutdown_write_impl!(::tokio::io::AsyncWrite, $W => |$w| $ws);
    )+};
}

pub(crate) use forward_async_io;

/// Implements `$Trait` (hyper's `rt::Write` or tokio's `AsyncWrite`: the
/// same five methods) for `$W` by forwarding to the stream's `&self`
/// helpers, as `forward_async_io!` does for futures-io.
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
macro_rules! shutdown_write_impl {
    ($Trait:path, $W:ty => |$w:ident| $ws:expr) => {
        impl $Trait for $W {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $w = &*self;
                $ws.poll_write_ref(cx, buf)
            }
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $w = &*self;
                $ws.poll_write_vectored_ref(cx, bufs)
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $w = &*self;
                std::task::Poll::Ready($ws.shutdown_write())
            }
        }
    };
}

#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub(crate) use shutdown_write_impl;
