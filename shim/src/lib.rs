//! The one place the myrt crates take their atomics, cells, locks and
//! threads from, so that every concurrent protocol (task states, run
//! queues, idle/search, parker, shutdown, driver readiness, waiter lists)
//! can be model-checked with [loom](https://docs.rs/loom).
//!
//! Built with `RUSTFLAGS="--cfg loom"` everything here is loom's; otherwise
//! it is `std`'s, with an [`UnsafeCell`] that has loom's `with`/`with_mut`
//! shape so the same code compiles both ways. The crates re-export what
//! they use from their own `loom` module (`use crate::loom::...`).
#![deny(unsafe_code)]

#[cfg(loom)]
pub use loom::{
    cell::UnsafeCell,
    sync::{
        atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
        Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    },
    thread,
};

#[cfg(not(loom))]
pub use std::{
    sync::{
        atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
        Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    },
    thread,
};

/// A spin-wait hint (under loom, a yield, so the model can move on).
#[inline]
pub fn spin_loop() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::hint::spin_loop();
}

/// `std::cell::UnsafeCell` with loom's closure-based accessors.
#[cfg(not(loom))]
#[derive(Debug)]
pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a mutable raw pointer to the contents.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Locks a mutex, ignoring poisoning. The callers' critical sections never
/// leave shared state half-updated when user code panics: user code does
/// not run while one of their locks is held (where it must, e.g. a
/// `PriorityQueue`'s `Ord`, the caller says how it stays consistent).
#[inline]
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Takes a shared read lock, ignoring poisoning as [`lock`] does.
#[inline]
pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    match l.read() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Takes the exclusive write lock, ignoring poisoning as [`lock`] does.
#[inline]
pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    match l.write() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Locks a mutex if it is free, ignoring poisoning as [`lock`] does.
#[inline]
pub fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// [`lock`] for short critical sections under contention: a contended
/// caller first retries briefly (spinning 2, 4 and 8 hints, then yielding
/// its time slice) before it sleeps in the mutex, since a futex sleep and
/// wake-up costs far more than the wait it would save. Under loom it locks
/// at once.
#[inline]
pub fn lock_brief<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(not(loom))]
    if let Some(g) = try_lock(m) {
        return g;
    }
    lock_contended(m)
}

#[cold]
fn lock_contended<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(not(loom))]
    for round in 0..SPIN_ROUNDS {
        if round < 3 {
            for _ in 0..(2u32 << round) {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
        if let Some(g) = try_lock(m) {
            return g;
        }
    }
    lock(m)
}

/// Retries [`lock_brief`] makes before it blocks: three after spinning,
/// the rest after yielding.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 10;

/// A statistics counter for runtime metrics: its owner adds to it, any
/// thread reads it. It is never a synchronisation point (relaxed loads and
/// stores only, nothing is published through it), so it stays `std`'s
/// under loom too: modelling it would only multiply the interleavings of
/// the protocols it sits beside without checking anything.
#[derive(Debug, Default)]
pub struct Counter(std::sync::atomic::AtomicU64);

impl Counter {
    /// A counter at zero.
    pub const fn new() -> Counter {
        Counter(std::sync::atomic::AtomicU64::new(0))
    }

    /// Adds one. Meant for one writer at a time (the worker that owns the
    /// counter): a load and a store, not a locked read-modify-write, so two
    /// threads adding at once may lose a count, never more.
    #[inline]
    pub fn bump(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.0.store(self.0.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Overwrites the value (for a gauge such as a queue length, written
    /// by its owner).
    #[inline]
    pub fn set(&self, value: u64) {
        self.0.store(value, std::sync::atomic::Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}
