//! `JoinHandle` and `JoinError`.
#![allow(unsafe_code)] // One call: reading the output, whose type `JoinHandle<T>` fixes at spawn.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::raw::RawTask;
use super::state::COMPLETE;
use super::Id;

/// An owned permission to await a spawned task's result.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] when the task panicked
/// or was aborted. Dropping the handle *detaches* the task: it keeps running
/// and its output is dropped when it finishes.
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel safe: dropping the `.await` before it
/// completes loses nothing; the handle can be awaited again.
///
/// # Examples
///
/// ```
/// let h = myrt_executor::scheduler::Scheduler::current_thread().unwrap();
/// let out = h.block_on(async {
///     let task = myrt_executor::task::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _p: PhantomData<T>,
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// `raw` must be a task whose output type is `T` (only `task::new_task`
    /// builds handles, from the future's own `Output`).
    pub(crate) fn new(raw: RawTask) -> Self {
        JoinHandle {
            raw,
            _p: PhantomData,
        }
    }

    /// Aborts the task.
    ///
    /// If the task is not being polled right now its future is dropped
    /// before `abort` returns; otherwise it is dropped as soon as the
    /// current poll returns. Awaiting the handle then gives a cancelled
    /// [`JoinError`] (unless the task finished first). Aborting a finished
    /// task does nothing.
    #[doc(alias("cancel"))]
    pub fn abort(&self) {
        self.raw.cancel();
    }

    /// Returns true once the task has finished, whether by completing,
    /// panicking or being aborted.
    #[doc(alias("done"))]
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().has(COMPLETE)
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }

    /// A handle that can abort the task but not await it: keep it where the
    /// `JoinHandle` cannot go (it is awaited elsewhere, or was moved into a
    /// `JoinSet`). It holds a reference to the task's allocation, not to
    /// its output.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = myrt_executor::scheduler::Scheduler::current_thread().unwrap();
    /// h.block_on(async {
    ///     let task = myrt_executor::task::spawn(std::future::pending::<()>());
    ///     let abort = task.abort_handle();
    ///     abort.abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    ///     assert!(abort.is_finished());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle::new(self.raw)
    }
}

/// Aborts a task from anywhere; see [`JoinHandle::abort_handle`].
///
/// Cloning it and dropping it never affect the task; [`abort`](Self::abort)
/// does what [`JoinHandle::abort`] does.
pub struct AbortHandle {
    raw: RawTask,
}

impl AbortHandle {
    /// Takes a new reference to the task.
    fn new(raw: RawTask) -> AbortHandle {
        raw.header().state.ref_inc();
        AbortHandle { raw }
    }

    /// Aborts the task, as [`JoinHandle::abort`]. Aborting a finished task
    /// does nothing.
    #[doc(alias("cancel"))]
    pub fn abort(&self) {
        self.raw.cancel();
    }

    /// Returns true once the task has finished, whether by completing,
    /// panicking or being aborted.
    #[doc(alias("done"))]
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().has(COMPLETE)
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        AbortHandle::new(self.raw)
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_ref();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if crate::coop::poll_budget(cx).is_pending() {
            return Poll::Pending;
        }
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has the task's output type (see `JoinHandle::new`) and
        // we are the task's one `JoinHandle`.
        unsafe {
            self.raw
                .try_read_output(&mut out as *mut _ as *mut (), cx.waker())
        };
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        self.raw.drop_join_handle();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// Why a task did not produce its output: it was aborted, or it panicked.
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(std::sync::Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> Self {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> Self {
        JoinError {
            id,
            repr: Repr::Panic(std::sync::Mutex::new(payload)),
        }
    }

    /// The error of a task cancelled outside this crate's schedulers
    /// (myrt's `LocalSet`); not a public API.
    #[doc(hidden)]
    pub fn __cancelled(id: Id) -> Self {
        Self::cancelled(id)
    }

    /// The error of a task that panicked outside this crate's schedulers;
    /// not a public API.
    #[doc(hidden)]
    pub fn __panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> Self {
        Self::panic(id, payload)
    }

    /// True when the task was aborted (or dropped by runtime shutdown).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True when the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Returns the panic payload.
    ///
    /// # Panics
    ///
    /// Panics if the task was cancelled rather than panicking; see
    /// [`checked_into_panic`](Self::checked_into_panic).
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.checked_into_panic()
            .expect("JoinError::into_panic called on a cancelled task's error")
    }

    /// Returns the panic payload, or the error back if the task was cancelled.
    #[doc(alias = "try_into_panic")]
    pub fn checked_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled => Err(self),
        }
    }

    pub(crate) fn panic_message(&self) -> Option<String> {
        let Repr::Panic(p) = &self.repr else {
            return None;
        };
        let p = p.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = p.downcast_ref::<&str>() {
            Some((*s).to_string())
        } else {
            p.downcast_ref::<String>().cloned()
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(_) => match self.panic_message() {
                Some(m) => write!(f, "task {} panicked: {m}", self.id),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({:?})", self.id),
            Repr::Panic(_) => write!(
                f,
                "JoinError::Panic({:?}, {:?})",
                self.id,
                self.panic_message()
            ),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> Self {
        std::io::Error::other(e.to_string())
    }
}
