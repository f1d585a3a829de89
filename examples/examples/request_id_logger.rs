//! asyncio `contextvars` request-id logging on myrt's `task_local!`:
//! concurrent requests log through one function that never gets the id
//! passed, and each line carries the right one.
//!
//! ```text
//! cargo run --example request_id_logger
//! ```

use std::sync::{Arc, Mutex};

use myrt_examples::ports::request_id;

#[myrt::main]
async fn main() {
    let sink: request_id::Sink = Arc::new(Mutex::new(Vec::new()));
    request_id::serve(sink.clone(), 3).await;
    for line in sink.lock().unwrap().iter() {
        println!("{line}");
    }
}
