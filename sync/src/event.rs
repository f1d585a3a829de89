//! `Event`: a flag that tasks and threads can wait to see set.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::blocking::block_on;
use crate::loom::{lock, AtomicBool, Mutex, Ordering};
use crate::wait_list::{Key, WaitList, Wakers};

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
/// let t = std::thread::spawn(move || r.wait_blocking());
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
    /// Each waiter's data says whether a `set` released it.
    waiters: Mutex<WaitList<bool>>,
}

impl Event {
    /// A new, clear event.
    pub fn new() -> Self {
        Event {
            flag: AtomicBool::new(false),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let wakers = {
            let mut w = lock(&self.waiters);
            self.flag.store(true, Ordering::Release);
            w.drain_with(|released| *released = true)
        };
        let mut batch = Wakers::new();
        batch.extend(wakers);
        batch.wake();
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
            key: None,
        }
    }

    /// Blocks the calling thread until the flag is set.
    pub fn wait_blocking(&self) {
        block_on(self.wait(), None).expect("no timeout");
    }

    /// Blocks the calling thread until the flag is set or `timeout` passes;
    /// returns whether it was set (Python's `Event.wait(timeout)`).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        block_on(self.wait(), Some(timeout)).is_some()
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
    key: Option<Key>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut w = match this.key {
            None => {
                if this.event.is_set() {
                    return Poll::Ready(());
                }
                let mut w = lock(&this.event.waiters);
                if this.event.flag.load(Ordering::Acquire) {
                    return Poll::Ready(());
                }
                this.key = Some(w.push_back(false, cx.waker()));
                return Poll::Pending;
            }
            Some(_) => lock(&this.event.waiters),
        };
        let key = this.key.expect("checked above");
        if *w.data(key) {
            w.remove(key);
            this.key = None;
            Poll::Ready(())
        } else {
            w.set_waker(key, cx.waker());
            Poll::Pending
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.event.waiters).remove(key);
        }
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("queued", &self.key.is_some())
            .finish()
    }
}
