//! The task cell: one allocation holding the header, the scheduler hook,
//! the future (later its output) and the join waker slot, plus the type-
//! erased vtable and the raw `Waker` over it.
#![allow(unsafe_code)] // Pointers to `Cell<F, S>` are valid while the state word's refcount is non-zero;
                       // the future/output and the join-waker slot are accessed only by the owner the
                       // state bits name (see `state.rs`).

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::state::{
    Snapshot, State, ToIdle, ToRunning, WakeAction, COMPLETE, JOIN_INTEREST, JOIN_WAKER,
};
use super::{Id, JoinError};
use crate::loom::{AtomicUsize, UnsafeCell};

/// What a task needs from the scheduler that owns it.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a task that was woken. `yielded` is true when it was woken
    /// by its own poll (it goes behind the other ready tasks).
    fn schedule(&self, task: Notified, yielded: bool);
    /// Removes a completed task from the registry; true when it was there
    /// (the registry's reference is then the caller's to drop).
    fn release(&self, task: RawTask) -> bool;
}

/// The type-erased part every task starts with.
pub(crate) struct Header {
    pub(crate) state: State,
    vtable: &'static Vtable,
    pub(crate) id: Id,
    pub(crate) name: Option<Box<str>>,
    /// Slot in the registry shard; written and read under that shard's lock.
    pub(crate) registry_key: AtomicUsize,
}

struct Vtable {
    poll: unsafe fn(NonNull<Header>),
    schedule: unsafe fn(NonNull<Header>, bool),
    cancel: unsafe fn(NonNull<Header>),
    dealloc: unsafe fn(NonNull<Header>),
    try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    drop_join_handle: unsafe fn(NonNull<Header>),
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
    join_waker: UnsafeCell<Option<Waker>>,
}

/// A non-owning pointer to a task. Copy; whoever uses it must hold a ref.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct RawTask(NonNull<Header>);

// SAFETY: the header is only touched through atomics and the protocol in
// `state.rs`; the future and output it points to are `Send`.
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only used by a holder of a reference, so the
        // allocation is alive.
        unsafe { self.0.as_ref() }
    }

    /// Aborts the task: drops its future now if nobody is polling it,
    /// otherwise asks the poller to.
    pub(crate) fn cancel(self) {
        // SAFETY: the caller holds a reference; the vtable matches the cell.
        unsafe { (self.header().vtable.cancel)(self.0) }
    }

    /// Drops one reference held by the caller.
    pub(crate) fn drop_ref(self) {
        if self.header().state.ref_dec(1) {
            // SAFETY: that was the last reference.
            unsafe { (self.header().vtable.dealloc)(self.0) }
        }
    }

    /// # Safety
    /// `dst` must point to a `Poll<Result<T, JoinError>>` where `T` is the
    /// task's output type, and the caller must be the `JoinHandle`.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.header().vtable.try_read_output)(self.0, dst, waker) }
    }

    /// Called once by the `JoinHandle` when it is dropped (its ref goes).
    pub(crate) fn drop_join_handle(self) {
        // SAFETY: the caller is the `JoinHandle` and gives up its reference.
        unsafe { (self.header().vtable.drop_join_handle)(self.0) }
    }
}

/// A task in a run queue: owns one reference.
pub(crate) struct Notified(RawTask);

impl Notified {
    /// Polls (or cancels) the task; the reference is consumed.
    pub(crate) fn run(self) {
        let raw = ManuallyDrop::new(self).0;
        // SAFETY: we hand our `Notified` reference to `poll`.
        unsafe { (raw.header().vtable.poll)(raw.0) }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.0
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        self.0.drop_ref();
    }
}

impl std::fmt::Debug for Notified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Notified({:?})", self.0.header().id)
    }
}

/// Allocates a task. The state starts with `refs` references: the returned
/// `Notified`, the `JoinHandle` and, when `registered`, the registry's.
pub(crate) fn allocate<F, S>(
    future: F,
    scheduler: S,
    id: Id,
    name: Option<Box<str>>,
    registered: bool,
) -> (Notified, RawTask)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let refs = 2 + registered as usize;
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(refs),
            vtable: vtable::<F, S>(),
            id,
            name,
            registry_key: AtomicUsize::new(usize::MAX),
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
        join_waker: UnsafeCell::new(None),
    });
    let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
    (Notified(RawTask(ptr)), RawTask(ptr))
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    struct V<F, S>(PhantomData<(F, S)>);
    impl<F, S> V<F, S>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        const VTABLE: Vtable = Vtable {
            poll: poll::<F, S>,
            schedule: schedule::<F, S>,
            cancel: cancel::<F, S>,
            dealloc: dealloc::<F, S>,
            try_read_output: try_read_output::<F, S>,
            drop_join_handle: drop_join_handle::<F, S>,
        };
    }
    &V::<F, S>::VTABLE
}

/// # Safety
/// `ptr` must point to a live `Cell<F, S>`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: `Cell` is `repr(C)` with the header first; the caller
    // guarantees the cell is alive for the use.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: called once, when the last reference is gone; the cell was
    // allocated by `Box` in `allocate`.
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // Dropping a leftover future or output must not unwind into the waker
    // or queue code that released the last reference.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(cell)));
}

unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>, yielded: bool) {
    // SAFETY: the caller holds a reference, which it hands to the `Notified`.
    let cell = unsafe { cell::<F, S>(ptr) };
    cell.scheduler.schedule(Notified(RawTask(ptr)), yielded);
}

thread_local! {
    static CURRENT: std::cell::Cell<Option<RawTask>> = const { std::cell::Cell::new(None) };
}

/// The task being polled on this thread, if any. The pointer is valid for
/// the duration of the poll.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Header>) -> R) -> R {
    CURRENT.with(|c| match c.get() {
        // The poller holds a reference while `CURRENT` is set.
        Some(raw) => f(Some(raw.header())),
        None => f(None),
    })
}

unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the caller's `Notified` reference keeps the cell alive.
    let cell = unsafe { cell::<F, S>(ptr) };
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
    // A waker that borrows the poller's reference instead of taking one.
    // SAFETY: the vtable's functions accept this header pointer, and the
    // reference we hold outlives the `ManuallyDrop` waker.
    let waker = ManuallyDrop::new(unsafe {
        Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &WAKER_VTABLE))
    });
    let mut cx = Context::from_waker(&waker);
    let prev = CURRENT.with(|c| c.replace(Some(RawTask(ptr))));
    let res = catch_unwind(AssertUnwindSafe(|| {
        cell.stage.with_mut(|stage| {
            // SAFETY: we hold `RUNNING`, so we own the stage; the future is
            // never moved out of the cell while it is `Running`.
            match unsafe { &mut *stage } {
                // SAFETY: the future stays in the cell until it is dropped
                // in place (pinned for its whole life).
                Stage::Running(fut) => unsafe { Pin::new_unchecked(fut) }.poll(&mut cx),
                _ => unreachable!("a running task has its future"),
            }
        })
    }));
    CURRENT.with(|c| c.set(prev));
    match res {
        Ok(Poll::Pending) => match cell.header.state.transition_to_idle() {
            ToIdle::Idle(last) => {
                if last {
                    // SAFETY: that was the last reference.
                    unsafe { dealloc::<F, S>(ptr) };
                }
            }
            ToIdle::Resubmit => cell.scheduler.schedule(Notified(RawTask(ptr)), true),
            ToIdle::Cancel => cancel_now::<F, S>(ptr, 1),
        },
        Ok(Poll::Ready(out)) => {
            set_stage(cell, Stage::Finished(Ok(out)));
            complete::<F, S>(ptr, 1);
        }
        Err(payload) => {
            let err = JoinError::panic(cell.header.id, payload);
            set_stage(cell, Stage::Finished(Err(err)));
            complete::<F, S>(ptr, 1);
        }
    }
}

/// Replaces the stage, dropping the old one (a future or output) and
/// catching a panic from its destructor. Returns that panic, if any.
fn set_stage<F: Future, S>(cell: &Cell<F, S>, new: Stage<F>) -> Option<Box<dyn Any + Send>> {
    // SAFETY: callers own the stage (they hold `RUNNING`, or the task is
    // `COMPLETE` and they are the `JoinHandle`).
    let old = cell
        .stage
        .with_mut(|s| unsafe { std::ptr::replace(s, new) });
    catch_unwind(AssertUnwindSafe(move || drop(old))).err()
}

/// Drops the future of a task whose `RUNNING` bit the caller holds, stores
/// the cancellation error and completes. `refs` are the caller's references
/// to release.
///
/// Takes the task pointer, not a `&Cell`: completing may free the cell, and
/// no reference to it may be live (as an argument) when that happens.
fn cancel_now<F, S>(ptr: NonNull<Header>, refs: usize)
where
    F: Future,
    S: Schedule,
{
    {
        // SAFETY: the caller holds `RUNNING` and a reference (or borrows one).
        let cell = unsafe { cell::<F, S>(ptr) };
        let id = cell.header.id;
        let err = match set_stage(cell, Stage::Consumed) {
            None => JoinError::cancelled(id),
            Some(payload) => JoinError::panic(id, payload),
        };
        set_stage(cell, Stage::Finished(Err(err)));
    }
    complete::<F, S>(ptr, refs);
}

/// Publishes completion, wakes the `JoinHandle`, leaves the registry and
/// releases `refs` references. `ptr` is the task's own pointer (with the
/// allocation's provenance: one re-derived from `&cell.header` could not
/// free it).
fn complete<F, S>(ptr: NonNull<Header>, refs: usize)
where
    F: Future,
    S: Schedule,
{
    let last = {
        // SAFETY: the caller holds `RUNNING` and a reference.
        let cell = unsafe { cell::<F, S>(ptr) };
        let prev: Snapshot = cell.header.state.transition_to_complete();
        if !prev.has(JOIN_INTEREST) {
            set_stage(cell, Stage::Consumed);
        } else if prev.has(JOIN_WAKER) {
            cell.join_waker.with(|w| {
                // SAFETY: `JOIN_WAKER` was set when we set `COMPLETE`, so the
                // handle can no longer write the slot; we only read it.
                if let Some(w) = unsafe { &*w } {
                    w.wake_by_ref();
                }
            });
        }
        let released = cell.scheduler.release(RawTask(ptr)) as usize;
        cell.header.state.ref_dec(refs + released)
    };
    if last {
        // SAFETY: that was the last reference and no reference to the cell
        // is live any more.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

unsafe fn cancel<F, S>(ptr: NonNull<Header>)
where
    F: Future,
    S: Schedule,
{
    // SAFETY: the caller holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_cancelled() {
        cancel_now::<F, S>(ptr, 0);
    }
}

unsafe fn try_read_output<F: Future, S>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker) {
    // SAFETY: the caller (the `JoinHandle`) holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    if !can_read_output(cell, waker) {
        return;
    }
    // SAFETY: `COMPLETE` is set and we are the `JoinHandle`: the stage is ours.
    let stage = cell
        .stage
        .with_mut(|s| unsafe { std::ptr::replace(s, Stage::Consumed) });
    let out = match stage {
        Stage::Finished(out) => out,
        _ => panic!("JoinHandle polled after it returned Ready"),
    };
    // SAFETY: the caller guarantees `dst` has this type.
    unsafe { *(dst as *mut Poll<Result<F::Output, JoinError>>) = Poll::Ready(out) };
}

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

unsafe fn drop_join_handle<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the caller (the `JoinHandle`) holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.drop_join_interest() {
        Err(()) => {
            // Complete: the output is ours to drop.
            set_stage(cell, Stage::Consumed);
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

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

fn header<'a>(data: *const ()) -> &'a Header {
    // SAFETY: wakers are only built over live task headers and each holds
    // (or borrows from its poller) a reference.
    unsafe { &*(data as *const Header) }
}

/// The task pointer a waker carries (keeping the allocation's provenance).
fn task_ptr(data: *const ()) -> NonNull<Header> {
    NonNull::new(data as *mut Header).expect("waker over a null task")
}

unsafe fn waker_clone(data: *const ()) -> RawWaker {
    header(data).state.ref_inc();
    RawWaker::new(data, &WAKER_VTABLE)
}

unsafe fn waker_wake(data: *const ()) {
    let h = header(data);
    let ptr = task_ptr(data);
    match h.state.wake_by_val() {
        WakeAction::Nothing => {}
        // SAFETY: our reference moves into the `Notified`.
        WakeAction::Submit => unsafe { (h.vtable.schedule)(ptr, false) },
        // SAFETY: that was the last reference.
        WakeAction::Dealloc => unsafe { (h.vtable.dealloc)(ptr) },
    }
}

unsafe fn waker_wake_by_ref(data: *const ()) {
    let h = header(data);
    if h.state.wake_by_ref() == WakeAction::Submit {
        // SAFETY: the transition took a new reference for the `Notified`.
        unsafe { (h.vtable.schedule)(task_ptr(data), false) }
    }
}

unsafe fn waker_drop(data: *const ()) {
    RawTask(task_ptr(data)).drop_ref();
}

/// Reads the flag bits (for `task::all`).
pub(crate) fn flags(raw: RawTask) -> usize {
    raw.header().state.flags()
}
