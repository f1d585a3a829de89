//! The libc calls the process and multiprocessing modules need.
#![allow(unsafe_code)] // pidfd_open returns a fresh descriptor we own; kill(2), prctl(2) and dup2(2) take plain integers

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

/// Makes the kernel send `sig` to this process when the thread that
/// started it exits (`PR_SET_PDEATHSIG`).
#[cfg(target_os = "linux")]
pub(crate) fn set_parent_death_signal(sig: i32) -> io::Result<()> {
    let sig =
        libc::c_ulong::try_from(sig).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: prctl(PR_SET_PDEATHSIG, sig) reads two integers and changes
    // only this process's own death-signal setting.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere there is no parent-death signal.
#[cfg(not(target_os = "linux"))]
pub(crate) fn set_parent_death_signal(_sig: i32) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Moves what descriptor 0 holds to a new descriptor (close-on-exec) and
/// puts `/dev/null` on descriptor 0: a worker's channel to its parent
/// arrives as its stdin, and user code reading stdin must see end-of-file,
/// not the parent's messages (Python's workers get `os.devnull` too).
pub(crate) fn take_stdin() -> io::Result<OwnedFd> {
    use std::os::fd::{AsFd, AsRawFd};
    let channel = io::stdin().as_fd().try_clone_to_owned()?;
    let null = std::fs::File::open("/dev/null")?;
    // SAFETY: dup2 takes two descriptors by value: `null` is open and
    // owned here, and 0 is the process's stdin, which we replace on
    // purpose (atomically, so fd 0 is never closed in between); no Rust
    // object owns fd 0 except `std::io::stdin`, which reads through it by
    // number and will now read `/dev/null`.
    if unsafe { libc::dup2(null.as_raw_fd(), 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(channel)
}

/// Sends `sig` to `target`, a pid or, wrapped negative (`pid.wrapping_neg()`),
/// a process group.
pub(crate) fn kill_target(target: u32, sig: i32) -> io::Result<()> {
    // Reinterpreting the bits gives back the (possibly negative) pid_t.
    let target = target as libc::pid_t;
    // SAFETY: kill(2) takes integers; the callers pass an unreaped child of
    // ours or the group it leads, so no other process is named.
    if unsafe { libc::kill(target, sig) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
