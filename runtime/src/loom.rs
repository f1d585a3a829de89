//! This crate's view of the workspace's one loom shim (`myrt-shim`): the
//! driver's atomics and locks come from here, so its readiness word and
//! registration paths can be model-checked with `loom`
//! (`RUSTFLAGS="--cfg loom"`, see `driver/loom_driver.rs`).
#![allow(unused_imports, unreachable_pub)]

pub(crate) use myrt_shim::{lock, AtomicBool, AtomicU64, AtomicUsize, Mutex, MutexGuard, Ordering};
