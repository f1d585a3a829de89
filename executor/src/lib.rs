//! Tasks, schedulers, the blocking pool and the concurrent.futures-style
//! thread pool behind [myrt](https://docs.rs/myrt).
//!
//! This crate knows nothing of I/O: a scheduler that runs out of work calls
//! its [`park::Park`] implementation, which the `myrt` runtime fills with its
//! reactor and timer driver.
#![deny(unsafe_code)]

pub(crate) mod loom;
pub mod park;

mod blocking;
pub mod coop;
pub mod scheduler;
pub mod task;

pub use scheduler::{Handle, Scheduler};
pub use task::{spawn, spawn_blocking, JoinError, JoinHandle};
pub mod concurrent;
