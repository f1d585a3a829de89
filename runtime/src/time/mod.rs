//! Timers: sleep, timeout, interval, delayed callbacks (asyncio `sleep`,
//! `wait_for`/`timeout`, `loop.call_later`/`call_at`, and a periodic ticker).
//!
//! Timers live in the runtime's hierarchical timing wheel, whose tick is
//! 15.625 µs; on Linux the driver waits for the next deadline
//! on a `timerfd`, so a `sleep(1 ms)` on an idle runtime ends within about
//! a tenth of a millisecond of its deadline (tokio's ends about 1.2 ms
//! after it: its wheel and its poll timeout count whole milliseconds). A
//! timer never fires early: deadlines are rounded *up* to the next tick,
//! and a [`Sleep`] also checks the clock itself before completing.
//!
//! # Examples
//!
//! ```no_run
//! use std::time::Duration;
//! use myrt::time::{sleep, timeout};
//!
//! myrt::run(async {
//!     sleep(Duration::from_millis(10)).await;
//!     let r = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await;
//!     assert!(r.is_err());
//! });
//! ```

mod call;
mod instant;
mod interval;
mod pause;
mod sleep;
mod timeout;

pub use call::{call_at, call_later, checked_call_at, checked_call_later, TimerHandle};
pub use instant::Instant;
pub use interval::{
    checked_interval, checked_interval_at, interval, interval_at, Interval, MissedTickBehavior,
};
pub use pause::{
    advance, checked_advance, checked_pause, checked_resume, is_paused, pause, resume,
};
pub use sleep::{checked_sleep, checked_sleep_until, sleep, sleep_until, Sleep};
pub use timeout::{checked_timeout, checked_timeout_at, timeout, timeout_at, Elapsed, Timeout};

/// The error of the `try_` timer constructors outside a runtime.
pub(crate) fn no_runtime_error() -> std::io::Error {
    std::io::Error::other(
        "no myrt runtime: timers must be created from inside a runtime \
         (myrt::run, Runtime::block_on or a spawned task)",
    )
}

/// A deadline `d` after `now`, saturating at about 30 years ahead instead
/// of overflowing `Instant`.
pub(crate) fn far_add(now: Instant, d: std::time::Duration) -> Instant {
    Instant::from_std(far_add_std(now.into_std(), d))
}

/// [`far_add`] on std instants.
pub(crate) fn far_add_std(now: std::time::Instant, d: std::time::Duration) -> std::time::Instant {
    now.checked_add(d)
        .unwrap_or_else(|| now + std::time::Duration::from_secs(86_400 * 365 * 30))
}
