//! The sync scenarios, each once with a myrt-sync primitive and once with
//! its nearest tokio::sync equivalent. Both run as tokio tasks on the same
//! tokio multi-thread runtime (the myrt primitives are executor-agnostic),
//! so only the primitive differs. Shared by `benches/sync.rs` (criterion)
//! and `examples/paired.rs` (interleaved pairs).
//!
//! Every function must run inside a tokio multi-thread runtime; each checks
//! its own result, so a broken primitive fails the bench instead of timing
//! nonsense.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

/// Tasks contending for the lock.
pub const LOCK_TASKS: usize = 8;
/// Lock/unlock rounds per task.
pub const LOCK_ITERS: usize = 1_000;

/// [`LOCK_TASKS`] tasks each add 1 under the lock [`LOCK_ITERS`] times.
macro_rules! lock_case {
    ($name:ident, $lock:path) => {
        /// Lock under contention: 8 tasks × 1,000 increments.
        pub async fn $name() {
            let lock = Arc::new(<$lock>::new(0usize));
            let hs: Vec<_> = (0..LOCK_TASKS)
                .map(|_| {
                    let lock = lock.clone();
                    tokio::spawn(async move {
                        for _ in 0..LOCK_ITERS {
                            *lock.lock().await += 1;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.expect("lock task");
            }
            assert_eq!(*lock.lock().await, LOCK_TASKS * LOCK_ITERS);
        }
    };
}
lock_case!(myrt_lock, myrt_sync::Lock<usize>);
lock_case!(tokio_mutex, tokio::sync::Mutex<usize>);

/// Tasks sharing the permits.
pub const SEM_TASKS: usize = 64;
/// Permits.
pub const SEM_PERMITS: usize = 4;
/// Acquisitions per task.
pub const SEM_ITERS: usize = 100;

macro_rules! semaphore_case {
    ($name:ident, $sem:path) => {
        /// 64 tasks share 4 permits; each takes one 100 times and yields
        /// once while holding it.
        pub async fn $name() {
            let sem = Arc::new(<$sem>::new(SEM_PERMITS));
            let hs: Vec<_> = (0..SEM_TASKS)
                .map(|_| {
                    let sem = sem.clone();
                    tokio::spawn(async move {
                        for _ in 0..SEM_ITERS {
                            let _p = sem.acquire().await.expect("semaphore closed");
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.expect("semaphore task");
            }
            assert_eq!(sem.available_permits(), SEM_PERMITS, "a permit was lost");
        }
    };
}
semaphore_case!(myrt_semaphore, myrt_sync::Semaphore);
semaphore_case!(tokio_semaphore, tokio::sync::Semaphore);

/// Items passed through the queue or channel.
pub const ITEMS: usize = 100_000;
/// Producer tasks.
pub const PRODUCERS: usize = 4;
/// Queue or channel capacity.
pub const CAPACITY: usize = 128;

/// [`PRODUCERS`] tasks put [`ITEMS`] through a bounded `myrt_sync::Queue`
/// to `consumers` consumer tasks; `shutdown` ends the consumers.
pub async fn myrt_queue(consumers: usize) {
    let q = Arc::new(myrt_sync::Queue::new(CAPACITY));
    let cs: Vec<_> = (0..consumers)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move {
                let mut n = 0usize;
                while let Ok(v) = q.get().await {
                    n += v & 1;
                }
                n
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move {
                for i in 0..ITEMS / PRODUCERS {
                    q.put(i).await.expect("queue shut down early");
                }
            })
        })
        .collect();
    for p in producers {
        p.await.expect("producer");
    }
    q.shutdown(false);
    let mut odd = 0;
    for c in cs {
        odd += c.await.expect("consumer");
    }
    assert_eq!(odd, ITEMS / 2);
}

/// The same traffic through `tokio::sync::mpsc` to one consumer (tokio has
/// no MPMC channel).
pub async fn tokio_mpsc() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..ITEMS / PRODUCERS {
                    tx.send(i).await.expect("receiver gone");
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = tokio::spawn(async move {
        let mut n = 0usize;
        while let Some(v) = rx.recv().await {
            n += v & 1;
        }
        n
    });
    for p in producers {
        p.await.expect("producer");
    }
    assert_eq!(consumer.await.expect("consumer"), ITEMS / 2);
}

/// Waiters in the fan-out.
pub const WAITERS: usize = 100;

/// Polls a future once (registering its waker) without completing the
/// enclosing task.
async fn register<F: Future>(mut f: Pin<&mut F>) {
    poll_fn(|cx| {
        let _ = f.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

async fn until(count: &AtomicUsize, n: usize) {
    while count.load(Ordering::Acquire) < n {
        tokio::task::yield_now().await;
    }
}

macro_rules! fanout_case {
    ($name:ident, $ty:path, $wait:ident, $wake:ident) => {
        /// [`WAITERS`] tasks each register a waiter (one poll), then one
        /// signal wakes them all. Spawn it on the runtime (the signalling
        /// task spins on `yield_now`, which would park a `block_on` thread).
        pub async fn $name() {
            let ev = Arc::new(<$ty>::new());
            let ready = Arc::new(AtomicUsize::new(0));
            let hs: Vec<_> = (0..WAITERS)
                .map(|_| {
                    let (ev, ready) = (ev.clone(), ready.clone());
                    tokio::spawn(async move {
                        let mut w = pin!(ev.$wait());
                        register(w.as_mut()).await;
                        ready.fetch_add(1, Ordering::Release);
                        w.await;
                    })
                })
                .collect();
            until(&ready, WAITERS).await;
            ev.$wake();
            for h in hs {
                h.await.expect("waiter");
            }
        }
    };
}
fanout_case!(myrt_event_fanout, myrt_sync::Event, wait, set);
fanout_case!(
    tokio_notify_fanout,
    tokio::sync::Notify,
    notified,
    notify_waiters
);

/// The semaphore scenario's tasks without a semaphore: 64 tasks each yield
/// 100 times. What the scheduler costs before any primitive (or the
/// wake-ups a primitive causes) is added.
pub async fn floor_semaphore() {
    let hs: Vec<_> = (0..SEM_TASKS)
        .map(|_| {
            tokio::spawn(async move {
                for _ in 0..SEM_ITERS {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.expect("task");
    }
}

/// The fan-out scenario without a primitive: the same tasks report ready
/// and finish at once.
pub async fn floor_fanout() {
    let ready = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..WAITERS)
        .map(|_| {
            let ready = ready.clone();
            tokio::spawn(async move {
                ready.fetch_add(1, Ordering::Release);
            })
        })
        .collect();
    until(&ready, WAITERS).await;
    for h in hs {
        h.await.expect("task");
    }
}

/// The [`tokio_mpsc`] traffic through a bounded `myrt_sync::mpsc` channel:
/// [`PRODUCERS`] tasks send [`ITEMS`] into one consumer task, capacity
/// [`CAPACITY`]; the consumer ends when the last sender is dropped.
pub async fn myrt_mpsc() {
    let (tx, mut rx) = myrt_sync::mpsc::channel(CAPACITY);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..ITEMS / PRODUCERS {
                    tx.send(i).await.expect("receiver gone");
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = tokio::spawn(async move {
        let mut n = 0usize;
        while let Some(v) = rx.recv().await {
            n += v & 1;
        }
        n
    });
    for p in producers {
        p.await.expect("producer");
    }
    assert_eq!(consumer.await.expect("consumer"), ITEMS / 2);
}

/// Round trips in the oneshot ping-pong.
pub const ONESHOT_ROUNDS: usize = 1_000;

macro_rules! oneshot_case {
    ($name:ident, $oneshot:path) => {
        /// [`ONESHOT_ROUNDS`] round trips: each round spawns an echo task,
        /// pings it through one oneshot channel and awaits the pong on a
        /// second.
        pub async fn $name() {
            use $oneshot as oneshot;
            for i in 0..ONESHOT_ROUNDS {
                let (ping_tx, ping_rx) = oneshot::channel::<usize>();
                let (pong_tx, pong_rx) = oneshot::channel::<usize>();
                let echo = tokio::spawn(async move {
                    let v = ping_rx.await.expect("ping sender dropped");
                    pong_tx.send(v + 1).expect("pong receiver dropped");
                });
                ping_tx.send(i).expect("ping receiver dropped");
                assert_eq!(pong_rx.await.expect("pong sender dropped"), i + 1);
                echo.await.expect("echo task");
            }
        }
    };
}
oneshot_case!(myrt_oneshot_ping_pong, myrt_sync::oneshot);
oneshot_case!(tokio_oneshot_ping_pong, tokio::sync::oneshot);

/// Values sent in the broadcast and watch scenarios.
pub const FANOUT_ITEMS: usize = 10_000;
/// Receiver tasks in the broadcast and watch scenarios.
pub const FANOUT_RECEIVERS: usize = 4;
/// Broadcast capacity: room for every value, so no receiver lags and each
/// run does the same work.
pub const BROADCAST_CAPACITY: usize = 16_384;

macro_rules! broadcast_case {
    ($name:ident, $broadcast:path) => {
        /// One sender task broadcasts [`FANOUT_ITEMS`] values (yielding
        /// every 32) to [`FANOUT_RECEIVERS`] receiver tasks, each of which
        /// must read every value.
        pub async fn $name() {
            use $broadcast as broadcast;
            let (tx, rx) = broadcast::channel(BROADCAST_CAPACITY);
            let rs: Vec<_> = (0..FANOUT_RECEIVERS)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    tokio::spawn(async move {
                        let mut sum = 0usize;
                        loop {
                            match rx.recv().await {
                                Ok(v) => sum += v,
                                Err(broadcast::error::RecvError::Closed) => return sum,
                                Err(e) => panic!("receiver: {e}"),
                            }
                        }
                    })
                })
                .collect();
            drop(rx);
            tokio::spawn(async move {
                for i in 0..FANOUT_ITEMS {
                    tx.send(i).expect("receivers gone");
                    if i % 32 == 31 {
                        tokio::task::yield_now().await;
                    }
                }
            })
            .await
            .expect("sender");
            for r in rs {
                assert_eq!(
                    r.await.expect("receiver"),
                    FANOUT_ITEMS * (FANOUT_ITEMS - 1) / 2
                );
            }
        }
    };
}
/// `myrt_sync::broadcast` laid out like `tokio::sync::broadcast`, so one
/// macro serves both.
mod myrt_broadcast {
    pub(crate) use myrt_sync::broadcast::channel;
    pub(crate) mod error {
        pub(crate) use myrt_sync::broadcast::RecvError;
    }
}
broadcast_case!(myrt_broadcast_1to4, myrt_broadcast);
broadcast_case!(tokio_broadcast_1to4, tokio::sync::broadcast);

macro_rules! watch_case {
    ($name:ident, $watch:path) => {
        /// One sender task publishes 1..=[`FANOUT_ITEMS`] (yielding after
        /// each) to [`FANOUT_RECEIVERS`] watcher tasks, which follow the
        /// value (skipping what they miss) until they see the last one.
        pub async fn $name() {
            use $watch as watch;
            let (tx, rx) = watch::channel(0usize);
            let ws: Vec<_> = (0..FANOUT_RECEIVERS)
                .map(|_| {
                    let mut rx = rx.clone();
                    tokio::spawn(async move {
                        let mut prev = 0;
                        while rx.changed().await.is_ok() {
                            let v = *rx.borrow_and_update();
                            assert!(v > prev, "watch went back");
                            prev = v;
                            if v == FANOUT_ITEMS {
                                break;
                            }
                        }
                        prev
                    })
                })
                .collect();
            drop(rx);
            tokio::spawn(async move {
                for i in 1..=FANOUT_ITEMS {
                    tx.send(i).expect("watchers gone");
                    tokio::task::yield_now().await;
                }
            })
            .await
            .expect("sender");
            for w in ws {
                assert_eq!(w.await.expect("watcher"), FANOUT_ITEMS);
            }
        }
    };
}
watch_case!(myrt_watch_1to4, myrt_sync::watch);
watch_case!(tokio_watch_1to4, tokio::sync::watch);
