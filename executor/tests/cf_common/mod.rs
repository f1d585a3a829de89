//! Helpers for the `concurrent_*` tests: a thread-parking `block_on`, a
//! join-all that polls many futures on one thread, a watchdog so no test
//! hangs, and a one-shot gate.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

/// How long a test may run before the watchdog fails it.
pub(crate) const WATCHDOG: Duration = Duration::from_secs(60);

/// A generous wait for things that should happen quickly.
pub(crate) const LONG: Duration = Duration::from_secs(20);

struct ThreadWaker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Polls `fut` to completion on this thread, parking between polls.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let tw = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&tw));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        while !tw.woken.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}

/// Polls all `futs` concurrently on the current task; resolves to their
/// outputs in input order. Counts polls that returned `Pending`.
pub(crate) struct JoinAll<F: Future> {
    futs: Vec<Option<Pin<Box<F>>>>,
    outs: Vec<Option<F::Output>>,
    left: usize,
    /// How many `Pending` polls of the inner futures were seen.
    pub(crate) pending_polls: usize,
}

/// See [`JoinAll`].
pub(crate) fn join_all<F: Future>(futs: impl IntoIterator<Item = F>) -> JoinAll<F> {
    let futs: Vec<_> = futs.into_iter().map(|f| Some(Box::pin(f))).collect();
    let n = futs.len();
    JoinAll {
        futs,
        outs: (0..n).map(|_| None).collect(),
        left: n,
        pending_polls: 0,
    }
}

impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = (Vec<F::Output>, usize);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        for i in 0..this.futs.len() {
            if let Some(f) = this.futs[i].as_mut() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        this.outs[i] = Some(v);
                        this.futs[i] = None;
                        this.left -= 1;
                    }
                    Poll::Pending => this.pending_polls += 1,
                }
            }
        }
        if this.left == 0 {
            let outs = this.outs.iter_mut().map(|o| o.take().unwrap()).collect();
            Poll::Ready((outs, this.pending_polls))
        } else {
            Poll::Pending
        }
    }
}

/// Runs `f` on its own thread and fails the test if it does not finish
/// within [`WATCHDOG`]. A panic in `f` is re-raised here.
pub(crate) fn watchdog<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let r = f();
        let _ = tx.send(());
        r
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test hung for {WATCHDOG:?}"),
    }
}

/// A latch: `wait` blocks until `open` was called (or fails after [`LONG`]).
#[derive(Clone, Default)]
pub(crate) struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    /// A closed gate.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Opens the gate for every current and future waiter.
    pub(crate) fn open(&self) {
        *self.0 .0.lock().unwrap() = true;
        self.0 .1.notify_all();
    }

    /// Whether the gate is open.
    pub(crate) fn is_open(&self) -> bool {
        *self.0 .0.lock().unwrap()
    }

    /// Blocks until the gate is open.
    ///
    /// # Panics
    ///
    /// If it stays closed for [`LONG`].
    pub(crate) fn wait(&self) {
        let guard = self.0 .0.lock().unwrap();
        let (guard, res) = self
            .0
             .1
            .wait_timeout_while(guard, LONG, |open| !*open)
            .unwrap();
        assert!(*guard && !res.timed_out(), "gate never opened");
    }
}

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// A waker that does nothing.
pub(crate) fn noop_waker() -> Waker {
    Waker::from(Arc::new(Noop))
}

/// Polls `fut` once with a waker that does nothing.
pub(crate) fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    Pin::new(fut).poll(&mut cx)
}

/// Scales a loop count down under miri.
pub(crate) fn scaled(n: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        n
    }
}
