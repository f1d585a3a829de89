//! Test helpers: a `block_on` over a bare driver and a tiny `join_all`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use myrt_executor::park::Park;

use super::Driver;

struct Unparker(Arc<Driver>);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// The longest a test's `block_on` may run before it fails instead of hanging.
const TEST_LIMIT: Duration = Duration::from_secs(30);

/// Runs `fut` to completion on a fresh driver, parking while it is pending.
///
/// # Panics
///
/// Panics if the future takes longer than 30 s (a hang in a test).
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let driver = Arc::new(Driver::new().expect("driver"));
    let _guard = driver.handle().enter();
    let waker = Waker::from(Arc::new(Unparker(driver.clone())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    let start = Instant::now();
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let left = TEST_LIMIT
            .checked_sub(start.elapsed())
            .expect("test future hung: block_on limit exceeded");
        driver.park(Some(left));
    }
}

/// Polls every future until all are done; returns outputs in order.
pub(crate) async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(out.iter_mut().map(|o| o.take().expect("done")).collect())
        }
    })
    .await
}

/// A boxed future, so heterogeneous async blocks can be joined.
pub(crate) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// A waker that does nothing.
pub(crate) fn noop_waker() -> Waker {
    Waker::from(Arc::new(Noop))
}
