//! [`sleep`], [`sleep_until`] and the [`Sleep`] future.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;

use crate::driver::wheel::Key;
use crate::driver::{Handle, TimerPoll};

/// Waits until `duration` has elapsed (asyncio `sleep`).
///
/// The timer is only put in the wheel the first time the future is polled
/// and is still pending, so creating a `Sleep` costs a clock read.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// myrt::run(async {
///     myrt::time::sleep(Duration::from_millis(20)).await;
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping the future removes its timer, which never fires.
///
/// # Panics
///
/// Polling the returned future outside a myrt runtime panics (unless the
/// deadline has already passed); [`checked_sleep`] is the twin that reports it.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(super::far_add(Instant::now(), duration))
}

/// Like [`sleep`], but ties the `Sleep` to the current runtime at once and
/// reports a missing runtime instead of panicking when polled. The returned
/// `Sleep` may then be awaited from any thread while a multi-thread runtime
/// lives (a current-thread runtime fires timers only inside its
/// `block_on`). Once its runtime is gone, it completes at once.
///
/// # Errors
///
/// An error of kind `Other` if called outside a myrt runtime.
///
/// # Cancel safety
///
/// Cancel safe, as [`sleep`]: dropping the `Sleep` removes its timer.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert!(myrt::time::checked_sleep(Duration::from_millis(1)).is_err());
/// myrt::run(async {
///     myrt::time::checked_sleep(Duration::from_millis(1)).unwrap().await;
/// });
/// ```
#[doc(alias = "try_sleep")]
pub fn checked_sleep(duration: Duration) -> io::Result<Sleep> {
    checked_sleep_until(super::far_add(Instant::now(), duration))
}

/// Waits until `deadline` (a past deadline completes at once).
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use myrt::time::{sleep_until, Instant};
/// myrt::run(async {
///     sleep_until(Instant::now() + Duration::from_millis(20)).await;
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping the future removes its timer.
///
/// # Panics
///
/// Polling the returned future outside a myrt runtime panics (unless the
/// deadline has already passed); [`checked_sleep_until`] is the twin.
pub fn sleep_until(deadline: impl Into<Instant>) -> Sleep {
    Sleep::new(deadline.into())
}

/// Like [`sleep_until`], with [`checked_sleep`]'s runtime check.
///
/// # Errors
///
/// An error of kind `Other` if called outside a myrt runtime.
///
/// # Cancel safety
///
/// Cancel safe: dropping the `Sleep` removes its timer.
#[doc(alias = "try_sleep_until")]
pub fn checked_sleep_until(deadline: impl Into<Instant>) -> io::Result<Sleep> {
    Sleep::bound(deadline.into())
}

/// A future that completes at a deadline; see [`sleep`].
///
/// `Sleep` is `Unpin`, so it can be polled by `&mut` and reset in place.
/// When the runtime shuts down, pending sleeps complete at once so nothing
/// hangs.
///
/// # Cancel safety
///
/// Cancel safe: dropping a `Sleep` removes its timer, which never fires.
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    /// The runtime's driver: taken at the first pending poll (and let go
    /// again on completion), or for good at creation by the `try_`
    /// constructors.
    handle: Option<Handle>,
    /// Made by a `try_` constructor: `handle` stays.
    bound: bool,
    /// Our timer in the wheel, while registered.
    key: Option<Key>,
}

impl Sleep {
    /// A sleep that finds the runtime when first polled.
    pub(crate) fn new(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            handle: None,
            bound: false,
            key: None,
        }
    }

    /// A sleep tied to the current runtime now.
    pub(crate) fn bound(deadline: Instant) -> io::Result<Sleep> {
        let handle = Handle::checked_current().ok_or_else(super::no_runtime_error)?;
        Ok(Sleep {
            deadline,
            handle: Some(handle),
            bound: true,
            key: None,
        })
    }

    /// The instant this sleep completes at.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline, keeping the task's registration: a completed
    /// `Sleep` can be reset and awaited again.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use myrt::time::{sleep, Instant};
    /// myrt::run(async {
    ///     let mut s = sleep(Duration::from_secs(60));
    ///     s.reset(Instant::now() + Duration::from_millis(5));
    ///     (&mut s).await;
    /// });
    /// ```
    pub fn reset(&mut self, deadline: impl Into<Instant>) {
        let deadline = deadline.into();
        self.deadline = deadline;
        if let (Some(handle), Some(key)) = (&self.handle, self.key.take()) {
            self.key = handle.reset_timer(key, deadline.into_std());
        }
    }

    fn cancel(&mut self) {
        if let (Some(handle), Some(key)) = (&self.handle, self.key.take()) {
            handle.remove_timer(key);
        }
    }

    /// Done: drop the timer, and the runtime unless bound to it, so that a
    /// reset `Sleep` (or an `Interval`) finds the runtime it is polled in.
    fn complete(&mut self) {
        self.cancel();
        if !self.bound {
            self.handle = None;
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if Instant::now() >= this.deadline {
            this.complete();
            return Poll::Ready(());
        }
        let handle = this.handle.get_or_insert_with(Handle::current);
        match handle.poll_timer(this.key.take(), this.deadline.into_std(), cx.waker()) {
            TimerPoll::Registered(k) => {
                this.key = Some(k);
                Poll::Pending
            }
            TimerPoll::Due | TimerPoll::Shutdown => {
                this.complete();
                Poll::Ready(())
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.key.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::driver::test_util::{block_on, join_all, noop_waker};

    #[test]
    fn sleep_waits_at_least_its_duration() {
        let t = Instant::now();
        block_on(sleep(Duration::from_millis(30)));
        assert!(t.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn ten_thousand_sleeps_all_fire_none_early() {
        let n = if cfg!(miri) { 50 } else { 10_000 };
        let fired = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let futs: Vec<_> = (0..n)
            .map(|i| {
                let fired = fired.clone();
                let d = Duration::from_millis((i % 97) as u64 + 1);
                async move {
                    let deadline = start + d;
                    sleep_until(deadline).await;
                    assert!(Instant::now() >= deadline, "timer fired early");
                    fired.fetch_add(1, Ordering::Relaxed);
                }
            })
            .collect();
        block_on(join_all(futs));
        assert_eq!(fired.load(Ordering::Relaxed), n);
    }

    #[test]
    fn dropped_sleep_never_fires() {
        block_on(async {
            let handle = Handle::current();
            let mut s = sleep(Duration::from_millis(20));
            // Register it, then drop it.
            let waker = &noop_waker();
            assert!(Pin::new(&mut s)
                .poll(&mut Context::from_waker(waker))
                .is_pending());
            assert_eq!(crate::driver::lock(handle.inner_timers()).len(), 1);
            drop(s);
            assert_eq!(crate::driver::lock(handle.inner_timers()).len(), 0);
            sleep(Duration::from_millis(40)).await;
        });
    }

    #[test]
    fn reset_moves_the_deadline_both_ways() {
        block_on(async {
            let t = Instant::now();
            let mut s = sleep(Duration::from_secs(60));
            let waker = &noop_waker();
            assert!(Pin::new(&mut s)
                .poll(&mut Context::from_waker(waker))
                .is_pending());
            s.reset(t + Duration::from_millis(10));
            (&mut s).await;
            assert!(t.elapsed() >= Duration::from_millis(10));
            assert!(t.elapsed() < Duration::from_secs(30));
            s.reset(Instant::now() + Duration::from_millis(15));
            let t2 = Instant::now();
            (&mut s).await;
            assert!(t2.elapsed() >= Duration::from_millis(14));
        });
    }

    #[test]
    fn past_deadline_is_ready_at_once_even_outside_runtime() {
        let mut s = sleep_until(Instant::now() - Duration::from_millis(1));
        let waker = &noop_waker();
        assert!(Pin::new(&mut s)
            .poll(&mut Context::from_waker(waker))
            .is_ready());
    }

    #[test]
    fn huge_duration_does_not_overflow() {
        let s = sleep(Duration::MAX);
        assert!(!s.is_elapsed());
    }
}
