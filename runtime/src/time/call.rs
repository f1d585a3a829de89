//! [`call_later`], [`call_at`] and their [`TimerHandle`] (asyncio's
//! `loop.call_later` / `loop.call_at`).

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::Instant;

use crate::loom::{AtomicU64, Ordering};
use crate::task::AbortHandle;

const PENDING: u64 = 0;
const RUNNING: u64 = 1;
const CANCELLED: u64 = 2;

/// Calls `callback` once `delay` has elapsed, on one of the runtime's
/// workers; returns a handle that can cancel it until it starts.
///
/// The callback runs as a small task (a panic in it is a panic in a
/// detached task). asyncio: `loop.call_later(delay, callback)`.
///
/// # Panics
///
/// Outside a myrt runtime; [`checked_call_later`] is the twin.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use myrt::sync::Event;
/// use std::sync::Arc;
///
/// myrt::run(async {
///     let fired = Arc::new(Event::new());
///     let f = fired.clone();
///     let _h = myrt::time::call_later(Duration::from_millis(5), move || f.set());
///     let never = myrt::time::call_later(Duration::from_secs(3600), || unreachable!());
///     assert!(never.cancel());
///     fired.wait().await;
/// });
/// ```
#[track_caller]
#[doc(alias = "call_soon")]
pub fn call_later<F>(delay: Duration, callback: F) -> TimerHandle
where
    F: FnOnce() + Send + 'static,
{
    call_at(super::far_add(Instant::now(), delay), callback)
}

/// Calls `callback` at `deadline` (at once if it has passed); see
/// [`call_later`]. asyncio: `loop.call_at(when, callback)`.
///
/// # Panics
///
/// Outside a myrt runtime; [`checked_call_at`] is the twin.
#[track_caller]
pub fn call_at<F>(deadline: impl Into<Instant>, callback: F) -> TimerHandle
where
    F: FnOnce() + Send + 'static,
{
    match checked_call_at(deadline, callback) {
        Ok(h) => h,
        Err(e) => panic!("{e}"),
    }
}

/// [`call_later`] that returns an error outside a runtime instead of
/// panicking.
///
/// # Errors
///
/// An error of kind `Other` if called outside a myrt runtime.
#[doc(alias = "try_call_later")]
pub fn checked_call_later<F>(delay: Duration, callback: F) -> io::Result<TimerHandle>
where
    F: FnOnce() + Send + 'static,
{
    checked_call_at(super::far_add(Instant::now(), delay), callback)
}

/// [`call_at`] that returns an error outside a runtime instead of
/// panicking.
///
/// # Errors
///
/// An error of kind `Other` if called outside a myrt runtime.
#[doc(alias = "try_call_at")]
pub fn checked_call_at<F>(deadline: impl Into<Instant>, callback: F) -> io::Result<TimerHandle>
where
    F: FnOnce() + Send + 'static,
{
    let deadline = deadline.into();
    let state = Arc::new(AtomicU64::new(PENDING));
    let sleep = super::checked_sleep_until(deadline)?;
    let task_state = state.clone();
    let task = crate::task::checked_spawn(async move {
        sleep.await;
        // Whoever moves the state out of PENDING first decides: the timer
        // runs the callback, or `cancel` keeps it from ever running.
        if task_state
            .compare_exchange(PENDING, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            callback();
        }
    })
    .map_err(|_| super::no_runtime_error())?;
    Ok(TimerHandle {
        state,
        abort: task.abort_handle(),
        deadline,
    })
}

/// A callback scheduled by [`call_later`] or [`call_at`].
///
/// Dropping the handle does not cancel the callback. asyncio:
/// `asyncio.TimerHandle`.
pub struct TimerHandle {
    state: Arc<AtomicU64>,
    abort: AbortHandle,
    deadline: Instant,
}

impl TimerHandle {
    /// Cancels the callback. Returns `true` if it will never run (this
    /// call, or an earlier one, cancelled it), `false` if it has already
    /// started.
    pub fn cancel(&self) -> bool {
        let won = match self.state.compare_exchange(
            PENDING,
            CANCELLED,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => true,
            Err(s) => s == CANCELLED,
        };
        if won {
            // Frees the timer and the callback now rather than at the
            // deadline.
            self.abort.abort();
        }
        won
    }

    /// Whether [`TimerHandle::cancel`] succeeded.
    pub fn cancelled(&self) -> bool {
        self.state.load(Ordering::Acquire) == CANCELLED
    }

    /// Whether the callback has started (or finished).
    pub fn started(&self) -> bool {
        self.state.load(Ordering::Acquire) == RUNNING
    }

    /// When the callback is due. asyncio: `TimerHandle.when()`.
    pub fn when(&self) -> Instant {
        self.deadline
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.deadline)
            .field("cancelled", &self.cancelled())
            .field("started", &self.started())
            .finish()
    }
}
