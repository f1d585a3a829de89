//! A single-value channel: one sender publishes a value, any number of
//! receivers read the latest one and can wait for it to change.
//!
//! Python has no such channel; the nearest idiom is a shared value beside
//! an `asyncio.Condition` (or an `Event` that is set and cleared again):
//! the writer updates the value and notifies, readers wake up and look at
//! whatever is there now. Here the pair comes as one object.
//!
//! | here | tokio | Python idiom |
//! | --- | --- | --- |
//! | [`channel`] | `watch::channel` | `state = init; cond = Condition()` |
//! | [`Sender::send`] | `Sender::send` | `state = v; cond.notify_all()` |
//! | [`Receiver::changed`] | `Receiver::changed` | `await cond.wait()` |
//! | [`Receiver::wait_for`] | `Receiver::wait_for` | `await cond.wait_for(pred)` |
//! | [`Receiver::borrow`] | `Receiver::borrow` | reading `state` |
//!
//! # Versions
//!
//! Every change (a send, `send_modify`, a `send_if_modified` that returns
//! `true`) bumps a version counter; each receiver remembers the version it
//! saw last. [`Receiver::changed`] returns once the version moved past it,
//! and marks the newest one seen: a receiver always gets the *latest*
//! value, and values sent in between may be skipped. Nothing is buffered,
//! so a slow receiver never holds the sender up or makes it fail.
//!
//! # The lock
//!
//! The value sits behind a read-write lock. [`Ref`], what `borrow`
//! returns, holds a shared read lock: many `Ref`s, on one thread or
//! several, can be held at once, and while any lives a send waits. Keep a
//! `Ref` briefly and never hold it across an `.await` (it is not `Send`,
//! so a spawned task cannot anyway); sending on a thread that holds a
//! `Ref` of the same channel deadlocks, and so can a second `borrow` on a
//! thread that holds one while another thread's send is waiting. Clone or
//! copy out what you need instead. Because readers share the value, a
//! channel's `Sender` and `Receiver` are `Send` only for `T: Send + Sync`.
//!
//! # Examples
//!
//! ```
//! use myrt_sync::watch;
//!
//! let (tx, mut rx) = watch::channel("idle");
//! assert_eq!(*rx.borrow(), "idle");
//! assert_eq!(rx.has_changed(), Ok(false));
//! tx.send("busy").unwrap();
//! tx.send("done").unwrap();
//! assert_eq!(rx.has_changed(), Ok(true));
//! rx.blocking_changed().unwrap(); // one wake-up for both sends
//! assert_eq!(*rx.borrow(), "done");
//! drop(tx);
//! assert!(rx.blocking_changed().is_err());
//!
//! async fn show(mut rx: watch::Receiver<&str>) {
//!     while rx.changed().await.is_ok() {
//!         let state = *rx.borrow_and_update();
//!         println!("now {state}");
//!     }
//! }
//! # drop(show);
//! ```

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::blocking::block_on;
use crate::loom::{
    lock, read, write, AtomicU64, AtomicUsize, Mutex, Ordering, RwLock, RwLockReadGuard,
};
use crate::wait_list::{Key, WaitList, Wakers};

/// Set in `state` once the sender is gone.
const CLOSED: u64 = 1;
/// What one change adds to `state` (the version sits above `CLOSED`).
const STEP: u64 = 2;

fn version(state: u64) -> u64 {
    state >> 1
}

/// Makes a watch channel holding `init`, and its first receiver (which
/// counts `init` as seen).
///
/// # Examples
///
/// ```
/// let (tx, rx) = myrt_sync::watch::channel(0);
/// tx.send(5).unwrap();
/// assert_eq!(*rx.borrow(), 5);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicU64::new(0),
        receivers: AtomicUsize::new(1),
        waiters: Mutex::new(WaitList::new()),
        closed_waiters: Mutex::new(WaitList::new()),
    });
    let rx = Receiver {
        shared: shared.clone(),
        seen: 0,
    };
    (Sender { shared }, rx)
}

struct Shared<T> {
    value: RwLock<T>,
    /// `version << 1 | CLOSED`. The version is bumped only while `value`
    /// is locked, so whoever holds that lock reads the version of the value
    /// it sees. One word for both, so a single load tells a receiver
    /// whether anything is left to see before the sender went away.
    state: AtomicU64,
    receivers: AtomicUsize,
    /// `changed` / `wait_for` futures.
    waiters: Mutex<WaitList<()>>,
    /// `Sender::closed` futures; the flag is set when they are released.
    closed_waiters: Mutex<WaitList<bool>>,
}

impl<T> Shared<T> {
    /// Wakes every waiting receiver; call after changing `state`, with no
    /// lock held. A receiver checks `state` under the `waiters` lock before
    /// it queues, so it either sees the change or is in the list drained
    /// here.
    fn notify(&self) {
        let mut wakers = Wakers::new();
        wakers.extend(lock(&self.waiters).drain_with(|()| ()));
        wakers.wake();
    }

    /// Whether the receiver that saw `seen` has something to return.
    fn check(&self, seen: &mut u64) -> Option<Result<(), RecvError>> {
        let st = self.state.load(Ordering::Acquire);
        if version(st) != *seen {
            *seen = version(st);
            Some(Ok(()))
        } else if st & CLOSED != 0 {
            Some(Err(RecvError { _priv: () }))
        } else {
            None
        }
    }

    /// The poll of [`Changed`], shared with [`WaitFor`].
    fn poll_changed(
        &self,
        seen: &mut u64,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), RecvError>> {
        if let Some(out) = self.check(seen) {
            if let Some(k) = key.take() {
                lock(&self.waiters).remove(k);
            }
            return Poll::Ready(out);
        }
        let fresh = key.is_none().then(|| cx.waker().clone()); // outside the lock
        let mut w = lock(&self.waiters);
        if let Some(out) = self.check(seen) {
            if let Some(k) = key.take() {
                w.remove(k);
            }
            return Poll::Ready(out);
        }
        match (*key, fresh) {
            (Some(k), _) if w.is_linked(k) => w.set_waker(k, cx.waker()),
            (Some(k), _) => {
                // Woken, yet nothing to return: cannot happen today (a
                // wake-up always follows a change or the close), but stay
                // correct if it ever does. Queue again.
                w.remove(k);
                *key = Some(w.push_back((), cx.waker().clone()));
            }
            (None, Some(waker)) => *key = Some(w.push_back((), waker)),
            (None, None) => unreachable!("waker cloned for a new waiter"),
        }
        Poll::Pending
    }

    fn new_receiver(self: &Arc<Self>) -> Receiver<T> {
        self.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: self.clone(),
            seen: version(self.state.load(Ordering::Acquire)),
        }
    }
}

/// The sending half of a [`channel`]. Dropping it closes the channel:
/// receivers can still read the last value, and their `changed` fails.
///
/// # Examples
///
/// ```
/// let (tx, rx) = myrt_sync::watch::channel(vec![1]);
/// tx.send_modify(|v| v.push(2));
/// assert_eq!(*rx.borrow(), [1, 2]);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Replaces the value and tells the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`], handing `value` back, if there are no receivers; the
    /// value is not stored then ([`send_replace`](Self::send_replace)
    /// always stores).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::watch::channel(1);
    /// assert!(tx.send(2).is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().0, 3);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    #[doc(alias = "set")]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.load(Ordering::Acquire) == 0 {
            return Err(SendError(value));
        }
        drop(self.send_replace(value));
        Ok(())
    }

    /// Replaces the value, with or without receivers, tells the receivers,
    /// and returns the old value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _) = myrt_sync::watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    #[doc(alias = "swap")]
    pub fn send_replace(&self, value: T) -> T {
        let old = {
            let mut v = write(&self.shared.value);
            let old = std::mem::replace(&mut *v, value);
            self.shared.state.fetch_add(STEP, Ordering::Release);
            old
        };
        self.shared.notify();
        old
    }

    /// Changes the value in place and tells the receivers, with or without
    /// receivers.
    ///
    /// `modify` runs with the channel locked: it must not use this channel.
    /// If it panics, the change counts (receivers are told, and see what
    /// it left), and the panic goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::watch::channel(0);
    /// tx.send_modify(|n| *n += 1);
    /// assert_eq!(*rx.borrow(), 1);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Lets `modify` change the value in place; if it returns `true`, the
    /// change counts and receivers are told. Returns what `modify` did.
    ///
    /// `modify` runs with the channel locked: it must not use this channel.
    /// If it panics, the change counts (it may have changed the value), and
    /// the panic goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::watch::channel(3);
    /// assert!(!tx.send_if_modified(|n| if *n > 5 { *n = 0; true } else { false }));
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// assert!(tx.send_if_modified(|n| { *n += 1; true }));
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let outcome = {
            let mut v = write(&self.shared.value);
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| modify(&mut v)));
            if !matches!(outcome, Ok(false)) {
                self.shared.state.fetch_add(STEP, Ordering::Release);
            }
            outcome
        };
        match outcome {
            Ok(false) => false,
            Ok(true) => {
                self.shared.notify();
                true
            }
            Err(payload) => {
                self.shared.notify();
                panic::resume_unwind(payload)
            }
        }
    }

    /// The current value, with the channel locked; see [the module
    /// docs](self#the-lock) before holding it long.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = myrt_sync::watch::channel(String::from("a"));
    /// assert_eq!(tx.borrow().as_str(), "a");
    /// ```
    #[doc(alias = "get")]
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: read(&self.shared.value),
            changed: false,
        }
    }

    /// A new receiver, counting the current value as seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _) = myrt_sync::watch::channel(1);
    /// let rx = tx.subscribe();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.new_receiver()
    }

    /// How many receivers there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::watch::channel(());
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// # drop((rx, rx2));
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Acquire)
    }

    /// Whether every receiver is gone ([`send`](Self::send) would fail).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone; returns at once if none is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only watches the receiver count; a dropped future
    /// leaves its queue.
    ///
    /// # Examples
    ///
    /// ```
    /// async fn publish(tx: myrt_sync::watch::Sender<u32>) {
    ///     tx.closed().await; // nobody watches any more
    /// }
    /// # drop(publish);
    /// ```
    pub fn closed(&self) -> ClosedWait<'_, T> {
        ClosedWait {
            shared: &self.shared,
            key: None,
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.state.fetch_or(CLOSED, Ordering::Release);
        self.shared.notify();
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field(
                "version",
                &version(self.shared.state.load(Ordering::Acquire)),
            )
            .field("receivers", &self.receiver_count())
            .finish_non_exhaustive()
    }
}

/// The receiving half of a [`channel`]; clone it for more receivers (a
/// clone has seen what the original has).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = myrt_sync::watch::channel(0);
/// let t = std::thread::spawn(move || {
///     rx.blocking_changed().unwrap();
///     *rx.borrow_and_update()
/// });
/// tx.send(1).unwrap();
/// assert_eq!(t.join().unwrap(), 1);
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver saw last.
    seen: u64,
}

impl<T> Receiver<T> {
    /// The current value, with the channel locked, without marking it
    /// seen; see [the module docs](self#the-lock) before holding it long.
    /// [`Ref::has_changed`] tells whether it is news to this receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert!(rx.borrow().has_changed());
    /// assert!(rx.borrow().has_changed(), "still unseen");
    /// ```
    #[doc(alias = "get")]
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = read(&self.shared.value);
        let v = version(self.shared.state.load(Ordering::Acquire));
        Ref {
            guard,
            changed: v != self.seen,
        }
    }

    /// The current value, with the channel locked, marking it seen; see
    /// [the module docs](self#the-lock) before holding it long.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = myrt_sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = read(&self.shared.value);
        let v = version(self.shared.state.load(Ordering::Acquire));
        let changed = v != self.seen;
        self.seen = v;
        Ref { guard, changed }
    }

    /// Whether there is a value this receiver has not seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender is gone and there is nothing new: the
    /// value will not change any more.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = myrt_sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.has_changed(), Ok(true), "news first");
    /// let mut rx = rx;
    /// rx.mark_unchanged();
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let mut seen = self.seen;
        match self.shared.check(&mut seen) {
            Some(Ok(())) => Ok(true),
            Some(Err(e)) => Err(e),
            None => Ok(false),
        }
    }

    /// Counts the current value as not seen, so that the next
    /// [`changed`](Self::changed) returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = myrt_sync::watch::channel(());
    /// rx.mark_changed();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn mark_changed(&mut self) {
        // Versions only grow: one below the current one is never current.
        self.seen = version(self.shared.state.load(Ordering::Acquire)).wrapping_sub(1);
    }

    /// Counts the current value as seen, without looking at it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = myrt_sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = version(self.shared.state.load(Ordering::Acquire));
    }

    /// Waits until there is a value this receiver has not seen, and marks
    /// it seen (read it with [`borrow`](Self::borrow)). Returns at once if
    /// there already is one; several changes in between wake it once.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the sender is gone and there is nothing new.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the change is marked seen only in the poll that
    /// returns it, so after a dropped `changed` the next one still sees
    /// it. Every change wakes every waiting receiver, so there is no
    /// wake-up to pass on.
    ///
    /// # Examples
    ///
    /// ```
    /// async fn log(mut rx: myrt_sync::watch::Receiver<u32>) {
    ///     while rx.changed().await.is_ok() {
    ///         println!("{}", *rx.borrow());
    ///     }
    /// }
    /// # drop(log);
    /// ```
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            shared: &self.shared,
            seen: &mut self.seen,
            key: None,
        }
    }

    /// [`changed`](Self::changed) from a plain thread: blocks until there
    /// is something new. Do not call it from a task: it blocks the worker
    /// thread.
    ///
    /// # Errors
    ///
    /// As [`changed`](Self::changed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = myrt_sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.blocking_changed().is_ok());
    /// drop(tx);
    /// assert!(rx.blocking_changed().is_err());
    /// ```
    #[doc(alias = "changed")]
    pub fn blocking_changed(&mut self) -> Result<(), RecvError> {
        block_on(self.changed(), None).expect("no deadline")
    }

    /// Waits until the value satisfies `pred` and returns it, with the
    /// channel locked and marked seen. Checks the current value first;
    /// after that, each change (only the latest value of a burst).
    ///
    /// `pred` runs with the channel locked: it must not use this channel.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender is gone and the last value does not
    /// satisfy `pred`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses nothing; values it checked
    /// (and rejected) count as seen.
    ///
    /// # Examples
    ///
    /// ```
    /// async fn until_ready(mut rx: myrt_sync::watch::Receiver<bool>) {
    ///     rx.wait_for(|ready| *ready).await.expect("sender gone");
    /// }
    /// # drop(until_ready);
    /// ```
    pub fn wait_for<F: FnMut(&T) -> bool>(&mut self, pred: F) -> WaitFor<'_, T, F> {
        WaitFor {
            shared: &self.shared,
            seen: &mut self.seen,
            key: None,
            pred,
        }
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = myrt_sync::watch::channel(());
    /// let (_tx2, other) = myrt_sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        // The last one: release the `closed` futures. They check the count
        // under this lock, so each sees zero or is in the list.
        let mut wakers = Wakers::new();
        wakers.extend(lock(&self.shared.closed_waiters).drain_with(|released| *released = true));
        wakers.wake();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

/// The value of a watch channel, borrowed under the channel's read lock
/// ([`Sender::borrow`], [`Receiver::borrow`], ...).
///
/// While it lives, sends on the channel wait (other borrows do not):
/// drop it soon, never hold it across an `.await`, and never send on the
/// same thread meanwhile; see [the module docs](self#the-lock).
#[must_use = "holding a Ref keeps the channel locked"]
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was news to the receiver that borrowed it (it
    /// had not seen its version). Always `false` from [`Sender::borrow`].
    pub fn has_changed(&self) -> bool {
        self.changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Future of [`Receiver::changed`].
#[must_use = "futures do nothing unless polled"]
pub struct Changed<'a, T> {
    shared: &'a Shared<T>,
    seen: &'a mut u64,
    key: Option<Key>,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.shared.poll_changed(this.seen, &mut this.key, cx)
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            lock(&self.shared.waiters).remove(k);
        }
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Changed")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

/// Future of [`Receiver::wait_for`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitFor<'a, T, F> {
    shared: &'a Shared<T>,
    seen: &'a mut u64,
    key: Option<Key>,
    pred: F,
}

// Nothing in it is structurally pinned: `pred` is only ever called through
// `&mut`, never pinned, so the future may move between polls whatever `F`.
impl<T, F> Unpin for WaitFor<'_, T, F> {}

impl<'a, T, F: FnMut(&T) -> bool> Future for WaitFor<'a, T, F> {
    type Output = Result<Ref<'a, T>, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = Pin::into_inner(self);
        let shared: &'a Shared<T> = this.shared;
        loop {
            let guard = read(&shared.value);
            let v = version(shared.state.load(Ordering::Acquire));
            let changed = v != *this.seen;
            *this.seen = v;
            if (this.pred)(&guard) {
                if let Some(k) = this.key.take() {
                    // Lock order: `value`, then `waiters` (nothing takes
                    // them the other way round).
                    lock(&shared.waiters).remove(k);
                }
                return Poll::Ready(Ok(Ref { guard, changed }));
            }
            drop(guard);
            match shared.poll_changed(this.seen, &mut this.key, cx) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T, F> Drop for WaitFor<'_, T, F> {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            lock(&self.shared.waiters).remove(k);
        }
    }
}

impl<T, F> fmt::Debug for WaitFor<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::WaitFor")
            .field("queued", &self.key.is_some())
            .finish_non_exhaustive()
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
        let mut w = lock(&this.shared.closed_waiters);
        // Released by the last receiver's drop, even if a new one has
        // subscribed since.
        let released = this.key.is_some_and(|k| *w.data(k));
        if released || this.shared.receivers.load(Ordering::Acquire) == 0 {
            if let Some(k) = this.key.take() {
                w.remove(k);
            }
            return Poll::Ready(());
        }
        match this.key {
            Some(k) => w.set_waker(k, cx.waker()),
            None => this.key = Some(w.push_back(false, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl<T> Drop for ClosedWait<'_, T> {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            lock(&self.shared.closed_waiters).remove(k);
        }
    }
}

impl<T> fmt::Debug for ClosedWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::ClosedWait")
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
        f.write_str("watch channel has no receivers")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// The sender is gone and the receiver has seen its last value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError {
    _priv: (),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("watch channel closed")
    }
}

impl std::error::Error for RecvError {}
