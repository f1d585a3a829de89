//! Stress: tasks and plain threads on one Queue, Lock, Semaphore and Event,
//! with random cancellation; at the end the counts balance (no item lost or
//! duplicated, no permit leaked, the lock's counter exact).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use myrt::runtime::Builder;
use myrt::sync::{Event, Lock, Queue, Semaphore};
use myrt::time::timeout;

fn full() -> bool {
    std::env::var_os("MYRT_STRESS").is_some_and(|v| v == "1")
}

/// A tiny xorshift so the test needs no dependency.
fn rand(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn mixed_primitives_with_random_cancellation_balance() {
    let items: u64 = if full() { 200_000 } else { 20_000 };
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let queue: Arc<Queue<u64>> = Arc::new(Queue::new(32));
    let lock = Arc::new(Lock::new(0u64));
    let sem = Arc::new(Semaphore::bounded(3));
    let start = Arc::new(Event::new());
    let received_sum = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let in_section = Arc::new(AtomicUsize::new(0));

    // Producer threads (blocking API), waiting on the Event first.
    let producers: Vec<_> = (0..2u64)
        .map(|p| {
            let (q, start) = (queue.clone(), start.clone());
            std::thread::spawn(move || {
                start.blocking_wait();
                for i in (p..items).step_by(2) {
                    q.blocking_put_timeout(i, Duration::from_secs(30)).unwrap();
                }
            })
        })
        .collect();

    // Consumer tasks: each get is raced against a short timeout, so gets are
    // cancelled at random moments; a cancelled get must not lose an item.
    let consumers: Vec<_> = (0..4u64)
        .map(|c| {
            let (q, lock, sem, sum, count, inside) = (
                queue.clone(),
                lock.clone(),
                sem.clone(),
                received_sum.clone(),
                received.clone(),
                in_section.clone(),
            );
            rt.spawn(async move {
                let mut seed = 0x9E37_79B9_7F4A_7C15 ^ (c + 1);
                loop {
                    let wait = Duration::from_micros(rand(&mut seed) % 200);
                    let item = match timeout(wait, q.get()).await {
                        Err(_elapsed) => continue, // cancelled get
                        Ok(Err(_shutdown)) => return,
                        Ok(Ok(item)) => item,
                    };
                    // Semaphore-guarded section, with cancelled acquires too.
                    let permit = loop {
                        let wait = Duration::from_micros(rand(&mut seed) % 50);
                        if let Ok(p) = timeout(wait, sem.acquire()).await {
                            break p.unwrap();
                        }
                    };
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    assert!(now <= 3, "semaphore let {now} in");
                    // Lock-protected counter, with cancelled lock() calls.
                    loop {
                        let wait = Duration::from_micros(rand(&mut seed) % 50);
                        if let Ok(mut g) = timeout(wait, lock.lock()).await {
                            *g += 1;
                            break;
                        }
                    }
                    inside.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                    sum.fetch_add(item, Ordering::SeqCst);
                    count.fetch_add(1, Ordering::SeqCst);
                    q.task_done().unwrap();
                }
            })
        })
        .collect();

    // A thread also takes the lock now and then.
    let lock2 = lock.clone();
    let stop = Arc::new(Event::new());
    let stop2 = stop.clone();
    let locker = std::thread::spawn(move || {
        let mut n = 0u64;
        while !stop2.blocking_wait_timeout(Duration::from_micros(100)) {
            *lock2.blocking_lock() += 1;
            n += 1;
        }
        n
    });

    start.set();
    for p in producers {
        p.join().unwrap();
    }
    rt.block_on(async {
        timeout(Duration::from_secs(120), queue.join())
            .await
            .expect("every item processed");
    });
    queue.shutdown(false);
    for c in consumers {
        rt.block_on(c).unwrap();
    }
    stop.set();
    let thread_locks = locker.join().unwrap();

    assert_eq!(
        received.load(Ordering::SeqCst),
        items,
        "no item lost or duplicated"
    );
    assert_eq!(received_sum.load(Ordering::SeqCst), items * (items - 1) / 2);
    assert_eq!(sem.available_permits(), 3, "no permit leaked");
    assert_eq!(
        *lock.blocking_lock(),
        items + thread_locks,
        "every locked increment counted"
    );
    assert!(!lock.is_locked());
}
