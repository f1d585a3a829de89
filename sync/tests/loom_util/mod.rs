//! Helpers for the loom models: a `block_on` over loom's park/unpark and a
//! poll-once-then-drop to model cancellation at any point.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct Unpark(loom::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future on the current loom thread.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(loom::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        loom::thread::park();
    }
}

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Polls once, then drops the future: a waiter cancelled at an arbitrary
/// point. Returns the output if the single poll completed it.
pub fn poll_once_then_drop<F: Future>(fut: F) -> Option<F::Output> {
    match poll_with(pin!(fut), &noop_waker()) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// A waker that does nothing, for polling by hand.
pub fn noop_waker() -> Waker {
    Waker::from(Arc::new(Noop))
}

/// Polls `fut` once with `waker`.
pub fn poll_with<F: Future + ?Sized>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}
