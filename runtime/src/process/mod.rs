//! Child processes: Python's `multiprocessing.Process` life cycle and
//! asyncio's subprocesses, with async pipes.
//!
//! | Python | myrt |
//! | --- | --- |
//! | `asyncio.create_subprocess_exec(prog, *args, stdout=PIPE)` | `Command::new(prog).args(args).stdout(Stdio::piped()).spawn()` |
//! | `p.start()` | [`Command::spawn`] |
//! | `p.join()`, `await proc.wait()` | [`Child::wait`] |
//! | `p.is_alive()`, `p.exitcode` | [`Child::try_wait`], [`exitcode`] |
//! | `p.terminate()`, `p.kill()` | [`Child::terminate`], [`Child::start_kill`] / [`Child::kill`] |
//! | `await proc.communicate()`, `subprocess.run(capture_output=True)` | [`Command::output`] |
//! | `subprocess.call` | [`Command::status`] |
//!
//! # Examples
//!
//! ```
//! use myrt::io::{AsyncBufReadExt, BufReader, StreamExt};
//! use myrt::process::{Command, Stdio};
//!
//! myrt::run(async {
//!     let mut child = Command::new("sh")
//!         .args(["-c", "echo one; echo two; exit 3"])
//!         .stdout(Stdio::piped())
//!         .spawn()
//!         .unwrap();
//!     let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
//!     while let Some(line) = lines.next().await {
//!         println!("child says {}", line.unwrap());
//!     }
//!     let status = child.wait().await.unwrap();
//!     assert_eq!(status.code(), Some(3));
//! });
//! ```
//!
//! # Implementation
//!
//! Processes are started by `std::process::Command`. The exit is learned
//! without a thread per child: on Linux 5.3+ a pidfd (readable once the
//! child exits) is registered with the reactor; elsewhere every SIGCHLD
//! (see [`crate::signal`]) makes waiting children re-check with
//! `waitpid(WNOHANG)`. Pipes are set non-blocking and registered with the
//! reactor.

mod child;
mod stdio;
pub(crate) mod sys;

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

#[doc(hidden)]
pub use crate::multiprocessing::__bootstrap_test;
pub use crate::multiprocessing::bootstrap;
pub use child::Child;
pub use std::process::{ExitStatus, Output, Stdio};
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};

/// Python's `Process.exitcode` for a finished child: the exit code, or
/// `-signal` for a child killed by a signal (as Python reports it).
///
/// # Examples
///
/// ```
/// use myrt::process::Command;
/// myrt::run(async {
///     let mut child = Command::new("sleep").arg("10").spawn().unwrap();
///     child.terminate().unwrap();
///     let status = child.wait().await.unwrap();
///     assert_eq!(myrt::process::exitcode(&status), -libc::SIGTERM);
/// });
/// ```
pub fn exitcode(status: &ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(s)) => -s,
        (None, None) => 0,
    }
}

/// Builds and starts child processes; mirrors [`std::process::Command`].
///
/// # Examples
///
/// ```
/// use myrt::process::Command;
/// myrt::run(async {
///     let out = Command::new("echo").arg("hi").output().await.unwrap();
///     assert_eq!(out.stdout, b"hi\n");
///     assert!(out.status.success());
/// });
/// ```
pub struct Command {
    std: std::process::Command,
    stdin_set: bool,
    stdout_set: bool,
    stderr_set: bool,
    kill_on_drop: bool,
}

impl Command {
    /// A command to run `program` (looked up in `PATH` when it has no `/`).
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds one argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env<K: AsRef<OsStr>, V: AsRef<OsStr>>(&mut self, key: K, val: V) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's standard input (default: inherited; null for
    /// [`output`](Command::output)).
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self.stdin_set = true;
        self
    }

    /// Sets the child's standard output (default: inherited; piped for
    /// [`output`](Command::output)).
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self.stdout_set = true;
        self
    }

    /// Sets the child's standard error (default: inherited; piped for
    /// [`output`](Command::output)).
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self.stderr_set = true;
        self
    }

    /// Whether dropping the [`Child`] (before it was reaped) sends it
    /// SIGKILL. Off by default: a dropped child keeps running and is
    /// reaped in the background when it exits.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The wrapped `std` command (to read what was configured).
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The wrapped `std` command, for settings this type does not mirror
    /// (`std::os::unix::process::CommandExt`: `uid`, `process_group`, ...).
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child (Python `Process.start()`).
    ///
    /// # Errors
    ///
    /// Fails outside a myrt runtime, or when the program cannot be started
    /// (not found, not executable, out of processes or descriptors).
    #[doc(alias("create_subprocess_exec", "Popen"))]
    pub fn spawn(&mut self) -> io::Result<Child> {
        child::reap_orphans();
        // Refuse before starting anything we could not watch.
        crate::runtime::Handle::checked_current().map_err(io::Error::other)?;
        let c = self.std.spawn()?;
        Child::new(c, self.kill_on_drop)
    }

    /// Runs the child to completion and collects its output. Unless set,
    /// stdout and stderr are piped and stdin is null.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn) and [`Child::wait`].
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the child (killed only
    /// with [`kill_on_drop`](Command::kill_on_drop)) and its output so far.
    #[doc(alias("communicate"))]
    pub async fn output(&mut self) -> io::Result<Output> {
        if !self.stdin_set {
            self.std.stdin(Stdio::null());
        }
        if !self.stdout_set {
            self.std.stdout(Stdio::piped());
        }
        if !self.stderr_set {
            self.std.stderr(Stdio::piped());
        }
        let child = self.spawn();
        // Put the defaults of `spawn` back.
        if !self.stdin_set {
            self.std.stdin(Stdio::inherit());
        }
        if !self.stdout_set {
            self.std.stdout(Stdio::inherit());
        }
        if !self.stderr_set {
            self.std.stderr(Stdio::inherit());
        }
        child?.wait_with_output().await
    }

    /// Runs the child to completion and returns its exit status
    /// (Python `subprocess.call`).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn) and [`Child::wait`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that nothing is lost but the status: the child is
    /// dropped (killed only with [`kill_on_drop`](Command::kill_on_drop)).
    #[doc(alias("call"))]
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            stdin_set: false,
            stdout_set: false,
            stderr_set: false,
            kill_on_drop: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.std, f)
    }
}

/// Makes every later spawned child use the SIGCHLD fallback instead of a
/// pidfd (`false` restores the default). For tests of the fallback path.
#[doc(hidden)]
pub fn __force_sigchld_fallback(force: bool) {
    sys::disable_pidfd(force);
}
