//! [`TaskGroup`]: asyncio's `TaskGroup` — structured concurrency where the
//! first failure cancels the rest.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::JoinHandle;

/// Why one task of a [`TaskGroup`] failed.
#[non_exhaustive]
pub enum TaskFailure<E> {
    /// The task's future returned `Err(e)`.
    Failed(E),
    /// The task panicked; the payload as `std::panic::catch_unwind` gives it.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl<E> TaskFailure<E> {
    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskFailure::Panicked(_))
    }

    /// The panic message, when the payload is a string.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskFailure::Panicked(p) => p
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| p.downcast_ref::<String>().map(String::as_str)),
            TaskFailure::Failed(_) => None,
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
            TaskFailure::Panicked(_) => f
                .debug_tuple("Panicked")
                .field(&self.panic_message().unwrap_or("<non-string payload>"))
                .finish(),
        }
    }
}

impl<E: fmt::Display> fmt::Display for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskFailure::Failed(e) => write!(f, "task failed: {e}"),
            TaskFailure::Panicked(_) => match self.panic_message() {
                Some(m) => write!(f, "task panicked: {m}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

/// The error of [`TaskGroup::join`]: every failure of the group, in the
/// order they happened (Python's `ExceptionGroup`). Empty when the tasks
/// were cancelled from outside (the runtime shut down) without failing.
pub struct GroupError<E> {
    /// The failures, first one first.
    pub failures: Vec<TaskFailure<E>>,
}

impl<E> GroupError<E> {
    /// The failures, first one first.
    pub fn into_failures(self) -> Vec<TaskFailure<E>> {
        self.failures
    }
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupError")
            .field("failures", &self.failures)
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.failures.is_empty() {
            return f.write_str("task group cancelled");
        }
        write!(f, "{} task(s) of the group failed", self.failures.len())?;
        for (i, fail) in self.failures.iter().enumerate() {
            write!(f, "{}{fail}", if i == 0 { ": " } else { "; " })?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}

struct State<E> {
    cancelled: bool,
    failures: Vec<TaskFailure<E>>,
    wakers: Slab<Waker>,
}

struct Shared<E> {
    state: Mutex<State<E>>,
}

impl<E> Shared<E> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<E>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `failure` (if any) and cancels every member.
    fn cancel(&self, failure: Option<TaskFailure<E>>) {
        let wakers: Vec<Waker> = {
            let mut st = self.lock();
            if let Some(f) = failure {
                st.failures.push(f);
            }
            if st.cancelled {
                return;
            }
            st.cancelled = true;
            st.wakers.drain().collect()
        };
        for w in wakers {
            w.wake();
        }
    }
}

/// Tasks that succeed or fail together (asyncio `TaskGroup`).
///
/// Every task returns `Result<T, E>`. [`join`](TaskGroup::join) waits for
/// all of them and returns their `Ok` values in spawn order (so it also
/// serves as asyncio `gather`). The first task that returns `Err` or
/// panics cancels its siblings (their futures are dropped at their next
/// wake-up, so drop guards run), and `join` then returns a [`GroupError`]
/// listing every failure. Dropping the group (or the `join` future)
/// cancels the tasks still running.
///
/// For tasks that cannot fail use `E = std::convert::Infallible`; for
/// tasks with different result types, an enum as `T`.
///
/// # Examples
///
/// ```
/// use myrt::task::TaskGroup;
///
/// myrt::run(async {
///     let mut group = TaskGroup::new();
///     for i in 0..3u32 {
///         group.spawn(async move { Ok::<_, String>(i * 10) });
///     }
///     assert_eq!(group.join().await.unwrap(), [0, 10, 20]);
///
///     let mut group = TaskGroup::new();
///     group.spawn(async { Err::<u32, _>("boom".to_string()) });
///     group.spawn(std::future::pending()); // cancelled by the failure
///     let err = group.join().await.unwrap_err();
///     assert_eq!(err.failures.len(), 1);
/// });
/// ```
pub struct TaskGroup<T, E> {
    shared: Arc<Shared<E>>,
    handles: Vec<JoinHandle<Option<T>>>,
}

impl<T: Send + 'static, E: Send + 'static> TaskGroup<T, E> {
    /// An empty group.
    pub fn new() -> Self {
        TaskGroup {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    cancelled: false,
                    failures: Vec::new(),
                    wakers: Slab::new(),
                }),
            }),
            handles: Vec::new(),
        }
    }

    /// Spawns `future` on the current runtime as a member of the group.
    /// If the group is already cancelled (a member failed), the future is
    /// dropped without being polled.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime (as [`spawn`](crate::spawn));
    /// [`checked_spawn`](Self::checked_spawn) is the twin.
    #[track_caller]
    #[doc(alias("create_task"))]
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        if let Err(e) = self.checked_spawn(future) {
            panic!("{e}");
        }
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
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let member = Member {
            fut: Some(Box::pin(future)),
            shared: self.shared.clone(),
            key: None,
        };
        self.handles.push(crate::task::checked_spawn(member)?);
        Ok(())
    }

    /// The number of tasks spawned into the group.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether no task was spawned into the group.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Whether a member failed (or the group was cancelled).
    pub fn is_cancelled(&self) -> bool {
        self.shared.lock().cancelled
    }

    /// Waits for every member; returns their values in spawn order, or
    /// every failure.
    ///
    /// # Errors
    ///
    /// A [`GroupError`] when a member failed or panicked (or the runtime
    /// cancelled members).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future cancels the group (like cancelling the body of
    /// an `async with TaskGroup()` block).
    #[doc(alias("gather"))]
    pub async fn join(mut self) -> Result<Vec<T>, GroupError<E>> {
        let handles = std::mem::take(&mut self.handles);
        let n = handles.len();
        let mut values = Vec::with_capacity(n);
        let mut outside = Vec::new();
        for h in handles {
            match h.await {
                Ok(Some(v)) => values.push(v),
                Ok(None) => {}
                Err(e) if e.is_panic() => outside.push(TaskFailure::Panicked(e.into_panic())),
                Err(_) => {}
            }
        }
        let mut failures = std::mem::take(&mut self.shared.lock().failures);
        failures.extend(outside);
        if failures.is_empty() && values.len() == n {
            Ok(values)
        } else {
            Err(GroupError { failures })
        }
    }
}

impl<T: Send + 'static, E: Send + 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        self.shared.cancel(None);
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("len", &self.handles.len())
            .finish()
    }
}

type BoxFut<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

/// One member task: the user's future, dropped as soon as the group is
/// cancelled.
struct Member<T, E> {
    fut: Option<BoxFut<T, E>>,
    shared: Arc<Shared<E>>,
    key: Option<usize>,
}

impl<T, E> Member<T, E> {
    fn finish(&mut self) {
        self.fut = None;
        if let Some(k) = self.key.take() {
            let mut st = self.shared.lock();
            if st.wakers.contains(k) {
                st.wakers.remove(k);
            }
        }
    }
}

impl<T, E> Future for Member<T, E> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        {
            let mut st = this.shared.lock();
            if st.cancelled {
                drop(st);
                this.key = None; // the cancel drained the wakers
                this.fut = None; // runs the future's drop guards
                return Poll::Ready(None);
            }
            match this.key {
                Some(k) => match st.wakers.get_mut(k) {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    Some(w) => w.clone_from(cx.waker()),
                    None => this.key = Some(st.wakers.insert(cx.waker().clone())),
                },
                None => this.key = Some(st.wakers.insert(cx.waker().clone())),
            }
        }
        let Some(fut) = this.fut.as_mut() else {
            return Poll::Ready(None);
        };
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(v))) => {
                this.finish();
                Poll::Ready(Some(v))
            }
            Ok(Poll::Ready(Err(e))) => {
                this.finish();
                this.shared.cancel(Some(TaskFailure::Failed(e)));
                Poll::Ready(None)
            }
            Err(p) => {
                this.finish();
                this.shared.cancel(Some(TaskFailure::Panicked(p)));
                Poll::Ready(None)
            }
        }
    }
}

impl<T, E> Drop for Member<T, E> {
    fn drop(&mut self) {
        self.finish();
    }
}
