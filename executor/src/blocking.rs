//! The blocking pool behind `spawn_blocking`: threads start on demand up to
//! a cap, are reused, and exit after an idle timeout.
//!
//! A blocking job is an ordinary task (so it gets a `JoinHandle`, abort
//! before start, and panic capture for free) whose future runs the closure
//! in its one poll.
//!
//! A thread is counted in `threads` from the moment `push` decides to start
//! it; a [`ThreadExit`] guard gives that place back however the thread
//! leaves, including by a panic in the embedder's `on_enter` or
//! `on_thread_start` hook. Such a thread exits without running jobs (or
//! `on_thread_stop`); the jobs queued meanwhile go to the other threads,
//! or, if it was the last one, are cancelled, as when a thread cannot be
//! spawned at all, rather than left queued with nobody to run them.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::hooks::Hooks;

#[cfg(all(test, loom))]
#[path = "loom_blocking.rs"]
mod loom_blocking;
use crate::loom::{lock, Condvar, Mutex};
use crate::task::{self, JoinHandle, Notified, RawTask, Schedule};

pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    cv: Condvar,
    max: usize,
    keep_alive: Duration,
    hooks: Arc<Hooks>,
}

struct State {
    queue: VecDeque<Notified>,
    /// Threads waiting for work and not yet notified.
    idle: usize,
    /// Wake-ups sent and not yet consumed.
    notified: usize,
    threads: usize,
    shutdown: bool,
    next_id: usize,
}

#[derive(Clone)]
struct Spawner(Arc<Inner>);

impl Schedule for Spawner {
    fn schedule(&self, task: Notified, _yielded: bool) {
        self.0.push(task);
    }
    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("blocking task polled twice");
        Poll::Ready(f())
    }
}

impl BlockingPool {
    pub(crate) fn new(max: usize, keep_alive: Duration, hooks: Arc<Hooks>) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    idle: 0,
                    notified: 0,
                    threads: 0,
                    shutdown: false,
                    next_id: 0,
                }),
                cv: Condvar::new(),
                max,
                keep_alive,
                hooks,
            }),
        }
    }

    pub(crate) fn spawn<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (notified, handle) = task::new_task(
            BlockingTask(Some(f)),
            Spawner(self.inner.clone()),
            None,
            false,
        );
        self.inner.push(notified);
        handle
    }

    pub(crate) fn threads(&self) -> usize {
        lock(&self.inner.state).threads
    }

    /// Jobs queued and not yet taken by a thread.
    pub(crate) fn queued(&self) -> usize {
        lock(&self.inner.state).queue.len()
    }

    /// Cancels queued jobs and tells threads to exit; waits up to `timeout`
    /// for running jobs (none: do not wait).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let queued = {
            let mut st = lock(&self.inner.state);
            st.shutdown = true;
            std::mem::take(&mut st.queue)
        };
        self.inner.cv.notify_all();
        for t in queued {
            t.raw().cancel();
        }
        let Some(timeout) = timeout else { return };
        // A timeout too large for an `Instant` means no limit.
        let deadline = Instant::now().checked_add(timeout);
        // Threads report their exit by decrementing `threads`: wait on that
        // with the deadline rather than a join that could block forever.
        let mut st = lock(&self.inner.state);
        while st.threads > 0 {
            let Some(deadline) = deadline else {
                st = match self.inner.cv.wait(st) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                continue;
            };
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            st = match self.inner.cv.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

impl Inner {
    fn push(self: &Arc<Self>, task: Notified) {
        let mut st = lock(&self.state);
        if st.shutdown {
            drop(st);
            task.raw().cancel();
            return;
        }
        st.queue.push_back(task);
        if st.idle > 0 {
            st.idle -= 1;
            st.notified += 1;
            drop(st);
            self.cv.notify_one();
        } else if st.threads < self.max {
            st.threads += 1;
            let id = st.next_id;
            st.next_id += 1;
            let inner = self.clone();
            let name = (self.hooks.thread_name)();
            let spawned = crate::loom::thread::Builder::new()
                .name(format!("{name}-blocking-{id}"))
                .spawn(move || inner.run());
            match spawned {
                Ok(_detached) => {}
                Err(_) => {
                    // No thread: the job waits for a running one; if there is
                    // none, fail the job rather than leave it queued forever.
                    st.threads -= 1;
                    // A shutdown may be waiting for `threads` to fall.
                    self.cv.notify_all();
                    if st.threads == 0 {
                        let t = st.queue.pop_back();
                        drop(st);
                        if let Some(t) = t {
                            t.raw().cancel();
                        }
                    }
                }
            }
        }
    }

    fn run(self: Arc<Self>) {
        let mut exit = ThreadExit {
            inner: &self,
            counted_out: false,
        };
        // Listed until the thread body ends (after `on_thread_stop`).
        let _registered = crate::threads::register(crate::threads::Role::Blocking, true);
        // The hooks are the embedder's code: if one panics, give the place
        // back (and hand on or cancel the queued jobs) outside the unwind,
        // then let the thread die of the panic.
        let started = catch_unwind(AssertUnwindSafe(|| {
            let enter = self.hooks.enter_blocking();
            if let Some(f) = &self.hooks.on_thread_start {
                f();
            }
            enter
        }));
        let _enter = match started {
            Ok(enter) => enter,
            Err(panic) => {
                drop(exit);
                resume_unwind(panic);
            }
        };
        let mut st = lock(&self.state);
        loop {
            while let Some(task) = st.queue.pop_front() {
                drop(st);
                task.run();
                st = lock(&self.state);
            }
            if st.shutdown {
                break;
            }
            st.idle += 1;
            let (g, res) = match self.cv.wait_timeout(st, self.keep_alive) {
                Ok(r) => r,
                Err(p) => p.into_inner(),
            };
            st = g;
            if st.notified > 0 {
                st.notified -= 1;
                continue;
            }
            if st.shutdown {
                st.idle -= 1;
                break;
            }
            if res.timed_out() && st.queue.is_empty() {
                st.idle -= 1;
                break;
            }
            // Spurious wake-up: still idle.
            st.idle -= 1;
        }
        // Counted out in the same critical section that saw no work left,
        // so a job pushed meanwhile starts a new thread.
        st.threads -= 1;
        exit.counted_out = true;
        drop(st);
        self.cv.notify_all();
        if let Some(f) = &self.hooks.on_thread_stop {
            f();
        }
    }
}

/// Gives a pool thread's place in `threads` back when it leaves other than
/// through the end of [`Inner::run`] (which counts itself out under the
/// lock it checked for work with): a start hook panicked, or, in theory,
/// running a job unwound. Queued jobs are handed to an idle thread, or,
/// when no thread is left, cancelled: nobody would run them until the next
/// `spawn_blocking`, perhaps never.
struct ThreadExit<'a> {
    inner: &'a Inner,
    /// `run` counted this thread out itself.
    counted_out: bool,
}

impl Drop for ThreadExit<'_> {
    fn drop(&mut self) {
        if self.counted_out {
            return;
        }
        let inner = self.inner;
        let mut st = lock(&inner.state);
        st.threads -= 1;
        let stranded = if st.threads == 0 {
            std::mem::take(&mut st.queue)
        } else {
            // Running threads take queued jobs when they finish theirs; an
            // idle one must be told.
            if !st.queue.is_empty() && st.idle > 0 {
                st.idle -= 1;
                st.notified += 1;
            }
            VecDeque::new()
        };
        drop(st);
        // Also wakes a shutdown waiting for `threads` to fall.
        inner.cv.notify_all();
        for t in stranded {
            t.raw().cancel();
        }
    }
}
