//! `multiprocessing::Queue` and `Pipe` between this process and workers.

use std::time::Duration;

use myrt::multiprocessing::{Connection, GetError, Pipe, Pool, Process, PutError, Queue};

/// Puts `0..n` into `q` from the worker.
#[myrt::process_fn]
fn produce(q: Queue<u64>, n: u64) -> u64 {
    for i in 0..n {
        q.blocking_put(i).unwrap();
    }
    n
}

/// Sums what arrives until a `None`.
#[myrt::process_fn]
fn consume(q: Queue<Option<String>>) -> usize {
    let mut len = 0;
    while let Some(s) = q.blocking_get().unwrap() {
        len += s.len();
    }
    len
}

/// A put into a full queue with a timeout: reports whether it timed out.
#[myrt::process_fn]
fn put_with_timeout(q: Queue<u64>) -> bool {
    matches!(
        q.blocking_put_timeout(99, Duration::from_millis(20)),
        Err(PutError::Full(99))
    )
}

/// Answers each number with its double until 0.
#[myrt::process_fn]
fn doubler(end: Connection<u64>) {
    loop {
        let n = end.blocking_recv().unwrap();
        end.blocking_send(2 * n).unwrap();
        if n == 0 {
            return;
        }
    }
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_cross_from_a_worker_and_to_a_worker() {
    let q = Queue::new(0).unwrap();
    let p = Process::new(produce, (q.clone(), 100)).start().unwrap();
    let mut got = Vec::new();
    for _ in 0..100 {
        got.push(q.get().await.unwrap());
    }
    assert_eq!(got, (0..100).collect::<Vec<u64>>());
    assert_eq!(p.future().await.unwrap(), 100);

    let q = Queue::new(4).unwrap();
    let c = Process::new(consume, (q.clone(),)).start().unwrap();
    for word in ["multi", "processing", "queue"] {
        q.put(Some(word.to_string())).await.unwrap();
    }
    q.put(None).await.unwrap();
    assert_eq!(c.future().await.unwrap(), 20);
    assert_eq!(c.join().await, 0);
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_blocks_the_producer_until_a_get() {
    let q = Queue::new(2).unwrap();
    let p = Process::new(produce, (q.clone(), 3)).start().unwrap();
    // Two items fit; the third put waits in the worker.
    while q.qsize().unwrap() < 2 {
        myrt::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(p.is_alive(), "the producer finished with a full queue");
    assert!(!p.future().done());
    assert_eq!(q.get().await.unwrap(), 0);
    assert_eq!(p.future().await.unwrap(), 3);
    assert_eq!(q.get().await.unwrap(), 1);
    assert_eq!(q.get().await.unwrap(), 2);

    // A bounded put on a full queue gives up.
    let q = Queue::new(1).unwrap();
    q.put(7).await.unwrap();
    let p = Process::new(put_with_timeout, (q.clone(),))
        .start()
        .unwrap();
    assert!(p.future().await.unwrap());
    assert_eq!(q.qsize().unwrap(), 1);
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_refuses_puts_and_drains_gets() {
    let q: Queue<u64> = Queue::new(0).unwrap();
    q.put(1).await.unwrap();
    q.close().unwrap();
    assert!(matches!(q.put(2).await, Err(PutError::Closed(2))));
    assert_eq!(q.get().await.unwrap(), 1);
    assert!(matches!(q.get().await, Err(GetError::Closed)));
    let empty: Queue<u64> = Queue::new(0).unwrap();
    let r =
        myrt::task::spawn_blocking(move || empty.blocking_get_timeout(Duration::from_millis(10)))
            .await
            .unwrap();
    assert!(matches!(r, Err(GetError::Empty)));
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_end_talks_to_a_worker() {
    let (here, there) = Pipe::new::<u64>().unwrap();
    let p = Process::new(doubler, (there,)).start().unwrap();
    for n in [21, 5, 0] {
        here.send(n).await.unwrap();
        assert_eq!(here.recv().await.unwrap(), 2 * n);
    }
    p.future().await.unwrap();
    assert_eq!(p.join().await, 0);
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_jobs_share_one_queue() {
    let q = Queue::new(0).unwrap();
    let pool = Pool::new(2).unwrap();
    let jobs: Vec<_> = (0..4)
        .map(|_| pool.apply_async(produce, (q.clone(), 25)).unwrap())
        .collect();
    let mut sum = 0;
    for _ in 0..100 {
        sum += q.get().await.unwrap();
    }
    for j in jobs {
        assert_eq!(j.await.unwrap(), 25);
    }
    assert_eq!(sum, 4 * (0..25).sum::<u64>());
}

#[myrt::process_fn]
fn one() -> u64 {
    1
}

/// Takes `n` items from `q` and sums them.
#[myrt::process_fn]
fn sum_n(q: Queue<u64>, n: u64) -> u64 {
    (0..n).map(|_| q.blocking_get().unwrap()).sum()
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_never_holds_its_producer_in_its_worker() {
    let pool = Pool::new(2).unwrap();
    // Short calls on both workers: they may now be sent calls ahead.
    for _ in 0..16 {
        assert_eq!(pool.apply(one, ()).await.unwrap(), 1);
    }
    let q = Queue::new(0).unwrap();
    let sum = pool.apply_async(sum_n, (q.clone(), 10)).unwrap();
    let made = pool.apply_async(produce, (q.clone(), 10)).unwrap();
    // A hang would be the bug: bounded, so it fails instead.
    let r = myrt::task::spawn_blocking(move || sum.result_timeout(Duration::from_secs(60)))
        .await
        .unwrap();
    assert_eq!(r.unwrap(), 45);
    assert_eq!(made.await.unwrap(), 10);
}
