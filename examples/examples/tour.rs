//! A tour of myrt: tasks, join handles, yielding, names, abort and the
//! blocking pool, then a TCP round trip, a Queue shared by a thread and a
//! task, and a thread-pool future awaited from async code.
//!
//! Run it with `cargo run --release --example tour`.

use std::sync::Arc;
use std::time::Duration;

use myrt::executor::{Executor, ThreadPoolExecutor};
use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream};
use myrt::sync::Queue;

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
    myrt::time::sleep(Duration::from_millis(10)).await;
    for t in myrt::task::all() {
        println!("  live task {} name={:?} state={:?}", t.id, t.name, t.state);
    }

    // 4. Abort a task (task.cancel()): awaiting it reports the cancellation.
    named.abort();
    let err = named.await.unwrap_err();
    println!("aborted: {err}");

    // 5. A panicking task does not take the runtime down. The panic is on
    // purpose: the default hook's "thread panicked" report would read as a
    // failure, so it is silenced for this step and put back after.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let err = myrt::spawn(async { panic!("oops") }).await.unwrap_err();
    std::panic::set_hook(hook);
    println!("panicked task gave (on purpose): {err}");

    // 6. Blocking work goes to the blocking pool (run_in_executor(None, f)).
    let digest = myrt::task::spawn_blocking(|| {
        std::thread::sleep(Duration::from_millis(20));
        (1..=20u64).product::<u64>()
    })
    .await
    .unwrap();
    println!("20! computed on the blocking pool = {digest}");

    // 7. A TCP round trip through the reactor.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let server = myrt::spawn(async move {
        let (mut conn, peer) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 5];
        conn.read_exact(&mut buf).await.expect("read");
        conn.write_all(&buf.to_ascii_uppercase())
            .await
            .expect("write");
        peer
    });
    let mut client = TcpStream::connect(addr).await.expect("connect");
    client.write_all(b"hello").await.unwrap();
    let mut reply = [0u8; 5];
    client.read_exact(&mut reply).await.unwrap();
    let peer = server.await.unwrap();
    println!(
        "TCP echo via {addr}: sent \"hello\", got {:?} (server saw {peer})",
        std::str::from_utf8(&reply).unwrap()
    );

    // 8. Timers: timeout() is asyncio.wait_for.
    let slow = myrt::time::timeout(
        Duration::from_millis(20),
        myrt::time::sleep(Duration::from_secs(5)),
    )
    .await;
    println!(
        "timeout(20ms, sleep(5s)) -> {}",
        if slow.is_err() {
            "Elapsed"
        } else {
            "finished?"
        }
    );

    // 9. A Queue shared by a plain thread (producer) and a task (consumer).
    let queue: Arc<Queue<u32>> = Arc::new(Queue::new(4));
    let q = queue.clone();
    let producer = std::thread::spawn(move || {
        for i in 1..=10 {
            q.blocking_put(i).expect("put");
        }
        q.shutdown(false); // consumers drain what is left, then stop
    });
    let mut got = 0;
    while let Ok(item) = queue.get().await {
        got += item;
        queue.task_done().unwrap();
    }
    producer.join().unwrap();
    println!("task consumed items from a thread, sum = {got}");

    // 10. concurrent.futures: a thread-pool Future awaited by a task.
    let pool = ThreadPoolExecutor::builder().max_workers(2).build();
    let fut = pool
        .submit(|| (1..=1_000_000u64).sum::<u64>())
        .expect("pool running");
    println!("thread pool computed {}", fut.await.unwrap());

    let m = myrt::runtime::Handle::current().metrics();
    let polls: u64 = m.per_worker.iter().map(|w| w.polls).sum();
    println!(
        "runtime: {} workers, {} live tasks, {} blocking threads, {polls} task polls",
        m.workers, m.live_tasks, m.blocking_threads
    );
    println!("tour done");
}
