//! `Condition`: wait for a notification while giving up a [`Lock`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::blocking::{block_on, deadline_after};
use crate::lock::{Lock, LockGuard};
use crate::loom::{lock, Mutex};
use crate::semaphore::AcquireState;
use crate::wait_list::{Key, WaitList, Wakers};

/// A condition variable for [`Lock`] guards, like asyncio's and
/// threading's `Condition`.
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
    /// again and returns the new guard.
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
    pub fn wait<'a, T>(&'a self, guard: LockGuard<'a, T>) -> ConditionWait<'a, T> {
        ConditionWait {
            cond: self,
            lock: LockGuard::source(&guard),
            stage: Stage::Start(guard),
            st: AcquireState::new(1),
        }
    }

    /// Waits until `predicate` holds on the guarded value, re-checking it
    /// after every notification; returns the guard with the predicate true.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Self::wait): a notification received by a dropped future
    /// is passed on.
    pub async fn wait_for<'a, T, F>(
        &'a self,
        mut guard: LockGuard<'a, T>,
        mut predicate: F,
    ) -> LockGuard<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        while !predicate(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// [`wait`](Self::wait) for a plain thread holding a guard from
    /// [`Lock::blocking_lock`].
    #[doc(alias = "wait")]
    pub fn blocking_wait<'a, T>(&'a self, guard: LockGuard<'a, T>) -> LockGuard<'a, T> {
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
    pub fn blocking_wait_timeout<'a, T>(
        &'a self,
        guard: LockGuard<'a, T>,
        timeout: Duration,
    ) -> (LockGuard<'a, T>, bool) {
        let lock = LockGuard::source(&guard);
        let mut wait = self.wait(guard);
        if let Some(g) = block_on(&mut wait, deadline_after(timeout)) {
            return (g, true);
        }
        if wait.stop_waiting() {
            // Notified: only the lock is missing, and that wait is unbounded.
            let g = block_on(&mut wait, None).expect("no deadline");
            (g, true)
        } else {
            drop(wait);
            (lock.blocking_lock(), false)
        }
    }

    /// [`wait_for`](Self::wait_for) for a plain thread.
    #[doc(alias = "wait_for")]
    pub fn blocking_wait_for<'a, T, F>(
        &'a self,
        mut guard: LockGuard<'a, T>,
        mut predicate: F,
    ) -> LockGuard<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        while !predicate(&mut guard) {
            guard = self.blocking_wait(guard);
        }
        guard
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

enum Stage<'a, T> {
    /// Not polled yet; still holds the lock.
    Start(LockGuard<'a, T>),
    /// Queued for a notification; the lock is released.
    Waiting(Key),
    /// Notified; taking the lock again.
    Relocking,
    Done,
}

/// Future of [`Condition::wait`].
#[must_use = "futures do nothing unless polled"]
pub struct ConditionWait<'a, T> {
    cond: &'a Condition,
    lock: &'a Lock<T>,
    stage: Stage<'a, T>,
    st: AcquireState,
}

impl<T> ConditionWait<'_, T> {
    /// Ends the wait for a notification (its timeout ran out). True if the
    /// waiter was notified: it keeps the notification and, polled again,
    /// goes on to take the lock. False if it was not: it has left the
    /// queue, atomically with that check, so no later notify picks it.
    fn stop_waiting(&mut self) -> bool {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Waiting(key) => {
                let notified = lock(&self.cond.waiters).remove(key);
                if notified {
                    self.stage = Stage::Relocking;
                }
                notified
            }
            Stage::Relocking => {
                self.stage = Stage::Relocking;
                true
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

impl<'a, T> Future for ConditionWait<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.stage, Stage::Done) {
                Stage::Start(guard) => {
                    // Queue first, then unlock: a notify after our unlock
                    // finds us.
                    let waker = cx.waker().clone(); // outside the lock
                    let key = lock(&this.cond.waiters).push_back(false, waker);
                    this.stage = Stage::Waiting(key);
                    drop(guard);
                    return Poll::Pending;
                }
                Stage::Waiting(key) => {
                    let mut w = lock(&this.cond.waiters);
                    if *w.data(key) {
                        w.remove(key);
                        this.stage = Stage::Relocking;
                    } else {
                        w.set_waker(key, cx.waker());
                        this.stage = Stage::Waiting(key);
                        return Poll::Pending;
                    }
                }
                Stage::Relocking => match this.lock.poll_lock(&mut this.st, cx) {
                    Poll::Ready(()) => {
                        this.st = AcquireState::new(1);
                        return Poll::Ready(crate::lock::LockGuard::relocked(this.lock));
                    }
                    Poll::Pending => {
                        this.stage = Stage::Relocking;
                        return Poll::Pending;
                    }
                },
                Stage::Done => panic!("ConditionWait polled after completion"),
            }
        }
    }
}

impl<T> Drop for ConditionWait<'_, T> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Waiting(key) => {
                let notified = lock(&self.cond.waiters).remove(key);
                if notified {
                    self.cond.notify(1);
                }
            }
            Stage::Relocking => {
                self.lock.cancel_lock(&mut self.st);
                self.cond.notify(1);
            }
            Stage::Start(_) | Stage::Done => {}
        }
    }
}

impl<T> fmt::Debug for ConditionWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionWait").finish_non_exhaustive()
    }
}
