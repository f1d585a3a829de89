//! The task state word: six flag bits and a reference count in one atomic.
//!
//! Invariants (each transition below keeps them):
//! - `RUNNING`: exactly one thread owns the future (polling or cancelling it).
//! - `NOTIFIED`: a `Notified` reference exists (in a queue), or the thread
//!   that holds `RUNNING` will resubmit the task when its poll returns.
//!   (It stays set on a task cancelled or completed while queued: the
//!   queued `Notified` then skips it.)
//! - `COMPLETE`: the future is gone; the stage holds the output (owned by the
//!   `JoinHandle` while `JOIN_INTEREST` is set) or nothing.
//! - `JOIN_WAKER`: the join waker slot holds a waker the completer may read;
//!   while it is clear and `COMPLETE` is clear the `JoinHandle` owns the slot.
//! - `CANCELLED`: abort was requested; whoever holds `RUNNING` drops the
//!   future instead of polling it again.
//! - The count covers: the registry, the `JoinHandle`, each `AbortHandle`,
//!   each `Waker`, the `Notified` (queue entry or running poller) and, for
//!   the length of a `schedule` call, the caller's own reference besides
//!   the new `Notified`'s (see `schedule.rs`).

use crate::loom::{AtomicUsize, Ordering::*};

pub(crate) const RUNNING: usize = 1 << 0;
pub(crate) const COMPLETE: usize = 1 << 1;
pub(crate) const NOTIFIED: usize = 1 << 2;
pub(crate) const JOIN_INTEREST: usize = 1 << 3;
pub(crate) const JOIN_WAKER: usize = 1 << 4;
pub(crate) const CANCELLED: usize = 1 << 5;
const REF_SHIFT: usize = 6;
pub(crate) const REF_ONE: usize = 1 << REF_SHIFT;
const FLAGS: usize = REF_ONE - 1;

/// A copy of the state word.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot(pub(crate) usize);

impl Snapshot {
    pub(crate) fn has(self, bit: usize) -> bool {
        self.0 & bit != 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.has(RUNNING)
    }
    pub(crate) fn is_complete(self) -> bool {
        self.has(COMPLETE)
    }
    pub(crate) fn is_notified(self) -> bool {
        self.has(NOTIFIED)
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.has(CANCELLED)
    }
    /// Neither running nor complete: a poller may claim it.
    pub(crate) fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }
    pub(crate) fn refs(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn set(self, bits: usize) -> Snapshot {
        Snapshot(self.0 | bits)
    }
    fn unset(self, bits: usize) -> Snapshot {
        Snapshot(self.0 & !bits)
    }
    fn ref_inc(self) -> Snapshot {
        Snapshot(self.0 + REF_ONE)
    }
    fn ref_dec(self) -> Snapshot {
        debug_assert!(self.refs() > 0);
        Snapshot(self.0 - REF_ONE)
    }
}

/// What `transition_to_running` found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// The caller now owns the future and should poll it.
    Poll,
    /// The caller owns the future and must cancel it (abort was requested).
    Cancel,
    /// Somebody else owns or finished the task: drop the `Notified` ref.
    /// `true` when that was the last reference.
    Skip(bool),
}

/// What `transition_to_idle` found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Parked; the `Notified` ref was released (`true`: it was the last).
    Idle(bool),
    /// Woken while running: the caller's `Notified` ref goes back to a queue.
    Resubmit,
    /// Abort requested while running: the caller still owns the future.
    Cancel,
}

/// What a wake must do after its transition.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WakeAction {
    Nothing,
    /// Put a `Notified` (holding a ref the transition provided) in a queue.
    Submit,
    /// The waker held the last ref.
    Dealloc,
}

pub(crate) struct State(AtomicUsize);

impl State {
    /// New task: notified (its first `Notified` is about to be queued), with
    /// a `JoinHandle` and `refs` references.
    pub(crate) fn new(refs: usize) -> State {
        State(AtomicUsize::new(
            NOTIFIED | JOIN_INTEREST | (refs * REF_ONE),
        ))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// Runs `f` on the current snapshot and stores the snapshot it returns
    /// (none: leave the word as it is), retrying on contention.
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, R)) -> R {
        let mut cur = self.0.load(Acquire);
        loop {
            let (next, r) = f(Snapshot(cur));
            let Some(Snapshot(next)) = next else { return r };
            match self.0.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return r,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Called by a poller holding the `Notified` ref.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|s| {
            if !s.is_idle() {
                let next = s.ref_dec();
                return (Some(next), ToRunning::Skip(next.refs() == 0));
            }
            let next = s.set(RUNNING).unset(NOTIFIED);
            if s.is_cancelled() {
                (Some(next), ToRunning::Cancel)
            } else {
                (Some(next), ToRunning::Poll)
            }
        })
    }

    /// After a `Pending` poll. On `Resubmit` a reference is added for the
    /// new `Notified`; the poller keeps its own across the `schedule` call
    /// and drops it after (the reference rule in `schedule.rs`).
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                (None, ToIdle::Cancel)
            } else if s.is_notified() {
                (Some(s.unset(RUNNING).ref_inc()), ToIdle::Resubmit)
            } else {
                let next = s.unset(RUNNING).ref_dec();
                (Some(next), ToIdle::Idle(next.refs() == 0))
            }
        })
    }

    /// Output stored: clear `RUNNING`, set `COMPLETE`. Returns the state
    /// before the change.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        prev
    }

    /// Abort or shutdown. Returns `true` when the caller now holds `RUNNING`
    /// and must cancel the future itself; otherwise the owner (if any) will.
    pub(crate) fn transition_to_cancelled(&self) -> bool {
        self.update(|s| {
            if s.is_complete() || (s.is_cancelled() && s.is_running()) {
                (None, false)
            } else if s.is_running() {
                (Some(s.set(CANCELLED)), false)
            } else {
                (Some(s.set(CANCELLED | RUNNING)), true)
            }
        })
    }

    /// A waker is consumed (it holds one ref). On `Submit` a reference is
    /// added for the `Notified`; the waker's own is dropped after the
    /// `schedule` call.
    pub(crate) fn wake_by_val(&self) -> WakeAction {
        self.update(|s| {
            if s.is_running() {
                (Some(s.set(NOTIFIED).ref_dec()), WakeAction::Nothing)
            } else if s.is_complete() || s.is_notified() {
                let next = s.ref_dec();
                let act = if next.refs() == 0 {
                    WakeAction::Dealloc
                } else {
                    WakeAction::Nothing
                };
                (Some(next), act)
            } else {
                (Some(s.set(NOTIFIED).ref_inc()), WakeAction::Submit)
            }
        })
    }

    /// A waker is used by reference. On `Submit` a reference is added for
    /// the `Notified`; the caller's waker keeps its own.
    pub(crate) fn wake_by_ref(&self) -> WakeAction {
        self.update(|s| {
            if s.is_running() {
                if s.is_notified() {
                    (None, WakeAction::Nothing)
                } else {
                    (Some(s.set(NOTIFIED)), WakeAction::Nothing)
                }
            } else if s.is_complete() || s.is_notified() {
                (None, WakeAction::Nothing)
            } else {
                (Some(s.set(NOTIFIED).ref_inc()), WakeAction::Submit)
            }
        })
    }

    /// The `JoinHandle` stores its waker: set `JOIN_WAKER` unless complete.
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has(JOIN_INTEREST) && !s.has(JOIN_WAKER));
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.set(JOIN_WAKER)), Ok(()))
            }
        })
    }

    /// The `JoinHandle` takes back the waker slot: clear `JOIN_WAKER` unless
    /// complete.
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.unset(JOIN_WAKER)), Ok(()))
            }
        })
    }

    /// The `JoinHandle` is dropped. `Err` means the task is complete and
    /// the handle must drop the output; `Ok(true)` means the handle took the
    /// join waker slot back and must drop its waker.
    pub(crate) fn drop_join_interest(&self) -> Result<bool, ()> {
        self.update(|s| {
            if s.is_complete() {
                (None, Err(()))
            } else {
                (
                    Some(s.unset(JOIN_INTEREST | JOIN_WAKER)),
                    Ok(s.has(JOIN_WAKER)),
                )
            }
        })
    }

    /// Clears `JOIN_INTEREST` after the handle dropped a completed output.
    pub(crate) fn clear_join_interest(&self) {
        self.0.fetch_and(!JOIN_INTEREST, AcqRel);
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Relaxed);
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops `n` refs; `true` when they were the last.
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        if n == 0 {
            return false;
        }
        let prev = self.0.fetch_sub(n * REF_ONE, AcqRel);
        debug_assert!(prev >> REF_SHIFT >= n);
        prev >> REF_SHIFT == n
    }

    pub(crate) fn flags(&self) -> usize {
        self.0.load(Acquire) & FLAGS
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn run_then_idle_releases_the_notified_ref() {
        let s = State::new(2);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Idle(false));
        assert_eq!(s.load().refs(), 1);
        assert!(s.load().is_idle());
    }

    #[test]
    fn wake_while_running_resubmits() {
        let s = State::new(3);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.wake_by_ref(), WakeAction::Nothing);
        assert_eq!(s.transition_to_idle(), ToIdle::Resubmit);
        assert!(s.load().has(NOTIFIED));
        // One more for the new `Notified`; the poller drops its own after
        // the schedule call.
        assert_eq!(s.load().refs(), 4);
    }

    #[test]
    fn wake_by_val_keeps_the_wakers_ref_for_the_schedule_call() {
        let s = State::new(2);
        s.transition_to_running();
        s.transition_to_idle();
        s.ref_inc(); // a waker
        assert_eq!(s.wake_by_val(), WakeAction::Submit);
        assert_eq!(s.load().refs(), 3, "the waker's ref and the Notified's");
        assert!(!s.ref_dec(1));
    }

    #[test]
    fn wake_idle_submits_once() {
        let s = State::new(2);
        s.transition_to_running();
        s.transition_to_idle();
        assert_eq!(s.wake_by_ref(), WakeAction::Submit);
        assert_eq!(s.wake_by_ref(), WakeAction::Nothing);
        assert_eq!(s.load().refs(), 2);
    }

    #[test]
    fn cancel_idle_claims_cancel_running_defers() {
        let s = State::new(2);
        s.transition_to_running();
        assert!(!s.transition_to_cancelled());
        assert_eq!(s.transition_to_idle(), ToIdle::Cancel);
        let s = State::new(2);
        s.transition_to_running();
        s.transition_to_idle();
        assert!(s.transition_to_cancelled());
        assert!(!s.transition_to_cancelled());
    }

    #[test]
    fn join_waker_cannot_be_set_after_complete() {
        let s = State::new(2);
        s.transition_to_running();
        s.transition_to_complete();
        assert!(s.set_join_waker().is_err());
        assert!(s.drop_join_interest().is_err());
    }

    #[test]
    fn skip_when_already_complete() {
        let s = State::new(2);
        assert!(s.transition_to_cancelled());
        s.transition_to_complete();
        assert_eq!(s.transition_to_running(), ToRunning::Skip(false));
        assert!(s.ref_dec(1));
    }
}
