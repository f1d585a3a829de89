//! Runnable myrt programs live in `examples/`; this library holds the code
//! an example shares with its benchmark twin on another runtime.

pub mod hyper_service;
pub mod ports;
pub mod tls;

/// The guide's Rust snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/guide.md")]
pub struct Guide;
