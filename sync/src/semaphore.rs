//! `Semaphore` and `BoundedSemaphore` (a bounded constructor), with RAII
//! permits and strict FIFO fairness.
//!
//! # Implementation
//!
//! Released permits are handed to the waiter at the front of the queue at
//! release time, even partially: a waiter asking for 5 of which 3 are free
//! keeps those 3 while it waits for the other 2, and everything released in
//! the meantime goes to it first. So free permits exist only while nobody
//! waits, `try_acquire` never barges past a queued waiter, and a large
//! `acquire_many` is never starved by small ones. A waiter dropped while
//! holding a partial or full assignment releases it again, which hands it
//! on to the next waiter.
//!
//! The free count lives in one atomic word beside the mutex-protected
//! queue, with a `WAITERS` bit that is set exactly while the queue is
//! non-empty (maintained under the mutex). Taking free permits while nobody
//! waits, and returning them while nobody waits, is a single CAS; anything
//! that involves the queue takes the mutex.
//!
//! Every queued waiter draws a ticket, and waiters are granted strictly in
//! ticket order (only the front is ever served). The releaser that grants
//! a waiter frees its slot and publishes `served = ticket + 1`, so a woken
//! waiter learns it holds its permits from one atomic load, without the
//! mutex; from then on it never touches its (freed, maybe reused) slot.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::blocking::{block_on, deadline_after};
use crate::loom::{lock, AtomicU64, AtomicUsize, Mutex, Ordering};
use crate::wait_list::{Key, WaitList, Wakers};

/// The most permits a semaphore can hold.
pub const MAX_PERMITS: usize = usize::MAX >> 3;

/// A counting semaphore usable from tasks (`acquire().await`) and threads
/// (`blocking_acquire()`), like asyncio's `Semaphore` and threading's.
///
/// Permits come back as RAII guards that release on drop. Waiters are served
/// in strict FIFO order. [`Semaphore::bounded`] makes the equivalent of
/// Python's `BoundedSemaphore`.
///
/// # Examples
///
/// ```
/// use myrt_sync::Semaphore;
///
/// let sem = Semaphore::new(2);
/// let a = sem.try_acquire().unwrap();
/// let _b = sem.try_acquire().unwrap();
/// assert!(sem.try_acquire().is_err());
/// drop(a);
/// assert_eq!(sem.available_permits(), 1);
/// ```
pub struct Semaphore {
    /// `free permits << SHIFT | WAITERS | CLOSED`.
    state: AtomicUsize,
    /// One past the ticket of the last granted waiter (written under the
    /// mutex). Every waiter with a smaller ticket was granted or has left.
    /// 64 bits on every target, so it never wraps (2^64 queued waiters).
    served: AtomicU64,
    inner: Mutex<Inner>,
    bound: Option<usize>,
}

const CLOSED: usize = 1;
const WAITERS: usize = 2;
const SHIFT: usize = 2;

struct Inner {
    /// Permits forgotten and not yet released again; a bounded semaphore
    /// may only be released this far.
    debt: usize,
    /// The ticket the next queued waiter draws.
    next_ticket: u64,
    waiters: WaitList<Waiter>,
}

struct Waiter {
    requested: usize,
    assigned: usize,
    ticket: u64,
    /// Set by `close`, which unlinks the waiter but leaves its slot.
    closed: bool,
}

/// Whether `ticket` was served, given the `served` counter.
fn is_served(served: u64, ticket: u64) -> bool {
    served > ticket
}

impl Semaphore {
    /// Hands `n` released permits to the queue front first, then to the
    /// free count. Call with the mutex held.
    fn release_locked(&self, g: &mut Inner, mut n: usize, wakers: &mut Wakers) {
        let mut last_granted = None;
        while n > 0 {
            let Some(front) = g.waiters.front() else {
                break;
            };
            let w = g.waiters.data_mut(front);
            let give = n.min(w.requested - w.assigned);
            w.assigned += give;
            n -= give;
            if w.assigned < w.requested {
                break;
            }
            last_granted = Some(w.ticket);
            wakers.push(g.waiters.take_waker(front));
            // The waiter learns of the grant from `served` and never touches
            // its slot again, so the slot is freed here.
            g.waiters.remove(front);
        }
        if let Some(ticket) = last_granted {
            // Grants go in ticket order: one store covers them all.
            self.served.store(ticket + 1, Ordering::Release);
        }
        if n > 0 {
            // The loop only leaves permits over once the queue is empty.
            self.state.fetch_add(n << SHIFT, Ordering::Release);
        }
        self.sync_waiters_bit(g);
    }

    /// Clears the `WAITERS` bit once the queue is empty. Call with the
    /// mutex held.
    fn sync_waiters_bit(&self, g: &Inner) {
        if g.waiters.is_empty() && self.state.load(Ordering::Relaxed) & WAITERS != 0 {
            self.state.fetch_and(!WAITERS, Ordering::Release);
        }
    }

    /// Takes `n` free permits if nobody waits: the lock-free fast path.
    fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if n == 0 {
                return Ok(());
            }
            if cur & WAITERS != 0 || cur >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self.state.compare_exchange_weak(
                cur,
                cur - (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Returns `n` permits; lock-free while nobody waits.
    fn give_back(&self, n: usize) {
        let mut cur = self.state.load(Ordering::Acquire);
        while cur & WAITERS == 0 {
            match self.state.compare_exchange_weak(
                cur,
                cur + (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let mut wakers = Wakers::new();
        {
            let mut g = lock(&self.inner);
            self.release_locked(&mut g, n, &mut wakers);
        }
        wakers.wake();
    }
}

/// State of one pending acquisition, shared by every acquire future.
#[derive(Debug)]
pub(crate) struct AcquireState {
    n: usize,
    /// Our slot and ticket while queued.
    key: Option<(Key, u64)>,
    done: bool,
}

impl AcquireState {
    pub(crate) const fn new(n: usize) -> Self {
        AcquireState {
            n,
            key: None,
            done: false,
        }
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits; [`release`](Self::release) may
    /// raise the count without limit (up to [`MAX_PERMITS`]).
    ///
    /// # Panics
    ///
    /// If `permits > MAX_PERMITS`; [`checked_new`](Self::checked_new) is the twin.
    #[track_caller]
    pub fn new(permits: usize) -> Self {
        match Self::checked_new(permits) {
            Ok(s) => s,
            Err(e) => panic!("Semaphore::new: {e}"),
        }
    }

    /// Like [`new`](Self::new), but too many permits is an error.
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if `permits > MAX_PERMITS`.
    #[doc(alias = "try_new")]
    pub fn checked_new(permits: usize) -> Result<Self, TooManyPermits> {
        Self::with_bound(permits, None)
    }

    /// A bounded semaphore (Python's `BoundedSemaphore`): releasing so that
    /// the count would exceed `permits` is an error, and asking for more than
    /// `permits` at once fails instead of waiting forever.
    ///
    /// # Panics
    ///
    /// If `permits > MAX_PERMITS`; [`checked_bounded`](Self::checked_bounded) is the
    /// twin.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::Semaphore;
    ///
    /// let sem = Semaphore::bounded(1);
    /// assert!(sem.release(1).is_err());
    /// let p = sem.try_acquire().unwrap();
    /// p.forget();
    /// assert!(sem.release(1).is_ok());
    /// ```
    #[track_caller]
    #[doc(alias = "BoundedSemaphore")]
    pub fn bounded(permits: usize) -> Self {
        match Self::checked_bounded(permits) {
            Ok(s) => s,
            Err(e) => panic!("Semaphore::bounded: {e}"),
        }
    }

    /// Like [`bounded`](Self::bounded), but too many permits is an error.
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if `permits > MAX_PERMITS`.
    #[doc(alias = "try_bounded")]
    pub fn checked_bounded(permits: usize) -> Result<Self, TooManyPermits> {
        Self::with_bound(permits, Some(permits))
    }

    fn with_bound(permits: usize, bound: Option<usize>) -> Result<Self, TooManyPermits> {
        if permits > MAX_PERMITS {
            return Err(TooManyPermits { _priv: () });
        }
        Ok(Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            served: AtomicU64::new(0),
            inner: Mutex::new(Inner {
                debt: 0,
                next_ticket: 0,
                waiters: WaitList::new(),
            }),
            bound,
        })
    }

    /// Permits that can be taken right now without waiting (zero while
    /// anyone is queued).
    pub fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// The bound given to [`Semaphore::bounded`], if any.
    pub fn bound(&self) -> Option<usize> {
        self.bound
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Closes the semaphore: every waiter and every later acquire gets
    /// [`AcquireError::Closed`]. Permits already held stay valid.
    pub fn close(&self) {
        let mut wakers = Wakers::new();
        {
            let mut g = lock(&self.inner);
            self.state.fetch_or(CLOSED, Ordering::AcqRel);
            let mut returned = 0;
            let drained = g.waiters.drain_with(|w| {
                returned += w.assigned;
                w.assigned = 0;
                w.closed = true;
            });
            wakers.extend(drained);
            // Queue now empty: partial grants go back to the free count.
            self.release_locked(&mut g, returned, &mut wakers);
        }
        wakers.wake();
    }

    /// Adds `n` permits, handing them to waiters first (Python's
    /// `release()`, called `n` times).
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] if the semaphore is bounded and the count would
    /// exceed its bound (Python's `ValueError`), or the total would pass
    /// [`MAX_PERMITS`]. Nothing is added then.
    pub fn release(&self, n: usize) -> Result<(), ReleaseError> {
        let mut wakers = Wakers::new();
        {
            let mut g = lock(&self.inner);
            if self.bound.is_some() {
                // Live permits = bound - debt; only forgotten ones may return.
                if n > g.debt {
                    return Err(ReleaseError { _priv: () });
                }
                g.debt -= n;
            } else if n > MAX_PERMITS - self.available_permits().min(MAX_PERMITS) {
                return Err(ReleaseError { _priv: () });
            }
            self.release_locked(&mut g, n, &mut wakers);
        }
        wakers.wake();
        Ok(())
    }

    /// Adds `n` permits; the panicking twin of [`release`](Self::release).
    ///
    /// # Panics
    ///
    /// Where `release` returns an error.
    pub fn add_permits(&self, n: usize) {
        if let Err(e) = self.release(n) {
            panic!("Semaphore::add_permits: {e}");
        }
    }

    /// Waits for one permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Closed`] once the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: dropping the future before it completes gives
    /// back any permit already handed to it, to the next waiter in line;
    /// dropping it before that just leaves the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::Semaphore;
    ///
    /// async fn limited(sem: &Semaphore) {
    ///     let _permit = sem.acquire().await.expect("semaphore closed");
    ///     // at most N tasks run this part at once
    /// }
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once. A large request at the front of the
    /// queue holds smaller ones behind it, so it is never starved. `n == 0`
    /// completes at once.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Closed`] once closed; [`AcquireError::ExceedsBound`]
    /// if the semaphore is bounded and `n` is more than its bound.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`acquire`](Self::acquire): permits partly or fully
    /// handed to a dropped future go to the next waiter.
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire {
            sem: self,
            st: AcquireState::new(n),
        }
    }

    /// [`acquire`](Self::acquire) for `Arc<Semaphore>`, giving a permit
    /// that owns its semaphore (`'static`, can move into a spawned task).
    ///
    /// # Errors
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`acquire`](Self::acquire).
    pub fn acquire_owned(self: StdArc<Self>) -> AcquireOwned {
        self.acquire_many_owned(1)
    }

    /// [`acquire_many`](Self::acquire_many) for `Arc<Semaphore>`.
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](Self::acquire_many).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`acquire`](Self::acquire).
    pub fn acquire_many_owned(self: StdArc<Self>, n: usize) -> AcquireOwned {
        AcquireOwned {
            sem: self,
            st: AcquireState::new(n),
        }
    }

    /// Takes one permit if one is free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_raw(n)?;
        Ok(SemaphorePermit { sem: self, n })
    }

    /// [`try_acquire`](Self::try_acquire) for `Arc<Semaphore>`.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Self::try_acquire).
    pub fn try_acquire_owned(self: StdArc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_raw(1)?;
        Ok(OwnedSemaphorePermit { sem: self, n: 1 })
    }

    /// Blocks the calling thread until a permit is free.
    ///
    /// Do not call it from a task: it blocks the worker thread.
    ///
    /// # Errors
    ///
    /// As [`acquire`](Self::acquire).
    #[doc(alias = "acquire")]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.blocking_acquire_many(1)
    }

    /// Blocks the calling thread until `n` permits are free.
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](Self::acquire_many).
    #[doc(alias = "acquire")]
    pub fn blocking_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, AcquireError> {
        block_on(self.acquire_many(n), None).expect("no deadline")
    }

    /// [`blocking_acquire`](Self::blocking_acquire), giving up after
    /// `timeout` (Python's `acquire(timeout=…)`). A timeout of
    /// [`TIMEOUT_MAX`](crate::TIMEOUT_MAX) or more waits forever.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Timeout`] if no permit came in time (the place in
    /// line is given up, and a permit handed over meanwhile goes to the
    /// next waiter); otherwise as [`acquire`](Self::acquire).
    #[doc(alias = "acquire")]
    pub fn blocking_acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.blocking_acquire_many_timeout(1, timeout)
    }

    /// [`blocking_acquire_many`](Self::blocking_acquire_many), giving up
    /// after `timeout`; permits partly assigned meanwhile go on to the next
    /// waiter.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Timeout`] on timeout; otherwise as
    /// [`acquire_many`](Self::acquire_many).
    #[doc(alias = "acquire")]
    pub fn blocking_acquire_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireError> {
        block_on(self.acquire_many(n), deadline_after(timeout))
            .unwrap_or(Err(AcquireError::Timeout))
    }

    pub(crate) fn try_acquire_raw(&self, n: usize) -> Result<(), TryAcquireError> {
        self.try_take(n)
    }

    /// Polls a pending acquisition; on success the caller holds the permits.
    pub(crate) fn poll_acquire(
        &self,
        st: &mut AcquireState,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        assert!(!st.done, "acquire future polled after completion");
        let Some((key, ticket)) = st.key else {
            let n = st.n;
            if self.bound.is_some_and(|b| n > b) {
                st.done = true;
                return Poll::Ready(Err(AcquireError::ExceedsBound));
            }
            match self.try_take(n) {
                Ok(()) => {
                    st.done = true;
                    return Poll::Ready(Ok(()));
                }
                Err(TryAcquireError::Closed) => {
                    st.done = true;
                    return Poll::Ready(Err(AcquireError::Closed));
                }
                Err(TryAcquireError::NoPermits) => {}
            }
            // Most likely we queue: clone the waker before taking the lock.
            let waker = cx.waker().clone();
            let mut g = lock(&self.inner);
            // Free permits exist only while the queue is empty; a new front
            // waiter takes them now and waits for the rest. The same CAS
            // sets `WAITERS`, which stops the lock-free paths.
            let mut cur = self.state.load(Ordering::Acquire);
            let take = loop {
                if cur & CLOSED != 0 {
                    st.done = true;
                    return Poll::Ready(Err(AcquireError::Closed));
                }
                let free = if g.waiters.is_empty() {
                    cur >> SHIFT
                } else {
                    0
                };
                let (take, next) = if free >= n {
                    (n, cur - (n << SHIFT))
                } else {
                    (free, (cur - (free << SHIFT)) | WAITERS)
                };
                if next == cur {
                    // Queue already non-empty: nothing to publish (and with
                    // `WAITERS` set, nobody changes `state` without the lock).
                    break take;
                }
                match self.state.compare_exchange_weak(
                    cur,
                    next,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break take,
                    Err(actual) => cur = actual,
                }
            };
            if take == n {
                st.done = true;
                return Poll::Ready(Ok(()));
            }
            let ticket = g.next_ticket;
            g.next_ticket = ticket + 1;
            let waiter = Waiter {
                requested: n,
                assigned: take,
                ticket,
                closed: false,
            };
            st.key = Some((g.waiters.push_back(waiter, waker), ticket));
            return Poll::Pending;
        };
        if is_served(self.served.load(Ordering::Acquire), ticket) {
            // Granted: the releaser freed our slot.
            st.key = None;
            st.done = true;
            return Poll::Ready(Ok(()));
        }
        let mut g = lock(&self.inner);
        if is_served(self.served.load(Ordering::Relaxed), ticket) {
            st.key = None;
            st.done = true;
            return Poll::Ready(Ok(()));
        }
        if g.waiters.data(key).closed {
            g.waiters.remove(key);
            st.key = None;
            st.done = true;
            return Poll::Ready(Err(AcquireError::Closed));
        }
        g.waiters.set_waker(key, cx.waker());
        Poll::Pending
    }

    /// Abandons a pending acquisition, passing on whatever it was given.
    pub(crate) fn cancel_acquire(&self, st: &mut AcquireState) {
        let Some((key, ticket)) = st.key.take() else {
            return;
        };
        if is_served(self.served.load(Ordering::Acquire), ticket) {
            // Granted but never polled: hand the permits on.
            self.give_back(st.n);
            return;
        }
        let mut wakers = Wakers::new();
        {
            let mut g = lock(&self.inner);
            let returned = if is_served(self.served.load(Ordering::Relaxed), ticket) {
                st.n
            } else {
                let w = g.waiters.remove(key);
                w.assigned
            };
            self.release_locked(&mut g, returned, &mut wakers);
        }
        wakers.wake();
    }

    /// Gives back `n` held permits (a guard was dropped).
    pub(crate) fn release_held(&self, n: usize) {
        if n > 0 {
            self.give_back(n);
        }
    }

    /// Keeps `n` held permits for good (a guard was forgotten).
    pub(crate) fn forget_held(&self, n: usize) {
        if self.bound.is_some() && n > 0 {
            lock(&self.inner).debt += n;
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = lock(&self.inner);
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("waiters", &g.waiters.len())
            .field("closed", &self.is_closed())
            .field("bound", &self.bound)
            .finish()
    }
}

/// Future of [`Semaphore::acquire`] / [`Semaphore::acquire_many`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    st: AcquireState,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.sem
            .poll_acquire(&mut this.st, cx)
            .map_ok(|()| SemaphorePermit {
                sem: this.sem,
                n: this.st.n,
            })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.sem.cancel_acquire(&mut self.st);
    }
}

/// Future of [`Semaphore::acquire_owned`] / [`Semaphore::acquire_many_owned`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct AcquireOwned {
    sem: StdArc<Semaphore>,
    st: AcquireState,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.sem
            .poll_acquire(&mut this.st, cx)
            .map_ok(|()| OwnedSemaphorePermit {
                sem: this.sem.clone(),
                n: this.st.n,
            })
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        self.sem.cancel_acquire(&mut self.st);
    }
}

/// Permits borrowed from a [`Semaphore`]; released when dropped.
#[must_use = "dropping the permit releases it at once"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    n: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits taken for good, like a Python `acquire()` never
    /// followed by `release()`. [`Semaphore::release`] can add them back.
    pub fn forget(mut self) {
        self.sem.forget_held(std::mem::take(&mut self.n));
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release_held(self.n);
    }
}

/// Permits from an `Arc<Semaphore>`; released when dropped.
#[must_use = "dropping the permit releases it at once"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    sem: StdArc<Semaphore>,
    n: usize,
}

impl OwnedSemaphorePermit {
    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &StdArc<Semaphore> {
        &self.sem
    }

    /// Keeps the permits taken for good; see [`SemaphorePermit::forget`].
    pub fn forget(mut self) {
        self.sem.forget_held(std::mem::take(&mut self.n));
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.release_held(self.n);
    }
}

/// Why an acquire failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcquireError {
    /// The semaphore was closed.
    Closed,
    /// More permits were asked of a bounded semaphore than its bound.
    ExceedsBound,
    /// A bounded wait ran out (Python's `acquire(timeout=…)` returning
    /// `False`).
    Timeout,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcquireError::Closed => f.write_str("semaphore closed"),
            AcquireError::Timeout => f.write_str("timed out waiting for a permit"),
            AcquireError::ExceedsBound => {
                f.write_str("asked a bounded semaphore for more permits than its bound")
            }
        }
    }
}

impl std::error::Error for AcquireError {}

/// Why a `try_acquire` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough free permits, or others are queued first.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

/// More permits than [`MAX_PERMITS`] were asked of a new semaphore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyPermits {
    _priv: (),
}

impl fmt::Display for TooManyPermits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a semaphore holds at most {MAX_PERMITS} permits")
    }
}

impl std::error::Error for TooManyPermits {}

/// A release would push a bounded semaphore past its bound (Python's
/// `ValueError: Semaphore released too many times`), or any semaphore past
/// [`MAX_PERMITS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseError {
    _priv: (),
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore released too many times")
    }
}

impl std::error::Error for ReleaseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_accounting() {
        let s = Semaphore::bounded(2);
        let p = s.try_acquire().unwrap();
        assert_eq!(s.release(1), Err(ReleaseError { _priv: () }));
        drop(p);
        assert_eq!(s.available_permits(), 2);
        s.try_acquire_many(2).unwrap().forget();
        assert_eq!(s.available_permits(), 0);
        s.release(2).unwrap();
        assert!(s.release(1).is_err());
        assert_eq!(s.available_permits(), 2);
    }

    #[test]
    fn unbounded_overflow_is_an_error() {
        let s = Semaphore::new(MAX_PERMITS - 1);
        assert!(s.release(2).is_err());
        assert!(s.release(1).is_ok());
        assert!(s.release(usize::MAX).is_err());
        assert_eq!(s.available_permits(), MAX_PERMITS);
    }

    #[test]
    fn try_acquire_many_zero_and_closed() {
        let s = Semaphore::new(0);
        assert_eq!(s.try_acquire_many(0).unwrap().num_permits(), 0);
        assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
        s.close();
        assert!(s.is_closed());
        assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::Closed);
    }

    #[test]
    fn too_many_permits_is_an_error_for_the_try_twins() {
        assert!(Semaphore::checked_new(MAX_PERMITS).is_ok());
        assert!(Semaphore::checked_new(MAX_PERMITS + 1).is_err());
        assert!(Semaphore::checked_bounded(MAX_PERMITS + 1).is_err());
        assert!(std::panic::catch_unwind(|| Semaphore::new(usize::MAX)).is_err());
    }

    #[test]
    #[should_panic(expected = "add_permits")]
    fn add_permits_panics_past_bound() {
        Semaphore::bounded(1).add_permits(1);
    }
}
