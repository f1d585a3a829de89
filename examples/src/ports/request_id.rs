//! Request-id logging with a task-local (asyncio's `contextvars`).
//!
//! ```python
//! request_id = contextvars.ContextVar("request_id")
//! def log(msg): print(f"[{request_id.get()}] {msg}")
//! async def handle(n):
//!     request_id.set(f"req-{n}")
//!     log("start"); await lookup(n); log("done")
//! ```
//!
//! `REQUEST_ID.scope(id, handle(n))` plays `set` in a fresh context: the
//! deepest helper can `log` without being passed the id, and concurrent
//! requests never see each other's. Unlike asyncio, a task spawned inside
//! does not inherit it: [`handle`] passes it to its child explicitly.

use std::sync::{Arc, Mutex};

myrt::task_local! {
    /// The id of the request being handled.
    pub static REQUEST_ID: String;
}

/// Where log lines go.
pub type Sink = Arc<Mutex<Vec<String>>>;

/// Logs `msg` prefixed with the current request id (`-` outside one).
pub fn log(sink: &Sink, msg: &str) {
    let id = REQUEST_ID.try_get().unwrap_or_else(|_| "-".to_owned());
    sink.lock().unwrap().push(format!("[{id}] {msg}"));
}

async fn lookup(sink: &Sink, n: u64) -> u64 {
    for step in 0..3 {
        myrt::task::yield_now().await;
        log(sink, &format!("lookup {n} step {step}"));
    }
    n * 10
}

/// Handles request `n`: logs as it goes and spawns an audit task that
/// gets the id passed on.
pub async fn handle(sink: Sink, n: u64) -> u64 {
    log(&sink, &format!("start {n}"));
    let v = lookup(&sink, n).await;
    let audit_sink = sink.clone();
    let id = REQUEST_ID.get();
    myrt::spawn(REQUEST_ID.scope(id, async move { log(&audit_sink, &format!("audit {n}")) }))
        .await
        .expect("audit task");
    log(&sink, &format!("done {n}"));
    v
}

/// Serves `count` concurrent requests, each in its own scope.
pub async fn serve(sink: Sink, count: u64) -> Vec<u64> {
    let tasks: Vec<_> = (0..count)
        .map(|n| myrt::spawn(REQUEST_ID.scope(format!("req-{n}"), handle(sink.clone(), n))))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("request task"));
    }
    out
}
