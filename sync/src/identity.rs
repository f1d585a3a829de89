//! Who is calling: the current task when an executor says so, else the
//! current thread. [`RLock`](crate::RLock) records its owner this way.
//!
//! The crate knows no executor, so an executor that wants its tasks (and
//! not the threads they happen to run on) to own reentrant locks installs
//! a function returning the id of the task being polled, once, with
//! [`set_task_identity`]. `myrt`'s runtime builder does.

use std::cell::Cell;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The owner of a reentrant lock level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A plain thread (or a task under an executor with no identity hook).
    Thread(NonZeroU64),
    /// A task, by the id its executor reported.
    Task(NonZeroU64),
}

static TASK_IDENTITY: OnceLock<fn() -> Option<NonZeroU64>> = OnceLock::new();

/// Installs the executor hook that names the task being polled on this
/// thread (`None` outside a task). The first hook installed stays: a
/// process runs one kind of executor, and an owner must not change its
/// identity half way through holding a lock. Returns whether `hook` is the
/// installed one (true also if the very same function was installed
/// before; functions are compared by address, and one the compiler
/// duplicates, as Miri does, can answer `false`).
///
/// The ids must be unique among live tasks; the hook must be cheap (it
/// runs on every reentrant-lock acquisition) and must not take locks of
/// this crate.
pub fn set_task_identity(hook: fn() -> Option<NonZeroU64>) -> bool {
    let installed = *TASK_IDENTITY.get_or_init(|| hook);
    std::ptr::fn_addr_eq(installed, hook)
}

fn thread_ident() -> NonZeroU64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static IDENT: Cell<u64> = const { Cell::new(0) };
    }
    let fresh = || {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        NonZeroU64::new(n).expect("thread ident counter wrapped")
    };
    IDENT
        .try_with(|c| match NonZeroU64::new(c.get()) {
            Some(id) => id,
            None => {
                let id = fresh();
                c.set(id.get());
                id
            }
        })
        // While the thread's locals are being destroyed: a fresh ident,
        // which owns nothing (a destructor there cannot re-enter a lock it
        // took before; it can still take and release one).
        .unwrap_or_else(|_| fresh())
}

/// The identity of the caller: its task if an executor hook says it runs
/// in one, else its thread.
pub(crate) fn current() -> Owner {
    if let Some(hook) = TASK_IDENTITY.get() {
        if let Some(id) = hook() {
            return Owner::Task(id);
        }
    }
    Owner::Thread(thread_ident())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn threads_have_distinct_stable_idents() {
        let a = current();
        assert_eq!(a, current());
        let b = std::thread::spawn(current).join().unwrap();
        assert_ne!(a, b);
    }
}
