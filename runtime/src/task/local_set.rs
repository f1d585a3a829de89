//! `!Send` tasks: [`spawn_local`] and [`LocalSet`].
//!
//! A [`LocalSet`] is a small scheduler that runs its tasks on the one
//! thread polling it. [`LocalSet::run_until`] drives a future together
//! with the set's tasks; inside it (and inside those tasks),
//! [`spawn_local`] adds a task that need not be `Send`. Every
//! `Runtime::block_on` (so `#[myrt::main]`, `#[myrt::test]` and
//! `myrt::run`) already runs its future in a fresh `LocalSet`, so
//! `spawn_local` works there on either runtime flavor; local tasks run on
//! the thread that called `block_on`, between polls of its future.
//!
//! Only ids cross threads: a local task's waker (which may be sent
//! anywhere, to a timer or a socket) puts its id on a shared ready list and
//! wakes whoever polls the set; the futures themselves never leave the
//! set's thread.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use slab::Slab;

use crate::loom::{lock, AtomicBool, Mutex, Ordering};
use crate::task::{Id, JoinError};

/// Local tasks polled per poll of [`RunUntil`] before it yields, so a busy
/// set cannot starve the future it runs beside (or the runtime).
const BUDGET: usize = 61;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
}

/// A set of `!Send` tasks run on the thread that polls it (tokio's
/// `task::LocalSet`; asyncio runs everything on one thread, so every
/// asyncio task is "local").
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use myrt::task::{spawn_local, LocalSet};
///
/// let rt = myrt::runtime::Builder::new_multi_thread().build().unwrap();
/// let local = LocalSet::new();
/// let n = rt.block_on(local.run_until(async {
///     let shared = Rc::new(5); // not Send
///     let s = shared.clone();
///     spawn_local(async move { *s * 2 }).await.unwrap()
/// }));
/// assert_eq!(n, 10);
/// ```
pub struct LocalSet {
    inner: Rc<Inner>,
}

struct Inner {
    tasks: RefCell<Slab<Entry>>,
    shared: Arc<Shared>,
}

struct Entry {
    /// Taken out while the task is polled (the box moves, not the future).
    future: Option<Pin<Box<dyn Future<Output = ()>>>>,
    wake: Arc<TaskWaker>,
    waker: Waker,
    control: Rc<dyn Control>,
}

/// What a local task's waker may touch from any thread.
struct Shared {
    ready: Mutex<VecDeque<usize>>,
    has_ready: AtomicBool,
    /// The waker of whoever polls the set.
    driver: Mutex<Option<Waker>>,
}

impl Shared {
    fn push(&self, key: usize) {
        lock(&self.ready).push_back(key);
        self.has_ready.store(true, Ordering::Release);
        let w = lock(&self.driver).clone();
        if let Some(w) = w {
            w.wake();
        }
    }
}

struct TaskWaker {
    shared: Arc<Shared>,
    key: usize,
    /// Set while the id is on the ready list, so repeated wakes queue once.
    queued: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.shared.push(self.key);
        }
    }
}

/// The shared state of a local task and its [`LocalJoinHandle`].
struct Slot<T> {
    id: Id,
    output: Option<Result<T, JoinError>>,
    /// The join handle's waker.
    waker: Option<Waker>,
    handle_alive: bool,
    abort: bool,
    done: bool,
}

type Payload = Box<dyn std::any::Any + Send + 'static>;

/// What the set needs from a task's [`Slot`], whatever its output type.
trait Control {
    fn aborted(&self) -> bool;
    /// The task ended without an output: cancelled (`None`) or panicked.
    fn end(&self, panic: Option<Payload>);
}

impl<T> Control for RefCell<Slot<T>> {
    fn aborted(&self) -> bool {
        self.borrow().abort
    }

    fn end(&self, panic: Option<Payload>) {
        let id = self.borrow().id;
        let detached_panic = match panic {
            Some(p) => {
                let detached = !self.borrow().handle_alive;
                let err = JoinError::__panic(id, p);
                let note = detached.then(|| err.to_string());
                finish(self, Err(err));
                note
            }
            None => {
                finish(self, Err(JoinError::__cancelled(id)));
                None
            }
        };
        if let Some(note) = detached_panic {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "myrt: detached local task {id:?} panicked: {note}"
            );
        }
    }
}

/// Stores the task's result (the first one wins) and wakes its handle.
fn finish<T>(slot: &RefCell<Slot<T>>, out: Result<T, JoinError>) {
    let waker = {
        let mut s = slot.borrow_mut();
        if s.done {
            return;
        }
        s.done = true;
        if s.handle_alive {
            s.output = Some(out);
        }
        s.waker.take()
    };
    if let Some(w) = waker {
        w.wake();
    }
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            inner: Rc::new(Inner {
                tasks: RefCell::new(Slab::new()),
                shared: Arc::new(Shared {
                    ready: Mutex::new(VecDeque::new()),
                    has_ready: AtomicBool::new(false),
                    driver: Mutex::new(None),
                }),
            }),
        }
    }

    /// Adds a task to this set; it runs when the set is next polled (by
    /// [`run_until`](Self::run_until) or by awaiting the set).
    pub fn spawn_local<F>(&self, future: F) -> LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs `future` with this set's tasks beside it on the calling
    /// thread, until `future` completes; [`spawn_local`] works inside.
    /// Tasks still running then stay in the set (and run again at the next
    /// `run_until`, or are dropped with the set).
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops `future`; the set's tasks are
    /// untouched.
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil { set: self, future }
    }

    /// Runs `future` on `rt` with this set, like
    /// `rt.block_on(set.run_until(future))`.
    pub fn block_on<F: Future>(&self, rt: &crate::runtime::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// The number of tasks in the set.
    pub fn len(&self) -> usize {
        self.inner.tasks.borrow().len()
    }

    /// Whether the set has no tasks.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.len())
            .finish()
    }
}

/// Awaiting a set runs its tasks until none is left.
///
/// # Cancel safety
///
/// Dropping the future leaves the remaining tasks in the set.
impl Future for &LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let inner = &self.inner;
        *lock(&inner.shared.driver) = Some(cx.waker().clone());
        let _cur = enter(inner);
        if inner.run_ready(cx) {
            return Poll::Pending;
        }
        if inner.tasks.borrow().is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // Drop the futures with the set current (their destructors may
        // spawn_local; those are dropped too), each in its own box.
        let _cur = enter(&self.inner);
        loop {
            let entries: Vec<Entry> = self.inner.tasks.borrow_mut().drain().collect();
            if entries.is_empty() {
                break;
            }
            for e in entries {
                drop(e.future);
                e.control.end(None);
            }
        }
    }
}

/// Makes `inner` the current set until the guard drops.
fn enter(inner: &Rc<Inner>) -> impl Drop {
    struct Restore(Option<Rc<Inner>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
        }
    }
    Restore(CURRENT.with(|c| c.borrow_mut().replace(inner.clone())))
}

impl Inner {
    fn spawn<F>(self: &Rc<Self>, future: F) -> LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = Id::__next();
        let slot = Rc::new(RefCell::new(Slot {
            id,
            output: None,
            waker: None,
            handle_alive: true,
            abort: false,
            done: false,
        }));
        let s = slot.clone();
        let task = async move {
            let out = future.await;
            finish(&s, Ok(out));
        };
        let wake = {
            let mut tasks = self.tasks.borrow_mut();
            let entry = tasks.vacant_entry();
            let wake = Arc::new(TaskWaker {
                shared: self.shared.clone(),
                key: entry.key(),
                queued: AtomicBool::new(false),
            });
            entry.insert(Entry {
                future: Some(Box::pin(task)),
                waker: Waker::from(wake.clone()),
                wake: wake.clone(),
                control: slot.clone(),
            });
            wake
        };
        // The first run: as if woken.
        wake.wake_by_ref();
        LocalJoinHandle { slot, wake }
    }

    /// Runs up to [`BUDGET`] ready tasks; true if some are still ready
    /// (then `cx` was woken to come back).
    fn run_ready(self: &Rc<Self>, cx: &mut Context<'_>) -> bool {
        for _ in 0..BUDGET {
            if !self.shared.has_ready.load(Ordering::Acquire) {
                return false;
            }
            let key = {
                let mut ready = lock(&self.shared.ready);
                let k = ready.pop_front();
                if ready.is_empty() {
                    self.shared.has_ready.store(false, Ordering::Release);
                }
                k
            };
            match key {
                Some(key) => self.run_one(key),
                None => return false,
            }
        }
        if self.shared.has_ready.load(Ordering::Acquire) {
            cx.waker().wake_by_ref();
            return true;
        }
        false
    }

    fn run_one(self: &Rc<Self>, key: usize) {
        let (mut future, waker, control) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(e) = tasks.get_mut(key) else { return };
            let Some(f) = e.future.take() else { return };
            // A wake from here on queues the task again.
            e.wake.queued.store(false, Ordering::Release);
            (f, e.waker.clone(), e.control.clone())
        };
        if control.aborted() {
            drop(future);
            self.tasks.borrow_mut().try_remove(key);
            control.end(None);
            return;
        }
        let mut cx = Context::from_waker(&waker);
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
            Ok(Poll::Pending) => {
                if let Some(e) = self.tasks.borrow_mut().get_mut(key) {
                    e.future = Some(future);
                }
            }
            Ok(Poll::Ready(())) => {
                drop(future);
                self.tasks.borrow_mut().try_remove(key);
            }
            Err(payload) => {
                // The future is dropped where it was polled, in its box.
                let second = catch_unwind(AssertUnwindSafe(move || drop(future)));
                drop(second);
                self.tasks.borrow_mut().try_remove(key);
                control.end(Some(payload));
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A future run with a [`LocalSet`]'s tasks beside it; made by
    /// [`LocalSet::run_until`].
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the inner future; the set's tasks stay.
    #[must_use = "futures do nothing unless polled"]
    pub struct RunUntil<'a, F> {
        set: &'a LocalSet,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let inner = &this.set.inner;
        {
            let mut d = lock(&inner.shared.driver);
            if !d.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *d = Some(cx.waker().clone());
            }
        }
        let _cur = enter(inner);
        if let Poll::Ready(v) = this.future.poll(cx) {
            return Poll::Ready(v);
        }
        inner.run_ready(cx);
        Poll::Pending
    }
}

/// A handle to a local task, from [`spawn_local`]: await it for the
/// output, like [`JoinHandle`](crate::task::JoinHandle). Dropping it
/// detaches the task.
pub struct LocalJoinHandle<T> {
    slot: Rc<RefCell<Slot<T>>>,
    wake: Arc<TaskWaker>,
}

impl<T> LocalJoinHandle<T> {
    /// Cancels the task: its future is dropped the next time the set runs,
    /// and the handle yields a cancelled [`JoinError`] (unless it finished
    /// first).
    pub fn abort(&self) {
        self.slot.borrow_mut().abort = true;
        self.wake.wake_by_ref();
    }

    /// Whether the task has ended.
    pub fn is_finished(&self) -> bool {
        self.slot.borrow().done
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.slot.borrow().id
    }
}

/// # Cancel safety
///
/// Dropping the handle detaches the task; it keeps running.
impl<T> Future for LocalJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.slot.borrow_mut();
        if let Some(out) = s.output.take() {
            return Poll::Ready(out);
        }
        assert!(!s.done, "LocalJoinHandle polled after it returned Ready");
        if !s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            s.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T> Drop for LocalJoinHandle<T> {
    fn drop(&mut self) {
        let mut s = self.slot.borrow_mut();
        s.handle_alive = false;
        s.output = None;
    }
}

impl<T> fmt::Debug for LocalJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalJoinHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// [`spawn_local`] was called where no [`LocalSet`] runs (a `Send` task
/// spawned with `myrt::spawn`, or a plain thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoLocalSet(());

impl fmt::Display for NoLocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "spawn_local outside a LocalSet: call it inside block_on's future, \
             a local task, or LocalSet::run_until (not from a task made with myrt::spawn)",
        )
    }
}

impl std::error::Error for NoLocalSet {}

/// Spawns a `!Send` task on the current [`LocalSet`]: the one running
/// `Runtime::block_on`'s future (every `block_on` provides one) or an
/// explicit [`LocalSet::run_until`]. It runs on that thread, between polls
/// of the set's own future.
///
/// tokio: `task::spawn_local`; asyncio: `create_task` (every asyncio task
/// is local to its loop's thread).
///
/// # Panics
///
/// Outside a `LocalSet` (e.g. inside a task made with `myrt::spawn`, which
/// may move between threads); [`checked_spawn_local`] is the twin.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// myrt::run(async {
///     let hits = Rc::new(Cell::new(0));
///     let h = hits.clone();
///     myrt::task::spawn_local(async move { h.set(h.get() + 1) }).await.unwrap();
///     assert_eq!(hits.get(), 1);
/// });
/// ```
#[track_caller]
#[doc(alias = "create_task")]
pub fn spawn_local<F>(future: F) -> LocalJoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match checked_spawn_local(future) {
        Ok(h) => h,
        Err(e) => panic!("{e}"),
    }
}

/// [`spawn_local`] that returns an error outside a [`LocalSet`].
///
/// # Errors
///
/// [`NoLocalSet`] when no set runs on this thread.
#[doc(alias = "try_spawn_local")]
pub fn checked_spawn_local<F>(future: F) -> Result<LocalJoinHandle<F::Output>, NoLocalSet>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let inner = CURRENT
        .try_with(|c| c.borrow().clone())
        .ok()
        .flatten()
        .ok_or(NoLocalSet(()))?;
    Ok(inner.spawn(future))
}
