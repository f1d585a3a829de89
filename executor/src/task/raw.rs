//! Type-erased handles to a task: the vtable, [`RawTask`] (a non-owning
//! pointer) and [`Notified`] (a run-queue entry owning one reference).
#![allow(unsafe_code)] // A `RawTask` is used only by a holder of one of the task's references.

use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::Waker;

use super::core::{Cell, Header};
use super::harness;
use super::schedule::Schedule;
use super::state::State;
use super::Id;
use crate::loom::AtomicU32;

/// One per `(future, scheduler)` type pair.
pub(crate) struct Vtable {
    pub(super) poll: unsafe fn(NonNull<Header>),
    pub(super) schedule: unsafe fn(NonNull<Header>, bool),
    pub(super) cancel: unsafe fn(NonNull<Header>),
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    pub(super) drop_join_handle: unsafe fn(NonNull<Header>),
}

/// A non-owning pointer to a task. Copy; whoever uses it must hold a ref.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct RawTask(pub(super) NonNull<Header>);

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
            // SAFETY: that was the last reference; nobody else can reach the cell.
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

    /// The flag bits (for `task::all`).
    pub(crate) fn flags(self) -> usize {
        self.header().state.flags()
    }
}

/// A task in a run queue: owns one reference.
pub(crate) struct Notified(pub(super) RawTask);

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
    let header = Header {
        state: State::new(refs),
        vtable: vtable::<F, S>(),
        id,
        name: name.map(Box::new),
        registry_key: AtomicU32::new(u32::MAX),
        spawned: super::core::coarse_millis(),
    };
    let cell = Cell::new(header, scheduler, future);
    // The future is in its final place now: the cell is never moved, only
    // freed (by `harness::dealloc`).
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
            poll: harness::poll::<F, S>,
            schedule: harness::schedule::<F, S>,
            cancel: harness::cancel::<F, S>,
            dealloc: harness::dealloc::<F, S>,
            try_read_output: harness::try_read_output::<F, S>,
            drop_join_handle: harness::drop_join_handle::<F, S>,
        };
    }
    &V::<F, S>::VTABLE
}

thread_local! {
    static CURRENT: std::cell::Cell<Option<RawTask>> = const { std::cell::Cell::new(None) };
}

/// Marks `task` as the one being polled on this thread until the guard drops.
pub(super) fn set_current(task: RawTask) -> CurrentGuard {
    CurrentGuard(CURRENT.with(|c| c.replace(Some(task))))
}

/// Restores the previously current task (also when a poll unwinds).
pub(super) struct CurrentGuard(Option<RawTask>);

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
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
