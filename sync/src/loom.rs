//! This crate's view of the workspace's one loom shim (`myrt-shim`): every
//! atomic, cell and lock of the primitives comes from here, so the waiter
//! lists can be model-checked with `loom` (`RUSTFLAGS="--cfg loom"`).
//!
//! `lock` here is the shim's `lock_brief`: the primitives' critical
//! sections are a few list operations long, so a contended caller spins
//! briefly before it sleeps. User code runs under one of these locks in
//! one place only, a `PriorityQueue`'s `Ord`, and the queue compares
//! before it changes anything, so a panicking `cmp` leaves it consistent.
#![allow(unused_imports, unreachable_pub)]

pub(crate) use myrt_shim::{
    lock_brief as lock, read, try_lock, write, AtomicBool, AtomicU64, AtomicUsize, Mutex,
    MutexGuard, Ordering, RwLock, RwLockReadGuard, UnsafeCell,
};
