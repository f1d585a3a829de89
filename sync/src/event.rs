//! `Event`: a flag that tasks and threads can wait to see set.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::blocking::{block_on, deadline_after};
use crate::loom::{lock, try_lock, AtomicBool, AtomicU64, Mutex, Ordering};
use crate::wait_list::{Key, WaitList};

/// A flag that starts clear; [`wait`](Event::wait) returns once it is set.
/// Like asyncio's and threading's `Event`, usable from both sides.
///
/// [`set`](Event::set) wakes every current waiter; a waiter woken by `set`
/// returns even if the flag was cleared again before it ran. Waiters that
/// arrive after [`clear`](Event::clear) wait for the next `set`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use myrt_sync::Event;
///
/// let ready = Arc::new(Event::new());
/// let r = ready.clone();
/// let t = std::thread::spawn(move || r.blocking_wait());
/// ready.set();
/// t.join().unwrap();
/// assert!(ready.is_set());
///
/// async fn task(ready: &Event) {
///     ready.wait().await;
/// }
/// ```
pub struct Event {
    flag: AtomicBool,
    /// Bumped (under the lock) by every `set`, which also detaches the whole
    /// waiter list: a waiter that sees a generation other than the one it
    /// queued in knows it was released, without taking the lock, and must
    /// not touch its slot (its key means nothing any more). 64 bits on
    /// every target, so it never comes round again.
    generation: AtomicU64,
    waiters: Mutex<WaitList<()>>,
}

impl Event {
    /// A new, clear event.
    pub fn new() -> Self {
        Event {
            flag: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let mut released = {
            let mut w = lock(&self.waiters);
            self.flag.store(true, Ordering::Release);
            if w.is_empty() {
                return;
            }
            self.generation.fetch_add(1, Ordering::Release);
            // O(1) under the lock: the released waiters know from the
            // generation that they are out and never touch the list again.
            w.detach()
        };
        for waker in released.drain_wakers() {
            waker.wake();
        }
        // Hand the allocation back for the next round of waiters, unless
        // someone holds the lock.
        if let Some(mut w) = try_lock(&self.waiters) {
            w.recycle(released);
        }
    }

    /// Clears the flag; later waiters wait for the next [`set`](Self::set).
    pub fn clear(&self) {
        let _w = lock(&self.waiters);
        self.flag.store(false, Ordering::Release);
    }

    /// Waits until the flag is set; returns at once if it already is.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped waiter leaves the queue. A `set` reaches every
    /// waiter, so there is nothing to pass on.
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            queued: None,
            waker: WakerId::NONE,
        }
    }

    /// [`wait`](Self::wait) from a plain thread: blocks until the flag is
    /// set.
    #[doc(alias = "wait")]
    pub fn blocking_wait(&self) {
        block_on(self.wait(), None).expect("no deadline");
    }

    /// Blocks the calling thread until the flag is set or `timeout` passes;
    /// returns whether it was set (Python's `Event.wait(timeout)`). A
    /// timeout of [`TIMEOUT_MAX`](crate::TIMEOUT_MAX) or more waits forever.
    #[doc(alias = "wait")]
    pub fn blocking_wait_timeout(&self, timeout: Duration) -> bool {
        block_on(self.wait(), deadline_after(timeout)).is_some()
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish()
    }
}

/// Future of [`Event::wait`].
#[must_use = "futures do nothing unless polled"]
pub struct EventWait<'a> {
    event: &'a Event,
    /// Our slot and the generation we queued in.
    queued: Option<(Key, u64)>,
    /// Identity of the waker stored in our slot: a re-poll with the same
    /// waker needs no lock.
    waker: WakerId,
}

impl EventWait<'_> {
    /// Whether a `set` released us (and freed our slot).
    fn released(&self, gen: u64, order: Ordering) -> bool {
        self.event.generation.load(order) != gen
    }
}

/// What [`Waker::will_wake`] compares (data and vtable addresses), kept
/// without a clone of the waker. A comparison only counts if the waiter is
/// still queued afterwards: then the slot held the waker it was taken from
/// throughout, so its addresses cannot have been reused.
#[derive(Clone, Copy, PartialEq, Eq)]
struct WakerId(usize, usize);

impl WakerId {
    const NONE: WakerId = WakerId(0, 0);

    fn of(waker: &Waker) -> WakerId {
        WakerId(
            waker.data() as usize,
            std::ptr::from_ref(waker.vtable()) as usize,
        )
    }
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        match this.queued {
            None => {
                if this.event.is_set() {
                    return Poll::Ready(());
                }
                let waker = cx.waker().clone(); // outside the lock
                let mut w = lock(&this.event.waiters);
                if this.event.flag.load(Ordering::Acquire) {
                    return Poll::Ready(());
                }
                let key = w.push_back((), waker);
                let gen = this.event.generation.load(Ordering::Relaxed);
                this.queued = Some((key, gen));
                drop(w);
                this.waker = WakerId::of(cx.waker());
                Poll::Pending
            }
            Some((key, gen)) => {
                // Compare first, then check the generation: if we are still
                // queued after the comparison, the slot's waker was alive
                // during it, so equal addresses mean the same waker.
                let same = this.waker == WakerId::of(cx.waker());
                if this.released(gen, Ordering::Acquire) {
                    this.queued = None;
                    return Poll::Ready(());
                }
                if same {
                    // Still queued with this very waker: `set` will wake it.
                    return Poll::Pending;
                }
                let mut w = lock(&this.event.waiters);
                if this.released(gen, Ordering::Relaxed) {
                    this.queued = None;
                    return Poll::Ready(());
                }
                w.set_waker(key, cx.waker());
                drop(w);
                this.waker = WakerId::of(cx.waker());
                Poll::Pending
            }
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        let Some((key, gen)) = self.queued.take() else {
            return;
        };
        if self.released(gen, Ordering::Acquire) {
            return; // `set` freed the slot
        }
        let mut w = lock(&self.event.waiters);
        if !self.released(gen, Ordering::Relaxed) {
            w.remove(key);
        }
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("queued", &self.queued.is_some())
            .finish()
    }
}
