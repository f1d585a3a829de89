//! Signals: Ctrl-C and Unix signals delivered through the reactor.
//!
//! | Python | myrt |
//! | --- | --- |
//! | `loop.add_signal_handler(SIGINT, ...)`, `KeyboardInterrupt` | [`ctrl_c`]`().await` |
//! | `loop.add_signal_handler(SIGTERM, ...)` | [`unix::signal`]`(SignalKind::terminate())` |
//!
//! # Examples
//!
//! ```no_run
//! myrt::run(async {
//!     myrt::signal::ctrl_c().await.unwrap();
//!     println!("bye");
//! });
//! ```

mod registry;
pub mod unix;

use std::io;

/// Waits for the next Ctrl-C (SIGINT).
///
/// The first call installs a process-wide handler, so from then on Ctrl-C
/// no longer ends the process by default: the program decides.
///
/// # Errors
///
/// Fails outside a myrt runtime or when the handler cannot be installed.
///
/// # Cancel safety
///
/// Cancel safe, but a delivery that arrives while no `ctrl_c` future (or
/// other SIGINT listener) exists is not reported; keep a
/// [`unix::signal`] stream to count every one.
#[doc(alias("KeyboardInterrupt", "add_signal_handler"))]
pub async fn ctrl_c() -> io::Result<()> {
    let mut s = unix::signal(unix::SignalKind::interrupt())?;
    s.recv().await;
    Ok(())
}
