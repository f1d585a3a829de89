//! The multi-thread work-stealing scheduler.
//!
//! Each worker has a local ring ([`queue::Local`]) and a LIFO slot for the
//! task most recently woken by the task it is running. Spawns and wakes from
//! outside go to the global [`queue::Inject`]. An idle worker first steals
//! half of a random victim's ring; at most half the workers search at once.
//! A worker that finds nothing parks: on the shared driver if nobody else
//! holds it, otherwise on its own condition variable.
//!
//! Idle protocol (no lost wake-ups): work is published (queue push, with
//! SeqCst ordering inside the queue's atomics and locks) *before*
//! `notify_parked` reads the idle counts; a worker adds itself to the
//! sleepers *before* its last look at the queues. Whichever runs second sees
//! the other.

use std::cell::RefCell;
use std::io;
use std::sync::Arc;

use super::queue::{self, Inject, Local, Steal};
use super::{Common, Handle, WorkerMetrics, WorkerStats};
use crate::loom::{fence, lock, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering::*};
use crate::task::{Notified, RawTask, Schedule};

/// Ticks between looks at the global queue (and the driver).
const GLOBAL_INTERVAL: u32 = 61;
/// Consecutive LIFO-slot polls before the slot's task goes to the ring.
const LIFO_LIMIT: u32 = 3;
/// Most tasks a worker moves from the injector to its ring at once.
const INJECT_BATCH: usize = 32;

pub(crate) struct Shared {
    pub(crate) common: Common,
    remotes: Box<[Remote]>,
    inject: Inject,
    idle: Idle,
    shutdown: AtomicBool,
    driver: DriverSlot,
    /// Cores waiting for their worker thread to pick them up.
    cores: Mutex<Vec<Option<Box<Core>>>>,
}

struct Remote {
    steal: Steal,
    parker: Arc<Parker>,
    stats: WorkerStats,
}

struct Core {
    index: usize,
    local: Local,
    lifo: Option<Notified>,
    lifo_polls: u32,
    tick: u32,
    searching: bool,
    rand: u32,
}

impl Shared {
    pub(crate) fn new(common: Common, workers: usize) -> Arc<Shared> {
        let mut remotes = Vec::with_capacity(workers);
        let mut cores = Vec::with_capacity(workers);
        for index in 0..workers {
            let (local, steal) = queue::local();
            remotes.push(Remote {
                steal,
                parker: Arc::new(Parker::new()),
                stats: WorkerStats::default(),
            });
            cores.push(Some(Box::new(Core {
                index,
                local,
                lifo: None,
                lifo_polls: 0,
                tick: 0,
                searching: false,
                rand: (index as u32).wrapping_mul(0x9E37_79B9) | 1,
            })));
        }
        let park = common.park.clone();
        Arc::new(Shared {
            common,
            remotes: remotes.into_boxed_slice(),
            inject: Inject::new(),
            idle: Idle::new(workers),
            shutdown: AtomicBool::new(false),
            driver: DriverSlot {
                taken: AtomicBool::new(false),
                park,
            },
            cores: Mutex::new(cores),
        })
    }

    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        for r in self.remotes.iter() {
            r.parker.unpark(&self.driver);
        }
    }

    /// Drops queued tasks after the workers have exited.
    pub(crate) fn drain(&self) {
        // Closing first: a wake racing with shutdown (its transition made
        // before the tasks were cancelled, its push after this drain) drops
        // its task instead of stranding it in the queue.
        drop(self.inject.close());
        lock(&self.cores).clear();
    }

    /// The injector's depth and each worker's counts.
    pub(crate) fn metrics(&self) -> (usize, Vec<WorkerMetrics>) {
        let workers = self.remotes.iter();
        let per_worker = workers.map(|r| r.stats.snapshot(r.steal.len())).collect();
        (self.inject.len(), per_worker)
    }

    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].parker.unpark(&self.driver);
        }
    }

    fn has_work_somewhere(&self) -> bool {
        // Pairs with the fence in `Idle::should_notify`: a worker that has
        // just registered as a sleeper, and a pusher that has just published
        // work, cannot both miss each other's write.
        fence(SeqCst);
        !self.inject.is_empty() || self.remotes.iter().any(|r| !r.steal.is_empty())
    }

    fn push_remote(&self, task: Notified) {
        // As for a local push (see `schedule`): only a push that makes the
        // injector non-empty is news. A non-empty injector was there to see
        // at the push that last found it empty, which looked for sleepers,
        // and a worker going to sleep takes a last look at it.
        if self.inject.push(task) {
            self.notify_parked();
        }
    }
}

/// A worker's scheduler and its core (the core is out while the worker parks).
type WorkerSlot = Option<(Arc<Shared>, Option<Box<Core>>)>;

thread_local! {
    /// The worker running on this thread.
    static WORKER: RefCell<WorkerSlot> = const { RefCell::new(None) };
}

/// True on a worker thread of `shared`.
pub(crate) fn is_worker_of(shared: &Arc<Shared>) -> bool {
    WORKER.with(|w| {
        w.try_borrow()
            .map(|w| w.as_ref().is_some_and(|(s, _)| Arc::ptr_eq(s, shared)))
            // Borrowed: we are inside this thread's scheduler code.
            .unwrap_or(true)
    })
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified, yielded: bool) {
        if self.shutdown.load(Acquire) {
            // The registry cancels it; queuing it now would only leak it.
            drop(task);
            return;
        }
        // Where the task went: back to us (not on one of our workers),
        // or into our core, and then whether others should hear of it.
        let placed = WORKER.with(|w| {
            let Ok(mut w) = w.try_borrow_mut() else {
                return Err(task);
            };
            let Some((shared, Some(core))) = w.as_mut() else {
                return Err(task);
            };
            if !Arc::ptr_eq(shared, self) {
                return Err(task);
            }
            // Only a push that makes the ring non-empty is news to the
            // other workers: the LIFO slot cannot be stolen, and pushes
            // onto a non-empty ring add to work that was there to see at
            // the earlier push (a worker never sleeps on its own queued
            // work, and one going to sleep takes a last look at every
            // ring, so skipping the check loses no task, only the SeqCst
            // fence and a read of the contended idle word per spawn).
            let to_ring = if yielded {
                Some(task)
            } else {
                core.lifo.replace(task)
            };
            Ok(to_ring.is_some_and(|t| {
                let was_empty = core.local.is_empty();
                // An overflow into an empty injector is news too.
                core.local.push_back(t, &self.inject) || was_empty
            }))
        });
        match placed {
            Err(task) => self.push_remote(task),
            Ok(true) => {
                if self.idle.should_notify() {
                    self.notify_parked();
                }
            }
            Ok(false) => {}
        }
    }

    fn release(&self, task: RawTask) -> bool {
        self.common.registry.remove(task)
    }

    fn unhandled_panic(&self, id: crate::task::Id, name: Option<&str>, message: &str) {
        self.common.unhandled_panic(id, name, message);
    }
}

pub(crate) fn start(
    shared: &Arc<Shared>,
    handle: &Handle,
) -> io::Result<Vec<std::thread::JoinHandle<()>>> {
    let mut threads = Vec::with_capacity(shared.remotes.len());
    for index in 0..shared.remotes.len() {
        let shared = shared.clone();
        let handle = handle.clone();
        let name = (shared.common.hooks.thread_name)();
        let t = std::thread::Builder::new()
            .name(name)
            .spawn(move || run(shared, handle, index))?;
        threads.push(t);
    }
    Ok(threads)
}

fn run(shared: Arc<Shared>, handle: Handle, index: usize) {
    let _registered = crate::threads::register(crate::threads::Role::Worker, true);
    let core = lock(&shared.cores)[index]
        .take()
        .expect("each core is taken once");
    let hooks = shared.common.hooks.clone();
    let _ctx = handle.enter_inner(true);
    drop(handle);
    let _embed = hooks.on_enter.as_ref().map(|f| f());
    if let Some(f) = &hooks.on_thread_start {
        f();
    }
    WORKER.with(|w| *w.borrow_mut() = Some((shared.clone(), Some(core))));
    worker_loop(&shared);
    // Drop the core (its queued `Notified`s) before the hooks run.
    let taken = WORKER.with(|w| w.borrow_mut().take());
    drop(taken);
    if let Some(f) = &hooks.on_thread_stop {
        f();
    }
}

fn with_core<R>(f: impl FnOnce(&mut Core) -> R) -> R {
    WORKER.with(|w| {
        let mut w = w.borrow_mut();
        let core = w
            .as_mut()
            .and_then(|(_, c)| c.as_deref_mut())
            .expect("worker core present");
        f(core)
    })
}

fn worker_loop(shared: &Arc<Shared>) {
    let stats = &shared.remotes[with_core(|core| core.index)].stats;
    loop {
        if shared.shutdown.load(Acquire) {
            return;
        }
        let maintenance = with_core(|core| {
            core.tick = core.tick.wrapping_add(1);
            core.tick % GLOBAL_INTERVAL == 0
        });
        if maintenance {
            // Before taking a task: what the driver wakes lands in this
            // worker's LIFO slot or ring, and `next_task` must see it.
            poll_driver_now(shared);
        }
        let task = with_core(|core| next_task(shared, core, maintenance));
        let task = match task {
            Some(t) => Some(t),
            None => steal(shared),
        };
        match task {
            Some(task) => {
                let was_last_searcher = with_core(|core| {
                    if core.searching {
                        core.searching = false;
                        shared.idle.stop_searching()
                    } else {
                        false
                    }
                });
                // The last searcher found work: wake another to look for
                // more. (Waking only when work is visible measured 2x slower
                // on spawn_many with 2 workers: the burst arrives while the
                // woken worker is still getting up.)
                if was_last_searcher {
                    shared.notify_parked();
                }
                let ((), spent) = crate::coop::budgeted_counting(|| task.run());
                stats.polled(spent);
            }
            None => park(shared),
        }
    }
}

fn next_task(shared: &Shared, core: &mut Core, global_first: bool) -> Option<Notified> {
    if global_first {
        // A fair share of the injector, not one task: under load the
        // driver refills this worker's ring at every maintenance, and the
        // tasks a full ring spilled into the injector (its oldest) would
        // otherwise wait for the ring to run dry. One task per 61 polls
        // there doubled p99 at 1,000 hyper connections.
        let share = shared.inject.len() / shared.remotes.len() + 1;
        if let Some(t) = shared
            .inject
            .pop_batch(&core.local, share.min(INJECT_BATCH))
        {
            return Some(t);
        }
    }
    if core.lifo_polls < LIFO_LIMIT {
        if let Some(t) = core.lifo.take() {
            core.lifo_polls += 1;
            return Some(t);
        }
    } else if let Some(t) = core.lifo.take() {
        // Starvation guard: the slot's task waits its turn in the ring.
        core.local.push_back(t, &shared.inject);
    }
    core.lifo_polls = 0;
    if let Some(t) = core.local.pop() {
        return Some(t);
    }
    // Take a fair share of the injector at once.
    let share = shared.inject.len() / shared.remotes.len() + 1;
    shared
        .inject
        .pop_batch(&core.local, share.min(INJECT_BATCH))
}

fn steal(shared: &Arc<Shared>) -> Option<Notified> {
    with_core(|core| {
        if !core.searching {
            if !shared.idle.start_searching() {
                return None;
            }
            core.searching = true;
        }
        let n = shared.remotes.len();
        core.rand ^= core.rand << 13;
        core.rand ^= core.rand >> 17;
        core.rand ^= core.rand << 5;
        let start = core.rand as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == core.index {
                continue;
            }
            if let Some(t) = shared.remotes[victim].steal.steal_into(&core.local) {
                shared.remotes[core.index].stats.steals.bump();
                return Some(t);
            }
        }
        shared.inject.pop()
    })
}

fn poll_driver_now(shared: &Shared) {
    let d = &shared.driver;
    if d.taken
        .compare_exchange(false, true, Acquire, Relaxed)
        .is_ok()
    {
        d.park.park(Some(std::time::Duration::ZERO));
        d.taken.store(false, Release);
    }
}

fn park(shared: &Arc<Shared>) {
    // Never sleep on work of our own (the LIFO slot is invisible to others).
    if with_core(|core| core.lifo.is_some() || !core.local.is_empty()) {
        return;
    }
    let (index, searching) = with_core(|core| {
        let s = core.searching;
        core.searching = false;
        (core.index, s)
    });
    let sleep = Sleep {
        idle: &shared.idle,
        parker: &shared.remotes[index].parker,
        driver: &shared.driver,
        shutdown: &shared.shutdown,
        has_work: &|| shared.has_work_somewhere(),
        notify: &|| shared.notify_parked(),
    };
    // Move the core out while parked so driver wake-ups go to the injector.
    let searching = sleep.sleep(
        index,
        searching,
        || {
            shared.remotes[index].stats.parks.bump();
            WORKER.with(|w| w.borrow_mut().as_mut().and_then(|(_, c)| c.take()))
        },
        |core| {
            WORKER.with(|w| {
                if let Some((_, slot)) = w.borrow_mut().as_mut() {
                    *slot = core;
                }
            })
        },
    );
    if searching {
        with_core(|c| c.searching = true);
    }
}

/// The sleep protocol of a worker, apart from where its core lives (the
/// loom models in `loom_park.rs` run this same code with a stand-in
/// scheduler).
pub(super) struct Sleep<'a> {
    pub(super) idle: &'a Idle,
    pub(super) parker: &'a Parker,
    pub(super) driver: &'a DriverSlot,
    pub(super) shutdown: &'a AtomicBool,
    /// Is any queue non-empty? (With the fence that pairs with
    /// `Idle::should_notify`.)
    pub(super) has_work: &'a dyn Fn() -> bool,
    /// Wakes a sleeper, if one should be woken.
    pub(super) notify: &'a dyn Fn(),
}

impl Sleep<'_> {
    /// Registers worker `index` as a sleeper, takes a last look, and parks
    /// until work, a wake-up or shutdown. `take_core` runs before the
    /// thread really sleeps and `put_core` gets its result after. Returns
    /// true when the worker wakes counted as a searcher.
    pub(super) fn sleep<C>(
        &self,
        index: usize,
        searching: bool,
        take_core: impl FnOnce() -> C,
        put_core: impl FnOnce(C),
    ) -> bool {
        let was_last_searcher = self.idle.park(index, searching);
        if was_last_searcher && (self.has_work)() {
            (self.notify)();
        }
        // Last look after registering as a sleeper (pairs with notify_parked).
        if (self.has_work)() || self.shutdown.load(SeqCst) {
            return self.idle.unpark_self(index);
        }
        let core = take_core();
        let searching = loop {
            self.parker.park(self.driver);
            if self.shutdown.load(Acquire) {
                break false;
            }
            if !self.idle.is_sleeping(index) {
                // `notify_parked` woke us and counted us as searching.
                break true;
            }
            if (self.has_work)() {
                break self.idle.unpark_self(index);
            }
        };
        put_core(core);
        searching
    }
}

/// Counts of searching and awake workers, and the list of sleepers.
pub(super) struct Idle {
    /// `searching << 16 | unparked`.
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

const UNPARKED_MASK: usize = 0xFFFF;
const SEARCH_ONE: usize = 1 << 16;

impl Idle {
    pub(super) fn new(workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(workers),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers,
        }
    }

    /// Cheap check before `worker_to_notify`: nobody searching and someone asleep.
    fn should_notify(&self) -> bool {
        // See `Shared::has_work_somewhere`.
        fence(SeqCst);
        let s = self.state.load(SeqCst);
        s >> 16 == 0 && s & UNPARKED_MASK < self.workers
    }

    /// Picks a sleeper to wake, counting it as awake and searching.
    pub(super) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        if !self.should_notify() {
            return None;
        }
        let index = sleepers.pop()?;
        self.state.fetch_add(SEARCH_ONE + 1, SeqCst);
        Some(index)
    }

    pub(super) fn start_searching(&self) -> bool {
        let s = self.state.load(SeqCst);
        if 2 * (s >> 16) >= self.workers {
            return false;
        }
        self.state.fetch_add(SEARCH_ONE, SeqCst);
        true
    }

    /// Returns true when this was the last searcher.
    pub(super) fn stop_searching(&self) -> bool {
        let prev = self.state.fetch_sub(SEARCH_ONE, SeqCst);
        prev >> 16 == 1
    }

    /// Registers `index` as asleep. Returns true when it was the last searcher.
    fn park(&self, index: usize, searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = 1 + if searching { SEARCH_ONE } else { 0 };
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(index);
        searching && prev >> 16 == 1
    }

    fn is_sleeping(&self, index: usize) -> bool {
        lock(&self.sleepers).contains(&index)
    }

    /// A sleeper that found work itself takes itself off the list. Returns
    /// true when someone had already woken it and counted it as searching:
    /// it keeps that role (and so, as the last searcher to find work, wakes
    /// the next one), instead of dropping it and cutting the chain.
    fn unpark_self(&self, index: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        if let Some(pos) = sleepers.iter().position(|&i| i == index) {
            sleepers.swap_remove(pos);
            self.state.fetch_add(1, SeqCst);
            false
        } else {
            true
        }
    }
}

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The shared driver and who holds it.
pub(crate) struct DriverSlot {
    pub(crate) taken: AtomicBool,
    pub(crate) park: Arc<dyn crate::park::Park>,
}

/// One worker's parker: sleeps on the shared driver when it can take it,
/// otherwise on its own condition variable.
pub(crate) struct Parker {
    state: AtomicUsize,
    mutex: Mutex<()>,
    cv: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            mutex: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// Sleeps until `unpark` (a wake-up sent before this call counts).
    pub(crate) fn park(&self, driver: &DriverSlot) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if driver
            .taken
            .compare_exchange(false, true, Acquire, Relaxed)
            .is_ok()
        {
            if self
                .state
                .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                .is_ok()
            {
                driver.park.park(None);
            }
            // A read-modify-write, not a store: if `unpark` swapped in
            // `NOTIFIED`, this acquires its write (and what it published
            // before it), which a plain store would not.
            self.state.swap(EMPTY, SeqCst);
            driver.taken.store(false, Release);
            return;
        }
        let mut g = lock(&self.mutex);
        if self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
            .is_err()
        {
            // Consume the `NOTIFIED` that beat us here (synchronizing with it).
            self.state.swap(EMPTY, SeqCst);
            return;
        }
        loop {
            g = match self.cv.wait(g) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Wakes the parked worker, or makes its next `park` return at once.
    pub(crate) fn unpark(&self, driver: &DriverSlot) {
        match self.state.swap(NOTIFIED, SeqCst) {
            PARKED_CONDVAR => {
                drop(lock(&self.mutex));
                self.cv.notify_one();
            }
            PARKED_DRIVER => driver.park.unpark(),
            _ => {}
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("multi::Shared")
            .field("workers", &self.remotes.len())
            .finish()
    }
}
