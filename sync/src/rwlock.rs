//! `RwLock<T>`: a fair async reader-writer lock.
//!
//! The lock is a [`Semaphore`](crate::Semaphore) of `max_readers` permits
//! beside the data: a reader takes one permit, a writer takes them all.
//! The semaphore serves waiters in FIFO order and a large request at the
//! head of the queue holds back smaller ones behind it, so a waiting
//! writer is never starved by a stream of readers, and readers that
//! queued after a writer wait for it. Cancellation passes on what a waiter
//! was handed (the semaphore's cancel safety).
#![allow(unsafe_code)] // data access is guarded by holding the semaphore's permits

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::blocking::{block_on, deadline_after};
use crate::loom::UnsafeCell;
use crate::semaphore::{AcquireState, Semaphore, TryAcquireError, MAX_PERMITS};

/// The default bound on concurrent readers of an [`RwLock`].
pub const DEFAULT_MAX_READERS: usize = 1 << 29;

/// A fair async reader-writer lock around a value (tokio's `RwLock`;
/// Python has none built in, its usual stand-in is a `Lock`).
///
/// Many readers or one writer at a time. Waiters are served in the order
/// they asked: once a writer waits, later readers queue behind it, so
/// writers are never starved. Every async method has a blocking twin for
/// plain threads.
///
/// # Examples
///
/// ```
/// use myrt_sync::RwLock;
///
/// let map = RwLock::new(std::collections::HashMap::new());
/// map.blocking_write().insert("k", 1); // from a plain thread
/// assert_eq!(map.try_read().unwrap().get("k"), Some(&1));
///
/// async fn lookup(map: &RwLock<std::collections::HashMap<&str, i32>>) -> Option<i32> {
///     map.read().await.get("k").copied()
/// }
/// # drop(lookup(&map));
/// ```
pub struct RwLock<T> {
    sem: Semaphore,
    max_readers: usize,
    data: UnsafeCell<T>,
}

// SAFETY: readers share `&T` across threads (needs `T: Sync`) and a writer
// may be on another thread than the one that made the value (needs
// `T: Send`); the semaphore's permits keep a writer's `&mut T` exclusive of
// every other guard.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock holding `value`, allowing
    /// [`DEFAULT_MAX_READERS`] readers at once.
    pub fn new(value: T) -> Self {
        Self::with_max_readers(value, DEFAULT_MAX_READERS)
    }

    /// A new lock allowing at most `max_readers` readers at once.
    ///
    /// # Panics
    ///
    /// If `max_readers` is 0 or more than
    /// [`MAX_PERMITS`](crate::MAX_PERMITS) (a programmer error);
    /// [`checked_with_max_readers`](Self::checked_with_max_readers) is the
    /// twin.
    #[track_caller]
    pub fn with_max_readers(value: T, max_readers: usize) -> Self {
        match Self::checked_with_max_readers(value, max_readers) {
            Ok(l) => l,
            Err(_) => panic!("RwLock::with_max_readers: max_readers must be in 1..={MAX_PERMITS}"),
        }
    }

    /// [`with_max_readers`](Self::with_max_readers), handing the value back
    /// if `max_readers` is 0 or more than [`MAX_PERMITS`](crate::MAX_PERMITS).
    ///
    /// # Errors
    ///
    /// The value, unchanged, when `max_readers` is out of range.
    pub fn checked_with_max_readers(value: T, max_readers: usize) -> Result<Self, T> {
        if max_readers == 0 || max_readers > MAX_PERMITS {
            return Err(value);
        }
        Ok(RwLock {
            sem: Semaphore::new(max_readers),
            max_readers,
            data: UnsafeCell::new(value),
        })
    }

    /// The value, taking the lock apart.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T> RwLock<T> {
    /// The value, through a unique borrow (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard is alive.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Waits for shared access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves the queue, passing on the
    /// permit if it had been handed one. Only the place in line is lost.
    #[doc(alias = "acquire_read")]
    pub fn read(&self) -> RwLockReadFuture<'_, T> {
        RwLockReadFuture {
            lock: self,
            st: AcquireState::new(1),
        }
    }

    /// Waits for exclusive access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves the queue and passes on the
    /// permits it had gathered, so readers queued behind it go ahead.
    #[doc(alias = "acquire_write")]
    pub fn write(&self) -> RwLockWriteFuture<'_, T> {
        RwLockWriteFuture {
            lock: self,
            st: AcquireState::new(self.max_readers),
        }
    }

    /// Shared access if no writer holds the lock and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`](crate::TryLockError) otherwise.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, crate::TryLockError> {
        match self.sem.try_acquire_raw(1) {
            Ok(()) => Ok(RwLockReadGuard::new(self)),
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => {
                Err(crate::lock::try_lock_error())
            }
        }
    }

    /// Exclusive access if the lock is free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`](crate::TryLockError) otherwise.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, crate::TryLockError> {
        match self.sem.try_acquire_raw(self.max_readers) {
            Ok(()) => Ok(RwLockWriteGuard::new(self)),
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => {
                Err(crate::lock::try_lock_error())
            }
        }
    }

    /// Blocks the calling thread until it has shared access.
    ///
    /// Do not call it from a task: it blocks the worker thread (and
    /// deadlocks if that task holds the write lock).
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        block_on(self.read(), None).expect("no deadline")
    }

    /// Blocks the calling thread until it has exclusive access. Same caveat
    /// as [`blocking_read`](Self::blocking_read).
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        block_on(self.write(), None).expect("no deadline")
    }

    /// [`blocking_read`](Self::blocking_read), giving up after `timeout`
    /// (`None` then, and the place in line is given up).
    pub fn blocking_read_timeout(&self, timeout: Duration) -> Option<RwLockReadGuard<'_, T>> {
        block_on(self.read(), deadline_after(timeout))
    }

    /// [`blocking_write`](Self::blocking_write), giving up after `timeout`.
    pub fn blocking_write_timeout(&self, timeout: Duration) -> Option<RwLockWriteGuard<'_, T>> {
        block_on(self.write(), deadline_after(timeout))
    }

    fn poll_permits(&self, st: &mut AcquireState, cx: &mut Context<'_>) -> Poll<()> {
        self.sem
            .poll_acquire(st, cx)
            .map(|r| r.expect("an RwLock's semaphore is never closed"))
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Future of [`RwLock::read`].
#[must_use = "futures do nothing unless polled"]
pub struct RwLockReadFuture<'a, T> {
    lock: &'a RwLock<T>,
    st: AcquireState,
}

impl<'a, T> Future for RwLockReadFuture<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.lock
            .poll_permits(&mut this.st, cx)
            .map(|()| RwLockReadGuard::new(this.lock))
    }
}

impl<T> Drop for RwLockReadFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.cancel_acquire(&mut self.st);
    }
}

impl<T> fmt::Debug for RwLockReadFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockReadFuture").finish_non_exhaustive()
    }
}

/// Future of [`RwLock::write`].
#[must_use = "futures do nothing unless polled"]
pub struct RwLockWriteFuture<'a, T> {
    lock: &'a RwLock<T>,
    st: AcquireState,
}

impl<'a, T> Future for RwLockWriteFuture<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.lock
            .poll_permits(&mut this.st, cx)
            .map(|()| RwLockWriteGuard::new(this.lock))
    }
}

impl<T> Drop for RwLockWriteFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.cancel_acquire(&mut self.st);
    }
}

impl<T> fmt::Debug for RwLockWriteFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockWriteFuture").finish_non_exhaustive()
    }
}

/// Shared access to an [`RwLock`]'s value; releases its permit when
/// dropped.
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
    /// Hands out `&T` only.
    _marker: PhantomData<&'a T>,
}

impl<'a, T> RwLockReadGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        RwLockReadGuard {
            lock,
            _marker: PhantomData,
        }
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds one permit, so no writer (which needs
        // all of them) holds a `&mut T` while the borrow lasts.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release_held(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s value; releases the lock when
/// dropped, or turns into a read guard with
/// [`downgrade`](RwLockWriteGuard::downgrade).
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    /// Hands out `&mut T`.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        RwLockWriteGuard {
            lock,
            _marker: PhantomData,
        }
    }

    /// Keeps shared access and lets readers queued behind this writer in,
    /// without a moment in which another writer could take the lock.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let lock = self.lock;
        std::mem::forget(self);
        lock.sem.release_held(lock.max_readers - 1);
        RwLockReadGuard::new(lock)
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit: no other guard exists.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds every permit and is borrowed uniquely, so
        // this is the only reference to the value.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release_held(self.lock.max_readers);
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
