//! A multi-producer, multi-consumer broadcast channel: every value sent
//! reaches every receiver that was subscribed when it was sent.
//!
//! Python has no such channel; the nearest idiom is a list of
//! `asyncio.Queue`s, one per subscriber, that the publisher `put_nowait`s
//! into. Here the subscribers share one ring buffer of `cap` slots instead,
//! and a sender never waits: once the buffer is full, a send overwrites the
//! oldest value. A receiver that had not read it yet *lags*: its next
//! receive reports [`RecvError::Lagged`] with the exact number of values it
//! missed, and it carries on from the oldest value still held.
//!
//! | here | tokio | Python idiom |
//! | --- | --- | --- |
//! | [`channel`] | `broadcast::channel` | `queues = []` |
//! | [`Sender::send`] | `Sender::send` | `for q in queues: q.put_nowait(v)` |
//! | [`Sender::subscribe`] | `Sender::subscribe` | `queues.append(Queue())` |
//! | [`Receiver::recv`] | `Receiver::recv` | `await q.get()` |
//!
//! The channel closes when the last [`Sender`] is dropped; receivers still
//! get every value buffered for them, then [`RecvError::Closed`].
//!
//! # Implementation
//!
//! One mutex guards the ring, the counts and the list of waiting
//! receivers. Each slot remembers how many receivers still have to read
//! its value; the last one moves the value out instead of cloning it, and
//! a receiver that is dropped gives up its share of every slot, so values
//! nobody will read are dropped at once rather than when overwritten.
//! A send wakes every waiting receiver (each has its own copy to read), so
//! a receiver dropped after its wake-up has nothing to pass on.
//!
//! `T::clone` runs under the lock (it is the one piece of user code that
//! does): a receiver clones first and changes nothing until the clone
//! returned, so a panicking `clone` leaves the channel as it was. A
//! `clone` must not use the same channel. Values the channel drops
//! (overwritten, or no longer needed) and wakers are dropped and woken
//! only after the lock is released.
//!
//! # Examples
//!
//! ```
//! use myrt_sync::broadcast::{self, RecvError, TryRecvError};
//!
//! let (tx, mut a) = broadcast::channel(2);
//! let mut b = tx.subscribe();
//! assert_eq!(tx.send("one").unwrap(), 2);
//! tx.send("two").unwrap();
//! tx.send("three").unwrap(); // overwrites "one"
//!
//! assert_eq!(a.try_recv(), Err(TryRecvError::Lagged(1)));
//! assert_eq!(a.try_recv(), Ok("two"));
//! assert_eq!(b.blocking_recv(), Err(RecvError::Lagged(1)));
//! drop(tx);
//! assert_eq!(b.blocking_recv(), Ok("two"));
//! assert_eq!(b.blocking_recv(), Ok("three"));
//! assert_eq!(b.blocking_recv(), Err(RecvError::Closed));
//!
//! async fn follow(mut rx: broadcast::Receiver<u32>) {
//!     loop {
//!         match rx.recv().await {
//!             Ok(v) => println!("got {v}"),
//!             Err(RecvError::Lagged(n)) => println!("missed {n}"),
//!             Err(RecvError::Closed) => break,
//!         }
//!     }
//! }
//! # drop(follow);
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::blocking::block_on;
use crate::loom::{lock, Mutex};
use crate::wait_list::{Key, WaitList, Wakers};

/// Makes a broadcast channel whose ring buffer holds `cap` values, and its
/// first receiver.
///
/// # Panics
///
/// If `cap` is 0 (a channel that can hold nothing); [`checked_channel`] is
/// the twin that returns an error instead.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = myrt_sync::broadcast::channel(16);
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[track_caller]
pub fn channel<T: Clone>(cap: usize) -> (Sender<T>, Receiver<T>) {
    match checked_channel(cap) {
        Ok(pair) => pair,
        Err(e) => panic!("broadcast::channel: {e}"),
    }
}

/// Like [`channel`], but a capacity of 0 is an error.
///
/// # Errors
///
/// [`ZeroCapacity`] if `cap` is 0.
///
/// # Examples
///
/// ```
/// use myrt_sync::broadcast;
///
/// assert!(broadcast::checked_channel::<u8>(0).is_err());
/// assert!(broadcast::checked_channel::<u8>(1).is_ok());
/// ```
#[doc(alias = "try_channel")]
pub fn checked_channel<T: Clone>(cap: usize) -> Result<(Sender<T>, Receiver<T>), ZeroCapacity> {
    if cap == 0 {
        return Err(ZeroCapacity { _priv: () });
    }
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner {
            // Grows to `cap` as values arrive, so a huge capacity costs
            // nothing up front.
            slots: Vec::new(),
            cap,
            tail: 0,
            queued: 0,
            senders: 1,
            receivers: 1,
            waiters: WaitList::new(),
            closed_waiters: WaitList::new(),
        }),
    });
    let rx = Receiver {
        shared: shared.clone(),
        next: 0,
    };
    Ok((Sender { shared }, rx))
}

struct Shared<T> {
    inner: Mutex<Inner<T>>,
}

struct Inner<T> {
    /// Value `pos` lives in `slots[pos % cap]`; the ring holds positions
    /// `tail - cap .. tail` (those sent so far, at first).
    slots: Vec<Slot<T>>,
    cap: usize,
    /// Position of the next value sent.
    tail: u64,
    /// Slots whose value some receiver has still to read.
    queued: usize,
    senders: usize,
    receivers: usize,
    /// Receivers waiting for a value.
    waiters: WaitList<()>,
    /// `Sender::closed` futures; the flag is set when they are released.
    closed_waiters: WaitList<bool>,
}

struct Slot<T> {
    /// Receivers that still have to read `val`: those subscribed when it
    /// was sent, less those that read it or were dropped since. Every
    /// receiver whose next position is at or before this slot's (and in
    /// the ring) is counted, so `val` is `Some` whenever `rem > 0`.
    rem: usize,
    val: Option<T>,
}

impl<T> Inner<T> {
    /// The oldest position the ring still holds.
    fn head(&self) -> u64 {
        self.tail.saturating_sub(self.cap as u64)
    }

    fn index(&self, pos: u64) -> usize {
        // The remainder is below `cap`, a `usize`.
        (pos % self.cap as u64) as usize
    }

    fn is_closed(&self) -> bool {
        self.senders == 0
    }

    /// Gives up a receiver's share of every value from `next` on; returns
    /// the values no one needs any more, to drop outside the lock.
    fn release_from(&mut self, next: u64) -> Vec<T> {
        let mut freed = Vec::new();
        for pos in next.max(self.head())..self.tail {
            let i = self.index(pos);
            let slot = &mut self.slots[i];
            slot.rem -= 1;
            if slot.rem == 0 {
                freed.extend(slot.val.take());
                self.queued -= 1;
            }
        }
        freed
    }
}

/// Where a receive stands, worked out under the lock.
enum Step<T> {
    Value(T),
    Lagged(u64),
    Empty,
    Closed,
}

impl<T: Clone> Shared<T> {
    /// Reads the value at `*next` for one receiver, or says why not.
    fn try_take(&self, g: &mut Inner<T>, next: &mut u64) -> Step<T> {
        let head = g.head();
        if *next < head {
            let missed = head - *next;
            *next = head;
            return Step::Lagged(missed);
        }
        if *next == g.tail {
            return if g.is_closed() {
                Step::Closed
            } else {
                Step::Empty
            };
        }
        let i = g.index(*next);
        let slot = &mut g.slots[i];
        let v = if slot.rem == 1 {
            // The last reader takes the value itself.
            g.queued -= 1;
            slot.val.take()
        } else {
            // Clone before changing anything, in case `clone` panics.
            slot.val.clone()
        };
        slot.rem -= 1;
        *next += 1;
        Step::Value(v.expect("broadcast: a counted slot holds its value"))
    }
}

/// The sending half of a [`channel`]; clone it for more senders. Sending
/// never waits.
///
/// # Examples
///
/// ```
/// let (tx, rx) = myrt_sync::broadcast::channel::<u8>(4);
/// let tx2 = tx.clone();
/// assert_eq!(tx2.send(1).unwrap(), 1);
/// drop(rx);
/// assert_eq!(tx.send(2).unwrap_err().0, 2);
/// ```
#[doc(alias = "Publisher")]
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Sends `value` to every current receiver and returns how many there
    /// are. When the buffer is full, the oldest value is overwritten
    /// (receivers that had not read it will see [`RecvError::Lagged`]).
    ///
    /// # Errors
    ///
    /// [`SendError`], handing `value` back, if there are no receivers; it
    /// is not stored then.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = myrt_sync::broadcast::channel(1);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send("hi"), Ok(2));
    /// assert_eq!(rx.try_recv(), Ok("hi"));
    /// ```
    #[doc(alias = "publish")]
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut wakers = Wakers::new();
        let (receivers, overwritten) = {
            let mut g = lock(&self.shared.inner);
            if g.receivers == 0 {
                return Err(SendError(value));
            }
            let fresh = Slot {
                rem: g.receivers,
                val: Some(value),
            };
            let overwritten = if g.slots.len() < g.cap {
                g.slots.push(fresh);
                None
            } else {
                let i = g.index(g.tail);
                let old = std::mem::replace(&mut g.slots[i], fresh);
                if old.rem > 0 {
                    g.queued -= 1;
                }
                old.val
            };
            g.tail += 1;
            g.queued += 1;
            wakers.extend(g.waiters.drain_with(|()| ()));
            (g.receivers, overwritten)
        };
        wakers.wake();
        drop(overwritten);
        Ok(receivers)
    }

    /// A new receiver that gets every value sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = myrt_sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// How many receivers there are now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::broadcast::channel::<u8>(4);
    /// let rx2 = rx.resubscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        lock(&self.shared.inner).receivers
    }

    /// How many buffered values some receiver has still to read (at most
    /// the capacity). A value leaves the count once every receiver that
    /// was there when it was sent has read it (or was dropped), or when it
    /// is overwritten.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut a) = myrt_sync::broadcast::channel(4);
    /// let mut b = tx.subscribe();
    /// tx.send(1).unwrap();
    /// a.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1, "b has not read it yet");
    /// b.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        lock(&self.shared.inner).queued
    }

    /// Whether no receiver has anything left to read; see [`len`](Self::len).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until there are no receivers (they were all dropped).
    /// Returns at once if there are none now.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only watches the receiver count; a dropped future
    /// leaves its queue.
    ///
    /// # Examples
    ///
    /// ```
    /// async fn serve(tx: myrt_sync::broadcast::Sender<u8>) {
    ///     tx.closed().await; // nobody is listening any more
    /// }
    /// # drop(serve);
    /// ```
    pub fn closed(&self) -> ClosedWait<'_, T> {
        ClosedWait {
            shared: &self.shared,
            key: None,
        }
    }
}

fn new_receiver<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut g = lock(&shared.inner);
    g.receivers += 1;
    let next = g.tail;
    drop(g);
    Receiver {
        shared: shared.clone(),
        next,
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        lock(&self.shared.inner).senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut wakers = Wakers::new();
        {
            let mut g = lock(&self.shared.inner);
            g.senders -= 1;
            if g.senders == 0 {
                wakers.extend(g.waiters.drain_with(|()| ()));
            }
        }
        wakers.wake();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = lock(&self.shared.inner);
        f.debug_struct("broadcast::Sender")
            .field("capacity", &g.cap)
            .field("len", &g.queued)
            .field("receivers", &g.receivers)
            .field("senders", &g.senders)
            .finish()
    }
}

/// The receiving half of a [`channel`]: reads every value sent after it
/// subscribed, in order. Not `Clone` (a copy would share its place);
/// [`resubscribe`](Self::resubscribe) makes a receiver that starts from
/// the newest value instead.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = myrt_sync::broadcast::channel(4);
/// let t = std::thread::spawn(move || rx.blocking_recv());
/// tx.send(7).unwrap();
/// assert_eq!(t.join().unwrap(), Ok(7));
/// ```
#[doc(alias = "Subscriber")]
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// Position of the next value to read.
    next: u64,
}

impl<T: Clone> Receiver<T> {
    /// Waits for the next value.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`]`(n)` if `n` values meant for this receiver
    /// were overwritten before it read them; the next call returns the
    /// oldest value still held. [`RecvError::Closed`] once every sender is
    /// gone and this receiver has read all that was buffered for it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a value is taken only in the poll that returns it, so
    /// dropping the future loses nothing, and a later `recv` gets the same
    /// value. A send wakes every waiting receiver, so there is no wake-up
    /// to pass on.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::broadcast::{Receiver, RecvError};
    ///
    /// async fn sum(mut rx: Receiver<u64>) -> Result<u64, u64> {
    ///     let mut sum = 0;
    ///     loop {
    ///         match rx.recv().await {
    ///             Ok(v) => sum += v,
    ///             Err(RecvError::Lagged(n)) => return Err(n),
    ///             Err(RecvError::Closed) => return Ok(sum),
    ///         }
    ///     }
    /// }
    /// # drop(sum);
    /// ```
    #[doc(alias = "get")]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            key: None,
        }
    }

    /// Takes the next value if there is one, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing new was sent yet,
    /// [`TryRecvError::Lagged`] and [`TryRecvError::Closed`] as for
    /// [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::broadcast::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[doc(alias = "get_nowait")]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut g = lock(&self.shared.inner);
        match self.shared.try_take(&mut g, &mut self.next) {
            Step::Value(v) => Ok(v),
            Step::Lagged(n) => Err(TryRecvError::Lagged(n)),
            Step::Empty => Err(TryRecvError::Empty),
            Step::Closed => Err(TryRecvError::Closed),
        }
    }

    /// [`recv`](Self::recv) from a plain thread: blocks until a value
    /// comes. Do not call it from a task: it blocks the worker thread.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = myrt_sync::broadcast::channel(1);
    /// tx.send('x').unwrap();
    /// assert_eq!(rx.blocking_recv(), Ok('x'));
    /// ```
    #[doc(alias = "recv")]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        block_on(self.recv(), None).expect("no deadline")
    }
}

impl<T> Receiver<T> {
    /// A new receiver of the same channel that gets every value sent from
    /// now on (not the ones this one has still to read).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = myrt_sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// ```
    pub fn resubscribe(&self) -> Self {
        new_receiver(&self.shared)
    }

    /// How many values this receiver can read now without waiting (those
    /// it lagged behind on not counted).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = myrt_sync::broadcast::channel(2);
    /// for v in 0..3 {
    ///     tx.send(v).unwrap();
    /// }
    /// assert_eq!(rx.len(), 2, "the first value was overwritten");
    /// ```
    pub fn len(&self) -> usize {
        let g = lock(&self.shared.inner);
        // At most `cap`, a `usize`.
        (g.tail - self.next.max(g.head())) as usize
    }

    /// Whether [`len`](Self::len) is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut wakers = Wakers::new();
        let freed = {
            let mut g = lock(&self.shared.inner);
            g.receivers -= 1;
            let freed = g.release_from(self.next);
            if g.receivers == 0 {
                wakers.extend(g.closed_waiters.drain_with(|done| *done = true));
            }
            freed
        };
        wakers.wake();
        drop(freed);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// Future of [`Receiver::recv`].
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    /// Our slot in the waiter list while we wait.
    key: Option<Key>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let shared = &*this.rx.shared;
        let mut g = lock(&shared.inner);
        let out = match shared.try_take(&mut g, &mut this.rx.next) {
            Step::Value(v) => Ok(v),
            Step::Lagged(n) => Err(RecvError::Lagged(n)),
            Step::Closed => Err(RecvError::Closed),
            Step::Empty => {
                wait_in(&mut g, &mut this.key, cx);
                return Poll::Pending;
            }
        };
        if let Some(key) = this.key.take() {
            g.waiters.remove(key);
        }
        Poll::Ready(out)
    }
}

/// Queues (or re-queues) a waiter, storing the waker of this poll.
fn wait_in<T>(g: &mut Inner<T>, key: &mut Option<Key>, cx: &mut Context<'_>) {
    match *key {
        Some(k) if g.waiters.is_linked(k) => g.waiters.set_waker(k, cx.waker()),
        Some(k) => {
            // Unlinked by a wake-up yet nothing to read: cannot happen today
            // (a send leaves a value or a lag for everyone it wakes, a close
            // leaves `Closed`), but stay correct if it ever does.
            g.waiters.remove(k);
            *key = Some(g.waiters.push_back((), cx.waker().clone()));
        }
        None => *key = Some(g.waiters.push_back((), cx.waker().clone())),
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.rx.shared.inner).waiters.remove(key);
        }
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Recv")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

/// Future of [`Sender::closed`].
#[must_use = "futures do nothing unless polled"]
pub struct ClosedWait<'a, T> {
    shared: &'a Shared<T>,
    key: Option<Key>,
}

impl<T> Future for ClosedWait<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut g = lock(&this.shared.inner);
        // Released by the last receiver's drop, even if a new one has
        // subscribed since.
        let released = this.key.is_some_and(|k| *g.closed_waiters.data(k));
        if released || g.receivers == 0 {
            if let Some(k) = this.key.take() {
                g.closed_waiters.remove(k);
            }
            return Poll::Ready(());
        }
        match this.key {
            Some(k) => g.closed_waiters.set_waker(k, cx.waker()),
            None => this.key = Some(g.closed_waiters.push_back(false, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl<T> Drop for ClosedWait<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.shared.inner).closed_waiters.remove(key);
        }
    }
}

impl<T> fmt::Debug for ClosedWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::ClosedWait")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

/// [`Sender::send`] found no receivers; the value is handed back in `.0`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast channel has no receivers")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`Receiver::recv`] returned no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and nothing is left to read.
    Closed,
    /// This many values were overwritten before this receiver read them;
    /// it now continues from the oldest value the channel holds.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("broadcast channel closed"),
            RecvError::Lagged(n) => write!(f, "receiver lagged behind by {n} values"),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] returned no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing new has been sent yet.
    Empty,
    /// Every sender is gone and nothing is left to read.
    Closed,
    /// This many values were overwritten before this receiver read them;
    /// it now continues from the oldest value the channel holds.
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("broadcast channel empty"),
            TryRecvError::Closed => f.write_str("broadcast channel closed"),
            TryRecvError::Lagged(n) => write!(f, "receiver lagged behind by {n} values"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// [`checked_channel`] was asked for a capacity of 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeroCapacity {
    _priv: (),
}

impl fmt::Display for ZeroCapacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a broadcast channel needs a capacity of at least 1")
    }
}

impl std::error::Error for ZeroCapacity {}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued<T>(tx: &Sender<T>) -> (usize, usize) {
        let g = lock(&tx.shared.inner);
        let live = g.slots.iter().filter(|s| s.val.is_some()).count();
        let counted = g.slots.iter().filter(|s| s.rem > 0).count();
        (live, counted)
    }

    #[test]
    fn slot_counts_match_values() {
        let (tx, mut a) = channel(3);
        let mut b = tx.subscribe();
        for v in 0..5 {
            tx.send(v).unwrap();
        }
        assert_eq!(queued(&tx), (3, 3));
        assert_eq!(a.try_recv(), Err(TryRecvError::Lagged(2)));
        assert_eq!(a.try_recv(), Ok(2));
        assert_eq!(queued(&tx), (3, 3));
        assert_eq!(b.try_recv(), Err(TryRecvError::Lagged(2)));
        assert_eq!(b.try_recv(), Ok(2));
        assert_eq!(queued(&tx), (2, 2), "read by both: dropped");
        assert_eq!(tx.len(), 2);
        drop(b);
        assert_eq!(queued(&tx), (2, 2), "a has still to read 3 and 4");
        drop(a);
        assert_eq!(queued(&tx), (0, 0));
        assert!(tx.is_empty());
    }

    #[test]
    fn ring_grows_lazily() {
        let (tx, _rx) = channel::<u8>(usize::MAX);
        tx.send(1).unwrap();
        assert_eq!(lock(&tx.shared.inner).slots.len(), 1);
    }
}
