//! Threads: what Python's `threading.Thread` and the module functions
//! around it give, on top of `std::thread`.
//!
//! | threading | myrt |
//! | --- | --- |
//! | `Thread(target=f, name=, daemon=)`, `t.start()` | [`Thread::new`]`(f)`, [`Thread::start`], or [`Thread::builder`]`()…spawn(f)` |
//! | `t.join()`, `t.join(timeout)` | [`JoinHandle::join`], [`JoinHandle::join_timeout`]; tasks: [`JoinHandle::join_async`], [`JoinHandle::finished`] |
//! | `t.is_alive()`, `t.name`, `t.ident`, `t.native_id`, `t.daemon` | [`JoinHandle::is_alive`], [`name`](JoinHandle::name), [`ident`](JoinHandle::ident), [`native_id`](JoinHandle::native_id), [`is_daemon`](JoinHandle::is_daemon) |
//! | `current_thread()`, `main_thread()` | [`current_thread`], [`main_thread`] |
//! | `enumerate()`, `active_count()` | [`enumerate`], [`active_count`] |
//! | `get_ident()`, `get_native_id()` | [`get_ident`], [`get_native_id`] |
//! | `Timer(interval, f)`, `cancel()` | [`Timer::new`], [`TimerHandle::cancel`] |
//! | `excepthook` | [`set_excepthook`] |
//! | `TIMEOUT_MAX` | [`TIMEOUT_MAX`] |
//! | interpreter exit waits for non-daemon threads | `#[myrt::main]` calls [`join_non_daemon`] |
//!
//! [`enumerate`] lists every live thread myrt knows of with its [`Role`]:
//! the main thread, these threads, the runtimes' workers, the blocking
//! pools, the `concurrent` thread pools, and plain threads that called
//! into myrt (registered as [`Role::Foreign`] when they first enter a
//! `block_on` or ask [`current_thread`]).
//!
//! The main thread is the process's initial thread, the one that runs
//! `fn main` (so the one `#[myrt::main]` runs on); it is always listed.
//!
//! # Examples
//!
//! ```
//! use myrt::thread::{self, Thread};
//!
//! let t = Thread::builder()
//!     .name("worker")
//!     .spawn(|| thread::current_thread().name().to_owned())
//!     .unwrap();
//! assert_eq!(t.join().unwrap(), "worker");
//! ```

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use myrt_executor::threads;

mod hook;
mod join;
mod timer;

pub use hook::{clear_excepthook, set_excepthook, ExceptHookArgs};
pub use join::{JoinHandle, JoinTimeoutError, ThreadPanic};
pub use myrt_executor::threads::{Role, ThreadInfo};
pub use timer::{Timer, TimerHandle};

/// The longest timeout a bounded wait honours (Python
/// `threading.TIMEOUT_MAX`, about 292 years); any longer one, and
/// `Duration::MAX`, means "wait forever".
#[doc(alias = "threading.TIMEOUT_MAX")]
pub use myrt_sync::TIMEOUT_MAX;

/// The calling thread's entry (Python `threading.current_thread()`). Works
/// on any thread: one myrt did not start is registered on first call, as
/// [`Role::Main`] if it is the process's initial thread, as
/// [`Role::Foreign`] otherwise.
///
/// # Examples
///
/// ```
/// let me = myrt::thread::current_thread();
/// assert_eq!(me.ident(), myrt::thread::get_ident());
/// ```
#[doc(alias = "threading.current_thread")]
#[doc(alias = "currentThread")]
pub fn current_thread() -> ThreadInfo {
    threads::current()
}

/// The main thread's entry: the process's initial thread, the one running
/// `fn main` (Python `threading.main_thread()`). Made on first use from
/// any thread, and listed for the life of the process.
///
/// # Examples
///
/// ```
/// let main = myrt::thread::main_thread();
/// assert_eq!(main.role(), myrt::thread::Role::Main);
/// ```
#[doc(alias = "threading.main_thread")]
pub fn main_thread() -> ThreadInfo {
    threads::main_thread()
}

/// Every live registered thread, in ident order (Python
/// `threading.enumerate()`): the main thread, [`Thread`]s, runtime
/// workers, blocking-pool and thread-pool threads, foreign threads that
/// called into myrt.
///
/// # Examples
///
/// ```
/// let all = myrt::thread::enumerate();
/// assert!(all.contains(&myrt::thread::main_thread()));
/// ```
#[doc(alias = "threading.enumerate")]
pub fn enumerate() -> Vec<ThreadInfo> {
    threads::enumerate()
}

/// How many threads [`enumerate`] would list (Python
/// `threading.active_count()`).
///
/// # Examples
///
/// ```
/// assert!(myrt::thread::active_count() >= 1);
/// ```
#[doc(alias = "threading.active_count")]
#[doc(alias = "activeCount")]
pub fn active_count() -> usize {
    threads::active_count()
}

/// The calling thread's ident: process-unique, never reused, never 0
/// (Python `threading.get_ident()`). Registers the thread if need be.
///
/// # Examples
///
/// ```
/// let a = myrt::thread::get_ident();
/// let b = std::thread::spawn(myrt::thread::get_ident).join().unwrap();
/// assert_ne!(a, b);
/// ```
#[doc(alias = "threading.get_ident")]
pub fn get_ident() -> u64 {
    threads::current_ident_or_register()
}

/// The calling thread's OS thread id (Linux `gettid`), `None` where the
/// platform has none (Python `threading.get_native_id()`).
///
/// # Examples
///
/// ```
/// assert_eq!(myrt::thread::get_native_id(), myrt::thread::current_thread().native_id());
/// ```
#[doc(alias = "threading.get_native_id")]
pub fn get_native_id() -> Option<u64> {
    threads::native_id()
}

/// Blocks until every live non-daemon [`Thread`] has finished, threads
/// started meanwhile included (what Python does at interpreter exit).
/// The calling thread is not waited for if it is one of them.
///
/// `#[myrt::main]` calls it after the body returns, before the runtime
/// is dropped; opt out with `#[myrt::main(wait_threads = false)]`, or per
/// thread with [`Builder::daemon`]`(true)`.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// let done = Arc::new(AtomicBool::new(false));
/// let d = done.clone();
/// myrt::thread::Thread::new(move || d.store(true, Ordering::SeqCst)).start();
/// myrt::thread::join_non_daemon();
/// assert!(done.load(Ordering::SeqCst));
/// ```
pub fn join_non_daemon() {
    threads::wait_non_daemon(None);
}

/// [`join_non_daemon`] bounded by `timeout`: returns whether every
/// non-daemon thread finished in time. A timeout of [`TIMEOUT_MAX`] or
/// more waits forever.
///
/// # Examples
///
/// ```
/// assert!(myrt::thread::join_non_daemon_timeout(std::time::Duration::from_secs(5)));
/// ```
pub fn join_non_daemon_timeout(timeout: Duration) -> bool {
    threads::wait_non_daemon(Some(timeout))
}

/// Configures a thread before it starts: name, daemon flag, stack size.
///
/// # Examples
///
/// ```
/// let t = myrt::thread::Builder::new()
///     .name("bg")
///     .daemon(true)
///     .spawn(|| 1 + 1)
///     .unwrap();
/// assert!(t.is_daemon());
/// assert_eq!(t.join().unwrap(), 2);
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until `spawn` is called"]
pub struct Builder {
    name: Option<String>,
    daemon: Option<bool>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with the defaults: named `"Thread-N"` (N its ident),
    /// non-daemon unless spawned from a daemon [`Thread`] (Python
    /// inherits the flag from the creating thread; myrt only from a
    /// `Thread`, runtime workers count as non-daemon creators), the
    /// standard library's stack size.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread (Python `Thread(name=...)`); the name shows in
    /// panic messages, [`current_thread`] and [`enumerate`].
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Marks the thread as a daemon (Python `Thread(daemon=True)`):
    /// [`join_non_daemon`], and so the end of `#[myrt::main]`, does not
    /// wait for it.
    #[doc(alias = "Thread.daemon")]
    #[doc(alias = "setDaemon")]
    pub fn daemon(mut self, daemon: bool) -> Builder {
        self.daemon = Some(daemon);
        self
    }

    /// The new thread's stack size in bytes (`std::thread::Builder::stack_size`).
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Starts a thread running `f` and returns its handle (Python
    /// `Thread(target=f).start()`). The thread is listed by [`enumerate`]
    /// from the moment this returns.
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be created.
    #[doc(alias = "start")]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let daemon = self.daemon.unwrap_or_else(|| {
            let me = threads::current();
            me.role() == Role::User && me.is_daemon()
        });
        let reservation = threads::reserve(Role::User, self.name, daemon);
        let info = reservation.info().clone();
        let packet = Arc::new(join::Packet::new());
        let mut std_builder = std::thread::Builder::new().name(info.name().to_owned());
        if let Some(size) = self.stack_size {
            std_builder = std_builder.stack_size(size);
        }
        let their_packet = packet.clone();
        let their_info = info.clone();
        // Dropped unbound (the entry removed) if the spawn fails.
        let reservation = Mutex::new(Some(reservation));
        let native = std_builder.spawn(move || {
            let taken = reservation
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let registered = taken.map(threads::Reservation::bind);
            their_packet.started(threads::native_id());
            let outcome = hook::run_reported(&their_info, || catch_unwind(AssertUnwindSafe(f)));
            // Leave the registry before the result is published: a joined
            // thread is no longer listed.
            drop(registered);
            their_packet.finish(outcome);
        })?;
        Ok(JoinHandle::new(packet, native, info))
    }
}

/// A thread to be started: Python's construct-then-start
/// `Thread(target=f)` / `t.start()`.
///
/// # Examples
///
/// ```
/// use myrt::thread::Thread;
///
/// let t = Thread::new(|| 6 * 7).name("answer").start();
/// assert_eq!(t.name(), "answer");
/// assert_eq!(t.join().unwrap(), 42);
/// ```
#[doc(alias = "threading.Thread")]
#[derive(Debug)]
#[must_use = "a thread does nothing until `start` is called"]
pub struct Thread<F> {
    builder: Builder,
    f: F,
}

impl Thread<()> {
    /// A [`Builder`], for `Thread::builder().name(..).spawn(f)`.
    pub fn builder() -> Builder {
        Builder::new()
    }
}

impl<F, T> Thread<F>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    /// A thread that will run `f` once started (Python `Thread(target=f)`).
    pub fn new(f: F) -> Thread<F> {
        Thread {
            builder: Builder::new(),
            f,
        }
    }

    /// Names the thread; see [`Builder::name`].
    pub fn name(mut self, name: impl Into<String>) -> Thread<F> {
        self.builder = self.builder.name(name);
        self
    }

    /// Sets the daemon flag; see [`Builder::daemon`].
    #[doc(alias = "Thread.daemon")]
    pub fn daemon(mut self, daemon: bool) -> Thread<F> {
        self.builder = self.builder.daemon(daemon);
        self
    }

    /// Starts the thread (Python `Thread.start()`).
    ///
    /// # Panics
    ///
    /// Panics if the OS cannot create the thread (as `std::thread::spawn`
    /// does, Python's "can't start new thread"); [`checked_start`](Self::checked_start)
    /// is the twin.
    #[doc(alias = "Thread.start")]
    #[track_caller]
    pub fn start(self) -> JoinHandle<T> {
        match self.checked_start() {
            Ok(h) => h,
            Err(e) => panic!("failed to start a thread: {e}"),
        }
    }

    /// Like [`start`](Self::start), but returns the OS error instead of
    /// panicking.
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be created.
    #[doc(alias = "try_start")]
    pub fn checked_start(self) -> io::Result<JoinHandle<T>> {
        self.builder.spawn(self.f)
    }
}
