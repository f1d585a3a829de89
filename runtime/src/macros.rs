//! `select!`, `join!` and `try_join!`: wait on several futures in one task.
//!
//! They are thin `macro_rules!` wrappers that hand `$crate` to the
//! procedural expansions in `myrt-macros`, so they work with nothing but
//! `myrt` in `Cargo.toml`, also when the crate is renamed.

/// Waits on several futures at once and runs the handler of the first one
/// to complete; the others are dropped (tokio's `select!`; asyncio:
/// `asyncio.wait(..., return_when=FIRST_COMPLETED)` followed by cancelling
/// the rest).
///
/// ```text
/// myrt::select! {
///     biased;                                  // optional: poll in order
///     pattern = future, if condition => handler,
///     pattern = future => { handler }
///     else => handler,                         // optional
/// }
/// ```
///
/// 1. Every `if condition` is evaluated; a false one disables its branch.
/// 2. Every future expression is evaluated (also those of disabled
///    branches; they are never polled) and pinned on the stack.
/// 3. The enabled futures are polled, starting at a random branch so no
///    branch starves (with `biased;`, in the order written). When one
///    completes, its output is matched against its pattern: on a match,
///    the other futures are dropped and the handler runs with the
///    pattern's bindings; on a mismatch, the branch is disabled and the
///    others keep going.
/// 4. When every branch is disabled, the `else` handler runs; without one,
///    `select!` panics (a programmer error: add an `else` branch to handle
///    it).
///
/// Handlers run outside the polling, so `return`, `?`, `break` and
/// `continue` in them act on the surrounding code. The whole `select!` is
/// an expression whose value is the handler's. At most 64 branches.
///
/// # Cancel safety
///
/// `select!` itself holds nothing: dropping it drops the futures it was
/// polling. When one branch wins, the losers are dropped, so in a loop use
/// futures that are cancel safe (each primitive's docs say) or pass
/// `&mut fut` of a future pinned outside the loop to keep its progress.
///
/// # Examples
///
/// A timeout, the first message of two channels, and a loop that ends when
/// both are closed:
///
/// ```
/// use std::time::Duration;
/// use myrt::sync::mpsc;
///
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {
///     let (tx_a, mut a) = mpsc::unbounded_channel::<u32>();
///     let (tx_b, mut b) = mpsc::unbounded_channel::<u32>();
///     tx_a.send(1).unwrap();
///     tx_b.send(2).unwrap();
///     drop((tx_a, tx_b));
///
///     let mut seen = Vec::new();
///     loop {
///         // A closed channel yields `None`, which does not match `Some`:
///         // that branch is disabled for this round; when both are, `else`.
///         myrt::select! {
///             Some(v) = a.recv() => seen.push(v),
///             Some(v) = b.recv() => seen.push(v * 10),
///             else => break,
///         }
///     }
///     seen.sort();
///     assert_eq!(seen, [1, 20]);
///
///     let slow = myrt::select! {
///         _ = myrt::time::sleep(Duration::from_secs(60)) => false,
///         _ = myrt::time::sleep(Duration::from_millis(1)) => true,
///     };
///     assert!(slow);
/// }
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__private::select_impl!($crate; $($tokens)*)
    };
}

/// Runs several futures concurrently in the current task and returns all
/// their outputs as a tuple, in the order written (tokio's `join!`;
/// asyncio: `await asyncio.gather(a, b)` of a fixed set, without creating
/// tasks).
///
/// Nothing is spawned: the futures are pinned on the stack and polled by
/// the task awaiting the `join!`, so they may borrow local variables and
/// need not be `Send`. For a list of futures of one type, see
/// [`task::gather`](crate::task::gather).
///
/// # Cancel safety
///
/// Dropping the `join!` drops every future it holds; outputs already
/// produced are dropped with it.
///
/// # Examples
///
/// ```
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {
///     let name = String::from("myrt");
///     let (len, doubled, ()) = myrt::join!(
///         async { name.len() },
///         async { myrt::task::yield_now().await; 21 * 2 },
///         myrt::task::yield_now(),
///     );
///     assert_eq!((len, doubled), (4, 42));
/// }
/// ```
#[macro_export]
macro_rules! join {
    ($($tokens:tt)*) => {
        $crate::__private::join_impl!($crate; $($tokens)*)
    };
}

/// Runs several futures returning `Result` concurrently and returns
/// `Ok` with a tuple of their values, or the first `Err`, at which point
/// the rest are dropped (tokio's `try_join!`; asyncio: `gather` without
/// `return_exceptions`, except that the others are cancelled). Every
/// future must have the same error type.
///
/// # Cancel safety
///
/// Dropping the `try_join!` drops every future it holds.
///
/// # Examples
///
/// ```
/// #[myrt::main(flavor = "current_thread")]
/// async fn main() {
///     let ok: Result<(u8, &str), String> =
///         myrt::try_join!(async { Ok(1) }, async { Ok("two") });
///     assert_eq!(ok, Ok((1, "two")));
///
///     let err: Result<(u8, ()), String> = myrt::try_join!(
///         async { Err("no".to_string()) },
///         std::future::pending::<Result<(), String>>(),
///     );
///     assert_eq!(err, Err("no".to_string()));
/// }
/// ```
#[macro_export]
macro_rules! try_join {
    ($($tokens:tt)*) => {
        $crate::__private::try_join_impl!($crate; $($tokens)*)
    };
}
