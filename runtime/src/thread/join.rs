//! The handle of a started thread: joins (blocking, bounded, async) and
//! the thread's identity.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use myrt_executor::threads::{self, ThreadInfo};
use myrt_sync::Event;

/// What a thread's body left behind: its value or its panic.
pub(super) type Outcome<T> = std::thread::Result<T>;

/// Shared between a thread and its handle: the completion slot.
pub(super) struct Packet<T> {
    /// The OS thread id, set first thing by the thread.
    native_id: OnceLock<Option<u64>>,
    started: Event,
    /// Filled once, just before `done` is set.
    outcome: Mutex<Option<Outcome<T>>>,
    done: Event,
}

impl<T> Packet<T> {
    pub(super) fn new() -> Packet<T> {
        Packet {
            native_id: OnceLock::new(),
            started: Event::new(),
            outcome: Mutex::new(None),
            done: Event::new(),
        }
    }

    pub(super) fn started(&self, native_id: Option<u64>) {
        let _ = self.native_id.set(native_id);
        self.started.set();
    }

    pub(super) fn finish(&self, outcome: Outcome<T>) {
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        self.done.set();
    }

    fn take(&self) -> Outcome<T> {
        self.outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect("a finished thread leaves its outcome, taken once by the handle that owns it")
    }
}

/// An owned permission to join a [`Thread`](super::Thread): wait for it
/// to finish and take its value (or its panic). Dropping the handle
/// detaches the thread, which runs on.
///
/// # Examples
///
/// ```
/// let t = myrt::thread::Thread::new(|| "done").start();
/// assert!(t.ident() > 0);
/// assert_eq!(t.join().unwrap(), "done");
/// ```
pub struct JoinHandle<T> {
    packet: Arc<Packet<T>>,
    native: Option<std::thread::JoinHandle<()>>,
    info: ThreadInfo,
}

impl<T> JoinHandle<T> {
    pub(super) fn new(
        packet: Arc<Packet<T>>,
        native: std::thread::JoinHandle<()>,
        info: ThreadInfo,
    ) -> JoinHandle<T> {
        JoinHandle {
            packet,
            native: Some(native),
            info,
        }
    }

    /// Blocks until the thread finishes; returns its value, or its panic
    /// as a [`ThreadPanic`] (Python `Thread.join()`). Joining a thread
    /// from inside itself never returns.
    ///
    /// # Errors
    ///
    /// The thread's panic, with its message.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = myrt::thread::Thread::new(|| panic!("bad input")).start();
    /// assert_eq!(t.join().unwrap_err().message(), Some("bad input"));
    /// ```
    #[doc(alias = "Thread.join")]
    pub fn join(self) -> Result<T, ThreadPanic> {
        self.packet.done.blocking_wait();
        self.collect()
    }

    /// Blocks until the thread finishes or `timeout` passes (Python
    /// `Thread.join(timeout)`). On timeout the handle comes back in the
    /// error, so nothing is lost: join it again later. A timeout of
    /// [`TIMEOUT_MAX`](super::TIMEOUT_MAX) or more waits forever.
    ///
    /// # Errors
    ///
    /// [`JoinTimeoutError::Timeout`] with the handle, or
    /// [`JoinTimeoutError::Panicked`] with the thread's panic.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use myrt::sync::Event;
    /// use myrt::thread::{JoinTimeoutError, Thread};
    ///
    /// let go = Arc::new(Event::new());
    /// let g = go.clone();
    /// let t = Thread::new(move || g.blocking_wait()).start();
    /// let t = match t.join_timeout(Duration::from_millis(1)) {
    ///     Err(JoinTimeoutError::Timeout(t)) => t,
    ///     other => panic!("{other:?}"),
    /// };
    /// assert!(t.is_alive());
    /// go.set();
    /// t.join().unwrap();
    /// ```
    #[doc(alias = "join")]
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinTimeoutError<Self>> {
        if !self.packet.done.blocking_wait_timeout(timeout) {
            return Err(JoinTimeoutError::Timeout(self));
        }
        self.collect().map_err(JoinTimeoutError::Panicked)
    }

    /// Waits for the thread from a task, without blocking the worker;
    /// returns what [`join`](Self::join) returns.
    ///
    /// # Errors
    ///
    /// The thread's panic, with its message.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the handle, detaching
    /// the thread (it runs on; its value is dropped when it finishes). In
    /// a `select!` or under a timeout, await [`finished`](Self::finished)
    /// instead, which is cancel safe, then call [`join`](Self::join).
    ///
    /// # Examples
    ///
    /// ```
    /// # myrt::run(async {
    /// let t = myrt::thread::Thread::new(|| 5).start();
    /// assert_eq!(t.join_async().await.unwrap(), 5);
    /// # });
    /// ```
    #[doc(alias = "join")]
    pub async fn join_async(self) -> Result<T, ThreadPanic> {
        self.packet.done.wait().await;
        self.collect()
    }

    /// Waits, from a task, until the thread has finished; after that
    /// [`join`](Self::join) returns at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future leaves the thread running and the
    /// handle usable.
    ///
    /// # Examples
    ///
    /// ```
    /// # myrt::run(async {
    /// let t = myrt::thread::Thread::new(|| 5).start();
    /// t.finished().await;
    /// assert!(!t.is_alive());
    /// assert_eq!(t.join().unwrap(), 5);
    /// # });
    /// ```
    pub async fn finished(&self) {
        self.packet.done.wait().await;
    }

    /// Blocks until the thread has finished or `timeout` passed; returns
    /// whether it finished.
    pub(super) fn wait_timeout(&self, timeout: Duration) -> bool {
        self.packet.done.blocking_wait_timeout(timeout)
    }

    /// Whether the thread is still running its function (Python
    /// `Thread.is_alive()`); `false` once it has returned or panicked.
    #[doc(alias = "Thread.is_alive")]
    #[doc(alias = "isAlive")]
    pub fn is_alive(&self) -> bool {
        !self.packet.done.is_set()
    }

    /// The thread's name (Python `Thread.name`).
    pub fn name(&self) -> &str {
        self.info.name()
    }

    /// The thread's process-unique ident (Python `Thread.ident`).
    #[doc(alias = "Thread.ident")]
    pub fn ident(&self) -> u64 {
        self.info.ident()
    }

    /// The thread's OS thread id (Python `Thread.native_id`); waits for
    /// the thread to have started if it has not yet (a short wait: the
    /// thread reads it first thing). `None` where the platform has none.
    #[doc(alias = "Thread.native_id")]
    pub fn native_id(&self) -> Option<u64> {
        self.packet.started.blocking_wait();
        self.packet.native_id.get().copied().flatten()
    }

    /// Whether the thread is a daemon (Python `Thread.daemon`).
    #[doc(alias = "daemon")]
    #[doc(alias = "isDaemon")]
    pub fn is_daemon(&self) -> bool {
        self.info.is_daemon()
    }

    /// The thread's registry entry as of now (its native id filled in
    /// once it has started).
    pub fn info(&self) -> ThreadInfo {
        threads::get(self.info.ident()).unwrap_or_else(|| self.info.clone())
    }

    /// The outcome of a finished thread; the OS thread is reaped too (it
    /// has only its thread-local destructors left to run).
    fn collect(mut self) -> Result<T, ThreadPanic> {
        let outcome = self.packet.take();
        if let Some(native) = self.native.take() {
            // The body caught every panic; nothing to report here.
            let _ = native.join();
        }
        outcome.map_err(|payload| ThreadPanic {
            name: self.info.name().into(),
            payload,
        })
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.info.name())
            .field("ident", &self.info.ident())
            .field("daemon", &self.info.is_daemon())
            .field("alive", &self.is_alive())
            .finish()
    }
}

/// A thread that panicked: its name and the panic payload, so
/// `join().unwrap_err().message()` reads what it said.
///
/// # Examples
///
/// ```
/// let t = myrt::thread::Thread::new(|| panic!("at {}", 7)).name("p").start();
/// let p = t.join().unwrap_err();
/// assert_eq!(p.message(), Some("at 7"));
/// assert_eq!(p.thread_name(), "p");
/// ```
pub struct ThreadPanic {
    name: Box<str>,
    payload: Box<dyn Any + Send + 'static>,
}

impl ThreadPanic {
    /// The panic message, when the payload is a string (a `panic!` with a
    /// message always is).
    pub fn message(&self) -> Option<&str> {
        payload_str(&*self.payload)
    }

    /// The name of the thread that panicked.
    pub fn thread_name(&self) -> &str {
        &self.name
    }

    /// The panic payload, e.g. to `std::panic::resume_unwind` it.
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.payload
    }
}

/// The message of a panic payload that is a string.
pub(super) fn payload_str(payload: &(dyn Any + Send)) -> Option<&str> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some(s)
    } else {
        payload.downcast_ref::<String>().map(String::as_str)
    }
}

impl fmt::Debug for ThreadPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPanic")
            .field("thread", &self.name)
            .field("message", &self.message())
            .finish()
    }
}

impl fmt::Display for ThreadPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            Some(m) => write!(f, "thread '{}' panicked: {m}", self.name),
            None => write!(f, "thread '{}' panicked", self.name),
        }
    }
}

impl std::error::Error for ThreadPanic {}

/// Why a bounded join ([`JoinHandle::join_timeout`],
/// [`TimerHandle::join_timeout`](super::TimerHandle::join_timeout))
/// returned without a value; `H` is the handle, given back on timeout.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use myrt::thread::{JoinTimeoutError, Thread};
///
/// let t = Thread::new(|| panic!("no")).start();
/// match t.join_timeout(Duration::MAX) {
///     Err(JoinTimeoutError::Panicked(p)) => assert_eq!(p.message(), Some("no")),
///     other => panic!("{other:?}"),
/// }
/// ```
#[non_exhaustive]
pub enum JoinTimeoutError<H> {
    /// The thread is still running; here is its handle back.
    Timeout(H),
    /// The thread panicked.
    Panicked(ThreadPanic),
}

impl<H> JoinTimeoutError<H> {
    /// Whether the wait timed out (the thread still runs).
    pub fn is_timeout(&self) -> bool {
        matches!(self, JoinTimeoutError::Timeout(_))
    }

    /// The handle back, after a timeout.
    pub fn into_handle(self) -> Option<H> {
        match self {
            JoinTimeoutError::Timeout(h) => Some(h),
            JoinTimeoutError::Panicked(_) => None,
        }
    }

    /// The thread's panic, if that is why.
    pub fn into_panic(self) -> Option<ThreadPanic> {
        match self {
            JoinTimeoutError::Panicked(p) => Some(p),
            JoinTimeoutError::Timeout(_) => None,
        }
    }
}

impl<H: fmt::Debug> fmt::Debug for JoinTimeoutError<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinTimeoutError::Timeout(h) => f.debug_tuple("Timeout").field(h).finish(),
            JoinTimeoutError::Panicked(p) => f.debug_tuple("Panicked").field(p).finish(),
        }
    }
}

impl<H> fmt::Display for JoinTimeoutError<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinTimeoutError::Timeout(_) => {
                f.write_str("the thread is still running after the timeout")
            }
            JoinTimeoutError::Panicked(p) => fmt::Display::fmt(p, f),
        }
    }
}

impl<H: fmt::Debug> std::error::Error for JoinTimeoutError<H> {}
