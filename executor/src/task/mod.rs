//! Tasks: spawning, [`JoinHandle`], ids and names, yielding, and the list
//! of live tasks (asyncio `all_tasks()` / threading `enumerate()`).

mod join;
pub(crate) mod raw;
pub(crate) mod registry;
pub(crate) mod state;

#[cfg(all(test, loom))]
mod loom_task;

use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use join::{AbortHandle, JoinError, JoinHandle};
pub(crate) use raw::{Notified, RawTask, Schedule};

use crate::scheduler::{Handle, NoRuntime};

/// A task's id: unique among all tasks of the process, never reused.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Id(NonZeroU64::new(n).expect("task id counter wrapped"))
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

/// Allocates a task and its handle. The `Notified` must be scheduled (or
/// dropped after cancelling, if the scheduler is shut down).
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    name: Option<Box<str>>,
    registered: bool,
) -> (Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let (notified, raw) = raw::allocate(future, scheduler, Id::next(), name, registered);
    (notified, JoinHandle::new(raw))
}

/// What a task is doing, as seen by [`all`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Queued to run.
    Scheduled,
    /// Being polled right now.
    Running,
    /// Waiting to be woken.
    Idle,
}

/// A snapshot of one live task, from [`all`] or [`current`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id.
    pub id: Id,
    /// The name given with [`Builder::name`], if any.
    pub name: Option<String>,
    /// What it was doing when the snapshot was taken.
    pub state: TaskState,
}

fn info(raw: RawTask) -> TaskInfo {
    let h = raw.header();
    let flags = raw::flags(raw);
    let state = if flags & state::RUNNING != 0 {
        TaskState::Running
    } else if flags & state::NOTIFIED != 0 {
        TaskState::Scheduled
    } else {
        TaskState::Idle
    };
    TaskInfo {
        id: h.id,
        name: h.name.as_deref().map(str::to_owned),
        state,
    }
}

/// Spawns a task on the current runtime.
///
/// # Panics
///
/// Panics when called outside a runtime; [`try_spawn`] is the twin.
///
/// # Examples
///
/// ```
/// let rt = myrt_executor::scheduler::Scheduler::current_thread().unwrap();
/// rt.block_on(async {
///     let h = myrt_executor::task::spawn(async { 1 + 1 });
///     assert_eq!(h.await.unwrap(), 2);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Handle::current().spawn(future)
}

/// Like [`spawn`], but outside a runtime it returns an error (and drops
/// `future`) instead of panicking.
///
/// # Errors
///
/// [`NoRuntime`] when called outside a runtime.
///
/// # Examples
///
/// ```
/// assert!(myrt_executor::task::try_spawn(async {}).is_err());
/// ```
pub fn try_spawn<F>(future: F) -> Result<JoinHandle<F::Output>, NoRuntime>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(Handle::try_current()?.spawn(future))
}

/// Runs a blocking closure on the runtime's blocking pool.
///
/// # Panics
///
/// Panics when called outside a runtime; [`try_spawn_blocking`] is the
/// twin.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Handle::current().spawn_blocking(f)
}

/// Like [`spawn_blocking`], but outside a runtime it returns an error
/// instead of panicking.
///
/// # Errors
///
/// [`NoRuntime`] when called outside a runtime.
pub fn try_spawn_blocking<F, R>(f: F) -> Result<JoinHandle<R>, NoRuntime>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Ok(Handle::try_current()?.spawn_blocking(f))
}

/// Spawns tasks with options (a name).
///
/// # Examples
///
/// ```
/// let rt = myrt_executor::scheduler::Scheduler::current_thread().unwrap();
/// rt.block_on(async {
///     let h = myrt_executor::task::Builder::new()
///         .name("worker")
///         .spawn(async { myrt_executor::task::current().unwrap().name })
///         .unwrap();
///     assert_eq!(h.await.unwrap().as_deref(), Some("worker"));
/// });
/// ```
#[derive(Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder with no options set.
    pub fn new() -> Self {
        Builder { name: None }
    }

    /// Names the task (shown by [`all`] and [`current`]).
    pub fn name(self, name: &'a str) -> Self {
        Builder { name: Some(name) }
    }

    /// Spawns on the current runtime.
    ///
    /// # Errors
    ///
    /// Fails when called outside a runtime.
    pub fn spawn<F>(self, future: F) -> std::io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = Handle::try_current().map_err(std::io::Error::other)?;
        Ok(self.spawn_on(future, &handle))
    }

    /// Spawns on the given runtime.
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_named(future, self.name.map(Box::from))
    }
}

/// The task being polled on this thread: its id, name and state.
/// `None` outside a task (in `block_on`'s own future, on a plain thread).
pub fn current() -> Option<TaskInfo> {
    raw::with_current(|h| {
        h.map(|h| TaskInfo {
            id: h.id,
            name: h.name.as_deref().map(str::to_owned),
            state: TaskState::Running,
        })
    })
}

/// Every live task of the current runtime (asyncio `all_tasks()`), in no
/// particular order.
///
/// # Panics
///
/// Panics when called outside a runtime; [`try_all`] is the twin.
#[track_caller]
pub fn all() -> Vec<TaskInfo> {
    Handle::current().tasks()
}

/// Like [`all`], but outside a runtime it returns an error instead of
/// panicking.
///
/// # Errors
///
/// [`NoRuntime`] when called outside a runtime.
pub fn try_all() -> Result<Vec<TaskInfo>, NoRuntime> {
    Ok(Handle::try_current()?.tasks())
}

pub(crate) fn collect_infos(reg: &registry::Registry) -> Vec<TaskInfo> {
    let mut v = Vec::new();
    reg.for_each(|t| v.push(info(t)));
    v
}

/// Yields to the scheduler once: the task goes behind the other ready
/// tasks and resumes on its next turn.
///
/// # Cancel safety
///
/// Cancel safe: it holds nothing.
pub async fn yield_now() {
    YieldNow(false).await
}

struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
