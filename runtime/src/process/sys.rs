//! The two libc calls the process module needs.
#![allow(unsafe_code)] // pidfd_open returns a fresh descriptor we own; kill(2) takes plain integers

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};

static NO_PIDFD: AtomicBool = AtomicBool::new(false);

/// Forces the SIGCHLD fallback (tests of the fallback path).
pub(crate) fn disable_pidfd(disable: bool) {
    NO_PIDFD.store(disable, Ordering::SeqCst);
}

/// A pidfd for `pid`, or `None` where the kernel has none (before 5.3) or
/// it is disabled.
pub(crate) fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    if NO_PIDFD.load(Ordering::Relaxed) {
        return None;
    }
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes (pid, flags) by value and returns a new
    // descriptor or -1; the child is ours and not yet reaped, so the pid
    // cannot have been reused.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        if io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
            NO_PIDFD.store(true, Ordering::Relaxed);
        }
        return None;
    }
    let fd = i32::try_from(fd).ok()?;
    // SAFETY: `fd` was just returned by the kernel and nobody else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sends `sig` to `pid`.
pub(crate) fn kill(pid: u32, sig: i32) -> io::Result<()> {
    let pid =
        libc::pid_t::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: kill(2) takes integers; the pid is an unreaped child of ours,
    // so it names that child and no other process.
    if unsafe { libc::kill(pid, sig) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
