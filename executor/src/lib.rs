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
mod hooks;
pub mod scheduler;
mod spawn;
pub mod task;
pub mod threads;

pub use scheduler::{Handle, Scheduler};
pub use spawn::{spawn, spawn_blocking};
pub use task::{JoinError, JoinHandle};
pub mod concurrent;
