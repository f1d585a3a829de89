//! A one-shot channel: one value, sent once, from one sender to one
//! receiver.
//!
//! asyncio has no channels; its nearest idea is an `asyncio.Future` whose
//! `set_result` is [`Sender::send`] and whose `await` is awaiting the
//! [`Receiver`] (or, from a thread, `concurrent.futures.Future.result()`
//! is [`Receiver::blocking_recv`]). Unlike a Python future, each end is
//! owned: dropping the [`Sender`] unsent makes the receiver fail with
//! [`RecvError`], and dropping (or [`close`](Receiver::close)-ing) the
//! [`Receiver`] makes [`send`](Sender::send) hand the value back.
//!
//! The receiver is itself the future (`rx.await`); `&mut rx` is one too, so
//! it can be raced in a `select` and awaited again later.
//!
//! # Examples
//!
//! ```
//! use myrt_sync::oneshot;
//!
//! let (tx, rx) = oneshot::channel();
//! let worker = std::thread::spawn(move || {
//!     tx.send(6 * 7).unwrap();
//! });
//! assert_eq!(rx.blocking_recv(), Ok(42));
//! worker.join().unwrap();
//!
//! // In a task: `let answer = rx.await?;`
//! ```
//!
//! # Implementation
//!
//! One mutex guards the slot for the value, the two "this end is gone"
//! flags and one waker per end. Every transition takes it once, so the
//! race between `send` and the receiver going away has exactly two
//! outcomes: the value is stored (and later received or dropped with the
//! channel) or it is handed back to the sender. Wakers are woken, and
//! replaced wakers dropped, only after the lock is released.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::blocking::block_on;
use crate::loom::{lock, Mutex};

/// Creates a one-shot channel: a [`Sender`] for one value and the
/// [`Receiver`] that waits for it.
///
/// # Examples
///
/// ```
/// use myrt_sync::oneshot;
///
/// let (tx, mut rx) = oneshot::channel();
/// assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Empty));
/// tx.send("done").unwrap();
/// assert_eq!(rx.try_recv(), Ok("done"));
/// ```
#[doc(alias = "Future")]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            value: None,
            tx_gone: false,
            rx_closed: false,
            rx_waker: None,
            tx_waker: None,
        }),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner },
    )
}

struct Inner<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    /// The value sent and not yet received.
    value: Option<T>,
    /// The sender has sent or was dropped: no value will come any more.
    tx_gone: bool,
    /// The receiver was closed or dropped: `send` fails.
    rx_closed: bool,
    /// The receiver waiting for the value.
    rx_waker: Option<Waker>,
    /// The sender waiting in [`Sender::closed`].
    tx_waker: Option<Waker>,
}

/// Stores `cx`'s waker in `slot` unless an equivalent one is there; returns
/// the one it replaced, to be dropped once the lock is released.
fn store_waker(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => None,
        _ => slot.replace(cx.waker().clone()),
    }
}

/// The sending half of a [`oneshot`](self) channel; [`send`](Self::send)
/// consumes it.
///
/// Dropping it without sending wakes the receiver, which then gets
/// [`RecvError`].
pub struct Sender<T> {
    /// `None` once `send` has run (so that `Drop` does nothing).
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Sender<T> {
    fn inner(&self) -> &Inner<T> {
        self.inner.as_ref().expect("sender used after send")
    }

    /// Sends the value, waking the receiver. Never waits.
    ///
    /// # Errors
    ///
    /// Hands `value` back if the receiver was dropped or
    /// [`close`](Receiver::close)d first.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(7), Err(7));
    /// ```
    #[doc(alias = "set_result")]
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("sender used after send");
        let waker = {
            let mut s = lock(&inner.state);
            if s.rx_closed {
                // `s.tx_gone` is left: nobody reads it once the receiver
                // is closed, and the value goes back to the caller.
                drop(s);
                return Err(value);
            }
            s.value = Some(value);
            s.tx_gone = true;
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Whether the receiver was dropped or closed, so that
    /// [`send`](Self::send) would fail.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    #[doc(alias = "cancelled")]
    pub fn is_closed(&self) -> bool {
        lock(&self.inner().state).rx_closed
    }

    /// Polls for the receiver going away: `Ready` once it was dropped or
    /// closed. Registers `cx`'s waker otherwise (only the waker of the
    /// latest poll is kept).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let stale;
        {
            let mut s = lock(&self.inner().state);
            if s.rx_closed {
                return Poll::Ready(());
            }
            stale = store_waker(&mut s.tx_waker, cx);
        }
        drop(stale);
        Poll::Pending
    }

    /// Waits until the receiver is dropped or closed: the value is no
    /// longer wanted, so the work that would compute it can stop.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the future only watches; dropping it changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::oneshot;
    ///
    /// async fn compute(mut tx: oneshot::Sender<u64>) {
    ///     // Give up as soon as nobody waits for the answer.
    ///     tx.closed().await;
    /// }
    /// ```
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await;
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        let waker = {
            let mut s = lock(&inner.state);
            s.tx_gone = true;
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.inner.as_ref().map(|_| self.is_closed()))
            .finish()
    }
}

/// The receiving half of a [`oneshot`](self) channel: a future of the
/// value, `Err(`[`RecvError`]`)` if the sender was dropped unsent.
///
/// Awaiting `&mut rx` works too, so the receiver can lose a `select` and
/// be awaited again.
///
/// # Cancel safety
///
/// Awaiting `&mut rx` is cancel safe: the value is taken only by the poll
/// that returns it. Dropping the receiver itself closes the channel (the
/// value, if already sent, is dropped).
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent. Never waits.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet,
    /// [`TryRecvError::Closed`] if nothing ever will be: the sender was
    /// dropped unsent, the value was already taken, or
    /// [`close`](Self::close) came first.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::oneshot::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[doc(alias = "result")]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut s = lock(&self.inner.state);
        if let Some(v) = s.value.take() {
            return Ok(v);
        }
        if s.tx_gone || s.rx_closed {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Closes the channel without dropping the receiver: a later
    /// [`send`](Sender::send) fails and hands its value back, and a
    /// sender waiting in [`closed`](Sender::closed) wakes. A value sent
    /// before can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    #[doc(alias = "cancel")]
    pub fn close(&mut self) {
        let waker = {
            let mut s = lock(&self.inner.state);
            s.rx_closed = true;
            s.tx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Blocks the calling thread until the value arrives (or the sender is
    /// dropped). Do not call it from a task: it blocks the worker thread.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender was dropped unsent.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel::<()>();
    /// std::thread::spawn(move || drop(tx));
    /// assert!(rx.blocking_recv().is_err());
    /// ```
    #[doc(alias = "result")]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        block_on(self, None).expect("no deadline")
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    /// `Ready(Ok(value))` once sent; `Ready(Err(RecvError))` if the sender
    /// was dropped unsent, the channel was closed before a send, or the
    /// value was already received by an earlier poll.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let stale;
        {
            let mut s = lock(&self.inner.state);
            if let Some(v) = s.value.take() {
                return Poll::Ready(Ok(v));
            }
            if s.tx_gone || s.rx_closed {
                return Poll::Ready(Err(RecvError { _priv: () }));
            }
            stale = store_waker(&mut s.rx_waker, cx);
        }
        drop(stale);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (value, waker) = {
            let mut s = lock(&self.inner.state);
            s.rx_closed = true;
            (s.value.take(), s.tx_waker.take())
        };
        if let Some(w) = waker {
            w.wake();
        }
        // The user's `Drop` runs outside our lock.
        drop(value);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = lock(&self.inner.state);
        f.debug_struct("oneshot::Receiver")
            .field("sent", &s.value.is_some())
            .field("sender_gone", &s.tx_gone)
            .field("closed", &s.rx_closed)
            .finish()
    }
}

/// The sender was dropped without sending (or the value was already
/// received, or the channel closed before a send).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError {
    _priv: (),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending")
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] returned no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing sent yet; it may still come.
    Empty,
    /// Nothing will come: the sender was dropped unsent, the value was
    /// already taken, or the receiver was closed.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("oneshot channel empty"),
            TryRecvError::Closed => f.write_str("oneshot channel closed"),
        }
    }
}

impl std::error::Error for TryRecvError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_then_try_recv_then_closed() {
        let (tx, mut rx) = channel();
        tx.send(3).unwrap();
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }

    #[test]
    fn close_keeps_a_sent_value() {
        let (tx, mut rx) = channel();
        tx.send(String::from("x")).unwrap();
        rx.close();
        assert_eq!(rx.try_recv().as_deref(), Ok("x"));
    }
}
