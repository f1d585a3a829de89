//! Python's `multiprocessing` and `ProcessPoolExecutor`: Rust functions
//! run in worker processes, their results awaited from tasks or blocked on
//! from threads.
//!
//! | Python | myrt |
//! | --- | --- |
//! | a function picklable by name | a function marked [`#[myrt::process_fn]`](crate::process_fn) |
//! | `if __name__ == "__main__":` | [`bootstrap`], called by `#[myrt::main]` and `#[myrt::test]` |
//! | `Process(target=f, args=(x,)).start()` | [`Process::new`]`(f, (x,)).start()` → [`ProcessHandle`] |
//! | `Pool(n)`, `apply_async`, `map`, `imap`, `imap_unordered`, `starmap` | [`Pool`] |
//! | `ProcessPoolExecutor(n)`, `submit`, `map`, `shutdown` | [`ProcessPoolExecutor`] |
//! | `executor.submit(f, *args)` on any executor | [`Executor::submit`](crate::executor::Executor::submit)`(`[`call`]`(f, args))` |
//! | `Queue(maxsize)`, `put`, `get`, `close` | [`Queue`] (passed to a process as an argument) |
//! | `a, b = Pipe()`, `send`, `recv` | [`Pipe::new`] → two [`Connection`]s |
//! | `BrokenProcessPool` | [`FutureError::BrokenPool`](crate::executor::FutureError::BrokenPool) |
//!
//! # How it works
//!
//! There is no `fork` (a multi-threaded process cannot fork safely). A
//! worker is the current binary re-executed (`/proc/self/exe`) with a
//! marker in its environment and one end of a Unix socket pair as its
//! stdin; [`bootstrap`] sees the marker, puts
//! `/dev/null` on stdin, serves calls over the socket and exits, so the
//! user's `main` never runs in a worker. In a test binary the worker
//! re-runs the binary with one `#[myrt::test]` selected (`<name> --exact`),
//! whose `bootstrap` serves likewise.
//!
//! Calls name the function by its path and a hash of its signature,
//! recorded by `#[myrt::process_fn]` in a registry that every copy of the
//! binary fills before `main`; arguments and results are
//! [serde](https://serde.rs) types, sent as length-prefixed
//! [postcard](https://docs.rs/postcard) frames. The parent's end of each
//! socket is registered with the reactor: no thread per worker.
//!
//! Linux only: elsewhere starting a worker fails with
//! [`ErrorKind::Unsupported`](std::io::ErrorKind::Unsupported).

mod pool;
mod process;
mod queue;
mod registry;
mod spawn;
mod wire;
mod worker;

pub use pool::{IMap, IMapIter, Pool, PoolBuilder, ProcessPoolExecutor};
pub use process::{Process, ProcessHandle};
pub use queue::{Connection, GetError, Pipe, PutError, Queue};
pub use registry::{call, Call, ProcessFn};
pub use wire::RemotePanic;

/// Serves as a worker and exits if this process was started as one;
/// otherwise records that workers may be started, and returns.
///
/// `#[myrt::main]` and `#[myrt::test]` call it first; a hand-written
/// `main` that starts processes must call it before anything else (Python's
/// `if __name__ == "__main__":` guard). Starting a worker without it is
/// an error, so a worker never runs `main`.
///
/// # Examples
///
/// ```no_run
/// # #![allow(clippy::needless_doctest_main)]
/// fn main() {
///     myrt::process::bootstrap();
///     // ... the program, which may start myrt::multiprocessing workers
/// }
/// ```
pub fn bootstrap() {
    if let Some(spec) = std::env::var_os(worker::ENV) {
        // Not inherited by what the worker's function starts.
        std::env::remove_var(worker::ENV);
        let code = worker::main(&spec.to_string_lossy());
        std::process::exit(code);
    }
    spawn::mark_bootstrapped();
}

/// What `#[myrt::test]` calls: [`bootstrap`], and remembers the test
/// (`module_path!()` and the function's name) so workers can re-run the
/// test binary with this test selected.
#[doc(hidden)]
pub fn __bootstrap_test(module_path: &str, name: &str) {
    let test = match module_path.split_once("::") {
        Some((_crate, path)) => format!("{path}::{name}"),
        None => name.to_owned(),
    };
    spawn::record_test(test);
    bootstrap();
}

/// Waits until every non-daemon [`Process`] started so far has exited
/// (Python joins them at interpreter exit); `#[myrt::main]` awaits it
/// after the body returns.
///
/// # Cancel safety
///
/// Cancel safe.
pub async fn join_non_daemon() {
    process::join_non_daemon().await;
}

/// What `#[myrt::main]` blocks on: `body`, then [`join_non_daemon`].
#[doc(hidden)]
pub async fn __join_non_daemon_after<F: std::future::Future>(body: F) -> F::Output {
    let output = body.await;
    join_non_daemon().await;
    output
}

/// What `#[myrt::process_fn]` expands to uses these; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use super::registry::{register, run_batch, signature_hash, type_id_of_val, Entry, Shim};
}
