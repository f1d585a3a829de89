//! Runnable myrt programs live in `examples/`; this library holds the code
//! an example shares with its benchmark twin on another runtime.

pub mod hyper_service;
pub mod ports;
pub mod tls;
