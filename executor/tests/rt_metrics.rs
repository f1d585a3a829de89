//! `Handle::metrics` counts what happened: polls, budget-forced yields,
//! parks, steals, and the depth of each queue; `task::all` reports ages.
//! Every assertion is on a count the test forced, never on timing.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use myrt_executor::coop;
use myrt_executor::scheduler::{Config, Flavor, Metrics, Scheduler};
use myrt_executor::task;

/// Always ready, but spends budget like a socket that always has data.
struct AlwaysReady;
impl Future for AlwaysReady {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        coop::poll_budget(cx)
    }
}

fn sum(m: &Metrics, f: impl Fn(&myrt_executor::scheduler::WorkerMetrics) -> u64) -> u64 {
    m.per_worker.iter().map(f).sum()
}

/// Re-reads the metrics until `done` holds; fails after a minute (a
/// deadline against hangs, not a timing assertion).
fn eventually(rt: &Scheduler, what: &str, done: impl Fn(&Metrics) -> bool) -> Metrics {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = rt.handle().metrics();
        if done(&m) {
            return m;
        }
        assert!(Instant::now() < deadline, "{what}: never happened: {m:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn polls_and_budget_yields_are_counted_on_both_schedulers() {
    for rt in [
        Scheduler::current_thread().unwrap(),
        Scheduler::multi_thread(2).unwrap(),
    ] {
        let before = rt.handle().metrics();
        assert_eq!(before.per_worker.len(), before.workers);
        rt.block_on(async {
            let hs: Vec<_> = (0..50)
                .map(|_| {
                    task::spawn(async {
                        for _ in 0..3 {
                            task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
            // 1,000 ready operations with a budget of 128 per poll: the
            // task is made to yield at least 7 times.
            task::spawn(async {
                for _ in 0..1000 {
                    AlwaysReady.await;
                }
            })
            .await
            .unwrap();
        });
        // A worker counts a poll after it returns, which may be after the
        // join above saw the task finish: wait for the counts to settle.
        // Each of the 50 tasks is polled once per yield plus once more; the
        // budget task is made to yield 1000 / 128 = 7 times.
        let min_forced = u64::from(1000 / coop::BUDGET);
        let before_polls = sum(&before, |w| w.polls);
        let after = eventually(&rt, "every poll counted", |m| {
            sum(m, |w| w.polls) - before_polls > 50 * 4 + min_forced
                && sum(m, |w| w.budget_yields) >= min_forced
        });
        let forced = sum(&after, |w| w.budget_yields);
        // Only the budget task ran out; the yield_now loops did not.
        assert!(
            forced <= min_forced + 1,
            "budget yields {forced}: {after:?}"
        );
    }
}

#[test]
fn idle_workers_count_their_parks() {
    let rt = Scheduler::multi_thread(2).unwrap();
    rt.block_on(async { task::spawn(async {}).await.unwrap() });
    // With nothing to do both workers go to sleep.
    eventually(&rt, "both workers park", |m| {
        m.per_worker.iter().all(|w| w.parks >= 1)
    });
}

#[test]
fn a_blocked_workers_queue_is_stolen() {
    let rt = Scheduler::multi_thread(2).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    rt.block_on(async move {
        task::spawn(async move {
            // Spawned from a worker, these go to its own queue (the last
            // one to its LIFO slot, which nobody else can take).
            for _ in 0..10 {
                let tx = tx.clone();
                // The last one may run after the receiver is gone.
                task::spawn(async move { _ = tx.send(()) });
            }
            // This worker now blocks, so only a steal runs the first nine.
            for i in 0..9 {
                rx.recv_timeout(Duration::from_secs(60))
                    .unwrap_or_else(|e| panic!("child {i} never ran: {e}"));
            }
        })
        .await
        .unwrap();
    });
    let m = rt.handle().metrics();
    assert!(sum(&m, |w| w.steals) >= 1, "{m:?}");
}

#[test]
fn injector_and_local_depths_show_queued_tasks() {
    let rt = Scheduler::current_thread().unwrap();
    // Spawned from outside while nobody drives the runtime: the injector.
    let hs: Vec<_> = (0..5).map(|_| rt.spawn(async {})).collect();
    assert_eq!(rt.handle().metrics().injector_depth, 5);
    rt.block_on(async {
        for h in hs {
            h.await.unwrap();
        }
        assert_eq!(task::checked_all().unwrap().len(), 0);
        // Spawned from the driving thread: its local queue.
        let local: Vec<_> = (0..4).map(|_| task::spawn(async {})).collect();
        let m = myrt_executor::Handle::current().metrics();
        assert_eq!(m.per_worker[0].local_queue_depth, 4, "{m:?}");
        assert_eq!(m.injector_depth, 0, "{m:?}");
        for h in local {
            h.await.unwrap();
        }
    });
    let m = rt.handle().metrics();
    assert_eq!(
        (m.injector_depth, m.per_worker[0].local_queue_depth),
        (0, 0),
        "{m:?}"
    );
}

#[test]
fn blocking_queue_depth_counts_jobs_waiting_for_a_thread() {
    let mut config = Config::new(Flavor::CurrentThread);
    config.max_blocking_threads = 1;
    let rt = Scheduler::new(config).unwrap();
    let (started, gate) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
    let (s, g) = (started.clone(), gate.clone());
    let first = rt.handle().spawn_blocking(move || {
        s.wait();
        g.wait();
    });
    started.wait();
    let rest: Vec<_> = (0..3)
        .map(|i| rt.handle().spawn_blocking(move || i))
        .collect();
    // The one thread is held by the first job: three wait.
    assert_eq!(rt.handle().metrics().blocking_queue_depth, 3);
    gate.wait();
    rt.block_on(async {
        first.await.unwrap();
        for (i, h) in rest.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), i);
        }
    });
    assert_eq!(rt.handle().metrics().blocking_queue_depth, 0);
}

#[test]
fn task_ages_grow_from_spawn() {
    let rt = Scheduler::multi_thread(2).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let waiter = rt.spawn(async move {
        // Waits (without holding a worker) until the test lets it go.
        task::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap();
    });
    std::thread::sleep(Duration::from_millis(60));
    let fresh = rt.spawn(async {});
    let infos = rt.handle().tasks();
    let old = infos.iter().find(|t| t.id == waiter.id());
    let old = old.expect("the waiting task is live");
    // At least 60 ms have passed; the coarse clock may lag a tick or two.
    assert!(old.age >= Duration::from_millis(30), "{infos:?}");
    if let Some(new) = infos.iter().find(|t| t.id == fresh.id()) {
        assert!(new.age <= old.age, "{infos:?}");
    }
    tx.send(()).unwrap();
    rt.block_on(async {
        waiter.await.unwrap();
        fresh.await.unwrap();
    });
}
