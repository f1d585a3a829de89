//! `gather` and `try_gather` (asyncio's `gather` without creating tasks)
//! and `shield` (asyncio's `shield`).
//!
//! [`Gather`] owns every future, boxed, and gives each its own waker that
//! puts the future's index on a ready list and wakes the gathering task,
//! so one poll re-polls only the futures that were woken (a gather of
//! 10,000 futures costs one poll per wake-up, not 10,000).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::loom::{lock, AtomicBool, Mutex, Ordering};
use crate::runtime::NoRuntime;
use crate::task::{JoinError, JoinHandle};

/// Runs every future of `futures` concurrently in the current task and
/// returns their outputs in the order given (asyncio's
/// `await asyncio.gather(*aws)`; tokio users reach for `futures`'
/// `join_all`).
///
/// Nothing is spawned: the futures run inside the task that awaits the
/// `Gather`, so they may borrow and need not be `Send`; for work that
/// should use several workers, spawn tasks and gather their
/// [`JoinHandle`]s. A future that returns a `Result` keeps its error in
/// its slot, like `gather(..., return_exceptions=True)`; to stop at the
/// first error instead (the default `return_exceptions=False`, except that
/// the other futures are dropped), use [`try_gather`].
///
/// # Cancel safety
///
/// Dropping the `Gather` drops every future it still holds and every
/// output already produced.
///
/// # Examples
///
/// ```
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {
///     let words = ["a", "bb", "ccc"];
///     let lens = myrt::task::gather(words.iter().map(|w| async move {
///         myrt::task::yield_now().await;
///         w.len()
///     }))
///     .await;
///     assert_eq!(lens, [1, 2, 3]);
/// }
/// ```
#[doc(alias = "join_all")]
pub fn gather<I>(futures: I) -> Gather<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    Gather {
        core: Core::new(futures),
    }
}

/// Like [`gather`] for futures returning `Result`: `Ok` with every value
/// in order, or the first error, at which point the other futures are
/// dropped (asyncio's `gather` with `return_exceptions=False`; tokio
/// users: `futures`' `try_join_all`).
///
/// # Cancel safety
///
/// Dropping the `TryGather` drops every future it still holds.
///
/// # Examples
///
/// ```
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {
///     let parsed = myrt::task::try_gather(["1", "2", "x"].map(|s| async move {
///         s.parse::<u32>()
///     }))
///     .await;
///     assert!(parsed.is_err());
/// }
/// ```
#[doc(alias = "try_join_all")]
pub fn try_gather<I, T, E>(futures: I) -> TryGather<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    TryGather {
        core: Core::new(futures),
    }
}

/// The future returned by [`gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    core: Core<F>,
}

/// The future returned by [`try_gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<F: Future> {
    core: Core<F>,
}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let core = &mut self.get_mut().core;
        core.refilled = false;
        while let Some((i, out)) = core.poll_next(cx) {
            core.outputs[i] = Some(out);
        }
        if core.remaining > 0 {
            return Poll::Pending;
        }
        Poll::Ready(core.take_outputs())
    }
}

impl<T, E, F: Future<Output = Result<T, E>>> Future for TryGather<F> {
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let core = &mut self.get_mut().core;
        core.refilled = false;
        while let Some((i, out)) = core.poll_next(cx) {
            match out {
                Ok(v) => core.outputs[i] = Some(Ok(v)),
                Err(e) => {
                    // Drop the rest now, as `try_join!` does.
                    core.futures.clear();
                    core.outputs.clear();
                    core.remaining = 0;
                    return Poll::Ready(Err(e));
                }
            }
        }
        if core.remaining > 0 {
            return Poll::Pending;
        }
        // Every slot holds an `Ok` here: errors returned early.
        Poll::Ready(core.take_outputs().into_iter().collect())
    }
}

// The boxed futures never move, so the gathers are `Unpin`.
impl<F: Future> Unpin for Gather<F> {}
impl<F: Future> Unpin for TryGather<F> {}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt("Gather", f)
    }
}

impl<F: Future> fmt::Debug for TryGather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt("TryGather", f)
    }
}

/// The futures, their outputs and the ready list.
struct Core<F: Future> {
    /// `None` once the future has completed (dropped at once).
    futures: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
    wakers: Vec<(Arc<Child>, Waker)>,
    shared: Arc<Shared>,
    /// Futures not yet complete.
    remaining: usize,
    /// Indices taken from the ready list and not yet polled (kept across
    /// polls, so a pass that returns early loses none).
    batch: Vec<usize>,
    /// Whether this poll already took the ready list: it is taken once per
    /// poll, so a future that wakes itself on every poll (`yield_now` in a
    /// loop) yields the gathering task instead of spinning in it.
    refilled: bool,
}

struct Shared {
    ready: Mutex<Ready>,
}

struct Ready {
    indices: Vec<usize>,
    waker: Option<Waker>,
}

/// One future's waker: queues its index once until it is polled again.
struct Child {
    index: usize,
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for Child {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let waker = {
            let mut ready = lock(&self.shared.ready);
            ready.indices.push(self.index);
            ready.waker.clone()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<F: Future> Core<F> {
    fn new<I>(futures: I) -> Self
    where
        I: IntoIterator,
        I::Item: IntoFuture<IntoFuture = F>,
    {
        let futures: Vec<_> = futures
            .into_iter()
            .map(|f| Some(Box::pin(f.into_future())))
            .collect();
        let n = futures.len();
        let shared = Arc::new(Shared {
            ready: Mutex::new(Ready {
                indices: Vec::new(),
                waker: None,
            }),
        });
        let wakers = (0..n)
            .map(|index| {
                let child = Arc::new(Child {
                    index,
                    queued: AtomicBool::new(true),
                    shared: shared.clone(),
                });
                let waker = Waker::from(child.clone());
                (child, waker)
            })
            .collect();
        Core {
            futures,
            outputs: (0..n).map(|_| None).collect(),
            wakers,
            shared,
            remaining: n,
            batch: (0..n).rev().collect(),
            refilled: false,
        }
    }

    /// Polls woken futures until one completes (its index and output) or
    /// none is left to poll (`None`; the task is woken when one is).
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Option<(usize, F::Output)> {
        loop {
            let i = match self.batch.pop() {
                Some(i) => i,
                None => {
                    let mut ready = lock(&self.shared.ready);
                    match &ready.waker {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => ready.waker = Some(cx.waker().clone()),
                    }
                    // Indices pushed after the waker above was stored have
                    // woken (or will wake) the task, so leaving them for
                    // the next poll loses nothing.
                    if ready.indices.is_empty() || self.refilled {
                        return None;
                    }
                    self.refilled = true;
                    std::mem::swap(&mut self.batch, &mut ready.indices);
                    drop(ready);
                    self.batch.reverse();
                    continue;
                }
            };
            let (child, waker) = &self.wakers[i];
            child.queued.store(false, Ordering::Release);
            let Some(fut) = self.futures.get_mut(i).and_then(Option::as_mut) else {
                continue; // completed already; a stale wake-up
            };
            if let Poll::Ready(out) = fut.as_mut().poll(&mut Context::from_waker(waker)) {
                // Dropped where it was polled: the box is freed in place.
                self.futures[i] = None;
                self.remaining -= 1;
                return Some((i, out));
            }
        }
    }

    fn take_outputs(&mut self) -> Vec<F::Output> {
        self.outputs
            .iter_mut()
            .map(|o| o.take().expect("every future completed"))
            .collect()
    }

    fn fmt(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("len", &self.futures.len())
            .field("remaining", &self.remaining)
            .finish()
    }
}

/// Runs `future` as its own task that dropping the returned [`Shield`]
/// does not cancel (asyncio's `asyncio.shield(aw)`; in tokio, spawning
/// and awaiting the `JoinHandle`, which detaches when dropped).
///
/// Awaiting the `Shield` gives the task's result; cancelling the awaiting
/// task (dropping the `Shield`, a timeout around it, a `select!` that
/// chose another branch) leaves the shielded task running to completion.
/// It is still cancelled when the runtime shuts down.
///
/// # Panics
///
/// Outside a runtime; [`checked_shield`] returns an error instead.
///
/// # Cancel safety
///
/// Cancel safe: that is its purpose. The result of a task whose `Shield`
/// was dropped is dropped when the task ends; to fetch it later, keep the
/// handle from [`Shield::into_join_handle`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use myrt::sync::oneshot;
///
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {
///     let (tx, rx) = oneshot::channel();
///     let save = myrt::task::shield(async move {
///         myrt::time::sleep(Duration::from_millis(20)).await;
///         tx.send("saved").unwrap();
///     });
///     // The caller gives up after 1 ms; the shielded work goes on.
///     let r = myrt::time::timeout(Duration::from_millis(1), save).await;
///     assert!(r.is_err());
///     assert_eq!(rx.await.unwrap(), "saved");
/// }
/// ```
#[track_caller]
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Shield {
        handle: crate::task::spawn(future),
    }
}

/// Like [`shield`], but outside a runtime it returns an error (and drops
/// `future`) instead of panicking.
///
/// # Errors
///
/// [`NoRuntime`] when called outside a runtime.
pub fn checked_shield<F>(future: F) -> Result<Shield<F::Output>, NoRuntime>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(Shield {
        handle: crate::task::checked_spawn(future)?,
    })
}

/// The future returned by [`shield`]: the shielded task's result, which
/// dropping this does not cancel.
#[must_use = "a dropped Shield lets its task run on unobserved"]
pub struct Shield<T> {
    handle: JoinHandle<T>,
}

impl<T> Shield<T> {
    /// The shielded task's handle, to await, abort (which a `Shield` never
    /// does) or keep.
    pub fn into_join_handle(self) -> JoinHandle<T> {
        self.handle
    }
}

impl<T> Future for Shield<T> {
    /// The task's output, or the [`JoinError`] if it panicked or the
    /// runtime shut down first.
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx)
    }
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield")
            .field("id", &self.handle.id())
            .finish()
    }
}
