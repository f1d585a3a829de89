//! asyncio-style synchronization primitives that work from tasks *and*
//! plain threads.
//!
//! Python's `asyncio` primitives cannot be used from threads and
//! `threading`'s cannot be awaited. These are both: each async method has a
//! blocking twin for threads (`blocking_wait`, `blocking_lock`,
//! `blocking_put`…) that drives the very same future by parking the thread.
//! The crate knows nothing but [`std::task::Waker`], so it works under any
//! executor; `myrt` re-exports it as `myrt::sync`.
//!
//! | here | asyncio / threading |
//! | --- | --- |
//! | [`Event`] | `Event` |
//! | [`Lock<T>`] | `Lock` (with the data inside) |
//! | [`RLock<T>`] | `RLock` (owned by a task or a thread) |
//! | [`Semaphore`], [`Semaphore::bounded`] | `Semaphore`, `BoundedSemaphore` |
//! | [`Condition`] | `Condition` (over a [`Lock`] or [`RLock`] guard) |
//! | [`Barrier`] | `Barrier` |
//! | [`RwLock<T>`] (tokio `RwLock`) | none built in (a `Lock` is the usual stand-in) |
//! | [`OnceCell<T>`] (tokio `OnceCell`) | a module-level value set under a `Lock` |
//! | [`Queue`], [`LifoQueue`], [`PriorityQueue`] | `Queue`, `LifoQueue`, `PriorityQueue` |
//! | [`mpsc::channel`], [`mpsc::unbounded_channel`] | none; nearest: an `asyncio.Queue` with one consumer |
//! | [`oneshot::channel`] | none; nearest: an `asyncio.Future` set once |
//! | [`broadcast::channel`] | none; nearest: one `asyncio.Queue` per subscriber, the sender `put_nowait`s into each |
//! | [`watch::channel`] | none; nearest: a shared value beside a `Condition` (or an `Event`) |
//!
//! # Cancel safety
//!
//! Waiters queue in FIFO order. Dropping a wait future (cancelling the
//! task, losing a `select`, timing out) never loses anything: a waiter that
//! was already handed a permit, the lock, a notification or a queue slot
//! passes it on to the next waiter; one that was not just leaves the queue.
//! Every async method documents this under `# Cancel safety`.
//!
//! # Examples
//!
//! A thread feeding a task through a [`Queue`]:
//!
//! ```
//! use std::sync::Arc;
//! use myrt_sync::Queue;
//!
//! async fn consumer(q: Arc<Queue<u32>>) -> u32 {
//!     let mut sum = 0;
//!     while let Ok(n) = q.get().await {
//!         sum += n;
//!         q.task_done().unwrap();
//!     }
//!     sum
//! }
//!
//! let q = Arc::new(Queue::new(8));
//! let feeder = {
//!     let q = q.clone();
//!     std::thread::spawn(move || {
//!         for n in 1..=3 {
//!             q.blocking_put(n).unwrap();
//!         }
//!         q.shutdown(false);
//!     })
//! };
//! feeder.join().unwrap();
//! // consumer(q) would now return 6 under any executor.
//! # drop(consumer(q));
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod barrier;
mod blocking;
pub mod broadcast;
mod condition;
mod event;
mod identity;
mod lock;
pub(crate) mod loom;
pub mod mpsc;
mod once_cell;
pub mod oneshot;
pub mod queue;
mod rlock;
mod rwlock;
pub mod semaphore;
mod wait_list;
pub mod watch;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult, BrokenBarrierError, ZeroPartiesError};
pub use blocking::TIMEOUT_MAX;
pub use condition::{Condition, ConditionGuard, ConditionWait, WaitFor};
pub use event::{Event, EventWait};
pub use identity::set_task_identity;
pub use lock::{Lock, LockFuture, LockGuard, OwnedLockFuture, OwnedLockGuard, TryLockError};
pub use once_cell::{OnceCell, SetError};
pub use queue::{GetError, LifoQueue, PriorityQueue, PutError, Queue, TaskDoneError};
pub use rlock::{NotOwnerError, OwnedRLockFuture, OwnedRLockGuard, RLock, RLockFuture, RLockGuard};
pub use rwlock::{
    RwLock, RwLockReadFuture, RwLockReadGuard, RwLockWriteFuture, RwLockWriteGuard,
    DEFAULT_MAX_READERS,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, ReleaseError, Semaphore, SemaphorePermit, TooManyPermits,
    TryAcquireError, MAX_PERMITS,
};
