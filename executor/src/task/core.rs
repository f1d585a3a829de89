//! The task cell: one allocation holding the header, the scheduler hook,
//! the stage (the future, later its output) and the join waker slot.
//!
//! Pinning rule: the future is written into the cell once, at allocation,
//! and never leaves it. It is polled through a `Pin` of its place in the
//! cell and dropped *in that place* (`drop_in_place`), whether it
//! completed, panicked or was cancelled; the stage is never swapped out
//! with a replace or a swap while it may hold a future. The
//! output is written into the same place and either read out once by the
//! `JoinHandle` (outputs are not pinned) or dropped there.
#![allow(unsafe_code)] // The stage is touched only by the owner the state bits name (see `state.rs`).

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::raw::Vtable;
use super::state::State;
use super::{Id, JoinError};
use crate::loom::{AtomicU32, UnsafeCell};

/// The type-erased part every task starts with.
pub(crate) struct Header {
    pub(crate) state: State,
    pub(super) vtable: &'static Vtable,
    pub(crate) id: Id,
    /// The task's name, behind one more box so that the field is one
    /// pointer wide (names are rare; an unnamed task pays 8 bytes, not 16).
    pub(crate) name: Option<Box<Box<str>>>,
    /// Slot in the registry shard; written and read under that shard's lock.
    pub(crate) registry_key: AtomicU32,
    /// When it was spawned, in [`coarse_millis`] (it sits beside the key in
    /// what was one `usize`, so the header did not grow for it).
    pub(crate) spawned: u32,
}

impl Header {
    /// The task's name, if it has one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref().map(|n| &**n)
    }
}

/// A cheap millisecond clock for task ages: the coarse monotonic clock
/// (a few nanoseconds from the vDSO, resolution one scheduler tick),
/// truncated to 32 bits. Ages are `wrapping_sub`s of two readings, right
/// for anything younger than 49 days.
pub(crate) fn coarse_millis() -> u32 {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the call to fill;
        // CLOCK_MONOTONIC_COARSE exists on every Linux since 2.6.32, and on
        // an error `ts` keeps its zeroes (an age that reads as since boot,
        // never UB).
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
        (ts.tv_sec as u64)
            .wrapping_mul(1000)
            .wrapping_add(ts.tv_nsec as u64 / 1_000_000) as u32
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        EPOCH
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_millis() as u32
    }
}

/// What the cell holds: the future, then its result, then nothing.
pub(super) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// The whole allocation. `repr(C)` so a `*Header` is a `*Cell`.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) scheduler: S,
    stage: UnsafeCell<Stage<F>>,
    pub(super) join_waker: UnsafeCell<Option<Waker>>,
}

/// A caught panic payload.
pub(super) type Payload = Box<dyn Any + Send + 'static>;

impl<F: Future, S> Cell<F, S> {
    pub(super) fn new(header: Header, scheduler: S, future: F) -> Box<Self> {
        Box::new(Cell {
            header,
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
            join_waker: UnsafeCell::new(None),
        })
    }

    /// # Safety
    /// `ptr` must point to a live `Cell<F, S>` (the caller holds a
    /// reference) for as long as the returned reference is used; it is not
    /// used after the caller's reference may have been released.
    pub(super) unsafe fn from_header<'a>(ptr: NonNull<Header>) -> &'a Self {
        // SAFETY: `Cell` is `repr(C)` with the header first, so the header
        // pointer is the cell pointer; the caller keeps the cell alive.
        unsafe { ptr.cast::<Self>().as_ref() }
    }

    /// Polls the future where it lies.
    ///
    /// # Safety
    /// The caller holds `RUNNING`, so it alone owns the stage, and the stage
    /// is `Running`.
    pub(super) unsafe fn poll_future(&self, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.stage.with_mut(|stage| {
            // SAFETY: we own the stage (caller's contract).
            match unsafe { &mut *stage } {
                // SAFETY: the future never moves: it was written into the
                // cell at allocation and is dropped in place by
                // `drop_stage`, so this pin holds for its whole life.
                Stage::Running(fut) => unsafe { Pin::new_unchecked(fut) }.poll(cx),
                _ => unreachable!("a running task has its future"),
            }
        })
    }

    /// Drops the future or output *in place* and leaves the stage
    /// `Consumed`. A panic from the destructor is caught and returned; the
    /// value counts as dropped either way.
    ///
    /// # Safety
    /// The caller owns the stage: it holds `RUNNING`, or the task is
    /// `COMPLETE` and the caller is the `JoinHandle` (or the completer when
    /// nobody has join interest), or it frees the cell.
    pub(super) unsafe fn drop_stage(&self) -> Option<Payload> {
        self.stage.with_mut(|stage| {
            // SAFETY: we own the stage. `drop_in_place` runs the destructor
            // at the value's own address (Pin's drop guarantee). If it
            // unwinds, drop glue still drops the remaining fields, so the
            // old value is gone either way and the place is written over
            // without a second drop.
            let res = catch_unwind(AssertUnwindSafe(|| unsafe {
                std::ptr::drop_in_place(stage)
            }));
            // SAFETY: the place holds a dropped value; writing does not
            // drop it again.
            unsafe { std::ptr::write(stage, Stage::Consumed) };
            res.err()
        })
    }

    /// Stores the result.
    ///
    /// # Safety
    /// The caller holds `RUNNING` and the stage is `Consumed` (the future
    /// was dropped by `drop_stage`).
    pub(super) unsafe fn store_output(&self, out: Result<F::Output, JoinError>) {
        self.stage.with_mut(|stage| {
            // SAFETY: we own the stage and it holds nothing that needs a drop.
            debug_assert!(matches!(unsafe { &*stage }, Stage::Consumed));
            // SAFETY: as above.
            unsafe { std::ptr::write(stage, Stage::Finished(out)) }
        })
    }

    /// Takes the result out, leaving `Consumed`.
    ///
    /// # Panics
    /// Panics when there is no result (the handle already returned it).
    ///
    /// # Safety
    /// The task is `COMPLETE` and the caller is the `JoinHandle`.
    pub(super) unsafe fn take_output(&self) -> Result<F::Output, JoinError> {
        self.stage.with_mut(|stage| {
            // SAFETY: the stage is the caller's; checked to be `Finished`
            // before the result is read out (a result is not pinned, so
            // moving it is fine; a future is never moved here).
            if !matches!(unsafe { &*stage }, Stage::Finished(_)) {
                panic!("JoinHandle polled after it returned Ready");
            }
            // SAFETY: checked above; the place is overwritten at once, so
            // the moved-out result is not dropped twice.
            let finished = unsafe { std::ptr::read(stage) };
            // SAFETY: as above.
            unsafe { std::ptr::write(stage, Stage::Consumed) };
            match finished {
                Stage::Finished(out) => out,
                _ => unreachable!(),
            }
        })
    }
}
