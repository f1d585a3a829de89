//! [`AsyncFd`]: readiness for any `AsRawFd` source.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll};

use mio::unix::SourceFd;
use mio::Interest;

use crate::driver::scheduled_io::{no_runtime_error, Direction, ReadyEvent, Registration};
use crate::driver::Handle;

/// Registers a file descriptor owned by `T` with the reactor, so a task can
/// wait for it to become readable or writable.
///
/// The descriptor must be in non-blocking mode and stay open while the
/// `AsyncFd` lives; it is deregistered on drop (before `T` is dropped).
/// Readiness is edge-triggered: after an operation returns `WouldBlock`,
/// call [`AsyncFdReadyGuard::clear_ready`] (or use
/// [`AsyncFdReadyGuard::try_io`], which does it for you).
///
/// # Examples
///
/// ```no_run
/// use std::io::Read;
/// use std::os::unix::net::UnixStream;
/// use myrt::io::AsyncFd;
///
/// myrt::run(async {
///     let (a, _b) = UnixStream::pair().unwrap();
///     a.set_nonblocking(true).unwrap();
///     let fd = AsyncFd::new(a).unwrap();
///     loop {
///         let mut guard = fd.readable().await.unwrap();
///         let mut buf = [0u8; 64];
///         match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///             Ok(r) => { let _n = r.unwrap(); break; }
///             Err(_would_block) => continue,
///         }
///     }
/// });
/// ```
pub struct AsyncFd<T: AsRawFd> {
    reg: Registration,
    fd: RawFd,
    inner: Option<T>,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner` for both readable and writable readiness.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime or when the OS refuses (e.g. a regular
    /// file, which epoll does not support).
    pub fn new(inner: T) -> io::Result<Self> {
        Self::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner` for the given interest.
    ///
    /// # Errors
    ///
    /// As [`new`](AsyncFd::new).
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<Self> {
        let handle = Handle::checked_current().ok_or_else(no_runtime_error)?;
        let fd = inner.as_raw_fd();
        let reg = Registration::new(&mut SourceFd(&fd), interest, handle)?;
        Ok(AsyncFd {
            reg,
            fd,
            inner: Some(inner),
        })
    }

    /// The wrapped value.
    pub fn get_ref(&self) -> &T {
        self.inner
            .as_ref()
            .expect("AsyncFd inner present until drop")
    }

    /// The wrapped value, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner
            .as_mut()
            .expect("AsyncFd inner present until drop")
    }

    /// Deregisters and returns the wrapped value.
    pub fn into_inner(mut self) -> T {
        let _ = self.reg.deregister(&mut SourceFd(&self.fd));
        self.inner.take().expect("AsyncFd inner present until drop")
    }

    /// Waits until the descriptor is readable.
    ///
    /// # Errors
    ///
    /// Fails once the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let ev = self.reg.readiness(Direction::Read).await?;
        Ok(AsyncFdReadyGuard {
            fd: self,
            ev: Some(ev),
        })
    }

    /// Waits until the descriptor is writable.
    ///
    /// # Errors
    ///
    /// Fails once the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let ev = self.reg.readiness(Direction::Write).await?;
        Ok(AsyncFdReadyGuard {
            fd: self,
            ev: Some(ev),
        })
    }

    /// Polls for read readiness; on `Ready(Ok(guard))` the caller performs
    /// the operation and clears readiness on `WouldBlock`.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.reg
            .poll_ready(cx, Direction::Read)
            .map_ok(|ev| AsyncFdReadyGuard {
                fd: self,
                ev: Some(ev),
            })
    }

    /// Polls for write readiness; see [`poll_read_ready`](AsyncFd::poll_read_ready).
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.reg
            .poll_ready(cx, Direction::Write)
            .map_ok(|ev| AsyncFdReadyGuard {
                fd: self,
                ev: Some(ev),
            })
    }

    /// Waits for read readiness and runs `f` until it does not return
    /// `WouldBlock`.
    ///
    /// # Errors
    ///
    /// The error of `f`, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe if `f` has no effect when it returns `WouldBlock`.
    pub async fn async_read<R>(&self, mut f: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let inner = self.get_ref();
        self.reg.async_io(Direction::Read, || f(inner)).await
    }

    /// Waits for write readiness and runs `f` until it does not return
    /// `WouldBlock`.
    ///
    /// # Errors
    ///
    /// The error of `f`, or a shut-down runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe if `f` has no effect when it returns `WouldBlock`.
    pub async fn async_write<R>(&self, mut f: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let inner = self.get_ref();
        self.reg.async_io(Direction::Write, || f(inner)).await
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            let _ = self.reg.deregister(&mut SourceFd(&self.fd));
        }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

/// Readiness seen by [`AsyncFd::readable`] / [`AsyncFd::writable`].
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    ev: Option<ReadyEvent>,
}

/// [`AsyncFdReadyGuard::try_io`]'s "would block" result: readiness has
/// been cleared, wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block; readiness cleared")
    }
}

impl std::error::Error for TryIoError {}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Forgets the readiness (call after `WouldBlock`), so the next wait
    /// really waits for a new event.
    pub fn clear_ready(&mut self) {
        if let Some(ev) = self.ev.take() {
            self.fd.reg.clear_readiness(ev);
        }
    }

    /// Keeps the readiness for the next wait (this is also what dropping
    /// the guard does).
    pub fn retain_ready(&mut self) {
        self.ev = None;
    }

    /// Runs `f`; if it returns `WouldBlock`, clears readiness and returns
    /// `Err(TryIoError)`, otherwise `Ok` with `f`'s result.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` would block.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            r => Ok(r),
        }
    }

    /// The `AsyncFd` this readiness belongs to.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    use super::*;
    use crate::driver::test_util::block_on;

    #[test]
    fn async_fd_reads_when_ready() {
        block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let fd = AsyncFd::new(a).unwrap();
            b.write_all(b"one").unwrap();
            let mut buf = [0u8; 8];
            let mut guard = fd.readable().await.unwrap_or_else(|e| panic!("{e}"));
            let n = guard
                .try_io(|f| f.get_ref().read(&mut buf))
                .unwrap()
                .unwrap();
            assert_eq!(&buf[..n], b"one");
            // Drained: the next attempt would block and clears readiness.
            assert!(guard.try_io(|f| f.get_ref().read(&mut buf)).is_err());
            b.write_all(b"wake").unwrap();
            let n = fd.async_read(|s| (&*s).read(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"wake");
            let inner = fd.into_inner();
            drop(inner);
        });
    }
}
