//! A `timerfd` for waits shorter than mio's poll timeout can express.
//!
//! mio's `Poll::poll` hands `epoll_wait` a timeout in whole milliseconds,
//! rounded up, so a park until a deadline 0.3 ms away sleeps a full
//! millisecond or more. A timerfd armed with the exact deadline and
//! registered with the poller wakes `epoll_wait` (then called without a
//! timeout) within microseconds of it. Linux only; elsewhere, or when the
//! kernel refuses one, the driver falls back to the poll timeout.
#![allow(unsafe_code)] // timerfd_create returns a fresh descriptor we own; timerfd_settime takes it and a plain struct

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// The driver's timerfd and the deadline it is armed for.
pub(crate) struct TimerFd {
    fd: OwnedFd,
    armed: Option<Instant>,
}

/// Re-arming is skipped when the armed deadline is still ahead, not after
/// the new one and at most this much before it: the wake-up then comes at
/// most this much early (the park just loops), never late.
const SLACK: Duration = Duration::from_micros(20);

impl TimerFd {
    /// A non-blocking, close-on-exec timerfd on the monotonic clock,
    /// registered with `registry` under `token` for readability (edge
    /// triggered: each expiry is one event; the count is never read).
    pub(crate) fn new(registry: &mio::Registry, token: mio::Token) -> io::Result<TimerFd> {
        // SAFETY: plain integer arguments; a non-negative result is a new
        // descriptor that nothing else owns.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` was just returned by timerfd_create and is owned by
        // nothing else, so the `OwnedFd` closes it exactly once.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        registry.register(
            &mut mio::unix::SourceFd(&fd.as_raw_fd()),
            token,
            mio::Interest::READABLE,
        )?;
        Ok(TimerFd { fd, armed: None })
    }

    /// Arms the timer to expire `wait` from now (`wait` > 0). False when
    /// the kernel refused: the caller must bound its wait another way.
    pub(crate) fn arm(&mut self, wait: Duration) -> bool {
        let now = Instant::now();
        let deadline = now + wait;
        if let Some(a) = self.armed {
            // Still ahead, and the same deadline or a little before it:
            // already armed.
            if a > now && a <= deadline && deadline - a <= SLACK {
                return true;
            }
        }
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: wait.as_secs().try_into().unwrap_or(libc::time_t::MAX),
                // Below 10^9, so it fits; `wait` > 0, so the value is not
                // the all-zero one that would disarm the timer.
                tv_nsec: wait.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: the descriptor is ours and open; `spec` is a valid
        // itimerspec for the call to read, and a null old-value pointer is
        // allowed.
        let r =
            unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if r == 0 {
            self.armed = Some(deadline);
            true
        } else {
            self.armed = None;
            false
        }
    }
}
