//! `ThreadPoolExecutor` and `Executor::map` (ported in spirit from CPython's
//! `test_concurrent_futures/test_thread_pool.py`, `executor.py`,
//! `test_shutdown.py` and `test_init.py`).

mod cf_common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use cf_common::{block_on, join_all, scaled, watchdog, Gate, LONG};
use myrt_executor::concurrent::{
    BuildError, Executor, FutureError, SubmitError, ThreadPoolExecutor,
};

fn pool(n: usize) -> ThreadPoolExecutor {
    ThreadPoolExecutor::builder().max_workers(n).build()
}

#[test]
fn submit_and_result() {
    watchdog(|| {
        let pool = pool(2);
        let f = pool.submit(|| 2 + 3).unwrap();
        assert_eq!(f.result_timeout(LONG).unwrap(), 5);
        assert!(f.done() && !f.running() && !f.cancelled());
    });
}

#[test]
fn panicking_job_is_reported_and_worker_survives() {
    watchdog(|| {
        let pool = pool(1);
        let f = pool.submit(|| -> u8 { panic!("job failed") }).unwrap();
        let err = f.result_timeout(LONG).unwrap_err();
        assert_eq!(err.panic_message(), Some("job failed"));
        assert!(f.failed());
        let g = pool.submit(|| 1).unwrap();
        assert_eq!(g.result_timeout(LONG).unwrap(), 1);
        assert_eq!(pool.num_threads(), 1);
    });
}

#[test]
fn default_max_workers_is_cpus_plus_four_capped_at_32() {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(ThreadPoolExecutor::new().max_workers(), (cpus + 4).min(32));
}

#[test]
fn zero_workers_is_an_error() {
    let err = ThreadPoolExecutor::builder()
        .max_workers(0)
        .checked_build()
        .unwrap_err();
    assert_eq!(err, BuildError::ZeroWorkers);
    assert!(err.to_string().contains("max_workers"));
}

#[test]
#[should_panic(expected = "max_workers must be greater than 0")]
fn zero_workers_build_panics() {
    let _ = ThreadPoolExecutor::builder().max_workers(0).build();
}

#[test]
fn threads_are_named_prefix_index() {
    watchdog(|| {
        let pool = ThreadPoolExecutor::builder()
            .max_workers(3)
            .thread_name_prefix("SpecialPool")
            .build();
        // All three must run at once, so each gets its own thread.
        let barrier = Arc::new(Barrier::new(3));
        let futures: Vec<_> = (0..3)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                pool.submit(move || {
                    barrier.wait();
                    thread::current().name().unwrap().to_owned()
                })
                .unwrap()
            })
            .collect();
        let names: HashSet<String> = futures
            .iter()
            .map(|f| f.result_timeout(LONG).unwrap())
            .collect();
        let expected: HashSet<String> = (0..3).map(|i| format!("SpecialPool_{i}")).collect();
        assert_eq!(names, expected);

        let default = ThreadPoolExecutor::builder().max_workers(1).build();
        let name = default
            .submit(|| thread::current().name().unwrap().to_owned())
            .unwrap()
            .result_timeout(LONG)
            .unwrap();
        assert!(name.starts_with("ThreadPoolExecutor-"), "{name}");
        assert!(name.ends_with("_0"), "{name}");
    });
}

#[test]
fn no_thread_before_first_submit_and_idle_threads_are_reused() {
    watchdog(|| {
        let pool = pool(8);
        assert_eq!(pool.num_threads(), 0);
        for i in 0..scaled(20, 5) {
            assert_eq!(
                pool.submit(move || i)
                    .unwrap()
                    .result_timeout(LONG)
                    .unwrap(),
                i
            );
            // Let the worker go back to sleep before the next submit.
            thread::sleep(Duration::from_millis(2));
        }
        // Each submit found the previous worker idle (or about to be).
        assert!(pool.num_threads() <= 2, "{} threads", pool.num_threads());
    });
}

/// Job A waits for job B, submitted right after it, while the pool's only
/// worker is idle (usually still spinning after a first job): the spinner
/// takes one of them, and the other must get a thread of its own, or A
/// holds the only thread waiting for B (Python starts a thread unless an
/// idle one is free for *that* job).
#[test]
fn back_to_back_jobs_each_get_an_idle_worker_or_a_new_thread() {
    watchdog(|| {
        // How long A waits for B: a deadlock fails the test instead of
        // hanging it.
        const WAIT_FOR_B: Duration = Duration::from_secs(10);
        // A fresh pool each round: the worker is caught spinning in some
        // rounds, sleeping or still busy in others.
        for round in 0..scaled(50, 5) {
            let pool = pool(2);
            assert_eq!(pool.submit(|| 1).unwrap().result_timeout(LONG).unwrap(), 1);
            let (tx, rx) = mpsc::channel();
            let a = pool
                .submit(move || rx.recv_timeout(WAIT_FOR_B).is_ok())
                .unwrap();
            let b = pool.submit(move || tx.send(()).is_ok()).unwrap();
            assert!(
                a.result_timeout(LONG).unwrap(),
                "round {round}: job B never ran while job A waited for it"
            );
            assert!(b.result_timeout(LONG).unwrap(), "round {round}");
            assert_eq!(pool.num_threads(), 2, "round {round}");
        }
    });
}

#[test]
fn never_more_than_max_workers_threads() {
    watchdog(|| {
        let pool = pool(3);
        let gate = Gate::new();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let futures: Vec<_> = (0..10)
            .map(|_| {
                let (gate, running, peak) = (gate.clone(), running.clone(), peak.clone());
                pool.submit(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    gate.wait();
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .unwrap()
            })
            .collect();
        assert_eq!(pool.num_threads(), 3);
        gate.open();
        for f in &futures {
            f.result_timeout(LONG).unwrap();
        }
        assert_eq!(pool.num_threads(), 3);
        assert!(peak.load(Ordering::SeqCst) <= 3);
    });
}

#[test]
fn submit_after_shutdown_is_refused_and_hands_job_back() {
    let pool = pool(2);
    pool.shutdown(true, false);
    let err = pool.submit(|| 41 + 1).unwrap_err();
    assert!(err.is_shut_down() && !err.is_broken());
    assert!(err.to_string().contains("shutdown"));
    assert_eq!((err.into_inner())(), 42);
    // A second shutdown is harmless.
    pool.shutdown(true, true);
}

#[test]
fn shutdown_cancel_futures_cancels_queued_not_running() {
    watchdog(|| {
        let pool = pool(1);
        let started = Gate::new();
        let release = Gate::new();
        let (s, r) = (started.clone(), release.clone());
        let running = pool
            .submit(move || {
                s.open();
                r.wait();
                "finished"
            })
            .unwrap();
        started.wait();
        let queued: Vec<_> = (0..5).map(|i| pool.submit(move || i).unwrap()).collect();
        pool.shutdown(false, true);
        assert!(running.running());
        assert!(!running.cancel());
        for f in &queued {
            assert!(f.cancelled() && f.done());
            assert!(matches!(f.result(), Err(FutureError::Cancelled)));
        }
        release.open();
        assert_eq!(running.result_timeout(LONG).unwrap(), "finished");
    });
}

#[test]
fn shutdown_without_cancel_runs_queued_jobs() {
    watchdog(|| {
        let pool = pool(1);
        let gate = Gate::new();
        let g = gate.clone();
        let first = pool.submit(move || g.wait()).unwrap();
        let rest: Vec<_> = (0..5)
            .map(|i| pool.submit(move || i * 2).unwrap())
            .collect();
        pool.shutdown(false, false);
        assert!(pool.submit(|| 0).is_err());
        gate.open();
        first.result_timeout(LONG).unwrap();
        let got: Vec<_> = rest
            .iter()
            .map(|f| f.result_timeout(LONG).unwrap())
            .collect();
        assert_eq!(got, [0, 2, 4, 6, 8]);
    });
}

#[test]
fn drop_waits_for_all_submitted_jobs() {
    watchdog(|| {
        let done = Arc::new(AtomicUsize::new(0));
        let pool = pool(2);
        for _ in 0..6 {
            let done = Arc::clone(&done);
            pool.submit(move || {
                thread::sleep(Duration::from_millis(2));
                done.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        drop(pool);
        assert_eq!(done.load(Ordering::SeqCst), 6);
    });
}

#[test]
fn a_job_can_shut_its_own_pool_down() {
    watchdog(|| {
        let pool = Arc::new(pool(2));
        let p = Arc::clone(&pool);
        let f = pool
            .submit(move || {
                p.shutdown(true, false);
                p.submit(|| ()).is_err()
            })
            .unwrap();
        assert!(f.result_timeout(LONG).unwrap());
    });
}

#[test]
fn pool_dropped_from_inside_its_own_job() {
    watchdog(|| {
        let pool = Arc::new(pool(1));
        let p = Arc::clone(&pool);
        let (tx, rx) = mpsc::channel();
        pool.submit(move || {
            let _ = rx.recv_timeout(LONG);
            drop(p); // the last handle: Drop runs on the worker itself
        })
        .unwrap();
        drop(pool);
        tx.send(()).unwrap();
    });
}

#[test]
fn panicking_initializer_breaks_the_pool() {
    watchdog(|| {
        let pool = ThreadPoolExecutor::builder()
            .max_workers(2)
            .initializer(|| panic!("init boom"))
            .build();
        let futures: Vec<_> = (0..3).filter_map(|i| pool.submit(move || i).ok()).collect();
        assert!(!futures.is_empty());
        for f in &futures {
            match f.result_timeout(LONG) {
                Err(FutureError::BrokenPool(why)) => {
                    assert!(
                        why.contains("initializer") && why.contains("init boom"),
                        "{why}"
                    );
                }
                other => panic!("expected a broken pool, got {other:?}"),
            }
            assert!(f.failed());
        }
        let why = pool.broken().expect("pool is broken");
        assert!(why.contains("init boom"));
        let err = pool.submit(|| 0).unwrap_err();
        assert!(err.is_broken());
        assert!(err.to_string().contains("init boom"));
    });
}

#[test]
fn failing_try_initializer_breaks_the_pool() {
    watchdog(|| {
        let pool = ThreadPoolExecutor::builder()
            .max_workers(1)
            .fallible_initializer(|| Err::<(), _>("no database"))
            .build();
        let f = pool.submit(|| 1).unwrap();
        let err = f.result_timeout(LONG).unwrap_err();
        assert!(matches!(&err, FutureError::BrokenPool(w) if w.contains("no database")));
        assert!(err.to_string().contains("broken"));
    });
}

#[test]
fn initializer_runs_once_per_thread() {
    watchdog(|| {
        let inits = Arc::new(Mutex::new(Vec::new()));
        let i2 = Arc::clone(&inits);
        let pool = ThreadPoolExecutor::builder()
            .max_workers(2)
            .initializer(move || i2.lock().unwrap().push(thread::current().id()))
            .build();
        let barrier = Arc::new(Barrier::new(2));
        let futures: Vec<_> = (0..4)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                pool.submit(move || {
                    barrier.wait();
                    thread::current().id()
                })
                .unwrap()
            })
            .collect();
        let ids: HashSet<_> = futures
            .iter()
            .map(|f| f.result_timeout(LONG).unwrap())
            .collect();
        drop(pool);
        let inits = inits.lock().unwrap();
        assert_eq!(inits.len(), 2);
        assert_eq!(inits.iter().copied().collect::<HashSet<_>>(), ids);
    });
}

#[test]
fn hundred_thousand_submits_lose_nothing() {
    watchdog(|| {
        let n = scaled(100_000, 300);
        let pool = pool(4);
        let futures: Vec<_> = (0..n)
            .map(|i| pool.submit(move || i * 3).unwrap())
            .collect();
        for (i, f) in futures.iter().enumerate() {
            assert_eq!(f.result_timeout(LONG).unwrap(), i * 3);
        }
    });
}

#[test]
fn many_threads_submit_concurrently() {
    watchdog(|| {
        let pool = Arc::new(pool(4));
        let per = scaled(2_000, 30);
        let submitters: Vec<_> = (0..4)
            .map(|t| {
                let pool = Arc::clone(&pool);
                thread::spawn(move || {
                    let fs: Vec<_> = (0..per)
                        .map(|i| pool.submit(move || t * 1_000_000 + i).unwrap())
                        .collect();
                    fs.into_iter()
                        .enumerate()
                        .all(|(i, f)| f.result_timeout(LONG).unwrap() == t * 1_000_000 + i)
                })
            })
            .collect();
        for s in submitters {
            assert!(s.join().unwrap());
        }
    });
}

#[test]
fn pool_futures_awaited_from_async() {
    watchdog(|| {
        let pool = pool(4);
        let n = scaled(1000, 20);
        let futures: Vec<_> = (0..n)
            .map(|i| {
                pool.submit(move || {
                    if i % 100 == 0 {
                        thread::sleep(Duration::from_millis(1));
                    }
                    i
                })
                .unwrap()
            })
            .collect();
        let (outs, _) = block_on(join_all(futures));
        let outs: Vec<usize> = outs.into_iter().map(Result::unwrap).collect();
        assert_eq!(outs, (0..n).collect::<Vec<_>>());
    });
}

#[test]
fn map_yields_in_input_order() {
    watchdog(|| {
        let pool = pool(4);
        let out: Vec<u64> = pool
            .map(
                |x: u64| {
                    thread::sleep(Duration::from_millis(10 - x));
                    x * x
                },
                0..10,
            )
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(out, (0..10).map(|x| x * x).collect::<Vec<_>>());
    });
}

#[test]
fn map_reports_a_failed_call_at_its_position() {
    watchdog(|| {
        let pool = pool(2);
        let results: Vec<_> = pool
            .map(
                |x: i32| {
                    assert!(x != 2, "two is bad");
                    x
                },
                0..5,
            )
            .unwrap()
            .collect();
        assert_eq!(results.len(), 5);
        for (i, r) in results.iter().enumerate() {
            if i == 2 {
                assert!(r.as_ref().unwrap_err().is_panic());
            } else {
                assert_eq!(*r.as_ref().unwrap(), i as i32);
            }
        }
    });
}

#[test]
fn map_timeout_counts_from_the_call() {
    watchdog(|| {
        let pool = pool(1);
        let release = Gate::new();
        let ran = Arc::new(AtomicUsize::new(0));
        let first_ran = Gate::new();
        let (r, f, ran2) = (release.clone(), first_ran.clone(), ran.clone());
        let start = std::time::Instant::now();
        let mut it = pool
            .map_timeout(
                move |x: u32| {
                    ran2.fetch_add(1, Ordering::SeqCst);
                    if x == 0 {
                        f.open();
                    }
                    if x == 1 {
                        r.wait();
                    }
                    x
                },
                0..4,
                Duration::from_millis(100),
            )
            .unwrap();
        first_ran.wait();
        thread::sleep(Duration::from_millis(150).saturating_sub(start.elapsed()));
        // The deadline already passed, but item 0 is done: it is yielded.
        assert_eq!(it.next().unwrap().unwrap(), 0);
        assert!(it.next().unwrap().unwrap_err().is_timeout());
        assert!(it.next().is_none());
        release.open();
        drop(it);
        pool.shutdown(true, false);
        // Items 2 and 3 were cancelled while item 1 blocked the only worker.
        assert_eq!(ran.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn dropping_map_cancels_the_rest() {
    watchdog(|| {
        let pool = pool(1);
        let (gate, later) = (Gate::new(), Gate::new());
        let ran = Arc::new(AtomicUsize::new(0));
        let (g, l, ran2) = (gate.clone(), later.clone(), ran.clone());
        let mut it = pool
            .map(
                move |x: u32| {
                    ran2.fetch_add(1, Ordering::SeqCst);
                    if x == 0 {
                        g.wait();
                    } else {
                        l.wait();
                    }
                    x
                },
                0..10,
            )
            .unwrap();
        assert_eq!(it.size_hint(), (0, Some(10)));
        let first = thread::spawn(move || {
            let v = it.next().unwrap().unwrap();
            drop(it);
            v
        });
        thread::sleep(Duration::from_millis(10));
        gate.open();
        assert_eq!(first.join().unwrap(), 0);
        later.open();
        pool.shutdown(true, false);
        // Item 1 may have started before the drop; the rest never ran.
        assert!(
            ran.load(Ordering::SeqCst) <= 2,
            "{}",
            ran.load(Ordering::SeqCst)
        );
    });
}

#[test]
fn map_after_shutdown_fails() {
    let pool = pool(1);
    pool.shutdown(true, false);
    let err = pool.map(|x: u8| x, [1, 2]).unwrap_err();
    assert!(matches!(err, SubmitError::ShutDown(())));
}

#[test]
fn pool_is_send_sync_and_debug() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ThreadPoolExecutor>();
    let pool = pool(1);
    pool.submit(|| ()).unwrap().result_timeout(LONG).unwrap();
    let dbg = format!("{pool:?}");
    assert!(
        dbg.contains("max_workers: 1") && dbg.contains("threads: 1"),
        "{dbg}"
    );
    assert_eq!(pool.queued(), 0);
    assert!(pool.broken().is_none());
}
