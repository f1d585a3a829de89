//! What an idle worker blocks on.
//!
//! The executor knows nothing of I/O. When a worker runs out of work it
//! parks; if it is the one worker holding the runtime's [`Park`] driver it
//! blocks inside [`Park::park`] (the reactor polls the OS there), otherwise
//! it sleeps on its own condition variable. [`CondvarPark`] is the driver
//! used when there is no reactor.

use std::time::Duration;

use crate::loom::{lock, Condvar, Mutex};

/// A driver an idle worker can block on: the reactor and timer wheel in
/// `myrt`, or [`CondvarPark`] in tests.
///
/// The executor guarantees that at most one thread is inside [`park`](Park::park)
/// at a time; [`unpark`](Park::unpark) may be called from any thread at any
/// moment.
pub trait Park: Send + Sync + 'static {
    /// Blocks until [`unpark`](Park::unpark) is called, the driver has
    /// events to deliver, or `timeout` has elapsed (`None`: no limit).
    ///
    /// `Some(Duration::ZERO)` polls the driver without blocking. A call to
    /// `unpark` that happened before `park` makes the next `park` return
    /// at once.
    fn park(&self, timeout: Option<Duration>);

    /// Makes a concurrent `park` return, or the next one return at once.
    fn unpark(&self);
}

/// A [`Park`] driver made of a mutex and a condition variable: it has no
/// events of its own and only returns on `unpark` or timeout.
///
/// # Examples
///
/// ```
/// use myrt_executor::park::{CondvarPark, Park};
/// let p = CondvarPark::new();
/// p.unpark();
/// p.park(None); // returns at once: the token was already set
/// ```
#[derive(Debug, Default)]
pub struct CondvarPark {
    notified: Mutex<bool>,
    cv: Condvar,
}

impl CondvarPark {
    /// Creates a parker with no pending wake-up.
    pub fn new() -> Self {
        CondvarPark {
            notified: Mutex::new(false),
            cv: Condvar::new(),
        }
    }
}

impl Park for CondvarPark {
    fn park(&self, timeout: Option<Duration>) {
        let mut notified = lock(&self.notified);
        match timeout {
            Some(d) if d.is_zero() => {}
            None => {
                while !*notified {
                    notified = match self.cv.wait(notified) {
                        Ok(g) => g,
                        Err(p) => p.into_inner(),
                    };
                }
            }
            Some(d) => {
                if !*notified {
                    notified = match self.cv.wait_timeout(notified, d) {
                        Ok((g, _)) => g,
                        Err(p) => p.into_inner().0,
                    };
                }
            }
        }
        *notified = false;
    }

    fn unpark(&self) {
        *lock(&self.notified) = true;
        self.cv.notify_one();
    }
}
