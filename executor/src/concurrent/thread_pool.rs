//! [`ThreadPoolExecutor`]: Python's `concurrent.futures.ThreadPoolExecutor`.
//!
//! # Implementation
//!
//! A job is a single allocation: the future's shared state and the closure
//! side by side (`JobCell`); the queues hold it as `Arc<dyn Queued>` and the
//! returned [`Future`] as `Arc<dyn Shared<T>>`.
//!
//! Two queues, each behind its own `Mutex`: `submit` pushes onto the
//! *inbox*; workers pop from the *outbox*, and a worker that finds the
//! outbox empty swaps the whole inbox in (O(1)). So the submitting thread
//! and the workers meet on a lock only once per batch, not once per job,
//! and jobs still start in submission order (the outbox is always older
//! than the inbox).
//!
//! A worker that finds the queue empty first *spins* for a few
//! microseconds, watching an atomic copy of the queue length, and only then
//! sleeps on the condvar: on a busy pool the next job usually arrives within
//! that time, and a futex wake-up costs the submitter more than the job.
//! The pool counts spinning and sleeping workers and the wake-ups already
//! sent. An idle worker takes one job, so `submit` weighs all the queued
//! jobs, the new one included, against the idle workers: if the spinners
//! are enough, it does nothing; otherwise it signals a sleeper that has not
//! been signalled yet, or, if there is none, starts a new thread (below
//! `max_workers`), even while a worker spins. A busy worker is never
//! counted on, since its job may be waiting for a queued one. A spinner
//! re-checks the queue under the lock after it stops spinning, so no job is
//! missed.

#![allow(unsafe_code)] // JobCell::job: only the thread that removed the cell's one queue entry touches it.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, PoisonError};

use super::future::{complete, Core, End, Outcome, Shared};
use super::{Executor, Future, Job, SubmitError};
use crate::loom::{lock, spin_loop, thread, AtomicUsize, Condvar, Mutex, Ordering, UnsafeCell};

type Initializer = Arc<dyn Fn() -> Result<(), String> + Send + Sync + 'static>;

/// A queued job, type-erased.
///
/// # Safety
///
/// Each method may only be called by the thread that removed this job's
/// one entry from the pool's queues (under the queue's lock), once.
trait Queued: Send + Sync {
    /// Runs the job unless its future was cancelled.
    unsafe fn run(self: Arc<Self>);
    /// Finishes the future with a broken-pool error.
    unsafe fn fail(self: Arc<Self>, why: &Arc<str>);
    /// Cancels the future (it has not started) and drops the closure.
    unsafe fn cancel(self: Arc<Self>);
}

/// The future's state and the closure in one allocation.
struct JobCell<T, F> {
    core: Core<T>,
    /// The closure. Written by `submit` before the cell is shared; then
    /// read and cleared only by the thread that removes the cell's single
    /// queue entry (the queue's mutex orders that after the write). Future
    /// handles sharing the cell never touch it.
    job: UnsafeCell<Option<F>>,
}

// SAFETY: `job` is accessed by one thread at a time (see its comment), and
// moving an `F: Send` between threads is fine; `core` is `Sync` for `T: Send`.
unsafe impl<T: Send, F: Send> Sync for JobCell<T, F> {}

impl<T, F> JobCell<T, F> {
    /// Takes the closure out.
    ///
    /// # Safety
    ///
    /// The caller owns the cell's queue entry (or holds the only reference
    /// to a cell never queued), so nobody else accesses `job`.
    unsafe fn take_job(&self) -> Option<F> {
        // SAFETY: exclusive access, by this function's contract.
        self.job.with_mut(|job| unsafe { (*job).take() })
    }
}

impl<T: Send, F: Send> Shared<T> for JobCell<T, F> {
    fn core(&self) -> &Core<T> {
        &self.core
    }
}

impl<T, F> Queued for JobCell<T, F>
where
    T: Send + 'static,
    F: Job<Output = T>,
{
    unsafe fn run(self: Arc<Self>) {
        // SAFETY: we own the queue entry (the trait's contract).
        let Some(f) = (unsafe { self.take_job() }) else {
            return;
        };
        if !self.core.set_running() {
            return;
        }
        let outcome = match catch_unwind(AssertUnwindSafe(|| f.run())) {
            Ok(v) => Outcome::Value(v),
            Err(payload) => Outcome::panicked(payload),
        };
        let shared: Arc<dyn Shared<T>> = self;
        let _ = complete(&shared, End::Finish, outcome);
    }

    unsafe fn fail(self: Arc<Self>, why: &Arc<str>) {
        // SAFETY: we own the queue entry (the trait's contract).
        drop(unsafe { self.take_job() });
        let shared: Arc<dyn Shared<T>> = self;
        let _ = complete(&shared, End::Finish, Outcome::Broken(Arc::clone(why)));
    }

    unsafe fn cancel(self: Arc<Self>) {
        // SAFETY: we own the queue entry (the trait's contract).
        drop(unsafe { self.take_job() });
        let shared: Arc<dyn Shared<T>> = self;
        let _ = complete(&shared, End::Cancel, Outcome::Empty);
    }
}

type Queue = VecDeque<Arc<dyn Queued>>;

struct PoolState {
    /// Jobs submitted since the last refill of the outbox, oldest first.
    inbox: Queue,
    /// Workers sleeping on the condvar (or woken but not yet back).
    idle: usize,
    /// Workers spinning on `queued` before they sleep.
    spinning: usize,
    /// Signals sent to idle workers that they have not consumed yet.
    wakeups: usize,
    /// Threads started.
    threads: usize,
    shutdown: bool,
    broken: Option<Arc<str>>,
}

struct PoolShared {
    state: Mutex<PoolState>,
    /// Jobs workers take from. When it is empty, a worker swaps the whole
    /// inbox in, so `submit` and the workers rarely touch the same lock.
    /// Lock order: `outbox`, then `state`. All of the outbox is older than
    /// all of the inbox, so jobs start in submission order.
    outbox: Mutex<Queue>,
    cond: Condvar,
    /// Hints for spinners and `submit`, stored (no read-modify-write)
    /// under the queue's lock: the inbox length, and the outbox length as
    /// of the last refill, zeroed when the outbox runs empty (not updated
    /// on every pop, to keep the workers from bouncing its cache line).
    inbox_len: AtomicUsize,
    outbox_len: AtomicUsize,
    /// Join handles of the workers. Lock order: `state`, then `handles`.
    /// `shutdown(wait)` holds it while joining, so a second concurrent
    /// `shutdown(wait)` also waits; no worker is spawned after shutdown, so
    /// no spawner waits for it then.
    handles: Mutex<Vec<thread::JoinHandle<()>>>,
    max_workers: usize,
    prefix: String,
    initializer: Option<Initializer>,
}

impl PoolShared {
    /// About how many jobs are queued (never 0 while a job is).
    fn queued_hint(&self) -> usize {
        self.inbox_len.load(Ordering::Acquire) + self.outbox_len.load(Ordering::Acquire)
    }

    /// Runs `f` on the state with both queues locked, then takes every
    /// queued job out.
    fn take_all(&self, f: impl FnOnce(&mut PoolState)) -> Queue {
        let mut out = lock(&self.outbox);
        let mut st = lock(&self.state);
        f(&mut st);
        let mut jobs = std::mem::take(&mut *out);
        jobs.append(&mut st.inbox);
        self.inbox_len.store(0, Ordering::Release);
        self.outbox_len.store(0, Ordering::Release);
        jobs
    }

    /// Marks the pool broken and fails every queued job.
    fn break_pool(&self, why: String) {
        let why: Arc<str> = why.into();
        let queued = self.take_all(|st| {
            if st.broken.is_none() {
                st.broken = Some(Arc::clone(&why));
            }
        });
        self.cond.notify_all();
        for job in queued {
            // SAFETY: `take_all` removed these entries from the queues.
            unsafe { job.fail(&why) };
        }
    }

    /// The next job for a worker, or `None` when it should exit.
    fn next_job(&self) -> Option<Arc<dyn Queued>> {
        let mut spun = SPIN_ROUNDS == 0;
        loop {
            let mut out = lock(&self.outbox);
            if let Some(job) = out.pop_front() {
                if out.is_empty() {
                    self.outbox_len.store(0, Ordering::Release);
                }
                return Some(job);
            }
            let mut st = lock(&self.state);
            if !st.inbox.is_empty() {
                std::mem::swap(&mut *out, &mut st.inbox);
                self.inbox_len.store(0, Ordering::Release);
                drop(st);
                let job = out.pop_front();
                self.outbox_len.store(out.len(), Ordering::Release);
                return job;
            }
            // Both queues are empty, and stay so while we hold `state`.
            drop(out);
            if st.shutdown || st.broken.is_some() {
                return None;
            }
            if !spun {
                spun = true;
                st.spinning += 1;
                drop(st);
                spin_for_work(self);
                lock(&self.state).spinning -= 1;
                continue;
            }
            st.idle += 1;
            st = self.cond.wait(st).unwrap_or_else(PoisonError::into_inner);
            st.idle -= 1;
            st.wakeups = st.wakeups.saturating_sub(1);
            spun = SPIN_ROUNDS == 0;
        }
    }

    /// Starts worker `index`. Called with the state lock held, so that
    /// `shutdown` sees every handle.
    fn spawn_worker(self: &Arc<Self>, st: &mut PoolState) -> std::io::Result<()> {
        let shared = Arc::clone(self);
        let index = st.threads;
        let handle = thread::Builder::new()
            .name(format!("{}_{}", self.prefix, index))
            .spawn(move || worker(&shared))?;
        st.threads += 1;
        lock(&self.handles).push(handle);
        Ok(())
    }
}

/// Rounds of spinning/yielding an idle worker does before it sleeps.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 16;
#[cfg(loom)]
const SPIN_ROUNDS: u32 = 0;

/// Spins, then yields, until a queue is non-empty or the rounds run out.
fn spin_for_work(shared: &PoolShared) {
    for round in 0..SPIN_ROUNDS {
        if shared.queued_hint() > 0 {
            return;
        }
        if round < 6 {
            for _ in 0..(1u32 << round) {
                spin_loop();
            }
        } else {
            thread::yield_now();
        }
    }
}

fn worker(shared: &PoolShared) {
    let _registered = crate::threads::register(crate::threads::Role::Pool, true);
    if let Some(init) = &shared.initializer {
        let why = match catch_unwind(AssertUnwindSafe(|| init())) {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("a worker's initializer failed: {e}")),
            Err(payload) => Some(match super::error::payload_str(&*payload) {
                Some(msg) => format!("a worker's initializer panicked: {msg}"),
                None => "a worker's initializer panicked".to_owned(),
            }),
        };
        if let Some(why) = why {
            shared.break_pool(why);
            return;
        }
    }
    while let Some(job) = shared.next_job() {
        // SAFETY: `next_job` removed this entry from the queues.
        unsafe { job.run() };
    }
}

/// A pool of threads running submitted closures (Python
/// `concurrent.futures.ThreadPoolExecutor`).
///
/// Threads start on demand, one per [`submit`](Executor::submit) that finds
/// no idle worker left for its job (every job still queued claims one), up
/// to `max_workers`, and then stay to be reused until
/// [`shutdown`](Executor::shutdown). Dropping the pool is
/// `shutdown(wait = true, cancel_futures = false)`: queued jobs still run.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{blocking_as_completed, Executor, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::builder()
///     .max_workers(4)
///     .thread_name_prefix("hasher")
///     .build();
/// let futures: Vec<_> = (0..8u64)
///     .map(|i| pool.submit(move || i * i).unwrap())
///     .collect();
/// let mut total = 0;
/// for fut in blocking_as_completed(futures) {
///     total += fut.unwrap().result().unwrap();
/// }
/// assert_eq!(total, 140);
/// ```
pub struct ThreadPoolExecutor {
    shared: Arc<PoolShared>,
}

impl ThreadPoolExecutor {
    /// A pool with the default settings of [`Builder`].
    pub fn new() -> Self {
        Builder::new().build()
    }

    /// A builder to configure a pool.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The most threads this pool starts.
    pub fn max_workers(&self) -> usize {
        self.shared.max_workers
    }

    /// How many worker threads have been started so far.
    pub fn num_threads(&self) -> usize {
        lock(&self.shared.state).threads
    }

    /// How many jobs wait for a worker.
    pub fn queued(&self) -> usize {
        let out = lock(&self.shared.outbox);
        let st = lock(&self.shared.state);
        out.len() + st.inbox.len()
    }

    /// Whether a worker's initializer failed, with the reason.
    pub fn broken(&self) -> Option<String> {
        lock(&self.shared.state)
            .broken
            .as_ref()
            .map(|why| why.to_string())
    }
}

impl Default for ThreadPoolExecutor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor for ThreadPoolExecutor {
    fn submit<J: Job>(&self, f: J) -> Result<Future<J::Output>, SubmitError<J>> {
        let cell = Arc::new(JobCell {
            core: Core::new(),
            job: UnsafeCell::new(Some(f)),
        });
        let shared = &self.shared;
        let mut st = lock(&shared.state);
        let refused = if let Some(why) = &st.broken {
            Some(Some(Arc::clone(why)))
        } else if st.shutdown {
            Some(None)
        } else {
            None
        };
        if let Some(why) = refused {
            drop(st);
            // SAFETY: the cell was never queued nor shared: `cell` is the
            // only reference to it.
            let f = unsafe { cell.take_job() };
            let f = f.expect("the job is still in its cell");
            return Err(match why {
                Some(why) => SubmitError::Broken(f, why),
                None => SubmitError::ShutDown(f),
            });
        }
        st.inbox.push_back(Arc::clone(&cell) as Arc<dyn Queued>);
        shared.inbox_len.store(st.inbox.len(), Ordering::Release);
        // Every queued job, this one included, needs an idle worker of its
        // own: a spinner takes one job, and so does a signalled sleeper.
        let pending = st.inbox.len() + shared.outbox_len.load(Ordering::Acquire);
        let mut notify = false;
        if pending <= st.spinning {
            // The spinners will take all of them.
        } else if st.idle > st.wakeups {
            st.wakeups += 1;
            notify = true;
        } else if st.threads < shared.max_workers {
            // More jobs wait than idle workers can take, even if one spins:
            // without a thread of its own, this job might wait for a busy
            // worker whose job waits for it.
            if let Err(e) = shared.spawn_worker(&mut st) {
                if st.threads == 0 {
                    drop(st);
                    shared.break_pool(format!("could not start a worker thread: {e}"));
                    return Ok(Future::from_shared(cell));
                }
            }
        }
        drop(st);
        if notify {
            shared.cond.notify_one();
        }
        Ok(Future::from_shared(cell))
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let shared = &self.shared;
        let cancelled = if cancel_futures {
            shared.take_all(|st| st.shutdown = true)
        } else {
            lock(&shared.state).shutdown = true;
            VecDeque::new()
        };
        shared.cond.notify_all();
        for job in cancelled {
            // SAFETY: `take_all` removed these entries from the queues.
            unsafe { job.cancel() };
        }
        if wait {
            let mut handles = lock(&shared.handles);
            let me = thread::current().id();
            for handle in std::mem::take(&mut *handles) {
                // A job may shut its own pool down; it cannot wait for itself.
                if handle.thread().id() != me {
                    let _ = handle.join();
                }
            }
        }
    }
}

impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = lock(&self.shared.state);
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.shared.max_workers)
            .field("threads", &st.threads)
            .field("idle", &(st.idle + st.spinning))
            .field("queued", &self.shared.queued_hint())
            .field("shutdown", &st.shutdown)
            .field("broken", &st.broken)
            .finish()
    }
}

/// Configures a [`ThreadPoolExecutor`].
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{Executor, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::builder()
///     .max_workers(2)
///     .thread_name_prefix("worker")
///     .initializer(|| { /* per-thread setup */ })
///     .build();
/// let name = pool.submit(|| std::thread::current().name().map(String::from)).unwrap();
/// assert_eq!(name.result().unwrap().as_deref(), Some("worker_0"));
/// ```
pub struct Builder {
    max_workers: Option<usize>,
    prefix: Option<String>,
    initializer: Option<Initializer>,
}

/// Why [`Builder::checked_build`] failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// `max_workers` was 0 (Python: `ValueError`).
    ZeroWorkers,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroWorkers => f.write_str("max_workers must be greater than 0"),
        }
    }
}

impl std::error::Error for BuildError {}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("max_workers", &self.max_workers)
            .field("thread_name_prefix", &self.prefix)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// `min(32, cpus + 4)`, Python's default.
fn default_max_workers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cpus + 4).min(32)
}

impl Builder {
    /// Default settings: `max_workers = min(32, cpus + 4)`, threads named
    /// `ThreadPoolExecutor-<n>_<i>`, no initializer.
    pub fn new() -> Self {
        Builder {
            max_workers: None,
            prefix: None,
            initializer: None,
        }
    }

    /// The most threads the pool starts (must be at least 1).
    pub fn max_workers(mut self, n: usize) -> Self {
        self.max_workers = Some(n);
        self
    }

    /// Threads are named `<prefix>_<i>`, `i` counting from 0.
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Runs `f` at the start of every worker thread. If it panics, the pool
    /// becomes broken: queued futures fail with
    /// [`FutureError::BrokenPool`](super::FutureError::BrokenPool) and later
    /// submits are refused with [`SubmitError::Broken`].
    pub fn initializer<F>(mut self, f: F) -> Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.initializer = Some(Arc::new(move || {
            f();
            Ok(())
        }));
        self
    }

    /// Like [`initializer`](Builder::initializer) for a fallible `f`: an
    /// `Err` breaks the pool the same way a panic does, and its text goes
    /// into the error.
    pub fn fallible_initializer<F, E>(mut self, f: F) -> Self
    where
        F: Fn() -> Result<(), E> + Send + Sync + 'static,
        E: fmt::Display,
    {
        self.initializer = Some(Arc::new(move || f().map_err(|e| e.to_string())));
        self
    }

    /// Builds the pool. No thread starts before the first submit.
    ///
    /// # Panics
    ///
    /// If `max_workers` is 0; [`checked_build`](Builder::checked_build) returns an
    /// error instead.
    pub fn build(self) -> ThreadPoolExecutor {
        match self.checked_build() {
            Ok(pool) => pool,
            Err(e) => panic!("{e}"),
        }
    }

    /// Builds the pool.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroWorkers`] if `max_workers` is 0.
    #[doc(alias = "try_build")]
    pub fn checked_build(self) -> Result<ThreadPoolExecutor, BuildError> {
        // Only numbers the default thread names; loom's atomics cannot be
        // statics, and nothing here needs model checking.
        static POOLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

        let max_workers = self.max_workers.unwrap_or_else(default_max_workers);
        if max_workers == 0 {
            return Err(BuildError::ZeroWorkers);
        }
        let prefix = self.prefix.unwrap_or_else(|| {
            format!(
                "ThreadPoolExecutor-{}",
                POOLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            )
        });
        Ok(ThreadPoolExecutor {
            shared: Arc::new(PoolShared {
                state: Mutex::new(PoolState {
                    inbox: VecDeque::new(),
                    idle: 0,
                    spinning: 0,
                    wakeups: 0,
                    threads: 0,
                    shutdown: false,
                    broken: None,
                }),
                outbox: Mutex::new(VecDeque::new()),
                cond: Condvar::new(),
                inbox_len: AtomicUsize::new(0),
                outbox_len: AtomicUsize::new(0),
                handles: Mutex::new(Vec::new()),
                max_workers,
                prefix,
                initializer: self.initializer,
            }),
        })
    }
}
