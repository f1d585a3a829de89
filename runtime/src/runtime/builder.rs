//! `runtime::Builder`.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use myrt_executor::scheduler::{Config, Flavor, Scheduler, UnhandledPanic};

use super::{Handle, Runtime};
use crate::driver::Driver;

/// Configures and builds a [`Runtime`].
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let started = Arc::new(AtomicUsize::new(0));
/// let s = started.clone();
/// let rt = myrt::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .on_thread_start(move || { s.fetch_add(1, Ordering::SeqCst); })
///     .build()
///     .unwrap();
/// rt.block_on(async {});
/// drop(rt);
/// assert!(started.load(Ordering::SeqCst) >= 2);
/// ```
pub struct Builder {
    config: Config,
    start_paused: bool,
}

impl Builder {
    /// A work-stealing runtime with one worker per CPU.
    pub fn new_multi_thread() -> Builder {
        Builder {
            config: Config::new(Flavor::MultiThread),
            start_paused: false,
        }
    }

    /// A runtime whose tasks run on the thread calling `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder {
            config: Config::new(Flavor::CurrentThread),
            start_paused: false,
        }
    }

    /// Sets the number of worker threads (multi-thread only). `0` makes
    /// [`build`](Self::build) fail with `InvalidInput`.
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.config.worker_threads = n;
        self
    }

    /// Names the runtime's threads (workers are named `name`, blocking
    /// threads `name-blocking-N`).
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        let name: String = name.into();
        self.config.thread_name = Arc::new(move || name.clone());
        self
    }

    /// Names the runtime's threads with a function called per thread.
    pub fn thread_name_fn(mut self, f: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.config.thread_name = Arc::new(f);
        self
    }

    /// Caps the blocking pool (default 512). `0` makes `build` fail.
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        self.config.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for a job before exiting
    /// (default 10 s).
    pub fn thread_keep_alive(mut self, d: Duration) -> Self {
        self.config.blocking_keep_alive = d;
        self
    }

    /// Runs `f` on every runtime thread (worker or blocking) as it starts.
    pub fn on_thread_start(mut self, f: impl Fn() + Send + Sync + 'static) -> Self {
        self.config.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on every runtime thread as it stops.
    pub fn on_thread_stop(mut self, f: impl Fn() + Send + Sync + 'static) -> Self {
        self.config.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// What a panic in a detached task (one whose `JoinHandle` was dropped)
    /// does: one report line on stderr ([`UnhandledPanic::Report`], the
    /// default), nothing ([`UnhandledPanic::Ignore`]), or the report and a
    /// shutdown of the runtime ([`UnhandledPanic::ShutdownRuntime`]: every
    /// task is cancelled and `block_on` panics with the report).
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt::runtime::{Builder, UnhandledPanic};
    ///
    /// let rt = Builder::new_current_thread()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         drop(myrt::spawn(async { panic!("bug") }));
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// assert!(r.is_err());
    /// ```
    #[doc(alias = "set_exception_handler")]
    pub fn unhandled_panic(mut self, policy: UnhandledPanic) -> Self {
        self.config.unhandled_panic = policy;
        self
    }

    /// Starts the runtime with its clock paused ([`crate::time::pause`]):
    /// timers then complete as soon as the runtime is idle, in deadline
    /// order, without waiting. For tests; current-thread runtimes only
    /// (`build` fails with `InvalidInput` on a multi-thread one).
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.start_paused = paused;
        self
    }

    /// Builds the runtime and starts its workers.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for `worker_threads(0)` or `max_blocking_threads(0)`,
    /// or `start_paused(true)` on a multi-thread runtime;
    /// the OS error when the poller or a thread cannot be created.
    pub fn build(&self) -> io::Result<Runtime> {
        // A task, not the worker thread it runs on, owns the `RLock`s it
        // takes (it may hold one across an await and move threads).
        myrt_sync::set_task_identity(current_task_identity);
        let current_thread = matches!(self.config.flavor, Flavor::CurrentThread);
        if self.start_paused && !current_thread {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "start_paused needs a current-thread runtime (its idleness decides when paused time jumps)",
            ));
        }
        let driver = Driver::new()?;
        let dh = driver.handle();
        if current_thread {
            dh.inner.clock.set_pausable();
            if self.start_paused {
                dh.inner
                    .clock
                    .pause()
                    .expect("a new clock is pausable and running");
            }
        }
        let mut config = self.config.clone();
        config.park = Arc::new(driver);
        let enter_dh = dh.clone();
        config.on_enter = Some(Arc::new(move || Box::new(enter_dh.enter()) as Box<dyn Any>));
        let sched = Scheduler::new(config)?;
        let handle = Handle {
            sched: sched.handle().clone(),
            driver: dh,
        };
        Ok(Runtime {
            sched: Some(sched),
            handle,
        })
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .finish()
    }
}

/// The identity `myrt_sync` gives the owner of an `RLock` taken in a task.
fn current_task_identity() -> Option<std::num::NonZeroU64> {
    myrt_executor::task::current_id().and_then(|id| std::num::NonZeroU64::new(id.as_u64()))
}
