//! Per-resource readiness state and the registration that owns it.
//!
//! Each registered resource has one [`ScheduledIo`] in the driver's slab.
//! Its state word packs the cached readiness (low bits), a shutdown bit and
//! a 32-bit tick (high bits) that the driver bumps on every event. A task
//! that saw readiness and then got `WouldBlock` clears only the bits it saw,
//! and only if the tick is unchanged, so an event that arrived in between is
//! never wiped out (epoll is edge-triggered here: a lost event would be a
//! lost wake-up forever).
//!
//! Tokens carry the slot's generation in their high half, so an event still
//! in flight for a deregistered resource is never delivered to a newer
//! resource that reuses the slab slot.
//!
//! A future that waits for readiness ([`Registration::readiness`],
//! [`Registration::async_io`]) stores its waker under an id of its own and
//! takes it out again when it is dropped, so a cancelled wait (a `select!`
//! that took another branch, a timeout) leaves no waker, and so no task
//! reference, behind until the next event. Poll-based callers
//! ([`Registration::poll_ready`], `poll_read` and the like) have no future
//! to be dropped; their wakers are deduplicated with `will_wake`, so each
//! task holds at most one slot per direction, released by the next event or
//! with the resource.

use std::future::poll_fn;
use std::io;
use std::sync::Arc;

use crate::loom::{AtomicU64, Mutex, Ordering};
use std::task::{Context, Poll, Waker};

use mio::event::Source;
use mio::{Interest, Token};

use super::{lock, Handle};

pub(crate) const READABLE: u8 = 1;
pub(crate) const WRITABLE: u8 = 2;
pub(crate) const READ_CLOSED: u8 = 4;
pub(crate) const WRITE_CLOSED: u8 = 8;
pub(crate) const ERROR: u8 = 16;
const READY_MASK: u64 = 0xff;
const SHUTDOWN: u64 = 1 << 8;
const TICK_SHIFT: u32 = 32;

/// Which half of a resource a task waits on; each has its own waker slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Waiting to read (or accept, or receive).
    Read,
    /// Waiting to write (or connect, or send).
    Write,
}

impl Direction {
    fn mask(self) -> u8 {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }
}

/// Readiness observed by a task, to be cleared if the operation would block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    tick: u32,
    pub(crate) ready: u8,
}

/// Id of a poll-based waiter (one with no future to remove it on drop).
const ANONYMOUS: u64 = 0;

/// One waiting task.
#[derive(Debug)]
struct Waiter {
    /// The [`Readiness`] future's id, or [`ANONYMOUS`].
    id: u64,
    waker: Waker,
}

/// Tasks waiting per direction. Usually one each; several tasks may wait
/// on a shared resource (e.g. two tasks accepting on one listener), and all
/// of them are woken on readiness, so none is forgotten. A [`Readiness`]
/// future keeps one entry (under its id) that it updates in place and
/// removes on drop; a poll-based task's waker is stored once among the
/// anonymous entries (deduplicated with `will_wake`).
#[derive(Debug)]
struct Waiters {
    reader: Vec<Waiter>,
    writer: Vec<Waiter>,
    /// The next [`Readiness`] id (never [`ANONYMOUS`]; 64 bits never wrap).
    next_id: u64,
}

impl Waiters {
    fn dir(&mut self, dir: Direction) -> &mut Vec<Waiter> {
        match dir {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// Readiness state and wakers of one registered resource.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    pub(crate) generation: u32,
    state: AtomicU64,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub(crate) fn new(generation: u32) -> Self {
        ScheduledIo {
            generation,
            state: AtomicU64::new(0),
            waiters: Mutex::new(Waiters {
                reader: Vec::new(),
                writer: Vec::new(),
                next_id: ANONYMOUS + 1,
            }),
        }
    }

    /// Records an event (bumping the tick) and collects the wakers to wake.
    pub(crate) fn set_readiness(&self, ready: u8, wake: &mut Vec<Waker>) {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let tick = (cur >> TICK_SHIFT).wrapping_add(1) & 0xffff_ffff;
            let new = (tick << TICK_SHIFT) | (cur & (READY_MASK | SHUTDOWN)) | ready as u64;
            match self
                .state
                .compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        let mut w = lock(&self.waiters);
        if ready & Direction::Read.mask() != 0 {
            wake.extend(w.reader.drain(..).map(|e| e.waker));
        }
        if ready & Direction::Write.mask() != 0 {
            wake.extend(w.writer.drain(..).map(|e| e.waker));
        }
    }

    /// Marks the resource shut down and collects every waker.
    pub(crate) fn shutdown(&self, wake: &mut Vec<Waker>) {
        self.state.fetch_or(SHUTDOWN, Ordering::AcqRel);
        let mut w = lock(&self.waiters);
        wake.extend(w.reader.drain(..).map(|e| e.waker));
        wake.extend(w.writer.drain(..).map(|e| e.waker));
    }

    fn ready_now(&self, dir: Direction) -> Option<io::Result<ReadyEvent>> {
        let s = self.state.load(Ordering::Acquire);
        if s & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        let ready = (s & READY_MASK) as u8 & dir.mask();
        (ready != 0).then_some(Ok(ReadyEvent {
            tick: (s >> TICK_SHIFT) as u32,
            ready,
        }))
    }

    /// Ready if `dir` has cached readiness, else stores the waker as an
    /// anonymous waiter (once per task: deduplicated with `will_wake`).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready_waiter(cx, dir, None)
    }

    /// Ready if `dir` has cached readiness, else stores the waker: as an
    /// anonymous waiter (`id` is `None`), or in the entry of the
    /// [`Readiness`] future `id`, allocating its id on its first wait.
    fn poll_ready_waiter(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        id: Option<&mut u64>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(r) = self.ready_now(dir) {
            return Poll::Ready(r);
        }
        // A replaced waker is dropped once the lock is released: dropping
        // one may run arbitrary code (even code that takes this lock).
        let mut _stale = None;
        {
            let mut w = lock(&self.waiters);
            let id = match id {
                None => ANONYMOUS,
                Some(id) => {
                    if *id == ANONYMOUS {
                        *id = w.next_id;
                        w.next_id += 1;
                    }
                    *id
                }
            };
            let list = w.dir(dir);
            let waker = cx.waker();
            if id == ANONYMOUS {
                let known = list
                    .iter()
                    .any(|e| e.id == ANONYMOUS && e.waker.will_wake(waker));
                if !known {
                    list.push(Waiter {
                        id,
                        waker: waker.clone(),
                    });
                }
            } else {
                match list.iter_mut().find(|e| e.id == id) {
                    Some(e) if e.waker.will_wake(waker) => {}
                    Some(e) => _stale = Some(std::mem::replace(&mut e.waker, waker.clone())),
                    // First wait, or a wake-up took the entry.
                    None => list.push(Waiter {
                        id,
                        waker: waker.clone(),
                    }),
                }
            }
        }
        // An event may have landed between the first check and storing the
        // waker; the driver sets readiness before taking wakers, so checking
        // again after storing closes the gap.
        match self.ready_now(dir) {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }

    /// Takes waiter `id`'s entry out of `dir`, if a wake-up has not already.
    fn remove_waiter(&self, dir: Direction, id: u64) {
        let stale = {
            let mut w = lock(&self.waiters);
            let list = w.dir(dir);
            list.iter()
                .position(|e| e.id == id)
                .map(|i| list.swap_remove(i))
        };
        // Dropped with the lock released.
        drop(stale);
    }

    /// Number of stored wakers, both directions (tests check that cancelled
    /// waits leave none behind).
    #[cfg(test)]
    pub(crate) fn waiter_count(&self) -> usize {
        let w = lock(&self.waiters);
        w.reader.len() + w.writer.len()
    }

    /// Clears the readiness seen in `event`, unless a newer event arrived.
    /// Closed bits are never cleared: a closed half stays closed.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = (event.ready & !(READ_CLOSED | WRITE_CLOSED)) as u64;
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if (cur >> TICK_SHIFT) as u32 != event.tick {
                return;
            }
            let new = cur & !clear;
            match self
                .state
                .compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }
}

/// The error pending I/O gets once the runtime has shut down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other("myrt runtime has shut down; I/O resources can no longer be used")
}

/// A resource's registration with the driver: deregistered from the slab on
/// drop (the mio source itself is deregistered by its owner, see
/// [`PollEvented`]).
#[derive(Debug)]
pub(crate) struct Registration {
    handle: Handle,
    shared: Arc<ScheduledIo>,
    token: usize,
}

impl Registration {
    /// Registers `source` with the driver of `handle`.
    pub(crate) fn new<S: Source + ?Sized>(
        source: &mut S,
        interest: Interest,
        handle: Handle,
    ) -> io::Result<Self> {
        let (shared, token) = handle.inner.add_io()?;
        if let Err(e) = handle
            .inner
            .registry
            .register(source, Token(token), interest)
        {
            handle.inner.remove_io(token);
            return Err(e);
        }
        Ok(Registration {
            handle,
            shared,
            token,
        })
    }

    /// Deregisters `source` from mio (the slab slot is released on drop).
    pub(crate) fn deregister<S: Source + ?Sized>(&self, source: &mut S) -> io::Result<()> {
        self.handle.inner.registry.deregister(source)
    }

    /// Polls for readiness in `dir`.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.shared.poll_ready(cx, dir)
    }

    /// Waits for readiness in `dir`. Dropping the future takes its waker
    /// out of the resource.
    pub(crate) async fn readiness(&self, dir: Direction) -> io::Result<ReadyEvent> {
        let mut wait = Readiness::new(&self.shared, dir);
        poll_fn(|cx| wait.poll_ready(cx)).await
    }

    /// Clears readiness seen in `event` (after a `WouldBlock`).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.shared.clear_readiness(event);
    }

    /// Runs `f` when ready in `dir`, clearing readiness and waiting again
    /// each time it would block.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_with(cx, |cx| self.poll_ready(cx, dir), f)
    }

    /// [`poll_io`](Self::poll_io), polling readiness with `ready`.
    fn poll_io_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut ready: impl FnMut(&mut Context<'_>) -> Poll<io::Result<ReadyEvent>>,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let ev = match ready(cx) {
                Poll::Ready(Ok(ev)) => ev,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                r => return Poll::Ready(r),
            }
        }
    }

    /// Runs `f` once if readiness in `dir` is cached; `WouldBlock` otherwise
    /// (and clears the readiness when `f` would block).
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let ev = match self.shared.ready_now(dir) {
            Some(r) => r?,
            None => return Err(io::ErrorKind::WouldBlock.into()),
        };
        let r = f();
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.clear_readiness(ev);
        }
        r
    }

    /// Waits for readiness in `dir`, then runs `f`, retrying on `WouldBlock`.
    /// Dropping the future takes its waker out of the resource.
    pub(crate) async fn async_io<R>(
        &self,
        dir: Direction,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        let mut wait = Readiness::new(&self.shared, dir);
        poll_fn(|cx| self.poll_io_with(cx, |cx| wait.poll_ready(cx), &mut f)).await
    }
}

/// One future's wait for readiness in one direction. Its waker has an
/// entry of its own in the [`ScheduledIo`], updated in place when it is
/// polled again and removed when it is dropped, so a cancelled wait leaves
/// nothing behind.
#[derive(Debug)]
struct Readiness<'a> {
    io: &'a ScheduledIo,
    dir: Direction,
    /// [`ANONYMOUS`] until the first wait allocates the entry's id.
    id: u64,
}

impl<'a> Readiness<'a> {
    fn new(io: &'a ScheduledIo, dir: Direction) -> Self {
        Readiness {
            io,
            dir,
            id: ANONYMOUS,
        }
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        self.io.poll_ready_waiter(cx, self.dir, Some(&mut self.id))
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if self.id != ANONYMOUS {
            self.io.remove_waiter(self.dir, self.id);
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle.inner.remove_io(self.token);
    }
}

/// A mio source registered with the driver; deregisters it on drop.
#[derive(Debug)]
pub(crate) struct PollEvented<E: Source> {
    io: Option<E>,
    reg: Registration,
}

impl<E: Source> PollEvented<E> {
    /// Registers `io` for reading and writing with the current driver.
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, after shutdown, or if mio refuses.
    pub(crate) fn new(io: E) -> io::Result<Self> {
        Self::with_interest(io, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `io` with the given interest with the current driver.
    pub(crate) fn with_interest(mut io: E, interest: Interest) -> io::Result<Self> {
        let handle = Handle::checked_current().ok_or_else(no_runtime_error)?;
        let reg = Registration::new(&mut io, interest, handle)?;
        Ok(PollEvented { io: Some(io), reg })
    }

    /// The registration.
    pub(crate) fn registration(&self) -> &Registration {
        &self.reg
    }

    /// The inner source.
    pub(crate) fn get_ref(&self) -> &E {
        self.io
            .as_ref()
            .expect("PollEvented source present until drop")
    }

    /// Deregisters and returns the inner source.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let mut io = self
            .io
            .take()
            .expect("PollEvented source present until drop");
        self.reg.deregister(&mut io)?;
        Ok(io)
    }
}

impl<E: Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            let _ = self.reg.deregister(&mut io);
        }
    }
}

/// The error I/O constructors return outside a runtime.
pub(crate) fn no_runtime_error() -> io::Error {
    io::Error::other(
        "no myrt runtime: I/O resources must be created from inside a runtime (myrt::run, Runtime::block_on or a spawned task)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn ready(io: &ScheduledIo, dir: Direction) -> Option<ReadyEvent> {
        io.ready_now(dir).map(|r| r.unwrap())
    }

    #[test]
    fn a_clear_never_wipes_an_event_that_arrived_after_it_was_seen() {
        let io = ScheduledIo::new(0);
        let mut wake = Vec::new();
        io.set_readiness(READABLE, &mut wake);
        let seen = ready(&io, Direction::Read).expect("readable");
        // A new event lands between the task's read attempt and its clear.
        io.set_readiness(READABLE, &mut wake);
        io.clear_readiness(seen);
        assert!(
            ready(&io, Direction::Read).is_some(),
            "the newer event survives"
        );
        // Clearing with the current tick does clear.
        let now = ready(&io, Direction::Read).unwrap();
        io.clear_readiness(now);
        assert!(ready(&io, Direction::Read).is_none());
    }

    #[test]
    fn closed_bits_are_never_cleared() {
        let io = ScheduledIo::new(0);
        io.set_readiness(READABLE | READ_CLOSED, &mut Vec::new());
        let seen = ready(&io, Direction::Read).unwrap();
        io.clear_readiness(seen);
        let after = ready(&io, Direction::Read).expect("a closed half stays ready");
        assert_eq!(after.ready, READ_CLOSED);
    }

    #[test]
    fn waiters_are_woken_by_their_direction_and_by_shutdown() {
        let io = ScheduledIo::new(0);
        let reader = Arc::new(Count(AtomicUsize::new(0)));
        let writer = Arc::new(Count(AtomicUsize::new(0)));
        let rw = Waker::from(reader.clone());
        let ww = Waker::from(writer.clone());
        assert!(io
            .poll_ready(&mut Context::from_waker(&rw), Direction::Read)
            .is_pending());
        assert!(io
            .poll_ready(&mut Context::from_waker(&ww), Direction::Write)
            .is_pending());
        let mut wake = Vec::new();
        io.set_readiness(WRITABLE, &mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(writer.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            reader.0.load(Ordering::SeqCst),
            0,
            "a write event does not wake readers"
        );
        io.shutdown(&mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(
            reader.0.load(Ordering::SeqCst),
            1,
            "shutdown wakes everyone"
        );
        match io.poll_ready(&mut Context::from_waker(&rw), Direction::Read) {
            Poll::Ready(Err(e)) => assert!(e.to_string().contains("shut down")),
            other => panic!("expected the shutdown error, got {other:?}"),
        }
    }

    /// A registered socket with no data, on a driver that is never parked
    /// (so no event can arrive and release a waker).
    struct IdleSocket {
        reg: Registration,
        _driver: super::super::Driver,
        _socket: mio::net::UnixStream,
        _peer: mio::net::UnixStream,
    }

    fn idle_socket() -> IdleSocket {
        let driver = super::super::Driver::new().unwrap();
        let (mut socket, peer) = mio::net::UnixStream::pair().unwrap();
        let reg = Registration::new(&mut socket, Interest::READABLE, driver.handle()).unwrap();
        IdleSocket {
            reg,
            _driver: driver,
            _socket: socket,
            _peer: peer,
        }
    }

    #[test]
    fn a_dropped_readiness_future_releases_its_waker() {
        let idle = idle_socket();
        let reg = &idle.reg;
        for i in 0..100 {
            let task = Arc::new(Count(AtomicUsize::new(0)));
            let waker = Waker::from(task.clone());
            {
                let mut fut = std::pin::pin!(reg.readiness(Direction::Read));
                let r = fut.as_mut().poll(&mut Context::from_waker(&waker));
                assert!(r.is_pending(), "no data yet");
            }
            drop(waker);
            assert_eq!(
                Arc::strong_count(&task),
                1,
                "round {i}: the cancelled wait still holds the task's waker"
            );
        }
        assert_eq!(reg.shared.waiter_count(), 0);
    }

    #[test]
    fn a_dropped_async_io_future_releases_its_waker() {
        let idle = idle_socket();
        let reg = &idle.reg;
        for i in 0..100 {
            let task = Arc::new(Count(AtomicUsize::new(0)));
            let waker = Waker::from(task.clone());
            {
                let fut = reg.async_io(Direction::Read, || -> io::Result<()> {
                    Err(io::ErrorKind::WouldBlock.into())
                });
                let mut fut = std::pin::pin!(fut);
                assert!(fut
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending());
            }
            drop(waker);
            assert_eq!(
                Arc::strong_count(&task),
                1,
                "round {i}: the cancelled read still holds the task's waker"
            );
        }
        assert_eq!(reg.shared.waiter_count(), 0);
    }

    #[test]
    fn a_repolled_wait_reuses_its_entry_and_a_woken_one_waits_again() {
        let idle = idle_socket();
        let reg = &idle.reg;
        let tasks: Vec<_> = (0..3)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let wakers: Vec<Waker> = tasks.iter().map(|t| Waker::from(t.clone())).collect();
        let mut fut = Box::pin(reg.readiness(Direction::Read));
        for w in &wakers {
            assert!(fut.as_mut().poll(&mut Context::from_waker(w)).is_pending());
            assert_eq!(reg.shared.waiter_count(), 1, "one entry, updated in place");
        }
        assert_eq!(Arc::strong_count(&tasks[0]), 2, "replaced waker released");
        assert_eq!(Arc::strong_count(&tasks[2]), 3, "current waker stored");
        // A write event does not concern the reader; a read event wakes it.
        let mut wake = Vec::new();
        reg.shared.set_readiness(WRITABLE, &mut wake);
        assert!(wake.is_empty());
        reg.shared.set_readiness(READABLE, &mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(tasks[2].0.load(Ordering::SeqCst), 1);
        assert_eq!(reg.shared.waiter_count(), 0);
        // The task finds the readiness, sees `WouldBlock`, clears it and
        // waits again: a fresh entry under the same future.
        let seen = match fut.as_mut().poll(&mut Context::from_waker(&wakers[2])) {
            Poll::Ready(Ok(ev)) => ev,
            other => panic!("expected readiness, got {other:?}"),
        };
        reg.clear_readiness(seen);
        let mut fut = Box::pin(reg.readiness(Direction::Read));
        assert!(fut
            .as_mut()
            .poll(&mut Context::from_waker(&wakers[1]))
            .is_pending());
        // A poll-based waiter of the same task is kept apart from the
        // future's entry: dropping the future must not remove it.
        assert!(reg
            .poll_ready(&mut Context::from_waker(&wakers[1]), Direction::Read)
            .is_pending());
        assert_eq!(reg.shared.waiter_count(), 2);
        drop(fut);
        assert_eq!(reg.shared.waiter_count(), 1, "the poll-based waiter stays");
        reg.shared.set_readiness(READABLE, &mut wake);
        wake.drain(..).for_each(Waker::wake);
        assert_eq!(tasks[1].0.load(Ordering::SeqCst), 1);
        drop(wakers);
        for t in &tasks {
            assert_eq!(Arc::strong_count(t), 1);
        }
    }

    #[test]
    fn every_waiting_future_on_a_shared_resource_is_woken() {
        let idle = idle_socket();
        let reg = &idle.reg;
        let tasks: Vec<_> = (0..4)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let mut futs: Vec<_> = (0..4)
            .map(|_| Box::pin(reg.readiness(Direction::Read)))
            .collect();
        for (f, t) in futs.iter_mut().zip(&tasks) {
            let w = Waker::from(t.clone());
            assert!(f.as_mut().poll(&mut Context::from_waker(&w)).is_pending());
        }
        // One of them is cancelled; the others still get the event.
        drop(futs.remove(1));
        let mut wake = Vec::new();
        reg.shared.set_readiness(READABLE, &mut wake);
        wake.drain(..).for_each(Waker::wake);
        let woken: Vec<usize> = tasks.iter().map(|t| t.0.load(Ordering::SeqCst)).collect();
        assert_eq!(woken, [1, 0, 1, 1]);
        drop(futs);
        for t in &tasks {
            assert_eq!(Arc::strong_count(t), 1);
        }
    }
}
