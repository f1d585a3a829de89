//! The runtime: a scheduler (current-thread or work-stealing), the I/O and
//! timer driver its idle workers park on, and a blocking pool.
//!
//! Most programs never touch this module: `#[myrt::main]` or
//! [`myrt::run`](crate::run) builds a runtime, and [`myrt::spawn`](crate::spawn)
//! finds the current one.
//!
//! # Examples
//!
//! ```
//! let rt = myrt::runtime::Builder::new_multi_thread()
//!     .worker_threads(2)
//!     .thread_name("demo")
//!     .build()
//!     .unwrap();
//! let v = rt.block_on(async { myrt::spawn(async { 40 + 2 }).await.unwrap() });
//! assert_eq!(v, 42);
//! ```

mod bridge;
mod builder;

use std::future::Future;
use std::io;
use std::time::Duration;

pub use builder::Builder;
pub use myrt_executor::scheduler::{
    Metrics, NestedBlockOn, NoRuntime, UnhandledPanic, WorkerMetrics,
};

use crate::driver;
use crate::task::JoinHandle;

/// A running myrt runtime. Dropping it cancels and drops every task (their
/// destructors run on the dropping thread), stops the workers and the
/// driver, and returns without waiting for running blocking jobs.
///
/// Dropping it from inside one of its own tasks (or its own `block_on`)
/// cannot wait for the workers, the current thread being one of them: that
/// case is detected before anything is shut down, and the whole shutdown
/// then runs on a thread of its own (`myrt-shutdown`) while the drop
/// returns at once; the dropping task runs on until its next `.await`.
pub struct Runtime {
    sched: Option<myrt_executor::Scheduler>,
    handle: Handle,
}

/// A cloneable reference to a runtime: spawn onto it from any thread.
#[derive(Clone)]
pub struct Handle {
    sched: myrt_executor::Handle,
    driver: driver::Handle,
}

impl Runtime {
    /// A multi-thread runtime with default settings (one worker per CPU).
    ///
    /// # Errors
    ///
    /// When the OS refuses the driver's resources or a thread.
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    /// Runs `future` to completion on this thread, driving the runtime.
    ///
    /// # Panics
    ///
    /// Panics when called from inside a runtime (a task or another
    /// `block_on`), which could deadlock; see [`checked_block_on`](Self::checked_block_on).
    #[track_caller]
    #[doc(alias("run_until_complete"))]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// [`block_on`](Self::block_on) that returns an error instead of
    /// panicking when called from inside a runtime.
    ///
    /// # Errors
    ///
    /// [`NestedBlockOn`] when this thread is already driving a runtime.
    #[doc(alias = "try_block_on")]
    pub fn checked_block_on<F: Future>(&self, future: F) -> Result<F::Output, NestedBlockOn> {
        self.handle.checked_block_on(future)
    }

    /// Spawns a task on this runtime.
    #[doc(alias("create_task"))]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    #[doc(alias("run_in_executor"))]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// This runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard {
        self.handle.enter()
    }

    /// Shuts down like `drop`, but waits up to `timeout` for blocking jobs
    /// that are running (queued ones are cancelled). Returns on time even if
    /// a job never ends.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// The scheduler first (its workers use the driver), then the driver;
    /// from inside one of its own tasks both move to a thread of their own
    /// (see `Scheduler::shutdown_then`).
    fn shutdown(&mut self, blocking_wait: Option<Duration>) {
        // `None`: shut down already (by `shutdown_timeout`, perhaps still
        // under way on the shutdown thread, which stops the driver itself).
        if let Some(s) = self.sched.take() {
            let driver = self.handle.driver.clone();
            s.shutdown_then(blocking_wait, move || driver.shutdown());
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("metrics", &self.handle.metrics())
            .finish()
    }
}

impl Handle {
    /// The runtime this thread is in.
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

    /// The runtime this thread is in, or an error outside one.
    ///
    /// # Errors
    ///
    /// [`NoRuntime`] outside a runtime.
    #[doc(alias = "try_current")]
    pub fn checked_current() -> Result<Handle, NoRuntime> {
        let sched = myrt_executor::Handle::checked_current()?;
        match driver::Handle::checked_current() {
            Some(driver) => Ok(Handle { sched, driver }),
            None => Err(myrt_executor::Handle::no_runtime_error()),
        }
    }

    /// Spawns a task on this runtime.
    #[doc(alias("create_task"))]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.sched.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool (asyncio
    /// `run_in_executor(None, f)`).
    #[doc(alias("run_in_executor"))]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.sched.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread; see [`Runtime::block_on`].
    ///
    /// # Panics
    ///
    /// Panics when called from inside a runtime;
    /// [`checked_block_on`](Self::checked_block_on) is the twin.
    #[track_caller]
    #[doc(alias("run_until_complete"))]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.checked_block_on(future) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`block_on`](Self::block_on) that returns an error inside a runtime.
    ///
    /// `future` runs inside a fresh [`LocalSet`](crate::task::LocalSet),
    /// so [`spawn_local`](crate::task::spawn_local) works in it; local
    /// tasks still running when it completes are dropped before this
    /// returns.
    ///
    /// # Errors
    ///
    /// [`NestedBlockOn`] when this thread is already driving a runtime.
    #[doc(alias = "try_block_on")]
    pub fn checked_block_on<F: Future>(&self, future: F) -> Result<F::Output, NestedBlockOn> {
        self.sched.checked_block_on(async {
            let set = crate::task::LocalSet::new();
            let out = set.run_until(future).await;
            // Inside the runtime, so their destructors can still reach it.
            drop(set);
            out
        })
    }

    /// Makes this runtime current on this thread until the guard drops, so
    /// `myrt::spawn`, timers and sockets work from a plain thread.
    pub fn enter(&self) -> EnterGuard {
        EnterGuard {
            _sched: self.sched.enter(),
            _driver: self.driver.enter(),
        }
    }

    /// Worker count, live tasks, blocking threads and queued jobs, the
    /// injector's depth, and each worker's polls, steals, parks,
    /// budget-forced yields and local queue depth (tokio's
    /// `RuntimeMetrics`; threading `active_count()`, asyncio
    /// `len(all_tasks())`).
    pub fn metrics(&self) -> Metrics {
        self.sched.metrics()
    }

    /// The executor-level handle (for `myrt::executor` bridges).
    pub fn scheduler(&self) -> &myrt_executor::Handle {
        &self.sched
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// Keeps a runtime current on this thread; see [`Handle::enter`].
pub struct EnterGuard {
    _sched: myrt_executor::scheduler::EnterGuard,
    _driver: driver::EnterGuard,
}

impl std::fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnterGuard")
    }
}
