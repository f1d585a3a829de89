//! Async pipes to a child's standard streams.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use mio::unix::pipe::{Receiver, Sender};
use mio::Interest;

use crate::io::AsyncFd;

fn read_end(r: Receiver) -> io::Result<AsyncFd<Receiver>> {
    r.set_nonblocking(true)?;
    AsyncFd::with_interest(r, Interest::READABLE)
}

fn poll_read_fd(
    fd: &AsyncFd<Receiver>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    loop {
        let mut guard = ready!(fd.poll_read_ready(cx))?;
        if let Ok(r) = guard.try_io(|f| f.get_ref().read(buf)) {
            return Poll::Ready(r);
        }
    }
}

/// The write end of a child's piped standard input; implements
/// [`AsyncWrite`]. Drop it (or [`close`](futures_util::AsyncWriteExt::close)
/// it) to send end-of-file.
pub struct ChildStdin {
    fd: AsyncFd<Sender>,
}

/// The read end of a child's piped standard output; implements [`AsyncRead`].
pub struct ChildStdout {
    fd: AsyncFd<Receiver>,
}

/// The read end of a child's piped standard error; implements [`AsyncRead`].
pub struct ChildStderr {
    fd: AsyncFd<Receiver>,
}

impl ChildStdin {
    pub(crate) fn new(s: std::process::ChildStdin) -> io::Result<Self> {
        let s = Sender::from(s);
        s.set_nonblocking(true)?;
        Ok(ChildStdin {
            fd: AsyncFd::with_interest(s, Interest::WRITABLE)?,
        })
    }
}

impl ChildStdout {
    pub(crate) fn new(s: std::process::ChildStdout) -> io::Result<Self> {
        Ok(ChildStdout {
            fd: read_end(Receiver::from(s))?,
        })
    }
}

impl ChildStderr {
    pub(crate) fn new(s: std::process::ChildStderr) -> io::Result<Self> {
        Ok(ChildStderr {
            fd: read_end(Receiver::from(s))?,
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let mut guard = ready!(self.fd.poll_write_ready(cx))?;
            if let Ok(r) = guard.try_io(|f| f.get_ref().write(buf)) {
                return Poll::Ready(r);
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The pipe closes when the value is dropped; nothing is buffered.
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_fd(&self.fd, cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_fd(&self.fd, cx, buf)
    }
}

macro_rules! fd_impls {
    ($($t:ty),*) => {$(
        impl AsRawFd for $t {
            fn as_raw_fd(&self) -> RawFd {
                self.fd.as_raw_fd()
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t)).field("fd", &self.fd.as_raw_fd()).finish()
            }
        }
    )*};
}

fd_impls!(ChildStdin, ChildStdout, ChildStderr);
