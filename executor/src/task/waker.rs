//! The raw `Waker` over a task header.
//!
//! An owned waker holds one task reference. The waker a poll hands to the
//! future borrows the poller's reference instead (it is `ManuallyDrop` and
//! never outlives the poll); cloning it takes a reference of its own.
#![allow(unsafe_code)] // Wakers are only built over live headers, each holding or borrowing a reference.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::core::Header;
use super::raw::RawTask;
use super::state::WakeAction;

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

/// A waker that borrows the caller's reference to the task.
///
/// # Safety
/// `ptr` is a live task header and the caller holds a reference to it for
/// as long as the returned waker is used.
pub(super) unsafe fn borrowed(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    // SAFETY: the vtable's functions accept this header pointer (caller's
    // contract); `ManuallyDrop` keeps the borrowed waker from releasing a
    // reference it does not own.
    ManuallyDrop::new(unsafe {
        Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &WAKER_VTABLE))
    })
}

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
        WakeAction::Submit => {
            // SAFETY: the transition took a reference for the `Notified`;
            // the waker's own reference keeps the task alive across the
            // scheduler call (the reference rule in `schedule.rs`) and is
            // dropped after it.
            unsafe { (h.vtable.schedule)(ptr, false) };
            RawTask(ptr).drop_ref();
        }
        // SAFETY: that was the last reference.
        WakeAction::Dealloc => unsafe { (h.vtable.dealloc)(ptr) },
    }
}

unsafe fn waker_wake_by_ref(data: *const ()) {
    let h = header(data);
    if h.state.wake_by_ref() == WakeAction::Submit {
        // SAFETY: the transition took a new reference for the `Notified`;
        // the waker the caller lends us holds (or borrows) another for the
        // whole call.
        unsafe { (h.vtable.schedule)(task_ptr(data), false) }
    }
}

unsafe fn waker_drop(data: *const ()) {
    RawTask(task_ptr(data)).drop_ref();
}
