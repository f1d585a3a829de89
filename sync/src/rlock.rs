//! `RLock<T>`: a reentrant lock whose owner is a task or a thread.
//!
//! One mutex guards the owner, its level count and the FIFO of waiters.
//! Releasing the last level hands the lock straight to the first waiter
//! (owner and count are set for it before it is woken), so a newcomer
//! never barges past the queue, and a waiter dropped after the hand-off
//! releases what it was handed, which passes the lock on.
//!
//! The value is only ever lent out shared (`&T`): the guards of one owner
//! coexist, and a guard may travel with its task to another thread, so
//! `RLock<T>` is `Sync` exactly when `T` is, with no unsafe code.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::blocking::{block_on, deadline_after};
use crate::identity::{self, Owner};
use crate::loom::{lock, Mutex};
use crate::wait_list::{Key, WaitList};

/// A reentrant lock around a value, like threading's `RLock`, usable from
/// tasks (`lock().await`) and threads (`blocking_lock()`).
///
/// The owner is the current task when the executor names its tasks (myrt
/// does; see [`set_task_identity`](crate::set_task_identity)), else the
/// current thread. The owner may lock again without waiting; the lock is
/// free once every guard of its owner is dropped. Others wait in FIFO
/// order. The value is reachable only shared (`&T`), since an owner may hold
/// several guards at once: put a [`Lock`](crate::Lock), a cell type that is
/// `Sync`, or atomics inside for mutation, or use `RLock<()>` as Python does.
///
/// Python's explicit `acquire()`/`release()` pair is
/// [`RLockGuard::forget`] and [`RLock::release`], which checks that the
/// caller owns the lock (Python's `RuntimeError` otherwise).
///
/// # Examples
///
/// ```
/// use myrt_sync::RLock;
///
/// fn visit(lock: &RLock<Vec<u32>>, depth: u32) -> u32 {
///     let items = lock.blocking_lock(); // the owner re-enters freely
///     if depth == 0 { items.len() as u32 } else { visit(lock, depth - 1) + 1 }
/// }
///
/// let lock = RLock::new(vec![1, 2, 3]);
/// assert_eq!(visit(&lock, 3), 6);
/// assert!(!lock.is_locked());
/// ```
pub struct RLock<T: ?Sized = ()> {
    state: Mutex<State>,
    data: T,
}

struct State {
    owner: Option<Owner>,
    /// Levels held by `owner`; 0 exactly when `owner` is `None`.
    count: usize,
    waiters: WaitList<Waiter>,
}

struct Waiter {
    who: Owner,
    /// The levels to hold once granted (1, or a `Condition` restoring all).
    levels: usize,
    granted: bool,
}

impl State {
    /// Drops `levels` of the owner's hold; on the last one, hands the lock
    /// to the first waiter. Returns the waker to wake once unlocked.
    fn release(&mut self, levels: usize) -> Option<Waker> {
        debug_assert!(levels <= self.count);
        self.count -= levels;
        if self.count > 0 {
            return None;
        }
        match self.waiters.pop_front() {
            Some(front) => {
                let w = self.waiters.data_mut(front);
                w.granted = true;
                self.owner = Some(w.who);
                self.count = w.levels;
                self.waiters.take_waker(front)
            }
            None => {
                self.owner = None;
                None
            }
        }
    }

    /// Takes `levels` at once if the lock is free (and nobody queues) or
    /// `who` already owns it.
    fn try_take(&mut self, who: Owner, levels: usize) -> bool {
        match self.owner {
            None if self.waiters.is_empty() => {
                self.owner = Some(who);
                self.count = levels;
                true
            }
            Some(o) if o == who => {
                self.count = self
                    .count
                    .checked_add(levels)
                    .expect("RLock: recursion count overflow");
                true
            }
            _ => false,
        }
    }
}

impl<T> RLock<T> {
    /// A new, unlocked reentrant lock holding `value`.
    pub fn new(value: T) -> Self {
        RLock {
            state: Mutex::new(State {
                owner: None,
                count: 0,
                waiters: WaitList::new(),
            }),
            data: value,
        }
    }

    /// The value, taking the lock apart.
    pub fn into_inner(self) -> T {
        self.data
    }
}

impl<T: ?Sized> RLock<T> {
    /// The value, through a unique borrow (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Whether anybody holds the lock (or it was handed to a waiter that
    /// has not run yet).
    #[doc(alias = "locked")]
    pub fn is_locked(&self) -> bool {
        lock(&self.state).owner.is_some()
    }

    /// Whether the caller (its task, or its thread) holds the lock.
    #[doc(alias = "_is_owned")]
    pub fn is_owned(&self) -> bool {
        lock(&self.state).owner == Some(identity::current())
    }

    /// How many levels the caller holds: 0 if it does not own the lock.
    pub fn levels_held(&self) -> usize {
        let g = lock(&self.state);
        if g.owner == Some(identity::current()) {
            g.count
        } else {
            0
        }
    }

    /// Waits for the lock; at once if the caller owns it already.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes leaves the
    /// queue, and if the lock had already been handed to it, the lock goes
    /// to the next waiter. Only the place in line is given up.
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> RLockFuture<'_, T> {
        RLockFuture {
            lock: self,
            st: Acquire::new(1),
        }
    }

    /// Takes the lock if the caller owns it already, or it is free and
    /// nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`](crate::TryLockError) if another owner holds it or
    /// others are waiting for it.
    #[doc(alias = "acquire")]
    pub fn try_lock(&self) -> Result<RLockGuard<'_, T>, crate::TryLockError> {
        if lock(&self.state).try_take(identity::current(), 1) {
            Ok(RLockGuard { lock: self })
        } else {
            Err(crate::lock::try_lock_error())
        }
    }

    /// Blocks the calling thread until it holds the lock.
    ///
    /// Do not call it from a task: it blocks the worker thread.
    #[doc(alias = "acquire")]
    pub fn blocking_lock(&self) -> RLockGuard<'_, T> {
        block_on(self.lock(), None).expect("no deadline")
    }

    /// [`blocking_lock`](Self::blocking_lock), giving up after `timeout`
    /// (Python's `acquire(timeout=…)`); `None` if it timed out. A timeout
    /// of [`TIMEOUT_MAX`](crate::TIMEOUT_MAX) or more waits forever.
    #[doc(alias = "acquire")]
    pub fn blocking_lock_timeout(&self, timeout: Duration) -> Option<RLockGuard<'_, T>> {
        block_on(self.lock(), deadline_after(timeout))
    }

    /// Releases one level held by the caller: the twin of a guard given up
    /// with [`RLockGuard::forget`] (Python's `release()`).
    ///
    /// # Errors
    ///
    /// [`NotOwnerError`] if the caller (its task, or its thread) does not
    /// hold the lock; nothing is released then.
    pub fn release(&self) -> Result<(), NotOwnerError> {
        let waker = {
            let mut g = lock(&self.state);
            if g.owner != Some(identity::current()) {
                return Err(NotOwnerError { _priv: () });
            }
            g.release(1)
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Releases every level the owner holds and returns how many, for
    /// [`Condition`](crate::Condition) (Python's `_release_save`).
    pub(crate) fn release_all(&self) -> (Owner, usize) {
        let (who, levels, waker) = {
            let mut g = lock(&self.state);
            let who = g.owner.expect("RLock: a guard exists, so it is owned");
            let levels = g.count;
            (who, levels, g.release(levels))
        };
        if let Some(w) = waker {
            w.wake();
        }
        (who, levels)
    }

    fn release_one(&self) {
        let waker = lock(&self.state).release(1);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Polls an acquisition; on `Ready` the caller holds `st.levels`.
    pub(crate) fn poll_acquire(&self, st: &mut Acquire, cx: &mut Context<'_>) -> Poll<()> {
        let who = *st.who.get_or_insert_with(identity::current);
        let mut g = lock(&self.state);
        match st.key {
            Some(key) => {
                if g.waiters.data(key).granted {
                    g.waiters.remove(key);
                    st.key = None;
                    Poll::Ready(())
                } else {
                    g.waiters.set_waker(key, cx.waker());
                    Poll::Pending
                }
            }
            None if g.try_take(who, st.levels) => Poll::Ready(()),
            None => {
                let waiter = Waiter {
                    who,
                    levels: st.levels,
                    granted: false,
                };
                st.key = Some(g.waiters.push_back(waiter, cx.waker().clone()));
                Poll::Pending
            }
        }
    }

    /// Gives up a pending acquisition; passes the lock on if it had been
    /// handed over.
    pub(crate) fn cancel_acquire(&self, st: &mut Acquire) {
        let Some(key) = st.key.take() else { return };
        let waker = {
            let mut g = lock(&self.state);
            let w = g.waiters.remove(key);
            if w.granted {
                g.release(w.levels)
            } else {
                None
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> RLock<T> {
    /// [`lock`](Self::lock) for `Arc<RLock<T>>`: the guard owns a handle
    /// to the lock, so it is `'static` when `T` is.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`lock`](Self::lock).
    pub fn lock_owned(self: Arc<Self>) -> OwnedRLockFuture<T> {
        OwnedRLockFuture {
            lock: Some(self),
            st: Acquire::new(1),
        }
    }

    /// [`blocking_lock`](Self::blocking_lock) for `Arc<RLock<T>>`.
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedRLockGuard<T> {
        block_on(self.lock_owned(), None).expect("no deadline")
    }
}

/// The state of one acquisition (a lock future, a condition re-lock).
pub(crate) struct Acquire {
    /// The owner to be: fixed at the first poll.
    who: Option<Owner>,
    levels: usize,
    key: Option<Key>,
}

impl Acquire {
    pub(crate) fn new(levels: usize) -> Self {
        Acquire {
            who: None,
            levels,
            key: None,
        }
    }

    /// Re-takes `levels` for `who` (a condition waiter restoring its hold).
    pub(crate) fn restore(who: Owner, levels: usize) -> Self {
        Acquire {
            who: Some(who),
            levels,
            key: None,
        }
    }
}

impl<T: Default> Default for RLock<T> {
    fn default() -> Self {
        RLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = lock(&self.state);
        f.debug_struct("RLock")
            .field("locked", &g.owner.is_some())
            .field("levels", &g.count)
            .field("waiting", &g.waiters.len())
            .finish_non_exhaustive()
    }
}

/// Future of [`RLock::lock`].
#[must_use = "futures do nothing unless polled"]
pub struct RLockFuture<'a, T: ?Sized> {
    lock: &'a RLock<T>,
    st: Acquire,
}

impl<'a, T: ?Sized> Future for RLockFuture<'a, T> {
    type Output = RLockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.lock
            .poll_acquire(&mut this.st, cx)
            .map(|()| RLockGuard { lock: this.lock })
    }
}

impl<T: ?Sized> Drop for RLockFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.cancel_acquire(&mut self.st);
    }
}

impl<T: ?Sized> fmt::Debug for RLockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLockFuture")
            .field("queued", &self.st.key.is_some())
            .finish()
    }
}

/// Future of [`RLock::lock_owned`].
#[must_use = "futures do nothing unless polled"]
pub struct OwnedRLockFuture<T> {
    lock: Option<Arc<RLock<T>>>,
    st: Acquire,
}

impl<T> Future for OwnedRLockFuture<T> {
    type Output = OwnedRLockGuard<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let lock = this.lock.as_ref().expect("polled after completion");
        match lock.poll_acquire(&mut this.st, cx) {
            Poll::Ready(()) => {
                let lock = this.lock.take().expect("checked above");
                Poll::Ready(OwnedRLockGuard { lock })
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for OwnedRLockFuture<T> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            lock.cancel_acquire(&mut self.st);
        }
    }
}

impl<T> fmt::Debug for OwnedRLockFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedRLockFuture")
            .field("queued", &self.st.key.is_some())
            .finish()
    }
}

/// One level of an [`RLock`]'s hold; shares the value and releases the
/// level when dropped (the lock is free once its owner dropped them all).
#[must_use = "dropping the guard releases the level at once"]
pub struct RLockGuard<'a, T: ?Sized> {
    lock: &'a RLock<T>,
}

impl<'a, T: ?Sized> RLockGuard<'a, T> {
    /// The lock this guard holds a level of.
    pub fn source(guard: &Self) -> &'a RLock<T> {
        guard.lock
    }

    /// Keeps the level held without a guard (Python's bare `acquire()`);
    /// give it back with [`RLock::release`] from the owner.
    pub fn forget(guard: Self) {
        std::mem::forget(guard);
    }

    /// A guard for a level the caller just re-took.
    pub(crate) fn relocked(lock: &'a RLock<T>) -> Self {
        RLockGuard { lock }
    }
}

impl<T: ?Sized> Deref for RLockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.lock.data
    }
}

impl<T: ?Sized> Drop for RLockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.release_one();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A level of an `Arc<RLock<T>>`; see [`RLockGuard`].
#[must_use = "dropping the guard releases the level at once"]
pub struct OwnedRLockGuard<T> {
    lock: Arc<RLock<T>>,
}

impl<T> OwnedRLockGuard<T> {
    /// The lock this guard holds a level of.
    pub fn source(guard: &Self) -> &Arc<RLock<T>> {
        &guard.lock
    }
}

impl<T> Deref for OwnedRLockGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.lock.data
    }
}

impl<T> Drop for OwnedRLockGuard<T> {
    fn drop(&mut self) {
        self.lock.release_one();
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// [`RLock::release`] by a caller that does not own the lock (Python's
/// `RuntimeError: cannot release un-acquired lock`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOwnerError {
    _priv: (),
}

impl fmt::Display for NotOwnerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot release an RLock the caller does not hold")
    }
}

impl std::error::Error for NotOwnerError {}
