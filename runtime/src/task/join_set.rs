//! [`JoinSet`]: a set of tasks whose results come out in completion order.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use slab::Slab;

use super::{spawn, JoinError, JoinHandle};

/// Tasks spawned into one set; [`join_next`](JoinSet::join_next) yields
/// their results in the order they finish (asyncio `as_completed` over
/// tasks, `asyncio.wait(..., FIRST_COMPLETED)` in a loop). Dropping the set
/// aborts every task still in it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use myrt::task::JoinSet;
///
/// myrt::run(async {
///     let mut set = JoinSet::new();
///     for ms in [30u64, 10, 20] {
///         set.spawn(async move {
///             myrt::time::sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     let mut order = Vec::new();
///     while let Some(r) = set.join_next().await {
///         order.push(r.unwrap());
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
pub struct JoinSet<T> {
    tasks: Slab<Entry<T>>,
    ready: Arc<Ready>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    ew: Arc<EntryWaker>,
    waker: Waker,
}

/// Keys of the entries whose handles were woken, plus the waker of the
/// task waiting in `join_next`.
struct Ready {
    queue: Mutex<(VecDeque<usize>, Option<Waker>)>,
}

/// Wakes one entry: queues its key (once) and wakes the `join_next` caller.
struct EntryWaker {
    key: usize,
    queued: AtomicBool,
    ready: Arc<Ready>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let waker = {
            let mut q = self.ready.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.0.push_back(self.key);
            q.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        JoinSet {
            tasks: Slab::new(),
            ready: Arc::new(Ready {
                queue: Mutex::new((VecDeque::new(), None)),
            }),
        }
    }

    /// Spawns `future` on the current runtime into the set.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime (as [`spawn`](crate::spawn));
    /// [`checked_spawn`](Self::checked_spawn) is the twin.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = spawn(future);
        self.insert(handle);
    }

    /// Like [`spawn`](Self::spawn), but outside a runtime it returns an
    /// error (and drops `future`) instead of panicking.
    ///
    /// # Errors
    ///
    /// [`NoRuntime`](crate::runtime::NoRuntime) outside a runtime.
    #[doc(alias = "try_spawn")]
    pub fn checked_spawn<F>(&mut self, future: F) -> Result<(), crate::runtime::NoRuntime>
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::task::checked_spawn(future)?);
        Ok(())
    }

    /// Adds a task spawned elsewhere; the set now owns (and on drop
    /// aborts) it.
    pub fn insert(&mut self, handle: JoinHandle<T>) {
        let entry = self.tasks.vacant_entry();
        let ew = Arc::new(EntryWaker {
            key: entry.key(),
            queued: AtomicBool::new(false),
            ready: self.ready.clone(),
        });
        let waker = Waker::from(ew.clone());
        entry.insert(Entry {
            handle,
            ew,
            waker: waker.clone(),
        });
        // First poll happens in `join_next`.
        waker.wake();
    }

    /// Waits for the next task to finish and returns its result; `None`
    /// when the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a result is taken out of the set only in the poll that
    /// returns it.
    #[doc(alias("as_completed"))]
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Polls for the next finished task; see [`join_next`](JoinSet::join_next).
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.tasks.is_empty() {
            return Poll::Ready(None);
        }
        // A handle may return `Pending` and wake itself at once (the
        // cooperative budget ran out): poll each entry at most about once
        // per call, then yield.
        for _ in 0..=self.tasks.len() {
            let key = {
                let mut q = self.ready.queue.lock().unwrap_or_else(|e| e.into_inner());
                match q.0.pop_front() {
                    Some(k) => k,
                    None => {
                        q.1 = Some(cx.waker().clone());
                        return Poll::Pending;
                    }
                }
            };
            let Some(entry) = self.tasks.get_mut(key) else {
                continue; // a stale wake-up of a removed entry
            };
            // Allow the next wake-up of this entry to queue it again.
            entry.ew.queued.store(false, Ordering::Release);
            let mut ecx = Context::from_waker(&entry.waker);
            if let Poll::Ready(r) = Pin::new(&mut entry.handle).poll(&mut ecx) {
                self.tasks.remove(key);
                return Poll::Ready(Some(r));
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<T> JoinSet<T> {
    /// Aborts every task in the set; they stay in it until
    /// [`join_next`](JoinSet::join_next) returns their (cancelled) results.
    pub fn abort_all(&mut self) {
        for (_, e) in self.tasks.iter() {
            e.handle.abort();
        }
    }

    /// Removes every task from the set, aborting them, without waiting.
    pub fn shutdown_now(&mut self) {
        self.abort_all();
        self.tasks.clear();
    }

    /// The number of tasks in the set (finished but not yet returned ones
    /// included).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

impl<T: Send + 'static> Default for JoinSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet")
            .field("len", &self.tasks.len())
            .finish()
    }
}
