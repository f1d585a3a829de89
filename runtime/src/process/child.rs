//! [`Child`]: a running child process, its exit learned from the reactor.

use std::fmt;
use std::io;
use std::os::fd::OwnedFd;
use std::process::ExitStatus;
use std::sync::Mutex;

use mio::Interest;

use super::stdio::{ChildStderr, ChildStdin, ChildStdout};
use super::sys;
use crate::io::AsyncFd;
use crate::signal::unix::{signal, Signal, SignalKind};

/// Children dropped while running, outside any runtime (or while their
/// runtime shut down): reaped by the next `spawn` or exit seen.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

/// Reaps the orphans that have exited since the last call.
pub(crate) fn reap_orphans() {
    let Ok(mut orphans) = ORPHANS.try_lock() else {
        return;
    };
    orphans.retain_mut(|c| matches!(c.try_wait(), Ok(None)));
}

/// How a child's exit is noticed.
enum Waiter {
    /// The kernel's process descriptor turns readable at exit.
    Pidfd(AsyncFd<OwnedFd>),
    /// Fallback: every SIGCHLD re-checks with `waitpid(WNOHANG)`.
    Sigchld(Signal),
}

/// The unreaped process and its exit notification. Dropped unreaped, it
/// hands the process to the orphan list so it never stays a zombie.
pub(crate) struct Proc {
    child: Option<std::process::Child>,
    waiter: Waiter,
}

impl Proc {
    pub(crate) fn new(child: std::process::Child) -> io::Result<Proc> {
        let waiter = match sys::pidfd_open(child.id()) {
            Some(fd) => match AsyncFd::with_interest(fd, Interest::READABLE) {
                Ok(fd) => Waiter::Pidfd(fd),
                Err(e) => return Err(abandon(child, e)),
            },
            None => match signal(SignalKind::child()) {
                Ok(s) => Waiter::Sigchld(s),
                Err(e) => return Err(abandon(child, e)),
            },
        };
        Ok(Proc {
            child: Some(child),
            waiter,
        })
    }

    fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let Some(child) = self.child.as_mut() else {
            return Err(io::Error::other("child already reaped"));
        };
        let st = child.try_wait()?;
        if st.is_some() {
            self.child = None;
            reap_orphans();
        }
        Ok(st)
    }

    async fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(st) = self.try_wait()? {
                return Ok(st);
            }
            match &mut self.waiter {
                Waiter::Pidfd(fd) => fd.readable().await?.clear_ready(),
                Waiter::Sigchld(s) => {
                    if s.recv().await.is_none() {
                        return Err(io::Error::other("runtime shut down"));
                    }
                }
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if matches!(c.try_wait(), Ok(None)) {
                ORPHANS.lock().unwrap_or_else(|e| e.into_inner()).push(c);
            }
        }
    }
}

/// Kills and reaps a child we cannot watch, and returns `e`.
fn abandon(mut child: std::process::Child, e: io::Error) -> io::Error {
    let _ = child.kill();
    let _ = child.wait();
    e
}

/// A spawned child process (Python `multiprocessing.Process` after
/// `start()`, asyncio `Process`).
///
/// | multiprocessing / asyncio | myrt |
/// | --- | --- |
/// | `p.pid` | [`id`](Child::id) |
/// | `p.join()`, `await proc.wait()` | [`wait`](Child::wait)`().await` |
/// | `p.is_alive()`, `p.exitcode` | [`try_wait`](Child::try_wait) |
/// | `p.terminate()` | [`terminate`](Child::terminate) (SIGTERM) |
/// | `p.kill()` | [`start_kill`](Child::start_kill) (SIGKILL), or [`kill`](Child::kill)`().await` to also wait |
/// | `proc.stdout` | the [`stdout`](Child::stdout) field |
///
/// Dropping a `Child` does not kill it unless
/// [`Command::kill_on_drop`](super::Command::kill_on_drop) was set; a
/// child still running is then reaped in the background (by a task on the
/// current runtime, or by a later `spawn`), so it never stays a zombie.
pub struct Child {
    /// The child's standard input, if it was piped.
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if it was piped.
    pub stderr: Option<ChildStderr>,
    pid: u32,
    proc: Option<Proc>,
    status: Option<ExitStatus>,
    kill_on_drop: bool,
}

impl Child {
    pub(crate) fn new(mut child: std::process::Child, kill_on_drop: bool) -> io::Result<Child> {
        let pid = child.id();
        let stdio = (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let proc = Proc::new(child)?;
        // From here on `proc` reaps the child whatever happens.
        let stdin = stdio.0.map(ChildStdin::new).transpose()?;
        let stdout = stdio.1.map(ChildStdout::new).transpose()?;
        let stderr = stdio.2.map(ChildStderr::new).transpose()?;
        Ok(Child {
            stdin,
            stdout,
            stderr,
            pid,
            proc: Some(proc),
            status: None,
            kill_on_drop,
        })
    }

    /// The OS process id (Python `Process.pid`). It stays readable after
    /// the child was reaped, but then may name another process.
    #[doc(alias("pid"))]
    pub fn id(&self) -> u32 {
        self.pid
    }

    /// Waits for the child to exit and reaps it (Python `join()`).
    /// Closes [`stdin`](Child::stdin) first, so a child reading it sees
    /// end-of-file instead of waiting forever. Later calls return the same
    /// status at once.
    ///
    /// A child killed by a signal reports it through
    /// [`ExitStatusExt::signal`](std::os::unix::process::ExitStatusExt::signal);
    /// [`exitcode`](super::exitcode) maps it to Python's `-signal`.
    ///
    /// # Errors
    ///
    /// Fails if the runtime shut down while waiting or `waitpid` fails.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future neither kills nor loses the child;
    /// wait again later.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.stdin = None;
        if let Some(st) = self.status {
            return Ok(st);
        }
        let proc = self.proc.as_mut().expect("child has a proc until reaped");
        let st = proc.wait().await?;
        self.status = Some(st);
        self.proc = None;
        Ok(st)
    }

    /// Returns the exit status if the child has exited (reaping it), or
    /// `None` if it still runs (Python `is_alive()` / `exitcode`).
    ///
    /// # Errors
    ///
    /// Fails if `waitpid` fails.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(st) = self.status {
            return Ok(Some(st));
        }
        let proc = self.proc.as_mut().expect("child has a proc until reaped");
        let st = proc.try_wait()?;
        if st.is_some() {
            self.status = st;
            self.proc = None;
        }
        Ok(st)
    }

    /// Sends SIGTERM (Python `terminate()`); does not wait. A no-op once
    /// the child has been reaped.
    ///
    /// # Errors
    ///
    /// Fails if kill(2) does.
    pub fn terminate(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGTERM)
    }

    /// Sends SIGKILL (Python `kill()`); does not wait. A no-op once the
    /// child has been reaped.
    ///
    /// # Errors
    ///
    /// Fails if kill(2) does.
    pub fn start_kill(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGKILL)
    }

    /// Sends `signum` to the child, unless it has been reaped already
    /// (never to a pid that may have been reused).
    ///
    /// # Errors
    ///
    /// Fails if kill(2) does (e.g. an invalid signal number).
    pub fn send_signal(&mut self, signum: i32) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        sys::kill(self.pid, signum)
    }

    /// Sends SIGKILL and waits for the child to exit.
    ///
    /// # Errors
    ///
    /// As [`start_kill`](Child::start_kill) and [`wait`](Child::wait).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the signal is sent at the first poll; dropping the
    /// future after that leaves a dying child to `wait` for later.
    pub async fn kill(&mut self) -> io::Result<ExitStatus> {
        self.start_kill()?;
        self.wait().await
    }

    /// Collects the output of a child spawned with piped stdout/stderr,
    /// then waits for it.
    pub(crate) async fn wait_with_output(mut self) -> io::Result<std::process::Output> {
        use futures_util::io::AsyncReadExt;
        self.stdin = None;
        let mut out = Vec::new();
        let mut err = Vec::new();
        let (mut so, mut se) = (self.stdout.take(), self.stderr.take());
        let read_out = async {
            match so.as_mut() {
                Some(s) => s.read_to_end(&mut out).await.map(drop),
                None => Ok(()),
            }
        };
        let read_err = async {
            match se.as_mut() {
                Some(s) => s.read_to_end(&mut err).await.map(drop),
                None => Ok(()),
            }
        };
        let (a, b) = futures_util::future::join(read_out, read_err).await;
        a?;
        b?;
        let status = self.wait().await?;
        Ok(std::process::Output {
            status,
            stdout: out,
            stderr: err,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut proc) = self.proc.take() else {
            return;
        };
        if self.kill_on_drop && matches!(proc.try_wait(), Ok(None)) {
            let _ = sys::kill(self.pid, libc::SIGKILL);
        }
        if !matches!(proc.try_wait(), Ok(None)) {
            return;
        }
        // Still running: reap it in the background (a failed spawn drops
        // `proc`, which puts it on the orphan list).
        if let Ok(handle) = crate::runtime::Handle::checked_current() {
            drop(handle.spawn(async move {
                let _ = proc.wait().await;
            }));
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("status", &self.status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}
