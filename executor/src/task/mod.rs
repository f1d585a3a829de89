//! Tasks: spawning, [`JoinHandle`], ids and names, yielding, and the list
//! of live tasks (asyncio `all_tasks()` / threading `enumerate()`).
//!
//! The task core lives here and knows nothing of schedulers:
//!
//! - `core`: the cell (header, scheduler hook, stage, join waker) and the
//!   in-place stage operations (the pinning rule);
//! - `harness`: poll, complete, cancel, join-handle reads and drops;
//! - `raw`: the vtable, `RawTask`, `Notified`, allocation;
//! - `waker`: the raw `Waker`;
//! - `state`: the state word and its transitions;
//! - `schedule`: the hook trait and its reference rule;
//! - `registry`: the owned list of live tasks.
//!
//! The spawning functions are defined in `crate::spawn`, above both this
//! core and the schedulers (which import only the core), and re-exported
//! here under their public path.

mod core;
mod harness;
mod join;
pub(crate) mod raw;
pub(crate) mod registry;
mod schedule;
pub(crate) mod state;
mod waker;

#[cfg(all(test, loom))]
mod loom_task;
#[cfg(all(test, not(loom)))]
mod tests;

use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

// The public path of the spawning API (`task::spawn`). A name re-export
// only: nothing in the core uses `spawn` or the schedulers.
pub use crate::spawn::{
    all, checked_all, checked_spawn, checked_spawn_blocking, spawn, spawn_blocking, Builder,
};
pub use join::{AbortHandle, JoinError, JoinHandle};
pub(crate) use raw::{Notified, RawTask};
pub(crate) use schedule::Schedule;

/// A task's id: unique among all tasks of the process, never reused.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    /// A fresh id. Each thread takes ids from the process-wide counter in
    /// blocks of 1024 and hands them out one by one, so spawning
    /// workers do not share a counter's cache line; ids are unique but not
    /// in spawn order across threads.
    pub(crate) fn next() -> Id {
        /// Ids one thread takes from the counter at a time.
        const ID_BLOCK: u64 = 1024;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        thread_local! {
            /// This thread's block: the next id and the end of the block.
            static BLOCK: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
        }
        let n = BLOCK.with(|b| {
            let (mut next, mut end) = b.get();
            if next == end {
                next = NEXT.fetch_add(ID_BLOCK, std::sync::atomic::Ordering::Relaxed);
                end = next + ID_BLOCK;
            }
            b.set((next + 1, end));
            next
        });
        Id(NonZeroU64::new(n).expect("task id counter wrapped"))
    }

    /// A fresh id, for tasks run outside this crate's schedulers (myrt's
    /// `LocalSet`); not a public API.
    #[doc(hidden)]
    pub fn __next() -> Id {
        Id::next()
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
///
/// Where a waiting task is stuck shows as its `state` (`Idle`: nothing has
/// woken it) and its `age`; the await point it sits at is not recorded
/// (that would cost every poll a write).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: Id,
    /// The name given with [`Builder::name`], if any.
    pub name: Option<String>,
    /// What it was doing when the snapshot was taken.
    pub state: TaskState,
    /// How long ago it was spawned, to the coarse clock's resolution (a
    /// few milliseconds).
    pub age: Duration,
}

fn age(h: &core::Header) -> Duration {
    Duration::from_millis(u64::from(core::coarse_millis().wrapping_sub(h.spawned)))
}

fn info(raw: RawTask) -> TaskInfo {
    let h = raw.header();
    let flags = raw.flags();
    let state = if flags & state::RUNNING != 0 {
        TaskState::Running
    } else if flags & state::NOTIFIED != 0 {
        TaskState::Scheduled
    } else {
        TaskState::Idle
    };
    TaskInfo {
        id: h.id,
        name: h.name().map(str::to_owned),
        state,
        age: age(h),
    }
}

/// The task being polled on this thread: its id, name and state.
/// `None` outside a task (in `block_on`'s own future, on a plain thread).
#[doc(alias("current_task"))]
pub fn current() -> Option<TaskInfo> {
    raw::with_current(|h| {
        h.map(|h| TaskInfo {
            id: h.id,
            name: h.name().map(str::to_owned),
            state: TaskState::Running,
            age: age(h),
        })
    })
}

/// The id of the task being polled on this thread, or `None` outside a
/// task: [`current`] without the name (no allocation), cheap enough for a
/// lock's fast path.
pub fn current_id() -> Option<Id> {
    raw::with_current(|h| h.map(|h| h.id))
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
