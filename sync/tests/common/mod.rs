//! Hand-driven futures for the integration tests: no executor needed.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

/// Generous limit so that a bug shows up as a failure, never a hang.
pub const LIMIT: Duration = Duration::from_secs(20);

/// A waker that counts its wake-ups.
#[derive(Default)]
pub struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future polled by hand, like a task whose wake-ups we can observe.
pub struct Task<F: Future> {
    fut: Pin<Box<F>>,
    counter: Arc<Counter>,
    waker: Waker,
    seen: usize,
}

impl<F: Future> Task<F> {
    pub fn new(fut: F) -> Self {
        let counter = Arc::new(Counter::default());
        Task {
            fut: Box::pin(fut),
            waker: Waker::from(counter.clone()),
            counter,
            seen: 0,
        }
    }

    /// Polls once.
    pub fn poll(&mut self) -> Poll<F::Output> {
        let mut cx = Context::from_waker(&self.waker);
        self.fut.as_mut().poll(&mut cx)
    }

    /// Polls once and expects `Pending`.
    pub fn pending(&mut self) {
        assert!(self.poll().is_pending(), "expected Pending");
    }

    /// Polls once and expects `Ready`.
    pub fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("expected Ready"),
        }
    }

    /// Whether the task was woken since the last call.
    pub fn woken(&mut self) -> bool {
        let n = self.counter.0.load(Ordering::SeqCst);
        let w = n > self.seen;
        self.seen = n;
        w
    }
}

/// Polls `fut` once with a counting waker.
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Counter::default()));
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread (an executor stand-in).
///
/// # Panics
///
/// If it takes longer than [`LIMIT`].
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let now = Instant::now();
        assert!(now < deadline, "block_on: future did not complete in time");
        thread::park_timeout(deadline - now);
    }
}

/// Joins a thread, failing instead of hanging.
pub fn join<T>(h: JoinHandle<T>) -> T {
    let deadline = Instant::now() + LIMIT;
    while !h.is_finished() {
        assert!(Instant::now() < deadline, "thread did not finish in time");
        thread::sleep(Duration::from_millis(1));
    }
    h.join().expect("thread panicked")
}

/// Loop counts shrink under miri.
pub fn n(normal: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}
