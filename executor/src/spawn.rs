//! The public spawning API: [`spawn`], [`spawn_blocking`], [`Builder`] and
//! [`all`]. It sits above both the task core (`task`) and the schedulers,
//! so neither needs the other's public surface; `task` re-exports it.

use std::future::Future;

use crate::scheduler::{Handle, NoRuntime};
use crate::task::{JoinHandle, TaskInfo};

/// Spawns a task on the current runtime.
///
/// # Panics
///
/// Panics when called outside a runtime; [`checked_spawn`] is the twin.
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
#[doc(alias("create_task", "ensure_future"))]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match Handle::spawn_on_current(future, None) {
        Ok(h) => h,
        Err(e) => panic!("{e}"),
    }
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
/// assert!(myrt_executor::task::checked_spawn(async {}).is_err());
/// ```
#[doc(alias = "try_spawn")]
pub fn checked_spawn<F>(future: F) -> Result<JoinHandle<F::Output>, NoRuntime>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Handle::spawn_on_current(future, None)
}

/// Runs a blocking closure on the runtime's blocking pool.
///
/// # Panics
///
/// Panics when called outside a runtime; [`checked_spawn_blocking`] is the
/// twin.
#[track_caller]
#[doc(alias("run_in_executor", "to_thread"))]
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
#[doc(alias = "try_spawn_blocking")]
pub fn checked_spawn_blocking<F, R>(f: F) -> Result<JoinHandle<R>, NoRuntime>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Ok(Handle::checked_current()?.spawn_blocking(f))
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
        Handle::spawn_on_current(future, self.name.map(Box::from)).map_err(std::io::Error::other)
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

/// Every live task of the current runtime (asyncio `all_tasks()`), in no
/// particular order.
///
/// # Panics
///
/// Panics when called outside a runtime; [`checked_all`] is the twin.
#[track_caller]
#[doc(alias("all_tasks"))]
pub fn all() -> Vec<TaskInfo> {
    Handle::current().tasks()
}

/// Like [`all`], but outside a runtime it returns an error instead of
/// panicking.
///
/// # Errors
///
/// [`NoRuntime`] when called outside a runtime.
#[doc(alias = "try_all")]
pub fn checked_all() -> Result<Vec<TaskInfo>, NoRuntime> {
    Ok(Handle::checked_current()?.tasks())
}
