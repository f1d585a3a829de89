//! Multi-producer, single-consumer channels: [`channel`] (bounded, with
//! backpressure) and [`unbounded_channel`].
//!
//! asyncio has no channels; the nearest is an `asyncio.Queue` with one
//! consumer: [`Sender::send`] is `put`, [`Sender::try_send`] is
//! `put_nowait`, [`Receiver::recv`] is `get`, and dropping the last sender
//! (or [`Receiver::close`]) is `shutdown()`. For several consumers use
//! [`Queue`](crate::Queue). Unlike a queue, each end is owned: when every
//! sender is gone, [`recv`](Receiver::recv) drains what is buffered and
//! then returns `None`; when the receiver is gone (or closed), sends fail
//! and hand their value back.
//!
//! # Examples
//!
//! ```
//! use myrt_sync::mpsc;
//!
//! let (tx, mut rx) = mpsc::channel(2);
//! let producers: Vec<_> = (0..3)
//!     .map(|id| {
//!         let tx = tx.clone();
//!         std::thread::spawn(move || tx.blocking_send(id).unwrap())
//!     })
//!     .collect();
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(id) = rx.blocking_recv() {
//!     got.push(id);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # for p in producers { p.join().unwrap(); }
//!
//! // In a task: `while let Some(v) = rx.recv().await { ... }`
//! ```
//!
//! # Wake discipline
//!
//! A bounded channel has `capacity` slots. A slot is free, holds a
//! buffered item, or is held by a [`Permit`] (or a waiting send that was
//! handed one and has not run yet). Senders that find no free slot queue
//! in FIFO order, and each slot the receiver frees is handed to the sender
//! at the front of that queue at once, like a [`Semaphore`](crate::Semaphore)
//! permit: free slots exist only while nobody waits, so `try_send` never
//! barges past a queued sender. A waiting `send` or `reserve` that is
//! dropped after it was handed a slot hands the slot on to the next one;
//! its value was never sent (it is dropped with the future).
//!
//! There is one receiver, so a receive has nothing to pass on: an item is
//! taken only by the poll that returns it.
//!
//! # Implementation
//!
//! One mutex guards the buffer, the slot counts, the sender count and the
//! waiter lists; every operation takes it once. Wakers are woken, and
//! replaced wakers and dropped items dropped, only after it is released.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use crate::blocking::block_on;
use crate::loom::{lock, Mutex, MutexGuard};
use crate::wait_list::{Key, WaitList, Wakers};

/// Creates a bounded channel holding at most `capacity` items: senders
/// wait (or `try_send` fails) while it is full.
///
/// # Panics
///
/// If `capacity` is 0 (a rendezvous channel is not supported);
/// [`checked_channel`] is the non-panicking twin.
///
/// # Examples
///
/// ```
/// use myrt_sync::mpsc;
///
/// let (tx, mut rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert!(tx.try_send(2).unwrap_err().is_full());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[track_caller]
#[doc(alias = "Queue")]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    match checked_channel(capacity) {
        Ok(pair) => pair,
        Err(e) => panic!("mpsc::channel: {e}"),
    }
}

/// Like [`channel`], but a capacity of 0 is an error instead of a panic.
///
/// # Errors
///
/// [`ZeroCapacityError`] if `capacity` is 0.
///
/// # Examples
///
/// ```
/// use myrt_sync::mpsc;
///
/// assert!(mpsc::checked_channel::<u8>(0).is_err());
/// let (tx, _rx) = mpsc::checked_channel::<u8>(4).unwrap();
/// assert_eq!(tx.max_capacity(), 4);
/// ```
#[doc(alias = "try_channel")]
pub fn checked_channel<T>(capacity: usize) -> Result<(Sender<T>, Receiver<T>), ZeroCapacityError> {
    if capacity == 0 {
        return Err(ZeroCapacityError { _priv: () });
    }
    let chan = Chan::new(capacity);
    Ok((Sender { chan: chan.clone() }, Receiver { chan }))
}

/// Creates an unbounded channel: [`UnboundedSender::send`] never waits.
///
/// # Examples
///
/// ```
/// use myrt_sync::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// for i in 0..1000 {
///     tx.send(i).unwrap();
/// }
/// drop(tx);
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.blocking_recv(), Some(0));
/// ```
#[doc(alias = "Queue")]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(0);
    (
        UnboundedSender { chan: chan.clone() },
        UnboundedReceiver { chan },
    )
}

/// The state both ends share.
struct Chan<T> {
    /// The bound; 0 for an unbounded channel.
    cap: usize,
    state: Mutex<State<T>>,
}

struct State<T> {
    queue: VecDeque<T>,
    /// Slots nobody holds (bounded only). Non-zero only while no sender
    /// waits: a freed slot goes to the front waiter first.
    free: usize,
    /// Slots held by permits and by waiting sends that were handed one and
    /// have not run yet. While any is held, a value may still come.
    held: usize,
    /// Live senders (bounded or unbounded).
    senders: usize,
    /// The receiver was closed or dropped: sends fail.
    closed: bool,
    /// The receiver was dropped: even a permit's value is dropped.
    rx_gone: bool,
    rx_waker: Option<Waker>,
    /// Senders waiting for a slot; each one's data says whether it was
    /// handed one (and unlinked).
    waiters: WaitList<bool>,
    /// Senders waiting in `closed()`.
    closed_waiters: WaitList<()>,
}

impl<T> State<T> {
    /// Hands a freed slot to the front waiter, or makes it free. The
    /// waiter's waker goes to `wakers`.
    fn release_slot(&mut self, wakers: &mut Wakers) {
        match self.waiters.pop_front() {
            Some(k) => {
                *self.waiters.data_mut(k) = true;
                self.held += 1;
                wakers.push(self.waiters.take_waker(k));
            }
            None => self.free += 1,
        }
    }

    /// A held slot comes back unused (a permit or a granted waiter was
    /// dropped): it goes to the next waiter, and the receiver learns if
    /// that was the last thing it was waiting for.
    fn release_held(&mut self, wakers: &mut Wakers) {
        self.held -= 1;
        self.release_slot(wakers);
        if self.finished() {
            wakers.push(self.rx_waker.take());
        }
    }

    /// Nothing is buffered and nothing can come any more.
    fn finished(&self) -> bool {
        self.queue.is_empty() && self.held == 0 && (self.closed || self.senders == 0)
    }

    /// Buffers `value` and takes the receiver's waker.
    fn push(&mut self, value: T, wakers: &mut Wakers) {
        self.queue.push_back(value);
        wakers.push(self.rx_waker.take());
    }

    /// Closes the receiving side: every waiting sender and `closed()`
    /// waiter is woken.
    fn close(&mut self, wakers: &mut Wakers) {
        self.closed = true;
        // Waiters not yet handed a slot see `closed` when they run; those
        // handed one keep it and may still send.
        wakers.extend(self.waiters.drain_with(|_| {}));
        wakers.extend(self.closed_waiters.drain_with(|_| {}));
    }
}

/// Stores `cx`'s waker in `slot` unless an equivalent one is there; returns
/// the one it replaced, to be dropped once the lock is released.
fn store_waker(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => None,
        _ => slot.replace(cx.waker().clone()),
    }
}

impl<T> Chan<T> {
    fn new(cap: usize) -> Arc<Self> {
        Arc::new(Chan {
            cap,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                free: cap,
                held: 0,
                senders: 1,
                closed: false,
                rx_gone: false,
                rx_waker: None,
                waiters: WaitList::new(),
                closed_waiters: WaitList::new(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        lock(&self.state)
    }

    fn bounded(&self) -> bool {
        self.cap > 0
    }

    // --- senders ---

    fn add_sender(&self) {
        self.lock().senders += 1;
    }

    fn drop_sender(&self) {
        let waker = {
            let mut g = self.lock();
            g.senders -= 1;
            if g.finished() {
                g.rx_waker.take()
            } else {
                None
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn is_closed(&self) -> bool {
        self.lock().closed
    }

    fn capacity(&self) -> usize {
        self.lock().free
    }

    /// Sends without waiting (an unbounded channel never is full).
    fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut wakers = Wakers::new();
        {
            let mut g = self.lock();
            if g.closed {
                drop(g);
                return Err(TrySendError::Closed(value));
            }
            if self.bounded() {
                if g.free == 0 {
                    drop(g);
                    return Err(TrySendError::Full(value));
                }
                g.free -= 1;
            }
            g.push(value, &mut wakers);
        }
        wakers.wake();
        Ok(())
    }

    /// Takes a free slot without waiting; the caller then holds it.
    fn try_reserve(&self) -> Result<(), TrySendError<()>> {
        let mut g = self.lock();
        if g.closed {
            return Err(TrySendError::Closed(()));
        }
        if g.free == 0 {
            return Err(TrySendError::Full(()));
        }
        g.free -= 1;
        g.held += 1;
        Ok(())
    }

    /// Polls for a slot (bounded only). `Ready(Ok)`: the caller holds one
    /// (counted in `held`). `Ready(Err)`: the receiver is closed or gone.
    /// A replaced waker goes to `stale`, to be dropped after the lock.
    fn poll_slot(
        &self,
        g: &mut State<T>,
        key: &mut Option<Key>,
        cx: &Context<'_>,
        stale: &mut Option<Waker>,
    ) -> Poll<Result<(), ()>> {
        let Some(k) = *key else {
            if g.closed {
                return Poll::Ready(Err(()));
            }
            if g.free > 0 {
                g.free -= 1;
                g.held += 1;
                return Poll::Ready(Ok(()));
            }
            *key = Some(g.waiters.push_back(false, cx.waker().clone()));
            return Poll::Pending;
        };
        if *g.waiters.data(k) {
            // Handed a slot (and unlinked) by a receive or a dropped permit;
            // its waker was taken then.
            g.waiters.remove(k);
            *key = None;
            if g.rx_gone {
                // Nobody will read: the slot just becomes free again.
                g.held -= 1;
                g.free += 1;
                return Poll::Ready(Err(()));
            }
            return Poll::Ready(Ok(()));
        }
        if g.closed {
            *stale = g.waiters.take_waker(k);
            g.waiters.remove(k);
            *key = None;
            return Poll::Ready(Err(()));
        }
        *stale = g.waiters.swap_waker(k, cx.waker());
        Poll::Pending
    }

    /// A waiting send or reserve is dropped: it leaves the queue, and a
    /// slot it was handed goes to the next waiter.
    fn cancel_slot(&self, key: Key) {
        let mut wakers = Wakers::new();
        let stale;
        {
            let mut g = self.lock();
            stale = g.waiters.take_waker(key);
            if g.waiters.remove(key) {
                g.release_held(&mut wakers);
            }
        }
        wakers.wake();
        drop(stale);
    }

    /// A permit sends: its slot now holds `value`.
    fn permit_send(&self, value: T) {
        let mut wakers = Wakers::new();
        let dropped = {
            let mut g = self.lock();
            g.held -= 1;
            if g.rx_gone {
                g.free += 1;
                Some(value)
            } else {
                g.push(value, &mut wakers);
                None
            }
        };
        wakers.wake();
        drop(dropped);
    }

    /// A permit is dropped unused.
    fn permit_drop(&self) {
        let mut wakers = Wakers::new();
        self.lock().release_held(&mut wakers);
        wakers.wake();
    }

    fn poll_closed(&self, key: &mut Option<Key>, cx: &Context<'_>) -> Poll<()> {
        let stale;
        {
            let mut g = self.lock();
            if g.closed {
                if let Some(k) = key.take() {
                    stale = g.closed_waiters.take_waker(k);
                    g.closed_waiters.remove(k);
                } else {
                    stale = None;
                }
                drop(g);
                drop(stale);
                return Poll::Ready(());
            }
            stale = match *key {
                None => {
                    *key = Some(g.closed_waiters.push_back((), cx.waker().clone()));
                    None
                }
                Some(k) => g.closed_waiters.swap_waker(k, cx.waker()),
            };
        }
        drop(stale);
        Poll::Pending
    }

    fn cancel_closed(&self, key: Key) {
        let stale = {
            let mut g = self.lock();
            let w = g.closed_waiters.take_waker(key);
            g.closed_waiters.remove(key);
            w
        };
        drop(stale);
    }

    // --- the receiver ---

    fn poll_recv(&self, cx: &Context<'_>) -> Poll<Option<T>> {
        let mut wakers = Wakers::new();
        let stale;
        {
            let mut g = self.lock();
            if let Some(v) = g.queue.pop_front() {
                if self.bounded() {
                    g.release_slot(&mut wakers);
                }
                drop(g);
                wakers.wake();
                return Poll::Ready(Some(v));
            }
            if g.finished() {
                return Poll::Ready(None);
            }
            stale = store_waker(&mut g.rx_waker, cx);
        }
        drop(stale);
        Poll::Pending
    }

    fn poll_recv_many(&self, cx: &Context<'_>, buf: &mut Vec<T>, limit: usize) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let mut wakers = Wakers::new();
        let stale;
        {
            let mut g = self.lock();
            if !g.queue.is_empty() {
                let n = limit.min(g.queue.len());
                buf.extend(g.queue.drain(..n));
                if self.bounded() {
                    for _ in 0..n {
                        g.release_slot(&mut wakers);
                    }
                }
                drop(g);
                wakers.wake();
                return Poll::Ready(n);
            }
            if g.finished() {
                return Poll::Ready(0);
            }
            stale = store_waker(&mut g.rx_waker, cx);
        }
        drop(stale);
        Poll::Pending
    }

    fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut wakers = Wakers::new();
        let out = {
            let mut g = self.lock();
            match g.queue.pop_front() {
                Some(v) => {
                    if self.bounded() {
                        g.release_slot(&mut wakers);
                    }
                    Ok(v)
                }
                None if g.finished() => Err(TryRecvError::Disconnected),
                None => Err(TryRecvError::Empty),
            }
        };
        wakers.wake();
        out
    }

    fn len(&self) -> usize {
        self.lock().queue.len()
    }

    fn close(&self) {
        let mut wakers = Wakers::new();
        self.lock().close(&mut wakers);
        wakers.wake();
    }

    fn drop_rx(&self) {
        let mut wakers = Wakers::new();
        let (items, stale) = {
            let mut g = self.lock();
            g.close(&mut wakers);
            g.rx_gone = true;
            let items = std::mem::take(&mut g.queue);
            if self.bounded() {
                g.free += items.len();
            }
            (items, g.rx_waker.take())
        };
        wakers.wake();
        drop(stale);
        // The items' `Drop` runs outside our lock.
        drop(items);
    }

    fn debug(&self, f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
        let g = self.lock();
        let mut d = f.debug_struct(name);
        d.field("len", &g.queue.len());
        if self.bounded() {
            d.field("capacity", &g.free)
                .field("max_capacity", &self.cap);
        }
        d.field("senders", &g.senders)
            .field("closed", &g.closed)
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Bounded

/// The sending half of a bounded [`channel`]. Clone it for more producers;
/// the channel is disconnected once every clone is dropped.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for a free slot while the channel is full.
    /// Senders waiting for a slot are served in FIFO order.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is dropped or
    /// [`close`](Receiver::close)d before a slot comes.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, the value
    /// was not sent (it is dropped with the future), and a slot already
    /// handed to it goes on to the next waiting sender. So no slot is lost,
    /// but the place in line is.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc;
    ///
    /// async fn produce(tx: mpsc::Sender<u32>) {
    ///     for i in 0..10 {
    ///         if let Err(e) = tx.send(i).await {
    ///             eprintln!("receiver gone, {} not sent", e.0);
    ///             return;
    ///         }
    ///     }
    /// }
    /// ```
    #[doc(alias = "put")]
    pub fn send(&self, value: T) -> impl Future<Output = Result<(), SendError<T>>> + '_ {
        SendFut {
            chan: &self.chan,
            value: Some(value),
            key: None,
        }
    }

    /// Sends `value` if a slot is free, without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if no slot is free (or other senders are
    /// queued for one), [`TrySendError::Closed`] if the receiver is gone
    /// or closed; both hand the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc::{self, TrySendError};
    ///
    /// let (tx, rx) = mpsc::channel(1);
    /// tx.try_send('a').unwrap();
    /// assert_eq!(tx.try_send('b'), Err(TrySendError::Full('b')));
    /// drop(rx);
    /// assert_eq!(tx.try_send('c'), Err(TrySendError::Closed('c')));
    /// ```
    #[doc(alias = "put_nowait")]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// [`send`](Self::send) from a plain thread: blocks while the channel
    /// is full. Do not call it from a task: it blocks the worker thread.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    #[doc(alias = "put")]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        block_on(self.send(value), None).expect("no deadline")
    }

    /// Waits for a free slot and holds it as a [`Permit`], so that the
    /// value can then be sent without waiting (or be computed only once
    /// there is room for it). Dropping the permit frees the slot.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is dropped or closed first.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a slot handed to a dropped future goes on to the next
    /// waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc;
    ///
    /// async fn produce(tx: &mpsc::Sender<String>) {
    ///     let Ok(permit) = tx.reserve().await else { return };
    ///     permit.send(String::from("built only once there is room"));
    /// }
    /// ```
    pub fn reserve(&self) -> impl Future<Output = Result<Permit<'_, T>, SendError<()>>> + '_ {
        ReserveFut {
            chan: &self.chan,
            key: None,
        }
    }

    /// Takes a free slot as a [`Permit`] without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`] (with `()`), as
    /// [`try_send`](Self::try_send).
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.chan.try_reserve()?;
        Ok(Permit { chan: &self.chan })
    }

    /// Whether the receiver was dropped or [`close`](Receiver::close)d, so
    /// that sends fail.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future just stops watching.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc;
    ///
    /// async fn watch(tx: mpsc::Sender<u8>) {
    ///     tx.closed().await;
    ///     println!("the receiver is gone: stop producing");
    /// }
    /// ```
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        ClosedFut {
            chan: &self.chan,
            key: None,
        }
    }

    /// Slots free right now: the capacity minus buffered items and held
    /// permits (0 while senders wait).
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.cap
    }

    /// Whether `other` sends into the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chan.debug(f, "mpsc::Sender")
    }
}

/// A slot reserved by [`Sender::reserve`]: [`send`](Self::send) fills it
/// without waiting; dropping the permit frees it for the next sender.
#[must_use = "dropping the permit frees its slot at once"]
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot; never waits and never fails.
    /// Works even after [`Receiver::close`] (the receiver still drains
    /// it); if the receiver was dropped, the value is dropped.
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The slot is used, not released: skip our `Drop` (it only holds a
        // reference, so forgetting it leaks nothing).
        std::mem::forget(self);
        chan.permit_send(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.permit_drop();
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Permit").finish_non_exhaustive()
    }
}

/// The receiving half of a bounded [`channel`]. Also a
/// [`Stream`] of the items.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// Receives the next item, waiting while the channel is empty.
    /// Returns `None` once every sender is dropped (or the channel was
    /// [`close`](Self::close)d) and the buffer is drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an item is taken only by the poll that returns it, so
    /// dropping the future (losing a `select`) never loses one.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc;
    ///
    /// async fn sum(mut rx: mpsc::Receiver<u64>) -> u64 {
    ///     let mut total = 0;
    ///     while let Some(v) = rx.recv().await {
    ///         total += v;
    ///     }
    ///     total
    /// }
    /// ```
    #[doc(alias = "get")]
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Polls for the next item; the poll form of [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Receives up to `limit` items at once into `buf` (appended), waiting
    /// while the channel is empty; returns how many. 0 means the channel
    /// is finished as for [`recv`](Self::recv)'s `None`, or `limit` was 0.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc;
    ///
    /// async fn batches(mut rx: mpsc::Receiver<u8>) {
    ///     let mut buf = Vec::with_capacity(16);
    ///     while rx.recv_many(&mut buf, 16).await > 0 {
    ///         buf.clear();
    ///     }
    /// }
    /// ```
    pub async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        poll_fn(|cx| self.chan.poll_recv_many(cx, buf, limit)).await
    }

    /// Takes an item without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if none is buffered but one may still come,
    /// [`TryRecvError::Disconnected`] if none ever will.
    #[doc(alias = "get_nowait")]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// [`recv`](Self::recv) from a plain thread. Do not call it from a
    /// task: it blocks the worker thread.
    #[doc(alias = "get")]
    pub fn blocking_recv(&mut self) -> Option<T> {
        block_on(self.recv(), None).expect("no deadline")
    }

    /// Closes the channel without dropping the receiver: later and waiting
    /// sends fail (handing their values back), [`Sender::closed`] wakes,
    /// and items already buffered, or sent through permits already held,
    /// can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.blocking_recv(), Some(1));
    /// assert_eq!(rx.blocking_recv(), None);
    /// ```
    #[doc(alias = "shutdown")]
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Items buffered.
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no item is buffered.
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots free right now; see [`Sender::capacity`].
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.cap
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_rx();
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chan.debug(f, "mpsc::Receiver")
    }
}

/// The future of [`Sender::send`].
struct SendFut<'a, T> {
    chan: &'a Chan<T>,
    value: Option<T>,
    key: Option<Key>,
}

// The value is moved, never pinned.
impl<T> Unpin for SendFut<'_, T> {}

impl<T> Future for SendFut<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Checked before a slot is taken, so that misuse loses none.
        assert!(this.value.is_some(), "send polled after completion");
        // Declared before the guard, so dropped after it.
        let mut stale = None;
        let mut wakers = Wakers::new();
        let out = {
            let mut g = this.chan.lock();
            match this.chan.poll_slot(&mut g, &mut this.key, cx, &mut stale) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Err(())) => {
                    let v = this.value.take().expect("send polled after completion");
                    Poll::Ready(Err(SendError(v)))
                }
                Poll::Ready(Ok(())) => {
                    let v = this.value.take().expect("send polled after completion");
                    g.held -= 1;
                    g.push(v, &mut wakers);
                    Poll::Ready(Ok(()))
                }
            }
        };
        wakers.wake();
        out
    }
}

impl<T> Drop for SendFut<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_slot(key);
        }
        // `self.value`, if still here, drops after this, outside the lock.
    }
}

/// The future of [`Sender::reserve`].
struct ReserveFut<'a, T> {
    chan: &'a Chan<T>,
    key: Option<Key>,
}

impl<'a, T> Future for ReserveFut<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut stale = None;
        let out = {
            let mut g = this.chan.lock();
            this.chan.poll_slot(&mut g, &mut this.key, cx, &mut stale)
        };
        drop(stale);
        out.map(|r| match r {
            Ok(()) => Ok(Permit { chan: this.chan }),
            Err(()) => Err(SendError(())),
        })
    }
}

impl<T> Drop for ReserveFut<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_slot(key);
        }
    }
}

/// The future of [`Sender::closed`] and [`UnboundedSender::closed`].
struct ClosedFut<'a, T> {
    chan: &'a Chan<T>,
    key: Option<Key>,
}

impl<T> Future for ClosedFut<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.chan.poll_closed(&mut this.key, cx)
    }
}

impl<T> Drop for ClosedFut<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_closed(key);
        }
    }
}

// ---------------------------------------------------------------------------
// Unbounded

/// The sending half of an [`unbounded_channel`]. Clone it for more
/// producers.
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value`; never waits (the buffer grows as needed).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is dropped or closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().into_inner(), 2);
    /// ```
    #[doc(alias = "put_nowait")]
    #[doc(alias = "put")]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan
            .try_send(value)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Whether the receiver was dropped or closed, so that sends fail.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future just stops watching.
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        ClosedFut {
            chan: &self.chan,
            key: None,
        }
    }

    /// Whether `other` sends into the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chan.debug(f, "mpsc::UnboundedSender")
    }
}

/// The receiving half of an [`unbounded_channel`]. Also a
/// [`Stream`] of the items.
pub struct UnboundedReceiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next item, waiting while the channel is empty; `None`
    /// once every sender is dropped (or the channel closed) and the buffer
    /// is drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an item is taken only by the poll that returns it.
    #[doc(alias = "get")]
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Polls for the next item; the poll form of [`recv`](Self::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Receives up to `limit` items into `buf`, waiting while the channel
    /// is empty; returns how many (0: finished, or `limit` was 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](Self::recv).
    pub async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        poll_fn(|cx| self.chan.poll_recv_many(cx, buf, limit)).await
    }

    /// Takes an item without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`], as
    /// [`Receiver::try_recv`].
    #[doc(alias = "get_nowait")]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// [`recv`](Self::recv) from a plain thread.
    #[doc(alias = "get")]
    pub fn blocking_recv(&mut self) -> Option<T> {
        block_on(self.recv(), None).expect("no deadline")
    }

    /// Closes the channel; later sends fail, buffered items can still be
    /// received. See [`Receiver::close`].
    #[doc(alias = "shutdown")]
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Items buffered.
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no item is buffered.
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for UnboundedReceiver<T> {
    fn drop(&mut self) {
        self.chan.drop_rx();
    }
}

impl<T> Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chan.debug(f, "mpsc::UnboundedReceiver")
    }
}

// ---------------------------------------------------------------------------
// Errors

/// A send failed because the receiver is gone or closed; the value comes
/// back in the field.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why a `try_send` (or `try_reserve`) failed; the value comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// No free slot (Python's `QueueFull`).
    Full(T),
    /// The receiver is gone or closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// Whether the channel was full.
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the receiver was gone or closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        TrySendError::Closed(e.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("channel full"),
            TrySendError::Closed(_) => f.write_str("channel closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why a `try_recv` returned no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// None buffered; more may come (Python's `QueueEmpty`).
    Empty,
    /// None buffered and none will come: every sender is gone, or the
    /// channel was closed (and no permit is outstanding).
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Disconnected => f.write_str("channel empty and disconnected"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// A bounded channel was asked for with capacity 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeroCapacityError {
    _priv: (),
}

impl fmt::Display for ZeroCapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bounded channel needs a capacity of at least 1")
    }
}

impl std::error::Error for ZeroCapacityError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every slot is free, buffered or held.
    fn slots<T>(chan: &Chan<T>) -> usize {
        let g = chan.lock();
        g.free + g.queue.len() + g.held
    }

    #[test]
    fn slot_accounting_through_permits_and_receives() {
        let (tx, mut rx) = channel(3);
        tx.try_send(1).unwrap();
        let p = tx.try_reserve().unwrap();
        assert_eq!(tx.capacity(), 1);
        assert_eq!(slots(&tx.chan), 3);
        p.send(2);
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(tx.capacity(), 2);
        drop(tx.try_reserve().unwrap());
        assert_eq!(tx.capacity(), 2);
        assert_eq!(slots(&rx.chan), 3);
    }

    #[test]
    fn unbounded_has_no_slots() {
        let (tx, mut rx) = unbounded_channel();
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.chan.lock().free, 0);
    }
}
