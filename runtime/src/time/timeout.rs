//! [`timeout`]: bound the time a future may take (asyncio `wait_for`).

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;

use pin_project_lite::pin_project;

use super::Sleep;

/// The error of a [`timeout`] whose deadline passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed before the future completed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}

/// Runs `fut`, giving up after `duration` (asyncio `wait_for`).
///
/// The future is polled first, so a ready future never times out. On
/// timeout the inner future is dropped (cancelled) *before* `Err(Elapsed)`
/// is returned, as asyncio waits for the cancellation to finish.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use myrt::time::{sleep, timeout};
/// myrt::run(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 5 }).await, Ok(5));
///     assert!(timeout(Duration::from_millis(5), sleep(Duration::from_secs(9))).await.is_err());
/// });
/// ```
///
/// # Errors
///
/// [`Elapsed`] when the deadline passes first.
///
/// # Cancel safety
///
/// As cancel safe as `fut`: dropping the `Timeout` drops `fut`.
///
/// # Panics
///
/// Polling outside a myrt runtime panics once `fut` is pending (the timer
/// needs the runtime's driver); [`checked_timeout`] is the twin.
#[doc(alias("wait_for"))]
pub fn timeout<F: Future>(duration: Duration, fut: F) -> Timeout<F> {
    timeout_at(super::far_add(Instant::now(), duration), fut)
}

/// Like [`timeout`], but ties the timer to the current runtime at once (see
/// [`checked_sleep`](super::checked_sleep)), so polling never panics.
///
/// # Errors
///
/// An error of kind `Other` if called outside a myrt runtime (`fut` is
/// dropped). Awaiting the `Timeout` gives [`Elapsed`] as [`timeout`] does.
///
/// # Cancel safety
///
/// As cancel safe as `fut`: dropping the `Timeout` drops `fut`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use myrt::time::checked_timeout;
///
/// assert!(checked_timeout(Duration::from_secs(1), async {}).is_err());
/// myrt::run(async {
///     let t = checked_timeout(Duration::from_secs(1), async { 7 }).unwrap();
///     assert_eq!(t.await, Ok(7));
/// });
/// ```
#[doc(alias = "try_timeout")]
pub fn checked_timeout<F: Future>(duration: Duration, fut: F) -> io::Result<Timeout<F>> {
    checked_timeout_at(super::far_add(Instant::now(), duration), fut)
}

/// Runs `fut`, giving up at `deadline`; see [`timeout`].
///
/// # Errors
///
/// [`Elapsed`] when the deadline passes first.
///
/// # Cancel safety
///
/// As cancel safe as `fut`.
///
/// # Panics
///
/// Polling outside a myrt runtime panics once `fut` is pending;
/// [`checked_timeout_at`] is the twin.
pub fn timeout_at<F: Future>(deadline: impl Into<Instant>, fut: F) -> Timeout<F> {
    Timeout {
        inner: Some(fut),
        sleep: Sleep::new(deadline.into()),
    }
}

/// Like [`timeout_at`], with [`checked_timeout`]'s runtime check.
///
/// # Errors
///
/// An error of kind `Other` if called outside a myrt runtime.
///
/// # Cancel safety
///
/// As cancel safe as `fut`.
#[doc(alias = "try_timeout_at")]
pub fn checked_timeout_at<F: Future>(
    deadline: impl Into<Instant>,
    fut: F,
) -> io::Result<Timeout<F>> {
    Ok(Timeout {
        inner: Some(fut),
        sleep: Sleep::bound(deadline.into())?,
    })
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as the inner future: dropping a `Timeout` drops it.
    #[must_use = "futures do nothing unless awaited"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        inner: Option<F>,
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The inner future, unless it has already been dropped by a timeout.
    pub fn get_ref(&self) -> Option<&F> {
        self.inner.as_ref()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Ready(Err(Elapsed(())));
        };
        if let Poll::Ready(v) = inner.poll(cx) {
            this.inner.set(None);
            return Poll::Ready(Ok(v));
        }
        match Pin::new(this.sleep).poll(cx) {
            Poll::Ready(()) => {
                // Cancel the inner future before reporting the timeout.
                this.inner.set(None);
                Poll::Ready(Err(Elapsed(())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::driver::test_util::block_on;
    use crate::time::sleep;

    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn ready_future_wins() {
        assert_eq!(block_on(timeout(Duration::ZERO, async { 3 })), Ok(3));
    }

    #[test]
    fn timeout_cancels_the_inner_future_before_returning() {
        let dropped = Arc::new(AtomicBool::new(false));
        let d2 = dropped.clone();
        let t = Instant::now();
        let r = block_on(async move {
            let guard = SetOnDrop(d2);
            let r = timeout(Duration::from_millis(20), async move {
                let _g = guard;
                sleep(Duration::from_secs(60)).await;
            })
            .await;
            (r, dropped.load(Ordering::SeqCst))
        });
        assert_eq!(r, (Err(Elapsed(())), true));
        assert!(t.elapsed() >= Duration::from_millis(20));
        assert!(t.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn elapsed_is_an_error_and_converts_to_io() {
        let e: Box<dyn Error> = Box::new(Elapsed(()));
        assert!(e.to_string().contains("elapsed"));
        let io: io::Error = Elapsed(()).into();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
    }
}
