//! A blocking-pool thread whose start hook panics must not leak its place
//! in the pool: the thread count comes back down, the job it was started
//! for is not stranded, and later jobs still run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use myrt_executor::scheduler::{Config, Flavor, Scheduler};
use myrt_executor::{JoinError, JoinHandle};

/// Generous bound so that a bug fails the test instead of hanging it.
const LIMIT: Duration = Duration::from_secs(30);

/// Whether this is a blocking-pool thread (the default name is
/// `myrt-worker-blocking-N`).
fn on_blocking_thread() -> bool {
    thread::current()
        .name()
        .is_some_and(|n| n.contains("-blocking-"))
}

/// A hook that panics the first time a blocking thread runs it; counts calls.
fn panics_once(calls: &Arc<AtomicUsize>) -> impl Fn() + Send + Sync + 'static {
    let calls = calls.clone();
    move || {
        if on_blocking_thread() && calls.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("start hook failed");
        }
    }
}

/// A current-thread scheduler (no worker threads run the start hook) with
/// `max` blocking threads that never exit for idleness during a test.
fn config(max: usize) -> Config {
    let mut cfg = Config::new(Flavor::CurrentThread);
    cfg.max_blocking_threads = max;
    cfg.blocking_keep_alive = Duration::from_secs(600);
    cfg
}

/// Waits (bounded) for a job's handle to resolve, then takes its result.
fn wait<T>(rt: &Scheduler, h: JoinHandle<T>, what: &str) -> Result<T, JoinError> {
    let deadline = Instant::now() + LIMIT;
    while !h.is_finished() {
        assert!(Instant::now() < deadline, "{what} never finished");
        thread::sleep(Duration::from_millis(1));
    }
    rt.block_on(h)
}

/// Waits (bounded) until the pool counts at most `n` threads.
fn wait_threads_at_most(rt: &Scheduler, n: usize) {
    let deadline = Instant::now() + LIMIT;
    loop {
        let now = rt.handle().metrics().blocking_threads;
        if now <= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "blocking_threads stays at {now}, expected at most {n}: a dead thread is still counted"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_panicking_start_hook_frees_the_only_blocking_thread() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut cfg = config(1);
    cfg.on_thread_start = Some(Arc::new(panics_once(&calls)));
    let rt = Scheduler::new(cfg).unwrap();
    // The first thread dies in its hook. With no thread left, its job is
    // cancelled rather than left queued with nobody to run it.
    let first = rt.handle().spawn_blocking(|| 1);
    let err = wait(&rt, first, "the first job").unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    wait_threads_at_most(&rt, 0);
    // The pool's only place is free again: the next job gets a new thread.
    let second = rt.handle().spawn_blocking(|| 2);
    assert_eq!(wait(&rt, second, "the second job").unwrap(), 2);
    assert_eq!(rt.handle().metrics().blocking_threads, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_panicking_start_hook_does_not_inflate_the_thread_count() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut cfg = config(512);
    cfg.on_thread_start = Some(Arc::new(panics_once(&calls)));
    let rt = Scheduler::new(cfg).unwrap();
    let first = rt.handle().spawn_blocking(|| 1);
    let second = rt.handle().spawn_blocking(|| 2);
    assert_eq!(wait(&rt, second, "the second job").unwrap(), 2);
    // The first job ran on the second thread, or was cancelled if the
    // first thread died before the second job started one; never stuck.
    match wait(&rt, first, "the first job") {
        Ok(v) => assert_eq!(v, 1),
        Err(e) => assert!(e.is_cancelled(), "{e:?}"),
    }
    // Only the thread that ran a job is left (it idles for 600 s).
    wait_threads_at_most(&rt, 1);
    let third = rt.handle().spawn_blocking(|| 3);
    assert_eq!(wait(&rt, third, "the third job").unwrap(), 3);
    wait_threads_at_most(&rt, 2);
}

#[test]
fn a_panicking_enter_hook_frees_the_thread_too() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let mut cfg = config(1);
    cfg.on_enter = Some(Arc::new(move || {
        if on_blocking_thread() && c.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("enter hook failed");
        }
        Box::new(())
    }));
    let rt = Scheduler::new(cfg).unwrap();
    let first = rt.handle().spawn_blocking(|| 1);
    assert!(wait(&rt, first, "the first job")
        .unwrap_err()
        .is_cancelled());
    let second = rt.handle().spawn_blocking(|| 2);
    assert_eq!(wait(&rt, second, "the second job").unwrap(), 2);
    assert_eq!(rt.handle().metrics().blocking_threads, 1);
}

#[test]
fn shutdown_after_a_panicking_start_hook_waits_for_no_ghost() {
    let calls = Arc::new(AtomicUsize::new(0));
    let stops = Arc::new(AtomicUsize::new(0));
    let s = stops.clone();
    let mut cfg = config(1);
    cfg.on_thread_start = Some(Arc::new(panics_once(&calls)));
    cfg.on_thread_stop = Some(Arc::new(move || {
        if on_blocking_thread() {
            s.fetch_add(1, Ordering::SeqCst);
        }
    }));
    let rt = Scheduler::new(cfg).unwrap();
    let first = rt.handle().spawn_blocking(|| 1);
    assert!(wait(&rt, first, "the first job").is_err());
    let second = rt.handle().spawn_blocking(|| 2);
    assert_eq!(wait(&rt, second, "the second job").unwrap(), 2);
    let handle = rt.handle().clone();
    // Waits for the pool's threads to exit: the one live thread does, and
    // the dead one is no longer counted, so this returns once it has.
    rt.shutdown_timeout(LIMIT);
    assert_eq!(handle.metrics().blocking_threads, 0);
    // The live thread runs its stop hook right after it is counted out; the
    // one whose start failed never runs it.
    let deadline = Instant::now() + LIMIT;
    while stops.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "on_thread_stop never ran");
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(stops.load(Ordering::SeqCst), 1);
}
