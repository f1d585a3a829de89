//! [`Future`], its completer [`Promise`], and [`FutureError`].
//!
//! One shared state per future, behind a `Mutex` and a `Condvar`:
//!
//! ```text
//! PENDING ──set_running──> RUNNING ──set_result / set_panic──> FINISHED
//!    │                        (cancel() now returns false)
//!    └──cancel()──> CANCELLED
//! ```
//!
//! A `Promise` may also finish a future straight from PENDING (that is how a
//! runtime task bridged with `Handle::submit` stays cancellable while it runs).
//!
//! Every way of waiting is served from the same state: blocked threads sleep
//! on the condvar (notified only when somebody sleeps, so completing a future
//! nobody waits on costs no system call), tasks and the multi-future waiters
//! of [`blocking_wait`](super::blocking_wait()) / [`blocking_as_completed`](super::blocking_as_completed())
//! register a [`Waker`] under a key they can remove again, and done callbacks
//! run once. User code (callbacks, wakers, hooks, drops of user values) never
//! runs while the state lock is held.

use std::any::Any;
use std::fmt;
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::error::{payload_str, PanicPayload};
use super::{FutureError, Promise};
use crate::loom::{lock, spin_loop, thread, AtomicU32, Condvar, Mutex, MutexGuard, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Status {
    Pending,
    Running,
    Finished,
    Cancelled,
}

impl Status {
    fn to_u32(self) -> u32 {
        self as u32
    }

    fn from_u32(v: u32) -> Status {
        match v {
            0 => Status::Pending,
            1 => Status::Running,
            2 => Status::Finished,
            _ => Status::Cancelled,
        }
    }

    pub(crate) fn is_done(self) -> bool {
        matches!(self, Status::Finished | Status::Cancelled)
    }
}

/// What a finished future holds.
pub(crate) enum Outcome<T> {
    /// Not finished (or cancelled: the status says which).
    Empty,
    Value(T),
    /// The value was moved out by `result()`.
    Taken,
    /// Boxed to keep the common outcomes small.
    Panicked(Box<Panic>),
    Broken(Arc<str>),
    /// The process running the job died before answering.
    WorkerDied(Arc<str>),
    Abandoned,
}

impl<T> Outcome<T> {
    pub(crate) fn panicked(payload: Box<dyn Any + Send + 'static>) -> Self {
        let message: Arc<str> = payload_str(&*payload).unwrap_or("Box<dyn Any>").into();
        Outcome::Panicked(Box::new(Panic {
            payload: Some(payload),
            message,
            location: None,
        }))
    }

    /// A panic reported by another process: its message and where it was
    /// raised.
    pub(crate) fn remote_panic(message: String, location: Option<String>) -> Self {
        let message: Arc<str> = message.into();
        Outcome::Panicked(Box::new(Panic {
            payload: Some(Box::new(message.to_string())),
            message,
            location: location.map(Into::into),
        }))
    }

    fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::Panicked(_) | Outcome::Broken(_) | Outcome::WorkerDied(_) | Outcome::Abandoned
        )
    }

    /// The error this outcome reports, without touching a value.
    fn error_copy(&self) -> Option<FutureError> {
        match self {
            Outcome::Panicked(panic) => Some(FutureError::Panicked(panic.message_copy())),
            Outcome::Broken(msg) => Some(FutureError::BrokenPool(msg.to_string())),
            Outcome::WorkerDied(msg) => Some(FutureError::WorkerDied(msg.to_string())),
            Outcome::Abandoned => Some(FutureError::Abandoned),
            Outcome::Empty | Outcome::Value(_) | Outcome::Taken => None,
        }
    }
}

/// A caught panic: the payload for the first taker, the message for all.
pub(crate) struct Panic {
    payload: Option<Box<dyn Any + Send + 'static>>,
    message: Arc<str>,
    /// `file:line:column`, when the panic came from another process.
    location: Option<Arc<str>>,
}

impl Panic {
    /// A payload holding the message as a `String`, for the later takers.
    fn message_copy(&self) -> PanicPayload {
        let p = PanicPayload::new(Box::new(self.message.to_string()));
        match &self.location {
            Some(at) => p.with_location(at.to_string()),
            None => p,
        }
    }
}

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send + 'static>;
type Hook = Box<dyn FnOnce() + Send + 'static>;

pub(crate) struct State<T> {
    /// Threads sleeping on the condvar.
    blocked: u32,
    outcome: Outcome<T>,
    /// Callbacks, wakers and the cancel hook: allocated on first use, so a
    /// future only ever `result()`-ed carries none of it.
    extra: Option<Box<Extra<T>>>,
}

pub(crate) struct Extra<T> {
    callbacks: Vec<Callback<T>>,
    /// Registered wakers with the key their owner can remove them by.
    wakers: Vec<(NonZeroUsize, Waker)>,
    next_key: usize,
    pub(crate) cancel_hook: Option<Hook>,
}

impl<T> State<T> {
    /// The extra part, allocated if needed.
    pub(crate) fn extra(&mut self) -> &mut Extra<T> {
        self.extra.get_or_insert_with(|| {
            Box::new(Extra {
                callbacks: Vec::new(),
                wakers: Vec::new(),
                next_key: 1,
                cancel_hook: None,
            })
        })
    }
}

/// The shared state of one future.
pub(crate) struct Core<T> {
    state: Mutex<State<T>>,
    cond: Condvar,
    /// The `Status`. PENDING → RUNNING is a lock-free CAS (a job starting
    /// wakes nobody); every move to FINISHED or CANCELLED happens with
    /// `state` locked, so a reader holding the lock sees the status change
    /// only from PENDING to RUNNING, and the outcome is in place whenever a
    /// locked reader sees a done status.
    status: AtomicU32,
}

/// Rounds of spinning/yielding before `result()` sleeps on the condvar: a
/// job on a busy pool often finishes within a few microseconds, and a
/// futex sleep plus wake-up costs more than that.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 12;
#[cfg(loom)]
const SPIN_ROUNDS: u32 = 0;

/// Anything that embeds a [`Core`]: a bare core for [`Future::pending`], or
/// a thread-pool job cell that keeps its closure in the same allocation.
pub(crate) trait Shared<T>: Send + Sync {
    fn core(&self) -> &Core<T>;
}

impl<T: Send> Shared<T> for Core<T> {
    fn core(&self) -> &Core<T> {
        self
    }
}

/// What [`complete`] hands back when the future was already done.
pub(crate) struct AlreadyDone<T>(pub(crate) Outcome<T>);

impl<T> Core<T> {
    pub(crate) fn new() -> Self {
        Core {
            state: Mutex::new(State {
                outcome: Outcome::Empty,
                blocked: 0,
                extra: None,
            }),
            cond: Condvar::new(),
            status: AtomicU32::new(Status::Pending.to_u32()),
        }
    }

    /// The status without taking the lock.
    pub(crate) fn status(&self) -> Status {
        Status::from_u32(self.status.load(Ordering::Acquire))
    }

    /// Moves the status to `to` unless `refuse(current)`; called with the
    /// state lock held (only PENDING → RUNNING can race with it).
    fn transition(&self, to: Status, refuse: impl Fn(Status) -> bool) -> bool {
        let mut current = self.status.load(Ordering::Acquire);
        loop {
            if refuse(Status::from_u32(current)) {
                return false;
            }
            match self.status.compare_exchange(
                current,
                to.to_u32(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Spins, then yields, for a short while; true once the future is done.
    fn spin_until_done(&self) -> bool {
        for round in 0..SPIN_ROUNDS {
            if self.status().is_done() {
                return true;
            }
            if round < 6 {
                for _ in 0..(1u32 << round) {
                    spin_loop();
                }
            } else {
                thread::yield_now();
            }
        }
        self.status().is_done()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State<T>> {
        lock(&self.state)
    }

    /// PENDING → RUNNING. False if the future was cancelled (or is done).
    pub(crate) fn set_running(&self) -> bool {
        match self.status.compare_exchange(
            Status::Pending.to_u32(),
            Status::Running.to_u32(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => true,
            Err(current) => Status::from_u32(current) == Status::Running,
        }
    }

    /// Blocks until done or `deadline`; returns the locked state.
    fn wait_done(
        &self,
        deadline: Option<Instant>,
    ) -> Result<MutexGuard<'_, State<T>>, FutureError> {
        self.spin_until_done();
        let mut st = self.lock();
        while !self.status().is_done() {
            match deadline {
                None => {
                    st.blocked += 1;
                    st = self.cond.wait(st).unwrap_or_else(PoisonError::into_inner);
                }
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(FutureError::Timeout);
                    }
                    st.blocked += 1;
                    st = self
                        .cond
                        .wait_timeout(st, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
            st.blocked -= 1;
        }
        Ok(st)
    }
}

/// Moves the result out of a done state.
fn take_result<T>(status: Status, st: &mut State<T>) -> Result<T, FutureError> {
    if status == Status::Cancelled {
        return Err(FutureError::Cancelled);
    }
    match std::mem::replace(&mut st.outcome, Outcome::Taken) {
        Outcome::Value(v) => Ok(v),
        Outcome::Panicked(mut panic) => {
            let err = match panic.payload.take() {
                Some(p) => {
                    let p = PanicPayload::new(p);
                    match &panic.location {
                        Some(at) => FutureError::Panicked(p.with_location(at.to_string())),
                        None => FutureError::Panicked(p),
                    }
                }
                None => FutureError::Panicked(panic.message_copy()),
            };
            st.outcome = Outcome::Panicked(panic);
            Err(err)
        }
        other @ (Outcome::Broken(_) | Outcome::WorkerDied(_) | Outcome::Abandoned) => {
            let err = other.error_copy();
            st.outcome = other;
            Err(err.unwrap_or(FutureError::Abandoned))
        }
        Outcome::Taken | Outcome::Empty => Err(FutureError::AlreadyTaken),
    }
}

fn cloned_result<T: Clone>(status: Status, st: &State<T>) -> Result<T, FutureError> {
    if status == Status::Cancelled {
        return Err(FutureError::Cancelled);
    }
    match &st.outcome {
        Outcome::Value(v) => Ok(v.clone()),
        Outcome::Taken | Outcome::Empty => Err(FutureError::AlreadyTaken),
        other => Err(other.error_copy().unwrap_or(FutureError::Abandoned)),
    }
}

/// How [`complete`] ends a future.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// FINISHED with the outcome.
    Finish,
    /// CANCELLED if still PENDING; runs the cancel hook.
    Cancel,
    /// CANCELLED even if RUNNING; the producer cancels, so no hook.
    ProducerCancel,
}

/// Finishes (or cancels) the future behind `shared`, then wakes every waiter
/// and runs the callbacks and, for a cancel, the cancel hook.
///
/// Gives the outcome back if the future was already done (or, for
/// [`End::Cancel`], already running).
pub(crate) fn complete<T>(
    shared: &Arc<dyn Shared<T>>,
    end: End,
    outcome: Outcome<T>,
) -> Result<(), AlreadyDone<T>> {
    let core = shared.core();
    let mut st = core.lock();
    let cancel = end != End::Finish;
    let to = if cancel {
        Status::Cancelled
    } else {
        Status::Finished
    };
    let moved = core.transition(to, |current| {
        current.is_done() || (end == End::Cancel && current != Status::Pending)
    });
    if !moved {
        return Err(AlreadyDone(outcome));
    }
    st.outcome = outcome;
    let notify = st.blocked > 0;
    let extra = st.extra.take();
    drop(st);

    if notify {
        core.cond.notify_all();
    }
    let Some(extra) = extra else {
        return Ok(());
    };
    let Extra {
        callbacks,
        wakers,
        cancel_hook,
        ..
    } = *extra;
    for (_, waker) in wakers {
        waker.wake();
    }
    if let Some(hook) = cancel_hook {
        if end == End::Cancel {
            // A panicking hook must not stop the callbacks.
            let _ = catch_unwind(AssertUnwindSafe(hook));
        }
    }
    if !callbacks.is_empty() {
        let fut = Future {
            inner: Arc::clone(shared),
            key: None,
        };
        for cb in callbacks {
            let _ = catch_unwind(AssertUnwindSafe(|| cb(&fut)));
        }
    }
    Ok(())
}

/// A handle to the eventual result of a job: Python's
/// `concurrent.futures.Future`, usable from threads *and* tasks.
///
/// A `Future` is created by [`Executor::submit`](super::Executor::submit)
/// (or by [`Future::pending`] for code that completes it itself). It moves
/// PENDING → RUNNING → FINISHED, or PENDING → CANCELLED.
///
/// # Taking the value
///
/// `Future<T>` is a cheap handle: [`Clone`] it to share it between threads
/// and tasks; every clone sees the same state. Waiting never needs `T:
/// Clone`: [`result`](Future::result), [`result_timeout`](Future::result_timeout)
/// and `.await` **move** the value out, so it is handed out once; a later
/// call on any clone gets [`FutureError::AlreadyTaken`]. Errors are not
/// consumed: every caller sees `Cancelled`, `Panicked` (the first caller gets
/// the original payload, later ones the message as a `String`), or
/// `BrokenPool`. To read a value several times use
/// [`result_cloned`](Future::result_cloned) (`T: Clone`), or share an
/// `Arc<U>` as `T`.
///
/// Dropping a `Future` does not cancel the job (call
/// [`cancel`](Future::cancel) for that).
///
/// # Cancel safety
///
/// Awaiting is cancel safe: dropping an unfinished `.await` only removes
/// that task's wake-up registration. The job keeps running and its value
/// stays in the future for the next `.await` or `result()`.
///
/// # Examples
///
/// ```
/// use myrt_executor::concurrent::{Executor, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new();
/// let fut = pool.submit(|| 6 * 7).unwrap();
/// assert_eq!(fut.result().unwrap(), 42);
/// assert!(fut.done());
/// ```
pub struct Future<T> {
    inner: Arc<dyn Shared<T>>,
    /// Our registration in the waker list, if any.
    key: Option<NonZeroUsize>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future {
            inner: Arc::clone(&self.inner),
            key: None,
        }
    }
}

impl<T> Drop for Future<T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.unregister(key);
        }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.inner.core().status();
        f.debug_struct("Future").field("state", &status).finish()
    }
}

impl<T: Send + 'static> Future<T> {
    /// A new PENDING future and the [`Promise`] that completes it.
    ///
    /// This is the building block for executors and bridges: run the job
    /// somewhere, call [`Promise::set_running`] when it starts (or skip that
    /// to keep the future cancellable while it runs), then
    /// [`Promise::set_result`]. Register [`Promise::on_cancel`] to learn
    /// about a [`cancel`](Future::cancel).
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::Future;
    ///
    /// let (fut, promise) = Future::pending();
    /// std::thread::spawn(move || {
    ///     if promise.set_running() {
    ///         let _ = promise.set_result("hello");
    ///     }
    /// });
    /// assert_eq!(fut.result().unwrap(), "hello");
    /// ```
    pub fn pending() -> (Future<T>, Promise<T>) {
        let inner: Arc<dyn Shared<T>> = Arc::new(Core::<T>::new());
        (
            Future {
                inner: Arc::clone(&inner),
                key: None,
            },
            Promise::new(inner),
        )
    }

    /// A future that is already FINISHED with `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::Future;
    ///
    /// let fut = Future::ready(1);
    /// assert!(fut.done());
    /// assert_eq!(fut.result().unwrap(), 1);
    /// ```
    pub fn ready(value: T) -> Future<T> {
        let core = Core::<T>::new();
        {
            let mut st = core.lock();
            st.outcome = Outcome::Value(value);
            core.status
                .store(Status::Finished.to_u32(), Ordering::Release);
        }
        Future {
            inner: Arc::new(core),
            key: None,
        }
    }
}

impl<T> Future<T> {
    pub(crate) fn from_shared(inner: Arc<dyn Shared<T>>) -> Self {
        Future { inner, key: None }
    }

    fn status(&self) -> Status {
        self.inner.core().status()
    }

    /// Whether the future is FINISHED or CANCELLED.
    pub fn done(&self) -> bool {
        self.status().is_done()
    }

    /// Whether the job is running now (and so can no longer be cancelled).
    pub fn running(&self) -> bool {
        self.status() == Status::Running
    }

    /// Whether the future was cancelled.
    pub fn cancelled(&self) -> bool {
        self.status() == Status::Cancelled
    }

    /// Whether the future finished with an error (a panic, a broken pool or
    /// an abandoned promise). False while not done and for a cancelled
    /// future: that is what [`ReturnWhen::FirstException`](super::ReturnWhen)
    /// looks for.
    pub fn failed(&self) -> bool {
        let st = self.inner.core().lock();
        self.status() == Status::Finished && st.outcome.is_failure()
    }

    /// Cancels the future if it is still PENDING.
    ///
    /// Returns `true` if the future is now cancelled (also when it already
    /// was), `false` if it is running or finished. Cancelling wakes every
    /// waiter, runs the done callbacks and the producer's
    /// [`on_cancel`](Promise::on_cancel) hook.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::{Future, FutureError};
    ///
    /// let (fut, promise) = Future::<u8>::pending();
    /// assert!(fut.cancel());
    /// assert!(fut.done() && fut.cancelled());
    /// assert!(!promise.set_running());
    /// assert!(matches!(fut.result(), Err(FutureError::Cancelled)));
    /// ```
    pub fn cancel(&self) -> bool {
        match complete(&self.inner, End::Cancel, Outcome::Empty) {
            Ok(()) => true,
            Err(_) => self.cancelled(),
        }
    }

    /// Calls `f` with this future once it is done.
    ///
    /// If the future is already done, `f` runs at once on this thread;
    /// otherwise it runs on the thread that finishes or cancels the future.
    /// Callbacks run in the order they were added. A panicking callback is
    /// caught (the panic hook still reports it); it does not affect the
    /// future or the other callbacks.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::Future;
    /// use std::sync::mpsc;
    ///
    /// let (fut, promise) = Future::pending();
    /// let (tx, rx) = mpsc::channel();
    /// fut.add_done_callback(move |f| tx.send(f.result().unwrap()).unwrap());
    /// promise.set_result(5).unwrap();
    /// assert_eq!(rx.recv().unwrap(), 5);
    /// ```
    pub fn add_done_callback<F>(&self, f: F)
    where
        F: FnOnce(&Future<T>) + Send + 'static,
    {
        let mut st = self.inner.core().lock();
        if !self.status().is_done() {
            st.extra().callbacks.push(Box::new(f));
            return;
        }
        drop(st);
        let _ = catch_unwind(AssertUnwindSafe(|| f(self)));
    }

    /// Blocks this thread until the future is done, then moves its value
    /// out.
    ///
    /// Do not call this from async code: `.await` the future instead.
    ///
    /// # Errors
    ///
    /// [`FutureError::Cancelled`], [`FutureError::Panicked`],
    /// [`FutureError::BrokenPool`], [`FutureError::Abandoned`], or
    /// [`FutureError::AlreadyTaken`] if the value was taken before.
    pub fn result(&self) -> Result<T, FutureError> {
        self.result_deadline(None)
    }

    /// Like [`result`](Future::result), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`FutureError::Timeout`] if the future is not done in time; the
    /// future is left as it was and can be waited for again. Otherwise the
    /// errors of [`result`](Future::result).
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::{Future, FutureError};
    /// use std::time::Duration;
    ///
    /// let (fut, promise) = Future::pending();
    /// let err = fut.result_timeout(Duration::from_millis(1)).unwrap_err();
    /// assert!(matches!(err, FutureError::Timeout));
    /// promise.set_result(3).unwrap();
    /// assert_eq!(fut.result_timeout(Duration::from_secs(1)).unwrap(), 3);
    /// ```
    pub fn result_timeout(&self, timeout: Duration) -> Result<T, FutureError> {
        self.result_deadline(Instant::now().checked_add(timeout))
    }

    pub(crate) fn result_deadline(&self, deadline: Option<Instant>) -> Result<T, FutureError> {
        let mut st = self.inner.core().wait_done(deadline)?;
        take_result(self.status(), &mut st)
    }

    /// Blocks until done, then returns a clone of the value, leaving it in
    /// place for other callers.
    ///
    /// # Errors
    ///
    /// As [`result`](Future::result).
    pub fn result_cloned(&self) -> Result<T, FutureError>
    where
        T: Clone,
    {
        let st = self.inner.core().wait_done(None)?;
        cloned_result(self.status(), &st)
    }

    /// The result if the future is done, without blocking; `None` if not.
    pub fn try_result(&self) -> Option<Result<T, FutureError>> {
        let mut st = self.inner.core().lock();
        if self.status().is_done() {
            Some(take_result(self.status(), &mut st))
        } else {
            None
        }
    }

    /// Blocks until done and returns the error the future ended with, or
    /// `None` if it finished with a value (Python `Future.exception()`).
    ///
    /// Does not take the value.
    pub fn exception(&self) -> Option<FutureError> {
        match self.exception_timeout_inner(None) {
            Ok(e) => e,
            Err(e) => Some(e),
        }
    }

    /// Like [`exception`](Future::exception), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`FutureError::Timeout`] if the future is not done in time.
    pub fn exception_timeout(&self, timeout: Duration) -> Result<Option<FutureError>, FutureError> {
        self.exception_timeout_inner(Instant::now().checked_add(timeout))
    }

    fn exception_timeout_inner(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Option<FutureError>, FutureError> {
        let st = self.inner.core().wait_done(deadline)?;
        if self.status() == Status::Cancelled {
            return Ok(Some(FutureError::Cancelled));
        }
        Ok(st.outcome.error_copy())
    }

    /// Whether `self` and `other` are handles to the same future.
    pub fn same_future(&self, other: &Future<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Registers `waker` to be woken when the future is done, replacing this
    /// handle's earlier registration. Returns `true` (and registers nothing)
    /// if the future is already done.
    pub(crate) fn register(&mut self, waker: &Waker) -> bool {
        let mut st = self.inner.core().lock();
        if self.status().is_done() {
            self.key = None;
            return true;
        }
        let extra = st.extra();
        if let Some(key) = self.key {
            if let Some(slot) = extra.wakers.iter_mut().find(|(k, _)| *k == key) {
                if slot.1.will_wake(waker) {
                    return false;
                }
                let old = std::mem::replace(&mut slot.1, waker.clone());
                drop(st);
                drop(old);
                return false;
            }
        }
        let key = NonZeroUsize::new(extra.next_key).unwrap_or(NonZeroUsize::MIN);
        extra.next_key = extra.next_key.wrapping_add(1).max(1);
        extra.wakers.push((key, waker.clone()));
        self.key = Some(key);
        false
    }

    fn unregister(&self, key: NonZeroUsize) {
        let mut st = self.inner.core().lock();
        let Some(extra) = st.extra.as_mut() else {
            return;
        };
        if let Some(pos) = extra.wakers.iter().position(|(k, _)| *k == key) {
            let (_, waker) = extra.wakers.swap_remove(pos);
            drop(st);
            drop(waker);
        }
    }

    /// Forgets the registration of a handle whose future is known done
    /// (completion already removed it).
    pub(crate) fn clear_registration(&mut self) {
        self.key = None;
    }
}

/// `.await` a future from a task without blocking the worker thread.
///
/// The output moves the value out, as [`Future::result`] does.
///
/// # Cancel safety
///
/// Dropping the `.await` before it completes only removes this task's
/// wake-up registration; the job is not cancelled and the value stays in the
/// future for other handles.
impl<T> std::future::Future for Future<T> {
    type Output = Result<T, FutureError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.register(cx.waker()) {
            let mut st = this.inner.core().lock();
            Poll::Ready(take_result(this.status(), &mut st))
        } else {
            Poll::Pending
        }
    }
}
