//! An asyncio-style pipeline: a `TaskGroup` of stages joined by
//! `Queue`s (Python 3.11's `TaskGroup`, 3.13's `Queue.shutdown`).
//!
//! ```python
//! async def pipeline(items, workers):
//!     raw, done = asyncio.Queue(8), asyncio.Queue()
//!     async with asyncio.TaskGroup() as tg:
//!         tg.create_task(produce(items, raw))
//!         for _ in range(workers):
//!             tg.create_task(work(raw, done))
//!     ...
//! ```
//!
//! The producer puts every item, waits until each was processed
//! (`raw.join()`), then shuts the queue down, which ends the workers' `get`
//! loops; the group waits for every stage. A failing stage cancels the
//! others and its error comes out of `join`.

use std::sync::Arc;

use myrt::sync::Queue;
use myrt::task::{GroupError, TaskGroup};

/// Why a pipeline failed.
#[derive(Debug, PartialEq, Eq)]
pub struct BadItem(pub u64);

impl std::fmt::Display for BadItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "item {} is refused", self.0)
    }
}

impl std::error::Error for BadItem {}

/// Squares every item with `workers` concurrent workers; results sorted.
/// An item of 13 is refused, failing the whole group (to show how an error
/// cancels the other stages).
///
/// # Errors
///
/// The group's error when a stage failed.
pub async fn pipeline(items: Vec<u64>, workers: usize) -> Result<Vec<u64>, GroupError<BadItem>> {
    let raw = Arc::new(Queue::new(8));
    let done = Arc::new(Queue::unbounded());
    let mut tg = TaskGroup::new();
    {
        let raw = raw.clone();
        tg.spawn(async move {
            for item in items {
                // Fails only after shutdown, which no one else calls.
                raw.put(item).await.map_err(|_| BadItem(item))?;
            }
            raw.join().await;
            raw.shutdown(false);
            Ok(())
        });
    }
    for _ in 0..workers {
        let (raw, done) = (raw.clone(), done.clone());
        tg.spawn(async move {
            while let Ok(item) = raw.get().await {
                myrt::task::yield_now().await; // "I/O"
                if item == 13 {
                    return Err(BadItem(item));
                }
                done.put_nowait(item * item).expect("unbounded and open");
                raw.task_done().expect("one task_done per get");
            }
            Ok(())
        });
    }
    tg.join().await?;
    let mut out = Vec::new();
    while let Ok(v) = done.get_nowait() {
        out.push(v);
    }
    out.sort_unstable();
    Ok(out)
}
