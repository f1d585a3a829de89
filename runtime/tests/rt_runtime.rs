//! The `myrt` runtime surface: Builder options, hooks, run, handles,
//! shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use myrt::runtime::{Builder, Handle};

#[test]
fn run_is_asyncio_run() {
    let v = myrt::run(async {
        let a = myrt::spawn(async { 20 });
        let b = myrt::spawn(async { 22 });
        a.await.unwrap() + b.await.unwrap()
    });
    assert_eq!(v, 42);
}

#[test]
fn builder_hooks_names_and_worker_count() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let names = Arc::new(Mutex::new(Vec::new()));
    let (s, t, n) = (started.clone(), stopped.clone(), names.clone());
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .thread_name("pool")
        .on_thread_start(move || {
            s.fetch_add(1, Ordering::SeqCst);
            n.lock()
                .unwrap()
                .push(std::thread::current().name().unwrap_or("").to_string());
        })
        .on_thread_stop(move || {
            t.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    assert_eq!(rt.handle().metrics().workers, 3);
    let name = rt.block_on(async {
        myrt::spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap()
    });
    assert_eq!(name.as_deref(), Some("pool"));
    drop(rt);
    assert_eq!(started.load(Ordering::SeqCst), 3);
    assert_eq!(stopped.load(Ordering::SeqCst), 3);
    assert!(names.lock().unwrap().iter().all(|n| n == "pool"));
}

#[test]
fn zero_workers_or_blocking_threads_is_an_error() {
    let e = Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    let e = Builder::new_current_thread()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn handle_current_inside_tasks_and_enter_from_threads() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    assert!(Handle::checked_current().is_err());
    let w = rt.block_on(async {
        myrt::spawn(async { Handle::current().metrics().workers })
            .await
            .unwrap()
    });
    assert_eq!(w, 2);
    // A plain thread can enter the runtime and spawn.
    let h = rt.handle().clone();
    let j = std::thread::spawn(move || {
        let _g = h.enter();
        myrt::spawn(async { 5 })
    })
    .join()
    .unwrap();
    assert_eq!(rt.block_on(j).unwrap(), 5);
}

#[test]
fn shutdown_timeout_returns_on_time_with_a_stuck_blocking_job() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let started = Arc::new(AtomicUsize::new(0));
    let s = started.clone();
    rt.spawn_blocking(move || {
        s.fetch_add(1, Ordering::SeqCst);
        // Never ends on its own (until the test drops `tx`).
        let _ = rx.recv();
    });
    while started.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let t = Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(100),
        "waited for the job: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "returned on time: {took:?}");
    drop(tx);
}

#[test]
fn shutdown_timeout_with_a_huge_timeout_waits_for_the_job_and_does_not_panic() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let (f, s) = (finished.clone(), started.clone());
    rt.spawn_blocking(move || {
        s.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(30));
        f.fetch_add(1, Ordering::SeqCst);
    });
    // A job still queued at shutdown is cancelled: wait until it runs.
    while started.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    // `Instant::now() + Duration::MAX` would overflow.
    rt.shutdown_timeout(Duration::MAX);
    assert_eq!(finished.load(Ordering::SeqCst), 1, "waited for the job");
}

#[test]
fn try_spawn_try_all_and_try_run_report_errors_instead_of_panicking() {
    use myrt::task::{checked_all, checked_spawn, checked_spawn_blocking};
    assert!(checked_spawn(async {}).is_err());
    assert!(checked_spawn_blocking(|| ()).is_err());
    assert!(checked_all().is_err());
    let v = myrt::checked_run(async {
        let h = checked_spawn(async { 2 }).unwrap();
        let b = checked_spawn_blocking(|| 3).unwrap();
        let parked = checked_spawn(std::future::pending::<()>()).unwrap();
        assert!(checked_all().unwrap().iter().any(|t| t.id == parked.id()));
        parked.abort();
        // Nested: an error, not a deadlock or a panic.
        let nested = myrt::checked_run(async { 0 }).unwrap_err();
        assert!(nested.to_string().contains("runtime"), "{nested}");
        h.await.unwrap() + b.await.unwrap()
    })
    .unwrap();
    assert_eq!(v, 5);
}

#[test]
fn current_thread_runtime_runs_tasks_inside_block_on() {
    let rt = Builder::new_current_thread().build().unwrap();
    let main_thread = std::thread::current().id();
    let same = rt.block_on(async move {
        myrt::spawn(async move { std::thread::current().id() == main_thread })
            .await
            .unwrap()
    });
    assert!(same);
}

#[test]
fn try_block_on_inside_runtime_is_an_error() {
    let rt = Builder::new_current_thread().build().unwrap();
    let rt2 = Builder::new_current_thread().build().unwrap();
    let r = rt.block_on(async { rt2.checked_block_on(async {}).is_err() });
    assert!(r);
}

#[test]
fn submit_bridges_a_task_to_plain_threads_and_tasks() {
    use myrt::executor::FutureError;
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    // A plain thread blocks on an async task's result.
    let fut = rt.handle().submit(async {
        myrt::task::yield_now().await;
        "from a task"
    });
    let got = std::thread::spawn(move || fut.result().unwrap())
        .join()
        .unwrap();
    assert_eq!(got, "from a task");
    // A panic is reported with its payload.
    let fut = rt.handle().submit(async { panic!("bridged boom") });
    let e = fut.result().unwrap_err();
    assert!(e.is_panic(), "{e:?}");
    // Cancelling the future aborts the task (its future is dropped).
    let dropped = Arc::new(AtomicUsize::new(0));
    struct Guard(Arc<AtomicUsize>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let g = Guard(dropped.clone());
    let fut = rt.handle().submit(async move {
        let _g = g;
        std::future::pending::<()>().await
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        fut.cancel(),
        "a submitted task can be cancelled while it runs"
    );
    assert!(matches!(fut.result(), Err(FutureError::Cancelled)));
    let deadline = Instant::now() + Duration::from_secs(10);
    while dropped.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "task not aborted");
        std::thread::sleep(Duration::from_millis(1));
    }
    // A task awaits a bridged future too.
    let h = rt.handle().clone();
    let v = rt.block_on(async move { h.submit(async { 5 }).await.unwrap() });
    assert_eq!(v, 5);
}

#[test]
fn handle_is_an_executor_over_the_blocking_pool() {
    use myrt::executor::Executor;
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let h = rt.handle().clone();
    // Generic code over any executor takes the runtime's handle.
    fn sum_of_squares<E: Executor>(e: &E) -> u64 {
        e.map(|x: u64| x * x, 1..=5)
            .unwrap()
            .map(Result::unwrap)
            .sum()
    }
    assert_eq!(sum_of_squares(&h), 55);
    // `Handle::submit` is the async bridge, so name the trait for closures.
    let fut = Executor::submit(&h, || 2 + 2).unwrap();
    assert_eq!(fut.result().unwrap(), 4);
    // A task awaits a pool future without blocking its worker.
    let v = rt.block_on(async move { Executor::submit(&h, || 7).unwrap().await.unwrap() });
    assert_eq!(v, 7);
    let h2 = rt.handle().clone();
    drop(rt);
    assert!(Executor::submit(&h2, || 1).unwrap_err().is_shut_down());
}

/// Sends on a channel when dropped.
struct OnDrop(std::sync::mpsc::Sender<&'static str>, &'static str);
impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(self.1);
    }
}

/// Dropping a runtime from inside one of its own tasks is seen up front:
/// the shutdown runs on a thread of its own (joining the workers here would
/// join this very thread). Before, it panicked half way through shutdown
/// with "Resource deadlock avoided".
#[test]
fn runtime_dropped_from_inside_its_own_task_shuts_down_whole() {
    for multi in [true, false] {
        let rt = if multi {
            Builder::new_multi_thread().worker_threads(2).build()
        } else {
            Builder::new_current_thread().build()
        }
        .unwrap();
        let stopped = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        let guard = OnDrop(tx.clone(), "pending task dropped");
        rt.spawn(async move {
            let _g = guard;
            std::future::pending::<()>().await
        });
        let handle = rt.handle().clone();
        let slot = Arc::new(Mutex::new(Some(rt)));
        let s2 = slot.clone();
        let st = stopped.clone();
        let dropper = handle.spawn(async move {
            let rt = s2.lock().unwrap().take().unwrap();
            drop(rt);
            st.fetch_add(1, Ordering::SeqCst);
        });
        if multi {
            drop(dropper);
        } else {
            // A current-thread runtime runs its tasks inside block_on.
            let _ = handle.block_on(dropper);
        }
        let got = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("shutdown never dropped the other task");
        assert_eq!(got, "pending task dropped", "multi={multi}");
        assert!(slot.lock().unwrap().is_none());
        // The dropping task itself returned normally (it was not panicked
        // by its own drop).
        let deadline = Instant::now() + Duration::from_secs(30);
        while stopped.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(stopped.load(Ordering::SeqCst), 1, "multi={multi}");
    }
}

/// `shutdown_timeout` from inside one of the runtime's own tasks, and a
/// drop while another runtime is entered on the worker, take the same
/// detour as a plain drop instead of joining the worker from itself.
#[test]
fn shutdown_timeout_and_entered_drop_from_inside_a_task() {
    for use_timeout in [true, false] {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let other = Builder::new_current_thread().build().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let guard = OnDrop(tx.clone(), "pending task dropped");
        rt.spawn(async move {
            let _g = guard;
            std::future::pending::<()>().await
        });
        let slot = Arc::new(Mutex::new(Some(rt)));
        let s2 = slot.clone();
        let handle = slot.lock().unwrap().as_ref().unwrap().handle().clone();
        let other_handle = other.handle().clone();
        handle.spawn(async move {
            let rt = s2.lock().unwrap().take().unwrap();
            if use_timeout {
                rt.shutdown_timeout(Duration::from_secs(5));
            } else {
                // Another runtime's context hides nothing: the worker is
                // still this runtime's.
                let _e = other_handle.enter();
                drop(rt);
            }
            let _ = tx.send("dropper returned");
        });
        let mut got = vec![
            rx.recv_timeout(Duration::from_secs(30))
                .expect("no shutdown"),
            rx.recv_timeout(Duration::from_secs(30))
                .expect("no shutdown"),
        ];
        got.sort();
        assert_eq!(
            got,
            ["dropper returned", "pending task dropped"],
            "timeout={use_timeout}"
        );
        drop(other);
    }
}
