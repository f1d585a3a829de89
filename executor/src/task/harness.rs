//! What the vtable runs: polling, completing, cancelling, reading the
//! output, dropping the join handle and freeing the cell.
//!
//! Every function takes the task pointer, not a `&Cell`: completing may
//! free the cell, and no reference to it may be live (as an argument) when
//! that happens. A `&Cell` borrowed inside is not used after the call that
//! may release the last reference (`complete`, `drop_ref`, `dealloc`).
#![allow(unsafe_code)] // Callers hold a reference (named per function); the stage is owned per `state.rs`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::core::{Cell, Header};
use super::raw::{self, Notified, RawTask};
use super::schedule::Schedule;
use super::state::{ToIdle, ToRunning, COMPLETE, JOIN_INTEREST, JOIN_WAKER};
use super::JoinError;
use std::future::Future;

/// Frees the cell, dropping whatever the stage still holds in place.
///
/// # Safety
/// Called once, when the last reference is gone; `ptr` came from
/// `raw::allocate` for these `F, S`.
pub(super) unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the cell was allocated by `Box` in `allocate` and nobody else
    // can reach it. Dropping the box drops the cell where it lies (a
    // leftover future is dropped at the address it was polled at).
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // Dropping a leftover future or output must not unwind into the waker
    // or queue code that released the last reference.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(cell)));
}

/// The vtable's `schedule`: queues a `Notified` for this task.
///
/// # Safety
/// The caller took a reference for the `Notified` *and* holds one of its
/// own until this returns (the reference rule in `schedule.rs`).
pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>, yielded: bool) {
    // SAFETY: the caller's own reference keeps the cell alive for the call.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    cell.scheduler.schedule(Notified(RawTask(ptr)), yielded);
}

/// The vtable's `poll`: runs one poll (or the cancellation) of the task.
///
/// # Safety
/// The caller hands over its `Notified` reference.
pub(super) unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the `Notified` reference keeps the cell alive until we release it.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Poll => {}
        ToRunning::Cancel => return cancel_now::<F, S>(ptr, 1),
        ToRunning::Skip(last) => {
            if last {
                // SAFETY: that was the last reference.
                unsafe { dealloc::<F, S>(ptr) };
            }
            return;
        }
    }
    // SAFETY: our reference outlives the borrowed waker (dropped at the end
    // of this block, before any release).
    let waker = unsafe { super::waker::borrowed(ptr) };
    let mut cx = Context::from_waker(&waker);
    let res = {
        let _current = raw::set_current(RawTask(ptr));
        // SAFETY: `transition_to_running` gave us `RUNNING`: the stage is ours.
        catch_unwind(AssertUnwindSafe(|| unsafe { cell.poll_future(&mut cx) }))
    };
    match res {
        Ok(Poll::Pending) => match cell.header.state.transition_to_idle() {
            ToIdle::Idle(last) => {
                if last {
                    // SAFETY: that was the last reference.
                    unsafe { dealloc::<F, S>(ptr) };
                }
            }
            ToIdle::Resubmit => {
                // The transition took a reference for the new `Notified`; ours
                // keeps the cell alive across the call, then goes.
                cell.scheduler.schedule(Notified(RawTask(ptr)), true);
                RawTask(ptr).drop_ref();
            }
            ToIdle::Cancel => cancel_now::<F, S>(ptr, 1),
        },
        Ok(Poll::Ready(out)) => {
            // SAFETY: we hold `RUNNING`; the future is dropped where it was polled.
            let (out, panicked) = match unsafe { cell.drop_stage() } {
                None => (Ok(out), None),
                Some(payload) => {
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(out)));
                    let err = JoinError::panic(cell.header.id, payload);
                    let msg = panic_note(&err);
                    (Err(err), Some(msg))
                }
            };
            // SAFETY: we hold `RUNNING` and the stage is `Consumed`.
            unsafe { cell.store_output(out) };
            complete::<F, S>(ptr, 1, panicked);
        }
        Err(payload) => {
            // SAFETY: as above. A second panic (from the drop) is dropped:
            // the first one is the task's error (and dropping that payload
            // may panic too).
            let second = unsafe { cell.drop_stage() };
            let _ = catch_unwind(AssertUnwindSafe(move || drop(second)));
            let err = JoinError::panic(cell.header.id, payload);
            let msg = panic_note(&err);
            // SAFETY: we hold `RUNNING` and the stage is `Consumed`.
            unsafe { cell.store_output(Err(err)) };
            complete::<F, S>(ptr, 1, Some(msg));
        }
    }
}

/// Drops the future of a task whose `RUNNING` bit the caller holds, stores
/// the cancellation error and completes. `refs` are the caller's references
/// to release.
fn cancel_now<F: Future, S: Schedule>(ptr: NonNull<Header>, refs: usize) {
    let panicked = {
        // SAFETY: the caller holds `RUNNING` and a reference (or borrows one).
        let cell = unsafe { Cell::<F, S>::from_header(ptr) };
        let id = cell.header.id;
        // SAFETY: we hold `RUNNING`; the future is dropped in place.
        let (err, panicked) = match unsafe { cell.drop_stage() } {
            None => (JoinError::cancelled(id), None),
            Some(payload) => {
                let err = JoinError::panic(id, payload);
                let msg = panic_note(&err);
                (err, Some(msg))
            }
        };
        // SAFETY: we hold `RUNNING` and the stage is `Consumed`.
        unsafe { cell.store_output(Err(err)) };
        panicked
    };
    complete::<F, S>(ptr, refs, panicked);
}

/// The message of a caught panic, for the unhandled-panic report.
fn panic_note(err: &JoinError) -> String {
    err.panic_message()
        .unwrap_or_else(|| "a non-string panic payload".to_owned())
}

/// Leaves the registry, publishes completion, wakes the `JoinHandle` and
/// releases `refs` references. `ptr` is the task's own pointer (with the
/// allocation's provenance: one re-derived from `&cell.header` could not
/// free it). `panicked` holds the message when the task panicked: with no
/// `JoinHandle` left to see it, the scheduler is told.
fn complete<F: Future, S: Schedule>(ptr: NonNull<Header>, refs: usize, panicked: Option<String>) {
    let last = {
        // SAFETY: the caller holds `RUNNING` and a reference.
        let cell = unsafe { Cell::<F, S>::from_header(ptr) };
        // Before `COMPLETE`: whoever sees the task finished (a joiner, a
        // metrics read after the join) no longer sees it live.
        let released = cell.scheduler.release(RawTask(ptr)) as usize;
        let prev = cell.header.state.transition_to_complete();
        if !prev.has(JOIN_INTEREST) {
            // Nobody will read the output: drop it here, in place.
            // SAFETY: `COMPLETE` is set and there is no `JoinHandle`.
            drop(unsafe { cell.drop_stage() });
            if let Some(msg) = panicked {
                // We still hold our references: the hook may read the cell.
                cell.scheduler
                    .unhandled_panic(cell.header.id, cell.header.name(), &msg);
            }
        } else if prev.has(JOIN_WAKER) {
            cell.join_waker.with(|w| {
                // SAFETY: `JOIN_WAKER` was set when we set `COMPLETE`, so the
                // handle can no longer write the slot; we only read it.
                if let Some(w) = unsafe { &*w } {
                    // The join waker is foreign code: a panic from it must
                    // not skip the release below (the cell, and through its
                    // scheduler the runtime, would leak) nor unwind into the
                    // worker. It is dropped, as tokio does.
                    let _ = catch_unwind(AssertUnwindSafe(|| w.wake_by_ref()));
                }
            });
        }
        cell.header.state.ref_dec(refs + released)
    };
    if last {
        // SAFETY: that was the last reference and no reference to the cell
        // is live any more.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// The vtable's `cancel` (abort, shutdown).
///
/// # Safety
/// The caller holds a reference.
pub(super) unsafe fn cancel<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    if cell.header.state.transition_to_cancelled() {
        cancel_now::<F, S>(ptr, 0);
    }
}

/// The vtable's `try_read_output`.
///
/// # Safety
/// The caller is the `JoinHandle` (holding its reference) and `dst` points
/// to a `Poll<Result<F::Output, JoinError>>`.
pub(super) unsafe fn try_read_output<F: Future, S>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the caller (the `JoinHandle`) holds a reference.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    if !can_read_output(cell, waker) {
        return;
    }
    // SAFETY: `COMPLETE` is set and we are the `JoinHandle`: the stage is ours.
    let out = unsafe { cell.take_output() };
    // SAFETY: the caller guarantees `dst` has this type.
    unsafe { *(dst as *mut Poll<Result<F::Output, JoinError>>) = Poll::Ready(out) };
}

/// True when the task is complete; otherwise leaves `waker` (or an
/// equivalent one already there) for the completer.
fn can_read_output<F: Future, S>(cell: &Cell<F, S>, waker: &Waker) -> bool {
    let state = &cell.header.state;
    let snap = state.load();
    if snap.has(COMPLETE) {
        return true;
    }
    if snap.has(JOIN_WAKER) {
        // SAFETY: `JOIN_WAKER` is set, so the completer only reads the slot.
        let same = cell
            .join_waker
            .with(|w| unsafe { &*w }.as_ref().is_some_and(|w| w.will_wake(waker)));
        if same {
            return false;
        }
        if state.unset_join_waker().is_err() {
            return true;
        }
    }
    // `JOIN_WAKER` is clear and the task is not complete: the slot is ours.
    // SAFETY: as just said.
    cell.join_waker
        .with_mut(|w| unsafe { *w = Some(waker.clone()) });
    state.set_join_waker().is_err()
}

/// The vtable's `drop_join_handle`.
///
/// # Safety
/// The caller is the `JoinHandle` and gives up its reference.
pub(super) unsafe fn drop_join_handle<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the caller (the `JoinHandle`) holds a reference.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    match cell.header.state.drop_join_interest() {
        Err(()) => {
            // Complete: the output is ours to drop, in place.
            // SAFETY: `COMPLETE` is set and we are the `JoinHandle`.
            drop(unsafe { cell.drop_stage() });
            cell.header.state.clear_join_interest();
        }
        Ok(true) => {
            // SAFETY: we cleared `JOIN_WAKER` before `COMPLETE`: the slot is ours.
            let w = cell.join_waker.with_mut(|w| unsafe { (*w).take() });
            drop(w);
        }
        Ok(false) => {}
    }
    RawTask(ptr).drop_ref();
}
