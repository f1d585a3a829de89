//! This crate's view of the workspace's one loom shim (`myrt-shim`): every
//! atomic, cell, lock and thread of the executor comes from here, so the
//! task states, run queues, idle/search protocol and parker can be
//! model-checked with `loom` (`RUSTFLAGS="--cfg loom"`).
#![allow(unused_imports, unreachable_pub)]

pub(crate) use myrt_shim::{
    fence, lock, spin_loop, thread, Arc, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize,
    Condvar, Counter, Mutex, MutexGuard, Ordering, UnsafeCell,
};
