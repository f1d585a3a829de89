//! Waiting on many futures: [`wait`] and [`as_completed`] for tasks,
//! [`blocking_wait`] and [`blocking_as_completed`] (with `_timeout` forms)
//! for threads.
//!
//! # Implementation
//!
//! A [`Watcher`] registers one small waker per future (the future's index
//! and a shared list); completing or cancelling a future pushes its index
//! onto the list and wakes the waiting thread (condvar) or task (waker). So
//! each completion costs O(1), not a scan of all futures, and a cancelled
//! future is reported like any other done one (Python gh-92001 does not
//! apply). Registrations are removed when the watcher is dropped.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use futures_core::Stream;

use super::Future;
use crate::loom::{lock, Condvar, Mutex};

/// When [`wait`] and [`blocking_wait`] return (Python `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// As soon as any future is done (finished or cancelled).
    FirstCompleted,
    /// As soon as any future finishes with an error (see
    /// [`Future::failed`]; a cancellation does not count), or when all are
    /// done.
    FirstException,
    /// When every future is done.
    AllCompleted,
}

struct Inbox {
    done: Vec<usize>,
    waker: Option<Waker>,
    thread_waiting: bool,
}

struct WatchShared {
    inbox: Mutex<Inbox>,
    cond: Condvar,
}

struct IndexWaker {
    shared: Arc<WatchShared>,
    index: usize,
}

impl Wake for IndexWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut inbox = lock(&self.shared.inbox);
        inbox.done.push(self.index);
        let waker = inbox.waker.take();
        let notify = inbox.thread_waiting;
        drop(inbox);
        if notify {
            self.shared.cond.notify_one();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Watches a set of futures and reports the index of each as it is done.
struct Watcher<T> {
    futures: Vec<Option<Future<T>>>,
    shared: Arc<WatchShared>,
    /// Indexes known done and not reported yet.
    ready: VecDeque<usize>,
    /// Indexes reported (or handed out).
    seen: Vec<bool>,
    /// Futures not yet reported.
    remaining: usize,
    registered: bool,
}

impl<T> Watcher<T> {
    fn new(futures: Vec<Future<T>>) -> Self {
        let n = futures.len();
        Watcher {
            futures: futures.into_iter().map(Some).collect(),
            shared: Arc::new(WatchShared {
                inbox: Mutex::new(Inbox {
                    done: Vec::new(),
                    waker: None,
                    thread_waiting: false,
                }),
                cond: Condvar::new(),
            }),
            ready: VecDeque::new(),
            seen: vec![false; n],
            remaining: n,
            registered: false,
        }
    }

    /// Registers with every future; the ones already done go to `ready` in
    /// input order.
    fn register(&mut self) {
        if self.registered {
            return;
        }
        self.registered = true;
        for index in 0..self.futures.len() {
            let Some(fut) = &mut self.futures[index] else {
                continue;
            };
            let waker = Waker::from(Arc::new(IndexWaker {
                shared: Arc::clone(&self.shared),
                index,
            }));
            if fut.register(&waker) {
                self.mark(index);
            }
        }
    }

    fn mark(&mut self, index: usize) {
        if !self.seen[index] {
            self.seen[index] = true;
            self.remaining -= 1;
            self.ready.push_back(index);
        }
    }

    /// Moves reported indexes from the inbox to `ready`; true if there is
    /// something ready.
    fn drain(&mut self, inbox: &mut Inbox) -> bool {
        for index in std::mem::take(&mut inbox.done) {
            self.mark(index);
        }
        !self.ready.is_empty()
    }

    /// The next done future's index, blocking up to `deadline`; `None` on
    /// timeout or when everything was reported.
    fn next_blocking(&mut self, deadline: Option<Instant>) -> Option<usize> {
        self.register();
        let shared = Arc::clone(&self.shared);
        let mut inbox = lock(&shared.inbox);
        loop {
            if self.drain(&mut inbox) {
                return self.ready.pop_front();
            }
            if self.remaining == 0 {
                return None;
            }
            inbox.thread_waiting = true;
            inbox = match deadline {
                None => shared
                    .cond
                    .wait(inbox)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        inbox.thread_waiting = false;
                        return None;
                    }
                    shared
                        .cond
                        .wait_timeout(inbox, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
            inbox.thread_waiting = false;
        }
    }

    /// The next done future's index; `Ready(None)` when everything was
    /// reported.
    fn poll_next_index(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        self.register();
        let shared = Arc::clone(&self.shared);
        let mut inbox = lock(&shared.inbox);
        if self.drain(&mut inbox) {
            return Poll::Ready(self.ready.pop_front());
        }
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let old = match &inbox.waker {
            Some(w) if w.will_wake(cx.waker()) => None,
            _ => inbox.waker.replace(cx.waker().clone()),
        };
        drop(inbox);
        drop(old);
        Poll::Pending
    }

    /// Hands out the future at `index` (known done).
    fn take(&mut self, index: usize) -> Option<Future<T>> {
        let mut fut = self.futures[index].take()?;
        fut.clear_registration();
        Some(fut)
    }

    /// Whether the done futures satisfy `when`.
    fn satisfied(&self, when: ReturnWhen, any_failed: bool) -> bool {
        let done = self.seen.len() - self.remaining;
        match when {
            ReturnWhen::FirstCompleted => done > 0 || self.remaining == 0,
            ReturnWhen::FirstException => any_failed || self.remaining == 0,
            ReturnWhen::AllCompleted => self.remaining == 0,
        }
    }

    /// Drains `ready`, noting whether a finished future failed.
    fn absorb_ready(&mut self, any_failed: &mut bool) {
        while let Some(index) = self.ready.pop_front() {
            if let Some(fut) = &self.futures[index] {
                *any_failed |= fut.failed();
            }
        }
    }
}

/// Splits `futures` into `(done, not_done)` handles, in input order.
fn partition<T>(futures: &[Future<T>]) -> (Vec<Future<T>>, Vec<Future<T>>) {
    futures.iter().cloned().partition(Future::done)
}

/// Blocks until `return_when` is met, then returns `(done, not_done)`
/// (Python `concurrent.futures.wait`, the thread twin of [`wait`]).
///
/// Both lists hold clones of the handles, in input order. Cancelled
/// futures count as done.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{blocking_wait, Executor, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new();
/// let futures: Vec<_> = (0..4).map(|i| pool.submit(move || i).unwrap()).collect();
/// let (done, not_done) = blocking_wait(&futures, ReturnWhen::AllCompleted);
/// assert_eq!((done.len(), not_done.len()), (4, 0));
/// ```
#[doc(alias = "wait")]
pub fn blocking_wait<T>(
    futures: &[Future<T>],
    return_when: ReturnWhen,
) -> (Vec<Future<T>>, Vec<Future<T>>) {
    wait_deadline(futures, return_when, None)
}

/// [`blocking_wait`] for at most `timeout` (Python
/// `concurrent.futures.wait(fs, timeout=…)`).
///
/// A timeout is not an error: the futures still pending are simply in
/// `not_done`. `Duration::ZERO` just splits the futures; a timeout too
/// large for the clock waits without limit.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{blocking_wait_timeout, Future, ReturnWhen};
/// use std::time::Duration;
///
/// let (slow, _promise) = Future::<i32>::pending();
/// let futures = vec![Future::ready(1), slow];
/// let (done, not_done) =
///     blocking_wait_timeout(&futures, ReturnWhen::AllCompleted, Duration::from_millis(5));
/// assert_eq!((done.len(), not_done.len()), (1, 1));
/// ```
#[doc(alias = "wait")]
pub fn blocking_wait_timeout<T>(
    futures: &[Future<T>],
    return_when: ReturnWhen,
    timeout: Duration,
) -> (Vec<Future<T>>, Vec<Future<T>>) {
    wait_deadline(futures, return_when, Instant::now().checked_add(timeout))
}

fn wait_deadline<T>(
    futures: &[Future<T>],
    return_when: ReturnWhen,
    deadline: Option<Instant>,
) -> (Vec<Future<T>>, Vec<Future<T>>) {
    let mut watcher = Watcher::new(futures.to_vec());
    let mut any_failed = false;
    loop {
        watcher.absorb_ready(&mut any_failed);
        if watcher.satisfied(return_when, any_failed) {
            break;
        }
        match watcher.next_blocking(deadline) {
            Some(index) => watcher.ready.push_front(index),
            None => break,
        }
    }
    drop(watcher);
    partition(futures)
}

/// Resolves to `(done, not_done)` once `return_when` is met (Python
/// `concurrent.futures.wait`, for tasks: the worker thread is not
/// blocked; [`blocking_wait`] is the thread twin).
///
/// There is no timeout parameter: wrap the call in the runtime's
/// `time::timeout`, then call [`blocking_wait_timeout`] with
/// `Duration::ZERO` to split the futures.
///
/// # Cancel safety
///
/// Cancel safe: dropping the returned future only removes its wake-up
/// registrations; the futures are unaffected.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{wait, Future, ReturnWhen};
/// # struct Noop;
/// # impl std::task::Wake for Noop { fn wake(self: std::sync::Arc<Self>) {} }
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let waker = std::task::Waker::from(std::sync::Arc::new(Noop));
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
///
/// let (slow, _promise) = Future::pending();
/// let futures = vec![Future::ready(1), slow];
/// let (done, not_done) = block_on(wait(&futures, ReturnWhen::FirstCompleted));
/// assert_eq!((done.len(), not_done.len()), (1, 1));
/// ```
pub fn wait<T>(futures: &[Future<T>], return_when: ReturnWhen) -> Wait<T> {
    Wait {
        watcher: Some(Watcher::new(futures.to_vec())),
        return_when,
        any_failed: false,
    }
}

/// The future returned by [`wait`].
///
/// # Panics
///
/// If polled again after it returned `Ready`.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Wait<T> {
    watcher: Option<Watcher<T>>,
    return_when: ReturnWhen,
    any_failed: bool,
}

impl<T> Unpin for Wait<T> {}

impl<T> std::future::Future for Wait<T> {
    type Output = (Vec<Future<T>>, Vec<Future<T>>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(watcher) = this.watcher.as_mut() else {
            panic!("`Wait` polled after completion");
        };
        loop {
            watcher.absorb_ready(&mut this.any_failed);
            if watcher.satisfied(this.return_when, this.any_failed) {
                break;
            }
            match watcher.poll_next_index(cx) {
                Poll::Ready(Some(index)) => watcher.ready.push_front(index),
                Poll::Ready(None) => break,
                Poll::Pending => return Poll::Pending,
            }
        }
        let watcher = this.watcher.take().expect("checked above");
        let futures: Vec<Future<T>> = watcher.futures.iter().flatten().cloned().collect();
        drop(watcher);
        Poll::Ready(partition(&futures))
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("return_when", &self.return_when)
            .field("finished", &self.watcher.is_none())
            .finish()
    }
}

/// Yields the futures in the order they complete (Python
/// `concurrent.futures.as_completed`), blocking the thread: the thread twin
/// of [`as_completed`].
///
/// Futures already done come first, in input order. Cancelled futures are
/// yielded like finished ones. Clones of the same future are each yielded.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{blocking_as_completed, Future};
///
/// let futures = vec![Future::ready(1), Future::ready(2)];
/// let values: Vec<i32> =
///     blocking_as_completed(futures).map(|f| f.unwrap().result().unwrap()).collect();
/// assert_eq!(values, [1, 2]);
/// ```
#[doc(alias = "as_completed")]
pub fn blocking_as_completed<T, I>(futures: I) -> AsCompleted<T>
where
    I: IntoIterator<Item = Future<T>>,
{
    as_completed_within(futures, None)
}

/// [`blocking_as_completed`] with a time limit (Python
/// `as_completed(fs, timeout=…)`).
///
/// `timeout` counts from the first `next()`; when it runs out the iterator
/// yields `Err(FutureError::Timeout)` once and then ends (the futures not
/// yet yielded are left alone: [`AsCompleted::into_pending`] gives them
/// back). A timeout too large for the clock waits without limit.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{blocking_as_completed_timeout, Future};
/// use std::time::Duration;
///
/// let (slow, _promise) = Future::<i32>::pending();
/// let futures = vec![slow, Future::ready(7)];
/// let mut it = blocking_as_completed_timeout(futures, Duration::from_millis(10));
/// assert_eq!(it.next().unwrap().unwrap().result().unwrap(), 7);
/// assert!(it.next().unwrap().unwrap_err().is_timeout());
/// assert!(it.next().is_none());
/// ```
#[doc(alias = "as_completed")]
pub fn blocking_as_completed_timeout<T, I>(futures: I, timeout: Duration) -> AsCompleted<T>
where
    I: IntoIterator<Item = Future<T>>,
{
    as_completed_within(futures, Some(timeout))
}

fn as_completed_within<T, I>(futures: I, timeout: Option<Duration>) -> AsCompleted<T>
where
    I: IntoIterator<Item = Future<T>>,
{
    AsCompleted {
        watcher: Watcher::new(futures.into_iter().collect()),
        timeout,
        deadline: None,
        started: false,
        timed_out: false,
    }
}

/// The blocking iterator returned by [`blocking_as_completed`] and
/// [`blocking_as_completed_timeout`].
pub struct AsCompleted<T> {
    watcher: Watcher<T>,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    started: bool,
    timed_out: bool,
}

impl<T> AsCompleted<T> {
    /// The futures not yielded yet, in input order.
    pub fn into_pending(mut self) -> Vec<Future<T>> {
        let mut out = Vec::new();
        for slot in &mut self.watcher.futures {
            if let Some(fut) = slot.take() {
                out.push(fut);
            }
        }
        out
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Result<Future<T>, super::FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.timed_out {
            return None;
        }
        if !self.started {
            self.started = true;
            self.deadline = self.timeout.and_then(|t| Instant::now().checked_add(t));
        }
        match self.watcher.next_blocking(self.deadline) {
            Some(index) => self.watcher.take(index).map(Ok),
            None if self.watcher.remaining == 0 => None,
            None => {
                self.timed_out = true;
                Some(Err(super::FutureError::Timeout))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.watcher.remaining + self.watcher.ready.len();
        (0, Some(left + 1))
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.watcher.remaining)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Yields the futures in the order they complete, as a
/// [`Stream`] for tasks (Python `concurrent.futures.as_completed`;
/// [`blocking_as_completed`] is the thread twin).
///
/// Futures already done come first, in input order. There is no timeout:
/// wrap each `next()` in the runtime's `time::timeout` if you need one.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{as_completed, Future};
/// use futures_core::Stream;
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Wake, Waker};
///
/// struct Noop;
/// impl Wake for Noop {
///     fn wake(self: Arc<Self>) {}
/// }
///
/// let mut s = as_completed(vec![Future::ready(1), Future::ready(2)]);
/// let waker = Waker::from(Arc::new(Noop));
/// let mut cx = Context::from_waker(&waker);
/// let Poll::Ready(Some(first)) = std::pin::Pin::new(&mut s).poll_next(&mut cx) else { panic!() };
/// assert_eq!(first.result().unwrap(), 1);
/// ```
pub fn as_completed<T, I>(futures: I) -> AsCompletedStream<T>
where
    I: IntoIterator<Item = Future<T>>,
{
    AsCompletedStream {
        watcher: Watcher::new(futures.into_iter().collect()),
    }
}

/// The stream returned by [`as_completed`].
///
/// # Cancel safety
///
/// Cancel safe: a `next()` dropped before it completes loses nothing; the
/// future it would have yielded is yielded by the next call.
#[must_use = "streams do nothing unless polled"]
pub struct AsCompletedStream<T> {
    watcher: Watcher<T>,
}

impl<T> Unpin for AsCompletedStream<T> {}

impl<T> AsCompletedStream<T> {
    /// The futures not yielded yet, in input order.
    pub fn into_pending(mut self) -> Vec<Future<T>> {
        self.watcher
            .futures
            .iter_mut()
            .filter_map(Option::take)
            .collect()
    }
}

impl<T> Stream for AsCompletedStream<T> {
    type Item = Future<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Future<T>>> {
        let this = self.get_mut();
        match this.watcher.poll_next_index(cx) {
            Poll::Ready(Some(index)) => Poll::Ready(this.watcher.take(index)),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.watcher.remaining + self.watcher.ready.len();
        (left, Some(left))
    }
}

impl<T> fmt::Debug for AsCompletedStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedStream")
            .field("remaining", &self.watcher.remaining)
            .finish()
    }
}
