//! myrt: an async runtime.
#![deny(unsafe_code)]
