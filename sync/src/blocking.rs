//! Driving this crate's futures from plain threads.
//!
//! Every blocking variant (`blocking_wait`, `blocking_lock`, `blocking_put`…)
//! polls the very same future its async twin returns, with a waker that
//! unparks the calling thread. A timeout simply drops the future, so the
//! cancel-safety rules of the async form apply unchanged.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// Unparks the thread that is blocked on a future.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static THREAD_WAKER: Waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
}

/// The longest timeout a bounded wait honours (Python
/// `threading.TIMEOUT_MAX`): about 292 years, the span of an `i64` count of
/// nanoseconds. Any longer timeout, `Duration::MAX` included, means "wait
/// forever"; no bounded wait overflows.
pub const TIMEOUT_MAX: Duration = Duration::from_secs(i64::MAX as u64 / 1_000_000_000);

/// The deadline of a wait bounded by `timeout`; `None` (no deadline) for a
/// timeout of [`TIMEOUT_MAX`] or more, or one the clock cannot represent.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    if timeout >= TIMEOUT_MAX {
        return None;
    }
    Instant::now().checked_add(timeout)
}

/// Polls `fut` on the current thread until it completes or `deadline`
/// passes (`None` waits forever). Returns `None` on timeout, after
/// dropping the future.
pub(crate) fn block_on<F: Future>(fut: F, deadline: Option<Instant>) -> Option<F::Output> {
    let mut fut = pin!(fut);
    // The cached waker is gone while thread-locals are being destroyed;
    // make a fresh one then.
    let waker = THREAD_WAKER
        .try_with(Waker::clone)
        .unwrap_or_else(|_| Waker::from(Arc::new(ThreadWaker(thread::current()))));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Some(v);
        }
        match deadline {
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return None;
                }
                thread::park_timeout(d - now);
            }
            None => thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::{pending, ready};

    #[test]
    fn ready_future_completes() {
        assert_eq!(block_on(ready(7), None), Some(7));
        assert_eq!(block_on(ready(7), deadline_after(Duration::ZERO)), Some(7));
    }

    #[test]
    fn pending_future_times_out() {
        let t = Instant::now();
        assert_eq!(
            block_on(pending::<()>(), deadline_after(Duration::from_millis(20))),
            None
        );
        assert!(t.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn huge_timeout_means_forever_but_ready_still_returns() {
        assert_eq!(deadline_after(Duration::MAX), None);
        assert_eq!(deadline_after(TIMEOUT_MAX), None);
        assert!(deadline_after(TIMEOUT_MAX - Duration::from_secs(1)).is_some());
        assert_eq!(block_on(ready(1), deadline_after(Duration::MAX)), Some(1));
    }
}
