//! myrt: an async runtime.
#![deny(unsafe_code)]

// ---- reactor side (driver, timers, networking, I/O) ----
pub(crate) mod driver;
pub mod io;
pub mod net;
pub mod time;
// ---- end of reactor side ----
