//! Process-wide signal state: one self-pipe, one delivery counter per
//! signal, one list of waiting listeners per signal.
//!
//! The handler installed through `signal-hook-registry` only bumps an
//! atomic counter and `write(2)`s one byte to the non-blocking pipe, both
//! async-signal-safe. Every listener owns a duplicate of the pipe's read
//! end registered with its runtime's reactor; whichever listener sees the
//! pipe readable drains it and wakes every listener whose signal's counter
//! moved (so listeners on other runtimes are woken too, even if their
//! reactor lost the edge because this one drained the pipe first).
#![allow(unsafe_code)] // the signal handler only touches atomics and write(2) on a fd that is never closed

use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::task::Waker;

use slab::Slab;

/// Highest signal number handled (Linux real-time signals end at 64).
pub(crate) const MAX_SIGNAL: usize = 65;

pub(crate) struct Slot {
    /// Deliveries counted by the handler.
    pub(crate) delivered: AtomicU64,
    /// Deliveries already dispatched to waiters.
    dispatched: AtomicU64,
    installed: AtomicBool,
    waiters: Mutex<Slab<Waker>>,
}

pub(crate) struct Globals {
    reader: UnixStream,
    writer: UnixStream,
    install: Mutex<()>,
    pub(crate) slots: Vec<Slot>,
}

pub(crate) fn globals() -> io::Result<&'static Globals> {
    static GLOBALS: OnceLock<io::Result<Globals>> = OnceLock::new();
    GLOBALS
        .get_or_init(|| {
            let (reader, writer) = UnixStream::pair()?;
            reader.set_nonblocking(true)?;
            writer.set_nonblocking(true)?;
            let slots = (0..MAX_SIGNAL)
                .map(|_| Slot {
                    delivered: AtomicU64::new(0),
                    dispatched: AtomicU64::new(0),
                    installed: AtomicBool::new(false),
                    waiters: Mutex::new(Slab::new()),
                })
                .collect();
            Ok(Globals {
                reader,
                writer,
                install: Mutex::new(()),
                slots,
            })
        })
        .as_ref()
        .map_err(|e| io::Error::new(e.kind(), e.to_string()))
}

impl Globals {
    /// Installs the process-wide handler for `signum` once.
    pub(crate) fn install(&'static self, signum: i32) -> io::Result<()> {
        let idx = usize::try_from(signum)
            .ok()
            .filter(|&i| i > 0 && i < MAX_SIGNAL)
            .ok_or_else(|| invalid(signum))?;
        if signal_hook_registry::FORBIDDEN.contains(&signum) {
            return Err(invalid(signum));
        }
        let slot = &self.slots[idx];
        if slot.installed.load(Ordering::Acquire) {
            return Ok(());
        }
        let _g = self.install.lock().unwrap_or_else(|e| e.into_inner());
        if slot.installed.load(Ordering::Acquire) {
            return Ok(());
        }
        let fd = self.writer.as_raw_fd();
        let delivered: &'static AtomicU64 = &slot.delivered;
        let action = move || {
            delivered.fetch_add(1, Ordering::SeqCst);
            let byte = 1u8;
            // SAFETY: `fd` is the write end of a pipe owned by a `'static`
            // that is never dropped, so it stays open; write(2) is
            // async-signal-safe; a full pipe (EAGAIN) is fine: a wake-up
            // is already pending. signal-hook-registry saves errno.
            unsafe {
                libc::write(fd, (&byte as *const u8).cast(), 1);
            }
        };
        // SAFETY: the action only uses an atomic and write(2), both
        // async-signal-safe; it allocates nothing and takes no lock.
        unsafe { signal_hook_registry::register(signum, action) }.map_err(|e| {
            io::Error::other(format!("cannot install handler for signal {signum}: {e}"))
        })?;
        slot.installed.store(true, Ordering::Release);
        Ok(())
    }

    /// A duplicate of the pipe's read end, for one listener's reactor.
    pub(crate) fn reader_clone(&self) -> io::Result<OwnedFd> {
        Ok(OwnedFd::from(self.reader.try_clone()?))
    }

    /// Empties the pipe and wakes the waiters of every signal delivered
    /// since the last dispatch.
    pub(crate) fn drain_and_dispatch(&self) {
        let mut buf = [0u8; 128];
        while let Ok(n) = (&self.reader).read(&mut buf) {
            if n == 0 {
                break;
            }
        }
        self.dispatch();
    }

    fn dispatch(&self) {
        for slot in &self.slots {
            let d = slot.delivered.load(Ordering::SeqCst);
            if slot.dispatched.load(Ordering::SeqCst) != d {
                slot.dispatched.store(d, Ordering::SeqCst);
                let waiters = slot.waiters.lock().unwrap_or_else(|e| e.into_inner());
                for (_, w) in waiters.iter() {
                    w.wake_by_ref();
                }
            }
        }
    }
}

impl Slot {
    /// Adds a waiter, returning its key.
    pub(crate) fn add_waiter(&self, w: Waker) -> usize {
        self.waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(w)
    }

    /// Replaces the waker under `key` if it would wake another task.
    pub(crate) fn update_waiter(&self, key: usize, w: &Waker) {
        let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = waiters.get_mut(key) {
            if !old.will_wake(w) {
                old.clone_from(w);
            }
        }
    }

    /// Removes a waiter.
    pub(crate) fn remove_waiter(&self, key: usize) {
        let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        if waiters.contains(key) {
            waiters.remove(key);
        }
    }
}

fn invalid(signum: i32) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("signal {signum} cannot be listened for"),
    )
}
