//! Cooperative scheduling budget: a task that keeps finding its resources
//! ready yields after [`BUDGET`] operations, so it cannot starve the other
//! tasks on its worker.
//!
//! Leaf futures (I/O resources, timers, `JoinHandle`) call [`poll_budget`]
//! before doing work. Outside a runtime worker there is no budget.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may perform per poll before it is made to yield.
pub const BUDGET: u32 = 128;

/// `LEFT` when there is no budget (outside a worker).
const UNLIMITED: u32 = u32::MAX;
/// `LEFT` once a leaf future has been refused for want of budget: like 0,
/// but it also tells [`budgeted_counting`] that the task was made to yield.
const SPENT: u32 = u32::MAX - 1;

thread_local! {
    static LEFT: Cell<u32> = const { Cell::new(UNLIMITED) };
}

/// Runs `f` (one poll of a task or of `block_on`'s future) with a fresh
/// budget, restoring the previous one afterwards so a budget never leaks
/// past the poll it was given for.
pub(crate) fn budgeted<R>(f: impl FnOnce() -> R) -> R {
    budgeted_counting(f).0
}

/// [`budgeted`], also telling whether the budget ran out during `f`: some
/// leaf future returned `Pending` to make the task yield (the workers count
/// these for [`Metrics`](crate::scheduler::WorkerMetrics)).
pub(crate) fn budgeted_counting<R>(f: impl FnOnce() -> R) -> (R, bool) {
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0;
            let _ = LEFT.try_with(|l| l.set(prev));
        }
    }
    let _restore = Restore(LEFT.with(|l| l.replace(BUDGET)));
    let r = f();
    (r, LEFT.with(|l| l.get()) == SPENT)
}

/// Spends one unit of the running task's budget. When it is used up this
/// wakes the task and returns `Pending`, so the caller yields; the task
/// resumes on its next turn with a new budget.
pub fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
    LEFT.with(|l| match l.get() {
        UNLIMITED => Poll::Ready(()),
        0 | SPENT => {
            l.set(SPENT);
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        n => {
            l.set(n - 1);
            Poll::Ready(())
        }
    })
}

/// How much budget the running task has left (`None`: unlimited).
pub fn remaining() -> Option<u32> {
    LEFT.with(|l| match l.get() {
        UNLIMITED => None,
        SPENT => Some(0),
        n => Some(n),
    })
}
