//! [`interval`]: a periodic ticker.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;

use super::Sleep;

/// What an [`Interval`] does when ticks were missed (the task was busy for
/// longer than a period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up, keeping the
    /// original schedule (`start + n * period`). The default.
    #[default]
    Burst,
    /// Fire once now, then restart the schedule from now: the next tick is a
    /// full period after this late one.
    Delay,
    /// Fire once now, then skip to the next tick of the original schedule
    /// that lies in the future.
    Skip,
}

/// A stream of ticks every `period`, created by [`interval`].
pub struct Interval {
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

/// A ticker whose first tick completes at once and then every `period`.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// myrt::run(async {
///     let mut iv = myrt::time::interval(Duration::from_millis(10));
///     iv.tick().await; // at once
///     iv.tick().await; // 10 ms later
/// });
/// ```
///
/// # Panics
///
/// Panics if `period` is zero; [`checked_interval`] returns an error instead.
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// A ticker whose first tick completes at `start` and then every `period`.
///
/// # Panics
///
/// Panics if `period` is zero; [`checked_interval_at`] returns an error instead.
pub fn interval_at(start: impl Into<Instant>, period: Duration) -> Interval {
    let start = start.into();
    if check_period(period).is_err() {
        panic!("myrt::time::interval: period must be non-zero");
    }
    Interval::new(Sleep::new(start), period)
}

/// Like [`interval`], but a zero `period` or a missing runtime is an
/// error: the ticker is tied to the current runtime at once (see
/// [`checked_sleep`](super::checked_sleep)), so ticking never panics. Once that
/// runtime is gone every tick completes at once, so stop ticking then.
///
/// # Errors
///
/// `InvalidInput` if `period` is zero; `Other` outside a myrt runtime.
#[doc(alias = "try_interval")]
pub fn checked_interval(period: Duration) -> io::Result<Interval> {
    checked_interval_at(Instant::now(), period)
}

/// Like [`interval_at`], with [`checked_interval`]'s checks.
///
/// # Errors
///
/// `InvalidInput` if `period` is zero; `Other` outside a myrt runtime.
#[doc(alias = "try_interval_at")]
pub fn checked_interval_at(start: impl Into<Instant>, period: Duration) -> io::Result<Interval> {
    let start = start.into();
    check_period(period)?;
    Ok(Interval::new(Sleep::bound(start)?, period))
}

fn check_period(period: Duration) -> io::Result<()> {
    if period.is_zero() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interval period must be non-zero",
        ));
    }
    Ok(())
}

impl Interval {
    fn new(sleep: Sleep, period: Duration) -> Interval {
        Interval {
            sleep,
            period,
            missed: MissedTickBehavior::default(),
        }
    }

    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a tick is consumed only when `tick` returns it.
    ///
    /// # Panics
    ///
    /// Panics when polled outside a myrt runtime while the tick is not due,
    /// unless the ticker came from [`checked_interval`] (tied to its runtime).
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; see [`tick`](Interval::tick).
    ///
    /// # Panics
    ///
    /// As [`tick`](Interval::tick): outside a myrt runtime while the tick is
    /// not due, unless the ticker came from [`checked_interval`].
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.sleep.deadline();
        let now = Instant::now();
        let mut next = super::far_add(scheduled, self.period);
        if next <= now {
            next = match self.missed {
                MissedTickBehavior::Burst => next,
                MissedTickBehavior::Delay => super::far_add(now, self.period),
                MissedTickBehavior::Skip => {
                    let behind = now.duration_since(scheduled).as_nanos();
                    let p = self.period.as_nanos();
                    let periods = behind / p + 1;
                    let add =
                        u64::try_from(periods * p).map_or(Duration::MAX, Duration::from_nanos);
                    super::far_add(scheduled, add)
                }
            };
        }
        self.sleep.reset(next);
        Poll::Ready(scheduled)
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.sleep
            .reset(super::far_add(Instant::now(), self.period));
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The missed-tick behaviour in use.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Chooses what happens when ticks are missed.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}

/// The ticks as a [`Stream`](futures_core::Stream) (tokio's
/// `IntervalStream`; asyncio has no ticker, people loop over
/// `asyncio.sleep`): every item is the tick's scheduled instant, and the
/// stream never ends. Works with `myrt::io::StreamExt` (`next`, `take`,
/// `zip`...).
///
/// # Examples
///
/// ```
/// use myrt::io::StreamExt;
/// use std::time::Duration;
///
/// myrt::run(async {
///     let ticks: Vec<_> = myrt::time::interval(Duration::from_millis(1)).take(3).collect().await;
///     assert!(ticks.windows(2).all(|w| w[1] >= w[0] + Duration::from_millis(1)));
/// });
/// ```
impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed)
            .finish_non_exhaustive()
    }
}

use std::future::Future as _;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::test_util::block_on;

    #[test]
    fn ticks_follow_the_schedule() {
        block_on(async {
            let start = Instant::now();
            let mut iv = interval_at(start, Duration::from_millis(10));
            assert_eq!(iv.tick().await, start);
            assert_eq!(iv.tick().await, start + Duration::from_millis(10));
            assert_eq!(iv.tick().await, start + Duration::from_millis(20));
            assert!(Instant::now() >= start + Duration::from_millis(20));
        });
    }

    fn late(behavior: MissedTickBehavior) -> (Instant, Vec<Instant>) {
        block_on(async {
            let start = Instant::now();
            let mut iv = interval_at(start, Duration::from_millis(10));
            iv.set_missed_tick_behavior(behavior);
            iv.tick().await;
            std::thread::sleep(Duration::from_millis(35)); // miss 3 ticks
            let mut v = Vec::new();
            for _ in 0..3 {
                v.push(iv.tick().await);
            }
            (start, v)
        })
    }

    #[test]
    fn burst_catches_up_on_schedule() {
        let (s, v) = late(MissedTickBehavior::Burst);
        let ms = |n| s + Duration::from_millis(n);
        assert_eq!(v, vec![ms(10), ms(20), ms(30)]);
    }

    #[test]
    fn skip_jumps_to_the_next_future_tick() {
        let (s, v) = late(MissedTickBehavior::Skip);
        assert_eq!(v[0], s + Duration::from_millis(10));
        assert_eq!(v[1], s + Duration::from_millis(40));
        assert_eq!(v[2], s + Duration::from_millis(50));
    }

    #[test]
    fn delay_restarts_from_the_late_tick() {
        let (s, v) = late(MissedTickBehavior::Delay);
        assert_eq!(v[0], s + Duration::from_millis(10));
        assert!(v[1] >= s + Duration::from_millis(45));
        assert_eq!(v[2], v[1] + Duration::from_millis(10));
    }

    #[test]
    fn zero_period_is_an_error() {
        let e = checked_interval(Duration::ZERO).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(std::panic::catch_unwind(|| interval(Duration::ZERO)).is_err());
    }
}
