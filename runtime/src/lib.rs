//! myrt: an async runtime with the ideas of Python's `asyncio`,
//! `threading`, `multiprocessing` and `concurrent.futures`.
//!
//! - a mio-backed reactor and a work-stealing executor: tasks, timers,
//!   TCP/UDP/Unix sockets;
//! - asyncio-style sync primitives usable from tasks and threads
//!   ([`sync`]);
//! - Python's `threading`: named threads with timed joins, `Timer`, and
//!   a registry of every live thread ([`thread`]);
//! - a concurrent.futures-style thread pool whose futures tasks can await
//!   and threads can block on ([`executor`]);
//! - Python's `multiprocessing`: registered Rust functions run in worker
//!   processes, alone or in pools ([`multiprocessing`]);
//! - async files and directories on the blocking pool, tokio-style, with
//!   the `open()`/`pathlib`/`os`/`shutil` names ([`fs`]);
//! - `#[myrt::main]` and `#[myrt::test]`;
//! - [`select!`], [`join!`] and [`try_join!`] to wait on several futures
//!   in one task.
//!
//! # Examples
//!
//! ```
//! #[myrt::main(worker_threads = 2)]
//! async fn main() {
//!     let tasks: Vec<_> = (0..10u64).map(|i| myrt::spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for t in tasks {
//!         sum += t.await.unwrap();
//!     }
//!     assert_eq!(sum, 285);
//! }
//! ```
#![deny(unsafe_code)]

mod macros;
pub mod runtime;
pub mod task;
pub mod thread;

pub use myrt_macros::{main, process_fn, test};
pub use task::spawn;

/// asyncio-style synchronization primitives, usable from tasks and threads.
pub use myrt_sync as sync;

/// Python's `concurrent.futures`: thread pools and futures that tasks can
/// await and threads can block on.
pub use myrt_executor::concurrent as executor;

/// Runs `future` on a new multi-thread runtime and returns its output,
/// like `asyncio.run`. The runtime is dropped (every task cancelled) before
/// this returns.
///
/// # Panics
///
/// Panics if the runtime cannot be built (the OS refuses a thread or the
/// poller) or when called from inside a runtime; [`checked_run`] is the twin.
///
/// # Examples
///
/// ```
/// let v = myrt::run(async { myrt::spawn(async { 7 }).await.unwrap() });
/// assert_eq!(v, 7);
/// ```
#[track_caller]
pub fn run<F: std::future::Future>(future: F) -> F::Output {
    let rt = runtime::Runtime::new().expect("failed to build the myrt runtime");
    rt.block_on(future)
}

/// Like [`run`], but reports failures instead of panicking.
///
/// # Errors
///
/// The OS error if the runtime cannot be built, or an error of kind
/// `Other` (wrapping [`runtime::NestedBlockOn`]) when called from inside a
/// runtime; `future` is dropped unpolled then.
///
/// # Examples
///
/// ```
/// assert_eq!(myrt::checked_run(async { 7 }).unwrap(), 7);
/// ```
#[doc(alias = "try_run")]
pub fn checked_run<F: std::future::Future>(future: F) -> std::io::Result<F::Output> {
    let rt = runtime::Runtime::new()?;
    rt.checked_block_on(future).map_err(std::io::Error::other)
}

// ---- reactor side (driver, timers, networking, I/O) ----
pub(crate) mod driver;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
pub(crate) mod loom;
pub mod net;
pub mod time;
// ---- end of reactor side ----
pub mod fs;
pub mod multiprocessing;
pub mod process;
pub mod signal;

/// What the macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    use std::cell::Cell;

    pub use myrt_macros::{join_impl, select_impl, try_join_impl};

    std::thread_local! {
        static SEED: Cell<u64> = const { Cell::new(0) };
    }

    /// A random branch in `0..n` for `select!` to poll first
    /// (xorshift64*, seeded per thread from the thread's stack address and
    /// the clock; fairness needs no better).
    pub fn select_start(n: usize) -> usize {
        let x = SEED.with(|seed| {
            let mut x = seed.get();
            if x == 0 {
                let here = &x as *const u64 as u64;
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos() as u64);
                x = (here ^ t.rotate_left(32)) | 1;
            }
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            seed.set(x);
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        });
        (((x >> 32) * n as u64) >> 32) as usize
    }
}
