//! Tasks: spawn, join, abort, yield, names and the live-task list.
//!
//! | asyncio / threading | myrt |
//! | --- | --- |
//! | `asyncio.create_task(coro)` | [`spawn`] |
//! | `loop.run_in_executor(None, f)` | [`spawn_blocking`] |
//! | `await asyncio.sleep(0)` | [`yield_now`] |
//! | `asyncio.current_task()` | [`current`] |
//! | `asyncio.all_tasks()` | [`all`] (threads: [`crate::thread::enumerate`]) |
//! | `task.cancel()` | [`JoinHandle::abort`], [`AbortHandle::abort`] |
//! | `asyncio.TaskGroup` | [`TaskGroup`] |
//! | `await asyncio.gather(*aws)` (no tasks created) | [`gather`], [`try_gather`], [`join!`](crate::join) |
//! | `asyncio.shield(aw)` | [`shield`] |
//! | `asyncio.as_completed(tasks)` | [`JoinSet::join_next`] |
//! | `create_task` of a `!Send` coroutine (tokio `spawn_local`) | [`spawn_local`], [`LocalSet`] |
//! | `contextvars.ContextVar` | [`task_local!`](crate::task_local), [`LocalKey`] |

pub use myrt_executor::task::{
    all, checked_all, checked_spawn, checked_spawn_blocking, current, current_id, spawn,
    spawn_blocking, yield_now, AbortHandle, Builder, Id, JoinError, JoinHandle, TaskInfo,
    TaskState,
};

mod gather;
mod group;
mod join_set;
mod local;
mod local_set;

pub use gather::{checked_shield, gather, shield, try_gather, Gather, Shield, TryGather};
pub use group::{GroupError, TaskFailure, TaskGroup};
pub use join_set::JoinSet;
pub use local::{AccessError, LocalKey, TaskLocalFuture};
pub use local_set::{
    checked_spawn_local, spawn_local, LocalJoinHandle, LocalSet, NoLocalSet, RunUntil,
};
