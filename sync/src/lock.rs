//! `Lock<T>`: an async mutex with strict FIFO hand-off.
//!
//! The lock is a one-permit [`Semaphore`](crate::Semaphore) beside the
//! data: releasing hands the permit straight to the first waiter, so a
//! newcomer can never barge past the queue, and a waiter dropped after it
//! was handed the lock passes it on (the semaphore's cancel safety).
#![allow(unsafe_code)] // data access is guarded by holding the semaphore's single permit

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::blocking::{block_on, deadline_after};
use crate::loom::UnsafeCell;
use crate::semaphore::{AcquireState, Semaphore, TryAcquireError};

/// An async mutual-exclusion lock around a value, like asyncio's `Lock`
/// with the data inside (and threading's, through [`Lock::blocking_lock`]).
///
/// Waiters get the lock in the order they asked for it; after a release a
/// newcomer queues behind them even if it calls [`Lock::try_lock`].
///
/// # Examples
///
/// ```
/// use myrt_sync::Lock;
///
/// async fn bump(counter: &Lock<u64>) {
///     *counter.lock().await += 1;
/// }
///
/// let counter = Lock::new(0u64);
/// *counter.blocking_lock() += 1; // from a plain thread
/// assert_eq!(*counter.try_lock().unwrap(), 1);
/// ```
pub struct Lock<T> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, and at most one guard
// exists at a time (it holds the semaphore's only permit), so sharing the
// lock moves `T` between threads but never shares it: `T: Send` suffices.
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// A new, unlocked lock holding `value`.
    pub fn new(value: T) -> Self {
        Lock {
            sem: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// The value, taking the lock apart.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// The value, through a unique borrow (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard is alive.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Whether the lock is held, or handed to a waiter that has not yet
    /// run (Python's `locked()`).
    #[doc(alias = "locked")]
    pub fn is_locked(&self) -> bool {
        self.sem.available_permits() == 0
    }

    /// Waits for the lock (Python's `async with lock`, `acquire()`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes leaves the
    /// queue, and if the lock had already been handed to it, the lock goes
    /// to the next waiter. Nothing is lost and the place in line is the
    /// only thing given up.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::Lock;
    ///
    /// async fn push(v: &Lock<Vec<u32>>) {
    ///     v.lock().await.push(1);
    /// }
    /// ```
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            lock: self,
            st: AcquireState::new(1),
        }
    }

    /// Takes the lock if it is free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if it is held or others are waiting for it.
    pub fn try_lock(&self) -> Result<LockGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire_raw(1) {
            Ok(()) => Ok(LockGuard::new(self)),
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => Err(try_lock_error()),
        }
    }

    /// Blocks the calling thread until it holds the lock.
    ///
    /// Do not call it from a task: it blocks the worker thread, and
    /// deadlocks if that task holds the lock.
    #[doc(alias = "acquire")]
    pub fn blocking_lock(&self) -> LockGuard<'_, T> {
        block_on(self.lock(), None).expect("no deadline")
    }

    /// [`blocking_lock`](Self::blocking_lock), giving up after `timeout`
    /// (Python's `acquire(timeout=…)`); `None` if it timed out, and then
    /// the place in line is given up. A timeout of
    /// [`TIMEOUT_MAX`](crate::TIMEOUT_MAX) or more waits forever.
    #[doc(alias = "acquire")]
    pub fn blocking_lock_timeout(&self, timeout: Duration) -> Option<LockGuard<'_, T>> {
        block_on(self.lock(), deadline_after(timeout))
    }

    /// [`lock`](Self::lock) for `Arc<Lock<T>>`: the guard owns a handle to
    /// the lock, so it is `'static` when `T` is.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`lock`](Self::lock).
    pub fn lock_owned(self: Arc<Self>) -> OwnedLockFuture<T> {
        OwnedLockFuture {
            lock: Some(self),
            st: AcquireState::new(1),
        }
    }

    /// [`try_lock`](Self::try_lock) for `Arc<Lock<T>>`.
    ///
    /// # Errors
    ///
    /// As [`try_lock`](Self::try_lock).
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedLockGuard<T>, TryLockError> {
        match self.sem.try_acquire_raw(1) {
            Ok(()) => Ok(OwnedLockGuard::new(self)),
            Err(_) => Err(try_lock_error()),
        }
    }

    /// [`blocking_lock`](Self::blocking_lock) for `Arc<Lock<T>>`.
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedLockGuard<T> {
        block_on(self.lock_owned(), None).expect("no deadline")
    }

    /// [`blocking_lock_timeout`](Self::blocking_lock_timeout) for
    /// `Arc<Lock<T>>`; gives the handle back on timeout.
    ///
    /// # Errors
    ///
    /// The `Arc` itself, if the lock was not taken within `timeout`.
    pub fn blocking_lock_owned_timeout(
        self: Arc<Self>,
        timeout: Duration,
    ) -> Result<OwnedLockGuard<T>, Arc<Self>> {
        let back = self.clone();
        block_on(self.lock_owned(), deadline_after(timeout)).ok_or(back)
    }

    pub(crate) fn poll_lock(&self, st: &mut AcquireState, cx: &mut Context<'_>) -> Poll<()> {
        self.sem
            .poll_acquire(st, cx)
            .map(|r| r.expect("a lock's semaphore is never closed"))
    }

    pub(crate) fn cancel_lock(&self, st: &mut AcquireState) {
        self.sem.cancel_acquire(st);
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> From<T> for Lock<T> {
    fn from(value: T) -> Self {
        Lock::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lock");
        match self.try_lock() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Future of [`Lock::lock`].
#[must_use = "futures do nothing unless polled"]
pub struct LockFuture<'a, T> {
    lock: &'a Lock<T>,
    st: AcquireState,
}

impl<'a, T> Future for LockFuture<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.lock
            .poll_lock(&mut this.st, cx)
            .map(|()| LockGuard::new(this.lock))
    }
}

impl<T> Drop for LockFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.cancel_lock(&mut self.st);
    }
}

impl<T> fmt::Debug for LockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFuture").finish_non_exhaustive()
    }
}

/// Future of [`Lock::lock_owned`].
#[must_use = "futures do nothing unless polled"]
pub struct OwnedLockFuture<T> {
    lock: Option<Arc<Lock<T>>>,
    st: AcquireState,
}

impl<T> Future for OwnedLockFuture<T> {
    type Output = OwnedLockGuard<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let lock = this.lock.as_ref().expect("polled after completion");
        match lock.poll_lock(&mut this.st, cx) {
            Poll::Ready(()) => {
                let lock = this.lock.take().expect("checked above");
                Poll::Ready(OwnedLockGuard::new(lock))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for OwnedLockFuture<T> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            lock.cancel_lock(&mut self.st);
        }
    }
}

impl<T> fmt::Debug for OwnedLockFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedLockFuture").finish_non_exhaustive()
    }
}

/// Proof of holding a [`Lock`]; gives access to the value and releases the
/// lock (to the next waiter in line) when dropped (Python's `release()`).
#[must_use = "dropping the guard releases the lock at once"]
pub struct LockGuard<'a, T> {
    pub(crate) lock: &'a Lock<T>,
    /// Sync only when `T: Sync`, since `&guard` hands out `&T`.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T> LockGuard<'a, T> {
    fn new(lock: &'a Lock<T>) -> Self {
        LockGuard {
            lock,
            _marker: PhantomData,
        }
    }

    /// A guard for a lock whose permit the caller just acquired.
    pub(crate) fn relocked(lock: &'a Lock<T>) -> Self {
        Self::new(lock)
    }

    /// The lock this guard holds.
    pub fn source(guard: &Self) -> &'a Lock<T> {
        guard.lock
    }
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds the only permit, so no `&mut T` exists
        // elsewhere for as long as the borrow of `self` lasts.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the only permit and is borrowed uniquely,
        // so this is the only reference to the value.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release_held(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A guard for an `Arc<Lock<T>>`; see [`LockGuard`].
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedLockGuard<T> {
    lock: Arc<Lock<T>>,
    /// Opts out of the automatic `Sync`; see the impl below.
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: `&OwnedLockGuard` hands out `&T` only, so sharing it across
// threads needs `T: Sync`; holding it needs `T: Send` (the lock's bound).
unsafe impl<T: Send + Sync> Sync for OwnedLockGuard<T> {}

impl<T> OwnedLockGuard<T> {
    fn new(lock: Arc<Lock<T>>) -> Self {
        OwnedLockGuard {
            lock,
            _not_sync: PhantomData,
        }
    }

    /// The lock this guard holds.
    pub fn source(guard: &Self) -> &Arc<Lock<T>> {
        &guard.lock
    }
}

impl<T> Deref for OwnedLockGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: as for `LockGuard`: this guard holds the only permit.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for OwnedLockGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `LockGuard`: the only permit, uniquely borrowed.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for OwnedLockGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release_held(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// [`Lock::try_lock`] found the lock held or waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError {
    _priv: (),
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lock is held or has waiters")
    }
}

impl std::error::Error for TryLockError {}

pub(crate) fn try_lock_error() -> TryLockError {
    TryLockError { _priv: () }
}
