//! What a task needs from the scheduler that owns it.

use super::raw::{Notified, RawTask};

/// The scheduler hook stored in every task cell.
///
/// Reference rule: every call into `schedule` is made by a caller that
/// holds its *own* reference to the task for the whole call, besides the
/// one the `Notified` carries. Once the `Notified` is on a queue another
/// worker may run the task to completion and drop the queue's reference at
/// once; `self` lives inside the task cell, so without the caller's
/// reference the rest of `schedule` (an unpark, a counter) would touch
/// freed memory. `harness::schedule` and the resubmit path in
/// `harness::poll` keep the rule; the loom models' schedulers touch `self`
/// after pushing so that a regression is seen.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a task that was woken. `yielded` is true when it was woken
    /// by its own poll (it goes behind the other ready tasks).
    fn schedule(&self, task: Notified, yielded: bool);
    /// Removes a finishing task from the registry; true when it was there
    /// (the registry's reference is then the caller's to drop). Called
    /// before the task is marked complete, so a joined task is never live.
    fn release(&self, task: RawTask) -> bool;
    /// A task whose `JoinHandle` was gone panicked with `message`: nobody
    /// else will see it. Called once, after the task completed, by a caller
    /// holding a reference to the task.
    fn unhandled_panic(&self, id: super::Id, name: Option<&str>, message: &str) {
        let _ = (id, name, message);
    }
}
