//! Spawning, joining, panics, abort and shutdown on both schedulers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use myrt_executor::scheduler::{Config, Flavor, Scheduler};
use myrt_executor::task;

fn schedulers() -> Vec<(&'static str, Scheduler)> {
    vec![
        ("current", Scheduler::current_thread().unwrap()),
        ("multi-1", Scheduler::multi_thread(1).unwrap()),
        ("multi-4", Scheduler::multi_thread(4).unwrap()),
    ]
}

fn scale(n: usize) -> usize {
    if cfg!(miri) {
        n / 1000 + 2
    } else {
        n
    }
}

/// Sets a flag when dropped.
struct DropGuard(Arc<AtomicUsize>);
impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn many_spawned_tasks_all_complete() {
    let n = scale(100_000);
    for (name, rt) in schedulers() {
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        let sum = rt.block_on(async move {
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let d = d.clone();
                    task::spawn(async move {
                        d.fetch_add(1, Ordering::Relaxed);
                        i
                    })
                })
                .collect();
            let mut sum = 0usize;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(done.load(Ordering::SeqCst), n, "{name}");
        assert_eq!(sum, n * (n - 1) / 2, "{name}");
    }
}

#[test]
fn spawn_from_outside_thread() {
    let rt = Scheduler::multi_thread(2).unwrap();
    let handle = rt.handle().clone();
    let t = std::thread::spawn(move || {
        let hs: Vec<_> = (0..scale(1000))
            .map(|i| handle.spawn(async move { i * 2 }))
            .collect();
        hs
    });
    let hs = t.join().unwrap();
    let total: usize = rt.block_on(async move {
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    let n = scale(1000);
    assert_eq!(total, n * (n - 1));
}

#[test]
fn panicking_task_gives_join_error_and_runtime_keeps_serving() {
    for (name, rt) in schedulers() {
        rt.block_on(async {
            let n = std::hint::black_box(7);
            let h = task::spawn(async move {
                if n == 7 {
                    panic!("boom {n}");
                }
                1
            });
            let err = h.await.unwrap_err();
            assert!(err.is_panic(), "{name}");
            assert!(err.to_string().contains("boom 7"), "{name}: {err}");
            let payload = err.into_panic();
            assert_eq!(
                payload.downcast_ref::<String>().map(String::as_str),
                Some("boom 7")
            );
            // Still serving.
            assert_eq!(task::spawn(async { 5 }).await.unwrap(), 5);
        });
    }
}

#[test]
fn abort_drops_pending_future() {
    for (name, rt) in schedulers() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let d = dropped.clone();
        rt.block_on(async move {
            let guard = DropGuard(d.clone());
            let h = task::spawn(async move {
                let _g = guard;
                std::future::pending::<()>().await;
            });
            task::yield_now().await;
            h.abort();
            let err = h.await.unwrap_err();
            assert!(err.is_cancelled(), "{name}");
            assert_eq!(
                d.load(Ordering::SeqCst),
                1,
                "{name}: future dropped by abort"
            );
        });
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn abort_handle_aborts_a_task_awaited_elsewhere() {
    for (name, rt) in schedulers() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let d = dropped.clone();
        rt.block_on(async move {
            let guard = DropGuard(d.clone());
            let h = task::spawn(async move {
                let _g = guard;
                std::future::pending::<()>().await;
            });
            let abort = h.abort_handle();
            assert_eq!(abort.id(), h.id());
            // The JoinHandle is awaited by another task; we only hold the
            // AbortHandle (and a clone that outlives everything).
            let waiter = task::spawn(async move { h.await.unwrap_err().is_cancelled() });
            let late = abort.clone();
            task::yield_now().await;
            assert!(!abort.is_finished(), "{name}");
            abort.abort();
            drop(abort);
            assert!(waiter.await.unwrap(), "{name}: cancelled JoinError");
            assert!(late.is_finished(), "{name}");
            assert_eq!(d.load(Ordering::SeqCst), 1, "{name}: future dropped");
            late.abort(); // finished: nothing happens
        });
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn abort_handle_outliving_its_task_and_runtime_frees_the_task_last() {
    let rt = Scheduler::multi_thread(2).unwrap();
    let abort = rt.block_on(async {
        let h = task::spawn(async { String::from("done") });
        let abort = h.abort_handle();
        assert_eq!(h.await.unwrap(), "done");
        // Aborting a finished task changes nothing.
        abort.abort();
        assert!(abort.is_finished());
        abort
    });
    drop(rt);
    // The allocation is still ours; dropping the last reference frees it
    // (miri checks for a leak or a use after free here).
    assert!(abort.is_finished());
    drop(abort);
}

#[test]
fn abort_after_completion_keeps_output() {
    let rt = Scheduler::multi_thread(2).unwrap();
    rt.block_on(async {
        let h = task::spawn(async { 3 });
        while !h.is_finished() {
            task::yield_now().await;
        }
        h.abort();
        assert_eq!(h.await.unwrap(), 3);
    });
}

#[test]
fn dropping_runtime_drops_all_pending_tasks_promptly() {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let n = scale(10_000);
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut cfg = Config::new(flavor);
        cfg.worker_threads = 2;
        let rt = Scheduler::new(cfg).unwrap();
        for _ in 0..n {
            let g = DropGuard(dropped.clone());
            rt.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await;
            });
        }
        // Let the multi-thread workers poll some of them.
        rt.block_on(async {
            for _ in 0..10 {
                task::yield_now().await;
            }
        });
        let start = Instant::now();
        drop(rt);
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "shutdown took {:?}",
            start.elapsed()
        );
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            n,
            "{flavor:?}: every task's future dropped"
        );
    }
}

#[test]
fn detached_task_keeps_running() {
    let rt = Scheduler::multi_thread(2).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    drop(rt.spawn(async move {
        task::yield_now().await;
        tx.send(9).unwrap();
    }));
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 9);
}

#[test]
fn worker_threads_zero_is_an_error() {
    let mut cfg = Config::new(Flavor::MultiThread);
    cfg.worker_threads = 0;
    let err = Scheduler::new(cfg).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("worker_threads"));
}

#[test]
fn block_on_inside_runtime_is_an_error_not_a_deadlock() {
    for (name, rt) in schedulers() {
        let inner = Scheduler::current_thread().unwrap();
        let r = rt.block_on(async {
            inner
                .checked_block_on(async { 1 })
                .map_err(|e| e.to_string())
        });
        let e = r.unwrap_err();
        assert!(
            e.contains("cannot block_on from inside a runtime"),
            "{name}: {e}"
        );
        // And from inside a spawned task.
        let inner = Arc::new(inner);
        let i2 = inner.clone();
        let r = rt.block_on(async move {
            task::spawn(async move { i2.checked_block_on(async { 1 }).is_err() })
                .await
                .unwrap()
        });
        assert!(r, "{name}");
        // But a blocking-pool thread may block_on.
        let i3 = inner.clone();
        let v = rt.block_on(async move {
            task::spawn_blocking(move || i3.block_on(async { 4 }))
                .await
                .unwrap()
        });
        assert_eq!(v, 4, "{name}");
    }
}

#[test]
#[should_panic(expected = "cannot block_on from inside a runtime")]
fn nested_block_on_panics_with_clear_message() {
    let rt = Scheduler::current_thread().unwrap();
    let rt2 = Scheduler::current_thread().unwrap();
    rt.block_on(async { rt2.block_on(async {}) });
}

#[test]
fn spawn_outside_runtime_panics_try_current_errors() {
    assert!(myrt_executor::Handle::checked_current().is_err());
    let r = std::panic::catch_unwind(|| task::spawn(async {}));
    let msg = r.unwrap_err();
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("no myrt runtime"), "{msg}");
}

/// A task whose `JoinHandle` has resolved is no longer counted live: it
/// leaves the registry before it is marked complete. (Before, the handle
/// was woken first and a metrics read right after the join could still
/// count it, about one run in ten on a busy 2-core machine.)
#[test]
fn joined_task_is_not_live() {
    for (name, rt) in schedulers() {
        let h = rt.handle().clone();
        let stale = rt.block_on(async move {
            let mut stale = 0;
            for _ in 0..scale(20_000) {
                task::spawn(async {}).await.unwrap();
                if h.metrics().live_tasks != 0 {
                    stale += 1;
                }
            }
            stale
        });
        assert_eq!(stale, 0, "{name}: joined tasks still counted live");
    }
}

/// Two threads `block_on` one current-thread runtime: the second polls its
/// own future while the first drives the tasks, and takes the core over
/// when the first returns (before, it waited without driving anything and
/// hung once its future needed a task to run).
#[test]
fn second_block_on_takes_over_the_current_thread_core() {
    use std::sync::atomic::AtomicBool;
    let rt = Arc::new(Scheduler::current_thread().unwrap());
    let first_done = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let rt2 = rt.clone();
    let done2 = first_done.clone();
    let second = rt.block_on(async move {
        // This block_on holds the core: the thread below starts its own
        // block_on while it does.
        let started = Arc::new(AtomicBool::new(false));
        let started2 = started.clone();
        let second = std::thread::spawn(move || {
            let v = rt2.block_on(async move {
                started2.store(true, Ordering::SeqCst);
                // Needs the scheduler to run it after the first block_on
                // has returned.
                task::spawn(async move {
                    while !done2.load(Ordering::SeqCst) {
                        task::yield_now().await;
                    }
                    9
                })
                .await
                .unwrap()
            });
            tx.send(v).unwrap();
        });
        while !started.load(Ordering::SeqCst) {
            task::yield_now().await;
        }
        second
    });
    first_done.store(true, Ordering::SeqCst);
    let v = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the second block_on never took over the core");
    assert_eq!(v, 9);
    second.join().unwrap();
}

/// A join waker that panics when the task completes (a foreign executor's
/// bug) costs neither the worker thread nor the task's release: the next
/// task still runs on the runtime's only worker. (Before, the panic skipped
/// the release and unwound out of the worker, which died.)
#[test]
fn panicking_join_waker_does_not_kill_the_worker() {
    use std::future::Future;
    use std::sync::atomic::AtomicBool;
    struct Bomb;
    impl std::task::Wake for Bomb {
        fn wake(self: Arc<Self>) {
            panic!("join waker bomb");
        }
    }
    let rt = Scheduler::multi_thread(1).unwrap();
    let go = Arc::new(AtomicBool::new(false));
    let g = go.clone();
    let mut h = rt.spawn(async move {
        while !g.load(Ordering::SeqCst) {
            task::yield_now().await;
        }
        1
    });
    let bomb = std::task::Waker::from(Arc::new(Bomb));
    let first = std::pin::Pin::new(&mut h).poll(&mut std::task::Context::from_waker(&bomb));
    assert!(first.is_pending());
    // Quiet the expected panic message.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    go.store(true, Ordering::SeqCst);
    let (tx, rx) = std::sync::mpsc::channel();
    let h2 = rt.spawn(async { 2 });
    std::thread::spawn({
        let handle = rt.handle().clone();
        move || {
            let _ = tx.send(handle.block_on(h2).unwrap());
        }
    });
    let got = rx.recv_timeout(Duration::from_secs(30));
    std::panic::set_hook(hook);
    assert_eq!(got.expect("the worker died with the join waker's panic"), 2);
    assert_eq!(rt.block_on(h).unwrap(), 1);
}
