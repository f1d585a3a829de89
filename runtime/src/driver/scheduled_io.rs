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

use std::future::poll_fn;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

/// Tasks waiting per direction. Usually one each; several tasks may wait
/// on a shared resource (e.g. two tasks accepting on one listener), and all
/// of them are woken on readiness, so none is forgotten. A task's waker is
/// stored once (deduplicated with `will_wake`).
#[derive(Debug, Default)]
struct Waiters {
    reader: Vec<Waker>,
    writer: Vec<Waker>,
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
            waiters: Mutex::new(Waiters::default()),
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
            wake.append(&mut w.reader);
        }
        if ready & Direction::Write.mask() != 0 {
            wake.append(&mut w.writer);
        }
    }

    /// Marks the resource shut down and collects every waker.
    pub(crate) fn shutdown(&self, wake: &mut Vec<Waker>) {
        self.state.fetch_or(SHUTDOWN, Ordering::AcqRel);
        let mut w = lock(&self.waiters);
        wake.append(&mut w.reader);
        wake.append(&mut w.writer);
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

    /// Ready if `dir` has cached readiness, else stores the waker.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(r) = self.ready_now(dir) {
            return Poll::Ready(r);
        }
        {
            let mut w = lock(&self.waiters);
            let slot = match dir {
                Direction::Read => &mut w.reader,
                Direction::Write => &mut w.writer,
            };
            if !slot.iter().any(|w| w.will_wake(cx.waker())) {
                slot.push(cx.waker().clone());
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

    /// Waits for readiness in `dir`.
    pub(crate) async fn readiness(&self, dir: Direction) -> io::Result<ReadyEvent> {
        poll_fn(|cx| self.poll_ready(cx, dir)).await
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
        mut f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let ev = match self.poll_ready(cx, dir) {
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
    pub(crate) async fn async_io<R>(
        &self,
        dir: Direction,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(cx, dir, &mut f)).await
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
        let handle = Handle::try_current().ok_or_else(no_runtime_error)?;
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
}
