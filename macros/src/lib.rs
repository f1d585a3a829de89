//! `#[myrt::main]` and `#[myrt::test]`: run an `async fn` on a myrt runtime.
//!
//! Use them through the `myrt` crate, which re-exports both. They turn an
//! `async fn` into a plain one that builds a runtime and blocks on the body,
//! like `asyncio.run(main())` at the bottom of a Python script:
//!
//! ```
//! #[myrt::main]
//! async fn main() {
//!     let answer = myrt::spawn(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(answer, 42);
//! }
//! ```
//!
//! Both take the same options, written `name = value` and separated by commas:
//!
//! | option | values | default |
//! | --- | --- | --- |
//! | `flavor` | `"multi_thread"` (work-stealing pool) or `"current_thread"` (everything on the calling thread) | `"multi_thread"` for `main`, `"current_thread"` for `test` |
//! | `worker_threads` | a positive integer literal; `multi_thread` only | the runtime builder's default (one per CPU) |
//! | `crate` | a path to the runtime crate, as a string, for when `myrt` is renamed or re-exported | `"::myrt"` |
//! | `start_paused` | `true` builds the runtime with its clock paused (`myrt::time::pause`): timers complete as soon as the runtime is idle, so a test of a 30 s timeout takes microseconds; `current_thread` only | `false` |
//! | `wait_threads` | `main` only: `true` waits, after the body returns, for every live non-daemon `myrt::multiprocessing::Process` and `myrt::thread::Thread` (`myrt::multiprocessing::join_non_daemon`, `myrt::thread::join_non_daemon`, as Python waits for them at interpreter exit); `false` returns at once | `true` |
//!
//! Mistakes are compile errors pointing at the offending token; the function
//! is still expanded next to the error, so the rest of the code keeps
//! type-checking and IDE completion keeps working.
#![deny(unsafe_code)]

mod config;
mod expand;
mod process_fn;
mod select;

use proc_macro::TokenStream;

/// Runs an `async fn main` on a myrt runtime (multi-thread by default).
///
/// ```
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {
///     println!("hello from myrt");
/// }
/// ```
///
/// expands to (the function keeps its attributes, visibility and return type)
///
/// ```
/// fn main() {
///     ::myrt::process::bootstrap();
///     let body = async move {
///         println!("hello from myrt");
///     };
///     let runtime = ::myrt::runtime::Builder::new_current_thread()
///         .build()
///         .expect("failed to build the myrt runtime");
///     let output = runtime.block_on(::myrt::multiprocessing::__join_non_daemon_after(body));
///     ::myrt::thread::join_non_daemon();
///     output
/// }
/// ```
///
/// After the body returns, `main` waits for every non-daemon
/// [`myrt::thread::Thread`](https://docs.rs/myrt/latest/myrt/thread/) still
/// running (the runtime stays up meanwhile), as Python waits for its
/// non-daemon threads at exit. Opt out per thread with `daemon(true)`, or
/// for the whole program with `wait_threads = false`, which expands to a
/// plain `block_on` (`::myrt::runtime::Builder::...build().expect(..).block_on(body)`).
///
/// See the [crate docs](crate) for the options: `flavor` (default
/// `"multi_thread"`), `worker_threads`, `wait_threads` and `crate`.
///
/// # Examples
///
/// Four workers, and a `Result` returned from `main`:
///
/// ```
/// #[myrt::main(worker_threads = 4)]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "42".parse()?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// A non-daemon thread outlives the body; `main` waits for it:
///
/// ```
/// #[myrt::main]
/// async fn main() {
///     myrt::thread::Thread::new(|| println!("printed before the process exits")).start();
/// }
/// ```
///
/// Not waiting (daemon-like program exit):
///
/// ```
/// #[myrt::main(wait_threads = false)]
/// async fn main() {}
/// ```
///
/// With the runtime crate under another name:
///
/// ```
/// use myrt as rt;
///
/// #[rt::main(crate = "rt")]
/// async fn main() {}
/// ```
///
/// # Panics
///
/// The generated `main` panics with "failed to build the myrt runtime" if the
/// runtime cannot be built (for example, the OS refuses to start threads).
///
/// # Errors
///
/// Each example below fails to compile; the one after it differs only in the
/// fix and compiles.
///
/// The function must be `async` (the error points at `fn`):
///
/// ```compile_fail
/// #[myrt::main]
/// fn main() {}
/// ```
/// ```
/// #[myrt::main]
/// async fn main() {}
/// ```
///
/// Unknown options are rejected (the error lists the valid ones):
///
/// ```compile_fail
/// #[myrt::main(flavour = "current_thread")]
/// async fn main() {}
/// ```
/// ```
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {}
/// ```
///
/// So are bad values, pointed at the value:
///
/// ```compile_fail
/// #[myrt::main(flavor = "single_thread")]
/// async fn main() {}
/// ```
/// ```
/// #[myrt::main(flavor = "multi_thread")]
/// async fn main() {}
/// ```
///
/// `worker_threads` must be at least 1:
///
/// ```compile_fail
/// #[myrt::main(worker_threads = 0)]
/// async fn main() {}
/// ```
/// ```
/// #[myrt::main(worker_threads = 1)]
/// async fn main() {}
/// ```
///
/// `worker_threads` needs the multi-thread flavor:
///
/// ```compile_fail
/// #[myrt::main(flavor = "current_thread", worker_threads = 2)]
/// async fn main() {}
/// ```
/// ```
/// #[myrt::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {}
/// ```
///
/// Each option may be given once:
///
/// ```compile_fail
/// #[myrt::main(worker_threads = 2, worker_threads = 2)]
/// async fn main() {}
/// ```
/// ```
/// #[myrt::main(worker_threads = 2)]
/// async fn main() {}
/// ```
///
/// `crate` must name a path:
///
/// ```compile_fail
/// #[myrt::main(crate = "my rt")]
/// async fn main() {}
/// ```
/// ```
/// #[myrt::main(crate = "myrt")]
/// async fn main() {}
/// ```
///
/// `main` takes no arguments and no generic parameters:
///
/// ```compile_fail
/// #[myrt::main]
/// async fn main(args: Vec<String>) {}
/// ```
/// ```compile_fail
/// #[myrt::main]
/// async fn main<T>() {}
/// ```
/// ```
/// #[myrt::main]
/// async fn main() {
///     let _args: Vec<String> = std::env::args().collect();
/// }
/// ```
#[allow(clippy::needless_doctest_main)] // the expansion shown above is a `fn main`
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::main_impl(attr.into(), item.into()).into()
}

/// Runs an `async fn` test on a myrt runtime (current-thread by default).
///
/// The function becomes a `#[test]` that builds its own runtime, so each test
/// is isolated. Other attributes (`#[should_panic]`, `#[ignore]`, ...) are
/// kept, and the test may return a `Result` like any `#[test]`. The options
/// are those of [`main`](macro@main); only the default flavor differs.
///
/// # Examples
///
/// ```
/// #[myrt::test]
/// async fn joins_a_task() {
///     assert_eq!(myrt::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
///
/// #[myrt::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {}
///
/// #[myrt::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     panic!("boom");
/// }
/// # fn main() {}
/// ```
///
/// # Panics
///
/// The test panics with "failed to build the myrt runtime" if the runtime
/// cannot be built.
///
/// # Errors
///
/// Besides the option errors of [`main`](macro@main), each shown failing and
/// then fixed:
///
/// The test must be `async`:
///
/// ```compile_fail
/// #[myrt::test]
/// fn not_async() {}
/// # fn main() {}
/// ```
/// ```
/// #[myrt::test]
/// async fn not_async() {}
/// # fn main() {}
/// ```
///
/// A test takes no arguments:
///
/// ```compile_fail
/// #[myrt::test]
/// async fn with_input(n: u32) {}
/// # fn main() {}
/// ```
/// ```
/// #[myrt::test]
/// async fn with_input() {}
/// # fn main() {}
/// ```
///
/// `worker_threads` needs `flavor = "multi_thread"`, which is not the default
/// for tests:
///
/// ```compile_fail
/// #[myrt::test(worker_threads = 2)]
/// async fn two_workers() {}
/// # fn main() {}
/// ```
/// ```
/// #[myrt::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn two_workers() {}
/// # fn main() {}
/// ```
///
/// `wait_threads` is for `main` only (a test never waits for its threads):
///
/// ```compile_fail
/// #[myrt::test(wait_threads = false)]
/// async fn waits() {}
/// # fn main() {}
/// ```
/// ```
/// #[myrt::test]
/// async fn waits() {}
/// # fn main() {}
/// ```
///
/// `start_paused = true` pauses the clock (current-thread only):
///
/// ```
/// #[myrt::test(start_paused = true)]
/// async fn a_long_timeout_in_no_time() {
///     let t = myrt::time::Instant::now();
///     let r = myrt::time::timeout(
///         std::time::Duration::from_secs(30),
///         std::future::pending::<()>(),
///     )
///     .await;
///     assert!(r.is_err());
///     assert!(t.elapsed() >= std::time::Duration::from_secs(30));
/// }
/// # fn main() {}
/// ```
/// ```compile_fail
/// #[myrt::test(flavor = "multi_thread", start_paused = true)]
/// async fn paused() {}
/// # fn main() {}
/// ```
///
/// `#[myrt::test]` already adds `#[test]`; a second one is an error:
///
/// ```compile_fail
/// #[myrt::test]
/// #[test]
/// async fn twice() {}
/// # fn main() {}
/// ```
/// ```
/// #[myrt::test]
/// async fn twice() {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::test_impl(attr.into(), item.into()).into()
}

/// Registers a function so worker processes can run it (what makes a
/// Python function usable as `Process(target=…)` or `pool.map(f, …)`: it
/// is found by name in the child).
///
/// The function stays an ordinary function. Next to it the attribute
/// records its path, a hash of its argument and return types and a shim
/// that decodes the arguments, calls it and encodes the result, in a
/// registry filled before `main` in every copy of the binary. Arguments
/// and the result must implement serde's `Serialize` and `Deserialize`.
///
/// ```no_run
/// #[myrt::process_fn]
/// fn count_primes(lo: u64, hi: u64) -> usize {
///     (lo..hi).filter(|&n| n > 1 && (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0)).count()
/// }
///
/// #[myrt::main]
/// async fn main() {
///     let pool = myrt::multiprocessing::Pool::new(2).unwrap();
///     let n = pool.apply_async(count_primes, (0, 1000)).unwrap().await.unwrap();
///     assert_eq!(n, 168);
/// }
/// ```
///
/// Option: `crate = "path"` when the runtime crate is renamed.
///
/// # Errors
///
/// Only functions that can be called by name in another process are
/// accepted: not `async`, not generic, no `self`, no `impl Trait`
/// argument, at most six arguments.
///
/// ```compile_fail
/// #[myrt::process_fn]
/// fn generic<T>(t: T) -> T { t }
/// # fn main() {}
/// ```
/// ```
/// #[myrt::process_fn]
/// fn concrete(t: u32) -> u32 { t }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn process_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    process_fn::process_fn_impl(attr.into(), item.into()).into()
}

/// The expansion of `myrt::select!` (use that macro; this one takes the
/// runtime crate's path first, `$crate; branches...`).
#[doc(hidden)]
#[proc_macro]
pub fn select_impl(input: TokenStream) -> TokenStream {
    select::select_impl(input.into()).into()
}

/// The expansion of `myrt::join!` (use that macro).
#[doc(hidden)]
#[proc_macro]
pub fn join_impl(input: TokenStream) -> TokenStream {
    select::join_impl(input.into(), false).into()
}

/// The expansion of `myrt::try_join!` (use that macro).
#[doc(hidden)]
#[proc_macro]
pub fn try_join_impl(input: TokenStream) -> TokenStream {
    select::join_impl(input.into(), true).into()
}
