//! `threading.Timer`: a thread that runs a function once after an
//! interval, unless cancelled first.

use std::io;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use myrt_sync::Event;

use super::{Builder, JoinHandle, JoinTimeoutError, ThreadInfo, ThreadPanic};

const WAITING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;

/// Decides, once, whether the function runs.
struct TimerState {
    state: AtomicU8,
    wake: Event,
}

/// A thread that waits `interval`, then runs `f` once, unless cancelled
/// before (Python `threading.Timer(interval, f)`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use myrt::thread::Timer;
///
/// let t = Timer::new(Duration::from_millis(1), || "fired").start();
/// assert_eq!(t.join().unwrap(), Some("fired"));
///
/// let t = Timer::new(Duration::MAX, || unreachable!()).start();
/// assert!(t.cancel());
/// assert_eq!(t.join().unwrap(), None);
/// ```
#[doc(alias = "threading.Timer")]
#[derive(Debug)]
#[must_use = "a timer does nothing until `start` is called"]
pub struct Timer<F> {
    interval: Duration,
    builder: Builder,
    f: F,
}

impl<F, T> Timer<F>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    /// A timer that will run `f` `interval` after it is started. An
    /// interval of [`TIMEOUT_MAX`](super::TIMEOUT_MAX) or more waits until
    /// cancelled.
    pub fn new(interval: Duration, f: F) -> Timer<F> {
        Timer {
            interval,
            builder: Builder::new(),
            f,
        }
    }

    /// Names the timer's thread; see [`Builder::name`].
    pub fn name(mut self, name: impl Into<String>) -> Timer<F> {
        self.builder = self.builder.name(name);
        self
    }

    /// Sets the daemon flag of the timer's thread; see [`Builder::daemon`].
    #[doc(alias = "Timer.daemon")]
    pub fn daemon(mut self, daemon: bool) -> Timer<F> {
        self.builder = self.builder.daemon(daemon);
        self
    }

    /// Starts the timer's thread (Python `Timer.start()`).
    ///
    /// # Panics
    ///
    /// Panics if the OS cannot create the thread;
    /// [`checked_start`](Self::checked_start) is the twin.
    #[doc(alias = "Timer.start")]
    #[track_caller]
    pub fn start(self) -> TimerHandle<T> {
        match self.checked_start() {
            Ok(h) => h,
            Err(e) => panic!("failed to start a timer thread: {e}"),
        }
    }

    /// Like [`start`](Self::start), but returns the OS error instead of
    /// panicking.
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be created.
    #[doc(alias = "try_start")]
    pub fn checked_start(self) -> io::Result<TimerHandle<T>> {
        let state = Arc::new(TimerState {
            state: AtomicU8::new(WAITING),
            wake: Event::new(),
        });
        let theirs = state.clone();
        let Timer { interval, f, .. } = self;
        let handle = self.builder.spawn(move || {
            // Woken early only by `cancel`.
            theirs.wake.blocking_wait_timeout(interval);
            theirs
                .state
                .compare_exchange(WAITING, FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
                .then(f)
        })?;
        Ok(TimerHandle { handle, state })
    }
}

/// A started [`Timer`]: cancel it, join it (`Some(value)` if the function
/// ran, `None` if it was cancelled first).
///
/// # Examples
///
/// ```
/// let t = myrt::thread::Timer::new(std::time::Duration::ZERO, || 1).start();
/// assert_eq!(t.join().unwrap(), Some(1));
/// ```
pub struct TimerHandle<T> {
    handle: JoinHandle<Option<T>>,
    state: Arc<TimerState>,
}

impl<T> TimerHandle<T> {
    /// Stops the timer if its function has not started yet (Python
    /// `Timer.cancel()`); returns `true` if that made sure the function
    /// never runs, `false` if it had already fired. The thread then ends
    /// without waiting out the interval.
    #[doc(alias = "Timer.cancel")]
    pub fn cancel(&self) -> bool {
        let first = self.state.state.compare_exchange(
            WAITING,
            CANCELLED,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        self.state.wake.set();
        match first {
            Ok(_) => true,
            Err(now) => now == CANCELLED,
        }
    }

    /// Blocks until the timer's thread ends; `Some(value)` if the function
    /// ran, `None` if the timer was cancelled. See [`JoinHandle::join`].
    ///
    /// # Errors
    ///
    /// The function's panic.
    #[doc(alias = "Timer.join")]
    pub fn join(self) -> Result<Option<T>, ThreadPanic> {
        self.handle.join()
    }

    /// [`join`](Self::join) bounded by `timeout`; on timeout this handle
    /// comes back inside the error (so the timer can still be cancelled).
    /// A timeout of [`TIMEOUT_MAX`](super::TIMEOUT_MAX) or more waits
    /// forever.
    ///
    /// # Errors
    ///
    /// A timeout (with the handle back) or the function's panic.
    #[doc(alias = "join")]
    pub fn join_timeout(self, timeout: Duration) -> Result<Option<T>, JoinTimeoutError<Self>> {
        if !self.handle.wait_timeout(timeout) {
            return Err(JoinTimeoutError::Timeout(self));
        }
        self.handle.join().map_err(JoinTimeoutError::Panicked)
    }

    /// Waits for the timer's thread from a task; see [`JoinHandle::join_async`].
    ///
    /// # Errors
    ///
    /// The function's panic.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the handle (the timer
    /// runs on, and can no longer be cancelled). Use
    /// [`finished`](Self::finished) where the wait may be cancelled.
    pub async fn join_async(self) -> Result<Option<T>, ThreadPanic> {
        self.handle.join_async().await
    }

    /// Waits, from a task, until the timer's thread has ended.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the timer and its handle are untouched.
    pub async fn finished(&self) {
        self.handle.finished().await;
    }

    /// Whether the timer's thread is still running (waiting or running
    /// the function).
    #[doc(alias = "Timer.is_alive")]
    pub fn is_alive(&self) -> bool {
        self.handle.is_alive()
    }

    /// The timer thread's name.
    pub fn name(&self) -> &str {
        self.handle.name()
    }

    /// The timer thread's ident.
    #[doc(alias = "Timer.ident")]
    pub fn ident(&self) -> u64 {
        self.handle.ident()
    }

    /// The timer thread's OS thread id; see [`JoinHandle::native_id`].
    #[doc(alias = "Timer.native_id")]
    pub fn native_id(&self) -> Option<u64> {
        self.handle.native_id()
    }

    /// Whether the timer's thread is a daemon.
    #[doc(alias = "daemon")]
    pub fn is_daemon(&self) -> bool {
        self.handle.is_daemon()
    }

    /// The timer thread's registry entry as of now.
    pub fn info(&self) -> ThreadInfo {
        self.handle.info()
    }

    /// The thread's [`JoinHandle`]; the timer can no longer be cancelled
    /// through it.
    pub fn into_join_handle(self) -> JoinHandle<Option<T>> {
        self.handle
    }
}

impl<T> std::fmt::Debug for TimerHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state.state.load(Ordering::Acquire) {
            WAITING => "waiting",
            FIRED => "fired",
            _ => "cancelled",
        };
        f.debug_struct("TimerHandle")
            .field("thread", &self.handle)
            .field("state", &state)
            .finish()
    }
}
