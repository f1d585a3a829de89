//! Unix signals as streams of deliveries.
//!
//! | Python | myrt |
//! | --- | --- |
//! | `loop.add_signal_handler(signal.SIGTERM, cb)` | `let mut s = signal(SignalKind::terminate())?; while s.recv().await.is_some() { cb() }` |
//! | `signal.SIGUSR1` | [`SignalKind::user_defined1`] |
//!
//! # Implementation
//!
//! The first listener for a signal installs a process-wide handler (via
//! `signal-hook-registry`, so it chains with handlers other libraries
//! install) that counts the delivery in an atomic and writes one byte to a
//! non-blocking self-pipe. Each [`Signal`] watches the pipe through the
//! reactor; whichever listener sees it readable drains it and wakes every
//! listener of the delivered signals. Once installed, the handler stays
//! for the life of the process (the default action, e.g. termination on
//! SIGTERM, no longer happens).

use std::fmt;
use std::io;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use mio::Interest;

use super::registry::{globals, Globals};
use crate::io::AsyncFd;

/// Which signal to listen for.
///
/// # Examples
///
/// ```
/// use myrt::signal::unix::SignalKind;
/// assert_eq!(SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// Any signal by number (e.g. `libc::SIGWINCH`). SIGKILL, SIGSTOP,
    /// SIGILL, SIGFPE and SIGSEGV are refused by [`signal`].
    pub const fn from_raw(signum: i32) -> Self {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> i32 {
        self.0
    }

    /// SIGINT (Ctrl-C).
    pub const fn interrupt() -> Self {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM (polite termination request; `Child::terminate` sends it).
    pub const fn terminate() -> Self {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP (terminal hung up; daemons reload their configuration).
    pub const fn hangup() -> Self {
        SignalKind(libc::SIGHUP)
    }

    /// SIGQUIT.
    pub const fn quit() -> Self {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGUSR1.
    pub const fn user_defined1() -> Self {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2.
    pub const fn user_defined2() -> Self {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGCHLD (a child process stopped or exited).
    pub const fn child() -> Self {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGWINCH (terminal window resized).
    pub const fn window_change() -> Self {
        SignalKind(libc::SIGWINCH)
    }

    /// SIGPIPE.
    pub const fn pipe() -> Self {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGALRM.
    pub const fn alarm() -> Self {
        SignalKind(libc::SIGALRM)
    }
}

impl From<i32> for SignalKind {
    fn from(signum: i32) -> Self {
        SignalKind(signum)
    }
}

/// A stream of deliveries of one signal; see [`signal`].
///
/// Every `Signal` for the same signal sees every delivery (broadcast).
/// Deliveries that arrive while nobody polls are coalesced: `recv` reports
/// "at least one since the last `recv`".
pub struct Signal {
    kind: SignalKind,
    globals: &'static Globals,
    pipe: AsyncFd<OwnedFd>,
    seen: u64,
    waiter: Option<usize>,
}

/// Listens for `kind` from now on (deliveries before this call are not
/// reported).
///
/// # Errors
///
/// Fails outside a myrt runtime, for a signal that cannot be handled
/// (SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV, out of range), or when the
/// OS refuses a descriptor.
///
/// # Examples
///
/// ```
/// use myrt::signal::unix::{signal, SignalKind};
/// myrt::run(async {
///     let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
///     // SAFETY: kill(2) on our own pid with a signal we now handle.
///     unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) };
///     assert_eq!(usr2.recv().await, Some(()));
/// });
/// ```
#[doc(alias("add_signal_handler"))]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let globals = globals()?;
    globals.install(kind.0)?;
    let pipe = AsyncFd::with_interest(globals.reader_clone()?, Interest::READABLE)?;
    let seen = globals.slots[kind.0 as usize]
        .delivered
        .load(std::sync::atomic::Ordering::SeqCst);
    Ok(Signal {
        kind,
        globals,
        pipe,
        seen,
        waiter: None,
    })
}

impl Signal {
    /// Waits for the next delivery. Returns `Some(())` for one or more
    /// deliveries since the previous call; never returns `None` (the
    /// `Option` matches [`Stream`]).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery seen by a dropped `recv` future is reported
    /// by the next call.
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery; see [`recv`](Signal::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let slot = &self.globals.slots[self.kind.0 as usize];
        match self.waiter {
            Some(key) => slot.update_waiter(key, cx.waker()),
            None => self.waiter = Some(slot.add_waiter(cx.waker().clone())),
        }
        loop {
            let now = slot.delivered.load(std::sync::atomic::Ordering::SeqCst);
            if now != self.seen {
                self.seen = now;
                return Poll::Ready(Some(()));
            }
            match self.pipe.poll_read_ready(cx) {
                Poll::Ready(Ok(mut guard)) => {
                    guard.clear_ready();
                    self.globals.drain_and_dispatch();
                }
                // The runtime shut down: stop listening.
                Poll::Ready(Err(_)) => return Poll::Ready(None),
                Poll::Pending => {
                    let now = slot.delivered.load(std::sync::atomic::Ordering::SeqCst);
                    if now != self.seen {
                        self.seen = now;
                        return Poll::Ready(Some(()));
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// The signal this stream listens for.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.globals.slots[self.kind.0 as usize].remove_waiter(key);
        }
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}
