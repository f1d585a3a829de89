//! The reactor: mio `Poll` plus the timer wheel.
//!
//! [`Driver`] is what an idle worker parks on (it implements the executor's
//! [`Park`]): each `park` computes how long it may sleep from the next timer
//! deadline, polls mio, hands readiness to the registered resources and
//! fires the timers that are due. [`Handle`] is the cheap, shareable side
//! that resources and timers use to register themselves; a thread-local
//! "current handle" (set by [`Handle::enter`]) is how `TcpStream::connect`
//! or `sleep` find their driver.
//!
//! # Implementation
//!
//! - Unparking goes through a `mio::Waker` (an eventfd on Linux), written
//!   only when the driver thread is polling: an awake one just finds the
//!   wake-up recorded at its next park ([`wake::WakeWord`]).
//! - While parked, the driver publishes the wheel time it will wake at; a
//!   timer inserted earlier than that unparks it, so a new short timer is
//!   never delayed by a long poll.
//! - I/O registrations live in a slab of [`scheduled_io::ScheduledIo`];
//!   the mio token is `generation << 32 | slot`.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

pub(crate) use crate::loom::lock;
use crate::loom::{AtomicBool, AtomicU64, Mutex, Ordering};
use std::task::Waker;
use std::time::{Duration, Instant};

use myrt_executor::park::Park;
use slab::Slab;

pub(crate) mod scheduled_io;
#[cfg(target_os = "linux")]
mod timerfd;
mod wake;
pub(crate) mod wheel;

#[cfg(all(test, loom))]
mod loom_driver;

#[cfg(test)]
pub(crate) mod test_util;

use scheduled_io::ScheduledIo;
use wheel::{Key, Wheel};

const WAKER_TOKEN: mio::Token = mio::Token(usize::MAX);
/// The timerfd's token (Linux): its events only end a wait.
const TIMER_TOKEN: mio::Token = mio::Token(usize::MAX - 1);

/// One tick of the timer wheel: 15.625 µs, 1/64 of a millisecond, so
/// whole milliseconds are whole ticks (a paused clock lands on a deadline a
/// whole number of milliseconds away exactly). Deadlines round up to a
/// tick, so a timer fires at most one tick late on that count.
pub(crate) const TICK_NANOS: u64 = 15_625;

/// `ticks` wheel ticks as a duration.
fn tick_duration(ticks: u64) -> Duration {
    Duration::from_nanos(ticks.saturating_mul(TICK_NANOS))
}
const EVENTS_CAPACITY: usize = 1024;

/// The reactor and timer driver an idle worker parks on.
pub(crate) struct Driver {
    inner: Arc<Inner>,
    poll: Mutex<PollState>,
}

struct PollState {
    poll: mio::Poll,
    events: mio::Events,
    wake: Vec<Waker>,
    /// Ends waits with sub-millisecond precision (Linux; `None` elsewhere
    /// or when the kernel refused one: the poll timeout then bounds waits).
    #[cfg(target_os = "linux")]
    timer: Option<timerfd::TimerFd>,
}

/// Shared state of a driver.
pub(crate) struct Inner {
    pub(crate) registry: mio::Registry,
    waker: mio::Waker,
    wake: wake::WakeWord,
    ios: Mutex<IoSlab>,
    timers: Mutex<Wheel<Waker>>,
    /// Wheel time (ticks) the parked driver will wake at: a timer due
    /// earlier must unpark it. `u64::MAX` while parked without a deadline;
    /// 0 while not parked (the next park sees the wheel anyway, so no
    /// wake-up is needed).
    parked_until: AtomicU64,
    start: Instant,
    shutdown: AtomicBool,
    /// The clock timers and `time::Instant::now` read: the system's until a
    /// test pauses it.
    pub(crate) clock: Clock,
}

/// A runtime's clock, pausable for tests (`time::pause`).
///
/// Virtual time is `base_virtual + (real now - base_real)` while running
/// and `paused_at` while paused; both bases start at the driver's creation,
/// so an untouched clock is the system clock.
pub(crate) struct Clock {
    /// The driver's start: the wheel's millisecond 0.
    start: Instant,
    /// Set once the clock was first paused; until then `now` skips the lock.
    touched: AtomicBool,
    /// Whether this runtime may pause (only a current-thread one: its idle
    /// park is what moves paused time on to the next timer).
    pausable: AtomicBool,
    state: Mutex<ClockState>,
}

struct ClockState {
    base_virtual: Instant,
    base_real: Instant,
    paused_at: Option<Instant>,
}

/// Why a clock operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockError {
    NotPausable,
    AlreadyPaused,
    NotPaused,
}

impl Clock {
    fn new(start: Instant) -> Clock {
        Clock {
            start,
            touched: AtomicBool::new(false),
            pausable: AtomicBool::new(false),
            state: Mutex::new(ClockState {
                base_virtual: start,
                base_real: start,
                paused_at: None,
            }),
        }
    }

    /// Allows [`Clock::pause`] (set by a current-thread runtime's builder).
    pub(crate) fn set_pausable(&self) {
        self.pausable.store(true, Ordering::Release);
    }

    pub(crate) fn now(&self) -> Instant {
        if !self.touched.load(Ordering::Acquire) {
            return Instant::now();
        }
        let st = lock(&self.state);
        match st.paused_at {
            Some(t) => t,
            None => st.base_virtual + Instant::now().saturating_duration_since(st.base_real),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.touched.load(Ordering::Acquire) && lock(&self.state).paused_at.is_some()
    }

    pub(crate) fn pause(&self) -> Result<(), ClockError> {
        if !self.pausable.load(Ordering::Acquire) {
            return Err(ClockError::NotPausable);
        }
        let mut st = lock(&self.state);
        if st.paused_at.is_some() {
            return Err(ClockError::AlreadyPaused);
        }
        let now = st.base_virtual + Instant::now().saturating_duration_since(st.base_real);
        // Up to the next whole tick of the wheel, so that deadlines a whole
        // number of ticks away fire exactly on them.
        let since = now.saturating_duration_since(self.start);
        let ticks =
            u64::try_from(since.as_nanos().div_ceil(u128::from(TICK_NANOS))).unwrap_or(u64::MAX);
        st.paused_at = Some(self.start.checked_add(tick_duration(ticks)).unwrap_or(now));
        self.touched.store(true, Ordering::Release);
        Ok(())
    }

    pub(crate) fn resume(&self) -> Result<(), ClockError> {
        let mut st = lock(&self.state);
        let Some(at) = st.paused_at.take() else {
            return Err(ClockError::NotPaused);
        };
        st.base_virtual = at;
        st.base_real = Instant::now();
        Ok(())
    }

    /// Moves paused time forward by `d`.
    pub(crate) fn advance(&self, d: Duration) -> Result<(), ClockError> {
        let mut st = lock(&self.state);
        let at = st.paused_at.as_mut().ok_or(ClockError::NotPaused)?;
        *at = crate::time::far_add_std(*at, d);
        Ok(())
    }

    /// Moves paused time forward to `t` (never back); false if not paused.
    fn advance_to(&self, t: Instant) -> bool {
        let mut st = lock(&self.state);
        match st.paused_at.as_mut() {
            Some(at) => {
                if t > *at {
                    *at = t;
                }
                true
            }
            None => false,
        }
    }
}

/// Now on the current runtime's clock; the system clock outside one.
pub(crate) fn clock_now() -> Instant {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(|h| h.inner.clock.now()))
        .ok()
        .flatten()
        .unwrap_or_else(Instant::now)
}

struct IoSlab {
    slab: Slab<Arc<ScheduledIo>>,
    next_generation: u32,
}

impl Driver {
    /// Creates a driver with its own mio `Poll`.
    ///
    /// # Errors
    ///
    /// Fails when the OS refuses an epoll instance or an eventfd.
    pub(crate) fn new() -> std::io::Result<Driver> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let start = Instant::now();
        let inner = Arc::new(Inner {
            registry,
            waker,
            wake: wake::WakeWord::new(),
            ios: Mutex::new(IoSlab {
                slab: Slab::new(),
                next_generation: 0,
            }),
            timers: Mutex::new(Wheel::new(0)),
            parked_until: AtomicU64::new(0),
            start,
            shutdown: AtomicBool::new(false),
            clock: Clock::new(start),
        });
        #[cfg(target_os = "linux")]
        let timer = timerfd::TimerFd::new(poll.registry(), TIMER_TOKEN).ok();
        Ok(Driver {
            inner,
            poll: Mutex::new(PollState {
                poll,
                events: mio::Events::with_capacity(EVENTS_CAPACITY),
                wake: Vec::new(),
                #[cfg(target_os = "linux")]
                timer,
            }),
        })
    }

    /// A handle to this driver.
    pub(crate) fn handle(&self) -> Handle {
        Handle {
            inner: self.inner.clone(),
        }
    }

    fn park_inner(&self, timeout: Option<Duration>) {
        let inner = &*self.inner;
        let mut guard = lock(&self.poll);
        let st = &mut *guard;

        // How long may we sleep? Published under the timer lock so that an
        // earlier timer inserted concurrently sees it and unparks us.
        let wait = {
            let timers = lock(&inner.timers);
            let now = inner.clock.now();
            let mut wait = timeout;
            let woken = inner.wake.enter_poll() || inner.shutdown.load(Ordering::Acquire);
            if let Some(t) = timers.next_expiration() {
                let at = inner.start + tick_duration(t);
                // A paused clock, with the runtime idle (no timeout: nothing
                // else to run) and nobody waking it, jumps to the next timer.
                if timeout.is_none() && !woken && inner.clock.advance_to(at) {
                    wait = Some(Duration::ZERO);
                } else {
                    let d = at.saturating_duration_since(now);
                    wait = Some(wait.map_or(d, |w| w.min(d)));
                }
            }
            if woken {
                wait = Some(Duration::ZERO);
            }
            let until = match wait {
                None => u64::MAX,
                Some(d) if d.is_zero() => 0,
                Some(d) => inner.tick_floor(now + d),
            };
            inner.parked_until.store(until, Ordering::Release);
            wait
        };

        // A wait that ends at a deadline goes to the timerfd when there is
        // one (exact to microseconds); the poll timeout would round it up
        // to whole milliseconds.
        #[cfg(target_os = "linux")]
        let wait = match (wait, st.timer.as_mut()) {
            (Some(d), Some(timer)) if !d.is_zero() => {
                if timer.arm(d) {
                    None
                } else {
                    wait
                }
            }
            _ => wait,
        };
        if let Err(e) = st.poll.poll(&mut st.events, wait) {
            // EINTR: a signal arrived; just report back as a spurious wake.
            debug_assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "{e}");
        }
        inner.parked_until.store(0, Ordering::Release);
        inner.wake.leave_poll();

        // Hand readiness to the registrations.
        if !st.events.is_empty() {
            let ios = lock(&inner.ios);
            for ev in st.events.iter() {
                let token = ev.token();
                if token == WAKER_TOKEN || token == TIMER_TOKEN {
                    continue;
                }
                let slot = token.0 & 0xffff_ffff;
                let generation = (token.0 >> 32) as u32;
                let Some(io) = ios.slab.get(slot) else {
                    continue;
                };
                if io.generation != generation {
                    continue;
                }
                let mut ready = 0u8;
                if ev.is_readable() {
                    ready |= scheduled_io::READABLE;
                }
                if ev.is_writable() {
                    ready |= scheduled_io::WRITABLE;
                }
                if ev.is_read_closed() {
                    ready |= scheduled_io::READ_CLOSED;
                }
                if ev.is_write_closed() {
                    ready |= scheduled_io::WRITE_CLOSED;
                }
                if ev.is_error() {
                    ready |= scheduled_io::ERROR;
                }
                io.set_readiness(ready, &mut st.wake);
            }
        }

        // Fire the timers that are due.
        {
            let mut timers = lock(&inner.timers);
            if timers.len() > 0 {
                let now = inner.tick_floor(inner.clock.now());
                let wake = &mut st.wake;
                timers.advance(now, |w| wake.push(w));
            }
        }
        for w in st.wake.drain(..) {
            w.wake();
        }
    }
}

impl Park for Driver {
    fn park(&self, timeout: Option<Duration>) {
        self.park_inner(timeout);
    }

    fn unpark(&self) {
        self.inner.unpark();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.handle().shutdown();
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver").finish_non_exhaustive()
    }
}

impl Inner {
    /// Wheel ticks from the driver's start to `t`, rounded down.
    fn tick_floor(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.start);
        u64::try_from(d.as_nanos() / u128::from(TICK_NANOS)).unwrap_or(u64::MAX)
    }

    /// Wheel ticks from the driver's start to `t`, rounded up, so a timer
    /// never fires before its deadline.
    fn tick_ceil(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.start);
        u64::try_from(d.as_nanos().div_ceil(u128::from(TICK_NANOS))).unwrap_or(u64::MAX)
    }

    pub(crate) fn unpark(&self) {
        if self.wake.wake() {
            // A failing eventfd write cannot be recovered from here; the
            // driver still wakes on its next deadline.
            let _ = self.waker.wake();
        }
    }

    /// Allocates a slab slot; returns it with its token.
    ///
    /// # Errors
    ///
    /// The shutdown error once [`Handle::shutdown`] has begun.
    fn add_io(&self) -> std::io::Result<(Arc<ScheduledIo>, usize)> {
        #[cfg(test)]
        test_hooks::before_add_io_lock();
        let mut ios = lock(&self.ios);
        // Checked under the slab lock, which `shutdown` holds while it sets
        // the flag and marks every registration shut down: a new one either
        // sees the flag here or is in the slab in time to be marked. (Checked
        // before the lock, a shutdown could run in between and miss it, and
        // the resource would wait forever.)
        if self.shutdown.load(Ordering::Acquire) {
            return Err(scheduled_io::shutdown_error());
        }
        let generation = ios.next_generation;
        ios.next_generation = (generation + 1) & 0x7fff_ffff;
        let entry = ios.slab.vacant_entry();
        let slot = entry.key();
        if slot > 0xffff_ffff {
            return Err(std::io::Error::other("too many I/O resources registered"));
        }
        let shared = Arc::new(ScheduledIo::new(generation));
        entry.insert(shared.clone());
        Ok((shared, ((generation as usize) << 32) | slot))
    }

    /// Releases the slab slot of `token` (if still owned by it).
    fn remove_io(&self, token: usize) {
        let slot = token & 0xffff_ffff;
        let generation = (token >> 32) as u32;
        let mut ios = lock(&self.ios);
        if ios
            .slab
            .get(slot)
            .is_some_and(|io| io.generation == generation)
        {
            ios.slab.remove(slot);
        }
    }
}

/// What [`Handle::poll_timer`] did.
#[derive(Debug)]
pub(crate) enum TimerPoll {
    /// The timer is (still) in the wheel under this key.
    Registered(Key),
    /// The deadline has already passed in wheel time.
    Due,
    /// The driver has shut down.
    Shutdown,
}

/// A cheap, cloneable reference to a driver.
#[derive(Clone)]
pub(crate) struct Handle {
    pub(crate) inner: Arc<Inner>,
}

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Restores the previous current driver when dropped.
#[must_use = "the handle is current only while the guard lives"]
pub(crate) struct EnterGuard {
    prev: Option<Handle>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

impl Handle {
    /// Makes this the current thread's driver until the guard is dropped
    /// (nestable: the previous one comes back).
    pub(crate) fn enter(&self) -> EnterGuard {
        let prev = CURRENT.with(|c| c.borrow_mut().replace(self.clone()));
        EnterGuard {
            prev,
            _not_send: PhantomData,
        }
    }

    /// The current thread's driver.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime; [`Handle::checked_current`] is the twin.
    pub(crate) fn current() -> Handle {
        match Self::checked_current() {
            Some(h) => h,
            None => panic!(
                "no myrt runtime: timers and I/O must be called from inside a runtime \
                 (myrt::run, Runtime::block_on or a spawned task)"
            ),
        }
    }

    /// The current thread's driver, if any.
    pub(crate) fn checked_current() -> Option<Handle> {
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    /// Whether [`shutdown`](Handle::shutdown) has run.
    pub(crate) fn is_shutdown(&self) -> bool {
        self.inner.shutdown.load(Ordering::Acquire)
    }

    /// Shuts the driver down: every I/O resource fails from now on and every
    /// timer completes, and all their wakers are woken so nothing hangs.
    ///
    /// The flag is set under the slab lock, and `add_io` checks it under
    /// that lock, so a registration racing this either fails with the
    /// shutdown error or is marked shut down here. Timers need no more: the
    /// flag is set before the timer lock is taken below, and `poll_timer`
    /// checks it under that lock, so a timer is either refused or fired.
    pub(crate) fn shutdown(&self) {
        let inner = &*self.inner;
        let mut wake = Vec::new();
        {
            let ios = lock(&inner.ios);
            if inner.shutdown.swap(true, Ordering::AcqRel) {
                return;
            }
            for (_, io) in ios.slab.iter() {
                io.shutdown(&mut wake);
            }
        }
        lock(&inner.timers).advance(u64::MAX, |w| wake.push(w));
        for w in wake {
            w.wake();
        }
        inner.unpark();
    }

    /// Registers (or refreshes the waker of) a timer for `deadline`.
    pub(crate) fn poll_timer(
        &self,
        key: Option<Key>,
        deadline: Instant,
        waker: &Waker,
    ) -> TimerPoll {
        let inner = &*self.inner;
        // A replaced or removed waker is dropped after the lock is released
        // (declared first, so it also drops last): dropping one may run
        // arbitrary code, even code that takes this lock.
        let _stale: Option<Waker>;
        let mut timers = lock(&inner.timers);
        if self.is_shutdown() {
            _stale = key.and_then(|k| timers.remove(k));
            return TimerPoll::Shutdown;
        }
        if let Some(k) = key {
            if let Some(w) = timers.get_mut(k) {
                if !w.will_wake(waker) {
                    _stale = Some(std::mem::replace(w, waker.clone()));
                }
                return TimerPoll::Registered(k);
            }
        }
        let when = inner.tick_ceil(deadline);
        match timers.insert(when, waker.clone()) {
            Ok(k) => {
                if when < inner.parked_until.load(Ordering::Acquire) {
                    inner.unpark();
                }
                TimerPoll::Registered(k)
            }
            Err(_) => TimerPoll::Due,
        }
    }

    /// Moves the timer `key` to `deadline`, keeping its waker. Returns the
    /// new key, or `None` when it was not registered (or is due at once, in
    /// which case its waker is woken).
    pub(crate) fn reset_timer(&self, key: Key, deadline: Instant) -> Option<Key> {
        let inner = &*self.inner;
        let mut timers = lock(&inner.timers);
        let waker = timers.remove(key)?;
        let when = inner.tick_ceil(deadline);
        match timers.insert(when, waker) {
            Ok(k) => {
                if when < inner.parked_until.load(Ordering::Acquire) {
                    inner.unpark();
                }
                Some(k)
            }
            Err(w) => {
                drop(timers);
                w.wake();
                None
            }
        }
    }

    /// Fires the timers due on the clock now (after `time::advance`).
    pub(crate) fn fire_due(&self) {
        let inner = &*self.inner;
        let mut wake = Vec::new();
        {
            let mut timers = lock(&inner.timers);
            if timers.len() > 0 {
                let now = inner.tick_floor(inner.clock.now());
                timers.advance(now, |w| wake.push(w));
            }
        }
        for w in wake {
            w.wake();
        }
    }

    /// The timer wheel (tests inspect it).
    #[cfg(test)]
    pub(crate) fn inner_timers(&self) -> &Mutex<Wheel<Waker>> {
        &self.inner.timers
    }

    /// Removes the timer `key`; it will never fire.
    pub(crate) fn remove_timer(&self, key: Key) {
        let waker = lock(&self.inner.timers).remove(key);
        // Dropped with the lock released.
        drop(waker);
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner").finish_non_exhaustive()
    }
}

/// Points where a test can run code in the middle of a driver operation,
/// to land a concurrent step in a race window deterministically.
#[cfg(test)]
mod test_hooks {
    use std::cell::RefCell;

    thread_local! {
        static BEFORE_ADD_IO_LOCK: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
    }

    /// Runs `f` (once, on this thread) when `add_io` next starts, before it
    /// takes the slab lock.
    pub(super) fn set_before_add_io_lock(f: impl FnOnce() + 'static) {
        BEFORE_ADD_IO_LOCK.with(|h| *h.borrow_mut() = Some(Box::new(f)));
    }

    /// Called by `add_io`: runs the hook set on this thread, if any.
    pub(super) fn before_add_io_lock() {
        if let Some(f) = BEFORE_ADD_IO_LOCK.with(|h| h.borrow_mut().take()) {
            f();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::block_on;
    use super::*;

    #[test]
    fn unpark_before_park_returns_at_once() {
        let d = Driver::new().unwrap();
        d.unpark();
        let t = Instant::now();
        d.park(Some(Duration::from_secs(5)));
        assert!(t.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn unpark_from_other_thread_wakes_park() {
        let d = Arc::new(Driver::new().unwrap());
        let d2 = d.clone();
        let t = Instant::now();
        let th = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            d2.unpark();
        });
        d.park(Some(Duration::from_secs(5)));
        assert!(t.elapsed() < Duration::from_secs(4));
        th.join().unwrap();
    }

    #[test]
    fn park_zero_does_not_block() {
        let d = Driver::new().unwrap();
        let t = Instant::now();
        d.park(Some(Duration::ZERO));
        assert!(t.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn enter_nests_and_restores() {
        assert!(Handle::checked_current().is_none());
        let a = Driver::new().unwrap();
        let b = Driver::new().unwrap();
        {
            let _ga = a.handle().enter();
            assert!(Arc::ptr_eq(&Handle::current().inner, &a.inner));
            {
                let _gb = b.handle().enter();
                assert!(Arc::ptr_eq(&Handle::current().inner, &b.inner));
            }
            assert!(Arc::ptr_eq(&Handle::current().inner, &a.inner));
        }
        assert!(Handle::checked_current().is_none());
    }

    #[test]
    #[should_panic(expected = "no myrt runtime")]
    fn current_outside_runtime_panics() {
        let _ = Handle::current();
    }

    #[test]
    fn block_on_runs_a_ready_future() {
        assert_eq!(block_on(async { 7 }), 7);
    }

    #[test]
    fn earlier_timer_wakes_a_parked_driver() {
        let d = Arc::new(Driver::new().unwrap());
        let h = d.handle();
        let noop = super::test_util::noop_waker();
        let long = h.poll_timer(None, Instant::now() + Duration::from_secs(20), &noop);
        assert!(matches!(long, TimerPoll::Registered(_)));
        let h2 = h.clone();
        let th = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            let noop = super::test_util::noop_waker();
            let r = h2.poll_timer(None, Instant::now() + Duration::from_millis(10), &noop);
            assert!(matches!(r, TimerPoll::Registered(_)));
        });
        let t = Instant::now();
        // Parks until the 20 s timer, unless the new 10 ms one wakes it.
        d.park(None);
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        // The short timer then fires (the driver may also return at cascade
        // points of the wheel on the way).
        while lock(&d.inner.timers).len() != 1 {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "short timer never fired"
            );
            d.park(None);
        }
        th.join().unwrap();
    }

    #[test]
    fn shutdown_completes_timers_and_fails_io() {
        let d = Driver::new().unwrap();
        let h = d.handle();
        let noop = super::test_util::noop_waker();
        let r = h.poll_timer(None, Instant::now() + Duration::from_secs(20), &noop);
        assert!(matches!(r, TimerPoll::Registered(_)));
        h.shutdown();
        assert_eq!(lock(&d.inner.timers).len(), 0);
        let r = h.poll_timer(None, Instant::now() + Duration::from_secs(20), &noop);
        assert!(matches!(r, TimerPoll::Shutdown));
        assert!(d.inner.add_io().is_err());
    }

    #[test]
    fn stale_token_is_ignored() {
        let d = Driver::new().unwrap();
        let (a, ta) = d.inner.add_io().unwrap();
        d.inner.remove_io(ta);
        let (b, tb) = d.inner.add_io().unwrap();
        assert_eq!(ta & 0xffff_ffff, tb & 0xffff_ffff, "slot reused");
        assert_ne!(ta, tb, "generation differs");
        // Removing with the old token must not remove the new resource.
        d.inner.remove_io(ta);
        assert!(lock(&d.inner.ios).slab.get(tb & 0xffff_ffff).is_some());
        drop((a, b));
    }

    #[test]
    fn a_registration_racing_shutdown_fails_or_sees_shutdown() {
        let d = Driver::new().unwrap();
        let h = d.handle();
        let h2 = h.clone();
        // Shutdown runs in the window between the caller deciding to register
        // and the registration taking the slab lock.
        test_hooks::set_before_add_io_lock(move || h2.shutdown());
        let (mut a, _b) = mio::net::UnixStream::pair().unwrap();
        match scheduled_io::Registration::new(&mut a, mio::Interest::READABLE, h) {
            Err(e) => assert!(e.to_string().contains("shut down"), "{e}"),
            Ok(reg) => {
                let noop = super::test_util::noop_waker();
                let r = reg.poll_ready(
                    &mut std::task::Context::from_waker(&noop),
                    scheduled_io::Direction::Read,
                );
                assert!(
                    matches!(r, std::task::Poll::Ready(Err(_))),
                    "a registration made after shutdown waits forever: {r:?}"
                );
            }
        }
    }

    #[test]
    fn registrations_racing_a_shutdown_thread_all_see_it() {
        use scheduled_io::{Direction, Registration};
        use std::task::{Context, Poll};
        // Not a timing test: whatever the interleaving, every registration
        // that succeeded must observe the shutdown once it has run.
        let noop = super::test_util::noop_waker();
        for _ in 0..20 {
            let d = Driver::new().unwrap();
            let h = d.handle();
            let h2 = h.clone();
            let start = Arc::new(std::sync::Barrier::new(2));
            let start2 = start.clone();
            let t = std::thread::spawn(move || {
                start2.wait();
                h2.shutdown();
            });
            start.wait();
            let mut regs = Vec::new();
            while regs.len() < 64 {
                let (mut a, b) = mio::net::UnixStream::pair().unwrap();
                match Registration::new(&mut a, mio::Interest::READABLE, h.clone()) {
                    Ok(r) => regs.push((r, a, b)),
                    Err(e) => {
                        assert!(e.to_string().contains("shut down"), "{e}");
                        break;
                    }
                }
            }
            t.join().unwrap();
            let (mut a, _b) = mio::net::UnixStream::pair().unwrap();
            assert!(Registration::new(&mut a, mio::Interest::READABLE, h.clone()).is_err());
            for (r, ..) in &regs {
                let p = r.poll_ready(&mut Context::from_waker(&noop), Direction::Read);
                assert!(matches!(p, Poll::Ready(Err(_))), "{p:?}");
            }
        }
    }
}
