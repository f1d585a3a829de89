//! The one place atomics, cells and locks come from, so that the concurrent
//! parts of this crate can be model-checked with `loom`.
//!
//! Under `cfg(loom)` everything is loom's; otherwise it is `std`'s, with an
//! `UnsafeCell` that has loom's `with`/`with_mut` shape.
#![allow(dead_code, unused_imports, unreachable_pub)]

#[cfg(loom)]
pub(crate) use loom::{
    cell::UnsafeCell,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Mutex, MutexGuard,
    },
};

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Mutex, MutexGuard,
};

/// `std::cell::UnsafeCell` with loom's closure-based accessors.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a mutable raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Locks a mutex, ignoring poisoning: our critical sections never leave
/// shared state half-updated when user code panics, because user code never
/// runs while one of our locks is held.
///
/// Our critical sections are a few list operations long, so a contended
/// caller first retries briefly (spinning, then yielding its time slice)
/// before it sleeps in the mutex: a futex sleep and wake-up costs far more
/// than the wait it would save. Under loom it locks at once.
#[inline]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Retries [`lock`] makes before it blocks: three after spinning (2, 4 and
/// 8 spin hints), the rest after yielding.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 10;

/// Locks a mutex if it is free, ignoring poisoning as [`lock`] does.
#[inline]
pub(crate) fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}
