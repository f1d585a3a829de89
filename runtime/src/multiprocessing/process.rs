//! [`Process`]: one function call in a new process (Python
//! `multiprocessing.Process`).

use std::any::type_name;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use futures_util::future::{select, Either};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::registry::{self, Entry, ProcessFn};
use super::spawn::{self, describe_exit};
use super::wire::{Batch, RemotePanic, ToWorker};
use crate::executor::{Future, Promise};
use crate::sync::Event;

/// A function call to run in a new process (Python
/// `multiprocessing.Process(target=f, args=…)`), configured, not started.
///
/// `f` must be marked `#[myrt::process_fn]`; `args` is the tuple of its
/// arguments (`(x,)` for one, `()` for none). [`start`](Process::start)
/// re-executes the current binary as the child (never `fork`); the child
/// runs `f(args…)`, sends the result back and exits.
///
/// | Python | myrt |
/// | --- | --- |
/// | `p = Process(target=f, args=(x,), name=n, daemon=d)` | `Process::new(f, (x,)).name(n).daemon(d)` |
/// | `p.start()` | [`start`](Process::start) → [`ProcessHandle`] |
///
/// # Examples
///
/// ```no_run
/// #[myrt::process_fn]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// #[myrt::main]
/// async fn main() {
///     let p = myrt::multiprocessing::Process::new(square, (12,)).start().unwrap();
///     assert_eq!(p.join().await, 0);
///     assert_eq!(p.future().await.unwrap(), 144);
/// }
/// ```
#[must_use = "a Process does nothing until started"]
pub struct Process<F, A> {
    f: F,
    args: A,
    name: Option<String>,
    daemon: bool,
}

impl<F, A> fmt::Debug for Process<F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process")
            .field("target", &type_name::<F>())
            .field("name", &self.name)
            .field("daemon", &self.daemon)
            .finish()
    }
}

/// The entry of `F`, or the error that says it is not registered.
pub(crate) fn entry_of<F: 'static>() -> io::Result<&'static Entry> {
    registry::by_type(std::any::TypeId::of::<F>()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "`{}` cannot run in another process: only functions marked \
                 #[myrt::process_fn] can (closures and unmarked functions cannot)",
                type_name::<F>()
            ),
        )
    })
}

/// The postcard encoding of a batch of calls (`Vec<Args>`).
pub(crate) fn encode_batch<A: Serialize>(calls: &[A]) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(calls).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot encode the arguments: {e}"),
        )
    })
}

/// The postcard encoding of a batch of one call.
pub(crate) fn encode_one<A: Serialize>(args: &A) -> io::Result<Vec<u8>> {
    encode_batch(std::slice::from_ref(args))
}

/// Decodes the reply to a batch of one call.
pub(crate) fn decode_one<R: DeserializeOwned>(
    body: &[u8],
) -> Result<Result<R, RemotePanic>, String> {
    let batch: Batch<R> =
        postcard::from_bytes(body).map_err(|e| format!("cannot decode the result: {e}"))?;
    let mut v = batch.into_results();
    match (v.pop(), v.is_empty()) {
        (Some(r), true) => Ok(r),
        _ => Err("the worker answered with the wrong number of results".to_owned()),
    }
}

impl<F, A> Process<F, A>
where
    F: ProcessFn<A>,
    A: Serialize,
    F::Output: DeserializeOwned + Send + 'static,
{
    /// A call of `f(args…)` in a new process (Python `Process(target=f,
    /// args=args)`).
    pub fn new(f: F, args: A) -> Self {
        Process {
            f,
            args,
            name: None,
            daemon: false,
        }
    }

    /// Names the process (Python `name=`); the default is `Process-<n>`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A daemon process (Python `daemon=True`) dies with its parent: it gets `PR_SET_PDEATHSIG` (SIGKILL when
    /// the parent dies) and its own process group, so
    /// [`terminate`](ProcessHandle::terminate) reaches the processes it
    /// started too. myrt starts daemon processes from one long-lived
    /// thread, so "the parent" is the parent process.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Starts the process (Python `p.start()`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](io::ErrorKind::NotFound) if `f` is not
    /// marked `#[myrt::process_fn]`; `InvalidInput` if the arguments cannot
    /// be encoded; `Unsupported` off Linux; an error outside a myrt
    /// runtime, before [`bootstrap`](crate::process::bootstrap) ran, or
    /// when the OS refuses the process.
    pub fn start(self) -> io::Result<ProcessHandle<F::Output>> {
        let _ = self.f;
        let entry = entry_of::<F>()?;
        let batch = encode_one(&self.args)?;
        let name = self
            .name
            .unwrap_or_else(|| format!("Process-{}", next_process_number()));
        let mut worker = spawn::start(name.clone(), self.daemon)?;
        let pid = worker.pid;
        let (future, promise) = Future::pending();
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            exited: Event::new(),
            group: self.daemon,
        });
        let s = Arc::clone(&shared);
        let handle = crate::runtime::Handle::checked_current().map_err(io::Error::other)?;
        if !self.daemon {
            track_non_daemon(&shared);
        }
        // Whatever happens to the task (even dropped unpolled at runtime
        // shutdown, which kills the child), joiners are released.
        let release = Release(Arc::clone(&s));
        drop(handle.spawn(async move {
            let _release = release;
            let state = Arc::clone(&s);
            let work = async move {
                let s = state;
                let mut promise = Some(promise);
                let answered =
                    converse::<F::Output>(&mut worker, entry, &batch, &mut promise).await;
                let status = worker.child.wait().await;
                // In the same poll as the reaping: the pump beside this
                // future never runs between the two.
                s.lock().reaped = true;
                let code = status
                    .as_ref()
                    .map_or(-libc::SIGKILL, crate::process::exitcode);
                if let Some(p) = promise.take() {
                    let how = match &status {
                        Ok(st) => describe_exit(st),
                        Err(e) => format!("could not be waited for ({e})"),
                    };
                    let why = match answered {
                        Err(e) => format!("process {} ({}) {how}: {e}", worker.pid, worker.name),
                        Ok(()) => format!(
                            "process {} ({}) {how} without answering",
                            worker.pid, worker.name
                        ),
                    };
                    p.set_worker_died(&why);
                }
                // Its channel closed before anyone sees it exited.
                drop(worker);
                s.lock().exitcode = Some(code);
            };
            // Signals asked for are sent while the child is unreaped.
            let pump = SignalPump(Arc::clone(&s)).run(pid);
            match select(Box::pin(work), Box::pin(pump)).await {
                Either::Left(((), _)) => {}
                Either::Right(((), _)) => unreachable!("the signal pump never ends"),
            }
        }));
        Ok(ProcessHandle {
            pid,
            name,
            daemon: self.daemon,
            shared,
            future,
            _out: PhantomData,
        })
    }
}

/// Sends the call, reads the answer into `promise` and tells the worker
/// to exit (status 1 if the call panicked, as Python's exit code).
async fn converse<R: DeserializeOwned>(
    worker: &mut spawn::Worker,
    entry: &Entry,
    batch: &[u8],
    promise: &mut Option<Promise<R>>,
) -> io::Result<()> {
    let body = worker.conn.call(entry, batch).await?;
    let p = promise.take().expect("answered once");
    let code = match body.and_then(|b| decode_one::<R>(&b)) {
        Ok(Ok(v)) => {
            let _ = p.set_result(v);
            0
        }
        Ok(Err(panic)) => {
            p.set_remote_panic(panic.message, panic.location);
            1
        }
        Err(why) => {
            p.set_remote_panic(why, None);
            1
        }
    };
    worker.conn.send(&ToWorker::Exit { code }).await
}

/// The non-daemon processes that may still run, for
/// [`join_non_daemon`](super::join_non_daemon).
static NON_DAEMON: Mutex<Vec<Arc<Shared>>> = Mutex::new(Vec::new());

fn track_non_daemon(shared: &Arc<Shared>) {
    let mut live = NON_DAEMON
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    live.retain(|s| !s.exited.is_set());
    live.push(Arc::clone(shared));
}

pub(crate) async fn join_non_daemon() {
    loop {
        let next = {
            let mut live = NON_DAEMON
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            live.retain(|s| !s.exited.is_set());
            live.first().cloned()
        };
        match next {
            Some(s) => s.exited.wait().await,
            None => return,
        }
    }
}

fn next_process_number() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

#[derive(Default)]
pub(crate) struct State {
    /// Python's `exitcode`: set once the child is reaped.
    pub(crate) exitcode: Option<i32>,
    /// The child was reaped: no signal may be sent any more.
    pub(crate) reaped: bool,
    /// Signals asked for and not yet sent.
    pub(crate) signals: Vec<i32>,
    pub(crate) waker: Option<Waker>,
}

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) exited: Event,
    /// Signal the whole process group (a daemon worker leads its own).
    pub(crate) group: bool,
}

impl Shared {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Asks the monitor task to send `sig` (it does, unless the child was
    /// reaped: only the monitor reaps, so the pid cannot be reused first).
    pub(crate) fn signal(&self, sig: i32) {
        let mut st = self.lock();
        if st.reaped {
            return;
        }
        st.signals.push(sig);
        if let Some(w) = st.waker.take() {
            drop(st);
            w.wake();
        }
    }
}

/// Sends the signals asked for through [`Shared::signal`], forever; run
/// beside the wait for the child's exit, in the task that reaps it.
pub(crate) struct SignalPump(pub(crate) Arc<Shared>);

impl SignalPump {
    pub(crate) async fn run(self, pid: u32) {
        poll_fn(|cx| {
            let sigs = {
                let mut st = self.0.lock();
                st.waker = Some(cx.waker().clone());
                std::mem::take(&mut st.signals)
            };
            for sig in sigs {
                // The child is not reaped: reaping happens in this same
                // task, after this poll, and marks `reaped` first.
                let target = if self.0.group {
                    // A process group's id is its leader's pid; the leader
                    // is unreaped, so the id is still its group's.
                    pid.wrapping_neg()
                } else {
                    pid
                };
                let _ = crate::process::sys::kill_target(target, sig);
            }
            Poll::<()>::Pending
        })
        .await;
    }
}

/// Marks the process exited when the monitor task ends, however it ends.
struct Release(Arc<Shared>);

impl Drop for Release {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.reaped = true;
        if st.exitcode.is_none() {
            // Dropped at runtime shutdown: the child was killed with it.
            st.exitcode = Some(-libc::SIGKILL);
        }
        drop(st);
        self.0.exited.set();
    }
}

/// A started [`Process`]: its pid, its life and the function's result.
///
/// | Python | myrt |
/// | --- | --- |
/// | `p.pid`, `p.name`, `p.daemon` | [`pid`](Self::pid), [`name`](Self::name), [`is_daemon`](Self::is_daemon) |
/// | `p.join()` (in a task) | [`join`](Self::join)`().await` → the exit code |
/// | `p.join(timeout)` (in a thread) | [`join_blocking`](Self::join_blocking)`(timeout)` → whether it exited |
/// | `p.is_alive()`, `p.exitcode` | [`is_alive`](Self::is_alive), [`exitcode`](Self::exitcode) (`-signal` if killed) |
/// | `p.terminate()`, `p.kill()` | [`terminate`](Self::terminate) (SIGTERM), [`kill`](Self::kill) (SIGKILL) |
/// | `p.close()` | [`close`](Self::close) (gives the handle back while running) |
/// | the target's return value (Python drops it) | [`future`](Self::future): an [`executor::Future`](crate::executor::Future) |
///
/// Dropping the handle neither kills nor leaks the child: it is still
/// reaped by the runtime, and killed if the runtime shuts down first.
pub struct ProcessHandle<R> {
    pid: u32,
    name: String,
    daemon: bool,
    shared: Arc<Shared>,
    future: Future<R>,
    _out: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for ProcessHandle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessHandle")
            .field("pid", &self.pid)
            .field("name", &self.name)
            .field("daemon", &self.daemon)
            .field("exitcode", &self.exitcode())
            .finish()
    }
}

impl<R> ProcessHandle<R> {
    /// The child's process id (Python `p.pid`).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The process's name (Python `p.name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it was started as a daemon (Python `p.daemon`).
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// Whether the child still runs (Python `p.is_alive()`): `true` until
    /// it has exited and been reaped.
    pub fn is_alive(&self) -> bool {
        self.shared.lock().exitcode.is_none()
    }

    /// The exit code once the child ended (Python `p.exitcode`): `0` after
    /// the function returned, `1` after it panicked, `-N` when killed by
    /// signal `N`; `None` while it runs.
    pub fn exitcode(&self) -> Option<i32> {
        self.shared.lock().exitcode
    }

    /// Waits for the child to exit and returns its exit code (Python
    /// `p.join()` then `p.exitcode`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the wait changes nothing.
    pub async fn join(&self) -> i32 {
        self.shared.exited.wait().await;
        self.exitcode().unwrap_or(-libc::SIGKILL)
    }

    /// Blocks the calling thread until the child exits or `timeout`
    /// passes (Python `p.join(timeout)`); `true` if it exited. A timeout of
    /// [`TIMEOUT_MAX`](crate::sync::TIMEOUT_MAX) or more waits forever.
    /// Do not call it on a thread that drives the runtime the process was
    /// started on (a `current_thread` runtime's `block_on`): use
    /// [`join`](Self::join) there.
    #[doc(alias = "join")]
    pub fn join_blocking(&self, timeout: Duration) -> bool {
        self.shared.exited.blocking_wait_timeout(timeout)
    }

    /// Sends SIGTERM (Python `p.terminate()`), to the whole process group
    /// of a daemon process; a no-op once it has exited.
    pub fn terminate(&self) {
        self.shared.signal(libc::SIGTERM);
    }

    /// Sends SIGKILL (Python `p.kill()`); a no-op once it has exited.
    pub fn kill(&self) {
        self.shared.signal(libc::SIGKILL);
    }

    /// The function's result: an [`executor::Future`](crate::executor::Future)
    /// to `.await` or block on. A panic in the child comes back as
    /// [`FutureError::Panicked`](crate::executor::FutureError::Panicked)
    /// with the message and location; a child that dies without answering
    /// gives [`FutureError::WorkerDied`](crate::executor::FutureError::WorkerDied).
    pub fn future(&self) -> Future<R> {
        self.future.clone()
    }

    /// Releases the handle (Python `p.close()`).
    ///
    /// # Errors
    ///
    /// Gives the handle back while the process still runs (Python raises
    /// `ValueError`).
    pub fn close(self) -> Result<(), Self> {
        if self.is_alive() {
            Err(self)
        } else {
            Ok(())
        }
    }
}
