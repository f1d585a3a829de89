//! Timers on the real runtime: many concurrent sleeps, cancellation,
//! timeout and interval across worker threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use myrt::time::{interval, sleep, sleep_until, timeout, Elapsed, MissedTickBehavior};

#[test]
fn ten_thousand_spawned_sleeps_all_fire_none_early() {
    let n = if cfg!(miri) { 20 } else { 10_000 };
    let fired = Arc::new(AtomicUsize::new(0));
    let f2 = fired.clone();
    myrt::run(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let fired = f2.clone();
                myrt::spawn(async move {
                    let deadline = start + Duration::from_millis((i % 200) as u64 + 1);
                    sleep_until(deadline).await;
                    let now = Instant::now();
                    assert!(now >= deadline, "fired {:?} early", deadline - now);
                    fired.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(fired.load(Ordering::Relaxed), n);
}

#[test]
fn dropped_sleep_never_fires() {
    let woke = Arc::new(AtomicBool::new(false));
    let w2 = woke.clone();
    myrt::run(async move {
        // The inner future would set the flag after its sleep; the timeout
        // drops it (and its Sleep) first.
        let r = timeout(Duration::from_millis(10), async move {
            sleep(Duration::from_millis(40)).await;
            w2.store(true, Ordering::SeqCst);
        })
        .await;
        let e: Elapsed = r.unwrap_err();
        assert!(e.to_string().contains("elapsed"));
        sleep(Duration::from_millis(80)).await;
    });
    assert!(!woke.load(Ordering::SeqCst));
}

struct SetOnDrop(Arc<AtomicBool>);
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn timeout_cancels_the_inner_future_before_returning() {
    myrt::run(async {
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(dropped.clone());
        let t = Instant::now();
        let r = timeout(Duration::from_millis(20), async move {
            let _g = guard;
            std::future::pending::<()>().await;
        })
        .await;
        assert!(r.is_err());
        assert!(dropped.load(Ordering::SeqCst), "inner future not dropped");
        assert!(t.elapsed() >= Duration::from_millis(20));
        // A ready future never times out, even with a zero duration.
        assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
    });
}

#[test]
fn sleeps_from_many_tasks_on_many_workers() {
    let rt = myrt::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let t = Instant::now();
    rt.block_on(async {
        let hs: Vec<_> = (0..64)
            .map(|i| {
                myrt::spawn(async move {
                    for _ in 0..5 {
                        sleep(Duration::from_millis(1 + i % 5)).await;
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    assert!(t.elapsed() < Duration::from_secs(20));
}

#[test]
fn interval_ticks_on_schedule() {
    myrt::run(async {
        let start = Instant::now();
        let mut iv = interval(Duration::from_millis(5));
        iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let first = iv.tick().await;
        for k in 1..=4u32 {
            let at = iv.tick().await;
            assert_eq!(at, first + Duration::from_millis(5) * k);
            assert!(Instant::now() >= at);
        }
        assert!(start.elapsed() >= Duration::from_millis(20));
    });
}

#[test]
fn current_thread_runtime_drives_timers() {
    let rt = myrt::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let t = Instant::now();
    rt.block_on(async {
        let a = myrt::spawn(sleep(Duration::from_millis(15)));
        sleep(Duration::from_millis(10)).await;
        a.await.unwrap();
    });
    assert!(t.elapsed() >= Duration::from_millis(15));
}

#[test]
fn try_timers_outside_a_runtime_are_errors_not_panics() {
    use myrt::time::{checked_interval, checked_sleep, checked_sleep_until, checked_timeout};
    let e = checked_sleep(Duration::from_millis(1)).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::Other);
    assert!(e.to_string().contains("no myrt runtime"), "{e}");
    assert!(checked_sleep_until(Instant::now()).is_err());
    assert!(checked_timeout(Duration::from_secs(1), async {}).is_err());
    assert_eq!(
        checked_interval(Duration::from_millis(5))
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::Other
    );
}

#[test]
fn a_try_sleep_keeps_its_runtime_and_can_be_awaited_from_a_plain_thread() {
    use myrt::time::{checked_sleep, checked_timeout};
    let rt = myrt::runtime::Runtime::new().unwrap();
    let (s, t) = rt.block_on(async {
        (
            checked_sleep(Duration::from_millis(20)).unwrap(),
            checked_timeout(
                Duration::from_millis(10),
                checked_sleep(Duration::from_secs(60)).unwrap(),
            )
            .unwrap(),
        )
    });
    // Awaited by a thread outside the runtime: the runtime's driver fires it.
    let start = Instant::now();
    let r = std::thread::spawn(move || {
        park_block_on(async move {
            s.await;
            t.await
        })
    })
    .join()
    .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert!(r.is_err(), "the timeout's timer fired first");
    drop(rt);
}

/// Polls `fut` to completion on this (non-runtime) thread, parking between
/// wake-ups.
fn park_block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

#[test]
fn a_completed_sleep_lets_go_of_its_runtime_and_waits_on_the_next_one() {
    let rt1 = myrt::runtime::Runtime::new().unwrap();
    // In an Option: a `Sleep` is itself awaitable.
    let mut s = rt1
        .block_on(async {
            let mut s = sleep(Duration::from_millis(5));
            (&mut s).await;
            Some(s)
        })
        .unwrap();
    drop(rt1);
    let rt2 = myrt::runtime::Runtime::new().unwrap();
    rt2.block_on(async move {
        let start = Instant::now();
        s.reset(start + Duration::from_millis(30));
        (&mut s).await;
        assert!(
            start.elapsed() >= Duration::from_millis(30),
            "completed at once: still tied to the dropped runtime"
        );
    });
}
