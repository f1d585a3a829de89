//! Schedulers: current-thread and multi-thread work-stealing, their shared
//! configuration, the thread-local runtime context and `block_on`.

pub(crate) mod current;
pub(crate) mod multi;
mod panics;
pub(crate) mod queue;

#[cfg(all(test, loom))]
mod loom_current;
#[cfg(all(test, loom))]
mod loom_park;
#[cfg(all(test, loom))]
mod loom_queue;

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use crate::blocking::BlockingPool;
use crate::hooks::Hooks;
use crate::loom::Counter;
use crate::park::{CondvarPark, Park};
use crate::task::registry::Registry;
use crate::task::{self, JoinHandle, TaskInfo};

pub use crate::hooks::{EnterHook, ThreadHook};
pub use panics::UnhandledPanic;

/// Which scheduler a [`Config`] builds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Tasks run on the thread that calls `block_on`.
    CurrentThread,
    /// Tasks run on a pool of work-stealing worker threads.
    MultiThread,
}

/// Everything needed to build a [`Scheduler`].
#[derive(Clone)]
pub struct Config {
    /// Which scheduler.
    pub flavor: Flavor,
    /// Worker threads (multi-thread only); must be at least 1.
    pub worker_threads: usize,
    /// Most threads the blocking pool may run at once; at least 1.
    pub max_blocking_threads: usize,
    /// How long an idle blocking thread waits for work before exiting.
    pub blocking_keep_alive: Duration,
    /// Names runtime threads.
    pub thread_name: Arc<dyn Fn() -> String + Send + Sync + 'static>,
    /// Called on each runtime thread as it starts.
    pub on_thread_start: Option<ThreadHook>,
    /// Called on each runtime thread as it stops.
    pub on_thread_stop: Option<ThreadHook>,
    /// Called on each runtime thread and in `block_on` to enter the
    /// embedder's context.
    pub on_enter: Option<EnterHook>,
    /// What idle workers block on.
    pub park: Arc<dyn Park>,
    /// What a panic in a task nobody joins does.
    pub unhandled_panic: UnhandledPanic,
}

impl Config {
    /// Defaults for `flavor`: one worker per CPU, 512 blocking threads,
    /// 10 s keep-alive, threads named `myrt-worker`, a condvar parker.
    pub fn new(flavor: Flavor) -> Config {
        Config {
            flavor,
            worker_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
            thread_name: Arc::new(|| "myrt-worker".to_string()),
            on_thread_start: None,
            on_thread_stop: None,
            on_enter: None,
            park: Arc::new(CondvarPark::new()),
            unhandled_panic: UnhandledPanic::default(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .finish_non_exhaustive()
    }
}

/// State every scheduler has.
pub(crate) struct Common {
    pub(crate) registry: Registry,
    pub(crate) blocking: BlockingPool,
    pub(crate) hooks: Arc<Hooks>,
    pub(crate) park: Arc<dyn Park>,
    pub(crate) workers: usize,
    pub(crate) panics: panics::Panics,
}

impl Common {
    /// The `Schedule::unhandled_panic` of both schedulers.
    pub(crate) fn unhandled_panic(&self, id: task::Id, name: Option<&str>, message: &str) {
        self.panics.on_panic(&self.registry, id, name, message);
    }
}

/// Lets blocking threads make this runtime current (through a weak handle:
/// the pool must not keep the scheduler alive).
fn set_enter_runtime(hooks: &Hooks, kind: Kind) {
    let _ = hooks.enter_runtime.set(Box::new(move || {
        let handle = kind.upgrade()?;
        let guard: Box<dyn Any> = Box::new(handle.enter_inner(false));
        Some(guard)
    }));
}

/// A weak handle (what runtime threads keep, to avoid a cycle).
#[derive(Clone)]
pub(crate) enum Kind {
    Current(std::sync::Weak<current::Shared>),
    Multi(std::sync::Weak<multi::Shared>),
}

impl Kind {
    fn upgrade(&self) -> Option<Handle> {
        let kind = match self {
            Kind::Current(w) => Strong::Current(w.upgrade()?),
            Kind::Multi(w) => Strong::Multi(w.upgrade()?),
        };
        Some(Handle { kind })
    }
}

#[derive(Clone)]
enum Strong {
    Current(Arc<current::Shared>),
    Multi(Arc<multi::Shared>),
}

/// A cheap, cloneable reference to a runtime's scheduler: spawn tasks and
/// blocking jobs on it from anywhere, read its metrics.
#[derive(Clone)]
pub struct Handle {
    kind: Strong,
}

impl Handle {
    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime; see [`checked_current`](Self::checked_current).
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::checked_current() {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        }
    }

    /// The handle of the runtime this thread is in, or an error outside one.
    #[doc(alias = "try_current")]
    pub fn checked_current() -> Result<Handle, NoRuntime> {
        CONTEXT
            .with(|c| c.handle.borrow().clone())
            .ok_or(NoRuntime(()))
    }

    /// The error [`checked_current`](Self::checked_current) gives outside a runtime.
    pub fn no_runtime_error() -> NoRuntime {
        NoRuntime(())
    }

    /// Spawns a task on this runtime.
    ///
    /// If the runtime has shut down, the task is cancelled at once: awaiting
    /// the handle gives a cancelled [`JoinError`](crate::task::JoinError).
    #[doc(alias("create_task"))]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(future, None)
    }

    pub(crate) fn spawn_named<F>(&self, future: F, name: Option<Box<str>>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (handle, refused) = self.kind.spawn(future, name);
        if let Some(task) = refused {
            cancel_refused(task);
        }
        handle
    }

    /// Spawns on the current runtime without cloning its handle: the
    /// thread-local context is borrowed for the spawn, so the one
    /// reference count taken is the task's own on its scheduler.
    pub(crate) fn spawn_on_current<F>(
        future: F,
        name: Option<Box<str>>,
    ) -> Result<JoinHandle<F::Output>, NoRuntime>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (handle, refused) = CONTEXT.with(|c| {
            let h = c.handle.borrow();
            match h.as_ref() {
                Some(h) => Ok(h.kind.spawn(future, name)),
                None => Err(NoRuntime(())),
            }
        })?;
        // Outside the borrow: cancelling drops the future, whose destructor
        // may enter a runtime itself.
        if let Some(task) = refused {
            cancel_refused(task);
        }
        Ok(handle)
    }

    /// Runs `f` on the blocking pool.
    #[doc(alias("run_in_executor"))]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.kind.common().blocking.spawn(f)
    }

    /// Counts for this runtime.
    pub fn metrics(&self) -> Metrics {
        let c = self.kind.common();
        let (injector_depth, per_worker) = match &self.kind {
            Strong::Current(s) => s.metrics(),
            Strong::Multi(s) => s.metrics(),
        };
        Metrics {
            workers: c.workers,
            live_tasks: c.registry.live(),
            blocking_threads: c.blocking.threads(),
            blocking_queue_depth: c.blocking.queued(),
            injector_depth,
            per_worker,
        }
    }

    /// Snapshots of this runtime's live tasks.
    pub fn tasks(&self) -> Vec<TaskInfo> {
        task::collect_infos(&self.kind.common().registry)
    }

    /// Makes this runtime current on this thread until the guard drops, so
    /// `spawn` and `Handle::current` work from plain threads.
    pub fn enter(&self) -> EnterGuard {
        self.enter_inner(false)
    }

    pub(crate) fn enter_inner(&self, in_runtime: bool) -> EnterGuard {
        CONTEXT.with(|c| EnterGuard {
            prev: c.handle.replace(Some(self.clone())),
            prev_in_runtime: c.in_runtime.replace(in_runtime || c.in_runtime.get()),
            _not_send: std::marker::PhantomData,
        })
    }

    /// Runs a future to completion on this thread.
    ///
    /// On a multi-thread runtime spawned tasks keep running on the workers
    /// meanwhile; on a current-thread runtime they run here, inside this call.
    ///
    /// # Panics
    ///
    /// Panics if called from inside a runtime (a task or another
    /// `block_on`), which would otherwise deadlock; see
    /// [`checked_block_on`](Self::checked_block_on).
    #[track_caller]
    #[doc(alias("run_until_complete"))]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.checked_block_on(future) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`block_on`](Self::block_on), but returns an error instead of
    /// panicking when called from inside a runtime.
    #[doc(alias = "try_block_on")]
    pub fn checked_block_on<F: Future>(&self, future: F) -> Result<F::Output, NestedBlockOn> {
        if CONTEXT.with(|c| c.in_runtime.get()) {
            return Err(NestedBlockOn(()));
        }
        // A thread that drives a runtime is listed (as the main thread or
        // a foreign one) from here on.
        crate::threads::touch();
        let strong = &self.kind;
        let _g = self.enter_inner(true);
        let _embed = strong.common().hooks.on_enter.as_ref().map(|f| f());
        if strong.common().panics.watched() {
            // `UnhandledPanic::ShutdownRuntime`: a detached task's panic
            // ends this call too.
            let panics = &strong.common().panics;
            let mut future = std::pin::pin!(future);
            let watched = std::future::poll_fn(|cx| {
                if let Some(report) = panics.poll_fatal(cx) {
                    panic!("the runtime shut down (UnhandledPanic::ShutdownRuntime): {report}");
                }
                future.as_mut().poll(cx)
            });
            return Ok(match strong {
                Strong::Current(s) => current::block_on(s, watched),
                Strong::Multi(_) => park_thread_block_on(watched),
            });
        }
        Ok(match strong {
            Strong::Current(s) => current::block_on(s, future),
            Strong::Multi(_) => park_thread_block_on(future),
        })
    }
}

/// Allocates a task owned by `sched`, lists it in `registry` and queues it.
/// A closed registry (the runtime is shutting down) refuses it: the task
/// comes back with its registry reference, for [`cancel_refused`] (which
/// runs its destructor, so the caller first lets go of anything a
/// destructor might need).
fn spawn_registered<S, F>(
    sched: &S,
    registry: &Registry,
    future: F,
    name: Option<Box<str>>,
) -> (JoinHandle<F::Output>, Option<task::Notified>)
where
    S: task::Schedule + Clone,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (notified, handle) = task::new_task(future, sched.clone(), name, true);
    if !registry.insert(notified.raw()) {
        return (handle, Some(notified));
    }
    // Like a wake, a spawn from a worker goes to its LIFO slot: the
    // spawner usually waits for what it spawned (hyper's HTTP/2 connection
    // task and its stream tasks), so running it next keeps both hot in
    // the cache. LIFO_LIMIT still sends the slot to the ring after three
    // turns, so a spawn loop cannot starve the queue.
    sched.schedule(notified, false);
    (handle, None)
}

/// Cancels a task the registry refused: its future is dropped here, and
/// awaiting its handle gives a cancelled `JoinError`.
fn cancel_refused(notified: task::Notified) {
    notified.raw().cancel();
    notified.raw().drop_ref(); // the reference meant for the registry
    drop(notified);
}

impl Strong {
    fn spawn<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
    ) -> (JoinHandle<F::Output>, Option<task::Notified>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Strong::Multi(s) => spawn_registered(s, &s.common.registry, future, name),
            Strong::Current(s) => spawn_registered(s, &s.common.registry, future, name),
        }
    }

    fn begin_shutdown(&self) {
        match self {
            Strong::Multi(s) => s.begin_shutdown(),
            Strong::Current(s) => s.begin_shutdown(),
        }
    }

    fn common(&self) -> &Common {
        match self {
            Strong::Current(s) => &s.common,
            Strong::Multi(s) => &s.common,
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// Runtime counts, from [`Handle::metrics`]: a snapshot, each field read
/// on its own (they are not one consistent instant).
///
/// tokio's `RuntimeMetrics` splits the same counts into getters
/// (`num_workers`, `num_alive_tasks`, `global_queue_depth`,
/// `worker_poll_count(i)`, …); here one call returns them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Worker threads (1 for a current-thread runtime).
    pub workers: usize,
    /// Tasks spawned and not yet finished.
    pub live_tasks: usize,
    /// Blocking-pool threads alive now.
    pub blocking_threads: usize,
    /// Blocking jobs queued and not yet picked up by a thread.
    pub blocking_queue_depth: usize,
    /// Tasks in the global (injector) queue: woken or spawned from outside
    /// the workers, or spilled from a full local queue.
    pub injector_depth: usize,
    /// One entry per worker, in worker order (one for a current-thread
    /// runtime: the thread driving it).
    pub per_worker: Vec<WorkerMetrics>,
}

/// One worker's counts, in [`Metrics::per_worker`]. The counters run from
/// the runtime's start and only grow; subtract two snapshots for a rate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Task polls this worker made.
    pub polls: u64,
    /// Times it took tasks from another worker's queue (always 0 on a
    /// current-thread runtime).
    pub steals: u64,
    /// Times it went to sleep for want of work.
    pub parks: u64,
    /// Polls that ended because the task used up its cooperative budget
    /// ([`coop::BUDGET`](crate::coop::BUDGET) resource operations) and was
    /// made to yield.
    pub budget_yields: u64,
    /// Tasks in its local run queue now (the multi-thread scheduler's LIFO
    /// slot, which holds at most one, is not counted; on a current-thread
    /// runtime, as of its last poll or wake-up).
    pub local_queue_depth: usize,
}

/// The counters behind one [`WorkerMetrics`]: written only by the worker
/// that owns them, aligned to their own cache lines so two workers never
/// write the same line.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct WorkerStats {
    pub(crate) polls: Counter,
    pub(crate) steals: Counter,
    pub(crate) parks: Counter,
    pub(crate) budget_yields: Counter,
}

impl WorkerStats {
    /// Counts one task poll and whether the budget ended it.
    #[inline]
    pub(crate) fn polled(&self, budget_spent: bool) {
        self.polls.bump();
        if budget_spent {
            self.budget_yields.bump();
        }
    }

    pub(crate) fn snapshot(&self, local_queue_depth: usize) -> WorkerMetrics {
        WorkerMetrics {
            polls: self.polls.get(),
            steals: self.steals.get(),
            parks: self.parks.get(),
            budget_yields: self.budget_yields.get(),
            local_queue_depth,
        }
    }
}

/// Error from [`Handle::checked_current`]: this thread is not in a runtime.
#[derive(Debug)]
pub struct NoRuntime(());

impl fmt::Display for NoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("there is no myrt runtime here: call this from inside `Runtime::block_on`, a spawned task, or after `Handle::enter`")
    }
}

impl std::error::Error for NoRuntime {}

/// Error from `checked_block_on`: this thread is already driving a runtime.
#[derive(Debug)]
pub struct NestedBlockOn(());

impl fmt::Display for NestedBlockOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "cannot block_on from inside a runtime: this thread is driving async tasks, and blocking it would \
             stall them; `.await` the future instead, or use spawn_blocking to get a thread that may block",
        )
    }
}

impl std::error::Error for NestedBlockOn {}

struct ContextTls {
    handle: RefCell<Option<Handle>>,
    in_runtime: Cell<bool>,
}

thread_local! {
    static CONTEXT: ContextTls = const {
        ContextTls { handle: RefCell::new(None), in_runtime: Cell::new(false) }
    };
}

/// Restores the previous runtime context when dropped.
pub struct EnterGuard {
    prev: Option<Handle>,
    prev_in_runtime: bool,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        CONTEXT.with(|c| {
            *c.handle.borrow_mut() = self.prev.take();
            c.in_runtime.set(self.prev_in_runtime);
        });
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnterGuard")
    }
}

/// Spins `ThreadWaker::wait` makes before it parks.
const SPIN_BEFORE_PARK: u32 = 256;

/// Wakes a thread parked in `wait`.
pub(crate) struct ThreadWaker {
    thread: std::thread::Thread,
    woken: std::sync::atomic::AtomicBool,
}

impl ThreadWaker {
    /// A waker for the calling thread.
    pub(crate) fn new() -> Arc<ThreadWaker> {
        Arc::new(ThreadWaker {
            thread: std::thread::current(),
            woken: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Parks until woken (a wake-up sent before the call counts).
    pub(crate) fn wait(&self) {
        // A swap per turn, not a load: spinning on a relaxed load and
        // swapping only when it reads true made `ping_pong` from
        // `block_on` twice as slow on this project's 2-core VM (8.6 ms
        // against 3.5 ms; without any spin, 4.2 ms).
        for _ in 0..SPIN_BEFORE_PARK {
            if self.woken.swap(false, std::sync::atomic::Ordering::Acquire) {
                return;
            }
            std::hint::spin_loop();
        }
        while !self.woken.swap(false, std::sync::atomic::Ordering::Acquire) {
            std::thread::park();
        }
    }
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, std::sync::atomic::Ordering::Release);
        self.thread.unpark();
    }
}

/// Polls `future` on this thread, parking the thread between wake-ups.
pub(crate) fn park_thread_block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let tw = ThreadWaker::new();
    let waker = Waker::from(tw.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = crate::coop::budgeted(|| future.as_mut().poll(&mut cx)) {
            return v;
        }
        tw.wait();
    }
}

/// A scheduler that owns its threads: dropping it shuts it down, cancels
/// and drops every task, and joins the workers.
pub struct Scheduler {
    handle: Handle,
    strong: Strong,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// Shut down already (its parts moved to `shutdown_then`).
    done: bool,
}

impl Scheduler {
    /// Builds a scheduler.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `worker_threads` or `max_blocking_threads` is 0;
    /// the OS error when a worker thread cannot be started.
    pub fn new(config: Config) -> io::Result<Scheduler> {
        if config.worker_threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "worker_threads must be at least 1 (a runtime with no workers would never run a task)",
            ));
        }
        if config.max_blocking_threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_blocking_threads must be at least 1",
            ));
        }
        let hooks = Arc::new(Hooks {
            thread_name: config.thread_name.clone(),
            on_thread_start: config.on_thread_start.clone(),
            on_thread_stop: config.on_thread_stop.clone(),
            on_enter: config.on_enter.clone(),
            enter_runtime: std::sync::OnceLock::new(),
        });
        let workers = match config.flavor {
            Flavor::CurrentThread => 1,
            Flavor::MultiThread => config.worker_threads,
        };
        let common = Common {
            registry: Registry::new(workers),
            blocking: BlockingPool::new(
                config.max_blocking_threads,
                config.blocking_keep_alive,
                hooks.clone(),
            ),
            hooks: hooks.clone(),
            park: config.park.clone(),
            workers,
            panics: panics::Panics::new(config.unhandled_panic),
        };
        let (strong, threads) = match config.flavor {
            Flavor::CurrentThread => {
                let s = current::Shared::new(common);
                set_enter_runtime(&hooks, Kind::Current(Arc::downgrade(&s)));
                (Strong::Current(s), Vec::new())
            }
            Flavor::MultiThread => {
                let s = multi::Shared::new(common, workers);
                set_enter_runtime(&hooks, Kind::Multi(Arc::downgrade(&s)));
                let handle = Handle {
                    kind: Strong::Multi(s.clone()),
                };
                let threads = match multi::start(&s, &handle) {
                    Ok(t) => t,
                    Err(e) => {
                        s.begin_shutdown();
                        return Err(e);
                    }
                };
                (Strong::Multi(s), threads)
            }
        };
        let handle = Handle {
            kind: strong.clone(),
        };
        Ok(Scheduler {
            handle,
            strong,
            threads,
            done: false,
        })
    }

    /// A current-thread scheduler with default settings (handy in tests).
    ///
    /// # Errors
    ///
    /// As [`Scheduler::new`].
    pub fn current_thread() -> io::Result<Scheduler> {
        Scheduler::new(Config::new(Flavor::CurrentThread))
    }

    /// A multi-thread scheduler with `workers` workers and default settings.
    ///
    /// # Errors
    ///
    /// As [`Scheduler::new`].
    pub fn multi_thread(workers: usize) -> io::Result<Scheduler> {
        let mut c = Config::new(Flavor::MultiThread);
        c.worker_threads = workers;
        Scheduler::new(c)
    }

    /// This scheduler's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs a future to completion on this thread; see [`Handle::block_on`].
    ///
    /// # Panics
    ///
    /// Panics if called from inside a runtime; see [`checked_block_on`](Self::checked_block_on).
    #[track_caller]
    #[doc(alias("run_until_complete"))]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// [`block_on`](Self::block_on) that returns an error inside a runtime.
    ///
    /// # Errors
    ///
    /// [`NestedBlockOn`] when this thread is already driving a runtime.
    #[doc(alias = "try_block_on")]
    pub fn checked_block_on<F: Future>(&self, future: F) -> Result<F::Output, NestedBlockOn> {
        self.handle.checked_block_on(future)
    }

    /// Spawns a task; see [`Handle::spawn`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Shuts down, waiting at most `timeout` for blocking jobs that are
    /// already running (queued ones are cancelled; tasks are always
    /// cancelled and dropped). From one of this scheduler's own threads it
    /// works as [`shutdown_then`](Self::shutdown_then) does there.
    pub fn shutdown_timeout(self, timeout: Duration) {
        self.shutdown_then(Some(timeout), || {});
    }

    /// Shuts down as dropping does (waiting up to `blocking_wait` for
    /// running blocking jobs, if given), then runs `then`.
    ///
    /// On one of this scheduler's own threads (a worker, or the thread
    /// driving its current-thread core; see
    /// [`is_driving_thread`](Self::is_driving_thread)) the workers cannot
    /// be joined, this thread being one of them: the shutdown and `then`
    /// run on a thread of their own (`myrt-shutdown`) and this returns at
    /// once. If that thread cannot be started, the workers are told to
    /// stop, `then` runs here, and the tasks are left to the process exit
    /// (a message on stderr says so) rather than deadlocking.
    pub fn shutdown_then(
        mut self,
        blocking_wait: Option<Duration>,
        then: impl FnOnce() + Send + 'static,
    ) {
        let parts = self.take_parts();
        self.run_shutdown(parts, blocking_wait, then);
    }

    /// The one shutdown path (`shutdown_then`, `shutdown_timeout`, `Drop`).
    fn run_shutdown(
        &self,
        parts: Parts,
        blocking_wait: Option<Duration>,
        then: impl FnOnce() + Send + 'static,
    ) {
        if !self.is_driving_thread() {
            parts.shutdown(blocking_wait);
            then();
            return;
        }
        // `parts` has no `Drop`: if the thread cannot start, the closure
        // (and `parts` in it) is dropped without a second attempt.
        let then = std::sync::Arc::new(std::sync::Mutex::new(Some(then)));
        let then2 = then.clone();
        let spawned = std::thread::Builder::new()
            .name("myrt-shutdown".into())
            .spawn(move || {
                let _registered = crate::threads::register(crate::threads::Role::Shutdown, true);
                parts.shutdown(blocking_wait);
                if let Some(f) = then2.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    f();
                }
            });
        if let Err(e) = spawned {
            eprintln!(
                "myrt: cannot start the shutdown thread ({e}); stopping the workers only, tasks are left to the process exit"
            );
            self.strong.begin_shutdown();
            if let Some(f) = then.lock().unwrap_or_else(|p| p.into_inner()).take() {
                f();
            }
        }
    }

    /// True on this scheduler's worker threads, and on the thread that
    /// holds its current-thread core (inside its `block_on`): there a
    /// shutdown cannot wait for the workers to finish. Read from the
    /// scheduler's own thread-locals, which user code cannot swap (a
    /// `Handle::enter` of another runtime does not hide it).
    pub fn is_driving_thread(&self) -> bool {
        match &self.strong {
            Strong::Multi(s) => multi::is_worker_of(s),
            Strong::Current(s) => current::holds_core_of(s),
        }
    }

    /// Moves out what a shutdown needs; `self` is left shut (its `Drop`
    /// does nothing more).
    fn take_parts(&mut self) -> Parts {
        self.done = true;
        Parts {
            handle: self.handle.clone(),
            strong: self.strong.clone(),
            threads: self.threads.drain(..).collect(),
        }
    }
}

/// A scheduler's shutdown work, movable to another thread. No `Drop`: it
/// runs only when `shutdown` is called.
struct Parts {
    handle: Handle,
    strong: Strong,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Parts {
    fn shutdown(self, blocking_wait: Option<Duration>) {
        self.strong.begin_shutdown();
        for t in self.threads {
            let _ = t.join();
        }
        let common = self.strong.common();
        // Drop every task's future here, with this runtime still current so
        // destructors that spawn or look up the handle behave.
        {
            let _g = self.handle.enter_inner(false);
            let _embed = common.hooks.on_enter.as_ref().map(|f| f());
            common.registry.close_and_cancel_all();
            match &self.strong {
                Strong::Multi(s) => s.drain(),
                Strong::Current(s) => s.drain(),
            }
        }
        common.blocking.shutdown(blocking_wait);
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // The one shutdown path (moved to a thread of its own when dropped
        // from inside one of its tasks).
        let parts = self.take_parts();
        self.run_shutdown(parts, None, || {});
    }
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field("workers", &self.strong.common().workers)
            .finish()
    }
}
