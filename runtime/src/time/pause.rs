//! Pausing time in tests: [`pause`], [`advance`], [`resume`].
//!
//! A paused clock stands still: [`Instant::now`](super::Instant::now) and
//! every timer follow it. When the runtime has nothing to run, it moves
//! the clock straight to the next timer instead of sleeping, so a test of
//! a 30 s timeout finishes in microseconds. Only a current-thread runtime
//! can pause (its idleness is what decides when time jumps);
//! `#[myrt::test(start_paused = true)]` builds one paused.
//!
//! Time jumps whenever the runtime is idle, also while a task waits for
//! I/O or for a `spawn_blocking` job: such tests should not pause.

use std::io;
use std::time::Duration;

use crate::driver::{ClockError, Handle};

fn clock_error(e: Option<ClockError>) -> io::Error {
    let msg = match e {
        None => "no myrt runtime: the clock can be paused only from inside a runtime",
        Some(ClockError::NotPausable) => {
            "only a current-thread runtime can pause its clock (Builder::new_current_thread, \
             or #[myrt::test(start_paused = true)])"
        }
        Some(ClockError::AlreadyPaused) => "the clock is already paused",
        Some(ClockError::NotPaused) => "the clock is not paused (call time::pause first)",
    };
    io::Error::other(msg)
}

fn with_clock<R>(f: impl FnOnce(&Handle) -> Result<R, ClockError>) -> io::Result<R> {
    let h = Handle::checked_current().ok_or_else(|| clock_error(None))?;
    f(&h).map_err(|e| clock_error(Some(e)))
}

/// Pauses the current runtime's clock.
///
/// # Panics
///
/// Outside a current-thread runtime, or if the clock is already paused
/// (programmer errors); [`checked_pause`] is the twin.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use myrt::time::{self, Instant};
///
/// let rt = myrt::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     time::pause();
///     let t = Instant::now();
///     time::sleep(Duration::from_secs(3600)).await; // returns at once
///     assert!(t.elapsed() >= Duration::from_secs(3600));
/// });
/// ```
#[track_caller]
pub fn pause() {
    if let Err(e) = checked_pause() {
        panic!("time::pause: {e}");
    }
}

/// [`pause`] that returns an error instead of panicking.
///
/// # Errors
///
/// Outside a runtime, on a multi-thread runtime, or if already paused.
#[doc(alias = "try_pause")]
pub fn checked_pause() -> io::Result<()> {
    with_clock(|h| h.inner.clock.pause())
}

/// Lets the paused clock run again, from where it stands.
///
/// # Panics
///
/// If the clock is not paused; [`checked_resume`] is the twin.
#[track_caller]
pub fn resume() {
    if let Err(e) = checked_resume() {
        panic!("time::resume: {e}");
    }
}

/// [`resume`] that returns an error instead of panicking.
///
/// # Errors
///
/// Outside a runtime, or if the clock is not paused.
#[doc(alias = "try_resume")]
pub fn checked_resume() -> io::Result<()> {
    with_clock(|h| h.inner.clock.resume())
}

/// Whether the current runtime's clock is paused (false outside a runtime).
pub fn is_paused() -> bool {
    Handle::checked_current().is_some_and(|h| h.inner.clock.is_paused())
}

/// Moves the paused clock forward by `d`, fires the timers that are now
/// due, and yields once so that the tasks they woke run before the caller
/// goes on.
///
/// # Panics
///
/// If the clock is not paused; [`checked_advance`] is the twin.
///
/// # Cancel safety
///
/// The clock moves at the first poll; dropping the future after that
/// only skips the yield.
pub async fn advance(d: Duration) {
    if let Err(e) = checked_advance(d).await {
        panic!("time::advance: {e}");
    }
}

/// [`advance`] that returns an error instead of panicking.
///
/// # Errors
///
/// Outside a runtime, or if the clock is not paused.
///
/// # Cancel safety
///
/// As [`advance`].
#[doc(alias = "try_advance")]
pub async fn checked_advance(d: Duration) -> io::Result<()> {
    let h = Handle::checked_current().ok_or_else(|| clock_error(None))?;
    h.inner.clock.advance(d).map_err(|e| clock_error(Some(e)))?;
    h.fire_due();
    crate::task::yield_now().await;
    Ok(())
}
