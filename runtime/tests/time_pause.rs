//! Paused time: `time::pause`/`advance`/`resume`, `start_paused`, and
//! `time::Instant` following the paused clock. No assertion here depends
//! on how fast the machine is: paused time moves only when told to or
//! when the runtime is idle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use myrt::runtime::Builder;
use myrt::time::{self, Instant};

#[myrt::test(start_paused = true)]
async fn a_30_second_timeout_completes_on_paused_time() {
    let t = Instant::now();
    let std_start = std::time::Instant::now();
    let r = time::timeout(Duration::from_secs(30), std::future::pending::<()>()).await;
    assert!(r.is_err());
    assert!(t.elapsed() >= Duration::from_secs(30));
    // Virtual time moved 30 s; the real clock did not (a generous bound:
    // a real 30 s wait would take 30 s).
    assert!(std_start.elapsed() < Duration::from_secs(25));
}

#[myrt::test(start_paused = true)]
async fn the_paused_clock_stands_still_until_advanced() {
    assert!(time::is_paused());
    let t = Instant::now();
    for _ in 0..100 {
        myrt::task::yield_now().await;
    }
    assert_eq!(
        Instant::now(),
        t,
        "paused time moved by itself while tasks ran"
    );
    time::advance(Duration::from_millis(1500)).await;
    assert_eq!(Instant::now() - t, Duration::from_millis(1500));
}

#[myrt::test(start_paused = true)]
async fn advance_fires_due_timers_in_order_before_returning() {
    let fired = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for ms in [30u64, 10, 20, 40] {
        let fired = fired.clone();
        tasks.push(myrt::spawn(async move {
            time::sleep(Duration::from_millis(ms)).await;
            fired.lock().unwrap().push(ms);
        }));
    }
    // Let every task register its timer.
    myrt::task::yield_now().await;
    time::advance(Duration::from_millis(25)).await;
    assert_eq!(*fired.lock().unwrap(), vec![10, 20]);
    time::advance(Duration::from_millis(20)).await;
    assert_eq!(*fired.lock().unwrap(), vec![10, 20, 30, 40]);
    for t in tasks {
        t.await.unwrap();
    }
}

#[myrt::test(start_paused = true)]
async fn an_idle_runtime_jumps_to_the_next_timer() {
    let t = Instant::now();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let ticker = myrt::spawn(async move {
        let mut iv = time::interval(Duration::from_secs(60));
        for _ in 0..5 {
            iv.tick().await;
            c.fetch_add(1, Ordering::SeqCst);
        }
    });
    ticker.await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 5);
    // First tick at once, then four periods.
    assert_eq!(t.elapsed(), Duration::from_secs(240));
}

#[test]
fn resume_lets_time_run_from_where_it_stood() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        time::pause();
        let t = Instant::now();
        time::advance(Duration::from_secs(100)).await;
        time::resume();
        assert!(!time::is_paused());
        time::sleep(Duration::from_millis(2)).await;
        let e = t.elapsed();
        assert!(e >= Duration::from_millis(100_002), "{e:?}");
        // Resumed time runs at the real rate: far below another 100 s.
        assert!(e < Duration::from_secs(190), "{e:?}");
    });
}

#[test]
fn misuse_is_an_error_with_a_non_panicking_twin() {
    // Outside a runtime.
    assert!(time::checked_pause().is_err());
    assert!(!time::is_paused());
    // A multi-thread runtime cannot pause.
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let e = rt.block_on(async { time::checked_pause() }).unwrap_err();
    assert!(e.to_string().contains("current-thread"), "{e}");
    let e = Builder::new_multi_thread()
        .start_paused(true)
        .build()
        .err()
        .unwrap();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    // Pausing twice, resuming or advancing a running clock.
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert!(time::checked_resume().is_err());
        assert!(time::checked_advance(Duration::from_secs(1)).await.is_err());
        time::pause();
        assert!(time::checked_pause().is_err());
        let r = std::panic::catch_unwind(time::pause);
        assert!(r.is_err());
        time::resume();
    });
}

#[test]
fn instant_converts_to_and_from_std() {
    let s = std::time::Instant::now();
    let i = Instant::from_std(s);
    assert_eq!(i.into_std(), s);
    assert_eq!(
        std::time::Instant::from(i + Duration::from_secs(1)),
        s + Duration::from_secs(1)
    );
    assert_eq!((i + Duration::from_secs(2)) - i, Duration::from_secs(2));
    // Saturates instead of panicking.
    assert_eq!(i - (i + Duration::from_secs(2)), Duration::ZERO);
}
