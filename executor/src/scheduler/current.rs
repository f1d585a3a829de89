//! The current-thread scheduler: tasks run on the thread inside
//! `block_on`. Wake-ups from other threads go to a locked injector and
//! unpark the driver the `block_on` thread sleeps on.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::queue::Inject;
use super::{Common, WorkerMetrics, WorkerStats};
use crate::loom::{lock, AtomicBool, Counter, Mutex, Ordering::*};
use crate::task::{Notified, RawTask, Schedule};

/// Tasks polled between looks at the injector and the driver.
const EVENT_INTERVAL: u32 = 61;

pub(crate) struct Shared {
    pub(crate) common: Common,
    inject: Inject,
    shutdown: AtomicBool,
    /// The driving thread's counts, and its local queue's length as of the
    /// last push or pop (the queue itself is out of reach while a
    /// `block_on` holds it).
    stats: WorkerStats,
    local_depth: Counter,
    /// The local queue while no `block_on` has it, and the threads waiting
    /// in `block_on` to take it over.
    core: Mutex<CoreSlot>,
}

struct CoreSlot {
    core: Option<Box<Core>>,
    /// `(id, waker)` of each `block_on` waiting for the core. Entries are
    /// told apart by id, not `Waker::will_wake` (which may report two
    /// clones of one waker as different).
    waiting: Vec<(u64, Waker)>,
    /// The last waiter id handed out (0: none yet).
    last_id: u64,
    /// Set by `drain` at shutdown: a core put back later is dropped, and
    /// nobody waits for it any more.
    closed: bool,
}

pub(super) struct Core {
    local: VecDeque<Notified>,
    tick: u32,
}

thread_local! {
    static CORE: RefCell<Option<(Arc<Shared>, Box<Core>)>> = const { RefCell::new(None) };
}

impl Shared {
    pub(crate) fn new(common: Common) -> Arc<Shared> {
        Arc::new(Shared {
            common,
            inject: Inject::new(),
            shutdown: AtomicBool::new(false),
            stats: WorkerStats::default(),
            local_depth: Counter::new(),
            core: Mutex::new(CoreSlot {
                core: Some(Box::new(Core {
                    local: VecDeque::new(),
                    tick: 0,
                })),
                waiting: Vec::new(),
                last_id: 0,
                closed: false,
            }),
        })
    }

    /// The injector's depth and the driving thread's counts.
    pub(crate) fn metrics(&self) -> (usize, Vec<WorkerMetrics>) {
        let depth = self.local_depth.get() as usize;
        (self.inject.len(), vec![self.stats.snapshot(depth)])
    }

    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        self.common.park.unpark();
    }

    pub(crate) fn drain(&self) {
        // Closing first: a wake racing with shutdown (its transition made
        // before the tasks were cancelled, its push after this drain) drops
        // its task instead of stranding it in the queue.
        drop(self.inject.close());
        let (core, waiting) = {
            let mut slot = lock(&self.core);
            slot.closed = true;
            (slot.core.take(), slot.waiting.drain(..).collect::<Vec<_>>())
        };
        drop(core);
        // Waiting `block_on`s see the shutdown and go on without the core.
        waiting.into_iter().for_each(|(_, w)| w.wake());
    }

    /// Puts the core back and wakes the `block_on`s waiting for it; after
    /// `drain` (the runtime shut down meanwhile) drops it instead, with its
    /// queued tasks.
    fn put_core(&self, core: Box<Core>) {
        let (waiting, stale) = {
            let mut slot = lock(&self.core);
            if slot.closed {
                (Vec::new(), Some(core))
            } else {
                slot.core = Some(core);
                (slot.waiting.drain(..).collect::<Vec<_>>(), None)
            }
        };
        drop(stale);
        waiting.into_iter().for_each(|(_, w)| w.wake());
    }

    /// Takes the core, or registers `waker` to hear when it comes back
    /// (not after shutdown: it never will). `id` is the caller's waiter id,
    /// handed out on its first registration (0 until then); a waiter
    /// registers once, however often it asks.
    fn take_core(&self, id: &mut u64, waker: &Waker) -> Option<Box<Core>> {
        let mut slot = lock(&self.core);
        let core = slot.core.take();
        if core.is_none() && !slot.closed && !slot.waiting.iter().any(|(i, _)| *i == *id) {
            if *id == 0 {
                slot.last_id += 1;
                *id = slot.last_id;
            }
            let entry = (*id, waker.clone());
            slot.waiting.push(entry);
        }
        core
    }

    /// A `block_on` that stops waiting takes its waker back out.
    fn forget_waiter(&self, id: u64) {
        if id == 0 {
            return;
        }
        let stale = {
            let mut slot = lock(&self.core);
            let at = slot.waiting.iter().position(|(i, _)| *i == id);
            at.map(|at| slot.waiting.swap_remove(at))
        };
        // Dropped with the lock released.
        drop(stale);
    }

    fn is_closed(&self) -> bool {
        lock(&self.core).closed
    }

    #[cfg(all(test, loom))]
    pub(super) fn take_core_waiting(&self, id: &mut u64, waker: &Waker) -> Option<Box<Core>> {
        self.take_core(id, waker)
    }

    #[cfg(all(test, loom))]
    pub(super) fn take_core_for_test(&self) -> Option<Box<Core>> {
        lock(&self.core).core.take()
    }

    #[cfg(all(test, loom))]
    pub(super) fn put_core_for_test(&self, core: Box<Core>) {
        self.put_core(core)
    }

    #[cfg(all(test, loom))]
    pub(super) fn waiting_for_test(&self) -> usize {
        lock(&self.core).waiting.len()
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified, _yielded: bool) {
        // A hint only: a push that misses the flag lands in the injector,
        // which `drain` closes, or in the core, which `drain` or a later
        // `put_core` drops.
        if self.shutdown.load(Acquire) {
            drop(task);
            return;
        }
        let task = CORE.with(|c| {
            let Ok(mut c) = c.try_borrow_mut() else {
                return Some(task);
            };
            match c.as_mut() {
                Some((shared, core)) if Arc::ptr_eq(shared, self) => {
                    core.local.push_back(task);
                    self.local_depth.set(core.local.len() as u64);
                    None
                }
                _ => Some(task),
            }
        });
        if let Some(task) = task {
            let _ = self.inject.push(task);
            self.common.park.unpark();
        }
    }

    fn release(&self, task: RawTask) -> bool {
        self.common.registry.remove(task)
    }

    fn unhandled_panic(&self, id: crate::task::Id, name: Option<&str>, message: &str) {
        self.common.unhandled_panic(id, name, message);
    }
}

struct MainWaker {
    woken: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Release);
        self.shared.common.park.unpark();
    }
}

/// Runs `future` on this thread, driving the runtime's tasks while it
/// holds the core. When another thread's `block_on` has the core, this one
/// polls its own future meanwhile and takes the core over as soon as it is
/// put back (tokio behaves the same). After shutdown the core is gone and
/// the future is simply polled here.
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> F::Output {
    let future = std::pin::pin!(future);
    // The common case, the core is free: no waiter to set up.
    let free = lock(&shared.core).core.take();
    if let Some(core) = free {
        return drive(shared, core, future);
    }
    wait_for_core(shared, future)
}

/// `block_on` while another thread holds the core: poll the future here,
/// and take the core over when it is put back.
fn wait_for_core<F: Future>(shared: &Arc<Shared>, mut future: Pin<&mut F>) -> F::Output {
    let tw = super::ThreadWaker::new();
    let waker = Waker::from(tw.clone());
    let mut cx = Context::from_waker(&waker);
    // However this call ends, its waker leaves the waiting list.
    struct Forget<'a>(&'a Shared, u64);
    impl Drop for Forget<'_> {
        fn drop(&mut self) {
            self.0.forget_waiter(self.1);
        }
    }
    let mut forget = Forget(shared, 0);
    loop {
        if let Some(core) = shared.take_core(&mut forget.1, &waker) {
            drop(forget);
            return drive(shared, core, future);
        }
        if let Poll::Ready(v) = crate::coop::budgeted(|| future.as_mut().poll(&mut cx)) {
            return v;
        }
        if shared.is_closed() {
            // Shut down: no core will come back; the future goes on alone.
            drop(forget);
            return super::park_thread_block_on(future);
        }
        tw.wait();
    }
}

/// True on the thread that holds `shared`'s core (inside its `block_on`).
pub(crate) fn holds_core_of(shared: &Arc<Shared>) -> bool {
    CORE.with(|c| {
        c.try_borrow()
            .map(|c| c.as_ref().is_some_and(|(s, _)| Arc::ptr_eq(s, shared)))
            // Borrowed: we are inside this thread's scheduler code.
            .unwrap_or(true)
    })
}

/// Drives the tasks with `core` until `future` is ready. At shutdown the
/// core goes back (to be dropped by `drain`) and the future is polled on
/// its own, instead of spinning over tasks that will never run again.
fn drive<F: Future>(shared: &Arc<Shared>, core: Box<Core>, mut future: Pin<&mut F>) -> F::Output {
    CORE.with(|c| *c.borrow_mut() = Some((shared.clone(), core)));
    // Put the core back even if the future panics.
    struct Restore<'a>(&'a Arc<Shared>);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            if let Some((_, core)) = CORE.with(|c| c.borrow_mut().take()) {
                self.0.put_core(core);
            }
        }
    }
    let restore = Restore(shared);

    let main = Arc::new(MainWaker {
        woken: AtomicBool::new(true),
        shared: shared.clone(),
    });
    let waker = Waker::from(main.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        // When the main future wakes itself while polled (`yield_now`), the
        // tasks ready at that moment run before it is polled again, as a
        // yielding task goes behind them (`time::advance` relies on it).
        let mut before_main = 0;
        if main.woken.swap(false, AcqRel) {
            if let Poll::Ready(v) = crate::coop::budgeted(|| future.as_mut().poll(&mut cx)) {
                return v;
            }
            if main.woken.load(Acquire) {
                before_main =
                    CORE.with(|c| c.borrow().as_ref().map_or(0, |(_, core)| core.local.len()));
            }
        }
        if shared.shutdown.load(Acquire) {
            drop(restore);
            return super::park_thread_block_on(future);
        }
        let mut ran = 0;
        while ran < EVENT_INTERVAL {
            if shared.shutdown.load(Relaxed) {
                break;
            }
            let next = CORE.with(|c| {
                let mut c = c.borrow_mut();
                let (_, core) = c.as_mut().expect("core present in block_on");
                core.tick = core.tick.wrapping_add(1);
                if core.tick % EVENT_INTERVAL == 0 {
                    if let Some(t) = shared.inject.pop() {
                        return Some(t);
                    }
                }
                let next = core.local.pop_front();
                shared.local_depth.set(core.local.len() as u64);
                next.or_else(|| shared.inject.pop())
            });
            let Some(task) = next else { break };
            let ((), spent) = crate::coop::budgeted_counting(|| task.run());
            shared.stats.polled(spent);
            ran += 1;
            if ran as usize >= before_main && main.woken.load(Relaxed) {
                break;
            }
        }
        if main.woken.load(Acquire) {
            continue;
        }
        let idle = ran < EVENT_INTERVAL
            && CORE.with(|c| {
                c.borrow()
                    .as_ref()
                    .is_some_and(|(_, core)| core.local.is_empty())
            })
            && shared.inject.is_empty();
        if idle {
            shared.stats.parks.bump();
            shared.common.park.park(None);
        } else {
            shared.common.park.park(Some(std::time::Duration::ZERO));
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;

    use super::super::{Scheduler, Strong};
    use crate::loom::lock;

    /// `block_on`s that end while another thread holds the core leave no
    /// waker behind (before, each left one until the core came back).
    #[test]
    fn waiting_block_ons_take_their_wakers_back() {
        let rt = Arc::new(Scheduler::current_thread().unwrap());
        let Strong::Current(shared) = &rt.strong else {
            unreachable!()
        };
        let shared = shared.clone();
        let release = Arc::new(AtomicBool::new(false));
        let holding = Arc::new(AtomicBool::new(false));
        let (rt2, rel2, hold2) = (rt.clone(), release.clone(), holding.clone());
        let holder = std::thread::spawn(move || {
            rt2.block_on(async move {
                hold2.store(true, SeqCst);
                while !rel2.load(SeqCst) {
                    crate::task::yield_now().await;
                }
            })
        });
        while !holding.load(SeqCst) {
            std::thread::yield_now();
        }
        for i in 0..100 {
            assert_eq!(rt.block_on(async move { i }), i);
        }
        let waiting = lock(&shared.core).waiting.len();
        release.store(true, SeqCst);
        holder.join().unwrap();
        assert_eq!(waiting, 0, "finished block_ons left their wakers");
    }
}
