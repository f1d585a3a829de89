//! `Barrier`: wait until a fixed number of parties have arrived.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::blocking::block_on;
use crate::loom::{lock, Mutex};
use crate::wait_list::{Key, WaitList, Wakers};

/// Lets `parties` tasks or threads wait until all of them have arrived,
/// like asyncio's and threading's `Barrier`. It resets itself after every
/// cycle.
///
/// Dropping a waiter while the barrier fills just takes it back out (the
/// barrier is not broken). [`abort`](Barrier::abort) breaks the barrier for
/// current and future waiters until [`reset`](Barrier::reset).
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
    inner: Mutex<Inner>,
}

struct Inner {
    broken: bool,
    waiters: WaitList<Outcome>,
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
        if parties == 0 {
            return Err(ZeroPartiesError { _priv: () });
        }
        Ok(Barrier {
            parties,
            inner: Mutex::new(Inner {
                broken: false,
                waiters: WaitList::new(),
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

    /// Whether the barrier is broken (by [`abort`](Self::abort)).
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
            wakers.extend(g.waiters.drain_with(|o| *o = Outcome::Broken));
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
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = lock(&self.inner);
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
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
    done: bool,
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "BarrierWait polled after completion");
        let parties = this.barrier.parties;
        let mut wakers = Wakers::new();
        let out = {
            let mut g = lock(&this.barrier.inner);
            match this.key {
                None if g.broken => Poll::Ready(Err(BrokenBarrierError { _priv: () })),
                None if g.waiters.len() + 1 == parties => {
                    let mut index = 0;
                    wakers.extend(g.waiters.drain_with(|o| {
                        *o = Outcome::Passed(index);
                        index += 1;
                    }));
                    Poll::Ready(Ok(BarrierWaitResult {
                        index: parties - 1,
                        leader: true,
                    }))
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
        if let Some(key) = self.key.take() {
            lock(&self.barrier.inner).waiters.remove(key);
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
