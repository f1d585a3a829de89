//! [`FutureError`], what waiting on a [`Future`](super::Future) can end
//! with, and the [`PanicPayload`] it carries for a panicked job.

use std::any::Any;
use std::fmt;
// Not a synchronization protocol, only a way to make a `Send` payload
// `Sync`; so `std`'s Mutex rather than the loom shim.
use std::sync::Mutex;

/// Why a [`Future`](super::Future) has no value to give.
///
/// Returned by [`Future::result`](super::Future::result),
/// [`Future::result_timeout`](super::Future::result_timeout), `.await` on a
/// [`Future`](super::Future), and yielded by [`Map`](super::Map) and
/// [`AsCompleted`](super::AsCompleted). It is `Send + Sync + 'static`, so
/// it converts into `Box<dyn Error + Send + Sync>`.
#[non_exhaustive]
pub enum FutureError {
    /// The future was cancelled before it started running (Python
    /// `CancelledError`).
    Cancelled,
    /// The job panicked. The first caller of
    /// [`Future::result`](super::Future::result) gets the original payload,
    /// later callers a `String` with the panic message.
    Panicked(PanicPayload),
    /// A timed wait ran out. The future itself is unaffected and can be
    /// waited for again (Python `TimeoutError`).
    Timeout,
    /// The executor could not run the job: its thread pool is broken, for
    /// instance because a worker's initializer failed (Python
    /// `BrokenThreadPool`). The text says why.
    BrokenPool(String),
    /// The worker process running the job died before it answered (killed
    /// by a signal, aborted, exited): the text names the worker and how it
    /// ended. Only that job fails; a process pool that respawns its workers
    /// goes on (Python's `multiprocessing.Pool` would hang instead).
    WorkerDied(String),
    /// The producer side (a [`Promise`](super::Promise)) was dropped
    /// without setting a result, for instance because the runtime running
    /// the job shut down.
    Abandoned,
    /// The value was already moved out by an earlier
    /// [`Future::result`](super::Future::result) (or `.await`) on this
    /// future or one of its clones. Use
    /// [`Future::result_cloned`](super::Future::result_cloned) to read a
    /// value more than once.
    AlreadyTaken,
}

/// The payload of a panicked job, as `std::panic::catch_unwind` gives it,
/// plus its message when the payload is a string.
pub struct PanicPayload {
    payload: Mutex<Box<dyn Any + Send + 'static>>,
    message: Option<String>,
    location: Option<String>,
}

impl PanicPayload {
    /// Wraps a payload caught by `catch_unwind`.
    pub fn new(payload: Box<dyn Any + Send + 'static>) -> Self {
        let message = payload_str(&*payload).map(str::to_owned);
        PanicPayload {
            payload: Mutex::new(payload),
            message,
            location: None,
        }
    }

    /// The same payload, recording where the panic was raised
    /// (`file:line:column`).
    #[must_use]
    pub fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    /// Where the panic was raised (`file:line:column`), when known: set for
    /// panics that crossed from a worker process, whose message travels
    /// as a `String` and whose location would otherwise be lost.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The panic message, if the payload is a `&str` or a `String`.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The payload, for `downcast` or `std::panic::resume_unwind`.
    pub fn into_inner(self) -> Box<dyn Any + Send + 'static> {
        self.payload
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Re-raises the panic on this thread.
    pub fn resume(self) -> ! {
        std::panic::resume_unwind(self.into_inner())
    }
}

impl fmt::Debug for PanicPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.message, &self.location) {
            (Some(msg), Some(at)) => f.debug_tuple("PanicPayload").field(msg).field(at).finish(),
            (Some(msg), None) => f.debug_tuple("PanicPayload").field(msg).finish(),
            (None, _) => f.write_str("PanicPayload(..)"),
        }
    }
}

impl FutureError {
    /// Whether this is [`FutureError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, FutureError::Cancelled)
    }

    /// Whether this is [`FutureError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, FutureError::Timeout)
    }

    /// Whether this is [`FutureError::Panicked`].
    pub fn is_panic(&self) -> bool {
        matches!(self, FutureError::Panicked(_))
    }

    /// The panic payload, or `Err(self)` if this is not a panic.
    ///
    /// # Errors
    ///
    /// Gives `self` back when it is not [`FutureError::Panicked`].
    #[doc(alias = "try_into_panic")]
    pub fn checked_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, FutureError> {
        match self {
            FutureError::Panicked(p) => Ok(p.into_inner()),
            other => Err(other),
        }
    }

    /// The panic message, when this is a panic whose payload is a string.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            FutureError::Panicked(p) => p.message(),
            _ => None,
        }
    }
}

pub(crate) fn payload_str(p: &(dyn Any + Send)) -> Option<&str> {
    if let Some(s) = p.downcast_ref::<&'static str>() {
        Some(s)
    } else {
        p.downcast_ref::<String>().map(String::as_str)
    }
}

impl fmt::Debug for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Cancelled => f.write_str("Cancelled"),
            FutureError::Panicked(p) => match p.message() {
                Some(msg) => f.debug_tuple("Panicked").field(&msg).finish(),
                None => f.write_str("Panicked(..)"),
            },
            FutureError::Timeout => f.write_str("Timeout"),
            FutureError::BrokenPool(msg) => f.debug_tuple("BrokenPool").field(msg).finish(),
            FutureError::WorkerDied(msg) => f.debug_tuple("WorkerDied").field(msg).finish(),
            FutureError::Abandoned => f.write_str("Abandoned"),
            FutureError::AlreadyTaken => f.write_str("AlreadyTaken"),
        }
    }
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Cancelled => f.write_str("future was cancelled"),
            FutureError::Panicked(p) => match (p.message(), p.location()) {
                (Some(msg), Some(at)) => write!(f, "future's job panicked at {at}: {msg}"),
                (Some(msg), None) => write!(f, "future's job panicked: {msg}"),
                (None, _) => f.write_str("future's job panicked"),
            },
            FutureError::Timeout => f.write_str("timed out waiting for a future"),
            FutureError::BrokenPool(msg) => write!(f, "pool is broken: {msg}"),
            FutureError::WorkerDied(msg) => write!(f, "worker process died: {msg}"),
            FutureError::Abandoned => {
                f.write_str("future was abandoned: its producer went away without a result")
            }
            FutureError::AlreadyTaken => f.write_str("future's value was already taken"),
        }
    }
}

impl std::error::Error for FutureError {}
