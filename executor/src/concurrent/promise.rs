//! [`Promise`], the producer side of a [`Future`] made by [`Future::pending`].

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::future::{complete, AlreadyDone, End, Outcome, Shared, Status};
use super::Future;

/// The producer side of a [`Future`] made by [`Future::pending`].
///
/// Dropping a `Promise` that has not set a result finishes the future with
/// [`FutureError::Abandoned`](super::FutureError::Abandoned) (unless it was cancelled), so no waiter is
/// left hanging.
pub struct Promise<T> {
    inner: Arc<dyn Shared<T>>,
    completed: bool,
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.inner.core().status();
        f.debug_struct("Promise").field("state", &status).finish()
    }
}

impl<T> Promise<T> {
    pub(crate) fn new(inner: Arc<dyn Shared<T>>) -> Self {
        Promise {
            inner,
            completed: false,
        }
    }

    /// Marks the future RUNNING (Python `set_running_or_notify_cancel`).
    ///
    /// Returns `false` if the future was cancelled: the job must then not
    /// run. After `true`, [`Future::cancel`] fails.
    #[doc(alias("set_running_or_notify_cancel"))]
    pub fn set_running(&self) -> bool {
        self.inner.core().set_running()
    }

    /// Whether the future was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.core().status() == Status::Cancelled
    }

    /// A handle to the future this promise completes.
    pub fn future(&self) -> Future<T> {
        Future::from_shared(Arc::clone(&self.inner))
    }

    /// Finishes the future with `value`, waking every waiter and running
    /// the done callbacks on this thread.
    ///
    /// Works from PENDING or RUNNING.
    ///
    /// # Errors
    ///
    /// Gives `value` back if the future was cancelled.
    pub fn set_result(mut self, value: T) -> Result<(), T> {
        self.completed = true;
        match complete(&self.inner, End::Finish, Outcome::Value(value)) {
            Ok(()) => Ok(()),
            Err(AlreadyDone(Outcome::Value(v))) => Err(v),
            Err(_) => unreachable!("complete hands back the outcome it was given"),
        }
    }

    /// Finishes the future with a panic payload (as caught by
    /// `std::panic::catch_unwind`); waiters get [`FutureError::Panicked`](super::FutureError::Panicked).
    ///
    /// Returns `false` (and drops the payload) if the future was cancelled.
    pub fn set_panic(mut self, payload: Box<dyn Any + Send + 'static>) -> bool {
        self.completed = true;
        complete(&self.inner, End::Finish, Outcome::panicked(payload)).is_ok()
    }

    /// Finishes the future with a panic raised in another process, known
    /// by its message and `file:line:column` location; waiters get
    /// [`FutureError::Panicked`](super::FutureError::Panicked) whose
    /// payload is the message as a `String` and whose
    /// [`location`](super::PanicPayload::location) is `location`.
    ///
    /// Returns `false` if the future was cancelled.
    pub fn set_remote_panic(mut self, message: String, location: Option<String>) -> bool {
        self.completed = true;
        complete(
            &self.inner,
            End::Finish,
            Outcome::remote_panic(message, location),
        )
        .is_ok()
    }

    /// Finishes the future with
    /// [`FutureError::WorkerDied`](super::FutureError::WorkerDied) (the
    /// process running the job died); `why` names the worker and how it
    /// ended.
    ///
    /// Returns `false` if the future was cancelled.
    pub fn set_worker_died(mut self, why: &str) -> bool {
        self.completed = true;
        complete(&self.inner, End::Finish, Outcome::WorkerDied(why.into())).is_ok()
    }

    /// Finishes the future with
    /// [`FutureError::BrokenPool`](super::FutureError::BrokenPool); `why`
    /// says what broke the pool.
    ///
    /// Returns `false` if the future was cancelled.
    pub fn set_broken(mut self, why: &str) -> bool {
        self.completed = true;
        complete(&self.inner, End::Finish, Outcome::Broken(why.into())).is_ok()
    }

    /// Cancels the future even if it is RUNNING: for a producer whose job
    /// was cancelled from its own side (for example a runtime task aborted
    /// at shutdown). The [`on_cancel`](Promise::on_cancel) hook does not
    /// run.
    ///
    /// Returns `false` if the future was already cancelled.
    pub fn set_cancelled(mut self) -> bool {
        self.completed = true;
        complete(&self.inner, End::ProducerCancel, Outcome::Empty).is_ok()
    }

    /// Registers `hook` to run when the future is cancelled through
    /// [`Future::cancel`], on the cancelling thread (at once, on this
    /// thread, if it already is cancelled). Replaces an earlier hook.
    ///
    /// A runtime uses this to abort the task behind a bridged future.
    pub fn on_cancel<F>(&self, hook: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let mut st = self.inner.core().lock();
        match self.inner.core().status() {
            Status::Pending | Status::Running => {
                let old = st.extra().cancel_hook.replace(Box::new(hook));
                drop(st);
                drop(old);
            }
            Status::Cancelled => {
                drop(st);
                hook();
            }
            Status::Finished => {}
        }
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        if !self.completed {
            let _ = complete(&self.inner, End::Finish, Outcome::Abandoned);
        }
    }
}
