//! Python `concurrent.futures` in Rust shapes: a thread-pool executor and a
//! [`Future`] that threads block on *and* tasks `.await`.
//!
//! | Python | here |
//! | --- | --- |
//! | `Future` | [`Future<T>`]: `done`, `running`, `cancelled`, `cancel`, `add_done_callback`, `result`, `result_timeout`, `exception`, `.await` |
//! | `set_running_or_notify_cancel`, `set_result`, `set_exception` | [`Promise`] from [`Future::pending`] |
//! | `Executor` | [`Executor`]: `submit`, `map`, `shutdown(wait, cancel_futures)` |
//! | `ThreadPoolExecutor` | [`ThreadPoolExecutor`], configured by [`Builder`] |
//! | `wait`, `FIRST_COMPLETED`... | [`blocking_wait`] / [`blocking_wait_timeout`] (threads), [`wait()`] (tasks), with [`ReturnWhen`] |
//! | `as_completed` | [`blocking_as_completed`] / [`blocking_as_completed_timeout`] (blocking iterator), [`as_completed`] (stream) |
//! | `CancelledError`, `TimeoutError`, `BrokenThreadPool` | [`FutureError`] variants; [`SubmitError`] for refused submits |
//!
//! # Taking results
//!
//! A [`Future`] is a cloneable handle. Because `T` need not be `Clone`,
//! [`Future::result`] and `.await` *move* the value out: the first caller
//! gets it, later callers get [`FutureError::AlreadyTaken`].
//! [`Future::result_cloned`] reads it without taking (for `T: Clone`).
//! Errors (cancelled, panicked, broken pool) are seen by every caller.
//!
//! # Examples
//!
//! ```
//! use myrt_executor::concurrent::{blocking_wait, Executor, ReturnWhen, ThreadPoolExecutor};
//!
//! let pool = ThreadPoolExecutor::builder().max_workers(4).build();
//! let futures: Vec<_> = (1..=10u64)
//!     .map(|n| pool.submit(move || (1..=n).product::<u64>()).unwrap())
//!     .collect();
//! let (done, not_done) = blocking_wait(&futures, ReturnWhen::AllCompleted);
//! assert_eq!((done.len(), not_done.len()), (10, 0));
//! assert_eq!(futures[9].result().unwrap(), 3_628_800);
//! ```

mod error;
mod executor;
mod future;
mod promise;
mod thread_pool;
mod wait;

pub use error::{FutureError, PanicPayload};
pub use executor::{Executor, Job, Map, SubmitError};
pub use future::Future;
pub use promise::Promise;
pub use thread_pool::{BuildError, Builder, ThreadPoolExecutor};
pub use wait::{
    as_completed, blocking_as_completed, blocking_as_completed_timeout, blocking_wait,
    blocking_wait_timeout, wait, AsCompleted, AsCompletedStream, ReturnWhen, Wait,
};
