//! `Condition`: wait for a notification while giving up a [`Lock`] or an
//! [`RLock`].

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::blocking::{block_on, deadline_after};
use crate::identity::Owner;
use crate::lock::{Lock, LockGuard};
use crate::loom::{lock, Mutex};
use crate::rlock::{self, RLock, RLockGuard};
use crate::semaphore::AcquireState;
use crate::wait_list::{Key, WaitList, Wakers};

/// A condition variable for [`Lock`] and [`RLock`] guards, like asyncio's
/// and threading's `Condition`.
///
/// [`wait`](Condition::wait) takes the guard, so waiting without holding the
/// lock (Python's `RuntimeError`) cannot be written. Notifying does not need
/// the lock: a waiter is queued before its lock is released, so a change
/// made under the lock and followed by a notify is never missed.
///
/// # Examples
///
/// ```
/// use myrt_sync::{Condition, Lock};
///
/// async fn consume(items: &Lock<Vec<u32>>, cond: &Condition) -> u32 {
///     let mut guard = cond.wait_for(items.lock().await, |v| !v.is_empty()).await;
///     guard.pop().unwrap()
/// }
///
/// async fn produce(items: &Lock<Vec<u32>>, cond: &Condition) {
///     items.lock().await.push(1);
///     cond.notify(1);
/// }
/// ```
pub struct Condition {
    /// Each waiter's data says whether it was notified.
    waiters: Mutex<WaitList<bool>>,
}

impl Condition {
    /// A condition with no waiters.
    pub fn new() -> Self {
        Condition {
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Wakes up to `n` waiters, oldest first; returns how many.
    pub fn notify(&self, n: usize) -> usize {
        let mut wakers = Wakers::new();
        let mut woken = 0;
        {
            let mut w = lock(&self.waiters);
            while woken < n {
                let Some(key) = w.pop_front() else { break };
                *w.data_mut(key) = true;
                wakers.push(w.take_waker(key));
                woken += 1;
            }
        }
        wakers.wake();
        woken
    }

    /// Wakes every waiter; returns how many.
    pub fn notify_all(&self) -> usize {
        let drained = lock(&self.waiters).drain_with(|n| *n = true);
        let woken = drained.len();
        let mut wakers = Wakers::new();
        wakers.extend(drained);
        wakers.wake();
        woken
    }

    /// Number of waiters not yet notified.
    pub fn n_waiting(&self) -> usize {
        lock(&self.waiters).len()
    }

    /// Releases the lock, waits for a notification, then takes the lock
    /// again and returns the new guard. With an [`RLockGuard`] every level
    /// the owner holds is released and all of them are taken back, as
    /// Python's `Condition` over an `RLock` does.
    ///
    /// As with every condition variable, re-check the state after waking
    /// (or use [`wait_for`](Self::wait_for)).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up the lock (the guard was moved in) and:
    /// before a notification, just leaves the queue; after one (while
    /// re-taking the lock), passes the notification to the next waiter, so
    /// none is lost.
    pub fn wait<'a, G: ConditionGuard>(&'a self, guard: G) -> ConditionWait<'a, G> {
        ConditionWait {
            cond: self,
            stage: Stage::Start(guard),
        }
    }

    /// Waits until `predicate` holds on the guarded value, re-checking it
    /// after every notification; returns the guard with the predicate true.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Self::wait): a notification received by a dropped future
    /// is passed on.
    pub fn wait_for<'a, G, F>(&'a self, guard: G, predicate: F) -> WaitFor<'a, G, F>
    where
        G: ConditionGuard,
        F: FnMut(&G::Target) -> bool,
    {
        WaitFor {
            cond: self,
            predicate,
            state: WaitForState::Check(guard),
        }
    }

    /// [`wait`](Self::wait) for a plain thread holding a guard from
    /// [`Lock::blocking_lock`] or [`RLock::blocking_lock`].
    #[doc(alias = "wait")]
    pub fn blocking_wait<G: ConditionGuard>(&self, guard: G) -> G {
        block_on(self.wait(guard), None).expect("no deadline")
    }

    /// [`blocking_wait`](Self::blocking_wait) with a timeout; the lock is
    /// held again on return either way, and the flag says whether a
    /// notification arrived (Python's `Condition.wait(timeout)`).
    ///
    /// As in Python, `timeout` bounds only the wait for a notification.
    /// Once notified, the waiter takes the lock back however long that
    /// takes and returns `true`; the notification is its own and is not
    /// passed on. A notification that comes as the timeout runs out
    /// counts too. Only a waiter that was not notified returns `false`.
    /// A timeout of [`TIMEOUT_MAX`](crate::TIMEOUT_MAX) or more waits
    /// forever.
    #[doc(alias = "wait")]
    pub fn blocking_wait_timeout<G: ConditionGuard>(
        &self,
        guard: G,
        timeout: Duration,
    ) -> (G, bool) {
        self.blocking_wait_deadline(guard, deadline_after(timeout))
    }

    fn blocking_wait_deadline<G: ConditionGuard>(
        &self,
        guard: G,
        deadline: Option<Instant>,
    ) -> (G, bool) {
        let mut wait = self.wait(guard);
        if let Some(g) = block_on(&mut wait, deadline) {
            return (g, true);
        }
        let notified = wait.stop_waiting();
        // Only the lock is missing now, and that wait is unbounded.
        let g = block_on(&mut wait, None).expect("no deadline");
        (g, notified)
    }

    /// [`wait_for`](Self::wait_for) for a plain thread.
    #[doc(alias = "wait_for")]
    pub fn blocking_wait_for<G, F>(&self, mut guard: G, mut predicate: F) -> G
    where
        G: ConditionGuard,
        F: FnMut(&G::Target) -> bool,
    {
        while !predicate(&guard) {
            guard = self.blocking_wait(guard);
        }
        guard
    }

    /// [`blocking_wait_for`](Self::blocking_wait_for) giving up once
    /// `timeout` has passed in all (Python's `wait_for(predicate,
    /// timeout)`); returns the guard (held either way) and the predicate's
    /// last value. A timeout of [`TIMEOUT_MAX`](crate::TIMEOUT_MAX) or more
    /// waits forever.
    #[doc(alias = "wait_for")]
    pub fn blocking_wait_for_timeout<G, F>(
        &self,
        mut guard: G,
        mut predicate: F,
        timeout: Duration,
    ) -> (G, bool)
    where
        G: ConditionGuard,
        F: FnMut(&G::Target) -> bool,
    {
        let deadline = deadline_after(timeout);
        loop {
            if predicate(&guard) {
                return (guard, true);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return (guard, false);
            }
            guard = self.blocking_wait_deadline(guard, deadline).0;
        }
    }
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("n_waiting", &self.n_waiting())
            .finish()
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A guard [`Condition`] can wait with: a [`LockGuard`] (its one level) or
/// an [`RLockGuard`] (every level its owner holds). Implemented for those
/// two only.
pub trait ConditionGuard: Deref + Sized + Unpin + sealed::Sealed {
    #[doc(hidden)]
    type Relock: Relock<Guard = Self> + Unpin;

    /// Releases the lock; the result takes it back.
    #[doc(hidden)]
    fn unlock(self) -> Self::Relock;
}

/// The pending re-lock of a waiter (an implementation detail of
/// [`ConditionGuard`]).
#[doc(hidden)]
pub trait Relock {
    /// The guard it gives back.
    type Guard;
    /// Polls the re-lock.
    fn poll_relock(&mut self, cx: &mut Context<'_>) -> Poll<Self::Guard>;
    /// Gives up a re-lock in progress (passing on a hand-off).
    fn cancel(&mut self);
}

impl<T> sealed::Sealed for LockGuard<'_, T> {}

impl<'a, T> ConditionGuard for LockGuard<'a, T> {
    type Relock = LockRelock<'a, T>;

    fn unlock(self) -> LockRelock<'a, T> {
        let lock = LockGuard::source(&self);
        drop(self);
        LockRelock {
            lock,
            st: AcquireState::new(1),
        }
    }
}

/// Re-takes a [`Lock`] for a condition waiter.
#[doc(hidden)]
pub struct LockRelock<'a, T> {
    lock: &'a Lock<T>,
    st: AcquireState,
}

impl<'a, T> Relock for LockRelock<'a, T> {
    type Guard = LockGuard<'a, T>;

    fn poll_relock(&mut self, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        self.lock.poll_lock(&mut self.st, cx).map(|()| {
            self.st = AcquireState::new(1);
            LockGuard::relocked(self.lock)
        })
    }

    fn cancel(&mut self) {
        self.lock.cancel_lock(&mut self.st);
    }
}

impl<T: ?Sized> sealed::Sealed for RLockGuard<'_, T> {}

impl<'a, T: ?Sized> ConditionGuard for RLockGuard<'a, T> {
    type Relock = RLockRelock<'a, T>;

    fn unlock(self) -> RLockRelock<'a, T> {
        let lock = RLockGuard::source(&self);
        // Every level goes, this guard's among them.
        std::mem::forget(self);
        let (who, levels): (Owner, usize) = lock.release_all();
        RLockRelock {
            lock,
            st: rlock::Acquire::restore(who, levels),
        }
    }
}

/// Re-takes every level of an [`RLock`] for a condition waiter.
#[doc(hidden)]
pub struct RLockRelock<'a, T: ?Sized> {
    lock: &'a RLock<T>,
    st: rlock::Acquire,
}

impl<'a, T: ?Sized> Relock for RLockRelock<'a, T> {
    type Guard = RLockGuard<'a, T>;

    fn poll_relock(&mut self, cx: &mut Context<'_>) -> Poll<RLockGuard<'a, T>> {
        self.lock
            .poll_acquire(&mut self.st, cx)
            .map(|()| RLockGuard::relocked(self.lock))
    }

    fn cancel(&mut self) {
        self.lock.cancel_acquire(&mut self.st);
    }
}

enum Stage<G: Relock> {
    /// Not polled yet; still holds the lock.
    Start(G::Guard),
    /// Queued for a notification; the lock is released.
    Waiting(Key, G),
    /// Taking the lock again; the flag says whether it was notified (and
    /// so has a notification to pass on if dropped).
    Relocking(G, bool),
    Done,
}

/// Future of [`Condition::wait`].
#[must_use = "futures do nothing unless polled"]
pub struct ConditionWait<'a, G: ConditionGuard> {
    cond: &'a Condition,
    stage: Stage<G::Relock>,
}

impl<'a, G: ConditionGuard> ConditionWait<'a, G> {
    /// Ends the wait for a notification (its timeout ran out) and returns
    /// whether one had arrived. Either way the future, polled again, only
    /// takes the lock back. A waiter that was not notified has left the
    /// queue, atomically with that check, so no later notify picks it.
    fn stop_waiting(&mut self) -> bool {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Waiting(key, relock) => {
                let notified = lock(&self.cond.waiters).remove(key);
                self.stage = Stage::Relocking(relock, notified);
                notified
            }
            Stage::Relocking(relock, notified) => {
                self.stage = Stage::Relocking(relock, notified);
                notified
            }
            // Never polled: still holds the lock, was never queued.
            stage @ Stage::Start(_) => {
                self.stage = stage;
                false
            }
            Stage::Done => false,
        }
    }
}

impl<'a, G: ConditionGuard> Future for ConditionWait<'a, G> {
    type Output = G;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G> {
        // Every field is Unpin: the guard, the relock and the key are plain
        // data; nothing here is pinned.
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.stage, Stage::Done) {
                Stage::Start(guard) => {
                    // Queue first, then unlock: a notify after our unlock
                    // finds us.
                    let waker = cx.waker().clone(); // outside the lock
                    let key = lock(&this.cond.waiters).push_back(false, waker);
                    this.stage = Stage::Waiting(key, guard.unlock());
                    return Poll::Pending;
                }
                Stage::Waiting(key, relock) => {
                    let mut w = lock(&this.cond.waiters);
                    if *w.data(key) {
                        w.remove(key);
                        this.stage = Stage::Relocking(relock, true);
                    } else {
                        w.set_waker(key, cx.waker());
                        this.stage = Stage::Waiting(key, relock);
                        return Poll::Pending;
                    }
                }
                Stage::Relocking(mut relock, notified) => match relock.poll_relock(cx) {
                    Poll::Ready(guard) => return Poll::Ready(guard),
                    Poll::Pending => {
                        this.stage = Stage::Relocking(relock, notified);
                        return Poll::Pending;
                    }
                },
                Stage::Done => panic!("ConditionWait polled after completion"),
            }
        }
    }
}

impl<'a, G: ConditionGuard> Drop for ConditionWait<'a, G> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Waiting(key, _) => {
                let notified = lock(&self.cond.waiters).remove(key);
                if notified {
                    self.cond.notify(1);
                }
            }
            Stage::Relocking(mut relock, notified) => {
                relock.cancel();
                if notified {
                    self.cond.notify(1);
                }
            }
            Stage::Start(_) | Stage::Done => {}
        }
    }
}

/// Future of [`Condition::wait_for`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitFor<'a, G: ConditionGuard, F> {
    cond: &'a Condition,
    predicate: F,
    state: WaitForState<'a, G>,
}

enum WaitForState<'a, G: ConditionGuard> {
    /// Holding the lock: check the predicate.
    Check(G),
    Waiting(ConditionWait<'a, G>),
    Done,
}

// The predicate is never pinned (it is only called through `&mut`), so the
// future may move whatever `F` is.
impl<'a, G: ConditionGuard, F> Unpin for WaitFor<'a, G, F> {}

impl<'a, G, F> Future for WaitFor<'a, G, F>
where
    G: ConditionGuard,
    F: FnMut(&G::Target) -> bool,
{
    type Output = G;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.state, WaitForState::Done) {
                WaitForState::Check(guard) => {
                    if (this.predicate)(&guard) {
                        return Poll::Ready(guard);
                    }
                    this.state = WaitForState::Waiting(this.cond.wait(guard));
                }
                WaitForState::Waiting(mut wait) => match Pin::new(&mut wait).poll(cx) {
                    Poll::Ready(guard) => this.state = WaitForState::Check(guard),
                    Poll::Pending => {
                        this.state = WaitForState::Waiting(wait);
                        return Poll::Pending;
                    }
                },
                WaitForState::Done => panic!("WaitFor polled after completion"),
            }
        }
    }
}

impl<'a, G: ConditionGuard, F> fmt::Debug for WaitFor<'a, G, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor").finish_non_exhaustive()
    }
}

impl<'a, G: ConditionGuard> fmt::Debug for ConditionWait<'a, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionWait").finish_non_exhaustive()
    }
}
