//! `Barrier`: wait until a fixed number of parties have arrived.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::blocking::{block_on, deadline_after};
use crate::loom::{lock, Mutex};
use crate::wait_list::{Key, WaitList, Wakers};

/// Lets `parties` tasks or threads wait until all of them have arrived,
/// like asyncio's and threading's `Barrier`. It resets itself after every
/// cycle.
///
/// Dropping a waiter while the barrier fills just takes it back out (the
/// barrier is not broken). [`abort`](Barrier::abort) breaks the barrier for
/// current and future waiters until [`reset`](Barrier::reset), and so does
/// a thread's [`blocking_wait_timeout`](Barrier::blocking_wait_timeout)
/// running out, as in Python.
///
/// [`with_action`](Barrier::with_action) adds Python's `action`: run once
/// per cycle by the last party to arrive, before any party is released.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use myrt_sync::Barrier;
///
/// let b = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let b = b.clone();
///         std::thread::spawn(move || b.blocking_wait().unwrap())
///     })
///     .collect();
/// let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
/// assert_eq!(results.iter().filter(|r| r.is_leader()).count(), 1);
/// ```
pub struct Barrier {
    parties: usize,
    action: Option<Box<dyn Fn() + Send + Sync>>,
    inner: Mutex<Inner>,
}

struct Inner {
    broken: bool,
    waiters: WaitList<Outcome>,
    /// The leader is running the action: arrivals for the next cycle wait
    /// at the gate until it is done.
    releasing: bool,
    gate: WaitList<()>,
    /// Bumped by every abort or reset, so a leader learns that its cycle
    /// was broken while it ran the action.
    resets: u64,
}

#[derive(Clone, Copy)]
enum Outcome {
    Waiting,
    Passed(usize),
    Broken,
}

impl Barrier {
    /// A barrier for `parties` waiters.
    ///
    /// # Panics
    ///
    /// If `parties` is 0 (Python's `ValueError`); see [`checked_new`](Self::checked_new).
    pub fn new(parties: usize) -> Self {
        match Self::checked_new(parties) {
            Ok(b) => b,
            Err(e) => panic!("Barrier::new: {e}"),
        }
    }

    /// A barrier for `parties` waiters.
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0.
    #[doc(alias = "try_new")]
    pub fn checked_new(parties: usize) -> Result<Self, ZeroPartiesError> {
        Self::build(parties, None)
    }

    /// A barrier for `parties` waiters whose last arrival runs `action`
    /// before it releases the others (Python's `Barrier(parties, action)`).
    ///
    /// The action runs inside that party's `wait` (its `poll`, for a task),
    /// so keep it short. If it panics, the barrier breaks: the others get
    /// [`BrokenBarrierError`] and the panic goes on in the party that ran
    /// it.
    ///
    /// # Panics
    ///
    /// If `parties` is 0; see [`checked_with_action`](Self::checked_with_action).
    pub fn with_action(parties: usize, action: impl Fn() + Send + Sync + 'static) -> Self {
        match Self::checked_with_action(parties, action) {
            Ok(b) => b,
            Err(e) => panic!("Barrier::with_action: {e}"),
        }
    }

    /// [`with_action`](Self::with_action) without the panic.
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0.
    pub fn checked_with_action(
        parties: usize,
        action: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ZeroPartiesError> {
        Self::build(parties, Some(Box::new(action)))
    }

    fn build(
        parties: usize,
        action: Option<Box<dyn Fn() + Send + Sync>>,
    ) -> Result<Self, ZeroPartiesError> {
        if parties == 0 {
            return Err(ZeroPartiesError { _priv: () });
        }
        Ok(Barrier {
            parties,
            action,
            inner: Mutex::new(Inner {
                broken: false,
                waiters: WaitList::new(),
                releasing: false,
                gate: WaitList::new(),
                resets: 0,
            }),
        })
    }

    /// How many waiters it takes to pass.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many waiters are blocked in the current cycle.
    pub fn n_waiting(&self) -> usize {
        lock(&self.inner).waiters.len()
    }

    /// Whether the barrier is broken (by [`abort`](Self::abort), a timed
    /// out thread or a panicking action).
    #[doc(alias = "broken")]
    pub fn is_broken(&self) -> bool {
        lock(&self.inner).broken
    }

    /// Breaks the barrier: current waiters and every later `wait` fail with
    /// [`BrokenBarrierError`] until [`reset`](Self::reset).
    pub fn abort(&self) {
        self.break_waiters(true);
    }

    /// Returns the barrier to its empty, unbroken state; waiters of the
    /// interrupted cycle fail with [`BrokenBarrierError`].
    pub fn reset(&self) {
        self.break_waiters(false);
    }

    fn break_waiters(&self, broken: bool) {
        let mut wakers = Wakers::new();
        {
            let mut g = lock(&self.inner);
            g.broken = broken;
            g.resets += 1;
            wakers.extend(g.waiters.drain_with(|o| *o = Outcome::Broken));
            wakers.extend(g.gate.drain_with(|_| {}));
        }
        wakers.wake();
    }

    /// Waits until `parties` waiters have arrived. Each learns a distinct
    /// index in `0..parties` (in arrival order); the last to arrive, which
    /// releases the others, is the leader.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is broken, or is aborted or
    /// reset while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before the barrier fills takes the
    /// waiter out again (the barrier needs another arrival, and is not
    /// broken). Once the barrier has passed, dropping changes nothing for
    /// the others.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_sync::Barrier;
    ///
    /// async fn phase(b: &Barrier) {
    ///     if b.wait().await.unwrap().is_leader() {
    ///         // one task does the bookkeeping
    ///     }
    /// }
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            key: None,
            gate: None,
            done: false,
        }
    }

    /// [`wait`](Self::wait) from a plain thread.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    pub fn blocking_wait(&self) -> Result<BarrierWaitResult, BrokenBarrierError> {
        block_on(self.wait(), None).expect("no deadline")
    }

    /// [`blocking_wait`](Self::blocking_wait), giving up after `timeout`.
    /// As in Python, running out breaks the barrier: this party and every
    /// other one of the cycle get [`BrokenBarrierError`] until
    /// [`reset`](Self::reset). A barrier that passed as the timeout ran out
    /// counts as passed. A timeout of [`TIMEOUT_MAX`](crate::TIMEOUT_MAX)
    /// or more waits forever.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait), and on timeout.
    #[doc(alias = "wait")]
    pub fn blocking_wait_timeout(
        &self,
        timeout: Duration,
    ) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let mut wait = self.wait();
        match block_on(&mut wait, deadline_after(timeout)) {
            Some(r) => r,
            None => wait.time_out(),
        }
    }

    /// The last arrival of a cycle: runs the action (if any) with the
    /// barrier unlocked, then releases the cycle's waiters.
    fn release_cycle<'a>(
        &'a self,
        mut g: crate::loom::MutexGuard<'a, Inner>,
        wakers: &mut Wakers,
    ) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let mut panic = None;
        if let Some(action) = &self.action {
            g.releasing = true;
            let resets = g.resets;
            drop(g);
            let ran = catch_unwind(AssertUnwindSafe(action));
            g = lock(&self.inner);
            g.releasing = false;
            wakers.extend(g.gate.drain_with(|_| {}));
            if g.resets != resets {
                // Aborted or reset meanwhile: the cycle's waiters are gone.
                return Err(BrokenBarrierError { _priv: () });
            }
            if let Err(p) = ran {
                g.broken = true;
                wakers.extend(g.waiters.drain_with(|o| *o = Outcome::Broken));
                panic = Some(p);
            }
        }
        if let Some(p) = panic {
            drop(g);
            std::mem::take(wakers).wake();
            resume_unwind(p);
        }
        let mut index = 0;
        wakers.extend(g.waiters.drain_with(|o| {
            *o = Outcome::Passed(index);
            index += 1;
        }));
        Ok(BarrierWaitResult {
            index,
            leader: true,
        })
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = lock(&self.inner);
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("action", &self.action.is_some())
            .field("n_waiting", &g.waiters.len())
            .field("broken", &g.broken)
            .finish()
    }
}

/// Future of [`Barrier::wait`].
#[must_use = "futures do nothing unless polled"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    key: Option<Key>,
    /// Our place at the gate while a leader runs the action.
    gate: Option<Key>,
    done: bool,
}

impl BarrierWait<'_> {
    /// A bounded wait ran out: the result if the barrier passed or broke
    /// meanwhile, else this party leaves and breaks the barrier.
    fn time_out(&mut self) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let mut wakers = Wakers::new();
        let out = {
            let mut g = lock(&self.barrier.inner);
            if let Some(gate) = self.gate.take() {
                g.gate.remove(gate);
            }
            let outcome = self.key.take().map(|key| g.waiters.remove(key));
            match outcome {
                Some(Outcome::Passed(index)) => Ok(BarrierWaitResult {
                    index,
                    leader: false,
                }),
                Some(Outcome::Broken) => Err(BrokenBarrierError { _priv: () }),
                Some(Outcome::Waiting) | None => {
                    g.broken = true;
                    g.resets += 1;
                    wakers.extend(g.waiters.drain_with(|o| *o = Outcome::Broken));
                    wakers.extend(g.gate.drain_with(|_| {}));
                    Err(BrokenBarrierError { _priv: () })
                }
            }
        };
        wakers.wake();
        self.done = true;
        out
    }
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "BarrierWait polled after completion");
        let parties = this.barrier.parties;
        let mut wakers = Wakers::new();
        let out = 'out: {
            let mut g = lock(&this.barrier.inner);
            if let Some(gate) = this.gate {
                if g.releasing && !g.broken {
                    g.gate.set_waker(gate, cx.waker());
                    break 'out Poll::Pending;
                }
                g.gate.remove(gate);
                this.gate = None;
            }
            match this.key {
                None if g.broken => Poll::Ready(Err(BrokenBarrierError { _priv: () })),
                None if g.releasing => {
                    this.gate = Some(g.gate.push_back((), cx.waker().clone()));
                    Poll::Pending
                }
                None if g.waiters.len() + 1 == parties => {
                    Poll::Ready(this.barrier.release_cycle(g, &mut wakers))
                }
                None => {
                    this.key = Some(g.waiters.push_back(Outcome::Waiting, cx.waker().clone()));
                    Poll::Pending
                }
                Some(key) => match *g.waiters.data(key) {
                    Outcome::Waiting => {
                        g.waiters.set_waker(key, cx.waker());
                        Poll::Pending
                    }
                    Outcome::Passed(index) => {
                        g.waiters.remove(key);
                        this.key = None;
                        Poll::Ready(Ok(BarrierWaitResult {
                            index,
                            leader: false,
                        }))
                    }
                    Outcome::Broken => {
                        g.waiters.remove(key);
                        this.key = None;
                        Poll::Ready(Err(BrokenBarrierError { _priv: () }))
                    }
                },
            }
        };
        wakers.wake();
        this.done = out.is_ready();
        out
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if self.key.is_some() || self.gate.is_some() {
            let mut g = lock(&self.barrier.inner);
            if let Some(key) = self.key.take() {
                g.waiters.remove(key);
            }
            if let Some(gate) = self.gate.take() {
                g.gate.remove(gate);
            }
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

/// What a waiter learns when the barrier passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    index: usize,
    leader: bool,
}

impl BarrierWaitResult {
    /// This waiter's arrival index in `0..parties`, distinct per waiter.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether this waiter released the barrier (exactly one per cycle).
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// The barrier was aborted or reset (Python's `BrokenBarrierError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenBarrierError {
    _priv: (),
}

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("barrier is broken")
    }
}

impl std::error::Error for BrokenBarrierError {}

/// A barrier needs at least one party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeroPartiesError {
    _priv: (),
}

impl fmt::Display for ZeroPartiesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a barrier needs at least one party")
    }
}

impl std::error::Error for ZeroPartiesError {}
