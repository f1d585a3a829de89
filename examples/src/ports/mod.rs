//! Small programs ported from tokio's and asyncio's examples, each
//! run by a test in `examples/tests/ports.rs` and by an example binary:
//!
//! | module | ported from | shows |
//! | --- | --- | --- |
//! | [`proxy`] | tokio `examples/proxy.rs` | `io::copy_bidirectional` |
//! | [`pipeline`] | asyncio `TaskGroup` + `Queue` pipeline | `TaskGroup`, `Queue::join`/`shutdown` |
//! | [`request_id`] | asyncio `contextvars` request-id logging | `task_local!` |
//! | [`chat`] | tokio `examples/chat.rs` | `sync::broadcast`, `select!` |
//! | [`kv`] | tokio `examples/tinydb.rs` + mini-redis shutdown | `sync::RwLock`, `JoinSet`, `Event`, `select!` |
//! | [`crawler`] | asyncio `gather` crawler | `task::gather`, `Semaphore` |

pub mod chat;
pub mod crawler;
pub mod kv;
pub mod pipeline;
pub mod proxy;
pub mod request_id;
